/**
 * The server-sent-events stream of an execution, read with a real HTTP client: replay, live
 * events, Last-Event-ID, heartbeats, the end event, and clean-up when the client goes.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatonApp } from '../../../src/api/server/index.js';
import type { Engine } from '../../../src/engine/index.js';
import { signRequest } from '../../support/sigv4-signer.js';
import { startPluginApp } from './plugin-app.js';
import type { Credential, Harness } from './rest-client.js';
import { WAIT_DEFINITION, client, eventually, executionPath, startServer } from './rest-client.js';

let harness: Harness;
let call: ReturnType<typeof client>;
beforeAll(async () => {
  harness = await startServer();
  call = client(harness);
  const shortWait = JSON.stringify({
    StartAt: 'Build',
    States: {
      Build: { Type: 'Pass', Next: 'Settle' },
      Settle: { Type: 'Wait', Seconds: 1, Next: 'Done' },
      Done: { Type: 'Pass', End: true },
    },
  });
  await call({ path: '/api/v1/workflows', body: { name: 'short', definition: shortWait } });
  await call({ path: '/api/v1/workflows', body: { name: 'hold', definition: WAIT_DEFINITION } });
});
afterAll(async () => {
  await harness.close();
});

interface Message {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  /** A comment line (`: heartbeat`). */
  readonly comment?: string;
}

interface Stream {
  readonly status: number;
  readonly contentType: string;
  readonly messages: Message[];
  /** Resolves when the server ends the response. */
  readonly ended: Promise<void>;
  /** Waits until a message satisfies `check`. */
  until(check: (message: Message) => boolean, ms?: number): Promise<Message>;
  close(): void;
  readonly body: () => string;
}

/** Opens the stream with a plain HTTP client, signing the request when `key` is given. */
async function openStream(
  baseUrl: string,
  path: string,
  key: Credential | undefined,
  headers: Record<string, string> = {},
): Promise<Stream> {
  const url = new URL(baseUrl);
  let sendHeaders: Record<string, string> = headers;
  if (key !== undefined) {
    const signed = await signRequest(
      { method: 'GET', path, headers, host: url.host },
      { ...key, date: new Date() },
    );
    sendHeaders = {};
    for (const [name, value] of Object.entries(signed.headers))
      if (typeof value === 'string') sendHeaders[name] = value;
  }
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      path,
      method: 'GET',
      headers: sendHeaders,
    });
    req.on('error', reject);
    req.on('response', (response) => {
      const messages: Message[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      let raw = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        raw += chunk;
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) message['comment'] = line.slice(1).trim();
            else {
              const colon = line.indexOf(':');
              message[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
            }
          }
          messages.push(message);
          end = buffer.indexOf('\n\n');
        }
        for (const wake of waiters) wake();
      });
      const ended = new Promise<void>((done) => {
        response.on('end', done);
        response.on('close', done);
      });
      resolve({
        status: response.statusCode ?? 0,
        contentType: String(response.headers['content-type']),
        messages,
        ended,
        body: () => raw,
        until: (check, ms = 8000) =>
          new Promise((found, fail) => {
            const look = () => {
              const hit = messages.find(check);
              if (hit === undefined) return;
              waiters.delete(look);
              clearTimeout(timer);
              found(hit);
            };
            const timer = setTimeout(() => {
              waiters.delete(look);
              fail(new Error(`no such message within ${ms} ms; got ${JSON.stringify(messages)}`));
            }, ms);
            waiters.add(look);
            look();
          }),
        close: () => req.destroy(),
      });
    });
    req.end();
  });
}

function eventsOf(messages: readonly Message[]): { id: number; type: string }[] {
  return messages
    .filter((m) => m.id !== undefined)
    .map((m) => {
      const data = JSON.parse(m.data ?? '{}') as { id: number; type: string };
      expect(String(data.id)).toBe(m.id);
      return data;
    });
}

function listenerCount(engine: Engine): number {
  const listeners: unknown = Reflect.get(engine, 'listeners');
  return listeners instanceof Set ? listeners.size : -1;
}

