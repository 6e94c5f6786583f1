/**
 * What each state type does when a run enters it, and how the states that wait (Task, Wait,
 * Parallel, Map) finish once their result arrives. Handlers are pure: they return an outcome
 * and the step driver turns it into history, commands and the next position.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { assertNever, isJsonArray, jsonByteLength } from '../../common/index.js';
import type {
  ChoiceRule,
  ChoiceState,
  FailState,
  MapState,
  ParallelState,
  PassState,
  State,
  SucceedState,
  TaskState,
  WaitState,
} from '../definition/types.js';
import { StatesError, StatesErrorNames } from '../errors.js';
import { evaluateIntrinsic, isIntrinsicInvocation } from '../intrinsics/index.js';
import { queryPath } from '../paths/index.js';
import { evaluatePayloadTemplate } from '../paths/index.js';
import type { ChoiceSelection } from '../states/choice-rules.js';
import { evaluateJsonataTemplate } from '../jsonata/index.js';
import { selectChoice, selectJsonataChoice } from '../states/choice-rules.js';
import { computeJsonataWaitDue, computeWaitDue } from '../states/wait-time.js';
import type { StateContext } from './context-object.js';
import type { Awaitable, FieldEnv, Finished, IoFields } from './io.js';
import {
  afterInputPath,
  checkPayload,
  effectiveInput,
  finishWithResult,
  pathContext,
  andThen,
  jsonataScope,
} from './io.js';
import type { PendingChild } from './model.js';

/** What a handler may read about the state being run. */
export interface StateEnv {
  readonly fields: FieldEnv;
  readonly state: State;
  readonly stateName: string;
  readonly now: string;
  /** The context object with extra members (a task token, a Map item). */
  contextWith(extra: Partial<Pick<StateContext, 'taskToken' | 'mapItem'>>): JsonObject;
  newTaskToken(): string;
}

export interface ChildrenOutcome {
  readonly kind: 'children';
  readonly children: readonly PendingChild[];
  /** 0 means no limit. */
  readonly maxConcurrency: number;
  readonly toleratedFailureCount?: number;
  readonly toleratedFailurePercentage?: number;
}

/** The outcome of entering a state. */
export type EnterOutcome =
  | { readonly kind: 'finished'; readonly finished: Finished; readonly next: string | undefined }
  /** An error the state's Retry/Catch (if any) handles. */
  | { readonly kind: 'error'; readonly error: string; readonly cause: string }
  /** A Fail state: ends the run; never retried or caught by the failing state itself. */
  | { readonly kind: 'fail'; readonly error: string; readonly cause: string }
  | {
      readonly kind: 'task';
      readonly resource: string;
      readonly input: JsonValue;
      readonly timeoutSeconds?: number;
      readonly heartbeatSeconds?: number;
      readonly credentials?: JsonValue;
      readonly taskToken?: string;
    }
  | { readonly kind: 'wait'; readonly dueAt: string; readonly effectiveInput: JsonValue }
  | ChildrenOutcome;

/** Runs the entry part of a state. Throws StatesError for ASL errors. */
export function enterState(env: StateEnv): Awaitable<EnterOutcome> {
  const { state } = env;
  switch (state.Type) {
    case 'Pass':
      return enterPass(env, state);
    case 'Task':
      return enterTask(env, state);
    case 'Choice':
      return enterChoice(env, state);
    case 'Wait':
      return enterWait(env, state);
    case 'Succeed':
      return enterSucceed(env, state);
    case 'Fail':
      return enterFail(env, state);
    case 'Parallel':
      return enterParallel(env, state);
    case 'Map':
      return enterMap(env, state);
    default:
      return assertNever(state, 'state type');
  }
}

type Completion = Finished & { readonly next: string | undefined };

/** A Task's result arrived: ResultSelector/ResultPath/OutputPath or Output, and Assign. */
export async function completeTask(
  env: StateEnv,
  state: TaskState,
  result: JsonValue,
): Promise<Completion> {
  checkPayload(env.fields, result, 'result');
  return { ...(await finishWithResult(env.fields, state, result)), next: state.Next };
}

/** A Wait state's timer fired. */
export async function completeWait(
  env: StateEnv,
  state: WaitState,
  waited: JsonValue,
): Promise<Completion> {
  const finished = await finishWithResult(env.fields, state, waited, { hasResult: false });
  return { ...finished, next: state.Next };
}

