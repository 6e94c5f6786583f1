/**
 * The durable engine on both stores: executions that wait, retry, time out, stop, survive a
 * restart, and are not double-applied when several engines work the same database.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/common/index.js';
import type { EngineEvent } from '../../src/engine/index.js';
import { Engine } from '../../src/engine/index.js';
import type { TaskOutcome, TaskRequest, TaskRunner } from '../../src/integrations/index.js';
import type { Store } from '../../src/store/index.js';
import { dropAll } from '../support/databases.js';
import { storeBackends } from '../support/store-backends.js';

afterAll(dropAll);

/** Secret bytes for task tokens, as the composition root would pass them. */
const tokenKey = (): string => randomBytes(32).toString('hex');

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

class TestClock {
  constructor(public ms = T0) {}
  nowMs(): number {
    return this.ms;
  }
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** Answers tasks from a script per state name; records every call. */
class ScriptedTasks implements TaskRunner {
  readonly calls: TaskRequest[] = [];
  constructor(
    private readonly script: Record<
      string,
      (request: TaskRequest, call: number) => Promise<TaskOutcome>
    >,
  ) {}
  async run(request: TaskRequest): Promise<TaskOutcome> {
    const call = this.calls.filter((c) => c.stateName === request.stateName).length;
    this.calls.push(request);
    const answer = this.script[request.stateName];
    if (!answer) throw new Error(`no script for ${request.stateName}`);
    return answer(request, call);
  }
}

const ok = (output: JsonValue): Promise<TaskOutcome> => Promise.resolve({ ok: true, output });
const fail = (error: string, cause = ''): Promise<TaskOutcome> =>
  Promise.resolve({ ok: false, error, cause });
/** A task that runs until aborted, then reports the abort. */
const untilAborted = (request: TaskRequest): Promise<TaskOutcome> =>
  new Promise((resolve) =>
    request.signal.addEventListener('abort', () =>
      resolve({ ok: false, error: 'Aborted', cause: '' }),
    ),
  );

type Opener = () => Promise<{ open: () => Store }>;

const backends: [string, Opener][] = storeBackends(() => new Date(T0).toISOString()).map(
  ([label, opener]) => [label, async () => ({ open: await opener() })],
);

const definitions = {
  pass: { StartAt: 'A', States: { A: { Type: 'Pass', Result: { done: true }, End: true } } },
  task: {
    StartAt: 'Work',
    States: {
      Work: {
        Type: 'Task',
        Resource: 'arn:aws:states:::http:invoke',
        ResultPath: '$.result',
        End: true,
      },
    },
  },
  wait: { StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 60, End: true } } },
  retry: {
    StartAt: 'Flaky',
    States: {
      Flaky: {
        Type: 'Task',
        Resource: 'arn:aws:states:::http:invoke',
        Retry: [
          {
            ErrorEquals: ['Http.ServerError'],
            IntervalSeconds: 10,
            MaxAttempts: 3,
            BackoffRate: 2,
          },
        ],
        End: true,
      },
    },
  },
  approval: {
    StartAt: 'Ask',
    States: {
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: { 'token.$': '$$.Task.Token', 'what.$': '$.what' },
        HeartbeatSeconds: 60,
        ResultPath: '$.decision',
        Catch: [
          { ErrorEquals: ['Approval.Rejected'], ResultPath: '$.rejection', Next: 'Rejected' },
        ],
        End: true,
      },
      Rejected: { Type: 'Fail', Error: 'Approval.Rejected', Cause: 'someone said no' },
    },
  },
  heartbeat: {
    StartAt: 'Long',
    States: {
      Long: {
        Type: 'Task',
        Resource: 'arn:aws:states:::http:invoke',
        HeartbeatSeconds: 10,
        Catch: [
          { ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.error', Next: 'Recovered' },
        ],
        End: true,
      },
      Recovered: { Type: 'Pass', End: true },
    },
  },
  timeout: {
    StartAt: 'Slow',
    States: {
      Slow: {
        Type: 'Task',
        Resource: 'arn:aws:states:::http:invoke',
        TimeoutSeconds: 30,
        Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Recovered' }],
        End: true,
      },
      Recovered: { Type: 'Pass', End: true },
    },
  },
};

