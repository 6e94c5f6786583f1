/**
 * Every intrinsic function AWS documents (intrinsic-functions), as one table: each entry says
 * which arguments it takes and how it computes its value. The evaluator checks the arguments
 * against the spec before calling the implementation, so implementations see the right types.
 */
import type { JsonArray, JsonObject, JsonValue } from '../../common/index.js';
import { assertNever, isJsonArray, isJsonObject, jsonEquals } from '../../common/index.js';
import { StatesError, StatesErrorNames } from '../errors.js';
import type { RandomSource } from '../evaluation-context.js';
import { floatFromSeed } from '../execution/rng.js';
import { parseJsonText } from '../json-text.js';
import { uuidV4 } from '../uuid.js';
import { decodeBase64, encodeBase64, utf8Decode, utf8Encode } from './base64.js';
import { HASH_ALGORITHMS, hashHex, isHashAlgorithm } from './hash.js';
import type { IntrinsicCall } from './intrinsic-parser.js';

/** `scalar` is string, number, boolean or null: what States.Format can interpolate. */
export type ArgumentType = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'scalar' | 'any';

export interface ParameterSpec {
  readonly name: string;
  readonly type: ArgumentType;
}

export interface IntrinsicSpec {
  /** Arguments that must be present, in order. */
  readonly required: readonly ParameterSpec[];
  /** Arguments that may follow the required ones. */
  readonly optional: readonly ParameterSpec[];
  /** When set, any number of further arguments of this spec may follow. */
  readonly rest?: ParameterSpec;
  readonly implement: (args: readonly JsonValue[], env: IntrinsicEnv) => JsonValue;
}

/** What an implementation may read besides its arguments. */
export interface IntrinsicEnv {
  readonly name: string;
  readonly call: IntrinsicCall;
  readonly random: RandomSource;
}

/** AWS: Base64Encode, Base64Decode and Hash take "a data string of up to 10,000 characters". */
export const MAX_ENCODED_INPUT_CHARS = 10_000;
/** AWS: "The newly generated array can't contain more than 1000 items" (States.ArrayRange). */
export const MAX_ARRAY_RANGE_ITEMS = 1000;
/** AWS (States.MathAdd): "integer values in the range of -2147483648 and 2147483647". */
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** The error every failing intrinsic raises: the name of the function, then the problem. */
export function intrinsicFailure(name: string, problem: string): StatesError {
  return new StatesError(StatesErrorNames.IntrinsicFailure, `${name}: ${problem}`);
}

const p = (name: string, type: ArgumentType): ParameterSpec => ({ name, type });

/** The table. Keys are the full names as written in definitions. */
export const INTRINSIC_FUNCTIONS: ReadonlyMap<string, IntrinsicSpec> = new Map<
  string,
  IntrinsicSpec