/** Every branch or iteration finished: the results array is the state's result. */
export function completeChildren(
  env: StateEnv,
  state: ParallelState | MapState,
  results: readonly JsonValue[],
): Awaitable<Completion> {
  const result = checkPayload(env.fields, results, 'result');
  return andThen(finishWithResult(env.fields, state, result), (finished) => ({
    ...finished,
    next: state.Next,
  }));
}

/** Splits a Task resource into the `resourceType`/`resource` pair of history events. */
export function resourceParts(resource: string): { resourceType: string; resource: string } {
  // arn:aws:states:::lambda:invoke -> lambda / invoke; arn:aws:lambda:...:function:f -> lambda / arn
  const serviceIntegration = /^arn:[^:]+:states:[^:]*:[^:]*:([^:]+):(.+)$/.exec(resource);
  if (serviceIntegration?.[1] !== undefined && serviceIntegration[2] !== undefined) {
    return { resourceType: serviceIntegration[1], resource: serviceIntegration[2] };
  }
  const arn = /^arn:[^:]+:([^:]+):/.exec(resource);
  if (arn?.[1] !== undefined) return { resourceType: arn[1], resource };
  const baton = /^baton:([^:]+):?(.*)$/.exec(resource);
  if (baton?.[1] !== undefined)
    return { resourceType: `baton:${baton[1]}`, resource: baton[2] ?? '' };
  return { resourceType: 'unknown', resource };
}

// ---------------------------------------------------------------------- states

function enterPass(env: StateEnv, state: PassState): Awaitable<EnterOutcome> {
  const { fields } = env;
  const finish = (finished: Finished): EnterOutcome => ({
    kind: 'finished',
    finished,
    next: state.Next,
  });
  if (fields.language === 'JSONata') {
    return andThen(finishWithResult(fields, state, fields.input, { hasResult: false }), finish);
  }
  return andThen(effectiveInput(fields, state), (effective) =>
    andThen(
      finishWithResult(fields, state, state.Result !== undefined ? state.Result : effective),
      finish,
    ),
  );
}

const WAIT_FOR_TASK_TOKEN = '.waitForTaskToken';

/** An activity ARN (`arn:aws:states:REGION:ACCOUNT:activity:NAME`): workers poll for its tasks. */
export function isActivityResource(resource: string): boolean {
  return /^arn:[^:]+:states:[^:]*:[^:]*:activity:[^:]+$/.test(resource);
}

async function enterTask(env: StateEnv, state: TaskState): Promise<EnterOutcome> {
  const callback = state.Resource.endsWith(WAIT_FOR_TASK_TOKEN);
  // Activities get a token too: GetActivityTask hands it to the worker, which answers with it.
  // Only `.waitForTaskToken` puts it in the context object ($$.Task.Token).
  const taskToken = callback || isActivityResource(state.Resource) ? env.newTaskToken() : undefined;
  const context = callback && taskToken !== undefined ? env.contextWith({ taskToken }) : undefined;
  const base = afterInputPath(env.fields, state, context);
  const input = await effectiveInput(env.fields, state, context, base);
  const timeoutSeconds = await resolveInteger(
    env,
    base,
    state.TimeoutSeconds,
    state.TimeoutSecondsPath,
    'TimeoutSeconds',
    1,
  );
  const heartbeatSeconds = await resolveInteger(
    env,
    base,
    state.HeartbeatSeconds,
    state.HeartbeatSecondsPath,
    'HeartbeatSeconds',
    1,
  );
  const credentials =
    state.Credentials === undefined
      ? undefined
      : env.fields.language === 'JSONata'
        ? await evaluateJsonataTemplate(state.Credentials, jsonataScope(env.fields), 'Credentials')
        : evaluatePayloadTemplate(state.Credentials, pathContext(env.fields, base), 'Credentials');
  return {
    kind: 'task',
    resource: state.Resource,
    input,
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    ...(heartbeatSeconds === undefined ? {} : { heartbeatSeconds }),
    ...(credentials === undefined ? {} : { credentials }),
    ...(taskToken === undefined ? {} : { taskToken }),
  };
}

function enterChoice(env: StateEnv, state: ChoiceState): Awaitable<EnterOutcome> {
  const { fields } = env;
  const effective = afterInputPath(fields, state);
  const selection =
    fields.language === 'JSONata'
      ? selectJsonataChoice(state, jsonataScope(fields))
      : selectChoice(state, pathContext(fields, effective));
  return andThen(selection, (selected) => choose(env, state, effective, selected));
}

