/**
 * Idle engines wake when work appears instead of at their next poll: their own commits on any
 * store, and on PostgreSQL other nodes' commits through LISTEN/NOTIFY. Every wait here is far
 * shorter than the poll interval, so a missing wake-up shows as a timeout.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import type { TaskRunner } from '../../src/integrations/index.js';
import type { Store } from '../../src/store/index.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { dropAll, freshPostgresUrl, freshSqlitePath } from '../support/databases.js';

afterAll(dropAll);

const POLL_MS = 60_000;
const now = () => new Date().toISOString();
const sleep = (ms: number, signal: AbortSignal) =>
  delay(ms, undefined, { signal }).catch(() => undefined);

const taskMachine = {
  StartAt: 'Work',
  States: { Work: { Type: 'Task', Resource: 'arn:aws:states:::http:invoke', End: true } },
};
const ACTIVITY = 'arn:aws:states:local:000000000000:activity:build';
const activityMachine = {
  StartAt: 'Build',
  States: { Build: { Type: 'Task', Resource: ACTIVITY, End: true } },
};

const tasks: TaskRunner = { run: () => Promise.resolve({ ok: true, output: 'done' }) };

function engineOn(store: Store, nodeId: string): Engine {
  return new Engine({
    store,
    clock: { nowMs: () => Date.now() },
    tasks,
    nodeId,
    tokenKey: () => randomBytes(32).toString('hex'),
    random: Math.random,
  });
}

async function prepare(store: Store): Promise<void> {
  await store.migrate();
  for (const [name, definition] of Object.entries({ task: taskMachine, act: activityMachine })) {
    await store.workflows.create({
      name,
      definition: JSON.stringify(definition),
      roleArn: null,
      type: 'STANDARD',
      description: null,
      revisionId: `${name}-1`,
      now: now(),
    });
  }
  await store.activities.create('build', now());
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await delay(10);
  }
}

describe('wake-ups', () => {
  it('runs a task at once when the napping engine itself starts the execution (SQLite)', async () => {
    const store = openSqliteStore({ path: freshSqlitePath(), now });
    await prepare(store);
    const engine = engineOn(store, 'node-1');
    const stop = new AbortController();
    const running = engine.run(stop.signal, sleep, POLL_MS);
    await delay(50); // the loop is napping now
    const { execution } = await engine.start({ workflow: 'task', name: 'e1', input: {} });
    await until(async () => (await store.executions.get(execution.id))?.status === 'SUCCEEDED');
    stop.abort();
    await running;
    await store.close();
  });

  it('wakes an idle node when another node schedules work (PostgreSQL NOTIFY)', async () => {
    const url = await freshPostgresUrl();
    const a = openPostgresStore({ url, now, maxConnections: 2 });
    const b = openPostgresStore({ url, now, maxConnections: 2 });
    await prepare(a);
    const idle = engineOn(b, 'node-b');
    const stop = new AbortController();
    const running = idle.run(stop.signal, sleep, POLL_MS);
    await delay(200); // node B is listening and napping
    // Node A only starts executions; it never ticks, so node B must do the work.
    const starter = engineOn(a, 'node-a');
    const { execution } = await starter.start({ workflow: 'task', name: 'e1', input: {} });
    await until(async () => (await a.executions.get(execution.id))?.status === 'SUCCEEDED');
    // A worker long-polling an activity on node B hears of a task scheduled on node A.
    const poll = idle.getActivityTask(ACTIVITY, { waitMs: 30_000, pollMs: 30_000, sleep });
    await delay(100);
    await starter.start({ workflow: 'act', name: 'e2', input: { n: 2 } });
    const started = Date.now();
    expect((await poll)?.input).toEqual({ n: 2 });
    expect(Date.now() - started).toBeLessThan(5000);
    stop.abort();
    await running;
    await Promise.all([a.close(), b.close()]);
  });

  it('announces work only when its transaction commits', async () => {
    const url = await freshPostgresUrl();
    const store = openPostgresStore({ url, now, maxConnections: 2 });
    await prepare(store);
    const heard: string[] = [];
    const unlisten = await store.listenForWork?.((topic) => heard.push(topic));
    const engine = engineOn(store, 'node-1');
    await engine.start({ workflow: 'act', name: 'e1', input: {} });
    await engine.start({ workflow: 'task', name: 'e2', input: {} });
    await until(() => Promise.resolve(heard.length >= 2));
    expect(heard).toEqual([`activity:${ACTIVITY}`, '']);
    // A refused start (same name, other input) rolls back and announces nothing.
    await expect(
      engine.start({ workflow: 'task', name: 'e2', input: { other: true } }),
    ).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    await delay(200);
    expect(heard).toHaveLength(2);
    await unlisten?.();
    await store.close();
  });
});
