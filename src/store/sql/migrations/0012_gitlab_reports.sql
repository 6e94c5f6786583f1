-- Status reports back to GitLab (src/gitlab/reports/): for an execution started from a commit or
-- a merge request, the commit status and the one merge-request note that Baton keeps up to date.
-- No foreign key to executions: a report may be tracked before its execution starts (a queued
-- trigger), and the reporter removes rows whose execution was purged.
CREATE TABLE gitlab_reports (
  execution_arn TEXT PRIMARY KEY,
  connection TEXT NOT NULL,
  -- Numeric id or full path, as the caller named the project.
  project_id TEXT NOT NULL,
  sha TEXT NOT NULL,
  ref TEXT NOT NULL,
  merge_request_iid BIGINT,
  -- The commit status name; NULL means baton/<workflow>.
  status_name TEXT,
  -- What to report (0 or 1: portable booleans).
  commit_status INTEGER NOT NULL,
  merge_request_note INTEGER NOT NULL,
  -- The note Baton created, updated from then on (never a second one).
  note_id BIGINT,
  -- What GitLab last accepted: the commit status state, and a hash of the note body.
  reported_state TEXT,
  reported_hash TEXT,
  -- The execution's event count the last finished report was rendered from: a row whose
  -- execution has moved on since is stale, and the start-up pass reports it again.
  reported_event_count INTEGER NOT NULL DEFAULT 0,
  -- Bumped by every change noticed; a report claimed at one generation that finishes after a
  -- newer change leaves the row due again.
  generation INTEGER NOT NULL DEFAULT 0,
  -- When to report next; NULL when nothing is waiting to be reported.
  next_attempt_at TEXT,
  -- Earliest time of the next write to GitLab for this execution (coalescing, rate limits).
  not_before TEXT,
  -- Failed attempts in a row, for the back-off; the last error with secrets removed.
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  -- One node reports an execution at a time.
  lease_owner TEXT,
  lease_until TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX gitlab_reports_due ON gitlab_reports (next_attempt_at);
