// GitLab webhook intake (issue 5 §8): POST /hooks/gitlab/<connection> on the real code (dist/,
// SQLite in a temporary directory) with signed 19.0-style push deliveries, each with its own
// Idempotency-Key and commit (over 50 projects), so every one is recorded, processed and starts one execution of a
// one-state workflow through a PARALLEL trigger.
//
// 1. Paced: one delivery every 1000/RATE ms (default 500/s) for --seconds, sent on an absolute
//    schedule from a worker thread (so the sender does not share the server's event loop);
//    p50/p99/max time to acknowledge, measured per request from send to the end of the answer.
//    Goal: p99 <= 10 ms at 500/s (GitLab's timeout is 10 s).
// 2. Sustained: --connections loops each sending its next delivery when the last was answered;
//    deliveries acknowledged per second.
// 3. Delivery to execution started: for the paced deliveries, the execution's start time minus
//    the delivery's receipt time (both from the server's clock), once all were processed.
//
// Why our own pacing and not autocannon's `--rate`: autocannon refills a per-connection budget
// once a second, so each second starts with a burst of the whole second's requests (see
// bench/api.mjs), which measures bursts, not 500/s.
//
// Run after `npm run build`: node bench/webhooks.mjs [--seconds 10] [--rate 500] [--connections 16]
//   [--intake-only]
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const FIXTURE = new URL('../../shared/reference/gitlab-fixtures/push.json', import.meta.url);

if (isMainThread) await main();
else await client(workerData);

