-- The first admin access key is made once per database, even when several nodes start on an
-- empty database at the same moment: the node whose INSERT of this row wins creates the key,
-- in the same transaction; the others wait on the row, find it taken, and create nothing.
CREATE TABLE first_key_claim (
  name TEXT PRIMARY KEY,
  claimed_at TEXT NOT NULL
);
