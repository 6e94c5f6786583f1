/**
 * Reusable field checks: JSON types, integer ranges, paths, payload templates and JSONata
 * values. Each is a FieldCheck (or builds one) so the per-state tables can name them.
 */
import type { JsonArray, JsonObject, JsonValue } from '../../common/index.js';
import { isJsonArray, isJsonObject, jsonByteLength } from '../../common/index.js';
import { childPointer } from './diagnostics.js';
import type { PathKind } from './expression-syntax.js';
import {
  checkIntrinsicSyntax,
  checkJsonataSyntax,
  checkPathSyntax,
  isIntrinsicInvocation,
  isJsonataExpression,
} from './expression-syntax.js';
import type { FieldCheck, StateContext } from './state-context.js';
import { didYouMean } from './suggest.js';

/** AWS caps every numeric duration/count field at 99999999 (state-task, state-wait). */
export const MAX_SECONDS = 99_999_999;
/** 256 KiB: the largest payload a state may produce (service-quotas). */
export const MAX_PAYLOAD_BYTES = 262_144;

export function typeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (isJsonArray(value)) return 'an array';
  if (isJsonObject(value)) return 'an object';
  return `a ${typeof value}`;
}

/** `State "X"` or `The state machine`, for message prefixes. */
export function where(ctx: StateContext): string {
  return ctx.label;
}

/** True when a value (from anywhere) is plain JSON: no undefined, functions or NaN. */
export function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  if (depth > 1000) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item: unknown) => isJsonValue(item, depth + 1));
  if (typeof value !== 'object') return false;
  return Object.values(value).every((item: unknown) => isJsonValue(item, depth + 1));
}

function wrongType(
  ctx: StateContext,
  pointer: string,
  field: string,
  expected: string,
  value: JsonValue,
): void {
  ctx.report(
    'WRONG_TYPE',
    pointer,
    `${where(ctx)}: "${field}" must be ${expected}, but it is ${typeName(value)}.`,
  );
}

/** The field name a pointer ends with, unescaped. */
/**
 * A field that must be a non-empty array: reports WRONG_TYPE (returning undefined) for anything
 * else, and EMPTY_ARRAY for an empty one (returned, so callers walk its elements as usual).
 */
export function nonEmptyArray(
  ctx: StateContext,
  value: JsonValue,
  pointer: string,
  described: {
    readonly what: string;
    readonly field: string;
    readonly elements: string;
    readonly whenEmpty: string;
  },
): JsonArray | undefined {
  const { what, field } = described;
  if (!isJsonArray(value)) {
    ctx.report(
      'WRONG_TYPE',
      pointer,
      `${what}: "${field}" must be an array of ${described.elements}, but it is ${typeName(value)}.`,
    );
    return undefined;
  }
  if (value.length === 0) {
    ctx.report('EMPTY_ARRAY', pointer, `${what}: "${field}" is empty; ${described.whenEmpty}.`);
  }
  return value;
}

export function fieldOf(pointer: string): string {
  return pointer
    .slice(pointer.lastIndexOf('/') + 1)
    .replace(/~1/g, '/')
    .replace(/~0/g, '~');
}

export const checkString: FieldCheck = (ctx, value, pointer) => {
  if (typeof value !== 'string') wrongType(ctx, pointer, fieldOf(pointer), 'a string', value);
};

export const checkNonEmptyString: FieldCheck = (ctx, value, pointer) => {
  if (typeof value !== 'string') wrongType(ctx, pointer, fieldOf(pointer), 'a string', value);
  else if (value === '') {
    ctx.report('INVALID_VALUE', pointer, `${where(ctx)}: "${fieldOf(pointer)}" must not be empty.`);
  }
};

/** `End` may only be `true` (ASL spec "Terminal State"). */
export const checkEndTrue: FieldCheck = (ctx, value, pointer) => {
  if (value !== true) {
    ctx.report(
      'INVALID_VALUE',
      pointer,
      `${where(ctx)}: "End" must be true; to continue to another state, remove "End" and use "Next".`,
    );
  }
};

/** Ignored here because another pass checks it (Type, QueryLanguage). */
export const checkedElsewhere: FieldCheck = () => undefined;

export function checkEnum(values: readonly string[]): FieldCheck {
  return (ctx, value, pointer) => {
    if (typeof value === 'string' && values.includes(value)) return;
    ctx.report(
      'INVALID_VALUE',
      pointer,
      `${where(ctx)}: "${fieldOf(pointer)}" must be one of ${values.map((v) => `"${v}"`).join(', ')}, but it is ${JSON.stringify(value)}${typeof value === 'string' ? didYouMean(value, values) : '.'}`,
    );
  };
}

