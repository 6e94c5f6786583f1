/**
 * Resource tags in SQL, shared by the SQLite and PostgreSQL stores. Every call locks the
 * resource's row first, so a tag never outlives a resource deleted at the same moment and two
 * concurrent TagResource calls cannot together pass the per-resource limit.
 */
import { StoreError } from '../errors.js';
import type { ResourceTag, TagStore, TaggedResource } from '../store.js';
import { MAX_TAGS_PER_RESOURCE } from '../store.js';
import type { SqlRunner } from './sql-runner.js';
import { integer, text } from './sql-runner.js';

/**
 * Locks the resource's row and reports whether it exists. A no-op UPDATE takes the row lock in
 * PostgreSQL (SQLite's BEGIN IMMEDIATE already excludes other writers).
 */
const LOCK_RESOURCE: Readonly<Record<TaggedResource['kind'], string>> = {
  workflow: 'UPDATE workflows SET next_version = next_version WHERE name = ? RETURNING name',
};

export class SqlTagStore implements TagStore {
  constructor(private readonly db: SqlRunner) {}

  async tag(resource: TaggedResource, tags: readonly ResourceTag[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await lockResource(tx, resource);
      await insertTags(tx, resource, tags);
      const count = integer(
        (
          await tx.query(
            'SELECT COUNT(*) AS n FROM resource_tags WHERE resource_kind = ? AND resource_name = ?',
            [resource.kind, resource.name],
          )
        )[0] ?? { n: 0 },
        'n',
      );
      if (count > MAX_TAGS_PER_RESOURCE) {
        // Thrown inside the transaction: the rows inserted above are rolled back.
        throw new StoreError(
          'LIMIT_EXCEEDED',
          `The ${resource.kind} "${resource.name}" would carry ${count} tags, more than the ${MAX_TAGS_PER_RESOURCE} allowed; remove tags first.`,
        );
      }
    });
  }

  async untag(resource: TaggedResource, keys: readonly string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await lockResource(tx, resource);
      for (const key of keys) {
        await tx.query(
          'DELETE FROM resource_tags WHERE resource_kind = ? AND resource_name = ? AND tag_key = ?',
          [resource.kind, resource.name, key],
        );
      }
    });
  }

  async list(resource: TaggedResource): Promise<readonly ResourceTag[]> {
    return this.db.transaction(async (tx) => {
      await lockResource(tx, resource);
      const rows = await tx.query(
        `SELECT tag_key, tag_value FROM resource_tags
         WHERE resource_kind = ? AND resource_name = ? ORDER BY tag_key`,
        [resource.kind, resource.name],
      );
      return rows.map((row) => ({ key: text(row, 'tag_key'), value: text(row, 'tag_value') }));
    });
  }
}

/**
 * Writes tags inside the caller's transaction (also used when a workflow is created with its
 * tags), replacing the values of existing keys. The caller checks the limit.
 */
export async function insertTags(
  tx: SqlRunner,
  resource: TaggedResource,
  tags: readonly ResourceTag[],
): Promise<void> {
  for (const tag of tags) {
    await tx.query(
      `INSERT INTO resource_tags (resource_kind, resource_name, tag_key, tag_value)
       VALUES (?, ?, ?, ?)
       ON CONFLICT (resource_kind, resource_name, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
      [resource.kind, resource.name, tag.key, tag.value],
    );
  }
}

/** Removes every tag of a resource, inside the caller's transaction (its deletion). */
export async function deleteTags(tx: SqlRunner, resource: TaggedResource): Promise<void> {
  await tx.query('DELETE FROM resource_tags WHERE resource_kind = ? AND resource_name = ?', [
    resource.kind,
    resource.name,
  ]);
}

async function lockResource(tx: SqlRunner, resource: TaggedResource): Promise<void> {
  const rows = await tx.query(LOCK_RESOURCE[resource.kind], [resource.name]);
  if (rows.length === 0) {
    throw new StoreError('NOT_FOUND', `There is no ${resource.kind} named "${resource.name}".`);
  }
}
