/**
 * A Step Functions API server on 127.0.0.1 (port 0) for tests: a fresh store (SQLite, or
 * PostgreSQL when asked), an engine with a fake clock and scripted tasks, and the real
 * `@aws-sdk/client-sfn` pointed at it. The tests drive the engine with `settle()` (tick until
 * no work is due), never with real-time waits.
 */
import { randomBytes } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import Fastify from 'fastify';
import type { JsonValue } from '../../../src/common/index.js';
import { Engine } from '../../../src/engine/index.js';
import type { Authenticate } from '../../../src/identity/types.js';
import type { TaskOutcome, TaskRequest, TaskRunner } from '../../../src/integrations/index.js';
import { registerSfnApi } from '../../../src/api/sfn/index.js';
import type { SfnApiOptions } from '../../../src/api/sfn/index.js';
import type { Store } from '../../../src/store/index.js';
import { openPostgresStore } from '../../../src/store/postgres/index.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import { freshPostgresUrl, freshSqlitePath } from '../../support/databases.js';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/baton`;
export const SM_PREFIX = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:`;
export const EXEC_PREFIX = `arn:aws:states:${REGION}:${ACCOUNT}:execution:`;
const T0 = Date.parse('2026-03-01T12:00:00.000Z');

export class TestClock {
  constructor(public ms = T0) {}
  nowMs(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/**
 * Tasks: `.waitForTaskToken` resources succeed at once (the request went out) and keep their
 * token in `tokens` by state name; other tasks answer from `script`, or echo their input.
 */
export class TestTasks implements TaskRunner {
  readonly tokens = new Map<string, string>();
  script: Record<string, (request: TaskRequest) => TaskOutcome> = {};

  run(request: TaskRequest): Promise<TaskOutcome> {
    if (request.taskToken !== undefined) {
      this.tokens.set(request.stateName, request.taskToken);
      return Promise.resolve({ ok: true, output: {} });
    }
    const answer = this.script[request.stateName];
    return Promise.resolve(
      answer ? answer(request) : { ok: true, output: { echo: request.input } },
    );
  }
}

export interface Harness {
  readonly url: string;
  readonly port: number;
  readonly client: SFNClient;
  readonly store: Store;
  readonly engine: Engine;
  readonly clock: TestClock;
  readonly tasks: TestTasks;
  /** Runs due work until none is left (tasks included). */
  settle(): Promise<void>;
  /** A raw request to the API: the AWS JSON protocol by hand. */
  raw(
    target: string | undefined,
    body: string | Buffer,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly backend?: 'sqlite' | 'postgres';
  readonly authenticate?: Authenticate;
  readonly api?: Partial<SfnApiOptions>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new TestClock();
  const now = () => new Date(clock.ms).toISOString();
  const store =
    options.backend === 'postgres'
      ? openPostgresStore({ url: await freshPostgresUrl(), now, maxConnections: 4 })
      : openSqliteStore({ path: freshSqlitePath(), now });
  await store.migrate();
  const tasks = new TestTasks();
  let draws = 0;
  const engine = new Engine({
    store,
    clock,
    tasks,
    nodeId: 'test-node',
    tokenKey: () => randomBytes(32).toString('hex'),
    random: () => (draws++ % 10) / 10,
    region: REGION,
    account: ACCOUNT,
  });
  const app = Fastify({ logger: false });
  await registerSfnApi(app, {
    engine,
    store,
    region: REGION,
    account: ACCOUNT,
    clock,
    pageTokenSecret: Buffer.alloc(32, 7),
    ...(options.authenticate === undefined ? {} : { authenticate: options.authenticate }),
    ...options.api,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const client = new SFNClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-secret' },
    maxAttempts: 1,
    // StartSyncExecution and TestState carry the endpoint host prefix `sync-` (AWS serves them
    // from sync-states.REGION.amazonaws.com); a loopback address has no such name.
    disableHostPrefix: true,
  });
  return {
    url,
    port,
    client,
    store,
    engine,
    clock,
    tasks,
    async settle() {
      for (let round = 0; round < 50; round++) {
        const claimed = await engine.tick();
        await engine.idle();
        if (claimed === 0) return;
      }
    },
    async raw(target, body, headers = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          ...(target === undefined ? {} : { 'x-amz-target': target }),
          ...headers,
        },
        body,
      });
      const text = await response.text();
      const parsed: unknown = text === '' ? {} : JSON.parse(text);
      const record =
        typeof parsed === 'object' && parsed !== null ? { ...parsed } : { value: parsed };
      return { status: response.status, headers: response.headers, body: record };
    },
    async close() {
      client.destroy();
      await app.close();
      await engine.idle();
      await store.close();
    },
  };
}

/** A definition text: a Pass that ends, or the states given. */
export function definition(states?: Record<string, JsonValue>, startAt = 'Start'): string {
  return JSON.stringify({
    StartAt: startAt,
    States: states ?? { Start: { Type: 'Pass', Result: { done: true }, End: true } },
  });
}

/** What a failed call threw: its name, message, and own members (`reason`, `resourceName`...). */
export interface Rejection {
  readonly name: string;
  readonly message: string;
  readonly members: Readonly<Record<string, unknown>>;
}

/** The exception a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Rejection> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (outcome instanceof Error) {
    return {
      name: outcome.name,
      message: outcome.message,
      members: Object.fromEntries(Object.entries(outcome)),
    };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
