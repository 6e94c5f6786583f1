/**
 * Input and output processing of one state in either query language.
 *
 * JSONPath (AWS concepts-input-output-filtering): InputPath -> Parameters -> [work] ->
 * ResultSelector -> ResultPath -> OutputPath, with Assign evaluated on the result after
 * ResultSelector. JSONata (AWS transforming-data): Arguments -> [work] -> Output and Assign,
 * both evaluated against `$states` and the variable values from state entry.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { exceedsJsonByteLength, isJsonObject, jsonByteLength } from '../../common/index.js';
import type { Catcher, QueryLanguage } from '../definition/types.js';
import { StatesError, StatesErrorNames } from '../errors.js';
import type { EvaluationContext, RandomSource } from '../evaluation-context.js';
import type { JsonataScope } from '../jsonata/index.js';
import { evaluateJsonataTemplate } from '../jsonata/index.js';
import {
  applyInputPath,
  applyOutputPath,
  applyResultPath,
  evaluatePayloadTemplate,
} from '../paths/index.js';

/** Everything field evaluation reads for one state of one run. */
export interface FieldEnv {
  readonly language: QueryLanguage;
  readonly stateName: string;
  /** Raw state input (what the previous state passed on). */
  readonly input: JsonValue;
  readonly context: JsonObject;
  readonly variables: JsonObject;
  readonly random: RandomSource;
  readonly now: string;
  readonly payloadLimit: number;
  /** Receives each intermediate value, for TestState-style inspection (`baton test-state`). */
  readonly inspect?: (stage: InspectionStage, value: JsonValue) => void;
}

/** The stages AWS TestState reports at inspection level DEBUG. */
export type InspectionStage =
  | 'afterInputPath'
  | 'afterParameters'
  | 'afterArguments'
  | 'result'
  | 'afterResultSelector'
  | 'afterResultPath';

/** The fields that shape a state's input and output; which exist depends on the state type. */
export interface IoFields {
  readonly InputPath?: string | null;
  readonly Parameters?: JsonValue;
  readonly Arguments?: JsonValue;
  readonly ResultSelector?: JsonValue;
  readonly ResultPath?: string | null;
  readonly OutputPath?: string | null;
  readonly Output?: JsonValue;
  readonly Assign?: JsonObject;
}

/** A JSONPath evaluation context over `value` as `$`. */
export function pathContext(
  env: FieldEnv,
  value: JsonValue,
  context = env.context,
): EvaluationContext {
  return { input: value, context, variables: env.variables, random: env.random, now: env.now };
}

/** The JSONata scope (`$states` and variables) for this state. */
export function jsonataScope(
  env: FieldEnv,
  extra: {
    readonly result?: JsonValue;
    readonly errorOutput?: JsonValue;
    readonly context?: JsonObject;
  } = {},
): JsonataScope {
  return {
    input: env.input,
    context: extra.context ?? env.context,
    variables: env.variables,
    random: env.random,
    now: env.now,
    ...(extra.result === undefined ? {} : { result: extra.result }),
    ...(extra.errorOutput === undefined ? {} : { errorOutput: extra.errorOutput }),
  };
}

/**
 * A value now (JSONPath states, which never wait) or later (JSONata, whose evaluator is
 * async). Keeping JSONPath synchronous saves several microtask turns per state.
 */
export type Awaitable<T> = T | Promise<T>;

