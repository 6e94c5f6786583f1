/**
 * The store contract: one suite, run against every implementation (test/store/*.test.ts), as
 * hono's router tests are (STYLE §6). Each test gets a fresh, migrated store.
 */
import { describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import { describeGitLabReportContract } from './gitlab-report-store.contract.js';
import { loadMigrations } from './sql/migrate.js';
import type { StoreErrorCode } from './errors.js';
import type {
  CreateWorkflow,
  DueWork,
  NewExecution,
  StepCommit,
  Store,
  StoredEvent,
} from './store.js';
import { MAX_TAGS_PER_RESOURCE } from './store.js';

export interface StoreUnderTest {
  readonly store: Store;
  /** A second store on the same database, as another node would open it. */
  readonly openAnother: () => Promise<Store>;
  readonly close: () => Promise<void>;
  /** How many rows a table holds, read with a connection of its own. */
  readonly countRows: (table: 'definitions') => Promise<number>;
}

/** The newest migration shipped: a migrated database reports it as current. */
const LATEST_MIGRATION = loadMigrations('sqlite').at(-1)?.id;
const T1 = '2026-01-01T00:00:00.000Z';
const T2 = '2026-01-02T00:00:00.000Z';

function workflow(name: string, overrides: Partial<CreateWorkflow> = {}): CreateWorkflow {
  return {
    name,
    definition: '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}',
    roleArn: 'arn:aws:iam::000000000000:role/baton',
    type: 'STANDARD',
    description: null,
    revisionId: `${name}-r1`,
    now: T1,
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<StoreError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (outcome instanceof StoreError) return outcome;
  return expect.fail(`expected a StoreError, got ${String(outcome)}`);
}

async function expectCode(promise: Promise<unknown>, code: StoreErrorCode): Promise<StoreError> {
  const error = await failure(promise);
  expect(error.code, error.message).toBe(code);
  return error;
}

function events(from: number, count: number, at = T1): StoredEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: from + i,
    previousEventId: from + i - 1,
    type: i === 0 && from === 1 ? 'ExecutionStarted' : 'PassStateEntered',
    timestamp: at,
    details: JSON.stringify({ n: from + i }),
  }));
}

function execution(name: string, overrides: Partial<NewExecution> = {}): NewExecution {
  return {
    id: `arn:aws:states:local:000000000000:execution:deploy:${name}`,
    workflow: 'deploy',
    version: null,
    alias: null,
    revisionId: 'deploy-r1',
    name,
    input: '{"v":1}',
    definition: '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}',
    startedAt: T1,
    first: { status: 'RUNNING', snapshot: '{"s":1}', events: events(1, 2) },
    ...overrides,
  };
}

function finished(eventFrom: number): StepCommit {
  return {
    status: 'SUCCEEDED',
    snapshot: '{"s":"done"}',
    events: events(eventFrom, 1, T2),
    output: '{"ok":true}',
    stoppedAt: T2,
  };
}

