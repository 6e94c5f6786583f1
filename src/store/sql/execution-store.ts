/**
 * Executions and their histories in SQL, shared by the SQLite and PostgreSQL stores.
 *
 * A commit is a compare-and-set on the execution's `revision`: `UPDATE ... WHERE id = ? AND
 * revision = ?`. Two nodes stepping the same execution cannot both win, so a transition is
 * applied once; the loser gets CONFLICT, re-reads and steps again.
 */
import { StoreError } from '../errors.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import type {
  ClaimedWork,
  DueWork,
  ExecutionFilter,
  ExecutionRecord,
  ExecutionStats,
  ExecutionStatus,
  ExecutionStore,
  NewExecution,
  Page,
  PendingActivityTask,
  PageRequest,
  StepCommit,
  StoredEvent,
} from '../store.js';
import { EXECUTION_STATUSES } from '../store.js';
import type { Row, SqlRunner, SqlValue } from './sql-runner.js';
import { integer, isViolation, text, textOrNull } from './sql-runner.js';
import { applyMapRunChanges } from './map-run-store.js';
import type { CommitRequest, StartResult } from './execution-batch.js';
import { isBatchable, writeCommitBatch, writeStartBatch } from './execution-batch.js';
import {
  CHUNK_EVENTS,
  COLUMNS,
  INSERT_DEFINITION,
  WORK_CHANNEL,
  WORK_TOPIC,
  checkEventIds,
  chunkRows,
  decodeChunk,
  compare,
  definitionHash,
  existingOutcome,
  recordFrom,
  recordOf,
  stale,
} from './execution-rows.js';
import { ReadBatcher } from './read-batcher.js';
import { TransactionBatcher } from './transaction-batcher.js';

export { WORK_CHANNEL } from './execution-rows.js';

export class SqlExecutionStore implements ExecutionStore {
  /**
   * PostgreSQL groups concurrent starts and commits into set-based transactions (a round trip
   * per statement made each commit cost about six). SQLite's runner already groups
   * transactions into one COMMIT, where a statement costs microseconds, not a round trip.
   */
  private readonly isBatching: boolean;
  private readonly starts: TransactionBatcher<NewExecution, StartResult>;
  private readonly commits: TransactionBatcher<CommitRequest, number>;
  /** The engine reads a snapshot before every step: concurrent reads share one query. */
  private readonly snapshots: ReadBatcher<ExecutionSnapshot>;

  constructor(private readonly db: SqlRunner) {
    this.isBatching = db.dialect === 'postgres';
    this.starts = new TransactionBatcher(db, { writeOne: startOne, writeBatch: writeStartBatch });
    this.commits = new TransactionBatcher(db, {
      writeOne: commitOne,
      writeBatch: writeCommitBatch,
    });
    this.snapshots = new ReadBatcher((ids) => readSnapshots(db, ids), SNAPSHOT_READS_IN_FLIGHT);
  }

  async start(execution: NewExecution): Promise<StartResult> {
    checkEventIds(execution.first.events, 0);
    return this.isBatching && isBatchable(execution.first)
      ? this.starts.submit(execution)
      : this.starts.alone(execution);
  }

  get(id: string): Promise<ExecutionRecord | undefined> {
    return getRecord(this.db, id);
  }

  snapshot(id: string): Promise<ExecutionSnapshot | undefined> {
    return this.isBatching
      ? this.snapshots.read(id)
      : readSnapshots(this.db, [id]).then((rows) => rows.get(id));
  }

  async commit(id: string, expectedRevision: number, step: StepCommit): Promise<number> {
    const request = { id, expectedRevision, step };
    return this.isBatching && isBatchable(step)
      ? this.commits.submit(request)
      : this.commits.alone(request);
  }

