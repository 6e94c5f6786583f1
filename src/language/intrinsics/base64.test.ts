import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64, utf8Decode, utf8Encode } from './base64.js';

const encode = (text: string): string => encodeBase64(utf8Encode(text));
const decode = (text: string): string | undefined => {
  const bytes = decodeBase64(text);
  return bytes === undefined ? undefined : utf8Decode(bytes);
};

describe('base64', () => {
  it('encodes the RFC 4648 test vectors', () => {
    const vectors = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(encode(plain ?? '')).toBe(encoded);
      expect(decode(encoded ?? '')).toBe(plain);
    }
  });

  it('matches the AWS States.Base64Encode example', () => {
    expect(encode('Data to encode')).toBe('RGF0YSB0byBlbmNvZGU=');
  });

  it('encodes UTF-8, not Latin-1', () => {
    expect(encode('é')).toBe('w6k=');
    expect(decode('8J+YgA==')).toBe('😀');
  });

  it('round-trips any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), (text) => {
        expect(decode(encode(text))).toBe(text);
      }),
    );
  });

  it.each(['@@@@', 'Zg=', 'Z', 'Zm9v=', 'Zg==Zg==', '=Zg=', 'Zm 9v', 'Zg===', 'Zm9v\n'])(
    'rejects %j',
    (text) => {
      expect(decodeBase64(text)).toBeUndefined();
    },
  );

  it('rejects bytes that are not UTF-8', () => {
    expect(utf8Decode(new Uint8Array([0xff, 0xfe]))).toBeUndefined();
  });
});
