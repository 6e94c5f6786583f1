// StartExecution through the HTTP API (issue #4 §6) with wrk (Debian's `wrk`, a C load
// generator) in a process of its own, next to bench/api.mjs's autocannon (npm, a worker thread
// of the benchmark's process). Same server, workflow and signed request (bench/api-server.mjs);
// wrk sends it from 1, 16, 64 and 256 connections, each sending its next request as soon as
// the last is answered, for a warm-up and then the measured run. After each step the store
// must hold one execution per request wrk saw answered (plus at most one per connection cut
// off at the end). Skipped, with how to install it, when wrk is not on the machine.
//
// Run after `npm run build`: node bench/api-wrk.mjs [--seconds 10] [--warmup 3]
//   [--connections 1,16,64,256]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AWS_QUOTA, GOAL, startBenchServer } from './api-server.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '1,16,64,256' },
  },
});
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const CONNECTIONS = args.connections.split(',').map(Number);

if (spawnSync('wrk', ['--version']).error !== undefined) {
  console.log('wrk is not installed, so bench/api-wrk.mjs is skipped: apt-get install wrk');
  process.exit(0);
}

/** wrk's script: every request is the same signed StartExecution. */
function wrkScript({ headers, body }) {
  const lines = ['wrk.method = "POST"', `wrk.body = ${JSON.stringify(body)}`];
  for (const [name, value] of Object.entries(headers)) {
    // wrk sets Host itself, from the URL.
    if (name !== 'host')
      lines.push(`wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs wrk without blocking this process's event loop (the server runs on it). */
function runWrk(url, script, connections, seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', [
      '-t1',
      `-c${connections}`,
      `-d${seconds}s`,
      '--timeout',
      '10s',
      '--latency',
      '-s',
      script,
      url,
    ]);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(parseWrk(output)) : reject(new Error(`wrk exited ${code}: ${output}`)),
    );
  });
}

/** wrk's durations ("517.73us", "3.25ms", "1.32s", "2.00m") in milliseconds. */
function milliseconds(text) {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (match === null) throw new Error(`not a wrk duration: ${text}`);
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2]];
  return Number(match[1]) * factor;
}

function parseWrk(output) {
  const find = (pattern) => {
    const match = pattern.exec(output);
    if (match === null) throw new Error(`wrk's output has no ${pattern}: ${output}`);
    return match;
  };
  const [, total, elapsed] = find(/(\d+) requests in ([\d.]+\w+),/);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  return {
    requests: Number(total),
    seconds: milliseconds(elapsed) / 1000,
    p50: milliseconds(find(/^\s+50%\s+(\S+)/m)[1]),
    p99: milliseconds(find(/^\s+99%\s+(\S+)/m)[1]),
    max: milliseconds(find(/^\s+Latency\s+\S+\s+\S+\s+(\S+)/m)[1]),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    socketErrors: socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0),
  };
}

const { server, startRequest, storedExecutions, close } = await startBenchServer('warn');
const scripts = mkdtempSync(join(tmpdir(), 'baton-wrk-'));
try {
  console.log(
    `StartExecution over HTTP (SigV4, SQLite) with wrk in its own process, ${SECONDS} s per step after a ${WARMUP} s warm-up; load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    '\n| connections | sustained starts/s | p50 (ms) | p99 (ms) | max (ms) | requests | non-2xx | socket errors | x AWS refill rate |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const rows = [];
  let mismatches = 0;
  for (const connections of CONNECTIONS) {
    const script = join(scripts, `start-${connections}.lua`);
    writeFileSync(script, wrkScript(await startRequest()));
    const before = await storedExecutions();
    const warm = await runWrk(server.url, script, connections, WARMUP);
    const result = await runWrk(server.url, script, connections, SECONDS);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // wrk counts answered requests; ones cut off when a run ends still ran on the server.
    const cutOff = (await storedExecutions()) - before - warm.requests - result.requests;
    const failures = warm.non2xx + result.non2xx + warm.socketErrors + result.socketErrors;
    if (cutOff < 0 || cutOff > 2 * connections || failures > 0) mismatches++;
    const perSecond = result.requests / result.seconds;
    rows.push({ connections, perSecond, p99: result.p99 });
    console.log(
      `| ${connections} | ${Math.round(perSecond).toLocaleString('en-US')} | ${result.p50.toFixed(1)} | ${result.p99.toFixed(1)} | ${Math.round(result.max).toLocaleString('en-US')} | ${result.requests.toLocaleString('en-US')} | ${result.non2xx} | ${result.socketErrors} | ${(perSecond / AWS_QUOTA.refillPerSecond).toFixed(1)} |`,
    );
  }
  if (mismatches > 0) {
    console.log(
      'MISMATCH: a non-2xx answer, a socket error or timeout, or the store does not hold one execution per answer',
    );
    process.exitCode = 1;
  }
  const met = rows.filter((r) => r.perSecond >= GOAL.startsPerSecond && r.p99 <= GOAL.p99Ms);
  console.log(
    `\nGoal: >= ${GOAL.startsPerSecond.toLocaleString('en-US')} starts/s with p99 <= ${GOAL.p99Ms} ms: ${met.length > 0 ? `met with ${met.map((r) => r.connections).join(', ')} connections` : 'not met'}. AWS StartExecution quota: ${AWS_QUOTA.refillPerSecond}/s refill, ${AWS_QUOTA.burst.toLocaleString('en-US')} burst. Load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
} finally {
  rmSync(scripts, { recursive: true, force: true });
  await close();
}
