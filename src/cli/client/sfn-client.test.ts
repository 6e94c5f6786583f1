/**
 * The client's requests (signed AWS JSON 1.0) and how each kind of failure becomes a message
 * that says what to do; a fake fetch stands in for the server.
 */
import { describe, expect, it } from 'vitest';
import { createSigV4Authenticator } from '../../identity/index.js';
import type { Connection } from './connection.js';
import { ClientError, SfnClient } from './sfn-client.js';

const CONNECTION: Connection = {
  url: 'http://baton.test:8420',
  region: 'us-east-1',
  accessKeyId: 'BKIAABCDEFGHIJKLMNOP',
  secretAccessKey: 'the-secret-value',
  account: undefined,
  credentialsFrom: 'BATON_ACCESS_KEY_ID/BATON_SECRET_ACCESS_KEY',
};

function answering(status: number, body: string): typeof fetch {
  return () => Promise.resolve(new Response(body, { status }));
}

async function failure(client: SfnClient): Promise<ClientError> {
  try {
    await client.call('ListStateMachines', {});
  } catch (error: unknown) {
    if (error instanceof ClientError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

describe('SfnClient', () => {
  it('sends AWS JSON 1.0 with a signature the server’s verifier accepts', async () => {
    let verified = '';
    const verify = createSigV4Authenticator({
      region: 'us-east-1',
      service: 'states',
      nowMs: () => 1_795_000_000_000,
      lookupKey: () =>
        Promise.resolve({ state: 'active', name: 'admin', secret: 'the-secret-value' }),
    });
    const fake: typeof fetch = async (input, init) => {
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
      expect(input instanceof URL || typeof input === 'string' ? String(input) : input.url).toBe(
        'http://baton.test:8420/',
      );
      expect(headers['x-amz-target']).toBe('AWSStepFunctions.ListStateMachines');
      expect(headers['content-type']).toBe('application/x-amz-json-1.0');
      const body = typeof init?.body === 'string' ? init.body : '';
      verified = (await verify({ method: 'POST', url: '/', headers, body: Buffer.from(body) }))
        .name;
      return new Response('{"stateMachines":[]}', { status: 200 });
    };
    const client = new SfnClient(CONNECTION, { fetch: fake, nowMs: () => 1_795_000_000_000 });
    expect(await client.call('ListStateMachines', { maxResults: 1 })).toEqual({
      stateMachines: [],
    });
    expect(verified).toBe('admin');
  });

  it('learns the account from the first ARN the server lists, once', async () => {
    let calls = 0;
    const fake: typeof fetch = () => {
      calls++;
      return Promise.resolve(
        new Response(
          '{"stateMachines":[{"stateMachineArn":"arn:aws:states:us-east-1:210987654321:stateMachine:a"}]}',
        ),
      );
    };
    const client = new SfnClient(CONNECTION, { fetch: fake });
    expect(await client.arn('stateMachine:b')).toBe(
      'arn:aws:states:us-east-1:210987654321:stateMachine:b',
    );
    expect(await client.arn('execution:b:c')).toBe(
      'arn:aws:states:us-east-1:210987654321:execution:b:c',
    );
    expect(calls).toBe(1);
  });

  it('says the server is not a Step Functions endpoint for a 404 without an exception', async () => {
    const error = await failure(new SfnClient(CONNECTION, { fetch: answering(404, 'Not Found') }));
    expect(error.kind).toBe('unreachable');
    expect(error.message).toContain('not a Step Functions endpoint');
  });

  it('says so when a 200 is not JSON', async () => {
    const error = await failure(new SfnClient(CONNECTION, { fetch: answering(200, '<html>') }));
    expect(error.message).toContain('is it a Baton server?');
  });

  it('reports a server failure as such', async () => {
    const body = '{"__type":"com.amazon.coral.service#InternalFailure","message":"request id 7"}';
    const error = await failure(new SfnClient(CONNECTION, { fetch: answering(500, body) }));
    expect(error).toMatchObject({ kind: 'server', type: 'InternalFailure' });
    expect(error.message).toBe('InternalFailure: request id 7');
  });

  it('names the key and where it came from, never the secret, when the key is unknown', async () => {
    const body =
      '{"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"The security token included in the request is invalid."}';
    const error = await failure(new SfnClient(CONNECTION, { fetch: answering(400, body) }));
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('BKIAABCDEFGHIJKLMNOP');
    expect(error.message).toContain('BATON_ACCESS_KEY_ID');
    expect(error.message).not.toContain('the-secret-value');
  });

  it('says the clock is off for an expired signature', async () => {
    const body =
      '{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Signature expired: 20260101T000000Z is now earlier than ..."}';
    const error = await failure(new SfnClient(CONNECTION, { fetch: answering(400, body) }));
    expect(error.message).toContain('clock');
  });

  it('says nothing listens when the connection is refused', async () => {
    const refused: typeof fetch = () =>
      Promise.reject(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        }),
      );
    const error = await failure(new SfnClient(CONNECTION, { fetch: refused }));
    expect(error.kind).toBe('unreachable');
    expect(error.message).toBe(
      'no Baton server at http://baton.test:8420: start one with `baton server`, or point --url (BATON_URL) at yours',
    );
  });

  it('gives up on a server that does not answer in time', async () => {
    const hangs: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () =>
          reject(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
        ),
      );
    const error = await failure(new SfnClient(CONNECTION, { fetch: hangs, timeoutMs: 20 }));
    expect(error.message).toContain('did not answer in time');
  });
});