function choose(
  env: StateEnv,
  state: ChoiceState,
  effective: JsonValue,
  selection: ChoiceSelection,
): Awaitable<EnterOutcome> {
  const { fields } = env;
  if (selection.kind === 'noMatch') {
    throw new StatesError(
      StatesErrorNames.NoChoiceMatched,
      `No Choice Rules matched in the Choice state '${env.stateName}' and no Default was given.`,
    );
  }
  // The state's Assign "applies regardless of which choice rule matches", and a matching
  // rule's own Assign adds to it (AWS state-choice, "Choice Rules (JSONata)"); on a shared
  // name the rule, being the more specific, wins. A rule's Output replaces the state's.
  const rule: ChoiceRule | undefined = selection.kind === 'matched' ? selection.rule : undefined;
  const assign = mergeAssign(state.Assign, rule?.Assign);
  const output = rule?.Output ?? state.Output;
  const io: IoFields = {
    ...(state.OutputPath === undefined ? {} : { OutputPath: state.OutputPath }),
    ...(assign === undefined ? {} : { Assign: assign }),
    ...(output === undefined ? {} : { Output: output }),
  };
  const next = selection.next;
  return andThen(finishWithResult(fields, io, effective, { hasResult: false }), (finished) => ({
    kind: 'finished',
    finished,
    next,
  }));
}

/** Combines two Assign templates; `inner` wins for a variable both name (`x` or `x.$`). */
function mergeAssign(
  outer: JsonObject | undefined,
  inner: JsonObject | undefined,
): JsonObject | undefined {
  if (inner === undefined) return outer;
  if (outer === undefined) return inner;
  const variableOf = (key: string): string => (key.endsWith('.$') ? key.slice(0, -2) : key);
  const overridden = new Set(Object.keys(inner).map(variableOf));
  const merged: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(outer)) {
    if (!overridden.has(variableOf(key))) merged[key] = value;
  }
  return { ...merged, ...inner };
}

async function enterWait(env: StateEnv, state: WaitState): Promise<EnterOutcome> {
  const effective = afterInputPath(env.fields, state);
  const due =
    env.fields.language === 'JSONata'
      ? await computeJsonataWaitDue(state, jsonataScope(env.fields))
      : computeWaitDue(state, pathContext(env.fields, effective));
  return { kind: 'wait', dueAt: due.dueTimestamp, effectiveInput: effective };
}

function enterSucceed(env: StateEnv, state: SucceedState): Awaitable<EnterOutcome> {
  const effective = afterInputPath(env.fields, state);
  return andThen(
    finishWithResult(env.fields, state, effective, { hasResult: false }),
    (finished) => ({
      kind: 'finished',
      finished,
      next: undefined,
    }),
  );
}

async function enterFail(env: StateEnv, state: FailState): Promise<EnterOutcome> {
  const error = await failField(env, state.Error, state.ErrorPath, 'Error');
  const cause = await failField(env, state.Cause, state.CausePath, 'Cause');
  return { kind: 'fail', error: error ?? '', cause: cause ?? '' };
}

/** Fail's Error/Cause: a string, a JSONata expression, or (JSONPath) a path or intrinsic. */
async function failField(
  env: StateEnv,
  literal: string | undefined,
  path: string | undefined,
  field: 'Error' | 'Cause',
): Promise<string | undefined> {
  const { fields } = env;
  let value: JsonValue | undefined = literal;
  if (literal !== undefined && fields.language === 'JSONata') {
    value = await evaluateJsonataTemplate(literal, jsonataScope(fields), field);
  } else if (path !== undefined) {
    const ctx = pathContext(fields, fields.input);
    value = isIntrinsicInvocation(path) ? evaluateIntrinsic(path, ctx) : queryPath(path, ctx);
  }
  if (value === undefined || typeof value === 'string') return value;
  throw new StatesError(
    fields.language === 'JSONata'
      ? StatesErrorNames.QueryEvaluationError
      : StatesErrorNames.Runtime,
    `The ${field}${path !== undefined ? 'Path' : ''} of Fail state '${env.stateName}' must resolve to a string, but it resolved to ${describe(value)}.`,
  );
}

