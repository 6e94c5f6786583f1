/**
 * Retry and Catch (AWS concepts-error-handling, ASL spec "Retrying after error" and
 * "Fallback states"): Retriers and Catchers, their value ranges, and the rule that
 * States.ALL stands alone in its ErrorEquals and only in the last Retrier or Catcher.
 */
import type { JsonValue } from '../../common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../common/index.js';
import { StatesErrorNames } from '../errors.js';
import { childPointer } from './diagnostics.js';
import type { FieldTable, LanguageFieldTables } from './field-sets.js';
import { checkFields, requireFields } from './field-sets.js';
import type { FieldCheck, StateContext } from './state-context.js';
import { checkTarget } from './transitions.js';
import {
  checkEnum,
  checkInteger,
  checkJsonataValue,
  checkNumber,
  checkPath,
  checkString,
  MAX_SECONDS,
  nonEmptyArray,
  typeName,
  where,
} from './value-checks.js';
import { checkAssign } from './variables.js';

/** MaxDelaySeconds must be below 31622401 (one year), per concepts-error-handling. */
const MAX_DELAY_SECONDS = 31_622_400;

const checkErrorEquals: FieldCheck = (ctx, value, pointer) => {
  const names = nonEmptyArray(ctx, value, pointer, {
    what: where(ctx),
    field: 'ErrorEquals',
    elements: 'error names',
    whenEmpty: 'list at least one error name, such as "States.ALL"',
  });
  if (!names || names.length === 0) return;
  names.forEach((name, index) => {
    const itemPointer = childPointer(pointer, index);
    if (typeof name !== 'string' || name === '') {
      ctx.report(
        'WRONG_TYPE',
        itemPointer,
        `${where(ctx)}: error names in "ErrorEquals" must be non-empty strings, but item ${index} is ${JSON.stringify(name)}.`,
      );
    }
  });
  if (names.length > 1 && names.includes(StatesErrorNames.ALL)) {
    ctx.report(
      'STATES_ALL_NOT_ALONE',
      childPointer(pointer, names.indexOf(StatesErrorNames.ALL)),
      `${where(ctx)}: "States.ALL" must be the only name in its "ErrorEquals"; move the other names to an earlier Retrier or Catcher.`,
    );
  }
};

const RETRIER_FIELDS: FieldTable = {
  ErrorEquals: checkErrorEquals,
  IntervalSeconds: checkInteger(1, MAX_SECONDS),
  MaxAttempts: checkInteger(0, MAX_SECONDS),
  BackoffRate: checkNumber(1, MAX_SECONDS),
  MaxDelaySeconds: checkInteger(1, MAX_DELAY_SECONDS),
  JitterStrategy: checkEnum(['FULL', 'NONE']),
  Comment: checkString,
};

const CATCHER_COMMON: FieldTable = {
  ErrorEquals: checkErrorEquals,
  Next: checkTarget,
  Assign: checkAssign,
  Comment: checkString,
};

const CATCHER_FIELDS: LanguageFieldTables = {
  JSONPath: {
    ...CATCHER_COMMON,
    ResultPath: checkPath('ReferencePath', { nullable: true, inputOnly: true }),
  },
  JSONata: { ...CATCHER_COMMON, Output: checkJsonataValue },
};

export const checkRetry: FieldCheck = (ctx, value, pointer) => {
  checkHandlers(
    ctx,
    value,
    pointer,
    'Retry',
    'Retrier',
    { JSONPath: RETRIER_FIELDS, JSONata: RETRIER_FIELDS },
    ['ErrorEquals'],
  );
};

export const checkCatch: FieldCheck = (ctx, value, pointer) => {
  checkHandlers(ctx, value, pointer, 'Catch', 'Catcher', CATCHER_FIELDS, ['ErrorEquals', 'Next']);
};

function checkHandlers(
  ctx: StateContext,
  value: JsonValue,
  pointer: string,
  field: string,
  noun: string,
  tables: LanguageFieldTables,
  required: readonly string[],
): void {
  if (!isJsonArray(value)) {
    ctx.report(
      'WRONG_TYPE',
      pointer,
      `${where(ctx)}: "${field}" must be an array of ${noun}s, but it is ${typeName(value)}.`,
    );
    return;
  }
  value.forEach((handler, index) => {
    const handlerPointer = childPointer(pointer, index);
    const what = `${where(ctx)} ${field}[${index}]`;
    if (!isJsonObject(handler)) {
      ctx.report(
        'WRONG_TYPE',
        handlerPointer,
        `${what} must be an object, but it is ${typeName(handler)}.`,
      );
      return;
    }
    checkFields(ctx, handler, handlerPointer, what, tables);
    requireFields(ctx, handler, handlerPointer, what, required);
    const errorEquals = getOwn(handler, 'ErrorEquals');
    if (
      isJsonArray(errorEquals) &&
      errorEquals.includes(StatesErrorNames.ALL) &&
      index < value.length - 1
    ) {
      ctx.report(
        'STATES_ALL_NOT_LAST',
        childPointer(handlerPointer, 'ErrorEquals'),
        `${what} matches "States.ALL", so the ${noun}s after it can never match; make it the last ${noun}.`,
      );
    }
  });
}
