/** A JSON value as it travels through ASL: parsed input, outputs, variables. */
export type JsonValue = null | boolean | number | string | JsonArray | JsonObject;
export type JsonArray = readonly JsonValue[];
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** Narrows an unknown value to a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Narrows an unknown value to a JSON array. */
export function isJsonArray(value: unknown): value is JsonArray {
  return Array.isArray(value);
}

/** Own-property lookup that never walks the prototype chain (`__proto__`, `constructor`). */
export function getOwn(object: JsonObject, key: string): JsonValue | undefined {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

/** Size in bytes of the UTF-8 JSON serialisation, as AWS measures payloads. */
export function jsonByteLength(value: JsonValue): number {
  const text = JSON.stringify(value);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const upperBounds = new WeakMap<object, number>();
const MEMO_THRESHOLD = 2048;

/**
 * An upper bound of `jsonByteLength(value)`, cheap to recompute as values are rebuilt: sizes
 * of arrays and objects are memoised by identity, and ASL processing (ResultPath, templates)
 * shares unchanged subtrees between input and output, so each state pays only for what it
 * changed. A string counts 6 bytes per UTF-16 unit (the `\u00XX` escape is the worst case).
 */
export function jsonByteLengthUpperBound(value: JsonValue): number {
  if (value === null) return 4;
  if (typeof value === 'string') return value.length * 6 + 2;
  if (typeof value === 'number') return 24;
  if (typeof value === 'boolean') return 5;
  const cached = upperBounds.get(value);
  if (cached !== undefined) return cached;
  let size = 2;
  if (isJsonArray(value)) {
    for (const item of value) size += jsonByteLengthUpperBound(item) + 1;
  } else {
    // Object.keys lists own keys only, so the lookups below never reach the prototype.
    const object: JsonObject = value;
    for (const key of Object.keys(object)) {
      size += key.length * 6 + 4 + jsonByteLengthUpperBound(object[key] ?? null);
    }
  }
  // Small values are cheaper to recount than to remember.
  if (size >= MEMO_THRESHOLD) upperBounds.set(value, size);
  return size;
}

/** True when the UTF-8 JSON text of `value` is longer than `limit` bytes. */
export function exceedsJsonByteLength(value: JsonValue, limit: number): boolean {
  return jsonByteLengthUpperBound(value) > limit && jsonByteLength(value) > limit;
}

/**
 * True when `value` nests arrays/objects more than `maxDepth` levels deep. Iterative, so it
 * is safe on the very values it guards against: everything else that walks JSON recurses.
 */
export function jsonDepthExceeds(value: JsonValue, maxDepth: number): boolean {
  const stack: { readonly value: JsonValue; readonly depth: number }[] = [{ value, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (top.value === null || typeof top.value !== 'object') continue;
    const depth = top.depth + 1;
    if (depth > maxDepth) return true;
    const children: readonly JsonValue[] = isJsonArray(top.value)
      ? top.value
      : Object.values(top.value);
    for (const child of children) stack.push({ value: child, depth });
  }
  return false;
}

/** Deep structural equality of two JSON values (object key order ignored). */
export function jsonEquals(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (isJsonArray(a)) {
    if (!isJsonArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => {
      const other = b[i];
      return other !== undefined && jsonEquals(item, other);
    });
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => {
    const mine = getOwn(a, k);
    const other = getOwn(b, k);
    return mine !== undefined && other !== undefined && jsonEquals(mine, other);
  });
}

/**
 * Parses text that should be JSON (an HTTP body, say); undefined when it is empty or is not
 * JSON, so the caller can fall back to the text itself.
 */
export function parseJsonText(text: string): JsonValue | undefined {
  if (text.trim() === '') return undefined;
  try {
    // JSON.parse yields only JSON values; the type follows.
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}
