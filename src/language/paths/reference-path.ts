/**
 * Reference Paths (ASL spec "Reference Paths"): a Path that identifies a single node, written
 * only with `.name`, `['name']` and `[n]`. ResultPath is one (AWS input-output-resultpath:
 * "ResultPath is limited to using reference paths").
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../common/index.js';
import { StatesError, StatesErrorNames } from '../errors.js';
import { JsonPathSyntaxError, elementAt, parseJsonPath } from './jsonpath.js';

/** One step of a Reference Path. */
export type ReferenceStep =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number };

export interface ReferencePath {
  readonly text: string;
  readonly steps: readonly ReferenceStep[];
}

const CACHE_LIMIT = 10_000;
const cache = new Map<string, ReferencePath>();

/**
 * Parses a Reference Path rooted at `$` (the state input).
 * @throws JsonPathSyntaxError for bad syntax, or for operators a Reference Path may not use
 *   (`..`, `*`, slices, unions, filters) and for `$$`/variable roots.
 */
export function parseReferencePath(text: string): ReferencePath {
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  if (text.startsWith('$$') || /^\$[^.[]/u.test(text)) {
    throw new JsonPathSyntaxError(
      text,
      1,
      'a Reference Path must start at the state input ($)',
      'Write it as $ or $.name; the context object ($$) and variables ($name) cannot be written to here',
    );
  }
  const steps: ReferenceStep[] = [];
  for (const segment of parseJsonPath(text).segments) {
    const { selector } = segment;
    if (!segment.descendant && selector.kind === 'name') {
      steps.push({ kind: 'name', name: selector.name });
    } else if (!segment.descendant && selector.kind === 'index') {
      steps.push({ kind: 'index', index: selector.index });
    } else {
      throw new JsonPathSyntaxError(
        text,
        segment.position,
        'a Reference Path must identify a single node',
        "Use only .name, ['name'] and [n]; '..', '*', slices, unions and filters are not allowed",
      );
    }
  }
  const parsed: ReferencePath = { text, steps };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, parsed);
  return parsed;
}

/**
 * Returns a new value: `target` with `value` placed at the Reference Path. Only the objects
 * and arrays along the path are copied; everything else is shared (values are immutable).
 * Missing intermediate objects are created; an array element must already exist.
 *
 * @throws StatesError `States.ResultPathMatchFailure` with AWS's Cause
 *   "Unable to apply ReferencePath <path> to input <input as JSON>" when the path runs into a
 *   value that is not an object (or not an array for `[n]`), or the path is not a Reference Path.
 */
export function setAtReferencePath(
  target: JsonValue,
  path: string | ReferencePath,
  value: JsonValue,
): JsonValue {
  const parsed = typeof path === 'string' ? parseReferencePathForRuntime(path, target) : path;
  const placed = placeAt(target, parsed.steps, 0, value);
  if (placed === undefined) throw unableToApply(parsed.text, target);
  return placed;
}

function parseReferencePathForRuntime(path: string, target: JsonValue): ReferencePath {
  try {
    return parseReferencePath(path);
  } catch (error: unknown) {
    if (error instanceof JsonPathSyntaxError) throw unableToApply(path, target);
    throw error;
  }
}

function unableToApply(path: string, target: JsonValue): StatesError {
  return new StatesError(
    StatesErrorNames.ResultPathMatchFailure,
    `Unable to apply ReferencePath ${path} to input ${JSON.stringify(target)}`,
  );
}

/** Iterative depth would need a stack of copies anyway; Reference Paths are short, so recurse. */
function placeAt(
  node: JsonValue | undefined,
  steps: readonly ReferenceStep[],
  at: number,
  value: JsonValue,
): JsonValue | undefined {
  const step = steps[at];
  if (step === undefined) return value;
  if (step.kind === 'name') {
    const object = node === undefined ? {} : node;
    if (!isJsonObject(object)) return undefined;
    const child = placeAt(getOwn(object, step.name), steps, at + 1, value);
    if (child === undefined) return undefined;
    return withProperty(object, step.name, child);
  }
  if (!isJsonArray(node)) return undefined;
  const effective = step.index < 0 ? node.length + step.index : step.index;
  if (elementAt(node, step.index) === undefined) return undefined;
  const child = placeAt(node[effective], steps, at + 1, value);
  if (child === undefined) return undefined;
  const copy = node.slice();
  copy[effective] = child;
  return copy;
}

/**
 * A shallow copy with one property set. `defineProperty` creates an own data property even
 * for the key `__proto__`, so a document can never change the copy's prototype.
 */
function withProperty(object: JsonObject, key: string, child: JsonValue): JsonValue {
  const copy: Record<string, JsonValue> = { ...object };
  if (key !== '__proto__') {
    copy[key] = child;
    return copy;
  }
  Object.defineProperty(copy, key, {
    value: child,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

/**
 * Reads the value at a Reference Path, or undefined when there is none.
 * @throws JsonPathSyntaxError when `path` is not a Reference Path.
 */
export function getAtReferencePath(
  target: JsonValue,
  path: string | ReferencePath,
): JsonValue | undefined {
  const parsed = typeof path === 'string' ? parseReferencePath(path) : path;
  let current: JsonValue | undefined = target;
  for (const step of parsed.steps) {
    if (current === undefined) return undefined;
    if (step.kind === 'name')
      current = isJsonObject(current) ? getOwn(current, step.name) : undefined;
    else current = isJsonArray(current) ? elementAt(current, step.index) : undefined;
  }
  return current;
}