async function enterParallel(env: StateEnv, state: ParallelState): Promise<EnterOutcome> {
  const input = await effectiveInput(env.fields, state);
  const children = state.Branches.map((_branch, index): PendingChild => ({ index, input }));
  return { kind: 'children', children, maxConcurrency: 0 };
}

async function enterMap(env: StateEnv, state: MapState): Promise<EnterOutcome> {
  const { fields } = env;
  refuseUnsupportedMapIo(env, state);
  const effective = afterInputPath(fields, state);
  const items = await mapItems(env, state, effective);
  const selector = state.ItemSelector ?? state.Parameters;
  const selected: JsonValue[] = [];
  for (let index = 0; index < items.length; index++) {
    const value = items[index] ?? null;
    if (selector === undefined) {
      selected.push(value);
      continue;
    }
    const context = env.contextWith({ mapItem: { index, value } });
    selected.push(
      fields.language === 'JSONata'
        ? await evaluateJsonataTemplate(selector, jsonataScope(fields, { context }), 'ItemSelector')
        : evaluatePayloadTemplate(
            selector,
            pathContext(fields, effective, context),
            'ItemSelector',
          ),
    );
  }
  const inputs = state.ItemBatcher ? await batchItems(env, state, effective, selected) : selected;
  const children = inputs.map((input, index): PendingChild => ({
    index,
    input: checkPayload(fields, input, 'input'),
  }));
  const maxConcurrency =
    (await resolveInteger(
      env,
      effective,
      state.MaxConcurrency,
      state.MaxConcurrencyPath,
      'MaxConcurrency',
      0,
    )) ?? 0;
  // A distributed Map tolerates no failed item unless told otherwise, and reports going over
  // the threshold as States.ExceedToleratedFailureThreshold (state-map-distributed); an inline
  // Map without tolerance fields fails with the iteration's own error.
  const isDistributed = state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
  const toleratedFailureCount = await resolveInteger(
    env,
    effective,
    state.ToleratedFailureCount,
    state.ToleratedFailureCountPath,
    'ToleratedFailureCount',
    0,
  );
  const toleratedFailurePercentage = await resolveNumber(
    env,
    effective,
    state.ToleratedFailurePercentage,
    state.ToleratedFailurePercentagePath,
    'ToleratedFailurePercentage',
  );
  if (
    toleratedFailurePercentage !== undefined &&
    (toleratedFailurePercentage < 0 || toleratedFailurePercentage > 100)
  ) {
    throw new StatesError(
      StatesErrorNames.Runtime,
      `ToleratedFailurePercentage of Map state '${env.stateName}' must be between 0 and 100, but it is ${toleratedFailurePercentage}.`,
    );
  }
  const defaultTolerance =
    isDistributed && toleratedFailureCount === undefined && toleratedFailurePercentage === undefined
      ? { toleratedFailureCount: 0 }
      : {};
  return {
    kind: 'children',
    children,
    maxConcurrency,
    ...defaultTolerance,
    ...(toleratedFailureCount === undefined ? {} : { toleratedFailureCount }),
    ...(toleratedFailurePercentage === undefined ? {} : { toleratedFailurePercentage }),
  };
}

/**
 * ItemReader (items from S3 and the like) and ResultWriter (results to S3) need integrations
 * that Baton does not have yet. Failing with AWS's own error names, catchable like AWS's, beats
 * iterating the wrong items or dropping results without a word.
 */
function refuseUnsupportedMapIo(env: StateEnv, state: MapState): void {
  if (state.ItemReader !== undefined) {
    throw new StatesError(
      StatesErrorNames.ItemReaderFailed,
      `Map state '${env.stateName}' has an ItemReader, which Baton cannot run yet (reading items from ${resourceOf(state.ItemReader)} needs an integration). Pass the items in the state input and use ItemsPath or Items instead.`,
    );
  }
  if (state.ResultWriter !== undefined) {
    throw new StatesError(
      StatesErrorNames.ResultWriterFailed,
      `Map state '${env.stateName}' has a ResultWriter, which Baton cannot run yet (writing results to ${resourceOf(state.ResultWriter)} needs an integration). Remove it to get the results as the state's output.`,
    );
  }
}

function resourceOf(config: JsonObject): string {
  const resource = config['Resource'];
  return typeof resource === 'string' ? resource : 'its Resource';
}

