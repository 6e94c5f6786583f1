import { describe, expect, it } from 'vitest';
import type { SqlRunner } from './sql-runner.js';
import type { BatchOutcome, BatchWriter } from './transaction-batcher.js';
import { TransactionBatcher } from './transaction-batcher.js';

/** A runner whose transactions begin a turn later (as BEGIN's round trip does) and log. */
function fakeRunner(commitError?: () => Error | undefined): {
  readonly db: SqlRunner;
  readonly log: string[];
} {
  const log: string[] = [];
  const db: SqlRunner = {
    dialect: 'postgres',
    exec: () => Promise.resolve(),
    query: () => Promise.resolve([]),
    transaction: async <T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> => {
      await new Promise((resolve) => setImmediate(resolve));
      log.push('BEGIN');
      try {
        const result = await work(db);
        const error = commitError?.();
        if (error !== undefined) throw error;
        log.push('COMMIT');
        return result;
      } catch (error: unknown) {
        log.push('ROLLBACK');
        throw error;
      }
    },
  };
  return { db, log };
}

function sqlError(code: string): Error {
  return Object.assign(new Error(`sql ${code}`), { code });
}

/** Doubles each number; a batch answers from `batchOutcome`, or throws `batchError`. */
function writer(
  log: string[],
  options: {
    readonly batchError?: Error;
    readonly batchOutcome?: (item: number) => BatchOutcome<number>;
  } = {},
): BatchWriter<number, number> {
  return {
    writeOne: (_tx, item) => {
      log.push(`one ${item}`);
      return item < 0 ? Promise.reject(new Error(`bad ${item}`)) : Promise.resolve(item * 2);
    },
    writeBatch: (_tx, items) => {
      log.push(`batch ${items.join(',')}`);
      if (options.batchError !== undefined) return Promise.reject(options.batchError);
      return Promise.resolve(
        items.map(options.batchOutcome ?? ((item) => ({ kind: 'done', value: item * 2 }))),
      );
    },
  };
}

describe('TransactionBatcher', () => {
  it('writes requests made while a batch opens in one transaction, settled after COMMIT', async () => {
    const { db, log } = fakeRunner();
    const batcher = new TransactionBatcher(db, writer(log));
    const settled: string[] = [];
    const results = [1, 2, 3].map((n) =>
      batcher.submit(n).then((value) => {
        settled.push(`${value} after ${log.at(-1) ?? ''}`);
        return value;
      }),
    );
    expect(await Promise.all(results)).toEqual([2, 4, 6]);
    expect(log).toEqual(['BEGIN', 'batch 1,2,3', 'COMMIT']);
    expect(settled).toEqual(['2 after COMMIT', '4 after COMMIT', '6 after COMMIT']);
  });

  it('opens a new batch for requests made after the last one began', async () => {
    const { db, log } = fakeRunner();
    const batcher = new TransactionBatcher(db, writer(log));
    const first = batcher.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(await Promise.all([first, batcher.submit(2), batcher.submit(3)])).toEqual([2, 4, 6]);
    expect(log).toEqual(['BEGIN', 'one 1', 'COMMIT', 'BEGIN', 'batch 2,3', 'COMMIT']);
  });

  it("writes a lone request with the one-at-a-time code and gives it that code's error", async () => {
    const { db, log } = fakeRunner();
    const batcher = new TransactionBatcher(db, writer(log));
    await expect(batcher.submit(-1)).rejects.toThrow('bad -1');
    expect(log).toEqual(['BEGIN', 'one -1', 'ROLLBACK']);
  });

  it('commits every request on its own when the server rolls a batch back', async () => {
    const { db, log } = fakeRunner();
    const batcher = new TransactionBatcher(db, writer(log, { batchError: sqlError('23505') }));
    const outcomes = await Promise.allSettled([1, -2, 3].map((n) => batcher.submit(n)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : String(o.reason)))).toEqual([
      2,
      'Error: bad -2',
      6,
    ]);
    expect(log.slice(0, 3)).toEqual(['BEGIN', 'batch 1,-2,3', 'ROLLBACK']);
    expect(log.filter((line) => line.startsWith('one')).sort()).toEqual([
      'one -2',
      'one 1',
      'one 3',
    ]);
  });

  it('tells every request of a batch whose COMMIT was lost, without writing them again', async () => {
    let isLost = true;
    const lost = new Error('Connection terminated unexpectedly');
    const { db, log } = fakeRunner(() => (isLost ? lost : undefined));
    const batcher = new TransactionBatcher(db, writer(log));
    const outcomes = await Promise.allSettled([1, 2].map((n) => batcher.submit(n)));
    isLost = false;
    expect(outcomes).toEqual([
      { status: 'rejected', reason: lost },
      { status: 'rejected', reason: lost },
    ]);
    expect(log).toEqual(['BEGIN', 'batch 1,2', 'ROLLBACK']);
  });

  it('commits a COMMIT the server refused (an SQLSTATE) one request at a time', async () => {
    let isRefused = true;
    const { db, log } = fakeRunner(() => {
      if (!isRefused) return undefined;
      isRefused = false;
      return sqlError('40001');
    });
    const batcher = new TransactionBatcher(db, writer(log));
    expect(await Promise.all([1, 2].map((n) => batcher.submit(n)))).toEqual([2, 4]);
    expect(log.filter((line) => line.startsWith('one')).sort()).toEqual(['one 1', 'one 2']);
  });

  it('settles failed requests with their errors and writes deferred ones after the batch', async () => {
    const { db, log } = fakeRunner();
    const conflict = new Error('conflict 2');
    const batcher = new TransactionBatcher(
      db,
      writer(log, {
        batchOutcome: (item) =>
          item === 2
            ? { kind: 'failed', error: conflict }
            : item === 3
              ? { kind: 'alone' }
              : { kind: 'done', value: item * 2 },
      }),
    );
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => batcher.submit(n)));
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: conflict },
      { status: 'fulfilled', value: 6 },
    ]);
    expect(log).toEqual(['BEGIN', 'batch 1,2,3', 'COMMIT', 'BEGIN', 'one 3', 'COMMIT']);
  });
});
