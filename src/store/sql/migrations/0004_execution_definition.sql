-- An execution stays on the definition it started with, even when the workflow is updated
-- before it finishes (unpublished revisions are not kept anywhere else).
ALTER TABLE executions ADD COLUMN definition TEXT NOT NULL DEFAULT '';
