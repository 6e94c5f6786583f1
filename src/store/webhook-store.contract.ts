/**
 * The contract of the GitLab webhook delivery and trigger stores (issue 5, part C), run against
 * every implementation by test/store/webhook-stores.test.ts, like store.contract.ts.
 */
import { describe, expect, it } from 'vitest';
import type { StoreUnderTest } from './store.contract.js';
import type { NewTriggerRun, NewWebhookDelivery, Store } from './store.js';

const at = (second: number): string => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

function delivery(id: string, overrides: Partial<NewWebhookDelivery> = {}): NewWebhookDelivery {
  return {
    id,
    connection: 'default',
    receivedAt: at(1),
    event: 'Push Hook',
    objectKind: 'push',
    dedupeKey: `idempotency:${id}`,
    keySource: 'idempotency-key',
    contentKey: 'c'.repeat(64),
    headers: '{"x-gitlab-event":"Push Hook"}',
    body: '{"object_kind":"push"}',
    ...overrides,
  };
}

function run(name: string, overrides: Partial<NewTriggerRun> = {}): NewTriggerRun {
  return {
    trigger: 'build',
    executionName: name,
    concurrencyKey: 'g/p@main',
    mode: 'QUEUED',
    seq: name,
    status: 'queued',
    request: '{}',
    deliveryId: `d-${name}`,
    now: at(1),
    ...overrides,
  };
}

