/**
 * Databases for tests: SQLite files in a temporary directory, and PostgreSQL on 127.0.0.1:5432
 * with a fresh database per test file (created on first use, dropped by `dropAll`) and a fresh
 * schema per store, so tests never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

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
