/**
 * The allowed fields of each state type, per query language, with the check for each
 * field (AWS state-* pages and transforming-data: JSONata states drop InputPath,
 * Parameters, ResultSelector, ResultPath, OutputPath and the *Path variants, and gain
 * Arguments and Output; Assign exists in both). A field absent from a table is an error.
 * Rules between fields (exactly one of, at most one of) are in STATE_RELATIONS.
 */
import { getOwn } from '../../common/index.js';
import { checkChoices } from './choice-rules.js';
import { childPointer } from './diagnostics.js';
import type { FieldTable, LanguageFieldTables } from './field-sets.js';
import { atMostOne, exactlyOne, requireFields } from './field-sets.js';
import {
  MAP_DISTRIBUTED_CHECKS,
  checkBranches,
  checkItemProcessor,
  checkIterator,
  checkMapRelations,
} from './map-parallel.js';
import { checkCatch, checkRetry } from './retry-catch.js';
import type { FieldCheck, StateContext } from './state-context.js';
import { checkTarget } from './transitions.js';
import type { StateType } from './types.js';
import {
  MAX_SECONDS,
  checkAny,
  checkEndTrue,
  checkInteger,
  checkJsonataObjectOrExpression,
  checkJsonataString,
  checkJsonataValue,
  checkNonEmptyString,
  checkNumber,
  checkPath,
  checkPayloadSize,
  checkPayloadTemplate,
  checkString,
  checkedElsewhere,
  isTimestamp,
  orJsonata,
  typeName,
  where,
} from './value-checks.js';
import { checkAssign } from './variables.js';
import { isJsonataExpression } from './expression-syntax.js';

const COMMON: FieldTable = {
  Type: checkedElsewhere,
  QueryLanguage: checkedElsewhere,
  Comment: checkString,
};
const TRANSITION: FieldTable = { Next: checkTarget, End: checkEndTrue };

const inputPath = checkPath('Path', { nullable: true });
const resultPath = checkPath('ReferencePath', { nullable: true, inputOnly: true });
const JSONPATH_IO: FieldTable = { InputPath: inputPath, OutputPath: inputPath };
const JSONATA_OUTPUT: FieldTable = { Output: checkPayloadSize(checkJsonataValue) };
const JSONPATH_RESULT: FieldTable = {
  Parameters: checkPayloadTemplate,
  ResultSelector: checkPayloadTemplate,
  ResultPath: resultPath,
};
const ASSIGN: FieldTable = { Assign: checkAssign };
const RECOVERY: FieldTable = { Retry: checkRetry, Catch: checkCatch };

const positiveSeconds = checkInteger(1, MAX_SECONDS);
const referencePath = checkPath('ReferencePath');

const checkTimestamp: FieldCheck = (ctx, value, pointer) => {
  if (typeof value !== 'string') {
    ctx.report(
      'WRONG_TYPE',
      pointer,
      `${where(ctx)}: "Timestamp" must be a string, but it is ${typeName(value)}.`,
    );
  } else if (!isTimestamp(value)) {
    ctx.report(
      'INVALID_TIMESTAMP',
      pointer,
      `${where(ctx)}: "Timestamp" must be an RFC 3339 timestamp such as "2024-01-31T12:00:00Z" (uppercase T, with a time zone), but it is "${value}".`,
    );
  }
};

/** Error and Cause: literal strings, or a {% %} expression in JSONata states. */
const checkFailText: FieldCheck = (ctx, value, pointer) => {
  if (ctx.queryLanguage === 'JSONata' && isJsonataExpression(value))
    checkJsonataString(ctx, value, pointer);
  else checkString(ctx, value, pointer);
};
const failPath = checkPath('ReferencePath', { intrinsic: true });

/** ItemSelector: a payload template in JSONPath, an object or expression in JSONata. */
const checkItemsValue: FieldCheck = (ctx, value, pointer) => {
  if (Array.isArray(value) || isJsonataExpression(value)) checkJsonataValue(ctx, value, pointer);
  else
    ctx.report(
      'WRONG_TYPE',
      pointer,
      `${where(ctx)}: "Items" must be an array or a "{% %}" JSONata expression that yields one, but it is ${typeName(value)}.`,
    );
};