export function describeStoreContract(label: string, open: () => Promise<StoreUnderTest>): void {
  const withStore = (test: (subject: StoreUnderTest) => Promise<void>) => async () => {
    const subject = await open();
    try {
      await test(subject);
    } finally {
      await subject.close();
    }
  };

  describe(`${label}: migrations`, () => {
    it(
      'finds the schema current on a second run',
      withStore(async ({ store }) => {
        const again = await store.migrate();
        expect(again.applied).toEqual([]);
        expect(again.current).toBe(LATEST_MIGRATION);
      }),
    );

    it(
      'lets two nodes migrate at the same time: one applies, both succeed',
      withStore(async ({ openAnother }) => {
        const [a, b] = [await openAnother(), await openAnother()];
        try {
          const reports = await Promise.all([a.migrate(), b.migrate()]);
          expect(reports.every((r) => r.current === LATEST_MIGRATION)).toBe(true);
        } finally {
          await a.close();
          await b.close();
        }
      }),
    );
  });

  describe(`${label}: workflows`, () => {
    it(
      'creates a workflow and reads it back exactly',
      withStore(async ({ store }) => {
        const created = await store.workflows.create(workflow('deploy'));
        expect(created).toEqual({
          name: 'deploy',
          definition: workflow('deploy').definition,
          roleArn: 'arn:aws:iam::000000000000:role/baton',
          type: 'STANDARD',
          description: null,
          revisionId: 'deploy-r1',
          createdAt: T1,
          updatedAt: T1,
        });
        expect(await store.workflows.get('deploy')).toEqual(created);
      }),
    );

    it(
      'returns the existing workflow when the same one is created again',
      withStore(async ({ store }) => {
        const first = await store.workflows.create(workflow('deploy'));
        const again = await store.workflows.create(
          workflow('deploy', { revisionId: 'other', now: T2 }),
        );
        expect(again).toEqual(first);
      }),
    );

    it(
      'refuses to create a workflow whose name is taken by a different one',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy'));
        const error = await expectCode(
          store.workflows.create(workflow('deploy', { definition: '{}' })),
          'ALREADY_EXISTS',
        );
        expect(error.message).toContain('update it instead');
        await expectCode(
          store.workflows.create(workflow('deploy', { type: 'EXPRESS' })),
          'ALREADY_EXISTS',
        );
        await expectCode(
          store.workflows.create(workflow('deploy', { roleArn: null })),
          'ALREADY_EXISTS',
        );
      }),
    );

    it(
      'updates the definition, keeps what is not given, and moves the revision',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy', { description: 'first' }));
        const updated = await store.workflows.update('deploy', {
          definition: '{"changed":true}',
          revisionId: 'deploy-r2',
          now: T2,
        });
        expect(updated).toMatchObject({
          definition: '{"changed":true}',
          description: 'first',
          roleArn: 'arn:aws:iam::000000000000:role/baton',
          revisionId: 'deploy-r2',
          createdAt: T1,
          updatedAt: T2,
        });
        const cleared = await store.workflows.update('deploy', {
          roleArn: null,
          description: null,
          revisionId: 'deploy-r3',
          now: T2,
        });
        expect(cleared).toMatchObject({ roleArn: null, description: null });
      }),
    );

    it(
      'reports updating, deleting or reading a missing workflow',
      withStore(async ({ store }) => {
        await expectCode(
          store.workflows.update('ghost', { revisionId: 'x', now: T1 }),
          'NOT_FOUND',
        );
        await expectCode(store.workflows.delete('ghost'), 'NOT_FOUND');
        expect(await store.workflows.get('ghost')).toBeUndefined();
      }),
    );

    it(
      'deletes a workflow with its versions and aliases',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy'));
        await store.workflows.publishVersion('deploy', { description: null, now: T1 });
        await store.workflows.putAlias('deploy', 'prod', {
          description: null,
          routing: [{ version: 1, weight: 100 }],
          now: T1,
        });
        await store.workflows.delete('deploy');
        expect(await store.workflows.get('deploy')).toBeUndefined();
        expect(await store.workflows.getVersion('deploy', 1)).toBeUndefined();
        expect(await store.workflows.getAlias('deploy', 'prod')).toBeUndefined();
        // The name can be used again, and numbering starts over for the new workflow.
        await store.workflows.create(workflow('deploy', { revisionId: 'new' }));
        const version = await store.workflows.publishVersion('deploy', {
          description: null,
          now: T2,
        });
        expect(version.version).toBe(1);
      }),
    );

    it(
      'lists workflows by name, a page at a time',
      withStore(async ({ store }) => {
        for (const name of ['c', 'a', 'e', 'b', 'd']) await store.workflows.create(workflow(name));
        const first = await store.workflows.list({ limit: 2 });
        expect(first.items.map((w) => w.name)).toEqual(['a', 'b']);
        const second = await store.workflows.list({ limit: 2, after: first.nextToken ?? '' });
        expect(second.items.map((w) => w.name)).toEqual(['c', 'd']);
        const last = await store.workflows.list({ limit: 2, after: second.nextToken ?? '' });
        expect(last.items.map((w) => w.name)).toEqual(['e']);
        expect(last.nextToken).toBeUndefined();
      }),
    );

    it(
      'refuses a pagination token it did not issue',
      withStore(async ({ store }) => {
        for (const token of ['not-base64-json', Buffer.from('[1]').toString('base64url'), '']) {
          await expectCode(store.workflows.list({ limit: 10, after: token }), 'INVALID');
        }
      }),
    );

    it(
      'stores names and definitions with quotes and SQL literally',
      withStore(async ({ store }) => {
        const name = `O'Brien"; DROP TABLE workflows; --`;
        const definition = `{"Comment":"it's \\"quoted\\" -- and ? marks"}`;
        await store.workflows.create(workflow(name, { definition }));
        expect((await store.workflows.get(name))?.definition).toBe(definition);
        expect((await store.workflows.list({ limit: 10 })).items).toHaveLength(1);
      }),
    );
  });

  describe(`${label}: versions`, () => {
    it(
      'publishes numbered versions that do not change when the workflow does',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy'));
        const v1 = await store.workflows.publishVersion('deploy', {
          description: 'first',
          now: T1,
        });
        expect(v1).toMatchObject({ version: 1, revisionId: 'deploy-r1', description: 'first' });
        await store.workflows.update('deploy', {
          definition: '{"v":2}',
          revisionId: 'deploy-r2',
          now: T2,
        });
        const v2 = await store.workflows.publishVersion('deploy', { description: null, now: T2 });
        expect(v2).toMatchObject({ version: 2, definition: '{"v":2}' });
        expect(await store.workflows.getVersion('deploy', 1)).toEqual(v1);
      }),
    );

    it(
      'returns the existing version when the same revision is published again',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy'));
        const first = await store.workflows.publishVersion('deploy', {
          description: null,
          now: T1,
        });
        const again = await store.workflows.publishVersion('deploy', { description: 'x', now: T2 });
        expect(again).toEqual(first);
        const all = await store.workflows.listVersions('deploy', { limit: 10 });
        expect(all.items).toHaveLength(1);
      }),
    );

    it(
      'publishes one version when the same revision is published concurrently',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy'));
        const versions = await Promise.all(
          Array.from({ length: 8 }, () =>
            store.workflows.publishVersion('deploy', { description: null, now: T1 }),
          ),
        );
        expect(new Set(versions.map((v) => v.version))).toEqual(new Set([1]));
      }),
    );

    it(
      'refuses to publish when the revision moved on since it was read',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy'));
        await store.workflows.update('deploy', {
          definition: '{}',
          revisionId: 'deploy-r2',
          now: T2,
        });
        const error = await expectCode(
          store.workflows.publishVersion('deploy', {
            description: null,
            expectedRevisionId: 'deploy-r1',
            now: T2,
          }),
          'CONFLICT',
        );
        expect(error.message).toContain('deploy-r2');
      }),
    );

    it(
      'never reuses a deleted version number',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy'));
        await store.workflows.publishVersion('deploy', { description: null, now: T1 });
        await store.workflows.deleteVersion('deploy', 1);
        await store.workflows.update('deploy', {
          definition: '{}',
          revisionId: 'deploy-r2',
          now: T2,
        });
        const next = await store.workflows.publishVersion('deploy', { description: null, now: T2 });
        expect(next.version).toBe(2);
      }),
    );

    it(
      'lists versions newest first, a page at a time',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy'));
        for (let i = 1; i <= 3; i++) {
          await store.workflows.update('deploy', {
            definition: `{"v":${i}}`,
            revisionId: `r${i}`,
            now: T1,
          });
          await store.workflows.publishVersion('deploy', { description: null, now: T1 });
        }
        const first = await store.workflows.listVersions('deploy', { limit: 2 });
        expect(first.items.map((v) => v.version)).toEqual([3, 2]);
        const rest = await store.workflows.listVersions('deploy', {
          limit: 2,
          after: first.nextToken ?? '',
        });
        expect(rest.items.map((v) => v.version)).toEqual([1]);
        expect(rest.nextToken).toBeUndefined();
      }),
    );

    it(
      'reports versions of missing workflows and missing versions',
      withStore(async ({ store }) => {
        await expectCode(
          store.workflows.publishVersion('ghost', { description: null, now: T1 }),
          'NOT_FOUND',
        );
        await expectCode(store.workflows.listVersions('ghost', { limit: 1 }), 'NOT_FOUND');
        await store.workflows.create(workflow('deploy'));
        await expectCode(store.workflows.deleteVersion('deploy', 7), 'NOT_FOUND');
        expect(await store.workflows.getVersion('deploy', 7)).toBeUndefined();
      }),
    );

    it(
      'refuses to delete a version an alias routes to, naming the alias',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy'));
        await store.workflows.publishVersion('deploy', { description: null, now: T1 });
        await store.workflows.putAlias('deploy', 'prod', {
          description: null,
          routing: [{ version: 1, weight: 100 }],
          now: T1,
        });
        const error = await expectCode(store.workflows.deleteVersion('deploy', 1), 'IN_USE');
        expect(error.message).toContain('"prod"');
        expect(await store.workflows.getVersion('deploy', 1)).toBeDefined();
      }),
    );
  });

  describe(`${label}: aliases`, () => {
    const twoVersions = async (store: Store): Promise<void> => {
      await store.workflows.create(workflow('deploy'));
      await store.workflows.publishVersion('deploy', { description: null, now: T1 });
      await store.workflows.update('deploy', {
        definition: '{}',
        revisionId: 'deploy-r2',
        now: T1,
      });
      await store.workflows.publishVersion('deploy', { description: null, now: T1 });
    };

    it(
      'routes an alias to one version, or splits it between two',
      withStore(async ({ store }) => {
        await twoVersions(store);
        const prod = await store.workflows.putAlias('deploy', 'prod', {
          description: 'live',
          routing: [{ version: 1, weight: 100 }],
          now: T1,
        });
        expect(prod).toEqual({
          workflow: 'deploy',
          name: 'prod',
          description: 'live',
          routing: [{ version: 1, weight: 100 }],
          createdAt: T1,
          updatedAt: T1,
        });
        const canary = await store.workflows.putAlias('deploy', 'prod', {
          description: 'canary',
          routing: [
            { version: 2, weight: 10 },
            { version: 1, weight: 90 },
          ],
          now: T2,
        });
        expect(canary).toMatchObject({
          description: 'canary',
          routing: [
            { version: 1, weight: 90 },
            { version: 2, weight: 10 },
          ],
          createdAt: T1,
          updatedAt: T2,
        });
      }),
    );

    it.each([
      ['no route', []],
      [
        'three routes',
        [
          { version: 1, weight: 50 },
          { version: 2, weight: 25 },
          { version: 3, weight: 25 },
        ],
      ],
      [
        'weights that do not sum to 100',
        [
          { version: 1, weight: 50 },
          { version: 2, weight: 40 },
        ],
      ],
      [
        'the same version twice',
        [
          { version: 1, weight: 50 },
          { version: 1, weight: 50 },
        ],
      ],
      ['a weight over 100', [{ version: 1, weight: 101 }]],
      ['a fractional weight', [{ version: 1, weight: 99.5 }]],
      ['version 0', [{ version: 0, weight: 100 }]],
    ])('refuses routing with %s', async (_what, routing) => {
      const subject = await open();
      try {
        await twoVersions(subject.store);
        await expectCode(
          subject.store.workflows.putAlias('deploy', 'prod', {
            description: null,
            routing,
            now: T1,
          }),
          'INVALID',
        );
        expect(await subject.store.workflows.getAlias('deploy', 'prod')).toBeUndefined();
      } finally {
        await subject.close();
      }
    });

    it(
      'refuses to route to a version that does not exist, leaving the alias as it was',
      withStore(async ({ store }) => {
        await twoVersions(store);
        await store.workflows.putAlias('deploy', 'prod', {
          description: null,
          routing: [{ version: 1, weight: 100 }],
          now: T1,
        });
        const error = await expectCode(
          store.workflows.putAlias('deploy', 'prod', {
            description: null,
            routing: [{ version: 9, weight: 100 }],
            now: T2,
          }),
          'NOT_FOUND',
        );
        expect(error.message).toContain('version 9');
        expect((await store.workflows.getAlias('deploy', 'prod'))?.routing).toEqual([
          { version: 1, weight: 100 },
        ]);
      }),
    );

    it(
      'reports aliases of missing workflows and missing aliases',
      withStore(async ({ store }) => {
        await expectCode(
          store.workflows.putAlias('ghost', 'prod', {
            description: null,
            routing: [{ version: 1, weight: 100 }],
            now: T1,
          }),
          'NOT_FOUND',
        );
        await expectCode(store.workflows.listAliases('ghost', { limit: 1 }), 'NOT_FOUND');
        await store.workflows.create(workflow('deploy'));
        await expectCode(store.workflows.deleteAlias('deploy', 'prod'), 'NOT_FOUND');
      }),
    );

    it(
      'lists aliases by name and deletes them',
      withStore(async ({ store }) => {
        await twoVersions(store);
        for (const name of ['staging', 'dev', 'prod']) {
          await store.workflows.putAlias('deploy', name, {
            description: null,
            routing: [{ version: 2, weight: 100 }],
            now: T1,
          });
        }
        const first = await store.workflows.listAliases('deploy', { limit: 2 });
        expect(first.items.map((a) => a.name)).toEqual(['dev', 'prod']);
        const rest = await store.workflows.listAliases('deploy', {
          limit: 2,
          after: first.nextToken ?? '',
        });
        expect(rest.items.map((a) => a.name)).toEqual(['staging']);
        await store.workflows.deleteAlias('deploy', 'dev');
        expect(await store.workflows.getAlias('deploy', 'dev')).toBeUndefined();
        // With its alias gone, version 2 can be deleted once the others stop routing to it.
        await store.workflows.deleteAlias('deploy', 'prod');
        await store.workflows.deleteAlias('deploy', 'staging');
        await store.workflows.deleteVersion('deploy', 2);
      }),
    );
  });

  describe(`${label}: tags`, () => {
    const deploy = { kind: 'workflow', name: 'deploy' } as const;

    it(
      'tags a workflow, lists the tags by key and replaces the value of a key it has',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy'));
        await store.tags.tag(deploy, [
          { key: 'team', value: 'platform' },
          { key: 'env', value: 'dev' },
        ]);
        await store.tags.tag(deploy, [{ key: 'env', value: 'prod' }]);
        expect(await store.tags.list(deploy)).toEqual([
          { key: 'env', value: 'prod' },
          { key: 'team', value: 'platform' },
        ]);
      }),
    );

    it(
      'untags only the keys given and ignores keys the workflow does not have',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy'));
        await store.tags.tag(deploy, [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ]);
        await store.tags.untag(deploy, ['a', 'zz']);
        expect(await store.tags.list(deploy)).toEqual([{ key: 'b', value: '2' }]);
      }),
    );

    it(
      'reports NOT_FOUND for tags of a workflow that does not exist',
      withStore(async ({ store }) => {
        await expectCode(store.tags.tag(deploy, [{ key: 'a', value: '' }]), 'NOT_FOUND');
        await expectCode(store.tags.untag(deploy, ['a']), 'NOT_FOUND');
        await expectCode(store.tags.list(deploy), 'NOT_FOUND');
      }),
    );

    it(
      'refuses more tags than the limit and writes none of them',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy'));
        await store.tags.tag(deploy, [{ key: 'keep', value: 'x' }]);
        const many = Array.from({ length: MAX_TAGS_PER_RESOURCE }, (_, i) => ({
          key: `k${i}`,
          value: String(i),
        }));
        await expectCode(store.tags.tag(deploy, many), 'LIMIT_EXCEEDED');
        expect(await store.tags.list(deploy)).toEqual([{ key: 'keep', value: 'x' }]);
      }),
    );

    it(
      'writes tags given at creation, ignores them when the workflow exists, and drops them with it',
      withStore(async ({ store }) => {
        await store.workflows.create({ ...workflow('deploy'), tags: [{ key: 'a', value: '1' }] });
        await store.workflows.create({ ...workflow('deploy'), tags: [{ key: 'b', value: '2' }] });
        expect(await store.tags.list(deploy)).toEqual([{ key: 'a', value: '1' }]);
        await store.workflows.delete('deploy');
        await store.workflows.create(workflow('deploy'));
        expect(await store.tags.list(deploy)).toEqual([]);
      }),
    );

    it(
      'refuses a workflow created with more tags than the limit, creating nothing',
      withStore(async ({ store }) => {
        const tags = Array.from({ length: MAX_TAGS_PER_RESOURCE + 1 }, (_, i) => ({
          key: `k${i}`,
          value: '',
        }));
        await expectCode(store.workflows.create({ ...workflow('deploy'), tags }), 'LIMIT_EXCEEDED');
        expect(await store.workflows.get('deploy')).toBeUndefined();
      }),
    );
  });

  describe(`${label}: executions`, () => {
    it(
      'records a started execution with its first events and snapshot',
      withStore(async ({ store }) => {
        const { record, created } = await store.executions.start(execution('e1'));
        expect(created).toBe(true);
        expect(record).toMatchObject({
          name: 'e1',
          status: 'RUNNING',
          input: '{"v":1}',
          revision: 1,
          eventCount: 2,
          redriveCount: 0,
          stoppedAt: null,
        });
        expect(await store.executions.snapshot(record.id)).toEqual({
          snapshot: '{"s":1}',
          revision: 1,
          definition: execution('e1').definition,
        });
        const history = await store.executions.history(record.id, { limit: 10 });
        expect(history.items.map((e) => e.id)).toEqual([1, 2]);
        expect(history.items[0]).toEqual(events(1, 1)[0]);
      }),
    );

    it(
      'keeps stoppedAt and redriveCount unless a commit sets them; null clears stoppedAt',
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(execution('e1'));
        await store.executions.commit(record.id, 1, { ...finished(3), status: 'FAILED' });
        // A late commit with nothing to say about the ending (stale work retired) keeps it.
        await store.executions.commit(record.id, 2, {
          status: 'FAILED',
          snapshot: '{"s":"done"}',
          events: [],
        });
        expect(await store.executions.get(record.id)).toMatchObject({
          stoppedAt: T2,
          redriveCount: 0,
        });
        // A redrive: running again, no longer stopped, counted.
        await store.executions.commit(record.id, 3, {
          status: 'RUNNING',
          snapshot: '{"s":"again"}',
          events: events(4, 1),
          stoppedAt: null,
          redriveCount: 1,
        });
        expect(await store.executions.get(record.id)).toMatchObject({
          status: 'RUNNING',
          stoppedAt: null,
          redriveCount: 1,
          output: null,
        });
      }),
    );

    it(
      'commits many executions at once, and a commit that loses its race fails alone',
      withStore(async ({ store }) => {
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) {
          ids.push((await store.executions.start(execution(`e${i}`))).record.id);
        }
        const results = await Promise.allSettled(
          ids.map((id, i) =>
            // e7 names a revision it never had: that commit must fail without harming the rest.
            store.executions.commit(id, i === 7 ? 5 : 1, {
              status: 'RUNNING',
              snapshot: `{"step":${i}}`,
              events: events(3, 2),
            }),
          ),
        );
        expect(results.map((r) => r.status)).toEqual(
          ids.map((_, i) => (i === 7 ? 'rejected' : 'fulfilled')),
        );
        const failed = results[7];
        expect(failed?.status === 'rejected' ? failed.reason : undefined).toMatchObject({
          code: 'CONFLICT',
        });
        for (const [i, id] of ids.entries()) {
          const record = await store.executions.get(id);
          expect([i, record?.revision, record?.eventCount]).toEqual(
            i === 7 ? [i, 1, 2] : [i, 2, 4],
          );
        }
        expect((await store.executions.history(ids[7] ?? '', { limit: 10 })).items).toHaveLength(2);
      }),
    );

    it(
      'commits a batch where one execution gets two commits on one revision and another a stale one',
      withStore(async ({ store }) => {
        const ids: string[] = [];
        for (let i = 0; i < 6; i++) {
          ids.push((await store.executions.start(execution(`e${i}`))).record.id);
        }
        const step = (n: number): StepCommit => ({
          status: 'RUNNING',
          snapshot: `{"step":${n}}`,
          events: events(3, 1),
          retire: ['none'],
        });
        // Issued together: PostgreSQL writes them as one batch, SQLite as one group commit.
        const [a, b, ...rest] = await Promise.allSettled([
          store.executions.commit(ids[2] ?? '', 1, step(100)),
          store.executions.commit(ids[2] ?? '', 1, step(101)),
          ...ids.map((id, i) => store.executions.commit(id, i === 4 ? 7 : 1, step(i))),
        ]);
        // ids[2] was committed three times on revision 1: exactly one of them got through.
        const onTwo = [a, b, rest[2]];
        expect(onTwo.filter((o) => o?.status === 'fulfilled')).toHaveLength(1);
        for (const o of onTwo) {
          if (o?.status === 'rejected') expect(o.reason).toMatchObject({ code: 'CONFLICT' });
        }
        const stale = rest[4];
        expect(stale?.status === 'rejected' ? stale.reason : undefined).toMatchObject({
          code: 'CONFLICT',
          message: `Execution ${ids[4] ?? ''} moved past revision 7 (read revision 1): another commit came first. Re-read the snapshot and step again.`,
        });
        expect(rest.map((o) => o.status)).toEqual(
          ids.map((_, i) => (i === 4 ? 'rejected' : i === 2 ? rest[2]?.status : 'fulfilled')),
        );
        for (const [i, id] of ids.entries()) {
          if (i !== 2 && i !== 4) expect(rest[i]).toEqual({ status: 'fulfilled', value: 2 });
          const record = await store.executions.get(id);
          expect([i, record?.revision, record?.eventCount]).toEqual(
            i === 4 ? [i, 1, 2] : [i, 2, 3],
          );
          const history = await store.executions.history(id, { limit: 10 });
          expect(history.items.map((e) => e.id)).toEqual(i === 4 ? [1, 2] : [1, 2, 3]);
        }
        await expectCode(store.executions.commit('arn:none', 1, step(9)), 'NOT_FOUND');
      }),
    );

    it(
      'answers starts of one name racing in one batch as starts one after another would',
      withStore(async ({ store }) => {
        const [first, same, other] = await Promise.allSettled([
          store.executions.start(execution('e1')),
          store.executions.start(execution('e1', { startedAt: T2 })),
          store.executions.start(execution('e1', { input: '{"v":2}' })),
        ]);
        expect(first).toMatchObject({ status: 'fulfilled', value: { created: true } });
        const record = first.status === 'fulfilled' ? first.value.record : undefined;
        expect(record).toEqual(await store.executions.get(execution('e1').id));
        expect(same).toEqual({ status: 'fulfilled', value: { record, created: false } });
        expect(other.status === 'rejected' ? other.reason : undefined).toMatchObject({
          code: 'ALREADY_EXISTS',
          message:
            'An execution named "e1" of workflow "deploy" is already running with a different input; choose another name.',
        });
        expect((await store.executions.history(execution('e1').id, { limit: 10 })).items).toEqual(
          events(1, 2),
        );
      }),
    );

    it(
      'answers a batch of starts with new names, a running name and a finished name',
      withStore(async ({ store }) => {
        const { record: running } = await store.executions.start(execution('running'));
        const { record: done } = await store.executions.start(execution('done'));
        await store.executions.commit(done.id, 1, finished(3));
        const outcomes = await Promise.allSettled([
          store.executions.start(execution('new1', { version: 3, alias: 'prod', mapRun: 'arn:m' })),
          store.executions.start(execution('running', { startedAt: T2 })),
          store.executions.start(execution('done')),
          store.executions.start(execution('new2')),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual([
          'fulfilled',
          'fulfilled',
          'rejected',
          'fulfilled',
        ]);
        const [new1, again, refused, new2] = outcomes;
        for (const [created, name] of [
          [new1, 'new1'],
          [new2, 'new2'],
        ] as const) {
          expect(created).toEqual({
            status: 'fulfilled',
            value: { record: await store.executions.get(execution(name).id), created: true },
          });
        }
        expect(new1).toMatchObject({
          value: { record: { version: 3, alias: 'prod', mapRun: 'arn:m', revision: 1 } },
        });
        expect(again).toEqual({ status: 'fulfilled', value: { record: running, created: false } });
        expect(refused.status === 'rejected' ? refused.reason : undefined).toMatchObject({
          code: 'ALREADY_EXISTS',
          message:
            'An execution named "done" of workflow "deploy" already ran (SUCCEEDED); execution names are unique per workflow, so choose another name.',
        });
      }),
    );

    it(
      'answers concurrent snapshot and workflow reads each with its own row',
      withStore(async ({ store }) => {
        await store.workflows.create(workflow('deploy'));
        await store.workflows.create(workflow('other', { description: 'o' }));
        const { record: e1 } = await store.executions.start(execution('e1'));
        const { record: e2 } = await store.executions.start(execution('e2'));
        await store.executions.commit(e2.id, 1, finished(3));
        // Issued together: PostgreSQL reads them with one query per kind.
        const [s1, s2, none, again, deploy, other, missing] = await Promise.all([
          store.executions.snapshot(e1.id),
          store.executions.snapshot(e2.id),
          store.executions.snapshot('arn:none'),
          store.executions.snapshot(e1.id),
          store.workflows.get('deploy'),
          store.workflows.get('other'),
          store.workflows.get('missing'),
        ]);
        expect([s1, s2, none, again]).toEqual([
          { snapshot: '{"s":1}', revision: 1, definition: execution('e1').definition },
          { snapshot: '{"s":"done"}', revision: 2, definition: execution('e2').definition },
          undefined,
          { snapshot: '{"s":1}', revision: 1, definition: execution('e1').definition },
        ]);
        expect([deploy?.name, other?.name, other?.description, missing]).toEqual([
          'deploy',
          'other',
          'o',
          undefined,
        ]);
      }),
    );

    it(
      'returns the running execution when started again with the same name and input',
      withStore(async ({ store }) => {
        const first = await store.executions.start(execution('e1'));
        const again = await store.executions.start(execution('e1', { startedAt: T2 }));
        expect(again).toEqual({ record: first.record, created: false });
      }),
    );

    it(
      'refuses the same name with another input, naming the fix',
      withStore(async ({ store }) => {
        await store.executions.start(execution('e1'));
        const error = await expectCode(
          store.executions.start(execution('e1', { input: '{"v":2}' })),
          'ALREADY_EXISTS',
        );
        expect(error.message).toContain('choose another name');
      }),
    );

    it(
      'refuses the name of a finished execution even with the same input',
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(execution('e1'));
        await store.executions.commit(record.id, 1, finished(3));
        const error = await expectCode(store.executions.start(execution('e1')), 'ALREADY_EXISTS');
        expect(error.message).toContain('SUCCEEDED');
      }),
    );

    it(
      'lets two workflows use the same execution name',
      withStore(async ({ store }) => {
        await store.executions.start(execution('e1'));
        const other = await store.executions.start(
          execution('e1', { id: 'arn:other:e1', workflow: 'other' }),
        );
        expect(other.created).toBe(true);
      }),
    );

    it(
      'commits a step on top of the revision it read: status, output, snapshot and events',
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(execution('e1'));
        const revision = await store.executions.commit(record.id, 1, finished(3));
        expect(revision).toBe(2);
        expect(await store.executions.get(record.id)).toMatchObject({
          status: 'SUCCEEDED',
          output: '{"ok":true}',
          stoppedAt: T2,
          revision: 2,
          eventCount: 3,
        });
        expect(await store.executions.snapshot(record.id)).toMatchObject({
          snapshot: '{"s":"done"}',
          revision: 2,
        });
      }),
    );

    it(
      'refuses a commit built on a stale revision and writes none of it',
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(execution('e1'));
        await store.executions.commit(record.id, 1, {
          status: 'RUNNING',
          snapshot: '{"s":2}',
          events: events(3, 1),
        });
        const error = await expectCode(
          store.executions.commit(record.id, 1, finished(4)),
          'CONFLICT',
        );
        expect(error.message).toContain('step again');
        expect(await store.executions.get(record.id)).toMatchObject({
          status: 'RUNNING',
          eventCount: 3,
        });
        const history = await store.executions.history(record.id, { limit: 10 });
        expect(history.items.map((e) => e.id)).toEqual([1, 2, 3]);
      }),
    );

    it(
      'lets exactly one of several racing commits on one revision through',
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(execution('e1'));
        const outcomes = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) =>
            store.executions.commit(record.id, 1, {
              status: 'RUNNING',
              snapshot: `{"winner":${i}}`,
              events: events(3, 1),
            }),
          ),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const o of outcomes) {
          if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'CONFLICT' });
        }
        expect((await store.executions.history(record.id, { limit: 10 })).items).toHaveLength(3);
      }),
    );

    it.each([
      ['a gap', [3, 5]],
      ['a repeated id', [2]],
      ['ids out of order', [4, 3]],
    ])('refuses events with %s in their ids', async (_what, ids) => {
      const subject = await open();
      try {
        const { record } = await subject.store.executions.start(execution('e1'));
        const bad = ids.map((id) => ({ ...events(id, 1)[0], id }) as StoredEvent);
        await expectCode(
          subject.store.executions.commit(record.id, 1, {
            status: 'RUNNING',
            snapshot: '{}',
            events: bad,
          }),
          'INVALID',
        );
        expect((await subject.store.executions.get(record.id))?.revision).toBe(1);
      } finally {
        await subject.close();
      }
    });

    it(
      'refuses a first step whose events do not start at 1',
      withStore(async ({ store }) => {
        await expectCode(
          store.executions.start(
            execution('e1', { first: { status: 'RUNNING', snapshot: '{}', events: events(2, 1) } }),
          ),
          'INVALID',
        );
        expect(await store.executions.get(execution('e1').id)).toBeUndefined();
      }),
    );

    it(
      'reports commits and histories of executions that do not exist',
      withStore(async ({ store }) => {
        await expectCode(store.executions.commit('arn:none', 1, finished(1)), 'NOT_FOUND');
        await expectCode(store.executions.history('arn:none', { limit: 1 }), 'NOT_FOUND');
        expect(await store.executions.get('arn:none')).toBeUndefined();
        expect(await store.executions.snapshot('arn:none')).toBeUndefined();
      }),
    );

    it(
      'pages through history forwards and backwards',
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(
          execution('e1', { first: { status: 'RUNNING', snapshot: '{}', events: events(1, 5) } }),
        );
        const first = await store.executions.history(record.id, { limit: 2 });
        const second = await store.executions.history(record.id, {
          limit: 2,
          after: first.nextToken ?? '',
        });
        const third = await store.executions.history(record.id, {
          limit: 2,
          after: second.nextToken ?? '',
        });
        expect([first, second, third].map((p) => p.items.map((e) => e.id))).toEqual([
          [1, 2],
          [3, 4],
          [5],
        ]);
        expect(third.nextToken).toBeUndefined();
        const newest = await store.executions.history(record.id, { limit: 3, reverse: true });
        expect(newest.items.map((e) => e.id)).toEqual([5, 4, 3]);
        const older = await store.executions.history(record.id, {
          limit: 3,
          reverse: true,
          after: newest.nextToken ?? '',
        });
        expect(older.items.map((e) => e.id)).toEqual([2, 1]);
      }),
    );

    it(
      "records a redrive's client token with its commit, keeps the last 10, and none for a lost race",
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(execution('redriven'));
        let revision = record.revision;
        for (let i = 0; i < 12; i++) {
          revision = await store.executions.commit(record.id, revision, {
            status: 'RUNNING',
            snapshot: '{}',
            events: [],
            redriveToken: { token: `t${i}`, at: `2026-01-01T00:00:${String(10 + i)}.000Z` },
          });
        }
        expect(await store.executions.redriveToken(record.id, 't11')).toBe(
          '2026-01-01T00:00:21.000Z',
        );
        expect(await store.executions.redriveToken(record.id, 't2')).toBe(
          '2026-01-01T00:00:12.000Z',
        );
        // Only the last 10 are kept.
        expect(await store.executions.redriveToken(record.id, 't1')).toBeUndefined();
        expect(await store.executions.redriveToken(record.id, 't0')).toBeUndefined();
        expect(await store.executions.redriveToken('arn:none', 't11')).toBeUndefined();
        // A commit that loses its compare-and-set records nothing.
        await expectCode(
          store.executions.commit(record.id, revision - 1, {
            status: 'RUNNING',
            snapshot: '{}',
            events: [],
            redriveToken: { token: 'lost', at: T1 },
          }),
          'CONFLICT',
        );
        expect(await store.executions.redriveToken(record.id, 'lost')).toBeUndefined();
      }),
    );

    it(
      'refuses events whose details are not the JSON text of an object, writing nothing',
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(execution('bad-details'));
        for (const details of ['not json', '[1]', '"text"', '']) {
          await expectCode(
            store.executions.commit(record.id, record.revision, {
              status: 'RUNNING',
              snapshot: '{"changed":true}',
              events: [{ ...(events(record.eventCount + 1, 1)[0] as StoredEvent), details }],
            }),
            'INVALID',
          );
        }
        expect(await store.executions.get(record.id)).toEqual(record);
        const history = await store.executions.history(record.id, { limit: 10 });
        expect(history.items).toHaveLength(record.eventCount);
      }),
    );

    it(
      'pages through long histories stored in chunks, from any point, either way',
      withStore(async ({ store }) => {
        // 3 + 250 + 1 + 120 events in four commits: chunks of up to 100, split mid-commit.
        const { record } = await store.executions.start(
          execution('long', { first: { status: 'RUNNING', snapshot: '{}', events: events(1, 3) } }),
        );
        let revision = record.revision;
        for (const [from, count] of [
          [4, 250],
          [254, 1],
          [255, 120],
        ] as const) {
          revision = await store.executions.commit(record.id, revision, {
            status: 'RUNNING',
            snapshot: '{}',
            events: events(from, count),
          });
        }
        const all = events(1, 374);
        for (const [limit, reverse] of [
          [1, false],
          [7, false],
          [100, false],
          [373, false],
          [374, false],
          [1000, false],
          [13, true],
          [100, true],
          [374, true],
        ] as const) {
          const seen: StoredEvent[] = [];
          let after: string | undefined;
          for (let pages = 0; pages < 400; pages++) {
            const page = await store.executions.history(record.id, {
              limit,
              reverse,
              ...(after === undefined ? {} : { after }),
            });
            expect(page.items.length).toBeLessThanOrEqual(limit);
            seen.push(...page.items);
            after = page.nextToken;
            if (after === undefined) break;
          }
          expect(seen, `limit ${limit}, reverse ${reverse}`).toEqual(
            reverse ? [...all].reverse() : all,
          );
        }
        // A page starting inside a chunk, from a token, gives exactly the next ids.
        const first = await store.executions.history(record.id, { limit: 150 });
        const next = await store.executions.history(record.id, {
          limit: 3,
          after: first.nextToken ?? '',
        });
        expect(next.items.map((e) => e.id)).toEqual([151, 152, 153]);
        expect(next.items[1]).toEqual(all[151]);
      }),
    );

    it(
      'lists executions newest first with filters and stable pages',
      withStore(async ({ store }) => {
        const at = (day: number): string => `2026-01-0${day}T00:00:00.000Z`;
        await store.executions.start(execution('a', { startedAt: at(1) }));
        await store.executions.start(
          execution('b', { startedAt: at(2), version: 3, alias: 'prod' }),
        );
        await store.executions.start(execution('c', { startedAt: at(3) }));
        await store.executions.start(
          execution('d', { id: 'arn:other:d', workflow: 'other', startedAt: at(4) }),
        );
        const { record } = await store.executions.start(execution('e', { startedAt: at(5) }));
        await store.executions.commit(record.id, 1, finished(3));

        const names = async (
          filter: Parameters<Store['executions']['list']>[0],
        ): Promise<string[]> =>
          (await store.executions.list(filter, { limit: 10 })).items.map((e) => e.name);
        expect(await names({})).toEqual(['e', 'd', 'c', 'b', 'a']);
        expect(await names({ workflow: 'deploy' })).toEqual(['e', 'c', 'b', 'a']);
        expect(await names({ status: 'SUCCEEDED' })).toEqual(['e']);
        expect(await names({ status: 'RUNNING', workflow: 'deploy' })).toEqual(['c', 'b', 'a']);
        expect(await names({ version: 3 })).toEqual(['b']);
        expect(await names({ alias: 'prod' })).toEqual(['b']);
        expect(await names({ startedFrom: at(2), startedBefore: at(4) })).toEqual(['c', 'b']);

        const first = await store.executions.list({}, { limit: 2 });
        const second = await store.executions.list({}, { limit: 2, after: first.nextToken ?? '' });
        const third = await store.executions.list({}, { limit: 2, after: second.nextToken ?? '' });
        expect([first, second, third].map((p) => p.items.map((e) => e.name))).toEqual([
          ['e', 'd'],
          ['c', 'b'],
          ['a'],
        ]);
        await expectCode(store.executions.list({}, { limit: 2, after: 'garbage' }), 'INVALID');
      }),
    );
  });

  describe(`${label}: due work`, () => {
    const at = (minute: number): string =>
      `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;
    const timer = (key: string, minute: number) => ({
      key,
      kind: 'timer' as const,
      dueAt: at(minute),
      payload: JSON.stringify({ purpose: 'wait' }),
    });
    const started = async (
      store: Store,
      name: string,
      schedule: readonly DueWork[] = [timer('w1', 5)],
    ) => {
      const { record } = await store.executions.start(
        execution(name, {
          id: `arn:${name}`,
          first: { status: 'RUNNING', snapshot: '{}', events: events(1, 1), schedule },
        }),
      );
      return record;
    };

    it(
      'hands out work only once it is due, earliest first',
      withStore(async ({ store }) => {
        await started(store, 'late', [timer('w1', 9)]);
        await started(store, 'early', [timer('w1', 3), timer('w2', 6)]);
        expect(await store.executions.claimDue(at(2), 'node-a', at(30), 10)).toEqual([]);
        const due = await store.executions.claimDue(at(6), 'node-a', at(30), 10);
        expect(due.map((w) => [w.execution, w.key])).toEqual([
          ['arn:early', 'w1'],
          ['arn:early', 'w2'],
        ]);
        expect(due[0]).toMatchObject({
          kind: 'timer',
          leaseOwner: 'node-a',
          leaseUntil: at(30),
          claims: 1,
        });
        expect(JSON.parse(due[0]?.payload ?? 'null')).toEqual({ purpose: 'wait' });
      }),
    );

    it(
      'never gives leased work to another node until the lease runs out',
      withStore(async ({ store }) => {
        await started(store, 'e1');
        expect(await store.executions.claimDue(at(5), 'node-a', at(10), 10)).toHaveLength(1);
        expect(await store.executions.claimDue(at(9), 'node-b', at(20), 10)).toEqual([]);
        const reclaimed = await store.executions.claimDue(at(10), 'node-b', at(20), 10);
        expect(reclaimed).toHaveLength(1);
        expect(reclaimed[0]).toMatchObject({ leaseOwner: 'node-b', claims: 2 });
      }),
    );

    it(
      'gives each item to one node when nodes claim at the same time',
      withStore(async ({ store, openAnother }) => {
        for (let i = 0; i < 10; i++) await started(store, `e${i}`);
        const other = await openAnother();
        try {
          const claims = await Promise.all([
            store.executions.claimDue(at(5), 'node-a', at(30), 6),
            other.executions.claimDue(at(5), 'node-b', at(30), 6),
            store.executions.claimDue(at(5), 'node-c', at(30), 6),
          ]);
          const keys = claims.flat().map((w) => w.execution);
          expect(new Set(keys).size).toBe(keys.length);
          expect(keys).toHaveLength(10);
        } finally {
          await other.close();
        }
      }),
    );

    it(
      'retires work in the same commit as the step that consumes it',
      withStore(async ({ store }) => {
        const record = await started(store, 'e1');
        await store.executions.commit(record.id, 1, {
          status: 'RUNNING',
          snapshot: '{}',
          events: events(2, 1),
          retire: ['w1'],
          schedule: [timer('w2', 8)],
        });
        const due = await store.executions.claimDue(at(59), 'node-a', at(59), 10);
        expect(due.map((w) => w.key)).toEqual(['w2']);
      }),
    );

    it(
      'keeps the work when the consuming commit loses its race',
      withStore(async ({ store }) => {
        const record = await started(store, 'e1');
        await store.executions.commit(record.id, 1, {
          status: 'RUNNING',
          snapshot: '{}',
          events: events(2, 1),
        });
        await expectCode(
          store.executions.commit(record.id, 1, {
            status: 'RUNNING',
            snapshot: '{}',
            events: events(2, 1),
            retire: ['w1'],
          }),
          'CONFLICT',
        );
        expect(await store.executions.claimDue(at(5), 'node-a', at(9), 10)).toHaveLength(1);
      }),
    );

    it(
      'refuses to schedule the same key twice for one execution',
      withStore(async ({ store }) => {
        const record = await started(store, 'e1');
        const error = await expectCode(
          store.executions.commit(record.id, 1, {
            status: 'RUNNING',
            snapshot: '{}',
            events: events(2, 1),
            schedule: [timer('w1', 7)],
          }),
          'INVALID',
        );
        expect(error.message).toContain('"w1"');
        expect((await store.executions.get(record.id))?.revision).toBe(1);
      }),
    );

    it(
      'refuses a taken key in a batch of commits for that commit alone; the rest commit',
      withStore(async ({ store }) => {
        const records = [
          await started(store, 'e1'),
          await started(store, 'e2'),
          await started(store, 'e3'),
        ];
        // Issued together; e2 schedules a key it already has, the others new ones.
        const outcomes = await Promise.allSettled(
          records.map((record, i) =>
            store.executions.commit(record.id, 1, {
              status: 'RUNNING',
              snapshot: '{}',
              events: events(2, 1),
              retire: i === 0 ? ['w1'] : [],
              schedule: [timer(i === 1 ? 'w1' : `n${i}`, 7)],
            }),
          ),
        );
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        const refused = outcomes[1];
        expect(refused?.status === 'rejected' ? refused.reason : undefined).toMatchObject({
          code: 'INVALID',
          message: `Execution arn:e2 already has work scheduled under "w1"; each timer or task id is scheduled once.`,
        });
        expect(await Promise.all(records.map((r) => store.executions.get(r.id)))).toMatchObject([
          { revision: 2, eventCount: 2 },
          { revision: 1, eventCount: 1 },
          { revision: 2, eventCount: 2 },
        ]);
        const due = await store.executions.claimDue(at(59), 'node-a', at(59), 10);
        expect(due.map((w) => `${w.execution} ${w.key}`)).toEqual([
          'arn:e2 w1',
          'arn:e3 w1',
          'arn:e1 n0',
          'arn:e3 n2',
        ]);
      }),
    );

    it(
      'schedules and retires work for a batch of commits, one key retired and scheduled again',
      withStore(async ({ store }) => {
        const records = [await started(store, 'e1'), await started(store, 'e2')];
        const activityTask: DueWork = { ...timer('t1', 6), kind: 'task', activity: 'arn:act' };
        await Promise.all(
          records.map((record, i) =>
            store.executions.commit(record.id, 1, {
              status: 'RUNNING',
              snapshot: '{}',
              events: events(2, 1),
              retire: ['w1'],
              schedule: i === 0 ? [timer('w1', 9), activityTask] : [timer('w2', 8)],
            }),
          ),
        );
        const due = await store.executions.claimDue(at(59), 'node-a', at(59), 10);
        expect(due.map((w) => `${w.execution} ${w.key} ${w.dueAt}`)).toEqual([
          `arn:e2 w2 ${at(8)}`,
          `arn:e1 w1 ${at(9)}`,
        ]);
        expect(await store.executions.activityTasks('arn:act', 10)).toMatchObject([
          { execution: 'arn:e1', key: 't1' },
        ]);
      }),
    );

    it(
      'says when the next work falls due, counting leases',
      withStore(async ({ store }) => {
        expect(await store.executions.nextDueAt()).toBeUndefined();
        await started(store, 'e1', [timer('w1', 5), timer('w2', 7)]);
        expect(await store.executions.nextDueAt()).toBe(at(5));
        await store.executions.claimDue(at(5), 'node-a', at(9), 1);
        expect(await store.executions.nextDueAt()).toBe(at(7));
      }),
    );

    it(
      'keeps activity tasks away from claimDue and hands them out by activity, oldest first',
      withStore(async ({ store }) => {
        const activityTask = (key: string, minute: number, activity: string): DueWork => ({
          ...timer(key, minute),
          kind: 'task',
          activity,
        });
        await started(store, 'e1', [
          activityTask('t1', 5, 'arn:act:build'),
          activityTask('t2', 3, 'arn:act:build'),
          activityTask('t3', 1, 'arn:act:deploy'),
          timer('w1', 9),
        ]);
        expect(await store.executions.nextDueAt()).toBe(at(9));
        const claimed = await store.executions.claimDue(at(30), 'node-a', at(40), 10);
        expect(claimed.map((w) => w.key)).toEqual(['w1']);
        expect((await store.executions.stats(at(30))).dueWork).toBe(0);
        const build = await store.executions.activityTasks('arn:act:build', 10);
        expect(build.map((t) => [t.execution, t.key, t.dueAt])).toEqual([
          ['arn:e1', 't2', at(3)],
          ['arn:e1', 't1', at(5)],
        ]);
        expect(JSON.parse(build[0]?.payload ?? 'null')).toEqual({ purpose: 'wait' });
        expect(await store.executions.activityTasks('arn:act:build', 1)).toHaveLength(1);
        expect(await store.executions.activityTasks('arn:act:none', 10)).toEqual([]);
        await store.executions.commit('arn:e1', 1, {
          status: 'RUNNING',
          snapshot: '{}',
          events: events(2, 1),
          retire: ['t2'],
        });
        expect(
          (await store.executions.activityTasks('arn:act:build', 10)).map((t) => t.key),
        ).toEqual(['t1']);
      }),
    );

    it(
      'counts executions by status (zeros included) and only unleased work that is due',
      withStore(async ({ store }) => {
        const empty = await store.executions.stats(at(0));
        expect(empty).toEqual({
          executions: {
            RUNNING: 0,
            SUCCEEDED: 0,
            FAILED: 0,
            TIMED_OUT: 0,
            ABORTED: 0,
            PENDING_REDRIVE: 0,
          },
          dueWork: 0,
        });
        await started(store, 'e1', [timer('w1', 5), timer('w2', 7), timer('w3', 20)]);
        const { record } = await store.executions.start(execution('e2', { id: 'arn:e2' }));
        await store.executions.commit(record.id, 1, { ...finished(3), status: 'FAILED' });
        expect((await store.executions.stats(at(4))).dueWork).toBe(0);
        expect(await store.executions.stats(at(8))).toMatchObject({
          executions: { RUNNING: 1, FAILED: 1, SUCCEEDED: 0 },
          dueWork: 2,
        });
        await store.executions.claimDue(at(8), 'node-a', at(12), 1);
        expect((await store.executions.stats(at(8))).dueWork).toBe(1);
        // The lease ran out: the work counts as queued again.
        expect((await store.executions.stats(at(12))).dueWork).toBe(2);
      }),
    );
  });

  describe(`${label}: activities`, () => {
    it(
      'creates idempotently, lists in name order with pages, and deletes',
      withStore(async ({ store }) => {
        const now = '2026-01-01T00:00:00.000Z';
        const first = await store.activities.create('build', now);
        expect(first).toEqual({ name: 'build', createdAt: now });
        expect(await store.activities.create('build', '2026-02-01T00:00:00.000Z')).toEqual(first);
        await store.activities.create('approve', now);
        await store.activities.create('deploy', now);
        const page1 = await store.activities.list({ limit: 2 });
        expect(page1.items.map((a) => a.name)).toEqual(['approve', 'build']);
        const page2 = await store.activities.list({
          limit: 2,
          ...(page1.nextToken === undefined ? {} : { after: page1.nextToken }),
        });
        expect(page2).toEqual({ items: [{ name: 'deploy', createdAt: now }] });
        expect(await store.activities.delete('build')).toBe(true);
        expect(await store.activities.delete('build')).toBe(false);
        expect(await store.activities.get('build')).toBeUndefined();
        await expectCode(store.activities.list({ limit: 2, after: 'forged' }), 'INVALID');
      }),
    );
  });

  // GitLab status reports (part D) have a suite of their own.
  describeGitLabReportContract(label, withStore);

  describe(`${label}: access keys`, () => {
    const SEALED = 'v1:aXY:Y2lwaGVydGV4dA:dGFn';
    const key = (id: string, now = T1) => ({ id, name: 'alice', secretSealed: SEALED, now });

    it(
      'creates an active key and reads it back with its sealed secret unchanged',
      withStore(async ({ store }) => {
        const created = await store.keys.create(key('BKIAAAAAAAAAAAAAAAAA'));
        expect(created).toEqual({
          id: 'BKIAAAAAAAAAAAAAAAAA',
          name: 'alice',
          secretSealed: SEALED,
          status: 'ACTIVE',
          createdAt: T1,
          updatedAt: T1,
          lastUsedAt: null,
        });
        expect(await store.keys.get('BKIAAAAAAAAAAAAAAAAA')).toEqual(created);
        expect(await store.keys.get('BKIAZZZZZZZZZZZZZZZZ')).toBeUndefined();
      }),
    );

    it(
      'makes the first key once, even when two nodes try at the same moment',
      withStore(async ({ store, openAnother }) => {
        const other = await openAnother();
        try {
          const tries = await Promise.all([
            store.keys.createFirst({ ...key('BKIAAAAAAAAAAAAAAAAA'), name: 'admin' }),
            other.keys.createFirst({ ...key('BKIABBBBBBBBBBBBBBBB'), name: 'admin' }),
          ]);
          const made = tries.filter((record) => record !== undefined);
          expect(made).toHaveLength(1);
          expect((await store.keys.list({ limit: 10 })).items).toEqual(made);
          // Later starts make none, whatever the key table holds.
          expect(await other.keys.createFirst(key('BKIACCCCCCCCCCCCCCCC'))).toBeUndefined();
          await store.keys.delete(made[0]?.id ?? '');
          expect(await store.keys.createFirst(key('BKIADDDDDDDDDDDDDDDD'))).toBeUndefined();
        } finally {
          await other.close();
        }
      }),
    );

    it(
      'makes no first key in a database that already has keys',
      withStore(async ({ store }) => {
        await store.keys.create(key('BKIAAAAAAAAAAAAAAAAA'));
        expect(await store.keys.createFirst(key('BKIABBBBBBBBBBBBBBBB'))).toBeUndefined();
        expect((await store.keys.list({ limit: 10 })).items.map((k) => k.id)).toEqual([
          'BKIAAAAAAAAAAAAAAAAA',
        ]);
      }),
    );

    it(
      'refuses a second key with the same id, keeping the first',
      withStore(async ({ store }) => {
        await store.keys.create(key('BKIAAAAAAAAAAAAAAAAA'));
        await expectCode(
          store.keys.create({
            ...key('BKIAAAAAAAAAAAAAAAAA'),
            name: 'mallory',
            secretSealed: 'v1:x:y:z',
          }),
          'ALREADY_EXISTS',
        );
        expect((await store.keys.get('BKIAAAAAAAAAAAAAAAAA'))?.name).toBe('alice');
      }),
    );

    it(
      'disables and re-enables a key, and says when the key does not exist',
      withStore(async ({ store }) => {
        await store.keys.create(key('BKIAAAAAAAAAAAAAAAAA'));
        const disabled = await store.keys.setStatus('BKIAAAAAAAAAAAAAAAAA', 'DISABLED', T2);
        expect([disabled.status, disabled.updatedAt, disabled.createdAt]).toEqual([
          'DISABLED',
          T2,
          T1,
        ]);
        expect((await store.keys.get('BKIAAAAAAAAAAAAAAAAA'))?.status).toBe('DISABLED');
        expect((await store.keys.setStatus('BKIAAAAAAAAAAAAAAAAA', 'ACTIVE', T2)).status).toBe(
          'ACTIVE',
        );
        await expectCode(store.keys.setStatus('BKIAZZZZZZZZZZZZZZZZ', 'DISABLED', T2), 'NOT_FOUND');
      }),
    );

    it(
      'deletes a key once',
      withStore(async ({ store }) => {
        await store.keys.create(key('BKIAAAAAAAAAAAAAAAAA'));
        await store.keys.delete('BKIAAAAAAAAAAAAAAAAA');
        expect(await store.keys.get('BKIAAAAAAAAAAAAAAAAA')).toBeUndefined();
        await expectCode(store.keys.delete('BKIAAAAAAAAAAAAAAAAA'), 'NOT_FOUND');
      }),
    );

    it(
      'records last use only forward in time, and ignores keys that are gone',
      withStore(async ({ store }) => {
        await store.keys.create(key('BKIAAAAAAAAAAAAAAAAA'));
        await store.keys.recordUse('BKIAAAAAAAAAAAAAAAAA', T2);
        await store.keys.recordUse('BKIAAAAAAAAAAAAAAAAA', T1);
        expect((await store.keys.get('BKIAAAAAAAAAAAAAAAAA'))?.lastUsedAt).toBe(T2);
        await expect(store.keys.recordUse('BKIAZZZZZZZZZZZZZZZZ', T2)).resolves.toBeUndefined();
      }),
    );

    it(
      'lists keys oldest first, page by page',
      withStore(async ({ store }) => {
        await store.keys.create(key('BKIACCCCCCCCCCCCCCCC', T1));
        await store.keys.create(key('BKIABBBBBBBBBBBBBBBB', T2));
        await store.keys.create(key('BKIAAAAAAAAAAAAAAAAA', T1));
        const first = await store.keys.list({ limit: 2 });
        expect(first.items.map((k) => k.id)).toEqual([
          'BKIAAAAAAAAAAAAAAAAA',
          'BKIACCCCCCCCCCCCCCCC',
        ]);
        expect(first.nextToken).toBeDefined();
        const second = await store.keys.list({
          limit: 2,
          ...(first.nextToken === undefined ? {} : { after: first.nextToken }),
        });
        expect(second.items.map((k) => k.id)).toEqual(['BKIABBBBBBBBBBBBBBBB']);
        expect(second.nextToken).toBeUndefined();
        await expectCode(store.keys.list({ limit: 2, after: 'bm90LWEtdG9rZW4' }), 'INVALID');
      }),
    );
  });

  describe(`${label}: map runs`, () => {
    const MAP_RUN = 'arn:aws:states:local:000000000000:mapRun:deploy/Each:1111';
    const counts = (over: Partial<Record<string, number>> = {}) => ({
      pending: 3,
      running: 0,
      succeeded: 0,
      failed: 0,
      timedOut: 0,
      aborted: 0,
      total: 3,
      ...over,
    });
    const startRun = (arn: string, at = T1): StepCommit => ({
      status: 'RUNNING',
      snapshot: '{"s":2}',
      events: events(3, 1, at),
      mapRuns: [
        {
          kind: 'start',
          arn,
          stateName: 'Each',
          machineName: 'deploy/Each',
          definition: '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}',
          maxConcurrency: 2,
          toleratedFailureCount: null,
          toleratedFailurePercentage: 12.5,
          counts: counts(),
          at,
        },
      ],
    });

    it(
      'records a Map Run with its parent step, and its updates with later steps',
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(execution('e1'));
        await store.executions.commit(record.id, 1, startRun(MAP_RUN));
        expect(await store.mapRuns.get(MAP_RUN)).toMatchObject({
          arn: MAP_RUN,
          execution: record.id,
          status: 'RUNNING',
          machineName: 'deploy/Each',
          maxConcurrency: 2,
          toleratedFailureCount: null,
          toleratedFailurePercentage: 12.5,
          counts: counts(),
          startedAt: T1,
          stoppedAt: null,
          redriveCount: 0,
          redriveDate: null,
        });
        const update = (status: 'RUNNING' | 'FAILED', redriven: boolean, at: string) => ({
          kind: 'update' as const,
          arn: MAP_RUN,
          status,
          counts: counts({ pending: 0, running: 1, failed: 2 }),
          maxConcurrency: 5,
          toleratedFailureCount: 1,
          toleratedFailurePercentage: null,
          at,
          redriven,
        });
        await store.executions.commit(record.id, 2, {
          status: 'FAILED',
          snapshot: '{"s":3}',
          events: events(4, 1, T2),
          mapRuns: [update('RUNNING', false, T2), update('FAILED', false, T2)],
        });
        expect(await store.mapRuns.get(MAP_RUN)).toMatchObject({
          status: 'FAILED',
          stoppedAt: T2,
          maxConcurrency: 5,
          toleratedFailureCount: 1,
          toleratedFailurePercentage: null,
          counts: counts({ pending: 0, running: 1, failed: 2 }),
        });
        await store.executions.commit(record.id, 3, {
          status: 'RUNNING',
          snapshot: '{"s":4}',
          events: events(5, 1, T2),
          mapRuns: [update('RUNNING', true, T2)],
        });
        expect(await store.mapRuns.get(MAP_RUN)).toMatchObject({
          status: 'RUNNING',
          stoppedAt: null,
          redriveCount: 1,
          redriveDate: T2,
        });
        expect(await store.mapRuns.get('arn:none')).toBeUndefined();
      }),
    );

    it(
      'writes nothing of a Map Run when its step loses the race',
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(execution('e1'));
        await store.executions.commit(record.id, 1, finished(3));
        await expectCode(store.executions.commit(record.id, 1, startRun(MAP_RUN)), 'CONFLICT');
        expect(await store.mapRuns.get(MAP_RUN)).toBeUndefined();
      }),
    );

    it(
      "lists an execution's Map Runs oldest first, a page at a time",
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(execution('e1'));
        await store.executions.start(execution('e2'));
        await store.executions.commit(record.id, 1, startRun(`${MAP_RUN}-a`, T1));
        const second = startRun(`${MAP_RUN}-b`, T2);
        await store.executions.commit(record.id, 2, { ...second, events: events(4, 1, T2) });
        const first = await store.mapRuns.list(record.id, { limit: 1 });
        expect(first.items.map((m) => m.arn)).toEqual([`${MAP_RUN}-a`]);
        const rest = await store.mapRuns.list(record.id, {
          limit: 1,
          ...(first.nextToken === undefined ? {} : { after: first.nextToken }),
        });
        expect(rest.items.map((m) => m.arn)).toEqual([`${MAP_RUN}-b`]);
        expect(rest.nextToken).toBeUndefined();
        const other = `arn:aws:states:local:000000000000:execution:deploy:e2`;
        expect((await store.mapRuns.list(other, { limit: 10 })).items).toEqual([]);
      }),
    );

    it(
      'files child executions under their Map Run and lists them by it',
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(execution('parent'));
        await store.executions.commit(record.id, 1, startRun(MAP_RUN));
        const child = (name: string) =>
          execution(name, {
            id: `arn:aws:states:local:000000000000:execution:deploy/Each:${name}`,
            workflow: 'deploy/Each',
            mapRun: MAP_RUN,
          });
        await store.executions.start(child('c1'));
        await store.executions.start(child('c2'));
        const listed = await store.executions.list({ mapRun: MAP_RUN }, { limit: 10 });
        expect(listed.items.map((e) => e.name).sort()).toEqual(['c1', 'c2']);
        expect(listed.items[0]?.mapRun).toBe(MAP_RUN);
        const parents = await store.executions.list({ workflow: 'deploy' }, { limit: 10 });
        expect(parents.items.map((e) => e.name)).toEqual(['parent']);
        expect(parents.items[0]?.mapRun).toBeNull();
      }),
    );

    it(
      "writes a child's end on its parent once, whoever commits it first",
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(execution('parent'));
        const { record: child } = await store.executions.start(
          execution('c1', { id: 'arn:child', workflow: 'deploy/Each', mapRun: MAP_RUN }),
        );
        const notify = [
          {
            execution: record.id,
            key: 'child:c1',
            kind: 'task' as const,
            dueAt: T1,
            payload: '{}',
          },
        ];
        await store.executions.commit(child.id, 1, { ...finished(3), notify });
        await store.executions.start(
          execution('c1', {
            id: 'arn:child-again',
            workflow: 'deploy/Again',
            first: { ...finished(1), events: events(1, 1), notify },
          }),
        );
        expect(await store.executions.dueWork(record.id, 'child:c1')).toMatchObject({
          key: 'child:c1',
          leaseOwner: null,
        });
        // A parent that is gone (purged) takes nothing, and the child's commit goes through.
        const orphan = notify.map((work) => ({ ...work, execution: 'arn:gone' }));
        const { record: late } = await store.executions.start(
          execution('c2', { id: 'arn:child-2', workflow: 'deploy/Each', mapRun: MAP_RUN }),
        );
        await store.executions.commit(late.id, 1, { ...finished(3), notify: orphan });
        expect((await store.executions.get(late.id))?.status).toBe('SUCCEEDED');
      }),
    );

    it(
      'removes the Map Runs of a purged execution',
      withStore(async ({ store }) => {
        const { record } = await store.executions.start(execution('e1'));
        await store.executions.commit(record.id, 1, startRun(MAP_RUN));
        await store.executions.commit(record.id, 2, { ...finished(4), stoppedAt: T1 });
        expect(await store.executions.purge(T2, 10)).toBe(1);
        expect(await store.mapRuns.get(MAP_RUN)).toBeUndefined();
      }),
    );
  });

  describe(`${label}: definitions`, () => {
    const A = '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}';
    const B = '{"Comment":"é 😀 \\"quoted\\"","StartAt":"B","States":{"B":{"Type":"Succeed"}}}';
    const definitionOf = async (store: Store, id: string) =>
      (await store.executions.snapshot(id))?.definition;

    it(
      'stores each definition text once and gives every execution its own back',
      withStore(async ({ store, countRows }) => {
        await store.executions.start(execution('a1', { id: 'arn:a1', definition: A }));
        await store.executions.start(execution('a2', { id: 'arn:a2', definition: A }));
        await store.executions.start(execution('b1', { id: 'arn:b1', definition: B }));
        expect(await countRows('definitions')).toBe(2);
        expect(await definitionOf(store, 'arn:a1')).toBe(A);
        expect(await definitionOf(store, 'arn:a2')).toBe(A);
        expect(await definitionOf(store, 'arn:b1')).toBe(B);
      }),
    );

    it(
      'stores a new definition once when many executions of it start at the same time',
      withStore(async ({ store, countRows }) => {
        const starts = Array.from({ length: 24 }, (_, i) =>
          store.executions.start(
            execution(`c${i}`, { id: `arn:c${i}`, definition: i % 2 === 0 ? A : B }),
          ),
        );
        expect((await Promise.all(starts)).every((started) => started.created)).toBe(true);
        expect(await countRows('definitions')).toBe(2);
        for (let i = 0; i < 24; i++) {
          expect(await definitionOf(store, `arn:c${i}`)).toBe(i % 2 === 0 ? A : B);
        }
      }),
    );

    it(
      'removes, when it purges, the definitions no execution runs any more and keeps the rest',
      withStore(async ({ store, countRows }) => {
        const finish = (id: string) => store.executions.commit(id, 1, finished(3));
        await store.executions.start(execution('old-a', { id: 'arn:old-a', definition: A }));
        await store.executions.start(execution('live-a', { id: 'arn:live-a', definition: A }));
        await store.executions.start(execution('old-b', { id: 'arn:old-b', definition: B }));
        await finish('arn:old-a');
        await finish('arn:old-b');
        expect(await countRows('definitions')).toBe(2);

        expect(await store.executions.purge('2026-12-01T00:00:00.000Z', 10)).toBe(2);
        expect(await countRows('definitions')).toBe(1);
        expect(await definitionOf(store, 'arn:live-a')).toBe(A);
        // Started again after the purge, a removed text is stored again.
        await store.executions.start(execution('new-b', { id: 'arn:new-b', definition: B }));
        expect(await definitionOf(store, 'arn:new-b')).toBe(B);

        await finish('arn:live-a');
        await finish('arn:new-b');
        expect(await store.executions.purge('2026-12-01T00:00:00.000Z', 10)).toBe(2);
        expect(await countRows('definitions')).toBe(0);
      }),
    );

    it(
      'leaves no definition behind for an idempotent start, once a purge has run',
      withStore(async ({ store, countRows }) => {
        await store.executions.start(execution('same', { id: 'arn:same', definition: A }));
        // The same name and input while it runs: the first execution, on its own definition,
        // although the workflow has a new one by now.
        const again = await store.executions.start(
          execution('same', { id: 'arn:same-2', definition: B }),
        );
        expect(again.created).toBe(false);
        expect(await definitionOf(store, 'arn:same')).toBe(A);
        // A name taken with another input is refused and writes nothing.
        await expectCode(
          store.executions.start(
            execution('same', { id: 'arn:same-3', input: '{"v":2}', definition: B + ' ' }),
          ),
          'ALREADY_EXISTS',
        );
        await store.executions.start(execution('done', { id: 'arn:done', definition: A }));
        await store.executions.commit('arn:done', 1, finished(3));
        expect(await store.executions.purge('2026-12-01T00:00:00.000Z', 10)).toBe(1);
        expect(await countRows('definitions')).toBe(1);
        expect(await definitionOf(store, 'arn:same')).toBe(A);
      }),
    );
  });

  describe(`${label}: retention`, () => {
    it(
      'removes executions that finished before the cutoff, with their history, and nothing else',
      withStore(async ({ store }) => {
        const stop = async (name: string, stoppedAt: string, status: 'SUCCEEDED' | 'FAILED') => {
          const { record } = await store.executions.start(execution(name, { id: `arn:${name}` }));
          await store.executions.commit(record.id, 1, { ...finished(3), status, stoppedAt });
          return record.id;
        };
        const old = await stop('old', '2026-01-01T00:00:00.000Z', 'SUCCEEDED');
        const oldFailed = await stop('old-failed', '2026-01-02T00:00:00.000Z', 'FAILED');
        const recent = await stop('recent', '2026-03-01T00:00:00.000Z', 'SUCCEEDED');
        const running = (await store.executions.start(execution('running', { id: 'arn:running' })))
          .record.id;

        expect(await store.executions.purge('2026-02-01T00:00:00.000Z', 100)).toBe(2);
        expect(await store.executions.get(old)).toBeUndefined();
        expect(await store.executions.get(oldFailed)).toBeUndefined();
        await expectCode(store.executions.history(old, { limit: 1 }), 'NOT_FOUND');
        expect(await store.executions.get(recent)).toBeDefined();
        expect(await store.executions.get(running)).toBeDefined();
        // The name of a removed execution can be used again.
        expect((await store.executions.start(execution('old', { id: 'arn:old-2' }))).created).toBe(
          true,
        );
      }),
    );

    it(
      'removes at most `limit` executions per call, oldest first',
      withStore(async ({ store }) => {
        for (let day = 1; day <= 3; day++) {
          const { record } = await store.executions.start(
            execution(`e${day}`, { id: `arn:e${day}` }),
          );
          await store.executions.commit(record.id, 1, {
            ...finished(3),
            stoppedAt: `2026-01-0${day}T00:00:00.000Z`,
          });
        }
        expect(await store.executions.purge('2026-12-01T00:00:00.000Z', 2)).toBe(2);
        expect(await store.executions.get('arn:e1')).toBeUndefined();
        expect(await store.executions.get('arn:e3')).toBeDefined();
        expect(await store.executions.purge('2026-12-01T00:00:00.000Z', 2)).toBe(1);
        expect(await store.executions.purge('2026-12-01T00:00:00.000Z', 2)).toBe(0);
      }),
    );
  });
  // --- GitLab waits (part A) ------------------------------------------------------------------
  describe(`${label}: gitlab waits`, () => {
    const pipeline = {
      connection: 'default',
      projectId: 42,
      kind: 'pipeline',
      objectId: 7,
    } as const;
    const job = { ...pipeline, kind: 'job', objectId: 7 } as const;
    const a = { executionId: 'arn:exec:a', taskId: 'task-1' };
    const b = { executionId: 'arn:exec:b', taskId: 'task-9' };

    it(
      'finds the tasks waiting on a pipeline, oldest first, and not those waiting on a job of the same id',
      withStore(async ({ store }) => {
        await store.gitlabWaits.record(pipeline, b, T2);
        await store.gitlabWaits.record(pipeline, a, T1);
        await store.gitlabWaits.record(job, a, T1);
        expect(await store.gitlabWaits.find(pipeline)).toEqual([a, b]);
        expect(await store.gitlabWaits.find(job)).toEqual([a]);
        expect(await store.gitlabWaits.find({ ...pipeline, connection: 'other' })).toEqual([]);
        expect(await store.gitlabWaits.find({ ...pipeline, projectId: 43 })).toEqual([]);
      }),
    );

    it(
      'records a wait twice without error, and forgets one wait or all of an execution',
      withStore(async ({ store }) => {
        await store.gitlabWaits.record(pipeline, a, T1);
        await store.gitlabWaits.record(pipeline, a, T2);
        await store.gitlabWaits.record(pipeline, b, T1);
        await store.gitlabWaits.record(job, a, T1);
        expect(await store.gitlabWaits.find(pipeline)).toEqual([a, b]);
        await store.gitlabWaits.forget(pipeline, b);
        await store.gitlabWaits.forget(pipeline, b);
        expect(await store.gitlabWaits.find(pipeline)).toEqual([a]);
        await store.gitlabWaits.forgetExecution(a.executionId);
        expect(await store.gitlabWaits.find(pipeline)).toEqual([]);
        expect(await store.gitlabWaits.find(job)).toEqual([]);
      }),
    );

    it(
      'keeps the first pipeline created under an idempotency key',
      withStore(async ({ store }) => {
        const first = { connection: 'default', projectId: 42, pipelineId: 1001 };
        expect(await store.gitlabWaits.findCreatedPipeline('exec#t1')).toBeUndefined();
        expect(await store.gitlabWaits.rememberCreatedPipeline('exec#t1', first, T1)).toEqual(
          first,
        );
        expect(
          await store.gitlabWaits.rememberCreatedPipeline(
            'exec#t1',
            { ...first, pipelineId: 1002 },
            T2,
          ),
        ).toEqual(first);
        expect(await store.gitlabWaits.findCreatedPipeline('exec#t1')).toEqual(first);
        expect(await store.gitlabWaits.findCreatedPipeline('exec#t2')).toBeUndefined();
      }),
    );

    it(
      'stores GitLab ids beyond 32 bits',
      withStore(async ({ store }) => {
        const big = { ...pipeline, projectId: 2 ** 40, objectId: 2 ** 41 + 3 };
        await store.gitlabWaits.record(big, a, T1);
        expect(await store.gitlabWaits.find(big)).toEqual([a]);
        const created = { connection: 'c', projectId: 2 ** 40, pipelineId: 2 ** 45 };
        await store.gitlabWaits.rememberCreatedPipeline('k', created, T1);
        expect(await store.gitlabWaits.findCreatedPipeline('k')).toEqual(created);
      }),
    );
  });
  // --- end GitLab waits -----------------------------------------------------------------------
}
