/**
 * Migration 0018 stores definitions once (`definitions`, referenced by hash) instead of a copy
 * per execution. Executions an older Baton wrote keep their own copy: on both stores they
 * must read back unchanged, be purged as before, and live beside new rows of the same text.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { NewExecution, Store } from '../../src/store/index.js';
import {
  countPostgresRows,
  countSqliteRows,
  dropAll,
  olderPostgres,
  olderSqlite,
} from '../support/databases.js';

afterAll(dropAll);

const now = (): string => '2026-01-01T00:00:00.000Z';
const OLD = 'arn:aws:states:local:000000000000:execution:wf:old';
const DEFINITION =
  '{"Comment":"é \\"q\\"","StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}';
/** A finished execution as 0017 stored it: its definition copied into the row. */
const INSERT_OLD = `INSERT INTO executions (id, workflow, version, alias, revision_id, name, status,
  input, started_at, stopped_at, redrive_count, snapshot, revision, event_count, definition)
  VALUES ('${OLD}', 'wf', NULL, NULL, 'r1', 'old', 'SUCCEEDED', '{}', '${now()}', '${now()}', 0,
  '{"s":1}', 2, 0, '${DEFINITION.replaceAll("'", "''")}')`;

const newExecution: NewExecution = {
  id: 'arn:aws:states:local:000000000000:execution:wf:new',
  workflow: 'wf',
  version: null,
  alias: null,
  revisionId: 'r1',
  name: 'new',
  input: '{}',
  definition: DEFINITION,
  startedAt: now(),
  first: {
    status: 'RUNNING',
    snapshot: '{"s":2}',
    events: [
      { id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: now(), details: '{}' },
    ],
  },
};

async function checkAfterMigration(store: Store, countDefinitions: () => Promise<number>) {
  try {
    expect((await store.migrate()).applied).toEqual(['0018_definitions']);
    expect(await store.executions.snapshot(OLD)).toEqual({
      snapshot: '{"s":1}',
      revision: 2,
      definition: DEFINITION,
    });
    await store.executions.start(newExecution);
    expect((await store.executions.snapshot(newExecution.id))?.definition).toBe(DEFINITION);
    expect(await countDefinitions()).toBe(1);
    // The old row is purged as before; the new row's stored definition stays.
    expect(await store.executions.purge('2026-06-01T00:00:00.000Z', 10)).toBe(1);
    expect(await store.executions.snapshot(OLD)).toBeUndefined();
    expect((await store.executions.snapshot(newExecution.id))?.definition).toBe(DEFINITION);
    expect(await countDefinitions()).toBe(1);
  } finally {
    await store.close();
  }
}

describe('definitions stored once (migration 0018)', () => {
  it('keeps reading the definition copies of a SQLite database written before it', async () => {
    const path = olderSqlite('0018', (db) => db.exec(INSERT_OLD));
    await checkAfterMigration(openSqliteStore({ path, now }), () =>
      countSqliteRows(path, 'definitions'),
    );
  });

  it('keeps reading the definition copies of a PostgreSQL database written before it', async () => {
    const url = await olderPostgres('0018', async (client) => {
      await client.query(INSERT_OLD);
    });
    await checkAfterMigration(openPostgresStore({ url, now }), () =>
      countPostgresRows(url, 'definitions'),
    );
  });
});