  async list(filter: ExecutionFilter, page: PageRequest): Promise<Page<ExecutionRecord>> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (clause: string, value: SqlValue | undefined): void => {
      if (value === undefined) return;
      where.push(clause);
      params.push(value);
    };
    add('workflow = ?', filter.workflow);
    add('status = ?', filter.status);
    add('version = ?', filter.version);
    add('alias = ?', filter.alias);
    add('started_at >= ?', filter.startedFrom);
    add('started_at < ?', filter.startedBefore);
    add('map_run = ?', filter.mapRun);
    if (filter.redriven !== undefined) where.push(`redrive_count ${filter.redriven ? '>' : '='} 0`);
    if (page.after !== undefined) {
      // Newest first, ties broken by id: resume strictly after the last (started_at, id) seen.
      const [startedAt, id] = decodePageToken(page.after, ['string', 'string']).map(String);
      where.push('(started_at < ? OR (started_at = ? AND id < ?))');
      params.push(startedAt ?? '', startedAt ?? '', id ?? '');
    }
    const sql = `SELECT ${COLUMNS} FROM executions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY started_at DESC, id DESC LIMIT ?`;
    const rows = await this.db.query(sql, [...params, page.limit + 1]);
    const records = rows.map(recordFrom);
    if (records.length <= page.limit) return { items: records };
    const items = records.slice(0, page.limit);
    const last = items[items.length - 1];
    return last === undefined
      ? { items }
      : { items, nextToken: encodePageToken([last.startedAt, last.id]) };
  }

  async history(
    id: string,
    page: PageRequest & { readonly reverse?: boolean },
  ): Promise<Page<StoredEvent>> {
    const record = await getRecord(this.db, id);
    if (!record) throw new StoreError('NOT_FOUND', `There is no execution ${id}.`);
    const reverse = page.reverse === true;
    const after =
      page.after === undefined
        ? reverse
          ? record.eventCount + 1
          : 0
        : Number(decodePageToken(page.after, ['number'])[0]);
    // Ids run from 1 without gaps, so the page (and one more, to know whether there are more)
    // is the id range [low, high]; a chunk holding any of it starts at most CHUNK_EVENTS - 1
    // ids before low.
    const [low, high] = reverse
      ? [after - page.limit - 1, after - 1]
      : [after + 1, after + page.limit + 1];
    const rows = await this.db.query(
      `SELECT events FROM execution_event_chunks
       WHERE execution = ? AND first_id >= ? AND first_id <= ? AND last_id >= ? ORDER BY first_id`,
      [id, low - CHUNK_EVENTS + 1, high, low],
    );
    const events = rows
      .flatMap((row) => decodeChunk(text(row, 'events')))
      .filter((event) => event.id >= low && event.id <= high);
    if (reverse) events.reverse();
    if (events.length <= page.limit) return { items: events };
    const items = events.slice(0, page.limit);
    const last = items[items.length - 1];
    return last === undefined ? { items } : { items, nextToken: encodePageToken([last.id]) };
  }

  async claimDue(
    now: string,
    owner: string,
    leaseUntil: string,
    limit: number,
  ): Promise<readonly ClaimedWork[]> {
    // One statement claims the lot, atomic on its own. PostgreSQL runs it without BEGIN and
    // COMMIT (two round trips fewer per claim), and SKIP LOCKED lets nodes claim side by side
    // without waiting on each other. SQLite runs it in a transaction, so that it shares a group
    // commit (one fsync) instead of taking one of its own; BEGIN IMMEDIATE already gives that
    // transaction the database to itself.
    const claim = async (db: SqlRunner): Promise<readonly ClaimedWork[]> => {
      const lock = db.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
      // The rows come back in no particular order: sorted below.
      const rows = await db.query(
        `UPDATE due_work SET lease_owner = ?, lease_until = ?, claims = claims + 1
         WHERE (execution, key) IN (
           SELECT execution, key FROM due_work
           WHERE due_at <= ? AND (lease_until IS NULL OR lease_until <= ?) AND activity IS NULL
           ORDER BY due_at, execution, key LIMIT ? ${lock})
         RETURNING execution, key, kind, due_at, payload, lease_owner, lease_until, claims`,
        [owner, leaseUntil, now, now, limit],
      );
      return rows
        .map(claimedFrom)
        .sort(
          (a, b) =>
            compare(a.dueAt, b.dueAt) || compare(a.execution, b.execution) || compare(a.key, b.key),
        );
    };
    return this.db.dialect === 'postgres' ? claim(this.db) : this.db.transaction(claim);
  }

  async nextDueAt(): Promise<string | undefined> {
    const [row] = await this.db.query(
      `SELECT MIN(CASE WHEN lease_until IS NULL OR lease_until < due_at THEN due_at ELSE lease_until END)
         AS next FROM due_work WHERE activity IS NULL`,
    );
    return row === undefined ? undefined : (textOrNull(row, 'next') ?? undefined);
  }

  async dueWork(
    execution: string,
    key: string,
  ): Promise<(DueWork & { readonly leaseOwner: string | null }) | undefined> {
    const [row] = await this.db.query(
      `SELECT key, kind, due_at, payload, activity, lease_owner FROM due_work
       WHERE execution = ? AND key = ?`,
      [execution, key],
    );
    if (row === undefined) return undefined;
    const kind = text(row, 'kind');
    const activity = textOrNull(row, 'activity');
    return {
      key: text(row, 'key'),
      kind: kind === 'timer' ? 'timer' : 'task',
      dueAt: text(row, 'due_at'),
      payload: text(row, 'payload'),
      ...(activity === null ? {} : { activity }),
      leaseOwner: textOrNull(row, 'lease_owner'),
    };
  }

  async activityTasks(activity: string, limit: number): Promise<readonly PendingActivityTask[]> {
    const rows = await this.db.query(
      `SELECT execution, key, due_at, payload FROM due_work
       WHERE activity = ? ORDER BY due_at, execution, key LIMIT ?`,
      [activity, limit],
    );
    return rows.map((row) => ({
      execution: text(row, 'execution'),
      key: text(row, 'key'),
      dueAt: text(row, 'due_at'),
      payload: text(row, 'payload'),
    }));
  }

  async stats(now: string): Promise<ExecutionStats> {
    const executions: Record<ExecutionStatus, number> = {
      RUNNING: 0,
      SUCCEEDED: 0,
      FAILED: 0,
      TIMED_OUT: 0,
      ABORTED: 0,
      PENDING_REDRIVE: 0,
    };
    for (const row of await this.db.query(
      'SELECT status, COUNT(*) AS count FROM executions GROUP BY status',
    )) {
      const status = EXECUTION_STATUSES.find((known) => known === text(row, 'status'));
      if (status !== undefined) executions[status] = integer(row, 'count');
    }
    const [due] = await this.db.query(
      `SELECT COUNT(*) AS count FROM due_work
       WHERE due_at <= ? AND (lease_until IS NULL OR lease_until <= ?) AND activity IS NULL`,
      [now, now],
    );
    return { executions, dueWork: due === undefined ? 0 : integer(due, 'count') };
  }

  async redriveToken(execution: string, token: string): Promise<string | undefined> {
    const [row] = await this.db.query(
      'SELECT redrive_date FROM redrive_tokens WHERE execution = ? AND token = ?',
      [execution, token],
    );
    return row === undefined ? undefined : text(row, 'redrive_date');
  }

  async purge(finishedBefore: string, limit: number): Promise<number> {
    const purged = await this.db.transaction(async (tx) => {
      const rows = await tx.query(
        `SELECT id FROM executions
         WHERE status IN ('SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED') AND stopped_at < ?
         ORDER BY stopped_at LIMIT ?`,
        [finishedBefore, limit],
      );
      for (const row of rows) {
        const id = text(row, 'id');
        await tx.query('DELETE FROM due_work WHERE execution = ?', [id]);
        await tx.query('DELETE FROM execution_event_chunks WHERE execution = ?', [id]);
        await tx.query('DELETE FROM redrive_tokens WHERE execution = ?', [id]);
        await tx.query('DELETE FROM map_runs WHERE execution = ?', [id]);
        await tx.query('DELETE FROM executions WHERE id = ?', [id]);
      }
      return rows.length;
    });
    if (purged > 0) await this.dropUnusedDefinitions();
    return purged;
  }

  /**
   * Removes the definitions no execution references any more. Its own transaction, after the
   * purge: on PostgreSQL a start may reference one between this statement's read and its
   * delete, and the foreign key then fails the delete; the next purge tries again.
   */
  private async dropUnusedDefinitions(): Promise<void> {
    try {
      await this.db.transaction((tx) =>
        tx.query(
          `DELETE FROM definitions WHERE NOT EXISTS
             (SELECT 1 FROM executions e WHERE e.definition_hash = definitions.hash)`,
        ),
      );
    } catch (error: unknown) {
      if (!isViolation(error, 'foreign key')) throw error;
    }
  }
}

