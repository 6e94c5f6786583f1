/**
 * Payload Templates (ASL spec "Payload Template"; AWS input-output-inputpath-params): the JSON
 * of Parameters, ResultSelector, ItemSelector and JSONPath Assign. A field whose name ends in
 * `.$` takes its value from a Path (`$`, `$$` or `$name` root) or an intrinsic invocation, and
 * appears in the output without the `.$`. Nested objects and arrays are walked.
 */
import type { JsonValue } from '../../common/index.js';
import { isJsonArray, isJsonObject } from '../../common/index.js';
import { StatesError, StatesErrorNames } from '../errors.js';
import type { EvaluationContext } from '../evaluation-context.js';
import {
  checkIntrinsicSyntax,
  evaluateIntrinsic,
  isIntrinsicInvocation,
} from '../intrinsics/index.js';
import { JsonPathSyntaxError } from './jsonpath.js';
import {
  looksLikePath,
  notFoundCause,
  parseForRuntime,
  parseQueryPath,
  runQueryPath,
} from './query-path.js';

const DYNAMIC_SUFFIX = '.$';

/** The template field names AWS uses in its messages. */
export type TemplateField =
  'Parameters' | 'ResultSelector' | 'ItemSelector' | 'Assign' | (string & {});

/**
 * Builds the payload a template describes, reading paths and intrinsics from `ctx`.
 * Static values are shared with the template, not copied (they are immutable).
 *
 * @returns the payload.
 * @throws StatesError `States.Runtime` with AWS's Cause "The JSONPath '<path>' specified for the
 *   field '<key>.$' could not be found in the input '<input as JSON>'" when a definite path
 *   selects nothing (for a variable or `$$` path the Cause names the variable or the context
 *   object instead of quoting it; see notFoundCause) (AWS raises States.Runtime here, not the spec's States.ParameterPathFailure),
 *   or when a `.$` value is neither a path nor an intrinsic invocation.
 * @throws StatesError `States.IntrinsicFailure` from a failing intrinsic function.
 */
export function evaluatePayloadTemplate(
  template: JsonValue,
  ctx: EvaluationContext,
  field: TemplateField = 'Parameters',
): JsonValue {
  try {
    return evaluateValue(template, ctx, field);
  } catch (error: unknown) {
    // A template nested thousands of levels deep would exhaust the call stack.
    if (error instanceof RangeError) {
      throw new StatesError(StatesErrorNames.Runtime, `The ${field} template is nested too deeply`);
    }
    throw error;
  }
}

function evaluateValue(value: JsonValue, ctx: EvaluationContext, field: string): JsonValue {
  if (isJsonArray(value)) return value.map((item) => evaluateValue(item, ctx, field));
  if (!isJsonObject(value)) return value;
  const out: Record<string, JsonValue> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key.endsWith(DYNAMIC_SUFFIX) && key.length > DYNAMIC_SUFFIX.length) {
      setOwn(out, key.slice(0, -DYNAMIC_SUFFIX.length), evaluateDynamic(key, item, ctx, field));
    } else {
      setOwn(out, key, evaluateValue(item, ctx, field));
    }
  }
  return out;
}

/** An own data property even for `__proto__`, so a template cannot change the output's prototype. */
function setOwn(target: Record<string, JsonValue>, key: string, value: JsonValue): void {
  if (key !== '__proto__') {
    target[key] = value;
    return;
  }
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function evaluateDynamic(
  key: string,
  value: JsonValue,
  ctx: EvaluationContext,
  field: string,
): JsonValue {
  if (typeof value === 'string' && isIntrinsicInvocation(value))
    return evaluateIntrinsic(value, ctx);
  if (typeof value === 'string' && looksLikePath(value)) {
    const outcome = runQueryPath(parseForRuntime(value), ctx);
    if (outcome.kind === 'found') return outcome.value;
    throw new StatesError(
      StatesErrorNames.Runtime,
      notFoundCause(`The JSONPath '${value}' specified for the field '${key}'`, outcome),
    );
  }
  throw new StatesError(StatesErrorNames.Runtime, notPathOrIntrinsic(key, value, field));
}

function notPathOrIntrinsic(key: string, value: JsonValue, field: string): string {
  return `The value of the field '${key}' of ${field} is not a JSONPath or intrinsic function expression: ${JSON.stringify(value)}`;
}

/** One problem in a template, for the definition validator. */
export interface TemplateProblem {
  /** JSON pointer of the offending field inside the template, e.g. `/a~1b/c.$`. */
  readonly pointer: string;
  readonly message: string;
}

/**
 * Checks a template without evaluating it: every `.$` field must hold a valid Path or a valid
 * intrinsic invocation.
 * @returns all problems found (empty when the template is valid).
 */
export function checkPayloadTemplate(
  template: JsonValue,
  field: TemplateField = 'Parameters',
): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const visit = (value: JsonValue, pointer: string): void => {
    if (isJsonArray(value)) {
      value.forEach((item, i) => visit(item, `${pointer}/${i}`));
      return;
    }
    if (!isJsonObject(value)) return;
    for (const [key, item] of Object.entries(value)) {
      const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (key.endsWith(DYNAMIC_SUFFIX) && key.length > DYNAMIC_SUFFIX.length) {
        const message = checkDynamic(key, item, field);
        if (message !== undefined) problems.push({ pointer: at, message });
      } else {
        visit(item, at);
      }
    }
  };
  visit(template, '');
  return problems;
}

function checkDynamic(key: string, value: JsonValue, field: string): string | undefined {
  if (typeof value === 'string' && isIntrinsicInvocation(value)) return checkIntrinsicSyntax(value);
  if (typeof value === 'string' && looksLikePath(value)) {
    try {
      parseQueryPath(value);
      return undefined;
    } catch (error: unknown) {
      if (error instanceof JsonPathSyntaxError) return error.message;
      throw error;
    }
  }
  return notPathOrIntrinsic(key, value, field);
}
