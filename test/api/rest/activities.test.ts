/** Activities at /api/v1/activities. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './rest-client.js';
import { client, startServer } from './rest-client.js';

let harness: Harness;
let call: ReturnType<typeof client>;
beforeAll(async () => {
  harness = await startServer();
  call = client(harness);
});
afterAll(async () => {
  await harness.close();
});

describe('activities', () => {
  it('creates (idempotently), gets, lists, deletes', async () => {
    const created = await call({ path: '/api/v1/activities', body: { name: 'approve' } });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      name: 'approve',
      arn: 'arn:aws:states:us-east-1:123456789012:activity:approve',
      createdAt: expect.any(String),
    });
    expect((await call({ path: '/api/v1/activities', body: { name: 'approve' } })).json).toEqual(
      created.json,
    );
    expect((await call({ path: '/api/v1/activities/approve' })).json).toEqual(created.json);
    await call({ path: '/api/v1/activities', body: { name: 'build' } });
    const page = await call({ path: '/api/v1/activities', query: [['limit', '1']] });
    expect(page.json.activities.map((a: { name: string }) => a.name)).toEqual(['approve']);
    const next = await call({
      path: '/api/v1/activities',
      query: [
        ['limit', '1'],
        ['nextToken', page.json.nextToken as string],
      ],
    });
    expect(next.json.activities.map((a: { name: string }) => a.name)).toEqual(['build']);
    expect((await call({ path: '/api/v1/activities/approve', method: 'DELETE' })).status).toBe(204);
    expect((await call({ path: '/api/v1/activities/approve' })).status).toBe(404);
    expect((await call({ path: '/api/v1/activities/approve', method: 'DELETE' })).status).toBe(404);
  });

  it('refuses bad names in the body and the path', async () => {
    for (const name of ['', 'a b', 'a:b', 'x'.repeat(81), 7]) {
      const answer = await call({ path: '/api/v1/activities', body: { name } });
      expect(answer.status, String(name)).toBe(400);
      expect(answer.json.details[0]).toMatchObject({ location: 'body', pointer: '/name' });
    }
    for (const name of ['a%20b', '%2E%2E%2F%2E%2E', 'a%3Ab']) {
      const answer = await call({ path: `/api/v1/activities/${name}` });
      expect(answer.status, name).toBe(400);
      expect(answer.json.details[0]).toMatchObject({ location: 'path', pointer: '/name' });
    }
  });
});
