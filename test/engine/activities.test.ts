/**
 * Activities on both stores: workers long-poll GetActivityTask, each task goes to one worker,
 * and the task's timeout, heartbeat and callbacks work as for any task with a token.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { ActivityPoll } from '../../src/engine/index.js';
import { Engine } from '../../src/engine/index.js';
import type { Store } from '../../src/store/index.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { dropAll, freshPostgresUrl, freshSqlitePath } from '../support/databases.js';

afterAll(dropAll);

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const ACTIVITY = 'arn:aws:states:local:000000000000:activity:build';

const backends: [string, () => Promise<Store>][] = [
  [
    'sqlite',
    () =>
      Promise.resolve(
        openSqliteStore({ path: freshSqlitePath(), now: () => new Date(T0).toISOString() }),
      ),
  ],
  [
    'postgres',
    async () =>
      openPostgresStore({
        url: await freshPostgresUrl(),
        now: () => new Date(T0).toISOString(),
        maxConnections: 4,
      }),
  ],
];

function workflow(task: Record<string, unknown>): object {
  return {
    StartAt: 'Build',
    States: {
      Build: {
        Type: 'Task',
        Resource: ACTIVITY,
        ResultPath: '$.built',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
        End: true,
        ...task,
      },
      Caught: { Type: 'Pass', End: true },
    },
  };
}

/** A sleep that only ends when aborted (a wake-up) and moves the test clock when it does not. */
function testSleep(clock: { ms: number }): ActivityPoll['sleep'] {
  return (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(() => {
        clock.ms += ms;
        resolve();
      }, 5);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
}

for (const [label, open] of backends) {
  describe(`activities on ${label}`, () => {
    async function setup(definition: object, options: { activity?: boolean } = {}) {
      const store = await open();
      await store.migrate();
      const now = new Date(T0).toISOString();
      if (options.activity !== false) await store.activities.create('build', now);
      await store.workflows.create({
        name: 'wf',
        definition: JSON.stringify(definition),
        roleArn: null,
        type: 'STANDARD',
        description: null,
        revisionId: 'r1',
        now,
      });
      const clock = { ms: T0 };
      const engine = new Engine({
        store,
        clock: { nowMs: () => clock.ms },
        tasks: {
          run: () => Promise.reject(new Error('activity tasks never reach the task runner')),
        },
        nodeId: 'node-1',
        tokenKey: () => randomBytes(32).toString('hex'),
        random: () => 0,
      });
      const poll = (extra: Partial<ActivityPoll> = {}) =>
        engine.getActivityTask(ACTIVITY, {
          workerName: 'worker-1',
          waitMs: 0,
          sleep: testSleep(clock),
          ...extra,
        });
      const history = async (id: string) =>
        (await store.executions.history(id, { limit: 100 })).items.map((e) => e.type);
      return { store, engine, clock, poll, history };
    }

    it('hands the task to a worker and completes it with SendTaskSuccess', async () => {
      const { store, engine, poll, history } = await setup(workflow({}));
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: { v: 1 } });
      expect(await engine.tick()).toBe(0); // nothing for the engine itself to run
      const task = await poll();
      expect(task?.input).toEqual({ v: 1 });
      expect(await poll()).toBeUndefined(); // one task, one worker
      await engine.sendTaskSuccess(task?.taskToken ?? '', { image: 'x:1' });
      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'SUCCEEDED',
        output: '{"v":1,"built":{"image":"x:1"}}',
      });
      expect(await history(execution.id)).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'ActivityScheduled',
        'ActivityStarted',
        'ActivitySucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
      const events = (await store.executions.history(execution.id, { limit: 100 })).items;
      expect(JSON.parse(events[2]?.details ?? '{}')).toMatchObject({
        activityScheduledEventDetails: { resource: ACTIVITY, input: '{"v":1}' },
      });
      expect(JSON.parse(events[3]?.details ?? '{}')).toEqual({
        activityStartedEventDetails: { workerName: 'worker-1' },
      });
      await store.close();
    });

    it('wakes a long-polling worker as soon as this node schedules a task', async () => {
      const { store, engine, poll } = await setup(workflow({}));
      const waiting = poll({
        waitMs: 60_000,
        pollMs: 60_000,
        sleep: (_ms, signal) =>
          new Promise((resolve) => signal.addEventListener('abort', () => resolve())),
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      await engine.start({ workflow: 'wf', name: 'e1', input: { n: 1 } });
      expect((await waiting)?.input).toEqual({ n: 1 });
      await store.close();
    });

    it('answers with no task once the wait is over, and when the caller hangs up', async () => {
      const { store, clock, poll } = await setup(workflow({}));
      expect(await poll({ waitMs: 3000, pollMs: 1000 })).toBeUndefined();
      expect(clock.ms).toBe(T0 + 3000);
      const hangUp = new AbortController();
      hangUp.abort();
      expect(await poll({ waitMs: 60_000, signal: hangUp.signal })).toBeUndefined();
      await store.close();
    });

    it('gives each task to exactly one of many workers polling at once', async () => {
      const { store, engine, poll } = await setup(workflow({}));
      for (let i = 0; i < 5; i++) await engine.start({ workflow: 'wf', name: `e${i}`, input: i });
      const got = await Promise.all(Array.from({ length: 8 }, () => poll()));
      const inputs = got.flatMap((task) => (task === undefined ? [] : [task.input]));
      // Workers that lose a race move on to the next task; none gets one twice.
      expect(new Set(inputs).size).toBe(inputs.length);
      let rest = 0;
      while ((await poll()) !== undefined) rest++;
      expect(inputs.length + rest).toBe(5);
      await store.close();
    });

    it('refuses an activity that does not exist', async () => {
      const { store, engine, clock } = await setup(workflow({}), { activity: false });
      await expect(
        engine.getActivityTask(ACTIVITY, { waitMs: 0, sleep: testSleep(clock) }),
      ).rejects.toMatchObject({ code: 'ACTIVITY_NOT_FOUND' });
      await expect(
        engine.getActivityTask('arn:aws:states:local:000000000000:stateMachine:wf', {
          waitMs: 0,
          sleep: testSleep(clock),
        }),
      ).rejects.toMatchObject({ code: 'ACTIVITY_NOT_FOUND' });
      await store.close();
    });

    it('times out a task nobody takes (TimeoutSeconds covers the queue) as ActivityTimedOut', async () => {
      const { store, engine, clock, poll, history } = await setup(
        workflow({ TimeoutSeconds: 30, HeartbeatSeconds: 5 }),
      );
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      clock.ms += 29_000;
      expect(await engine.tick()).toBe(0); // the heartbeat clock has not started: nobody took it
      clock.ms += 1000;
      expect(await engine.tick()).toBe(1);
      expect(await poll()).toBeUndefined(); // timed out tasks are gone from the queue
      const record = await store.executions.get(execution.id);
      expect(JSON.parse(record?.output ?? 'null')).toMatchObject({
        error: { Error: 'States.Timeout' },
      });
      expect(await history(execution.id)).toContain('ActivityTimedOut');
      await store.close();
    });

    it('starts the heartbeat clock when a worker takes the task; heartbeats keep it alive', async () => {
      const { store, engine, clock, poll } = await setup(workflow({ HeartbeatSeconds: 10 }));
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      clock.ms += 60_000; // waiting in the queue is not silence
      const task = await poll();
      expect(task).toBeDefined();
      for (let i = 0; i < 3; i++) {
        clock.ms += 8000;
        await engine.sendTaskHeartbeat(task?.taskToken ?? '');
        expect(await engine.tick()).toBe(0);
      }
      clock.ms += 10_000;
      expect(await engine.tick()).toBe(1);
      const record = await store.executions.get(execution.id);
      expect(JSON.parse(record?.output ?? 'null')).toMatchObject({
        error: { Error: 'States.HeartbeatTimeout' },
      });
      await expect(engine.sendTaskSuccess(task?.taskToken ?? '', 1)).rejects.toMatchObject({
        code: 'TASK_TIMED_OUT',
      });
      await store.close();
    });

    it("hands a worker's SendTaskFailure to Catch as ActivityFailed", async () => {
      const { store, engine, poll, history } = await setup(workflow({}));
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      const task = await poll();
      await engine.sendTaskFailure(task?.taskToken ?? '', 'Build.Broken', 'exit code 2');
      const record = await store.executions.get(execution.id);
      expect(JSON.parse(record?.output ?? 'null')).toEqual({
        error: { Error: 'Build.Broken', Cause: 'exit code 2' },
      });
      expect(await history(execution.id)).toContain('ActivityFailed');
      await store.close();
    });

    it('withdraws a waiting task when its execution is stopped', async () => {
      const { store, engine, poll } = await setup(workflow({}));
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await engine.stop(execution.id, 'Ops.Stop', 'not needed');
      expect(await poll()).toBeUndefined();
      expect(await store.executions.activityTasks(ACTIVITY, 10)).toEqual([]);
      await store.close();
    });
  });
}
