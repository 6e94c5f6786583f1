/**
 * State machines (workflows): CreateStateMachine, UpdateStateMachine, DeleteStateMachine,
 * DescribeStateMachine, ListStateMachines, DescribeStateMachineForExecution and
 * ValidateStateMachineDefinition (API_<Action> in the Step Functions API reference).
 */
import type { JsonObject } from '../../common/index.js';
import type { ResourceTag, WorkflowRecord, WorkflowType } from '../../store/index.js';
import type { SfnAction, SfnContext } from './context.js';
import { nowText } from './context.js';
import { checkDefinitionText, requireValidDefinition } from './definitions.js';
import {
  conflict,
  executionDoesNotExist,
  invalidArn,
  missingRequiredParameter,
  serviceQuotaExceeded,
  stateMachineAlreadyExists,
  stateMachineDoesNotExist,
  tooManyTags,
  validationError,
} from './errors.js';
import type { RequestFields } from './fields.js';
import { defined, epochSeconds, stateMachineListItem } from './shapes.js';
import { isStoreError, requireValidName } from './translate.js';

export const ARN_RULE = { required: true, min: 1, max: 256 } as const;
const LONG_ARN_RULE = { required: true, min: 1, max: 2000 } as const;
const DEFINITION_RULE = { min: 1, max: 1_048_576, sensitive: true } as const;
const TYPES: readonly WorkflowType[] = ['STANDARD', 'EXPRESS'];
const INCLUDED_DATA = ['ALL_DATA', 'METADATA_ONLY'] as const;
/** AWS's page size when maxResults is 0 or absent. */
export const DEFAULT_PAGE_SIZE = 100;
export const PAGE_SIZE_RULE = { min: 0, max: 1000 } as const;
const TOKEN_RULE = { min: 1, max: 1024 } as const;
/** An IAM role ARN (Baton does not assume it, but keeps AWS's shape check). */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const LOGGING_LEVELS = ['ALL', 'ERROR', 'FATAL', 'OFF'] as const;

/** What Describe* report for configuration Baton accepts but does not act on. */
const LOGGING_OFF: JsonObject = { level: 'OFF', includeExecutionData: false };
const TRACING_OFF: JsonObject = { enabled: false };

export const createStateMachine: SfnAction = async (context, request) => {
  const name = request.string('name', { required: true, min: 1, max: 80 });
  const definition = request.string('definition', { ...DEFINITION_RULE, required: true });
  const roleArn = request.string('roleArn', ARN_RULE);
  const type = request.enumOf('type', TYPES) ?? 'STANDARD';
  readIgnoredConfiguration(request);
  const tags = readTags(request, 'tags', false) ?? [];
  const publish = request.boolean('publish') ?? false;
  const versionDescription = request.string('versionDescription', { max: 256, sensitive: true });
  request.check();
  if (name === undefined || definition === undefined || roleArn === undefined) return {};
  requireValidName('workflow', name);
  requireRoleArn(roleArn);
  requireVersionDescriptionOnlyWhenPublishing(publish, versionDescription);
  requireValidDefinition(definition, type);

  const { store, arns } = context;
  const arn = arns.stateMachine(name);
  const now = nowText(context);
  const existing = await store.workflows.get(name);
  let workflow: WorkflowRecord;
  if (existing && existing.definition === definition && existing.type === type) {
    // AWS: a repeated CreateStateMachine with another roleArn or tags is the same request;
    // those differences are ignored, not applied.
    workflow = existing;
  } else {
    try {
      workflow = await store.workflows.create({
        name,
        definition,
        roleArn,
        type,
        description: null,
        revisionId: context.newId(),
        now,
        tags,
      });
    } catch (error: unknown) {
      if (isStoreError(error, 'ALREADY_EXISTS')) throw stateMachineAlreadyExists(arn);
      if (isStoreError(error, 'LIMIT_EXCEEDED')) throw tooManyTags(arn, error.message);
      throw error;
    }
  }
  const version = publish
    ? await publishRevision(context, name, workflow.revisionId, versionDescription ?? null)
    : undefined;
  return defined({
    stateMachineArn: arn,
    creationDate: epochSeconds(workflow.createdAt),
    stateMachineVersionArn: version === undefined ? undefined : arns.version(name, version),
  });
};

