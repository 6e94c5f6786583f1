/**
 * A small JSON parser (RFC 8259) that remembers where every value came from, so that each
 * diagnostic can point at `line:column`. JSON.parse gives neither positions nor duplicate-key
 * detection; AWS rejects definitions with duplicate keys, so we report them.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import type { Diagnostic, SourceMap } from './diagnostics.js';
import { childPointer } from './diagnostics.js';

/** A 1-based line and column. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/**
 * What reading a definition's text gives: the JSON value with its source map, plus
 * non-fatal diagnostics (duplicate keys: the last one wins in `value`); or only diagnostics
 * when the text could not be read at all.
 */
export type ParseResult =
  | {
      readonly ok: true;
      readonly value: JsonValue;
      readonly sourceMap: SourceMap;
      readonly diagnostics: readonly Diagnostic[];
    }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** A SourceMap backed by a pointer -> position table. */
export function createSourceMap(positions: ReadonlyMap<string, SourcePosition>): SourceMap {
  return { positionOf: (pointer) => positions.get(pointer) };
}

/** Deeper nesting than this is rejected instead of risking a stack overflow. */
const MAX_DEPTH = 512;

class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parses JSON text, recording for each JSON pointer the position of the member's key (for
 * object members), of the element (for array items) or of the document (for `''`).
 * Returns `ok: false` with one `JSON_SYNTAX` diagnostic at the first syntax error.
 * Never throws.
 */
