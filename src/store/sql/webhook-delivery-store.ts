/**
 * GitLab webhook deliveries in SQL, shared by the SQLite and PostgreSQL stores. Recording is
 * one INSERT that does nothing on a redelivery (the unique connection + dedupe key), so two
 * nodes receiving the same delivery at once record it once. Claims lease rows as due work
 * does: SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite.
 */
import { decodePageToken, paginate } from '../page-token.js';
import type {
  DeliveryFilter,
  DeliveryStatus,
  FinishDelivery,
  NewWebhookDelivery,
  Page,
  PageRequest,
  WebhookDeliveryRecord,
  WebhookDeliveryStore,
  WebhookDeliverySummary,
} from '../store.js';
import type { Row, SqlRunner, SqlValue } from './sql-runner.js';
import { integer, text, textOrNull } from './sql-runner.js';

const SUMMARY = `id, connection, received_at, event, object_kind, dedupe_key, key_source, content_key,
  status, attempts, outcome, error, processed_at`;
const FULL = `${SUMMARY}, headers, body, lease_owner, lease_until`;

export class SqlWebhookDeliveryStore implements WebhookDeliveryStore {
  constructor(private readonly db: SqlRunner) {}

  async record(
    delivery: NewWebhookDelivery,
  ): Promise<{ readonly record: WebhookDeliverySummary; readonly duplicate: boolean }> {
    // A transaction, not a lone statement: on SQLite, deliveries arriving together then share
    // one group commit (one fsync) instead of paying one each.
    return this.db.transaction((tx) => this.recordIn(tx, delivery));
  }

  private async recordIn(
    db: SqlRunner,
    delivery: NewWebhookDelivery,
  ): Promise<{ readonly record: WebhookDeliverySummary; readonly duplicate: boolean }> {
    // Twice at most: the conflicting row can be purged (retention) between the INSERT and the
    // SELECT; the delivery is then new again, and the second INSERT records it.
    for (let attempt = 0; ; attempt++) {
      const found = await this.insertOrFind(db, delivery);
      if (found !== undefined) return found;
      if (attempt > 0) {
        throw new Error('a conflicting webhook delivery disappeared twice while it was recorded');
      }
    }
  }

  private async insertOrFind(
    db: SqlRunner,
    delivery: NewWebhookDelivery,
  ): Promise<{ readonly record: WebhookDeliverySummary; readonly duplicate: boolean } | undefined> {
    const inserted = await db.query(
      `INSERT INTO webhook_deliveries (id, connection, received_at, event, object_kind, dedupe_key,
         key_source, content_key, headers, body, status, attempts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', 0)
       ON CONFLICT (connection, dedupe_key) DO NOTHING
       RETURNING ${SUMMARY}`,
      [
        delivery.id,
        delivery.connection,
        delivery.receivedAt,
        delivery.event,
        delivery.objectKind,
        delivery.dedupeKey,
        delivery.keySource,
        delivery.contentKey,
        delivery.headers,
        delivery.body,
      ],
    );
    const row = inserted[0];
    if (row !== undefined) return { record: summaryFrom(row), duplicate: false };
    const [existing] = await db.query(
      `SELECT ${SUMMARY} FROM webhook_deliveries WHERE connection = ? AND dedupe_key = ?`,
      [delivery.connection, delivery.dedupeKey],
    );
    // Undefined: the conflicting row was purged between the two statements.
    return existing === undefined ? undefined : { record: summaryFrom(existing), duplicate: true };
  }

  async get(id: string): Promise<WebhookDeliveryRecord | undefined> {
    const [row] = await this.db.query(`SELECT ${FULL} FROM webhook_deliveries WHERE id = ?`, [id]);
    return row === undefined ? undefined : recordFrom(row);
  }

