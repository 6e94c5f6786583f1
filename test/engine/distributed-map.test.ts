/**
 * Distributed Map on both stores: iterations run as child executions of a Map Run, whose
 * record (DescribeMapRun-style counts) is committed with the parent; MaxConcurrency holds
 * across a restart; failures past the tolerance fail the Map Run; stop and redrive reach the
 * children.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/common/index.js';
import { isJsonObject } from '../../src/common/index.js';
import { Engine } from '../../src/engine/index.js';
import type { TaskOutcome, TaskRequest, TaskRunner } from '../../src/integrations/index.js';
import type { Store } from '../../src/store/index.js';
import { dropAll } from '../support/databases.js';
import { storeBackends } from '../support/store-backends.js';

afterAll(dropAll);

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

type Opener = () => Promise<{ open: () => Store }>;

const backends: [string, Opener][] = storeBackends(() => new Date(T0).toISOString()).map(
  ([label, opener]) => [label, async () => ({ open: await opener() })],
);

/** Each child runs one task on its item `{n}`; the Map keeps at most 2 children running. */
function distributedMap(extra: Record<string, JsonValue> = {}): object {
  return {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        Label: 'Items',
        MaxConcurrency: 2,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Work',
          States: {
            Work: { Type: 'Task', Resource: 'arn:aws:states:::http:invoke', End: true },
          },
        },
        ...extra,
        End: true,
      },
    },
  };
}

const items = (count: number): JsonValue => Array.from({ length: count }, (_, n) => ({ n }));

function itemOf(request: TaskRequest): number {
  const input = request.input;
  return isJsonObject(input) ? Number(input['n']) : -1;
}

/** Answers child tasks: `fails` items fail, the rest return `{n: 10 * n}`; counts calls. */
class ChildTasks implements TaskRunner {
  readonly calls: number[] = [];
  hang = false;
  constructor(private readonly fails: ReadonlySet<number> = new Set()) {}
  run(request: TaskRequest): Promise<TaskOutcome> {
    const n = itemOf(request);
    this.calls.push(n);
    if (this.hang) {
      return new Promise((resolve) =>
        request.signal.addEventListener('abort', () =>
          resolve({ ok: false, error: 'Aborted', cause: '' }),
        ),
      );
    }
    if (this.fails.has(n)) return Promise.resolve({ ok: false, error: 'Boom', cause: `item ${n}` });
    return Promise.resolve({ ok: true, output: { n: 10 * n } });
  }
}

