/**
 * Choice state rules (AWS state-choice, ASL spec "Choice Rules"). JSONPath rules compare a
 * `Variable` with exactly one operator, or combine nested rules with And/Or/Not; only
 * top-level rules carry Next (and Assign). JSONata rules have a `Condition` instead.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonObject } from '../../common/index.js';
import { childPointer } from './diagnostics.js';
import { checkPathSyntax, isJsonataExpression } from './expression-syntax.js';
import type { FieldCheck, StateContext } from './state-context.js';
import { didYouMean } from './suggest.js';
import { checkTarget } from './transitions.js';
import {
  checkJsonataString,
  checkJsonataValue,
  checkPath,
  checkString,
  isTimestamp,
  nonEmptyArray,
  typeName,
  where,
} from './value-checks.js';
import { checkAssign } from './variables.js';

type Operand = 'string' | 'number' | 'boolean' | 'timestamp' | 'path';

/** Every comparison operator and the operand it takes. */
const OPERATORS: Readonly<Record<string, Operand>> = {
  StringEquals: 'string',
  StringEqualsPath: 'path',
  StringLessThan: 'string',
  StringLessThanPath: 'path',
  StringGreaterThan: 'string',
  StringGreaterThanPath: 'path',
  StringLessThanEquals: 'string',
  StringLessThanEqualsPath: 'path',
  StringGreaterThanEquals: 'string',
  StringGreaterThanEqualsPath: 'path',
  StringMatches: 'string',
  NumericEquals: 'number',
  NumericEqualsPath: 'path',
  NumericLessThan: 'number',
  NumericLessThanPath: 'path',
  NumericGreaterThan: 'number',
  NumericGreaterThanPath: 'path',
  NumericLessThanEquals: 'number',
  NumericLessThanEqualsPath: 'path',
  NumericGreaterThanEquals: 'number',
  NumericGreaterThanEqualsPath: 'path',
  BooleanEquals: 'boolean',
  BooleanEqualsPath: 'path',
  TimestampEquals: 'timestamp',
  TimestampEqualsPath: 'path',
  TimestampLessThan: 'timestamp',
  TimestampLessThanPath: 'path',
  TimestampGreaterThan: 'timestamp',
  TimestampGreaterThanPath: 'path',
  TimestampLessThanEquals: 'timestamp',
  TimestampLessThanEqualsPath: 'path',
  TimestampGreaterThanEquals: 'timestamp',
  TimestampGreaterThanEqualsPath: 'path',
  IsNull: 'boolean',
  IsPresent: 'boolean',
  IsNumeric: 'boolean',
  IsString: 'boolean',
  IsBoolean: 'boolean',
  IsTimestamp: 'boolean',
};

const COMBINATORS = ['And', 'Or', 'Not'] as const;
const JSONPATH_RULE_FIELDS = ['Variable', 'Next', 'Assign', 'Comment', ...COMBINATORS];
const JSONATA_RULE_FIELDS = ['Condition', 'Next', 'Assign', 'Output', 'Comment'];

function isOperator(field: string): boolean {
  return Object.prototype.hasOwnProperty.call(OPERATORS, field);
}

/** The `Choices` field: a non-empty array of top-level rules. */
export const checkChoices: FieldCheck = (ctx, value, pointer) => {
  const rules = nonEmptyArray(ctx, value, pointer, {
    what: where(ctx),
    field: 'Choices',
    elements: 'Choice rules',
    whenEmpty: 'a Choice state needs at least one rule',
  });
  if (!rules) return;
  rules.forEach((rule, index) =>
    checkRule(ctx, rule, childPointer(pointer, index), `${where(ctx)} Choices[${index}]`, true, 0),
  );
};

