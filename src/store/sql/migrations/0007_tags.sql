-- Tags on resources (TagResource, UntagResource, ListTagsForResource). A resource is named by
-- its kind and name, not by its ARN, so tags survive a change of the configured region or
-- account. Removed with their resource, in the same transaction (workflow-store.ts).
CREATE TABLE resource_tags (
  resource_kind TEXT NOT NULL,
  resource_name TEXT NOT NULL,
  tag_key TEXT NOT NULL,
  tag_value TEXT NOT NULL,
  PRIMARY KEY (resource_kind, resource_name, tag_key)
);
