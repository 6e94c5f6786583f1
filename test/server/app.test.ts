/**
 * The HTTP app without sockets (fastify `inject`): request ids, credentials kept out of the
 * logs, errors that never leak internals, the 404 shape, probes, metrics labels, and how APIs
 * and an authentication hook plug in.
 */
import { Writable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { AppOptions, BatonApp } from '../../src/api/server/index.js';
import {
  ServerMetrics,
  createApp,
  createLogger,
  isPublicRoute,
  redactHeaders,
  redactUrl,
  registerApi,
  setMetricsRoute,
} from '../../src/api/server/index.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** An app whose JSON log lines are captured, with a plain route at /hello. */
function appWithLog(options: Partial<AppOptions> = {}): { app: BatonApp; log: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  const app = createApp({
    logger: createLogger({ level: 'trace', destination }),
    metrics: new ServerMetrics({ defaultMetrics: false }),
    ...options,
  });
  app.fastify.get('/hello', () => ({ hello: 'world' }));
  return { app, log: () => lines.join('') };
}

function logLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('request ids', () => {
  it('generates one when none comes, and echoes it', async () => {
    const { app, log } = appWithLog();
    const response = await app.fastify.inject({ url: '/hello' });
    const id = response.headers['x-request-id'];
    expect(id).toMatch(UUID);
    expect(log()).toContain(`"requestId":"${String(id)}"`);
  });

  it('keeps a well-formed incoming id', async () => {
    const { app } = appWithLog();
    const response = await app.fastify.inject({
      url: '/healthz',
      headers: { 'x-request-id': 'lb-7f3a:0001' },
    });
    expect(response.headers['x-request-id']).toBe('lb-7f3a:0001');
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'two words'],
    ['with quotes', 'id"injected'],
    ['empty', ''],
    ['with a log-forging newline', 'ok\n{"level":60}'],
  ])('replaces an incoming id %s with a fresh one', async (_case, incoming) => {
    const { app, log } = appWithLog();
    const response = await app.fastify.inject({
      url: '/healthz',
      headers: { 'x-request-id': incoming.replace(/\n/g, '%0A') },
    });
    expect(response.headers['x-request-id']).toMatch(UUID);
    if (incoming.length > 0) expect(log()).not.toContain(incoming.slice(0, 20) + '"');
  });

  it('replaces an id given twice', async () => {
    const { app } = appWithLog();
    const response = await app.fastify.inject({
      url: '/healthz',
      headers: { 'x-request-id': ['a', 'b'] as unknown as string },
    });
    expect(response.headers['x-request-id']).toMatch(UUID);
  });

  it('echoes the id on errors and 404s too', async () => {
    const { app } = appWithLog();
    app.fastify.get('/boom', () => {
      throw new Error('boom');
    });
    for (const url of ['/boom', '/missing']) {
      const response = await app.fastify.inject({ url, headers: { 'x-request-id': 'req-42' } });
      expect(response.headers['x-request-id']).toBe('req-42');
      expect(response.json()).toMatchObject({ requestId: 'req-42' });
    }
  });
});

