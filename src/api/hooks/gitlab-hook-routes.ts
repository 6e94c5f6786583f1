/**
 * `POST /hooks/gitlab/:connection`: GitLab webhook intake, a fastify plugin of its own (not
 * under the SigV4-signed /api/v1: GitLab authenticates with the hook's secret token or signing
 * token, see gitlab/deliveries/webhook-auth.ts). It authenticates, records the delivery and
 * answers at once (202 `{delivery, duplicate: false}`, or 200 `{delivery, duplicate: true}` for
 * a redelivery, or 200 `{ignored: true}` without recording an event no trigger can name); a
 * DeliveryProcessor does the rest asynchronously. Answers stay small: GitLab
 * stores them in its hook log. Order of checks: size (413, by fastify's body limit, before the
 * handler), connection (404), authentication (401), then the request's shape (400), so nothing
 * about the body is said to a stranger.
 */
import { randomUUID } from 'node:crypto';
import { TextDecoder } from 'node:util';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock, JsonObject } from '../../common/index.js';
import { getOwn, isJsonObject } from '../../common/index.js';
import type { WebhookSecrets } from '../../gitlab/deliveries/index.js';
import { authenticateWebhook, deliveryKeyOf } from '../../gitlab/deliveries/index.js';
import { eventKindOf } from '../../gitlab/triggers/index.js';
import { formatTimestamp, parseJsonText } from '../../language/index.js';
import type { WebhookDeliveryStore } from '../../store/index.js';

/** GitLab sends bodies of up to 25 MB; the default leaves room above that. */
export const DEFAULT_HOOK_BODY_LIMIT_BYTES = 25 * 1024 * 1024;
export const HOOKS_PREFIX = '/hooks/gitlab';

/** Connection names (part B's rule). Anything else cannot name a connection: 404 at once. */
const CONNECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** `X-Gitlab-Event` values: `Push Hook`, `System Hook`, ... (reference 1.5). */
const EVENT_NAME = /^[A-Za-z][A-Za-z ]{0,62}Hook$/;

/** Headers kept with a delivery. Never the token headers: `x-gitlab-token` is not here. */
export const KEPT_HEADERS = [
  'x-gitlab-event',
  'x-gitlab-instance',
  'user-agent',
  'x-gitlab-event-uuid',
  'x-gitlab-webhook-uuid',
  'idempotency-key',
  'webhook-id',
  'webhook-timestamp',
] as const;
const MAX_KEPT_HEADER_LENGTH = 512;

export interface GitLabHookOptions {
  readonly secrets: WebhookSecrets;
  readonly deliveries: WebhookDeliveryStore;
  readonly clock: Clock;
  readonly newId?: () => string;
  /** Largest body accepted (default 25 MiB); larger gets 413. */
  readonly bodyLimitBytes?: number;
  /** How far `webhook-timestamp` may be from now (default 300 s). */
  readonly signatureToleranceSeconds?: number;
  /** Called after a new delivery is recorded (wakes the processor on this node). */
  readonly onRecorded?: (deliveryId: string) => void;
}

/** Registers the intake under /hooks/gitlab. */
export async function registerGitLabHooks(
  app: FastifyInstance,
  options: GitLabHookOptions,
): Promise<void> {
  await app.register(gitlabHookPlugin, { ...options, prefix: HOOKS_PREFIX });
}

type HookErrorCode =
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'INVALID_REQUEST'
  | 'INVALID_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'INTERNAL';

const STATUS: Readonly<Record<HookErrorCode, number>> = {
  NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  INVALID_REQUEST: 400,
  INVALID_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
};