function checkRule(
  ctx: StateContext,
  rule: JsonValue,
  pointer: string,
  what: string,
  isTop: boolean,
  depth: number,
): void {
  if (!isJsonObject(rule)) {
    ctx.report(
      'WRONG_TYPE',
      pointer,
      `${what} must be an object (a Choice rule), but it is ${typeName(rule)}.`,
    );
    return;
  }
  if (depth > 64) return;
  if (ctx.queryLanguage === 'JSONata') checkJsonataRule(ctx, rule, pointer, what);
  else checkJsonPathRule(ctx, rule, pointer, what, isTop, depth);
  if (isTop) {
    const next = getOwn(rule, 'Next');
    if (next === undefined)
      ctx.report(
        'MISSING_FIELD',
        pointer,
        `${what} is missing the required field "Next" (the state to go to when the rule matches).`,
      );
    else checkTarget(ctx, next, childPointer(pointer, 'Next'));
    const assign = getOwn(rule, 'Assign');
    if (assign !== undefined) checkAssign(ctx, assign, childPointer(pointer, 'Assign'));
  } else {
    for (const field of ['Next', 'Assign', 'Output']) {
      if (getOwn(rule, field) !== undefined) {
        ctx.report(
          'CHOICE_RULE_NEXT_NOT_ALLOWED',
          childPointer(pointer, field),
          `${what} is nested inside And/Or/Not, so it cannot have "${field}"; put "${field}" on the top-level rule.`,
        );
      }
    }
  }
}

function checkJsonataRule(
  ctx: StateContext,
  rule: JsonObject,
  pointer: string,
  what: string,
): void {
  for (const [field, value] of Object.entries(rule)) {
    const fieldPointer = childPointer(pointer, field);
    if (field === 'Condition') checkCondition(ctx, value, fieldPointer, what);
    else if (field === 'Output') checkJsonataValue(ctx, value, fieldPointer);
    else if (field === 'Comment') checkString(ctx, value, fieldPointer);
    else if (
      isOperator(field) ||
      field === 'Variable' ||
      (COMBINATORS as readonly string[]).includes(field)
    ) {
      ctx.report(
        'FIELD_NOT_IN_QUERY_LANGUAGE',
        fieldPointer,
        `${what} uses JSONata, whose Choice rules have no "${field}"; write the test as "Condition": "{% ... %}".`,
      );
    } else if (!JSONATA_RULE_FIELDS.includes(field)) {
      ctx.report(
        'UNKNOWN_FIELD',
        fieldPointer,
        `${what} has an unknown field "${field}"${didYouMean(field, JSONATA_RULE_FIELDS) || '.'}`,
      );
    }
  }
  if (getOwn(rule, 'Condition') === undefined) {
    ctx.report(
      'MISSING_FIELD',
      pointer,
      `${what} is missing the required field "Condition" (a {% %} expression that yields true or false).`,
    );
  }
}

function checkCondition(ctx: StateContext, value: JsonValue, pointer: string, what: string): void {
  if (typeof value === 'boolean') return;
  if (isJsonataExpression(value)) checkJsonataString(ctx, value, pointer);
  else
    ctx.report(
      'WRONG_TYPE',
      pointer,
      `${what}: "Condition" must be a "{% %}" JSONata expression or a boolean, but it is ${JSON.stringify(value)}.`,
    );
}

function checkJsonPathRule(
  ctx: StateContext,
  rule: JsonObject,
  pointer: string,
  what: string,
  isTop: boolean,
  depth: number,
): void {
  const comparisons: string[] = [];
  for (const [field, value] of Object.entries(rule)) {
    const fieldPointer = childPointer(pointer, field);
    if (isOperator(field)) {
      comparisons.push(field);
      checkOperand(ctx, field, value, fieldPointer, what);
    } else if (field === 'And' || field === 'Or') {
      comparisons.push(field);
      checkRuleList(ctx, field, value, fieldPointer, what, depth);
    } else if (field === 'Not') {
      comparisons.push(field);
      checkRule(ctx, value, fieldPointer, `${what}.Not`, false, depth + 1);
    } else if (field === 'Variable') checkPath('Path')(ctx, value, fieldPointer);
    else if (field === 'Comment') checkString(ctx, value, fieldPointer);
    else if (field === 'Condition' || field === 'Output') {
      ctx.report(
        'FIELD_NOT_IN_QUERY_LANGUAGE',
        fieldPointer,
        `${what} uses JSONPath, whose Choice rules have no "${field}"; compare "Variable" with an operator such as "StringEquals", or set "QueryLanguage": "JSONata".`,
      );
    } else if (!JSONPATH_RULE_FIELDS.includes(field)) {
      ctx.report(
        'UNKNOWN_FIELD',
        fieldPointer,
        `${what} has an unknown field "${field}"${didYouMean(field, [...Object.keys(OPERATORS), ...JSONPATH_RULE_FIELDS]) || '.'}`,
      );
    }
  }
  reportComparisonCount(ctx, rule, pointer, what, comparisons, isTop);
}