export function checkInteger(min: number, max: number): FieldCheck {
  return (ctx, value, pointer) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      wrongType(ctx, pointer, fieldOf(pointer), 'an integer', value);
    } else if (value < min || value > max) {
      ctx.report(
        'OUT_OF_RANGE',
        pointer,
        `${where(ctx)}: "${fieldOf(pointer)}" must be between ${min} and ${max}, but it is ${value}.`,
      );
    }
  };
}

export function checkNumber(min: number, max: number): FieldCheck {
  return (ctx, value, pointer) => {
    if (typeof value !== 'number') wrongType(ctx, pointer, fieldOf(pointer), 'a number', value);
    else if (value < min || value > max) {
      ctx.report(
        'OUT_OF_RANGE',
        pointer,
        `${where(ctx)}: "${fieldOf(pointer)}" must be between ${min} and ${max}, but it is ${value}.`,
      );
    }
  };
}

/** In JSONata states, numeric and string fields may also be a `{% %}` expression. */
export function orJsonata(check: FieldCheck): FieldCheck {
  return (ctx, value, pointer) => {
    if (ctx.queryLanguage === 'JSONata' && isJsonataExpression(value)) {
      checkJsonataString(ctx, value, pointer);
    } else check(ctx, value, pointer);
  };
}

export function checkJsonataString(ctx: StateContext, text: string, pointer: string): void {
  const problem = checkJsonataSyntax(text);
  if (problem !== undefined) {
    ctx.report(
      'INVALID_JSONATA',
      pointer,
      `${where(ctx)}: invalid JSONata in "${fieldOf(pointer)}": ${problem}.`,
    );
  }
}

interface PathOptions {
  readonly nullable?: boolean;
  /** ErrorPath/CausePath and `.$` template fields accept intrinsic calls too. */
  readonly intrinsic?: boolean;
  /** ResultPath writes into the state's own input: no `$$`, no variables. */
  readonly inputOnly?: boolean;
}

export function checkPath(kind: PathKind, options: PathOptions = {}): FieldCheck {
  return (ctx, value, pointer) => {
    if (value === null && options.nullable === true) return;
    if (typeof value !== 'string') {
      wrongType(
        ctx,
        pointer,
        fieldOf(pointer),
        options.nullable === true ? 'a path string or null' : 'a path string',
        value,
      );
      return;
    }
    checkPathText(ctx, value, pointer, kind, options);
  };
}

function checkPathText(
  ctx: StateContext,
  text: string,
  pointer: string,
  kind: PathKind,
  options: PathOptions,
): void {
  if (options.intrinsic === true && isIntrinsicInvocation(text)) {
    const problem = checkIntrinsicSyntax(text);
    if (problem !== undefined) {
      ctx.report(
        'INVALID_INTRINSIC',
        pointer,
        `${where(ctx)}: invalid intrinsic function in "${fieldOf(pointer)}": ${problem}.`,
      );
    }
    return;
  }
  const code = kind === 'Path' ? 'INVALID_PATH' : 'INVALID_REFERENCE_PATH';
  const label = kind === 'Path' ? 'Path' : 'Reference Path';
  if (options.inputOnly === true && !/^\$(?![$A-Za-z_])/.test(text)) {
    ctx.report(
      code,
      pointer,
      `${where(ctx)}: "${fieldOf(pointer)}" must be a ${label} into the state's input starting with "$" (not "$$" or a variable), but it is "${text}".`,
    );
    return;
  }
  const problem = checkPathSyntax(text, kind);
  if (problem !== undefined) {
    ctx.report(
      code,
      pointer,
      `${where(ctx)}: "${fieldOf(pointer)}" must be a ${label}, but "${text}" is not: ${problem}.`,
    );
  }
}

/**
 * A JSONPath payload template (ASL spec "Payload Template"): a JSON object in which a field
 * whose name ends in `.$` holds a Path or an intrinsic call instead of a literal.
 */
export const checkPayloadTemplate: FieldCheck = (ctx, value, pointer) => {
  if (!isJsonObject(value)) {
    wrongType(ctx, pointer, fieldOf(pointer), 'an object (a payload template)', value);
    return;
  }
  checkTemplateValue(ctx, value, pointer, 0);
};

