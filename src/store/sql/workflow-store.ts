/**
 * Workflows, versions and aliases in SQL, shared by the SQLite and PostgreSQL stores.
 * Instants are stored as fixed-width UTC ISO-8601 text, which sorts chronologically in both.
 */
import { StoreError } from '../errors.js';
import { decodePageToken, paginate } from '../page-token.js';
import { checkRouting } from '../routing.js';
import type {
  AliasRoute,
  CreateWorkflow,
  Page,
  PageRequest,
  PublishVersion,
  PutAlias,
  UpdateWorkflow,
  WorkflowAlias,
  WorkflowRecord,
  WorkflowStore,
  WorkflowType,
  WorkflowVersion,
} from '../store.js';
import { MAX_TAGS_PER_RESOURCE, MAX_VERSIONS_PER_WORKFLOW } from '../store.js';
import type { Row, SqlRunner } from './sql-runner.js';
import { integer, text, textOrNull } from './sql-runner.js';
import { ReadBatcher } from './read-batcher.js';
import { deleteTags, insertTags } from './tag-store.js';

const WORKFLOW_COLUMNS =
  'name, definition, role_arn, type, description, revision_id, created_at, updated_at';
const VERSION_COLUMNS =
  'workflow, version, definition, role_arn, type, revision_id, description, created_at';

export class SqlWorkflowStore implements WorkflowStore {
  /**
   * PostgreSQL: every start reads its workflow, and a burst of starts (the API, a Map Run) made
   * a round trip each on a shared pool; concurrent reads now share one query.
   */
  private readonly reads: ReadBatcher<WorkflowRecord> | undefined;

  constructor(private readonly db: SqlRunner) {
    this.reads =
      db.dialect === 'postgres'
        ? new ReadBatcher((names) => getWorkflows(db, names), WORKFLOW_READS_IN_FLIGHT)
        : undefined;
  }

  async create(input: CreateWorkflow): Promise<WorkflowRecord> {
    return this.db.transaction(async (tx) => {
      const existing = await getWorkflow(tx, input.name);
      if (existing) {
        const same =
          existing.definition === input.definition &&
          existing.roleArn === input.roleArn &&
          existing.type === input.type;
        if (same) return existing;
        throw new StoreError(
          'ALREADY_EXISTS',
          `A workflow named "${input.name}" already exists with a different definition, role or type; update it instead, or choose another name.`,
        );
      }
      const rows = await tx.query(
        `INSERT INTO workflows (${WORKFLOW_COLUMNS}, next_version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING ${WORKFLOW_COLUMNS}`,
        [
          input.name,
          input.definition,
          input.roleArn,
          input.type,
          input.description,
          input.revisionId,
          input.now,
          input.now,
        ],
      );
      const tags = input.tags ?? [];
      if (new Set(tags.map((t) => t.key)).size > MAX_TAGS_PER_RESOURCE) {
        throw new StoreError(
          'LIMIT_EXCEEDED',
          `A workflow may carry at most ${MAX_TAGS_PER_RESOURCE} tags; ${tags.length} were given.`,
        );
      }
      await insertTags(tx, { kind: 'workflow', name: input.name }, tags);
      return workflowFrom(one(rows));
    });
  }

  async update(name: string, changes: UpdateWorkflow): Promise<WorkflowRecord> {
    return this.db.transaction(async (tx) => {
      const current = await mustGetWorkflow(tx, name);
      const rows = await tx.query(
        `UPDATE workflows SET definition = ?, role_arn = ?, description = ?, revision_id = ?, updated_at = ?
         WHERE name = ? RETURNING ${WORKFLOW_COLUMNS}`,
        [
          changes.definition ?? current.definition,
          changes.roleArn === undefined ? current.roleArn : changes.roleArn,
          changes.description === undefined ? current.description : changes.description,
          changes.revisionId,
          changes.now,
          name,
        ],
      );
      return workflowFrom(one(rows));
    });
  }