export const updateStateMachine: SfnAction = async (context, request) => {
  const arn = request.string('stateMachineArn', ARN_RULE);
  const definition = request.string('definition', DEFINITION_RULE);
  const roleArn = request.string('roleArn', { min: 1, max: 256 });
  const configured = readIgnoredConfiguration(request);
  const publish = request.boolean('publish') ?? false;
  const versionDescription = request.string('versionDescription', { max: 256, sensitive: true });
  request.check();
  if (arn === undefined) return {};
  const { stateMachine } = context.arns.parse(arn, ['stateMachine']);
  if (definition === undefined && roleArn === undefined && !configured) {
    throw missingRequiredParameter(
      'Either the definition, the roleArn, the loggingConfiguration, the tracingConfiguration or the encryptionConfiguration must be specified.',
    );
  }
  if (roleArn !== undefined) requireRoleArn(roleArn);
  requireVersionDescriptionOnlyWhenPublishing(publish, versionDescription);
  if (definition !== undefined) {
    const current = await context.store.workflows.get(stateMachine);
    if (!current) throw stateMachineDoesNotExist(arn);
    requireValidDefinition(definition, current.type);
  }

  let updated: WorkflowRecord;
  try {
    updated = await context.store.workflows.update(stateMachine, {
      ...(definition === undefined ? {} : { definition }),
      ...(roleArn === undefined ? {} : { roleArn }),
      revisionId: context.newId(),
      now: nowText(context),
    });
  } catch (error: unknown) {
    if (isStoreError(error, 'NOT_FOUND')) throw stateMachineDoesNotExist(arn);
    throw error;
  }
  const version = publish
    ? await publishRevision(context, stateMachine, updated.revisionId, versionDescription ?? null)
    : undefined;
  return defined({
    updateDate: epochSeconds(updated.updatedAt),
    revisionId: updated.revisionId,
    stateMachineVersionArn:
      version === undefined ? undefined : context.arns.version(stateMachine, version),
  });
};

export const deleteStateMachine: SfnAction = async (context, request) => {
  const arn = request.string('stateMachineArn', ARN_RULE);
  request.check();
  if (arn === undefined) return {};
  const { stateMachine } = context.arns.parse(arn, ['stateMachine']);
  try {
    await context.store.workflows.delete(stateMachine);
  } catch (error: unknown) {
    // Deleting a state machine that does not exist succeeds (its errors are InvalidArn and
    // ValidationException only), so a retried delete is harmless.
    if (!isStoreError(error, 'NOT_FOUND')) throw error;
  }
  return {};
};

export const describeStateMachine: SfnAction = async (context, request) => {
  const arn = request.string('stateMachineArn', ARN_RULE);
  const includedData = request.enumOf('includedData', INCLUDED_DATA);
  request.check();
  if (arn === undefined) return {};
  void includedData; // METADATA_ONLY concerns KMS-encrypted definitions, which Baton does not have.
  const parsed = context.arns.parse(arn, ['stateMachine', 'version']);
  const workflow = await context.store.workflows.get(parsed.stateMachine);
  if (!workflow) throw stateMachineDoesNotExist(arn);
  if (parsed.kind === 'version') {
    const version = await context.store.workflows.getVersion(parsed.stateMachine, parsed.version);
    if (!version) throw stateMachineDoesNotExist(arn);
    return defined({
      stateMachineArn: arn,
      name: workflow.name,
      status: 'ACTIVE',
      definition: version.definition,
      roleArn: version.roleArn ?? '',
      type: version.type,
      creationDate: epochSeconds(version.createdAt),
      loggingConfiguration: LOGGING_OFF,
      tracingConfiguration: TRACING_OFF,
      revisionId: version.revisionId,
      description: version.description ?? undefined,
    });
  }
  return defined({
    stateMachineArn: arn,
    name: workflow.name,
    status: 'ACTIVE',
    definition: workflow.definition,
    roleArn: workflow.roleArn ?? '',
    type: workflow.type,
    creationDate: epochSeconds(workflow.createdAt),
    loggingConfiguration: LOGGING_OFF,
    tracingConfiguration: TRACING_OFF,
    revisionId: workflow.revisionId,
  });
};

export const listStateMachines: SfnAction = async (context, request) => {
  const maxResults = request.integer('maxResults', PAGE_SIZE_RULE);
  const nextToken = request.string('nextToken', TOKEN_RULE);
  request.check();
  const page = await context.tokens.page(
    ['ListStateMachines'],
    nextToken,
    pageSize(maxResults),
    (request) => context.store.workflows.list(request),
  );
  return defined({
    stateMachines: page.items.map((w) => stateMachineListItem(context.arns, w)),
    nextToken: page.nextToken,
  });
};