export function describeWebhookStoreContract(
  label: string,
  open: () => Promise<Omit<StoreUnderTest, 'countRows'>>,
): void {
  const withStore =
    (test: (store: Store, subject: Omit<StoreUnderTest, 'countRows'>) => Promise<void>) =>
    async () => {
      const subject = await open();
      try {
        await test(subject.store, subject);
      } finally {
        await subject.close();
      }
    };

  describe(`${label}: webhook deliveries`, () => {
    it(
      'records a delivery once: the same connection and key again is a duplicate, unchanged',
      withStore(async (store) => {
        const first = await store.deliveries.record(delivery('d1'));
        expect(first.duplicate).toBe(false);
        expect(first.record).toMatchObject({ id: 'd1', status: 'received', attempts: 0 });
        const again = await store.deliveries.record(
          delivery('d2', { dedupeKey: 'idempotency:d1', body: '{"other":1}' }),
        );
        expect(again).toMatchObject({ duplicate: true, record: { id: 'd1' } });
        expect((await store.deliveries.get('d1'))?.body).toBe('{"object_kind":"push"}');
        expect(await store.deliveries.get('d2')).toBeUndefined();
      }),
    );

    it(
      'keeps the same key on two connections apart',
      withStore(async (store) => {
        await store.deliveries.record(delivery('d1'));
        const other = await store.deliveries.record(
          delivery('d2', { connection: 'other', dedupeKey: 'idempotency:d1' }),
        );
        expect(other.duplicate).toBe(false);
      }),
    );

    it(
      'records each of many concurrent redeliveries exactly once',
      withStore(async (store, { openAnother }) => {
        const second = await openAnother();
        try {
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              (i % 2 === 0 ? store : second).deliveries.record(
                delivery(`r${i}`, { dedupeKey: 'idempotency:same' }),
              ),
            ),
          );
          expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
          expect(new Set(results.map((r) => r.record.id)).size).toBe(1);
        } finally {
          await second.close();
        }
      }),
    );

    it(
      'lists newest first with filters and pages, without headers or body',
      withStore(async (store) => {
        for (let i = 1; i <= 5; i++) {
          await store.deliveries.record(
            delivery(`d${i}`, {
              receivedAt: at(i),
              connection: i === 5 ? 'other' : 'default',
              event: i % 2 === 0 ? 'Pipeline Hook' : 'Push Hook',
            }),
          );
        }
        const first = await store.deliveries.list({ connection: 'default' }, { limit: 2 });
        expect(first.items.map((d) => d.id)).toEqual(['d4', 'd3']);
        expect(first.items[0]).not.toHaveProperty('body');
        const next = await store.deliveries.list(
          { connection: 'default' },
          { limit: 2, after: first.nextToken ?? '' },
        );
        expect(next.items.map((d) => d.id)).toEqual(['d2', 'd1']);
        expect(next.nextToken).toBeUndefined();
        const pipelines = await store.deliveries.list({ event: 'Pipeline Hook' }, { limit: 10 });
        expect(pipelines.items.map((d) => d.id)).toEqual(['d4', 'd2']);
        const received = await store.deliveries.list({ status: 'processed' }, { limit: 10 });
        expect(received.items).toEqual([]);
      }),
    );

    it(
      'hands each waiting delivery to one claimer, oldest first, and again once its lease ran out',
      withStore(async (store, { openAnother }) => {
        await store.deliveries.record(delivery('d2', { receivedAt: at(2) }));
        await store.deliveries.record(delivery('d1', { receivedAt: at(1) }));
        const second = await openAnother();
        try {
          const [a, b] = await Promise.all([
            store.deliveries.claim(at(5), 'node-a', at(35), 10),
            second.deliveries.claim(at(5), 'node-b', at(35), 10),
          ]);
          const all = [...a, ...b];
          expect(all.map((d) => d.id).sort()).toEqual(['d1', 'd2']);
          // Whoever got both got them oldest first.
          for (const claimed of [a, b]) {
            if (claimed.length === 2) expect(claimed.map((d) => d.id)).toEqual(['d1', 'd2']);
          }
          expect(all.every((d) => d.status === 'processing' && d.attempts === 1)).toBe(true);
          expect(await store.deliveries.claim(at(10), 'node-c', at(40), 10)).toEqual([]);
          // The lease runs out (the node died): another node takes it over.
          const taken = await store.deliveries.claim(at(36), 'node-c', at(66), 10);
          expect(taken.map((d) => [d.id, d.attempts, d.leaseOwner])).toEqual([
            ['d1', 2, 'node-c'],
            ['d2', 2, 'node-c'],
          ]);
        } finally {
          await second.close();
        }
      }),
    );

    it(
      'finishes only for the lease owner, and never hands a finished delivery out again',
      withStore(async (store) => {
        await store.deliveries.record(delivery('d1'));
        await store.deliveries.claim(at(5), 'node-a', at(35), 10);
        const result = { status: 'processed', outcome: '{"started":[]}', now: at(6) } as const;
        expect(await store.deliveries.finish('d1', 'node-b', result)).toBe(false);
        expect(await store.deliveries.finish('d1', 'node-a', result)).toBe(true);
        expect(await store.deliveries.finish('d1', 'node-a', result)).toBe(false);
        expect(await store.deliveries.get('d1')).toMatchObject({
          status: 'processed',
          outcome: '{"started":[]}',
          processedAt: at(6),
          leaseOwner: null,
        });
        expect(await store.deliveries.claim(at(59), 'node-a', at(99), 10)).toEqual([]);
        expect(await store.deliveries.nextClaimAt()).toBeUndefined();
      }),
    );

    it(
      'postpones a delivery to a retry time, with the error kept',
      withStore(async (store) => {
        await store.deliveries.record(delivery('d1', { receivedAt: at(1) }));
        expect(await store.deliveries.nextClaimAt()).toBe(at(1));
        await store.deliveries.claim(at(2), 'node-a', at(32), 10);
        expect(await store.deliveries.postpone('d1', 'node-b', at(10), 'x')).toBe(false);
        expect(await store.deliveries.postpone('d1', 'node-a', at(10), 'database away')).toBe(true);
        expect(await store.deliveries.nextClaimAt()).toBe(at(10));
        expect(await store.deliveries.claim(at(9), 'node-a', at(39), 10)).toEqual([]);
        const again = await store.deliveries.claim(at(10), 'node-a', at(40), 10);
        expect(again.map((d) => [d.id, d.attempts, d.error])).toEqual([['d1', 2, 'database away']]);
      }),
    );
  });

  describe(`${label}: delivery retention`, () => {
    /** Records `id` at `second` and finishes it `status` at `finishedAt`. */
    const finished = async (
      store: Store,
      id: string,
      status: 'processed' | 'ignored' | 'failed',
      finishedAt: string,
    ): Promise<void> => {
      await store.deliveries.record(delivery(id, { receivedAt: at(1) }));
      const claimed = await store.deliveries.claim(at(2), `owner-${id}`, at(59), 1);
      expect(claimed.map((d) => d.id)).toEqual([id]);
      expect(
        await store.deliveries.finish(id, `owner-${id}`, {
          status,
          outcome: '{}',
          now: finishedAt,
        }),
      ).toBe(true);
    };

    it(
      'removes deliveries finished before the cutoff, of every finished status, and no others',
      withStore(async (store) => {
        await finished(store, 'p', 'processed', at(10));
        await finished(store, 'i', 'ignored', at(11));
        await finished(store, 'f', 'failed', at(12));
        await finished(store, 'late', 'processed', at(30));
        expect(await store.deliveries.purge(at(20), 100)).toBe(3);
        for (const id of ['p', 'i', 'f']) expect(await store.deliveries.get(id)).toBeUndefined();
        expect((await store.deliveries.get('late'))?.status).toBe('processed');
        // At the cutoff exactly is not before it.
        expect(await store.deliveries.purge(at(30), 100)).toBe(0);
        expect(await store.deliveries.purge(at(31), 100)).toBe(1);
      }),
    );

    it(
      'never removes a delivery still received or processing, however old',
      withStore(async (store) => {
        await store.deliveries.record(delivery('waiting', { receivedAt: at(1) }));
        await store.deliveries.record(delivery('working', { receivedAt: at(0) }));
        await store.deliveries.claim(at(2), 'node-a', at(3), 1);
        expect((await store.deliveries.get('working'))?.status).toBe('processing');
        // A postponed one keeps status processing with its error: still not removable.
        await store.deliveries.postpone('working', 'node-a', at(4), 'compare API away');
        expect(await store.deliveries.purge('2999-01-01T00:00:00.000Z', 100)).toBe(0);
        expect((await store.deliveries.get('waiting'))?.status).toBe('received');
        expect((await store.deliveries.get('working'))?.status).toBe('processing');
      }),
    );

    it(
      'removes in batches of at most the limit, oldest finished first',
      withStore(async (store) => {
        await finished(store, 'c', 'processed', at(13));
        await finished(store, 'a', 'processed', at(11));
        await finished(store, 'b', 'ignored', at(12));
        expect(await store.deliveries.purge(at(20), 2)).toBe(2);
        expect((await store.deliveries.get('c'))?.id).toBe('c');
        expect(await store.deliveries.get('a')).toBeUndefined();
        expect(await store.deliveries.purge(at(20), 2)).toBe(1);
        expect(await store.deliveries.purge(at(20), 2)).toBe(0);
      }),
    );

    it(
      'records a redelivery of a purged delivery as new',
      withStore(async (store) => {
        await finished(store, 'd1', 'processed', at(10));
        expect(await store.deliveries.purge(at(20), 10)).toBe(1);
        const again = await store.deliveries.record(
          delivery('d2', { dedupeKey: 'idempotency:d1' }),
        );
        expect(again).toMatchObject({ duplicate: false, record: { id: 'd2', status: 'received' } });
      }),
    );

    it(
      'removes done trigger runs last changed before the cutoff, never queued or running ones',
      withStore(async (store) => {
        await store.triggers.addRun(run('old-done', { seq: '1', now: at(1) }));
        await store.triggers.updateRun('build', 'old-done', { status: 'done', now: at(5) });
        await store.triggers.addRun(run('new-done', { seq: '2', now: at(1) }));
        await store.triggers.updateRun('build', 'new-done', { status: 'done', now: at(30) });
        await store.triggers.addRun(run('old-queued', { seq: '3', now: at(1) }));
        await store.triggers.addRun(
          run('old-running', {
            seq: '4',
            status: 'running',
            concurrencyKey: 'other',
            now: at(1),
          }),
        );
        expect(await store.triggers.purgeRuns(at(20), 100)).toBe(1);
        expect(await store.triggers.getRun('build', 'old-done')).toBeUndefined();
        const left = await store.triggers.runsOfKey('build', 'g/p@main');
        expect(left.map((r) => r.executionName)).toEqual(['new-done', 'old-queued']);
        expect((await store.triggers.getRun('build', 'old-running'))?.status).toBe('running');
        // Far in the future: only the other done run goes; the queue and the running run stay.
        expect(await store.triggers.purgeRuns('2999-01-01T00:00:00.000Z', 100)).toBe(1);
        expect(await store.triggers.pendingRuns(10)).toHaveLength(2);
      }),
    );

    it(
      'removes trigger runs in batches of at most the limit, oldest first',
      withStore(async (store) => {
        for (const [name, second] of [
          ['r3', 13],
          ['r1', 11],
          ['r2', 12],
        ] as const) {
          await store.triggers.addRun(run(name, { seq: name }));
          await store.triggers.updateRun('build', name, { status: 'done', now: at(second) });
        }
        expect(await store.triggers.purgeRuns(at(20), 2)).toBe(2);
        expect(
          (await store.triggers.runsOfKey('build', 'g/p@main')).map((r) => r.executionName),
        ).toEqual(['r3']);
        expect(await store.triggers.purgeRuns(at(20), 2)).toBe(1);
        expect(await store.triggers.purgeRuns(at(20), 2)).toBe(0);
      }),
    );
  });

  describe(`${label}: triggers`, () => {
    it(
      'creates, replaces, lists by name and deletes triggers',
      withStore(async (store) => {
        const a = await store.triggers.put({
          name: 'b',
          source: 'api',
          definition: '{}',
          now: at(1),
        });
        expect(a.created).toBe(true);
        await store.triggers.put({ name: 'a', source: 'api', definition: '{}', now: at(1) });
        const replaced = await store.triggers.put({
          name: 'b',
          source: 'api',
          definition: '{"x":1}',
          now: at(2),
        });
        expect(replaced).toMatchObject({
          created: false,
          record: { definition: '{"x":1}', createdAt: at(1), updatedAt: at(2) },
        });
        const page = await store.triggers.list({ limit: 1 });
        expect(page.items.map((t) => t.name)).toEqual(['a']);
        const rest = await store.triggers.list({ limit: 5, after: page.nextToken ?? '' });
        expect(rest.items.map((t) => t.name)).toEqual(['b']);
        expect(await store.triggers.delete('a')).toBe(true);
        expect(await store.triggers.delete('a')).toBe(false);
        expect(await store.triggers.get('a')).toBeUndefined();
      }),
    );

    it(
      'replaces the file triggers only, removing those no longer in the file',
      withStore(async (store) => {
        await store.triggers.put({ name: 'api-one', source: 'api', definition: '{}', now: at(1) });
        expect(
          await store.triggers.replaceFileTriggers(
            [
              { name: 'f1', definition: '{"v":1}' },
              { name: 'f2', definition: '{"v":1}' },
            ],
            at(2),
          ),
        ).toEqual({ created: 2, updated: 0, removed: 0 });
        expect(
          await store.triggers.replaceFileTriggers(
            [
              { name: 'f1', definition: '{"v":1}' },
              { name: 'api-one', definition: '{"v":2}' },
            ],
            at(3),
          ),
        ).toEqual({ created: 0, updated: 1, removed: 1 });
        const all = await store.triggers.list({ limit: 10 });
        expect(all.items.map((t) => [t.name, t.source])).toEqual([
          ['api-one', 'file'],
          ['f1', 'file'],
        ]);
      }),
    );
  });

  describe(`${label}: applying a set of API triggers`, () => {
    it(
      'creates, updates and leaves unchanged, in order, touching no trigger it does not name',
      withStore(async (store) => {
        await store.triggers.put({
          name: 'same',
          source: 'api',
          definition: '{"v":1}',
          now: at(1),
        });
        await store.triggers.put({
          name: 'edit',
          source: 'api',
          definition: '{"v":1}',
          now: at(1),
        });
        await store.triggers.put({
          name: 'from-file',
          source: 'file',
          definition: '{"v":1}',
          now: at(1),
        });
        await store.triggers.put({
          name: 'other',
          source: 'api',
          definition: '{"v":9}',
          now: at(1),
        });
        const applied = await store.triggers.applyApiTriggers(
          [
            { name: 'new', definition: '{"v":1}' },
            { name: 'same', definition: '{"v":1}' },
            { name: 'edit', definition: '{"v":2}' },
            { name: 'from-file', definition: '{"v":1}' },
          ],
          at(5),
        );
        expect(applied.map((a) => [a.record.name, a.result, a.record.updatedAt])).toEqual([
          ['new', 'created', at(5)],
          ['same', 'unchanged', at(1)],
          ['edit', 'updated', at(5)],
          // Same text, but it becomes an API trigger: that is a change.
          ['from-file', 'updated', at(5)],
        ]);
        const all = await store.triggers.list({ limit: 10 });
        expect(all.items.map((t) => [t.name, t.source, t.definition])).toEqual([
          ['edit', 'api', '{"v":2}'],
          ['from-file', 'api', '{"v":1}'],
          ['new', 'api', '{"v":1}'],
          ['other', 'api', '{"v":9}'],
          ['same', 'api', '{"v":1}'],
        ]);
        expect((await store.triggers.get('edit'))?.createdAt).toBe(at(1));
      }),
    );

    it(
      'writes nothing when one of the set cannot be written',
      withStore(async (store) => {
        await store.triggers.put({ name: 'a', source: 'api', definition: '{"v":1}', now: at(1) });
        // The third write fails in the database (NOT NULL on definition) after the first two
        // went through; the cast is the only way to get a value the type forbids this far.
        const broken = { name: 'c', definition: null as unknown as string };
        await expect(
          store.triggers.applyApiTriggers(
            [{ name: 'a', definition: '{"v":2}' }, { name: 'b', definition: '{}' }, broken],
            at(5),
          ),
        ).rejects.toThrow();
        expect((await store.triggers.get('a'))?.definition).toBe('{"v":1}');
        expect(await store.triggers.get('b')).toBeUndefined();
      }),
    );
  });

  describe(`${label}: trigger runs`, () => {
    it(
      'records a run once per trigger and execution name',
      withStore(async (store) => {
        expect((await store.triggers.addRun(run('r1'))).created).toBe(true);
        const again = await store.triggers.addRun(run('r1', { request: '{"other":1}' }));
        expect(again).toMatchObject({ created: false, record: { request: '{}' } });
      }),
    );

    it(
      'starts queued runs of a key one at a time, in arrival order',
      withStore(async (store) => {
        await store.triggers.addRun(run('r2', { seq: '2' }));
        await store.triggers.addRun(run('r1', { seq: '1' }));
        await store.triggers.addRun(run('x1', { seq: '0', concurrencyKey: 'g/p@other' }));
        const first = await store.triggers.startNextRun('build', 'g/p@main', at(2));
        expect(first?.executionName).toBe('r1');
        expect(await store.triggers.startNextRun('build', 'g/p@main', at(2))).toBeUndefined();
        await store.triggers.updateRun('build', 'r1', {
          status: 'running',
          executionArn: 'arn:r1',
          now: at(3),
        });
        expect((await store.triggers.runOfExecution('arn:r1'))?.executionName).toBe('r1');
        await store.triggers.updateRun('build', 'r1', { status: 'done', now: at(4) });
        expect((await store.triggers.getRun('build', 'r1'))?.executionArn).toBe('arn:r1');
        expect((await store.triggers.startNextRun('build', 'g/p@main', at(5)))?.executionName).toBe(
          'r2',
        );
        const runs = await store.triggers.runsOfKey('build', 'g/p@main');
        expect(runs.map((r) => [r.executionName, r.status])).toEqual([
          ['r1', 'done'],
          ['r2', 'running'],
        ]);
      }),
    );

    it(
      'lets only one of two nodes start the next run of a key',
      withStore(async (store, { openAnother }) => {
        const second = await openAnother();
        try {
          // Several rounds on fresh keys: the race (two nodes updating the same queued run at
          // once) is only sometimes hit in one.
          for (let round = 0; round < 8; round++) {
            const key = `g/p@round-${round}`;
            for (let i = 1; i <= 4; i++) {
              await store.triggers.addRun(
                run(`k${round}-r${i}`, { seq: String(i), concurrencyKey: key }),
              );
            }
            const started = await Promise.all(
              Array.from({ length: 6 }, (_, i) =>
                (i % 2 === 0 ? store : second).triggers.startNextRun('build', key, at(2)),
              ),
            );
            expect(started.filter((r) => r !== undefined).map((r) => r?.executionName)).toEqual([
              `k${round}-r1`,
            ]);
            expect(await store.triggers.runsOfKey('build', key, 'running')).toHaveLength(1);
          }
        } finally {
          await second.close();
        }
      }),
    );

    it(
      'lists pending runs: running ones, and the head of each idle queue',
      withStore(async (store) => {
        await store.triggers.addRun(run('a1', { seq: '1', concurrencyKey: 'a' }));
        await store.triggers.addRun(run('a2', { seq: '2', concurrencyKey: 'a' }));
        await store.triggers.addRun(
          run('b1', { seq: '3', concurrencyKey: 'b', status: 'running' }),
        );
        await store.triggers.addRun(run('b2', { seq: '4', concurrencyKey: 'b' }));
        const pending = await store.triggers.pendingRuns(10);
        expect(pending.map((r) => r.executionName)).toEqual(['a1', 'b1']);
      }),
    );
  });
}
