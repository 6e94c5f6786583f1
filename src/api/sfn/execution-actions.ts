/**
 * Executions: StartExecution, StartSyncExecution, StopExecution, DescribeExecution,
 * ListExecutions and GetExecutionHistory (API_<Action> in the Step Functions API reference).
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { EngineError } from '../../engine/index.js';
import { parseJsonText } from '../../language/index.js';
import type { ExecutionRecord, ExecutionStatus, WorkflowType } from '../../store/index.js';
import { EXECUTION_STATUSES } from '../../store/index.js';
import type { ParsedArn } from './arns.js';
import type { SfnAction, SfnContext } from './context.js';
import {
  executionAlreadyExists,
  executionDoesNotExist,
  invalidExecutionInput,
  resourceNotFound,
  stateMachineDoesNotExist,
  stateMachineTypeNotSupported,
  validationError,
} from './errors.js';
import type { RequestFields } from './fields.js';
import {
  defined,
  describeExecution as describeExecutionShape,
  epochSeconds,
  executionListItem,
  historyEvent,
} from './shapes.js';
import { mapRunNotFound } from './map-run-actions.js';
import { ARN_RULE, PAGE_SIZE_RULE, pageSize } from './state-machine-actions.js';
import { fromEngineError, isStoreError, requireValidName } from './translate.js';

const INCLUDED_DATA = ['ALL_DATA', 'METADATA_ONLY'] as const;
const PAYLOAD_RULE = { max: 262_144, sensitive: true } as const;
const ERROR_RULE = { min: 0, max: 256, sensitive: true } as const;
const CAUSE_RULE = { min: 0, max: 32_768, sensitive: true } as const;
const TRACE_HEADER = /^\p{ASCII}*$/u;

interface StartRequest {
  readonly arn: string;
  readonly target: Extract<ParsedArn, { kind: 'stateMachine' | 'version' | 'alias' }>;
  readonly name: string;
  readonly input: JsonValue;
}

function readStart(context: SfnContext, request: RequestFields): StartRequest | undefined {
  const arn = request.string('stateMachineArn', ARN_RULE);
  const name = request.string('name', { min: 1, max: 80 });
  const input = request.string('input', PAYLOAD_RULE);
  request.string('traceHeader', { min: 0, max: 256, pattern: TRACE_HEADER });
  request.check();
  if (arn === undefined) return undefined;
  const target = context.arns.parse(arn, ['stateMachine', 'version', 'alias']);
  const executionName = name ?? context.newId();
  requireValidName('execution', executionName);
  return { arn, target, name: executionName, input: parsePayload(input ?? '{}') };
}

/** @throws SfnError InvalidExecutionInput for text that is not JSON. */
function parsePayload(text: string): JsonValue {
  const parsed = parseJsonText(text);
  if (parsed.ok) return parsed.value;
  throw invalidExecutionInput(`The input is not valid JSON: ${parsed.problem}`);
}

async function start(context: SfnContext, start: StartRequest): Promise<ExecutionRecord> {
  const { target } = start;
  try {
    const { execution } = await context.engine.start({
      workflow: target.stateMachine,
      name: start.name,
      input: start.input,
      ...(target.kind === 'version' ? { version: target.version } : {}),
      ...(target.kind === 'alias' ? { alias: target.alias } : {}),
    });
    return execution;
  } catch (error: unknown) {
    if (error instanceof EngineError) throw fromEngineError(error, start.arn);
    if (isStoreError(error, 'ALREADY_EXISTS')) {
      throw executionAlreadyExists(context.arns.execution(target.stateMachine, start.name));
    }
    throw error;
  }
}

export const startExecution: SfnAction = async (context, request) => {
  const parsed = readStart(context, request);
  if (parsed === undefined) return {};
  const execution = await start(context, parsed);
  return { executionArn: execution.id, startDate: epochSeconds(execution.startedAt) };
};

/** The sync statuses: an execution stopped by StopExecution reports FAILED (no ABORTED here). */
const SYNC_STATUS: Readonly<Record<ExecutionStatus, 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT'>> = {
  RUNNING: 'TIMED_OUT',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  TIMED_OUT: 'TIMED_OUT',
  ABORTED: 'FAILED',
  PENDING_REDRIVE: 'FAILED',
};

