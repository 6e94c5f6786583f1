/**
 * GitLab connections in SQL, shared by the SQLite and PostgreSQL stores, with the small table
 * of executions GitLab CI jobs started. Rows hold secrets only sealed; sealing and opening
 * happen above the store, which never sees a plain token.
 */
import { StoreError } from '../errors.js';
import { decodePageToken, encodePageToken } from '../page-token.js';
import type {
  CiExecutionRecord,
  GitLabConnectionChange,
  GitLabConnectionRecord,
  GitLabConnectionStore,
  NewGitLabConnection,
  Page,
  PageRequest,
} from '../store.js';
import type { Row, SqlRunner, SqlValue } from './sql-runner.js';
import { text, textOrNull } from './sql-runner.js';

const COLUMNS =
  'name, base_url, token_sealed, webhook_secret_sealed, signing_token_sealed, id_token_issuer, jwks_url, ci_rules, created_at, updated_at';
const CI_COLUMNS =
  'execution_arn, connection, project_id, project_path, ref, pipeline_id, job_id, user_login, created_at';

/** Change members and their columns. */
const CHANGE_COLUMNS: readonly (readonly [keyof GitLabConnectionChange, string])[] = [
  ['baseUrl', 'base_url'],
  ['tokenSealed', 'token_sealed'],
  ['webhookSecretSealed', 'webhook_secret_sealed'],
  ['signingTokenSealed', 'signing_token_sealed'],
  ['idTokenIssuer', 'id_token_issuer'],
  ['jwksUrl', 'jwks_url'],
  ['ciRules', 'ci_rules'],
];

export class SqlGitLabConnectionStore implements GitLabConnectionStore {
  constructor(private readonly db: SqlRunner) {}

  async create(c: NewGitLabConnection): Promise<GitLabConnectionRecord> {
    return this.db.transaction(async (tx) => {
      const existing = await tx.query('SELECT name FROM gitlab_connections WHERE name = ?', [
        c.name,
      ]);
      if (existing.length > 0) {
        throw new StoreError(
          'ALREADY_EXISTS',
          `A GitLab connection named ${c.name} already exists; update it, or choose another name.`,
        );
      }
      const rows = await tx.query(
        `INSERT INTO gitlab_connections (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
        [
          c.name,
          c.baseUrl,
          c.tokenSealed,
          c.webhookSecretSealed,
          c.signingTokenSealed,
          c.idTokenIssuer,
          c.jwksUrl,
          c.ciRules,
          c.now,
          c.now,
        ],
      );
      return connectionFrom(one(rows));
    });
  }

  async get(name: string): Promise<GitLabConnectionRecord | undefined> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM gitlab_connections WHERE name = ?`, [
      name,
    ]);
    const row = rows[0];
    return row === undefined ? undefined : connectionFrom(row);
  }

  async list(page: PageRequest): Promise<Page<GitLabConnectionRecord>> {
    const after =
      page.after === undefined ? '' : String(decodePageToken(page.after, ['string'])[0] ?? '');
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM gitlab_connections WHERE name > ? ORDER BY name LIMIT ?`,
      [after, page.limit + 1],
    );
    const items = rows.map(connectionFrom);
    if (items.length <= page.limit) return { items };
    const shown = items.slice(0, page.limit);
    const last = shown[shown.length - 1];
    return last === undefined
      ? { items: shown }
      : { items: shown, nextToken: encodePageToken([last.name]) };
  }

  async listByIssuer(issuer: string): Promise<readonly GitLabConnectionRecord[]> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM gitlab_connections WHERE id_token_issuer = ? ORDER BY name`,
      [issuer],
    );
    return rows.map(connectionFrom);
  }

  async update(name: string, change: GitLabConnectionChange): Promise<GitLabConnectionRecord> {
    const sets: string[] = ['updated_at = ?'];
    const values: SqlValue[] = [change.now];
    for (const [member, column] of CHANGE_COLUMNS) {
      const value = change[member];
      if (value === undefined) continue;
      sets.push(`${column} = ?`);
      values.push(value);
    }
    const rows = await this.db.query(
      `UPDATE gitlab_connections SET ${sets.join(', ')} WHERE name = ? RETURNING ${COLUMNS}`,
      [...values, name],
    );
    const row = rows[0];
    if (row === undefined) throw notFound(name);
    return connectionFrom(row);
  }

  async delete(name: string): Promise<void> {
    const rows = await this.db.query(
      'DELETE FROM gitlab_connections WHERE name = ? RETURNING name',
      [name],
    );
    if (rows.length === 0) throw notFound(name);
  }

  async claimCiExecution(r: CiExecutionRecord): Promise<CiExecutionRecord> {
    await this.db.query(
      `INSERT INTO gitlab_ci_executions (${CI_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (execution_arn) DO NOTHING`,
      [
        r.executionArn,
        r.connection,
        r.projectId,
        r.projectPath,
        r.ref,
        r.pipelineId,
        r.jobId,
        r.userLogin,
        r.createdAt,
      ],
    );
    const stored = await this.getCiExecution(r.executionArn);
    if (stored === undefined) throw new Error('a claimed CI execution row vanished');
    return stored;
  }

  async getCiExecution(executionArn: string): Promise<CiExecutionRecord | undefined> {
    const rows = await this.db.query(
      `SELECT ${CI_COLUMNS} FROM gitlab_ci_executions WHERE execution_arn = ?`,
      [executionArn],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : {
          executionArn: text(row, 'execution_arn'),
          connection: text(row, 'connection'),
          projectId: text(row, 'project_id'),
          projectPath: text(row, 'project_path'),
          ref: text(row, 'ref'),
          pipelineId: text(row, 'pipeline_id'),
          jobId: text(row, 'job_id'),
          userLogin: textOrNull(row, 'user_login'),
          createdAt: text(row, 'created_at'),
        };
  }
}

function notFound(name: string): StoreError {
  return new StoreError('NOT_FOUND', `There is no GitLab connection named ${name}.`);
}

function connectionFrom(row: Row): GitLabConnectionRecord {
  return {
    name: text(row, 'name'),
    baseUrl: text(row, 'base_url'),
    tokenSealed: text(row, 'token_sealed'),
    webhookSecretSealed: textOrNull(row, 'webhook_secret_sealed'),
    signingTokenSealed: textOrNull(row, 'signing_token_sealed'),
    idTokenIssuer: text(row, 'id_token_issuer'),
    jwksUrl: text(row, 'jwks_url'),
    ciRules: text(row, 'ci_rules'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  };
}

function one(rows: readonly Row[]): Row {
  const row = rows[0];
  if (!row) throw new Error('expected a row from a statement that returns one');
  return row;
}
