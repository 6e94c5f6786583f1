-- Work that becomes due: timers (Wait states, retry back-off, timeouts) and tasks to start.
-- A row is written in the same transaction as the step that schedules it and deleted in the
-- same transaction as the step that consumes it, so it fires into exactly one transition.
CREATE TABLE due_work (
  execution TEXT NOT NULL REFERENCES executions (id),
  key TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('timer', 'task')),
  due_at TEXT NOT NULL,
  -- JSON text for whoever carries the work out (the timer's purpose, the task command).
  payload TEXT NOT NULL,
  -- A node claims work by leasing it; a dead node's lease runs out and another claims it.
  lease_owner TEXT,
  lease_until TEXT,
  claims INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (execution, key)
);
CREATE INDEX due_work_by_due_at ON due_work (due_at);
