/**
 * The shared store for several Baton nodes: PostgreSQL through a `pg` pool. Transactions that
 * lose a serialization or deadlock race (SQLSTATE 40001, 40P01) are retried here, inside the
 * store, as graphile-worker does (STYLE §2).
 */
import pg from 'pg';
import { StoreError } from '../errors.js';
import { applyMigrations, loadMigrations } from '../sql/migrate.js';
import type { Row, SqlRunner, SqlValue } from '../sql/sql-runner.js';
import { integer, toRow } from '../sql/sql-runner.js';
import { SqlAccessKeyStore } from '../sql/access-key-store.js';
import { SqlGitLabWaitStore } from '../sql/gitlab-wait-store.js';
import { SqlGitLabConnectionStore } from '../sql/gitlab-connection-store.js';
import { SqlActivityStore } from '../sql/activity-store.js';
import { SqlGitLabReportStore } from '../sql/gitlab-report-store.js';
import { SqlMapRunStore } from '../sql/map-run-store.js';
import { SqlExecutionStore, WORK_CHANNEL } from '../sql/execution-store.js';
import { SqlTagStore } from '../sql/tag-store.js';
import { SqlWorkflowStore } from '../sql/workflow-store.js';
// part C: GitLab webhook deliveries and triggers
import { SqlTriggerStore } from '../sql/trigger-store.js';
import { SqlWebhookDeliveryStore } from '../sql/webhook-delivery-store.js';
import type { MigrationReport, Store } from '../store.js';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database` (BATON_DATABASE_URL). */
  readonly url: string;
  readonly maxConnections?: number;
  /** The clock for bookkeeping rows (migrations); the caller's, never the store's own. */
  readonly now: () => string;
}

/** Oldest server Baton runs on; older ones get a message saying what to do. */
export const MINIMUM_SERVER_VERSION = 130000;
/** Key of the advisory lock that serialises migrations across nodes ("baton" in ASCII). */
const MIGRATION_LOCK = 0x626174_6f6e;
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

export function openPostgresStore(options: PostgresStoreOptions): Store {
  const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10 });
  // An idle client's error (the server restarted) must not crash the process; the next
  // query gets a fresh connection and reports its own error.
  pool.on('error', () => undefined);
  const runner = new PoolRunner(pool);
  return {
    kind: 'postgres',
    workflows: new SqlWorkflowStore(runner),
    executions: new SqlExecutionStore(runner),
    tags: new SqlTagStore(runner),
    activities: new SqlActivityStore(runner),
    mapRuns: new SqlMapRunStore(runner),
    keys: new SqlAccessKeyStore(runner),
    gitlabWaits: new SqlGitLabWaitStore(runner),
    gitlabConnections: new SqlGitLabConnectionStore(runner),
    gitlabReports: new SqlGitLabReportStore(runner),
    // part C: GitLab webhook deliveries and triggers
    deliveries: new SqlWebhookDeliveryStore(runner),
    triggers: new SqlTriggerStore(runner),
    migrate: async (): Promise<MigrationReport> => {
      await checkServerVersion(runner);
      return applyMigrations(
        runner,
        loadMigrations('postgres'),
        async (tx) => {
          await tx.query('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
        },
        options.now,
      );
    },
    listenForWork: (onWork) => listen(options.url, onWork),
    close: () => runner.close(),
  };
}

/**
 * A connection of its own that LISTENs for scheduled work. If it drops, `onWork('')` makes the
 * engine look at the store at once, and its regular poll carries on until a new listener is
 * made (the engine's next `run`).
 */
async function listen(url: string, onWork: (topic: string) => void): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => onWork(''));
  client.on('notification', (message) => {
    if (message.channel === WORK_CHANNEL) onWork(message.payload ?? '');
  });
  await client.connect();
  await client.query(`LISTEN ${WORK_CHANNEL}`);
  return async () => {
    await client.end().catch(() => undefined);
  };
}

async function checkServerVersion(db: SqlRunner): Promise<void> {
  const [row] = await db.query("SELECT current_setting('server_version_num') AS version");
  const version = row === undefined ? 0 : integer(row, 'version');
  if (version < MINIMUM_SERVER_VERSION) {
    throw new StoreError(
      'UNSUPPORTED_SERVER',
      `PostgreSQL ${Math.floor(version / 10000)} is not supported: Baton needs PostgreSQL ${MINIMUM_SERVER_VERSION / 10000} or newer. Upgrade the server, or unset BATON_DATABASE_URL to use the embedded SQLite store.`,
    );
  }
}

/** `?` placeholders to PostgreSQL's `$1, $2...` (our SQL has no `?` inside literals). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

class PoolRunner implements SqlRunner {
  readonly dialect = 'postgres';
  private closing: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly pool: pg.Pool) {}

  exec(sql: string): Promise<void> {
    return this.guard(async () => {
      await this.pool.query(sql);
    });
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<readonly Row[]> {
    return this.guard(async () => {
      const result = await this.pool.query(numbered(sql), [...params]);
      return result.rows.map(toRow);
    });
  }

  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.guard(() => this.inTransaction(work));
  }

  /**
   * Refuses new work, lets work already started finish, then ends the pool. (pg leaves a query
   * that races `pool.end()` unanswered for ever; refusing it here turns that into an error.)
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      await this.pool.end();
    })();
    return this.closing;
  }

  private guard<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closing !== undefined) {
      return Promise.reject(new Error('The PostgreSQL store is closed; open a new one.'));
    }
    const running = operation();
    this.inFlight.add(running);
    void running.then(
      () => this.inFlight.delete(running),
      () => this.inFlight.delete(running),
    );
    return running;
  }

  /**
   * One transaction on its own connection, retried when it loses a serialization or deadlock
   * race (40001, 40P01). Transactions are not grouped here as they are on SQLite: a group holds
   * the row locks of many executions while it waits for more, and two groups on two
   * connections (or two nodes) then deadlock each other (measured: PostgreSQL's deadlock
   * detector fired many times a second in the three-node crash test, each costing its 1 s
   * deadlock_timeout). Concurrent transactions on separate connections still share WAL flushes.
   * The execution store groups its own starts and commits instead (TransactionBatcher): a batch
   * gathers only until its transaction begins, then locks its execution rows in id order before
   * writing, so two batches never wait for each other in a cycle.
   */
  private async inTransaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      // A checked-out client emits 'error' when its connection drops between queries (the
      // server restarted); unheard, that is an uncaught exception that ends the process. The
      // transaction's next query reports the failure instead, and the client is discarded.
      // A client the pool discards after release can still emit one (its connection's last
      // words arrive late), with neither our listener nor the pool's: each client keeps a
      // listener that ignores it for good.
      if (!guardedClients.has(client)) {
        client.on('error', ignoreError);
        guardedClients.add(client);
      }
      let broken: Error | undefined;
      const onError = (error: Error): void => {
        broken = error;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await work(clientRunner(client));
        await client.query('COMMIT');
        return result;
      } catch (error: unknown) {
        await client.query('ROLLBACK').catch(() => undefined); // the connection may be gone
        if (attempt < MAX_ATTEMPTS && isRetryable(error)) continue;
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    }
  }
}

/** Clients that carry `ignoreError` (see `inTransaction`). */
const guardedClients = new WeakSet<pg.PoolClient>();
const ignoreError = (): void => undefined;

function clientRunner(client: pg.PoolClient): SqlRunner {
  const runner: SqlRunner = {
    dialect: 'postgres',
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async (sql, params = []) => {
      const result = await client.query(numbered(sql), [...params]);
      return result.rows.map(toRow);
    },
    transaction: (work) => work(runner),
  };
  return runner;
}

function isRetryable(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    RETRYABLE.has(error.code)
  );
}
