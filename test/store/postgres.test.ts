/** The store contract on PostgreSQL (the server on 127.0.0.1:5432). */
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { describeStoreContract } from '../../src/store/store.contract.js';
import { countPostgresRows, dropAll, freshPostgresUrl } from '../support/databases.js';

const now = (): string => '2026-01-01T00:00:00.000Z';

afterAll(dropAll);

describeStoreContract('postgres', async () => {
  const url = await freshPostgresUrl();
  const store = openPostgresStore({ url, now, maxConnections: 4 });
  await store.migrate();
  return {
    store,
    openAnother: () => Promise.resolve(openPostgresStore({ url, now, maxConnections: 2 })),
    close: () => store.close(),
    countRows: (table) => countPostgresRows(url, table),
  };
});

describe('postgres store specifics', () => {
  it('reports an unreachable server with the driver error', async () => {
    const store = openPostgresStore({ url: 'postgres://postgres@127.0.0.1:1/none', now });
    const error = await store.migrate().then(
      () => undefined,
      (e: unknown) => e,
    );
    await store.close();
    expect(String(error)).toMatch(/ECONNREFUSED|connect/);
  });
});
