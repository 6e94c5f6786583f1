/** Executions at /api/v1/executions: start, list with filters, get, stop, redrive, position, history. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './rest-client.js';
import {
  PASS_DEFINITION,
  WAIT_DEFINITION,
  client,
  eventually,
  executionPath,
  startServer,
} from './rest-client.js';

let harness: Harness;
let call: ReturnType<typeof client>;
beforeAll(async () => {
  harness = await startServer();
  call = client(harness);
  await call({ path: '/api/v1/workflows', body: { name: 'hello', definition: PASS_DEFINITION } });
  await call({ path: '/api/v1/workflows', body: { name: 'hold', definition: WAIT_DEFINITION } });
  const failing = JSON.stringify({
    StartAt: 'Prepare',
    States: {
      Prepare: { Type: 'Pass', Next: 'Boom' },
      Boom: { Type: 'Fail', Error: 'Deploy.Failed', Cause: 'on purpose' },
    },
  });
  await call({ path: '/api/v1/workflows', body: { name: 'failing', definition: failing } });
});
afterAll(async () => {
  await harness.close();
});

async function start(body: object) {
  return call({ path: '/api/v1/executions', body });
}

describe('starting executions', () => {
  it('starts one, idempotently by name and input, and shows its output', async () => {
    const answer = await start({ workflow: 'hello', name: 'first', input: { n: 1 } });
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:hello:first',
      workflow: 'hello',
      name: 'first',
      input: { n: 1 },
      version: null,
      alias: null,
    });
    const done = await eventually(
      () => call({ path: executionPath(answer.json.executionArn) }),
      (a) => a.json.status === 'SUCCEEDED',
    );
    expect(done.json).toMatchObject({
      status: 'SUCCEEDED',
      output: { greeting: 'hello' },
      error: null,
    });
  });

  it('starts a version and an alias, and generates a name when none is given', async () => {
    await call({ path: '/api/v1/workflows/hello/versions', body: {} });
    await call({
      path: '/api/v1/workflows/hello/aliases/live',
      method: 'PUT',
      body: { routing: [{ version: 1, weight: 100 }] },
    });
    const byVersion = await start({ workflow: 'hello', version: 1 });
    expect(byVersion.status).toBe(201);
    expect(byVersion.json.version).toBe(1);
    expect(byVersion.json.name).toMatch(/^[0-9a-f-]{36}$/);
    const byAlias = await start({ workflow: 'hello', alias: 'live' });
    expect(byAlias.json).toMatchObject({ alias: 'live', version: 1 });
  });

  it('refuses bad starts with the reason and where', async () => {
    const cases = [
      [{}, 400, '/workflow'],
      [{ workflow: 'hello', input: 'x'.repeat(300_000) }, 400, '/input'],
      [{ workflow: 'hello', version: 1, alias: 'live' }, 400, '/alias'],
      [{ workflow: 'hello', version: 'one' }, 400, '/version'],
      [{ workflow: 'hello', name: 'has space' }, 400, undefined],
      [{ workflow: 'nope' }, 404, undefined],
      [{ workflow: 'hello', version: 42 }, 404, undefined],
      [{ workflow: 'hello', alias: 'nope' }, 404, undefined],
    ] as const;
    for (const [body, status, pointer] of cases) {
      const answer = await start(body);
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      if (pointer !== undefined) {
        expect(answer.json.details).toContainEqual(
          expect.objectContaining({ location: 'body', pointer }),
        );
      }
    }
    // A name taken by a finished execution.
    const again = await start({ workflow: 'hello', name: 'first', input: { n: 2 } });
    expect(again.status).toBe(409);
  });
});

describe('listing', () => {
  it('filters by workflow, status, version, alias and start time', async () => {
    const list = async (query: [string, string][]): Promise<{ executions: object[] }> => {
      const answer = await call({ path: '/api/v1/executions', query });
      return answer.json as { executions: object[] };
    };
    const all = await list([['workflow', 'hello']]);
    expect(all.executions.length).toBeGreaterThanOrEqual(3);
    expect(all.executions[0]).not.toHaveProperty('input');
    expect(
      (
        await list([
          ['workflow', 'hello'],
          ['alias', 'live'],
        ])
      ).executions,
    ).toHaveLength(1);
    expect(
      (
        await list([
          ['workflow', 'hello'],
          ['version', '1'],
        ])
      ).executions,
    ).toHaveLength(2);
    expect(
      (
        await list([
          ['status', 'RUNNING'],
          ['workflow', 'hello'],
        ])
      ).executions,
    ).toHaveLength(0);
    expect((await list([['startedFrom', '2999-01-01T00:00:00Z']])).executions).toHaveLength(0);
    expect(
      (await list([['startedBefore', '2999-01-01T00:00:00Z']])).executions.length,
    ).toBeGreaterThan(0);
  });

  it('refuses bad filters, each with its query pointer', async () => {
    const answer = await call({
      path: '/api/v1/executions',
      query: [
        ['status', 'DONE'],
        ['startedFrom', 'yesterday'],
        ['limit', '5000'],
        ['color', 'red'],
      ],
    });
    expect(answer.status).toBe(400);
    const pointers = answer.json.details.map((d: { pointer: string }) => d.pointer);
    expect(pointers).toEqual(
      expect.arrayContaining(['/status', '/startedFrom', '/limit', '/color']),
    );
    const version = await call({ path: '/api/v1/executions', query: [['version', '1']] });
    expect(version.json.details[0].message).toContain('needs workflow');
  });

  it('pages, and binds the token to the filters', async () => {
    const first = await call({
      path: '/api/v1/executions',
      query: [
        ['workflow', 'hello'],
        ['limit', '1'],
      ],
    });
    const token: string = first.json.nextToken;
    const next = await call({
      path: '/api/v1/executions',
      query: [
        ['workflow', 'hello'],
        ['limit', '1'],
        ['nextToken', token],
      ],
    });
    expect(next.status).toBe(200);
    expect(next.json.executions[0].executionArn).not.toBe(first.json.executions[0].executionArn);
    const other = await call({
      path: '/api/v1/executions',
      query: [
        ['workflow', 'hold'],
        ['limit', '1'],
        ['nextToken', token],
      ],
    });
    expect(other.json.code).toBe('INVALID_TOKEN');
  });
});

describe('one execution', () => {
  it('shows where a running execution waits, then stops it', async () => {
    const started = await start({ workflow: 'hold', name: 'waiting' });
    const arn: string = started.json.executionArn;
    const position = await call({ path: executionPath(arn, '/position') });
    expect(position.json).toEqual({
      executionArn: arn,
      status: 'RUNNING',
      states: [
        expect.objectContaining({
          state: 'Hold',
          waitingFor: 'timer',
          enteredAt: expect.any(String),
          retryCount: 0,
        }),
      ],
    });
    const stopped = await call({
      path: executionPath(arn, '/stop'),
      body: { error: 'Operator', cause: 'no longer needed' },
    });
    expect(stopped.status).toBe(200);
    expect(stopped.json).toMatchObject({
      status: 'ABORTED',
      error: 'Operator',
      cause: 'no longer needed',
    });
    expect((await call({ path: executionPath(arn, '/position') })).json.states).toEqual([]);
    const again = await call({ path: executionPath(arn, '/stop'), method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('CONFLICT');
  });

  it('redrives a failed execution, and refuses one that succeeded', async () => {
    const started = await start({ workflow: 'failing', name: 'f1' });
    const arn: string = started.json.executionArn;
    await eventually(
      () => call({ path: executionPath(arn) }),
      (a) => a.json.status === 'FAILED',
    );
    const redriven = await call({ path: executionPath(arn, '/redrive'), method: 'POST' });
    expect(redriven.status).toBe(200);
    expect(redriven.json.redriveCount).toBe(1);
    const succeeded = await call({
      path: executionPath(
        'arn:aws:states:us-east-1:123456789012:execution:hello:first',
        '/redrive',
      ),
      method: 'POST',
    });
    expect(succeeded.status).toBe(409);
    expect(succeeded.json.code).toBe('NOT_REDRIVABLE');
  });

  it('pages the history both ways with tokens bound to the order', async () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:hello:first';
    const all = await call({ path: executionPath(arn, '/history') });
    const types = all.json.events.map((e: { type: string }) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(all.json.events[0]).toMatchObject({
      id: 1,
      previousEventId: 0,
      timestamp: expect.stringMatching(/Z$/),
    });
    expect(all.json.events[0].executionStartedEventDetails.input).toBe('{"n":1}');
    const newest = await call({
      path: executionPath(arn, '/history'),
      query: [
        ['reverse', 'true'],
        ['limit', '2'],
      ],
    });
    expect(newest.json.events.map((e: { id: number }) => e.id)).toEqual([
      types.length,
      types.length - 1,
    ]);
    const token: string = newest.json.nextToken;
    const more = await call({
      path: executionPath(arn, '/history'),
      query: [
        ['reverse', 'true'],
        ['limit', '2'],
        ['nextToken', token],
      ],
    });
    expect(more.json.events[0].id).toBe(types.length - 2);
    const flipped = await call({
      path: executionPath(arn, '/history'),
      query: [
        ['limit', '2'],
        ['nextToken', token],
      ],
    });
    expect(flipped.json.code).toBe('INVALID_TOKEN');
    const badReverse = await call({
      path: executionPath(arn, '/history'),
      query: [['reverse', 'yes']],
    });
    expect(badReverse.json.details[0]).toMatchObject({ location: 'query', pointer: '/reverse' });
  });

  it('answers 400 for ids that are not execution ARNs of this server, 404 for unknown ones', async () => {
    for (const id of [
      '..%2F..%2Fetc%2Fpasswd',
      'arn%3Aaws%3Astates%3Aeu-west-1%3A123456789012%3Aexecution%3Ahello%3Afirst',
      'arn%3Aaws%3Astates%3Aus-east-1%3A123456789012%3AstateMachine%3Ahello',
      'arn%3Aaws%3Astates%3Aus-east-1%3A123456789012%3Aexecution%3Ahello%3A..%2F..',
    ]) {
      const answer = await call({ path: `/api/v1/executions/${id}` });
      expect(answer.status, id).toBe(400);
      expect(answer.json.details[0]).toMatchObject({ location: 'path', pointer: '/executionArn' });
    }
    const unknown = executionPath('arn:aws:states:us-east-1:123456789012:execution:hello:none');
    for (const suffix of ['', '/history', '/position', '/events']) {
      expect((await call({ path: unknown + suffix })).status).toBe(404);
    }
    expect((await call({ path: `${unknown}/stop`, method: 'POST' })).status).toBe(404);
    expect((await call({ path: `${unknown}/redrive`, method: 'POST' })).status).toBe(404);
  });
});
