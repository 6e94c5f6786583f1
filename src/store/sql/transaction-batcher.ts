/**
 * Group commit for one kind of write on PostgreSQL: requests that arrive while a batch is
 * being opened share its transaction, written with set-based statements.
 *
 * A batch gathers from its first request until its transaction has a connection and its BEGIN
 * has been answered (at least one event-loop turn; longer when the pool is busy, so batches
 * grow with load). Then it is closed and the next request opens a new one on another
 * connection. Every request is inside a transaction the runner knows about from the moment it
 * is made, so closing the store still waits for it.
 */
import { assertNever } from '../../common/assert-never.js';
import type { SqlRunner } from './sql-runner.js';

/** What the batch decided for one request. */
export type BatchOutcome<O> =
  | { readonly kind: 'done'; readonly value: O }
  | { readonly kind: 'failed'; readonly error: unknown }
  /** Not written by the batch: committed on its own, with the one-at-a-time code, afterwards. */
  | { readonly kind: 'alone' };

export interface BatchWriter<I, O> {
  /** Writes a batch of two or more requests inside `tx`; one outcome per request, in order. */
  readonly writeBatch: (tx: SqlRunner, items: readonly I[]) => Promise<readonly BatchOutcome<O>[]>;
  /** The one-at-a-time write inside a transaction of its own: today's behaviour, exactly. */
  readonly writeOne: (tx: SqlRunner, item: I) => Promise<O>;
}

interface Waiting<I, O> {
  readonly item: I;
  readonly resolve: (value: O) => void;
  readonly reject: (error: unknown) => void;
}

export class TransactionBatcher<I, O> {
  private gathering: Waiting<I, O>[] | undefined;

  constructor(
    private readonly db: SqlRunner,
    private readonly writer: BatchWriter<I, O>,
  ) {}

  /** Writes `item` in the next batch; settles after that batch's COMMIT (or rollback). */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const waiting = { item, resolve, reject };
      if (this.gathering !== undefined) {
        this.gathering.push(waiting);
        return;
      }
      const batch = [waiting];
      this.gathering = batch;
      void this.run(batch);
    });
  }

  /** Commits `item` alone, in a transaction of its own. */
  alone(item: I): Promise<O> {
    return this.db.transaction((tx) => this.writer.writeOne(tx, item));
  }

  private async run(batch: Waiting<I, O>[]): Promise<void> {
    const close = (): void => {
      if (this.gathering === batch) this.gathering = undefined;
    };
    // Whether the last attempt's work finished, so that an error came from its COMMIT.
    let isWritten = false;
    let outcomes: readonly BatchOutcome<O>[];
    try {
      outcomes = await this.db.transaction(async (tx) => {
        close();
        isWritten = false;
        // One request alone is today's transaction as it was: its error rolls it back.
        const result =
          batch.length === 1 && batch[0] !== undefined
            ? [{ kind: 'done' as const, value: await this.writer.writeOne(tx, batch[0].item) }]
            : await this.writer.writeBatch(
                tx,
                batch.map((waiting) => waiting.item),
              );
        isWritten = true;
        return result;
      });
    } catch (error: unknown) {
      close();
      if (batch.length === 1 || (isWritten && !hasSqlState(error))) {
        // A lone request's own outcome; or the COMMIT was lost with its connection, so whether
        // the batch was written is unknown: every request hears so, as each would have alone.
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      // Nothing was written (the server rolled the batch back, or it never reached COMMIT):
      // each request is committed on its own and gets exactly the outcome it gets alone.
      outcomes = batch.map(() => ({ kind: 'alone' }));
    }
    batch.forEach((waiting, i) => {
      const outcome = outcomes[i] ?? { kind: 'alone' };
      switch (outcome.kind) {
        case 'done':
          waiting.resolve(outcome.value);
          return;
        case 'failed':
          waiting.reject(outcome.error);
          return;
        case 'alone':
          this.alone(waiting.item).then(waiting.resolve, waiting.reject);
          return;
        default:
          assertNever(outcome, 'batch outcome');
      }
    });
  }
}

/** The server answered with an SQLSTATE: it rolled the transaction back. */
function hasSqlState(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    /^[0-9A-Z]{5}$/.test(error.code)
  );
}
