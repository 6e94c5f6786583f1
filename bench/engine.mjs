// Durable engine throughput next to the raw commit rate of the same database, same run, for
// 1,000 concurrent executions of two workflows:
// - task: Prepare (Pass) -> Work (Task) -> Check (Choice) -> Done (Succeed): 4 state
//   transitions each, committed in 2 steps (start; the task's TaskStarted and result).
// - pure: the 10-state Pass/Choice workflow of the latency measure (6 Pass states with
//   States.MathAdd, 3 Choice states, Succeed): 10 transitions, one commit (the start).
// Each store first runs one round of each workflow unmeasured (JIT warm-up: a server that has
// been up a while is warm), then `--rounds` measured rounds (default 3), each of them: 1,000
// task executions, 1,000 10-state executions, and the raw commit rate. The table shows each
// figure's median with the range of the rounds.
// Each store also runs one execution of a Map of `--map-items` Task items (default 1,000; all
// answered at once), inline and DISTRIBUTED (each item a child execution), next to the same
// Map run in memory by the local runner (runLocal, no store: the ceiling).
// `--definition-bytes N` pads both workflows' definitions with a Comment of N bytes, as real
// workflows are larger than these (a definition is stored once, not per execution).
// Usage: npm run bench (after the local runner benchmark), or
//   node --expose-gc bench/engine.mjs [--rounds 3] [--definition-bytes 0] [--map-items 1000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Engine } from '../dist/engine/index.js';
import { RandomPool } from '../dist/identity/index.js';
import { runLocal } from '../dist/local/index.js';
import { openPostgresStore } from '../dist/store/postgres/index.js';
import { openSqliteStore } from '../dist/store/sqlite/index.js';
import { tenStates } from './workflows.mjs';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    'definition-bytes': { type: 'string', default: '0' },
    'map-items': { type: 'string', default: '1000' },
  },
});
const MAP_ITEMS = Number(args['map-items']);
if (!Number.isInteger(MAP_ITEMS) || MAP_ITEMS < 1) {
  throw new Error('--map-items takes a whole number >= 1');
}
const ROUNDS = Number(args.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds takes a whole number >= 1');
const PADDING = Number(args['definition-bytes']);
if (!Number.isInteger(PADDING) || PADDING < 0) {
  throw new Error('--definition-bytes takes a whole number >= 0');
}
/** `definition` with a Comment of PADDING bytes first, when asked for. */
const padded = (definition) =>
  PADDING === 0 ? definition : { Comment: 'x'.repeat(PADDING), ...definition };
const keys = new RandomPool();
const tokenKey = () => keys.hex(32);
const EXECUTIONS = 1000;
const RAW_COMMITS = 2000;
const now = () => new Date().toISOString();

const taskDefinition = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Parameters: { 'n.$': '$.n' }, Next: 'Work' },
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::http:invoke',
      ResultPath: '$.r',
      Next: 'Check',
    },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.r.ok', BooleanEquals: true, Next: 'Done' }],
      Default: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

/** Registers a workflow for a benchmark phase. */
function createWorkflow(store, name, definition) {
  return store.workflows.create({
    name,
    definition,
    roleArn: null,
    type: 'STANDARD',
    description: null,
    revisionId: 'r1',
    now: now(),
  });
}

/** An engine on the real clock whose tasks answer at once. */
function benchEngine(store, nodeId) {
  return new Engine({
    store,
    clock: { nowMs: () => Date.now() },
    tasks: { run: async () => ({ ok: true, output: { ok: true } }) },
    nodeId,
    tokenKey,
    random: () => keys.fraction(),
  });
}

const WORKLOADS = [
  { name: 'task', definition: padded(taskDefinition), transitions: 4 },
  { name: 'pure', definition: padded(tenStates()), transitions: 10 },
];

/** One round of a workload: `EXECUTIONS` started and worked to the end; transitions/s. */
async function engineRate(store, workload, round) {
  const engine = benchEngine(store, workload.name);
  const succeededBefore = await succeededCount(store);
  const start = process.hrtime.bigint();
  // Starts arrive concurrently, as from API clients: 100 in flight at a time.
  for (let wave = 0; wave < EXECUTIONS; wave += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, EXECUTIONS - wave) }, (_, i) =>
        engine.start({
          workflow: workload.name,
          name: `${round}-${wave + i}`,
          input: { n: wave + i },
        }),
      ),
    );
  }
  while ((await engine.tick(200)) > 0) await engine.idle();
  await engine.idle();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const succeeded = await succeededCount(store);
  if (succeeded - succeededBefore !== EXECUTIONS) {
    throw new Error(
      `${workload.name}, round ${round}: ${succeeded - succeededBefore} of ${EXECUTIONS} executions succeeded`,
    );
  }
  return (EXECUTIONS * workload.transitions) / seconds;
}

