// Runs a workflow durably on the embedded SQLite store, with the engine in this process.
// Run it from the project root after `npm ci`:  node examples/engine/embedded.mjs
// Kill it (Ctrl-C) during the wait and run it again: the same execution carries on.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Engine } from '../../dist/engine/index.js';
import { openSqliteStore } from '../../dist/store/sqlite/index.js';

const tokenKey = () => randomBytes(32).toString('hex');
const now = () => new Date().toISOString();
const store = openSqliteStore({ path: '.baton/example.db', now });
await store.migrate();

const definition = {
  StartAt: 'Deploy',
  States: {
    Deploy: {
      Type: 'Task',
      Resource: 'arn:aws:states:::http:invoke',
      Parameters: { 'version.$': '$.version' },
      ResultPath: '$.deploy',
      Next: 'Soak',
    },
    Soak: { Type: 'Wait', Seconds: 3, Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};
await store.workflows.create({
  name: 'example-deploy',
  definition: JSON.stringify(definition),
  roleArn: null,
  type: 'STANDARD',
  description: 'docs/engine.md example',
  revisionId: 'r1',
  now: now(),
});

// Tasks go through a TaskRunner; this one pretends to deploy.
const tasks = {
  async run(request) {
    console.log(`task ${request.stateName} (${request.idempotencyKey}) with`, request.input);
    return { ok: true, output: { deployed: request.input.version } };
  },
};
const engine = new Engine({
  store,
  clock: { nowMs: () => Date.now() },
  tasks,
  nodeId: 'example',
  tokenKey,
  random: Math.random,
});

let started;
try {
  started = await engine.start({
    workflow: 'example-deploy',
    name: 'release-1.4.2',
    input: { version: '1.4.2' },
  });
} catch (error) {
  if (error.code !== 'ALREADY_EXISTS') throw error;
  // Execution names are unique per workflow: this one already ran to the end.
  const [done] = (await store.executions.list({ workflow: 'example-deploy' }, { limit: 1 })).items;
  console.log(`${done.id} already ran (${done.status}, output ${done.output}).`);
  console.log('Delete .baton/example.db to run it again.');
  await store.close();
  process.exit(0);
}
const { execution, created } = started;
console.log(created ? 'started' : 'resumed', execution.id);

const stop = new AbortController();
const sleeper = (ms, signal) => sleep(ms, undefined, { signal }).catch(() => {});
const running = engine.run(stop.signal, sleeper, 200);
for (;;) {
  const record = await store.executions.get(execution.id);
  if (record.status !== 'RUNNING') {
    console.log(record.status, record.output);
    break;
  }
  await sleep(200);
}
stop.abort();
await running;
for (const event of (await store.executions.history(execution.id, { limit: 100 })).items) {
  console.log(event.id, event.type);
}
await store.close();
