/**
 * Migration 0015 moves history from a row per event into chunk rows: a database that an older
 * Baton filled (migrated up to 0014, events as rows) must read back exactly the same history,
 * on both stores.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store, StoredEvent } from '../../src/store/index.js';
import { dropAll, olderPostgres, olderSqlite } from '../support/databases.js';

afterAll(dropAll);

const now = (): string => '2026-01-01T00:00:00.000Z';
const ID = 'arn:aws:states:local:000000000000:execution:wf:old';
const EVENTS: StoredEvent[] = [
  {
    id: 1,
    previousEventId: 0,
    type: 'ExecutionStarted',
    timestamp: '2026-01-01T00:00:00.000Z',
    details: JSON.stringify({ executionStartedEventDetails: { input: '{"a":"quote \\" é 😀"}' } }),
  },
  {
    id: 2,
    previousEventId: 1,
    type: 'PassStateEntered',
    timestamp: '2026-01-01T00:00:00.001Z',
    details: JSON.stringify({ stateEnteredEventDetails: { name: 'A', input: '{}' } }),
  },
  {
    id: 3,
    previousEventId: 2,
    type: 'ExecutionSucceeded',
    timestamp: '2026-01-01T00:00:00.002Z',
    details: '{"executionSucceededEventDetails":{"output":"[1,2.5,null]"}}',
  },
];
const INSERT_EXECUTION = `INSERT INTO executions (id, workflow, version, alias, revision_id, name, status, input,
  started_at, redrive_count, snapshot, revision, event_count, definition)
  VALUES ('${ID}', 'wf', NULL, NULL, 'r1', 'old', 'SUCCEEDED', '{}', '${now()}', 0, '{}', 2, 3, '{}')`;

async function historyAfterMigration(store: Store): Promise<readonly StoredEvent[]> {
  const report = await store.migrate();
  expect(report.applied).toContain('0015_event_chunks');
  const forward = await store.executions.history(ID, { limit: 10 });
  const backward = await store.executions.history(ID, { limit: 2, reverse: true });
  expect(backward.items.map((e) => e.id)).toEqual([3, 2]);
  await store.close();
  return forward.items;
}

describe('history chunks migration (0015)', () => {
  it('keeps every event of a SQLite database written with a row per event', async () => {
    const path = olderSqlite('0015', (db) => {
      db.exec(INSERT_EXECUTION);
      const insert = db.prepare(
        'INSERT INTO execution_events (execution, id, previous_id, type, timestamp, details) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const e of EVENTS) {
        insert.run(ID, e.id, e.previousEventId, e.type, e.timestamp, e.details);
      }
    });
    const migrated = await historyAfterMigration(openSqliteStore({ path, now }));
    expect(migrated).toEqual(EVENTS);
  });

  it('keeps every event of a PostgreSQL database written with a row per event', async () => {
    const url = await olderPostgres('0015', async (client) => {
      await client.query(INSERT_EXECUTION);
      for (const e of EVENTS) {
        await client.query(
          'INSERT INTO execution_events (execution, id, previous_id, type, timestamp, details) VALUES ($1, $2, $3, $4, $5, $6)',
          [ID, e.id, e.previousEventId, e.type, e.timestamp, e.details],
        );
      }
    });
    const migrated = await historyAfterMigration(openPostgresStore({ url, now }));
    expect(migrated).toEqual(EVENTS);
  });
});
