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
