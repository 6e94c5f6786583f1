/**
 * `baton triggers` and `baton deliveries` against a real server: apply a triggers file (checked
 * offline first, with file:line:column), list, show, delete; list and show deliveries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from './client-harness.js';
import { baton, ensureBuilt, json, startTestServer } from './client-harness.js';

let server: TestServer;
beforeAll(async () => {
  ensureBuilt();
  // The server's delivery processor would otherwise claim, within its 50 ms poll, the delivery
  // the deliveries test records straight into the store to finish itself: it wakes only when
  // the webhook endpoint records one, or at this poll.
  server = await startTestServer({ pollIntervalMs: 3_600_000 });
}, 60_000);
afterAll(async () => {
  await server.close();
});

const FILE = `triggers:
  - name: build-main
    workflow: build
    events: [push]
    refs: { include: [main] }
  - name: deploy-tags
    workflow: deploy:prod
    events: [tag_push]
`;

describe('baton triggers', () => {
  it('applies a file, lists, shows and deletes triggers', async () => {
    const env = { env: server.env };
    const path = server.file('triggers.yaml', FILE);
    const applied = await baton(env, 'triggers', 'apply', path, '--output', 'json');
    expect(applied.code, applied.stderr).toBe(0);
    expect(json(applied)).toEqual([
      { name: 'build-main', result: 'created', updatedAt: expect.any(String) },
      { name: 'deploy-tags', result: 'created', updatedAt: expect.any(String) },
    ]);
    const listed = await baton(env, 'triggers', 'list', '--output', 'table');
    expect(listed.stdout).toMatch(/build-main\s+api\s+build\s+push/);
    expect(listed.stdout).toMatch(/deploy-tags\s+api\s+deploy:prod\s+tag_push/);
    const shown = await baton(env, 'triggers', 'show', 'build-main', '--output', 'json');
    expect(json(shown)).toMatchObject({
      name: 'build-main',
      rule: { refs: { include: ['main'] } },
    });
    expect((await baton(env, 'triggers', 'delete', 'build-main')).code).toBe(0);
    const gone = await baton(env, 'triggers', 'show', 'build-main');
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/no trigger with that name/i);
  });

  it('applies again as one set: unchanged, updated, and other triggers left alone', async () => {
    const env = { env: server.env };
    const first = server.file(
      'set-1.yaml',
      `triggers:
  - { name: again-a, workflow: build, events: [push] }
  - { name: again-b, workflow: build, events: [push] }
`,
    );
    expect((await baton(env, 'triggers', 'apply', first)).code).toBe(0);
    const second = server.file(
      'set-2.yaml',
      `triggers:
  - { name: again-a, workflow: build, events: [push] }
  - { name: again-b, workflow: build, events: [tag_push] }
  - { name: again-c, workflow: build, events: [push] }
`,
    );
    const applied = await baton(env, 'triggers', 'apply', second, '--output', 'table');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout.trim().split('\n')).toEqual([
      'unchanged again-a',
      'updated again-b',
      'created again-c',
    ]);
    // Fewer rules in a file do not remove the others: apply is not a sync.
    expect((await baton(env, 'triggers', 'apply', first)).code).toBe(0);
    expect((await baton(env, 'triggers', 'show', 'again-c')).code).toBe(0);
  });

  it('applies nothing when the server refuses the set', async () => {
    const env = { env: server.env };
    // Valid offline, but more rules than one request may carry: the server refuses it all.
    const rules = Array.from(
      { length: 1001 },
      (_, i) => `  - { name: many-${i}, workflow: build, events: [push] }`,
    );
    const path = server.file('many.yaml', `triggers:\n${rules.join('\n')}\n`);
    const applied = await baton(env, 'triggers', 'apply', path);
    expect(applied.code).toBe(2);
    expect(applied.stderr).toMatch(/at most 1000 may be applied at once/);
    expect(applied.stderr).toMatch(/many\.yaml; nothing was applied/);
    expect((await baton(env, 'triggers', 'show', 'many-0')).code).not.toBe(0);
  });

  it('refuses a file with problems before sending anything, naming file:line:column', async () => {
    const env = { env: server.env };
    const path = server.file(
      'bad.yaml',
      'triggers:\n  - name: x\n    workflow: w\n    events: [pushes]\n',
    );
    const applied = await baton(env, 'triggers', 'apply', path);
    expect(applied.code).toBe(2);
    expect(applied.stderr).toMatch(/bad\.yaml:4:\d+: \/triggers\/0\/events\/0 must be one of push/);
    expect(applied.stderr).toMatch(/nothing was applied/);
    const listed = await baton(env, 'triggers', 'show', 'x');
    expect(listed.code).not.toBe(0);
    const missing = await baton(env, 'triggers', 'apply', `${server.dir}/none.yaml`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read/);
  });
});

describe('baton deliveries', () => {
  it('lists deliveries and shows one with its outcome', async () => {
    const { store } = server.server;
    await store.deliveries.record({
      id: 'cli-d1',
      connection: 'default',
      receivedAt: '2026-01-01T00:00:01.000Z',
      event: 'Push Hook',
      objectKind: 'push',
      dedupeKey: 'k1',
      keySource: 'content',
      contentKey: 'c',
      headers: '{"x-gitlab-event":"Push Hook"}',
      body: '{"object_kind":"push"}',
    });
    const [claimed] = await store.deliveries.claim(
      '2026-01-01T00:00:02.000Z',
      'n',
      '2026-01-01T00:01:00.000Z',
      1,
    );
    await store.deliveries.finish(claimed?.id ?? '', 'n', {
      status: 'ignored',
      outcome: JSON.stringify({
        summary: "trigger build: branch x excluded by 'x'",
        started: [],
        skipped: [{ trigger: 'build', reason: "branch x excluded by 'x'" }],
      }),
      now: '2026-01-01T00:00:03.000Z',
    });
    const env = { env: server.env };
    const listed = await baton(
      env,
      'deliveries',
      'list',
      '--event',
      'Push Hook',
      '--output',
      'table',
    );
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(
      /cli-d1 .*Push Hook\s+ignored\s+trigger build: branch x excluded by 'x'/,
    );
    const shown = await baton(env, 'deliveries', 'show', 'cli-d1', '--output', 'table');
    expect(shown.stdout).toMatch(/status:\s+ignored/);
    expect(shown.stdout).toMatch(/build\s+branch x excluded by 'x'/);
    const asJson = await baton(env, 'deliveries', 'show', 'cli-d1', '--output', 'json');
    expect(json(asJson)).toMatchObject({ id: 'cli-d1', body: { object_kind: 'push' } });
    const none = await baton(env, 'deliveries', 'list', '--status', 'nonsense');
    expect(none.code).toBe(2);
  });
});