export function parseJsonDefinition(text: string): ParseResult {
  const parser = new JsonParser(text);
  try {
    const value = parser.parseDocument();
    return {
      ok: true,
      value,
      sourceMap: createSourceMap(parser.positions),
      diagnostics: parser.duplicates,
    };
  } catch (error: unknown) {
    if (error instanceof JsonSyntaxError) {
      const { line, column } = parser.positionAt(error.offset);
      return {
        ok: false,
        diagnostics: [{ code: 'JSON_SYNTAX', pointer: '', line, column, message: error.message }],
      };
    }
    throw error;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

class JsonParser {
  readonly positions = new Map<string, SourcePosition>();
  readonly duplicates: Diagnostic[] = [];
  readonly #text: string;
  readonly #lineStarts: number[] = [0];
  #offset = 0;

  constructor(text: string) {
    this.#text = text;
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.#lineStarts.push(i + 1);
  }

  positionAt(offset: number): SourcePosition {
    let low = 0;
    let high = this.#lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.#lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - (this.#lineStarts[low] ?? 0) + 1 };
  }

  parseDocument(): JsonValue {
    if (this.#text.charCodeAt(0) === 0xfeff) this.#offset = 1;
    this.#skipWhitespace();
    if (this.#offset >= this.#text.length)
      this.#fail('the document is empty; expected a JSON object');
    this.positions.set('', this.positionAt(this.#offset));
    const value = this.#parseValue('', 0);
    this.#skipWhitespace();
    if (this.#offset < this.#text.length) {
      this.#fail(`unexpected ${this.#describeHere()} after the end of the JSON value`);
    }
    return value;
  }

  #parseValue(pointer: string, depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.#fail(`nesting deeper than ${MAX_DEPTH} levels`);
    const char = this.#text[this.#offset];
    switch (char) {
      case '{':
        return this.#parseObject(pointer, depth);
      case '[':
        return this.#parseArray(pointer, depth);
      case '"':
        return this.#parseString();
      case 't':
        return this.#parseLiteral('true', true);
      case 'f':
        return this.#parseLiteral('false', false);
      case 'n':
        return this.#parseLiteral('null', null);
      case undefined:
        return this.#fail('unexpected end of the text; expected a JSON value');
      default:
        return this.#parseNumber();
    }
  }

  #parseObject(pointer: string, depth: number): JsonObject {
    const result: Record<string, JsonValue> = {};
    const seen = new Set<string>();
    this.#offset++;
    this.#skipWhitespace();
    if (this.#text[this.#offset] === '}') {
      this.#offset++;
      return result;
    }
    for (;;) {
      if (this.#text[this.#offset] !== '"') {
        this.#fail(`expected a property name in double quotes but found ${this.#describeHere()}`);
      }
      const keyOffset = this.#offset;
      const key = this.#parseString();
      const memberPointer = childPointer(pointer, key);
      const keyPosition = this.positionAt(keyOffset);
      if (seen.has(key)) {
        this.duplicates.push({
          code: 'DUPLICATE_KEY',
          pointer: memberPointer,
          ...keyPosition,
          message: `The key "${key}" appears more than once in this object; keep only one (AWS rejects duplicate keys, and which one would win is undefined).`,
        });
      } else {
        this.positions.set(memberPointer, keyPosition);
      }
      seen.add(key);
      this.#skipWhitespace();
      this.#expect(':', `after the property name "${key}"`);
      this.#skipWhitespace();
      // defineProperty: a plain assignment of "__proto__" would change the prototype.
      Object.defineProperty(result, key, {
        value: this.#parseValue(memberPointer, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.#skipWhitespace();
      if (this.#text[this.#offset] === ',') {
        this.#offset++;
        this.#skipWhitespace();
        if (this.#text[this.#offset] === '}')
          this.#fail('trailing comma before "}" is not allowed in JSON');
        continue;
      }
      this.#expect('}', 'to close the object (or "," before the next property)');
      return result;
    }
  }

  #parseArray(pointer: string, depth: number): JsonValue[] {
    const result: JsonValue[] = [];
    this.#offset++;
    this.#skipWhitespace();
    if (this.#text[this.#offset] === ']') {
      this.#offset++;
      return result;
    }
    for (;;) {
      const itemPointer = childPointer(pointer, result.length);
      this.positions.set(itemPointer, this.positionAt(this.#offset));
      result.push(this.#parseValue(itemPointer, depth + 1));
      this.#skipWhitespace();
      if (this.#text[this.#offset] === ',') {
        this.#offset++;
        this.#skipWhitespace();
        if (this.#text[this.#offset] === ']')
          this.#fail('trailing comma before "]" is not allowed in JSON');
        continue;
      }
      this.#expect(']', 'to close the array (or "," before the next element)');
      return result;
    }
  }

  #parseString(): string {
    const start = this.#offset;
    this.#offset++;
    let result = '';
    let chunkStart = this.#offset;
    for (;;) {
      if (this.#offset >= this.#text.length) {
        this.#failAt(start, 'unterminated string; add the closing double quote');
      }
      const code = this.#text.charCodeAt(this.#offset);
      if (code === 0x22) {
        result += this.#text.slice(chunkStart, this.#offset);
        this.#offset++;
        return result;
      }
      if (code < 0x20) {
        this.#fail('control character in a string; write it as an escape such as \\n or \\u0009');
      }
      if (code === 0x5c) {
        result += this.#text.slice(chunkStart, this.#offset);
        result += this.#parseEscape();
        chunkStart = this.#offset;
        continue;
      }
      this.#offset++;
    }
  }

  #parseEscape(): string {
    const escapeChar = this.#text[this.#offset + 1] ?? '';
    const simple = ESCAPES[escapeChar];
    if (simple !== undefined) {
      this.#offset += 2;
      return simple;
    }
    if (escapeChar === 'u') {
      const hex = this.#text.slice(this.#offset + 2, this.#offset + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.#fail('invalid \\u escape; expected four hex digits');
      this.#offset += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    return this.#fail(`invalid escape "\\${escapeChar}" in a string`);
  }

  #parseLiteral(word: string, value: boolean | null): boolean | null {
    if (this.#text.startsWith(word, this.#offset)) {
      this.#offset += word.length;
      return value;
    }
    return this.#fail(`unexpected ${this.#describeHere()}; expected a JSON value`);
  }

  #parseNumber(): number {
    NUMBER.lastIndex = this.#offset;
    const match = NUMBER.exec(this.#text);
    if (match === null) {
      return this.#fail(`unexpected ${this.#describeHere()}; expected a JSON value`);
    }
    const value = Number(match[0]);
    if (!Number.isFinite(value)) this.#fail(`the number ${match[0]} is too large`);
    this.#offset += match[0].length;
    return value;
  }

  #skipWhitespace(): void {
    for (;;) {
      const char = this.#text[this.#offset];
      if (char === ' ' || char === '\t' || char === '\n' || char === '\r') this.#offset++;
      else return;
    }
  }

  #expect(char: string, context: string): void {
    if (this.#text[this.#offset] !== char) {
      this.#fail(`expected "${char}" ${context} but found ${this.#describeHere()}`);
    }
    this.#offset++;
  }

  #describeHere(): string {
    if (this.#offset >= this.#text.length) return 'the end of the text';
    const char = this.#text[this.#offset] ?? '';
    return `"${char}"`;
  }

  #fail(message: string): never {
    return this.#failAt(this.#offset, message);
  }

  #failAt(offset: number, message: string): never {
    throw new JsonSyntaxError(offset, `Invalid JSON: ${message}.`);
  }
}
