/**
 * Databases for tests: SQLite files in a temporary directory, and PostgreSQL on 127.0.0.1:5432
 * with a fresh database per test file (created on first use, dropped by `dropAll`) and a fresh
 * schema per store, so tests never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadMigrations } from '../../src/store/sql/migrate.js';

export const POSTGRES_SERVER =
  process.env['BATON_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432';

let sqliteDir: string | undefined;
let sqliteFiles = 0;
let postgresDatabase: string | undefined;
let schemas = 0;

/** A new SQLite file path (the file does not exist yet). */
export function freshSqlitePath(): string {
  sqliteDir ??= mkdtempSync(join(tmpdir(), 'baton-test-'));
  return join(sqliteDir, `store-${++sqliteFiles}.db`);
}

/** Runs `work` with an admin connection to `database`. */
export async function withPostgres<T>(
  work: (client: pg.Client) => Promise<T>,
  database = 'postgres',
): Promise<T> {
  const client = new pg.Client({ connectionString: `${POSTGRES_SERVER}/${database}` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A URL to a new, empty schema in this test file's database. */
export async function freshPostgresUrl(): Promise<string> {
  if (postgresDatabase === undefined) {
    const name = `baton_test_${randomBytes(6).toString('hex')}`;
    await withPostgres((c) => c.query(`CREATE DATABASE ${name}`));
    postgresDatabase = name;
  }
  const schema = `t${++schemas}`;
  await withPostgres((c) => c.query(`CREATE SCHEMA ${schema}`), postgresDatabase);
  return `${POSTGRES_SERVER}/${postgresDatabase}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** Removes this file's SQLite directory and PostgreSQL database. Call from afterAll. */
export async function dropAll(): Promise<void> {
  if (sqliteDir !== undefined) rmSync(sqliteDir, { recursive: true, force: true });
  if (postgresDatabase !== undefined) {
    const name = postgresDatabase;
    await withPostgres((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

/** How many rows `table` of the SQLite file at `path` holds (its own read-only connection). */
export function countSqliteRows(path: string, table: string): Promise<number> {
  const db = new Database(path, { readonly: true });
  try {
    const row = db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get();
    return Promise.resolve(row?.n ?? 0);
  } finally {
    db.close();
  }
}

/** How many rows `table` holds in the schema of `url` (a fresh connection). */
export async function countPostgresRows(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

/** A SQLite file as an older Baton left it: the migrations before `beforeId`, then `fill`. */
export function olderSqlite(beforeId: string, fill: (db: Database.Database) => void): string {
  const path = freshSqlitePath();
  const db = new Database(path);
  try {
    db.exec('CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
    for (const migration of loadMigrations('sqlite').filter((m) => m.id < beforeId)) {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(migration.id, MIGRATED_AT);
    }
    fill(db);
  } finally {
    db.close();
  }
  return path;
}

/** A PostgreSQL schema as an older Baton left it: the migrations before `beforeId`, then `fill`. */
export async function olderPostgres(
  beforeId: string,
  fill: (client: pg.Client) => Promise<void>,
): Promise<string> {
  const url = await freshPostgresUrl();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      'CREATE TABLE schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)',
    );
    for (const migration of loadMigrations('postgres').filter((m) => m.id < beforeId)) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations VALUES ($1, $2)', [
        migration.id,
        MIGRATED_AT,
      ]);
    }
    await fill(client);
  } finally {
    await client.end();
  }
  return url;
}

const MIGRATED_AT = '2026-01-01T00:00:00.000Z';
