// Benchmarks Baton's local runner against aws-local-stepfunctions on the same definitions in
// the same process. Reports state transitions per second for both and the ratio.
// Usage: npm run bench [-- --seconds 3]
import { runLocal } from '../dist/local/index.js';

// aws-local-stepfunctions 3.x targets Node 22 and calls Promise.withResolvers, which Node 20
// lacks. This is the standard polyfill, installed only where it is missing.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
const { StateMachine } = await import('aws-local-stepfunctions');

const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 5;

/** A chain of 100 Pass states, each with Parameters and ResultPath. */
function passChain() {
  const States = {};
  for (let i = 0; i < 100; i++) {
    States[`P${i}`] = {
      Type: 'Pass',
      Parameters: { 'value.$': '$.value', 'label.$': '$.label', step: i },
      ResultPath: '$.last',
      ...(i === 99 ? { End: true } : { Next: `P${i + 1}` }),
    };
  }
  return {
    name: 'pass chain (100 Pass, Parameters + ResultPath)',
    definition: { StartAt: 'P0', States },
    input: { value: 42, label: 'bench', last: null },
    transitions: 100,
  };
}

/** A Choice loop of 1,000 iterations counting with States.MathAdd. */
function choiceLoop() {
  return {
    name: 'choice loop (1,000 iterations, States.MathAdd)',
    definition: {
      StartAt: 'Increment',
      States: {
        Increment: {
          Type: 'Pass',
          Parameters: { 'i.$': 'States.MathAdd($.i, 1)' },
          Next: 'Check',
        },
        Check: {
          Type: 'Choice',
          Choices: [{ Variable: '$.i', NumericLessThan: 1000, Next: 'Increment' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    },
    input: { i: 0 },
    transitions: 1000 * 2 + 1,
  };
}

/** A Map over 1,000 items, each iteration one Pass state with Parameters. */
function mapItems() {
  return {
    name: 'map (1,000 items, inline)',
    definition: {
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            StartAt: 'Double',
            States: {
              Double: {
                Type: 'Pass',
                Parameters: { 'n.$': 'States.MathAdd($.n, $.n)' },
                End: true,
              },
            },
          },
          End: true,
        },
      },
    },
    input: { items: Array.from({ length: 1000 }, (_, n) => ({ n })) },
    transitions: 1000 + 1,
  };
}

/** Runs `runOnce` for `seconds` and returns state transitions per second. */
/**
 * A Map over 1,000 items whose iterations are Task states: every task result is a separate
 * event (one `step` call each, from a snapshot), the path the durable engine takes.
 */
function mapOfTasks() {
  return {
    name: 'map of tasks (1,000 Task items, one event each)',
    definition: {
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'Work',
            States: {
              Work: {
                Type: 'Task',
                Resource: 'arn:aws:lambda:us-east-1:123456789012:function:work',
                End: true,
              },
            },
          },
          End: true,
        },
      },
    },
    input: Array.from({ length: 1000 }, (_, n) => n),
    transitions: 1000 + 1,
    mocks: { Work: { result: { ok: true } } },
    peerOverrides: { taskResourceLocalHandlers: { Work: () => ({ ok: true }) } },
  };
}

async function throughput(runOnce, transitionsPerRun, seconds) {
  let runs = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < deadline) {
    await runOnce();
    runs++;
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return (runs * transitionsPerRun) / elapsed;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// The machine is shared and noisy: both runners are measured in alternating short rounds so
// load changes hit both alike, and the median of the per-round figures is reported.
const ROUNDS = 5;
const cases = [passChain(), choiceLoop(), mapItems(), mapOfTasks()];
const rows = [];
for (const c of cases) {
  const ours = async () => {
    const result = await runLocal(c.definition, { input: c.input, mocks: c.mocks ?? {} });
    if (result.status !== 'SUCCEEDED')
      throw new Error(`baton: ${c.name} ${result.error}: ${result.cause}`);
  };
  const machine = new StateMachine(c.definition);
  const peer = async () => {
    await machine.run(c.input, c.peerOverrides ? { overrides: c.peerOverrides } : {}).result;
  };
  for (let i = 0; i < 3; i++) {
    await ours();
    await peer();
  }
  const batonRounds = [];
  const peerRounds = [];
  const ratios = [];
  for (let round = 0; round < ROUNDS; round++) {
    const b = await throughput(ours, c.transitions, SECONDS / ROUNDS);
    const p = await throughput(peer, c.transitions, SECONDS / ROUNDS);
    batonRounds.push(b);
    peerRounds.push(p);
    ratios.push(b / p);
  }
  const row = {
    name: c.name,
    baton: median(batonRounds),
    peer: median(peerRounds),
    ratio: median(ratios),
  };
  rows.push(row);
  console.log(
    `${c.name}: baton ${Math.round(row.baton).toLocaleString('en-US')} transitions/s, ` +
      `aws-local-stepfunctions ${Math.round(row.peer).toLocaleString('en-US')} transitions/s, ` +
      `ratio ${row.ratio.toFixed(1)}x (per round: ${ratios.map((r) => r.toFixed(1)).join(', ')})`,
  );
}
console.log(
  '\n| workload | Baton (transitions/s) | aws-local-stepfunctions (transitions/s) | ratio (median of rounds) |',
);
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${Math.round(r.baton).toLocaleString('en-US')} | ${Math.round(r.peer).toLocaleString('en-US')} | ${r.ratio.toFixed(1)}x |`,
  );
}
