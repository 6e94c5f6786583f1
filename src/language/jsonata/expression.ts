/**
 * Recognising and compiling JSONata expressions as ASL embeds them: a string field whose whole
 * value is `{% <expression> %}` (AWS transforming-data,
 * https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html).
 */
import jsonata from 'jsonata';
import { TO_MILLIS_SIGNATURE, deterministicToMillis } from './to-millis.js';

/** A string in `{% ... %}` form. */
export type JsonataString = `{%${string}%}`;

const OPEN = '{%';
const CLOSE = '%}';

/**
 * True when `value` is a JSONata expression string: it begins with `{%` and ends with `%}`, with
 * nothing (not even whitespace) before the opening or after the closing delimiter. Any other
 * string, such as `" {% $x %}"`, is a literal value (transforming-data: "JSONata syntax:
 * "{% <JSONata expression> %}""). Whitespace inside the delimiters is part of the expression.
 */
export function isJsonataExpression(value: unknown): value is JsonataString {
  return (
    typeof value === 'string' &&
    value.length >= OPEN.length + CLOSE.length &&
    value.startsWith(OPEN) &&
    value.endsWith(CLOSE)
  );
}

/**
 * The expression between the delimiters of a string {@link isJsonataExpression} accepted,
 * without surrounding whitespace: AWS quotes `{% $states.input.x %}` as '$states.input.x' in
 * its Causes.
 */
export function jsonataBody(text: string): string {
  return text.slice(OPEN.length, text.length - CLOSE.length).trim();
}

/** A parse failure as the jsonata package reports it (a plain object, not an Error). */
interface JsonataErrorShape {
  readonly code: string;
  readonly message: string;
}

/** Narrows what the jsonata package throws: objects carrying `code` and `message`. */
export function isJsonataError(value: unknown): value is JsonataErrorShape {
  return (
    typeof value === 'object' &&
    value !== null &&
    'code' in value &&
    typeof value.code === 'string' &&
    'message' in value &&
    typeof value.message === 'string'
  );
}

/**
 * Most values one JSONata sequence may hold (the library's `sequence` guardrail, error D2015;
 * its range operator `[a..b]` honours it too, and our `$range` uses the same bound). Counting
 * values is deterministic, so a replay fails at the same place: `[1..100000].([1..100000])`
 * stops after a million values instead of building ten billion. A million numbers is
 * already some 20 MB of JSON, far beyond the 256 KiB a state may pass on.
 */
export const MAX_SEQUENCE_LENGTH = 1_000_000;

/**
 * Deepest evaluation nesting (the `stack` guardrail, error D1011): stops runaway recursion
 * such as `($f := function($n){ $f($n) }; $f(1))` deterministically. A user function that
 * recurses 2,000 levels uses about 10,000.
 */
export const MAX_EVALUATION_DEPTH = 10_000;

/**
 * Wall-clock bound on one evaluation (the `timeout` guardrail, error D1012). The two limits
 * above are deterministic but do not bound time: `$map([1..100000], function($v){
 * $count([1..100000]) })` never holds more than 100,000 values yet takes ten billion steps,
 * and the library offers no step counter. So this is a safety net for pathological
 * definitions only, generous enough that no sane expression comes near it (a replay of such
 * an expression could otherwise fail where the original run did not); the durable engine
 * also has its own watchdog.
 */
export const EVALUATION_TIMEOUT_MS = 10_000;

const EVALUATION_LIMITS: jsonata.JsonataOptions = Object.freeze({
  sequence: MAX_SEQUENCE_LENGTH,
  stack: MAX_EVALUATION_DEPTH,
  timeout: EVALUATION_TIMEOUT_MS,
});

/** Upper bound on cached compilations, so distinct user expressions cannot grow memory forever. */
const CACHE_LIMIT = 2048;
const cache = new Map<string, jsonata.Expression>();

/**
 * Compiles an expression body, reusing an earlier compilation of the same text. The result
 * evaluates under the limits above, and with a `$toMillis` that never reads the host clock.
 *
 * @throws whatever the jsonata parser throws for bad syntax (a {@link isJsonataError} object)
 */
export function compileJsonata(body: string): jsonata.Expression {
  const cached = cache.get(body);
  if (cached !== undefined) return cached;
  const compiled = jsonata(body, EVALUATION_LIMITS);
  compiled.registerFunction('toMillis', deterministicToMillis, TO_MILLIS_SIGNATURE);
  if (cache.size >= CACHE_LIMIT) {
    // Maps iterate in insertion order: drop the oldest entry.
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(body, compiled);
  return compiled;
}

/**
 * Checks that an expression body parses, for the definition validator.
 *
 * @param body the text between `{%` and `%}` (see {@link jsonataBody})
 * @returns the parser's message, prefixed with its error code (e.g. `S0202: Expected "]", got
 *   ","`), or `undefined` when the expression is well-formed
 */
export function checkJsonataSyntax(body: string): string | undefined {
  if (body.trim() === '') return 'The JSONata expression is empty.';
  try {
    compileJsonata(body);
    return undefined;
  } catch (e: unknown) {
    if (isJsonataError(e)) return `${e.code}: ${e.message}`;
    return e instanceof Error ? e.message : String(e);
  }
}
