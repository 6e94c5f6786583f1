/**
 * `startBaton`, the composition root, on a real port: SQLite in a temporary data directory and
 * PostgreSQL on loopback; a workflow run through the engine loop shows up in /metrics; startup
 * failures close what they opened and keep secrets out of their messages; shutdown lets a slow
 * request and an in-flight task finish, stops the loop, and is idempotent.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/api/server/index.js';
import type { BatonConfig } from '../../src/config/index.js';
import { defaultConfig } from '../../src/config/index.js';
import type { BatonServer, StartOptions } from '../../src/main.js';
import { SQLITE_FILE, startBaton } from '../../src/main.js';
import type { Store } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { dropAll, freshPostgresUrl, withPostgres } from '../support/databases.js';

const dirs: string[] = [];
const servers: BatonServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await dropAll();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-server-'));
  dirs.push(dir);
  return dir;
}

function testConfig(overrides: Partial<BatonConfig> = {}): BatonConfig {
  const cwd = tempDir();
  return {
    ...defaultConfig(cwd),
    port: 0,
    pollIntervalMs: 50,
    shutdownTimeoutMs: 2000,
    nodeId: 'test-node',
    ...overrides,
  };
}

/** Captures the JSON log lines. */
function capture(): { logger: ReturnType<typeof createLogger>; text: () => string } {
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
  return { logger, text: () => lines.join('') };
}

async function start(config: BatonConfig, options: StartOptions = {}): Promise<BatonServer> {
  const server = await startBaton(config, { logger: capture().logger, ...options });
  servers.push(server);
  return server;
}

const PASS_WORKFLOW = JSON.stringify({
  StartAt: 'One',
  States: {
    One: { Type: 'Pass', Next: 'Two' },
    Two: { Type: 'Pass', Result: { done: true }, End: true },
  },
});

async function createWorkflow(store: Store, name: string, definition: string): Promise<void> {
  await store.workflows.create({
    name,
    definition,
    roleArn: null,
    type: 'STANDARD',
    description: null,
    revisionId: `${name}-r1`,
    now: new Date().toISOString(),
  });
}

async function waitForStatus(store: Store, id: string, status: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    // A read on a pooled connection the database just terminated fails once; read again.
    const record = await store.executions.get(id).catch(() => undefined);
    if (record?.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`execution ${id} never reached ${status}`);
}

