-- GitLab webhook deliveries, triggers and the runs triggers coordinate (part C of issue 5).
--
-- A delivery is persisted before GitLab gets its answer, then processed asynchronously: claimed
-- (received -> processing, with a lease so a crashed node's work is taken over), and finished
-- (processed, ignored or failed) with its outcome as JSON text. The unique (connection,
-- dedupe_key) makes a redelivery (same Idempotency-Key, or same content on old GitLab) a no-op.
-- The token headers are never stored: `headers` holds only the ones listed in
-- src/api/hooks/gitlab-hook-routes.ts.
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  connection TEXT NOT NULL,
  received_at TEXT NOT NULL,
  event TEXT NOT NULL,
  object_kind TEXT,
  dedupe_key TEXT NOT NULL,
  key_source TEXT NOT NULL,
  content_key TEXT NOT NULL,
  headers TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('received', 'processing', 'processed', 'ignored', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until TEXT,
  outcome TEXT,
  error TEXT,
  processed_at TEXT,
  UNIQUE (connection, dedupe_key)
);
CREATE INDEX webhook_deliveries_by_arrival ON webhook_deliveries (received_at, id);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (status, lease_until);

-- Trigger rules, from the triggers file (source 'file', replaced at start-up) or the API.
-- `definition` is the rule as JSON text; src/gitlab/triggers/ validates it before it is stored.
CREATE TABLE gitlab_triggers (
  name TEXT PRIMARY KEY,
  source TEXT NOT NULL CHECK (source IN ('file', 'api')),
  definition TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- Executions a QUEUED or SUPERSEDED trigger coordinates, per concurrency key. `seq` orders them
-- by arrival (the delivery's receipt time and id). At most one run per key is 'running' at a
-- time for QUEUED triggers: the partial unique index settles two nodes racing to start the next.
CREATE TABLE gitlab_trigger_runs (
  trigger_name TEXT NOT NULL,
  execution_name TEXT NOT NULL,
  concurrency_key TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('QUEUED', 'SUPERSEDED')),
  seq TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done')),
  request TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  execution_arn TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (trigger_name, execution_name)
);
CREATE INDEX gitlab_trigger_runs_by_key ON gitlab_trigger_runs (trigger_name, concurrency_key, status, seq);
CREATE INDEX gitlab_trigger_runs_by_execution ON gitlab_trigger_runs (execution_arn);
CREATE UNIQUE INDEX gitlab_trigger_runs_one_queued_running
  ON gitlab_trigger_runs (trigger_name, concurrency_key)
  WHERE status = 'running' AND mode = 'QUEUED';
