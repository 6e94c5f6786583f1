/**
 * `Transform.RequestBodyEncoding: URL_ENCODED` for the HTTP task: a JSON object becomes an
 * `application/x-www-form-urlencoded` body. `RequestEncodingOptions.ArrayFormat` picks how
 * arrays are spelled; AWS's default is INDICES.
 * https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html#url-encode-request-body
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { isJsonArray, isJsonObject } from '../../common/index.js';

export const ARRAY_FORMATS = ['INDICES', 'REPEAT', 'COMMAS', 'BRACKETS'] as const;
export type ArrayFormat = (typeof ARRAY_FORMATS)[number];

/** True when `value` is one of AWS's ArrayFormat names. */
export function isArrayFormat(value: unknown): value is ArrayFormat {
  return ARRAY_FORMATS.some((format) => format === value);
}

type Pair = readonly [string, string];

/** How each format names the entries of `key: [a, b]`: `key[0]`, `key`, `key[]`. */
const arrayKeys: Readonly<
  Record<Exclude<ArrayFormat, 'COMMAS'>, (key: string, index: number) => string>
> = {
  INDICES: (key, index) => `${key}[${index}]`,
  REPEAT: (key) => key,
  BRACKETS: (key) => `${key}[]`,
};

function isScalar(value: JsonValue): value is string | number | boolean | null {
  return !isJsonArray(value) && !isJsonObject(value);
}

function scalarText(value: string | number | boolean | null): string {
  return value === null ? '' : String(value);
}

function encodeValue(key: string, value: JsonValue, format: ArrayFormat): Pair[] {
  if (isScalar(value)) return [[key, scalarText(value)]];
  if (isJsonArray(value)) return encodeArray(key, value, format);
  return encodeObject(value, format, key);
}

function encodeArray(key: string, items: readonly JsonValue[], format: ArrayFormat): Pair[] {
  if (format === 'COMMAS') {
    // `a,b,c` can only spell scalars; arrays of objects fall back to one entry per item.
    if (items.every(isScalar)) return [[key, items.map(scalarText).join(',')]];
    return items.flatMap((item) => encodeValue(key, item, format));
  }
  const nameOf = arrayKeys[format];
  return items.flatMap((item, index) => encodeValue(nameOf(key, index), item, format));
}

function encodeObject(object: JsonObject, format: ArrayFormat, prefix?: string): Pair[] {
  return Object.keys(object).flatMap((name) => {
    const key = prefix === undefined ? name : `${prefix}[${name}]`;
    return encodeValue(key, object[name] ?? null, format);
  });
}

/**
 * Encodes `body` as a form body. Nested objects use `parent[child]` keys.
 * Returns the encoded text (spaces as `+`, as the form encoding specifies).
 */
export function encodeFormBody(body: JsonObject, format: ArrayFormat): string {
  const params = new URLSearchParams();
  for (const [key, value] of encodeObject(body, format)) params.append(key, value);
  return params.toString();
}
