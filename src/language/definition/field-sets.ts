/**
 * Generic checks over an object's set of fields: unknown fields, fields of the other query
 * language, required fields and fields that exclude each other.
 */
import type { JsonObject } from '../../common/index.js';
import { getOwn } from '../../common/index.js';
import { childPointer } from './diagnostics.js';
import type { FieldCheck, StateContext } from './state-context.js';
import { didYouMean } from './suggest.js';
import type { QueryLanguage } from './types.js';

export interface FieldTable {
  readonly [field: string]: FieldCheck;
}

/** The allowed fields of one kind of object, per query language. */
export interface LanguageFieldTables {
  readonly JSONPath: FieldTable;
  readonly JSONata: FieldTable;
}

/** Same fields in both languages. */
export function sameInBoth(table: FieldTable): LanguageFieldTables {
  return { JSONPath: table, JSONata: table };
}

/** What to use instead of a field that the state's query language lacks (transforming-data). */
const REPLACEMENTS: Readonly<Record<string, string>> = {
  InputPath: 'read the input as $states.input in Arguments or Output',
  Parameters: 'use "Arguments" (or "ItemSelector" in a Map)',
  ResultSelector: 'use "Output" with $states.result',
  ResultPath: 'use "Output" or "Assign" with $states.result',
  OutputPath: 'use "Output"',
  Result: 'use "Output"',
  ItemsPath: 'use "Items" with a {% %} expression',
  TimeoutSecondsPath: 'use "TimeoutSeconds" with a {% %} expression',
  HeartbeatSecondsPath: 'use "HeartbeatSeconds" with a {% %} expression',
  SecondsPath: 'use "Seconds" with a {% %} expression',
  TimestampPath: 'use "Timestamp" with a {% %} expression',
  ErrorPath: 'use "Error" with a {% %} expression',
  CausePath: 'use "Cause" with a {% %} expression',
  MaxConcurrencyPath: 'use "MaxConcurrency" with a {% %} expression',
  ToleratedFailureCountPath: 'use "ToleratedFailureCount" with a {% %} expression',
  ToleratedFailurePercentagePath: 'use "ToleratedFailurePercentage" with a {% %} expression',
  MaxItemsPath: 'use "MaxItems" with a {% %} expression',
  MaxItemsPerBatchPath: 'use "MaxItemsPerBatch" with a {% %} expression',
  MaxInputBytesPerBatchPath: 'use "MaxInputBytesPerBatch" with a {% %} expression',
  Variable: 'use "Condition" with a {% %} expression',
  Condition: 'use "Variable" with a comparison operator, or set "QueryLanguage": "JSONata"',
  Arguments: 'use "Parameters", or set "QueryLanguage": "JSONata"',
  Output: 'use "OutputPath"/"ResultSelector", or set "QueryLanguage": "JSONata"',
  Items: 'use "ItemsPath", or set "QueryLanguage": "JSONata"',
};

/** Why a field is unknown where people often put it. */
const UNKNOWN_HINTS: Readonly<Record<string, string>> = {
  Next: 'Succeed and Fail states always end, and Choice states go on through "Choices" and "Default", so they take neither "Next" nor "End"',
  End: 'Succeed and Fail states always end, and Choice states go on through "Choices" and "Default", so they take neither "Next" nor "End"',
};

const OTHER: Readonly<Record<QueryLanguage, QueryLanguage>> = {
  JSONPath: 'JSONata',
  JSONata: 'JSONPath',
};

/**
 * Runs the check of every present field and reports fields that are not in the table for the
 * context's query language: FIELD_NOT_IN_QUERY_LANGUAGE when the other language has them,
 * UNKNOWN_FIELD otherwise (with a "did you mean" when a known field is close).
 */
export function checkFields(
  ctx: StateContext,
  object: JsonObject,
  pointer: string,
  what: string,
  tables: LanguageFieldTables,
): void {
  const allowed = tables[ctx.queryLanguage];
  const other = tables[OTHER[ctx.queryLanguage]];
  for (const [field, value] of Object.entries(object)) {
    const fieldPointer = childPointer(pointer, field);
    const check = getCheck(allowed, field);
    if (check !== undefined) {
      check(ctx, value, fieldPointer);
    } else if (getCheck(other, field) !== undefined) {
      const instead = REPLACEMENTS[field];
      ctx.report(
        'FIELD_NOT_IN_QUERY_LANGUAGE',
        fieldPointer,
        `${what} uses ${ctx.queryLanguage}, which has no "${field}" field (it is ${OTHER[ctx.queryLanguage]} only)${instead === undefined ? '' : `; ${instead}`}.`,
      );
    } else {
      ctx.report(
        'UNKNOWN_FIELD',
        fieldPointer,
        `${what} has an unknown field "${field}"${unknownFieldAdvice(field, Object.keys(allowed))}`,
      );
    }
  }
}

function unknownFieldAdvice(field: string, allowed: readonly string[]): string {
  const hint = UNKNOWN_HINTS[field];
  if (hint !== undefined) return `: ${hint}.`;
  return didYouMean(field, allowed) || `; allowed fields are ${allowed.join(', ')}.`;
}

function getCheck(table: FieldTable, field: string): FieldCheck | undefined {
  return Object.prototype.hasOwnProperty.call(table, field) ? table[field] : undefined;
}

/** Reports each absent required field. */
export function requireFields(
  ctx: StateContext,
  object: JsonObject,
  pointer: string,
  what: string,
  fields: readonly string[],
): void {
  for (const field of fields) {
    if (getOwn(object, field) === undefined) {
      ctx.report('MISSING_FIELD', pointer, `${what} is missing the required field "${field}".`);
    }
  }
}

function present(object: JsonObject, fields: readonly string[]): string[] {
  return fields.filter((field) => getOwn(object, field) !== undefined);
}

/** Reports when more than one of `fields` is present. */
export function atMostOne(
  ctx: StateContext,
  object: JsonObject,
  pointer: string,
  what: string,
  fields: readonly string[],
): void {
  const found = present(object, fields);
  const second = found[1];
  if (second !== undefined) {
    ctx.report(
      'MUTUALLY_EXCLUSIVE_FIELDS',
      childPointer(pointer, second),
      `${what} has ${found.map((f) => `"${f}"`).join(' and ')}, but they exclude each other; keep only one.`,
    );
  }
}

/**
 * Reports when none, or more than one, of `fields` is present. `suggested` lists the ones
 * worth naming in the message (those of the state's query language).
 */
export function exactlyOne(
  ctx: StateContext,
  object: JsonObject,
  pointer: string,
  what: string,
  fields: readonly string[],
  suggested: readonly string[] = fields,
): void {
  if (present(object, fields).length === 0) {
    const allowed = suggested;
    ctx.report(
      'ONE_OF_REQUIRED',
      pointer,
      `${what} needs exactly one of ${allowed.map((f) => `"${f}"`).join(', ')}, but has none.`,
    );
  } else atMostOne(ctx, object, pointer, what, fields);
}
