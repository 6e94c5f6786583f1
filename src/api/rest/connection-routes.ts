/**
 * GitLab connections (`baton connections`): create, list, show, update (rotate the token or the
 * webhook secrets, change CI rules), delete, test against GitLab, and install the project or
 * group hook.
 * Admin only. Secrets are sealed before they reach the store and never come back: answers say
 * only whether a secret is set, except a signing token Baton generated, shown once.
 */
import type { JsonObject } from '../../common/index.js';
import { projectReferenceProblem } from '../../identity/index.js';
import type { GitLabClient } from '../../integrations/gitlab/index.js';
import { parseGroupRef } from '../../integrations/gitlab/index.js';
import { formatTimestamp } from '../../language/index.js';
import type { GitLabConnectionChange, GitLabConnectionRecord } from '../../store/index.js';
import { openConnectionSecret, sealConnectionSecret } from '../auth/index.js';
import type { HookTarget } from './connection-checks.js';
import {
  DEFAULT_HOOK_EVENTS,
  HOOK_EVENTS,
  installHook,
  testConnection,
} from './connection-checks.js';
import {
  CONNECTION_NAME,
  CONNECTION_NAME_MESSAGE,
  connectionShape,
  defaultIssuer,
  defaultJwksUrl,
  generateSigningToken,
  readBaseUrl,
  readRules,
  readSecret,
  readSigningToken,
  webhookUrl,
} from './connection-input.js';
import { RestError, notFound } from './errors.js';
import { Fields, parseJsonBody } from './input.js';
import { listPage, readPage } from './pages.js';
import type { RestCall, RestRoute, Schema } from './route.js';
import { PAGE_QUERY, PAGE_QUERY_NAMES, ok } from './route.js';
import { listOf } from './schemas.js';

const NAME_PARAM = {
  name: { description: 'The connection name.', schema: { type: 'string' }, required: true },
} as const;

