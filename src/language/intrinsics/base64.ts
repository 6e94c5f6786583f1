/**
 * Base64 (RFC 4648 §4, the MIME alphabet with `=` padding) over UTF-8 bytes, written here
 * because language/ may not import `node:buffer` and `atob`/`btoa` work on Latin-1, not UTF-8.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE: ReadonlyMap<string, number> = new Map([...ALPHABET].map((char, i) => [char, i]));

/** Encodes bytes as padded Base64. */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += char(n >> 18) + char(n >> 12) + char(n >> 6) + char(n);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] ?? 0) << 16;
    out += char(n >> 18) + char(n >> 12) + '==';
  } else if (rest === 2) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += char(n >> 18) + char(n >> 12) + char(n >> 6) + '=';
  }
  return out;
}

function char(sextet: number): string {
  return ALPHABET.charAt(sextet & 63);
}

/**
 * Decodes padded or unpadded Base64. Returns undefined for text that is not Base64 (a character
 * outside the alphabet, misplaced padding, or a length that cannot come from an encoder).
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  const unpadded = text.replace(/={1,2}$/, '');
  if (text.length % 4 !== 0 && text.length !== unpadded.length) return undefined;
  if (unpadded.length % 4 === 1) return undefined;
  const bytes = new Uint8Array(Math.floor((unpadded.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let at = 0;
  for (const c of unpadded) {
    const value = DECODE.get(c);
    if (value === undefined) return undefined;
    buffer = ((buffer << 6) | value) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (buffer >> bits) & 0xff;
    }
  }
  return bytes;
}

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8Encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Decodes UTF-8 strictly; undefined when the bytes are not valid UTF-8. */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error: unknown) {
    // TextDecoder with fatal: true reports invalid UTF-8 only by throwing a TypeError.
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}
