/** The one source of time outside the pure core: injected, so tests control it. */
export interface Clock {
  /** Now, as epoch milliseconds. */
  nowMs(): number;
}

/** The process's wall clock. */
export const systemClock: Clock = { nowMs: () => Date.now() };
