/**
 * Set-based writes of many starts or commits in one PostgreSQL transaction (see
 * TransactionBatcher): a handful of statements for the whole batch instead of about six round
 * trips per execution. Rows travel as one JSON parameter each (`json_to_recordset`), so the
 * statements are the same text whatever the batch size.
 *
 * Each request gets the outcome it would get alone: a lost compare-and-set is that request's
 * CONFLICT, and anything unusual is left to the one-at-a-time code (`alone`), which runs after
 * the batch commits. A statement that fails rolls the whole batch back; the batcher then
 * commits every request on its own.
 */
import { StoreError } from '../errors.js';
import type { ExecutionRecord, NewExecution, StepCommit, StoredEvent } from '../store.js';
import {
  ACTIVITY_TOPIC_PREFIX,
  COLUMNS,
  WORK_CHANNEL,
  WORK_TOPIC,
  checkEventIds,
  chunkRows,
  compare,
  definitionHash,
  existingOutcome,
  recordFrom,
  recordOf,
  stale,
} from './execution-rows.js';
import type { SqlRunner } from './sql-runner.js';
import { integer, text } from './sql-runner.js';
import type { BatchOutcome } from './transaction-batcher.js';

/** One `commit(id, expectedRevision, step)` call. */
export interface CommitRequest {
  readonly id: string;
  readonly expectedRevision: number;
  readonly step: StepCommit;
}

export interface StartResult {
  readonly record: ExecutionRecord;
  readonly created: boolean;
}

/**
 * Whether a commit or start can go in a batch: Map Run changes and work for other executions
 * take the one-at-a-time path, and so does a step scheduling one key twice (it fails there).
 */
export function isBatchable(step: StepCommit): boolean {
  if ((step.mapRuns ?? []).length > 0 || (step.notify ?? []).length > 0) return false;
  if (step.redriveToken !== undefined) return false;
  const keys = (step.schedule ?? []).map((work) => work.key);
  return new Set(keys).size === keys.length;
}

/** Thrown inside a batch to roll it back so every request is committed on its own. */
class BatchFallback extends Error {}

const ALONE = { kind: 'alone' } as const;

/**
 * Commits a batch: locks its executions in id order (two batches on two connections or nodes
 * then never wait for each other in a cycle), decides each compare-and-set from the locked
 * revisions, and writes the winners with three statements.
 */
export async function writeCommitBatch(
  tx: SqlRunner,
  items: readonly CommitRequest[],
): Promise<readonly BatchOutcome<number>[]> {
  const outcomes: BatchOutcome<number>[] = items.map(() => ALONE);
  // A second commit of the same execution waits for this batch and goes alone: it builds on
  // the revision it read, which the first may move (then it gets CONFLICT, as it would alone).
  const firstOf = new Map<string, number>();
  items.forEach((item, i) => {
    if (!firstOf.has(item.id)) firstOf.set(item.id, i);
  });
  const locked = await tx.query(
    `SELECT id, revision, event_count FROM executions
     WHERE id IN (SELECT json_array_elements_text(?::json)) ORDER BY id FOR NO KEY UPDATE`,
    [JSON.stringify([...firstOf.keys()])],
  );
  const current = new Map(
    locked.map((row) => [
      text(row, 'id'),
      { revision: integer(row, 'revision'), eventCount: integer(row, 'event_count') },
    ]),
  );
  const winners: { readonly index: number; readonly item: CommitRequest }[] = [];
  for (const [id, index] of firstOf) {
    const item = items[index];
    if (item === undefined) continue;
    const row = current.get(id);
    if (row === undefined) {
      outcomes[index] = failed(new StoreError('NOT_FOUND', `There is no execution ${id}.`));
    } else if (row.revision !== item.expectedRevision) {
      outcomes[index] = failed(stale(id, item.expectedRevision, row.revision));
    } else {
      try {
        checkEventIds(item.step.events, row.eventCount);
        winners.push({ index, item });
      } catch (error: unknown) {
        outcomes[index] = failed(error);
      }
    }
  }
  if (winners.length === 0) return outcomes;

  // The compare-and-set stays in the WHERE clause although the locks already decided it.
  const updated = await tx.query(
    `WITH updated AS (
       UPDATE executions e SET status = u.status, snapshot = u.snapshot, output = u.output,
         error = u.error, cause = u.cause,
         stopped_at = CASE WHEN u.sets_stopped_at THEN u.stopped_at ELSE e.stopped_at END,
         redrive_count = COALESCE(u.redrive_count, e.redrive_count),
         revision = e.revision + 1, event_count = e.event_count + u.added
       FROM json_to_recordset(?::json) AS u(id text, revision integer, status text,
         snapshot text, output text, error text, cause text, sets_stopped_at boolean,
         stopped_at text, redrive_count integer, added integer)
       WHERE e.id = u.id AND e.revision = u.revision
       RETURNING e.id, e.revision),
     events AS (${INSERT_EVENTS}),
     retired AS (
       DELETE FROM due_work d USING json_to_recordset(?::json) AS r(execution text, key text)
       WHERE d.execution = r.execution AND d.key = r.key)
     SELECT id, revision FROM updated`,
    [
      JSON.stringify(
        winners.map(({ item: { id, expectedRevision, step } }) => ({
          id,
          revision: expectedRevision,
          status: step.status,
          snapshot: step.snapshot,
          output: step.output ?? null,
          error: step.error ?? null,
          cause: step.cause ?? null,
          sets_stopped_at: step.stoppedAt !== undefined,
          stopped_at: step.stoppedAt ?? null,
          redrive_count: step.redriveCount ?? null,
          added: step.events.length,
        })),
      ),
      eventsJson(winners.map(({ item }) => [item.id, item.step.events])),
      JSON.stringify(
        winners.flatMap(({ item }) =>
          (item.step.retire ?? []).map((key) => ({ execution: item.id, key })),
        ),
      ),
    ],
  );
  const revisions = new Map(updated.map((row) => [text(row, 'id'), integer(row, 'revision')]));
  if (revisions.size !== winners.length) {
    throw new BatchFallback('a locked execution missed its compare-and-set');
  }
  await scheduleWork(
    tx,
    winners.map(({ item }) => [item.id, item.step]),
  );
  for (const { index, item } of winners) {
    const revision = revisions.get(item.id);
    if (revision === undefined) throw new BatchFallback(`execution ${item.id} was not updated`);
    outcomes[index] = { kind: 'done', value: revision };
  }
  return outcomes;
}

