/**
 * `baton keys` against a real server: the admin creates, lists, disables, enables and deletes
 * keys; a new key's secret is printed once and works; a non-admin key is refused; the last
 * admin key cannot be removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './client-harness.js';
import { baton, cleanEnv, ensureBuilt, startTestServer } from './client-harness.js';

let server: TestServer;
beforeAll(async () => {
  ensureBuilt();
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe('baton keys', () => {
  it('creates a key whose secret works, lists without secrets, disables, enables, deletes', async () => {
    const env = { env: server.env };
    const created = await baton(env, 'keys', 'create', 'ci-deployer', '--output', 'json');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { accessKeyId: string; secretAccessKey: string };
    expect(key.accessKeyId).toMatch(/^BKIA/);
    expect(key.secretAccessKey).toHaveLength(40);

    const asNew = {
      env: cleanEnv({
        BATON_URL: server.url,
        BATON_ACCESS_KEY_ID: key.accessKeyId,
        BATON_SECRET_ACCESS_KEY: key.secretAccessKey,
      }),
    };
    expect((await baton(asNew, 'executions', '--output', 'json')).code).toBe(0);
    // Only the admin manages keys.
    const refused = await baton(asNew, 'keys', 'list');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Only an admin key may call GET /api/v1/keys');

    const listed = await baton(env, 'keys', 'list', '--output', 'table');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('ci-deployer');
    expect(listed.stdout).toContain(server.accessKeyId);
    expect(listed.stdout).not.toContain(key.secretAccessKey);
    expect(listed.stdout).not.toContain(server.secretAccessKey);

    expect((await baton(env, 'keys', 'disable', key.accessKeyId)).stdout).toContain('DISABLED');
    const disabled = await baton(asNew, 'executions');
    expect(disabled.code).toBe(2);
    expect(disabled.stderr).toContain('unknown to this server');
    expect((await baton(env, 'keys', 'enable', key.accessKeyId)).stdout).toContain('ACTIVE');
    expect((await baton(asNew, 'executions', '--output', 'json')).code).toBe(0);
    const deleted = await baton(env, 'keys', 'delete', key.accessKeyId, '--output', 'table');
    expect(deleted.stdout).toContain(`Deleted ${key.accessKeyId}`);
    expect((await baton(asNew, 'executions')).code).toBe(2);
  }, 60_000);

  it('refuses to remove the last admin key, and says so for unknown keys', async () => {
    const env = { env: server.env };
    const last = await baton(env, 'keys', 'disable', server.accessKeyId);
    expect(last.code).toBe(2);
    expect(last.stderr).toMatch(/last|admin/i);
    const unknown = await baton(env, 'keys', 'delete', 'BKIAAAAAAAAAAAAAAAAA');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('baton keys delete:');
  }, 60_000);
});