type ExecutionSnapshot = {
  readonly snapshot: string;
  readonly revision: number;
  readonly definition: string;
};

/** An execution's snapshot with its definition: stored once (0018), or its own older copy. */
const SELECT_SNAPSHOT = `SELECT e.id, e.snapshot, e.revision, COALESCE(d.body, e.definition) AS definition
  FROM executions e LEFT JOIN definitions d ON d.hash = e.definition_hash`;

/** Batched snapshot reads running at once (the pool has 10 connections by default). */
const SNAPSHOT_READS_IN_FLIGHT = 2;

async function readSnapshots(
  db: SqlRunner,
  ids: readonly string[],
): Promise<ReadonlyMap<string, ExecutionSnapshot>> {
  const rows = await (ids.length === 1
    ? db.query(`${SELECT_SNAPSHOT} WHERE e.id = ?`, [...ids])
    : db.query(`${SELECT_SNAPSHOT} WHERE e.id IN (SELECT json_array_elements_text(?::json))`, [
        JSON.stringify(ids),
      ]));
  return new Map(
    rows.map((row) => [
      text(row, 'id'),
      {
        snapshot: text(row, 'snapshot'),
        revision: integer(row, 'revision'),
        definition: text(row, 'definition'),
      },
    ]),
  );
}

/**
 * A start alone: the insert first, as names are rarely taken; a taken name is answered from
 * the existing row. The record is built from the inserted values, not read back.
 */