for (const [label, opener] of backends) {
  describe(`engine on ${label}`, () => {
    /** `through` stands between the engine and the store (a test's hook), when given. */
    async function setup(
      tasks: TaskRunner,
      definition: object,
      through: (store: Store) => Store = (store) => store,
    ) {
      const { open } = await opener();
      const store = open();
      await store.migrate();
      await store.workflows.create({
        name: 'wf',
        definition: JSON.stringify(definition),
        roleArn: null,
        type: 'STANDARD',
        description: null,
        revisionId: 'r1',
        now: new Date(T0).toISOString(),
      });
      const clock = new TestClock();
      let n = 0;
      /** What the engine reported of its background work. */
      const errors: unknown[] = [];
      const engine = new Engine({
        store: through(store),
        clock,
        tasks,
        nodeId: 'node-1',
        tokenKey,
        random: () => (n++ % 10) / 10,
        leaseMs: 5 * 60_000,
        onError: (error) => errors.push(error),
      });
      return { store, clock, engine, open, errors };
    }

    it('finishes a workflow of pure states within start', async () => {
      const { store, engine } = await setup(new ScriptedTasks({}), definitions.pass);
      const { execution, created } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      expect(created).toBe(true);
      expect(execution).toMatchObject({ status: 'SUCCEEDED', output: '{"done":true}' });
      const history = await store.executions.history(execution.id, { limit: 10 });
      expect(history.items.map((e) => e.type)).toEqual([
        'ExecutionStarted',
        'PassStateEntered',
        'PassStateExited',
        'ExecutionSucceeded',
      ]);
      await store.close();
    });

    it('runs a task from the due work and commits its result', async () => {
      const tasks = new ScriptedTasks({ Work: () => ok({ id: 7 }) });
      const { store, engine } = await setup(tasks, definitions.task);
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: { a: 1 } });
      expect(execution.status).toBe('RUNNING');
      expect(await engine.tick()).toBe(1);
      await engine.idle();
      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'SUCCEEDED',
        output: '{"a":1,"result":{"id":7}}',
      });
      expect(tasks.calls[0]).toMatchObject({
        input: { a: 1 },
        idempotencyKey: `${execution.id}#t1`,
      });
      expect(await engine.tick()).toBe(0);
      await store.close();
    });

    it('steps the tasks of a Map that answer together one after another, losing none to contention', async () => {
      const ITEMS = 60;
      // Every task answers only once all have been called: their TaskStarted commits and then
      // their results reach the engine together, all on the one execution.
      let release: () => void = () => undefined;
      const allCalled = new Promise<void>((resolve) => (release = resolve));
      const tasks = new ScriptedTasks({
        Work: async (request) => {
          if (tasks.calls.length === ITEMS) release();
          await allCalled;
          return { ok: true, output: (request.input as { i: number }).i * 2 };
        },
      });
      const fanOut = {
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            ItemSelector: { 'i.$': '$$.Map.Item.Value' },
            ItemProcessor: {
              StartAt: 'Work',
              States: {
                Work: { Type: 'Task', Resource: 'arn:aws:states:::http:invoke', End: true },
              },
            },
            End: true,
          },
        },
      };
      const { store, engine, errors } = await setup(tasks, fanOut);
      const items = Array.from({ length: ITEMS }, (_, i) => i);
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: { items } });
      expect(await engine.tick(ITEMS)).toBe(ITEMS);
      await engine.idle();
      // The clock stands still: a step that gave up would leave its task leased, unfinished.
      expect(errors).toEqual([]);
      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'SUCCEEDED',
        output: JSON.stringify(items.map((i) => i * 2)),
      });
      expect(tasks.calls).toHaveLength(ITEMS);
      await store.close();
    });

    it('commits the events that queued up on an execution together, without work a later one retired', async () => {
      // Three branches whose tasks answer at once. The first result's commit is held back, so
      // the other two queue up behind it and are stepped into one commit: branch B enters a
      // Wait (a timer) and branch C's failure fails the Parallel, which cancels that timer.
      const tasks = new ScriptedTasks({
        A: () => ok('a'),
        B: () => ok('b'),
        C: () => fail('Boom', 'branch C failed'),
      });
      const task = (name: string, next?: string) => ({
        StartAt: name,
        States: {
          [name]: {
            Type: 'Task',
            Resource: 'arn:aws:states:::http:invoke',
            ...(next === undefined ? { End: true } : { Next: next }),
          },
          ...(next === undefined ? {} : { [next]: { Type: 'Wait', Seconds: 3600, End: true } }),
        },
      });
      const parallel = {
        StartAt: 'All',
        States: {
          All: {
            Type: 'Parallel',
            Branches: [task('A'), task('B', 'Later'), task('C')],
            End: true,
          },
        },
      };
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      let commits = 0;
      const { store, clock, engine, errors } = await setup(tasks, parallel, (inner) => ({
        ...inner,
        executions: Object.create(inner.executions, {
          commit: {
            value: async (...args: Parameters<Store['executions']['commit']>) => {
              if (++commits === 1) await held;
              return inner.executions.commit(...args);
            },
          },
        }) as Store['executions'],
      }));
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      expect(await engine.tick()).toBe(3);
      await new Promise((resolve) => setImmediate(resolve));
      release();
      await engine.idle();
      expect(errors).toEqual([]);
      expect(commits).toBe(2); // A's result; then B's and C's together
      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'FAILED',
        error: 'Boom',
      });
      const history = await store.executions.history(execution.id, { limit: 100 });
      expect(history.items.filter((e) => e.type === 'WaitStateEntered')).toHaveLength(1);
      // The Wait's timer was scheduled and cancelled in the same commit: it was never written.
      expect(await store.executions.nextDueAt()).toBeUndefined();
      clock.advance(3600);
      expect(await engine.tick()).toBe(0);
      await store.close();
    });

    it('tells subscribers each commit and task, and survives a listener that throws', async () => {
      const tasks = new ScriptedTasks({
        Work: async () => {
          clock.advance(2);
          return ok({ id: 7 });
        },
      });
      const errors: unknown[] = [];
      const { open } = await opener();
      const store = open();
      await store.migrate();
      await store.workflows.create({
        name: 'wf',
        definition: JSON.stringify(definitions.task),
        roleArn: null,
        type: 'STANDARD',
        description: null,
        revisionId: 'r1',
        now: new Date(T0).toISOString(),
      });
      const clock = new TestClock();
      const engine = new Engine({
        store,
        clock,
        tasks,
        nodeId: 'node-1',
        tokenKey,
        random: () => 0,
        onError: (error) => errors.push(error),
      });
      const seen: EngineEvent[] = [];
      engine.subscribe(() => {
        throw new Error('a broken listener');
      });
      const unsubscribe = engine.subscribe((event) => seen.push(event));
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await engine.tick();
      await engine.idle();
      // The task answered within its own event-loop turn: TaskStarted is committed with its
      // result, in one commit.
      expect(seen.map((e) => (e.kind === 'committed' ? e.status : `task ${e.ms} ${e.ok}`))).toEqual(
        ['RUNNING', 'task 2000 true', 'SUCCEEDED'],
      );
      expect(seen[0]).toMatchObject({ executionId: execution.id });
      const types = seen.flatMap((e) =>
        e.kind === 'committed' ? e.events.map((x) => x.type) : [],
      );
      expect(types).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
      expect(errors).toHaveLength(3);
      // A repeated start changes nothing and reports nothing; an unsubscribed listener hears nothing.
      await engine.start({ workflow: 'wf', name: 'e1', input: {} }).catch(() => undefined);
      unsubscribe();
      await engine.start({ workflow: 'wf', name: 'e2', input: {} });
      expect(seen).toHaveLength(3);
      await store.close();
    });

    it('commits TaskStarted on its own while a slow task runs, stamped when the call went out', async () => {
      let finish: (outcome: TaskOutcome) => void = () => undefined;
      const tasks = new ScriptedTasks({
        Work: () =>
          new Promise<TaskOutcome>((resolve) => {
            finish = resolve;
          }),
      });
      const { store, clock, engine } = await setup(tasks, definitions.task);
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: { a: 1 } });
      const callAt = clock.ms;
      expect(await engine.tick()).toBe(1);
      const history = async () =>
        (await store.executions.history(execution.id, { limit: 100 })).items;
      // The call is out; TaskStarted lands right after its turn, while the task still runs.
      for (let i = 0; i < 100 && !(await history()).some((e) => e.type === 'TaskStarted'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      clock.advance(3);
      const running = await history();
      expect(running.map((e) => e.type)).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
      ]);
      expect(running[3]?.timestamp).toBe(new Date(callAt).toISOString());
      expect((await store.executions.get(execution.id))?.status).toBe('RUNNING');
      finish({ ok: true, output: { id: 7 } });
      await engine.idle();
      const done = await history();
      expect(done.map((e) => e.type).slice(3)).toEqual([
        'TaskStarted',
        'TaskSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
      expect(done[4]?.timestamp).toBe(new Date(callAt + 3000).toISOString());
      expect(tasks.calls).toHaveLength(1);
      await store.close();
    });

    it('a task answered at once has TaskStarted stamped when its call went out, committed with its result', async () => {
      const tasks = new ScriptedTasks({ Work: () => ok({ id: 7 }) });
      const { store, engine } = await setup(tasks, definitions.task);
      const commits: string[][] = [];
      engine.subscribe((event) => {
        if (event.kind === 'committed') commits.push(event.events.map((e) => e.type));
      });
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await engine.tick();
      await engine.idle();
      expect(commits).toEqual([
        ['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled'],
        ['TaskStarted', 'TaskSucceeded', 'TaskStateExited', 'ExecutionSucceeded'],
      ]);
      const ids = (await store.executions.history(execution.id, { limit: 100 })).items.map((e) => [
        e.id,
        e.previousEventId,
      ]);
      expect(ids).toEqual([
        [1, 0],
        [2, 1],
        [3, 2],
        [4, 3],
        [5, 4],
        [6, 5],
        [7, 6],
      ]);
      await store.close();
    });

    it('aborts a task whose execution is stopped while its call is going out', async () => {
      let stopping: Promise<void> | undefined;
      let aborted = false;
      const late: { engine?: Engine } = {};
      const tasks = new ScriptedTasks({
        Work: (request) => {
          // Stopped in the call's own turn: whichever of the stop and TaskStarted commits
          // second finds the other, and either way the call is aborted.
          stopping = late.engine?.stop(request.executionId, 'Halt', 'stopped mid-call');
          return untilAborted(request).then((outcome) => {
            aborted = true;
            return outcome;
          });
        },
      });
      const { store, engine } = await setup(tasks, definitions.task);
      late.engine = engine;
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await engine.tick();
      await engine.idle();
      await stopping;
      expect(aborted).toBe(true);
      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'ABORTED',
        error: 'Halt',
      });
      const types = (await store.executions.history(execution.id, { limit: 100 })).items.map(
        (e) => e.type,
      );
      expect(types[types.length - 1]).toBe('ExecutionAborted');
      expect(types).not.toContain('TaskFailed');
      expect(await engine.tick()).toBe(0);
      await store.close();
    });

    it('keeps a Wait as stored due work, fired only when due', async () => {
      const { store, clock, engine } = await setup(new ScriptedTasks({}), definitions.wait);
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: { x: 1 } });
      clock.advance(59);
      expect(await engine.tick()).toBe(0);
      clock.advance(1);
      expect(await engine.tick()).toBe(1);
      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'SUCCEEDED',
        output: '{"x":1}',
      });
      await store.close();
    });

    it('survives a restart: another engine on a new connection finishes the wait', async () => {
      const { store, clock, engine, open } = await setup(new ScriptedTasks({}), definitions.wait);
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await store.close(); // the first node is gone
      const reopened = open();
      await reopened.migrate();
      const next = new Engine({
        store: reopened,
        clock,
        tasks: new ScriptedTasks({}),
        nodeId: 'node-2',
        tokenKey,
        random: () => 0,
      });
      clock.advance(60);
      expect(await next.tick()).toBe(1);
      expect((await reopened.executions.get(execution.id))?.status).toBe('SUCCEEDED');
      await reopened.close();
    });

    it('retries with back-off timers held in the store', async () => {
      const tasks = new ScriptedTasks({
        Flaky: (_request, call) => (call < 2 ? fail('Http.ServerError', '502') : ok('fine')),
      });
      const { store, clock, engine } = await setup(tasks, definitions.retry);
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await engine.tick();
      await engine.idle();
      clock.advance(9);
      expect(await engine.tick()).toBe(0); // back-off not over (10 s)
      clock.advance(1);
      await engine.tick(); // the retry timer fires and schedules the task again
      await engine.tick(); // the task runs (fails again)
      await engine.idle();
      clock.advance(20); // second back-off: 10 * 2
      await engine.tick();
      await engine.tick();
      await engine.idle();
      expect(tasks.calls).toHaveLength(3);
      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'SUCCEEDED',
        output: '"fine"',
      });
      await store.close();
    });

    it('times a task out with States.Timeout, lets Catch handle it, and aborts the task', async () => {
      let aborted = false;
      const tasks = new ScriptedTasks({
        Slow: (request) => {
          request.signal.addEventListener('abort', () => {
            aborted = true;
          });
          return untilAborted(request);
        },
      });
      const { store, clock, engine } = await setup(tasks, definitions.timeout);
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await engine.tick(); // the task starts and hangs
      clock.advance(30);
      await engine.tick(); // the timeout fires
      await engine.idle();
      expect(aborted).toBe(true);
      const record = await store.executions.get(execution.id);
      expect(record?.status).toBe('SUCCEEDED');
      expect(JSON.parse(record?.output ?? 'null')).toMatchObject({
        error: { Error: 'States.Timeout' },
      });
      // The late "Aborted" answer of the cancelled task changed nothing.
      const history = await store.executions.history(execution.id, { limit: 50 });
      expect(history.items.filter((e) => e.type === 'TaskFailed')).toEqual([]);
      await store.close();
    });

    it('keeps a task alive while it sends heartbeats, and times it out when it stops', async () => {
      let beat: (() => Promise<void>) | undefined;
      let aborted = false;
      const tasks = new ScriptedTasks({
        Long: (request) => {
          beat = request.heartbeat;
          request.signal.addEventListener('abort', () => {
            aborted = true;
          });
          return untilAborted(request);
        },
      });
      const { store, clock, engine } = await setup(tasks, definitions.heartbeat);
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await engine.tick(); // the task starts
      for (let i = 0; i < 3; i++) {
        clock.advance(8);
        await beat?.(); // alive: the heartbeat timer moves to now + 10 s
        expect(await engine.tick()).toBe(0);
      }
      expect((await store.executions.get(execution.id))?.status).toBe('RUNNING');
      clock.advance(10); // silence for HeartbeatSeconds
      expect(await engine.tick()).toBe(1);
      await engine.idle();
      expect(aborted).toBe(true);
      const record = await store.executions.get(execution.id);
      expect(record?.status).toBe('SUCCEEDED');
      expect(JSON.parse(record?.output ?? 'null')).toMatchObject({
        error: { Error: 'States.HeartbeatTimeout' },
      });
      await store.close();
    });

    it('ignores heartbeats from a task that is no longer pending', async () => {
      let beat: (() => Promise<void>) | undefined;
      const tasks = new ScriptedTasks({
        Long: (request) => {
          beat = request.heartbeat;
          return ok('done');
        },
      });
      const { store, engine } = await setup(tasks, definitions.heartbeat);
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await engine.tick();
      await engine.idle();
      const before = await store.executions.get(execution.id);
      await beat?.();
      expect(await store.executions.get(execution.id)).toEqual(before);
      expect(await store.executions.nextDueAt()).toBeUndefined();
      await store.close();
    });

    it('reports a task whose result cannot be committed, and retries it after the lease', async () => {
      const tasks = new ScriptedTasks({ Work: () => ok('v') });
      const { store, clock, open } = await setup(tasks, definitions.task);
      const errors: unknown[] = [];
      const flaky = open();
      const engine = new Engine({
        store: flaky,
        clock,
        tasks,
        nodeId: 'node-x',
        tokenKey,
        random: () => 0,
        leaseMs: 1000,
        onError: (error) => errors.push(error),
      });
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await engine.tick(); // the task runs...
      await flaky.close(); // ...and the database goes away before its result is committed
      await engine.idle();
      expect(errors).toHaveLength(1);
      expect((await store.executions.get(execution.id))?.status).toBe('RUNNING');
      clock.advance(1); // the lease runs out: another node takes the task over
      const rescuer = new Engine({
        store,
        clock,
        tasks,
        nodeId: 'node-y',
        tokenKey,
        random: () => 0,
      });
      expect(await rescuer.tick()).toBe(1);
      await rescuer.idle();
      expect((await store.executions.get(execution.id))?.status).toBe('SUCCEEDED');
      expect(tasks.calls).toHaveLength(2); // at least once: the task ran again
      await store.close();
    });

    it('enforces the history limit, and goes beyond AWS when configured to', async () => {
      const loop = {
        StartAt: 'Count',
        QueryLanguage: 'JSONata',
        States: {
          Count: {
            Type: 'Pass',
            Output: '{% $states.input + 1 %}',
            Next: 'Done?',
          },
          'Done?': {
            Type: 'Choice',
            Choices: [{ Condition: '{% $states.input >= 6600 %}', Next: 'Done' }],
            Default: 'Count',
          },
          Done: { Type: 'Succeed' },
        },
      };
      // 6,600 rounds of two states: about 26,400 events, over AWS's 25,000.
      const { store, engine } = await setup(new ScriptedTasks({}), loop);
      const limited = await engine.start({ workflow: 'wf', name: 'e1', input: 0 });
      expect(limited.execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
      expect(limited.execution.cause).toContain('maximum number of history events (25000)');
      const roomy = new Engine({
        store,
        clock: new TestClock(),
        tasks: new ScriptedTasks({}),
        nodeId: 'node-2',
        tokenKey,
        random: () => 0,
        limits: { historyEvents: 30_000 },
      });
      const { execution } = await roomy.start({ workflow: 'wf', name: 'e2', input: 0 });
      expect(execution).toMatchObject({ status: 'SUCCEEDED', output: '6600' });
      expect(execution.eventCount).toBeGreaterThan(25_000);
      await store.close();
    });

    describe('redrive', () => {
      it('answers a retry with the same client token from any node, for 15 minutes', async () => {
        const tasks = new ScriptedTasks({
          Work: (request, call) =>
            call === 0 ? fail('Http.ServerError', '502') : untilAborted(request),
        });
        const { store, clock, engine, open } = await setup(tasks, definitions.task);
        const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
        await engine.tick();
        await engine.idle();
        clock.advance(60);
        const first = await engine.redrive(execution.id, 'retry-1');
        // The same token again, here and on another node: the first redrive's date, nothing more.
        clock.advance(60);
        expect(await engine.redrive(execution.id, 'retry-1')).toEqual(first);
        const other = open();
        const second = new Engine({
          store: other,
          clock,
          tasks,
          nodeId: 'node-2',
          tokenKey,
          random: () => 0,
        });
        expect(await second.redrive(execution.id, 'retry-1')).toEqual(first);
        expect((await store.executions.get(execution.id))?.redriveCount).toBe(1);
        // Another token is a new redrive, refused while the execution runs.
        await expect(engine.redrive(execution.id, 'retry-2')).rejects.toMatchObject({
          code: 'EXECUTION_NOT_REDRIVABLE',
        });
        // 15 minutes after its use the token answers no more.
        clock.advance(15 * 60);
        await expect(second.redrive(execution.id, 'retry-1')).rejects.toMatchObject({
          code: 'EXECUTION_NOT_REDRIVABLE',
        });
        await engine.stop(execution.id);
        await other.close();
        await store.close();
      });

      it('continues a failed execution from its failed task, once, and counts it', async () => {
        const tasks = new ScriptedTasks({
          Work: (_request, call) => (call === 0 ? fail('Http.ServerError', '502') : ok('fine')),
        });
        const { store, clock, engine } = await setup(tasks, definitions.task);
        const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: { a: 1 } });
        await engine.tick();
        await engine.idle();
        const failed = await store.executions.get(execution.id);
        expect(failed).toMatchObject({ status: 'FAILED', error: 'Http.ServerError' });
        clock.advance(3600);
        const [first, second] = await Promise.allSettled([
          engine.redrive(execution.id),
          engine.redrive(execution.id),
        ]);
        const outcomes = [first, second].map((o) => o?.status);
        expect(outcomes.sort()).toEqual(['fulfilled', 'rejected']);
        const refused = [first, second].find((o) => o?.status === 'rejected');
        expect(refused?.status === 'rejected' ? refused.reason : undefined).toMatchObject({
          code: 'EXECUTION_NOT_REDRIVABLE',
          message: 'Execution is RUNNING and cannot be redriven.',
        });
        expect(await store.executions.get(execution.id)).toMatchObject({
          status: 'RUNNING',
          stoppedAt: null,
          error: null,
          redriveCount: 1,
        });
        await engine.tick();
        await engine.idle();
        expect(await store.executions.get(execution.id)).toMatchObject({
          status: 'SUCCEEDED',
          output: '{"a":1,"result":"fine"}',
          redriveCount: 1,
          stoppedAt: new Date(clock.ms).toISOString(),
        });
        const types = (await store.executions.history(execution.id, { limit: 100 })).items.map(
          (e) => e.type,
        );
        expect(types.slice(types.indexOf('ExecutionFailed'))).toEqual([
          'ExecutionFailed',
          'ExecutionRedriven',
          'TaskStateEntered',
          'TaskScheduled',
          'TaskStarted',
          'TaskSucceeded',
          'TaskStateExited',
          'ExecutionSucceeded',
        ]);
        expect(tasks.calls.map((c) => c.idempotencyKey)).toEqual([
          `${execution.id}#t1`,
          `${execution.id}#t2`,
        ]);
        await store.close();
      });

      it("re-runs a stopped execution's task without the stopped attempt coming back", async () => {
        const tasks = new ScriptedTasks({
          Work: (request, call) => (call === 0 ? untilAborted(request) : ok('second')),
        });
        const { store, engine } = await setup(tasks, definitions.task);
        const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
        await engine.tick();
        await engine.stop(execution.id, 'Ops.Stopped', 'by hand');
        await engine.idle();
        expect((await store.executions.get(execution.id))?.status).toBe('ABORTED');
        await engine.redrive(execution.id);
        expect(await engine.tick()).toBe(1);
        await engine.idle();
        expect(await store.executions.get(execution.id)).toMatchObject({
          status: 'SUCCEEDED',
          output: '{"result":"second"}',
        });
        expect(tasks.calls).toHaveLength(2);
        await store.close();
      });

      it('refuses what AWS refuses, with its reasons', async () => {
        const { store, clock, engine } = await setup(
          new ScriptedTasks({ Work: () => fail('Boom') }),
          definitions.task,
        );
        const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
        await expect(engine.redrive(execution.id)).rejects.toMatchObject({
          code: 'EXECUTION_NOT_REDRIVABLE',
          message: 'Execution is RUNNING and cannot be redriven.',
        });
        await engine.tick();
        await engine.idle();
        clock.advance(14 * 24 * 3600 + 1);
        await expect(engine.redrive(execution.id)).rejects.toMatchObject({
          code: 'EXECUTION_NOT_REDRIVABLE',
          message: 'Execution redrivable period exceeded.',
        });
        await expect(engine.redrive(`${execution.id}-nope`)).rejects.toMatchObject({
          code: 'EXECUTION_NOT_FOUND',
        });
        const done = await engine.start({ workflow: 'wf', name: 'e2', input: {} });
        await store.workflows.update('wf', {
          definition: JSON.stringify(definitions.pass),
          revisionId: 'r2',
          now: new Date(T0).toISOString(),
        });
        const passed = await engine.start({ workflow: 'wf', name: 'e3', input: {} });
        expect(passed.execution.status).toBe('SUCCEEDED');
        await expect(engine.redrive(passed.execution.id)).rejects.toMatchObject({
          message: 'Execution is SUCCEEDED and cannot be redriven.',
        });
        expect(done.execution.status).toBe('RUNNING');
        await store.close();
      });

      it('refuses executions of EXPRESS workflows', async () => {
        const { store, engine } = await setup(
          new ScriptedTasks({ Work: () => fail('Boom') }),
          definitions.task,
        );
        await store.workflows.create({
          name: 'quick',
          definition: JSON.stringify(definitions.task),
          roleArn: null,
          type: 'EXPRESS',
          description: null,
          revisionId: 'q1',
          now: new Date(T0).toISOString(),
        });
        const { execution } = await engine.start({ workflow: 'quick', name: 'e1', input: {} });
        await engine.tick();
        await engine.idle();
        expect((await store.executions.get(execution.id))?.status).toBe('FAILED');
        await expect(engine.redrive(execution.id)).rejects.toMatchObject({
          code: 'EXECUTION_NOT_REDRIVABLE',
          message: expect.stringContaining('EXPRESS') as unknown,
        });
        await store.close();
      });
    });

    describe('.waitForTaskToken', () => {
      /** Starts an approval and returns the token its task request carried. */
      async function approval() {
        const tasks = new ScriptedTasks({ Ask: () => ok({ MessageId: 'm-1' }) });
        const env = await setup(tasks, definitions.approval);
        const { execution } = await env.engine.start({
          workflow: 'wf',
          name: 'e1',
          input: { what: 'deploy' },
        });
        await env.engine.tick();
        await env.engine.idle();
        const request = tasks.calls[0];
        const token = request?.taskToken ?? '';
        expect(request?.input).toEqual({ token, what: 'deploy' });
        return { ...env, execution, token };
      }

      it('waits after the request is sent, and completes with SendTaskSuccess', async () => {
        const { store, engine, execution, token } = await approval();
        expect((await store.executions.get(execution.id))?.status).toBe('RUNNING');
        await engine.sendTaskSuccess(token, { approvedBy: 'ada' });
        expect(await store.executions.get(execution.id)).toMatchObject({
          status: 'SUCCEEDED',
          output: '{"what":"deploy","decision":{"approvedBy":"ada"}}',
        });
        await store.close();
      });

      it("hands SendTaskFailure to the state's Catch", async () => {
        const { store, engine, execution, token } = await approval();
        await engine.sendTaskFailure(token, 'Approval.Rejected', 'not today');
        expect(await store.executions.get(execution.id)).toMatchObject({
          status: 'FAILED',
          error: 'Approval.Rejected',
        });
        await store.close();
      });

      it('refuses a token whose task already completed as timed out (closed), as AWS does', async () => {
        const { store, engine, token } = await approval();
        await engine.sendTaskSuccess(token, 1);
        await expect(engine.sendTaskSuccess(token, 2)).rejects.toMatchObject({
          code: 'TASK_TIMED_OUT',
        });
        await expect(engine.sendTaskFailure(token, 'E', '')).rejects.toMatchObject({
          code: 'TASK_TIMED_OUT',
        });
        await expect(engine.sendTaskHeartbeat(token)).rejects.toMatchObject({
          code: 'TASK_TIMED_OUT',
        });
        // A token numbered past any task the execution made never existed.
        const never = token.replace(/#(\d+)#/, (_m, n: string) => `#${Number(n) + 100}#`);
        await expect(engine.sendTaskSuccess(never, 1)).rejects.toMatchObject({
          code: 'TASK_DOES_NOT_EXIST',
        });
        await store.close();
      });

      it('refuses forged and malformed tokens without touching the execution', async () => {
        const { store, engine, execution, token } = await approval();
        const forged = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
        await expect(engine.sendTaskSuccess(forged, 1)).rejects.toMatchObject({
          code: 'TASK_DOES_NOT_EXIST',
        });
        const otherTask = token.replace(/#(\d+)#/, (_m, n: string) => `#${Number(n) + 1}#`);
        await expect(engine.sendTaskSuccess(otherTask, 1)).rejects.toMatchObject({
          code: 'TASK_DOES_NOT_EXIST',
        });
        for (const bad of ['', 'not-a-token', token.split('#').slice(0, 2).join('#')]) {
          await expect(engine.sendTaskFailure(bad, 'E', '')).rejects.toMatchObject({
            code: 'INVALID_TOKEN',
          });
        }
        expect((await store.executions.get(execution.id))?.status).toBe('RUNNING');
        await store.close();
      });

      it('keeps the task alive with SendTaskHeartbeat, and times it out without', async () => {
        const { store, clock, engine, execution, token } = await approval();
        clock.advance(50);
        await engine.sendTaskHeartbeat(token);
        clock.advance(50);
        expect(await engine.tick()).toBe(0);
        clock.advance(10);
        expect(await engine.tick()).toBe(1);
        expect(await store.executions.get(execution.id)).toMatchObject({
          status: 'FAILED',
          error: 'States.HeartbeatTimeout',
        });
        await expect(engine.sendTaskSuccess(token, 1)).rejects.toMatchObject({
          code: 'TASK_TIMED_OUT',
        });
        await expect(engine.sendTaskHeartbeat(token)).rejects.toMatchObject({
          code: 'TASK_TIMED_OUT',
        });
        await store.close();
      });

      it('invalidates the token when the execution is stopped', async () => {
        const { store, engine, execution, token } = await approval();
        await engine.stop(execution.id, 'Operator.Stop', '');
        await expect(engine.sendTaskSuccess(token, 1)).rejects.toMatchObject({
          code: 'TASK_TIMED_OUT',
        });
        await store.close();
      });

      it('refuses a token of an execution that does not exist as a task that does not exist', async () => {
        const { store, engine, token } = await approval();
        const elsewhere = token.replace(/execution:wf:[^#]+#/, 'execution:wf:nobody#');
        await expect(engine.sendTaskSuccess(elsewhere, 1)).rejects.toMatchObject({
          code: 'TASK_DOES_NOT_EXIST',
        });
        await store.close();
      });
    });

    it('stops an execution: ABORTED, its task aborted, its work retired', async () => {
      let aborted = false;
      const tasks = new ScriptedTasks({
        Work: (request) => {
          request.signal.addEventListener('abort', () => {
            aborted = true;
          });
          return untilAborted(request);
        },
      });
      const { store, clock, engine } = await setup(tasks, definitions.task);
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await engine.tick();
      await engine.stop(execution.id, 'Operator.Stop', 'by ada');
      await engine.idle();
      expect(aborted).toBe(true);
      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'ABORTED',
        error: 'Operator.Stop',
        cause: 'by ada',
      });
      clock.advance(3600);
      expect(await store.executions.nextDueAt()).toBeUndefined();
      await store.close();
    });

    it('applies each timer once when two engines tick the same database', async () => {
      const { store, clock, engine, open } = await setup(new ScriptedTasks({}), definitions.wait);
      const other = open();
      const second = new Engine({
        store: other,
        clock,
        tasks: new ScriptedTasks({}),
        nodeId: 'node-2',
        tokenKey,
        random: () => 0.5,
      });
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        ids.push(
          (await engine.start({ workflow: 'wf', name: `e${i}`, input: { i } })).execution.id,
        );
      }
      clock.advance(60);
      const claimed = await Promise.all([engine.tick(), second.tick(), engine.tick()]);
      expect(claimed.reduce((a, b) => a + b, 0)).toBe(6);
      for (const id of ids) {
        const history = await store.executions.history(id, { limit: 50 });
        expect(history.items.filter((e) => e.type === 'WaitStateExited')).toHaveLength(1);
        expect((await store.executions.get(id))?.status).toBe('SUCCEEDED');
      }
      await other.close();
      await store.close();
    });

    it('returns the running execution for a repeated start, and refuses the name otherwise', async () => {
      const { store, engine } = await setup(new ScriptedTasks({}), definitions.wait);
      const first = await engine.start({ workflow: 'wf', name: 'e1', input: { a: 1 } });
      const again = await engine.start({ workflow: 'wf', name: 'e1', input: { a: 1 } });
      expect(again.created).toBe(false);
      expect(again.execution.id).toBe(first.execution.id);
      await expect(
        engine.start({ workflow: 'wf', name: 'e1', input: { a: 2 } }),
      ).rejects.toMatchObject({
        code: 'ALREADY_EXISTS',
      });
      await store.close();
    });

    it('refuses to start a workflow, version or alias that does not exist', async () => {
      const { store, engine } = await setup(new ScriptedTasks({}), definitions.pass);
      await expect(engine.start({ workflow: 'nope', name: 'e', input: {} })).rejects.toMatchObject({
        code: 'WORKFLOW_NOT_FOUND',
      });
      await expect(
        engine.start({ workflow: 'wf', name: 'has space', input: {} }),
      ).rejects.toMatchObject({
        code: 'INVALID_NAME',
      });
      await expect(
        engine.start({ workflow: 'wf', name: 'e', input: {}, version: 4 }),
      ).rejects.toMatchObject({
        code: 'VERSION_NOT_FOUND',
      });
      await expect(
        engine.start({ workflow: 'wf', name: 'e', input: {}, alias: 'prod' }),
      ).rejects.toMatchObject({
        code: 'ALIAS_NOT_FOUND',
      });
      await store.close();
    });

    it('purges finished executions after the retention period, never running ones', async () => {
      const { store, clock, engine } = await setup(new ScriptedTasks({}), definitions.wait);
      const done = await engine.start({ workflow: 'wf', name: 'done', input: {} });
      clock.advance(60);
      await engine.tick(); // "done" finishes now
      const running = await engine.start({ workflow: 'wf', name: 'running', input: {} });
      const keeper = new Engine({
        store,
        clock,
        tasks: new ScriptedTasks({}),
        nodeId: 'janitor',
        tokenKey,
        random: () => 0,
        retentionMs: 3600_000,
      });
      clock.advance(3599);
      expect(await keeper.purgeFinished()).toBe(0);
      clock.advance(2);
      expect(await keeper.purgeFinished(1)).toBe(1);
      expect(await store.executions.get(done.execution.id)).toBeUndefined();
      expect((await store.executions.get(running.execution.id))?.status).toBe('RUNNING');
      await store.close();
    });

    it('keeps an execution on the version it started with after the workflow changes', async () => {
      const { store, clock, engine } = await setup(new ScriptedTasks({}), definitions.wait);
      await store.workflows.publishVersion('wf', {
        description: null,
        now: new Date(T0).toISOString(),
      });
      await store.workflows.putAlias('wf', 'prod', {
        description: null,
        routing: [{ version: 1, weight: 100 }],
        now: new Date(T0).toISOString(),
      });
      const { execution } = await engine.start({
        workflow: 'wf',
        name: 'e1',
        input: { v: 1 },
        alias: 'prod',
      });
      expect(execution).toMatchObject({ version: 1, alias: 'prod' });
      await store.workflows.update('wf', {
        definition: JSON.stringify(definitions.pass),
        revisionId: 'r2',
        now: new Date(T0).toISOString(),
      });
      clock.advance(60);
      await engine.tick();
      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'SUCCEEDED',
        output: '{"v":1}',
      });
      await store.close();
    });
  });
}
