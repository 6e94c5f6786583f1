/** Key management at /api/v1/keys: admin only, the secret once, changes that hold at once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Credential, Harness } from './rest-client.js';
import { client, send, startServer } from './rest-client.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startServer();
});
afterAll(async () => {
  await harness.close();
});

async function createKey(name: string, by?: Credential): Promise<Credential & { name: string }> {
  const answer = await client(harness, by)({ path: '/api/v1/keys', body: { name } });
  expect(answer.status).toBe(201);
  return answer.json as Credential & { name: string };
}

describe('POST /api/v1/keys', () => {
  it('issues a key whose secret is shown once and never logged', async () => {
    const answer = await client(harness)({ path: '/api/v1/keys', body: { name: 'alice' } });
    expect(answer.status).toBe(201);
    expect(answer.json).toEqual({
      accessKeyId: expect.stringMatching(/^BKIA[A-Z2-7]{16}$/),
      secretAccessKey: expect.any(String),
      name: 'alice',
      status: 'ACTIVE',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const secret: string = answer.json.secretAccessKey;
    // The new key works at once.
    const alice = { accessKeyId: answer.json.accessKeyId, secretAccessKey: secret };
    expect((await client(harness, alice)({ path: '/api/v1/workflows' })).status).toBe(200);
    const listed = await client(harness)({ path: '/api/v1/keys' });
    expect(listed.text).not.toContain(secret);
    expect(harness.logs.join('')).not.toContain(secret);
  });

  it('refuses a missing, mistyped or malformed name with JSON pointers', async () => {
    const call = client(harness);
    for (const [body, pointer] of [
      [{}, '/name'],
      [{ name: 7 }, '/name'],
      [{ name: 'a b' }, '/name'],
      [{ name: 'x'.repeat(65) }, '/name'],
      [{ name: 'ok', extra: 1 }, '/extra'],
    ] as const) {
      const answer = await call({ path: '/api/v1/keys', body });
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ code: 'VALIDATION', requestId: expect.any(String) });
      expect(answer.json.details).toContainEqual(
        expect.objectContaining({ location: 'body', pointer }),
      );
    }
  });

  it('refuses a body that is not JSON, or not an object', async () => {
    const call = client(harness);
    expect((await call({ path: '/api/v1/keys', body: '{"name":' })).json.code).toBe('INVALID_JSON');
    expect((await call({ path: '/api/v1/keys', body: '["admin"]' })).json.code).toBe('VALIDATION');
  });
});

describe('who may manage keys', () => {
  it('answers 403 to a key not named admin, for every key route', async () => {
    const bob = await createKey('bob');
    const call = client(harness, bob);
    const target = `/api/v1/keys/${harness.admin.accessKeyId}`;
    for (const request of [
      { path: '/api/v1/keys' },
      { path: '/api/v1/keys', body: { name: 'admin' } },
      { path: `${target}/disable`, method: 'POST' },
      { path: `${target}/enable`, method: 'POST' },
      { path: target, method: 'DELETE' },
    ]) {
      const answer = await call(request);
      expect(answer.status).toBe(403);
      expect(answer.json.code).toBe('FORBIDDEN');
      expect(answer.json.message).toContain('Only an admin key may call');
      expect(answer.json.message).toContain('"bob"');
    }
    // The same for the other admin-only routes, naming the route refused.
    const triggers = await call({ path: '/api/v1/triggers' });
    expect(triggers.status).toBe(403);
    expect(triggers.json.message).toContain('GET /api/v1/triggers');
  });

  it('answers 401 to an unsigned request and to a wrong secret', async () => {
    const unsigned = await send(harness.server, undefined, { path: '/api/v1/keys' });
    expect(unsigned.status).toBe(401);
    expect(unsigned.json).toMatchObject({ code: 'UNAUTHENTICATED', requestId: expect.any(String) });
    const forged = await send(
      harness.server,
      { accessKeyId: harness.admin.accessKeyId, secretAccessKey: 'x'.repeat(40) },
      { path: '/api/v1/keys' },
    );
    expect(forged.status).toBe(401);
    expect(forged.json.message).toContain('InvalidSignatureException');
  });
});

describe('disable, enable, delete', () => {
  it('refuses a disabled key at once, accepts it again once enabled, and forgets a deleted one', async () => {
    const carol = await createKey('carol');
    const asCarol = client(harness, carol);
    expect((await asCarol({ path: '/api/v1/workflows' })).status).toBe(200); // cached as active
    const admin = client(harness);
    const disabled = await admin({
      path: `/api/v1/keys/${carol.accessKeyId}/disable`,
      method: 'POST',
    });
    expect(disabled.status).toBe(200);
    expect(disabled.json).toMatchObject({
      accessKeyId: carol.accessKeyId,
      status: 'DISABLED',
      name: 'carol',
    });
    expect(disabled.json).not.toHaveProperty('secretAccessKey');
    expect((await asCarol({ path: '/api/v1/workflows' })).status).toBe(401);
    const enabled = await admin({
      path: `/api/v1/keys/${carol.accessKeyId}/enable`,
      method: 'POST',
    });
    expect(enabled.json.status).toBe('ACTIVE');
    expect((await asCarol({ path: '/api/v1/workflows' })).status).toBe(200);
    expect(
      (await admin({ path: `/api/v1/keys/${carol.accessKeyId}`, method: 'DELETE' })).status,
    ).toBe(204);
    expect((await asCarol({ path: '/api/v1/workflows' })).status).toBe(401);
    // Deleted means gone.
    const again = await admin({ path: `/api/v1/keys/${carol.accessKeyId}`, method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(again.json.code).toBe('NOT_FOUND');
  });

  it('keeps the last active admin key: it can neither disable nor delete itself', async () => {
    const admin = client(harness);
    const self = `/api/v1/keys/${harness.admin.accessKeyId}`;
    const disable = await admin({ path: `${self}/disable`, method: 'POST' });
    expect(disable.status).toBe(409);
    expect(disable.json.code).toBe('CONFLICT');
    expect((await admin({ path: self, method: 'DELETE' })).status).toBe(409);
    // With a second admin key, the first may go (and the second may not, then).
    const second = await createKey('admin');
    const asSecond = client(harness, second);
    expect((await asSecond({ path: `${self}/disable`, method: 'POST' })).status).toBe(200);
    expect((await admin({ path: '/api/v1/keys' })).status).toBe(401);
    expect(
      (await asSecond({ path: `/api/v1/keys/${second.accessKeyId}/disable`, method: 'POST' }))
        .status,
    ).toBe(409);
    expect((await asSecond({ path: `${self}/enable`, method: 'POST' })).status).toBe(200);
    expect((await admin({ path: '/api/v1/keys' })).status).toBe(200);
  });

  it('answers 404 to unknown and odd-looking ids without echoing them', async () => {
    const admin = client(harness);
    for (const id of [
      'BKIAAAAAAAAAAAAAAAAA',
      '..%2F..%2Fetc%2Fpasswd',
      '%3Cscript%3E',
      'AKIDEXAMPLE',
    ]) {
      const answer = await admin({ path: `/api/v1/keys/${id}/disable`, method: 'POST' });
      expect(answer.status).toBe(404);
      expect(answer.text).not.toContain('script');
      expect(answer.text).not.toContain('passwd');
    }
  });
});

describe('GET /api/v1/keys', () => {
  it('pages with sealed tokens and refuses forged ones', async () => {
    const admin = client(harness);
    for (const name of ['p1', 'p2', 'p3']) await createKey(name);
    const first = await admin({ path: '/api/v1/keys', query: [['limit', '2']] });
    expect(first.status).toBe(200);
    expect(first.json.keys).toHaveLength(2);
    const { lastUsedAt, ...listed } = first.json.keys[0];
    expect(listed).toEqual({
      accessKeyId: expect.any(String),
      name: expect.any(String),
      status: expect.any(String),
      createdAt: expect.any(String),
    });
    // Recorded at a bounded rate after requests: a time, or null until the first is recorded.
    expect(lastUsedAt === null || typeof lastUsedAt === 'string').toBe(true);
    const token: string = first.json.nextToken;
    expect(typeof token).toBe('string');
    const second = await admin({
      path: '/api/v1/keys',
      query: [
        ['limit', '2'],
        ['nextToken', token],
      ],
    });
    expect(second.status).toBe(200);
    expect(second.json.keys[0].accessKeyId).not.toBe(first.json.keys[0].accessKeyId);
    // Altered, used with another page size, or made up.
    for (const query of [
      [
        ['limit', '2'],
        ['nextToken', `${token.slice(0, -2)}AA`],
      ],
      [
        ['limit', '3'],
        ['nextToken', token],
      ],
      [['nextToken', Buffer.from('[0,"x"]').toString('base64url')]],
    ] as const) {
      const answer = await admin({ path: '/api/v1/keys', query });
      expect(answer.status).toBe(400);
      expect(answer.json.code).toBe('INVALID_TOKEN');
    }
    const bad = await admin({ path: '/api/v1/keys', query: [['limit', '0']] });
    expect(bad.json.details).toContainEqual(
      expect.objectContaining({ location: 'query', pointer: '/limit' }),
    );
  });
});
