/**
 * Evaluating JSONata for JSONata states: the `$states` binding, workflow variables, AWS's extra
 * functions, and the mapping of every failure to `States.QueryEvaluationError` (AWS
 * transforming-data, https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html;
 * workflow-variables, https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html).
 */
import { isJsonArray } from '../../common/index.js';
import type { JsonObject, JsonValue } from '../../common/index.js';
import { StatesError, StatesErrorNames, isStatesError } from '../errors.js';
import type { RandomSource } from '../evaluation-context.js';
import { JsonataFunctionError, awsFunctionBindings } from './aws-functions.js';
import {
  EVALUATION_TIMEOUT_MS,
  MAX_EVALUATION_DEPTH,
  MAX_SEQUENCE_LENGTH,
  compileJsonata,
  isJsonataError,
  isJsonataExpression,
  jsonataBody,
} from './expression.js';

/**
 * Everything one JSONata evaluation reads. An `EvaluationContext` fits as is; `result` and
 * `errorOutput` are added where AWS binds them (`$states.result` in a successful Task, Parallel
 * or Map's Output/Assign; `$states.errorOutput` in a Catcher's Output/Assign).
 */
export interface JsonataScope {
  /** `$states.input`: the state's input. */
  readonly input: JsonValue;
  /** `$states.context`: the context object. */
  readonly context: JsonObject;
  /** Workflow variables, each visible as `$name`. */
  readonly variables: JsonObject;
  readonly result?: JsonValue;
  readonly errorOutput?: JsonValue;
  readonly random: RandomSource;
  /** ISO-8601 instant for `$now()` and `$millis()`. */
  readonly now: string;
}

/** `The JSONata expression '<e>' specified for the field '<f>'`, or without the field. */
function subject(expression: string, field: string | undefined): string {
  return field === undefined
    ? `The JSONata expression '${expression}'`
    : `The JSONata expression '${expression}' specified for the field '${field}'`;
}

function queryError(cause: string): StatesError {
  return new StatesError(StatesErrorNames.QueryEvaluationError, cause);
}

/**
 * AWS's Cause for an expression that evaluates to nothing, e.g. "The JSONata expression
 * '$states.input.pushLocation' specified for the field 'Arguments/Input/pushLocation' returned
 * nothing (undefined)." AWS puts "An error occurred while executing the state '<name>' (entered
 * at the event id #<n>). " in front of it; Baton does not (docs/language.md, "Known differences").
 */
export function undefinedResultCause(expression: string, field: string | undefined): string {
  return `${subject(expression, field)} returned nothing (undefined).`;
}

function bindingsFor(scope: JsonataScope): Record<string, unknown> {
  const states: Record<string, JsonValue> = { input: scope.input, context: scope.context };
  if (scope.result !== undefined) states['result'] = scope.result;
  if (scope.errorOutput !== undefined) states['errorOutput'] = scope.errorOutput;
  // Variables first, so `$states` and the functions AWS defines cannot be shadowed by a
  // variable of the same name (AWS reserves `states`; workflow-variables, "Variable names").
  return { ...scope.variables, ...awsFunctionBindings(scope), states };
}

/**
 * Evaluates one JSONata expression.
 *
 * @param expression the expression body (without `{% %}`)
 * @param field where the expression sits in the state (`Output`, `Arguments/a/b[0]`,
 *   `Choices[1]/Condition`), named in the Cause as AWS does
 * @returns the JSON result, or `undefined` when the expression matches nothing; the caller
 *   decides what undefined means for its field (see {@link evaluateJsonataTemplate})
 * @throws StatesError `States.QueryEvaluationError` when the expression does not parse, fails
 *   while evaluating, or yields a value JSON cannot hold (a function)
 */
export async function evaluateJsonata(
  expression: string,
  scope: JsonataScope,
  field?: string,
): Promise<JsonValue | undefined> {
  let raw: unknown;
  try {
    raw = await compileJsonata(expression).evaluate(undefined, bindingsFor(scope));
  } catch (e: unknown) {
    throw queryError(
      `${subject(expression, field)} threw an error during evaluation. ${describe(e)}`,
    );
  }
  if (raw === undefined) return undefined;
  const value = toJsonResult(raw);
  if (value === UNSUPPORTED) {
    throw queryError(`${subject(expression, field)} returned an unsupported result type.`);
  }
  return value;
}

/** For the errors our evaluation limits raise: which limit, so the user knows what to change. */
const LIMIT_EXPLANATIONS: Readonly<Record<string, string>> = Object.freeze({
  D2015: `Baton limits any JSONata sequence or array built during evaluation to ${MAX_SEQUENCE_LENGTH} values.`,
  D1011: `Baton limits JSONata evaluation to ${MAX_EVALUATION_DEPTH} nested steps.`,
  D1012: `Baton stops a JSONata evaluation after ${EVALUATION_TIMEOUT_MS / 1000} seconds.`,
});

