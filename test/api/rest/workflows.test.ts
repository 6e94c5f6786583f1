/** Workflows at /api/v1/workflows: JSON and YAML definitions, diagnostics, versions, aliases. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './rest-client.js';
import { PASS_DEFINITION, client, startServer } from './rest-client.js';

let harness: Harness;
let call: ReturnType<typeof client>;
beforeAll(async () => {
  harness = await startServer();
  call = client(harness);
});
afterAll(async () => {
  await harness.close();
});

const YAML_DEFINITION = `StartAt: Hi
States:
  Hi:
    Type: Pass
    Result: from yaml
    End: true
`;

describe('creating workflows', () => {
  it('creates from JSON text and answers the workflow with its definition', async () => {
    const answer = await call({
      path: '/api/v1/workflows',
      body: { name: 'hello', definition: PASS_DEFINITION },
    });
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({
      name: 'hello',
      arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:hello',
      type: 'STANDARD',
      definition: PASS_DEFINITION,
      versions: [],
      aliases: [],
    });
    // Again with the same text: unchanged, 200. With other text: 409.
    expect(
      (
        await call({
          path: '/api/v1/workflows',
          body: { name: 'hello', definition: PASS_DEFINITION },
        })
      ).status,
    ).toBe(200);
    const other = await call({
      path: '/api/v1/workflows',
      body: { name: 'hello', definition: YAML_DEFINITION },
    });
    expect(other.status).toBe(409);
    expect(other.json.code).toBe('CONFLICT');
  });

  it('creates from YAML text, stored as JSON', async () => {
    const answer = await call({
      path: '/api/v1/workflows',
      body: { name: 'from-yaml', definition: YAML_DEFINITION },
    });
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.json.definition)).toEqual({
      StartAt: 'Hi',
      States: { Hi: { Type: 'Pass', Result: 'from yaml', End: true } },
    });
  });

  it('reports every definition problem with its JSON pointer, line and column', async () => {
    const broken = `StartAt: Missing
States:
  Hi:
    Type: Pass
    Next: Nowhere
`;
    const answer = await call({
      path: '/api/v1/workflows',
      body: { name: 'broken', definition: broken },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.code).toBe('VALIDATION');
    const details: { location: string; pointer: string; line: number; column: number }[] =
      answer.json.details;
    expect(details.length).toBeGreaterThanOrEqual(2);
    expect(details).toContainEqual(
      expect.objectContaining({ location: 'definition', pointer: '/StartAt', line: 1 }),
    );
    expect(details).toContainEqual(
      expect.objectContaining({
        location: 'definition',
        pointer: '/States/Hi/Next',
        line: 5,
        column: 5,
      }),
    );
    expect((await call({ path: '/api/v1/workflows/broken' })).status).toBe(404);
  });

  it('reports JSON syntax errors in the definition with a position', async () => {
    const answer = await call({
      path: '/api/v1/workflows',
      body: { name: 'bad-json', definition: '{\n  "StartAt": "A",\n  "States": {\n}' },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.details[0]).toMatchObject({
      location: 'definition',
      line: expect.any(Number),
    });
    expect(answer.json.details[0].line).toBeGreaterThan(0);
  });

  it('reports invalid YAML', async () => {
    const answer = await call({
      path: '/api/v1/workflows',
      body: { name: 'bad-yaml', definition: 'StartAt: [unclosed\nStates: {', format: 'yaml' },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.details[0].location).toBe('definition');
  });

  it('refuses bad names, types and members', async () => {
    for (const [body, pointer] of [
      [{ definition: PASS_DEFINITION }, '/name'],
      [{ name: 'a b', definition: PASS_DEFINITION }, '/name'],
      [{ name: '../../etc', definition: PASS_DEFINITION }, '/name'],
      [{ name: 'x'.repeat(81), definition: PASS_DEFINITION }, '/name'],
      [{ name: 'ok', definition: PASS_DEFINITION, type: 'FAST' }, '/type'],
      [{ name: 'ok', definition: 42 }, '/definition'],
      [{ name: 'ok' }, '/definition'],
      [{ name: 'ok', definition: PASS_DEFINITION, roleArn: 'x' }, '/roleArn'],
    ] as const) {
      const answer = await call({ path: '/api/v1/workflows', body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.details).toContainEqual(
        expect.objectContaining({ location: 'body', pointer }),
      );
    }
  });

  it('refuses an EXPRESS workflow that waits for a callback', async () => {
    const definition = JSON.stringify({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          End: true,
        },
      },
    });
    const answer = await call({
      path: '/api/v1/workflows',
      body: { name: 'express', type: 'EXPRESS', definition },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.details).toContainEqual(
      expect.objectContaining({ code: 'EXPRESS_UNSUPPORTED_PATTERN' }),
    );
  });
});

describe('reading, updating, publishing and deleting', () => {
  it('updates, publishes versions, points an alias, and shows them all', async () => {
    await call({
      path: '/api/v1/workflows',
      body: { name: 'deploy', definition: PASS_DEFINITION },
    });
    const v1 = await call({
      path: '/api/v1/workflows/deploy/versions',
      body: { description: 'first' },
    });
    expect(v1.status).toBe(201);
    expect(v1.json).toMatchObject({ version: 1, description: 'first' });
    const updated = await call({
      path: '/api/v1/workflows/deploy',
      method: 'PUT',
      body: { definition: YAML_DEFINITION },
    });
    expect(updated.status).toBe(200);
    expect(updated.json.revisionId).not.toBe(v1.json.revisionId);
    // Publishing against a stale revision conflicts.
    const stale = await call({
      path: '/api/v1/workflows/deploy/versions',
      body: { revisionId: v1.json.revisionId },
    });
    expect(stale.status).toBe(409);
    const v2 = await call({ path: '/api/v1/workflows/deploy/versions', body: {} });
    expect(v2.json.version).toBe(2);
    const alias = await call({
      path: '/api/v1/workflows/deploy/aliases/prod',
      method: 'PUT',
      body: { routing: [{ version: 2, weight: 100 }] },
    });
    expect(alias.status).toBe(200);
    expect(alias.json).toMatchObject({ name: 'prod', routing: [{ version: 2, weight: 100 }] });
    const got = await call({ path: '/api/v1/workflows/deploy' });
    expect(got.json.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(got.json.aliases.map((a: { name: string }) => a.name)).toEqual(['prod']);
    expect(JSON.parse(got.json.definition).States.Hi.Result).toBe('from yaml');
  });

  it('refuses bad alias routing and names', async () => {
    const routes = [
      [{ routing: [{ version: 1, weight: 60 }] }, 400],
      [{ routing: [] }, 400],
      [{ routing: [{ version: 0, weight: 100 }] }, 400],
      [{ routing: [{ version: 99, weight: 100 }] }, 404],
    ] as const;
    for (const [body, status] of routes) {
      const answer = await call({
        path: '/api/v1/workflows/deploy/aliases/beta',
        method: 'PUT',
        body,
      });
      expect(answer.status, JSON.stringify(body)).toBe(status);
    }
    const numeric = await call({
      path: '/api/v1/workflows/deploy/aliases/123',
      method: 'PUT',
      body: { routing: [{ version: 1, weight: 100 }] },
    });
    expect(numeric.json.details[0]).toMatchObject({ location: 'path', pointer: '/alias' });
  });

  it('refuses an update with nothing to change, and one of an unknown workflow', async () => {
    const empty = await call({ path: '/api/v1/workflows/deploy', method: 'PUT', body: {} });
    expect(empty.status).toBe(400);
    const unknown = await call({
      path: '/api/v1/workflows/nope',
      method: 'PUT',
      body: { definition: PASS_DEFINITION },
    });
    expect(unknown.status).toBe(404);
  });

  it('lists by name with sealed page tokens bound to the route', async () => {
    const first = await call({ path: '/api/v1/workflows', query: [['limit', '1']] });
    expect(first.json.workflows).toHaveLength(1);
    const token: string = first.json.nextToken;
    const second = await call({
      path: '/api/v1/workflows',
      query: [
        ['limit', '1'],
        ['nextToken', token],
      ],
    });
    expect(second.json.workflows[0].name > first.json.workflows[0].name).toBe(true);
    // A workflows token is no activities token.
    const elsewhere = await call({
      path: '/api/v1/activities',
      query: [
        ['limit', '1'],
        ['nextToken', token],
      ],
    });
    expect(elsewhere.json.code).toBe('INVALID_TOKEN');
    const repeated = await call({
      path: '/api/v1/workflows',
      query: [
        ['limit', '1'],
        ['limit', '2'],
      ],
    });
    expect(repeated.status).toBe(400);
  });

  it('deletes, then answers 404', async () => {
    expect((await call({ path: '/api/v1/workflows/from-yaml', method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await call({ path: '/api/v1/workflows/from-yaml' })).status).toBe(404);
    expect((await call({ path: '/api/v1/workflows/from-yaml', method: 'DELETE' })).status).toBe(
      404,
    );
  });

  it('answers 400 for path-traversal-looking names, never a file', async () => {
    for (const name of ['..%2F..%2Fetc%2Fpasswd', '%2E%2E', 'a%00b']) {
      const answer = await call({ path: `/api/v1/workflows/${name}` });
      expect([400, 404]).toContain(answer.status);
      expect(answer.json).toMatchObject({
        code: expect.any(String),
        requestId: expect.any(String),
      });
    }
  });
});
