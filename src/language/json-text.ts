/**
 * JSON text found in user data, parsed into a JsonValue: States.StringToJson and JSONata
 * `$parse` share this, so both give the same values and the same limits.
 */
import type { JsonValue } from '../common/index.js';

/**
 * Deepest nesting of arrays and objects accepted from JSON text: the same bound the engine
 * puts on execution input and task results (MAX_JSON_DEPTH in execution/model.ts). JSON.parse
 * accepts far deeper text, but every other JSON walker recurses and would exhaust the stack.
 */
export const MAX_JSON_TEXT_DEPTH = 1000;

export type JsonTextResult =
  | { readonly ok: true; readonly value: JsonValue }
  | { readonly ok: false; readonly reason: 'syntax'; readonly problem: string }
  | { readonly ok: false; readonly reason: 'depth'; readonly problem: string };

/**
 * Parses JSON text.
 *
 * @returns the value, or why there is none: `syntax` with JSON.parse's message for malformed
 *   text, `depth` when arrays and objects nest deeper than {@link MAX_JSON_TEXT_DEPTH}.
 *   Never throws.
 */
export function parseJsonText(text: string): JsonTextResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error: unknown) {
    // JSON.parse reports malformed text only by throwing a SyntaxError.
    return {
      ok: false,
      reason: 'syntax',
      problem: error instanceof Error ? error.message : String(error),
    };
  }
  if (nestingExceeds(parsed, MAX_JSON_TEXT_DEPTH)) {
    return {
      ok: false,
      reason: 'depth',
      problem: `the JSON is nested deeper than ${MAX_JSON_TEXT_DEPTH} levels of arrays and objects`,
    };
  }
  return { ok: true, value: toJsonValue(parsed) };
}

/**
 * Iterative, so that checking a deeply nested value cannot itself exhaust the stack. Not
 * common's jsonDepthExceeds: that takes a JsonValue, and this value becomes one only through
 * the recursive rebuild that this check must precede.
 */
function nestingExceeds(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > limit) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth });
  }
  return false;
}

/**
 * JSON.parse returns `any`; rebuild the value with checked types instead of casting. Recursive:
 * callers check the depth first. Keys are defined as own data properties, so a `"__proto__"`
 * key stays a plain key instead of changing the prototype.
 */
function toJsonValue(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => toJsonValue(item));
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, {
        value: toJsonValue(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  // Unreachable: JSON.parse yields only the JSON types handled above.
  return null;
}
