/**
 * A seeded PRNG (mulberry32) whose whole state is one 32-bit integer, stored in the snapshot
 * so that a replay draws the same numbers (STYLE §2: randomness is an input). Not for secrets:
 * task tokens drawn from it are unique lookup keys, and the durable engine must check any token
 * presented to it against its own records rather than trust it as a credential.
 */
import type { RandomSource } from '../evaluation-context.js';

export class SeededRandom implements RandomSource {
  constructor(private state: number) {}

  nextFloat(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** The state to store back in the snapshot. */
  get current(): number {
    return this.state;
  }
}