for (const [label, opener] of backends) {
  describe(`Distributed Map on ${label}`, () => {
    async function setup(tasks: TaskRunner, definition: object) {
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
      const engine = newEngine(store, clock, tasks);
      return { store, clock, engine, open };
    }

    function newEngine(store: Store, clock: TestClock, tasks: TaskRunner, nodeId = 'node-1') {
      let n = 0;
      return new Engine({
        store,
        clock,
        tasks,
        nodeId,
        tokenKey,
        random: () => (n++ % 10) / 10,
        leaseMs: 60_000,
      });
    }

    /** Works due items until none are left, checking MaxConcurrency after every round. */
    async function drain(engine: Engine, store: Store, mapRun?: () => Promise<string>) {
      for (let round = 0; round < 100; round++) {
        const claimed = await engine.tick();
        await engine.idle();
        if (mapRun !== undefined)
          expect(await runningChildren(store, await mapRun())).toBeLessThanOrEqual(2);
        if (claimed === 0) return;
      }
      throw new Error('the work never ran out');
    }

    /** Ticks until `count` children run (their starts are in the background). */
    async function untilRunning(engine: Engine, store: Store, mapRunArn: string, count: number) {
      for (let round = 0; round < 100; round++) {
        await engine.tick();
        if ((await runningChildren(store, mapRunArn)) >= count) {
          // Let their first tasks be claimed and started too.
          for (let more = 0; more < 5; more++) {
            await engine.tick();
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    async function runningChildren(store: Store, mapRunArn: string): Promise<number> {
      const children = await store.executions.list({ mapRun: mapRunArn }, { limit: 1000 });
      return children.items.filter((c) => c.status === 'RUNNING').length;
    }

    async function onlyMapRun(store: Store, executionId: string): Promise<string> {
      const runs = await store.mapRuns.list(executionId, { limit: 10 });
      expect(runs.items).toHaveLength(1);
      return runs.items[0]?.arn ?? '';
    }

    it('runs each item as a child execution and records the Map Run', async () => {
      const tasks = new ChildTasks();
      const { store, engine } = await setup(tasks, distributedMap());
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: items(5) });
      const mapRunArn = await onlyMapRun(store, execution.id);
      expect(mapRunArn).toMatch(
        /^arn:aws:states:local:000000000000:mapRun:wf\/Items:[0-9a-f-]{36}$/,
      );
      await drain(engine, store, () => Promise.resolve(mapRunArn));

      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'SUCCEEDED',
        output: JSON.stringify([0, 10, 20, 30, 40].map((n) => ({ n }))),
      });
      expect(await store.mapRuns.get(mapRunArn)).toMatchObject({
        execution: execution.id,
        status: 'SUCCEEDED',
        maxConcurrency: 2,
        toleratedFailureCount: 0,
        counts: { pending: 0, running: 0, succeeded: 5, failed: 0, total: 5 },
      });
      const children = await store.executions.list({ mapRun: mapRunArn }, { limit: 10 });
      expect(children.items).toHaveLength(5);
      for (const child of children.items) {
        expect(child.id).toMatch(/:execution:wf\/Items:[0-9a-f-]{36}$/);
        expect(child).toMatchObject({
          status: 'SUCCEEDED',
          workflow: 'wf/Items',
          mapRun: mapRunArn,
        });
      }
      const history = await store.executions.history(execution.id, { limit: 100 });
      expect(history.items.map((e) => e.type)).toEqual([
        'ExecutionStarted',
        'MapStateEntered',
        'MapRunStarted',
        'MapRunSucceeded',
        'MapStateExited',
        'ExecutionSucceeded',
      ]);
      // The parent's list by workflow does not show the children.
      const listed = await store.executions.list({ workflow: 'wf' }, { limit: 10 });
      expect(listed.items.map((e) => e.id)).toEqual([execution.id]);
      expect(tasks.calls.sort()).toEqual([0, 1, 2, 3, 4]);
      await store.close();
    });

    it('hears children that end together in a few commits of the parent', async () => {
      const tasks = new ChildTasks();
      const { store, engine } = await setup(tasks, distributedMap({ MaxConcurrency: 0 }));
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: items(30) });
      let parentCommits = 0;
      engine.subscribe((event) => {
        if (event.kind === 'committed' && event.executionId === execution.id) parentCommits++;
      });
      await drain(engine, store);
      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'SUCCEEDED',
        output: JSON.stringify(Array.from({ length: 30 }, (_, n) => ({ n: 10 * n }))),
      });
      // The 30 ends are claimed in one tick and stepped together: one commit, or a few when
      // some queue up while the first is being written (one commit each: 30).
      expect(parentCommits).toBeLessThanOrEqual(5);
      await store.close();
    });

    it('keeps MaxConcurrency and loses no item across a restart mid-map', async () => {
      const first = new ChildTasks();
      first.hang = true; // node 1 dies with its children's tasks in flight
      const { store, clock, engine, open } = await setup(first, distributedMap());
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: items(5) });
      const mapRunArn = await onlyMapRun(store, execution.id);
      await untilRunning(engine, store, mapRunArn, 2);
      expect(await runningChildren(store, mapRunArn)).toBe(2);
      expect(first.calls).toHaveLength(2);

      // Node 2 on a new connection, after node 1's leases ran out.
      const second = new ChildTasks();
      const store2 = open();
      const engine2 = newEngine(store2, clock, second, 'node-2');
      clock.advance(120);
      await drain(engine2, store2, () => Promise.resolve(mapRunArn));

      expect(await store2.executions.get(execution.id)).toMatchObject({
        status: 'SUCCEEDED',
        output: JSON.stringify([0, 10, 20, 30, 40].map((n) => ({ n }))),
      });
      // The same two children were taken over (by name), not started again.
      const children = await store2.executions.list({ mapRun: mapRunArn }, { limit: 100 });
      expect(children.items).toHaveLength(5);
      expect(second.calls.sort()).toEqual([0, 1, 2, 3, 4]);
      expect(await store2.mapRuns.get(mapRunArn)).toMatchObject({
        status: 'SUCCEEDED',
        counts: { succeeded: 5, running: 0, pending: 0 },
      });
      await store2.close();
    });

    it('fails the Map Run when children fail past ToleratedFailureCount', async () => {
      const tasks = new ChildTasks(new Set([1, 2]));
      const definition = distributedMap({ MaxConcurrency: 1, ToleratedFailureCount: 1 });
      const { store, engine } = await setup(tasks, definition);
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: items(4) });
      const mapRunArn = await onlyMapRun(store, execution.id);
      await drain(engine, store);

      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'FAILED',
        error: 'States.ExceedToleratedFailureThreshold',
      });
      expect(await store.mapRuns.get(mapRunArn)).toMatchObject({
        status: 'FAILED',
        toleratedFailureCount: 1,
        counts: { succeeded: 1, failed: 2, pending: 1, running: 0, total: 4 },
      });
      expect(tasks.calls).toEqual([0, 1, 2]);
      const history = await store.executions.history(execution.id, { limit: 100 });
      expect(history.items.map((e) => e.type).slice(-2)).toEqual([
        'MapRunFailed',
        'ExecutionFailed',
      ]);

      // Redrive: only the failed and never-started items run again, in the same Map Run.
      const healed = new ChildTasks();
      const engine2 = newEngine(store, new TestClock(), healed);
      await engine2.redrive(execution.id);
      await drain(engine2, store);
      expect(healed.calls.sort()).toEqual([1, 2, 3]);
      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'SUCCEEDED',
        output: JSON.stringify([0, 10, 20, 30].map((n) => ({ n }))),
      });
      expect(await store.mapRuns.get(mapRunArn)).toMatchObject({
        status: 'SUCCEEDED',
        redriveCount: 1,
        counts: { succeeded: 4, failed: 0, pending: 0 },
      });
      await store.close();
    });

    it('stops the running children when the parent is stopped', async () => {
      const tasks = new ChildTasks();
      tasks.hang = true;
      const { store, engine } = await setup(tasks, distributedMap());
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: items(3) });
      const mapRunArn = await onlyMapRun(store, execution.id);
      await untilRunning(engine, store, mapRunArn, 2);
      expect(await runningChildren(store, mapRunArn)).toBe(2);

      await engine.stop(execution.id, 'Halt', 'by hand');
      await drain(engine, store);
      const children = await store.executions.list({ mapRun: mapRunArn }, { limit: 10 });
      expect(children.items.map((c) => c.status)).toEqual(['ABORTED', 'ABORTED']);
      expect(await store.mapRuns.get(mapRunArn)).toMatchObject({
        status: 'ABORTED',
        counts: { aborted: 2, pending: 1, running: 0 },
      });
      expect(await store.executions.get(execution.id)).toMatchObject({ status: 'ABORTED' });
      await store.close();
    });
  });
}
