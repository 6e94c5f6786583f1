import { describe, expect, it } from 'vitest';
import type { Settled } from './turns.js';
import { Turns } from './turns.js';

/** Every item taken and answered with `answer`. */
const all = <B, R>(items: readonly B[], answer: (item: B) => R): Settled<R>[] =>
  items.map((item) => ({ ok: true, value: answer(item) }));

/** A promise with its resolver, to hold a turn open. */
function gate(): { readonly open: () => void; readonly passed: Promise<void> } {
  let open: () => void = () => undefined;
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { open, passed };
}

describe('Turns', () => {
  it('hands the batched items queued while a turn runs over together, in order', async () => {
    const held = gate();
    const batches: string[][] = [];
    const turns = new Turns<string, string>(async (key, items) => {
      batches.push([key, ...items]);
      if (batches.length === 1) await held.passed;
      return all(items, (item) => item.toUpperCase());
    }, 10);
    const first = turns.batched('x', 'a');
    const rest = ['b', 'c', 'd'].map((item) => turns.batched('x', item));
    held.open();
    expect(await first).toBe('A');
    expect(await Promise.all(rest)).toEqual(['B', 'C', 'D']);
    expect(batches).toEqual([
      ['x', 'a'],
      ['x', 'b', 'c', 'd'],
    ]);
    expect(turns.busyKeys).toBe(0);
  });

  it('gives no more than maxBatch items at once', async () => {
    const sizes: number[] = [];
    const turns = new Turns<number, number>((_key, items) => {
      sizes.push(items.length);
      return Promise.resolve(all(items, (n) => n));
    }, 3);
    const results = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => turns.batched('k', n)));
    expect(results).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([1, 3, 3]);
  });

  it('queues again, in order, the items a batch run did not take', async () => {
    const runs: number[][] = [];
    const turns = new Turns<number, number>((_key, items) => {
      runs.push([...items]);
      // Takes only the first two of each run (or none: then the first is taken anyway).
      return Promise.resolve(all(items.slice(0, 2), (n) => n * 10));
    }, 10);
    const held = turns.alone('k', () => Promise.resolve('first'));
    const results = Promise.all([1, 2, 3, 4, 5].map((n) => turns.batched('k', n)));
    expect(await held).toBe('first');
    expect(await results).toEqual([10, 20, 30, 40, 50]);
    expect(runs).toEqual([[1, 2, 3, 4, 5], [3, 4, 5], [5]]);
  });

  it('runs work queued alone only after what came before it, and before what came after', async () => {
    const log: string[] = [];
    const held = gate();
    const turns = new Turns<string, string>(async (_key, items) => {
      log.push(`batch ${items.join('')}`);
      await held.passed;
      return all(items, (item) => item);
    }, 10);
    const done = Promise.all([
      turns.batched('k', 'a'),
      turns.alone('k', () => {
        log.push('alone');
        return Promise.resolve(1);
      }),
      turns.batched('k', 'b'),
      turns.batched('k', 'c'),
    ]);
    held.open();
    expect(await done).toEqual(['a', 1, 'b', 'c']);
    expect(log).toEqual(['batch a', 'alone', 'batch bc']);
  });

  it('runs different keys side by side', async () => {
    const held = gate();
    const turns = new Turns<string, string>(async (key, items) => {
      if (key === 'slow') await held.passed;
      return all(items, (item) => item);
    }, 10);
    const slow = turns.batched('slow', 's');
    expect(await turns.batched('fast', 'f')).toBe('f');
    expect(turns.busyKeys).toBe(1);
    held.open();
    expect(await slow).toBe('s');
  });

  it('fails every item of a failed batch run, and goes on with the next turn', async () => {
    let calls = 0;
    const held = gate();
    const turns = new Turns<string, string>(async (_key, items) => {
      calls++;
      if (calls === 1) await held.passed;
      if (calls === 2) throw new Error('database gone');
      return all(items, (item) => item);
    }, 10);
    const first = turns.batched('k', 'a');
    const failed = [turns.batched('k', 'b'), turns.batched('k', 'c')].map((p) =>
      p.then(
        () => 'resolved',
        (error: unknown) => String(error),
      ),
    );
    const failedAlone = turns
      .alone('k', () => Promise.reject(new Error('alone failed')))
      .catch((error: unknown) => String(error));
    const after = turns.batched('k', 'd');
    held.open();
    expect(await first).toBe('a');
    expect(await Promise.all(failed)).toEqual(['Error: database gone', 'Error: database gone']);
    expect(await failedAlone).toBe('Error: alone failed');
    expect(await after).toBe('d');
    expect(turns.busyKeys).toBe(0);
  });

  it('fails only the items whose outcome is a failure', async () => {
    const turns = new Turns<number, number>((_key, items) => {
      const [first] = items;
      // Only the first is taken: a failure for it, or its double.
      return Promise.resolve(
        first !== undefined && first < 0
          ? [{ ok: false, error: new Error(`refused ${first}`) }]
          : [{ ok: true, value: (first ?? 0) * 2 }],
      );
    }, 10);
    const outcomes = await Promise.allSettled([1, -2, 3].map((n) => turns.batched('k', n)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : String(o.reason)))).toEqual([
      2,
      'Error: refused -2',
      6,
    ]);
  });

  it('fails the first item when a batch run answers nothing for it, and goes on', async () => {
    let calls = 0;
    const turns = new Turns<string, string>((_key, items) => {
      calls++;
      return Promise.resolve(calls === 1 ? [] : all(items, (item) => item));
    }, 10);
    const outcomes = await Promise.allSettled([turns.batched('k', 'a'), turns.batched('k', 'b')]);
    expect(outcomes[0]?.status).toBe('rejected');
    expect(outcomes[1]).toEqual({ status: 'fulfilled', value: 'b' });
  });
});
