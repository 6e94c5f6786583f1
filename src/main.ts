/**
 * The composition root: the one place that picks implementations. `startBaton` opens the store
 * the settings name (SQLite in the data directory, or PostgreSQL from the database URL),
 * migrates it, builds the engine with the real clock and crypto randomness, runs it in the
 * background, and serves the HTTP app. `close()` shuts it all down in order.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { registerGitLabHooks } from './api/hooks/index.js';
import {
  createConnectionLookup,
  createKeyLookup,
  createWebhookSecretLookup,
  createLastUseRecorder,
  issueFirstAdminKey,
} from './api/auth/index.js';
import type { BatonApp } from './api/server/index.js';
import { ServerMetrics, createApp, createLogger } from './api/server/index.js';
import type { BatonConfig } from './config/index.js';
import { describeConfig, redactSecrets } from './config/index.js';
import { registerRestApi } from './api/rest/index.js';
import { registerSfnApi } from './api/sfn/index.js';
import { Engine } from './engine/index.js';
import type { MasterKey } from './identity/index.js';
import { RandomPool, createSigV4Authenticator, loadMasterKey } from './identity/index.js';
import { DeliveryProcessor, purgeFinishedDeliveries } from './gitlab/deliveries/index.js';
import { botUsername, comparePaths, wakeSyncTasks } from './gitlab/gitlab-ports.js';
import { GitLabReporter, createClientReportTarget } from './gitlab/reports/index.js';
import { loadTriggersFile } from './gitlab/triggers/index.js';
import { HTTP_INVOKE_RESOURCE, createHttpTaskRunner, routeTasks } from './integrations/index.js';
import { GitLabClients, createGitLabTaskRunner } from './integrations/gitlab/index.js';
import { formatTimestamp } from './language/index.js';
import type { Store } from './store/index.js';
import { openPostgresStore } from './store/postgres/index.js';
import { openSqliteStore } from './store/sqlite/index.js';
import type { WorkflowFileResult } from './workflow-files/index.js';
import { loadWorkflowFiles } from './workflow-files/index.js';

export const SQLITE_FILE = 'baton.db';
/** The admin key's AWS shared-credentials file in the data directory (profile `baton`). */
export const ADMIN_CREDENTIALS_FILE = 'admin-credentials';
/** How often finished executions, deliveries and trigger runs past their retention are purged. */
const PURGE_INTERVAL_MS = 60 * 60 * 1000;
/** After the engine loop fails (the database went away), it restarts after this long, doubling. */
const RESTART_DELAY_MS = { first: 500, max: 30_000 };

/** What the APIs get to work with when they register. */
export interface ApiContext {
  readonly config: BatonConfig;
  readonly engine: Engine;
  readonly store: Store;
  readonly logger: Logger;
}

/** Registers routes, hooks or plugins on the app before it listens (the SFN API, auth, ...). */
export type ApiRegistration = (app: BatonApp, context: ApiContext) => Promise<void> | void;

export interface StartOptions {
  /** Aborting it closes the server, as `close()` does. */
  readonly signal?: AbortSignal;
  /** The logger; default JSON lines on stdout at the configured level. */
  readonly logger?: Logger;
  /** APIs to register, in order, after the built-in routes. */
  readonly apis?: readonly ApiRegistration[];
  /** Load `*.asl.json|yaml|yml` workflow files from this directory before listening. */
  readonly workflowsDir?: string;
  /**
   * The master key (hex or base64 of 32 bytes) that seals access-key secrets and derives the
   * page-token secret; default BATON_MASTER_KEY, else `<dataDir>/master.key` (created 0600).
   * Nodes sharing a PostgreSQL database must share it.
   */
  readonly masterKey?: string;
}

/** The admin access key made on the first start; its secret is shown to the operator once. */
export interface AdminCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** An AWS shared-credentials file (mode 0600) holding it, for the AWS CLI and SDKs. */
  readonly file: string;
}

