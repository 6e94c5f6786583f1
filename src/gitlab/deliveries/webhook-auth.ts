/**
 * Authenticating a GitLab webhook request (reference gitlab.md 1.3). A connection with a
 * signing token accepts only a valid Standard Webhooks signature (`webhook-signature`, GitLab
 * 19.0+) and never falls back to `X-Gitlab-Token`, so a stolen or sniffed plain token cannot
 * downgrade a signed hook. Otherwise `X-Gitlab-Token` is compared in constant time. A
 * connection with neither accepts nothing. Reasons given to the caller never include a secret
 * or say which part of a signature was wrong.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** A connection's webhook secrets, opened from storage (part B's connections implement it). */
export interface WebhookSecretSet {
  /** The hook's secret token, sent back verbatim in `X-Gitlab-Token`. */
  readonly secretToken?: string;
  /** `whsec_` + base64 of the HMAC key. */
  readonly signingToken?: string;
}

/** Looks up a connection's webhook secrets; undefined when there is no such connection. */
export type WebhookSecrets = (connection: string) => Promise<WebhookSecretSet | undefined>;

/** How far `webhook-timestamp` may be from now, either way (Standard Webhooks default). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Header values by lower-case name, as Node gives them. */
export type HeaderValues = Readonly<Record<string, string | readonly string[] | undefined>>;

export type WebhookAuthResult =
  | { readonly ok: true; readonly method: 'signature' | 'token' }
  | { readonly ok: false; readonly reason: string };

const SIGNING_PREFIX = 'whsec_';

/**
 * Decides whether a request comes from the hook the connection's secrets describe.
 * @param rawBody the body exactly as received (the signature covers these bytes)
 * @param nowMs the caller's clock
 */
export function authenticateWebhook(
  secrets: WebhookSecretSet,
  headers: HeaderValues,
  rawBody: Buffer,
  nowMs: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): WebhookAuthResult {
  if (secrets.signingToken !== undefined && secrets.signingToken !== '') {
    return verifySignature(secrets.signingToken, headers, rawBody, nowMs, toleranceSeconds)
      ? { ok: true, method: 'signature' }
      : { ok: false, reason: 'signature did not verify' };
  }
  if (secrets.secretToken !== undefined && secrets.secretToken !== '') {
    const sent = single(headers['x-gitlab-token']);
    if (sent === undefined) return { ok: false, reason: 'token missing' };
    return sameSecret(sent, secrets.secretToken)
      ? { ok: true, method: 'token' }
      : { ok: false, reason: 'token did not match' };
  }
  return {
    ok: false,
    reason:
      'this connection has no webhook secret token or signing token; an admin must set one before GitLab deliveries are accepted',
  };
}

/**
 * Standard Webhooks: base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)), header
 * `v1,<sig>` entries separated by spaces (several during key rotation), any one may match.
 */
export function verifySignature(
  signingToken: string,
  headers: HeaderValues,
  rawBody: Buffer,
  nowMs: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  const id = single(headers['webhook-id']);
  const timestamp = single(headers['webhook-timestamp']);
  const signature = single(headers['webhook-signature']);
  if (id === undefined || timestamp === undefined || signature === undefined) return false;
  if (!/^\d{1,15}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const key = signingKey(signingToken);
  if (key === undefined) return false;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(rawBody).digest();
  let matched = false;
  for (const entry of signature.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const encoded = entry.slice(comma + 1);
    // Strict base64 of 32 bytes: Node's decoder skips stray characters, which would let
    // altered text pass as the same signature.
    if (!/^[A-Za-z0-9+/]{43}=$/.test(encoded)) continue;
    const got = Buffer.from(encoded, 'base64');
    // Every entry is compared, so the time taken does not say which one matched.
    if (got.length === expected.length && timingSafeEqual(got, expected)) matched = true;
  }
  return matched;
}

/** Signs like GitLab does (tests, the fake GitLab and the benchmark use it). */
export function signWebhook(
  signingToken: string,
  id: string,
  timestampSeconds: number,
  rawBody: Buffer | string,
): string {
  const key = signingKey(signingToken);
  if (key === undefined) throw new TypeError('A signing token is whsec_ followed by base64.');
  const digest = createHmac('sha256', key)
    .update(`${id}.${timestampSeconds}.`)
    .update(rawBody)
    .digest('base64');
  return `v1,${digest}`;
}

/** Whether a signing token has the shape GitLab gives them (`whsec_` + base64 of >= 16 bytes). */
export function isSigningToken(value: string): boolean {
  return signingKey(value) !== undefined;
}

function signingKey(token: string): Buffer | undefined {
  if (!token.startsWith(SIGNING_PREFIX)) return undefined;
  const encoded = token.slice(SIGNING_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length >= 16 ? key : undefined;
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(sent: string, expected: string): boolean {
  const a = createHash('sha256').update(sent, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** A header sent once; a repeated one (an injection attempt or a broken proxy) counts as absent. */
function single(value: string | readonly string[] | undefined): string | undefined {
  if (typeof value === 'string') return value;
  return undefined;
}
