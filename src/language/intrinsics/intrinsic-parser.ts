/**
 * Parser for intrinsic function invocations (ASL spec "Intrinsic Functions"; AWS
 * intrinsic-functions): `States.Name(arg, ...)` where an argument is a string literal in single
 * quotes, a number, true, false, null, a Path (`$`, `$$`, `$name` roots) or another invocation.
 */
import { JsonPathSyntaxError } from '../paths/jsonpath.js';
import type { ParsedQueryPath } from '../paths/query-path.js';
import { parseQueryPath } from '../paths/query-path.js';

/** Intrinsic text that could not be parsed. `position` is the 0-based offset of the problem. */
export class IntrinsicSyntaxError extends Error {
  override readonly name = 'IntrinsicSyntaxError';
  constructor(
    readonly text: string,
    readonly position: number,
    readonly problem: string,
    readonly hint: string,
  ) {
    super(`Invalid intrinsic function '${text}' at position ${position}: ${problem}. ${hint}`);
  }
}

export interface IntrinsicCall {
  readonly kind: 'call';
  /** The full name, `States.Format`. */
  readonly name: string;
  readonly args: readonly IntrinsicArgument[];
  readonly position: number;
}

/**
 * A string literal keeps where its unescaped `{}` pairs are, because `\{` and `\}` are literal
 * braces that States.Format must not treat as placeholders (AWS "Reserved characters").
 */
export interface IntrinsicStringLiteral {
  readonly kind: 'string';
  readonly value: string;
  /** Offsets in `value` of each `{}` that was written without escapes. */
  readonly placeholders: readonly number[];
  readonly position: number;
}

export type IntrinsicArgument =
  | IntrinsicCall
  | IntrinsicStringLiteral
  | { readonly kind: 'number'; readonly value: number; readonly position: number }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly position: number }
  | { readonly kind: 'null'; readonly position: number }
  | {
      readonly kind: 'path';
      readonly path: ParsedQueryPath;
      readonly position: number;
    };

/** AWS intrinsic-functions: "You can nest up to 10 intrinsic functions within a field". */
export const MAX_INTRINSIC_NESTING = 10;