export interface BatonServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly engine: Engine;
  readonly store: Store;
  readonly app: BatonApp;
  readonly logger: Logger;
  readonly nodeId: string;
  /** What loading `workflowsDir` did, file by file (empty without it). */
  readonly workflowFiles: readonly WorkflowFileResult[];
  /** Set only on the start that created the first access key (an empty key store). */
  readonly adminCredential: AdminCredential | undefined;
  /**
   * Stops accepting connections and lets in-flight requests finish, stops the engine loop and
   * waits for in-flight tasks (each phase bounded by the shutdown timeout), then closes the
   * store. Idempotent: every call returns the same promise.
   */
  close(): Promise<void>;
}

/** Starts Baton with `config`. On failure, whatever was opened is closed again. */
export async function startBaton(
  config: BatonConfig,
  options: StartOptions = {},
): Promise<BatonServer> {
  const nodeId = config.nodeId ?? defaultNodeId();
  const logger = options.logger ?? createLogger({ level: config.logLevel, base: { node: nodeId } });
  const now = (): string => formatTimestamp(Date.now());
  logger.info({ config: describeConfig(config), nodeId }, 'starting');

  const store = openStore(config, now, logger);
  const metrics = new ServerMetrics({
    onError: (error) => logger.warn({ err: safeError(error, config) }, 'metrics: store unreadable'),
  });
  let app: BatonApp | undefined;
  /** Where this server listens, once it does (status reports link to it without a public URL). */
  let listening = `http://${config.host}:${config.port}`;
  try {
    const migration = await store.migrate();
    logger.info(
      { store: store.kind, applied: migration.applied, schema: migration.current },
      'store ready',
    );
    const masterKey = loadMasterKey({
      env: options.masterKey ?? process.env['BATON_MASTER_KEY'],
      dataDir: config.dataDir,
    });
    // GitLab: connections open their tokens with the master key; one client per connection is
    // shared by the tasks and the status reports.
    const connections = createConnectionLookup(store.gitlabConnections, masterKey);
    const gitlabClients = new GitLabClients();
    const gitlab = createGitLabTaskRunner({
      connections,
      waits: store.gitlabWaits,
      clients: gitlabClients,
    });
    const engine = new Engine({
      store,
      clock: { nowMs: () => Date.now() },
      tasks: routeTasks({ [HTTP_INVOKE_RESOURCE]: createHttpTaskRunner(), ...gitlab.routes }),
      nodeId,
      random: () => randomPool.fraction(),
      tokenKey: () => randomPool.hex(32),
      region: config.region,
      account: config.account,
      retentionMs: config.retentionMs,
      leaseMs: config.leaseMs,
      onError: (error) =>
        logger.error({ err: safeError(error, config) }, 'engine: background work failed'),
    });
    metrics.observeEngine(engine);
    metrics.observeStore(store.executions);

    const workflowFiles =
      options.workflowsDir === undefined
        ? []
        : await loadWorkflowFiles({
            store,
            directory: options.workflowsDir,
            now,
            newRevisionId: randomUUID,
          });
    for (const result of workflowFiles) {
      if (result.outcome === 'skipped')
        logger.warn({ file: result.file, problems: result.problems }, 'workflow file skipped');
      else logger.info(result, 'workflow file loaded');
    }

    const built = createApp({
      logger,
      bodyLimit: config.bodyLimit,
      metrics,
      readiness: [
        {
          name: 'store',
          // A cheap read: the store answers, and the schema it was migrated to is there.
          check: async () => {
            await store.workflows.list({ limit: 1 });
          },
        },
      ],
    });
    app = built;
    const adminCredential = await ensureAdminCredential(store, masterKey, config.dataDir, now);
    if (adminCredential !== undefined) {
      logger.info({ accessKeyId: adminCredential.accessKeyId }, 'admin access key created');
    }
    await registerSignedApis(built, { config, engine, store, masterKey, gitlabClients });
    const reporter = new GitLabReporter({
      store,
      clock: { nowMs: () => Date.now() },
      nodeId,
      target: createClientReportTarget(gitlabClients),
      connections,
      // The configured public URL; else where this server actually listens (known once it
      // listens: port 0 resolved).
      publicUrl: config.publicUrl ?? '',
      executionUrl: (arn) =>
        `${config.publicUrl ?? listening}/api/v1/executions/${encodeURIComponent(arn)}`,
      logger: logger.child({ component: 'gitlab-reports' }),
      random: () => randomPool.fraction(),
    });
    const detachReporter = reporter.attach(engine);
    // GitLab webhooks: recorded and answered at once, processed by the delivery processor
    // (triggers start executions, Pipeline/Job Hooks wake .sync tasks, starts are reported).
    const ports = { connections, clients: gitlabClients };
    const processor = new DeliveryProcessor({
      store,
      engine,
      clock: { nowMs: () => Date.now() },
      nodeId,
      region: config.region,
      account: config.account,
      compare: comparePaths(ports),
      botUsername: botUsername(ports),
      onGitLabEvent: [wakeSyncTasks(store.gitlabWaits, engine)],
      onExecutionStarted: [
        async (started) => {
          const { projectId, sha, ref, report } = started;
          if (!report.commitStatus && !report.mergeRequestNote) return;
          if (projectId === undefined || sha === undefined || ref === undefined) return;
          await reporter.track({
            executionArn: started.executionArn,
            connection: started.connection,
            projectId,
            sha,
            ref,
            ...(started.mergeRequestIid === undefined
              ? {}
              : { mergeRequestIid: started.mergeRequestIid }),
            report,
          });
        },
      ],
      onError: (error) =>
        logger.error({ err: safeError(error, config) }, 'gitlab deliveries: processing failed'),
    });
    await registerGitLabHooks(built.fastify, {
      secrets: createWebhookSecretLookup(store.gitlabConnections, masterKey),
      deliveries: store.deliveries,
      clock: { nowMs: () => Date.now() },
      bodyLimitBytes: config.webhookBodyLimit,
      onRecorded: () => processor.wake(),
    });
    if (config.triggersFile !== undefined) {
      const loaded = await loadTriggersFile({
        file: config.triggersFile,
        store: store.triggers,
        now: now(),
      });
      logger.info({ file: config.triggersFile, ...loaded }, 'triggers file loaded');
    }
    const context: ApiContext = { config, engine, store, logger };
    for (const register of options.apis ?? []) await register(built, context);
    await built.fastify.listen({ host: config.host, port: config.port });
    const url = urlOf(config.host, built.fastify.server.address() as AddressInfo);
    listening = url;

    // The background loops: the engine, and the purge of executions, webhook deliveries and
    // trigger runs past their retention.
    const stop = new AbortController();
    stop.signal.addEventListener('abort', detachReporter, { once: true });
    const loops = Promise.all([
      supervise('engine', logger, config, stop.signal, () =>
        engine.run(stop.signal, abortableSleep, config.pollIntervalMs),
      ),
      supervise('gitlab-deliveries', logger, config, stop.signal, () =>
        processor.run(stop.signal, abortableSleep, config.pollIntervalMs),
      ),
      supervise('gitlab-reports', logger, config, stop.signal, () =>
        reporter.run(stop.signal, abortableSleep),
      ),
      supervise('purge', logger, config, stop.signal, async () => {
        while (!stop.signal.aborted) {
          const removed = await engine.purgeFinished();
          if (removed > 0) logger.info({ removed }, 'purged finished executions');
          const gitlab = await purgeFinishedDeliveries({
            store,
            clock: { nowMs: () => Date.now() },
            retentionMs: config.deliveryRetentionMs,
          });
          if (gitlab.deliveries > 0 || gitlab.triggerRuns > 0) {
            logger.info(gitlab, 'purged finished webhook deliveries and trigger runs');
          }
          await abortableSleep(PURGE_INTERVAL_MS, stop.signal);
        }
      }),
    ]);
    logger.info({ url }, 'listening');

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= shutdown({ app: built, stop, loops, engine, store, metrics, logger, config }));
    options.signal?.addEventListener('abort', () => void close(), { once: true });
    if (options.signal?.aborted === true) void close();
    return {
      url,
      engine,
      store,
      app: built,
      logger,
      nodeId,
      workflowFiles,
      adminCredential,
      close,
    };
  } catch (error: unknown) {
    logger.error({ err: safeError(error, config) }, 'start failed');
    metrics.close();
    await app?.fastify.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw error;
  }
}

