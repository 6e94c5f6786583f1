// StartExecution through the HTTP API (issue #4 §6): the real server (dist/, SQLite in a temp
// directory) in this process, autocannon in a worker thread sending SigV4-signed
// `AWSStepFunctions.StartExecution` requests for a 10-state Pass/Choice workflow from a rising
// number of connections, each sending its next request as soon as the last was answered.
// Every start gets a fresh UUID name (no `name` member), and the workflow finishes within
// StartExecution, so each 200 is one execution run to SUCCEEDED and committed. The server and
// the signing are bench/api-server.mjs's, shared with bench/api-wrk.mjs (wrk in its own process).
//
// Why connections and not autocannon's fixed rates (`--rate`): autocannon 9 paces a rate with
// a per-connection budget refilled once a second, so every second begins with a burst of the
// whole second's requests, and it "corrects" each latency with one extra sample per elapsed
// millisecond (Math.ceil(1 / rate)); both inflate p99 far beyond what a steady rate sees.
//
// The peer, measured in the same run right before each step: the same starts made by calling
// the engine in this process (`engine.start`, the same number of callers as connections), with
// no HTTP, JSON protocol or SigV4. Its rate is the ceiling of the HTTP API on this machine at
// that moment, so the ratio between the two is what the API costs, whatever the load.
//
// Run after `npm run build`: node bench/api.mjs [--seconds 10] [--warmup 3]
//   [--connections 1,4,16,64,256] [--rate N] [--log-level warn]
// `--cpu-prof` on node profiles both the server and (in its own thread) autocannon.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { AWS_QUOTA, GOAL, startBenchServer } from './api-server.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '1,4,16,64,256' },
    rate: { type: 'string', default: '0' },
    'log-level': { type: 'string', default: 'warn' },
  },
});
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const CONNECTIONS = args.connections.split(',').map(Number);
/** Requests per second over all connections; 0: as fast as the answers come. */
const RATE = Number(args.rate);

function fire(url, request, connections, seconds) {
  return autocannon({
    url,
    method: 'POST',
    headers: request.headers,
    body: request.body,
    connections,
    ...(RATE > 0 ? { overallRate: RATE } : {}),
    duration: seconds,
    // Its own thread: the load generator must not share the server's event loop.
    workers: 1,
    timeout: 10,
  });
}

/** `callers` concurrent `engine.start` loops for `seconds`: how many started. */
async function engineAlone(engine, workflow, callers, seconds) {
  const until = Date.now() + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (Date.now() < until) {
        const { execution } = await engine.start({ workflow, name: randomUUID(), input: { n: 0 } });
        if (execution.status !== 'SUCCEEDED') throw new Error(`engine alone: ${execution.status}`);
        count++;
      }
    }),
  );
  return count;
}

const { server, startRequest, storedExecutions, close } = await startBenchServer(args['log-level']);
try {
  console.log(
    `StartExecution over HTTP (SigV4, SQLite), ${RATE > 0 ? `at most ${RATE}/s, ` : ''}${SECONDS} s per step after a ${WARMUP} s warm-up; load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    '\n| connections | sustained starts/s | p50 (ms) | p99 (ms) | max (ms) | 200s | non-2xx | errors + timeouts | engine alone (starts/s) | HTTP / engine alone |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  let ok = 1; // the check above
  let answered = 1;
  let inFlight = 0;
  let mismatches = 0;
  let direct = 0; // started by engineAlone, without HTTP
  const rows = [];
  for (const connections of CONNECTIONS) {
    // Signed afresh per step: the whole run stays far inside the 15-minute window.
    const request = await startRequest();
    const startedAlone = await engineAlone(server.engine, 'bench-10-states', connections, WARMUP);
    direct += startedAlone;
    const alone = startedAlone / WARMUP;
    const storedBefore = await storedExecutions();
    const warm = await fire(server.url, request, connections, WARMUP);
    const result = await fire(server.url, request, connections, SECONDS);
    // Requests still in flight when autocannon stops a run are dropped by it but still run
    // on the server: executions without a 200 seen here, at most one per connection per run.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const storedNow = await storedExecutions();
    const okNow = warm['2xx'] + result['2xx'];
    const cutOff = storedNow - storedBefore - okNow;
    if (cutOff < 0 || cutOff > 2 * connections) mismatches++;
    ok += okNow;
    answered += okNow + warm.non2xx + result.non2xx;
    inFlight += cutOff;
    const failed = result.errors + result.timeouts + warm.errors + warm.timeouts;
    const non2xx = result.non2xx + warm.non2xx;
    const row = {
      connections,
      perSecond: result['2xx'] / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
      ok: result['2xx'],
      non2xx,
      failed,
      alone,
    };
    rows.push(row);
    console.log(
      `| ${connections} | ${Math.round(row.perSecond).toLocaleString('en-US')} | ${row.p50} | ${row.p99} | ${row.max} | ${row.ok.toLocaleString('en-US')} | ${non2xx} | ${failed} | ${Math.round(alone).toLocaleString('en-US')} | ${(row.perSecond / alone).toFixed(2)} |`,
    );
  }

  const stats = await server.store.executions.stats(new Date().toISOString());
  const stored = Object.values(stats.executions).reduce((sum, n) => sum + n, 0);
  console.log(
    `\nresponses: ${ok.toLocaleString('en-US')} x 200 of ${answered.toLocaleString('en-US')} answered; executions in the store: ${stored.toLocaleString('en-US')} (${stats.executions.SUCCEEDED.toLocaleString('en-US')} SUCCEEDED): ${direct.toLocaleString('en-US')} started by the engine alone, ${inFlight} by requests cut off in flight when a run ended`,
  );
  if (stored !== ok + inFlight + direct || mismatches > 0) {
    console.log('MISMATCH: the store does not hold one execution per 200');
    process.exitCode = 1;
  }
  const met = rows.filter((r) => r.perSecond >= GOAL.startsPerSecond && r.p99 <= GOAL.p99Ms);
  console.log(
    `AWS StartExecution quota: ${AWS_QUOTA.refillPerSecond}/s refill, ${AWS_QUOTA.burst.toLocaleString('en-US')} burst. Goal: >= ${GOAL.startsPerSecond.toLocaleString('en-US')} starts/s with p99 <= ${GOAL.p99Ms} ms: ${met.length > 0 ? `met with ${met.map((r) => r.connections).join(', ')} connections` : 'not met'}. Load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await close();
}
