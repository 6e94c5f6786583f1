/**
 * One flow on PostgreSQL with two nodes sharing the database and the master key: a workflow
 * deployed from YAML on one node, started and streamed on the other (whose stream sees the
 * first node's commits by polling), page tokens valid on both, a key disabled on one refused
 * there at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropAll, freshPostgresUrl } from '../../support/databases.js';
import type { Harness } from './rest-client.js';
import { client, eventually, executionPath, startServer } from './rest-client.js';

let first: Harness;
let second: Harness;
beforeAll(async () => {
  const databaseUrl = await freshPostgresUrl();
  first = await startServer({ databaseUrl });
  second = await startServer({ databaseUrl }, first.admin);
});
afterAll(async () => {
  await second.close();
  await first.close();
  await dropAll();
});

describe('the REST API on PostgreSQL, two nodes', () => {
  it('deploys, starts, streams and pages across nodes', async () => {
    const onFirst = client(first);
    const onSecond = client(second);
    const yaml =
      'StartAt: Build\nStates:\n  Build:\n    Type: Pass\n    Next: Settle\n  Settle:\n    Type: Wait\n    Seconds: 1\n    End: true\n';
    expect(
      (await onFirst({ path: '/api/v1/workflows', body: { name: 'release', definition: yaml } }))
        .status,
    ).toBe(201);
    expect(
      (await onFirst({ path: '/api/v1/workflows/release/versions', body: {} })).json.version,
    ).toBe(1);
    const started = await onSecond({
      path: '/api/v1/executions',
      body: { workflow: 'release', name: 'r1', version: 1 },
    });
    expect(started.status).toBe(201);
    const arn: string = started.json.executionArn;

    // The first node streams it; either node may fire the wait.
    const stream = await fetchStream(first, executionPath(arn, '/events'));
    expect(stream).toContain('event: end');
    expect(stream).toContain('"type":"ExecutionSucceeded"');

    const done = await eventually(
      () => onSecond({ path: executionPath(arn) }),
      (a) => a.json.status === 'SUCCEEDED',
    );
    expect(done.json.version).toBe(1);

    // A page token made by one node is good on the other.
    const page = await onFirst({ path: executionPath(arn, '/history'), query: [['limit', '2']] });
    const next = await onSecond({
      path: executionPath(arn, '/history'),
      query: [
        ['limit', '2'],
        ['nextToken', page.json.nextToken as string],
      ],
    });
    expect(next.status).toBe(200);
    expect(next.json.events[0].id).toBe(3);
  });

  it('refuses a key at once on the node that disabled it', async () => {
    const created = await client(first)({ path: '/api/v1/keys', body: { name: 'dave' } });
    const dave = {
      accessKeyId: created.json.accessKeyId as string,
      secretAccessKey: created.json.secretAccessKey as string,
    };
    expect((await client(second, dave)({ path: '/api/v1/workflows' })).status).toBe(200);
    await client(second)({ path: `/api/v1/keys/${dave.accessKeyId}/disable`, method: 'POST' });
    expect((await client(second, dave)({ path: '/api/v1/workflows' })).status).toBe(401);
  });
});

/** The whole event stream as text (it ends after the execution does). */
async function fetchStream(harness: Harness, path: string): Promise<string> {
  const answer = await client(harness)({ path });
  expect(answer.status).toBe(200);
  return answer.text;
}
