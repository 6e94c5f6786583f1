/**
 * What every /api/v1 route shares: SigV4 on every request, one error shape, body limits,
 * and no internals in a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/index.js';
import { signRequest } from '../../support/sigv4-signer.js';
import { startPluginApp } from './plugin-app.js';
import type { Harness } from './rest-client.js';
import { client, send, startServer } from './rest-client.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startServer({ bodyLimit: 8 * 1024 });
});
afterAll(async () => {
  await harness.close();
});

type Document = { paths: Record<string, Record<string, unknown>> };

/** Every documented route with its placeholders filled in. */
async function everyRoute(): Promise<{ method: string; path: string }[]> {
  const doc = (await client(harness)({ path: '/api/v1/openapi.json' })).json as Document;
  const arn = encodeURIComponent('arn:aws:states:us-east-1:123456789012:execution:w:e');
  return Object.entries(doc.paths).flatMap(([template, item]) =>
    Object.keys(item).map((method) => ({
      method: method.toUpperCase(),
      path: template
        .replace('{executionArn}', arn)
        .replace('{id}', harness.admin.accessKeyId)
        .replace(/\{\w+\}/g, 'x'),
    })),
  );
}

describe('authentication on every route', () => {
  it('answers 401 in the error shape to unsigned requests, and changes nothing', async () => {
    const routes = await everyRoute();
    for (const { method, path } of routes) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : { name: 'intruder' };
      const answer = await send(harness.server, undefined, { method, path, body });
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.json).toEqual({
        code: 'UNAUTHENTICATED',
        // The CI routes take a GitLab ID token, not SigV4, and say so.
        message: expect.stringContaining(
          path.startsWith('/api/v1/ci/') ? 'No Authorization header' : 'MissingAuthenticationToken',
        ),
        requestId: answer.headers.get('x-request-id'),
      });
    }
    const keys = (await client(harness)({ path: '/api/v1/keys' })).json as {
      keys: { name: string }[];
    };
    expect(keys.keys.map((k) => k.name)).not.toContain('intruder');
  });

  it('answers 401 to an unknown key, a wrong secret, an old date and a body changed after signing', async () => {
    const path = '/api/v1/activities';
    for (const key of [
      { accessKeyId: 'BKIAAAAAAAAAAAAAAAAA', secretAccessKey: harness.admin.secretAccessKey },
      { accessKeyId: harness.admin.accessKeyId, secretAccessKey: 'z'.repeat(40) },
    ]) {
      const answer = await send(harness.server, key, { path });
      expect(answer.status).toBe(401);
      expect(answer.json.code).toBe('UNAUTHENTICATED');
    }
    const host = new URL(harness.server.url).host;
    const old = await signRequest(
      { method: 'GET', path, host },
      { ...harness.admin, date: new Date(Date.now() - 60 * 60 * 1000) },
    );
    const oldHeaders = Object.fromEntries(
      Object.entries(old.headers).filter(([n]) => n !== 'host') as [string, string][],
    );
    expect((await fetch(harness.server.url + path, { headers: oldHeaders })).status).toBe(401);
    const signed = await signRequest(
      {
        method: 'POST',
        path,
        host,
        body: '{"name":"a"}',
        headers: { 'content-type': 'application/json' },
      },
      { ...harness.admin, date: new Date() },
    );
    const headers = Object.fromEntries(
      Object.entries(signed.headers).filter(([n]) => n !== 'host') as [string, string][],
    );
    const tampered = await fetch(harness.server.url + path, {
      method: 'POST',
      headers,
      body: '{"name":"b"}',
    });
    expect(tampered.status).toBe(401);
    expect((await client(harness)({ path: '/api/v1/activities/b' })).status).toBe(404);
  });
});

describe('bad requests', () => {
  it('answers 413 PAYLOAD_TOO_LARGE to a body over the limit', async () => {
    const definition = JSON.stringify({
      StartAt: 'A',
      States: { A: { Type: 'Pass', Result: 'x'.repeat(9000), End: true } },
    });
    const answer = await client(harness)({
      path: '/api/v1/workflows',
      body: { name: 'big', definition },
    });
    expect(answer.status).toBe(413);
    expect(answer.json).toEqual({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.any(String),
      requestId: expect.any(String),
    });
  });

  it('answers INVALID_JSON to broken JSON, whatever the content type says', async () => {
    for (const headers of [
      { 'content-type': 'application/json' },
      { 'content-type': 'text/plain' },
    ]) {
      const answer = await client(harness)({
        path: '/api/v1/executions',
        body: '{"workflow": "w",',
        headers,
      });
      expect(answer.status).toBe(400);
      expect(answer.json.code).toBe('INVALID_JSON');
    }
  });

  it('answers NOT_FOUND in the same shape for unknown routes and methods', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/nothing'],
      ['PATCH', '/api/v1/workflows'],
      ['GET', '/api/v1/../../etc/passwd'],
    ] as const) {
      const answer = await client(harness)({ method, path });
      expect(answer.status).toBe(404);
      expect(answer.json).toMatchObject({
        code: expect.stringMatching(/^(NOT_FOUND|NotFound)$/),
        requestId: expect.any(String),
      });
    }
  });

  it('keeps an incoming request id and answers with it', async () => {
    const answer = await client(harness)({
      path: '/api/v1/workflows/none',
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(answer.json.requestId).toBe('trace-123');
  });
});

describe('unexpected failures', () => {
  it('answer 500 INTERNAL with only the request id; the details go to the log', async () => {
    const broken: Store = Object.create(harness.server.store) as Store;
    Object.defineProperty(broken, 'workflows', {
      value: {
        ...harness.server.store.workflows,
        list: () => Promise.reject(new Error('connection to db.internal:5432 refused')),
      },
    });
    const plugin = await startPluginApp(harness.server, { store: broken });
    try {
      const response = await fetch(`${plugin.url}/api/v1/workflows`);
      const text = await response.text();
      expect(response.status).toBe(500);
      const body = JSON.parse(text) as { code: string; requestId: string };
      expect(body).toEqual({
        code: 'INTERNAL',
        message: expect.any(String),
        requestId: response.headers.get('x-request-id'),
      });
      expect(text).not.toContain('db.internal');
      expect(text).not.toContain(' at ');
      const logged = plugin.logs.find((line) => line.includes('db.internal'));
      expect(logged).toContain(body.requestId);
    } finally {
      await plugin.app.fastify.close();
    }
  });
});
