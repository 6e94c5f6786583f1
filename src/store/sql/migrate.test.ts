import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMigrations } from './migrate.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const [file, sql] of [
  ['0002_b.sql', 'shared b'],
  ['0001_a.sql', 'shared a'],
  ['0002_b.postgres.sql', 'postgres b'],
  ['0003_c.sqlite.sql', 'sqlite only c'],
  ['notes.txt', 'ignored'],
  ['0004_Bad-Name.sql', 'ignored'],
]) {
  writeFileSync(join(dir, file ?? ''), sql ?? '');
}
const url = new URL(`${pathToFileURL(dir).href}/`);

describe('loadMigrations', () => {
  it('takes the shared file of each number, in order', () => {
    expect(loadMigrations('sqlite', url)).toEqual([
      { id: '0001_a', sql: 'shared a' },
      { id: '0002_b', sql: 'shared b' },
      { id: '0003_c', sql: 'sqlite only c' },
    ]);
  });

  it("prefers the dialect's own version and skips the other dialect's", () => {
    expect(loadMigrations('postgres', url)).toEqual([
      { id: '0001_a', sql: 'shared a' },
      { id: '0002_b', sql: 'postgres b' },
    ]);
  });

  it('finds the shipped migrations: numbered 0001 upwards with no gap, the same for both dialects', () => {
    const ids = loadMigrations('sqlite').map((m) => m.id);
    expect(ids.slice(0, 5)).toEqual([
      '0001_workflows',
      '0002_executions',
      '0003_due_work',
      '0004_execution_definition',
      '0005_activities',
    ]);
    expect(ids.map((id) => Number(id.slice(0, 4)))).toEqual(ids.map((_, i) => i + 1));
    expect(loadMigrations('postgres').map((m) => m.id)).toEqual(ids);
  });
});
