-- Retention of GitLab webhook deliveries and trigger runs (setting deliveryRetention).
--
-- The hourly purge looks for finished deliveries and done trigger runs older than the cutoff,
-- oldest first. These partial indexes hold only the rows it may remove, ordered by when they
-- finished, so it never scans the table: on SQLite that scan would read every delivery's body
-- (up to 25 MB, stored before the status column) just to skip it. A delivery has a
-- processed_at exactly when it finished (processed, ignored or failed): only `finish` sets it,
-- and a finished delivery is never claimed again. The purge also tests the status itself.
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (processed_at, id)
  WHERE processed_at IS NOT NULL;
CREATE INDEX gitlab_trigger_runs_done ON gitlab_trigger_runs (updated_at, trigger_name, execution_name)
  WHERE status = 'done';
