/**
 * The store contract on PostgreSQL (the server on 127.0.0.1:5432): a fresh database per test
 * file, and a fresh schema per test inside it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { describeStoreContract } from '../../src/store/store.contract.js';

const SERVER = process.env['BATON_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432';
const database = `baton_test_${randomBytes(6).toString('hex')}`;
const now = (): string => '2026-01-01T00:00:00.000Z';
let schemas = 0;

async function admin<T>(work: (client: pg.Client) => Promise<T>, db = 'postgres'): Promise<T> {
  const client = new pg.Client({ connectionString: `${SERVER}/${db}` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await admin((c) => c.query(`CREATE DATABASE ${database}`));
});

afterAll(async () => {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
});

/** A URL whose connections use `schema` as their search path. */
function urlFor(schema: string): string {
  return `${SERVER}/${database}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

describeStoreContract('postgres', async () => {
  const schema = `t${++schemas}`;
  await admin((c) => c.query(`CREATE SCHEMA ${schema}`), database);
  const url = urlFor(schema);
  const store = openPostgresStore({ url, now, maxConnections: 4 });
  await store.migrate();
  return {
    store,
    openAnother: () => Promise.resolve(openPostgresStore({ url, now, maxConnections: 2 })),
    close: () => store.close(),
  };
});

describe('postgres store specifics', () => {
  it('reports an unreachable server with the driver error', async () => {
    const store = openPostgresStore({ url: 'postgres://postgres@127.0.0.1:1/none', now });
    const error = await store.migrate().then(
      () => undefined,
      (e: unknown) => e,
    );
    await store.close();
    expect(String(error)).toMatch(/ECONNREFUSED|connect/);
  });
});
