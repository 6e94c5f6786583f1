/**
 * Nested executions: the Step Functions service integration `arn:aws:states:::states:startExecution`
 * with its three patterns (request-response, `.sync` / `.sync:2`, `.waitForTaskToken`). It is
 * built into the engine because starting an execution is the engine's own job.
 * https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html
 */
import { createHash } from 'node:crypto';
import type { JsonValue } from '../common/index.js';
import { isJsonObject } from '../common/index.js';
import type {
  TaskCancelRequest,
  TaskOutcome,
  TaskPollRequest,
  TaskRequest,
  TaskRunner,
} from '../integrations/index.js';
import { parseTimestamp } from '../language/index.js';
import type { ExecutionRecord } from '../store/index.js';
import type { StartRequest } from './engine.js';

export const START_EXECUTION = 'arn:aws:states:::states:startExecution';

export function isNestedExecutionResource(resource: string): boolean {
  return (
    resource === START_EXECUTION ||
    resource === `${START_EXECUTION}.sync` ||
    resource === `${START_EXECUTION}.sync:2` ||
    resource === `${START_EXECUTION}.waitForTaskToken`
  );
}

export interface NestedExecutionDeps {
  readonly region: string;
  readonly account: string;
  readonly start: (request: StartRequest) => Promise<{ readonly execution: ExecutionRecord }>;
  readonly get: (executionArn: string) => Promise<ExecutionRecord | undefined>;
  /** Stops a running child (its `.sync` parent was stopped or timed out); no-op once it ended. */
  readonly stop: (executionArn: string, error: string, cause: string) => Promise<void>;
  /** A `.sync` parent now waits on `childArn`: wake it when the child ends. */
  readonly watch: (childArn: string, parentArn: string, idempotencyKey: string) => void;
}

/** Longest pause between two checks on a running child (the engine also wakes on its end). */
const MAX_POLL_SECONDS = 30;

export function nestedExecutions(deps: NestedExecutionDeps): TaskRunner {
  return {
    async run(request: TaskRequest): Promise<TaskOutcome> {
      const parsed = parseParameters(request.input, deps);
      if (!parsed.ok) return parsed;
      const name = parsed.name ?? childName(request.idempotencyKey);
      let execution: ExecutionRecord;
      try {
        ({ execution } = await deps.start({
          workflow: parsed.workflow,
          name,
          input: parsed.input,
          ...parsed.target,
        }));
      } catch (error: unknown) {
        return startFailure(error);
      }
      const started = { ExecutionArn: execution.id, StartDate: epochMillis(execution.startedAt) };
      if (!request.resource.endsWith('.sync') && !request.resource.endsWith('.sync:2')) {
        return { ok: true, output: started };
      }
      deps.watch(execution.id, request.executionId, request.idempotencyKey);
      const job = { executionArn: execution.id, parsed: request.resource.endsWith(':2') };
      // A child that ended within its first step (all pure states) is checked on at once.
      const pollAfterSeconds = execution.status === 'RUNNING' ? 1 : 0;
      return { ok: 'running', submitted: started, job, pollAfterSeconds };
    },

    async cancel(request: TaskCancelRequest): Promise<void> {
      const job = request.job;
      if (!isJsonObject(job) || typeof job['executionArn'] !== 'string') return;
      const child = await deps.get(job['executionArn']);
      if (child?.status !== 'RUNNING') return;
      await deps.stop(
        child.id,
        '',
        `The parent execution ${request.executionId} no longer waits for it (${request.reason}).`,
      );
    },
    async poll(request: TaskPollRequest): Promise<TaskOutcome> {
      const job = request.job;
      if (!isJsonObject(job)) {
        return { ok: false, error: 'States.TaskFailed', cause: 'The stored job is malformed.' };
      }
      const executionArn = typeof job['executionArn'] === 'string' ? job['executionArn'] : '';
      const child = await deps.get(executionArn);
      if (!child) {
        return {
          ok: false,
          error: 'States.TaskFailed',
          cause: `The child execution ${executionArn} no longer exists.`,
        };
      }
      if (child.status === 'RUNNING' || child.status === 'PENDING_REDRIVE') {
        deps.watch(child.id, request.executionId, request.idempotencyKey);
        const pollAfterSeconds = Math.min(MAX_POLL_SECONDS, 2 ** Math.min(request.polls, 5));
        return { ok: 'running', submitted: null, job, pollAfterSeconds };
      }
      const described = describe(child, job['parsed'] === true);
      if (child.status === 'SUCCEEDED') return { ok: true, output: described };
      return { ok: false, error: 'States.TaskFailed', cause: JSON.stringify(described) };
    },
  };
}

