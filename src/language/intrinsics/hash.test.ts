import { describe, expect, it } from 'vitest';
import { utf8Encode } from './base64.js';
import type { HashAlgorithm } from './hash.js';
import { hashHex, isHashAlgorithm } from './hash.js';

const hex = (algorithm: HashAlgorithm, text: string): string =>
  hashHex(algorithm, utf8Encode(text));

describe('digests against published test vectors', () => {
  it.each<[HashAlgorithm, string, string]>([
    ['MD5', '', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['MD5', 'abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['MD5', 'a'.repeat(1000), 'cabe45dcc9ae5b66ba86600cca6b8ba8'],
    ['SHA-1', '', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['SHA-1', 'abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    [
      'SHA-1',
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
    ],
    ['SHA-256', '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['SHA-256', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['SHA-256', 'héllo ✓ 😀', 'ed48bf1a238c902172191a3a1f46532d86cc20dc6bea2f3f9a90215097b1e10c'],
    [
      'SHA-384',
      'abc',
      'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    ],
    [
      'SHA-512',
      'abc',
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    ],
    [
      'SHA-512',
      'a'.repeat(200),
      '4b11459c33f52a22ee8236782714c150a3b2c60994e9acee17fe68947a3e6789f31e7668394592da7bef827cddca88c4e6f86e4df7ed1ae6cba71f3e98faee9f',
    ],
  ])('%s(%j)', (algorithm, text, expected) => {
    expect(hex(algorithm, text)).toBe(expected);
  });

  it('matches the AWS States.Hash example (SHA-1 of "input data"; the page drops one digit)', () => {
    expect(hex('SHA-1', 'input data')).toBe('aaff4a450a104cd177d28d18d74485e8cae074b7');
  });

  it('handles every padding boundary around one block', () => {
    for (const length of [55, 56, 63, 64, 65, 111, 112, 127, 128, 129]) {
      for (const algorithm of ['MD5', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'] as const) {
        expect(hex(algorithm, 'x'.repeat(length))).toMatch(/^[0-9a-f]+$/);
      }
    }
    expect(hex('SHA-256', 'x'.repeat(64))).not.toBe(hex('SHA-256', 'x'.repeat(63)));
  });

  it('accepts only the five algorithm names AWS lists, case-sensitively', () => {
    expect(['MD5', 'SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'].every(isHashAlgorithm)).toBe(true);
    for (const name of [
      'md5',
      'SHA1',
      'sha-256',
      'SHA-224',
      'SHA3-256',
      '',
      '__proto__',
      'constructor',
    ]) {
      expect(isHashAlgorithm(name)).toBe(false);
    }
  });
});
