/**
 * Rows of the executions table and the rules every write path applies alike (one at a time,
 * or in a batch): how a row becomes a record, which start of a taken name is idempotent, and
 * the errors of a lost compare-and-set or a broken history.
 */
import { hash } from 'node:crypto';
import { StoreError } from '../errors.js';
import type { ExecutionRecord, ExecutionStatus, NewExecution, StoredEvent } from '../store.js';
import { EXECUTION_STATUSES } from '../store.js';
import type { Row } from './sql-runner.js';
import { integer, text, textOrNull } from './sql-runner.js';

export const COLUMNS =
  'id, workflow, version, alias, revision_id, name, status, input, output, error, cause, started_at, stopped_at, redrive_count, revision, event_count, map_run';

/** Stores a definition once per text (see migration 0018); a taken hash is the same text. */
export const INSERT_DEFINITION =
  'INSERT INTO definitions (hash, body) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING';

/** Texts recently hashed: starts of one workflow repeat the same definition. */
const hashes = new Map<string, string>();
const HASHES_KEPT = 256;

/** The key a definition is stored under: the SHA-256 of its text, base64url. */
export function definitionHash(definition: string): string {
  let known = hashes.get(definition);
  if (known === undefined) {
    known = hash('sha256', definition, 'base64url');
    if (hashes.size >= HASHES_KEPT) hashes.clear();
    hashes.set(definition, known);
  }
  return known;
}

/** The PostgreSQL channel that tells listening nodes new work was scheduled. */
export const WORK_CHANNEL = 'baton_due_work';
/** Topics on WORK_CHANNEL: '' for work any node claims, this prefix plus an activity ARN. */
export const ACTIVITY_TOPIC_PREFIX = 'activity:';
export const WORK_TOPIC = (activity: string | undefined): string =>
  activity === undefined ? '' : `${ACTIVITY_TOPIC_PREFIX}${activity}`;

/** The start result a taken name gives. @throws StoreError ALREADY_EXISTS unless idempotent */
export function existingOutcome(
  existing: ExecutionRecord,
  execution: NewExecution,
): { readonly record: ExecutionRecord; readonly created: false } {
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

/** The record a start inserts (what reading the row back would give, without the read). */
export function recordOf(execution: NewExecution): ExecutionRecord {
  const { first } = execution;
  return {
    id: execution.id,
    workflow: execution.workflow,
    version: execution.version,
    alias: execution.alias,
    revisionId: execution.revisionId,
    name: execution.name,
    status: first.status,
    input: execution.input,
    output: first.output ?? null,
    error: first.error ?? null,
    cause: first.cause ?? null,
    startedAt: execution.startedAt,
    stoppedAt: first.stoppedAt ?? null,
    redriveCount: 0,
    revision: 1,
    eventCount: first.events.length,
    mapRun: execution.mapRun ?? null,
  };
}

/** The error of a commit that lost its compare-and-set to one at `currentRevision`. */
export function stale(id: string, expectedRevision: number, currentRevision: number): StoreError {
  return new StoreError(
    'CONFLICT',
    `Execution ${id} moved past revision ${expectedRevision} (read revision ${currentRevision}): another commit came first. Re-read the snapshot and step again.`,
  );
}

/**
 * Event ids continue the history with no gap (a step that skips or repeats one is a bug), and
 * details are the JSON text of an object: history rows embed them as they are, so anything else
 * would make a whole row unreadable (a full parse here would cost what embedding saves).
 */
export function checkEventIds(events: readonly StoredEvent[], eventCount: number): void {
  events.forEach((event, i) => {
    if (event.id !== eventCount + i + 1) {
      throw new StoreError(
        'INVALID',
        `Event ${event.id} does not continue the history (expected id ${eventCount + i + 1}); events are appended in order without gaps.`,
      );
    }
    if (!event.details.startsWith('{') || !event.details.endsWith('}')) {
      throw new StoreError(
        'INVALID',
        `Event ${event.id}'s details are not the JSON text of an object; history events carry their *EventDetails members as an object.`,
      );
    }
  });
}

/** A history row: the events of one commit, up to CHUNK_EVENTS of them. */
export interface ChunkRow {
  readonly execution: string;
  readonly first_id: number;
  readonly last_id: number;
  readonly events: string;
}

/** One commit's events as history rows (checked by `checkEventIds` first). */
export function chunkRows(execution: string, events: readonly StoredEvent[]): ChunkRow[] {
  const rows: ChunkRow[] = [];
  for (let at = 0; at < events.length; at += CHUNK_EVENTS) {
    const chunk = events.slice(at, at + CHUNK_EVENTS);
    const first = chunk[0];
    const last = chunk[chunk.length - 1];
    if (first === undefined || last === undefined) continue;
    rows.push({ execution, first_id: first.id, last_id: last.id, events: encodeChunk(chunk) });
  }
  return rows;
}

/** Events per history row: bounds what reading one page of history must parse. */
export const CHUNK_EVENTS = 100;

/**
 * A history row's text: `[[id, previous_id, type, timestamp, details], ...]`, each event's
 * details (JSON text of an object, as `StoredEvent` carries them) embedded as they are, not
 * escaped into a string: that escaping was a fifth of a pure start's time.
 */
function encodeChunk(events: readonly StoredEvent[]): string {
  let text = '[';
  for (const event of events) {
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
export function decodeChunk(chunk: string): StoredEvent[] {
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

export function recordFrom(row: Row): ExecutionRecord {
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
  const status = EXECUTION_STATUSES.find((s) => s === value);
  if (status === undefined) throw new TypeError(`stored execution status ${value} is unknown`);
  return status;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
