/**
 * Evaluation and static checking of intrinsic invocations (ASL spec "Intrinsic Functions",
 * AWS intrinsic-functions).
 */
import type { JsonValue } from '../../common/index.js';
import { assertNever } from '../../common/index.js';
import { StatesError, StatesErrorNames } from '../errors.js';
import type { EvaluationContext } from '../evaluation-context.js';
import { notFoundCause, runQueryPath } from '../paths/query-path.js';
import type { IntrinsicArgument, IntrinsicCall } from './intrinsic-parser.js';
import { IntrinsicSyntaxError, parseIntrinsic } from './intrinsic-parser.js';
import type { IntrinsicSpec } from './intrinsic-functions.js';
import {
  INTRINSIC_FUNCTIONS,
  describeArity,
  describeType,
  hasValidArity,
  intrinsicFailure,
  jsonTypeOf,
  matchesType,
  parameterAt,
} from './intrinsic-functions.js';

/**
 * Evaluates an intrinsic invocation against the context (`$`, `$$` and variables).
 *
 * @returns the function's value.
 * @throws StatesError `States.IntrinsicFailure` ("<function>: <problem>") for malformed text, an
 *   unknown function, a wrong number or type of arguments, or a bad value (a range over 1000
 *   elements, an input over 10,000 characters, ...).
 * @throws StatesError `States.Runtime` with AWS's Cause "The JsonPath argument for the field
 *   '<path>' could not be found in the input '<input>'" when a path argument selects nothing.
 */
export function evaluateIntrinsic(
  textOrAst: string | IntrinsicCall,
  ctx: EvaluationContext,
): JsonValue {
  const call = typeof textOrAst === 'string' ? parseForRuntime(textOrAst) : textOrAst;
  try {
    return evaluateCall(call, ctx);
  } catch (error: unknown) {
    // A document nested thousands of levels deep can exhaust the stack in JSON.stringify or
    // equality checks; report it as the function's failure rather than crash the step.
    if (error instanceof RangeError) {
      throw intrinsicFailure(call.name, 'the value is nested too deeply to process');
    }
    throw error;
  }
}

function parseForRuntime(text: string): IntrinsicCall {
  try {
    return parseIntrinsic(text);
  } catch (error: unknown) {
    if (error instanceof IntrinsicSyntaxError) {
      throw new StatesError(StatesErrorNames.IntrinsicFailure, error.message);
    }
    throw error;
  }
}

function evaluateCall(call: IntrinsicCall, ctx: EvaluationContext): JsonValue {
  const spec = INTRINSIC_FUNCTIONS.get(call.name);
  if (spec === undefined) throw intrinsicFailure(call.name, 'no such intrinsic function');
  if (!hasValidArity(spec, call.args.length)) {
    throw intrinsicFailure(call.name, `${describeArity(spec)}, but ${call.args.length} were given`);
  }
  const args = call.args.map((arg) => evaluateArgument(arg, ctx));
  checkArgumentTypes(call.name, spec, args);
  return spec.implement(args, { name: call.name, call, random: ctx.random });
}

function checkArgumentTypes(name: string, spec: IntrinsicSpec, args: readonly JsonValue[]): void {
  args.forEach((value, i) => {
    const parameter = parameterAt(spec, i);
    if (parameter !== undefined && !matchesType(value, parameter.type)) {
      throw intrinsicFailure(
        name,
        `argument ${i + 1} (${parameter.name}) must be ${describeType(parameter.type)}, but it is ${article(jsonTypeOf(value))}`,
      );
    }
  });
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function evaluateArgument(arg: IntrinsicArgument, ctx: EvaluationContext): JsonValue {
  switch (arg.kind) {
    case 'call':
      return evaluateCall(arg, ctx);
    case 'string':
    case 'number':
    case 'boolean':
      return arg.value;
    case 'null':
      return null;
    case 'path': {
      const outcome = runQueryPath(arg.path, ctx);
      if (outcome.kind === 'found') return outcome.value;
      throw new StatesError(
        StatesErrorNames.Runtime,
        notFoundCause(`The JsonPath argument for the field '${arg.path.text}'`, outcome),
      );
    }
    default:
      return assertNever(arg, 'intrinsic argument');
  }
}

/**
 * Checks an intrinsic invocation for the definition validator, without evaluating it.
 *
 * @returns undefined when the text is valid; otherwise one message that names the problem and
 *   how to fix it: malformed syntax (with position), an unknown function, a wrong number of
 *   arguments, or a literal argument of the wrong type.
 */
export function checkIntrinsicSyntax(text: string): string | undefined {
  let call: IntrinsicCall;
  try {
    call = parseIntrinsic(text);
  } catch (error: unknown) {
    if (error instanceof IntrinsicSyntaxError) return error.message;
    throw error;
  }
  return checkCall(call);
}

function checkCall(call: IntrinsicCall): string | undefined {
  const spec = INTRINSIC_FUNCTIONS.get(call.name);
  if (spec === undefined) {
    return `Unknown intrinsic function '${call.name}' at position ${call.position}. Known functions: ${[...INTRINSIC_FUNCTIONS.keys()].join(', ')}`;
  }
  if (!hasValidArity(spec, call.args.length)) {
    return `${call.name} ${describeArity(spec)}, but ${call.args.length} were given (position ${call.position})`;
  }
  for (const [i, arg] of call.args.entries()) {
    if (arg.kind === 'call') {
      const nested = checkCall(arg);
      if (nested !== undefined) return nested;
      continue;
    }
    const literal = literalValue(arg);
    const parameter = parameterAt(spec, i);
    if (literal !== undefined && parameter !== undefined && !matchesType(literal, parameter.type)) {
      return `${call.name}: argument ${i + 1} (${parameter.name}) must be ${describeType(parameter.type)}, but it is ${article(jsonTypeOf(literal))} (position ${arg.position})`;
    }
  }
  return undefined;
}

/** The value of a literal argument; undefined for paths and calls, which are known only at run time. */
function literalValue(arg: IntrinsicArgument): JsonValue | undefined {
  switch (arg.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return arg.value;
    case 'null':
      return null;
    case 'path':
    case 'call':
      return undefined;
    default:
      return assertNever(arg, 'intrinsic argument');
  }
}
