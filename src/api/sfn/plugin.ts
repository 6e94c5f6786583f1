/**
 * The Step Functions API as a fastify plugin: the AWS JSON 1.0 protocol at `POST /`, with the
 * action in `X-Amz-Target: AWSStepFunctions.<Action>` and its members as a JSON object body.
 * Responses are `application/x-amz-json-1.0`; errors are AWS's exception bodies (errors.ts).
 *
 * The plugin is encapsulated: its body parser (raw bytes, for `authenticate`), its error
 * handler and its request-id hook apply to its own route only.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock, JsonObject } from '../../common/index.js';
import { isJsonObject } from '../../common/index.js';
import type { Engine } from '../../engine/index.js';
import { EngineError } from '../../engine/index.js';
import type { Authenticate } from '../../identity/types.js';
import { AuthError } from '../../identity/types.js';
import { parseJsonText } from '../../language/index.js';
import type { Store } from '../../store/index.js';
import { authRequestFromNode } from '../auth/index.js';
import { ACTIONS } from './actions.js';
import { Arns } from './arns.js';
import type { ExecutionWaiter, SfnCall, SfnContext } from './context.js';
import {
  SfnError,
  internalFailure,
  requestTooLarge,
  serializationError,
  unknownOperation,
} from './errors.js';
import { notifiedWaiter } from './execution-waiter.js';
import { RequestFields } from './fields.js';
import { PageTokens } from './page-tokens.js';
import { fromEngineError } from './translate.js';

export interface SfnApiOptions {
  /** Must be configured with the same region and account as below. */
  readonly engine: Engine;
  readonly store: Store;
  /** Region and account in every ARN (requests naming others get InvalidArn). */
  readonly region: string;
  readonly account: string;
  readonly clock: Clock;
  /**
   * Signs pagination tokens (at least 32 bytes). Every node must share it, and it should
   * survive restarts, or clients' nextTokens become InvalidToken.
   */
  readonly pageTokenSecret: Buffer;
  /** Checks each request (e.g. SigV4); absent, every request is accepted. */
  readonly authenticate?: Authenticate;
  /** Largest request body accepted (default 4 MiB: a 1 MiB definition, JSON-escaped). */
  readonly bodyLimitBytes?: number;
  /** How long StartSyncExecution waits (default and AWS's limit: 5 minutes). */
  readonly syncExecutionTimeoutMs?: number;
  /** How StartSyncExecution waits for the end (default: engine notifications, then polls). */
  readonly waitForExecutionEnd?: ExecutionWaiter;
  /** The waiter's sleep between reads of the store (default: a timer). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Fresh unique ids for generated execution names and revision ids (default: UUIDs). */
  readonly newId?: () => string;
  /** How long GetActivityTask waits for a task before answering with none (default 60 s). */
  readonly activityPollMs?: number;
}

export const DEFAULT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
/** AWS: GetActivityTask long-polls for up to 60 seconds. */
export const ACTIVITY_POLL_MS = 60_000;
/** AWS: a synchronous Express execution runs at most five minutes. */
export const SYNC_EXECUTION_TIMEOUT_MS = 5 * 60 * 1000;
const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const REQUEST_ID = 'x-amzn-RequestId';

/**
 * Registers the Step Functions API on `app` (route `POST /`).
 * @throws RangeError when the page token secret is shorter than 32 bytes.
 */
export async function registerSfnApi(app: FastifyInstance, options: SfnApiOptions): Promise<void> {
  await app.register(sfnApiPlugin, options);
}