function describe(e: unknown): string {
  if (isJsonataError(e)) {
    const limit = LIMIT_EXPLANATIONS[e.code];
    if (limit === undefined) return `${e.code}: ${e.message}`;
    // The library's messages end with or without a full stop (D1012 has none).
    return `${e.code}: ${e.message.replace(/\.?\s*$/, '.')} ${limit}`;
  }
  if (e instanceof JsonataFunctionError) return e.message;
  if (isStatesError(e)) return e.cause;
  return e instanceof Error ? e.message : String(e);
}

const UNSUPPORTED = Symbol('unsupported');

/**
 * Turns what the jsonata package returns into JSON. Sequences become plain arrays; undefined
 * members of objects are dropped and of arrays become null (as JSON serialisation does); a
 * number JSON cannot write is written as the string JavaScript names it (`"Infinity"`, `"NaN"`),
 * as AWS does; a function anywhere makes the whole result unsupported.
 */
function toJsonResult(value: unknown): JsonValue | typeof UNSUPPORTED {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  // `+ 0` turns -0 into 0, which is what JSON can hold (JSON.stringify(-0) is "0").
  if (typeof value === 'number') return Number.isFinite(value) ? value + 0 : String(value);
  if (typeof value === 'function') return UNSUPPORTED;
  if (Array.isArray(value)) {
    const items: JsonValue[] = [];
    for (const item of value) {
      const converted = item === undefined ? null : toJsonResult(item);
      if (converted === UNSUPPORTED) return UNSUPPORTED;
      items.push(converted);
    }
    return items;
  }
  if (typeof value === 'object') {
    // A JSONata lambda or native function reference is an object tagged by the library.
    if ('_jsonata_lambda' in value || '_jsonata_function' in value) return UNSUPPORTED;
    const entries: [string, JsonValue][] = [];
    for (const [key, member] of Object.entries(value)) {
      if (member === undefined) continue;
      const converted = toJsonResult(member);
      if (converted === UNSUPPORTED) return UNSUPPORTED;
      entries.push([key, converted]);
    }
    return Object.fromEntries(entries);
  }
  return UNSUPPORTED;
}

/**
 * Evaluates one expression where a value is required: undefined is an error.
 *
 * @throws StatesError `States.QueryEvaluationError` as {@link evaluateJsonata}, and with
 *   "... returned nothing (undefined)." when the expression matches nothing
 */
export async function evaluateJsonataRequired(
  expression: string,
  scope: JsonataScope,
  field?: string,
): Promise<JsonValue> {
  const value = await evaluateJsonata(expression, scope, field);
  if (value === undefined) throw queryError(undefinedResultCause(expression, field));
  return value;
}

/**
 * Evaluates a JSONata Choice rule's Condition. A literal boolean stands for itself; a
 * `{% %}` string must evaluate to a boolean ("a JSONata expression that evaluates to
 * true/false", state-choice).
 *
 * @throws StatesError `States.QueryEvaluationError` when the Condition is not an expression,
 *   fails, returns nothing, or returns a non-boolean
 */
export async function evaluateJsonataCondition(
  condition: string | boolean,
  scope: JsonataScope,
  field: string,
): Promise<boolean> {
  if (typeof condition === 'boolean') return condition;
  if (!isJsonataExpression(condition)) {
    throw queryError(
      `The value '${condition}' specified for the field '${field}' is not a JSONata expression.`,
    );
  }
  const body = jsonataBody(condition);
  const value = await evaluateJsonataRequired(body, scope, field);
  if (typeof value !== 'boolean') {
    throw queryError(
      `${subject(body, field)} returned an unexpected data type: expected a boolean, got ${jsonTypeName(value)}.`,
    );
  }
  return value;
}

function jsonTypeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (isJsonArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * Evaluates a JSON template (Arguments, Output, Assign, Items, a Catcher's Output...) for a
 * JSONata state: every string value that is a `{% %}` expression, at any depth, is replaced by
 * its result; everything else, including object keys, is copied as is. JSON cannot hold
 * undefined, so an expression that returns nothing fails the state with AWS's Cause naming the
 * field (`Output/v`, `Arguments/a/b[0]`).
 *
 * @param template the field's value from the definition
 * @param field the field's name, the root of the location used in Causes
 * @throws StatesError `States.QueryEvaluationError` from any expression, as
 *   {@link evaluateJsonataRequired}
 */
export async function evaluateJsonataTemplate(
  template: JsonValue,
  scope: JsonataScope,
  field: string,
): Promise<JsonValue> {
  if (isJsonataExpression(template)) {
    return evaluateJsonataRequired(jsonataBody(template), scope, field);
  }
  if (template === null || typeof template !== 'object') return template;
  if (isJsonArray(template)) {
    const items: JsonValue[] = [];
    // Sequential on purpose: the random source is shared, so evaluation order must be fixed
    // for a replay to draw the same values.
    for (const [i, item] of template.entries()) {
      items.push(await evaluateJsonataTemplate(item, scope, `${field}[${i}]`));
    }
    return items;
  }
  const entries: [string, JsonValue][] = [];
  for (const [key, member] of Object.entries(template)) {
    entries.push([key, await evaluateJsonataTemplate(member, scope, `${field}/${key}`)]);
  }
  return Object.fromEntries(entries);
}
