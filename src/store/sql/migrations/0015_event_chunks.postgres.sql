-- History in chunks: the events one commit appends go in one row (up to 100 per row) instead of
-- a row each (see the SQLite version of this migration for why). PostgreSQL's json text puts a
-- space after each comma; readers parse it, so the spacing does not matter.
CREATE TABLE execution_event_chunks (
  execution TEXT NOT NULL REFERENCES executions (id),
  first_id INTEGER NOT NULL,
  last_id INTEGER NOT NULL,
  -- [[id, previous_id, type, timestamp, details], ...] as JSON text.
  events TEXT NOT NULL,
  PRIMARY KEY (execution, first_id)
);
INSERT INTO execution_event_chunks (execution, first_id, last_id, events)
  SELECT execution, id, id, json_build_array(json_build_array(id, previous_id, type, timestamp, details))::text
  FROM execution_events;
DROP TABLE execution_events;
