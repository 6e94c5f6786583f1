/**
 * The little each database must provide for the shared SQL code: queries with `?`
 * placeholders, and transactions. SQLite and PostgreSQL both speak the SQL used here
 * (`ON CONFLICT ... DO UPDATE`, `RETURNING`), so the registry logic exists once.
 */
export type SqlValue = string | number | null;
export type Row = Readonly<Record<string, unknown>>;

export interface SqlRunner {
  /** Where the few dialect differences are (row-locking clauses). */
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs a query and returns its rows. `?` placeholders, in order. */
  query(sql: string, params?: readonly SqlValue[]): Promise<readonly Row[]>;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws.
   * Nested calls join the outer transaction.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

/** Reads a column that must be a string. @throws TypeError naming the column otherwise. */
export function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new TypeError(`column ${column} is not text`);
  return value;
}

/** Reads a nullable text column. */
export function textOrNull(row: Row, column: string): string | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new TypeError(`column ${column} is not text`);
  return value;
}

/** Reads an integer column (PostgreSQL returns BIGINT as a string). */
export function integer(row: Row, column: string): number {
  const value = row[column];
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
    throw new TypeError(`column ${column} is not an integer`);
  }
  return number;
}

/** A driver's row as a Row. @throws TypeError for anything but a plain object. */
export function toRow(value: unknown): Row {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('the database driver returned a row that is not an object');
  }
  return Object.fromEntries(Object.entries(value));
}

/** The codes each driver gives a broken constraint: PostgreSQL's SQLSTATE, better-sqlite3's. */
const VIOLATIONS = {
  unique: ['23505', 'SQLITE_CONSTRAINT_UNIQUE'],
  'foreign key': ['23503', 'SQLITE_CONSTRAINT_FOREIGNKEY'],
} as const;

/** Whether `error` is the database refusing a write for breaking a `kind` constraint. */
export function isViolation(error: unknown, kind: keyof typeof VIOLATIONS): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const { code } = error;
  return VIOLATIONS[kind].some((known) => known === code);
}
