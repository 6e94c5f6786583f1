/**
 * Access keys in SQL, shared by the SQLite and PostgreSQL stores. Rows hold the secret only
 * sealed; sealing and opening happen in identity/, which the store never imports.
 */
import { StoreError } from '../errors.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import type {
  AccessKeyRecord,
  AccessKeyStatus,
  AccessKeyStore,
  NewAccessKey,
  Page,
  PageRequest,
} from '../store.js';
import type { Row, SqlRunner } from './sql-runner.js';
import { text, textOrNull } from './sql-runner.js';

const COLUMNS = 'id, name, secret_sealed, status, created_at, updated_at, last_used_at';

export class SqlAccessKeyStore implements AccessKeyStore {
  constructor(private readonly db: SqlRunner) {}

  async create(key: NewAccessKey): Promise<AccessKeyRecord> {
    return this.db.transaction(async (tx) => {
      const existing = await tx.query('SELECT id FROM access_keys WHERE id = ?', [key.id]);
      if (existing.length > 0) {
        throw new StoreError(
          'ALREADY_EXISTS',
          `An access key with id ${key.id} already exists; generate a new id.`,
        );
      }
      const rows = await tx.query(
        `INSERT INTO access_keys (${COLUMNS}) VALUES (?, ?, ?, 'ACTIVE', ?, ?, NULL) RETURNING ${COLUMNS}`,
        [key.id, key.name, key.secretSealed, key.now, key.now],
      );
      return keyFrom(one(rows));
    });
  }

  async createFirst(key: NewAccessKey): Promise<AccessKeyRecord | undefined> {
    return this.db.transaction(async (tx) => {
      // The claim row first: a concurrent claimer blocks on it until this commits, then finds
      // it taken (PostgreSQL); SQLite runs one writer at a time anyway.
      const claimed = await tx.query(
        `INSERT INTO first_key_claim (name, claimed_at) VALUES ('admin', ?)
         ON CONFLICT (name) DO NOTHING RETURNING name`,
        [key.now],
      );
      if (claimed.length === 0) return undefined;
      // A database from before the claim existed may already hold keys.
      const existing = await tx.query('SELECT id FROM access_keys LIMIT 1', []);
      if (existing.length > 0) return undefined;
      const rows = await tx.query(
        `INSERT INTO access_keys (${COLUMNS}) VALUES (?, ?, ?, 'ACTIVE', ?, ?, NULL) RETURNING ${COLUMNS}`,
        [key.id, key.name, key.secretSealed, key.now, key.now],
      );
      return keyFrom(one(rows));
    });
  }

  async get(id: string): Promise<AccessKeyRecord | undefined> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM access_keys WHERE id = ?`, [id]);
    const row = rows[0];
    return row === undefined ? undefined : keyFrom(row);
  }

  async list(page: PageRequest): Promise<Page<AccessKeyRecord>> {
    const [afterCreated, afterId] =
      page.after === undefined
        ? ['', '']
        : decodePageToken(page.after, ['string', 'string']).map(String);
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM access_keys
       WHERE created_at > ? OR (created_at = ? AND id > ?)
       ORDER BY created_at, id LIMIT ?`,
      [afterCreated ?? '', afterCreated ?? '', afterId ?? '', page.limit + 1],
    );
    const items = rows.map(keyFrom);
    if (items.length <= page.limit) return { items };
    const shown = items.slice(0, page.limit);
    const last = shown[shown.length - 1];
    return last === undefined
      ? { items: shown }
      : { items: shown, nextToken: encodePageToken([last.createdAt, last.id]) };
  }

  async setStatus(id: string, status: AccessKeyStatus, now: string): Promise<AccessKeyRecord> {
    const rows = await this.db.query(
      `UPDATE access_keys SET status = ?, updated_at = ? WHERE id = ? RETURNING ${COLUMNS}`,
      [status, now, id],
    );
    const row = rows[0];
    if (row === undefined) throw notFound(id);
    return keyFrom(row);
  }

  async delete(id: string): Promise<void> {
    const rows = await this.db.query('DELETE FROM access_keys WHERE id = ? RETURNING id', [id]);
    if (rows.length === 0) throw notFound(id);
  }

  async recordUse(id: string, at: string): Promise<void> {
    await this.db.query(
      'UPDATE access_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
      [at, id, at],
    );
  }
}

function notFound(id: string): StoreError {
  return new StoreError('NOT_FOUND', `There is no access key ${id}.`);
}

function keyFrom(row: Row): AccessKeyRecord {
  return {
    id: text(row, 'id'),
    name: text(row, 'name'),
    secretSealed: text(row, 'secret_sealed'),
    status: statusOf(text(row, 'status')),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
    lastUsedAt: textOrNull(row, 'last_used_at'),
  };
}

function statusOf(value: string): AccessKeyStatus {
  if (value === 'ACTIVE' || value === 'DISABLED') return value;
  throw new TypeError(`column status holds an unknown access key status`);
}

function one(rows: readonly Row[]): Row {
  const row = rows[0];
  if (!row) throw new Error('expected a row from a statement that returns one');
  return row;
}
