/**
 * Rows of the executions table and the rules every write path applies alike (one at a time,
 * or in a batch): how a row becomes a record, which start of a taken name is idempotent, and
 * the errors of a lost compare-and-set or a broken history.
 */
import { StoreError } from '../errors.js';
import type { ExecutionRecord, ExecutionStatus, NewExecution, StoredEvent } from '../store.js';
import type { Row } from './sql-runner.js';
import { integer, text, textOrNull } from './sql-runner.js';

export const COLUMNS =
  'id, workflow, version, alias, revision_id, name, status, input, output, error, cause, started_at, stopped_at, redrive_count, revision, event_count, map_run';

export const STATUSES: readonly ExecutionStatus[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
];

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

/** Event ids continue the history with no gap: a step that skips or repeats one is a bug. */
export function checkEventIds(events: readonly StoredEvent[], eventCount: number): void {
  events.forEach((event, i) => {
    if (event.id !== eventCount + i + 1) {
      throw new StoreError(
        'INVALID',
        `Event ${event.id} does not continue the history (expected id ${eventCount + i + 1}); events are appended in order without gaps.`,
      );
    }
  });
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
  const status = STATUSES.find((s) => s === value);
  if (status === undefined) throw new TypeError(`stored execution status ${value} is unknown`);
  return status;
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