/** Like checkPayloadTemplate, for values that may be any JSON (Assign values, Pass Parameters items). */
export function checkTemplateValue(
  ctx: StateContext,
  value: JsonValue,
  pointer: string,
  depth: number,
): void {
  if (depth > 64) return;
  if (isJsonArray(value)) {
    value.forEach((item, index) =>
      checkTemplateValue(ctx, item, childPointer(pointer, index), depth + 1),
    );
    return;
  }
  if (!isJsonObject(value)) return;
  for (const [key, item] of Object.entries(value)) {
    const itemPointer = childPointer(pointer, key);
    if (key.endsWith('.$')) {
      checkDynamicTemplateField(ctx, value, key, item, itemPointer);
    } else checkTemplateValue(ctx, item, itemPointer, depth + 1);
  }
}

function checkDynamicTemplateField(
  ctx: StateContext,
  template: JsonObject,
  key: string,
  value: JsonValue,
  pointer: string,
): void {
  const plain = key.slice(0, -2);
  if (Object.prototype.hasOwnProperty.call(template, plain)) {
    ctx.report(
      'DUPLICATE_TEMPLATE_FIELD',
      pointer,
      `${where(ctx)}: the template has both "${plain}" and "${key}", which both produce the field "${plain}"; keep one.`,
    );
  }
  if (typeof value !== 'string') {
    ctx.report(
      'WRONG_TYPE',
      pointer,
      `${where(ctx)}: "${key}" ends in ".$", so its value must be a path or intrinsic function string, but it is ${typeName(value)}; drop the ".$" for a literal value.`,
    );
    return;
  }
  checkPathText(ctx, value, pointer, 'Path', { intrinsic: true });
}

/** A JSONata state's value: any JSON, in which every `{% %}` string must parse. */
export const checkJsonataValue: FieldCheck = (ctx, value, pointer) => {
  walkJsonata(ctx, value, pointer, 0);
};

function walkJsonata(ctx: StateContext, value: JsonValue, pointer: string, depth: number): void {
  if (depth > 64) return;
  if (isJsonataExpression(value)) checkJsonataString(ctx, value, pointer);
  else if (isJsonArray(value))
    value.forEach((item, i) => walkJsonata(ctx, item, childPointer(pointer, i), depth + 1));
  else if (isJsonObject(value)) {
    for (const [key, item] of Object.entries(value))
      walkJsonata(ctx, item, childPointer(pointer, key), depth + 1);
  }
}

/** Arguments (and ItemReader/ResultWriter Arguments): an object or one JSONata expression. */
export const checkJsonataObjectOrExpression: FieldCheck = (ctx, value, pointer) => {
  if (isJsonataExpression(value) || isJsonObject(value)) checkJsonataValue(ctx, value, pointer);
  else
    wrongType(ctx, pointer, fieldOf(pointer), 'an object or a "{% %}" JSONata expression', value);
};

/** A literal that AWS would have to emit as a state's output must fit the payload limit. */
export function checkPayloadSize(check: FieldCheck): FieldCheck {
  return (ctx, value, pointer) => {
    check(ctx, value, pointer);
    const bytes = jsonByteLength(value);
    if (bytes > MAX_PAYLOAD_BYTES) {
      ctx.report(
        'PAYLOAD_TOO_LARGE',
        pointer,
        `${where(ctx)}: "${fieldOf(pointer)}" is ${bytes} bytes, over the 256 KiB (${MAX_PAYLOAD_BYTES} bytes) payload limit; move the data to S3 or split it.`,
      );
    }
  };
}

/** Any JSON value is fine (Result, Comment-like free fields). */
export const checkAny: FieldCheck = () => undefined;

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * True for an RFC 3339 date-time as AWS accepts it (uppercase T, zone required), with
 * calendar-valid fields. Written without `Date`: language/ never touches the clock API.
 */
export function isTimestamp(value: string): boolean {
  const match = RFC3339.exec(value);
  if (match === null) return false;
  const [year, month, day, hour, minute, second, zoneHour, zoneMinute] = match
    .slice(1)
    .map((part) => (part === undefined ? 0 : Number(part)));
  if (year === undefined || month === undefined || day === undefined) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return (
    daysInMonth !== undefined &&
    day >= 1 &&
    day <= daysInMonth &&
    (hour ?? 0) <= 23 &&
    (minute ?? 0) <= 59 &&
    (second ?? 0) <= 60 &&
    (zoneHour ?? 0) <= 23 &&
    (zoneMinute ?? 0) <= 59
  );
}
