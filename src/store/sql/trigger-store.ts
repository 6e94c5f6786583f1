/**
 * GitLab triggers and the runs their QUEUED and SUPERSEDED modes coordinate, in SQL shared by
 * the SQLite and PostgreSQL stores. Starting the next queued run of a key is one UPDATE that
 * only succeeds when no run of the key is running; a partial unique index turns two nodes
 * racing for the same key into one winner and one unique-violation, reported as "nothing".
 */
import { decodePageToken, paginate } from '../page-token.js';
import type {
  AppliedTrigger,
  NewTriggerRun,
  Page,
  PageRequest,
  TriggerRecord,
  TriggerRunRecord,
  TriggerRunStatus,
  TriggerSource,
  TriggerStore,
} from '../store.js';
import type { Row, SqlRunner, SqlValue } from './sql-runner.js';
import { isViolation, text, textOrNull } from './sql-runner.js';

const TRIGGER = 'name, source, definition, created_at, updated_at';
const RUN = `trigger_name, execution_name, concurrency_key, mode, seq, status, request, delivery_id,
  execution_arn, created_at, updated_at`;

export class SqlTriggerStore implements TriggerStore {
  constructor(private readonly db: SqlRunner) {}

  async put(trigger: {
    readonly name: string;
    readonly source: TriggerSource;
    readonly definition: string;
    readonly now: string;
  }): Promise<{ readonly record: TriggerRecord; readonly created: boolean }> {
    return this.db.transaction(async (tx) => {
      const existed =
        (await tx.query('SELECT name FROM gitlab_triggers WHERE name = ?', [trigger.name])).length >
        0;
      const rows = await tx.query(
        `INSERT INTO gitlab_triggers (${TRIGGER}) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET source = excluded.source,
           definition = excluded.definition, updated_at = excluded.updated_at
         RETURNING ${TRIGGER}`,
        [trigger.name, trigger.source, trigger.definition, trigger.now, trigger.now],
      );
      return { record: triggerFrom(one(rows)), created: !existed };
    });
  }

  async get(name: string): Promise<TriggerRecord | undefined> {
    const [row] = await this.db.query(`SELECT ${TRIGGER} FROM gitlab_triggers WHERE name = ?`, [
      name,
    ]);
    return row === undefined ? undefined : triggerFrom(row);
  }

  async list(page: PageRequest): Promise<Page<TriggerRecord>> {
    const after =
      page.after === undefined ? '' : String(decodePageToken(page.after, ['string'])[0]);
    const rows = await this.db.query(
      `SELECT ${TRIGGER} FROM gitlab_triggers WHERE name > ? ORDER BY name LIMIT ?`,
      [after, page.limit + 1],
    );
    return paginate(rows.map(triggerFrom), page.limit, (t) => [t.name]);
  }

