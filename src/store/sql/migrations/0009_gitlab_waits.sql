-- GitLab `.sync` tasks waiting on a pipeline or job: a Pipeline Hook or Job Hook that names the
-- object finds its waiters here and makes the engine poll them at once instead of at the next
-- back-off step. Rows are hints, not truth: the poll re-reads GitLab (webhooks arrive out of
-- order and may be lost), and a row left behind only causes one harmless extra poll.
CREATE TABLE gitlab_waits (
  connection TEXT NOT NULL,
  project_id BIGINT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('pipeline', 'job')),
  object_id BIGINT NOT NULL,
  execution_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (connection, project_id, kind, object_id, execution_id, task_id)
);
CREATE INDEX gitlab_waits_by_execution ON gitlab_waits (execution_id);
-- The pipeline a createPipeline task attempt created, under the attempt's idempotency key, so
-- a redelivered attempt (another node re-running it after a crash) returns that pipeline
-- instead of creating a second one.
CREATE TABLE gitlab_created_pipelines (
  idempotency_key TEXT PRIMARY KEY,
  connection TEXT NOT NULL,
  project_id BIGINT NOT NULL,
  pipeline_id BIGINT NOT NULL,
  created_at TEXT NOT NULL
);
