/**
 * The crash test (issue #3 §7): an engine process is SIGKILLed at random moments, many times,
 * and restarted; every execution must still finish with exactly the expected output, and no
 * history may show a transition applied twice. Runs against both stores.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import type { Store } from '../../src/store/index.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { dropAll, freshPostgresUrl, freshSqlitePath } from '../support/databases.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const child = join(root, 'test', 'engine', 'crash-child.mjs');
const now = (): string => new Date().toISOString();

/**
 * The child runs the compiled engine: build it when dist is missing or older than src, or
 * lacks a migration (the child would refuse a database migrated further than it knows).
 */
beforeAll(() => {
  const migrations = readdirSync(join(root, 'src/store/sql/migrations')).map((file) => [
    `src/store/sql/migrations/${file}`,
    `dist/store/sql/migrations/${file}`,
  ]);
  const pairs = [
    ['src/engine/engine.ts', 'dist/engine/engine.js'],
    ['src/store/sql/execution-store.ts', 'dist/store/sql/execution-store.js'],
    ['src/language/execution/step.ts', 'dist/language/execution/step.js'],
    ...migrations,
  ];
  const stale = pairs.some(
    ([src = '', out = '']) =>
      !existsSync(join(root, out)) ||
      statSync(join(root, src)).mtimeMs > statSync(join(root, out)).mtimeMs,
  );
  if (stale) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}, 120_000);

afterAll(dropAll);

/** Secret bytes for task tokens, as the composition root would pass them. */
const tokenKey = (): string => randomBytes(32).toString('hex');

const workflows: Record<string, object> = {
  chain: {
    StartAt: 'S0',
    States: Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [
        `S${i}`,
        {
          Type: 'Pass',
          Parameters: { 'n.$': 'States.MathAdd($.n, 1)' },
          ...(i === 11 ? { End: true } : { Next: `S${i + 1}` }),
        },
      ]),
    ),
  },
  waitThenTask: {
    StartAt: 'Pause',
    States: {
      Pause: { Type: 'Wait', Seconds: 1, Next: 'Echo' },
      Echo: {
        Type: 'Task',
        Resource: 'arn:aws:states:::http:invoke',
        Parameters: { 'n.$': '$.n' },
        End: true,
      },
    },
  },
  retryMap: {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: {
          StartAt: 'Flaky',
          States: {
            Flaky: {
              Type: 'Task',
              Resource: 'arn:aws:states:::http:invoke',
              Parameters: { 'n.$': '$', 'retry.$': '$$.State.RetryCount' },
              Retry: [
                {
                  ErrorEquals: ['Test.Transient'],
                  IntervalSeconds: 2,
                  BackoffRate: 1,
                  MaxAttempts: 3,
                },
              ],
              End: true,
            },
          },
        },
        End: true,
      },
    },
  },
  choiceLoop: {
    StartAt: 'Init',
    States: {
      Init: { Type: 'Pass', Parameters: { 'n.$': '$.n', count: 0 }, Next: 'Inc' },
      Inc: {
        Type: 'Pass',
        Parameters: { 'n.$': '$.n', 'count.$': 'States.MathAdd($.count, 1)' },
        Next: 'Enough?',
      },
      'Enough?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.count', NumericGreaterThanEquals: 5, Next: 'Done' }],
        Default: 'Inc',
      },
      Done: { Type: 'Succeed' },
    },
  },
  callback: {
    StartAt: 'Ask',
    States: {
      // The child process answers each token shortly after the request (see crash-child.mjs);
      // a node killed before it answers leaves the task to time out and be retried.
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: { 'n.$': '$.n', 'token.$': '$$.Task.Token' },
        TimeoutSeconds: 3,
        Retry: [
          { ErrorEquals: ['States.Timeout'], IntervalSeconds: 1, BackoffRate: 1, MaxAttempts: 20 },
        ],
        End: true,
      },
    },
  },
  // Each item runs as a child execution of a Map Run, at most two at a time.
  distMap: {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: 2,
        ItemSelector: { 'n.$': '$$.Map.Item.Value' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Echo',
          States: {
            Echo: {
              Type: 'Task',
              Resource: 'arn:aws:states:::http:invoke',
              Parameters: { 'n.$': '$.n' },
              End: true,
            },
          },
        },
        End: true,
      },
    },
  },
  parallel: {
    StartAt: 'Both',
    States: {
      Both: {
        Type: 'Parallel',
        Branches: [0, 1].map((b) => ({
          StartAt: `Echo${b}`,
          States: {
            [`Echo${b}`]: {
              Type: 'Task',
              Resource: 'arn:aws:states:::http:invoke',
              Parameters: { 'n.$': `States.MathAdd($.n, ${b})` },
              End: true,
            },
          },
        })),
        End: true,
      },
    },
  },
};

