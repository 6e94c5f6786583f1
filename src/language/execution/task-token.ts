/**
 * Task tokens for `.waitForTaskToken` tasks. A token is a bearer secret: whoever holds it may
 * complete the task (SendTaskSuccess). With a `tokenKey` from the event (fresh random bytes
 * from the engine), a token is `<execution ARN>#<n>#<HMAC-SHA256(key, execution ARN#n)>`, so
 * holding one token tells nothing about another. Without one (the local runner) the secret
 * part comes from the seeded PRNG: fine for tests, not for a server.
 */
import { hashHex } from '../intrinsics/index.js';

const BLOCK = 64;

/** HMAC-SHA256 (RFC 2104) over our pure SHA-256; the core may not use node:crypto. */
export function hmacSha256Hex(keyHex: string, message: string): string {
  let key = hexBytes(keyHex);
  if (key.length > BLOCK) key = hexBytes(hashHex('SHA-256', key));
  const inner = new Uint8Array(BLOCK);
  const outer = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    const k = key[i] ?? 0;
    inner[i] = k ^ 0x36;
    outer[i] = k ^ 0x5c;
  }
  const innerHash = hexBytes(hashHex('SHA-256', concat(inner, new TextEncoder().encode(message))));
  return hashHex('SHA-256', concat(outer, innerHash));
}

/** The token for the task numbered `n` of an execution. */
export function taskToken(executionId: string, n: number, tokenKey: string): string {
  const handle = `${executionId}#${n}`;
  return `${handle}#${hmacSha256Hex(tokenKey, handle)}`;
}

/** The execution a token belongs to, or undefined when it is not shaped like one of ours. */
export function executionOfToken(token: string): string | undefined {
  const parts = token.split('#');
  return parts.length === 3 &&
    parts[0] !== '' &&
    /^\d+$/.test(parts[1] ?? '') &&
    /^[0-9a-f]{32,}$/.test(parts[2] ?? '')
    ? parts[0]
    : undefined;
}

/** Compares two tokens in time that depends only on their length. */
export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(Math.floor(hex.length / 2));
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
