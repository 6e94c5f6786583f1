/**
 * GitLab webhook deliveries for tests and the fake GitLab: a body from a real fixture in
 * /work/shared/reference/gitlab-fixtures/ (or ../shared/... from the repository), deep-merged
 * with overrides, and the headers the given GitLab version sends: before 17.4 only
 * `X-Gitlab-Token`; 17.4+ adds `Idempotency-Key`; 19.0+ adds `webhook-id`,
 * `webhook-timestamp` and, with a signing token, `webhook-signature`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signWebhook } from '../../src/gitlab/deliveries/index.js';

export type FixtureName =
  | 'push'
  | 'tag_push'
  | 'merge_request'
  | 'pipeline'
  | 'job'
  | 'deployment'
  | 'note_merge_request'
  | 'release';

/** `X-Gitlab-Event` of each fixture. */
export const FIXTURE_EVENTS: Readonly<Record<FixtureName, string>> = {
  push: 'Push Hook',
  tag_push: 'Tag Push Hook',
  merge_request: 'Merge Request Hook',
  pipeline: 'Pipeline Hook',
  job: 'Job Hook',
  deployment: 'Deployment Hook',
  note_merge_request: 'Note Hook',
  release: 'Release Hook',
};

/** The GitLab release whose headers to send. */
export type GitLabVersion = '16.0' | '17.4' | '19.0';

export interface DeliveryOptions {
  /** Deep-merged into the fixture body (arrays replaced, `undefined` members removed). */
  readonly overrides?: Record<string, unknown>;
  readonly version?: GitLabVersion;
  readonly secretToken?: string | undefined;
  /** Signs the delivery (19.0 only); undefined sends no signature. */
  readonly signingToken?: string | undefined;
  /** Seconds; default now. */
  readonly timestamp?: number;
  /** Idempotency-Key / webhook-id; default a fresh UUID. */
  readonly id?: string;
  readonly instance?: string;
  /** Extra or replaced headers (lower-case names). */
  readonly headers?: Record<string, string>;
}

export interface BuiltDelivery {
  readonly event: string;
  readonly body: string;
  readonly json: Record<string, unknown>;
  readonly headers: Record<string, string>;
  readonly id: string;
}

const FIXTURE_DIRS = [
  '/work/shared/reference/gitlab-fixtures',
  resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/reference/gitlab-fixtures'),
];

export function fixtureDirectory(): string {
  const found = FIXTURE_DIRS.find((dir) => existsSync(join(dir, 'push.json')));
  if (found === undefined)
    throw new Error(`GitLab fixtures not found in ${FIXTURE_DIRS.join(', ')}`);
  return found;
}

/** The fixture's body as parsed JSON. */
export function fixture(name: FixtureName): Record<string, unknown> {
  const parsed: unknown = JSON.parse(
    readFileSync(join(fixtureDirectory(), `${name}.json`), 'utf8'),
  );
  if (typeof parsed !== 'object' || parsed === null)
    throw new Error(`${name}.json is not an object`);
  return parsed as Record<string, unknown>;
}

/** Builds a delivery of `name` as GitLab `version` would send it. */
export function buildDelivery(name: FixtureName, options: DeliveryOptions = {}): BuiltDelivery {
  const json = merge(fixture(name), options.overrides ?? {});
  const body = JSON.stringify(json);
  const id = options.id ?? randomUUID();
  const version = options.version ?? '19.0';
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const event = FIXTURE_EVENTS[name];
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': `GitLab/${version}.0`,
    'x-gitlab-event': event,
    'x-gitlab-event-uuid': randomUUID(),
  };
  if (version !== '16.0')
    headers['x-gitlab-instance'] = options.instance ?? 'https://gitlab.example.com';
  if (options.secretToken !== undefined) headers['x-gitlab-token'] = options.secretToken;
  if (version === '17.4' || version === '19.0') headers['idempotency-key'] = id;
  if (version === '19.0') {
    headers['webhook-id'] = id;
    headers['webhook-timestamp'] = String(timestamp);
    if (options.signingToken !== undefined) {
      headers['webhook-signature'] = signWebhook(options.signingToken, id, timestamp, body);
    }
  }
  const all = { ...headers, ...options.headers };
  return { event: all['x-gitlab-event'] ?? event, body, json, headers: all, id };
}

/** A random signing token as GitLab generates them: `whsec_` + base64 of 32 random bytes. */
export function newSigningToken(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function merge(
  base: Record<string, unknown>,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = out[key];
    if (value === undefined) delete out[key];
    else if (isPlain(value) && isPlain(current)) out[key] = merge(current, value);
    else out[key] = value;
  }
  return out;
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