/**
 * Starts a batch: one INSERT ... ON CONFLICT (workflow, name) DO NOTHING for all, then the
 * first steps of those created; names already taken are answered from the existing rows by
 * the same rules as a start alone.
 */
export async function writeStartBatch(
  tx: SqlRunner,
  items: readonly NewExecution[],
): Promise<readonly BatchOutcome<StartResult>[]> {
  const outcomes: BatchOutcome<StartResult>[] = items.map(() => ALONE);
  // One request per name and per id; the rest go alone after this batch (a repeated name then
  // finds the execution just created, as it would). Rows go in (workflow, name) order, so two
  // batches inserting the same names wait for each other in the same order, never in a cycle.
  const names = new Set<string>();
  const ids = new Set<string>();
  const firsts: number[] = [];
  items.forEach((item, i) => {
    const name = JSON.stringify([item.workflow, item.name]);
    if (names.has(name) || ids.has(item.id)) return;
    names.add(name);
    ids.add(item.id);
    firsts.push(i);
  });
  const ordered = firsts
    .flatMap((index) => {
      const item = items[index];
      return item === undefined ? [] : [{ index, item }];
    })
    .sort((a, b) => compare(a.item.workflow, b.item.workflow) || compare(a.item.name, b.item.name));
  // The definitions first (the executions rows reference them), each text once, in hash order
  // like every lock this batch takes.
  const definitions = new Map<string, string>();
  for (const { item } of ordered) definitions.set(definitionHash(item.definition), item.definition);
  await tx.query(
    `INSERT INTO definitions (hash, body)
     SELECT u.hash, u.body FROM json_to_recordset(?::json) AS u(hash text, body text)
     ORDER BY u.hash ON CONFLICT (hash) DO NOTHING`,
    [JSON.stringify([...definitions].map(([hash, body]) => ({ hash, body })))],
  );
  const inserted = await tx.query(
    `INSERT INTO executions (${COLUMNS}, snapshot, definition, definition_hash)
     SELECT u.id, u.workflow, u.version, u.alias, u.revision_id, u.name, u.status, u.input,
       u.output, u.error, u.cause, u.started_at, u.stopped_at, 0, 1, u.event_count, u.map_run,
       u.snapshot, '', u.definition_hash
     FROM json_to_recordset(?::json) AS u(id text, workflow text, version integer, alias text,
       revision_id text, name text, status text, input text, output text, error text,
       cause text, started_at text, stopped_at text, event_count integer, map_run text,
       snapshot text, definition_hash text)
     ON CONFLICT (workflow, name) DO NOTHING RETURNING id`,
    [
      JSON.stringify(
        ordered.map(({ item }) => ({
          id: item.id,
          workflow: item.workflow,
          version: item.version,
          alias: item.alias,
          revision_id: item.revisionId,
          name: item.name,
          status: item.first.status,
          input: item.input,
          output: item.first.output ?? null,
          error: item.first.error ?? null,
          cause: item.first.cause ?? null,
          started_at: item.startedAt,
          stopped_at: item.first.stoppedAt ?? null,
          event_count: item.first.events.length,
          map_run: item.mapRun ?? null,
          snapshot: item.first.snapshot,
          definition_hash: definitionHash(item.definition),
        })),
      ),
    ],
  );
  // A first step's `retire` is left out: due work references its execution, so a new one
  // has none to retire.
  const insertedIds = new Set(inserted.map((row) => text(row, 'id')));
  const created = ordered.filter(({ item }) => insertedIds.has(item.id));
  const taken = ordered.filter(({ item }) => !insertedIds.has(item.id));
  if (created.length > 0) {
    await tx.query(`WITH events AS (${INSERT_EVENTS}) SELECT 1`, [
      eventsJson(created.map(({ item }) => [item.id, item.first.events])),
    ]);
    await scheduleWork(
      tx,
      created.map(({ item }) => [item.id, item.first]),
    );
    for (const { index, item } of created) {
      outcomes[index] = { kind: 'done', value: { record: recordOf(item), created: true } };
    }
  }
  if (taken.length > 0) {
    const rows = await tx.query(
      `SELECT ${COLUMNS} FROM executions WHERE (workflow, name) IN (
         SELECT workflow, name FROM json_to_recordset(?::json) AS u(workflow text, name text))`,
      [JSON.stringify(taken.map(({ item }) => ({ workflow: item.workflow, name: item.name })))],
    );
    const existing = new Map(
      rows.map(recordFrom).map((record) => [nameKey(record), record] as const),
    );
    for (const { index, item } of taken) {
      const record = existing.get(nameKey(item));
      // Gone again (purged) since the insert met it: the start alone tries afresh.
      if (record === undefined) continue;
      try {
        outcomes[index] = { kind: 'done', value: existingOutcome(record, item) };
      } catch (error: unknown) {
        outcomes[index] = failed(error);
      }
    }
  }
  return outcomes;
}

