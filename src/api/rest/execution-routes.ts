/**
 * Executions: list with filters, get, start, stop, redrive, the current position (which
 * states are running or waiting, from the snapshot) and the history, paged both ways.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { exceedsJsonByteLength, getOwn, isJsonArray, isJsonObject } from '../../common/index.js';
import type { ExecutionFilter, ExecutionRecord, StoredEvent } from '../../store/index.js';
import { EXECUTION_STATUSES } from '../../store/index.js';
import { historyEvent } from '../sfn/index.js';
import { RestError, invalid, notFound } from './errors.js';
import { Fields, parseJsonBody } from './input.js';
import { listPage, readPage } from './pages.js';
import type { ParameterDoc, RestCall, RestContext, RestRoute } from './route.js';
import { PAGE_QUERY, PAGE_QUERY_NAMES, ok } from './route.js';
import {
  EXECUTION_SCHEMA,
  EXECUTION_SUMMARY_SCHEMA,
  HISTORY_EVENT_SCHEMA,
  listOf,
} from './schemas.js';

/** AWS's default payload limit for an execution's input. */
const MAX_INPUT_BYTES = 256 * 1024;
const MAX_ARN_LENGTH = 2000;

export const ARN_PARAM: Readonly<Record<string, ParameterDoc>> = {
  executionArn: {
    description: 'The execution ARN, percent-encoded as one path segment.',
    schema: { type: 'string' },
    required: true,
  },
};

export function executionSummary(execution: ExecutionRecord): JsonObject {
  return {
    executionArn: execution.id,
    workflow: execution.workflow,
    name: execution.name,
    status: execution.status,
    version: execution.version,
    alias: execution.alias,
    startedAt: execution.startedAt,
    stoppedAt: execution.stoppedAt,
    redriveCount: execution.redriveCount,
    eventCount: execution.eventCount,
  };
}

export function executionDetail(execution: ExecutionRecord): JsonObject {
  return {
    ...executionSummary(execution),
    input: parseStored(execution.input),
    output: execution.output === null ? null : parseStored(execution.output),
    error: execution.error,
    cause: execution.cause,
  };
}

function parseStored(text: string): JsonValue {
  const value: unknown = JSON.parse(text);
  return value as JsonValue; // written by the engine with JSON.stringify
}

/** A history event in GetExecutionHistory's shape, with the timestamp as the store's ISO text. */
export function eventShape(event: StoredEvent): JsonObject {
  return { ...historyEvent(event, true), timestamp: event.timestamp };
}

/**
 * The execution the path names.
 * @throws RestError VALIDATION for text that is not one of this server's execution ARNs,
 *   NOT_FOUND when there is none.
 */
export async function existingExecution(call: RestCall): Promise<ExecutionRecord> {
  const arn = call.params['executionArn'] ?? '';
  const prefix = call.context.arns.execution('', '').replace(/:$/, '');
  if (
    arn.length > MAX_ARN_LENGTH ||
    !arn.startsWith(prefix) ||
    !/^[^:/]+:[^:/]+$/.test(arn.slice(prefix.length))
  ) {
    throw invalid([
      {
        location: 'path',
        pointer: '/executionArn',
        message: `must be an execution ARN of this server (${prefix}WORKFLOW:NAME)`,
      },
    ]);
  }
  const execution = await call.context.store.executions.get(arn);
  if (execution === undefined) throw notFound('execution with that ARN');
  return execution;
}

async function reread(context: RestContext, id: string): Promise<ExecutionRecord> {
  const execution = await context.store.executions.get(id);
  if (execution === undefined) throw notFound('execution with that ARN');
  return execution;
}

const LIST_QUERY: Readonly<Record<string, ParameterDoc>> = {
  workflow: { description: 'Only executions of this workflow.', schema: { type: 'string' } },
  status: {
    description: 'Only executions with this status.',
    schema: { enum: EXECUTION_STATUSES },
  },
  version: {
    description: 'Only executions of this version (needs workflow).',
    schema: { type: 'integer', minimum: 1 },
  },
  alias: {
    description: 'Only executions started through this alias (needs workflow).',
    schema: { type: 'string' },
  },
  startedFrom: {
    description: 'Started at or after this instant (ISO-8601).',
    schema: { type: 'string', format: 'date-time' },
  },
  startedBefore: {
    description: 'Started before this instant (ISO-8601).',
    schema: { type: 'string', format: 'date-time' },
  },
  ...PAGE_QUERY,
};