export const sfnApiPlugin: FastifyPluginAsync<SfnApiOptions> = (app, options) => {
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const context: SfnContext = {
    engine: options.engine,
    store: options.store,
    arns: new Arns(options.region, options.account),
    tokens: new PageTokens(options.pageTokenSecret, options.clock),
    clock: options.clock,
    newId: options.newId ?? randomUUID,
    waitForEnd:
      options.waitForExecutionEnd ??
      notifiedWaiter(options.engine, options.store.executions, options.clock, sleep),
    syncTimeoutMs: options.syncExecutionTimeoutMs ?? SYNC_EXECUTION_TIMEOUT_MS,
    sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
    activityPollMs: options.activityPollMs ?? ACTIVITY_POLL_MS,
  };
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;

  // Raw bytes whatever the content type: signatures cover the exact body, and AWS's own
  // clients all send application/x-amz-json-1.0 anyway.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => {
    done(null, body);
  });
  // Callback style, not async: no promise per request for a header.
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.header(REQUEST_ID, randomUUID());
    done();
  });
  // Errors before the handler runs: a body over the limit, a broken Content-Length...
  app.setErrorHandler(async (error: unknown, request, reply) => {
    const status = statusOf(error);
    if (status === 413) return sendError(reply, requestTooLarge(bodyLimit));
    if (status !== undefined && status >= 400 && status < 500) {
      return sendError(reply, serializationError('The request body could not be read.'));
    }
    return sendError(reply, unexpected(error, request, reply));
  });

  app.post('/', { bodyLimit }, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    try {
      if (options.authenticate) {
        // From the raw header lines: Node's parsed headers join repeats and drop a second
        // Authorization or Host, which would change what was signed and hide an injection.
        await options.authenticate(authRequestFromNode(request.raw, body));
      }
      const action = ACTIONS.get(actionName(request.headers['x-amz-target']));
      if (action === undefined) {
        throw unknownOperation(
          `Unknown operation: set X-Amz-Target to ${TARGET_PREFIX}<Action>, one of ${[...ACTIONS.keys()].join(', ')}.`,
        );
      }
      const result = await action(
        context,
        new RequestFields(parseBody(body)),
        new HangUpCall(reply),
      );
      return reply.code(200).type(CONTENT_TYPE).send(json(result));
    } catch (error: unknown) {
      return sendError(reply, toSfnError(error, request, reply));
    }
  });
  return Promise.resolve();
};

/**
 * The call's `signal`, aborted when the client hangs up, so a long poll stops waiting. It is
 * made when an action first reads it, and only GetActivityTask does: an AbortController per
 * request, aborted (which builds a DOMException) as every response closed, was about 5% of
 * StartExecution's time on the server. A class, so the getter is not defined anew per request.
 */
class HangUpCall implements SfnCall {
  #hangUp: AbortController | undefined;

  constructor(private readonly reply: FastifyReply) {}

  get signal(): AbortSignal {
    if (this.#hangUp === undefined) {
      const hangUp = new AbortController();
      // The client may have gone while the request was being authenticated.
      if (this.reply.raw.closed) hangUp.abort();
      else this.reply.raw.once('close', () => hangUp.abort());
      this.#hangUp = hangUp;
    }
    return this.#hangUp.signal;
  }
}

function actionName(target: string | string[] | undefined): string {
  if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) return '';
  return target.slice(TARGET_PREFIX.length);
}

/** @throws SfnError SerializationException for a body that is not one JSON object. */
function parseBody(body: Buffer): JsonObject {
  if (body.length === 0) return {};
  const parsed = parseJsonText(body.toString('utf8'));
  if (!parsed.ok) {
    throw serializationError(`The request body is not valid JSON: ${parsed.problem}`);
  }
  if (!isJsonObject(parsed.value)) {
    throw serializationError("The request body must be a JSON object of the action's members.");
  }
  return parsed.value;
}

function toSfnError(error: unknown, request: FastifyRequest, reply: FastifyReply): SfnError {
  if (error instanceof SfnError) return error;
  if (error instanceof AuthError) {
    return new SfnError(error.code, error.message, { status: error.status, namespace: 'protocol' });
  }
  if (error instanceof EngineError) return fromEngineError(error, '');
  return unexpected(error, request, reply);
}

/** Logs what went wrong under the request id; the client sees only the id. */
function unexpected(error: unknown, request: FastifyRequest, reply: FastifyReply): SfnError {
  const requestId = String(reply.getHeader(REQUEST_ID) ?? '');
  request.log.error({ err: error, requestId }, 'Step Functions API request failed');
  return internalFailure(requestId);
}

function sendError(reply: FastifyReply, error: SfnError): FastifyReply {
  return reply.code(error.status).type(CONTENT_TYPE).send(json(error.toBody()));
}

/** A Buffer, so fastify sends the content type exactly as AWS does (no `; charset=utf-8`). */
function json(body: JsonObject): Buffer {
  return Buffer.from(JSON.stringify(body), 'utf8');
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  return typeof error.statusCode === 'number' ? error.statusCode : undefined;
}
