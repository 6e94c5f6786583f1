/**
 * The one source of time outside the pure core: injected, so tests control it. The system
 * clock is chosen where implementations are chosen (the composition root), not here.
 */
export interface Clock {
  /** Now, as epoch milliseconds. */
  nowMs(): number;
}