function expectedOutput(workflow: string, n: number): unknown {
  switch (workflow) {
    case 'chain':
      return { n: n + 12 };
    case 'waitThenTask':
      return { n, doubled: n * 2 };
    case 'retryMap':
    case 'distMap':
      return [1, 2, 3].map((i) => ({ n: i, doubled: i * 2 }));
    case 'choiceLoop':
      return { n, count: 5 };
    case 'callback':
      return { n, answered: true };
    default:
      return [0, 1].map((b) => ({ n: n + b, doubled: (n + b) * 2 }));
  }
}

interface Started {
  readonly id: string;
  readonly workflow: string;
  readonly n: number;
}

/** Creates the workflows and starts 50 executions of each (10 of distMap): 310 in all. */
async function startExecutions(store: Store): Promise<Started[]> {
  await store.migrate();
  for (const [name, definition] of Object.entries(workflows)) {
    await store.workflows.create({
      name,
      definition: JSON.stringify(definition),
      roleArn: null,
      type: 'STANDARD',
      description: null,
      revisionId: 'r1',
      now: now(),
    });
  }
  const starter = new Engine({
    store,
    clock: { nowMs: () => Date.now() },
    tasks: { run: () => Promise.reject(new Error('the test process runs no tasks')) },
    nodeId: 'starter',
    tokenKey,
    random: Math.random,
  });
  const started: Started[] = [];
  for (let n = 0; n < 50; n++) {
    for (const workflow of Object.keys(workflows)) {
      if (workflow === 'distMap' && n >= 10) continue; // its children are executions too
      const { execution } = await starter.start({
        workflow,
        name: `run-${n}`,
        input: { n, items: [1, 2, 3] },
      });
      started.push({ id: execution.id, workflow, n });
    }
  }

  return started;
}

async function allDone(store: Store, started: readonly Started[]): Promise<boolean> {
  for (const { id } of started) {
    if ((await store.executions.get(id))?.status === 'RUNNING') return false;
  }
  return true;
}

/** Every execution ended with exactly the expected output, and no history repeats a step. */
async function verify(store: Store, started: readonly Started[]): Promise<void> {
  for (const { id, workflow, n } of started) {
    const record = await store.executions.get(id);
    expect(record?.status, `${workflow} #${n}`).toBe('SUCCEEDED');
    expect(JSON.parse(record?.output ?? 'null'), `${workflow} #${n}`).toEqual(
      expectedOutput(workflow, n),
    );
    const history = (await store.executions.history(id, { limit: 1000 })).items;
    expect(history.map((e) => e.id)).toEqual(history.map((_, i) => i + 1));
    const count = (type: string): number => history.filter((e) => e.type === type).length;
    expect(count('ExecutionStarted')).toBe(1);
    expect(count('ExecutionSucceeded')).toBe(1);
    // Each state is entered once per branch or iteration: nothing was applied twice.
    const entered = history
      .filter((e) => e.type.endsWith('StateEntered'))
      .map(
        (e) =>
          (JSON.parse(e.details) as { stateEnteredEventDetails: { name: string } })
            .stateEnteredEventDetails.name,
      );
    const expectedEntries = {
      chain: 12,
      waitThenTask: 2,
      retryMap: 1 + 3,
      parallel: 1 + 2,
      choiceLoop: 1 + 5 * 2 + 1,
      callback: 1,
      distMap: 1,
    }[workflow];
    expect(entered, `${workflow} #${n}`).toHaveLength(expectedEntries ?? -1);
    if (workflow === 'retryMap') {
      expect(count('TaskSucceeded')).toBe(3);
      expect(count('TaskFailed')).toBe(6);
    }
    if (workflow === 'callback') expect(count('TaskSucceeded')).toBe(1);
    if (workflow === 'distMap') await verifyMapRun(store, id, count);
  }
}