describe('credentials never reach the logs', () => {
  const SECRETS = {
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/states/aws4_request, SignedHeaders=host, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    'x-amz-security-token': 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN',
    cookie: 'session=cookie-secret-value',
    'x-gitlab-token': 'gitlab-webhook-secret',
    'x-client-secret': 'client-secret-value',
    'x-api-key': 'api-key-value',
    'private-token': 'glpat-personal-token',
  };

  it('redacts every credential header in the request log', async () => {
    const { app, log } = appWithLog();
    const response = await app.fastify.inject({
      url: '/hello',
      headers: { ...SECRETS, 'user-agent': 'aws-sdk-js/3' },
    });
    expect(response.statusCode).toBe(200);
    const text = log();
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).not.toContain('5d672d79c15b');
    const incoming = logLines(text).find((line) => line['msg'] === 'incoming request');
    expect(incoming?.['req']).toMatchObject({
      headers: {
        authorization: '[redacted]',
        'x-amz-security-token': '[redacted]',
        cookie: '[redacted]',
        'x-gitlab-token': '[redacted]',
        'user-agent': 'aws-sdk-js/3',
      },
    });
  });

  it('redacts credentials in the query string of logged URLs', async () => {
    const { app, log } = appWithLog();
    await app.fastify.inject({
      url: '/missing?X-Amz-Signature=sig-value-123&X-Amz-Credential=cred-456&page=2&access_token=tok-789',
    });
    const text = log();
    for (const secret of ['sig-value-123', 'cred-456', 'tok-789'])
      expect(text).not.toContain(secret);
    expect(text).toContain('page=2');
  });

  it('keeps the credentials out of a failing request too', async () => {
    const { app, log } = appWithLog();
    app.fastify.post('/fail', () => {
      throw new Error('database exploded');
    });
    await app.fastify.inject({ method: 'POST', url: '/fail', headers: SECRETS, payload: {} });
    for (const secret of Object.values(SECRETS)) expect(log()).not.toContain(secret);
  });

  it('redacts headers logged by hand under any object, as a backstop', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _e, callback) {
          lines.push(chunk.toString());
          callback();
        },
      }),
    });
    logger.info({ upstream: { headers: { authorization: 'Bearer abc.def.ghi' } } }, 'called');
    expect(lines.join('')).not.toContain('abc.def.ghi');
  });

  it('redaction helpers leave ordinary values alone', () => {
    expect(redactHeaders({ accept: 'application/json', 'x-auth-token': 't' })).toEqual({
      accept: 'application/json',
      'x-auth-token': '[redacted]',
    });
    expect(redactUrl('/a?b=1&Token=2&c')).toBe('/a?b=1&Token=[redacted]&c');
    expect(redactUrl('/plain')).toBe('/plain');
    expect(redactUrl('/bad?%E0%A4%A=1')).toBe('/bad?%E0%A4%A=1');
  });
});

describe('errors', () => {
  it('answers a 500 with a generic body: no message, no stack; the log has both', async () => {
    const { app, log } = appWithLog();
    app.fastify.get('/boom', () => {
      throw new Error('SELECT * FROM secrets failed at /srv/baton/src/store.ts:12');
    });
    const response = await app.fastify.inject({ url: '/boom' });
    expect(response.statusCode).toBe(500);
    const body = response.json();
    expect(body).toEqual({
      code: 'InternalError',
      message:
        'The server could not handle the request. The request id identifies it in the server logs.',
      requestId: response.headers['x-request-id'],
    });
    expect(response.body).not.toMatch(/SELECT|store\.ts|at |stack/);
    const failed = logLines(log()).find((line) => line['msg'] === 'request failed');
    expect(failed).toMatchObject({ level: 50, requestId: body.requestId });
    expect(JSON.stringify(failed)).toContain('SELECT * FROM secrets');
    expect(JSON.stringify(failed)).toContain('app.test.ts');
  });

  it('hides the message of an async rejection and of a thrown non-Error', async () => {
    const { app } = appWithLog();
    app.fastify.get('/reject', async () => {
      await Promise.resolve();
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    });
    app.fastify.get('/string', () => {
      throw 'internal detail' as unknown as Error;
    });
    for (const url of ['/reject', '/string']) {
      const response = await app.fastify.inject({ url });
      expect(response.statusCode).toBe(500);
      expect(response.body).not.toMatch(/undefined|internal detail/);
      expect(response.json().code).toBe('InternalError');
    }
  });

  it('keeps a 5xx status a plugin chose, still without its message', async () => {
    const { app } = appWithLog();
    app.fastify.get('/busy', () => {
      throw Object.assign(new Error('pool exhausted: 10/10 connections to db:5432'), {
        statusCode: 503,
      });
    });
    const response = await app.fastify.inject({ url: '/busy' });
    expect(response.statusCode).toBe(503);
    expect(response.body).not.toContain('pool exhausted');
  });

  it('treats a nonsense status code as a 500', async () => {
    const { app } = appWithLog();
    app.fastify.get('/odd', () => {
      throw Object.assign(new Error('weird'), { statusCode: 200 });
    });
    const response = await app.fastify.inject({ url: '/odd' });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('weird');
  });

  it('answers invalid JSON with a 400 saying so', async () => {
    const { app } = appWithLog();
    app.fastify.post('/echo', (request) => request.body);
    const response = await app.fastify.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"unterminated": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'BadRequest',
      message: expect.stringMatching(/JSON/),
    });
  });

  it('answers a body over the limit with a 413', async () => {
    const { app } = appWithLog({ bodyLimit: 1024 });
    app.fastify.post('/echo', (request) => request.body);
    const response = await app.fastify.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ data: 'x'.repeat(2048) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: 'PayloadTooLarge' });
  });

  it('answers an unknown content type with a 415', async () => {
    const { app } = appWithLog();
    app.fastify.post('/echo', (request) => request.body);
    const response = await app.fastify.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/x-nonsense' },
      payload: 'x',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toMatchObject({ code: 'UnsupportedMediaType' });
  });

  it('answers an unknown route with a 404 in the same shape, without the query string', async () => {
    const { app } = appWithLog();
    const response = await app.fastify.inject({ method: 'DELETE', url: '/nowhere?token=abc' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      code: 'NotFound',
      message: 'No route for DELETE /nowhere.',
      requestId: response.headers['x-request-id'],
    });
  });

  it('clips a very long unknown path in the 404 message', async () => {
    const { app } = appWithLog();
    const response = await app.fastify.inject({ url: `/${'a'.repeat(5000)}` });
    expect(response.statusCode).toBe(404);
    expect(response.json().message.length).toBeLessThan(300);
  });
});

