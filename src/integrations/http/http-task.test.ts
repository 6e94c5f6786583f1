import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../common/index.js';
import { isJsonObject } from '../../common/index.js';
import type { TaskOutcome, TaskRequest } from '../task-runner.js';
import { createHttpTaskRunner, HTTP_INVOKE_RESOURCE } from './http-task.js';

/** What the echo route saw. */
interface Echo {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

const BIG = 300 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const routes: Record<string, (req: IncomingMessage, res: ServerResponse, body: string) => void> = {
  '/echo': (req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const echo: Echo = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.search,
      headers: req.headers,
      body,
    };
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
    res.end(JSON.stringify(echo));
  },
  '/text': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello');
  },
  '/not-json': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{oops');
  },
  '/created': (_req, res) => {
    res.writeHead(201, { 'content-type': 'application/problem+json' });
    res.end('{"id":7}');
  },
  '/missing': (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('no such thing');
  },
  '/broken': (_req, res) => {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'boom', padding: 'x'.repeat(5000) }));
  },
  '/slow': () => {
    // Never answers: the client's timeout or abort must end the call.
  },
  '/big': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(BIG) });
    res.end('x'.repeat(BIG));
  },
  '/big-error': (_req, res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('z'.repeat(BIG));
  },
  '/big-chunked': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (let i = 0; i < BIG / 1024; i++) res.write('y'.repeat(1024));
    res.end();
  },
};

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (route === undefined) {
        res.writeHead(418);
        res.end();
        return;
      }
      route(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no port');
  base = `http://127.0.0.1:${(address satisfies AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const runner = createHttpTaskRunner();

function request(input: JsonValue, overrides: Partial<TaskRequest> = {}): TaskRequest {
  return {
    executionId: 'exec-1',
    stateName: 'Call',
    resource: HTTP_INVOKE_RESOURCE,
    input,
    idempotencyKey: 'key-1',
    signal: new AbortController().signal,
    heartbeat: () => Promise.resolve(),
    ...overrides,
  };
}

async function succeed(input: JsonValue, overrides?: Partial<TaskRequest>): Promise<JsonObject> {
  const outcome = await runner.run(request(input, overrides));
  if (outcome.ok !== true) throw new Error(`expected success, got ${JSON.stringify(outcome)}`);
  if (!isJsonObject(outcome.output)) throw new Error('output is not an object');
  return outcome.output;
}

async function failure(
  input: JsonValue,
  overrides?: Partial<TaskRequest>,
): Promise<{ error: string; cause: string }> {
  const outcome: TaskOutcome = await runner.run(request(input, overrides));
  if (outcome.ok !== false) throw new Error(`expected failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

interface SeenRequest {
  readonly method: JsonValue | undefined;
  readonly query: string;
  readonly headers: JsonObject;
  readonly body: string;
}

/** Runs the task against the echo route and returns what the server saw. */
async function echoOf(input: JsonObject): Promise<SeenRequest> {
  const output = await succeed({ ApiEndpoint: `${base}/echo`, ...input });
  const seen = output.ResponseBody;
  if (!isJsonObject(seen) || !isJsonObject(seen.headers)) throw new Error('not an echo');
  const text = (value: JsonValue | undefined): string => (typeof value === 'string' ? value : '');
  return {
    method: seen.method,
    query: text(seen.query),
    headers: seen.headers,
    body: text(seen.body),
  };
}

describe('HTTP task requests', () => {
  it('sends GET with query parameters appended to the endpoint', async () => {
    const echo = await echoOf({
      ApiEndpoint: `${base}/echo?fixed=1`,
      Method: 'GET',
      QueryParameters: { q: 'a b&c', n: 3, flag: true },
    });
    expect(echo.method).toBe('GET');
    expect(new URLSearchParams(echo.query).getAll('fixed')).toEqual(['1']);
    expect(Object.fromEntries(new URLSearchParams(echo.query))).toEqual({
      fixed: '1',
      q: 'a b&c',
      n: '3',
      flag: 'true',
    });
  });

  it('sends a JSON RequestBody as application/json', async () => {
    const echo = await echoOf({ Method: 'POST', RequestBody: { name: 'x', items: [1, 2] } });
    expect(echo.method).toBe('POST');
    expect(echo.headers['content-type']).toBe('application/json');
    expect(JSON.parse(echo.body)).toEqual({ name: 'x', items: [1, 2] });
  });

  it('sends a string RequestBody as is', async () => {
    const echo = await echoOf({
      Method: 'PUT',
      RequestBody: 'raw text',
      Headers: { 'Content-Type': 'text/csv' },
    });
    expect(echo.body).toBe('raw text');
    expect(echo.headers['content-type']).toBe('text/csv');
  });

  it('passes Headers through', async () => {
    const echo = await echoOf({ Method: 'DELETE', Headers: { 'X-Trace': 'abc', 'X-Count': 2 } });
    expect(echo.method).toBe('DELETE');
    expect(echo.headers['x-trace']).toBe('abc');
    expect(echo.headers['x-count']).toBe('2');
  });

  it('accepts and ignores Authentication.ConnectionArn', async () => {
    const echo = await echoOf({
      Method: 'PATCH',
      Authentication: { ConnectionArn: 'arn:aws:events:us-east-1:123456789012:connection/c/1' },
    });
    expect(echo.method).toBe('PATCH');
  });

  const form = { a: ['x', 'y'], b: 'c d', n: { k: 1 } };
  it.each([
    ['INDICES', 'a[0]=x&a[1]=y&b=c d&n[k]=1'],
    ['REPEAT', 'a=x&a=y&b=c d&n[k]=1'],
    ['COMMAS', 'a=x,y&b=c d&n[k]=1'],
    ['BRACKETS', 'a[]=x&a[]=y&b=c d&n[k]=1'],
  ])('URL-encodes the body with ArrayFormat %s', async (format, expected) => {
    const echo = await echoOf({
      Method: 'POST',
      RequestBody: form,
      Transform: {
        RequestBodyEncoding: 'URL_ENCODED',
        RequestEncodingOptions: { ArrayFormat: format },
      },
    });
    expect(echo.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect([...new URLSearchParams(echo.body)].map(([k, v]) => `${k}=${v}`).join('&')).toBe(
      expected,
    );
  });

  it('uses INDICES when URL_ENCODED has no ArrayFormat', async () => {
    const echo = await echoOf({
      Method: 'POST',
      RequestBody: { a: [1, 2] },
      Transform: { RequestBodyEncoding: 'URL_ENCODED' },
    });
    expect(decodeURIComponent(echo.body)).toBe('a[0]=1&a[1]=2');
  });
});

describe('HTTP task responses', () => {
  it('returns a JSON response in AWS output shape', async () => {
    const output = await succeed({ ApiEndpoint: `${base}/echo`, Method: 'GET' });
    expect(output.StatusCode).toBe(200);
    expect(output.StatusText).toBe('OK');
    expect(isJsonObject(output.ResponseBody)).toBe(true);
    expect(output.Headers).toMatchObject({
      'content-type': ['application/json'],
      'set-cookie': ['a=1', 'b=2'],
    });
  });

  it('returns a text response as a string', async () => {
    const output = await succeed({ ApiEndpoint: `${base}/text`, Method: 'GET' });
    expect(output.ResponseBody).toBe('hello');
  });

  it('parses +json content types and accepts any 2xx', async () => {
    const output = await succeed({ ApiEndpoint: `${base}/created`, Method: 'POST' });
    expect(output).toMatchObject({ StatusCode: 201, ResponseBody: { id: 7 } });
  });

  it('returns malformed JSON as text rather than failing', async () => {
    const output = await succeed({ ApiEndpoint: `${base}/not-json`, Method: 'GET' });
    expect(output.ResponseBody).toBe('{oops');
  });

  it('returns an empty body for HEAD', async () => {
    const output = await succeed({ ApiEndpoint: `${base}/text`, Method: 'HEAD' });
    expect(output.ResponseBody).toBe('');
  });
});

describe('HTTP task failures', () => {
  it('fails a 404 with States.Http.StatusCode.404 and the body in the cause', async () => {
    const { error, cause } = await failure({ ApiEndpoint: `${base}/missing`, Method: 'GET' });
    expect(error).toBe('States.Http.StatusCode.404');
    expect(JSON.parse(cause)).toEqual({
      StatusCode: 404,
      StatusText: 'Not Found',
      ResponseBody: 'no such thing',
    });
  });

  it('fails a 500 with a bounded body excerpt and no request headers', async () => {
    const { error, cause } = await failure({
      ApiEndpoint: `${base}/broken`,
      Method: 'POST',
      Headers: { Authorization: 'Bearer s3cret-token' },
      RequestBody: { a: 1 },
    });
    expect(error).toBe('States.Http.StatusCode.500');
    expect(cause).toContain('boom');
    expect(cause.length).toBeLessThan(1300);
    expect(cause).not.toContain('s3cret-token');
  });

  it('fails a refused connection with States.Http.Socket', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    await new Promise((resolve) => closed.close(resolve));
    const { error, cause } = await failure({
      ApiEndpoint: `http://127.0.0.1:${address.port}/x?api_key=s3cret`,
      Method: 'GET',
      Headers: { Authorization: 'Bearer s3cret-token' },
    });
    expect(error).toBe('States.Http.Socket');
    expect(cause).toContain('ECONNREFUSED');
    expect(cause).not.toContain('s3cret');
  });

  it('fails a call slower than TimeoutSeconds with States.Http.Socket', async () => {
    const { error, cause } = await failure(
      { ApiEndpoint: `${base}/slow`, Method: 'GET' },
      { timeoutSeconds: 0.2 },
    );
    expect(error).toBe('States.Http.Socket');
    expect(cause).toContain('0.2 seconds');
  });

  it('stops when the engine aborts the task', async () => {
    const controller = new AbortController();
    const pending = runner.run(
      request({ ApiEndpoint: `${base}/slow`, Method: 'GET' }, { signal: controller.signal }),
    );
    setTimeout(() => controller.abort(new Error('execution stopped')), 50);
    const outcome = await pending;
    expect(outcome).toMatchObject({ ok: false, error: 'Http.Aborted' });
    expect(outcome.ok ? '' : outcome.cause).toContain('execution stopped');
  });

  it('does not call at all when the signal is already aborted', async () => {
    const outcome = await runner.run(
      request(
        { ApiEndpoint: `${base}/echo`, Method: 'GET' },
        { signal: AbortSignal.abort(new Error('gone')) },
      ),
    );
    expect(outcome).toMatchObject({ ok: false, error: 'Http.Aborted' });
  });

  it('fails a response over the size limit (declared length)', async () => {
    const { error, cause } = await failure({ ApiEndpoint: `${base}/big`, Method: 'GET' });
    expect(error).toBe('Http.ResponseTooLarge');
    expect(cause).toContain(String(256 * 1024));
  });

  it('keeps the status code of an oversized error response', async () => {
    const { error, cause } = await failure({ ApiEndpoint: `${base}/big-error`, Method: 'GET' });
    expect(error).toBe('States.Http.StatusCode.502');
    expect(cause).toContain('not read');
  });

  it('fails a streamed response once it passes the size limit', async () => {
    const { error } = await failure({ ApiEndpoint: `${base}/big-chunked`, Method: 'GET' });
    expect(error).toBe('Http.ResponseTooLarge');
  });
});

describe('HTTP task parameter validation', () => {
  const ok = (): JsonObject => ({ ApiEndpoint: `${base}/echo`, Method: 'GET' });
  it.each<[string, JsonValue, string]>([
    ['non-object parameters', 'https://example.com', 'object'],
    ['a missing ApiEndpoint', { Method: 'GET' }, 'ApiEndpoint is required'],
    [
      'a non-string ApiEndpoint',
      { ApiEndpoint: 42, Method: 'GET' },
      'ApiEndpoint must be a string',
    ],
    [
      'a relative ApiEndpoint',
      { ApiEndpoint: '/v1/things', Method: 'GET' },
      'not a valid absolute URL',
    ],
    ['an ftp ApiEndpoint', { ApiEndpoint: 'ftp://example.com/x', Method: 'GET' }, 'https or http'],
    ['a file ApiEndpoint', { ApiEndpoint: 'file:///etc/passwd', Method: 'GET' }, 'https or http'],
    [
      'credentials in the ApiEndpoint',
      { ApiEndpoint: 'https://u:p@example.com/', Method: 'GET' },
      'credentials',
    ],
    ['a missing Method', { ApiEndpoint: 'https://example.com' }, 'Method is required'],
    ['an unknown Method', { ApiEndpoint: 'https://example.com', Method: 'TRACE' }, 'TRACE'],
    ['a lower-case Method', { ApiEndpoint: 'https://example.com', Method: 'get' }, 'not supported'],
    [
      'a non-object Headers',
      { ApiEndpoint: 'https://example.com', Method: 'GET', Headers: ['a'] },
      'Headers must be',
    ],
    [
      'a nested header value',
      { ApiEndpoint: 'https://example.com', Method: 'GET', Headers: { A: { b: 1 } } },
      'Headers.A',
    ],
    [
      'an invalid header name',
      { ApiEndpoint: 'https://example.com', Method: 'GET', Headers: { 'Bad Name': 'x' } },
      'Headers.Bad Name',
    ],
    [
      'a nested query value',
      { ApiEndpoint: 'https://example.com', Method: 'GET', QueryParameters: { q: [1] } },
      'QueryParameters.q',
    ],
    [
      'a body with GET',
      { ApiEndpoint: 'https://example.com', Method: 'GET', RequestBody: { a: 1 } },
      'not allowed with GET',
    ],
    [
      'an unknown RequestBodyEncoding',
      {
        ApiEndpoint: 'https://example.com',
        Method: 'POST',
        RequestBody: {},
        Transform: { RequestBodyEncoding: 'BASE64' },
      },
      'RequestBodyEncoding',
    ],
    [
      'a URL_ENCODED body that is not an object',
      {
        ApiEndpoint: 'https://example.com',
        Method: 'POST',
        RequestBody: 'a=1',
        Transform: { RequestBodyEncoding: 'URL_ENCODED' },
      },
      'must be a JSON object',
    ],
    [
      'an unknown ArrayFormat',
      {
        ApiEndpoint: 'https://example.com',
        Method: 'POST',
        RequestBody: {},
        Transform: {
          RequestBodyEncoding: 'URL_ENCODED',
          RequestEncodingOptions: { ArrayFormat: 'DEFAULT' },
        },
      },
      'ArrayFormat',
    ],
  ])('rejects %s with Http.InvalidParameters', async (_name, input, expected) => {
    const { error, cause } = await failure(input);
    expect(error).toBe('Http.InvalidParameters');
    expect(cause).toContain(expected);
  });

  it('never echoes header values in a validation error', async () => {
    const { cause } = await failure({ ...ok(), Headers: { 'Bad Name': 'Bearer s3cret' } });
    expect(cause).not.toContain('s3cret');
  });
});