export const gitlabHookPlugin: FastifyPluginAsync<GitLabHookOptions> = (app, options) => {
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_HOOK_BODY_LIMIT_BYTES;
  const newId = options.newId ?? randomUUID;
  const decoder = new TextDecoder('utf-8', { fatal: true });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => {
    done(null, body);
  });
  app.setErrorHandler((error: unknown, request, reply) => {
    const status = statusOf(error);
    if (status === 413) {
      return fail(
        reply,
        request,
        'PAYLOAD_TOO_LARGE',
        `The body is larger than ${bodyLimit} bytes.`,
      );
    }
    if (status !== undefined && status >= 400 && status < 500) {
      return fail(reply, request, 'INVALID_REQUEST', 'The request could not be read.');
    }
    request.log.error({ err: error }, 'GitLab webhook intake failed');
    return fail(
      reply,
      request,
      'INTERNAL',
      'The delivery could not be recorded; GitLab may send it again. The request id identifies it in the server logs.',
    );
  });

  app.post('/:connection', { bodyLimit }, async (request, reply) => {
    const connection = connectionParam(request.params);
    const secrets = connection === undefined ? undefined : await options.secrets(connection);
    if (connection === undefined || secrets === undefined) {
      return fail(reply, request, 'NOT_FOUND', 'No such hook endpoint.');
    }
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const auth = authenticateWebhook(
      secrets,
      request.headers,
      raw,
      options.clock.nowMs(),
      options.signatureToleranceSeconds,
    );
    if (!auth.ok) {
      request.log.warn({ connection, reason: auth.reason }, 'GitLab webhook refused');
      return fail(reply, request, 'UNAUTHENTICATED', `Webhook refused: ${auth.reason}.`);
    }
    const event = header(request, 'x-gitlab-event');
    if (event === undefined || !EVENT_NAME.test(event)) {
      return fail(
        reply,
        request,
        'INVALID_REQUEST',
        event === undefined
          ? 'The X-Gitlab-Event header is missing; GitLab sends it with every webhook (e.g. "Push Hook").'
          : 'The X-Gitlab-Event header is not a GitLab event name such as "Push Hook".',
      );
    }
    const body = readBody(raw, decoder);
    if (!body.ok) return fail(reply, request, 'INVALID_JSON', body.problem);
    if (eventKindOf(event) === undefined) {
      // An event no trigger can name (issues, wiki pages, members...): answered 200 and dropped
      // (reference 1.4: never an error for "not interested", errors count toward GitLab's
      // auto-disabling), and not stored: enable only the events Baton uses on the hook.
      return reply
        .code(200)
        .header('cache-control', 'no-store')
        .type('application/json; charset=utf-8')
        .send(
          JSON.stringify({
            ignored: true,
            reason: `Baton does not act on ${event} events; the hook need not send them.`,
          }),
        );
    }

    const key = deliveryKeyOf(
      {
        idempotencyKey: header(request, 'idempotency-key'),
        webhookId: header(request, 'webhook-id'),
      },
      event,
      body.value,
    );
    const objectKind = getOwn(body.value, 'object_kind');
    const { record, duplicate } = await options.deliveries.record({
      id: newId(),
      connection,
      receivedAt: formatTimestamp(options.clock.nowMs()),
      event,
      objectKind: typeof objectKind === 'string' ? objectKind.slice(0, 64) : null,
      dedupeKey: key.key,
      keySource: key.source,
      contentKey: key.contentKey,
      headers: JSON.stringify(keptHeaders(request)),
      body: body.text,
    });
    if (!duplicate) options.onRecorded?.(record.id);
    return reply
      .code(duplicate ? 200 : 202)
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ delivery: record.id, duplicate }));
  });
  return Promise.resolve();
};

function readBody(
  raw: Buffer,
  decoder: TextDecoder,
):
  | { readonly ok: true; readonly text: string; readonly value: JsonObject }
  | { readonly ok: false; readonly problem: string } {
  if (raw.length === 0)
    return { ok: false, problem: 'The body is empty; GitLab sends a JSON object.' };
  let text: string;
  try {
    text = decoder.decode(raw);
  } catch {
    // TextDecoder's only failure with fatal: true is a malformed byte sequence.
    return { ok: false, problem: 'The body is not valid UTF-8 text.' };
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) return { ok: false, problem: `The body is not valid JSON: ${parsed.problem}` };
  if (!isJsonObject(parsed.value)) {
    const kind = Array.isArray(parsed.value) ? 'an array' : typeof parsed.value;
    return { ok: false, problem: `The body must be a JSON object, but it is ${kind}.` };
  }
  return { ok: true, text, value: parsed.value };
}

function keptHeaders(request: FastifyRequest): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = header(request, name);
    if (value !== undefined) kept[name] = value.slice(0, MAX_KEPT_HEADER_LENGTH);
  }
  return kept;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function connectionParam(params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null || !('connection' in params)) return undefined;
  const value = params.connection;
  return typeof value === 'string' && CONNECTION_NAME.test(value) ? value : undefined;
}

function fail(
  reply: FastifyReply,
  request: FastifyRequest,
  code: HookErrorCode,
  message: string,
): FastifyReply {
  return reply
    .code(STATUS[code])
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send(JSON.stringify({ code, message, requestId: request.id }));
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  return typeof error.statusCode === 'number' ? error.statusCode : undefined;
}
