/**
 * Delivery processing on both stores with the real engine: triggers start executions once,
 * whatever is redelivered, reprocessed or interrupted; QUEUED, SUPERSEDED and PARALLEL
 * concurrency; outcomes that say what started or why nothing did.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/common/index.js';
import { Engine } from '../../src/engine/index.js';
import type { DeliveryOutcome, GitLabEvent } from '../../src/gitlab/deliveries/index.js';
import { DeliveryProcessor, deliveryKeyOf } from '../../src/gitlab/deliveries/index.js';
import type { ExecutionStartedReport } from '../../src/gitlab/triggers/index.js';
import type { TaskRunner } from '../../src/integrations/index.js';
import type { Store } from '../../src/store/index.js';
import { dropAll } from '../support/databases.js';
import { storeBackends } from '../support/store-backends.js';
import type { DeliveryOptions, FixtureName } from '../support/gitlab-webhooks.js';
import { buildDelivery } from '../support/gitlab-webhooks.js';

afterAll(dropAll);

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
/** Stays RUNNING until stopped: a Wait of an hour (no run loop fires it). */
const WAITING = JSON.stringify({
  StartAt: 'W',
  States: { W: { Type: 'Wait', Seconds: 3600, End: true } },
});
const noTasks: TaskRunner = {
  run: () => Promise.reject(new Error('no tasks in these tests')),
};

class TestClock {
  ms = T0;
  nowMs(): number {
    return this.ms;
  }
}

interface World {
  store: Store;
  engine: Engine;
  clock: TestClock;
  processor: DeliveryProcessor;
  started: ExecutionStartedReport[];
  events: [string, GitLabEvent][];
  errors: unknown[];
  compared: number;
  failCompare: number;
  /** A processor as a restarted node would build it. */
  restart(nodeId?: string): DeliveryProcessor;
  deliver(name: FixtureName, options?: DeliveryOptions, connection?: string): Promise<string>;
  trigger(rule: Record<string, unknown>): Promise<void>;
  outcome(id: string): Promise<DeliveryOutcome & { status: string }>;
  close(): Promise<void>;
}

const backends = storeBackends(() => new Date(T0).toISOString());

let deliveryIds = 0;

async function world(open: () => Store): Promise<World> {
  const store = open();
  await store.migrate();
  const clock = new TestClock();
  const engine = new Engine({
    store,
    clock,
    tasks: noTasks,
    nodeId: 'node-a',
    random: () => 0.5,
    region: 'us-east-1',
    account: '123456789012',
    tokenKey: () => randomBytes(32).toString('hex'),
  });
  for (const name of ['build', 'deploy']) {
    await store.workflows.create({
      name,
      definition: WAITING,
      roleArn: null,
      type: 'STANDARD',
      description: null,
      revisionId: `${name}-r1`,
      now: new Date(T0).toISOString(),
    });
  }
  const w: World = {
    store,
    engine,
    clock,
    started: [],
    events: [],
    errors: [],
    compared: 0,
    failCompare: 0,
    processor: undefined as unknown as DeliveryProcessor,
    restart: (nodeId = 'node-a') =>
      new DeliveryProcessor({
        store,
        engine,
        clock,
        nodeId,
        region: 'us-east-1',
        account: '123456789012',
        compare: () => {
          w.compared++;
          if (w.failCompare > 0) {
            w.failCompare--;
            return Promise.reject(new Error('GitLab answered 502'));
          }
          return Promise.resolve(['src/app.ts']);
        },
        botUsername: () => Promise.resolve('baton-bot'),
        onGitLabEvent: [
          (connection, event) => {
            w.events.push([connection, event]);
            return Promise.resolve();
          },
        ],
        onExecutionStarted: [
          (started) => {
            w.started.push(started);
            return Promise.resolve();
          },
        ],
        onError: (error) => w.errors.push(error),
        triggerCacheMs: 0,
      }),
    deliver: async (name, options = {}, connection = 'default') => {
      const built = buildDelivery(name, options);
      const key = deliveryKeyOf(
        {
          idempotencyKey: built.headers['idempotency-key'],
          webhookId: built.headers['webhook-id'],
        },
        built.event,
        built.json as JsonObject,
      );
      const { record } = await store.deliveries.record({
        id: `d${String(++deliveryIds).padStart(4, '0')}`,
        connection,
        receivedAt: new Date(clock.ms).toISOString(),
        event: built.event,
        objectKind:
          typeof built.json['object_kind'] === 'string' ? built.json['object_kind'] : null,
        dedupeKey: key.key,
        keySource: key.source,
        contentKey: key.contentKey,
        headers: JSON.stringify({
          'x-gitlab-event': built.event,
          'x-gitlab-instance': 'https://gitlab.example.com',
        }),
        body: built.body,
      });
      clock.ms += 1000;
      return record.id;
    },
    trigger: async (rule) => {
      await store.triggers.put({
        name: String(rule['name']),
        source: 'api',
        definition: JSON.stringify(rule),
        now: new Date(clock.ms).toISOString(),
      });
    },
    outcome: async (id) => {
      const record = await store.deliveries.get(id);
      return {
        ...(JSON.parse(record?.outcome ?? '{}') as DeliveryOutcome),
        status: record?.status ?? '',
      };
    },
    close: () => store.close(),
  };
  w.processor = w.restart();
  return w;
}