interface Running {
  readonly app: BatonApp;
  readonly stop: AbortController;
  readonly loops: Promise<unknown>;
  readonly engine: Engine;
  readonly store: Store;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  readonly config: BatonConfig;
}

async function shutdown(running: Running): Promise<void> {
  const { app, stop, loops, store, metrics, logger, config } = running;
  const limit = config.shutdownTimeoutMs;
  logger.info('shutting down');
  // 1. Readiness fails, the listener closes, in-flight requests get `limit` to finish.
  app.beginShutdown();
  const closed = app.fastify.close();
  // A kept-alive connection whose request finishes during the wait goes idle: close it then,
  // rather than waiting for its keep-alive to run out.
  const sweep = setInterval(() => app.fastify.server.closeIdleConnections(), 50);
  const finished = await within(closed, limit);
  clearInterval(sweep);
  if (!finished) {
    logger.warn(
      { timeoutMs: limit },
      'requests still in flight at the shutdown timeout: closing their connections',
    );
    app.fastify.server.closeAllConnections();
    await closed;
  }
  // 2. The engine stops claiming work; tasks in flight get `limit` to finish and commit. A task
  //    still running after that keeps its lease, which runs out, and another node (or this one
  //    after a restart) runs it again.
  stop.abort();
  // engine.run waits for its tasks when it ends; idle() also covers tasks started before a
  // failed run was restarted.
  if (
    !(await within(
      loops.then(() => running.engine.idle()),
      limit,
    ))
  )
    logger.warn(
      { timeoutMs: limit },
      'tasks still in flight at the shutdown timeout: their leases will run out',
    );
  metrics.close();
  // 3. The store.
  await store.close();
  logger.info('stopped');
}