  async delete(name: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await mustGetWorkflow(tx, name);
      // Routes first: they hold the versions against deletion (ON DELETE RESTRICT).
      await tx.query('DELETE FROM alias_routes WHERE workflow = ?', [name]);
      await tx.query('DELETE FROM workflow_aliases WHERE workflow = ?', [name]);
      await tx.query('DELETE FROM workflow_versions WHERE workflow = ?', [name]);
      await deleteTags(tx, { kind: 'workflow', name });
      await tx.query('DELETE FROM workflows WHERE name = ?', [name]);
    });
  }

  get(name: string): Promise<WorkflowRecord | undefined> {
    return this.reads === undefined ? getWorkflow(this.db, name) : this.reads.read(name);
  }

  async list(page: PageRequest): Promise<Page<WorkflowRecord>> {
    const after =
      page.after === undefined ? '' : String(decodePageToken(page.after, ['string'])[0]);
    const rows = await this.db.query(
      `SELECT ${WORKFLOW_COLUMNS} FROM workflows WHERE name > ? ORDER BY name LIMIT ?`,
      [after, page.limit + 1],
    );
    return paginate(rows.map(workflowFrom), page.limit, (w) => [w.name]);
  }

  async publishVersion(name: string, input: PublishVersion): Promise<WorkflowVersion> {
    return this.db.transaction(async (tx) => {
      // A no-op UPDATE takes the workflow's row lock in PostgreSQL (SQLite's BEGIN IMMEDIATE
      // already excludes other writers), so concurrent publishes of one workflow run one after
      // the other and see each other's versions; `SELECT ... FOR UPDATE` is not SQLite syntax.
      await tx.query('UPDATE workflows SET next_version = next_version WHERE name = ?', [name]);
      const rows = await tx.query(
        `SELECT ${WORKFLOW_COLUMNS}, next_version FROM workflows WHERE name = ?`,
        [name],
      );
      const row = rows[0];
      if (!row) throw notFound(name);
      const current = workflowFrom(row);
      if (
        input.expectedRevisionId !== undefined &&
        input.expectedRevisionId !== current.revisionId
      ) {
        throw new StoreError(
          'CONFLICT',
          `Workflow "${name}" is at revision ${current.revisionId}, not ${input.expectedRevisionId}: it changed since you read it. Describe it again and retry.`,
        );
      }
      const published = await tx.query(
        `SELECT ${VERSION_COLUMNS} FROM workflow_versions WHERE workflow = ? AND revision_id = ?`,
        [name, current.revisionId],
      );
      const already = published[0];
      if (already) return versionFrom(already);
      const count = integer(
        one(
          await tx.query('SELECT COUNT(*) AS n FROM workflow_versions WHERE workflow = ?', [name]),
        ),
        'n',
      );
      if (count >= MAX_VERSIONS_PER_WORKFLOW) {
        throw new StoreError(
          'LIMIT_EXCEEDED',
          `Workflow "${name}" has ${count} versions, the most allowed; delete versions no alias uses before publishing more.`,
        );
      }
      // Version numbers are never reused, even after a version is deleted (as in AWS).
      const version = integer(row, 'next_version');
      await tx.query('UPDATE workflows SET next_version = ? WHERE name = ?', [version + 1, name]);
      const inserted = await tx.query(
        `INSERT INTO workflow_versions (${VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         RETURNING ${VERSION_COLUMNS}`,
        [
          name,
          version,
          current.definition,
          current.roleArn,
          current.type,
          current.revisionId,
          input.description,
          input.now,
        ],
      );
      return versionFrom(one(inserted));
    });
  }

  async getVersion(name: string, version: number): Promise<WorkflowVersion | undefined> {
    const rows = await this.db.query(
      `SELECT ${VERSION_COLUMNS} FROM workflow_versions WHERE workflow = ? AND version = ?`,
      [name, version],
    );
    return rows[0] ? versionFrom(rows[0]) : undefined;
  }

  async listVersions(name: string, page: PageRequest): Promise<Page<WorkflowVersion>> {
    await mustGetWorkflow(this.db, name);
    // Versions are INTEGER columns: the first page starts below the largest 32-bit value.
    const before =
      page.after === undefined ? 2_147_483_647 : Number(decodePageToken(page.after, ['number'])[0]);
    const rows = await this.db.query(
      `SELECT ${VERSION_COLUMNS} FROM workflow_versions WHERE workflow = ? AND version < ?
       ORDER BY version DESC LIMIT ?`,
      [name, before, page.limit + 1],
    );
    return paginate(rows.map(versionFrom), page.limit, (v) => [v.version]);
  }

  async deleteVersion(name: string, version: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await this.getVersionIn(tx, name, version))) {
        throw new StoreError('NOT_FOUND', `Workflow "${name}" has no version ${version}.`);
      }
      const routes = await tx.query(
        'SELECT alias FROM alias_routes WHERE workflow = ? AND version = ? ORDER BY alias',
        [name, version],
      );
      if (routes.length > 0) {
        const aliases = routes.map((r) => `"${text(r, 'alias')}"`).join(', ');
        throw new StoreError(
          'IN_USE',
          `Version ${version} of workflow "${name}" is routed to by alias ${aliases}; update or delete the alias first.`,
        );
      }
      await tx.query('DELETE FROM workflow_versions WHERE workflow = ? AND version = ?', [
        name,
        version,
      ]);
    });
  }

  async putAlias(workflow: string, alias: string, input: PutAlias): Promise<WorkflowAlias> {
    checkRouting(input.routing);
    return this.db.transaction(async (tx) => {
      await mustGetWorkflow(tx, workflow);
      for (const route of input.routing) {
        if (!(await this.getVersionIn(tx, workflow, route.version))) {
          throw new StoreError(
            'NOT_FOUND',
            `Workflow "${workflow}" has no version ${route.version}; publish it first or route to an existing version.`,
          );
        }
      }
      await tx.query(
        `INSERT INTO workflow_aliases (workflow, name, description, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (workflow, name) DO UPDATE SET description = excluded.description,
           updated_at = excluded.updated_at`,
        [workflow, alias, input.description, input.now, input.now],
      );
      await tx.query('DELETE FROM alias_routes WHERE workflow = ? AND alias = ?', [
        workflow,
        alias,
      ]);
      for (const route of input.routing) {
        await tx.query(
          'INSERT INTO alias_routes (workflow, alias, version, weight) VALUES (?, ?, ?, ?)',
          [workflow, alias, route.version, route.weight],
        );
      }
      const stored = await getAlias(tx, workflow, alias);
      if (!stored) throw new Error(`alias ${alias} vanished inside its own transaction`);
      return stored;
    });
  }

  getAlias(workflow: string, alias: string): Promise<WorkflowAlias | undefined> {
    return getAlias(this.db, workflow, alias);
  }

  async listAliases(workflow: string, page: PageRequest): Promise<Page<WorkflowAlias>> {
    await mustGetWorkflow(this.db, workflow);
    const after =
      page.after === undefined ? '' : String(decodePageToken(page.after, ['string'])[0]);
    const rows = await this.db.query(
      `SELECT name FROM workflow_aliases WHERE workflow = ? AND name > ? ORDER BY name LIMIT ?`,
      [workflow, after, page.limit + 1],
    );
    const aliases: WorkflowAlias[] = [];
    for (const row of rows) {
      const found = await getAlias(this.db, workflow, text(row, 'name'));
      if (found) aliases.push(found);
    }
    return paginate(aliases, page.limit, (a) => [a.name]);
  }

  async deleteAlias(workflow: string, alias: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await getAlias(tx, workflow, alias))) {
        throw new StoreError('NOT_FOUND', `Workflow "${workflow}" has no alias "${alias}".`);
      }
      await tx.query('DELETE FROM alias_routes WHERE workflow = ? AND alias = ?', [
        workflow,
        alias,
      ]);
      await tx.query('DELETE FROM workflow_aliases WHERE workflow = ? AND name = ?', [
        workflow,
        alias,
      ]);
    });
  }

  private async getVersionIn(db: SqlRunner, name: string, version: number): Promise<boolean> {
    const rows = await db.query(
      'SELECT 1 AS found FROM workflow_versions WHERE workflow = ? AND version = ?',
      [name, version],
    );
    return rows.length > 0;
  }
}