async function startOne(tx: SqlRunner, execution: NewExecution): Promise<StartResult> {
  const { first } = execution;
  // The definition first: the executions row references it.
  const definition = definitionHash(execution.definition);
  await tx.query(INSERT_DEFINITION, [definition, execution.definition]);
  // PostgreSQL: a name the insert met can be purged before the read; then insert again.
  for (let attempt = 1; ; attempt++) {
    const inserted = await tx.query(
      `INSERT INTO executions (${COLUMNS}, snapshot, definition, definition_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?, ?, '', ?)
       ON CONFLICT (workflow, name) DO NOTHING RETURNING id`,
      [
        execution.id,
        execution.workflow,
        execution.version,
        execution.alias,
        execution.revisionId,
        execution.name,
        first.status,
        execution.input,
        first.output ?? null,
        first.error ?? null,
        first.cause ?? null,
        execution.startedAt,
        first.stoppedAt ?? null,
        first.events.length,
        execution.mapRun ?? null,
        first.snapshot,
        definition,
      ],
    );
    if (inserted.length > 0) break;
    const [taken] = await tx.query(
      `SELECT ${COLUMNS} FROM executions WHERE workflow = ? AND name = ?`,
      [execution.workflow, execution.name],
    );
    if (taken !== undefined) return existingOutcome(recordFrom(taken), execution);
    if (attempt === 3) {
      throw new Error(`execution name ${execution.name} is taken by a row that cannot be read`);
    }
  }
  await insertEvents(tx, execution.id, first.events);
  await applyDueWork(tx, execution.id, first);
  await applyMapRunChanges(tx, execution.id, first.mapRuns ?? []);
  return { record: recordOf(execution), created: true };
}

/** A commit alone: the compare-and-set, then the step's events, due work and Map Runs. */
async function commitOne(
  tx: SqlRunner,
  { id, expectedRevision, step }: CommitRequest,
): Promise<number> {
  // The compare-and-set first: only the commit built on the revision it read gets through.
  // Columns a commit leaves out keep their values (a late, no-op commit on a finished
  // execution must not erase when it stopped).
  const optional: [string, SqlValue][] = [];
  if (step.stoppedAt !== undefined) optional.push(['stopped_at', step.stoppedAt]);
  if (step.redriveCount !== undefined) optional.push(['redrive_count', step.redriveCount]);
  const [row] = await tx.query(
    `UPDATE executions SET status = ?, snapshot = ?, output = ?, error = ?, cause = ?,
       ${optional.map(([column]) => `${column} = ?, `).join('')}
       revision = revision + 1, event_count = event_count + ?
     WHERE id = ? AND revision = ? RETURNING revision, event_count`,
    [
      step.status,
      step.snapshot,
      step.output ?? null,
      step.error ?? null,
      step.cause ?? null,
      ...optional.map(([, value]) => value),
      step.events.length,
      id,
      expectedRevision,
    ],
  );
  if (row === undefined) {
    // Lost: say why (the rare path reads the row; the common one does not).
    const [current] = await tx.query('SELECT revision FROM executions WHERE id = ?', [id]);
    if (current === undefined) {
      throw new StoreError('NOT_FOUND', `There is no execution ${id}.`);
    }
    throw stale(id, expectedRevision, integer(current, 'revision'));
  }
  // Checked against the count before this commit; throwing rolls the update back.
  checkEventIds(step.events, integer(row, 'event_count') - step.events.length);
  await insertEvents(tx, id, step.events);
  await applyDueWork(tx, id, step);
  await applyMapRunChanges(tx, id, step.mapRuns ?? []);
  if (step.redriveToken !== undefined) await recordRedriveToken(tx, id, step.redriveToken);
  return integer(row, 'revision');
}