/** How many of the store's executions have SUCCEEDED. */
async function succeededCount(store) {
  return (await store.executions.stats(now())).executions.SUCCEEDED;
}

/**
 * A warm-up round of each workload, then `ROUNDS` rounds of each workload and of the raw
 * commit rate, then the Map fan-outs; returns [task, pure, raw, fans]: the first three the
 * lists of their rounds' rates, `fans` one `fanOut` result per FAN_OUT_MODES entry.
 */
async function measure(store, rawCommits) {
  await store.migrate();
  for (const workload of WORKLOADS) {
    await createWorkflow(store, workload.name, JSON.stringify(workload.definition));
    await engineRate(store, workload, 'warm-up');
  }
  const rates = [[], [], []];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [i, workload] of WORKLOADS.entries()) {
      rates[i].push(await engineRate(store, workload, round));
    }
    rates[2].push(await rawCommits(round));
  }
  const fans = [];
  for (const mode of FAN_OUT_MODES) {
    await createWorkflow(store, `fan-${mode}`, JSON.stringify(padded(fanOutDefinition(mode))));
    await fanOut(store, mode, 100, 'warm-up');
    fans.push(await fanOut(store, mode, MAP_ITEMS, 'measured'));
  }
  await store.close();
  return [...rates, fans];
}

const FAN_OUT_MODES = ['INLINE', 'DISTRIBUTED'];

/** A Map of one Task per item, run inline or as child executions. */
function fanOutDefinition(mode) {
  return {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: {
          ProcessorConfig: { Mode: mode, ExecutionType: 'STANDARD' },
          StartAt: 'Work',
          States: { Work: { Type: 'Task', Resource: 'arn:aws:states:::http:invoke', End: true } },
        },
        End: true,
      },
    },
  };
}
const fanOutInput = (items) => ({ items: Array.from({ length: items }, (_, i) => i) });

/**
 * One execution of the Map of `items` tasks, worked to the end: seconds, and the commits of
 * the execution itself (children not counted).
 */
async function fanOut(store, mode, items, name) {
  const engine = benchEngine(store, `fan-${mode}-${name}`);
  let commits = 0;
  let parent;
  engine.subscribe((event) => {
    if (event.kind === 'committed' && (parent === undefined || event.executionId === parent)) {
      commits++;
    }
  });
  const start = process.hrtime.bigint();
  const { execution } = await engine.start({
    workflow: `fan-${mode}`,
    name,
    input: fanOutInput(items),
  });
  parent = execution.id;
  while ((await engine.tick(200)) > 0) await engine.idle();
  await engine.idle();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const done = await store.executions.get(execution.id);
  if (done?.status !== 'SUCCEEDED') throw new Error(`the fan-out ended ${done?.status}`);
  return { seconds, commits };
}

