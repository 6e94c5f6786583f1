-- Activities: named queues of tasks that workers take with GetActivityTask.
CREATE TABLE activities (
  name TEXT PRIMARY KEY,
  created_at TEXT NOT NULL
);

-- An activity task waits in due_work like any task, marked with its activity ARN: the engine's
-- claimDue leaves it alone, and a worker's GetActivityTask takes it instead (the same commit
-- that records ActivityStarted retires the row).
ALTER TABLE due_work ADD COLUMN activity TEXT;
CREATE INDEX due_work_by_activity ON due_work (activity, due_at) WHERE activity IS NOT NULL;
