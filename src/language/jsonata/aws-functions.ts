/**
 * The functions Step Functions adds to JSONata, and the standard ones it replaces, made
 * deterministic: time and randomness come from the evaluation scope, never from the host
 * (AWS transforming-data, "JSONata functions provided by Step Functions",
 * https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html).
 */
import type { JsonValue } from '../../common/index.js';
import type { RandomSource } from '../evaluation-context.js';
import { floatFromSeed } from '../execution/rng.js';
import { utf8Encode } from '../intrinsics/base64.js';
import { HASH_ALGORITHMS, hashHex, isHashAlgorithm } from '../intrinsics/hash.js';
import { parseJsonText } from '../json-text.js';
import { formatTimestamp, parseTimestamp } from '../timestamps.js';
import { uuidV4 } from '../uuid.js';
import { MAX_SEQUENCE_LENGTH, compileJsonata } from './expression.js';

/** A failure inside one of these functions; mapped to States.QueryEvaluationError. */
export class JsonataFunctionError extends Error {
  override readonly name = 'JsonataFunctionError';
}

/** What the functions read: the instant of the event and the execution's random source. */
export interface FunctionScope {
  readonly random: RandomSource;
  /** ISO-8601 instant that `$now()` and `$millis()` report. */
  readonly now: string;
}

/**
 * The function bindings for one evaluation. Values are JS functions as the jsonata package
 * accepts them in `bindings`; `eval` is bound to `undefined` because AWS does not support
 * `$eval` (use `$parse`), so calling it fails as calling any non-function does (T1006).
 */
export function awsFunctionBindings(scope: FunctionScope): Record<string, unknown> {
  const nowMs = instantOf(scope.now);
  return {
    eval: undefined,
    now: (picture?: unknown, timezone?: unknown) => formatNow(nowMs, picture, timezone),
    millis: () => nowMs,
    partition,
    range,
    random: (seed?: unknown) => randomFloat(scope.random, seed),
    uuid: () => uuidV4(scope.random),
    shuffle: (array: unknown) => shuffle(scope.random, array),
    parse,
    hash,
  };
}

function instantOf(now: string): number {
  const ms = parseTimestamp(now);
  if (ms === undefined)
    throw new JsonataFunctionError(`The current time '${now}' is not a timestamp.`);
  // JSONata's $millis() is a whole number of milliseconds.
  return Math.floor(ms);
}

/** `$now()` is `$fromMillis($millis())`; with a picture or timezone JSONata's own formatter runs. */
async function formatNow(nowMs: number, picture: unknown, timezone: unknown): Promise<unknown> {
  if (picture === undefined && timezone === undefined) return formatTimestamp(nowMs);
  return compileJsonata('$fromMillis($m, $p, $t)').evaluate(undefined, {
    m: nowMs,
    p: picture,
    t: timezone,
  });
}

/**
 * Integer arguments are rounded to the nearest integer, as the intrinsics these functions
 * replace (States.ArrayPartition, States.ArrayRange, States.MathRandom) do: AWS documents
 * rounding for those ("Step Functions will round it off to the nearest integer",
 * intrinsic-functions) and says nothing about the JSONata versions.
 */
function integerArgument(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new JsonataFunctionError(`The ${name} argument of $${fn} must be a number.`);
  }
  return Math.round(value);
}

/**
 * `$partition(array, chunkSize)`: the array cut into chunks of chunkSize, the last one shorter.
 * An empty array or a chunk size below 1 gives nothing (undefined).
 */
function partition(array: unknown, chunkSize: unknown): unknown[][] | undefined {
  if (!Array.isArray(array)) {
    throw new JsonataFunctionError('The first argument of $partition must be an array.');
  }
  const size = integerArgument('partition', 'chunk size', chunkSize);
  if (size < 1 || array.length === 0) return undefined;
  const chunks: unknown[][] = [];
  for (let i = 0; i < array.length; i += size) chunks.push(array.slice(i, i + size));
  return chunks;
}

/**
 * `$range(start, end, step)`: start, start+step, ... up to and including end. A missing or zero
 * step, or one pointing away from end, gives nothing (undefined); a one-element range is the
 * bare number, as a JSONata singleton sequence is.
 */
function range(start: unknown, end: unknown, step?: unknown): number[] | number | undefined {
  const first = integerArgument('range', 'start', start);
  const last = integerArgument('range', 'end', end);
  if (step === undefined) return undefined;
  const by = integerArgument('range', 'step', step);
  if (by === 0 || (last - first !== 0 && Math.sign(last - first) !== Math.sign(by)))
    return undefined;
  const count = Math.floor((last - first) / by) + 1;
  if (count > MAX_SEQUENCE_LENGTH) {
    throw new JsonataFunctionError(
      `Expression evaluation memory limit exceeded: $range would build ${count} values, more than the ${MAX_SEQUENCE_LENGTH} a sequence may hold.`,
    );
  }
  const values = Array.from({ length: count }, (_, i) => first + i * by);
  return values.length === 1 ? values[0] : values;
}

/**
 * `$random([seed])`: a number in [0, 1). Without a seed it draws from the execution's random
 * source (so a replay repeats it); with an integer seed the value depends on the seed alone.
 */
function randomFloat(random: RandomSource, seed: unknown): number {
  if (seed === undefined) return random.nextFloat();
  return floatFromSeed(integerArgument('random', 'seed', seed));
}

/**
 * `$shuffle(array)`: the same values in a random order. JSONata's own `$shuffle` draws from
 * Math.random, so a replay would reorder differently; this one is the same inside-out
 * Fisher–Yates shuffle drawing from the execution's random source. As JSONata's, it returns
 * undefined for undefined, and a single value or an array of at most one item as it is.
 */
function shuffle(random: RandomSource, array: unknown): unknown {
  if (!Array.isArray(array) || array.length <= 1) return array;
  const result: unknown[] = new Array<unknown>(array.length);
  for (let i = 0; i < array.length; i++) {
    const j = Math.floor(random.nextFloat() * (i + 1));
    if (j !== i) result[i] = result[j];
    result[j] = array[i];
  }
  return result;
}

/** `$parse(jsonString)`: the JSON value a string holds (AWS's replacement for `$eval`). */
function parse(text: unknown): JsonValue {
  if (typeof text !== 'string') {
    throw new JsonataFunctionError('The argument of $parse must be a string.');
  }
  const parsed = parseJsonText(text);
  if (parsed.ok) return parsed.value;
  // The Cause keeps JSON.parse's message (or the depth limit) so the user can find the fault.
  throw new JsonataFunctionError(`$parse could not parse its argument as JSON: ${parsed.problem}`);
}

/**
 * `$hash(value, algorithm)`: the lower-case hex digest of a string's UTF-8 bytes, with the
 * algorithms States.Hash offers (MD5, SHA-1, SHA-256, SHA-384, SHA-512, case-sensitive).
 * Without an algorithm it gives nothing (undefined).
 */
function hash(value: unknown, algorithm: unknown): string | undefined {
  if (typeof value !== 'string') {
    throw new JsonataFunctionError('The first argument of $hash must be a string.');
  }
  if (algorithm === undefined) return undefined;
  if (typeof algorithm !== 'string' || !isHashAlgorithm(algorithm)) {
    throw new JsonataFunctionError(
      `The hash algorithm must be one of ${HASH_ALGORITHMS.join(', ')}.`,
    );
  }
  return hashHex(algorithm, utf8Encode(value));
}
