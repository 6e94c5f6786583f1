/** Standard Webhooks signatures and secret tokens, as GitLab 19.0+ and older send them. */
import { describe, expect, it } from 'vitest';
import { contentKey, deliveryKeyOf } from './delivery-key.js';
import {
  authenticateWebhook,
  isSigningToken,
  signWebhook,
  verifySignature,
} from './webhook-auth.js';

// The Standard Webhooks specification's example (also Svix's): secret, id, timestamp, payload.
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const headers = (signature = SPEC.signature, timestamp = String(SPEC.timestamp)) => ({
  'webhook-id': SPEC.id,
  'webhook-timestamp': timestamp,
  'webhook-signature': signature,
});

describe('verifySignature', () => {
  it('verifies the Standard Webhooks specification example', () => {
    expect(signWebhook(SPEC.secret, SPEC.id, SPEC.timestamp, SPEC.body)).toBe(SPEC.signature);
    expect(
      verifySignature(SPEC.secret, headers(), Buffer.from(SPEC.body), SPEC.timestamp * 1000),
    ).toBe(true);
  });

  it('refuses other bytes, other ids, other versions and other keys', () => {
    const at = SPEC.timestamp * 1000;
    expect(verifySignature(SPEC.secret, headers(), Buffer.from('{"test":2432232314}'), at)).toBe(
      false,
    );
    expect(
      verifySignature(
        SPEC.secret,
        { ...headers(), 'webhook-id': 'msg_other' },
        Buffer.from(SPEC.body),
        at,
      ),
    ).toBe(false);
    expect(
      verifySignature(
        SPEC.secret,
        headers(SPEC.signature.replace('v1,', 'v2,')),
        Buffer.from(SPEC.body),
        at,
      ),
    ).toBe(false);
    expect(
      verifySignature(
        `whsec_${Buffer.alloc(24, 1).toString('base64')}`,
        headers(),
        Buffer.from(SPEC.body),
        at,
      ),
    ).toBe(false);
    expect(
      verifySignature(SPEC.secret, headers(`${SPEC.signature}x`), Buffer.from(SPEC.body), at),
    ).toBe(false);
  });

  it('refuses timestamps beyond five minutes either way, and malformed ones', () => {
    const body = Buffer.from(SPEC.body);
    expect(verifySignature(SPEC.secret, headers(), body, (SPEC.timestamp + 300) * 1000)).toBe(true);
    expect(verifySignature(SPEC.secret, headers(), body, (SPEC.timestamp + 301) * 1000)).toBe(
      false,
    );
    expect(verifySignature(SPEC.secret, headers(), body, (SPEC.timestamp - 301) * 1000)).toBe(
      false,
    );
    expect(
      verifySignature(
        SPEC.secret,
        headers(SPEC.signature, '1614265330.0'),
        body,
        SPEC.timestamp * 1000,
      ),
    ).toBe(false);
    expect(
      verifySignature(SPEC.secret, headers(SPEC.signature, '-1'), body, SPEC.timestamp * 1000),
    ).toBe(false);
  });

  it('refuses a repeated header (sent twice, Node gives an array)', () => {
    const repeated = { ...headers(), 'webhook-signature': [SPEC.signature, SPEC.signature] };
    expect(
      verifySignature(SPEC.secret, repeated, Buffer.from(SPEC.body), SPEC.timestamp * 1000),
    ).toBe(false);
  });

  it('knows a signing token by its shape', () => {
    expect(isSigningToken(SPEC.secret)).toBe(true);
    expect(isSigningToken('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBe(false);
    expect(isSigningToken('whsec_short')).toBe(false);
    expect(isSigningToken('whsec_not base64!')).toBe(false);
  });
});

describe('authenticateWebhook', () => {
  const body = Buffer.from(SPEC.body);
  const at = SPEC.timestamp * 1000;

  it('with a signing token, never accepts the plain token instead', () => {
    const secrets = { signingToken: SPEC.secret, secretToken: 'plain' };
    expect(authenticateWebhook(secrets, { 'x-gitlab-token': 'plain' }, body, at)).toEqual({
      ok: false,
      reason: 'signature did not verify',
    });
    expect(authenticateWebhook(secrets, headers(), body, at)).toEqual({
      ok: true,
      method: 'signature',
    });
  });

  it('with a secret token only, compares it exactly (ignoring webhook-* headers)', () => {
    const secrets = { secretToken: 'plain' };
    expect(
      authenticateWebhook(secrets, { ...headers(), 'x-gitlab-token': 'plain' }, body, at),
    ).toEqual({
      ok: true,
      method: 'token',
    });
    expect(authenticateWebhook(secrets, headers(), body, at)).toEqual({
      ok: false,
      reason: 'token missing',
    });
    expect(authenticateWebhook(secrets, { 'x-gitlab-token': 'Plain' }, body, at)).toMatchObject({
      ok: false,
    });
  });

  it('with neither, refuses everything', () => {
    expect(
      authenticateWebhook({ secretToken: '', signingToken: '' }, headers(), body, at),
    ).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/an admin must set one/),
    });
  });
});

describe('deliveryKeyOf', () => {
  const push = {
    object_kind: 'push',
    project: { id: 1 },
    ref: 'refs/heads/main',
    before: 'a',
    after: 'b',
    commits: [],
  };

  it('prefers Idempotency-Key, then webhook-id (the same value on 19.0+), then the content', () => {
    expect(
      deliveryKeyOf({ idempotencyKey: 'k1', webhookId: 'k1' }, 'Push Hook', push),
    ).toMatchObject({
      key: 'idempotency:k1',
      source: 'idempotency-key',
    });
    expect(deliveryKeyOf({ webhookId: 'k1' }, 'Push Hook', push)).toMatchObject({
      key: 'idempotency:k1',
      source: 'webhook-id',
    });
    expect(deliveryKeyOf({ idempotencyKey: '  ' }, 'Push Hook', push)).toMatchObject({
      source: 'content',
    });
    expect(deliveryKeyOf({ idempotencyKey: 'x'.repeat(201) }, 'Push Hook', push).source).toBe(
      'content',
    );
  });

  it('builds the content key from the fields that identify the change', () => {
    const key = contentKey('Push Hook', push);
    expect(contentKey('Push Hook', { ...push, commits: [{ id: 'c' }], user_name: 'x' })).toBe(key);
    expect(contentKey('Push Hook', { ...push, after: 'c' })).not.toBe(key);
    expect(contentKey('Tag Push Hook', push)).not.toBe(key);
    const pipeline = {
      object_kind: 'pipeline',
      object_attributes: { id: 1, status: 'running', created_at: 't' },
    };
    expect(contentKey('Pipeline Hook', pipeline)).not.toBe(
      contentKey('Pipeline Hook', {
        ...pipeline,
        object_attributes: { ...pipeline.object_attributes, status: 'success' },
      }),
    );
    // Kinds without a list: the whole body counts.
    expect(contentKey('Wiki Page Hook', { object_kind: 'wiki_page', a: 1 })).not.toBe(
      contentKey('Wiki Page Hook', { object_kind: 'wiki_page', a: 2 }),
    );
  });
});
