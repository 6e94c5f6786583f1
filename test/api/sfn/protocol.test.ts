/**
 * The AWS JSON 1.0 protocol by hand: targets, bodies, types, sizes, authentication and
 * internal failures. Every bad request gets an AWS-style error body; none gets a stack trace,
 * and none leaves anything written.
 */
import {
  CreateStateMachineCommand,
  DescribeStateMachineCommand,
  ListStateMachinesCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthRequest } from '../../../src/identity/types.js';
import { AuthError } from '../../../src/identity/types.js';
import { dropAll } from '../../support/databases.js';
import type { Harness } from './harness.js';
import { ROLE, SM_PREFIX, definition, rejection, startHarness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ api: { bodyLimitBytes: 64 * 1024 } });
});
afterAll(async () => {
  await h.close();
  await dropAll();
});

const CREATE = 'AWSStepFunctions.CreateStateMachine';

function expectNoLeak(body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/\s+at\s+\S+\s+\(/); // a stack frame
  expect(text).not.toContain('/work/');
  expect(text).not.toContain('node_modules');
}

describe('targets', () => {
  it('answers an unknown, missing or foreign target with UnknownOperationException', async () => {
    for (const target of [
      'AWSStepFunctions.Nope',
      'AWSStepFunctions.constructor',
      'AWSStepFunctions.__proto__',
      'AWSStepFunctions.',
      'DynamoDB_20120810.ListTables',
      undefined,
    ]) {
      const response = await h.raw(target, '{}');
      expect(response.status, String(target)).toBe(400);
      expect(response.body['__type']).toBe('com.amazon.coral.service#UnknownOperationException');
      expect(response.body['message']).toContain('X-Amz-Target');
    }
  });

  it('answers with the AWS JSON content type and a request id', async () => {
    const ok = await h.raw('AWSStepFunctions.ListStateMachines', '{}');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(ok.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await h.raw('AWSStepFunctions.Nope', '{}');
    expect(bad.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(bad.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('bodies', () => {
  it('answers a body that is not JSON, or not an object, with SerializationException', async () => {
    for (const body of ['{', 'null', '[]', '"text"', '42', '{"a":1}garbage', '\u0000']) {
      const response = await h.raw(CREATE, body);
      expect(response.status, body).toBe(400);
      expect(response.body['__type']).toBe('com.amazon.coral.service#SerializationException');
      expectNoLeak(response.body);
    }
  });

  it('refuses JSON nested too deeply without overflowing the stack', async () => {
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    const response = await h.raw(CREATE, deep);
    expect(response.status).toBe(400);
    expect(response.body['__type']).toBe('com.amazon.coral.service#SerializationException');
  });

  it('answers members of the wrong JSON type with SerializationException naming the member', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      [CREATE, { name: 5, definition: definition(), roleArn: ROLE }, "'name'"],
      [CREATE, { name: 'x', definition: { StartAt: 'A' }, roleArn: ROLE }, "'definition'"],
      [
        CREATE,
        { name: 'x', definition: definition(), roleArn: ROLE, publish: 'true' },
        "'publish'",
      ],
      [CREATE, { name: 'x', definition: definition(), roleArn: ROLE, tags: {} }, "'tags'"],
      [
        CREATE,
        { name: 'x', definition: definition(), roleArn: ROLE, tags: ['a'] },
        "'tags.1.member'",
      ],
      ['AWSStepFunctions.ListStateMachines', { maxResults: '10' }, "'maxResults'"],
      ['AWSStepFunctions.ListStateMachines', { maxResults: 1.5 }, "'maxResults'"],
      ['AWSStepFunctions.ListStateMachines', { maxResults: 1e300 }, "'maxResults'"],
      [
        'AWSStepFunctions.UntagResource',
        { resourceArn: SM_PREFIX + 'x', tagKeys: [1] },
        "'tagKeys.1.member'",
      ],
      ['AWSStepFunctions.TestState', { definition: '{}', mock: 'x' }, "'mock'"],
    ];
    for (const [target, body, member] of cases) {
      const response = await h.raw(target, JSON.stringify(body));
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body['__type']).toBe('com.amazon.coral.service#SerializationException');
      expect(response.body['message']).toContain(member);
    }
    expect(
      (await h.raw('AWSStepFunctions.ListStateMachines', '{}')).body['stateMachines'],
    ).not.toContainEqual(expect.objectContaining({ name: 'x' }));
  });

  it('lists every missing required member in one ValidationException', async () => {
    const response = await h.raw(CREATE, '{}');
    expect(response.status).toBe(400);
    expect(response.body['__type']).toBe('com.amazon.coral.validate#ValidationException');
    expect(response.body['message']).toBe(
      "3 validation errors detected: Value null at 'name' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'definition' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    );
  });

  it('treats an empty body as no members, and null members as absent', async () => {
    const empty = await h.raw('AWSStepFunctions.ListStateMachines', '');
    expect(empty.status).toBe(200);
    const nulls = await h.raw(
      'AWSStepFunctions.ListStateMachines',
      JSON.stringify({ maxResults: null, nextToken: null }),
    );
    expect(nulls.status).toBe(200);
  });

  it('ignores members it does not know, as AWS clients may send newer ones', async () => {
    const response = await h.raw(
      'AWSStepFunctions.ListStateMachines',
      JSON.stringify({ somethingNew: true, __proto__: { polluted: 1 } }),
    );
    expect(response.status).toBe(200);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('accepts a body without a content type', async () => {
    const response = await fetch(h.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSStepFunctions.ListStateMachines' },
      body: new TextEncoder().encode('{}'),
    });
    expect(response.status).toBe(200);
  });

  it('refuses a body over the limit with an AWS error (413), and keeps serving', async () => {
    const body = JSON.stringify({
      name: 'huge',
      definition: definition({ Start: { Type: 'Pass', Result: 'x'.repeat(70 * 1024), End: true } }),
      roleArn: ROLE,
    });
    const response = await h.raw(CREATE, body);
    expect(response.status).toBe(413);
    expect(response.body['__type']).toBe('com.amazon.coral.service#RequestEntityTooLargeException');
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    const after = await h.raw('AWSStepFunctions.ListStateMachines', '{}');
    expect(after.status).toBe(200);
    const missing = await rejection(
      h.client.send(new DescribeStateMachineCommand({ stateMachineArn: SM_PREFIX + 'huge' })),
    );
    expect(missing.name).toBe('StateMachineDoesNotExist');
  });

  it('refuses a body whose length is not what Content-Length says', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: h.port,
          method: 'POST',
          path: '/',
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': 'AWSStepFunctions.ListStateMachines',
            'content-length': '100',
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end('{}');
      // The server waits for 98 more bytes; end the socket so it sees a short body.
      setTimeout(() => req.destroy(), 200);
    }).catch(() => 400);
    expect(status).not.toBe(500);
  });
});

describe('failures', () => {
  it('creates nothing when a part of the request is refused', async () => {
    const tags = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: '' }));
    const error = await rejection(
      h.client.send(
        new CreateStateMachineCommand({
          name: 'tagged',
          definition: definition(),
          roleArn: ROLE,
          tags,
        }),
      ),
    );
    expect(error.name).toBe('TooManyTags');
    const missing = await rejection(
      h.client.send(new DescribeStateMachineCommand({ stateMachineArn: SM_PREFIX + 'tagged' })),
    );
    expect(missing.name).toBe('StateMachineDoesNotExist');
  });

  it('answers an unexpected failure with InternalFailure (500) and a request id, no details', async () => {
    const broken = await startHarness({
      api: {
        waitForExecutionEnd: () =>
          Promise.reject(new Error('database exploded at /work/secret.ts:1')),
      },
    });
    try {
      await broken.client.send(
        new CreateStateMachineCommand({
          name: 'e',
          definition: definition({ Start: { Type: 'Wait', Seconds: 5, End: true } }),
          roleArn: ROLE,
          type: 'EXPRESS',
        }),
      );
      const response = await broken.raw(
        'AWSStepFunctions.StartSyncExecution',
        JSON.stringify({ stateMachineArn: `${SM_PREFIX}e` }),
      );
      expect(response.status).toBe(500);
      expect(response.body['__type']).toBe('com.amazon.coral.service#InternalFailure');
      const requestId = response.headers.get('x-amzn-requestid') ?? 'missing';
      expect(response.body['message']).toContain(requestId);
      expect(JSON.stringify(response.body)).not.toContain('exploded');
      expectNoLeak(response.body);
    } finally {
      await broken.close();
    }
  });
});

