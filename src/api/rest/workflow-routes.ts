/**
 * Workflows: list, get (with the current definition, versions and aliases), create and
 * update from JSON or YAML text (diagnostics with line and column from our validator),
 * delete, publish a version, point an alias.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { isJsonArray, isJsonObject, getOwn } from '../../common/index.js';
import { readDefinitionText } from '../../definition-source/index.js';
import { checkName, EngineError } from '../../engine/index.js';
import type { Diagnostic } from '../../language/index.js';
import { formatTimestamp, validateDefinition } from '../../language/index.js';
import type {
  AliasRoute,
  WorkflowAlias,
  WorkflowRecord,
  WorkflowType,
  WorkflowVersion,
} from '../../store/index.js';
import { checkDefinitionText } from '../sfn/index.js';
import type { Problem } from './errors.js';
import { RestError, invalid, notFound } from './errors.js';
import { Fields, parseJsonBody } from './input.js';
import { listPage, readPage } from './pages.js';
import type { RestCall, RestContext, RestRoute } from './route.js';
import { PAGE_QUERY, PAGE_QUERY_NAMES, ok } from './route.js';
import {
  ALIAS_SCHEMA,
  VERSION_SCHEMA,
  WORKFLOW_SCHEMA,
  WORKFLOW_SUMMARY_SCHEMA,
  listOf,
} from './schemas.js';

const TYPES: readonly WorkflowType[] = ['STANDARD', 'EXPRESS'];
const MAX_DEFINITION_CHARS = 1_048_576;
const ALIAS_NAME = /^(?=.*[a-zA-Z_\-.])[a-zA-Z0-9_\-.]{1,80}$/;

const NAME_PARAM = {
  name: { description: 'The workflow name.', schema: { type: 'string' }, required: true },
} as const;

const DEFINITION_BODY = {
  definition: {
    type: 'string',
    description: 'ASL as JSON or YAML text (YAML is stored converted to JSON).',
  },
  format: {
    enum: ['json', 'yaml'],
    description: 'Default: JSON when the text starts with { or [, else YAML.',
  },
  description: { type: ['string', 'null'], maxLength: 256 },
} as const;

function summary(context: RestContext, workflow: WorkflowRecord): JsonObject {
  return {
    name: workflow.name,
    arn: context.arns.stateMachine(workflow.name),
    type: workflow.type,
    description: workflow.description,
    revisionId: workflow.revisionId,
    createdAt: workflow.createdAt,
    updatedAt: workflow.updatedAt,
  };
}

function versionShape(context: RestContext, version: WorkflowVersion): JsonObject {
  return {
    version: version.version,
    arn: context.arns.version(version.workflow, version.version),
    description: version.description,
    revisionId: version.revisionId,
    createdAt: version.createdAt,
  };
}

function aliasShape(context: RestContext, alias: WorkflowAlias): JsonObject {
  return {
    name: alias.name,
    arn: context.arns.alias(alias.workflow, alias.name),
    description: alias.description,
    routing: alias.routing.map((route) => ({ version: route.version, weight: route.weight })),
    createdAt: alias.createdAt,
    updatedAt: alias.updatedAt,
  };
}

/** @throws RestError VALIDATION (location path) for a name the engine would refuse. */
function requireWorkflowName(name: string, location: Problem['location'], pointer: string): void {
  try {
    checkName('workflow', name);
  } catch (error: unknown) {
    if (error instanceof EngineError)
      throw invalid([{ location, pointer, message: error.message }]);
    throw error;
  }
}

async function existingWorkflow(call: RestCall): Promise<WorkflowRecord> {
  const name = call.params['name'] ?? '';
  requireWorkflowName(name, 'path', '/name');
  const workflow = await call.context.store.workflows.get(name);
  if (workflow === undefined) throw notFound(`workflow named ${JSON.stringify(name)}`);
  return workflow;
}

function toProblem(diagnostic: Diagnostic): Problem {
  return {
    location: 'definition',
    pointer: diagnostic.pointer,
    code: diagnostic.code,
    line: diagnostic.line,
    column: diagnostic.column,
    message: diagnostic.message,
  };
}

/**
 * The definition text to store (JSON: as given; YAML: converted), after parsing and
 * validating it for `type`.
 * @throws RestError VALIDATION with every diagnostic, each with its line and column.
 */