/** The array a Map iterates: ItemsPath (JSONPath) or Items (JSONata), by default the input. */
async function mapItems(
  env: StateEnv,
  state: MapState,
  effective: JsonValue,
): Promise<readonly JsonValue[]> {
  const { fields } = env;
  let items: JsonValue | undefined;
  if (fields.language === 'JSONata') {
    items =
      state.Items === undefined
        ? fields.input
        : await evaluateJsonataTemplate(state.Items, jsonataScope(fields), 'Items');
  } else {
    items =
      state.ItemsPath === undefined
        ? effective
        : queryPath(state.ItemsPath, pathContext(fields, effective));
  }
  if (items !== undefined && isJsonArray(items)) return items;
  const where = fields.language === 'JSONata' ? 'Items' : `ItemsPath '${state.ItemsPath ?? '$'}'`;
  throw new StatesError(
    fields.language === 'JSONata'
      ? StatesErrorNames.QueryEvaluationError
      : StatesErrorNames.Runtime,
    `The ${where} of Map state '${env.stateName}' must resolve to a JSON array, but it resolved to ${describe(items)}.`,
  );
}

/**
 * Groups items into batches for ItemBatcher: each child gets `{"Items": [...]}` plus
 * `"BatchInput"` when given (AWS state-map-distributed "ItemBatcher").
 */
async function batchItems(
  env: StateEnv,
  state: MapState,
  effective: JsonValue,
  items: readonly JsonValue[],
): Promise<JsonValue[]> {
  const batcher = state.ItemBatcher;
  if (!batcher) return [...items];
  const maxItems = await resolveInteger(
    env,
    effective,
    batcher.MaxItemsPerBatch,
    batcher.MaxItemsPerBatchPath,
    'MaxItemsPerBatch',
    1,
  );
  const maxBytes = await resolveInteger(
    env,
    effective,
    batcher.MaxInputBytesPerBatch,
    batcher.MaxInputBytesPerBatchPath,
    'MaxInputBytesPerBatch',
    1,
  );
  let batchInput: JsonValue | undefined;
  if (batcher.BatchInput !== undefined) {
    batchInput =
      env.fields.language === 'JSONata'
        ? await evaluateJsonataTemplate(batcher.BatchInput, jsonataScope(env.fields), 'BatchInput')
        : evaluatePayloadTemplate(
            batcher.BatchInput,
            pathContext(env.fields, effective),
            'BatchInput',
          );
  }
  const batches: JsonValue[][] = [];
  let current: JsonValue[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const size = maxBytes === undefined ? 0 : jsonByteLength(item);
    const full =
      current.length > 0 &&
      ((maxItems !== undefined && current.length >= maxItems) ||
        (maxBytes !== undefined && currentBytes + size > maxBytes));
    if (full) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches.map((batch) =>
    batchInput === undefined ? { Items: batch } : { BatchInput: batchInput, Items: batch },
  );
}

/**
 * Resolves a numeric field given as a literal, a JSONata expression, or a `*Path`.
 * Returns undefined when neither is present.
 */
async function resolveNumber(
  env: StateEnv,
  effective: JsonValue,
  literal: number | string | undefined,
  path: string | undefined,
  field: string,
): Promise<number | undefined> {
  const { fields } = env;
  let value: JsonValue | undefined;
  let errorName: string = StatesErrorNames.Runtime;
  if (typeof literal === 'number') return literal;
  if (typeof literal === 'string') {
    value = await evaluateJsonataTemplate(literal, jsonataScope(fields), field);
    errorName = StatesErrorNames.QueryEvaluationError;
  } else if (path !== undefined) {
    value = queryPath(path, pathContext(fields, effective));
  } else {
    return undefined;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new StatesError(
    errorName,
    `The ${field}${path !== undefined ? 'Path' : ''} field of state '${env.stateName}' must resolve to a number, but it resolved to ${describe(value)}.`,
  );
}

async function resolveInteger(
  env: StateEnv,
  effective: JsonValue,
  literal: number | string | undefined,
  path: string | undefined,
  field: string,
  minimum: number,
): Promise<number | undefined> {
  const value = await resolveNumber(env, effective, literal, path, field);
  if (value === undefined || (Number.isInteger(value) && value >= minimum)) return value;
  throw new StatesError(
    typeof literal === 'string' ? StatesErrorNames.QueryEvaluationError : StatesErrorNames.Runtime,
    `The ${field} field of state '${env.stateName}' must be an integer of at least ${minimum}, but it is ${value}.`,
  );
}

function describe(value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
