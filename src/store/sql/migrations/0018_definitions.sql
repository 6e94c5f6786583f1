-- Each definition an execution runs is stored once, under the SHA-256 of its text (base64url),
-- instead of a copy in every executions row: a start writes a row here only for a text this
-- table does not have yet, and an execution references it by `definition_hash`. Rows written
-- before this migration keep their copy in `executions.definition` (new rows leave it '') and
-- are read as before until retention removes them. Definitions no execution references any
-- more are removed after each purge of finished executions.
CREATE TABLE definitions (
  hash TEXT PRIMARY KEY,
  body TEXT NOT NULL
);
ALTER TABLE executions ADD COLUMN definition_hash TEXT REFERENCES definitions (hash);
CREATE INDEX executions_by_definition ON executions (definition_hash)
  WHERE definition_hash IS NOT NULL;
