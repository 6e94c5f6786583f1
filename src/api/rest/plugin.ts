/**
 * The native REST API at /api/v1 as a fastify plugin. Every route is SigV4-verified from the
 * request's raw bytes and raw header lines (as the Step Functions API), answers JSON, and
 * fails with one error shape: `{ code, message, requestId, details? }`. The plugin is
 * encapsulated: its raw-body parser and error handlers apply to /api/v1 only.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../common/index.js';
import type { Engine } from '../../engine/index.js';
import { GitLabClients } from '../../integrations/gitlab/index.js';
import type { Authenticate, MasterKey, VerifyGitLabIdToken } from '../../identity/index.js';
import { createGitLabIdTokenVerifier } from '../../identity/index.js';
import type { Store } from '../../store/index.js';
import { authRequestFromNode, createTrustedIssuerLookup, issueAccessKey } from '../auth/index.js';
import { Arns, PageTokens } from '../sfn/index.js';
import { ACTIVITY_ROUTES } from './activity-routes.js';
import { CI_ROUTES } from './ci-routes.js';
import { authenticateCiCaller } from './ci-auth.js';
import { CONNECTION_ROUTES } from './connection-routes.js';
// part C: GitLab webhook deliveries and triggers
import { DELIVERY_ROUTES } from './delivery-routes.js';
import { TRIGGER_ROUTES } from './trigger-routes.js';
import type { RestErrorCode } from './errors.js';
import { ERROR_STATUS, RestError, toRestError } from './errors.js';
import { EVENT_STREAM_ROUTE } from './event-stream.js';
import { EXECUTION_ROUTES } from './execution-routes.js';
import { queryValues } from './input.js';
import { ADMIN, KEY_ROUTES } from './key-routes.js';
import { API_PREFIX, buildOpenApi } from './openapi.js';
import type { RestContext, RestRoute } from './route.js';
import { ok } from './route.js';
import { WORKFLOW_ROUTES } from './workflow-routes.js';

export interface RestApiOptions {
  /** Must be configured with the same region and account as below. */
  readonly engine: Engine;
  readonly store: Store;
  readonly region: string;
  readonly account: string;
  readonly clock: Clock;
  /** Signs page tokens (at least 32 bytes); every node must share it. */
  readonly pageTokenSecret: Buffer;
  /** Verifies every request (SigV4 against Baton-issued keys). */
  readonly authenticate: Authenticate;
  /** Seals the secrets of keys created through the API. */
  readonly masterKey: MasterKey;
  /** Forgets a key the key lookup cached, after this node disabled, enabled or deleted it. */
  readonly forgetKey: (accessKeyId: string) => void;
  /** Largest request body (default 4 MiB). */
  readonly bodyLimitBytes?: number;
  readonly newId?: () => string;
  /** Event streams read the store this often for other nodes' commits (default 1 s). */
  readonly streamPollMs?: number;
  /** Event streams send a comment this often (default 15 s). */
  readonly streamHeartbeatMs?: number;
  /** The API version in the OpenAPI document. */
  readonly version?: string;
  /**
   * Where GitLab reaches Baton (the `publicUrl` setting): webhook URLs, and the default audience
   * CI ID tokens must carry. Without it, hooks cannot be installed and the CI API refuses tokens.
   */
  readonly publicUrl?: string;
  /** The audience CI ID tokens must carry (the `ciAudience` setting); default `publicUrl`. */
  readonly ciAudience?: string;
  /** Refuse CI ID tokens issued longer ago than this (seconds); default: only `exp` counts. */
  readonly ciTokenMaxAgeSeconds?: number;
  /**
   * The GitLab clients the connection routes call GitLab through; main.ts passes the ones the
   * tasks and status reports use (default: clients of their own).
   */
  readonly gitlabClients?: GitLabClients;
  /** Verifies CI ID tokens (default: against the JWKS of the connections' issuers). */
  readonly verifyIdToken?: VerifyGitLabIdToken;
}

export const DEFAULT_REST_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** The OpenAPI document's own route. */
function openApiRoute(routes: () => readonly RestRoute[], version: string): RestRoute {
  return {
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This OpenAPI 3.1 document.',
    responses: { 200: { description: 'The document.', schema: { type: 'object' } } },
    handle: () => Promise.resolve(ok(buildOpenApi(routes(), version))),
  };
}

/** Every route of the API, the OpenAPI document's included. */
export function restRoutes(version = '1.0.0'): readonly RestRoute[] {
  const routes: RestRoute[] = [
    ...WORKFLOW_ROUTES,
    ...EXECUTION_ROUTES,
    EVENT_STREAM_ROUTE,
    ...ACTIVITY_ROUTES,
    ...KEY_ROUTES,
    ...CONNECTION_ROUTES,
    ...CI_ROUTES,
    // part C: GitLab webhook deliveries and triggers
    ...DELIVERY_ROUTES,
    ...TRIGGER_ROUTES,
  ];
  routes.push(openApiRoute(() => routes, version));
  return routes;
}

/** Registers the REST API under /api/v1. */
export async function registerRestApi(
  app: FastifyInstance,
  options: RestApiOptions,
): Promise<void> {
  await app.register(restApiPlugin, { ...options, prefix: API_PREFIX });
}

