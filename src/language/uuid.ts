/**
 * Version 4 UUIDs drawn from the execution's random source, so a replay produces the same ones
 * (STYLE §2). Shared by States.UUID (intrinsic-functions) and JSONata `$uuid()`.
 */
import type { RandomSource } from './evaluation-context.js';

/** An RFC 9562 version 4 UUID (lower-case hex): 122 bits from `random`, 6 fixed bits. */
export function uuidV4(random: RandomSource): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random.nextFloat() * 256) & 0xff);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
