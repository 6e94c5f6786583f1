/**
 * The embedded store: one SQLite file (better-sqlite3, WAL). better-sqlite3 is synchronous and
 * has one connection, while our transactions span `await`s: every operation therefore takes a
 * turn on one queue, so two callers' statements never interleave inside a transaction.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { applyMigrations, loadMigrations } from '../sql/migrate.js';
import type { Row, SqlRunner, SqlValue } from '../sql/sql-runner.js';
import { toRow } from '../sql/sql-runner.js';
import { SqlAccessKeyStore } from '../sql/access-key-store.js';
import { SqlGitLabWaitStore } from '../sql/gitlab-wait-store.js';
import { SqlGitLabConnectionStore } from '../sql/gitlab-connection-store.js';
import { SqlActivityStore } from '../sql/activity-store.js';
import { SqlGitLabReportStore } from '../sql/gitlab-report-store.js';
import { SqlMapRunStore } from '../sql/map-run-store.js';
import { SqlExecutionStore } from '../sql/execution-store.js';
import { SqlTagStore } from '../sql/tag-store.js';
import { SqlWorkflowStore } from '../sql/workflow-store.js';
// part C: GitLab webhook deliveries and triggers
import { SqlTriggerStore } from '../sql/trigger-store.js';
import { SqlWebhookDeliveryStore } from '../sql/webhook-delivery-store.js';
import type { MigrationReport, Store } from '../store.js';

export interface SqliteStoreOptions {
  /** Database file; `:memory:` for a private in-memory database. */
  readonly path: string;
  /**
   * FULL (the default) survives power loss; NORMAL survives a killed process but may lose the
   * last transactions on power loss, and is faster.
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** How long to wait for another process's write lock, in milliseconds. */
  readonly busyTimeoutMs?: number;
  /** The clock for bookkeeping rows (migrations); the caller's, never the store's own. */
  readonly now: () => string;
}

/** Opens (creating if needed) the SQLite store at `options.path`. Call `migrate()` next. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(options.path);
  } catch (error: unknown) {
    throw new StoreError(
      'UNSUPPORTED_SERVER',
      `Cannot open the SQLite database at ${options.path}: ${error instanceof Error ? error.message : String(error)}. Check the path and its permissions.`,
      { cause: error },
    );
  }
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma('foreign_keys = ON');
  const runner = new SqliteRunner(db, queueFor(options.path));
  return {
    kind: 'sqlite',
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
    migrate: (): Promise<MigrationReport> =>
      // BEGIN IMMEDIATE (the runner's transactions) takes SQLite's write lock up front, so a
      // second process starting at the same time waits here and then finds the work done.
      applyMigrations(runner, loadMigrations('sqlite'), async () => {}, options.now),
    close: async () => {
      await runner.idle();
      db.close();
    },
  };
}

/** Most transactions committed together by one group commit. */
const MAX_GROUP = 256;

interface PendingTransaction {
  readonly work: (tx: SqlRunner) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** One queue of turns, shared by every store this process opens on the same file. */
interface TurnQueue {
  turn: Promise<unknown>;
}

const queues = new Map<string, TurnQueue>();

/**
 * better-sqlite3 waits for another connection's lock by blocking the thread. Two stores in one
 * process on one file would then deadlock: the waiting one blocks the event loop the holder
 * needs to finish its transaction. Sharing one queue per file serialises them in-process;
 * between processes, SQLite's own locking (BEGIN IMMEDIATE plus busy_timeout) does the job.
 */
function queueFor(path: string): TurnQueue {
  if (path === ':memory:') return { turn: Promise.resolve() };
  const key = resolve(path);
  let queue = queues.get(key);
  if (queue === undefined) {
    queue = { turn: Promise.resolve() };
    queues.set(key, queue);
  }
  return queue;
}

class SqliteRunner implements SqlRunner {
  readonly dialect = 'sqlite';

  constructor(
    private readonly db: Database.Database,
    private readonly queue: TurnQueue,
  ) {}

  exec(sql: string): Promise<void> {
    return this.enqueue(async () => this.inside.exec(sql));
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<readonly Row[]> {
    return this.enqueue(async () => this.inside.query(sql, params));
  }

  /**
   * Group commit: transactions requested while another waits for its turn are committed
   * together, one BEGIN IMMEDIATE ... COMMIT (one fsync) for the lot, each inside a SAVEPOINT so
   * one that throws is rolled back alone. Each caller's promise settles only after the COMMIT,
   * so a resolved transaction is durable exactly as if it had committed alone.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({
        work,
        // Settled with what `work` returned: a T.
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      // The first of a group waits for the event loop's check phase: requests whose bytes
      // arrived in the same poll phase reach this point first and share its COMMIT (one
      // fsync). Flushing at once, from the microtask queue, would commit each request alone.
      if (this.pending.length === 1) setImmediate(() => void this.enqueue(() => this.flush()));
    });
  }

  private pending: PendingTransaction[] = [];

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, MAX_GROUP);
    if (this.pending.length > 0) void this.enqueue(() => this.flush());
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    const run = (sql: string): void => {
      this.prepared(sql).run();
    };
    try {
      run('BEGIN IMMEDIATE');
    } catch (error: unknown) {
      for (const item of batch) item.reject(error);
      return;
    }
    // One transaction alone needs no savepoint: if it throws, the whole transaction goes.
    const alone = batch.length === 1;
    try {
      for (const item of batch) {
        if (!alone) run('SAVEPOINT baton_tx');
        try {
          const value = await item.work(this.inside);
          if (!alone) run('RELEASE baton_tx');
          outcomes.push({ ok: true, value });
        } catch (error: unknown) {
          if (alone) throw error;
          run('ROLLBACK TO baton_tx');
          run('RELEASE baton_tx');
          outcomes.push({ ok: false, error });
        }
      }
      run('COMMIT');
    } catch (error: unknown) {
      // The COMMIT itself failed (disk full, I/O error), or the lone transaction threw:
      // nothing of the batch was written.
      if (this.db.inTransaction) run('ROLLBACK');
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.error);
    });
  }

  /** Resolves once every queued operation has finished. */
  async idle(): Promise<void> {
    await this.queue.turn.catch(() => undefined);
  }

  /** Direct access for code already holding the turn (inside a transaction). */
  private readonly inside: SqlRunner = {
    dialect: 'sqlite',
    // better-sqlite3 is synchronous; these only wrap its answers in promises.
    exec: (sql) => {
      this.db.exec(sql);
      return Promise.resolve();
    },
    query: (sql, params = []) => {
      const statement = this.prepared(sql);
      if (statement.reader) return Promise.resolve(statement.all(...params).map(toRow));
      statement.run(...params);
      return Promise.resolve([]);
    },
    transaction: (work) => work(this.inside),
  };

  private readonly statements = new Map<string, Database.Statement>();

  /** Statements are compiled once per SQL text; the set of texts is fixed by the code. */
  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.turn.then(operation, operation);
    // The queue continues whatever this operation's outcome; the caller sees the outcome.
    this.queue.turn = result.catch(() => undefined);
    return result;
  }
}
