/** The webhook delivery and trigger stores' contract on SQLite and PostgreSQL. */
import { afterAll } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { describeWebhookStoreContract } from '../../src/store/webhook-store.contract.js';
import { dropAll, freshPostgresUrl, freshSqlitePath } from '../support/databases.js';

const now = (): string => '2026-01-01T00:00:00.000Z';

afterAll(dropAll);

describeWebhookStoreContract('sqlite', async () => {
  const path = freshSqlitePath();
  const store = openSqliteStore({ path, now });
  await store.migrate();
  return {
    store,
    openAnother: () => Promise.resolve(openSqliteStore({ path, now })),
    close: () => store.close(),
  };
});

describeWebhookStoreContract('postgres', async () => {
  const url = await freshPostgresUrl();
  const store = openPostgresStore({ url, now, maxConnections: 4 });
  await store.migrate();
  return {
    store,
    openAnother: () => Promise.resolve(openPostgresStore({ url, now, maxConnections: 4 })),
    close: () => store.close(),
  };
});
