/**
 * Turns per key: the work queued on one key (an execution) runs one piece at a time, in the
 * order it was queued, while different keys run side by side. Consecutive batchable items at
 * the head of a queue are handed over together, so that many events of one execution arriving
 * at once (the results of a Map's tasks) can be stepped and committed together.
 */

type Entry<B, R> =
  | {
      readonly kind: 'batched';
      readonly item: B;
      readonly resolve: (value: R) => void;
      readonly reject: (error: unknown) => void;
    }
  | {
      readonly kind: 'alone';
      readonly work: () => Promise<unknown>;
      readonly resolve: (value: unknown) => void;
      readonly reject: (error: unknown) => void;
    };

type BatchedEntry<B, R> = Extract<Entry<B, R>, { kind: 'batched' }>;

/** One item's outcome in a batch run. */
export type Settled<R> =
  { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/**
 * Carries out a run of batched items (oldest first) and returns the outcomes of the first ones
 * it took, at least one: the items after them stay at the head of the queue, in order, for the
 * next turn. A run that throws fails every item it was given.
 */
export type RunBatch<B, R> = (key: string, items: readonly B[]) => Promise<readonly Settled<R>[]>;

export class Turns<B, R> {
  private readonly queues = new Map<string, Entry<B, R>[]>();

  /** @param maxBatch the most items handed to `runBatch` at once */
  constructor(
    private readonly runBatch: RunBatch<B, R>,
    private readonly maxBatch: number,
  ) {}

  /** Queues `item` on `key`; settles with its result from `runBatch`, or its error. */
  batched(key: string, item: B): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.enqueue(key, { kind: 'batched', item, resolve, reject });
    });
  }

  /** Queues `work` on `key`, to run alone once everything queued before it has finished. */
  alone<T>(key: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.enqueue(key, {
        kind: 'alone',
        work,
        // Settled with what `work` returned: a T.
        resolve: resolve as (value: unknown) => void,
        reject,
      });
    });
  }

  /** How many keys have work queued or running (for tests and metrics). */
  get busyKeys(): number {
    return this.queues.size;
  }

  private enqueue(key: string, entry: Entry<B, R>): void {
    const queue = this.queues.get(key);
    if (queue !== undefined) {
      queue.push(entry);
      return;
    }
    const fresh = [entry];
    this.queues.set(key, fresh);
    void this.drain(key, fresh);
  }

  private async drain(key: string, queue: Entry<B, R>[]): Promise<void> {
    for (let head = queue[0]; head !== undefined; head = queue[0]) {
      if (head.kind === 'alone') {
        queue.shift();
        try {
          head.resolve(await head.work());
        } catch (error: unknown) {
          head.reject(error);
        }
        continue;
      }
      const batch: BatchedEntry<B, R>[] = [];
      for (let next = queue[0]; next?.kind === 'batched' && batch.length < this.maxBatch;) {
        batch.push(next);
        queue.shift();
        next = queue[0];
      }
      let outcomes: readonly Settled<R>[];
      try {
        outcomes = await this.runBatch(
          key,
          batch.map((entry) => entry.item),
        );
      } catch (error: unknown) {
        for (const entry of batch) entry.reject(error);
        continue;
      }
      // At least the first item is always taken, so every turn makes progress.
      const taken = Math.max(1, Math.min(outcomes.length, batch.length));
      batch.slice(0, taken).forEach((entry, i) => {
        const outcome = outcomes[i] ?? {
          ok: false,
          error: new Error('a batch run gave no outcome for its first item'),
        };
        if (outcome.ok) entry.resolve(outcome.value);
        else entry.reject(outcome.error);
      });
      queue.unshift(...batch.slice(taken));
    }
    // Nothing awaits between the loop's last look at the queue and this line.
    this.queues.delete(key);
  }
}
