-- RedriveExecution's client tokens (API_RedriveExecution): "The API will return idempotent
-- responses for the last 10 client tokens used to successfully redrive the execution. These
-- client tokens are valid for up to 15 minutes after they are first used." Written in the same
-- transaction as the redrive, so a retry that reaches another node finds the first redrive.
CREATE TABLE redrive_tokens (
  execution TEXT NOT NULL REFERENCES executions (id),
  token TEXT NOT NULL,
  -- The redrive this token made, and when the token was first used (the same instant).
  redrive_date TEXT NOT NULL,
  PRIMARY KEY (execution, token)
);
