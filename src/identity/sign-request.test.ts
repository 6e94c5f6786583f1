/**
 * The client-side signer: what it signs must be what AWS's signer (@smithy/signature-v4) signs,
 * and what the verifier accepts; a changed body, key, region or time must not verify.
 */
import { describe, expect, it } from 'vitest';
import { signRequest as awsSign } from '../../test/support/sigv4-signer.js';
import type { AuthRequest } from './types.js';
import { AuthError } from './types.js';
import { signRequest } from './sign-request.js';
import { createSigV4Authenticator } from './sigv4.js';

const KEY_ID = 'BKIAABCDEFGHIJKLMNOP';
const SECRET = 'uV3F3YgpHr5V8bDmRgSCP5Xf0NBRcPJdX0vKSwDc';
const NOW = Date.UTC(2026, 10, 22, 6, 0, 0);
const HEADERS = {
  'Content-Type': 'application/x-amz-json-1.0',
  'X-Amz-Target': 'AWSStepFunctions.ListStateMachines',
};

function signed(
  overrides: Partial<Parameters<typeof signRequest>[0]> = {},
): Parameters<typeof signRequest>[0] & { readonly added: Readonly<Record<string, string>> } {
  const request = {
    method: 'POST',
    url: 'http://baton.test:8420/',
    headers: HEADERS,
    body: '{"maxResults":10}',
    region: 'us-east-1',
    service: 'states',
    accessKeyId: KEY_ID,
    secretAccessKey: SECRET,
    nowMs: NOW,
    ...overrides,
  };
  return { ...request, added: signRequest(request) };
}

/** The request as the server sees it. */
function received(request: ReturnType<typeof signed>, body?: string): AuthRequest {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...request.headers, ...request.added }))
    headers[name.toLowerCase()] = value;
  return {
    method: request.method,
    url: url.pathname + url.search,
    headers,
    body: Buffer.from(body ?? request.body),
  };
}

function verifier(nowMs = NOW) {
  return createSigV4Authenticator({
    region: 'us-east-1',
    service: 'states',
    nowMs: () => nowMs,
    lookupKey: (id) =>
      Promise.resolve(
        id === KEY_ID ? { state: 'active', name: 'alice', secret: SECRET } : undefined,
      ),
  });
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error: unknown) {
    if (error instanceof AuthError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('signRequest', () => {
  it('produces the Authorization header AWS’s own signer produces', async () => {
    const ours = signed();
    const theirs = await awsSign(
      {
        headers: {
          'content-type': HEADERS['Content-Type'],
          'x-amz-target': HEADERS['X-Amz-Target'],
        },
        body: Buffer.from(ours.body),
        host: 'baton.test:8420',
      },
      { accessKeyId: KEY_ID, secretAccessKey: SECRET, date: new Date(NOW) },
    );
    expect(ours.added['authorization']).toBe(theirs.headers['authorization']);
    expect(ours.added['x-amz-date']).toBe('20261122T060000Z');
  });

  it('matches AWS’s signer for a path and query that need encoding', async () => {
    const ours = signed({ url: 'http://baton.test:8420/a%20b/c?z=1&a=x%2Fy', body: '' });
    const theirs = await awsSign(
      {
        path: '/a%20b/c',
        query: [
          ['z', '1'],
          ['a', 'x/y'],
        ],
        headers: {
          'content-type': HEADERS['Content-Type'],
          'x-amz-target': HEADERS['X-Amz-Target'],
        },
        body: '',
        host: 'baton.test:8420',
      },
      { accessKeyId: KEY_ID, secretAccessKey: SECRET, date: new Date(NOW) },
    );
    expect(ours.added['authorization']).toBe(theirs.headers['authorization']);
  });

  it('signs requests the verifier accepts', async () => {
    const principal = await verifier()(received(signed()));
    expect(principal).toEqual({ accessKeyId: KEY_ID, name: 'alice' });
  });

  it('signs UTF-8 bodies by their bytes', async () => {
    const request = signed({ body: '{"input":"{\\"name\\":\\"Zoë 🎻\\"}"}' });
    await expect(verifier()(received(request))).resolves.toBeDefined();
  });

  it('does not verify when the body was changed after signing', async () => {
    expect(await rejection(verifier()(received(signed(), '{"maxResults":11}')))).toBe(
      'InvalidSignatureException',
    );
  });

  it('does not verify with another secret', async () => {
    const request = signed({ secretAccessKey: `${SECRET.slice(0, -1)}x` });
    expect(await rejection(verifier()(received(request)))).toBe('InvalidSignatureException');
  });

  it('does not verify with an unknown key id', async () => {
    const request = signed({ accessKeyId: 'BKIAZZZZZZZZZZZZZZZZ' });
    expect(await rejection(verifier()(received(request)))).toBe('UnrecognizedClientException');
  });

  it('does not verify for another region or service', async () => {
    expect(await rejection(verifier()(received(signed({ region: 'eu-west-1' }))))).toBe(
      'InvalidSignatureException',
    );
    expect(await rejection(verifier()(received(signed({ service: 's3' }))))).toBe(
      'InvalidSignatureException',
    );
  });

  it('does not verify 16 minutes later', async () => {
    expect(await rejection(verifier(NOW + 16 * 60_000)(received(signed())))).toBe(
      'InvalidSignatureException',
    );
  });

  it('never puts the secret in the headers', () => {
    const { added } = signed();
    expect(JSON.stringify(added)).not.toContain(SECRET);
  });
});
