/**
 * Webhook intake at POST /hooks/gitlab/:connection: signatures, tokens, downgrade and replay
 * attempts, dedupe, malformed and oversized bodies. Requests go through fastify's inject.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGitLabHooks } from '../../../src/api/hooks/index.js';
import type { BatonApp } from '../../../src/api/server/index.js';
import { createApp, createLogger } from '../../../src/api/server/index.js';
import type { WebhookSecretSet } from '../../../src/gitlab/deliveries/index.js';
import type { Store } from '../../../src/store/index.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import { dropAll, freshSqlitePath } from '../../support/databases.js';
import type { DeliveryOptions, FixtureName } from '../../support/gitlab-webhooks.js';
import { buildDelivery, newSigningToken } from '../../support/gitlab-webhooks.js';

const NOW_MS = Date.parse('2026-03-01T12:00:00.000Z');
const NOW_S = NOW_MS / 1000;
const SIGNING = newSigningToken();
const SECRET = 'plain-secret-token-0123456789';
const SECRETS: Readonly<Record<string, WebhookSecretSet>> = {
  signed: { signingToken: SIGNING },
  // Both set (GitLab's migration path): the signature rules, the token is not enough.
  both: { signingToken: SIGNING, secretToken: SECRET },
  plain: { secretToken: SECRET },
  bare: {},
};

let store: Store;
let app: BatonApp;
const logs: string[] = [];
let ids = 0;

beforeAll(async () => {
  store = openSqliteStore({ path: freshSqlitePath(), now: () => new Date(NOW_MS).toISOString() });
  await store.migrate();
  app = createApp({
    logger: createLogger({
      level: 'debug',
      destination: {
        write: (line: string) => {
          logs.push(line);
          return true;
        },
      },
    }),
  });
  await registerGitLabHooks(app.fastify, {
    secrets: (name) => Promise.resolve(SECRETS[name]),
    deliveries: store.deliveries,
    clock: { nowMs: () => NOW_MS },
    newId: () => `delivery-${++ids}`,
    bodyLimitBytes: 64 * 1024,
  });
  await app.fastify.ready();
});

afterAll(async () => {
  await app.fastify.close();
  await store.close();
  await dropAll();
});

interface Sent {
  readonly status: number;
  readonly json: Record<string, unknown>;
  readonly text: string;
}

async function post(
  connection: string,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<Sent> {
  const response = await app.fastify.inject({
    method: 'POST',
    url: `/hooks/gitlab/${connection}`,
    headers,
    payload: body,
  });
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    // Not JSON: the assertions on `json` fail and show the text.
  }
  return { status: response.statusCode, json, text: response.body };
}

function deliver(
  connection: string,
  name: FixtureName,
  options: DeliveryOptions = {},
): Promise<Sent> {
  const built = buildDelivery(name, { timestamp: NOW_S, signingToken: SIGNING, ...options });
  return post(connection, built.body, built.headers);
}

describe('POST /hooks/gitlab/:connection with a signing token', () => {
  it('records a signed delivery and answers 202 with its id', async () => {
    const answer = await deliver('signed', 'push');
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ delivery: expect.any(String), duplicate: false });
    const stored = await store.deliveries.get(String(answer.json['delivery']));
    expect(stored).toMatchObject({
      connection: 'signed',
      event: 'Push Hook',
      objectKind: 'push',
      keySource: 'idempotency-key',
      status: 'received',
    });
    const headers = JSON.parse(stored?.headers ?? '{}') as Record<string, string>;
    expect(headers).toMatchObject({
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-instance': 'https://gitlab.example.com',
      'user-agent': 'GitLab/19.0.0',
      'idempotency-key': expect.any(String),
      'x-gitlab-event-uuid': expect.any(String),
    });
    expect(headers).not.toHaveProperty('webhook-signature');
    expect(JSON.parse(stored?.body ?? '{}')).toMatchObject({ object_kind: 'push' });
  });

  it('accepts a signature list in which any v1 entry matches (key rotation)', async () => {
    const built = buildDelivery('push', { timestamp: NOW_S, signingToken: SIGNING });
    const other = buildDelivery('push', { timestamp: NOW_S, signingToken: newSigningToken() });
    const signature = `v2,abc ${other.headers['webhook-signature']} ${built.headers['webhook-signature']}`;
    const answer = await post('signed', built.body, {
      ...built.headers,
      'webhook-signature': signature,
    });
    expect(answer.status).toBe(202);
  });

  it('refuses a forged signature, a signature by another key and a tampered body', async () => {
    const forged = buildDelivery('push', { timestamp: NOW_S, signingToken: SIGNING });
    const cases: [string | Buffer, Record<string, string>][] = [
      [
        forged.body,
        { ...forged.headers, 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')}` },
      ],
      [forged.body, { ...forged.headers, 'webhook-signature': 'v1,not base64 at all' }],
      [forged.body, { ...forged.headers, 'webhook-signature': '' }],
      [
        forged.body,
        buildDelivery('push', { timestamp: NOW_S, signingToken: newSigningToken(), id: forged.id })
          .headers,
      ],
      [forged.body.replace('"master"', '"main"'), forged.headers],
      [forged.body, { ...forged.headers, 'webhook-id': 'another-id' }],
      [forged.body, { ...forged.headers, 'webhook-timestamp': String(NOW_S + 1) }],
    ];
    for (const [body, headers] of cases) {
      const answer = await post('signed', body, headers);
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({
        code: 'UNAUTHENTICATED',
        message: 'Webhook refused: signature did not verify.',
      });
    }
    expect(
      (await store.deliveries.list({ connection: 'signed' }, { limit: 100 })).items,
    ).toHaveLength(2);
  });

  it('never downgrades to X-Gitlab-Token when a signing token is set', async () => {
    for (const version of ['16.0', '17.4', '19.0'] as const) {
      const built = buildDelivery('push', { version, secretToken: SECRET, timestamp: NOW_S });
      const answer = await post('both', built.body, built.headers);
      expect(answer.status, version).toBe(401);
      expect(answer.json['message']).toBe('Webhook refused: signature did not verify.');
    }
    const signed = await deliver('both', 'push', { secretToken: SECRET });
    expect(signed.status).toBe(202);
  });

  it('refuses timestamps more than five minutes old or ahead, and non-numeric ones', async () => {
    for (const timestamp of [NOW_S - 301, NOW_S + 301, NOW_S - 86_400]) {
      expect((await deliver('signed', 'push', { timestamp })).status).toBe(401);
    }
    for (const timestamp of [NOW_S - 299, NOW_S + 299]) {
      expect((await deliver('signed', 'push', { timestamp })).status).toBe(202);
    }
    const built = buildDelivery('push', { timestamp: NOW_S, signingToken: SIGNING });
    const answer = await post('signed', built.body, {
      ...built.headers,
      'webhook-timestamp': `${NOW_S}.5`,
    });
    expect(answer.status).toBe(401);
  });

  it('answers a replayed delivery (same Idempotency-Key) with 200 duplicate and records it once', async () => {
    const built = buildDelivery('pipeline', { timestamp: NOW_S, signingToken: SIGNING });
    const first = await post('signed', built.body, built.headers);
    const again = await post('signed', built.body, built.headers);
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ delivery: first.json['delivery'], duplicate: true });
  });
});

describe('POST /hooks/gitlab/:connection with a secret token', () => {
  it('accepts the right token from old and new GitLab', async () => {
    for (const version of ['16.0', '17.4', '19.0'] as const) {
      const answer = await deliver('plain', 'merge_request', {
        version,
        secretToken: SECRET,
        signingToken: undefined,
        overrides: { object_attributes: { updated_at: `v${version}` } },
      });
      expect(answer.status, version).toBe(202);
    }
  });

  it('refuses a missing, wrong, prefixed or repeated token', async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'token missing'],
      [{ 'x-gitlab-token': 'wrong' }, 'token did not match'],
      [{ 'x-gitlab-token': `${SECRET}x` }, 'token did not match'],
      [{ 'x-gitlab-token': SECRET.slice(0, -1) }, 'token did not match'],
      [{ 'x-gitlab-token': '' }, 'token did not match'],
    ];
    for (const [headers, reason] of cases) {
      const built = buildDelivery('push', { version: '16.0', headers });
      const answer = await post('plain', built.body, built.headers);
      expect(answer.status).toBe(401);
      expect(answer.json['message']).toBe(`Webhook refused: ${reason}.`);
      expect(answer.text).not.toContain(SECRET);
    }
  });

  it('deduplicates old GitLab (no Idempotency-Key) on the content of the change', async () => {
    const send = (after: string) =>
      deliver('plain', 'push', { version: '16.0', secretToken: SECRET, overrides: { after } });
    const first = await send('1'.repeat(40));
    const again = await send('1'.repeat(40));
    const other = await send('2'.repeat(40));
    expect([first.status, again.status, other.status]).toEqual([202, 200, 202]);
    expect(again.json['delivery']).toBe(first.json['delivery']);
    const stored = await store.deliveries.get(String(first.json['delivery']));
    expect(stored?.keySource).toBe('content');
  });

  it('never stores or logs the token', async () => {
    const answer = await deliver('plain', 'job', { secretToken: SECRET, signingToken: undefined });
    expect(answer.status).toBe(202);
    const stored = await store.deliveries.get(String(answer.json['delivery']));
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    expect(logs.join('\n')).not.toContain(SECRET);
    expect(logs.join('\n')).not.toContain(SIGNING.slice(6));
  });
});

describe('POST /hooks/gitlab/:connection refusals', () => {
  it('answers 404 for an unknown connection or a name no connection can have', async () => {
    for (const connection of ['nope', '-bad', 'a'.repeat(65), 'a%20b']) {
      const answer = await deliver(connection, 'push');
      expect(answer.status, connection).toBe(404);
      expect(answer.json).toMatchObject({ code: 'NOT_FOUND', message: 'No such hook endpoint.' });
    }
    // A path that leaves the hooks route is the server's plain 404.
    expect((await deliver('%2e%2e', 'push')).status).toBe(404);
  });

  it('refuses every delivery to a connection with no secret, telling the admin what to set', async () => {
    const answer = await deliver('bare', 'push', { secretToken: 'anything' });
    expect(answer.status).toBe(401);
    expect(answer.json['message']).toMatch(
      /no webhook secret token or signing token; an admin must set one/,
    );
  });

  it('authenticates before reading the body', async () => {
    const answer = await post('signed', '{not json', { 'x-gitlab-event': 'Push Hook' });
    expect(answer.status).toBe(401);
  });

  it('answers 400 naming the problem for malformed bodies', async () => {
    const cases: [string | Buffer, RegExp][] = [
      ['{"object_kind": "push",', /not valid JSON: .*position/i],
      ['[1, 2]', /must be a JSON object, but it is an array/],
      ['"text"', /must be a JSON object, but it is string/],
      ['', /body is empty/],
      [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/],
    ];
    for (const [body, message] of cases) {
      const id = `bad-${String(message)}`;
      const timestamp = NOW_S;
      const { signWebhook } = await import('../../../src/gitlab/deliveries/index.js');
      const answer = await post('signed', body, {
        'content-type': 'application/json',
        'x-gitlab-event': 'Push Hook',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(SIGNING, id, timestamp, body),
      });
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({
        code: 'INVALID_JSON',
        message: expect.stringMatching(message),
      });
    }
  });

  it('answers 400 when X-Gitlab-Event is missing or not an event name', async () => {
    const missing = await deliver('signed', 'push', { headers: { 'x-gitlab-event': '' } });
    expect(missing.status).toBe(400);
    const built = buildDelivery('push', { timestamp: NOW_S, signingToken: SIGNING });
    const rest = Object.fromEntries(
      Object.entries(built.headers).filter(([name]) => name !== 'x-gitlab-event'),
    );
    const absent = await post('signed', built.body, rest);
    expect(absent.status).toBe(400);
    expect(absent.json['message']).toMatch(/X-Gitlab-Event header is missing/);
    const odd = await deliver('signed', 'push', { headers: { 'x-gitlab-event': '<script>' } });
    expect(odd.json['message']).toMatch(/not a GitLab event name/);
  });

  it('answers 413 for a body over the limit, before anything is stored', async () => {
    const big = buildDelivery('push', {
      timestamp: NOW_S,
      signingToken: SIGNING,
      overrides: { message: 'x'.repeat(70 * 1024) },
    });
    const before = (await store.deliveries.list({}, { limit: 1000 })).items.length;
    const answer = await post('signed', big.body, big.headers);
    expect(answer.status).toBe(413);
    expect(answer.json).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect((await store.deliveries.list({}, { limit: 1000 })).items).toHaveLength(before);
  });

  it('answers 200 to events no trigger can name and drops them (never refused, never stored)', async () => {
    const before = (await store.deliveries.list({}, { limit: 1000 })).items.length;
    const built = buildDelivery('push', {
      timestamp: NOW_S,
      signingToken: SIGNING,
      headers: { 'x-gitlab-event': 'Wiki Page Hook' },
      overrides: { object_kind: 'wiki_page' },
    });
    const answer = await post('signed', built.body, built.headers);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ ignored: true });
    expect(answer.json.reason).toContain('Wiki Page Hook');
    expect((await store.deliveries.list({}, { limit: 1000 })).items).toHaveLength(before);
    // A forged one is still refused first: dropping comes after authentication.
    const forged = buildDelivery('push', {
      timestamp: NOW_S,
      signingToken: 'whsec_' + Buffer.alloc(32, 9).toString('base64'),
      headers: { 'x-gitlab-event': 'Wiki Page Hook' },
    });
    expect((await post('signed', forged.body, forged.headers)).status).toBe(401);
  });

  it('answers 500 with a request id and no internals when the delivery cannot be recorded', async () => {
    const record = store.deliveries.record.bind(store.deliveries);
    store.deliveries.record = () =>
      Promise.reject(new Error('SQLITE_BUSY: database is locked at /secret/path/baton.db'));
    try {
      const answer = await deliver('signed', 'push');
      expect(answer.status).toBe(500);
      expect(answer.json).toMatchObject({ code: 'INTERNAL', requestId: expect.any(String) });
      expect(answer.text).not.toContain('SQLITE_BUSY');
      expect(answer.text).not.toContain('/secret/path');
      expect(answer.json['message']).toMatch(/GitLab may send it again/);
    } finally {
      store.deliveries.record = record;
    }
  });
});
