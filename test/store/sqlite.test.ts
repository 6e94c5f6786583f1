import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { StoreError } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { describeStoreContract } from '../../src/store/store.contract.js';

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
  };
});

describe('sqlite store specifics', () => {
  /** A store whose WAL fsyncs are held until the test lets them go, and counted. */
  async function heldSyncs(synchronous?: 'FULL' | 'NORMAL') {
    const syncs: { fd: number; release: () => void }[] = [];
    const store = openSqliteStore({
      path: join(dir, `sync-${++files}.db`),
      now,
      ...(synchronous === undefined ? {} : { synchronous }),
      fsync: (fd) =>
        new Promise<void>((resolve) => {
          syncs.push({ fd, release: resolve });
        }),
    });
    const releaseAll = async (): Promise<void> => {
      // Releasing one lets the queue go on to the next, which may sync again.
      for (let i = 0; i < 100; i++) {
        const next = syncs.shift();
        if (next === undefined) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (syncs.length === 0) return;
          continue;
        }
        next.release();
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const migrating = store.migrate();
    await releaseAll();
    await migrating;
    return { store, syncs, releaseAll };
  }

  const workflow = (name: string) => ({
    name,
    definition: '{}',
    roleArn: null,
    type: 'STANDARD' as const,
    description: null,
    revisionId: 'r',
    now: now(),
  });

  it('answers a commit only after the WAL is flushed to disk, one flush per group', async () => {
    const { store, syncs, releaseAll } = await heldSyncs();
    let answered = 0;
    const creates = Array.from({ length: 5 }, (_, i) =>
      store.workflows.create(workflow(`w${i}`)).then(() => answered++),
    );
    for (let i = 0; i < 50 && syncs.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    // Committed as one group, whose fsync is pending: nobody has been answered yet, and the
    // queue waits (a read issued now is answered only after the flush).
    expect(syncs).toHaveLength(1);
    expect(answered).toBe(0);
    let read = false;
    const reading = store.workflows.get('w0').then((found) => {
      read = true;
      return found;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([answered, read]).toEqual([0, false]);
    await releaseAll();
    await Promise.all(creates);
    expect(answered).toBe(5);
    expect((await reading)?.name).toBe('w0');
    await store.close();
  });

  it('flushes after a write outside a transaction, never after a read', async () => {
    const { store, syncs, releaseAll } = await heldSyncs();
    await store.workflows.list({ limit: 10 });
    expect(syncs).toHaveLength(0);
    // An access key's last use is recorded by one statement outside any transaction.
    const key = store.keys.create({
      id: 'AKIABATON0000000001',
      name: 'admin',
      secretSealed: 'sealed',
      now: now(),
    });
    await releaseAll();
    await key;
    const using = store.keys.recordUse('AKIABATON0000000001', '2026-01-02T00:00:00.000Z');
    for (let i = 0; i < 50 && syncs.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(syncs.length).toBeGreaterThan(0);
    await releaseAll();
    await using;
    await store.close();
  });

  it('does not flush with synchronous NORMAL', async () => {
    const { store, syncs } = await heldSyncs('NORMAL');
    await store.workflows.create(workflow('w'));
    expect(syncs).toHaveLength(0);
    await store.close();
  });

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
