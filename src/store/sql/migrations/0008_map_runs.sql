-- Map Runs of Distributed Map states (DescribeMapRun, ListMapRuns). A row is written and
-- updated in the same transaction as the parent execution's step that started or advanced the
-- Map Run, so its status and counts are what the parent's history says. Removed with the
-- parent execution.
CREATE TABLE map_runs (
  arn TEXT PRIMARY KEY,
  execution TEXT NOT NULL REFERENCES executions (id),
  state_name TEXT NOT NULL,
  -- MACHINE/LABEL: the name the child executions are filed under.
  machine_name TEXT NOT NULL,
  -- The ItemProcessor as a state machine of its own (JSON text): what every child runs.
  definition TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED')),
  max_concurrency INTEGER NOT NULL,
  tolerated_failure_count INTEGER,
  tolerated_failure_percentage DOUBLE PRECISION,
  items_total INTEGER NOT NULL,
  items_pending INTEGER NOT NULL,
  items_running INTEGER NOT NULL,
  items_succeeded INTEGER NOT NULL,
  items_failed INTEGER NOT NULL,
  items_timed_out INTEGER NOT NULL,
  items_aborted INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  stopped_at TEXT,
  redrive_count INTEGER NOT NULL DEFAULT 0,
  redrive_date TEXT
);
CREATE INDEX map_runs_by_execution ON map_runs (execution, started_at);

-- The Map Run a child execution belongs to (ListExecutions with mapRunArn).
ALTER TABLE executions ADD COLUMN map_run TEXT;
CREATE INDEX executions_by_map_run ON executions (map_run, started_at);