export const EXECUTION_ROUTES: readonly RestRoute[] = [
  {
    method: 'GET',
    path: '/executions',
    operationId: 'listExecutions',
    summary:
      'Lists executions, newest first, filtered by workflow, status, version, alias and start time.',
    query: LIST_QUERY,
    responses: {
      200: {
        description: 'One page of executions.',
        schema: listOf('executions', EXECUTION_SUMMARY_SCHEMA),
      },
    },
    handle: async (call) => {
      const fields = new Fields(call.query, 'query', Object.keys(LIST_QUERY));
      const workflow = fields.string('workflow', { min: 1, max: 80 });
      const status = fields.enumOf('status', EXECUTION_STATUSES);
      const version = fields.integer('version', 1, 2 ** 31);
      const alias = fields.string('alias', { min: 1, max: 80 });
      const startedFrom = fields.instant('startedFrom');
      const startedBefore = fields.instant('startedBefore');
      if ((version !== undefined || alias !== undefined) && workflow === undefined) {
        fields.problem(version !== undefined ? 'version' : 'alias', 'needs workflow');
      }
      const page = readPage(fields);
      fields.check();
      const filter: ExecutionFilter = {
        ...(workflow === undefined ? {} : { workflow }),
        ...(status === undefined ? {} : { status }),
        ...(version === undefined ? {} : { version }),
        ...(alias === undefined ? {} : { alias }),
        ...(startedFrom === undefined ? {} : { startedFrom }),
        ...(startedBefore === undefined ? {} : { startedBefore }),
      };
      const scope = [
        'listExecutions',
        workflow ?? null,
        status ?? null,
        version ?? null,
        alias ?? null,
        startedFrom ?? null,
        startedBefore ?? null,
      ];
      const result = await listPage(call.context, page, scope, (r) =>
        call.context.store.executions.list(filter, r),
      );
      return ok({
        executions: result.items.map(executionSummary),
        ...(result.nextToken === undefined ? {} : { nextToken: result.nextToken }),
      });
    },
  },
  {
    method: 'POST',
    path: '/executions',
    operationId: 'startExecution',
    summary: 'Starts an execution of a workflow (its current revision, a version, or an alias).',
    body: {
      required: true,
      schema: {
        type: 'object',
        required: ['workflow'],
        properties: {
          workflow: { type: 'string' },
          name: { type: 'string', description: 'Unique per workflow; default a UUID.' },
          input: { description: 'Any JSON value (default {}), at most 256 KiB.' },
          version: { type: 'integer', minimum: 1 },
          alias: { type: 'string' },
        },
      },
    },
    responses: {
      201: { description: 'Started.', schema: EXECUTION_SCHEMA },
      200: {
        description: 'A running execution with the same name and input already existed.',
        schema: EXECUTION_SCHEMA,
      },
    },
    handle: async (call) => {
      const fields = new Fields(parseJsonBody(call.body), 'body', [
        'workflow',
        'name',
        'input',
        'version',
        'alias',
      ]);
      const workflow = fields.string('workflow', { required: true, min: 1, max: 80 });
      const name = fields.string('name', { min: 1, max: 80 });
      const version = fields.integer('version', 1, 2 ** 31);
      const alias = fields.string('alias', { min: 1, max: 80 });
      if (version !== undefined && alias !== undefined)
        fields.problem('alias', 'give a version or an alias, not both');
      const input = fields.raw('input') ?? {};
      if (exceedsJsonByteLength(input, MAX_INPUT_BYTES))
        fields.problem('input', `must be at most ${MAX_INPUT_BYTES} bytes as JSON`);
      fields.check();
      const { execution, created } = await call.context.engine.start({
        workflow,
        name: name ?? call.context.newId(),
        input,
        ...(version === undefined ? {} : { version }),
        ...(alias === undefined ? {} : { alias }),
      });
      return ok(executionDetail(execution), created ? 201 : 200);
    },
  },
  {
    method: 'GET',
    path: '/executions/:executionArn',
    operationId: 'getExecution',
    summary: 'An execution with its input, output, error and cause.',
    params: ARN_PARAM,
    responses: { 200: { description: 'The execution.', schema: EXECUTION_SCHEMA } },
    handle: async (call) => ok(executionDetail(await existingExecution(call))),
  },
  {
    method: 'POST',
    path: '/executions/:executionArn/stop',
    operationId: 'stopExecution',
    summary: 'Stops a running execution (ABORTED).',
    params: ARN_PARAM,
    body: {
      required: false,
      schema: {
        type: 'object',
        properties: {
          error: { type: 'string', maxLength: 256 },
          cause: { type: 'string', maxLength: 32768 },
        },
      },
    },
    responses: { 200: { description: 'The stopped execution.', schema: EXECUTION_SCHEMA } },
    handle: async (call) => {
      const fields = new Fields(parseJsonBody(call.body), 'body', ['error', 'cause']);
      const error = fields.string('error', { max: 256 });
      const cause = fields.string('cause', { max: 32768 });
      fields.check();
      const execution = await existingExecution(call);
      if (execution.status !== 'RUNNING') {
        throw new RestError(
          'CONFLICT',
          `The execution is ${execution.status}, not RUNNING: there is nothing to stop.`,
        );
      }
      await call.context.engine.stop(execution.id, error ?? '', cause ?? '');
      return ok(executionDetail(await reread(call.context, execution.id)));
    },
  },
  {
    method: 'POST',
    path: '/executions/:executionArn/redrive',
    operationId: 'redriveExecution',
    summary: 'Redrives a failed, timed-out or aborted execution from where it stopped.',
    params: ARN_PARAM,
    responses: { 200: { description: 'The redriven execution.', schema: EXECUTION_SCHEMA } },
    handle: async (call) => {
      const execution = await existingExecution(call);
      await call.context.engine.redrive(execution.id);
      return ok(executionDetail(await reread(call.context, execution.id)));
    },
  },
  {
    method: 'GET',
    path: '/executions/:executionArn/history',
    operationId: 'getExecutionHistory',
    summary: 'The history events, oldest first (or newest first with reverse=true).',
    params: ARN_PARAM,
    query: {
      reverse: { description: 'Newest first.', schema: { type: 'boolean' } },
      ...PAGE_QUERY,
    },
    responses: {
      200: { description: 'One page of events.', schema: listOf('events', HISTORY_EVENT_SCHEMA) },
    },
    handle: async (call) => {
      const fields = new Fields(call.query, 'query', ['reverse', ...PAGE_QUERY_NAMES]);
      const reverse = fields.boolean('reverse') ?? false;
      const page = readPage(fields);
      fields.check();
      const execution = await existingExecution(call);
      const result = await listPage(
        call.context,
        page,
        ['getExecutionHistory', execution.id, reverse],
        (r) => call.context.store.executions.history(execution.id, { ...r, reverse }),
      );
      return ok({
        events: result.items.map(eventShape),
        ...(result.nextToken === undefined ? {} : { nextToken: result.nextToken }),
      });
    },
  },
  {
    method: 'GET',
    path: '/executions/:executionArn/position',
    operationId: 'getExecutionPosition',
    summary: 'Where the execution is now: the states running or waiting, from its snapshot.',
    params: ARN_PARAM,
    responses: {
      200: {
        description: 'The execution status and its active states.',
        schema: {
          type: 'object',
          properties: {
            executionArn: { type: 'string' },
            status: { enum: EXECUTION_STATUSES },
            states: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  runId: { type: 'string' },
                  parentRunId: { type: ['string', 'null'] },
                  state: { type: 'string' },
                  waitingFor: { enum: ['start', 'task', 'callback', 'timer', 'retry', 'branches'] },
                  enteredAt: { type: ['string', 'null'], format: 'date-time' },
                  retryCount: { type: 'integer' },
                },
              },
            },
          },
        },
      },
    },
    handle: async (call) => {
      const execution = await existingExecution(call);
      const stored = await call.context.store.executions.snapshot(execution.id);
      const states = stored === undefined ? [] : activeStates(stored.snapshot);
      return ok({ executionArn: execution.id, status: execution.status, states });
    },
  },
];

