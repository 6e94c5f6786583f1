/**
 * Reading an action's request members with the checks AWS's model puts on them (required,
 * length, pattern, range, enum), worded as AWS words them: a member of the wrong JSON type is
 * a SerializationException at once; constraint violations are collected and reported together
 * as one ValidationException ("2 validation errors detected: Value null at 'name' failed to
 * satisfy constraint: Member must not be null; ...").
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../common/index.js';
import type { SfnError } from './errors.js';
import { constraintViolations, serializationError } from './errors.js';

export interface StringRule {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  /** Never echoed in messages (definitions, inputs, outputs, causes). */
  readonly sensitive?: boolean;
}

export interface NumberRule {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
}

/** Longest value echoed back in a violation message. */
const SHOWN_LENGTH = 128;

export class RequestFields {
  constructor(
    private readonly body: JsonObject,
    /** Where these members sit, for nested structures (`mock.`, `tags.1.member.`). */
    private readonly prefix = '',
    /** Shared with the readers of nested structures, so one check reports them all. */
    private readonly violations: string[] = [],
  ) {}

  /** A nested structure's reader that reports into this one. */
  nested(name: string): RequestFields | undefined {
    const value = this.object(name);
    if (value === undefined) return undefined;
    return new RequestFields(value, `${this.prefix}${name}.`, this.violations);
  }

  string(name: string, rule: StringRule = {}): string | undefined {
    const value = this.member(name, 'string', rule.required);
    if (typeof value !== 'string') return undefined;
    const where = this.path(name);
    const shown = rule.sensitive === true ? 'Value' : `Value '${clip(value)}'`;
    if (rule.min !== undefined && value.length < rule.min) {
      this.violate(
        `${shown} at '${where}' failed to satisfy constraint: Member must have length greater than or equal to ${rule.min}`,
      );
    } else if (rule.max !== undefined && value.length > rule.max) {
      this.violate(
        `${shown} at '${where}' failed to satisfy constraint: Member must have length less than or equal to ${rule.max}`,
      );
    } else if (rule.pattern !== undefined && !rule.pattern.test(value)) {
      this.violate(
        `${shown} at '${where}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${rule.pattern.source}`,
      );
    }
    return value;
  }

  integer(name: string, rule: NumberRule = {}): number | undefined {
    return this.numeric(name, 'integer', rule);
  }

  /** A floating-point member (e.g. UpdateMapRun's toleratedFailurePercentage). */
  float(name: string, rule: NumberRule = {}): number | undefined {
    return this.numeric(name, 'float', rule);
  }

  private numeric(name: string, type: 'integer' | 'float', rule: NumberRule): number | undefined {
    const value = this.member(name, type, rule.required);
    if (typeof value !== 'number') return undefined;
    const where = this.path(name);
    if (rule.min !== undefined && value < rule.min) {
      this.violate(
        `Value '${value}' at '${where}' failed to satisfy constraint: Member must have value greater than or equal to ${rule.min}`,
      );
    } else if (rule.max !== undefined && value > rule.max) {
      this.violate(
        `Value '${value}' at '${where}' failed to satisfy constraint: Member must have value less than or equal to ${rule.max}`,
      );
    }
    return value;
  }

  boolean(name: string, required = false): boolean | undefined {
    const value = this.member(name, 'boolean', required);
    return typeof value === 'boolean' ? value : undefined;
  }

  enumOf<T extends string>(name: string, values: readonly T[], required = false): T | undefined {
    const value = this.member(name, 'string', required);
    if (typeof value !== 'string') return undefined;
    const found = values.find((v) => v === value);
    if (found === undefined) {
      this.violate(
        `Value '${clip(value)}' at '${this.path(name)}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`,
      );
    }
    return found;
  }

  object(name: string, required = false): JsonObject | undefined {
    const value = this.member(name, 'structure', required);
    return isJsonObject(value) ? value : undefined;
  }

  /** A list; each element is read by `read` with a reader for `name.N.member` (1-based). */
  list<T>(
    name: string,
    rule: NumberRule,
    read: (element: JsonValue, path: string, index: number) => T | undefined,
  ): T[] | undefined {
    const value = this.member(name, 'list', rule.required);
    if (!isJsonArray(value)) return undefined;
    const where = this.path(name);
    if (rule.min !== undefined && value.length < rule.min) {
      this.violate(
        `Value at '${where}' failed to satisfy constraint: Member must have length greater than or equal to ${rule.min}`,
      );
    } else if (rule.max !== undefined && value.length > rule.max) {
      this.violate(
        `Value at '${where}' failed to satisfy constraint: Member must have length less than or equal to ${rule.max}`,
      );
    }
    const out: T[] = [];
    value.forEach((element: JsonValue, i) => {
      const item = read(element, `${where}.${i + 1}.member`, i);
      if (item !== undefined) out.push(item);
    });
    return out;
  }

  /** A list element that must be a structure, with a reader reporting into this one. */
  element(element: JsonValue, path: string): RequestFields | undefined {
    if (!isJsonObject(element)) throw wrongType(path, 'structure', element);
    return new RequestFields(element, `${path}.`, this.violations);
  }

  /** A list element that must be a string, checked by `rule`. */
  stringElement(element: JsonValue, path: string, rule: StringRule): string | undefined {
    if (typeof element !== 'string') throw wrongType(path, 'string', element);
    return new RequestFields({ [path]: element }, '', this.violations).string(path, rule);
  }

  /** Reports a violation found by the action itself, in the same list. */
  violate(message: string): void {
    this.violations.push(message);
  }

  /** @throws SfnError ValidationException listing every violation found so far. */
  check(): void {
    if (this.violations.length > 0) throw constraintViolations(this.violations);
  }

  private member(
    name: string,
    type: 'string' | 'integer' | 'float' | 'boolean' | 'structure' | 'list',
    required: boolean | undefined,
  ): JsonValue | undefined {
    const value = getOwn(this.body, name);
    // AWS's deserialiser treats an explicit null like an absent member.
    if (value === undefined || value === null) {
      if (required === true) {
        this.violate(
          `Value null at '${this.path(name)}' failed to satisfy constraint: Member must not be null`,
        );
      }
      return undefined;
    }
    if (!hasType(value, type)) throw wrongType(this.path(name), type, value);
    return value;
  }

  private path(name: string): string {
    return `${this.prefix}${name}`;
  }
}

function hasType(
  value: JsonValue,
  type: 'string' | 'integer' | 'float' | 'boolean' | 'structure' | 'list',
): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'structure':
      return isJsonObject(value);
    case 'list':
      return isJsonArray(value);
  }
}

function wrongType(path: string, expected: string, value: JsonValue): SfnError {
  return serializationError(
    `'${path}' must be ${expected === 'integer' ? 'an' : 'a'} ${expected}, not ${typeOf(value)}.`,
  );
}

function typeOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a structure';
  if (typeof value === 'number')
    return Number.isInteger(value) ? 'a number' : 'a fractional number';
  return `a ${typeof value}`;
}

function clip(value: string): string {
  return value.length > SHOWN_LENGTH ? `${value.slice(0, SHOWN_LENGTH)}...` : value;
}