const FUNCTION_NAME = /^States\.[A-Za-z0-9]+/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/;

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parse(): IntrinsicCall {
    const call = this.parseCall(1);
    this.skipSpaces();
    if (this.pos < this.text.length) {
      this.fail(
        `unexpected '${this.text.charAt(this.pos)}' after the closing parenthesis`,
        'A field holds exactly one intrinsic invocation; nest calls as arguments instead',
      );
    }
    return call;
  }

  private parseCall(depth: number): IntrinsicCall {
    const position = this.pos;
    if (depth > MAX_INTRINSIC_NESTING) {
      this.fail(
        `intrinsic functions are nested more than ${MAX_INTRINSIC_NESTING} deep`,
        'AWS allows up to 10 nested intrinsic functions in a field; split the work across states',
      );
    }
    const name = FUNCTION_NAME.exec(this.text.slice(this.pos))?.[0];
    if (name === undefined) {
      this.fail(
        'expected an intrinsic function name',
        "Intrinsic functions are written States.Name(...), for example States.Format('{}', $.a)",
      );
    }
    this.pos += name.length;
    this.skipSpaces();
    this.expect('(', `expected '(' after ${name}`, `Call the function as ${name}(...)`);
    const args: IntrinsicArgument[] = [];
    this.skipSpaces();
    if (this.peek() === ')') {
      this.pos += 1;
      return { kind: 'call', name, args, position };
    }
    for (;;) {
      this.skipSpaces();
      args.push(this.parseArgument(depth));
      this.skipSpaces();
      const char = this.peek();
      if (char === ',') {
        this.pos += 1;
      } else if (char === ')') {
        this.pos += 1;
        return { kind: 'call', name, args, position };
      } else {
        this.fail(
          char === undefined
            ? `${name} is missing its closing ')'`
            : `unexpected '${char}' in the arguments`,
          "Separate arguments with ',' and close the call with ')'; quote strings with single quotes",
        );
      }
    }
  }

  private parseArgument(depth: number): IntrinsicArgument {
    const position = this.pos;
    const char = this.peek();
    if (char === "'") return this.parseString();
    if (char === '$') return this.parsePath();
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      const number = NUMBER.exec(this.text.slice(this.pos))?.[0];
      if (number === undefined)
        this.fail('malformed number', 'Write numbers as in JSON, like 3, -1 or 2.5');
      this.pos += number.length;
      return { kind: 'number', value: Number(number), position };
    }
    for (const [word, value] of [
      ['true', true],
      ['false', false],
    ] as const) {
      if (this.isWord(word)) {
        this.pos += word.length;
        return { kind: 'boolean', value, position };
      }
    }
    if (this.isWord('null')) {
      this.pos += 4;
      return { kind: 'null', position };
    }
    if (this.text.startsWith('States.', this.pos)) return this.parseCall(depth + 1);
    this.fail(
      char === undefined
        ? 'the invocation ends where an argument was expected'
        : `unexpected '${char}'`,
      "An argument is a 'string', a number, true, false, null, a path like $.a, or another States.* call",
    );
  }

  private isWord(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    const after = this.text.charAt(this.pos + word.length);
    return !/[A-Za-z0-9_.]/.test(after);
  }

  /** AWS "Reserved characters in intrinsic functions": `\'`, `\{`, `\}`, `\\`; any other escape is an error. */
  private parseString(): IntrinsicStringLiteral {
    const position = this.pos;
    this.pos += 1;
    let value = '';
    const placeholders: number[] = [];
    for (;;) {
      const char = this.peek();
      if (char === undefined) {
        this.pos = position;
        this.fail(
          'unterminated string literal',
          "Close the string with a single quote; write a quote inside it as \\'",
        );
      }
      if (char === "'") {
        this.pos += 1;
        return { kind: 'string', value, placeholders, position };
      }
      if (char === '\\') {
        const escaped = this.text.charAt(this.pos + 1);
        if (escaped !== "'" && escaped !== '{' && escaped !== '}' && escaped !== '\\') {
          this.fail(
            "open escape: a backslash must be followed by ', {, } or \\",
            'Write a literal backslash as \\\\ (in JSON: \\\\\\\\)',
          );
        }
        value += escaped;
        this.pos += 2;
      } else {
        if (char === '{' && this.text.charAt(this.pos + 1) === '}') placeholders.push(value.length);
        value += char;
        this.pos += 1;
      }
    }
  }

  /**
   * A path argument runs until a `,` or `)` outside brackets. Brackets may hold quoted names and
   * filters with their own parentheses and commas.
   */
  private parsePath(): IntrinsicArgument {
    const position = this.pos;
    let depth = 0;
    let quote: string | undefined;
    while (this.pos < this.text.length) {
      const char = this.text.charAt(this.pos);
      if (quote !== undefined) {
        if (char === '\\') this.pos += 1;
        else if (char === quote) quote = undefined;
      } else if (depth > 0 && (char === "'" || char === '"')) {
        quote = char;
      } else if (char === '[' || (char === '(' && depth > 0)) {
        depth += 1;
      } else if ((char === ']' || char === ')') && depth > 0) {
        depth -= 1;
      } else if (depth === 0 && (char === ',' || char === ')' || /\s/.test(char))) {
        break;
      }
      this.pos += 1;
    }
    const text = this.text.slice(position, this.pos);
    try {
      return { kind: 'path', path: parseQueryPath(text), position };
    } catch (error: unknown) {
      if (error instanceof JsonPathSyntaxError) {
        this.pos = position + error.position;
        this.fail(`the path argument '${text}' is invalid: ${error.problem}`, error.hint);
      }
      throw error;
    }
  }

  private peek(): string | undefined {
    return this.pos < this.text.length ? this.text.charAt(this.pos) : undefined;
  }

  private skipSpaces(): void {
    while (this.pos < this.text.length && /\s/.test(this.text.charAt(this.pos))) this.pos += 1;
  }

  private expect(char: string, problem: string, hint: string): void {
    if (this.peek() !== char) this.fail(problem, hint);
    this.pos += 1;
  }

  private fail(problem: string, hint: string): never {
    throw new IntrinsicSyntaxError(this.text, this.pos, problem, hint);
  }
}

const CACHE_LIMIT = 10_000;
const cache = new Map<string, IntrinsicCall>();

/**
 * Parses one intrinsic invocation. Function names are not checked here (see
 * checkIntrinsicSyntax), only the syntax, the nesting limit and the path arguments.
 * @throws IntrinsicSyntaxError with the position and a hint on how to fix the text.
 */
export function parseIntrinsic(text: string): IntrinsicCall {
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  const parsed = new Parser(text).parse();
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, parsed);
  return parsed;
}

/**
 * True when a `.$` value is meant as an intrinsic invocation rather than a path: it starts with
 * `States.` followed by a name and `(` (what AWS's parser dispatches on).
 */
export function isIntrinsicInvocation(text: string): boolean {
  return /^States\.[A-Za-z0-9]+\s*\(/.test(text);
}
