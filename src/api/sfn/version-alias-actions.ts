/**
 * Versions and aliases: PublishStateMachineVersion, ListStateMachineVersions,
 * DeleteStateMachineVersion, and Create/Describe/Update/Delete/ListStateMachineAlias(es)
 * (concepts-state-machine-version, concepts-state-machine-alias).
 */
import type { AliasRoute, WorkflowAlias } from '../../store/index.js';
import { ALIAS_NAME } from './arns.js';
import type { SfnAction, SfnContext } from './context.js';
import { nowText } from './context.js';
import { conflict, resourceNotFound, stateMachineDoesNotExist, validationError } from './errors.js';
import type { RequestFields } from './fields.js';
import { defined, describeAlias, epochSeconds } from './shapes.js';
import {
  ARN_RULE,
  LONG_ARN_RULE,
  PAGE_SIZE_RULE,
  TOKEN_RULE,
  pageSize,
  publishRevision,
} from './state-machine-actions.js';
import { isStoreError } from './translate.js';

const DESCRIPTION_RULE = { max: 256, sensitive: true } as const;

export const publishStateMachineVersion: SfnAction = async (context, request) => {
  const arn = request.string('stateMachineArn', ARN_RULE);
  const revisionId = request.string('revisionId');
  const description = request.string('description', DESCRIPTION_RULE);
  request.check();
  if (arn === undefined) return {};
  const { stateMachine } = context.arns.parse(arn, ['stateMachine']);
  const number = await publishRevision(context, stateMachine, revisionId, description ?? null);
  const version = await context.store.workflows.getVersion(stateMachine, number);
  return {
    creationDate: epochSeconds(version?.createdAt ?? nowText(context)),
    stateMachineVersionArn: context.arns.version(stateMachine, number),
  };
};

export const listStateMachineVersions: SfnAction = async (context, request) => {
  const arn = request.string('stateMachineArn', ARN_RULE);
  const nextToken = request.string('nextToken', TOKEN_RULE);
  const maxResults = request.integer('maxResults', PAGE_SIZE_RULE);
  request.check();
  if (arn === undefined) return {};
  const { stateMachine } = context.arns.parse(arn, ['stateMachine']);
  try {
    const page = await context.tokens.page(
      ['ListStateMachineVersions', arn],
      nextToken,
      pageSize(maxResults),
      (request) => context.store.workflows.listVersions(stateMachine, request),
    );
    return defined({
      stateMachineVersions: page.items.map((v) => ({
        stateMachineVersionArn: context.arns.version(stateMachine, v.version),
        creationDate: epochSeconds(v.createdAt),
      })),
      nextToken: page.nextToken,
    });
  } catch (error: unknown) {
    // Not among this action's errors in AWS: a state machine that does not exist has no versions.
    if (isStoreError(error, 'NOT_FOUND')) return { stateMachineVersions: [] };
    throw error;
  }
};

export const deleteStateMachineVersion: SfnAction = async (context, request) => {
  const arn = request.string('stateMachineVersionArn', LONG_ARN_RULE);
  request.check();
  if (arn === undefined) return {};
  const { stateMachine, version } = context.arns.parse(arn, ['version']);
  try {
    await context.store.workflows.deleteVersion(stateMachine, version);
  } catch (error: unknown) {
    if (isStoreError(error, 'IN_USE')) throw conflict(error.message);
    // Deleting a version that does not exist succeeds, as in AWS (no not-found error here).
    if (!isStoreError(error, 'NOT_FOUND')) throw error;
  }
  return {};
};

export const createStateMachineAlias: SfnAction = async (context, request) => {
  const description = request.string('description', DESCRIPTION_RULE);
  const name = request.string('name', { required: true, min: 1, max: 80, pattern: ALIAS_NAME });
  const routes = readRouting(request, true);
  request.check();
  if (name === undefined || routes === undefined) return {};
  const { stateMachine, routing } = checkRouting(context, routes);
  const arn = context.arns.alias(stateMachine, name);
  const existing = await context.store.workflows.getAlias(stateMachine, name);
  if (existing) {
    // Idempotent for the same settings; a different alias of that name is a conflict.
    if (sameAlias(existing, description ?? null, routing)) {
      return { stateMachineAliasArn: arn, creationDate: epochSeconds(existing.createdAt) };
    }
    throw conflict(
      `Alias "${name}" of state machine "${stateMachine}" already exists with other settings; update it with UpdateStateMachineAlias.`,
    );
  }
  const alias = await putAlias(context, stateMachine, name, description ?? null, routing);
  return { stateMachineAliasArn: arn, creationDate: epochSeconds(alias.createdAt) };
};

export const describeStateMachineAlias: SfnAction = async (context, request) => {
  const arn = request.string('stateMachineAliasArn', ARN_RULE);
  request.check();
  if (arn === undefined) return {};
  return describeAlias(context.arns, await mustGetAlias(context, arn));
};

export const updateStateMachineAlias: SfnAction = async (context, request) => {
  const arn = request.string('stateMachineAliasArn', ARN_RULE);
  const description = request.string('description', DESCRIPTION_RULE);
  const routes = readRouting(request, false);
  request.check();
  if (arn === undefined) return {};
  const current = await mustGetAlias(context, arn);
  if (description === undefined && routes === undefined) {
    throw validationError(
      'Either the description or the routingConfiguration must be specified.',
      'MISSING_REQUIRED_PARAMETER',
    );
  }
  let routing = current.routing;
  if (routes !== undefined) {
    const checked = checkRouting(context, routes);
    if (checked.stateMachine !== current.workflow) {
      throw validationError(
        `The routing configuration must name versions of state machine "${current.workflow}", the alias's own.`,
        'INVALID_ROUTING_CONFIGURATION',
      );
    }
    routing = checked.routing;
  }
  const updated = await putAlias(
    context,
    current.workflow,
    current.name,
    description === undefined ? current.description : description,
    routing,
  );
  return { updateDate: epochSeconds(updated.updatedAt) };
};

