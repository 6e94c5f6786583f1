/**
 * purgeFinishedDeliveries: the cutoff is now minus the retention, every batch is taken until
 * one comes back short, and what is still waiting or running stays (SQLite; the store
 * methods' contract runs on both stores in src/store/webhook-store.contract.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { purgeFinishedDeliveries } from '../../src/gitlab/deliveries/index.js';
import type { Store } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { dropAll, freshSqlitePath } from '../support/databases.js';

afterAll(dropAll);

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

async function withStore(test: (store: Store) => Promise<void>): Promise<void> {
  const store = openSqliteStore({ path: freshSqlitePath(), now: () => iso(T0) });
  await store.migrate();
  try {
    await test(store);
  } finally {
    await store.close();
  }
}

/** A delivery received and finished at `finishedAt`, or left received when undefined. */
async function deliver(store: Store, id: string, finishedAt?: number): Promise<void> {
  await store.deliveries.record({
    id,
    connection: 'default',
    receivedAt: iso(finishedAt ?? T0),
    event: 'Push Hook',
    objectKind: 'push',
    dedupeKey: `k-${id}`,
    keySource: 'idempotency-key',
    contentKey: 'c',
    headers: '{}',
    body: '{"object_kind":"push"}',
  });
  if (finishedAt === undefined) return;
  const [claimed] = await store.deliveries.claim(iso(finishedAt), 'n', iso(finishedAt + 1000), 1);
  expect(claimed?.id).toBe(id);
  await store.deliveries.finish(id, 'n', {
    status: 'processed',
    outcome: '{}',
    now: iso(finishedAt),
  });
}

async function runDone(store: Store, name: string, doneAt: number): Promise<void> {
  await store.triggers.addRun({
    trigger: 't',
    executionName: name,
    concurrencyKey: 'k',
    mode: 'QUEUED',
    seq: name,
    status: 'queued',
    request: '{}',
    deliveryId: 'd',
    now: iso(doneAt),
  });
  await store.triggers.updateRun('t', name, { status: 'done', now: iso(doneAt) });
}

describe('purgeFinishedDeliveries', () => {
  it('removes, batch after batch, what finished more than the retention ago', () =>
    withStore(async (store) => {
      for (let i = 0; i < 5; i++) await deliver(store, `old${i}`, T0 - 8 * DAY + i);
      await deliver(store, 'recent', T0 - 6 * DAY);
      await deliver(store, 'waiting');
      for (let i = 0; i < 3; i++) await runDone(store, `run-old${i}`, T0 - 8 * DAY + i);
      await runDone(store, 'run-recent', T0 - DAY);
      await store.triggers.addRun({
        trigger: 't',
        executionName: 'run-queued',
        concurrencyKey: 'k',
        mode: 'QUEUED',
        seq: 'z',
        status: 'queued',
        request: '{}',
        deliveryId: 'd',
        now: iso(T0 - 30 * DAY),
      });
      const counts = await purgeFinishedDeliveries({
        store,
        clock: { nowMs: () => T0 },
        retentionMs: 7 * DAY,
        batch: 2,
      });
      expect(counts).toEqual({ deliveries: 5, triggerRuns: 3 });
      const left = await store.deliveries.list({}, { limit: 10 });
      expect(left.items.map((d) => d.id).sort()).toEqual(['recent', 'waiting']);
      const runs = await store.triggers.runsOfKey('t', 'k');
      expect(runs.map((r) => r.executionName).sort()).toEqual(['run-queued', 'run-recent']);
      // Nothing more to do: a second pass removes nothing.
      expect(
        await purgeFinishedDeliveries({
          store,
          clock: { nowMs: () => T0 },
          retentionMs: 7 * DAY,
          batch: 2,
        }),
      ).toEqual({ deliveries: 0, triggerRuns: 0 });
    }));

  it('takes its cutoff from the clock and the retention setting', () =>
    withStore(async (store) => {
      await deliver(store, 'd', T0 - 2 * 3_600_000);
      const purge = (retentionMs: number) =>
        purgeFinishedDeliveries({ store, clock: { nowMs: () => T0 }, retentionMs });
      expect(await purge(3 * 3_600_000)).toEqual({ deliveries: 0, triggerRuns: 0 });
      expect(await purge(3_600_000)).toEqual({ deliveries: 1, triggerRuns: 0 });
    }));
});
