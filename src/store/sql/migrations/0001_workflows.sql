-- Workflows, their immutable numbered versions, and aliases routing to versions.
CREATE TABLE workflows (
  name TEXT PRIMARY KEY,
  definition TEXT NOT NULL,
  role_arn TEXT,
  type TEXT NOT NULL CHECK (type IN ('STANDARD', 'EXPRESS')),
  description TEXT,
  revision_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  -- Version numbers are never reused, even after a version is deleted.
  next_version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE workflow_versions (
  workflow TEXT NOT NULL REFERENCES workflows (name),
  version INTEGER NOT NULL,
  definition TEXT NOT NULL,
  role_arn TEXT,
  type TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  description TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (workflow, version),
  UNIQUE (workflow, revision_id)
);

CREATE TABLE workflow_aliases (
  workflow TEXT NOT NULL REFERENCES workflows (name),
  name TEXT NOT NULL,
  description TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (workflow, name)
);

-- A version an alias routes to cannot be deleted (ON DELETE RESTRICT).
CREATE TABLE alias_routes (
  workflow TEXT NOT NULL,
  alias TEXT NOT NULL,
  version INTEGER NOT NULL,
  weight INTEGER NOT NULL CHECK (weight BETWEEN 0 AND 100),
  PRIMARY KEY (workflow, alias, version),
  FOREIGN KEY (workflow, alias) REFERENCES workflow_aliases (workflow, name),
  FOREIGN KEY (workflow, version) REFERENCES workflow_versions (workflow, version) ON DELETE RESTRICT
);
CREATE INDEX alias_routes_by_version ON alias_routes (workflow, version);
