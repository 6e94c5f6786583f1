/**
 * Choice rules: which branch a Choice state takes.
 *
 * JSONPath rules are `Variable` plus exactly one comparison operator, or `And`/`Or`/`Not` over
 * nested rules (ASL spec "Choice Rules", https://states-language.net/spec.html#choice-state;
 * AWS state-choice, https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html).
 * JSONata rules carry a `Condition` expression instead.
 *
 * Comparisons are type-strict: an operator whose type does not match the value is simply false
 * ("StringLessThan" never coerces a number), as the spec says the comparison operators are.
 */
import type { JsonValue } from '../../common/index.js';
import type { ChoiceRule, ChoiceState } from '../definition/types.js';
import { StatesError, StatesErrorNames, isStatesError } from '../errors.js';
import type { EvaluationContext } from '../evaluation-context.js';
import { evaluateJsonataCondition } from '../jsonata/index.js';
import type { JsonataScope } from '../jsonata/index.js';
import { queryPath } from '../paths/query-path.js';
import { parseTimestamp } from '../timestamps.js';

/**
 * One comparison: which values it applies to, and how a value compares with the operand.
 * `compare` is false whenever either side is not accepted, which is what makes the operators
 * type-strict.
 */
interface Comparator {
  readonly accepts: (value: JsonValue) => boolean;
  readonly compare: (value: JsonValue, operand: JsonValue) => boolean;
}

const isString = (v: JsonValue): v is string => typeof v === 'string';
const isNumber = (v: JsonValue): v is number => typeof v === 'number';
const isBoolean = (v: JsonValue): v is boolean => typeof v === 'boolean';
const isTimestampString = (v: JsonValue): v is string =>
  typeof v === 'string' && parseTimestamp(v) !== undefined;

/** Orders two timestamps by instant: offsets are honoured, so 10:00+02:00 equals 08:00Z. */
function instantOrder(value: string, operand: string): number {
  return (parseTimestamp(value) ?? Number.NaN) - (parseTimestamp(operand) ?? Number.NaN);
}

function comparator<T extends JsonValue>(
  accepts: (value: JsonValue) => value is T,
  compare: (value: T, operand: T) => boolean,
): Comparator {
  return {
    accepts,
    compare: (value, operand) => accepts(value) && accepts(operand) && compare(value, operand),
  };
}

/**
 * The binary comparison operators. Each also exists as `<name>Path`, whose operand is a path
 * to the value to compare with (state-choice, "Choice Rules (JSONPath)"); the Path variants are
 * derived from this table. StringMatches has no Path variant.
 */
const COMPARATORS = {
  StringEquals: comparator(isString, (a, b) => a === b),
  StringLessThan: comparator(isString, (a, b) => a < b),
  StringGreaterThan: comparator(isString, (a, b) => a > b),
  StringLessThanEquals: comparator(isString, (a, b) => a <= b),
  StringGreaterThanEquals: comparator(isString, (a, b) => a >= b),
  NumericEquals: comparator(isNumber, (a, b) => a === b),
  NumericLessThan: comparator(isNumber, (a, b) => a < b),
  NumericGreaterThan: comparator(isNumber, (a, b) => a > b),
  NumericLessThanEquals: comparator(isNumber, (a, b) => a <= b),
  NumericGreaterThanEquals: comparator(isNumber, (a, b) => a >= b),
  BooleanEquals: comparator(isBoolean, (a, b) => a === b),
  TimestampEquals: comparator(isTimestampString, (a, b) => instantOrder(a, b) === 0),
  TimestampLessThan: comparator(isTimestampString, (a, b) => instantOrder(a, b) < 0),
  TimestampGreaterThan: comparator(isTimestampString, (a, b) => instantOrder(a, b) > 0),
  TimestampLessThanEquals: comparator(isTimestampString, (a, b) => instantOrder(a, b) <= 0),
  TimestampGreaterThanEquals: comparator(isTimestampString, (a, b) => instantOrder(a, b) >= 0),
} as const satisfies Record<string, Comparator>;

type ComparatorName = keyof typeof COMPARATORS;

/** Type tests: `"IsString": true` matches a string, `"IsString": false` anything else. */
const TYPE_TESTS = {
  IsNull: (v: JsonValue) => v === null,
  IsNumeric: isNumber,
  IsString: isString,
  IsBoolean: isBoolean,
  IsTimestamp: isTimestampString,
} as const satisfies Record<string, (v: JsonValue) => boolean>;

type TypeTestName = keyof typeof TYPE_TESTS;

/** An operator field of a rule, resolved against the tables above. */
type Operator =
  | { readonly kind: 'compare'; readonly name: ComparatorName; readonly operand: JsonValue }
  | { readonly kind: 'comparePath'; readonly name: ComparatorName; readonly path: string }
  | { readonly kind: 'matches'; readonly pattern: string }
  | { readonly kind: 'typeTest'; readonly name: TypeTestName; readonly expected: boolean }
  | { readonly kind: 'isPresent'; readonly expected: boolean };

