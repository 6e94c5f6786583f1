/**
 * The pause of a background loop that polls: it sleeps up to a time, but wakes at once when
 * told new work exists, and a wake-up that comes while the loop is busy is kept for its next
 * nap (so work announced between two naps is never slept through). The sleep is injected, so
 * tests control time.
 */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export class Napper {
  private wakeLoop: (() => void) | undefined;
  private wakePending = false;

  /** New work exists: a napping loop looks at once; a busy one looks before its next nap. */
  wake(): void {
    if (this.wakeLoop) this.wakeLoop();
    else this.wakePending = true;
  }

  /**
   * Sleeps up to `ms`, or until `wake`, `signal` aborts, or one of `alsoWakeOn` settles. Returns
   * at once when a wake-up came since the last nap.
   */
  async nap(
    ms: number,
    signal: AbortSignal,
    sleep: Sleep,
    alsoWakeOn: readonly Promise<unknown>[] = [],
  ): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false;
      return;
    }
    const nap = new AbortController();
    const stop = () => nap.abort();
    signal.addEventListener('abort', stop, { once: true });
    const woken = new Promise<void>((resolve) => {
      this.wakeLoop = resolve;
    });
    try {
      await Promise.race([
        sleep(ms, nap.signal).catch(() => undefined),
        woken,
        ...alsoWakeOn.map((p) => p.catch(() => undefined)),
      ]);
    } finally {
      this.wakeLoop = undefined;
      this.wakePending = false;
      nap.abort(); // ends the sleep's timer
      signal.removeEventListener('abort', stop);
    }
  }
}
