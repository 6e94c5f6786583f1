/**
 * SigV4 end to end: the real AWS SDK (@aws-sdk/client-sfn) against a fastify server on loopback
 * that authenticates with Baton-issued keys from a SQLite store. The hook here is the generic
 * shape the Step Functions plugin takes as its `authenticate` option: raw body kept for
 * application/x-amz-json-1.0, AuthError rendered as AWS JSON 1.0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { ListStateMachinesCommand, SFNClient, SFNServiceException } from '@aws-sdk/client-sfn';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authRequestFromNode,
  createKeyLookup,
  createLastUseRecorder,
  issueAccessKey,
} from '../../src/api/auth/index.js';
import type { KeyLookup } from '../../src/api/auth/index.js';
import type { Authenticate, Principal } from '../../src/identity/index.js';
import { AuthError, createSigV4Authenticator, loadMasterKey } from '../../src/identity/index.js';
import type { Store } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { signRequest } from '../support/sigv4-signer.js';

const REGION = 'us-east-1';
const dir = mkdtempSync(join(tmpdir(), 'baton-sigv4-'));
const dbPath = join(dir, 'baton.db');
const logLines: string[] = [];
let store: Store;
let app: FastifyInstance;
let endpoint: string;
let lookup: KeyLookup;
let alice: { accessKeyId: string; secretAccessKey: string };
let bob: { accessKeyId: string; secretAccessKey: string };
const principals: Principal[] = [];

/** The generic hook: any `Authenticate`, errors as AWS JSON 1.0. */
function authenticateRequests(server: FastifyInstance, authenticate: Authenticate): void {
  server.addContentTypeParser(
    'application/x-amz-json-1.0',
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  );
  server.addHook('preHandler', async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    try {
      principals.push(await authenticate(authRequestFromNode(request.raw, body)));
    } catch (error: unknown) {
      if (!(error instanceof AuthError)) throw error;
      return (
        reply
          .code(error.status)
          .header('content-type', 'application/x-amz-json-1.0')
          .header('x-amzn-errortype', error.code)
          // A Buffer, so fastify does not append "; charset=utf-8" (AWS sends the bare type).
          .send(Buffer.from(JSON.stringify({ __type: error.code, message: error.message })))
      );
    }
    return undefined;
  });
}

beforeAll(async () => {
  store = openSqliteStore({ path: dbPath, now: () => new Date().toISOString() });
  await store.migrate();
  const masterKey = loadMasterKey({ dataDir: dir });
  const now = new Date().toISOString();
  const a = await issueAccessKey(store.keys, masterKey, 'alice', now);
  const b = await issueAccessKey(store.keys, masterKey, 'bob', now);
  alice = { accessKeyId: a.record.id, secretAccessKey: a.secretAccessKey };
  bob = { accessKeyId: b.record.id, secretAccessKey: b.secretAccessKey };
  await store.keys.setStatus(bob.accessKeyId, 'DISABLED', now);

  lookup = createKeyLookup({ keys: store.keys, masterKey, nowMs: () => Date.now() });
  const authenticate = createSigV4Authenticator({
    region: REGION,
    service: 'states',
    lookupKey: lookup.lookupKey,
    nowMs: () => Date.now(),
    onAuthenticated: createLastUseRecorder({ keys: store.keys, nowMs: () => Date.now() }),
  });
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(chunk.toString('utf8'));
      callback();
    },
  });
  app = Fastify({ logger: { level: 'trace', stream } });
  authenticateRequests(app, authenticate);
  app.post('/', (request, reply) => {
    const target = request.headers['x-amz-target'];
    if (target !== 'AWSStepFunctions.ListStateMachines') {
      return reply.code(400).send({ __type: 'UnknownOperationException' });
    }
    return reply
      .header('content-type', 'application/x-amz-json-1.0')
      .send(JSON.stringify({ stateMachines: [] }));
  });
  app.get('/*', (request, reply) => reply.send({ url: request.url }));
  endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function client(
  credentials: { accessKeyId: string; secretAccessKey: string },
  options: { systemClockOffset?: number; maxAttempts?: number } = {},
): SFNClient {
  const sfn = new SFNClient({
    endpoint,
    region: REGION,
    credentials,
    maxAttempts: options.maxAttempts ?? 1,
  });
  if (options.systemClockOffset !== undefined)
    sfn.config.systemClockOffset = options.systemClockOffset;
  return sfn;
}

async function failure(sfn: SFNClient): Promise<SFNServiceException> {
  const outcome = await sfn.send(new ListStateMachinesCommand({})).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (outcome instanceof SFNServiceException) return outcome;
  return expect.fail(`expected a service exception, got ${String(outcome)}`);
}