export const describeStateMachineForExecution: SfnAction = async (context, request) => {
  const arn = request.string('executionArn', ARN_RULE);
  request.enumOf('includedData', INCLUDED_DATA);
  request.check();
  if (arn === undefined) return {};
  context.arns.parse(arn, ['execution']);
  const { store, arns } = context;
  const execution = await store.executions.get(arn);
  const running = execution && (await store.executions.snapshot(arn));
  if (!execution || !running) throw executionDoesNotExist(arn);
  const workflow = await store.workflows.get(execution.workflow);
  const version =
    execution.version === null
      ? undefined
      : await store.workflows.getVersion(execution.workflow, execution.version);
  // The role and update date of what the execution runs: its version, else the workflow (the
  // workflow may have changed or gone since; the definition is the execution's own copy).
  const roleArn = version?.roleArn ?? workflow?.roleArn ?? '';
  const updated = version?.createdAt ?? workflow?.updatedAt ?? execution.startedAt;
  return defined({
    stateMachineArn:
      execution.version === null
        ? arns.stateMachine(execution.workflow)
        : arns.version(execution.workflow, execution.version),
    name: execution.workflow,
    definition: running.definition,
    roleArn,
    updateDate: epochSeconds(updated),
    loggingConfiguration: LOGGING_OFF,
    tracingConfiguration: TRACING_OFF,
    revisionId: execution.revisionId,
    // A Distributed Map's child: its Map Run, and the label it runs under (MACHINE/LABEL).
    mapRunArn: execution.mapRun ?? undefined,
    label: execution.mapRun === null ? undefined : execution.workflow.split('/').at(-1),
  });
};

export const validateStateMachineDefinition: SfnAction = (_context, request) => {
  const definition = request.string('definition', { ...DEFINITION_RULE, required: true });
  const type = request.enumOf('type', TYPES);
  // Our validator reports errors only, so both severities give the same list.
  request.enumOf('severity', ['ERROR', 'WARNING'] as const);
  const maxResults = request.integer('maxResults', { min: 0, max: 100 });
  request.check();
  if (definition === undefined) return Promise.resolve({});
  const checked = checkDefinitionText(definition, type);
  const all = checked.ok ? [] : checked.diagnostics;
  const limit = maxResults === undefined || maxResults === 0 ? 100 : maxResults;
  return Promise.resolve({
    result: all.length === 0 ? 'OK' : 'FAIL',
    diagnostics: all.slice(0, limit).map((d) => ({
      severity: 'ERROR',
      code: d.code,
      message: d.message,
      location: d.pointer === '' ? '/' : d.pointer,
    })),
    truncated: all.length > limit,
  });
};

// ------------------------------------------------------------------------------------------

/** Publishes `revisionId` of a workflow and returns the version number. */
export async function publishRevision(
  context: SfnContext,
  stateMachine: string,
  revisionId: string | undefined,
  description: string | null,
): Promise<number> {
  try {
    const version = await context.store.workflows.publishVersion(stateMachine, {
      description,
      ...(revisionId === undefined ? {} : { expectedRevisionId: revisionId }),
      now: nowText(context),
    });
    return version.version;
  } catch (error: unknown) {
    if (isStoreError(error, 'NOT_FOUND')) {
      throw stateMachineDoesNotExist(context.arns.stateMachine(stateMachine));
    }
    if (isStoreError(error, 'CONFLICT')) throw conflict(error.message);
    if (isStoreError(error, 'LIMIT_EXCEEDED')) throw serviceQuotaExceeded(error.message);
    throw error;
  }
}

export function pageSize(maxResults: number | undefined): number {
  return maxResults === undefined || maxResults === 0 ? DEFAULT_PAGE_SIZE : maxResults;
}

/** Reads a TagList (`[{key, value}]`): keys 1-128 characters, values 0-256. */
export function readTags(
  request: RequestFields,
  name: string,
  required: boolean,
): ResourceTag[] | undefined {
  return request.list(name, { required }, (element, path) => {
    const tag = request.element(element, path);
    const key = tag?.string('key', { required: true, min: 1, max: 128 });
    const value = tag?.string('value', { min: 0, max: 256 });
    return key === undefined ? undefined : { key, value: value ?? '' };
  });
}

/**
 * loggingConfiguration, tracingConfiguration and encryptionConfiguration are checked for shape
 * and accepted, but Baton keeps no CloudWatch logs, X-Ray traces or KMS keys. Returns whether
 * any was given.
 */
function readIgnoredConfiguration(request: RequestFields): boolean {
  const logging = request.nested('loggingConfiguration');
  logging?.enumOf('level', LOGGING_LEVELS);
  logging?.boolean('includeExecutionData');
  const tracing = request.nested('tracingConfiguration');
  tracing?.boolean('enabled');
  const encryption = request.nested('encryptionConfiguration');
  encryption?.enumOf('type', ['AWS_OWNED_KEY', 'CUSTOMER_MANAGED_KMS_KEY'] as const, true);
  return logging !== undefined || tracing !== undefined || encryption !== undefined;
}

function requireRoleArn(roleArn: string): void {
  if (!ROLE_ARN.test(roleArn)) {
    throw invalidArn(
      `Invalid role ARN (expected arn:aws:iam::ACCOUNT:role/NAME): ${roleArn.slice(0, 256)}`,
    );
  }
}

function requireVersionDescriptionOnlyWhenPublishing(
  publish: boolean,
  versionDescription: string | undefined,
): void {
  if (!publish && versionDescription !== undefined) {
    throw validationError(
      'Version description can only be set when publish is true. Set publish to true, or leave versionDescription out.',
    );
  }
}

export { LONG_ARN_RULE, TOKEN_RULE };
