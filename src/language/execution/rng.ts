/**
 * A seeded PRNG (mulberry32) whose whole state is one 32-bit integer, stored in the snapshot
 * so that a replay draws the same numbers (STYLE §2: randomness is an input). Not for secrets:
 * task tokens drawn from it are unique lookup keys, and the durable engine must check any token
 * presented to it against its own records rather than trust it as a credential.
 */
import type { RandomSource } from '../evaluation-context.js';

/** mulberry32's increment: each draw advances the 32-bit state by this odd constant. */
const INCREMENT = 0x6d2b79f5;

export class SeededRandom implements RandomSource {
  constructor(private state: number) {}

  nextFloat(): number {
    this.state = (this.state + INCREMENT) | 0;
    return mix(this.state);
  }

  /** The state to store back in the snapshot. */
  get current(): number {
    return this.state;
  }
}

/**
 * The first number a generator seeded with `seed` draws: a float in [0, 1) that depends on the
 * seed alone. For functions that take a seed argument (States.MathRandom, JSONata `$random`),
 * whose users expect "the same seed value, identical numbers" (AWS intrinsic-functions).
 */
export function floatFromSeed(seed: number): number {
  return new SeededRandom(seed).nextFloat();
}

/** mulberry32's output function: the advanced state scrambled into a float in [0, 1). */
function mix(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
