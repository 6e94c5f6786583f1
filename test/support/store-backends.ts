/**
 * Both stores for tests that run against each: every opener makes a fresh database (a SQLite
 * file, or a PostgreSQL schema) and returns a function that opens a store on it, so a test can
 * close it and open it again as a restarted or second node would.
 */
import type { Store } from '../../src/store/index.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { freshPostgresUrl, freshSqlitePath } from './databases.js';

export type StoreOpener = () => Promise<() => Store>;

/** `[label, opener]` for SQLite and PostgreSQL; the stores read the time from `now`. */
export function storeBackends(now: () => string): [string, StoreOpener][] {
  return [
    [
      'sqlite',
      () => {
        const path = freshSqlitePath();
        return Promise.resolve(() => openSqliteStore({ path, now }));
      },
    ],
    [
      'postgres',
      async () => {
        const url = await freshPostgresUrl();
        return () => openPostgresStore({ url, now, maxConnections: 4 });
      },
    ],
  ];
}
