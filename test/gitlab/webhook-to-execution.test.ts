/**
 * From GitLab to an execution, through the real intake and a running processor on SQLite:
 * deliveries replayed with the same Idempotency-Key, or sent twice by old GitLab without one,
 * start one execution; the trigger set comes from a triggers file loaded into the store.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerGitLabHooks } from '../../src/api/hooks/index.js';
import { createApp, createLogger } from '../../src/api/server/index.js';
import { Engine } from '../../src/engine/index.js';
import { DeliveryProcessor } from '../../src/gitlab/deliveries/index.js';
import { TriggerFileError, loadTriggersFile } from '../../src/gitlab/triggers/index.js';
import type { Store } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { dropAll, freshSqlitePath } from '../support/databases.js';
import { buildDelivery, newSigningToken } from '../support/gitlab-webhooks.js';

afterAll(dropAll);

const SECRET = 'old-gitlab-secret';
const SIGNING = newSigningToken();
const dir = mkdtempSync(join(tmpdir(), 'gc-trigger-file-'));

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function openStore(): Promise<Store> {
  const store = openSqliteStore({ path: freshSqlitePath(), now: () => new Date().toISOString() });
  await store.migrate();
  await store.workflows.create({
    name: 'build',
    definition: JSON.stringify({
      StartAt: 'W',
      States: { W: { Type: 'Wait', Seconds: 3600, End: true } },
    }),
    roleArn: null,
    type: 'STANDARD',
    description: null,
    revisionId: 'r1',
    now: new Date().toISOString(),
  });
  return store;
}

describe('webhook to execution', () => {
  it('starts one execution per change, whatever GitLab replays', async () => {
    const store = await openStore();
    const file = join(dir, 'triggers.yaml');
    writeFileSync(
      file,
      'triggers:\n  - name: build\n    workflow: build\n    events: [push]\n    projects: [mike/*]\n',
    );
    expect(
      await loadTriggersFile({ file, store: store.triggers, now: new Date().toISOString() }),
    ).toMatchObject({
      loaded: 1,
      created: 1,
    });
    const clock = { nowMs: () => Date.now() };
    const engine = new Engine({
      store,
      clock,
      tasks: { run: () => Promise.reject(new Error('no tasks')) },
      nodeId: 'n1',
      random: Math.random,
      tokenKey: () => randomBytes(32).toString('hex'),
    });
    const processor = new DeliveryProcessor({
      store,
      engine,
      clock,
      nodeId: 'n1',
      region: 'local',
      account: '000000000000',
      compare: () => Promise.resolve([]),
      botUsername: () => Promise.resolve(undefined),
    });
    const app = createApp({ logger: createLogger({ level: 'silent' }) });
    await registerGitLabHooks(app.fastify, {
      secrets: (name) =>
        Promise.resolve(
          name === 'signed'
            ? { signingToken: SIGNING }
            : name === 'default'
              ? { secretToken: SECRET }
              : undefined,
        ),
      deliveries: store.deliveries,
      clock,
      onRecorded: () => processor.wake(),
    });
    const stop = new AbortController();
    const loop = processor.run(
      stop.signal,
      (ms, signal) =>
        new Promise((resolve) => {
          const timer = setTimeout(resolve, ms);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
      50,
    );
    const post = async (connection: string, built: ReturnType<typeof buildDelivery>) =>
      (
        await app.fastify.inject({
          method: 'POST',
          url: `/hooks/gitlab/${connection}`,
          headers: built.headers,
          payload: built.body,
        })
      ).statusCode;
    try {
      // GitLab 16 (no Idempotency-Key) sends the same push twice (a timeout and a retry).
      const old = buildDelivery('push', { version: '16.0', secretToken: SECRET });
      expect([await post('default', old), await post('default', old)]).toEqual([202, 200]);
      // GitLab 19 resends another push with the same Idempotency-Key.
      const signed = buildDelivery('push', {
        signingToken: SIGNING,
        overrides: { after: 'f'.repeat(40) },
      });
      expect([await post('signed', signed), await post('signed', signed)]).toEqual([202, 200]);
      // The triggers listen to connection "default" only: the signed one is recorded, ignored.
      await until(
        async () =>
          (await store.deliveries.list({ status: 'received' }, { limit: 5 })).items.length === 0 &&
          (await store.deliveries.list({ status: 'processing' }, { limit: 5 })).items.length === 0,
      );
      const executions = await store.executions.list({ workflow: 'build' }, { limit: 10 });
      expect(executions.items).toHaveLength(1);
      const deliveries = await store.deliveries.list({}, { limit: 10 });
      expect(deliveries.items.map((d) => [d.connection, d.status])).toEqual([
        ['signed', 'ignored'],
        ['default', 'processed'],
      ]);
    } finally {
      stop.abort();
      await loop;
      await app.fastify.close();
      await store.close();
    }
  });

  it('loads a triggers file all or nothing, and removes file triggers that left the file', async () => {
    const store = await openStore();
    const file = join(dir, 'reload.yaml');
    const now = new Date().toISOString();
    writeFileSync(
      file,
      'triggers:\n  - {name: a, workflow: build, events: [push]}\n  - {name: b, workflow: build, events: [push]}\n',
    );
    await loadTriggersFile({ file, store: store.triggers, now });
    writeFileSync(file, 'triggers:\n  - {name: a, workflow: build, events: [tag_push]}\n');
    expect(await loadTriggersFile({ file, store: store.triggers, now })).toEqual({
      loaded: 1,
      created: 0,
      updated: 1,
      removed: 1,
    });
    writeFileSync(file, 'triggers:\n  - {name: a, workflow: build, events: [nope]}\n');
    await expect(loadTriggersFile({ file, store: store.triggers, now })).rejects.toThrow(
      TriggerFileError,
    );
    const kept = await store.triggers.list({ limit: 10 });
    expect(kept.items.map((t): unknown[] => [t.name, JSON.parse(t.definition).events])).toEqual([
      ['a', ['tag_push']],
    ]);
    await expect(
      loadTriggersFile({ file: join(dir, 'missing.yaml'), store: store.triggers, now }),
    ).rejects.toThrow(/missing\.yaml:0:0: cannot read the file/);
    await store.close();
  });
});