const PATH_SUFFIX = 'Path';

/** A StringEquals against null: accepted by no value, so the rule is false. */
const NEVER_MATCHES: Operator = { kind: 'compare', name: 'StringEquals', operand: null };

function hasOwn<K extends string>(table: Record<K, unknown>, key: string): key is K {
  return Object.prototype.hasOwnProperty.call(table, key);
}

/** Fields of a rule that are not comparison operators. */
const NON_OPERATOR_FIELDS: ReadonlySet<string> = new Set([
  'Variable',
  'Next',
  'And',
  'Or',
  'Not',
  'Condition',
  'Assign',
  'Output',
  'Comment',
]);

/**
 * Every comparison operand is a string, number, boolean or path string. An object or array in
 * operand position (which the validator refuses) becomes null, which no comparison accepts.
 */
function toOperand(value: JsonValue | readonly ChoiceRule[] | ChoiceRule): JsonValue {
  return typeof value === 'object' ? null : value;
}

/** Finds the rule's single operator. */
/** Patterns come from definitions, a bounded set: tokenize each once. */
const patternCache = new Map<string, ReturnType<typeof tokenizePattern>>();
const MAX_CACHED_PATTERNS = 10_000;

function tokensOf(pattern: string): ReturnType<typeof tokenizePattern> {
  let tokens = patternCache.get(pattern);
  if (tokens === undefined) {
    tokens = tokenizePattern(pattern);
    if (patternCache.size >= MAX_CACHED_PATTERNS) patternCache.clear();
    patternCache.set(pattern, tokens);
  }
  return tokens;
}

/** Rules are immutable definition data, so each one's operator is worked out once. */
const operatorCache = new WeakMap<ChoiceRule, Operator>();

function findOperator(rule: ChoiceRule): Operator {
  let operator = operatorCache.get(rule);
  if (operator === undefined) {
    operator = scanOperator(rule);
    operatorCache.set(rule, operator);
  }
  return operator;
}

function scanOperator(rule: ChoiceRule): Operator {
  for (const [field, raw] of Object.entries(rule)) {
    if (raw === undefined || NON_OPERATOR_FIELDS.has(field)) continue;
    const value = toOperand(raw);
    if (hasOwn(COMPARATORS, field)) return { kind: 'compare', name: field, operand: value };
    if (field === 'StringMatches') {
      return typeof value === 'string' ? { kind: 'matches', pattern: value } : NEVER_MATCHES;
    }
    if (field === 'IsPresent' && typeof value === 'boolean') {
      return { kind: 'isPresent', expected: value };
    }
    if (hasOwn(TYPE_TESTS, field) && typeof value === 'boolean') {
      return { kind: 'typeTest', name: field, expected: value };
    }
    if (field.endsWith(PATH_SUFFIX) && typeof value === 'string') {
      const base = field.slice(0, -PATH_SUFFIX.length);
      if (hasOwn(COMPARATORS, base)) return { kind: 'comparePath', name: base, path: value };
    }
  }
  // The validator guarantees an operator; a rule without one is a definition bug, which AWS
  // would have refused at CreateStateMachine.
  throw new StatesError(StatesErrorNames.Runtime, 'The choice rule has no comparison operator.');
}

/**
 * AWS fails the execution when a rule's Variable, or a `*Path` operand, selects nothing:
 * `States.Runtime` with "Invalid path '<path>': The choice state's condition path references
 * an invalid value." Only `IsPresent` may test for absence.
 */
function invalidPathError(path: string): StatesError {
  return new StatesError(
    StatesErrorNames.Runtime,
    `Invalid path '${path}': The choice state's condition path references an invalid value.`,
  );
}

type Lookup = { readonly present: true; readonly value: JsonValue } | { readonly present: false };

function lookup(path: string, ctx: EvaluationContext): Lookup {
  try {
    return { present: true, value: queryPath(path, ctx) };
  } catch (e: unknown) {
    // queryPath reports "selects nothing" as a StatesError; anything else is a bug and propagates.
    if (isStatesError(e)) return { present: false };
    throw e;
  }
}

/**
 * Evaluates one JSONPath Choice rule (top-level or nested) against the state's input.
 *
 * @returns whether the rule matches
 * @throws StatesError `States.Runtime` when the Variable or a `*Path` operand selects nothing
 *   (except under `IsPresent`), or when the rule has no operator
 */
export function evaluateChoiceRule(rule: ChoiceRule, ctx: EvaluationContext): boolean {
  if (rule.And !== undefined) return rule.And.every((r) => evaluateChoiceRule(r, ctx));
  if (rule.Or !== undefined) return rule.Or.some((r) => evaluateChoiceRule(r, ctx));
  if (rule.Not !== undefined) return !evaluateChoiceRule(rule.Not, ctx);
  const variable = rule.Variable;
  if (variable === undefined) {
    throw new StatesError(StatesErrorNames.Runtime, 'The choice rule has no Variable.');
  }
  const operator = findOperator(rule);
  const found = lookup(variable, ctx);
  if (operator.kind === 'isPresent') return found.present === operator.expected;
  if (!found.present) throw invalidPathError(variable);
  return applyOperator(operator, found.value, ctx);
}

