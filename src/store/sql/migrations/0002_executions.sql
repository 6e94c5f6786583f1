-- Executions and their history. No foreign key to workflows: executions outlive the
-- workflow they ran (AWS keeps them after DeleteStateMachine).
CREATE TABLE executions (
  id TEXT PRIMARY KEY,
  workflow TEXT NOT NULL,
  version INTEGER,
  alias TEXT,
  revision_id TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (
    status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE')
  ),
  input TEXT NOT NULL,
  output TEXT,
  error TEXT,
  cause TEXT,
  started_at TEXT NOT NULL,
  stopped_at TEXT,
  redrive_count INTEGER NOT NULL DEFAULT 0,
  -- The step snapshot (JSON text), a cache of the history.
  snapshot TEXT NOT NULL,
  -- Bumped by every commit: a node commits only on top of the revision it read.
  revision INTEGER NOT NULL,
  event_count INTEGER NOT NULL,
  UNIQUE (workflow, name)
);
CREATE INDEX executions_by_workflow ON executions (workflow, started_at);
CREATE INDEX executions_by_status ON executions (status, started_at);

CREATE TABLE execution_events (
  execution TEXT NOT NULL REFERENCES executions (id),
  id INTEGER NOT NULL,
  previous_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  -- The event's *EventDetails members as JSON text.
  details TEXT NOT NULL,
  PRIMARY KEY (execution, id)
);