const INSERT_EVENTS = `INSERT INTO execution_event_chunks (execution, first_id, last_id, events)
  SELECT execution, first_id, last_id, events
  FROM json_to_recordset(?::json) AS v(execution text, first_id integer, last_id integer,
    events text)`;

/** The steps' events as history rows, one JSON parameter (see `chunkRows`). */
function eventsJson(steps: readonly (readonly [string, readonly StoredEvent[]])[]): string {
  return JSON.stringify(steps.flatMap(([execution, events]) => chunkRows(execution, events)));
}

/**
 * Inserts the steps' scheduled work and signals listening nodes (one pg_notify per row: the
 * server folds repeats within a transaction, and delivers them at COMMIT). A key already
 * taken is an error for that step alone, so the batch is rolled back and committed one by one.
 */
async function scheduleWork(
  tx: SqlRunner,
  steps: readonly (readonly [string, StepCommit])[],
): Promise<void> {
  const rows = steps.flatMap(([execution, step]) =>
    (step.schedule ?? []).map((work) => ({
      execution,
      key: work.key,
      kind: work.kind,
      due_at: work.dueAt,
      payload: work.payload,
      activity: work.activity ?? null,
    })),
  );
  if (rows.length === 0) return;
  const inserted = await tx.query(
    `WITH inserted AS (
       INSERT INTO due_work (execution, key, kind, due_at, payload, activity)
       SELECT execution, key, kind, due_at, payload, activity
       FROM json_to_recordset(?::json) AS u(execution text, key text, kind text, due_at text,
         payload text, activity text)
       ON CONFLICT (execution, key) DO NOTHING RETURNING activity)
     SELECT pg_notify(?, CASE WHEN activity IS NULL THEN ? ELSE ? || activity END) FROM inserted`,
    [JSON.stringify(rows), WORK_CHANNEL, WORK_TOPIC(undefined), ACTIVITY_TOPIC_PREFIX],
  );
  if (inserted.length !== rows.length) {
    throw new BatchFallback('a scheduled key was taken');
  }
}

function failed(error: unknown): BatchOutcome<never> {
  return { kind: 'failed', error };
}

function nameKey(execution: { readonly workflow: string; readonly name: string }): string {
  return JSON.stringify([execution.workflow, execution.name]);
}
