// A Baton engine process for the crash test: works the given database until it is killed.
// Usage: node crash-child.mjs sqlite <path> | postgres <url>
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Engine } from '../../dist/engine/index.js';
import { openPostgresStore } from '../../dist/store/postgres/index.js';
import { openSqliteStore } from '../../dist/store/sqlite/index.js';

const tokenKey = () => randomBytes(32).toString('hex');
const [kind, target] = process.argv.slice(2);
const now = () => new Date().toISOString();
const store =
  kind === 'sqlite'
    ? openSqliteStore({ path: target, now })
    : openPostgresStore({ url: target, now });
await store.migrate();

let engine;

/**
 * Deterministic tasks, whatever the crashes: Flaky fails until its third attempt; a callback
 * task's request "goes out" and its token is answered 20 ms later, as an outside system would.
 */
const tasks = {
  async run(request) {
    await sleep(5);
    if (request.taskToken !== undefined) {
      const { n } = request.input;
      setTimeout(() => {
        engine.sendTaskSuccess(request.taskToken, { n, answered: true }).catch(() => {});
      }, 20);
      return { ok: true, output: { MessageId: `m-${n}` } };
    }
    const { n = 0, retry = 0 } = request.input ?? {};
    if (request.stateName === 'Flaky' && retry < 2) {
      return { ok: false, error: 'Test.Transient', cause: `attempt ${retry}` };
    }
    return { ok: true, output: { n, doubled: n * 2 } };
  },
};

engine = new Engine({
  store,
  clock: { nowMs: () => Date.now() },
  tasks,
  nodeId: `node-${process.pid}`,
  tokenKey,
  random: Math.random,
  leaseMs: 1500,
});
const controller = new AbortController();
process.on('SIGTERM', () => controller.abort());
await engine.run(
  controller.signal,
  (ms, signal) => sleep(ms, undefined, { signal }).catch(() => {}),
  100,
);
await store.close();