/** True for a Promise (the only thenable Baton's own code produces). */
export function isPromise<T>(value: Awaitable<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** Applies `next` to a value now, or once it arrives. */
export function andThen<T, U>(value: Awaitable<T>, next: (value: T) => Awaitable<U>): Awaitable<U> {
  return isPromise(value) ? value.then(next) : next(value);
}

/**
 * JSONPath: InputPath then Parameters. JSONata: Arguments (absent: the input).
 * `context` lets Map's ItemSelector and `.waitForTaskToken` tasks add `$$` fields.
 */
export function effectiveInput(
  env: FieldEnv,
  fields: IoFields,
  context?: JsonObject,
  filtered: JsonValue = afterInputPath(env, fields, context),
): Awaitable<JsonValue> {
  if (env.language === 'JSONata') {
    if (fields.Arguments === undefined) return env.input;
    return jsonataArguments(env, fields.Arguments, context);
  }
  if (fields.Parameters === undefined) return filtered;
  const parameters = evaluatePayloadTemplate(
    fields.Parameters,
    pathContext(env, filtered, context),
    'Parameters',
  );
  env.inspect?.('afterParameters', parameters);
  return checkPayload(env, parameters, 'Parameters');
}

async function jsonataArguments(
  env: FieldEnv,
  template: JsonValue,
  context: JsonObject | undefined,
): Promise<JsonValue> {
  const scope = context === undefined ? jsonataScope(env) : jsonataScope(env, { context });
  const value = await evaluateJsonataTemplate(template, scope, 'Arguments');
  env.inspect?.('afterArguments', value);
  return checkPayload(env, value, 'Arguments');
}

/** JSONPath only: the input after InputPath (JSONata states have no InputPath). */
export function afterInputPath(env: FieldEnv, fields: IoFields, context?: JsonObject): JsonValue {
  if (env.language === 'JSONata') return env.input;
  const value = applyInputPath(fields.InputPath, pathContext(env, env.input, context));
  env.inspect?.('afterInputPath', value);
  return value;
}

/** A state's output and the variables it assigns, once it has a result. */
export interface Finished {
  readonly output: JsonValue;
  readonly assigned?: JsonObject;
}

/**
 * Turns a result into the state output. For JSONPath: ResultSelector, Assign (on the selected
 * result), ResultPath (into the raw input), OutputPath. For JSONata: Assign and Output on
 * `$states.result`; Output defaults to the result (`hasResult: false` lets Pass, Choice and
 * Wait, which have no result, bind no `$states.result`).
 */
export function finishWithResult(
  env: FieldEnv,
  fields: IoFields,
  result: JsonValue,
  options: { readonly hasResult: boolean } = { hasResult: true },
): Awaitable<Finished> {
  if (options.hasResult) env.inspect?.('result', result);
  if (env.language === 'JSONata') {
    const scope = options.hasResult ? jsonataScope(env, { result }) : jsonataScope(env);
    return finishJsonata(env, fields.Assign, fields.Output, result, scope);
  }
  const selected =
    fields.ResultSelector === undefined
      ? result
      : evaluatePayloadTemplate(fields.ResultSelector, pathContext(env, result), 'ResultSelector');
  if (fields.ResultSelector !== undefined) env.inspect?.('afterResultSelector', selected);
  const assigned = assignJsonPath(env, fields.Assign, selected);
  const combined = applyResultPath(fields.ResultPath, env.input, selected);
  if (options.hasResult) env.inspect?.('afterResultPath', combined);
  const output = applyOutputPath(fields.OutputPath, pathContext(env, combined));
  return withAssigned(checkPayload(env, output, 'output'), assigned);
}

/**
 * A Catcher that matched: its ResultPath (JSONPath) or Output (JSONata) places the error
 * output `{Error, Cause}`, and its Assign runs with `$` / `$states.errorOutput` bound to it.
 */
export function finishWithCatcher(
  env: FieldEnv,
  catcher: Catcher,
  errorOutput: JsonObject,
): Awaitable<Finished> {
  if (env.language === 'JSONata') {
    const scope = jsonataScope(env, { errorOutput });
    return finishJsonata(env, catcher.Assign, catcher.Output, errorOutput, scope);
  }
  const assigned = assignJsonPath(env, catcher.Assign, errorOutput);
  const output = applyResultPath(catcher.ResultPath, env.input, errorOutput);
  return withAssigned(checkPayload(env, output, 'output'), assigned);
}

/** JSONata: Assign and Output both read `$states` and the variables from state entry. */
async function finishJsonata(
  env: FieldEnv,
  assign: JsonObject | undefined,
  outputTemplate: JsonValue | undefined,
  defaultOutput: JsonValue,
  scope: JsonataScope,
): Promise<Finished> {
  const assigned =
    assign === undefined
      ? undefined
      : checkAssigned(env, await evaluateJsonataTemplate(assign, scope, 'Assign'));
  const output =
    outputTemplate === undefined
      ? defaultOutput
      : await evaluateJsonataTemplate(outputTemplate, scope, 'Output');
  return withAssigned(checkPayload(env, output, 'Output'), assigned);
}

/**
 * JSONPath Assign: a payload template whose `$` is `pathInput` (the result, the effective
 * input or the error output, by state type). Values are computed from the variables as they
 * were when the state was entered; the caller applies them afterwards (AWS
 * workflow-variables, "Evaluation order").
 */
function assignJsonPath(
  env: FieldEnv,
  assign: JsonObject | undefined,
  pathInput: JsonValue,
): JsonObject | undefined {
  if (assign === undefined) return undefined;
  return checkAssigned(env, evaluatePayloadTemplate(assign, pathContext(env, pathInput), 'Assign'));
}

function checkAssigned(env: FieldEnv, assigned: JsonValue): JsonObject | undefined {
  if (!isJsonObject(assigned)) return undefined;
  if (exceedsJsonByteLength(assigned, env.payloadLimit)) {
    throw new StatesError(
      StatesErrorNames.DataLimitExceeded,
      `The Assign field of state '${env.stateName}' produced variables larger than the limit of ${env.payloadLimit} bytes.`,
    );
  }
  return assigned;
}

/** Fails with States.DataLimitExceeded when `value` is over the payload limit. */
export function checkPayload(
  env: Pick<FieldEnv, 'stateName' | 'payloadLimit'>,
  value: JsonValue,
  what: string,
): JsonValue {
  if (exceedsJsonByteLength(value, env.payloadLimit)) {
    const size = jsonByteLength(value);
    throw new StatesError(
      StatesErrorNames.DataLimitExceeded,
      `The state/task '${env.stateName}' returned a result with a size exceeding the maximum number of bytes service limit (${what}: ${size} bytes, limit ${env.payloadLimit}).`,
    );
  }
  return value;
}

function withAssigned(output: JsonValue, assigned: JsonObject | undefined): Finished {
  return assigned === undefined ? { output } : { output, assigned };
}
