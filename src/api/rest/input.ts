/**
 * Reading requests: the body as one JSON object, query and path parameters, each member
 * checked by type and bounds. Every problem is collected (with a JSON pointer to where it
 * is) before one VALIDATION error reports them all.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonObject } from '../../common/index.js';
import { escapePointerToken } from '../../language/definition/index.js';
import { parseJsonText } from '../../language/index.js';
import type { Problem } from './errors.js';
import { RestError, invalid } from './errors.js';

/**
 * The body as a JSON object (`{}` when empty).
 * @throws RestError INVALID_JSON for text that is not JSON, VALIDATION for another JSON value.
 */
export function parseJsonBody(body: Buffer): JsonObject {
  if (body.length === 0) return {};
  const parsed = parseJsonText(body.toString('utf8'));
  if (!parsed.ok)
    throw new RestError('INVALID_JSON', `The body is not valid JSON: ${parsed.problem}`);
  if (!isJsonObject(parsed.value)) {
    throw invalid([{ location: 'body', pointer: '', message: 'must be a JSON object' }]);
  }
  return parsed.value;
}

interface StringRule {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  /** Said when the pattern does not match. */
  readonly patternMessage?: string;
}

/** Reads members of one object (the body, or the query), collecting problems. */
export class Fields {
  private readonly problems: Problem[] = [];

  constructor(
    private readonly values: JsonObject,
    private readonly location: Problem['location'],
    /** Members the route knows; any other is a problem (a typo should not pass silently). */
    known: readonly string[],
  ) {
    for (const key of Object.keys(values)) {
      if (!known.includes(key))
        this.problem(key, `is not a known member (expected one of: ${known.join(', ')})`);
    }
  }

  problem(name: string, message: string): void {
    this.problems.push({
      location: this.location,
      pointer: `/${escapePointerToken(name)}`,
      message,
    });
  }

  /** A problem at a JSON pointer below the location (`/ciRules/0/projects`), as given. */
  problemAt(pointer: string, message: string): void {
    this.problems.push({ location: this.location, pointer, message });
  }

  has(name: string): boolean {
    return getOwn(this.values, name) !== undefined;
  }

  raw(name: string): JsonValue | undefined {
    return getOwn(this.values, name);
  }

  string(name: string, rule: StringRule & { readonly required: true }): string;
  string(name: string, rule?: StringRule): string | undefined;
  string(name: string, rule: StringRule = {}): string | undefined {
    const value = getOwn(this.values, name);
    if (value === undefined) {
      if (rule.required === true) this.problem(name, 'is required');
      return rule.required === true ? '' : undefined;
    }
    if (typeof value !== 'string') {
      this.problem(name, 'must be a string');
      return rule.required === true ? '' : undefined;
    }
    const length = [...value].length;
    if (rule.min !== undefined && length < rule.min) {
      this.problem(name, `must have at least ${rule.min} characters`);
    } else if (rule.max !== undefined && length > rule.max) {
      this.problem(name, `must have at most ${rule.max} characters`);
    } else if (rule.pattern !== undefined && !rule.pattern.test(value)) {
      this.problem(name, rule.patternMessage ?? `must match ${String(rule.pattern)}`);
    }
    return value;
  }

  enumOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const found = allowed.find((option) => option === value);
    if (found === undefined) this.problem(name, `must be one of ${allowed.join(', ')}`);
    return found;
  }

  /** An integer in [min, max]; query values arrive as decimal text. */
  integer(name: string, min: number, max: number): number | undefined {
    const value = getOwn(this.values, name);
    if (value === undefined) return undefined;
    const number =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^-?\d{1,16}$/.test(value)
          ? Number(value)
          : NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max) {
      this.problem(name, `must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return number;
  }

  boolean(name: string): boolean | undefined {
    const value = getOwn(this.values, name);
    if (value === undefined) return undefined;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    this.problem(name, 'must be true or false');
    return undefined;
  }

  /** An ISO-8601 instant with a time zone, normalised to the store's form. */
  instant(name: string): string | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,9})?)?(Z|[+-]\d\d:\d\d)$/.test(value)
      ? Date.parse(value)
      : NaN;
    if (Number.isNaN(ms)) {
      this.problem(
        name,
        'must be an ISO-8601 date and time with a zone, e.g. 2026-11-22T06:00:00Z',
      );
      return undefined;
    }
    return new Date(ms).toISOString();
  }

  /** @throws RestError VALIDATION listing every problem found so far. */
  check(): void {
    if (this.problems.length > 0) throw invalid(this.problems);
  }
}

/** Query parameters as one value each; a repeated parameter is a problem, not a list. */
export function queryValues(query: unknown): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  if (typeof query !== 'object' || query === null) return out;
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (typeof value === 'string') out[key] = value;
    else
      problems.push({
        location: 'query',
        pointer: `/${escapePointerToken(key)}`,
        message: 'must be given once',
      });
  }
  if (problems.length > 0) throw invalid(problems);
  return out;
}
