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
import type { Row, SqlRunner, SqlValue } from './sql-runner.js';
import { integer, text, textOrNull } from './sql-runner.js';
import { applyMapRunChanges } from './map-run-store.js';

const COLUMNS =
  'id, workflow, version, alias, revision_id, name, status, input, output, error, cause, started_at, stopped_at, redrive_count, revision, event_count, map_run';
const STATUSES: readonly ExecutionStatus[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
];

export class SqlExecutionStore implements ExecutionStore {
  constructor(private readonly db: SqlRunner) {}

  async start(
    execution: NewExecution,
  ): Promise<{ readonly record: ExecutionRecord; readonly created: boolean }> {
    checkEventIds(execution.first.events, 0);
    return this.db.transaction(async (tx) => {
      const taken = await tx.query(
        `SELECT ${COLUMNS} FROM executions WHERE workflow = ? AND name = ?`,
        [execution.workflow, execution.name],
      );
      const existing = taken[0] === undefined ? undefined : recordFrom(taken[0]);
      if (existing) {
        if (existing.status === 'RUNNING' && existing.input === execution.input) {
          return { record: existing, created: false };
        }
        throw new StoreError(
          'ALREADY_EXISTS',
          existing.status === 'RUNNING'
            ? `An execution named "${execution.name}" of workflow "${execution.workflow}" is already running with a different input; choose another name.`
            : `An execution named "${execution.name}" of workflow "${execution.workflow}" already ran (${existing.status}); execution names are unique per workflow, so choose another name.`,
        );
      }
      const { first } = execution;
      await tx.query(
        `INSERT INTO executions (${COLUMNS}, snapshot, definition)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?, ?, ?)`,
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
          execution.definition,
        ],
      );
      await insertEvents(tx, execution.id, first.events);
      await applyDueWork(tx, execution.id, first);
      await applyMapRunChanges(tx, execution.id, first.mapRuns ?? []);
      const record = await getRecord(tx, execution.id);
      if (!record) throw new Error(`execution ${execution.id} vanished inside its own transaction`);
      return { record, created: true };
    });
  }

  get(id: string): Promise<ExecutionRecord | undefined> {
    return getRecord(this.db, id);
  }

  async snapshot(
    id: string,
  ): Promise<
    | { readonly snapshot: string; readonly revision: number; readonly definition: string }
    | undefined
  > {
    const [row] = await this.db.query(
      'SELECT snapshot, revision, definition FROM executions WHERE id = ?',
      [id],
    );
    return row === undefined
      ? undefined
      : {
          snapshot: text(row, 'snapshot'),
          revision: integer(row, 'revision'),
          definition: text(row, 'definition'),
        };
  }

  async commit(id: string, expectedRevision: number, step: StepCommit): Promise<number> {
    return this.db.transaction(async (tx) => {
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
        throw stale(id, expectedRevision, current);
      }
      // Checked against the count before this commit; throwing rolls the update back.
      checkEventIds(step.events, integer(row, 'event_count') - step.events.length);
      await insertEvents(tx, id, step.events);
      await applyDueWork(tx, id, step);
      await applyMapRunChanges(tx, id, step.mapRuns ?? []);
      return integer(row, 'revision');
    });
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
    return this.db.transaction(async (tx) => {
      // PostgreSQL: SKIP LOCKED lets nodes claim side by side without waiting on each other.
      // SQLite: BEGIN IMMEDIATE already gives this transaction the database to itself.
      const lock = tx.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
      // One statement claims the lot (the rows come back in no particular order: sorted below).
      const rows = await tx.query(
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
    });
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
      const status = STATUSES.find((known) => known === text(row, 'status'));
      if (status !== undefined) executions[status] = integer(row, 'count');
    }
    const [due] = await this.db.query(
      `SELECT COUNT(*) AS count FROM due_work
       WHERE due_at <= ? AND (lease_until IS NULL OR lease_until <= ?) AND activity IS NULL`,
      [now, now],
    );
    return { executions, dueWork: due === undefined ? 0 : integer(due, 'count') };
  }

  async purge(finishedBefore: string, limit: number): Promise<number> {
    return this.db.transaction(async (tx) => {
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
        await tx.query('DELETE FROM map_runs WHERE execution = ?', [id]);
        await tx.query('DELETE FROM executions WHERE id = ?', [id]);
      }
      return rows.length;
    });
  }
}

/** The PostgreSQL channel that tells listening nodes new work was scheduled. */
export const WORK_CHANNEL = 'baton_due_work';
const WORK_TOPIC = (activity: string | undefined): string =>
  activity === undefined ? '' : `activity:${activity}`;