const string: Schema = { type: 'string' };
export const CONNECTION_SCHEMA: Schema = {
  type: 'object',
  required: ['name', 'baseUrl', 'idTokenIssuer', 'jwksUrl', 'hasWebhookSecret', 'hasSigningToken'],
  properties: {
    name: string,
    baseUrl: string,
    idTokenIssuer: string,
    jwksUrl: string,
    hasWebhookSecret: { type: 'boolean' },
    hasSigningToken: { type: 'boolean' },
    webhookUrl: string,
    ciRules: { type: 'array', items: { type: 'object' } },
    signingToken: { type: 'string', description: 'Only when Baton generated it; shown once.' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

const SETTINGS_PROPERTIES: Schema = {
  baseUrl: { type: 'string', description: 'https://gitlab.com or your instance.' },
  token: { type: 'string', description: 'API access token (api scope); never returned.' },
  webhookSecret: { type: ['string', 'null'], description: 'X-Gitlab-Token secret.' },
  signingToken: { type: ['string', 'null'], description: 'whsec_ signing token (GitLab 19.0+).' },
  generateSigningToken: { type: 'boolean', description: 'Generate a signing token.' },
  idTokenIssuer: { type: 'string', description: 'The iss of CI ID tokens (default baseUrl).' },
  jwksUrl: { type: 'string', description: 'Default <baseUrl>/oauth/discovery/keys.' },
  ciRules: { type: 'array', items: { type: 'object' } },
};

const SETTINGS = [
  'baseUrl',
  'token',
  'webhookSecret',
  'signingToken',
  'generateSigningToken',
  'idTokenIssuer',
  'jwksUrl',
  'ciRules',
] as const;

function publicUrl(call: RestCall): string {
  return call.context.gitlab.publicUrl ?? '';
}

function shape(call: RestCall, record: GitLabConnectionRecord, signingToken?: string): JsonObject {
  return {
    ...connectionShape(record, publicUrl(call)),
    ...(signingToken === undefined ? {} : { signingToken }),
  };
}

async function existing(call: RestCall): Promise<GitLabConnectionRecord> {
  const name = call.params['name'] ?? '';
  const record = CONNECTION_NAME.test(name)
    ? await call.context.store.gitlabConnections.get(name)
    : undefined;
  if (record === undefined) throw notFound('GitLab connection with that name');
  return record;
}

/** An issuer or JWKS URL member: an absolute https URL (http on loopback), kept exactly. */
function readIssuerUrl(fields: Fields, name: string): string | undefined {
  const value = fields.string(name, { min: 1, max: 2048 });
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const loopback = url !== undefined && /^(localhost|127\.[\d.]+|\[::1\])$/.test(url.hostname);
  if (url === undefined || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    fields.problem(name, 'must be an absolute https:// URL (http only for loopback hosts)');
    return undefined;
  }
  return value;
}

function signingChoice(fields: Fields): string | null | undefined {
  const given = readSigningToken(fields, 'signingToken');
  const generate = fields.boolean('generateSigningToken') ?? false;
  if (generate && given !== undefined) {
    fields.problem('generateSigningToken', 'give signingToken or generateSigningToken, not both');
  }
  return generate ? generateSigningToken() : given;
}

export const CONNECTION_ROUTES: readonly RestRoute[] = [
  {
    method: 'POST',
    path: '/connections',
    operationId: 'createConnection',
    summary:
      'Creates a GitLab connection; no secret is ever returned, but a generated signing token is shown once.',
    adminOnly: true,
    body: {
      required: true,
      schema: {
        type: 'object',
        required: ['name', 'baseUrl', 'token'],
        properties: {
          name: { type: 'string', pattern: CONNECTION_NAME.source },
          ...SETTINGS_PROPERTIES,
        },
      },
    },
    responses: { 201: { description: 'The connection.', schema: CONNECTION_SCHEMA } },
    handle: async (call) => {
      const fields = new Fields(parseJsonBody(call.body), 'body', ['name', ...SETTINGS]);
      const name = fields.string('name', {
        required: true,
        pattern: CONNECTION_NAME,
        patternMessage: CONNECTION_NAME_MESSAGE,
      });
      const baseUrl = readBaseUrl(fields, 'baseUrl', true);
      const token = readSecret(fields, 'token', false);
      if (!fields.has('token')) fields.problem('token', 'is required');
      const webhookSecret = readSecret(fields, 'webhookSecret', true);
      const signingToken = signingChoice(fields);
      const issuer = readIssuerUrl(fields, 'idTokenIssuer');
      const jwksUrl = readIssuerUrl(fields, 'jwksUrl');
      const rules = readRules(fields, 'ciRules') ?? [];
      fields.check();
      if (baseUrl === undefined || typeof token !== 'string') {
        throw new RestError('VALIDATION', 'body: baseUrl and token are required');
      }
      const { masterKey } = call.context.gitlab;
      const record = await call.context.store.gitlabConnections.create({
        name,
        baseUrl,
        tokenSealed: sealConnectionSecret(masterKey, name, 'token', token),
        webhookSecretSealed:
          typeof webhookSecret === 'string'
            ? sealConnectionSecret(masterKey, name, 'webhook-secret', webhookSecret)
            : null,
        signingTokenSealed:
          typeof signingToken === 'string'
            ? sealConnectionSecret(masterKey, name, 'signing-token', signingToken)
            : null,
        idTokenIssuer: issuer ?? defaultIssuer(baseUrl),
        jwksUrl: jwksUrl ?? defaultJwksUrl(baseUrl),
        ciRules: JSON.stringify(rules),
        now: formatTimestamp(call.context.clock.nowMs()),
      });
      const generated = fields.boolean('generateSigningToken') === true ? signingToken : undefined;
      return ok(shape(call, record, typeof generated === 'string' ? generated : undefined), 201);
    },
  },
  {
    method: 'GET',
    path: '/connections',
    operationId: 'listConnections',
    summary: 'Lists GitLab connections by name (never their secrets).',
    adminOnly: true,
    query: PAGE_QUERY,
    responses: {
      200: { description: 'One page.', schema: listOf('connections', CONNECTION_SCHEMA) },
    },
    handle: async (call) => {
      const fields = new Fields(call.query, 'query', PAGE_QUERY_NAMES);
      const page = readPage(fields);
      fields.check();
      const result = await listPage(call.context, page, ['listConnections'], (request) =>
        call.context.store.gitlabConnections.list(request),
      );
      return ok({
        connections: result.items.map((record) => shape(call, record)),
        ...(result.nextToken === undefined ? {} : { nextToken: result.nextToken }),
      });
    },
  },
  {
    method: 'GET',
    path: '/connections/:name',
    operationId: 'getConnection',
    summary: 'One GitLab connection (never its secrets).',
    adminOnly: true,
    params: NAME_PARAM,
    responses: { 200: { description: 'The connection.', schema: CONNECTION_SCHEMA } },
    handle: async (call) => ok(shape(call, await existing(call))),
  },
  {
    method: 'PUT',
    path: '/connections/:name',
    operationId: 'updateConnection',
    summary:
      'Changes a connection: rotate its token or webhook secrets, its URLs or CI rules. Members left out stay as they are; null removes a webhook secret.',
    adminOnly: true,
    params: NAME_PARAM,
    body: { required: true, schema: { type: 'object', properties: SETTINGS_PROPERTIES } },
    responses: { 200: { description: 'The connection.', schema: CONNECTION_SCHEMA } },
    handle: async (call) => {
      const fields = new Fields(parseJsonBody(call.body), 'body', SETTINGS);
      const baseUrl = readBaseUrl(fields, 'baseUrl', false);
      const token = readSecret(fields, 'token', false);
      const webhookSecret = readSecret(fields, 'webhookSecret', true);
      const signingToken = signingChoice(fields);
      const issuer = readIssuerUrl(fields, 'idTokenIssuer');
      const jwksUrl = readIssuerUrl(fields, 'jwksUrl');
      const rules = readRules(fields, 'ciRules');
      fields.check();
      const record = await existing(call);
      const { masterKey } = call.context.gitlab;
      const { name } = record;
      // Issuer and JWKS URL follow a new base URL unless they were set apart from it.
      const follows = (current: string, old: string): boolean => current === old;
      const change: GitLabConnectionChange = {
        now: formatTimestamp(call.context.clock.nowMs()),
        ...(baseUrl === undefined ? {} : { baseUrl }),
        ...(typeof token === 'string'
          ? { tokenSealed: sealConnectionSecret(masterKey, name, 'token', token) }
          : {}),
        ...(webhookSecret === undefined
          ? {}
          : {
              webhookSecretSealed:
                webhookSecret === null
                  ? null
                  : sealConnectionSecret(masterKey, name, 'webhook-secret', webhookSecret),
            }),
        ...(signingToken === undefined
          ? {}
          : {
              signingTokenSealed:
                signingToken === null
                  ? null
                  : sealConnectionSecret(masterKey, name, 'signing-token', signingToken),
            }),
        ...(issuer !== undefined
          ? { idTokenIssuer: issuer }
          : baseUrl !== undefined && follows(record.idTokenIssuer, defaultIssuer(record.baseUrl))
            ? { idTokenIssuer: defaultIssuer(baseUrl) }
            : {}),
        ...(jwksUrl !== undefined
          ? { jwksUrl }
          : baseUrl !== undefined && follows(record.jwksUrl, defaultJwksUrl(record.baseUrl))
            ? { jwksUrl: defaultJwksUrl(baseUrl) }
            : {}),
        ...(rules === undefined ? {} : { ciRules: JSON.stringify(rules) }),
      };
      const updated = await call.context.store.gitlabConnections.update(name, change);
      const generated = fields.boolean('generateSigningToken') === true ? signingToken : undefined;
      return ok(shape(call, updated, typeof generated === 'string' ? generated : undefined));
    },
  },
  {
    method: 'DELETE',
    path: '/connections/:name',
    operationId: 'deleteConnection',
    summary: 'Deletes a connection and its sealed secrets.',
    adminOnly: true,
    params: NAME_PARAM,
    responses: { 204: { description: 'Deleted.' } },
    handle: async (call) => {
      const record = await existing(call);
      await call.context.store.gitlabConnections.delete(record.name);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/connections/:name/test',
    operationId: 'testConnection',
    summary:
      'Checks that the instance answers, what the token may do, and that the named projects exist.',
    adminOnly: true,
    params: NAME_PARAM,
    body: {
      required: false,
      schema: {
        type: 'object',
        properties: { projects: { type: 'array', items: { type: 'string' }, maxItems: 50 } },
      },
    },
    responses: { 200: { description: 'The report.', schema: { type: 'object' } } },
    handle: async (call) => {
      const fields = new Fields(parseJsonBody(call.body), 'body', ['projects']);
      const projects = readProjects(fields);
      fields.check();
      const record = await existing(call);
      const report = await testConnection(gitlabClient(call, record), projects);
      return ok({ connection: record.name, ...report });
    },
  },
  {
    method: 'POST',
    path: '/connections/:name/hooks',
    operationId: 'installConnectionHook',
    summary:
      "Installs or updates the project or group hook that sends GitLab events to this connection's webhook URL (exactly one of project and group).",
    adminOnly: true,
    params: NAME_PARAM,
    body: {
      required: true,
      schema: {
        type: 'object',
        properties: {
          project: { type: 'string', description: 'Full path or numeric id.' },
          group: {
            type: 'string',
            description:
              'Full path (acme, acme/platform) or numeric id; instead of project. GitLab Premium, Owner role.',
          },
          events: { type: 'array', items: { enum: Object.keys(HOOK_EVENTS) } },
        },
      },
    },
    responses: { 200: { description: 'What was done.', schema: { type: 'object' } } },
    handle: async (call) => {
      const fields = new Fields(parseJsonBody(call.body), 'body', ['project', 'group', 'events']);
      const target = readHookTarget(fields);
      const events = readEvents(fields);
      fields.check();
      const record = await existing(call);
      const base = call.context.gitlab.publicUrl;
      if (base === undefined) {
        throw new RestError(
          'CONFLICT',
          "Baton's public URL is not configured, so GitLab cannot be told where to send events: set BATON_PUBLIC_URL (or --public-url) to the URL GitLab reaches Baton at.",
        );
      }
      const { masterKey } = call.context.gitlab;
      const secretToken =
        record.webhookSecretSealed === null
          ? undefined
          : openConnectionSecret(
              masterKey,
              record.name,
              'webhook-secret',
              record.webhookSecretSealed,
            );
      const signingToken =
        record.signingTokenSealed === null
          ? undefined
          : openConnectionSecret(
              masterKey,
              record.name,
              'signing-token',
              record.signingTokenSealed,
            );
      if (secretToken === undefined && signingToken === undefined) {
        throw new RestError(
          'CONFLICT',
          `Connection ${record.name} has neither a webhook secret nor a signing token, so anyone could send it events: set one first (baton connections update ${record.name} --webhook-secret-env VAR, or --signing-token generate).`,
        );
      }
      if (target === undefined) throw new RestError('VALIDATION', 'body: project or group');
      const result = await installHook(gitlabClient(call, record), {
        target,
        url: webhookUrl(base, record.name),
        events,
        ...(secretToken === undefined ? {} : { secretToken }),
        ...(signingToken === undefined ? {} : { signingToken }),
      });
      return ok({ connection: record.name, ...result });
    },
  },
];

/** The shared GitLab client of the connection, its token opened from storage. */
function gitlabClient(call: RestCall, record: GitLabConnectionRecord): GitLabClient {
  return call.context.gitlab.clients.for({
    name: record.name,
    baseUrl: record.baseUrl,
    token: openConnectionSecret(
      call.context.gitlab.masterKey,
      record.name,
      'token',
      record.tokenSealed,
    ),
  });
}

function readProjects(fields: Fields): readonly string[] {
  const value = fields.raw('projects');
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 50) {
    fields.problem('projects', 'must be an array of at most 50 project paths or ids');
    return [];
  }
  const out: string[] = [];
  value.forEach((item, index) => {
    const problem = typeof item === 'string' ? projectReferenceProblem(item) : 'must be a string';
    if (problem === undefined && typeof item === 'string') out.push(item);
    else fields.problemAt(`/projects/${index}`, problem ?? 'is not valid');
  });
  return out;
}

/** Exactly one of `project` (a project path or id) and `group` (a group path or id). */
function readHookTarget(fields: Fields): HookTarget | undefined {
  const project = fields.string('project', { min: 1, max: 2048 });
  const group = fields.string('group', { min: 1, max: 2048 });
  if (fields.has('project') && fields.has('group')) {
    fields.problem(
      'group',
      'give project or group, not both: a group hook already hears every project in the group',
    );
    return undefined;
  }
  if (!fields.has('project') && !fields.has('group')) {
    fields.problem(
      'project',
      'is required, or group instead: a project path or id (group/project), or a group path or id (group, group/subgroup)',
    );
    return undefined;
  }
  if (project !== undefined && project !== '') {
    const problem = projectReferenceProblem(project);
    if (problem === undefined) return { kind: 'project', project };
    fields.problem('project', problem);
  }
  if (group !== undefined && group !== '') {
    const parsed = parseGroupRef(group);
    if (parsed.ok) return { kind: 'group', group };
    fields.problem('group', parsed.message);
  }
  return undefined;
}

function readEvents(fields: Fields): readonly string[] {
  const value = fields.raw('events');
  if (value === undefined) return DEFAULT_HOOK_EVENTS;
  const known = Object.keys(HOOK_EVENTS);
  if (!Array.isArray(value) || value.length === 0) {
    fields.problem('events', `must be a non-empty array of: ${known.join(', ')}`);
    return [];
  }
  const out: string[] = [];
  value.forEach((item, index) => {
    if (typeof item === 'string' && known.includes(item)) out.push(item);
    else fields.problemAt(`/events/${index}`, `must be one of: ${known.join(', ')}`);
  });
  return out;
}
