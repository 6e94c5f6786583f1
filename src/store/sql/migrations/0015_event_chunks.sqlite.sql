-- History in chunks: the events one commit appends go in one row (up to 100 per row) instead of
-- a row each. A pure run of 10 states appends 22 events in one commit; as rows, they cost 22
-- B-tree inserts (two trees each: the table and its primary-key index), which was most of a
-- start's database time. Event ids stay contiguous from 1 (every commit checks it), so a page
-- of history is an id range, and a chunk holds at most 100 events, so the rows a page needs
-- are found by a range on first_id.
CREATE TABLE execution_event_chunks (
  execution TEXT NOT NULL REFERENCES executions (id),
  first_id INTEGER NOT NULL,
  last_id INTEGER NOT NULL,
  -- [[id, previous_id, type, timestamp, details], ...] as JSON text; details is the event's
  -- *EventDetails members as JSON text, exactly as the history API returns them.
  events TEXT NOT NULL,
  PRIMARY KEY (execution, first_id)
);
INSERT INTO execution_event_chunks (execution, first_id, last_id, events)
  SELECT execution, id, id, json_array(json_array(id, previous_id, type, timestamp, details))
  FROM execution_events;
DROP TABLE execution_events;