export const startSyncExecution: SfnAction = async (context, request) => {
  const includedData = request.enumOf('includedData', INCLUDED_DATA);
  const parsed = readStart(context, request);
  if (parsed === undefined) return {};
  const type = await typeOf(context, parsed.target, parsed.arn);
  if (type !== 'EXPRESS') {
    throw stateMachineTypeNotSupported(
      'This operation is not supported by this type of state machine: StartSyncExecution runs EXPRESS state machines only; use StartExecution.',
    );
  }
  const started = await start(context, parsed);
  const deadline = context.clock.nowMs() + context.syncTimeoutMs;
  let execution = (await context.waitForEnd(started.id, deadline)) ?? started;
  let timedOut: { error: string; cause: string } | undefined;
  if (execution.status === 'RUNNING') {
    timedOut = {
      error: 'States.Timeout',
      cause: `The execution did not finish within the ${context.syncTimeoutMs / 1000} seconds a synchronous execution may run.`,
    };
    await context.engine.timeOut(execution.id, timedOut.error, timedOut.cause);
    execution = (await context.store.executions.get(execution.id)) ?? execution;
  }
  const includeData = includedData !== 'METADATA_ONLY';
  return defined({
    executionArn: execution.id,
    stateMachineArn: context.arns.stateMachine(execution.workflow),
    name: execution.name,
    startDate: epochSeconds(execution.startedAt),
    stopDate: epochSeconds(execution.stoppedAt ?? execution.startedAt),
    status: timedOut === undefined ? SYNC_STATUS[execution.status] : 'TIMED_OUT',
    error: timedOut?.error ?? execution.error ?? undefined,
    cause: timedOut?.cause ?? execution.cause ?? undefined,
    input: includeData ? execution.input : undefined,
    inputDetails: { included: includeData },
    output: includeData && execution.output !== null ? execution.output : undefined,
    outputDetails: execution.output === null ? undefined : { included: includeData },
  });
};

/** The type of the state machine (or version) an ARN names. */
async function typeOf(
  context: SfnContext,
  target: StartRequest['target'],
  arn: string,
): Promise<WorkflowType> {
  const { workflows } = context.store;
  const found =
    target.kind === 'version'
      ? await workflows.getVersion(target.stateMachine, target.version)
      : await workflows.get(target.stateMachine);
  if (!found) throw stateMachineDoesNotExist(arn);
  return found.type;
}

export const stopExecution: SfnAction = async (context, request) => {
  const arn = request.string('executionArn', ARN_RULE);
  const error = request.string('error', ERROR_RULE);
  const cause = request.string('cause', CAUSE_RULE);
  request.check();
  if (arn === undefined) return {};
  context.arns.parse(arn, ['execution']);
  const before = await context.store.executions.get(arn);
  if (!before) throw executionDoesNotExist(arn);
  if (before.status === 'RUNNING') {
    try {
      await context.engine.stop(arn, error ?? '', cause ?? '');
    } catch (failure: unknown) {
      if (failure instanceof EngineError) throw fromEngineError(failure, arn);
      throw failure;
    }
  }
  const after = (await context.store.executions.get(arn)) ?? before;
  return {
    stopDate:
      after.stoppedAt === null ? context.clock.nowMs() / 1000 : epochSeconds(after.stoppedAt),
  };
};

export const describeExecution: SfnAction = async (context, request) => {
  const arn = request.string('executionArn', ARN_RULE);
  const includedData = request.enumOf('includedData', INCLUDED_DATA);
  request.check();
  if (arn === undefined) return {};
  context.arns.parse(arn, ['execution']);
  const execution = await context.store.executions.get(arn);
  if (!execution) throw executionDoesNotExist(arn);
  const redrive = await context.engine.redriveStatus(arn, execution);
  return describeExecutionShape(context.arns, execution, includedData !== 'METADATA_ONLY', redrive);
};

/**
 * RedriveExecution. A `clientToken` makes retries of one redrive safe: the same token within
 * 15 minutes answers with the first redrive's date (AWS keeps the last 10 per execution); the
 * engine records it with the redrive, so any node answers a retry alike.
 */
export const redriveExecution: SfnAction = async (context, request) => {
  const arn = request.string('executionArn', ARN_RULE);
  const clientToken = request.string('clientToken', { min: 1, max: 64 });
  request.check();
  if (arn === undefined) return {};
  context.arns.parse(arn, ['execution']);
  try {
    const { redriveDate } = await context.engine.redrive(arn, clientToken);
    return { redriveDate: epochSeconds(redriveDate) };
  } catch (error: unknown) {
    if (error instanceof EngineError) throw fromEngineError(error, arn);
    throw error;
  }
};

