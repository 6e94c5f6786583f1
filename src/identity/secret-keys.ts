/**
 * Randomness from the CSPRNG, drawn from a pooled buffer: one `randomFillSync` per pool instead
 * of one call into the CSPRNG per draw. The engine draws a token key and an execution seed on
 * every start, and a token key on every step (most steps make no task token); one CSPRNG call
 * per draw was 4% of its time.
 */
import { randomFillSync } from 'node:crypto';

/** Draws from one pooled buffer of CSPRNG bytes; every byte is handed out once. */
export class RandomPool {
  private readonly pool: Buffer;
  private next: number;

  constructor(poolBytes = 8192) {
    this.pool = Buffer.alloc(poolBytes);
    this.next = poolBytes; // empty: the first draw fills it
  }

  /** `bytes` fresh secret bytes as lowercase hex (at least 16: these are secret keys). */
  hex(bytes = 32): string {
    if (!Number.isInteger(bytes) || bytes < 16 || bytes > this.pool.length) {
      throw new RangeError(
        `a secret key needs 16 to ${this.pool.length} bytes, not ${String(bytes)}`,
      );
    }
    const at = this.take(bytes);
    return this.pool.toString('hex', at, at + bytes);
  }

  /** A number in [0, 1) from 48 fresh random bits. */
  fraction(): number {
    return this.pool.readUIntBE(this.take(6), 6) / 2 ** 48;
  }

  private take(bytes: number): number {
    if (this.next + bytes > this.pool.length) {
      randomFillSync(this.pool);
      this.next = 0;
    }
    const at = this.next;
    this.next += bytes;
    return at;
  }
}
