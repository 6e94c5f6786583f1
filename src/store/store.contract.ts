/**
 * The store contract: one suite, run against every implementation (test/store/*.test.ts), as
 * hono's router tests are (STYLE §6). Each test gets a fresh, migrated store.
 */
import { describe, expect, it } from 'vitest';
import { StoreError } from './errors.js';
import type { StoreErrorCode } from './errors.js';
import type { CreateWorkflow, Store } from './store.js';

export interface StoreUnderTest {
  readonly store: Store;
  /** A second store on the same database, as another node would open it. */
  readonly openAnother: () => Promise<Store>;
  readonly close: () => Promise<void>;
}

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
        expect(again.current).toBe('0001_workflows');
      }),
    );

    it(
      'lets two nodes migrate at the same time: one applies, both succeed',
      withStore(async ({ openAnother }) => {
        const [a, b] = [await openAnother(), await openAnother()];
        try {
          const reports = await Promise.all([a.migrate(), b.migrate()]);
          expect(reports.every((r) => r.current === '0001_workflows')).toBe(true);
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
}