function applyOperator(operator: Operator, value: JsonValue, ctx: EvaluationContext): boolean {
  switch (operator.kind) {
    case 'compare':
      return COMPARATORS[operator.name].compare(value, operator.operand);
    case 'comparePath': {
      const operand = lookup(operator.path, ctx);
      if (!operand.present) throw invalidPathError(operator.path);
      return COMPARATORS[operator.name].compare(value, operand.value);
    }
    case 'matches':
      return typeof value === 'string' && matchesWildcard(value, operator.pattern);
    case 'typeTest':
      return TYPE_TESTS[operator.name](value) === operator.expected;
    case 'isPresent':
      return operator.expected;
  }
}

type PatternToken = { readonly kind: 'star' } | { readonly kind: 'char'; readonly char: string };

/**
 * StringMatches: `*` matches any run of characters (including none); `\*` is a literal
 * asterisk and `\\` a literal backslash (ASL spec "Choice Rules", StringMatches; state-choice).
 * A backslash before any other character stands for itself.
 */
export function matchesWildcard(value: string, pattern: string): boolean {
  const tokens = tokensOf(pattern);
  // Classic greedy glob match with backtracking to the last star: O(n·m) worst case, no regex,
  // so a user-supplied pattern cannot trigger catastrophic backtracking.
  const chars = Array.from(value);
  let t = 0;
  let c = 0;
  let starToken = -1;
  let starChar = 0;
  while (c < chars.length) {
    const token = tokens[t];
    if (token !== undefined && token.kind === 'char' && token.char === chars[c]) {
      t++;
      c++;
    } else if (token !== undefined && token.kind === 'star') {
      starToken = t++;
      starChar = c;
    } else if (starToken >= 0) {
      t = starToken + 1;
      c = ++starChar;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

function tokenizePattern(pattern: string): PatternToken[] {
  const chars = Array.from(pattern);
  const tokens: PatternToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] ?? '';
    const next = chars[i + 1];
    if (char === '\\' && (next === '*' || next === '\\')) {
      tokens.push({ kind: 'char', char: next });
      i++;
    } else if (char === '*') {
      tokens.push({ kind: 'star' });
    } else {
      tokens.push({ kind: 'char', char });
    }
  }
  return tokens;
}

/** Where a Choice state goes next. */
export type ChoiceSelection =
  /** Rule `ruleIndex` matched; its own Assign/Output (JSONata) apply. */
  | {
      readonly kind: 'matched';
      readonly ruleIndex: number;
      readonly rule: ChoiceRule;
      readonly next: string;
    }
  /** No rule matched; the state's Default names the next state. */
  | { readonly kind: 'default'; readonly next: string }
  /**
   * No rule matched and there is no Default: the caller fails the state with
   * `States.NoChoiceMatched` (ASL spec "Choice State").
   */
  | { readonly kind: 'noMatch' };

function selection(state: ChoiceState, ruleIndex: number): ChoiceSelection {
  const rule = state.Choices[ruleIndex];
  if (rule === undefined) {
    return state.Default === undefined
      ? { kind: 'noMatch' }
      : { kind: 'default', next: state.Default };
  }
  if (rule.Next === undefined) {
    throw new StatesError(StatesErrorNames.Runtime, `Choice rule ${ruleIndex} has no Next.`);
  }
  return { kind: 'matched', ruleIndex, rule, next: rule.Next };
}

/**
 * Picks the branch of a JSONPath Choice state: the first rule that matches, in array order, else
 * Default, else `noMatch`. Rules after the first match are not evaluated.
 *
 * @throws StatesError `States.Runtime` as {@link evaluateChoiceRule} does
 */
export function selectChoice(state: ChoiceState, ctx: EvaluationContext): ChoiceSelection {
  const index = state.Choices.findIndex((rule) => evaluateChoiceRule(rule, ctx));
  return selection(state, index);
}

/**
 * Picks the branch of a JSONata Choice state: the first rule whose `Condition` is true. A
 * Condition is a `{% %}` expression (or a literal boolean) that must evaluate to a boolean.
 *
 * @throws StatesError `States.QueryEvaluationError` when a Condition fails to evaluate, returns
 *   nothing, or returns something other than a boolean
 */
export async function selectJsonataChoice(
  state: ChoiceState,
  scope: JsonataScope,
): Promise<ChoiceSelection> {
  for (const [index, rule] of state.Choices.entries()) {
    const condition = rule.Condition;
    if (condition === undefined) {
      throw new StatesError(StatesErrorNames.Runtime, `Choice rule ${index} has no Condition.`);
    }
    if (await evaluateJsonataCondition(condition, scope, `Choices[${index}]/Condition`)) {
      return selection(state, index);
    }
  }
  return selection(state, -1);
}