/** What a run's position says it waits for. Task tokens and inputs are never shown. */
function activeStates(snapshotText: string): JsonObject[] {
  const snapshot = parseStored(snapshotText);
  const runs = isJsonObject(snapshot) ? getOwn(snapshot, 'runs') : undefined;
  if (!isJsonArray(runs)) return [];
  const out: JsonObject[] = [];
  for (const run of runs) {
    if (!isJsonObject(run)) continue;
    const position = getOwn(run, 'position');
    if (!isJsonObject(position)) continue;
    const state = getOwn(position, 'stateName');
    const waitingFor = waitOf(position);
    if (typeof state !== 'string' || waitingFor === undefined) continue;
    const attempts = getOwn(position, 'attempts');
    const parent = getOwn(run, 'parent');
    const entered = isJsonObject(attempts) ? getOwn(attempts, 'enteredTime') : undefined;
    const retryCount = isJsonObject(attempts) ? getOwn(attempts, 'retryCount') : undefined;
    const runId = getOwn(run, 'id');
    const parentRunId = isJsonObject(parent) ? getOwn(parent, 'runId') : undefined;
    out.push({
      runId: typeof runId === 'string' ? runId : '',
      parentRunId: typeof parentRunId === 'string' ? parentRunId : null,
      state,
      waitingFor,
      enteredAt: typeof entered === 'string' ? entered : null,
      retryCount: typeof retryCount === 'number' ? retryCount : 0,
    });
  }
  return out;
}

function waitOf(position: JsonObject): string | undefined {
  const kind = getOwn(position, 'kind');
  if (kind === 'ready') return 'start';
  if (kind === 'task') return getOwn(position, 'taskToken') === undefined ? 'task' : 'callback';
  if (kind === 'timer') return getOwn(position, 'purpose') === 'retry' ? 'retry' : 'timer';
  if (kind === 'children') return 'branches';
  return undefined; // succeeded or failed: not active
}