const MAP_COMMON: FieldTable = {
  ...COMMON,
  ...TRANSITION,
  ...ASSIGN,
  ...RECOVERY,
  ...MAP_DISTRIBUTED_CHECKS,
  ItemProcessor: checkItemProcessor,
  Iterator: checkIterator,
  MaxConcurrency: orJsonata(checkInteger(0, MAX_SECONDS)),
  ToleratedFailurePercentage: orJsonata(checkNumber(0, 100)),
  ToleratedFailureCount: orJsonata(checkInteger(0, MAX_SECONDS)),
};

/** One table per state type and query language. */
export const STATE_FIELDS: Readonly<Record<StateType, LanguageFieldTables>> = {
  Pass: {
    JSONPath: {
      ...COMMON,
      ...TRANSITION,
      ...JSONPATH_IO,
      ...ASSIGN,
      Parameters: checkPayloadTemplate,
      ResultPath: resultPath,
      Result: checkPayloadSize(checkAny),
    },
    JSONata: { ...COMMON, ...TRANSITION, ...JSONATA_OUTPUT, ...ASSIGN },
  },
  Task: {
    JSONPath: {
      ...COMMON,
      ...TRANSITION,
      ...JSONPATH_IO,
      ...JSONPATH_RESULT,
      ...ASSIGN,
      ...RECOVERY,
      Resource: checkNonEmptyString,
      TimeoutSeconds: positiveSeconds,
      TimeoutSecondsPath: referencePath,
      HeartbeatSeconds: positiveSeconds,
      HeartbeatSecondsPath: referencePath,
      Credentials: checkPayloadTemplate,
    },
    JSONata: {
      ...COMMON,
      ...TRANSITION,
      ...JSONATA_OUTPUT,
      ...ASSIGN,
      ...RECOVERY,
      Resource: checkNonEmptyString,
      Arguments: checkJsonataObjectOrExpression,
      TimeoutSeconds: orJsonata(positiveSeconds),
      HeartbeatSeconds: orJsonata(positiveSeconds),
      Credentials: checkJsonataObjectOrExpression,
    },
  },
  Choice: {
    JSONPath: { ...COMMON, ...JSONPATH_IO, ...ASSIGN, Choices: checkChoices, Default: checkTarget },
    JSONata: {
      ...COMMON,
      ...JSONATA_OUTPUT,
      ...ASSIGN,
      Choices: checkChoices,
      Default: checkTarget,
    },
  },
  Wait: {
    JSONPath: {
      ...COMMON,
      ...TRANSITION,
      ...JSONPATH_IO,
      ...ASSIGN,
      Seconds: checkInteger(0, MAX_SECONDS),
      SecondsPath: referencePath,
      Timestamp: checkTimestamp,
      TimestampPath: referencePath,
    },
    JSONata: {
      ...COMMON,
      ...TRANSITION,
      ...JSONATA_OUTPUT,
      ...ASSIGN,
      Seconds: orJsonata(checkInteger(0, MAX_SECONDS)),
      Timestamp: orJsonata(checkTimestamp),
    },
  },
  Succeed: {
    JSONPath: { ...COMMON, ...JSONPATH_IO },
    JSONata: { ...COMMON, ...JSONATA_OUTPUT },
  },
  Fail: {
    JSONPath: {
      ...COMMON,
      Error: checkString,
      ErrorPath: failPath,
      Cause: checkString,
      CausePath: failPath,
    },
    JSONata: { ...COMMON, Error: checkFailText, Cause: checkFailText },
  },
  Parallel: {
    JSONPath: {
      ...COMMON,
      ...TRANSITION,
      ...JSONPATH_IO,
      ...JSONPATH_RESULT,
      ...ASSIGN,
      ...RECOVERY,
      Branches: checkBranches,
    },
    JSONata: {
      ...COMMON,
      ...TRANSITION,
      ...JSONATA_OUTPUT,
      ...ASSIGN,
      ...RECOVERY,
      Branches: checkBranches,
      Arguments: checkJsonataObjectOrExpression,
    },
  },
  Map: {
    JSONPath: {
      ...MAP_COMMON,
      ...JSONPATH_IO,
      ...JSONPATH_RESULT,
      ItemSelector: checkPayloadTemplate,
      ItemsPath: referencePath,
      MaxConcurrencyPath: referencePath,
      ToleratedFailurePercentagePath: referencePath,
      ToleratedFailureCountPath: referencePath,
    },
    JSONata: {
      ...MAP_COMMON,
      ...JSONATA_OUTPUT,
      ItemSelector: checkJsonataObjectOrExpression,
      Items: checkItemsValue,
    },
  },
};