describe('GET /api/v1/executions/{arn}/events', () => {
  it('replays the history, follows the live events, and ends after the execution finishes', async () => {
    const started = await call({
      path: '/api/v1/executions',
      body: { workflow: 'short', name: 'live' },
    });
    const arn: string = started.json.executionArn;
    const stream = await openStream(
      harness.server.url,
      executionPath(arn, '/events'),
      harness.admin,
    );
    expect(stream.status).toBe(200);
    expect(stream.contentType).toBe('text/event-stream; charset=utf-8');
    const end = await stream.until((m) => m.event === 'end');
    expect(JSON.parse(end.data ?? '')).toEqual({ status: 'SUCCEEDED' });
    await stream.ended;
    const events = eventsOf(stream.messages);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(events.map((e) => e.type)).toContain('WaitStateEntered');
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
    // The end comes last.
    expect(stream.messages.at(-1)?.event).toBe('end');
  });

  it('resumes after Last-Event-ID', async () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:short:live';
    const stream = await openStream(
      harness.server.url,
      executionPath(arn, '/events'),
      harness.admin,
      {
        'last-event-id': '3',
      },
    );
    await stream.ended;
    const ids = eventsOf(stream.messages).map((e) => e.id);
    expect(ids[0]).toBe(4);
    expect(stream.messages.at(-1)?.event).toBe('end');
    // Past the last event of a finished execution: only the end.
    const past = await openStream(
      harness.server.url,
      executionPath(arn, '/events'),
      harness.admin,
      {
        'last-event-id': '999',
      },
    );
    await past.ended;
    expect(past.messages.map((m) => m.event)).toEqual(['end']);
  });

  it('refuses a Last-Event-ID that is not an event id, before streaming', async () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:short:live';
    for (const bad of ['abc', '-1', '1.5', '99999999999', '0x10']) {
      const answer = await call({
        path: executionPath(arn, '/events'),
        headers: { 'last-event-id': bad },
      });
      expect(answer.status, bad).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/json');
      expect(answer.json.details[0]).toMatchObject({
        location: 'header',
        pointer: '/Last-Event-ID',
      });
    }
  });

  it('refuses unsigned and wrongly signed streams, and unknown executions', async () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:short:live';
    const unsigned = await openStream(harness.server.url, executionPath(arn, '/events'), undefined);
    expect(unsigned.status).toBe(401);
    const wrong = await openStream(harness.server.url, executionPath(arn, '/events'), {
      accessKeyId: harness.admin.accessKeyId,
      secretAccessKey: 'y'.repeat(40),
    });
    expect(wrong.status).toBe(401);
    await wrong.ended;
    expect(wrong.body()).not.toContain('ExecutionStarted');
    const unknown = await call({ path: executionPath(`${arn}-none`, '/events') });
    expect(unknown.status).toBe(404);
  });

  it('stops following when the client hangs up', async () => {
    const started = await call({
      path: '/api/v1/executions',
      body: { workflow: 'hold', name: 'watched' },
    });
    const before = listenerCount(harness.server.engine);
    const stream = await openStream(
      harness.server.url,
      executionPath(started.json.executionArn, '/events'),
      harness.admin,
    );
    await stream.until((m) => m.id === '2');
    expect(listenerCount(harness.server.engine)).toBe(before + 1);
    stream.close();
    await eventually(
      () => Promise.resolve(listenerCount(harness.server.engine)),
      (count) => count === before,
    );
    expect(listenerCount(harness.server.engine)).toBe(before);
  });
});

describe('the stream without notifications from this node (commits by another node)', () => {
  let app: BatonApp;
  let url: string;
  beforeAll(async () => {
    // An engine that never notifies: only the store poll can see new events.
    const quiet: Engine = Object.create(harness.server.engine) as Engine;
    quiet.subscribe = () => () => undefined;
    const started = await startPluginApp(harness.server, {
      engine: quiet,
      streamPollMs: 50,
      streamHeartbeatMs: 40,
    });
    app = started.app;
    url = started.url;
  });
  afterAll(async () => {
    await app.fastify.close();
  });

  it('sends heartbeat comments, sees the commit by polling, and ends', async () => {
    const started = await call({
      path: '/api/v1/executions',
      body: { workflow: 'hold', name: 'polled' },
    });
    const arn: string = started.json.executionArn;
    const stream = await openStream(url, executionPath(arn, '/events'), undefined);
    expect(stream.status).toBe(200);
    await stream.until((m) => m.comment === 'heartbeat');
    await call({ path: executionPath(arn, '/stop'), method: 'POST' });
    const end = await stream.until((m) => m.event === 'end');
    expect(JSON.parse(end.data ?? '')).toEqual({ status: 'ABORTED' });
    expect(eventsOf(stream.messages).at(-1)?.type).toBe('ExecutionAborted');
  });

  it('ends open streams when the server closes', async () => {
    const started = await call({
      path: '/api/v1/executions',
      body: { workflow: 'hold', name: 'open-at-close' },
    });
    const stream = await openStream(
      url,
      executionPath(started.json.executionArn, '/events'),
      undefined,
    );
    await stream.until((m) => m.id === '1');
    const closed = app.fastify.close();
    await stream.ended;
    await closed;
  });
});