/**
 * The Step Functions API at `POST /` and the native REST API at `/api/v1`, every request
 * verified with SigV4 against Baton-issued access keys (none is accepted unsigned), through one
 * key lookup: the REST API's key management makes it forget a key it disabled or deleted, so
 * the change holds at once on this node for both APIs. Page tokens are sealed with a key
 * derived from the master key, so every node of a cluster accepts the others' tokens.
 */
async function registerSignedApis(
  app: BatonApp,
  deps: {
    readonly config: BatonConfig;
    readonly engine: Engine;
    readonly store: Store;
    readonly masterKey: MasterKey;
    readonly gitlabClients: GitLabClients;
  },
): Promise<void> {
  const { config, engine, store, masterKey, gitlabClients } = deps;
  const nowMs = (): number => Date.now();
  const keyLookup = createKeyLookup({ keys: store.keys, masterKey, nowMs });
  const { lookupKey } = keyLookup;
  const recordUse = createLastUseRecorder({ keys: store.keys, nowMs });
  const verify = createSigV4Authenticator({
    region: config.region,
    service: 'states',
    lookupKey,
    nowMs,
    onAuthenticated: recordUse,
  });
  const pageTokenSecret = masterKey.derive('page-tokens');
  await registerSfnApi(app.fastify, {
    engine,
    store,
    region: config.region,
    account: config.account,
    clock: { nowMs },
    pageTokenSecret,
    bodyLimitBytes: config.bodyLimit,
    authenticate: verify,
  });
  await registerRestApi(app.fastify, {
    engine,
    store,
    region: config.region,
    account: config.account,
    clock: { nowMs },
    pageTokenSecret,
    bodyLimitBytes: config.bodyLimit,
    authenticate: verify,
    masterKey,
    forgetKey: (accessKeyId) => keyLookup.forget(accessKeyId),
    // GitLab connections and the CI API (part B): webhook URLs and the CI ID-token audience.
    ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
    gitlabClients,
    ...(config.ciAudience === undefined ? {} : { ciAudience: config.ciAudience }),
  });
}

