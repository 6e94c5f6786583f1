/**
 * GitLab status reports in SQL, shared by the SQLite and PostgreSQL stores: which executions
 * report to GitLab, what GitLab last accepted, and when to report next. Rows are claimed with a
 * lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so on several nodes one reports each execution.
 */
import type {
  GitLabReportOutcome,
  GitLabReportRecord,
  GitLabReportStore,
  NewGitLabReport,
} from '../store.js';
import type { Row, SqlRunner, SqlValue } from './sql-runner.js';
import { integer, text, textOrNull } from './sql-runner.js';

const COLUMNS = `execution_arn, connection, project_id, sha, ref, merge_request_iid, status_name,
  commit_status, merge_request_note, note_id, reported_state, reported_hash,
  reported_event_count, generation, next_attempt_at, not_before, attempts, last_error,
  lease_owner, lease_until, created_at, updated_at`;

export class SqlGitLabReportStore implements GitLabReportStore {
  constructor(private readonly db: SqlRunner) {}

  async track(
    report: NewGitLabReport,
  ): Promise<{ readonly record: GitLabReportRecord; readonly created: boolean }> {
    return this.db.transaction(async (tx) => {
      const inserted = await tx.query(
        `INSERT INTO gitlab_reports (execution_arn, connection, project_id, sha, ref,
           merge_request_iid, status_name, commit_status, merge_request_note, next_attempt_at,
           created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (execution_arn) DO NOTHING RETURNING ${COLUMNS}`,
        [
          report.executionArn,
          report.connection,
          report.projectId,
          report.sha,
          report.ref,
          report.mergeRequestIid,
          report.statusName,
          report.commitStatus ? 1 : 0,
          report.mergeRequestNote ? 1 : 0,
          report.now,
          report.now,
          report.now,
        ],
      );
      const created = inserted[0];
      if (created !== undefined) return { record: reportFrom(created), created: true };
      const [existing] = await tx.query(
        `SELECT ${COLUMNS} FROM gitlab_reports WHERE execution_arn = ?`,
        [report.executionArn],
      );
      if (existing === undefined) throw new Error('a report row vanished inside its transaction');
      return { record: reportFrom(existing), created: false };
    });
  }

  async get(executionArn: string): Promise<GitLabReportRecord | undefined> {
    const [row] = await this.db.query(
      `SELECT ${COLUMNS} FROM gitlab_reports WHERE execution_arn = ?`,
      [executionArn],
    );
    return row === undefined ? undefined : reportFrom(row);
  }

  async markChanged(executionArns: readonly string[], dueAt: string): Promise<number> {
    if (executionArns.length === 0) return 0;
    let touched = 0;
    // Chunks keep the statement under both drivers' parameter limits.
    for (let i = 0; i < executionArns.length; i += 500) {
      const chunk = executionArns.slice(i, i + 500);
      const rows = await this.db.query(
        `UPDATE gitlab_reports SET generation = generation + 1,
           next_attempt_at = CASE
             WHEN next_attempt_at IS NOT NULL THEN next_attempt_at
             WHEN not_before IS NOT NULL AND not_before > ? THEN not_before
             ELSE ? END
         WHERE execution_arn IN (${chunk.map(() => '?').join(', ')})
         RETURNING execution_arn`,
        [dueAt, dueAt, ...chunk],
      );
      touched += rows.length;
    }
    return touched;
  }

  async markStale(dueAt: string, limit: number): Promise<number> {
    const rows = await this.db.query(
      `UPDATE gitlab_reports SET generation = generation + 1, next_attempt_at = ?
       WHERE execution_arn IN (
         SELECT r.execution_arn FROM gitlab_reports r
         LEFT JOIN executions e ON e.id = r.execution_arn
         WHERE r.next_attempt_at IS NULL AND (
           e.event_count <> r.reported_event_count
           -- reported once, gone now (purged): due, so the reporter removes the row
           OR (e.id IS NULL AND r.reported_event_count > 0))
         LIMIT ?)
       RETURNING execution_arn`,
      [dueAt, limit],
    );
    return rows.length;
  }