/** One Map Run, three children started once each, each ran its task once. */
async function verifyMapRun(
  store: Store,
  id: string,
  count: (type: string) => number,
): Promise<void> {
  expect(count('MapRunStarted')).toBe(1);
  expect(count('MapRunSucceeded')).toBe(1);
  const runs = (await store.mapRuns.list(id, { limit: 10 })).items;
  expect(runs).toHaveLength(1);
  const [mapRun] = runs;
  expect(mapRun).toMatchObject({ status: 'SUCCEEDED', counts: { succeeded: 3, running: 0 } });
  const children = (await store.executions.list({ mapRun: mapRun?.arn ?? '' }, { limit: 10 }))
    .items;
  expect(children.map((c) => c.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  for (const child of children) {
    const events = (await store.executions.history(child.id, { limit: 100 })).items;
    expect(events.filter((e) => e.type === 'TaskStateEntered')).toHaveLength(1);
  }
}

function startEngine(childArgs: readonly string[]): ReturnType<typeof spawn> {
  return spawn(process.execPath, [child, ...childArgs], { cwd: root, stdio: 'ignore' });
}

async function kill(proc: ReturnType<typeof spawn>): Promise<void> {
  proc.kill('SIGKILL');
  await new Promise((resolve) => proc.once('exit', resolve));
}

async function crashTest(store: Store, childArgs: readonly string[]): Promise<void> {
  const started = await startExecutions(store);
  // At least MIN_KILLS short lives, then longer ones every fifth life until all finish. Each
  // retryMap run needs two 2-second back-offs, so the early kills land mid-work.
  const MIN_KILLS = 10;
  let kills = 0;
  let midWorkKills = 0;
  const deadline = Date.now() + 90_000;
  while ((kills < MIN_KILLS || !(await allDone(store, started))) && Date.now() < deadline) {
    const proc = startEngine(childArgs);
    const life =
      kills >= MIN_KILLS && kills % 5 === 4 ? 1500 : 150 + Math.floor(Math.random() * 450);
    await new Promise((resolve) => setTimeout(resolve, life));
    if (!(await allDone(store, started))) midWorkKills++;
    await kill(proc);
    kills++;
  }
  expect(await allDone(store, started)).toBe(true);
  expect(midWorkKills).toBeGreaterThanOrEqual(5);

  await verify(store, started);
}

/**
 * Several nodes on one PostgreSQL database (issue #3 §6): three engine processes share the
 * work; one is killed mid-run; the other two finish everything, the dead node's leased work
 * included once its lease runs out.
 */
async function threeNodes(store: Store, childArgs: readonly string[]): Promise<void> {
  const started = await startExecutions(store);
  const nodes = [startEngine(childArgs), startEngine(childArgs), startEngine(childArgs)];
  try {
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await allDone(store, started)).toBe(false); // the kill lands mid-run
    const [victim, ...survivors] = nodes;
    if (victim) await kill(victim);
    const deadline = Date.now() + 60_000;
    while (!(await allDone(store, started)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const node of survivors) await kill(node);
  } finally {
    for (const node of nodes)
      if (node.exitCode === null && node.signalCode === null) node.kill('SIGKILL');
  }
  expect(await allDone(store, started)).toBe(true);
  await verify(store, started);
}

describe('crash test', () => {
  it('loses nothing and applies nothing twice when the engine is killed repeatedly (sqlite)', async () => {
    const path = freshSqlitePath();
    const store = openSqliteStore({ path, now });
    try {
      await crashTest(store, ['sqlite', path]);
    } finally {
      await store.close();
    }
  }, 150_000);

  it("lets three nodes share the work and finishes a killed node's part (postgres)", async () => {
    const url = await freshPostgresUrl();
    const store = openPostgresStore({ url, now });
    try {
      await threeNodes(store, ['postgres', url]);
    } finally {
      await store.close();
    }
  }, 150_000);

  it('loses nothing and applies nothing twice when the engine is killed repeatedly (postgres)', async () => {
    const url = await freshPostgresUrl();
    const store = openPostgresStore({ url, now });
    try {
      await crashTest(store, ['postgres', url]);
    } finally {
      await store.close();
    }
  }, 150_000);
});
