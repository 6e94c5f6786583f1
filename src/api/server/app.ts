/**
 * The HTTP application every API registers into: request ids, JSON logs with credentials
 * redacted, one error shape that never leaks internals, probes and metrics. The Step Functions
 * API, the REST API and authentication are plugins registered on top (`registerApi`).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  FastifyBaseLogger,
  FastifyError,
  RawServerDefault,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import { LogController, fastify } from 'fastify';
import type { Logger } from 'pino';
import { requestLoggerFactory } from './logging.js';
import type { ServerMetrics } from './metrics.js';

export const REQUEST_ID_HEADER = 'x-request-id';
/** An incoming id is kept when it is this safe to log and echo; otherwise a UUID replaces it. */
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:/+=-]{1,128}$/;

/** One readiness condition: resolves when met, throws (with a reason) when not. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

export interface AppOptions {
  readonly logger: Logger;
  /** Largest request body in bytes (fastify's default: 1 MiB). */
  readonly bodyLimit?: number;
  /** What `/readyz` checks, in order; the first failure answers 503 with its reason. */
  readonly readiness?: readonly ReadinessCheck[];
  /** How long one readiness check may take before it counts as failed. */
  readonly readinessTimeoutMs?: number;
  readonly metrics?: ServerMetrics;
}

/** The error body of the built-in routes and of any error no plugin handled. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly requestId: string;
}

export interface BatonApp {
  readonly fastify: FastifyInstance;
  /** `/readyz` answers 503 from now on, so load balancers stop sending traffic. */
  beginShutdown(): void;
  readonly shuttingDown: boolean;
}

const metricsRoutes = new WeakMap<FastifyRequest, string>();

/**
 * Names the request in the latency metric's `route` label instead of its route template: for
 * APIs that put many operations behind one route, as the Step Functions API does at `POST /`
 * (`setMetricsRoute(request, 'StartExecution')`). Pass only names from a fixed set (never
 * user input), or the metric's label values grow without bound.
 */
export function setMetricsRoute(request: FastifyRequest, route: string): void {
  metricsRoutes.set(request, route);
}

/**
 * Routes flagged public (the probes and /metrics) carry `config: { public: true }`, so an
 * authentication hook can let them through: `if (isPublicRoute(request)) return;`.
 */
export function isPublicRoute(request: FastifyRequest): boolean {
  const config = request.routeOptions.config as { public?: unknown } | undefined;
  return config?.public === true;
}

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  408: 'RequestTimeout',
  409: 'Conflict',
  411: 'LengthRequired',
  413: 'PayloadTooLarge',
  414: 'UriTooLong',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  431: 'RequestHeaderFieldsTooLarge',
};

/** Builds the app. Register APIs with `registerApi` before `listen`. */
export function createApp(options: AppOptions): BatonApp {
  // Typed with fastify's base logger, so plugins see the plain FastifyInstance type.
  const app = fastify<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: requestIdOf,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    childLoggerFactory: requestLoggerFactory,
    // New requests on kept-alive connections get 503 while closing; idle ones are closed.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  let shuttingDown = false;

  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });

  const metrics = options.metrics;
  if (metrics !== undefined) {
    app.addHook('onResponse', (request, reply, done) => {
      // The route template, never the raw URL: unmatched paths share one label value.
      const route = metricsRoutes.get(request) ?? request.routeOptions.url ?? 'unmatched';
      metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status =
      typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600
        ? error.statusCode
        : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendError(
        reply,
        request,
        status,
        'InternalError',
        'The server could not handle the request. The request id identifies it in the server logs.',
      );
    }
    request.log.info({ err: { message: error.message, code: error.code } }, 'request rejected');
    return sendError(reply, request, status, STATUS_CODES[status] ?? 'BadRequest', error.message);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const shown = path.length > 200 ? `${path.slice(0, 200)}...` : path;
    return sendError(reply, request, 404, 'NotFound', `No route for ${request.method} ${shown}.`);
  });

  const probe = { config: { public: true }, logLevel: 'warn' } as const;
  app.get('/healthz', probe, () => ({ status: 'ok' }));
  app.get('/readyz', probe, async (request, reply) => {
    if (shuttingDown)
      return reply.code(503).send({ status: 'unavailable', reason: 'shutting down' });
    for (const check of options.readiness ?? []) {
      const failure = await runCheck(check, options.readinessTimeoutMs ?? 2000);
      if (failure !== undefined) {
        request.log.warn({ check: check.name, reason: failure }, 'not ready');
        return reply.code(503).send({ status: 'unavailable', reason: `${check.name}: ${failure}` });
      }
    }
    return { status: 'ready' };
  });
  if (metrics !== undefined) {
    app.get('/metrics', probe, async (_request, reply) => {
      const text = await metrics.render();
      return reply.type(metrics.registry.contentType).send(text);
    });
  }

  return {
    fastify: app,
    beginShutdown: () => {
      shuttingDown = true;
    },
    get shuttingDown() {
      return shuttingDown;
    },
  };
}

/**
 * Registers an API (the Step Functions API, the REST API, an authentication hook wrapping
 * them) on the app. Plugins are encapsulated: their hooks and error handlers apply to their
 * own routes only; the app's error handler catches what they leave unhandled.
 */
export async function registerApi<Options extends Record<string, unknown>>(
  app: BatonApp,
  plugin: FastifyPluginAsync<Options>,
  options: Options,
): Promise<void> {
  await app.fastify.register(plugin, options);
}

function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && WELL_FORMED_REQUEST_ID.test(incoming)
    ? incoming
    : randomUUID();
}

function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: string,
  message: string,
): FastifyReply {
  const body: ErrorBody = { code, message, requestId: request.id };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      check.check().then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