/** Client tokens kept per execution (AWS: "the last 10 client tokens"). */
const REDRIVE_TOKENS_KEPT = 10;

async function recordRedriveToken(
  tx: SqlRunner,
  execution: string,
  { token, at }: { readonly token: string; readonly at: string },
): Promise<void> {
  await tx.query(
    `INSERT INTO redrive_tokens (execution, token, redrive_date) VALUES (?, ?, ?)
     ON CONFLICT (execution, token) DO UPDATE SET redrive_date = excluded.redrive_date`,
    [execution, token, at],
  );
  await tx.query(
    `DELETE FROM redrive_tokens WHERE execution = ? AND token NOT IN (
       SELECT token FROM redrive_tokens WHERE execution = ?
       ORDER BY redrive_date DESC, token DESC LIMIT ?)`,
    [execution, execution, REDRIVE_TOKENS_KEPT],
  );
}

/** Schedules and retires due work in the step's own transaction. */
async function applyDueWork(db: SqlRunner, execution: string, step: StepCommit): Promise<void> {
  const retire = step.retire ?? [];
  if (retire.length > 0) {
    // One statement for the lot (a finished task retires itself and its three timers).
    await db.query(
      `DELETE FROM due_work WHERE execution = ? AND key IN (${retire.map(() => '?').join(', ')})`,
      [execution, ...retire],
    );
  }
  for (const work of step.schedule ?? []) {
    const inserted = await db.query(
      `INSERT INTO due_work (execution, key, kind, due_at, payload, activity) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (execution, key) DO NOTHING RETURNING key`,
      [execution, work.key, work.kind, work.dueAt, work.payload, work.activity ?? null],
    );
    if (inserted.length === 0) {
      throw new StoreError(
        'INVALID',
        `Execution ${execution} already has work scheduled under "${work.key}"; each timer or task id is scheduled once.`,
      );
    }
  }
  for (const work of step.notify ?? []) {
    // Another execution's work: written once, whoever commits it first (at-least-once senders),
    // and dropped when that execution is gone (purged): the sender's commit must not fail.
    await db.query(
      `INSERT INTO due_work (execution, key, kind, due_at, payload, activity)
       SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM executions WHERE id = ?)
       ON CONFLICT (execution, key) DO NOTHING`,
      [
        work.execution,
        work.key,
        work.kind,
        work.dueAt,
        work.payload,
        work.activity ?? null,
        work.execution,
      ],
    );
  }
  if (db.dialect === 'postgres') {
    // Delivered when the transaction commits (and only then); repeats within it are folded.
    const topics = new Set(
      [...(step.schedule ?? []), ...(step.notify ?? [])].map((w) => WORK_TOPIC(w.activity)),
    );
    for (const topic of topics) await db.query('SELECT pg_notify(?, ?)', [WORK_CHANNEL, topic]);
  }
}

async function insertEvents(
  db: SqlRunner,
  execution: string,
  events: readonly StoredEvent[],
): Promise<void> {
  const rows = chunkRows(execution, events).map((row): SqlValue[] => [
    row.execution,
    row.first_id,
    row.last_id,
    row.events,
  ]);
  // One statement per CHUNK_ROWS rows (almost always one row: one commit's events).
  for (let at = 0; at < rows.length; at += CHUNK_ROWS) {
    const batch = rows.slice(at, at + CHUNK_ROWS);
    await db.query(`${INSERT_CHUNK}${', (?, ?, ?, ?)'.repeat(batch.length - 1)}`, batch.flat());
  }
}

const INSERT_CHUNK =
  'INSERT INTO execution_event_chunks (execution, first_id, last_id, events) VALUES (?, ?, ?, ?)';
/** History rows per INSERT. */
const CHUNK_ROWS = 100;

async function getRecord(db: SqlRunner, id: string): Promise<ExecutionRecord | undefined> {
  const [row] = await db.query(`SELECT ${COLUMNS} FROM executions WHERE id = ?`, [id]);
  return row === undefined ? undefined : recordFrom(row);
}

function claimedFrom(row: Row): ClaimedWork {
  const kind = text(row, 'kind');
  if (kind !== 'timer' && kind !== 'task')
    throw new TypeError(`stored work kind ${kind} is unknown`);
  return {
    execution: text(row, 'execution'),
    key: text(row, 'key'),
    kind,
    dueAt: text(row, 'due_at'),
    payload: text(row, 'payload'),
    leaseOwner: text(row, 'lease_owner'),
    leaseUntil: text(row, 'lease_until'),
    claims: integer(row, 'claims'),
  };
}