async function getWorkflow(db: SqlRunner, name: string): Promise<WorkflowRecord | undefined> {
  const rows = await db.query(`SELECT ${WORKFLOW_COLUMNS} FROM workflows WHERE name = ?`, [name]);
  return rows[0] ? workflowFrom(rows[0]) : undefined;
}

/** Batched workflow reads running at once. */
const WORKFLOW_READS_IN_FLIGHT = 2;

async function getWorkflows(
  db: SqlRunner,
  names: readonly string[],
): Promise<ReadonlyMap<string, WorkflowRecord>> {
  const rows = await db.query(
    `SELECT ${WORKFLOW_COLUMNS} FROM workflows WHERE name IN (SELECT json_array_elements_text(?::json))`,
    [JSON.stringify(names)],
  );
  return new Map(rows.map((row) => workflowFrom(row)).map((workflow) => [workflow.name, workflow]));
}

async function mustGetWorkflow(db: SqlRunner, name: string): Promise<WorkflowRecord> {
  const found = await getWorkflow(db, name);
  if (!found) throw notFound(name);
  return found;
}

async function getAlias(
  db: SqlRunner,
  workflow: string,
  alias: string,
): Promise<WorkflowAlias | undefined> {
  const rows = await db.query(
    'SELECT workflow, name, description, created_at, updated_at FROM workflow_aliases WHERE workflow = ? AND name = ?',
    [workflow, alias],
  );
  const row = rows[0];
  if (!row) return undefined;
  const routes = await db.query(
    'SELECT version, weight FROM alias_routes WHERE workflow = ? AND alias = ? ORDER BY version',
    [workflow, alias],
  );
  const routing: AliasRoute[] = routes.map((r) => ({
    version: integer(r, 'version'),
    weight: integer(r, 'weight'),
  }));
  return {
    workflow: text(row, 'workflow'),
    name: text(row, 'name'),
    description: textOrNull(row, 'description'),
    routing,
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  };
}

