/** Activities in SQL, shared by the SQLite and PostgreSQL stores. */
import { decodePageToken, paginate } from '../page-token.js';
import type { ActivityRecord, ActivityStore, Page, PageRequest } from '../store.js';
import type { Row, SqlRunner } from './sql-runner.js';
import { text } from './sql-runner.js';

export class SqlActivityStore implements ActivityStore {
  constructor(private readonly db: SqlRunner) {}

  async create(name: string, now: string): Promise<ActivityRecord> {
    await this.db.query(
      'INSERT INTO activities (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
      [name, now],
    );
    const created = await this.get(name);
    if (!created) throw new TypeError(`activity ${name} vanished right after it was created`);
    return created;
  }

  async get(name: string): Promise<ActivityRecord | undefined> {
    const [row] = await this.db.query('SELECT name, created_at FROM activities WHERE name = ?', [
      name,
    ]);
    return row === undefined ? undefined : activityFrom(row);
  }

  async list(page: PageRequest): Promise<Page<ActivityRecord>> {
    const after =
      page.after === undefined ? '' : String(decodePageToken(page.after, ['string'])[0]);
    const rows = await this.db.query(
      'SELECT name, created_at FROM activities WHERE name > ? ORDER BY name LIMIT ?',
      [after, page.limit + 1],
    );
    return paginate(rows.map(activityFrom), page.limit, (a) => [a.name]);
  }

  async delete(name: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM activities WHERE name = ? RETURNING name', [
      name,
    ]);
    return rows.length > 0;
  }
}

function activityFrom(row: Row): ActivityRecord {
  return { name: text(row, 'name'), createdAt: text(row, 'created_at') };
}
