-- GitLab connections: an instance's base URL and the credentials Baton uses with it. The API
-- token and the webhook secret and signing tokens are held only sealed (AES-256-GCM under the
-- master key, bound to the connection name; identity/ seals and opens them). The ID-token
-- issuer and JWKS URL are kept apart from the base URL: with a custom issuer or a relative URL
-- root they differ (reference/gitlab.md §2.4). `ci_rules` is a JSON array of CI access rules.
CREATE TABLE gitlab_connections (
  name TEXT PRIMARY KEY,
  base_url TEXT NOT NULL,
  token_sealed TEXT NOT NULL,
  webhook_secret_sealed TEXT,
  signing_token_sealed TEXT,
  id_token_issuer TEXT NOT NULL,
  jwks_url TEXT NOT NULL,
  ci_rules TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX gitlab_connections_by_issuer ON gitlab_connections (id_token_issuer, name);

-- Who started an execution through /api/v1/ci (a GitLab CI job, from its verified ID token),
-- so that only that project may describe it. No foreign key to executions: the row is written
-- after the engine commits the start, and a purged execution's row is harmless (an execution
-- started again under the same ARN replaces it).
CREATE TABLE gitlab_ci_executions (
  execution_arn TEXT PRIMARY KEY,
  connection TEXT NOT NULL,
  project_id TEXT NOT NULL,
  project_path TEXT NOT NULL,
  ref TEXT NOT NULL,
  pipeline_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  user_login TEXT,
  created_at TEXT NOT NULL
);