  async claimDue(
    now: string,
    owner: string,
    leaseUntil: string,
    limit: number,
  ): Promise<readonly GitLabReportRecord[]> {
    return this.db.transaction(async (tx) => {
      // PostgreSQL: SKIP LOCKED lets nodes claim side by side; SQLite's BEGIN IMMEDIATE already
      // gives this transaction the database to itself.
      const lock = tx.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
      const rows = await tx.query(
        `UPDATE gitlab_reports SET lease_owner = ?, lease_until = ?
         WHERE execution_arn IN (
           SELECT execution_arn FROM gitlab_reports
           WHERE next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
           ORDER BY next_attempt_at, execution_arn LIMIT ? ${lock})
         RETURNING ${COLUMNS}`,
        [owner, leaseUntil, now, now, limit],
      );
      return rows
        .map(reportFrom)
        .sort(
          (a, b) =>
            compare(a.nextAttemptAt ?? '', b.nextAttemptAt ?? '') ||
            compare(a.executionArn, b.executionArn),
        );
    });
  }

  async finish(
    executionArn: string,
    owner: string,
    generation: number,
    outcome: GitLabReportOutcome,
  ): Promise<boolean> {
    const next: { sql: string; params: SqlValue[] } =
      outcome.retryAt !== undefined
        ? { sql: '?', params: [outcome.retryAt] }
        : {
            sql: 'CASE WHEN generation > ? THEN ? ELSE NULL END',
            params: [generation, outcome.nextIfChanged],
          };
    const rows = await this.db.query(
      `UPDATE gitlab_reports SET
         note_id = COALESCE(?, note_id),
         reported_state = COALESCE(?, reported_state),
         reported_hash = COALESCE(?, reported_hash),
         reported_event_count = COALESCE(?, reported_event_count),
         not_before = COALESCE(?, not_before),
         attempts = ?, last_error = ?, next_attempt_at = ${next.sql},
         lease_owner = NULL, lease_until = NULL, updated_at = ?
       WHERE execution_arn = ? AND lease_owner = ?
       RETURNING execution_arn`,
      [
        outcome.noteId ?? null,
        outcome.reportedState ?? null,
        outcome.reportedHash ?? null,
        outcome.reportedEventCount ?? null,
        outcome.notBefore ?? null,
        outcome.attempts,
        outcome.lastError,
        ...next.params,
        outcome.now,
        executionArn,
        owner,
      ],
    );
    return rows.length > 0;
  }

  async delete(executionArn: string): Promise<void> {
    await this.db.query('DELETE FROM gitlab_reports WHERE execution_arn = ?', [executionArn]);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function integerOrNull(row: Row, column: string): number | null {
  return row[column] === null || row[column] === undefined ? null : integer(row, column);
}

function reportFrom(row: Row): GitLabReportRecord {
  return {
    executionArn: text(row, 'execution_arn'),
    connection: text(row, 'connection'),
    projectId: text(row, 'project_id'),
    sha: text(row, 'sha'),
    ref: text(row, 'ref'),
    mergeRequestIid: integerOrNull(row, 'merge_request_iid'),
    statusName: textOrNull(row, 'status_name'),
    commitStatus: integer(row, 'commit_status') === 1,
    mergeRequestNote: integer(row, 'merge_request_note') === 1,
    noteId: integerOrNull(row, 'note_id'),
    reportedState: textOrNull(row, 'reported_state'),
    reportedHash: textOrNull(row, 'reported_hash'),
    reportedEventCount: integer(row, 'reported_event_count'),
    generation: integer(row, 'generation'),
    nextAttemptAt: textOrNull(row, 'next_attempt_at'),
    notBefore: textOrNull(row, 'not_before'),
    attempts: integer(row, 'attempts'),
    lastError: textOrNull(row, 'last_error'),
    leaseOwner: textOrNull(row, 'lease_owner'),
    leaseUntil: textOrNull(row, 'lease_until'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  };
}