function notFound(name: string): StoreError {
  return new StoreError('NOT_FOUND', `There is no workflow named "${name}".`);
}

function workflowFrom(row: Row): WorkflowRecord {
  return {
    name: text(row, 'name'),
    definition: text(row, 'definition'),
    roleArn: textOrNull(row, 'role_arn'),
    type: workflowType(text(row, 'type')),
    description: textOrNull(row, 'description'),
    revisionId: text(row, 'revision_id'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  };
}

function versionFrom(row: Row): WorkflowVersion {
  return {
    workflow: text(row, 'workflow'),
    version: integer(row, 'version'),
    definition: text(row, 'definition'),
    roleArn: textOrNull(row, 'role_arn'),
    type: workflowType(text(row, 'type')),
    revisionId: text(row, 'revision_id'),
    description: textOrNull(row, 'description'),
    createdAt: text(row, 'created_at'),
  };
}

function workflowType(value: string): WorkflowType {
  if (value === 'STANDARD' || value === 'EXPRESS') return value;
  throw new TypeError(`stored workflow type ${value} is not STANDARD or EXPRESS`);
}

function one(rows: readonly Row[]): Row {
  const row = rows[0];
  if (!row) throw new Error('expected a row from a statement that returns one');
  return row;
}

/** Turns `limit + 1` rows into a page: the extra row says there is a next page. */