async function main() {
  const { values: args } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      rate: { type: 'string', default: '500' },
      connections: { type: 'string', default: '16' },
      'intake-only': { type: 'boolean', default: false },
    },
  });
  const seconds = Number(args.seconds);
  const rate = Number(args.rate);
  const connections = Number(args.connections);
  const { registerGitLabHooks } = await import('../dist/api/hooks/index.js');
  const { createApp, createLogger } = await import('../dist/api/server/index.js');
  const { Engine } = await import('../dist/engine/index.js');
  const { DeliveryProcessor } = await import('../dist/gitlab/deliveries/index.js');
  const { openSqliteStore } = await import('../dist/store/sqlite/index.js');

  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-webhooks-'));
  const clock = { nowMs: () => Date.now() };
  const store = openSqliteStore({
    path: join(dir, 'baton.db'),
    now: () => new Date().toISOString(),
    synchronous: 'FULL',
  });
  await store.migrate();
  const now = new Date().toISOString();
  await store.workflows.create({
    name: 'build',
    definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } }),
    roleArn: null,
    type: 'STANDARD',
    description: null,
    revisionId: 'r1',
    now,
  });
  await store.triggers.put({
    name: 'build',
    source: 'api',
    definition: JSON.stringify({
      name: 'build',
      connection: 'bench',
      workflow: 'build',
      events: ['push'],
      input: '{ "sha": event.after }',
    }),
    now,
  });
  const engine = new Engine({
    store,
    clock,
    tasks: { run: () => Promise.reject(new Error('no tasks')) },
    nodeId: 'bench',
    random: Math.random,
    region: 'us-east-1',
    account: '123456789012',
    tokenKey: () => randomBytes(32).toString('hex'),
  });
  const errors = [];
  const processor = new DeliveryProcessor({
    store,
    engine,
    clock,
    nodeId: 'bench',
    region: 'us-east-1',
    account: '123456789012',
    compare: () => Promise.resolve([]),
    botUsername: () => Promise.resolve(undefined),
    onError: (error) => errors.push(error),
  });
  const signingToken = `whsec_${randomBytes(32).toString('base64')}`;
  const app = createApp({ logger: createLogger({ level: 'warn' }) });
  await registerGitLabHooks(app.fastify, {
    secrets: (name) => Promise.resolve(name === 'bench' ? { signingToken } : undefined),
    deliveries: store.deliveries,
    clock,
    onRecorded: () => processor.wake(),
  });
  await app.fastify.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${app.fastify.server.address().port}/hooks/gitlab/bench`;
  const stop = new AbortController();
  const sleep = (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  // --intake-only: no processing, to see what acknowledging alone costs.
  const intakeOnly = args['intake-only'];
  const loop = intakeOnly ? Promise.resolve() : processor.run(stop.signal, sleep, 200);

  const paced = await inWorker({
    url,
    signingToken,
    mode: 'paced',
    rate,
    seconds,
    body: readFileSync(FIXTURE, 'utf8'),
  });
  // Wait for every paced delivery to be processed before measuring delivery -> execution.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const waiting = [
      ...(await store.deliveries.list({ status: 'received' }, { limit: 1 })).items,
      ...(await store.deliveries.list({ status: 'processing' }, { limit: 1 })).items,
    ];
    if (intakeOnly || waiting.length === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const toStart = [];
  let after;
  do {
    const page = await store.deliveries.list(
      {},
      after === undefined ? { limit: 1000 } : { limit: 1000, after },
    );
    for (const delivery of page.items) {
      const arn = JSON.parse(delivery.outcome ?? '{}').started?.[0]?.executionArn;
      const execution = arn === undefined ? undefined : await store.executions.get(arn);
      if (execution !== undefined)
        toStart.push(Date.parse(execution.startedAt) - Date.parse(delivery.receivedAt));
    }
    after = page.nextToken;
  } while (after !== undefined);

  const sustained = await inWorker({
    url,
    signingToken,
    mode: 'sustained',
    connections,
    seconds,
    body: readFileSync(FIXTURE, 'utf8'),
  });
  stop.abort();
  await loop;
  await app.fastify.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  const ack = paced.latencies.sort((a, b) => a - b);
  toStart.sort((a, b) => a - b);
  const rows = [
    ['paced rate (deliveries/s)', String(rate), 'target', ''],
    [
      '  sent / acknowledged 2xx',
      `${paced.sent} / ${paced.ok}`,
      '',
      paced.failed > 0 ? `${paced.failed} failed` : '',
    ],
    ['  ack p50 (ms)', ms(pct(ack, 0.5)), '', ''],
    ['  ack p99 (ms)', ms(pct(ack, 0.99)), '<= 10', pct(ack, 0.99) <= 10 ? 'met' : 'NOT MET'],
    ['  ack max (ms)', ms(ack.at(-1)), '', ''],
    [
      'delivery -> execution started p50 (ms)',
      ms(pct(toStart, 0.5)),
      '',
      `${toStart.length} executions`,
    ],
    ['delivery -> execution started p99 (ms)', ms(pct(toStart, 0.99)), '', ''],
    [
      `sustained (${connections} connections, deliveries/s)`,
      (sustained.ok / seconds).toFixed(0),
      '',
      sustained.failed > 0 ? `${sustained.failed} failed` : '',
    ],
    ['processing errors', String(errors.length), '0', ''],
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), 6));
  console.log(['measure', 'value', 'goal', 'note'].map((h, i) => h.padEnd(widths[i])).join('  '));
  for (const row of rows) console.log(row.map((c, i) => c.padEnd(widths[i])).join('  '));
}

function inWorker(data) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: data });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function ms(value) {
  return Number.isFinite(value) ? value.toFixed(2) : '-';
}

/** The sender: signed push deliveries, each a new commit with its own Idempotency-Key. */
async function client({ url, signingToken, mode, rate, connections, seconds, body }) {
  const agent = new Agent({ keepAlive: true, maxSockets: mode === 'paced' ? 64 : connections });
  const key = Buffer.from(signingToken.slice('whsec_'.length), 'base64');
  const fixture = JSON.parse(body);
  const target = new URL(url);
  const latencies = [];
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const send = () =>
    new Promise((resolve) => {
      const id = randomUUID();
      const timestamp = Math.floor(Date.now() / 1000);
      // Spread over 50 projects: deliveries of one project are processed in arrival order.
      const project = sent % 50;
      const text = JSON.stringify({
        ...fixture,
        after: randomBytes(20).toString('hex'),
        project_id: project,
        project: { ...fixture.project, id: project, path_with_namespace: `bench/p${project}` },
      });
      const signature = createHmac('sha256', key)
        .update(`${id}.${timestamp}.`)
        .update(text)
        .digest('base64');
      const started = performance.now();
      sent++;
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
            'x-gitlab-event': 'Push Hook',
            'user-agent': 'GitLab/19.0.0',
            'idempotency-key': id,
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': `v1,${signature}`,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - started);
            if (res.statusCode >= 200 && res.statusCode < 300) ok++;
            else failed++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(text);
    });
  const end = performance.now() + seconds * 1000;
  if (mode === 'paced') {
    const interval = 1000 / rate;
    const begin = performance.now();
    const inFlight = new Set();
    for (let i = 0; ; i++) {
      const due = begin + i * interval;
      if (due >= end) break;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const p = send();
      inFlight.add(p);
      void p.then(() => inFlight.delete(p));
    }
    await Promise.all(inFlight);
  } else {
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (performance.now() < end) await send();
      }),
    );
  }
  agent.destroy();
  parentPort.postMessage({ latencies, sent, ok, failed });
}