  async delete(name: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM gitlab_triggers WHERE name = ? RETURNING name', [
      name,
    ]);
    return rows.length > 0;
  }

  async replaceFileTriggers(
    triggers: readonly { readonly name: string; readonly definition: string }[],
    now: string,
  ): Promise<{ readonly created: number; readonly updated: number; readonly removed: number }> {
    return this.db.transaction(async (tx) => {
      const existing = new Map(
        (await tx.query('SELECT name, source, definition FROM gitlab_triggers')).map((row) => [
          text(row, 'name'),
          { source: text(row, 'source'), definition: text(row, 'definition') },
        ]),
      );
      let created = 0;
      let updated = 0;
      for (const trigger of triggers) {
        const before = existing.get(trigger.name);
        if (before?.source === 'file' && before.definition === trigger.definition) continue;
        await tx.query(
          `INSERT INTO gitlab_triggers (${TRIGGER}) VALUES (?, 'file', ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET source = 'file', definition = excluded.definition,
             updated_at = excluded.updated_at`,
          [trigger.name, trigger.definition, now, now],
        );
        if (before === undefined) created++;
        else updated++;
      }
      const listed = new Set(triggers.map((t) => t.name));
      let removed = 0;
      for (const [name, { source }] of existing) {
        if (source !== 'file' || listed.has(name)) continue;
        await tx.query("DELETE FROM gitlab_triggers WHERE name = ? AND source = 'file'", [name]);
        removed++;
      }
      return { created, updated, removed };
    });
  }

  async applyApiTriggers(
    triggers: readonly { readonly name: string; readonly definition: string }[],
    now: string,
  ): Promise<readonly AppliedTrigger[]> {
    return this.db.transaction(async (tx) => {
      const results: AppliedTrigger[] = [];
      for (const trigger of triggers) {
        const [before] = await tx.query(`SELECT ${TRIGGER} FROM gitlab_triggers WHERE name = ?`, [
          trigger.name,
        ]);
        const existing = before === undefined ? undefined : triggerFrom(before);
        if (existing?.source === 'api' && existing.definition === trigger.definition) {
          results.push({ record: existing, result: 'unchanged' });
          continue;
        }
        const rows = await tx.query(
          `INSERT INTO gitlab_triggers (${TRIGGER}) VALUES (?, 'api', ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET source = 'api', definition = excluded.definition,
             updated_at = excluded.updated_at
           RETURNING ${TRIGGER}`,
          [trigger.name, trigger.definition, now, now],
        );
        results.push({
          record: triggerFrom(one(rows)),
          result: existing === undefined ? 'created' : 'updated',
        });
      }
      return results;
    });
  }

  async addRun(
    run: NewTriggerRun,
  ): Promise<{ readonly record: TriggerRunRecord; readonly created: boolean }> {
    const inserted = await this.db.query(
      `INSERT INTO gitlab_trigger_runs (${RUN}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
       ON CONFLICT (trigger_name, execution_name) DO NOTHING RETURNING ${RUN}`,
      [
        run.trigger,
        run.executionName,
        run.concurrencyKey,
        run.mode,
        run.seq,
        run.status,
        run.request,
        run.deliveryId,
        run.now,
        run.now,
      ],
    );
    const row = inserted[0];
    if (row !== undefined) return { record: runFrom(row), created: true };
    const existing = await this.getRun(run.trigger, run.executionName);
    if (existing === undefined) throw new Error('a conflicting trigger run disappeared');
    return { record: existing, created: false };
  }

  async getRun(trigger: string, executionName: string): Promise<TriggerRunRecord | undefined> {
    const [row] = await this.db.query(
      `SELECT ${RUN} FROM gitlab_trigger_runs WHERE trigger_name = ? AND execution_name = ?`,
      [trigger, executionName],
    );
    return row === undefined ? undefined : runFrom(row);
  }

  async runsOfKey(
    trigger: string,
    concurrencyKey: string,
    status?: TriggerRunStatus,
  ): Promise<readonly TriggerRunRecord[]> {
    const params: SqlValue[] = [trigger, concurrencyKey];
    if (status !== undefined) params.push(status);
    const rows = await this.db.query(
      `SELECT ${RUN} FROM gitlab_trigger_runs WHERE trigger_name = ? AND concurrency_key = ?
       ${status === undefined ? '' : 'AND status = ?'} ORDER BY seq, execution_name`,
      params,
    );
    return rows.map(runFrom);
  }

  async runOfExecution(executionArn: string): Promise<TriggerRunRecord | undefined> {
    const [row] = await this.db.query(
      `SELECT ${RUN} FROM gitlab_trigger_runs WHERE execution_arn = ?`,
      [executionArn],
    );
    return row === undefined ? undefined : runFrom(row);
  }

  async startNextRun(
    trigger: string,
    concurrencyKey: string,
    now: string,
  ): Promise<TriggerRunRecord | undefined> {
    try {
      const rows = await this.db.query(
        // `status = 'queued'` on the row itself too: on PostgreSQL, an UPDATE that waited for
        // another node's UPDATE of the same run re-checks only the row's own conditions on the
        // new version (the subqueries keep their first answer), so without it both nodes would
        // start the run.
        `UPDATE gitlab_trigger_runs SET status = 'running', updated_at = ?
         WHERE trigger_name = ? AND status = 'queued' AND execution_name = (
             SELECT execution_name FROM gitlab_trigger_runs
             WHERE trigger_name = ? AND concurrency_key = ? AND status = 'queued'
             ORDER BY seq, execution_name LIMIT 1)
           AND NOT EXISTS (
             SELECT 1 FROM gitlab_trigger_runs
             WHERE trigger_name = ? AND concurrency_key = ? AND status = 'running')
         RETURNING ${RUN}`,
        [now, trigger, trigger, concurrencyKey, trigger, concurrencyKey],
      );
      const row = rows[0];
      return row === undefined ? undefined : runFrom(row);
    } catch (error: unknown) {
      // Another node started a run of this key between our check and our write.
      if (isViolation(error, 'unique')) return undefined;
      throw error;
    }
  }

  async updateRun(
    trigger: string,
    executionName: string,
    change: {
      readonly status: TriggerRunStatus;
      readonly executionArn?: string;
      readonly now: string;
    },
  ): Promise<void> {
    await this.db.query(
      `UPDATE gitlab_trigger_runs SET status = ?, execution_arn = COALESCE(?, execution_arn),
         updated_at = ?
       WHERE trigger_name = ? AND execution_name = ?`,
      [change.status, change.executionArn ?? null, change.now, trigger, executionName],
    );
  }

  async pendingRuns(limit: number): Promise<readonly TriggerRunRecord[]> {
    const rows = await this.db.query(
      `SELECT ${RUN} FROM gitlab_trigger_runs r
       WHERE r.status = 'running'
          OR (r.status = 'queued' AND r.mode = 'QUEUED' AND NOT EXISTS (
                SELECT 1 FROM gitlab_trigger_runs o
                WHERE o.trigger_name = r.trigger_name AND o.concurrency_key = r.concurrency_key
                  AND (o.status = 'running' OR (o.status = 'queued' AND o.seq < r.seq))))
       ORDER BY seq, execution_name LIMIT ?`,
      [limit],
    );
    return rows.map(runFrom);
  }

  async purgeRuns(finishedBefore: string, limit: number): Promise<number> {
    // Through the partial index gitlab_trigger_runs_done (migration 0013). The outer status
    // test keeps a run that went back to work between the two reads (it cannot today) safe.
    const rows = await this.db.transaction((tx) =>
      tx.query(
        `DELETE FROM gitlab_trigger_runs
         WHERE (trigger_name, execution_name) IN (
           SELECT trigger_name, execution_name FROM gitlab_trigger_runs
           WHERE status = 'done' AND updated_at < ?
           ORDER BY updated_at, trigger_name, execution_name LIMIT ?)
           AND status = 'done'
         RETURNING trigger_name`,
        [finishedBefore, limit],
      ),
    );
    return rows.length;
  }
}

function triggerFrom(row: Row): TriggerRecord {
  const source = text(row, 'source');
  if (source !== 'file' && source !== 'api') {
    throw new TypeError('column source holds an unknown trigger source');
  }
  return {
    name: text(row, 'name'),
    source,
    definition: text(row, 'definition'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  };
}

function runFrom(row: Row): TriggerRunRecord {
  const mode = text(row, 'mode');
  const status = text(row, 'status');
  if (mode !== 'QUEUED' && mode !== 'SUPERSEDED') {
    throw new TypeError('column mode holds an unknown concurrency mode');
  }
  if (status !== 'queued' && status !== 'running' && status !== 'done') {
    throw new TypeError('column status holds an unknown run status');
  }
  return {
    trigger: text(row, 'trigger_name'),
    executionName: text(row, 'execution_name'),
    concurrencyKey: text(row, 'concurrency_key'),
    mode,
    seq: text(row, 'seq'),
    status,
    request: text(row, 'request'),
    deliveryId: text(row, 'delivery_id'),
    executionArn: textOrNull(row, 'execution_arn'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  };
}

function one(rows: readonly Row[]): Row {
  const row = rows[0];
  if (!row) throw new Error('expected a row from a statement that returns one');
  return row;
}