function stale(id: string, expectedRevision: number, current: Row): StoreError {
  return new StoreError(
    'CONFLICT',
    `Execution ${id} moved past revision ${expectedRevision} (read revision ${integer(current, 'revision')}): another commit came first. Re-read the snapshot and step again.`,
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

/** Event ids continue the history with no gap: a step that skips or repeats one is a bug. */
function checkEventIds(events: readonly StoredEvent[], eventCount: number): void {
  events.forEach((event, i) => {
    if (event.id !== eventCount + i + 1) {
      throw new StoreError(
        'INVALID',
        `Event ${event.id} does not continue the history (expected id ${eventCount + i + 1}); events are appended in order without gaps.`,
      );
    }
  });
}

async function insertEvents(
  db: SqlRunner,
  execution: string,
  events: readonly StoredEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const rows: SqlValue[][] = [];
  for (let at = 0; at < events.length; at += CHUNK_EVENTS) {
    const chunk = events.slice(at, at + CHUNK_EVENTS);
    const first = chunk[0];
    const last = chunk[chunk.length - 1];
    if (first === undefined || last === undefined) continue;
    rows.push([execution, first.id, last.id, encodeChunk(chunk)]);
  }
  // One statement per CHUNK_ROWS rows (almost always one row: one commit's events).
  for (let at = 0; at < rows.length; at += CHUNK_ROWS) {
    const batch = rows.slice(at, at + CHUNK_ROWS);
    await db.query(
      batch.length === 1
        ? INSERT_CHUNK
        : `${INSERT_CHUNK}${', (?, ?, ?, ?)'.repeat(batch.length - 1)}`,
      batch.flat(),
    );
  }
}

const INSERT_CHUNK =
  'INSERT INTO execution_event_chunks (execution, first_id, last_id, events) VALUES (?, ?, ?, ?)';
/** Events per history row: bounds what reading one page of history must parse. */
const CHUNK_EVENTS = 100;
/** History rows per INSERT. */
const CHUNK_ROWS = 100;

/**
 * A history row's text: `[[id, previous_id, type, timestamp, details], ...]`, each event's
 * details (JSON text of an object, as `StoredEvent` carries them) embedded as they are, not
 * escaped into a string: that escaping was a fifth of a pure start's time.
 */
function encodeChunk(events: readonly StoredEvent[]): string {
  let text = '[';
  for (const event of events) {
    // Details are the engine's JSON.stringify of an object; anything else would make the whole
    // row unreadable, so it is refused (a full parse here would cost what embedding saves).
    if (!event.details.startsWith('{') || !event.details.endsWith('}')) {
      throw new StoreError(
        'INVALID',
        `Event ${event.id}'s details are not the JSON text of an object; history events carry their *EventDetails members as an object.`,
      );
    }
    if (text.length > 1) text += ',';
    text += `[${event.id},${event.previousEventId},${JSON.stringify(event.type)},${JSON.stringify(event.timestamp)},${event.details}]`;
  }
  return `${text}]`;
}

/**
 * The events of a history row. Details come back as the JSON text they were written as: an
 * embedded object is serialised again (identical text: it was written by JSON.stringify, and
 * details objects have no integer-like keys for JSON.parse to reorder); rows the 0015 migration
 * wrote hold details as a string.
 * @throws TypeError when the stored text is not a history chunk.
 */
function decodeChunk(chunk: string): StoredEvent[] {
  const value: unknown = JSON.parse(chunk);
  if (!Array.isArray(value)) throw new TypeError('a stored history chunk is not an array');
  return value.map((item: unknown): StoredEvent => {
    if (
      !Array.isArray(item) ||
      item.length !== 5 ||
      typeof item[0] !== 'number' ||
      typeof item[1] !== 'number' ||
      typeof item[2] !== 'string' ||
      typeof item[3] !== 'string' ||
      !(typeof item[4] === 'string' || isPlainObject(item[4]))
    ) {
      throw new TypeError(
        'a stored history event is not [id, previous_id, type, timestamp, details]',
      );
    }
    return {
      id: item[0],
      previousEventId: item[1],
      type: item[2],
      timestamp: item[3],
      details: typeof item[4] === 'string' ? item[4] : JSON.stringify(item[4]),
    };
  });
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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

function recordFrom(row: Row): ExecutionRecord {
  const version = row['version'];
  return {
    id: text(row, 'id'),
    workflow: text(row, 'workflow'),
    version: version === null || version === undefined ? null : integer(row, 'version'),
    alias: textOrNull(row, 'alias'),
    revisionId: text(row, 'revision_id'),
    name: text(row, 'name'),
    status: statusOf(text(row, 'status')),
    input: text(row, 'input'),
    output: textOrNull(row, 'output'),
    error: textOrNull(row, 'error'),
    cause: textOrNull(row, 'cause'),
    startedAt: text(row, 'started_at'),
    stoppedAt: textOrNull(row, 'stopped_at'),
    redriveCount: integer(row, 'redrive_count'),
    revision: integer(row, 'revision'),
    eventCount: integer(row, 'event_count'),
    mapRun: textOrNull(row, 'map_run'),
  };
}

function statusOf(value: string): ExecutionStatus {
  const status = STATUSES.find((s) => s === value);
  if (status === undefined) throw new TypeError(`stored execution status ${value} is unknown`);
  return status;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