type Parsed =
  | {
      readonly ok: true;
      readonly workflow: string;
      readonly target: Pick<StartRequest, 'version' | 'alias'>;
      readonly input: JsonValue;
      readonly name?: string;
    }
  | { readonly ok: false; readonly error: string; readonly cause: string };

const STATE_MACHINE_ARN = /^arn:aws:states:([^:]*):([^:]*):stateMachine:([^:]+)(?::([^:]+))?$/;

function parseParameters(input: JsonValue, deps: NestedExecutionDeps): Parsed {
  const invalid = (cause: string): Parsed => ({
    ok: false,
    error: 'StepFunctions.ValidationException',
    cause,
  });
  if (!isJsonObject(input)) {
    return invalid(
      'The parameters must be an object with StateMachineArn, and optionally Input and Name.',
    );
  }
  const arn = input['StateMachineArn'];
  const match = typeof arn === 'string' ? STATE_MACHINE_ARN.exec(arn) : null;
  if (match === null || match[3] === undefined) {
    return {
      ok: false,
      error: 'StepFunctions.InvalidArnException',
      cause: `StateMachineArn must be a state machine ARN like arn:aws:states:${deps.region}:${deps.account}:stateMachine:NAME, got ${JSON.stringify(arn ?? null)}.`,
    };
  }
  if (match[1] !== deps.region || match[2] !== deps.account) {
    return {
      ok: false,
      error: 'StepFunctions.StateMachineDoesNotExistException',
      cause: `State Machine Does Not Exist: '${match[0]}' (this Baton serves region ${deps.region}, account ${deps.account}).`,
    };
  }
  const qualifier = match[4];
  const target =
    qualifier === undefined
      ? {}
      : /^[1-9]\d*$/.test(qualifier)
        ? { version: Number(qualifier) }
        : { alias: qualifier };
  let childInput: JsonValue = input['Input'] ?? {};
  if (typeof childInput === 'string') {
    try {
      childInput = JSON.parse(childInput) as JsonValue;
    } catch {
      return {
        ok: false,
        error: 'StepFunctions.InvalidExecutionInputException',
        cause: 'Input is a string that is not JSON; pass an object, or JSON text.',
      };
    }
  }
  const name = input['Name'];
  if (name !== undefined && typeof name !== 'string') return invalid('Name must be a string.');
  return {
    ok: true,
    workflow: match[3],
    target,
    input: childInput,
    ...(name === undefined ? {} : { name }),
  };
}

/** AWS names the child with a UUID; ours derives from the task attempt, so a re-run finds it. */
function childName(idempotencyKey: string): string {
  const hex = createHash('sha256').update(idempotencyKey).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function startFailure(error: unknown): TaskOutcome {
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const message = error instanceof Error ? error.message : String(error);
  const names: Record<string, string> = {
    WORKFLOW_NOT_FOUND: 'StepFunctions.StateMachineDoesNotExistException',
    VERSION_NOT_FOUND: 'StepFunctions.StateMachineDoesNotExistException',
    ALIAS_NOT_FOUND: 'StepFunctions.StateMachineDoesNotExistException',
    ALREADY_EXISTS: 'StepFunctions.ExecutionAlreadyExistsException',
    INVALID_NAME: 'StepFunctions.InvalidNameException',
    INVALID_DEFINITION: 'StepFunctions.InvalidDefinitionException',
  };
  const name = names[code];
  if (name === undefined) throw error; // not the child's fault: the task is retried after its lease
  return { ok: false, error: name, cause: message };
}

/** The child as DescribeExecution shows it; `.sync:2` parses Input and Output as JSON. */
function describe(child: ExecutionRecord, parsed: boolean): JsonValue {
  const json = (text: string | null): JsonValue =>
    text === null ? null : parsed ? (JSON.parse(text) as JsonValue) : text;
  return {
    ExecutionArn: child.id,
    StateMachineArn: child.id.replace(/:execution:([^:]+):[^:]+$/, ':stateMachine:$1'),
    Name: child.name,
    Status: child.status,
    StartDate: epochMillis(child.startedAt),
    ...(child.stoppedAt === null ? {} : { StopDate: epochMillis(child.stoppedAt) }),
    Input: json(child.input),
    InputDetails: { Included: true },
    ...(child.output === null
      ? {}
      : { Output: json(child.output), OutputDetails: { Included: true } }),
    ...(child.error === null ? {} : { Error: child.error }),
    ...(child.cause === null ? {} : { Cause: child.cause }),
    RedriveCount: child.redriveCount,
  };
}

function epochMillis(timestamp: string): number {
  return parseTimestamp(timestamp) ?? 0;
}
