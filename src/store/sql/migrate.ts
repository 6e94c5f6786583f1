/**
 * Numbered plain-SQL migrations (`0001_name.sql`, ...), each applied in the same transaction as
 * its bookkeeping row. Safe when several nodes start together: the dialect's `lock` serialises
 * them inside the transaction, and whoever comes second finds the work done.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { StoreError } from '../errors.js';
import type { MigrationReport } from '../store.js';
import type { SqlRunner } from './sql-runner.js';
import { text } from './sql-runner.js';

export interface Migration {
  readonly id: string;
  readonly sql: string;
}

/**
 * `0001_name.sql` serves every dialect (the SQL here is kept portable); `0001_name.sqlite.sql` or
 * `0001_name.postgres.sql` serves one, for the day a dialect needs its own version.
 */
const MIGRATION_FILE = /^(\d{4}_[a-z0-9_]+?)(?:\.(sqlite|postgres))?\.sql$/;

/** The shared migrations directory. */
export const MIGRATIONS = new URL('./migrations/', import.meta.url);

/**
 * Reads the numbered migrations for `dialect`, in order: the shared file of each number, or
 * the dialect's own version of it when there is one.
 */
export function loadMigrations(
  dialect: 'sqlite' | 'postgres',
  directory: URL = MIGRATIONS,
): Migration[] {
  const chosen = new Map<string, string>();
  for (const file of readdirSync(directory).sort()) {
    const match = MIGRATION_FILE.exec(file);
    const id = match?.[1];
    if (id === undefined) continue;
    const variant = match?.[2];
    if (variant !== undefined && variant !== dialect) continue;
    if (variant !== undefined || !chosen.has(id)) chosen.set(id, file);
  }
  return [...chosen.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, file]) => ({ id, sql: readFileSync(new URL(file, directory), 'utf8') }));
}

/**
 * Applies the pending migrations.
 * @param lock takes the dialect's exclusive migration lock inside the transaction.
 * @throws StoreError MIGRATION_FAILED naming the migration, with the database error as cause;
 *   the schema is left as it was before that migration.
 */
export async function applyMigrations(
  db: SqlRunner,
  migrations: readonly Migration[],
  lock: (tx: SqlRunner) => Promise<void>,
  now: () => string,
): Promise<MigrationReport> {
  return db.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)',
    );
    const done = new Set(
      (await tx.query('SELECT id FROM schema_migrations')).map((r) => text(r, 'id')),
    );
    const known = new Set(migrations.map((m) => m.id));
    const unknown = [...done].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new StoreError(
        'MIGRATION_FAILED',
        `The database has migrations this Baton does not know (${unknown.join(', ')}): it was used by a newer version. Upgrade Baton, or point it at another database.`,
      );
    }
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      try {
        await tx.exec(migration.sql);
      } catch (error: unknown) {
        throw new StoreError(
          'MIGRATION_FAILED',
          `Migration ${migration.id} failed: ${error instanceof Error ? error.message : String(error)}. Nothing of it was applied.`,
          { cause: error },
        );
      }
      await tx.query('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)', [
        migration.id,
        now(),
      ]);
      applied.push(migration.id);
    }
    return { applied, current: migrations.at(-1)?.id ?? '' };
  });
}