/** Next XOR End for the states that transition (ASL spec "Transitions"). */
function checkNextOrEnd(ctx: StateContext): void {
  const { state, statePointer } = ctx;
  const hasNext = getOwn(state, 'Next') !== undefined;
  const hasEnd = getOwn(state, 'End') !== undefined;
  if (hasNext && hasEnd) {
    ctx.report(
      'MUTUALLY_EXCLUSIVE_FIELDS',
      childPointer(statePointer, 'End'),
      `${where(ctx)} has both "Next" and "End"; a state either goes on ("Next") or ends the machine ("End": true), so keep one.`,
    );
  } else if (!hasNext && !hasEnd) {
    ctx.report(
      'MISSING_TRANSITION',
      statePointer,
      `${where(ctx)} has neither "Next" nor "End"; add "Next": "<state name>" to continue, or "End": true to finish.`,
    );
  }
}

/** TimeoutSeconds and HeartbeatSeconds, each with its *Path twin; heartbeat below timeout. */
function checkTaskTimeouts(ctx: StateContext): void {
  const { state, statePointer } = ctx;
  const what = where(ctx);
  requireFields(ctx, state, statePointer, what, ['Resource']);
  atMostOne(ctx, state, statePointer, what, ['TimeoutSeconds', 'TimeoutSecondsPath']);
  atMostOne(ctx, state, statePointer, what, ['HeartbeatSeconds', 'HeartbeatSecondsPath']);
  const timeout = getOwn(state, 'TimeoutSeconds');
  const heartbeat = getOwn(state, 'HeartbeatSeconds');
  if (typeof timeout === 'number' && typeof heartbeat === 'number' && heartbeat >= timeout) {
    ctx.report(
      'HEARTBEAT_NOT_BELOW_TIMEOUT',
      childPointer(statePointer, 'HeartbeatSeconds'),
      `${what} has "HeartbeatSeconds": ${heartbeat}, which must be smaller than "TimeoutSeconds": ${timeout}.`,
    );
  }
}

const WAIT_FIELDS = ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'];

/** Cross-field rules per state type. */
export const STATE_RELATIONS: Readonly<Record<StateType, (ctx: StateContext) => void>> = {
  Pass: checkNextOrEnd,
  Task: (ctx) => {
    checkNextOrEnd(ctx);
    checkTaskTimeouts(ctx);
  },
  Choice: (ctx) => requireFields(ctx, ctx.state, ctx.statePointer, where(ctx), ['Choices']),
  Wait: (ctx) => {
    checkNextOrEnd(ctx);
    const suggested = ctx.queryLanguage === 'JSONata' ? ['Seconds', 'Timestamp'] : WAIT_FIELDS;
    exactlyOne(ctx, ctx.state, ctx.statePointer, where(ctx), WAIT_FIELDS, suggested);
  },
  Succeed: () => undefined,
  Fail: (ctx) => {
    atMostOne(ctx, ctx.state, ctx.statePointer, where(ctx), ['Error', 'ErrorPath']);
    atMostOne(ctx, ctx.state, ctx.statePointer, where(ctx), ['Cause', 'CausePath']);
  },
  Parallel: (ctx) => {
    checkNextOrEnd(ctx);
    requireFields(ctx, ctx.state, ctx.statePointer, where(ctx), ['Branches']);
  },
  Map: (ctx) => {
    checkNextOrEnd(ctx);
    checkMapRelations(ctx);
  },
};

/** The state types, for "did you mean" on a wrong Type. */
export const STATE_TYPES: readonly StateType[] = [
  'Pass',
  'Task',
  'Choice',
  'Wait',
  'Succeed',
  'Fail',
  'Parallel',
  'Map',
];

export function isStateType(value: unknown): value is StateType {
  return typeof value === 'string' && (STATE_TYPES as readonly string[]).includes(value);
}
