import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { StoreError } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { describeStoreContract } from '../../src/store/store.contract.js';
import { countSqliteRows } from '../support/databases.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-sqlite-'));
let files = 0;
const now = (): string => '2026-01-01T00:00:00.000Z';

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreContract('sqlite', async () => {
  // A file, not :memory:, so a second "node" can open the same database.
  const path = join(dir, `store-${++files}.db`);
  const store = openSqliteStore({ path, now });
  await store.migrate();
  return {
    store,
    openAnother: () => Promise.resolve(openSqliteStore({ path, now })),
    close: () => store.close(),
    countRows: (table) => countSqliteRows(path, table),
  };
});

describe('sqlite store specifics', () => {
  it('commits transactions requested in one event-loop turn together (one COMMIT, one fsync)', async () => {
    const store = openSqliteStore({ path: join(dir, `group-${++files}.db`), now });
    await store.migrate();
    // The store runs its transaction control statements prepared: count the COMMITs run.
    const probe = new Database(':memory:');
    const statement: { run: (...args: unknown[]) => unknown } = Object.getPrototypeOf(
      probe.prepare('SELECT 1'),
    );
    probe.close();
    const run = vi.spyOn(statement, 'run');
    try {
      // Two immediates run in one check phase, with microtasks between them, as two requests
      // whose bytes arrived together do in the poll phase.
      const created = await Promise.all(
        ['BKIAAAAAAAAAAAAAAAAA', 'BKIABBBBBBBBBBBBBBBB'].map(
          (id) =>
            new Promise((resolve, reject) => {
              setImmediate(() => {
                store.keys
                  .create({ id, name: id, secretSealed: 'sealed', now: now() })
                  .then(resolve, reject);
              });
            }),
        ),
      );
      expect(created).toHaveLength(2);
      const commits = run.mock.contexts.filter(
        (context) => (context as { source?: string } | undefined)?.source === 'COMMIT',
      );
      expect(commits).toHaveLength(1);
    } finally {
      run.mockRestore();
      await store.close();
    }
  });

  it('creates the directory of the database file', async () => {
    const path = join(dir, 'nested', 'deeper', 'baton.db');
    const store = openSqliteStore({ path, now });
    await store.migrate();
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a database that a newer Baton migrated, saying what to do', async () => {
    const path = join(dir, `newer-${++files}.db`);
    const store = openSqliteStore({ path, now });
    await store.migrate();
    await store.close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)').run(
      '9999_future',
      now(),
    );
    db.close();
    const reopened = openSqliteStore({ path, now });
    const error = await reopened.migrate().then(
      () => undefined,
      (e: unknown) => e,
    );
    await reopened.close();
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'MIGRATION_FAILED' });
    expect(String(error)).toContain('9999_future');
    expect(String(error)).toContain('Upgrade Baton');
  });

  it('reports a database path it cannot open', () => {
    const blocked = join(dir, `blocked-${++files}`);
    const first = openSqliteStore({ path: join(blocked, 'x.db'), now });
    void first.close();
    expect(() => openSqliteStore({ path: blocked, now })).toThrow(
      /Cannot open the SQLite database/,
    );
  });
});