export const listExecutions: SfnAction = async (context, request) => {
  const arn = request.string('stateMachineArn', { min: 1, max: 256 });
  const status = request.enumOf('statusFilter', EXECUTION_STATUSES);
  const maxResults = request.integer('maxResults', PAGE_SIZE_RULE);
  const nextToken = request.string('nextToken', { min: 1, max: 3096 });
  const mapRunArn = request.string('mapRunArn', { min: 1, max: 2000 });
  const redriveFilter = request.enumOf('redriveFilter', ['REDRIVEN', 'NOT_REDRIVEN'] as const);
  request.check();
  if (mapRunArn !== undefined) {
    if (arn !== undefined) {
      throw validationError('Specify either the stateMachineArn or the mapRunArn, not both.');
    }
    return listMapRunExecutions(context, mapRunArn, {
      status,
      redriveFilter,
      maxResults,
      nextToken,
    });
  }
  if (arn === undefined) {
    throw validationError('Either the stateMachineArn or the mapRunArn must be specified.');
  }
  const target = context.arns.parse(arn, ['stateMachine', 'version', 'alias']);
  await requireListable(context, target, arn);
  const page = await context.tokens.page(
    ['ListExecutions', arn, status ?? null, redriveFilter ?? null],
    nextToken,
    pageSize(maxResults),
    (request) =>
      context.store.executions.list(
        {
          workflow: target.stateMachine,
          ...(redriveFilter === undefined ? {} : { redriven: redriveFilter === 'REDRIVEN' }),
          ...(status === undefined ? {} : { status }),
          ...(target.kind === 'version' ? { version: target.version } : {}),
          ...(target.kind === 'alias' ? { alias: target.alias } : {}),
        },
        request,
      ),
  );
  return defined({
    executions: page.items.map((e) => executionListItem(context.arns, e)),
    nextToken: page.nextToken,
  });
};

/** ListExecutions with a mapRunArn: the Map Run's child executions (API_ListExecutions). */
async function listMapRunExecutions(
  context: SfnContext,
  mapRunArn: string,
  options: {
    readonly status: ExecutionStatus | undefined;
    readonly redriveFilter: 'REDRIVEN' | 'NOT_REDRIVEN' | undefined;
    readonly maxResults: number | undefined;
    readonly nextToken: string | undefined;
  },
): Promise<JsonObject> {
  const { status, redriveFilter, maxResults, nextToken } = options;
  context.arns.parse(mapRunArn, ['mapRun']);
  if ((await context.store.mapRuns.get(mapRunArn)) === undefined) {
    throw mapRunNotFound(mapRunArn);
  }
  const page = await context.tokens.page(
    ['ListExecutions', mapRunArn, status ?? null, redriveFilter ?? null],
    nextToken,
    pageSize(maxResults),
    (request) =>
      context.store.executions.list(
        {
          mapRun: mapRunArn,
          ...(redriveFilter === undefined ? {} : { redriven: redriveFilter === 'REDRIVEN' }),
          ...(status === undefined ? {} : { status }),
        },
        request,
      ),
  );
  return defined({
    // mapRunArn is returned only when the request named one (ExecutionListItem).
    executions: page.items.map((e) => ({ ...executionListItem(context.arns, e), mapRunArn })),
    nextToken: page.nextToken,
  });
}

/** The state machine (and version or alias) must exist and be STANDARD. */
async function requireListable(
  context: SfnContext,
  target: StartRequest['target'],
  arn: string,
): Promise<void> {
  const { workflows } = context.store;
  const workflow = await workflows.get(target.stateMachine);
  if (!workflow) throw stateMachineDoesNotExist(context.arns.stateMachine(target.stateMachine));
  const exists =
    target.kind === 'version'
      ? (await workflows.getVersion(target.stateMachine, target.version)) !== undefined
      : target.kind === 'alias'
        ? (await workflows.getAlias(target.stateMachine, target.alias)) !== undefined
        : true;
  if (!exists) throw resourceNotFound(arn);
  if (workflow.type === 'EXPRESS') {
    throw stateMachineTypeNotSupported(
      'This operation is not supported by this type of state machine: ListExecutions lists STANDARD state machines only.',
    );
  }
}

export const getExecutionHistory: SfnAction = async (context, request) => {
  const arn = request.string('executionArn', ARN_RULE);
  const maxResults = request.integer('maxResults', PAGE_SIZE_RULE);
  const reverse = request.boolean('reverseOrder') ?? false;
  const nextToken = request.string('nextToken', { min: 1, max: 1024 });
  const includeData = request.boolean('includeExecutionData') ?? true;
  request.check();
  if (arn === undefined) return {};
  context.arns.parse(arn, ['execution']);
  try {
    const page = await context.tokens.page(
      ['GetExecutionHistory', arn, reverse],
      nextToken,
      pageSize(maxResults),
      (request) => context.store.executions.history(arn, { ...request, reverse }),
    );
    return defined({
      events: page.items.map((event) => historyEvent(event, includeData)),
      nextToken: page.nextToken,
    });
  } catch (error: unknown) {
    if (isStoreError(error, 'NOT_FOUND')) throw executionDoesNotExist(arn);
    throw error;
  }
};