describe('probes', () => {
  it('/healthz answers while the process is up', async () => {
    const { app } = appWithLog();
    const response = await app.fastify.inject({ url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 when every check passes', async () => {
    const { app } = appWithLog({
      readiness: [{ name: 'store', check: () => Promise.resolve() }],
    });
    const response = await app.fastify.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready' });
  });

  it('/readyz answers 503 with the failing check and its reason', async () => {
    const { app, log } = appWithLog({
      readiness: [
        { name: 'store', check: () => Promise.resolve() },
        { name: 'schema', check: () => Promise.reject(new Error('migration 0005 is missing')) },
      ],
    });
    const response = await app.fastify.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'unavailable',
      reason: 'schema: migration 0005 is missing',
    });
    expect(log()).toContain('not ready');
  });

  it('/readyz answers 503 when a check hangs past its timeout', async () => {
    const { app } = appWithLog({
      readiness: [{ name: 'store', check: () => new Promise<void>(() => undefined) }],
      readinessTimeoutMs: 50,
    });
    const response = await app.fastify.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json().reason).toBe('store: no answer within 50 ms');
  });

  it('/readyz answers 503 once shutdown began, while /healthz still answers', async () => {
    const { app } = appWithLog();
    app.beginShutdown();
    expect(app.shuttingDown).toBe(true);
    const ready = await app.fastify.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unavailable', reason: 'shutting down' });
    expect((await app.fastify.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('logs probes only at warn level, so polling does not flood the log', async () => {
    const { app, log } = appWithLog();
    await app.fastify.inject({ url: '/healthz' });
    expect(log()).not.toContain('incoming request');
  });
});

describe('/metrics', () => {
  it('labels request latency by route template, never by raw URL', async () => {
    const { app } = appWithLog();
    app.fastify.get('/items/:id', () => ({}));
    await app.fastify.inject({ url: '/items/123' });
    await app.fastify.inject({ url: '/items/456' });
    await app.fastify.inject({ url: '/random/path/1' });
    const text = (await app.fastify.inject({ url: '/metrics' })).body;
    expect(text).toContain(
      'baton_http_request_duration_seconds_count{method="GET",route="/items/:id",status_code="200"} 2',
    );
    expect(text).toContain(
      'baton_http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1',
    );
    expect(text).not.toContain('123');
    expect(text).not.toContain('/random/path');
  });

  it('lets an API name the operation behind a shared route', async () => {
    const { app } = appWithLog();
    app.fastify.post('/', (request) => {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (target === 'AWSStepFunctions.StartExecution') setMetricsRoute(request, 'StartExecution');
      return {};
    });
    await app.fastify.inject({
      method: 'POST',
      url: '/',
      headers: { 'x-amz-target': 'AWSStepFunctions.StartExecution' },
    });
    await app.fastify.inject({ method: 'POST', url: '/', headers: { 'x-amz-target': 'Bogus' } });
    const text = (await app.fastify.inject({ url: '/metrics' })).body;
    expect(text).toContain(
      'baton_http_request_duration_seconds_count{method="POST",route="StartExecution",status_code="200"} 1',
    );
    expect(text).toContain(
      'baton_http_request_duration_seconds_count{method="POST",route="/",status_code="200"} 1',
    );
  });

  it('serves the Prometheus text format from a registry of its own', async () => {
    const { app } = appWithLog({ metrics: new ServerMetrics() });
    const response = await app.fastify.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(response.body).toContain('# TYPE baton_state_transitions_total counter');
    expect(await globalRegistry.metrics()).not.toContain('baton_');
  });

  it('reports the store as down, without failing the scrape, when it cannot be read', async () => {
    const errors: unknown[] = [];
    const metrics = new ServerMetrics({ defaultMetrics: false, onError: (e) => errors.push(e) });
    metrics.observeStore({ stats: () => Promise.reject(new Error('database is locked')) });
    const { app } = appWithLog({ metrics });
    const response = await app.fastify.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('baton_store_up 0');
    expect(response.body).not.toMatch(/baton_executions\{/);
    expect(errors).toHaveLength(1);
  });

  it('is absent without metrics', async () => {
    const app = createApp({ logger: createLogger({ level: 'silent' }) });
    expect((await app.fastify.inject({ url: '/metrics' })).statusCode).toBe(404);
  });
});

describe('registering APIs', () => {
  /** An API with an authentication hook that lets the public routes through. */
  const guarded: FastifyPluginAsync<{ secret: string }> = (app, options) => {
    app.addHook('onRequest', async (request, reply) => {
      if (isPublicRoute(request)) return;
      if (request.headers.authorization !== `Bearer ${options.secret}`)
        await reply.code(401).send({ code: 'Unauthorized', message: 'Sign the request.' });
    });
    app.get('/api/thing', () => ({ thing: 1 }));
    return Promise.resolve();
  };

  it('lets a plugin add routes and an auth hook that skips the probes', async () => {
    const { app } = appWithLog();
    await registerApi(app, guarded, { secret: 'open-sesame' });
    expect((await app.fastify.inject({ url: '/api/thing' })).statusCode).toBe(401);
    const allowed = await app.fastify.inject({
      url: '/api/thing',
      headers: { authorization: 'Bearer open-sesame' },
    });
    expect(allowed.json()).toEqual({ thing: 1 });
    // The hook is encapsulated in the plugin: the built-in routes never see it.
    expect((await app.fastify.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('a hook at the root uses isPublicRoute to spare the probes and metrics', async () => {
    const { app } = appWithLog();
    app.fastify.addHook('onRequest', async (request, reply) => {
      if (!isPublicRoute(request)) await reply.code(401).send({ code: 'Unauthorized' });
    });
    app.fastify.get('/private', () => 'no');
    expect((await app.fastify.inject({ url: '/private' })).statusCode).toBe(401);
    for (const url of ['/healthz', '/readyz', '/metrics'])
      expect((await app.fastify.inject({ url })).statusCode).toBe(200);
    expect((await app.fastify.inject({ url: '/unknown' })).statusCode).toBe(401);
  });

  it("keeps a plugin's own error handler for its routes, and the app's for the rest", async () => {
    const { app } = appWithLog();
    await registerApi(
      app,
      (api) => {
        api.setErrorHandler((_error, _request, reply) =>
          reply.code(400).send({ __type: 'InvalidArn', message: 'bad arn' }),
        );
        api.post('/', () => {
          throw new Error('parse failure');
        });
        return Promise.resolve();
      },
      {},
    );
    const response = await app.fastify.inject({ method: 'POST', url: '/', payload: {} });
    expect(response.json()).toEqual({ __type: 'InvalidArn', message: 'bad arn' });
    expect((await app.fastify.inject({ url: '/nowhere' })).json().code).toBe('NotFound');
  });
});