export const deleteStateMachineAlias: SfnAction = async (context, request) => {
  const arn = request.string('stateMachineAliasArn', ARN_RULE);
  request.check();
  if (arn === undefined) return {};
  const { stateMachine, alias } = context.arns.parse(arn, ['alias']);
  try {
    await context.store.workflows.deleteAlias(stateMachine, alias);
  } catch (error: unknown) {
    if (isStoreError(error, 'NOT_FOUND'))
      throw resourceNotFound(arn, `State machine alias not found: '${arn}'`);
    throw error;
  }
  return {};
};

export const listStateMachineAliases: SfnAction = async (context, request) => {
  const arn = request.string('stateMachineArn', ARN_RULE);
  const nextToken = request.string('nextToken', TOKEN_RULE);
  const maxResults = request.integer('maxResults', PAGE_SIZE_RULE);
  request.check();
  if (arn === undefined) return {};
  const { stateMachine } = context.arns.parse(arn, ['stateMachine']);
  try {
    const page = await context.tokens.page(
      ['ListStateMachineAliases', arn],
      nextToken,
      pageSize(maxResults),
      (request) => context.store.workflows.listAliases(stateMachine, request),
    );
    return defined({
      stateMachineAliases: page.items.map((a) => ({
        stateMachineAliasArn: context.arns.alias(stateMachine, a.name),
        creationDate: epochSeconds(a.createdAt),
      })),
      nextToken: page.nextToken,
    });
  } catch (error: unknown) {
    if (isStoreError(error, 'NOT_FOUND')) throw stateMachineDoesNotExist(arn);
    throw error;
  }
};

// ------------------------------------------------------------------------------------------

interface RouteRequest {
  readonly arn: string;
  readonly weight: number;
}

function readRouting(request: RequestFields, required: boolean): RouteRequest[] | undefined {
  return request.list('routingConfiguration', { required, min: 1, max: 2 }, (element, path) => {
    const route = request.element(element, path);
    const arn = route?.string('stateMachineVersionArn', ARN_RULE);
    const weight = route?.integer('weight', { required: true, min: 0, max: 100 });
    return arn === undefined || weight === undefined ? undefined : { arn, weight };
  });
}

/**
 * Checks a routing configuration (concepts-state-machine-alias): one or two distinct versions
 * of one state machine whose weights sum to 100.
 * @throws SfnError InvalidArn, ValidationException (INVALID_ROUTING_CONFIGURATION)
 */
function checkRouting(
  context: SfnContext,
  routes: readonly RouteRequest[],
): { stateMachine: string; routing: AliasRoute[] } {
  const parsed = routes.map((r) => ({
    ...context.arns.parse(r.arn, ['version']),
    weight: r.weight,
  }));
  const first = parsed[0];
  const invalid = (why: string) => validationError(why, 'INVALID_ROUTING_CONFIGURATION');
  if (first === undefined)
    throw invalid('The routing configuration must name one or two versions.');
  if (parsed.some((p) => p.stateMachine !== first.stateMachine)) {
    throw invalid('The routing configuration must name versions of one state machine.');
  }
  if (new Set(parsed.map((p) => p.version)).size !== parsed.length) {
    throw invalid('The routing configuration names the same version twice.');
  }
  const total = parsed.reduce((sum, p) => sum + p.weight, 0);
  if (total !== 100) {
    throw invalid(`The routing weights must sum to 100, but they sum to ${total}.`);
  }
  return {
    stateMachine: first.stateMachine,
    routing: parsed.map((p) => ({ version: p.version, weight: p.weight })),
  };
}

async function putAlias(
  context: SfnContext,
  stateMachine: string,
  name: string,
  description: string | null,
  routing: readonly AliasRoute[],
): Promise<WorkflowAlias> {
  try {
    return await context.store.workflows.putAlias(stateMachine, name, {
      description,
      routing,
      now: nowText(context),
    });
  } catch (error: unknown) {
    if (isStoreError(error, 'NOT_FOUND')) {
      throw resourceNotFound(context.arns.stateMachine(stateMachine), error.message);
    }
    if (isStoreError(error, 'INVALID')) {
      throw validationError(error.message, 'INVALID_ROUTING_CONFIGURATION');
    }
    throw error;
  }
}

async function mustGetAlias(context: SfnContext, arn: string): Promise<WorkflowAlias> {
  const { stateMachine, alias } = context.arns.parse(arn, ['alias']);
  const found = await context.store.workflows.getAlias(stateMachine, alias);
  if (!found) throw resourceNotFound(arn, `State machine alias not found: '${arn}'`);
  return found;
}

function sameAlias(
  alias: WorkflowAlias,
  description: string | null,
  routing: readonly AliasRoute[],
): boolean {
  const key = (routes: readonly AliasRoute[]) =>
    JSON.stringify([...routes].sort((a, b) => a.version - b.version));
  return alias.description === description && key(alias.routing) === key(routing);
}