/** The same Map in memory (runLocal, tasks mocked): median seconds of 3 runs after a warm-up. */
async function fanOutInMemory(mode, items) {
  const run = async () => {
    const start = process.hrtime.bigint();
    const result = await runLocal(padded(fanOutDefinition(mode)), {
      input: fanOutInput(items),
      mocks: { Work: { result: { ok: true } } },
    });
    if (result.status !== 'SUCCEEDED') throw new Error(`runLocal: ${result.error}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  await run();
  const times = [await run(), await run(), await run()];
  return times.sort((a, b) => a - b)[1];
}

function sqliteRawCommits(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS raw (id INTEGER PRIMARY KEY, v TEXT)');
  const insert = db.prepare('INSERT INTO raw (v) VALUES (?)');
  const start = process.hrtime.bigint();
  for (let i = 0; i < RAW_COMMITS; i++) insert.run('x'); // autocommit: one transaction each
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  db.close();
  return RAW_COMMITS / seconds;
}

async function postgresRawCommits(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('CREATE TABLE IF NOT EXISTS raw (id SERIAL PRIMARY KEY, v TEXT)');
  const start = process.hrtime.bigint();
  for (let i = 0; i < RAW_COMMITS; i++)
    await client.query('INSERT INTO raw (v) VALUES ($1)', ['x']);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await client.end();
  return RAW_COMMITS / seconds;
}

const rows = [];
const dir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
try {
  const store = openSqliteStore({ path: join(dir, 'engine.db'), now });
  const rates = await measure(store, () => sqliteRawCommits(join(dir, 'raw.db')));
  rows.push(['SQLite (WAL, each commit fsynced before it is answered)', ...rates]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const server = process.env.BATON_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432';
const database = `baton_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: `${server}/postgres` });
try {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = `${server}/${database}`;
  const store = openPostgresStore({ url, now });
  const rates = await measure(store, () => postgresRawCommits(url));
  rows.push(['PostgreSQL', ...rates]);
  await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
} catch (error) {
  console.log(`PostgreSQL skipped: ${error.message}`);
} finally {
  await admin.end().catch(() => {});
}

/** Start-to-finish latency of a 10-state Pass/Choice workflow (it finishes within start). */
async function latency(store, runs) {
  await createWorkflow(store, 'latency', JSON.stringify(tenStates()));
  const engine = benchEngine(store, 'latency');
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const { execution } = await engine.start({
      workflow: 'latency',
      name: `l${i}`,
      input: { n: 0 },
    });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (execution.status !== 'SUCCEEDED')
      throw new Error(`latency run ${i} is ${execution.status}`);
  }
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

/** Resident memory with `count` executions waiting on a timer, in MiB. */
async function waitingMemory(store, count) {
  await createWorkflow(
    store,
    'waiting',
    JSON.stringify({
      StartAt: 'W',
      States: { W: { Type: 'Wait', Seconds: 3600, End: true } },
    }),
  );
  const engine = benchEngine(store, 'memory');
  globalThis.gc?.();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < count; i++) {
    await engine.start({ workflow: 'waiting', name: `w${i}`, input: { i } });
  }
  await engine.tick(); // nothing is due: the waits live in the store, not in memory
  globalThis.gc?.();
  const after = process.memoryUsage().rss;
  return { rss: after / 2 ** 20, growth: (after - before) / 2 ** 20 };
}

const latencyDir = mkdtempSync(join(tmpdir(), 'baton-bench-'));
try {
  const store = openSqliteStore({ path: join(latencyDir, 'latency.db'), now });
  await store.migrate();
  const { p50, p99 } = await latency(store, 1000);
  const memory = await waitingMemory(store, 10_000);
  await store.close();
  console.log('\n| SQLite (each commit fsynced) | measured | goal (issue #3) |');
  console.log('| --- | ---: | ---: |');
  console.log(
    `| start-to-finish latency of a 10-state Pass/Choice workflow, p50 | ${p50.toFixed(2)} ms | at most 2 ms |`,
  );
  console.log(`| same, p99 | ${p99.toFixed(2)} ms | |`);
  console.log(
    `| resident memory with 10,000 executions waiting on timers | ${Math.round(memory.rss)} MiB (grew ${Math.round(memory.growth)} MiB) | at most 200 MB |`,
  );
} finally {
  rmSync(latencyDir, { recursive: true, force: true });
}

const figure = (n) => Math.round(n).toLocaleString('en-US');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
/** The median of the rounds, then their range. */
const summary = (values) =>
  values.length === 1
    ? figure(values[0])
    : `**${figure(median(values))}** (${figure(Math.min(...values))}-${figure(Math.max(...values))})`;
console.log(
  `\n${ROUNDS} measured rounds per store after a warm-up round; median (range) of the rounds.${PADDING > 0 ? ` Definitions padded with a ${PADDING}-byte Comment.` : ''}`,
);
console.log(
  `\n| store | durable transitions/s, task workflow (${EXECUTIONS} executions) | durable transitions/s, 10-state Pass/Choice (${EXECUTIONS} executions) | raw single-row commits/s | ratios to raw, medians (task, 10-state) |`,
);
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [name, task, pure, raw] of rows) {
  console.log(
    `| ${name} | ${summary(task)} | ${summary(pure)} | ${summary(raw)} | ${(median(task) / median(raw)).toFixed(2)}, ${(median(pure) / median(raw)).toFixed(2)} |`,
  );
}

console.log(
  `\n| store | Map of ${MAP_ITEMS.toLocaleString('en-US')} Task items answered at once | durable (s) | the execution's commits | the same Map in memory, runLocal (s) | durable / in memory |`,
);
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const [i, mode] of FAN_OUT_MODES.entries()) {
  const inMemory = await fanOutInMemory(mode, MAP_ITEMS);
  for (const [name, , , , fans] of rows) {
    const fan = fans[i];
    console.log(
      `| ${name} | ${mode} | ${fan.seconds.toFixed(2)} | ${figure(fan.commits)} | ${inMemory.toFixed(3)} | ${(fan.seconds / inMemory).toFixed(1)}x |`,
    );
  }
}
