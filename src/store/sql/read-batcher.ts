/**
 * Reads by key, gathered: lookups made in the same event-loop turn (or while earlier batches
 * are in flight) become one `WHERE key IN (...)` query. On PostgreSQL each query is a round
 * trip on a shared pool, and the engine reads every execution's snapshot before each step.
 *
 * A gathered read starts after every caller in it asked, so each caller sees every write that
 * had completed when it asked, as a read of its own would.
 */

/** Reads the rows for `keys` (distinct); keys without a row are left out of the map. */
export type ReadMany<V> = (keys: readonly string[]) => Promise<ReadonlyMap<string, V>>;

interface Waiting<V> {
  readonly key: string;
  readonly resolve: (value: V | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/** Batches of keys read at once, at most; the queries stay well within any size limit. */
const MAX_KEYS = 500;

export class ReadBatcher<V> {
  private gathering: Waiting<V>[] = [];
  private isScheduled = false;
  private inFlight = 0;

  /**
   * @param readMany the batched read
   * @param maxInFlight batched reads running at once; later keys wait and gather meanwhile
   */
  constructor(
    private readonly readMany: ReadMany<V>,
    private readonly maxInFlight: number,
  ) {}

  /** The row for `key`, or undefined. Rejects with the read's error. */
  read(key: string): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      this.gathering.push({ key, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.isScheduled || this.gathering.length === 0 || this.inFlight >= this.maxInFlight) {
      return;
    }
    this.isScheduled = true;
    // Lookups made in this turn (a tick's steps each read a snapshot) join the batch.
    setImmediate(() => {
      this.isScheduled = false;
      void this.flush();
    });
  }

  private readAlone(waiting: Waiting<V>): void {
    this.readMany([waiting.key]).then(
      (rows) => waiting.resolve(rows.get(waiting.key)),
      waiting.reject,
    );
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= this.maxInFlight) return;
    const batch = this.gathering.splice(0, MAX_KEYS);
    if (batch.length === 0) return;
    this.inFlight++;
    this.schedule();
    try {
      const rows = await this.readMany([...new Set(batch.map((waiting) => waiting.key))]);
      for (const waiting of batch) waiting.resolve(rows.get(waiting.key));
    } catch (error: unknown) {
      if (batch.length === 1) batch[0]?.reject(error);
      // Each key read alone then, so that every caller gets the outcome of its own read.
      else for (const waiting of batch) this.readAlone(waiting);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}