>([
  [
    'States.Format',
    {
      required: [p('template', 'string')],
      optional: [],
      rest: p('value', 'scalar'),
      implement: format,
    },
  ],
  [
    'States.StringToJson',
    { required: [p('json string', 'string')], optional: [], implement: stringToJson },
  ],
  [
    'States.JsonToString',
    { required: [p('value', 'any')], optional: [], implement: ([v]) => JSON.stringify(v) },
  ],
  [
    'States.Array',
    { required: [], optional: [], rest: p('value', 'any'), implement: (args) => [...args] },
  ],
  [
    'States.ArrayPartition',
    {
      required: [p('array', 'array'), p('chunk size', 'number')],
      optional: [],
      implement: arrayPartition,
    },
  ],
  [
    'States.ArrayContains',
    { required: [p('array', 'array'), p('value', 'any')], optional: [], implement: arrayContains },
  ],
  [
    'States.ArrayRange',
    {
      required: [p('start', 'number'), p('end', 'number'), p('step', 'number')],
      optional: [],
      implement: arrayRange,
    },
  ],
  [
    'States.ArrayGetItem',
    {
      required: [p('array', 'array'), p('index', 'number')],
      optional: [],
      implement: arrayGetItem,
    },
  ],
  [
    'States.ArrayLength',
    { required: [p('array', 'array')], optional: [], implement: ([a]) => asArray(a).length },
  ],
  ['States.ArrayUnique', { required: [p('array', 'array')], optional: [], implement: arrayUnique }],
  [
    'States.Base64Encode',
    { required: [p('data', 'string')], optional: [], implement: base64Encode },
  ],
  [
    'States.Base64Decode',
    { required: [p('base64 data', 'string')], optional: [], implement: base64Decode },
  ],
  [
    'States.Hash',
    { required: [p('data', 'any'), p('algorithm', 'string')], optional: [], implement: hash },
  ],
  [
    'States.JsonMerge',
    {
      required: [
        p('first object', 'object'),
        p('second object', 'object'),
        p('deep merge', 'boolean'),
      ],
      optional: [],
      implement: jsonMerge,
    },
  ],
  [
    'States.MathRandom',
    {
      required: [p('start', 'number'), p('end', 'number')],
      optional: [p('seed', 'number')],
      implement: mathRandom,
    },
  ],
  [
    'States.MathAdd',
    { required: [p('first', 'number'), p('second', 'number')], optional: [], implement: mathAdd },
  ],
  [
    'States.StringSplit',
    {
      required: [p('string', 'string'), p('delimiter', 'string')],
      optional: [],
      implement: stringSplit,
    },
  ],
  ['States.UUID', { required: [], optional: [], implement: (_args, env) => uuidV4(env.random) }],
]);

/** The spec for an argument position, or undefined when the function takes no argument there. */
export function parameterAt(spec: IntrinsicSpec, index: number): ParameterSpec | undefined {
  return spec.required[index] ?? spec.optional[index - spec.required.length] ?? spec.rest;
}

/** "takes 2 arguments", "takes 2 or 3 arguments", "takes at least 1 argument". */
export function describeArity(spec: IntrinsicSpec): string {
  const min = spec.required.length;
  const max = min + spec.optional.length;
  const noun = (n: number): string => (n === 1 ? 'argument' : 'arguments');
  if (spec.rest !== undefined) return `takes at least ${min} ${noun(min)}`;
  if (min === max) return `takes ${min} ${noun(min)}`;
  return `takes ${min} to ${max} arguments`;
}

export function hasValidArity(spec: IntrinsicSpec, count: number): boolean {
  const min = spec.required.length;
  return count >= min && (spec.rest !== undefined || count <= min + spec.optional.length);
}

export function matchesType(value: JsonValue, type: ArgumentType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return isJsonArray(value);
    case 'object':
      return isJsonObject(value);
    case 'scalar':
      return value === null || !(isJsonArray(value) || isJsonObject(value));
    case 'any':
      return true;
    default:
      return assertNever(type, 'argument type');
  }
}

/** How an argument type reads in a message: "a string", "a string, number, boolean or null". */
export function describeType(type: ArgumentType): string {
  switch (type) {
    case 'scalar':
      return 'a string, number, boolean or null';
    case 'any':
      return 'any JSON value';
    case 'array':
    case 'object':
      return `an ${type}`;
    case 'string':
    case 'number':
    case 'boolean':
      return `a ${type}`;
    default:
      return assertNever(type, 'argument type');
  }
}

/** The JSON type name of a value, for error messages. */
export function jsonTypeOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (isJsonArray(value)) return 'array';
  return typeof value;
}

// The implementations below run after the evaluator checked every argument against the spec;
// the narrowing helpers only satisfy the compiler.

function asArray(value: JsonValue | undefined): JsonArray {
  return isJsonArray(value) ? value : [];
}