/** The value of one sample line of the metrics text, or undefined. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('on SQLite', () => {
  it('listens, answers the probes, and keeps its data directory private', async () => {
    const config = testConfig();
    const server = await start(config);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.nodeId).toBe('test-node');
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toBeTruthy();
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(statSync(config.dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(config.dataDir, SQLITE_FILE)).isFile()).toBe(true);
  });

  it('restricts an existing data directory that others could read', async () => {
    const config = testConfig();
    mkdirSync(config.dataDir, { mode: 0o755 });
    chmodSync(config.dataDir, 0o755);
    await start(config);
    expect(statSync(config.dataDir).mode & 0o777).toBe(0o700);
  });

  it('prints a loopback URL when listening on every interface', async () => {
    const server = await start(testConfig({ host: '0.0.0.0' }));
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('runs a workflow in the background and counts it in /metrics', async () => {
    const server = await start(testConfig());
    const before = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(before, 'baton_executions{status="SUCCEEDED"}')).toBe(0);
    expect(sample(before, 'baton_state_transitions_total')).toBe(0);

    await createWorkflow(server.store, 'two-passes', PASS_WORKFLOW);
    const { execution } = await server.engine.start({
      workflow: 'two-passes',
      name: 'first',
      input: {},
    });
    expect(execution.id).toBe('arn:aws:states:us-east-1:123456789012:execution:two-passes:first');
    await waitForStatus(server.store, execution.id, 'SUCCEEDED');

    const after = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(after, 'baton_executions{status="SUCCEEDED"}')).toBe(1);
    expect(sample(after, 'baton_executions{status="RUNNING"}')).toBe(0);
    expect(sample(after, 'baton_state_transitions_total')).toBe(2);
    expect(sample(after, 'baton_history_events_total{type="ExecutionSucceeded"}')).toBe(1);
    expect(sample(after, 'baton_queue_depth')).toBe(0);
    expect(sample(after, 'baton_store_up')).toBe(1);
    expect(after).toMatch(
      /baton_http_request_duration_seconds_count\{method="GET",route="\/metrics",status_code="200"\} 1/,
    );
    expect(after).toContain('nodejs_eventloop_lag_seconds');
  });

  it('times tasks by resource and outcome', async () => {
    const upstream = await listen((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end('{"ok":true}');
    });
    const server = await start(testConfig());
    await createWorkflow(server.store, 'calls', httpWorkflow(upstream));
    const { execution } = await server.engine.start({ workflow: 'calls', name: 'c', input: {} });
    await waitForStatus(server.store, execution.id, 'SUCCEEDED');
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(
      sample(
        text,
        'baton_task_duration_seconds_count{resource="arn:aws:states:::http:invoke",outcome="success"}',
      ),
    ).toBe(1);
    upstream.close();
  });

  it('answers /readyz with 503 and a reason when the store is closed', async () => {
    const server = await start(testConfig());
    await server.store.close();
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; reason: string };
    expect(body.status).toBe('unavailable');
    expect(body.reason).toMatch(/^store: /);
    // The metrics still answer, saying the store is down.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(metrics, 'baton_store_up')).toBe(0);
  });

  it('registers APIs before listening, with the engine and store at hand', async () => {
    const server = await start(testConfig(), {
      apis: [
        (app, context) => {
          app.fastify.get('/api/kind', () => ({ kind: context.store.kind }));
        },
      ],
    });
    expect(await (await fetch(`${server.url}/api/kind`)).json()).toEqual({ kind: 'sqlite' });
  });

  it('closes when its abort signal fires', async () => {
    const controller = new AbortController();
    const server = await start(testConfig(), { signal: controller.signal });
    controller.abort();
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});

describe('startup failures', () => {
  it('fails when the port is taken, and closes the store it opened', async () => {
    const first = await start(testConfig());
    const port = Number(new URL(first.url).port);
    const config = testConfig({ port });
    await expect(startBaton(config, { logger: capture().logger })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    // The store was closed: the database file opens again and is not locked.
    const store = openSqliteStore({
      path: join(config.dataDir, SQLITE_FILE),
      now: () => new Date().toISOString(),
    });
    await expect(store.migrate()).resolves.toMatchObject({ applied: [] });
    await store.close();
  });

  it('fails when PostgreSQL does not answer, without the password in the message or logs', async () => {
    const { logger, text } = capture();
    const config = testConfig({ databaseUrl: 'postgres://baton:hunter2-secret@127.0.0.1:1/baton' });
    const failure = await startBaton(config, { logger }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(String((failure as Error).message)).not.toContain('hunter2-secret');
    expect(text()).not.toContain('hunter2-secret');
    expect(text()).toContain('postgres://baton:****@127.0.0.1:1/baton');
  });

  it('fails when the data directory cannot be created', async () => {
    const parent = tempDir();
    const blocker = join(parent, 'file');
    writeFileSync(blocker, 'not a directory');
    await expect(
      startBaton(testConfig({ dataDir: join(blocker, 'data') }), { logger: capture().logger }),
    ).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});

describe('graceful shutdown', () => {
  it('lets a slow in-flight request finish, then refuses connections', async () => {
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const server = await start(testConfig(), {
      apis: [
        (app) => {
          app.fastify.get('/slow', async () => {
            entered();
            await new Promise((resolve) => setTimeout(resolve, 300));
            return { finished: true };
          });
        },
      ],
    });
    const slow = fetch(`${server.url}/slow`);
    await inside;
    const closingAt = Date.now();
    const closing = server.close();
    const response = await slow;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    await closing;
    // The kept-alive connection is closed once its request is done, not at the timeout.
    expect(Date.now() - closingAt).toBeLessThan(1500);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });

  it('cuts requests that outlive the shutdown timeout', async () => {
    const server = await start(testConfig({ shutdownTimeoutMs: 100 }), {
      apis: [
        (app) => {
          app.fastify.get('/hang', () => new Promise(() => undefined));
        },
      ],
    });
    const hanging = fetch(`${server.url}/hang`).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await hanging).toBe('cut');
  });

  it('waits for an in-flight task to finish and commit before closing the store', async () => {
    let release: () => void = () => undefined;
    let taskStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (taskStarted = resolve));
    const upstream = await listen((_request, response) => {
      taskStarted();
      release = () => {
        response.setHeader('content-type', 'application/json');
        response.end('{"deployed":true}');
      };
    });
    const config = testConfig();
    const server = await start(config);
    await createWorkflow(server.store, 'deploy', httpWorkflow(upstream));
    const { execution } = await server.engine.start({ workflow: 'deploy', name: 'd1', input: {} });
    await started;
    const closing = server.close();
    setTimeout(() => release(), 200);
    await closing;
    upstream.close();
    // Reopen the database: the task's result was committed before the store closed.
    const store = openSqliteStore({
      path: join(config.dataDir, SQLITE_FILE),
      now: () => new Date().toISOString(),
    });
    try {
      expect((await store.executions.get(execution.id))?.status).toBe('SUCCEEDED');
    } finally {
      await store.close();
    }
  });

  it('stops the engine loop: work due after close is left for the next start', async () => {
    const config = testConfig();
    const server = await start(config);
    await createWorkflow(
      server.store,
      'waits',
      JSON.stringify({
        StartAt: 'Wait',
        States: { Wait: { Type: 'Wait', Seconds: 1, Next: 'Done' }, Done: { Type: 'Succeed' } },
      }),
    );
    const { execution } = await server.engine.start({ workflow: 'waits', name: 'w', input: {} });
    await server.close();
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const again = await start({ ...config });
    expect((await again.store.executions.get(execution.id))?.status).toBe('RUNNING');
    await waitForStatus(again.store, execution.id, 'SUCCEEDED');
  });

  it('is idempotent: every close returns the same promise', async () => {
    const server = await start(testConfig());
    const first = server.close();
    const second = server.close();
    expect(second).toBe(first);
    await first;
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('logs each step of the shutdown', async () => {
    const { logger, text } = capture();
    const server = await startBaton(testConfig(), { logger });
    await server.close();
    const messages = text()
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toEqual(
      expect.arrayContaining(['starting', 'store ready', 'listening', 'shutting down', 'stopped']),
    );
    expect(messages.indexOf('shutting down')).toBeLessThan(messages.indexOf('stopped'));
  });
});

describe('on PostgreSQL', () => {
  it('migrates, runs a workflow, reports metrics and closes', async () => {
    const url = await freshPostgresUrl();
    const server = await start(testConfig({ databaseUrl: url }));
    expect(server.store.kind).toBe('postgres');
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    await createWorkflow(server.store, 'two-passes', PASS_WORKFLOW);
    const { execution } = await server.engine.start({
      workflow: 'two-passes',
      name: 'pg',
      input: {},
    });
    await waitForStatus(server.store, execution.id, 'SUCCEEDED');
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(text, 'baton_executions{status="SUCCEEDED"}')).toBe(1);
    expect(sample(text, 'baton_state_transitions_total')).toBe(2);
    await server.close();
    expect((await fetch(`${server.url}/healthz`).catch(() => undefined))?.status).toBeUndefined();
  });
});

describe('when the database goes away for a moment', () => {
  /** Ends every connection to the test database but the caller's. */
  async function dropConnections(url: string): Promise<void> {
    const database = new URL(url).pathname.slice(1);
    await withPostgres((client) =>
      client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database],
      ),
    );
  }

  it('keeps the engine loop going after PostgreSQL drops every connection', async () => {
    const url = await freshPostgresUrl();
    const server = await start(testConfig({ databaseUrl: url }));
    await dropConnections(url);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await createWorkflow(server.store, 'after-blip', PASS_WORKFLOW);
    const { execution } = await server.engine.start({
      workflow: 'after-blip',
      name: 'b',
      input: {},
    });
    await waitForStatus(server.store, execution.id, 'SUCCEEDED');
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('survives connections dropped in the middle of transactions (the process must not crash)', async () => {
    const url = await freshPostgresUrl();
    // Work claimed when a connection dropped is taken over when its lease runs out: keep it short.
    const server = await start(testConfig({ databaseUrl: url, pollIntervalMs: 10, leaseMs: 1000 }));
    await createWorkflow(
      server.store,
      'busy',
      JSON.stringify({
        StartAt: 'Wait',
        States: {
          Wait: { Type: 'Wait', Seconds: 0, Next: 'A' },
          A: { Type: 'Pass', Next: 'B' },
          B: { Type: 'Pass', End: true },
        },
      }),
    );
    const ids: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 10; i++) {
        const started = await server.engine
          .start({ workflow: 'busy', name: `r${round}-${i}`, input: {} })
          .catch(() => undefined); // a start that meets a dropped connection fails: fine
        if (started !== undefined) ids.push(started.execution.id);
      }
      await dropConnections(url);
    }
    for (const id of ids) await waitForStatus(server.store, id, 'SUCCEEDED');
  });
});

// ------------------------------------------------------------------------------------------

async function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function httpWorkflow(upstream: Server): string {
  const { port } = upstream.address() as AddressInfo;
  return JSON.stringify({
    StartAt: 'Call',
    States: {
      Call: {
        Type: 'Task',
        Resource: 'arn:aws:states:::http:invoke',
        Parameters: { ApiEndpoint: `http://127.0.0.1:${port}/deploy`, Method: 'POST' },
        End: true,
      },
    },
  });
}