/**
 * On the first start (no access key yet), issues an `admin` key and saves it as an AWS
 * shared-credentials file readable only by its owner. Its secret is returned so the CLI can show
 * it once; it is never logged.
 */
async function ensureAdminCredential(
  store: Store,
  masterKey: MasterKey,
  dataDir: string,
  now: () => string,
): Promise<AdminCredential | undefined> {
  const existing = await store.keys.list({ limit: 1 });
  if (existing.items.length > 0) return undefined;
  // Several nodes may start on an empty database at once: exactly one makes the key.
  const issued = await issueFirstAdminKey(store.keys, masterKey, now());
  if (issued === undefined) return undefined;
  const { record, secretAccessKey } = issued;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, ADMIN_CREDENTIALS_FILE);
  writeFileSync(
    file,
    `# Baton admin access key, created ${now()}.\n[baton]\naws_access_key_id = ${record.id}\naws_secret_access_key = ${secretAccessKey}\n`,
    { mode: 0o600 },
  );
  chmodSync(file, 0o600);
  return { accessKeyId: record.id, secretAccessKey, file };
}

/** Runs a background loop until `signal` aborts, restarting it with back-off when it fails. */
async function supervise(
  name: string,
  logger: Logger,
  config: BatonConfig,
  signal: AbortSignal,
  body: () => Promise<void>,
): Promise<void> {
  let wait = RESTART_DELAY_MS.first;
  while (!signal.aborted) {
    try {
      await body();
      wait = RESTART_DELAY_MS.first;
    } catch (error: unknown) {
      if (signal.aborted) return;
      logger.error({ err: safeError(error, config), retryInMs: wait }, `${name} loop failed`);
      await abortableSleep(wait, signal);
      wait = Math.min(wait * 2, RESTART_DELAY_MS.max);
    }
  }
}

function openStore(config: BatonConfig, now: () => string, logger: Logger): Store {
  if (config.databaseUrl !== undefined) return openPostgresStore({ url: config.databaseUrl, now });
  // The database holds workflow inputs and outputs: only its owner may read the directory.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const mode = statSync(config.dataDir).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    try {
      chmodSync(config.dataDir, 0o700);
    } catch {
      logger.warn(
        { dataDir: config.dataDir, mode: mode.toString(8) },
        'the data directory is readable by others and could not be restricted to its owner',
      );
    }
  }
  return openSqliteStore({ path: join(config.dataDir, SQLITE_FILE), now });
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

/** Whether `promise` settled within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const settled = promise.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([
    settled,
    delay(ms, false, { signal: timer.signal }).catch(() => false),
  ]);
  timer.abort();
  return result;
}

/** The engine's randomness (token keys, seeds, alias routing), from the CSPRNG. */
const randomPool = new RandomPool();

function defaultNodeId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9.-]/g, '-')
      .slice(0, 40) || 'node';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** The URL to print: a wildcard address is reached through loopback. */
function urlOf(host: string, address: AddressInfo): string {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}`;
}

/** An error as it may be logged: its message and stack with any secret setting masked. */
function safeError(error: unknown, config: BatonConfig): { message: string; stack?: string } {
  if (!(error instanceof Error)) return { message: redactSecrets(String(error), config) };
  return {
    message: redactSecrets(error.message, config),
    ...(error.stack === undefined ? {} : { stack: redactSecrets(error.stack, config) }),
  };
}