function asString(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

function asNumber(value: JsonValue | undefined): number {
  return typeof value === 'number' ? value : 0;
}

function asObject(value: JsonValue | undefined): JsonObject {
  return isJsonObject(value) ? value : {};
}

/** AWS: "If you specify a non-integer value ... Step Functions will round it off to the nearest integer." */
function roundArgument(value: JsonValue | undefined): number {
  return Math.round(asNumber(value));
}

/**
 * States.Format: each `{}` in the template takes the next argument. In a literal template, `\{`
 * and `\}` are literal braces (the parser recorded which `{}` were written unescaped); a
 * template read from a path has no escapes, so every `{}` is a placeholder.
 */
function format(args: readonly JsonValue[], env: IntrinsicEnv): JsonValue {
  const [template, ...values] = args;
  const text = asString(template);
  const literal = env.call.args[0];
  const placeholders = literal?.kind === 'string' ? literal.placeholders : findPlaceholders(text);
  if (placeholders.length !== values.length) {
    throw intrinsicFailure(
      env.name,
      `the template has ${placeholders.length} {} placeholder(s) but ${values.length} value argument(s) were given`,
    );
  }
  let out = '';
  let from = 0;
  placeholders.forEach((at, i) => {
    out += text.slice(from, at) + formatValue(values[i] ?? null);
    from = at + 2;
  });
  return out + text.slice(from);
}

function findPlaceholders(text: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf('{}'); at !== -1; at = text.indexOf('{}', at + 2)) found.push(at);
  return found;
}

function formatValue(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function stringToJson(args: readonly JsonValue[], env: IntrinsicEnv): JsonValue {
  const parsed = parseJsonText(asString(args[0]));
  if (parsed.ok) return parsed.value;
  throw intrinsicFailure(
    env.name,
    parsed.reason === 'syntax' ? 'the argument is not valid JSON text' : parsed.problem,
  );
}

function arrayPartition(args: readonly JsonValue[], env: IntrinsicEnv): JsonValue {
  const array = asArray(args[0]);
  const size = roundArgument(args[1]);
  if (size <= 0) throw intrinsicFailure(env.name, 'the chunk size must be a positive integer');
  const chunks: JsonValue[] = [];
  for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
  return chunks;
}

function arrayContains(args: readonly JsonValue[]): JsonValue {
  const needle = args[1] ?? null;
  return asArray(args[0]).some((item) => jsonEquals(item, needle));
}

function arrayRange(args: readonly JsonValue[], env: IntrinsicEnv): JsonValue {
  const [start, end, step] = [
    roundArgument(args[0]),
    roundArgument(args[1]),
    roundArgument(args[2]),
  ];
  if (step === 0) throw intrinsicFailure(env.name, 'the step must not be 0');
  const span = (end - start) / step;
  // Count before building, so a huge range costs nothing.
  const count = span < 0 ? 0 : Math.floor(span) + 1;
  if (count > MAX_ARRAY_RANGE_ITEMS) {
    throw intrinsicFailure(
      env.name,
      `the range would have ${count} elements; the limit is ${MAX_ARRAY_RANGE_ITEMS}`,
    );
  }
  return Array.from({ length: count }, (_, i) => start + i * step);
}

function arrayGetItem(args: readonly JsonValue[], env: IntrinsicEnv): JsonValue {
  const array = asArray(args[0]);
  const index = asNumber(args[1]);
  if (!Number.isInteger(index) || index < 0) {
    throw intrinsicFailure(
      env.name,
      `the index must be a non-negative integer, but it is ${index}`,
    );
  }
  const item = array[index];
  if (item === undefined) {
    throw intrinsicFailure(
      env.name,
      `the index ${index} is out of bounds for an array of length ${array.length}`,
    );
  }
  return item;
}

/** Keeps the first of each group of equal values; equality is JSON equality (key order ignored). */
function arrayUnique(args: readonly JsonValue[]): JsonValue {
  const seen = new Set<string>();
  const out: JsonValue[] = [];
  for (const item of asArray(args[0])) {
    const key = canonicalJson(item);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(item);
    }
  }
  return out;
}