describe('authentication', () => {
  it('hands authenticate the method, url, lower-cased headers and exact body bytes', async () => {
    const seen: AuthRequest[] = [];
    const authed = await startHarness({
      authenticate: (request) => {
        seen.push(request);
        return Promise.resolve({ accessKeyId: 'AKIDTEST', name: 'tester' });
      },
    });
    try {
      await authed.client.send(new ListStateMachinesCommand({ maxResults: 5 }));
      const request = seen[0];
      expect(request?.method).toBe('POST');
      expect(request?.url).toBe('/');
      expect(request?.headers['x-amz-target']).toBe('AWSStepFunctions.ListStateMachines');
      expect(typeof request?.headers['authorization']).toBe('string');
      expect(request?.body.toString('utf8')).toBe('{"maxResults":5}');
    } finally {
      await authed.close();
    }
  });

  it('reports an AuthError by its AWS name through the SDK, and does nothing', async () => {
    const authed = await startHarness({
      authenticate: () =>
        Promise.reject(
          new AuthError(
            'UnrecognizedClientException',
            403,
            'The security token included in the request is invalid.',
          ),
        ),
    });
    try {
      const error = await rejection(
        authed.client.send(
          new CreateStateMachineCommand({ name: 'x', definition: definition(), roleArn: ROLE }),
        ),
      );
      expect(error.name).toBe('UnrecognizedClientException');
      expect(error.message).toBe('The security token included in the request is invalid.');
      expect(error.members['$metadata']).toMatchObject({ httpStatusCode: 403 });
      expect(await authed.store.workflows.get('x')).toBeUndefined();
      const raw = await authed.raw('AWSStepFunctions.Nope', '{}');
      expect(raw.status).toBe(403);
      expect(raw.body['__type']).toBe('com.amazon.coral.service#UnrecognizedClientException');
    } finally {
      await authed.close();
    }
  });

  it('answers an authenticate that throws something else with InternalFailure', async () => {
    const authed = await startHarness({
      authenticate: () => Promise.reject(new TypeError('bug in the verifier')),
    });
    try {
      const response = await authed.raw('AWSStepFunctions.ListStateMachines', '{}');
      expect(response.status).toBe(500);
      expect(response.body['__type']).toBe('com.amazon.coral.service#InternalFailure');
      expect(JSON.stringify(response.body)).not.toContain('bug in the verifier');
    } finally {
      await authed.close();
    }
  });
});
