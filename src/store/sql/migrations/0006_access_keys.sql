-- Access keys Baton issues for AWS Signature Version 4. Verifying a signature needs the secret
-- itself, so it cannot be a hash: the row holds it sealed (AES-256-GCM under the master key,
-- bound to the key id; identity/ seals and opens it). The store never sees a plain secret.
CREATE TABLE access_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'DISABLED')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_used_at TEXT
);
CREATE INDEX access_keys_by_creation ON access_keys (created_at, id);
