/**
 * Path resolution with the three roots a JSONPath state can read:
 * - `$...`  the value being processed (state input, raw result, ...), ASL spec "Paths";
 * - `$$...` the context object, AWS input-output-contextobject;
 * - `$name...` a workflow variable, AWS workflow-variables ("In JSONPath states, reference a
 *   variable with `$` followed by its name, for example `$productName` or `$order.items[0]`").
 */
import type { JsonValue } from '../../common/index.js';
import { assertNever, getOwn } from '../../common/index.js';
import { StatesError, StatesErrorNames } from '../errors.js';
import type { EvaluationContext } from '../evaluation-context.js';
import type { JsonPath } from './jsonpath.js';
import { VARIABLE_NAME_PATTERN } from './variable-name.js';
import {
  JsonPathSyntaxError,
  evaluateJsonPath,
  normalizedPath,
  parseJsonPath,
} from './jsonpath.js';

export type PathRoot =
  | { readonly kind: 'input' }
  | { readonly kind: 'context' }
  | { readonly kind: 'variable'; readonly name: string };

/** A path split into the root it reads and the `$`-rooted JSONPath applied to that root. */
export interface ParsedQueryPath {
  readonly text: string;
  readonly root: PathRoot;
  readonly jsonPath: JsonPath;
}

/** A variable name after `$`, by the same rule Assign's keys are checked with (variable-name.ts). */
const VARIABLE_PREFIX = new RegExp(`^\\$(${VARIABLE_NAME_PATTERN})`, 'u');

const INPUT_ROOT: PathRoot = { kind: 'input' };
const CONTEXT_ROOT: PathRoot = { kind: 'context' };

/**
 * Parses a Path with any of the three roots. Not cached here: the JSONPath after the root is
 * cached by parseJsonPath, and splitting off the root is one regular-expression match.
 * @throws JsonPathSyntaxError (positions refer to the original text).
 */
export function parseQueryPath(text: string): ParsedQueryPath {
  if (text.startsWith('$$')) {
    return { text, root: CONTEXT_ROOT, jsonPath: parseShifted(text, 1) };
  }
  const variable = VARIABLE_PREFIX.exec(text);
  const name = variable?.[1];
  if (name !== undefined) {
    return { text, root: { kind: 'variable', name }, jsonPath: parseShifted(text, name.length) };
  }
  return { text, root: INPUT_ROOT, jsonPath: parseJsonPath(text) };
}

/** Parses `$` + the text after a prefix of `shift` extra characters, keeping positions true. */
function parseShifted(text: string, shift: number): JsonPath {
  const rest = '$' + text.slice(1 + shift);
  try {
    return parseJsonPath(rest);
  } catch (error: unknown) {
    if (error instanceof JsonPathSyntaxError) {
      throw new JsonPathSyntaxError(text, error.position + shift, error.problem, error.hint);
    }
    throw error;
  }
}

/** True for text that starts like a path (`$`), which payload templates treat as one. */
export function looksLikePath(text: string): boolean {
  return text.startsWith('$');
}

/**
 * What a query found: the selected value, or why nothing was found. A miss carries the value
 * searched only for the `$` root, where AWS quotes the input in its Cause; variables and the
 * context object (which holds the task token and the execution input) are never quoted.
 */
export type QueryOutcome =
  | { readonly kind: 'found'; readonly value: JsonValue }
  | {
      readonly kind: 'missing';
      readonly root: 'input';
      readonly input: JsonValue;
      readonly detail: string;
    }
  | { readonly kind: 'missing'; readonly root: 'context'; readonly detail: string }
  | {
      readonly kind: 'missing';
      readonly root: 'variable';
      readonly name: string;
      readonly isDefined: boolean;
      readonly detail: string;
    };

export type MissingOutcome = Exclude<QueryOutcome, { readonly kind: 'found' }>;

/**
 * Runs a parsed path. A definite path yields its one value; an indefinite path yields the array
 * of its matches (possibly empty), as AWS does (input-output-inputpath-params: `$.a[0:2]`).
 * Never throws for a missing value: it reports it, so each caller can word AWS's Cause.
 */