  async list(filter: DeliveryFilter, page: PageRequest): Promise<Page<WebhookDeliverySummary>> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.connection !== undefined) {
      where.push('connection = ?');
      params.push(filter.connection);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.event !== undefined) {
      where.push('event = ?');
      params.push(filter.event);
    }
    if (page.after !== undefined) {
      const [receivedAt, id] = decodePageToken(page.after, ['string', 'string']).map(String);
      where.push('(received_at < ? OR (received_at = ? AND id < ?))');
      params.push(receivedAt ?? '', receivedAt ?? '', id ?? '');
    }
    const rows = await this.db.query(
      `SELECT ${SUMMARY} FROM webhook_deliveries
       ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
       ORDER BY received_at DESC, id DESC LIMIT ?`,
      [...params, page.limit + 1],
    );
    return paginate(rows.map(summaryFrom), page.limit, (d) => [d.receivedAt, d.id]);
  }

  async claim(
    now: string,
    owner: string,
    leaseUntil: string,
    limit: number,
  ): Promise<readonly WebhookDeliveryRecord[]> {
    return this.db.transaction(async (tx) => {
      const lock = tx.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
      const rows = await tx.query(
        `UPDATE webhook_deliveries
         SET status = 'processing', lease_owner = ?, lease_until = ?, attempts = attempts + 1
         WHERE id IN (
           SELECT id FROM webhook_deliveries
           WHERE status = 'received' OR (status = 'processing' AND lease_until <= ?)
           ORDER BY received_at, id LIMIT ? ${lock})
         RETURNING ${FULL}`,
        [owner, leaseUntil, now, limit],
      );
      return rows
        .map(recordFrom)
        .sort((a, b) => compare(a.receivedAt, b.receivedAt) || compare(a.id, b.id));
    });
  }

  async finish(id: string, owner: string, result: FinishDelivery): Promise<boolean> {
    // In a transaction for SQLite's group commit (see `record`).
    const rows = await this.db.transaction((tx) =>
      tx.query(
        `UPDATE webhook_deliveries
       SET status = ?, outcome = ?, error = ?, processed_at = ?, lease_owner = NULL, lease_until = NULL
       WHERE id = ? AND status = 'processing' AND lease_owner = ?
       RETURNING id`,
        [result.status, result.outcome, result.error ?? null, result.now, id, owner],
      ),
    );
    return rows.length > 0;
  }

  async postpone(id: string, owner: string, retryAt: string, error: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = ?, error = ?
       WHERE id = ? AND status = 'processing' AND lease_owner = ?
       RETURNING id`,
      [retryAt, error, id, owner],
    );
    return rows.length > 0;
  }

  async nextClaimAt(): Promise<string | undefined> {
    const [row] = await this.db.query(
      `SELECT MIN(CASE WHEN status = 'received' THEN received_at ELSE lease_until END) AS next
       FROM webhook_deliveries WHERE status IN ('received', 'processing')`,
    );
    return row === undefined ? undefined : (textOrNull(row, 'next') ?? undefined);
  }

  async purge(finishedBefore: string, limit: number): Promise<number> {
    // The subquery tests processed_at alone so that it can only walk the partial index
    // webhook_deliveries_finished (migration 0013): the batch is found without reading the
    // bodies (up to 25 MB each) of rows it skips. Only finished deliveries have a processed_at;
    // the outer status test says so again for the rows actually removed.
    const rows = await this.db.transaction((tx) =>
      tx.query(
        `DELETE FROM webhook_deliveries
         WHERE id IN (
           SELECT id FROM webhook_deliveries WHERE processed_at < ?
           ORDER BY processed_at, id LIMIT ?)
           AND status IN ('processed', 'ignored', 'failed')
         RETURNING id`,
        [finishedBefore, limit],
      ),
    );
    return rows.length;
  }
}

const STATUSES: readonly DeliveryStatus[] = [
  'received',
  'processing',
  'processed',
  'ignored',
  'failed',
];

function statusOf(value: string): DeliveryStatus {
  const status = STATUSES.find((s) => s === value);
  if (status === undefined) throw new TypeError('column status holds an unknown delivery status');
  return status;
}

function summaryFrom(row: Row): WebhookDeliverySummary {
  return {
    id: text(row, 'id'),
    connection: text(row, 'connection'),
    receivedAt: text(row, 'received_at'),
    event: text(row, 'event'),
    objectKind: textOrNull(row, 'object_kind'),
    dedupeKey: text(row, 'dedupe_key'),
    keySource: text(row, 'key_source'),
    contentKey: text(row, 'content_key'),
    status: statusOf(text(row, 'status')),
    attempts: integer(row, 'attempts'),
    outcome: textOrNull(row, 'outcome'),
    error: textOrNull(row, 'error'),
    processedAt: textOrNull(row, 'processed_at'),
  };
}

function recordFrom(row: Row): WebhookDeliveryRecord {
  return {
    ...summaryFrom(row),
    headers: text(row, 'headers'),
    body: text(row, 'body'),
    leaseOwner: textOrNull(row, 'lease_owner'),
    leaseUntil: textOrNull(row, 'lease_until'),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
