/**
 * Map Runs in SQL, shared by the SQLite and PostgreSQL stores. Rows are written by the parent
 * execution's commits (`applyMapRunChanges`, inside ExecutionStore.commit's transaction) and
 * read here.
 */
import { decodePageToken, encodePageToken } from '../page-token.js';
import type {
  MapRunChange,
  MapRunRecord,
  MapRunStatus,
  MapRunStore,
  Page,
  PageRequest,
} from '../store.js';
import type { Row, SqlRunner } from './sql-runner.js';
import { integer, text, textOrNull } from './sql-runner.js';

const COLUMNS = `arn, execution, state_name, machine_name, definition, status, max_concurrency,
  tolerated_failure_count, tolerated_failure_percentage, items_total, items_pending,
  items_running, items_succeeded, items_failed, items_timed_out, items_aborted, started_at,
  stopped_at, redrive_count, redrive_date`;

const STATUSES: readonly MapRunStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED'];

export class SqlMapRunStore implements MapRunStore {
  constructor(private readonly db: SqlRunner) {}

  async get(arn: string): Promise<MapRunRecord | undefined> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM map_runs WHERE arn = ?`, [arn]);
    return row === undefined ? undefined : mapRunFrom(row);
  }

  async list(execution: string, page: PageRequest): Promise<Page<MapRunRecord>> {
    const params: (string | number)[] = [execution];
    let after = '';
    if (page.after !== undefined) {
      const [startedAt, arn] = decodePageToken(page.after, ['string', 'string']).map(String);
      after = 'AND (started_at > ? OR (started_at = ? AND arn > ?))';
      params.push(startedAt ?? '', startedAt ?? '', arn ?? '');
    }
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM map_runs WHERE execution = ? ${after}
       ORDER BY started_at, arn LIMIT ?`,
      [...params, page.limit + 1],
    );
    const records = rows.map(mapRunFrom);
    if (records.length <= page.limit) return { items: records };
    const items = records.slice(0, page.limit);
    const last = items[items.length - 1];
    return last === undefined
      ? { items }
      : { items, nextToken: encodePageToken([last.startedAt, last.arn]) };
  }
}

/** Writes a step's Map Run changes, in order, inside the step's transaction. */
export async function applyMapRunChanges(
  db: SqlRunner,
  execution: string,
  changes: readonly MapRunChange[],
): Promise<void> {
  for (const change of changes) {
    const { counts } = change;
    const countValues = [
      counts.total,
      counts.pending,
      counts.running,
      counts.succeeded,
      counts.failed,
      counts.timedOut,
      counts.aborted,
    ];
    if (change.kind === 'start') {
      // A step is committed once, so a Map Run starts once; a second insert is a bug.
      await db.query(
        `INSERT INTO map_runs (${COLUMNS}) VALUES
         (?, ?, ?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, NULL)`,
        [
          change.arn,
          execution,
          change.stateName,
          change.machineName,
          change.definition,
          change.maxConcurrency,
          change.toleratedFailureCount,
          change.toleratedFailurePercentage,
          ...countValues,
          change.at,
        ],
      );
      continue;
    }
    const finished = change.status !== 'RUNNING';
    await db.query(
      `UPDATE map_runs SET status = ?, items_total = ?, items_pending = ?, items_running = ?,
         items_succeeded = ?, items_failed = ?, items_timed_out = ?, items_aborted = ?,
         max_concurrency = ?, tolerated_failure_count = ?, tolerated_failure_percentage = ?,
         stopped_at = ${finished ? '?' : 'NULL'}
         ${change.redriven ? ', redrive_count = redrive_count + 1, redrive_date = ?' : ''}
       WHERE arn = ? AND execution = ?`,
      [
        change.status,
        ...countValues,
        change.maxConcurrency,
        change.toleratedFailureCount,
        change.toleratedFailurePercentage,
        ...(finished ? [change.at] : []),
        ...(change.redriven ? [change.at] : []),
        change.arn,
        execution,
      ],
    );
  }
}

function numberOrNull(row: Row, column: string): number | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw new TypeError(`column ${column} is not a number`);
  }
  return number;
}

function mapRunFrom(row: Row): MapRunRecord {
  const status = STATUSES.find((s) => s === text(row, 'status'));
  if (status === undefined) throw new TypeError(`stored Map Run status is unknown`);
  const count = numberOrNull(row, 'tolerated_failure_count');
  return {
    arn: text(row, 'arn'),
    execution: text(row, 'execution'),
    stateName: text(row, 'state_name'),
    machineName: text(row, 'machine_name'),
    definition: text(row, 'definition'),
    status,
    maxConcurrency: integer(row, 'max_concurrency'),
    toleratedFailureCount: count,
    toleratedFailurePercentage: numberOrNull(row, 'tolerated_failure_percentage'),
    counts: {
      total: integer(row, 'items_total'),
      pending: integer(row, 'items_pending'),
      running: integer(row, 'items_running'),
      succeeded: integer(row, 'items_succeeded'),
      failed: integer(row, 'items_failed'),
      timedOut: integer(row, 'items_timed_out'),
      aborted: integer(row, 'items_aborted'),
    },
    startedAt: text(row, 'started_at'),
    stoppedAt: textOrNull(row, 'stopped_at'),
    redriveCount: integer(row, 'redrive_count'),
    redriveDate: textOrNull(row, 'redrive_date'),
  };
}