export function runQueryPath(parsed: ParsedQueryPath, ctx: EvaluationContext): QueryOutcome {
  const source = rootValue(parsed.root, ctx);
  if (source === undefined) {
    return {
      kind: 'missing',
      root: 'variable',
      name: rootName(parsed.root),
      isDefined: false,
      detail: `The variable '${rootName(parsed.root)}' is not defined`,
    };
  }
  const matches = evaluateJsonPath(parsed.jsonPath, source);
  if (!parsed.jsonPath.isDefinite) return { kind: 'found', value: matches };
  const [value] = matches;
  if (value !== undefined) return { kind: 'found', value };
  const detail = missingDetail(parsed.jsonPath, source);
  switch (parsed.root.kind) {
    case 'input':
      return { kind: 'missing', root: 'input', input: source, detail };
    case 'context':
      return { kind: 'missing', root: 'context', detail };
    case 'variable':
      return { kind: 'missing', root: 'variable', name: parsed.root.name, isDefined: true, detail };
    default:
      return assertNever(parsed.root, 'path root');
  }
}

/**
 * The Cause for a path that found nothing, after `subject` (e.g. "The JSONPath '$.a' specified
 * for the field 'x.$'"). For the `$` root it is AWS's wording, quoting the input: "... could
 * not be found in the input '{"b":1}'". For a variable or the context object it names the
 * variable or the context object and the missing part of the path, never their values: a
 * variable may hold a secret, and the context object holds the task token.
 */
export function notFoundCause(subject: string, outcome: MissingOutcome): string {
  switch (outcome.root) {
    case 'input':
      return `${subject} could not be found in the input '${JSON.stringify(outcome.input)}'`;
    case 'context':
      return `${subject} could not be found in the context object: ${outcome.detail}`;
    case 'variable':
      return outcome.isDefined
        ? `${subject} could not be found in the variable '${outcome.name}': ${outcome.detail}`
        : `${subject} could not be found: the variable '${outcome.name}' is not defined in this scope`;
    default:
      return assertNever(outcome, 'missing path outcome');
  }
}

function rootValue(root: PathRoot, ctx: EvaluationContext): JsonValue | undefined {
  switch (root.kind) {
    case 'input':
      return ctx.input;
    case 'context':
      return ctx.context;
    case 'variable':
      return getOwn(ctx.variables, root.name);
    default:
      return assertNever(root, 'path root');
  }
}

function rootName(root: PathRoot): string {
  return root.kind === 'variable' ? root.name : root.kind === 'context' ? '$$' : '$';
}

/**
 * Jayway's wording, which AWS passes through: a missing property part-way along a definite
 * path is "Missing property in path $['a']"; a path that finds nothing at its end is
 * "No results for path: $['a']['b']".
 */
function missingDetail(path: JsonPath, source: JsonValue): string {
  const segments = path.segments;
  let current: JsonValue[] = [source];
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i];
    if (segment === undefined) break;
    const prefix = segments.slice(0, i + 1);
    current = evaluateJsonPath({ text: '', segments: prefix, isDefinite: true }, source);
    if (current.length === 0 && segment.selector.kind === 'name') {
      return `Missing property in path ${normalizedPath(prefix)}`;
    }
    if (current.length === 0) break;
  }
  return `No results for path: ${normalizedPath(segments)}`;
}

/**
 * Resolves a Path (`$...`, `$$...` or `$name...`) against the evaluation context.
 *
 * @returns the selected value; for an indefinite path, the array of all matches.
 * @throws StatesError `States.Runtime` with AWS's Cause
 *   "Invalid path '<path>' : No results for path: $['a']" when a definite path selects nothing,
 *   and "Invalid path '<path>' : <syntax problem>" for text that is not a path.
 */
export function queryPath(path: string, ctx: EvaluationContext): JsonValue {
  const outcome = runQueryPath(parseForRuntime(path), ctx);
  if (outcome.kind === 'found') return outcome.value;
  throw new StatesError(StatesErrorNames.Runtime, `Invalid path '${path}' : ${outcome.detail}`);
}

/**
 * Parses at run time, where a syntax error is an execution error: the validator should have
 * rejected the definition, but a definition may also arrive through a path that skipped it.
 * @throws StatesError `States.Runtime`.
 */
export function parseForRuntime(path: string): ParsedQueryPath {
  try {
    return parseQueryPath(path);
  } catch (error: unknown) {
    if (error instanceof JsonPathSyntaxError) {
      throw new StatesError(StatesErrorNames.Runtime, `Invalid path '${path}' : ${error.message}`);
    }
    throw error;
  }
}