async function executions(store: Store, workflow = 'build') {
  const page = await store.executions.list({ workflow }, { limit: 100 });
  return [...page.items].sort(
    (a, b) => a.startedAt.localeCompare(b.startedAt) || a.name.localeCompare(b.name),
  );
}

describe.each(backends)('%s: delivery processing', (_label, opener) => {
  const withWorld = (test: (w: World) => Promise<void>) => async () => {
    const w = await world(await opener());
    try {
      await test(w);
    } finally {
      await w.close();
    }
  };

  it(
    'takes small batches while deliveries arrive, larger ones when intake is quiet',
    withWorld(async (w) => {
      for (let i = 0; i < 25; i++) {
        await w.deliver('push', { overrides: { checkout_sha: `${i}`.padStart(40, 'a') } });
      }
      w.processor.wake(); // a delivery was just recorded on this node
      expect(await w.processor.processDue()).toBe(2);
      w.clock.ms += 1000; // quiet since
      expect(await w.processor.processDue()).toBe(20);
      expect(await w.processor.processDue()).toBe(3);
    }),
  );

  it(
    "starts the trigger's workflow with the event as input, and records what it started",
    withWorld(async (w) => {
      await w.trigger({
        name: 'build-main',
        workflow: 'build',
        events: ['push'],
        refs: { include: ['master'] },
        report: { commitStatus: true },
      });
      const id = await w.deliver('push');
      expect(await w.processor.processDue()).toBe(1);
      const [execution, ...more] = await executions(w.store);
      expect(more).toEqual([]);
      expect(JSON.parse(execution?.input ?? '{}')).toMatchObject({
        object_kind: 'push',
        ref: 'refs/heads/master',
      });
      const outcome = await w.outcome(id);
      expect(outcome).toMatchObject({
        status: 'processed',
        started: [
          {
            trigger: 'build-main',
            workflow: 'build',
            status: 'started',
            executionArn: execution?.id,
          },
        ],
        summary: expect.stringMatching(/^trigger build-main: started build-main-[0-9a-f]{20}$/),
      });
      expect(w.started).toEqual([
        {
          executionArn: execution?.id,
          trigger: 'build-main',
          connection: 'default',
          projectId: 15,
          sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
          ref: 'master',
          report: { commitStatus: true, mergeRequestNote: false },
        },
      ]);
      expect(
        w.events.map(([connection, event]) => [connection, event.event, event.deliveryId]),
      ).toEqual([['default', 'Push Hook', id]]);
    }),
  );

  it(
    'records why nothing started: no trigger for the event, or the filter that refused',
    withWorld(async (w) => {
      const none = await w.deliver('push');
      await w.processor.processDue();
      expect(await w.outcome(none)).toMatchObject({
        status: 'ignored',
        summary: 'no trigger for event Push Hook on project mike/diaspora',
        started: [],
      });
      await w.trigger({
        name: 'build',
        workflow: 'build',
        events: ['push'],
        refs: { exclude: ['x'] },
      });
      await w.trigger({ name: 'tags', workflow: 'build', events: ['tag_push'] });
      const excluded = await w.deliver('push', { overrides: { ref: 'refs/heads/x' } });
      await w.processor.processDue();
      expect(await w.outcome(excluded)).toMatchObject({
        status: 'ignored',
        summary:
          "trigger build: branch x excluded by 'x'; trigger tags: event Push Hook is not one of tag_push",
      });
      // Events nobody can trigger on are ignored too, and still reach the wake-up hooks.
      const wiki = await w.deliver('push', { headers: { 'x-gitlab-event': 'Wiki Page Hook' } });
      expect(w.events).toHaveLength(2);
      await w.processor.processDue();
      expect((await w.outcome(wiki)).status).toBe('ignored');
      expect(await executions(w.store)).toEqual([]);
    }),
  );

  it(
    'starts one execution for the same change delivered twice under different keys',
    withWorld(async (w) => {
      await w.trigger({ name: 'build', workflow: 'build', events: ['push'] });
      // A project hook and a group hook: two Idempotency-Keys, one change.
      const a = await w.deliver('push');
      const b = await w.deliver('push');
      await w.processor.processDue();
      expect((await executions(w.store)).length).toBe(1);
      expect((await w.outcome(a)).started[0]?.status).toBe('started');
      expect((await w.outcome(b)).started[0]?.status).toBe('already-started');
      expect(w.started).toHaveLength(1);
    }),
  );

  it(
    'processes deliveries recorded before a crash when the node starts again',
    withWorld(async (w) => {
      await w.trigger({ name: 'build', workflow: 'build', events: ['push'] });
      const id = await w.deliver('push');
      // The node died after recording (and answering GitLab), before processing.
      const restarted = w.restart('node-b');
      expect(await restarted.processDue()).toBe(1);
      expect((await w.outcome(id)).status).toBe('processed');
      expect(await executions(w.store)).toHaveLength(1);
    }),
  );

  it(
    'never starts twice when a node dies between starting and recording the outcome',
    withWorld(async (w) => {
      await w.trigger({ name: 'build', workflow: 'build', events: ['push'] });
      const id = await w.deliver('push');
      // The first node claims and starts, then dies before finishing: its lease runs out.
      const finish = w.store.deliveries.finish.bind(w.store.deliveries);
      w.store.deliveries.finish = () => Promise.reject(new Error('node died'));
      await w.processor.processDue().catch(() => undefined);
      w.store.deliveries.finish = finish;
      expect(await executions(w.store)).toHaveLength(1);
      expect((await w.store.deliveries.get(id))?.status).toBe('processing');
      w.clock.ms += 61_000;
      expect(await w.restart('node-b').processDue()).toBe(1);
      expect(await executions(w.store)).toHaveLength(1);
      expect(await w.outcome(id)).toMatchObject({
        status: 'processed',
        started: [{ status: 'already-started' }],
      });
      expect(w.started).toHaveLength(1);
    }),
  );

  it(
    'reports an execution that already finished as already started (the name is taken)',
    withWorld(async (w) => {
      await w.trigger({
        name: 'build',
        workflow: 'build',
        events: ['push'],
        executionName: 'build-{{ event.after }}',
      });
      await w.deliver('push');
      await w.processor.processDue();
      const [first] = await executions(w.store);
      await w.engine.stop(first?.id ?? '', 'Test', 'done');
      const again = await w.deliver('push', { overrides: { before: '1'.repeat(40) } });
      await w.processor.processDue();
      expect(await w.outcome(again)).toMatchObject({
        started: [{ status: 'already-started', executionArn: first?.id }],
      });
      expect(await executions(w.store)).toHaveLength(1);
    }),
  );

  it(
    'maps the input with JSONata and names executions from a template',
    withWorld(async (w) => {
      await w.trigger({
        name: 'build',
        workflow: 'build',
        events: ['push'],
        input:
          '{ "sha": event.checkout_sha, "kind": headers.event, "via": connection, "from": headers.instance }',
        executionName: '{{ event.project.path_with_namespace }}: {{ event.checkout_sha }}',
      });
      await w.deliver('push');
      await w.processor.processDue();
      const [execution] = await executions(w.store);
      expect(execution?.name).toBe('mike-diaspora-da1560886d4f094c3e6c9ef40349f7d38b5d27d7');
      expect(JSON.parse(execution?.input ?? '')).toEqual({
        sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        kind: 'Push Hook',
        via: 'default',
        from: 'https://gitlab.example.com',
      });
    }),
  );

  it(
    'records a trigger whose workflow is missing or whose input fails, without retrying',
    withWorld(async (w) => {
      await w.trigger({ name: 'gone', workflow: 'nope', events: ['push'] });
      await w.trigger({
        name: 'broken',
        workflow: 'build',
        events: ['push'],
        input: '$error("no input")',
      });
      const id = await w.deliver('push');
      await w.processor.processDue();
      const outcome = await w.outcome(id);
      expect(outcome.status).toBe('failed');
      expect((await w.store.deliveries.get(id))?.error).toMatch(
        /^trigger broken: .*no input.*; trigger gone: .*nope/,
      );
      expect(outcome.started).toEqual([
        expect.objectContaining({
          trigger: 'broken',
          status: 'failed',
          reason: expect.stringMatching(/no input/),
        }),
        expect.objectContaining({
          trigger: 'gone',
          status: 'failed',
          reason: expect.stringMatching(/nope/),
        }),
      ]);
    }),
  );

  it(
    'retries a delivery after a transient failure, then fails it after the last attempt',
    withWorld(async (w) => {
      await w.trigger({
        name: 'build',
        workflow: 'build',
        events: ['push'],
        paths: { include: ['src/**'] },
      });
      w.failCompare = 1;
      const id = await w.deliver('push');
      await w.processor.processDue();
      expect(await w.store.deliveries.get(id)).toMatchObject({
        status: 'processing',
        error: 'GitLab answered 502',
      });
      expect(await w.processor.processDue()).toBe(0); // not before its retry time
      w.clock.ms += 2_000;
      await w.processor.processDue();
      expect((await w.outcome(id)).status).toBe('processed');
      w.failCompare = 100;
      const doomed = await w.deliver('push', { overrides: { after: '3'.repeat(40) } });
      for (let i = 0; i < 6; i++) {
        await w.processor.processDue();
        w.clock.ms += 5 * 60_000;
      }
      expect(await w.store.deliveries.get(doomed)).toMatchObject({
        status: 'failed',
        attempts: 5,
        error: 'GitLab answered 502',
      });
    }),
  );

  it(
    'QUEUED: starts one execution per key at a time, in arrival order, also across a restart',
    withWorld(async (w) => {
      await w.trigger({
        name: 'build',
        workflow: 'build',
        events: ['push'],
        concurrency: { mode: 'QUEUED' },
      });
      const ids = [];
      for (const after of ['a', 'b', 'c'])
        ids.push(await w.deliver('push', { overrides: { after: after.repeat(40) } }));
      ids.push(
        await w.deliver('push', { overrides: { after: 'd'.repeat(40), ref: 'refs/heads/other' } }),
      );
      const unfollow = w.processor.followEngine();
      await w.processor.processDue();
      const outcomes = await Promise.all(ids.map((id) => w.outcome(id)));
      expect(outcomes.map((o) => o.started[0]?.status)).toEqual([
        'started',
        'queued',
        'queued',
        'started',
      ]);
      expect(outcomes[2]?.started[0]?.reason).toBe('waiting for 2 earlier run(s)');
      let running = (await executions(w.store)).filter((e) => e.status === 'RUNNING');
      expect(running).toHaveLength(2);
      // The first ends on this node: the engine's event starts the second.
      const first = outcomes[0]?.started[0]?.executionArn ?? '';
      await w.engine.stop(first, 'Test', 'finished');
      await waitFor(async () => (await executions(w.store)).length === 3);
      unfollow();
      // Now the node restarts; the second ends while nobody watches.
      const second = (await executions(w.store)).find(
        (e) => e.status === 'RUNNING' && JSON.parse(e.input).after === 'b'.repeat(40),
      );
      expect(second).toBeDefined();
      await w.engine.stop(second?.id ?? '', 'Test', 'finished');
      const restarted = w.restart('node-b');
      expect(await restarted.runs.reconcile()).toBeGreaterThan(0);
      const all = await executions(w.store);
      expect(all).toHaveLength(4);
      running = all.filter((e) => e.status === 'RUNNING');
      const afters: string[] = running.map((e) => String(JSON.parse(e.input).after)).sort();
      // The other key's run, and the third of the queue.
      expect(afters).toEqual(['c'.repeat(40), 'd'.repeat(40)]);
      expect(w.started).toHaveLength(4);
    }),
  );

  it(
    'SUPERSEDED: a newer run stops the older one of its key; an older delivery arriving late starts nothing',
    withWorld(async (w) => {
      await w.trigger({
        name: 'build',
        workflow: 'build',
        events: ['push'],
        concurrency: { mode: 'SUPERSEDED' },
      });
      const older = await w.deliver('push', { overrides: { after: 'a'.repeat(40) } });
      await w.processor.processDue();
      const newer = await w.deliver('push', { overrides: { after: 'b'.repeat(40) } });
      const other = await w.deliver('push', {
        overrides: { after: 'c'.repeat(40), ref: 'refs/heads/other' },
      });
      await w.processor.processDue();
      const olderArn = (await w.outcome(older)).started[0]?.executionArn ?? '';
      const newerArn = (await w.outcome(newer)).started[0]?.executionArn ?? '';
      const stopped = await w.store.executions.get(olderArn);
      expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Baton.Superseded' });
      expect(stopped?.cause).toContain(newerArn);
      expect((await w.store.executions.get(newerArn))?.status).toBe('RUNNING');
      expect((await w.outcome(other)).started[0]?.status).toBe('started');
      // A delivery received before `newer` but processed after it (out of order).
      const late = await w.deliver('push', { overrides: { after: 'e'.repeat(40) } });
      const row = await w.store.deliveries.get(late);
      expect(row).toBeDefined();
      await w.store.triggers.addRun({
        trigger: 'build',
        executionName: 'probe',
        concurrencyKey: 'mike/diaspora@master',
        mode: 'SUPERSEDED',
        seq: '9999',
        status: 'running',
        request: '{}',
        deliveryId: 'x',
        now: new Date(w.clock.ms).toISOString(),
      });
      await w.processor.processDue();
      expect(await w.outcome(late)).toMatchObject({
        started: [{ status: 'superseded', reason: 'a newer delivery already started probe' }],
        status: 'ignored',
      });
      expect((await w.store.executions.get(newerArn))?.status).toBe('RUNNING');
    }),
  );

  it(
    'PARALLEL: runs every execution side by side',
    withWorld(async (w) => {
      await w.trigger({ name: 'build', workflow: 'build', events: ['push'] });
      await w.deliver('push', { overrides: { after: 'a'.repeat(40) } });
      await w.deliver('push', { overrides: { after: 'b'.repeat(40) } });
      await w.processor.processDue();
      const all = await executions(w.store);
      expect(all.map((e) => e.status)).toEqual(['RUNNING', 'RUNNING']);
    }),
  );
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met in time');
}