function acceptDefinition(
  text: string,
  format: 'json' | 'yaml' | undefined,
  type: WorkflowType,
): string {
  const parsed = readDefinitionText(
    text,
    format === undefined ? undefined : `definition.${format}`,
  );
  if (!parsed.ok) throw invalid(parsed.diagnostics.map(toProblem));
  const validated = validateDefinition(parsed.value, parsed.sourceMap);
  const diagnostics = [...parsed.diagnostics, ...(validated.ok ? [] : validated.diagnostics)];
  if (diagnostics.length > 0) {
    throw invalid(
      [...diagnostics].sort((a, b) => a.line - b.line || a.column - b.column).map(toProblem),
    );
  }
  const isJson = format === 'json' || (format === undefined && /^\uFEFF?\s*[{[]/.test(text));
  const json = isJson ? text : JSON.stringify(parsed.value, null, 2);
  // The checks the Step Functions API makes too (Express patterns).
  const checked = checkDefinitionText(json, type);
  if (!checked.ok) throw invalid(checked.diagnostics.map(toProblem));
  return json;
}

function readDefinitionFields(fields: Fields, required: boolean) {
  const definition = fields.string('definition', { required, min: 1, max: MAX_DEFINITION_CHARS });
  const format = fields.enumOf('format', ['json', 'yaml'] as const);
  const description =
    fields.raw('description') === null ? null : fields.string('description', { max: 256 });
  return { definition, format, description };
}

function readRouting(fields: Fields): AliasRoute[] {
  const value = fields.raw('routing');
  const routes: AliasRoute[] = [];
  if (!isJsonArray(value) || value.length < 1 || value.length > 2) {
    fields.problem('routing', 'must be an array of one or two {version, weight} objects');
    return routes;
  }
  value.forEach((item: JsonValue, i) => {
    const version = isJsonObject(item) ? getOwn(item, 'version') : undefined;
    const weight = isJsonObject(item) ? getOwn(item, 'weight') : undefined;
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
      fields.problem(`routing/${i}/version`, 'must be a positive integer');
    } else if (
      typeof weight !== 'number' ||
      !Number.isSafeInteger(weight) ||
      weight < 0 ||
      weight > 100
    ) {
      fields.problem(`routing/${i}/weight`, 'must be an integer from 0 to 100');
    } else routes.push({ version, weight });
  });
  return routes;
}

export const WORKFLOW_ROUTES: readonly RestRoute[] = [
  {
    method: 'GET',
    path: '/workflows',
    operationId: 'listWorkflows',
    summary: 'Lists workflows by name.',
    query: PAGE_QUERY,
    responses: {
      200: {
        description: 'One page of workflows.',
        schema: listOf('workflows', WORKFLOW_SUMMARY_SCHEMA),
      },
    },
    handle: async (call) => {
      const fields = new Fields(call.query, 'query', PAGE_QUERY_NAMES);
      const page = readPage(fields);
      fields.check();
      const result = await listPage(call.context, page, ['listWorkflows'], (r) =>
        call.context.store.workflows.list(r),
      );
      return ok({
        workflows: result.items.map((w) => summary(call.context, w)),
        ...(result.nextToken === undefined ? {} : { nextToken: result.nextToken }),
      });
    },
  },
  {
    method: 'POST',
    path: '/workflows',
    operationId: 'createWorkflow',
    summary: 'Creates a workflow from JSON or YAML definition text.',
    body: {
      required: true,
      schema: {
        type: 'object',
        required: ['name', 'definition'],
        properties: { name: { type: 'string' }, type: { enum: TYPES }, ...DEFINITION_BODY },
      },
    },
    responses: {
      201: { description: 'Created.', schema: WORKFLOW_SCHEMA },
      200: {
        description: 'It existed with the same definition and type: unchanged.',
        schema: WORKFLOW_SCHEMA,
      },
    },
    handle: async (call) => {
      const fields = new Fields(parseJsonBody(call.body), 'body', [
        'name',
        'type',
        'definition',
        'format',
        'description',
      ]);
      const name = fields.string('name', { required: true });
      const type = fields.enumOf('type', TYPES) ?? 'STANDARD';
      const { definition, format, description } = readDefinitionFields(fields, true);
      fields.check();
      requireWorkflowName(name, 'body', '/name');
      const text = acceptDefinition(definition ?? '', format, type);
      const { store } = call.context;
      const existing = await store.workflows.get(name);
      if (existing !== undefined) {
        if (existing.definition === text && existing.type === type)
          return ok(await detail(call.context, existing));
        throw new RestError(
          'CONFLICT',
          `A workflow named ${JSON.stringify(name)} exists: update it with PUT /api/v1/workflows/${encodeURIComponent(name)}.`,
        );
      }
      const created = await store.workflows.create({
        name,
        definition: text,
        roleArn: null,
        type,
        description: description ?? null,
        revisionId: call.context.newId(),
        now: formatTimestamp(call.context.clock.nowMs()),
      });
      return ok(await detail(call.context, created), 201);
    },
  },
  {
    method: 'GET',
    path: '/workflows/:name',
    operationId: 'getWorkflow',
    summary:
      'A workflow with its current definition, its versions (newest 100) and aliases (first 100).',
    params: NAME_PARAM,
    responses: { 200: { description: 'The workflow.', schema: WORKFLOW_SCHEMA } },
    handle: async (call) => ok(await detail(call.context, await existingWorkflow(call))),
  },
  {
    method: 'PUT',
    path: '/workflows/:name',
    operationId: 'updateWorkflow',
    summary: 'Replaces the definition and/or description of a workflow (a new revision).',
    params: NAME_PARAM,
    body: { required: true, schema: { type: 'object', properties: DEFINITION_BODY } },
    responses: { 200: { description: 'The updated workflow.', schema: WORKFLOW_SCHEMA } },
    handle: async (call) => {
      const fields = new Fields(parseJsonBody(call.body), 'body', [
        'definition',
        'format',
        'description',
      ]);
      const { definition, format, description } = readDefinitionFields(fields, false);
      if (definition === undefined && !fields.has('description')) {
        fields.problem('definition', 'give a definition or a description to change');
      }
      fields.check();
      const workflow = await existingWorkflow(call);
      const text =
        definition === undefined ? undefined : acceptDefinition(definition, format, workflow.type);
      const updated = await call.context.store.workflows.update(workflow.name, {
        ...(text === undefined ? {} : { definition: text }),
        ...(description === undefined ? {} : { description }),
        revisionId: call.context.newId(),
        now: formatTimestamp(call.context.clock.nowMs()),
      });
      return ok(await detail(call.context, updated));
    },
  },
  {
    method: 'DELETE',
    path: '/workflows/:name',
    operationId: 'deleteWorkflow',
    summary: 'Deletes a workflow with its versions, aliases and tags (executions stay).',
    params: NAME_PARAM,
    responses: { 204: { description: 'Deleted.' } },
    handle: async (call) => {
      const workflow = await existingWorkflow(call);
      await call.context.store.workflows.delete(workflow.name);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: '/workflows/:name/versions',
    operationId: 'publishVersion',
    summary:
      'Publishes the current revision as the next version (the same version if already published).',
    params: NAME_PARAM,
    body: {
      required: false,
      schema: {
        type: 'object',
        properties: {
          description: { type: 'string', maxLength: 256 },
          revisionId: {
            type: 'string',
            description: 'Publish only if the workflow is still at this revision (else 409).',
          },
        },
      },
    },
    responses: { 201: { description: 'The version.', schema: VERSION_SCHEMA } },
    handle: async (call) => {
      const fields = new Fields(parseJsonBody(call.body), 'body', ['description', 'revisionId']);
      const description = fields.string('description', { max: 256 });
      const revisionId = fields.string('revisionId', { min: 1, max: 256 });
      fields.check();
      const workflow = await existingWorkflow(call);
      const version = await call.context.store.workflows.publishVersion(workflow.name, {
        description: description ?? null,
        ...(revisionId === undefined ? {} : { expectedRevisionId: revisionId }),
        now: formatTimestamp(call.context.clock.nowMs()),
      });
      return ok(versionShape(call.context, version), 201);
    },
  },
  {
    method: 'PUT',
    path: '/workflows/:name/aliases/:alias',
    operationId: 'putAlias',
    summary: 'Creates or moves an alias: one version, or two with weights summing to 100.',
    params: {
      ...NAME_PARAM,
      alias: {
        description: 'The alias name (e.g. prod).',
        schema: { type: 'string', pattern: ALIAS_NAME.source },
        required: true,
      },
    },
    body: {
      required: true,
      schema: {
        type: 'object',
        required: ['routing'],
        properties: {
          routing: {
            type: 'array',
            minItems: 1,
            maxItems: 2,
            items: {
              type: 'object',
              required: ['version', 'weight'],
              properties: {
                version: { type: 'integer', minimum: 1 },
                weight: { type: 'integer', minimum: 0, maximum: 100 },
              },
            },
          },
          description: { type: ['string', 'null'], maxLength: 256 },
        },
      },
    },
    responses: { 200: { description: 'The alias.', schema: ALIAS_SCHEMA } },
    handle: async (call) => {
      const alias = call.params['alias'] ?? '';
      if (!ALIAS_NAME.test(alias)) {
        throw invalid([
          {
            location: 'path',
            pointer: '/alias',
            message: 'must be 1 to 80 letters, digits, _ - . with at least one non-digit',
          },
        ]);
      }
      const fields = new Fields(parseJsonBody(call.body), 'body', ['routing', 'description']);
      const routing = readRouting(fields);
      const description =
        fields.raw('description') === null ? null : fields.string('description', { max: 256 });
      fields.check();
      if (routing.reduce((sum, r) => sum + r.weight, 0) !== 100) {
        throw invalid([
          { location: 'body', pointer: '/routing', message: 'the weights must sum to 100' },
        ]);
      }
      const workflow = await existingWorkflow(call);
      const put = await call.context.store.workflows.putAlias(workflow.name, alias, {
        description: description ?? null,
        routing,
        now: formatTimestamp(call.context.clock.nowMs()),
      });
      return ok(aliasShape(call.context, put));
    },
  },
];

async function detail(context: RestContext, workflow: WorkflowRecord): Promise<JsonObject> {
  const [versions, aliases] = await Promise.all([
    context.store.workflows.listVersions(workflow.name, { limit: 100 }),
    context.store.workflows.listAliases(workflow.name, { limit: 100 }),
  ]);
  return {
    ...summary(context, workflow),
    definition: workflow.definition,
    versions: versions.items.map((v) => versionShape(context, v)),
    aliases: aliases.items.map((a) => aliasShape(context, a)),
  };
}
