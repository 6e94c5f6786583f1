/**
 * Reading a GitLab task's PascalCase parameters. Every problem names the field as a JSON pointer
 * (`/Variables/FOO`) and says what to give instead; unknown fields are refused, so a typo
 * (`Refs` for `Ref`) fails loudly instead of being ignored.
 */
import type { JsonObject, JsonValue } from '../../../common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../../common/index.js';

/** A parameter is missing or malformed; the task fails GitLab.InvalidParameters. */
export class InvalidParametersError extends Error {
  override readonly name = 'InvalidParametersError';
  constructor(
    readonly pointer: string,
    message: string,
  ) {
    super(message);
  }
}

/** Escapes a key for a JSON pointer (RFC 6901). */
export function pointerTo(...keys: readonly string[]): string {
  return keys.map((key) => `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

const invalid = (pointer: string, message: string): InvalidParametersError =>
  new InvalidParametersError(pointer, message);

export class TaskParameters {
  private readonly read = new Set<string>();

  constructor(
    private readonly object: JsonObject,
    private readonly task: string,
  ) {}

  /** Reads the parameters of `task`. @throws InvalidParametersError when they are not an object */
  static of(input: JsonValue, task: string): TaskParameters {
    if (!isJsonObject(input)) {
      throw invalid('', `${task} needs Parameters (or Arguments) that are an object.`);
    }
    return new TaskParameters(input, task);
  }

  raw(name: string): JsonValue | undefined {
    this.read.add(name);
    return getOwn(this.object, name);
  }

  /** A required, non-empty string of at most `max` characters. */
  string(name: string, max = 1024): string {
    const value = this.optionalString(name, max);
    if (value === undefined) throw invalid(pointerTo(name), `${name} is required.`);
    return value;
  }

  optionalString(name: string, max = 1024): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') {
      throw invalid(pointerTo(name), `${name} must be a non-empty string.`);
    }
    if (value.length > max) {
      throw invalid(pointerTo(name), `${name} is ${value.length} characters long; at most ${max}.`);
    }
    return value;
  }

  /** A required GitLab id: a positive whole number, or its digits as a string. */
  id(name: string): number {
    const value = this.optionalId(name);
    if (value === undefined) throw invalid(pointerTo(name), `${name} is required (a numeric id).`);
    return value;
  }

  optionalId(name: string): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const number =
      typeof value === 'string' && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0) {
      throw invalid(
        pointerTo(name),
        `${name} must be a positive whole number (a GitLab id), not ${JSON.stringify(value)}.`,
      );
    }
    return number;
  }

  /** true/false, or the strings "true"/"false" (GitLab and its CI variables spell them so). */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw invalid(pointerTo(name), `${name} must be true or false.`);
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback?: T): T {
    const value = this.raw(name);
    if (value === undefined && fallback !== undefined) return fallback;
    const found = values.find((v) => v === value);
    if (found === undefined) {
      throw invalid(
        pointerTo(name),
        `${name} must be one of ${values.join(', ')}${value === undefined ? '' : `, not ${JSON.stringify(value)}`}.`,
      );
    }
    return found;
  }

  optionalObject(name: string): JsonObject | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!isJsonObject(value)) throw invalid(pointerTo(name), `${name} must be an object.`);
    return value;
  }

  /** A string or an array of strings, each one of `values`. */
  optionalList<T extends string>(name: string, values: readonly T[]): readonly T[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const items = isJsonArray(value) ? value : [value];
    return items.map((item, index) => {
      const found = values.find((v) => v === item);
      if (found === undefined) {
        throw invalid(
          isJsonArray(value) ? pointerTo(name, String(index)) : pointerTo(name),
          `${name} entries must be among ${values.join(', ')}, not ${JSON.stringify(item)}.`,
        );
      }
      return found;
    });
  }

  /**
   * Refuses fields nobody read. Call after reading every parameter the task knows.
   * @throws InvalidParametersError naming the first unknown field
   */
  done(): void {
    const unknown = Object.keys(this.object).filter((key) => !this.read.has(key));
    const first = unknown[0];
    if (first === undefined) return;
    throw invalid(
      pointerTo(first),
      `${this.task} has no parameter ${first}. It takes: ${[...this.read].sort().join(', ')}.`,
    );
  }
}

/** GitLab's rule for CI/CD variable keys. */
const VARIABLE_KEY = /^[A-Za-z0-9_]{1,255}$/;

/**
 * `{KEY: value}` as GitLab's `[{key, value, variable_type}]`. Values are strings, numbers or
 * booleans (sent as text); `{Value, Type: "file"}` makes a file variable.
 */
export function pipelineVariables(
  variables: JsonObject,
  field: string,
): { key: string; value: string; variable_type: 'env_var' | 'file' }[] {
  return Object.keys(variables).map((key) => {
    const pointer = pointerTo(field, key);
    if (!VARIABLE_KEY.test(key)) {
      throw invalid(
        pointer,
        `Variable names may contain only letters, digits and _ (at most 255).`,
      );
    }
    const value = getOwn(variables, key) ?? null;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return { key, value: String(value), variable_type: 'env_var' };
    }
    if (isJsonObject(value)) {
      const text = getOwn(value, 'Value');
      const type = getOwn(value, 'Type') ?? 'env_var';
      const unknown = Object.keys(value).find((k) => k !== 'Value' && k !== 'Type');
      if (unknown !== undefined) {
        throw invalid(pointerTo(field, key, unknown), `A variable takes only Value and Type.`);
      }
      if (typeof text !== 'string') throw invalid(`${pointer}/Value`, 'Value must be a string.');
      if (type !== 'env_var' && type !== 'file') {
        throw invalid(`${pointer}/Type`, 'Type must be env_var or file.');
      }
      return { key, value: text, variable_type: type };
    }
    throw invalid(
      pointer,
      `A variable's value must be a string, number or boolean, or {"Value": "...", "Type": "file"}.`,
    );
  });
}
