/** The GitLab connection store, one suite run against SQLite and PostgreSQL. */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewGitLabConnection, Store } from '../../src/store/index.js';
import { StoreError } from '../../src/store/index.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { dropAll, freshPostgresUrl, freshSqlitePath } from '../support/databases.js';

const now = (): string => '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:00.000Z';
const T2 = '2026-01-02T00:00:00.000Z';

afterAll(dropAll);

function connection(name: string, more: Partial<NewGitLabConnection> = {}): NewGitLabConnection {
  return {
    name,
    baseUrl: 'https://gitlab.example.com',
    tokenSealed: 'v1:sealed-token',
    webhookSecretSealed: null,
    signingTokenSealed: null,
    idTokenIssuer: 'https://gitlab.example.com',
    jwksUrl: 'https://gitlab.example.com/oauth/discovery/keys',
    ciRules: '[]',
    now: T1,
    ...more,
  };
}

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error instanceof StoreError ? error.code : undefined;
}

const stores: readonly [string, () => Promise<Store>][] = [
  [
    'sqlite',
    async () => {
      const store = openSqliteStore({ path: freshSqlitePath(), now });
      await store.migrate();
      return store;
    },
  ],
  [
    'postgres',
    async () => {
      const store = openPostgresStore({ url: await freshPostgresUrl(), now, maxConnections: 2 });
      await store.migrate();
      return store;
    },
  ],
];

describe.each(stores)('%s: GitLab connections', (_label, open) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(() => store.close());

  it('creates and reads a connection with its sealed secrets as given', async () => {
    const created = await store.gitlabConnections.create(
      connection('default', { webhookSecretSealed: 'v1:s', signingTokenSealed: 'v1:w' }),
    );
    expect(created).toEqual({
      name: 'default',
      baseUrl: 'https://gitlab.example.com',
      tokenSealed: 'v1:sealed-token',
      webhookSecretSealed: 'v1:s',
      signingTokenSealed: 'v1:w',
      idTokenIssuer: 'https://gitlab.example.com',
      jwksUrl: 'https://gitlab.example.com/oauth/discovery/keys',
      ciRules: '[]',
      createdAt: T1,
      updatedAt: T1,
    });
    expect(await store.gitlabConnections.get('default')).toEqual(created);
    expect(await store.gitlabConnections.get('other')).toBeUndefined();
  });

  it('refuses a second connection with the same name', async () => {
    await store.gitlabConnections.create(connection('default'));
    expect(await code(store.gitlabConnections.create(connection('default')))).toBe(
      'ALREADY_EXISTS',
    );
  });

  it('updates only the members given, and clears a secret with null', async () => {
    await store.gitlabConnections.create(connection('c', { webhookSecretSealed: 'v1:s' }));
    const updated = await store.gitlabConnections.update('c', {
      tokenSealed: 'v1:rotated',
      webhookSecretSealed: null,
      ciRules: '[{"projects":["g/p"]}]',
      now: T2,
    });
    expect(updated).toMatchObject({
      tokenSealed: 'v1:rotated',
      webhookSecretSealed: null,
      baseUrl: 'https://gitlab.example.com',
      ciRules: '[{"projects":["g/p"]}]',
      createdAt: T1,
      updatedAt: T2,
    });
    expect(await code(store.gitlabConnections.update('missing', { now: T2 }))).toBe('NOT_FOUND');
  });

  it('deletes, and reports a connection that is not there', async () => {
    await store.gitlabConnections.create(connection('c'));
    await store.gitlabConnections.delete('c');
    expect(await store.gitlabConnections.get('c')).toBeUndefined();
    expect(await code(store.gitlabConnections.delete('c'))).toBe('NOT_FOUND');
  });

  it('lists by name, page by page', async () => {
    for (const name of ['b', 'c', 'a']) await store.gitlabConnections.create(connection(name));
    const first = await store.gitlabConnections.list({ limit: 2 });
    expect(first.items.map((c) => c.name)).toEqual(['a', 'b']);
    expect(first.nextToken).toBeDefined();
    const second = await store.gitlabConnections.list({ limit: 2, after: first.nextToken ?? '' });
    expect(second.items.map((c) => c.name)).toEqual(['c']);
    expect(second.nextToken).toBeUndefined();
  });

  it('finds connections by exact ID-token issuer', async () => {
    await store.gitlabConnections.create(connection('b'));
    await store.gitlabConnections.create(connection('a'));
    await store.gitlabConnections.create(
      connection('com', { idTokenIssuer: 'https://gitlab.com' }),
    );
    const found = await store.gitlabConnections.listByIssuer('https://gitlab.example.com');
    expect(found.map((c) => c.name)).toEqual(['a', 'b']);
    expect(await store.gitlabConnections.listByIssuer('https://gitlab.example.com/')).toEqual([]);
    expect(await store.gitlabConnections.listByIssuer('HTTPS://GITLAB.COM')).toEqual([]);
  });

  it('records who started an execution, replacing an earlier record of the same ARN', async () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:deploy:ci-574-302';
    const record = {
      executionArn: arn,
      connection: 'default',
      projectId: '20',
      projectPath: 'my-group/my-project',
      ref: 'main',
      pipelineId: '574',
      jobId: '302',
      userLogin: 'sample-user',
      createdAt: T1,
    };
    expect(await store.gitlabConnections.getCiExecution(arn)).toBeUndefined();
    expect(await store.gitlabConnections.claimCiExecution(record)).toEqual(record);
    expect(await store.gitlabConnections.getCiExecution(arn)).toEqual(record);
    // A second claim (another project racing for the same name) does not take it over.
    const again = { ...record, projectId: '21', userLogin: null, createdAt: T2 };
    expect(await store.gitlabConnections.claimCiExecution(again)).toEqual(record);
    expect(await store.gitlabConnections.getCiExecution(arn)).toEqual(record);
  });
});