function canonicalJson(value: JsonValue): string {
  if (isJsonArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] ?? null)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function checkEncodedInputLength(env: IntrinsicEnv, text: string): void {
  if (text.length > MAX_ENCODED_INPUT_CHARS) {
    throw intrinsicFailure(
      env.name,
      `the input has ${text.length} characters; the limit is ${MAX_ENCODED_INPUT_CHARS}`,
    );
  }
}

function base64Encode(args: readonly JsonValue[], env: IntrinsicEnv): JsonValue {
  const text = asString(args[0]);
  checkEncodedInputLength(env, text);
  return encodeBase64(utf8Encode(text));
}

function base64Decode(args: readonly JsonValue[], env: IntrinsicEnv): JsonValue {
  const text = asString(args[0]);
  checkEncodedInputLength(env, text);
  const bytes = decodeBase64(text);
  if (bytes === undefined) throw intrinsicFailure(env.name, 'the argument is not valid Base64');
  const decoded = utf8Decode(bytes);
  if (decoded === undefined)
    throw intrinsicFailure(env.name, 'the decoded data is not valid UTF-8 text');
  return decoded;
}

/** AWS hashes "an object string": a string as it is, any other value as its JSON text. */
function hash(args: readonly JsonValue[], env: IntrinsicEnv): JsonValue {
  const data = args[0] ?? null;
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  checkEncodedInputLength(env, text);
  const algorithm = asString(args[1]);
  if (!isHashAlgorithm(algorithm)) {
    throw intrinsicFailure(
      env.name,
      `the algorithm '${algorithm}' is not supported; use one of ${HASH_ALGORITHMS.join(', ')}`,
    );
  }
  return hashHex(algorithm, utf8Encode(text));
}

/** AWS: "Step Functions only supports the shallow merging mode; ... you must specify ... false". */
function jsonMerge(args: readonly JsonValue[], env: IntrinsicEnv): JsonValue {
  if (args[2] !== false) {
    throw intrinsicFailure(
      env.name,
      'only shallow merging is supported; pass false as the third argument',
    );
  }
  const merged: Record<string, JsonValue> = {};
  for (const source of [asObject(args[0]), asObject(args[1])]) {
    for (const [key, value] of Object.entries(source)) {
      Object.defineProperty(merged, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return merged;
}

/**
 * A random integer in [start, end). Without a seed it draws from the execution's RandomSource
 * (replays repeat it); AWS: "if you use this function with the same seed value, it will return
 * identical numbers", so a seed selects a fixed generator instead.
 */
function mathRandom(args: readonly JsonValue[], env: IntrinsicEnv): JsonValue {
  const start = roundArgument(args[0]);
  const end = roundArgument(args[1]);
  if (start >= end) {
    throw intrinsicFailure(env.name, `the start (${start}) must be less than the end (${end})`);
  }
  const seed = args[2];
  const fraction = seed === undefined ? env.random.nextFloat() : floatFromSeed(roundArgument(seed));
  return start + Math.floor(fraction * (end - start));
}

function mathAdd(args: readonly JsonValue[], env: IntrinsicEnv): JsonValue {
  const values = [roundArgument(args[0]), roundArgument(args[1])];
  for (const value of values) {
    if (value < INT32_MIN || value > INT32_MAX) {
      throw intrinsicFailure(
        env.name,
        `${value} is outside the range ${INT32_MIN} to ${INT32_MAX}`,
      );
    }
  }
  return values.reduce((sum, value) => sum + value, 0);
}

/**
 * Splits on every character of the delimiter (AWS: `".+,="` splits "This.is+a,test=string"
 * into five parts). Empty parts are dropped, as Java's StringTokenizer does.
 */
function stringSplit(args: readonly JsonValue[]): JsonValue {
  const text = asString(args[0]);
  const delimiters = new Set(asString(args[1]));
  const parts: string[] = [];
  let current = '';
  for (const char of text) {
    if (delimiters.has(char)) {
      if (current !== '') parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current !== '') parts.push(current);
  return parts;
}