function reportComparisonCount(
  ctx: StateContext,
  rule: JsonObject,
  pointer: string,
  what: string,
  comparisons: readonly string[],
  isTop: boolean,
): void {
  const hasVariable = getOwn(rule, 'Variable') !== undefined;
  const first = comparisons[0];
  if (first === undefined) {
    ctx.report(
      'CHOICE_RULE_OPERATOR_COUNT',
      pointer,
      `${what} has no comparison; give it "Variable" with one operator such as "StringEquals", or combine rules with "And", "Or" or "Not"${isTop ? '' : ''}.`,
    );
  } else if (comparisons.length > 1) {
    ctx.report(
      'CHOICE_RULE_OPERATOR_COUNT',
      childPointer(pointer, comparisons[1] ?? first),
      `${what} has ${comparisons.length} comparisons (${comparisons.join(', ')}), but a rule takes exactly one; combine several with "And" or "Or".`,
    );
  } else if (isOperator(first) && !hasVariable) {
    ctx.report(
      'MISSING_FIELD',
      pointer,
      `${what} uses "${first}" but is missing "Variable" (the path of the value to compare).`,
    );
  } else if (!isOperator(first) && hasVariable) {
    ctx.report(
      'UNKNOWN_FIELD',
      childPointer(pointer, 'Variable'),
      `${what} combines rules with "${first}", so it cannot have "Variable"; move "Variable" into the nested rules.`,
    );
  }
}

function checkRuleList(
  ctx: StateContext,
  field: string,
  value: JsonValue,
  pointer: string,
  what: string,
  depth: number,
): void {
  const nestedRules = nonEmptyArray(ctx, value, pointer, {
    what,
    field,
    elements: 'Choice rules',
    whenEmpty: 'give it at least one rule',
  });
  if (!nestedRules) return;
  nestedRules.forEach((nested, index) =>
    checkRule(
      ctx,
      nested,
      childPointer(pointer, index),
      `${what}.${field}[${index}]`,
      false,
      depth + 1,
    ),
  );
}

const OPERAND_CHECKS: Readonly<Record<Operand, (value: JsonValue) => string | undefined>> = {
  string: (value) => (typeof value === 'string' ? undefined : 'a string'),
  number: (value) => (typeof value === 'number' ? undefined : 'a number'),
  boolean: (value) => (typeof value === 'boolean' ? undefined : 'a boolean'),
  timestamp: (value) => (typeof value === 'string' ? undefined : 'a timestamp string'),
  path: (value) => (typeof value === 'string' ? undefined : 'a path string'),
};

function checkOperand(
  ctx: StateContext,
  operator: string,
  value: JsonValue,
  pointer: string,
  what: string,
): void {
  const operand = OPERATORS[operator] ?? 'string';
  const expected = OPERAND_CHECKS[operand](value);
  if (expected !== undefined) {
    ctx.report(
      'WRONG_TYPE',
      pointer,
      `${what}: "${operator}" compares with ${expected}, but the value is ${typeName(value)}.`,
    );
    return;
  }
  if (typeof value !== 'string') return;
  if (operand === 'timestamp' && !isTimestamp(value)) {
    ctx.report(
      'INVALID_TIMESTAMP',
      pointer,
      `${what}: "${operator}" needs an RFC 3339 timestamp such as "2024-01-31T12:00:00Z", but it is "${value}".`,
    );
  } else if (operand === 'path') {
    const problem = checkPathSyntax(value, 'Path');
    if (problem !== undefined)
      ctx.report(
        'INVALID_PATH',
        pointer,
        `${what}: "${operator}" must be a Path, but "${value}" is not: ${problem}.`,
      );
  }
}
