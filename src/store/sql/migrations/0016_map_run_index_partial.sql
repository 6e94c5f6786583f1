-- Only Distributed Map children have a map_run; every other execution paid for an index entry
-- it never needed on each start. Listing a Map Run's children (map_run = ?) still uses this
-- index: both databases know that `map_run = ?` implies `map_run IS NOT NULL`.
DROP INDEX executions_by_map_run;
CREATE INDEX executions_by_map_run ON executions (map_run, started_at) WHERE map_run IS NOT NULL;