describe('the AWS SDK against Baton SigV4', () => {
  it('passes with the right credentials and records who called', async () => {
    const result = await client(alice).send(new ListStateMachinesCommand({}));
    expect(result.stateMachines).toEqual([]);
    expect(principals.at(-1)).toEqual({ accessKeyId: alice.accessKeyId, name: 'alice' });
    await expect
      .poll(async () => (await store.keys.get(alice.accessKeyId))?.lastUsedAt)
      .not.toBeNull();
  });

  it('gets InvalidSignatureException for a wrong secret', async () => {
    const error = await failure(
      client({ ...alice, secretAccessKey: `${alice.secretAccessKey.slice(0, -1)}x` }),
    );
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toMatch(/^The request signature we calculated does not match/);
    expect(error.message).not.toContain(alice.secretAccessKey);
  });

  it('gets UnrecognizedClientException for an unknown key', async () => {
    const error = await failure(
      client({ accessKeyId: 'BKIAZZZZZZZZZZZZZZZZ', secretAccessKey: 'x'.repeat(40) }),
    );
    expect(error.name).toBe('UnrecognizedClientException');
    expect(error.message).toBe('The security token included in the request is invalid.');
  });

  it('gets UnrecognizedClientException for a disabled key, and for a key disabled while in use', async () => {
    expect((await failure(client(bob))).name).toBe('UnrecognizedClientException');
    await client(alice).send(new ListStateMachinesCommand({}));
    await store.keys.setStatus(alice.accessKeyId, 'DISABLED', new Date().toISOString());
    lookup.forget(alice.accessKeyId);
    expect((await failure(client(alice))).name).toBe('UnrecognizedClientException');
    await store.keys.setStatus(alice.accessKeyId, 'ACTIVE', new Date().toISOString());
    lookup.forget(alice.accessKeyId);
    await expect(client(alice).send(new ListStateMachinesCommand({}))).resolves.toBeDefined();
  });

  it('gets the expiry error for a clock 20 minutes behind', async () => {
    const error = await failure(client(alice, { systemClockOffset: -20 * 60 * 1000 }));
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.message).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
    );
  });

  it('gets "not yet current" for a clock 20 minutes ahead', async () => {
    const error = await failure(client(alice, { systemClockOffset: 20 * 60 * 1000 }));
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.message).toMatch(/^Signature not yet current: /);
  });

  it("lets the SDK correct a skewed clock from the server's Date header when it may retry", async () => {
    const sfn = client(alice, { systemClockOffset: -20 * 60 * 1000, maxAttempts: 2 });
    await expect(sfn.send(new ListStateMachinesCommand({}))).resolves.toMatchObject({
      stateMachines: [],
    });
  });

  it('answers an unsigned request with MissingAuthenticationTokenException as AWS JSON 1.0', async () => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.ListStateMachines',
      },
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await response.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Request is missing Authentication Token',
    });
  });

  it('keeps secrets out of the database rows and the server log', () => {
    const db = new Database(dbPath, { readonly: true });
    const rows = JSON.stringify(db.prepare('SELECT * FROM access_keys').all());
    db.close();
    expect(rows).toContain(alice.accessKeyId);
    expect(logLines.length).toBeGreaterThan(0);
    for (const secret of [alice.secretAccessKey, bob.secretAccessKey]) {
      expect(rows).not.toContain(secret);
      expect(logLines.join('')).not.toContain(secret);
    }
    expect(logLines.join('')).not.toMatch(/Signature=[0-9a-f]{64}/);
  });
});

/** Sends bytes exactly as given (repeated headers stay separate lines) and reads the answer. */
function rawExchange(
  head: readonly string[],
  body = '',
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.end(`${[...head, 'Connection: close'].join('\r\n')}\r\n\r\n${body}`);
  });
}

describe('requests on the wire', () => {
  const host = () => new URL(endpoint).host;

  it('verifies a repeated header sent as separate lines (joined with "," as AWS signs it)', async () => {
    const signed = await signRequest(
      { method: 'GET', path: '/trace', headers: { 'x-baton-trace': 'a,b' }, host: host() },
      { ...alice, date: new Date() },
    );
    const lines = Object.entries(signed.headers)
      .filter(([name]) => name !== 'x-baton-trace')
      .map(([name, value]) => `${name}: ${String(value)}`);
    const response = await rawExchange([
      'GET /trace HTTP/1.1',
      ...lines,
      'X-Baton-Trace: a',
      'X-Baton-Trace: b',
    ]);
    expect(response.status).toBe(200);
  });

  it('refuses a second Authorization header injected after the first', async () => {
    const signed = await signRequest(
      { method: 'GET', path: '/trace', host: host() },
      { ...alice, date: new Date() },
    );
    const lines = Object.entries(signed.headers).map(
      ([name, value]) => `${name}: ${String(value)}`,
    );
    const response = await rawExchange([
      'GET /trace HTTP/1.1',
      ...lines,
      `Authorization: AWS4-HMAC-SHA256 Credential=${bob.accessKeyId}/x`,
    ]);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      __type: 'IncompleteSignatureException',
      message: "The request has more than one 'authorization' header.",
    });
  });

  it('verifies encoded unicode paths and reserved query characters as received', async () => {
    const path = '/api/v1/workflows/d%C3%A9ploy%20prod/%E2%9C%93';
    const signed = await signRequest(
      {
        method: 'GET',
        path,
        query: [
          ['filter', 'a=b&c d'],
          ['tag', '✓'],
          ['tag', '/?#'],
        ],
        host: host(),
      },
      { ...alice, date: new Date() },
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name !== 'host' && typeof value === 'string') headers[name] = value;
    }
    const response = await fetch(`${endpoint}${signed.url}`, { headers });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ url: signed.url });
  });
});
