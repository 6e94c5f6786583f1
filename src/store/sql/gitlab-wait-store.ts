/**
 * GitLab `.sync` waits and createPipeline idempotency in SQL, shared by the SQLite and
 * PostgreSQL stores (migration 0009_gitlab_waits.sql).
 */
import type {
  GitLabCreatedPipeline,
  GitLabWaitStore,
  GitLabWaitTarget,
  GitLabWaiter,
} from '../store.js';
import type { Row, SqlRunner, SqlValue } from './sql-runner.js';
import { integer, text } from './sql-runner.js';

const TARGET = 'connection = ? AND project_id = ? AND kind = ? AND object_id = ?';

function targetParams(target: GitLabWaitTarget): SqlValue[] {
  return [target.connection, target.projectId, target.kind, target.objectId];
}

export class SqlGitLabWaitStore implements GitLabWaitStore {
  constructor(private readonly db: SqlRunner) {}

  async record(target: GitLabWaitTarget, waiter: GitLabWaiter, now: string): Promise<void> {
    await this.db.query(
      `INSERT INTO gitlab_waits
         (connection, project_id, kind, object_id, execution_id, task_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (connection, project_id, kind, object_id, execution_id, task_id) DO NOTHING`,
      [...targetParams(target), waiter.executionId, waiter.taskId, now],
    );
  }

  async find(target: GitLabWaitTarget): Promise<readonly GitLabWaiter[]> {
    const rows = await this.db.query(
      `SELECT execution_id, task_id FROM gitlab_waits WHERE ${TARGET}
       ORDER BY created_at, execution_id, task_id`,
      targetParams(target),
    );
    return rows.map((row) => ({
      executionId: text(row, 'execution_id'),
      taskId: text(row, 'task_id'),
    }));
  }

  async forget(target: GitLabWaitTarget, waiter: GitLabWaiter): Promise<void> {
    await this.db.query(
      `DELETE FROM gitlab_waits WHERE ${TARGET} AND execution_id = ? AND task_id = ?`,
      [...targetParams(target), waiter.executionId, waiter.taskId],
    );
  }

  async forgetExecution(executionId: string): Promise<void> {
    await this.db.query('DELETE FROM gitlab_waits WHERE execution_id = ?', [executionId]);
  }

  async rememberCreatedPipeline(
    idempotencyKey: string,
    pipeline: GitLabCreatedPipeline,
    now: string,
  ): Promise<GitLabCreatedPipeline> {
    await this.db.query(
      `INSERT INTO gitlab_created_pipelines
         (idempotency_key, connection, project_id, pipeline_id, created_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [idempotencyKey, pipeline.connection, pipeline.projectId, pipeline.pipelineId, now],
    );
    const stored = await this.findCreatedPipeline(idempotencyKey);
    if (stored === undefined) throw new Error('a created pipeline vanished right after its insert');
    return stored;
  }

  async findCreatedPipeline(idempotencyKey: string): Promise<GitLabCreatedPipeline | undefined> {
    const rows = await this.db.query(
      `SELECT connection, project_id, pipeline_id FROM gitlab_created_pipelines
       WHERE idempotency_key = ?`,
      [idempotencyKey],
    );
    const row = rows[0];
    return row === undefined ? undefined : createdFrom(row);
  }
}

function createdFrom(row: Row): GitLabCreatedPipeline {
  return {
    connection: text(row, 'connection'),
    projectId: integer(row, 'project_id'),
    pipelineId: integer(row, 'pipeline_id'),
  };
}