export const restApiPlugin: FastifyPluginAsync<RestApiOptions> = (app, options) => {
  const closing = new AbortController();
  const { masterKey, store } = options;
  const context: RestContext = {
    engine: options.engine,
    store,
    arns: new Arns(options.region, options.account),
    tokens: new PageTokens(options.pageTokenSecret, options.clock),
    clock: options.clock,
    newId: options.newId ?? randomUUID,
    forgetKey: options.forgetKey,
    issueKey: async (name, now) => {
      const issued = await issueAccessKey(store.keys, masterKey, name, now);
      return { accessKeyId: issued.record.id, secretAccessKey: issued.secretAccessKey };
    },
    closing: closing.signal,
    gitlab: {
      masterKey,
      publicUrl: options.publicUrl,
      clients: options.gitlabClients ?? new GitLabClients(),
      verifyIdToken: options.verifyIdToken ?? defaultIdTokenVerifier(options),
    },
    streamTiming: {
      pollMs: options.streamPollMs ?? 1000,
      heartbeatMs: options.streamHeartbeatMs ?? 15_000,
    },
  };
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_REST_BODY_LIMIT_BYTES;

  // Raw bytes whatever the content type: the signature covers the exact body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => {
    done(null, body);
  });
  // Open event streams end when the server closes, so they do not hold the shutdown.
  app.addHook('preClose', (done) => {
    closing.abort();
    done();
  });
  // Errors before a handler runs: a body over the limit, a broken Content-Length...
  app.setErrorHandler((error: unknown, request, reply) => {
    const status = statusOf(error);
    if (status === 413) {
      return send(
        reply,
        request,
        new RestError('PAYLOAD_TOO_LARGE', `The body is larger than ${bodyLimit} bytes.`),
      );
    }
    if (status !== undefined && status >= 400 && status < 500) {
      return send(reply, request, new RestError('VALIDATION', 'The request could not be read.'));
    }
    return send(reply, request, unexpected(error, request));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = (request.url.split('?')[0] ?? '').slice(0, 200);
    return send(
      reply,
      request,
      new RestError(
        'NOT_FOUND',
        `No route for ${request.method} ${path}; see GET ${API_PREFIX}/openapi.json.`,
      ),
    );
  });

  for (const route of restRoutes(options.version)) {
    app.route({
      method: route.method,
      url: route.path,
      bodyLimit,
      handler: async (request, reply) => {
        try {
          const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          // From the raw header lines: Node's parsed headers join repeats and drop a second
          // Authorization or Host, which would change what was signed and hide an injection.
          const authRequest = authRequestFromNode(request.raw, body);
          // CI routes take a GitLab ID token and nothing else; every other route takes SigV4
          // and nothing else (a Bearer token fails SigV4 parsing).
          const ci =
            route.auth === 'gitlab-id-token'
              ? await authenticateCiCaller(context.gitlab, authRequest)
              : undefined;
          const principal =
            ci === undefined
              ? await options.authenticate(authRequest)
              : { accessKeyId: '', name: `gitlab-ci:${ci.identity.projectPath}` };
          if (route.adminOnly === true && principal.name !== ADMIN) {
            throw new RestError(
              'FORBIDDEN',
              `Only an admin key may call ${route.method} /api/v1${route.path}; this request was signed by a key of ${JSON.stringify(principal.name)}. Use a key named admin (baton keys create admin, as an admin).`,
            );
          }
          const result = await route.handle({
            context,
            principal,
            params: stringParams(request.params),
            query: queryValues(request.query),
            body,
            request,
            reply,
            ...(ci === undefined ? {} : { ci }),
          });
          if ('streamed' in result) return reply;
          // Answers are per principal, and a created key's secret must not sit in a cache.
          void reply.header('cache-control', 'no-store');
          if (result.body === undefined) return reply.code(result.status).send();
          return reply
            .code(result.status)
            .type('application/json; charset=utf-8')
            .send(JSON.stringify(result.body));
        } catch (error: unknown) {
          if (reply.sent) {
            request.log.warn({ err: error }, 'REST API request failed after its response started');
            return reply;
          }
          return send(reply, request, toRestError(error) ?? unexpected(error, request));
        }
      },
    });
  }
  return Promise.resolve();
};

/**
 * The CI ID-token verifier: issuers are the connections' (looked up per token, so a new
 * connection is trusted at once), the audience `ciAudience` or else `publicUrl`.
 */
function defaultIdTokenVerifier(options: RestApiOptions): VerifyGitLabIdToken {
  const audience = options.ciAudience ?? options.publicUrl;
  if (audience === undefined) {
    return () =>
      Promise.reject(
        new RestError(
          'UNAUTHENTICATED',
          'Baton cannot check CI ID tokens: neither its public URL nor a CI audience is configured (set BATON_PUBLIC_URL or BATON_CI_AUDIENCE).',
        ),
      );
  }
  return createGitLabIdTokenVerifier({
    audience,
    findIssuer: createTrustedIssuerLookup(options.store.gitlabConnections),
    nowMs: () => options.clock.nowMs(),
    ...(options.ciTokenMaxAgeSeconds === undefined
      ? {}
      : { maxAgeSeconds: options.ciTokenMaxAgeSeconds }),
  });
}

function stringParams(params: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof params !== 'object' || params === null) return out;
  for (const [key, value] of Object.entries(params))
    if (typeof value === 'string') out[key] = value;
  return out;
}

/** Logs what went wrong under the request id; the client sees only the id. */
function unexpected(error: unknown, request: FastifyRequest): RestError {
  request.log.error({ err: error }, 'REST API request failed');
  return new RestError(
    'INTERNAL',
    'The server could not handle the request. The requestId identifies it in the server logs.',
  );
}

function send(reply: FastifyReply, request: FastifyRequest, error: RestError): FastifyReply {
  const code: RestErrorCode = error.code;
  if (error.status < 500)
    request.log.info({ err: { code, message: error.message } }, 'request rejected');
  return reply
    .code(ERROR_STATUS[code])
    .type('application/json; charset=utf-8')
    .send(
      JSON.stringify({
        code,
        message: error.message,
        requestId: request.id,
        ...(error.details === undefined ? {} : { details: error.details }),
      }),
    );
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  return typeof error.statusCode === 'number' ? error.statusCode : undefined;
}
