/**
 * Reading GitLab connection settings from requests: the name, the base URL (normalised: https,
 * or http on loopback only; no trailing slash; a relative URL root such as /gitlab kept), the
 * webhook signing token (`whsec_` + base64 of 32 bytes, generated on request), and the
 * connection's public shape, which never carries a secret.
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject, JsonValue } from '../../common/index.js';
import type { CiAccessRule } from '../../identity/index.js';
import { readCiRules } from '../../identity/index.js';
import type { GitLabConnectionRecord } from '../../store/index.js';
import type { Fields } from './input.js';

export const CONNECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const CONNECTION_NAME_MESSAGE =
  'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit';
const SIGNING_TOKEN = /^whsec_[A-Za-z0-9+/]{43}=$/;
const MAX_SECRET_LENGTH = 1024;

/** A new webhook signing token in GitLab's format. */
export function generateSigningToken(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

export type UrlResult =
  { readonly ok: true; readonly url: string } | { readonly ok: false; readonly problem: string };

/**
 * A GitLab base URL, normalised.
 * @returns the URL without a trailing slash, or what is wrong with it.
 */
export function normaliseBaseUrl(text: string): UrlResult {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, problem: 'must be an absolute URL such as https://gitlab.com' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, problem: 'must be an https:// URL' };
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    return {
      ok: false,
      problem: `must use https (the token would travel in clear text); http is allowed only for loopback hosts, not ${url.hostname}`,
    };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, problem: 'must not contain a user name or password' };
  }
  if (url.search !== '' || url.hash !== '') {
    return { ok: false, problem: 'must not have a query or fragment' };
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (/\/api\/v4(\/|$)/.test(path) || path.includes('/-/')) {
    const root = path.replace(/\/(api\/v4|-)(\/.*)?$/, '');
    return {
      ok: false,
      problem: `must be the instance's base URL, not an API or page URL: use ${url.origin}${root}`,
    };
  }
  if (path.split('/').length > 3) {
    return {
      ok: false,
      problem: `must be the instance's base URL (a project or group URL is not): use ${url.origin}, or ${url.origin} plus the relative URL root such as /gitlab`,
    };
  }
  return { ok: true, url: `${url.origin}${path}` };
}

/** Reads a base URL member, recording a problem when it is not valid. */
export function readBaseUrl(fields: Fields, name: string, required: boolean): string | undefined {
  const text = required ? fields.string(name, { required: true }) : fields.string(name);
  if (text === undefined || text === '') return undefined;
  const result = normaliseBaseUrl(text);
  if (!result.ok) {
    fields.problem(name, result.problem);
    return undefined;
  }
  return result.url;
}

/** A secret member: a string (or null to clear it, when `nullable`). Never echoed. */
export function readSecret(
  fields: Fields,
  name: string,
  nullable: boolean,
): string | null | undefined {
  const value = fields.raw(name);
  if (value === undefined) return undefined;
  if (value === null && nullable) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_SECRET_LENGTH) {
    fields.problem(
      name,
      `must be a string of 1 to ${MAX_SECRET_LENGTH} characters${nullable ? ', or null to remove it' : ''}`,
    );
    return undefined;
  }
  if (/[\s\0]/.test(value)) {
    fields.problem(name, 'must not contain whitespace (copy it again without the line end)');
    return undefined;
  }
  return value;
}

/** A signing token member: `whsec_` + base64 of 32 bytes, or null to clear it. */
export function readSigningToken(fields: Fields, name: string): string | null | undefined {
  const value = readSecret(fields, name, true);
  if (typeof value === 'string' && !SIGNING_TOKEN.test(value)) {
    fields.problem(
      name,
      'must be a GitLab signing token: whsec_ followed by the base64 of 32 bytes (or set generateSigningToken: true)',
    );
    return undefined;
  }
  return value;
}

/** The CI access rules member, as rules. */
export function readRules(fields: Fields, name: string): readonly CiAccessRule[] | undefined {
  const value = fields.raw(name);
  if (value === undefined) return undefined;
  const result = readCiRules(value);
  if (result.ok) return result.rules;
  for (const problem of result.problems) {
    fields.problemAt(`/${name}${problem.pointer}`, problem.message);
  }
  return undefined;
}

/** Defaults that follow the base URL (reference §2.4). */
export function defaultIssuer(baseUrl: string): string {
  return baseUrl;
}
export function defaultJwksUrl(baseUrl: string): string {
  return `${baseUrl}/oauth/discovery/keys`;
}

/** Where GitLab sends this connection's webhooks. */
export function webhookUrl(publicUrl: string, name: string): string {
  return `${publicUrl}/hooks/gitlab/${encodeURIComponent(name)}`;
}

/** The stored rules (written by this API, so well-formed); [] if the text is damaged. */
export function storedRules(record: GitLabConnectionRecord): readonly CiAccessRule[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.ciRules);
  } catch {
    // A damaged row denies every CI job rather than failing the request.
    return [];
  }
  const result = readCiRules(parsed);
  return result.ok ? result.rules : [];
}

function rulesJson(rules: readonly CiAccessRule[]): JsonValue {
  return rules.map((rule) => {
    const out: JsonObject = {
      projects: [...rule.projects],
      protectedRefsOnly: rule.protectedRefsOnly ?? true,
      ...(rule.allowForks === true ? { allowForks: true } : {}),
      workflows: [...rule.workflows],
      actions: [...rule.actions],
    };
    return {
      ...out,
      ...(rule.refs === undefined ? {} : { refs: [...rule.refs] }),
      ...(rule.environments === undefined ? {} : { environments: [...rule.environments] }),
    };
  });
}

/** What the API shows of a connection: never a secret, only whether one is set. */
export function connectionShape(record: GitLabConnectionRecord, publicUrl: string): JsonObject {
  return {
    name: record.name,
    baseUrl: record.baseUrl,
    idTokenIssuer: record.idTokenIssuer,
    jwksUrl: record.jwksUrl,
    hasWebhookSecret: record.webhookSecretSealed !== null,
    hasSigningToken: record.signingTokenSealed !== null,
    webhookUrl: webhookUrl(publicUrl, record.name),
    ciRules: rulesJson(storedRules(record)),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
