/** /api/v1/triggers and /api/v1/deliveries: admin only, rules checked, deliveries with outcomes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './rest-client.js';
import { client, eventually, startServer } from './rest-client.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startServer();
});
afterAll(async () => {
  await harness.close();
});

const RULE = { workflow: 'build:prod', events: ['push'], refs: { include: ['main'] } };

async function asUser() {
  const created = await client(harness)({ path: '/api/v1/keys', body: { name: 'dev' } });
  return client(harness, created.json);
}

describe('/api/v1/triggers', () => {
  it('creates, shows, lists, replaces and deletes a trigger', async () => {
    const call = client(harness);
    const created = await call({ method: 'PUT', path: '/api/v1/triggers/build', body: RULE });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'build',
      source: 'api',
      rule: { ...RULE, name: 'build' },
    });
    const replaced = await call({
      method: 'PUT',
      path: '/api/v1/triggers/build',
      body: { ...RULE, name: 'build', events: ['tag_push'] },
    });
    expect(replaced.status).toBe(200);
    expect((await call({ path: '/api/v1/triggers/build' })).json.rule.events).toEqual(['tag_push']);
    const listed = await call({ path: '/api/v1/triggers' });
    expect(listed.json.triggers.map((t: { name: string }) => t.name)).toContain('build');
    expect((await call({ method: 'DELETE', path: '/api/v1/triggers/build' })).status).toBe(204);
    expect((await call({ path: '/api/v1/triggers/build' })).status).toBe(404);
    expect((await call({ method: 'DELETE', path: '/api/v1/triggers/build' })).status).toBe(404);
  });

  it('refuses an invalid rule with every problem at its JSON pointer', async () => {
    const answer = await client(harness)({
      method: 'PUT',
      path: '/api/v1/triggers/bad',
      body: { workflow: 'w', events: ['push', 'issues'], refs: { include: [''] }, concurency: {} },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('VALIDATION');
    expect(answer.json.details.map((d: { pointer: string }) => d.pointer)).toEqual([
      '/concurency',
      '/events/1',
      '/refs/include/0',
    ]);
    const mismatch = await client(harness)({
      method: 'PUT',
      path: '/api/v1/triggers/a',
      body: { ...RULE, name: 'b' },
    });
    expect(mismatch.json.details).toEqual([
      expect.objectContaining({ location: 'body', pointer: '/name' }),
    ]);
    const badName = await client(harness)({
      method: 'PUT',
      path: '/api/v1/triggers/a%20b',
      body: RULE,
    });
    expect(badName.status).toBe(400);
    const notJson = await client(harness)({
      method: 'PUT',
      path: '/api/v1/triggers/a',
      body: '{x',
    });
    expect(notJson.json.code).toBe('INVALID_JSON');
  });

  it('is for admins only', async () => {
    const dev = await asUser();
    for (const call of [
      { path: '/api/v1/triggers' },
      { method: 'PUT', path: '/api/v1/triggers/x', body: RULE },
      { method: 'DELETE', path: '/api/v1/triggers/x' },
      { path: '/api/v1/deliveries' },
    ]) {
      expect((await dev(call)).status).toBe(403);
    }
  });
});

describe('PUT /api/v1/triggers (a set, all or nothing)', () => {
  // Another connection, so these triggers never take the deliveries of the tests below.
  const SET_RULE = { ...RULE, connection: 'set-tests' };
  const put = (body: unknown) => client(harness)({ method: 'PUT', path: '/api/v1/triggers', body });
  const ruleOf = async (name: string): Promise<{ name: string; rule: { events: string[] } }> => {
    const answer = await client(harness)({ path: `/api/v1/triggers/${name}` });
    expect(answer.status).toBe(200);
    return answer.json as { name: string; rule: { events: string[] } };
  };

  it('creates, updates and leaves unchanged, and leaves triggers it does not name alone', async () => {
    const call = client(harness);
    await call({ method: 'PUT', path: '/api/v1/triggers/set-keep', body: SET_RULE });
    const first = await put({
      triggers: [
        { ...SET_RULE, name: 'set-a' },
        { ...SET_RULE, name: 'set-b', events: ['tag_push'] },
      ],
    });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ created: 2, updated: 0, unchanged: 0 });
    expect(
      first.json.triggers.map((t: { name: string; result: string }) => [t.name, t.result]),
    ).toEqual([
      ['set-a', 'created'],
      ['set-b', 'created'],
    ]);
    const keep = await ruleOf('set-keep');
    const again = await put({
      triggers: [
        { ...SET_RULE, name: 'set-a' },
        { ...SET_RULE, name: 'set-b', events: ['push'] },
      ],
    });
    expect(again.json).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    expect(again.json.triggers).toEqual([
      { name: 'set-a', result: 'unchanged', updatedAt: first.json.triggers[0].updatedAt },
      { name: 'set-b', result: 'updated', updatedAt: expect.any(String) },
    ]);
    expect((await ruleOf('set-b')).rule.events).toEqual(['push']);
    // Not in the set: untouched.
    expect(await ruleOf('set-keep')).toEqual(keep);
    // An empty set changes nothing.
    expect((await put({ triggers: [] })).json).toEqual({
      triggers: [],
      created: 0,
      updated: 0,
      unchanged: 0,
    });
    expect(await ruleOf('set-keep')).toEqual(keep);
  });

  it('refuses the whole set, writing nothing, when one rule is invalid', async () => {
    await put({ triggers: [{ ...SET_RULE, name: 'atomic-1' }] });
    const before = await ruleOf('atomic-1');
    const answer = await put({
      triggers: [
        { ...SET_RULE, name: 'atomic-1', events: ['tag_push'] },
        { ...SET_RULE, name: 'atomic-2' },
        { ...SET_RULE, name: 'atomic-3', events: ['push', 'issues'], refs: { include: [''] } },
      ],
    });
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('VALIDATION');
    expect(answer.json.details).toEqual([
      expect.objectContaining({ location: 'body', pointer: '/triggers/2/events/1' }),
      expect.objectContaining({ location: 'body', pointer: '/triggers/2/refs/include/0' }),
    ]);
    expect(await ruleOf('atomic-1')).toEqual(before);
    expect((await client(harness)({ path: '/api/v1/triggers/atomic-2' })).status).toBe(404);
  });

  it('reports every problem of the set at its JSON pointer', async () => {
    const duplicate = await put({
      triggers: [
        { ...SET_RULE, name: 'dup' },
        'not a rule',
        { ...SET_RULE, name: 'dup' },
        { ...SET_RULE },
      ],
    });
    expect(duplicate.status).toBe(400);
    expect(duplicate.json.details.map((d: { pointer: string }) => d.pointer)).toEqual([
      '/triggers/1',
      '/triggers/2/name',
      '/triggers/3/name',
    ]);
    expect(duplicate.json.details[1].message).toMatch(/already defined at \/triggers\/0/);
    expect((await client(harness)({ path: '/api/v1/triggers/dup' })).status).toBe(404);
    for (const [body, pointer, message] of [
      [{}, '/triggers', /is required/],
      [{ triggers: { a: RULE } }, '/triggers', /must be a list/],
      [{ triggers: [], extra: 1 }, '/extra', /not a known member/],
      [
        { triggers: Array.from({ length: 1001 }, (_, i) => ({ ...SET_RULE, name: `many-${i}` })) },
        '/triggers',
        /at most 1000/,
      ],
    ] as const) {
      const answer = await put(body);
      expect(answer.status).toBe(400);
      expect(answer.json.details).toEqual([
        expect.objectContaining({ pointer, message: expect.stringMatching(message) }),
      ]);
    }
    expect((await client(harness)({ path: '/api/v1/triggers/many-0' })).status).toBe(404);
    const notJson = await client(harness)({ method: 'PUT', path: '/api/v1/triggers', body: '{x' });
    expect(notJson.json.code).toBe('INVALID_JSON');
    const array = await client(harness)({ method: 'PUT', path: '/api/v1/triggers', body: [RULE] });
    expect(array.status).toBe(400);
  });

  it('is for admins only, and writes nothing for anyone else', async () => {
    const dev = await asUser();
    const answer = await dev({
      method: 'PUT',
      path: '/api/v1/triggers',
      body: { triggers: [{ ...SET_RULE, name: 'by-dev' }] },
    });
    expect(answer.status).toBe(403);
    expect((await client(harness)({ path: '/api/v1/triggers/by-dev' })).status).toBe(404);
  });
});

describe('/api/v1/deliveries', () => {
  it('lists deliveries with filters and shows one with headers, body and outcome', async () => {
    const { store } = harness.server;
    for (const [id, event, status] of [
      ['d1', 'Push Hook', 'received'],
      ['d2', 'Pipeline Hook', 'received'],
    ] as const) {
      await store.deliveries.record({
        id,
        connection: 'default',
        receivedAt: `2026-01-01T00:00:0${id.slice(1)}.000Z`,
        event,
        objectKind: 'push',
        dedupeKey: `k-${id}`,
        keySource: 'idempotency-key',
        contentKey: 'c',
        headers: JSON.stringify({ 'x-gitlab-event': event }),
        body: '{"object_kind":"push","ref":"refs/heads/main"}',
      });
      expect(status).toBe('received');
    }
    // The server's own delivery processor takes them: no trigger wants them.
    await eventually(
      () => store.deliveries.list({}, { limit: 10 }),
      (page) => page.items.every((d) => d.status !== 'received' && d.status !== 'processing'),
    );
    const call = client(harness);
    const all = await call({ path: '/api/v1/deliveries' });
    expect(all.json.deliveries.map((d: { id: string }) => d.id)).toEqual(['d2', 'd1']);
    expect(all.json.deliveries[1]).toMatchObject({
      status: 'ignored',
      summary: expect.stringMatching(/^no trigger for event Push Hook/),
    });
    expect(all.json.deliveries[1]).not.toHaveProperty('body');
    const pushes = await call({
      path: '/api/v1/deliveries',
      query: [
        ['event', 'Push Hook'],
        ['status', 'ignored'],
      ],
    });
    expect(pushes.json.deliveries.map((d: { id: string }) => d.id)).toEqual(['d1']);
    const paged = await call({ path: '/api/v1/deliveries', query: [['limit', '1']] });
    const next = await call({
      path: '/api/v1/deliveries',
      query: [
        ['limit', '1'],
        ['nextToken', paged.json.nextToken],
      ],
    });
    expect(next.json.deliveries.map((d: { id: string }) => d.id)).toEqual(['d1']);
    const shown = await call({ path: '/api/v1/deliveries/d1' });
    expect(shown.json).toMatchObject({
      id: 'd1',
      headers: { 'x-gitlab-event': 'Push Hook' },
      body: { object_kind: 'push' },
      outcome: { summary: expect.stringMatching(/^no trigger for event Push Hook/) },
    });
    expect((await call({ path: '/api/v1/deliveries/nope' })).status).toBe(404);
    expect((await call({ path: '/api/v1/deliveries', query: [['status', 'done']] })).status).toBe(
      400,
    );
  });
});
