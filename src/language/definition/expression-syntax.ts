/**
 * The one place where the validator asks "is this expression well-formed?". Paths,
 * intrinsic functions and JSONata each belong to their own module (language/paths,
 * language/intrinsics, language/jsonata); until those export their syntax checks, the
 * checks below stand in for them. Each returns `undefined` when the text is fine, or a short
 * reason ("unbalanced brackets") that the caller puts into its diagnostic message.
 */
import jsonata from 'jsonata';

export type PathKind = 'Path' | 'ReferencePath';

/** True for `"{% ... %}"`: the whole string is one JSONata expression (AWS transforming-data). */
export function isJsonataExpression(value: unknown): value is string {
  return (
    typeof value === 'string' && value.startsWith('{%') && value.endsWith('%}') && value.length >= 4
  );
}

/** Checks the expression inside `{% %}`; `text` is the whole string including the braces. */
export function checkJsonataSyntax(text: string): string | undefined {
  const body = text.slice(2, -2);
  if (body.trim() === '') return 'the expression between {% and %} is empty';
  try {
    jsonata(body);
    return undefined;
  } catch (error: unknown) {
    return describeJsonataError(error);
  }
}

function describeJsonataError(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const message = typeof error.message === 'string' ? error.message : 'syntax error';
    const position =
      'position' in error && typeof error.position === 'number' ? error.position : undefined;
    return position === undefined
      ? message
      : `${message} (at character ${position} of the expression)`;
  }
  return 'syntax error';
}

/** True when a string is an intrinsic function call such as `States.Format(...)`. */
export function isIntrinsicInvocation(text: string): boolean {
  return /^States\.[A-Za-z0-9]+\s*\(/.test(text);
}

/** The intrinsic functions AWS provides (intrinsic-functions page). */
const INTRINSIC_NAMES: ReadonlySet<string> = new Set([
  'States.Format',
  'States.StringToJson',
  'States.JsonToString',
  'States.Array',
  'States.ArrayPartition',
  'States.ArrayContains',
  'States.ArrayRange',
  'States.ArrayGetItem',
  'States.ArrayLength',
  'States.ArrayUnique',
  'States.Base64Encode',
  'States.Base64Decode',
  'States.Hash',
  'States.JsonMerge',
  'States.MathRandom',
  'States.MathAdd',
  'States.StringSplit',
  'States.UUID',
]);

/** Checks the syntax of an intrinsic call: name, parentheses, argument list. */
export function checkIntrinsicSyntax(text: string): string | undefined {
  const parser = new IntrinsicParser(text);
  return parser.parseCall(0) ?? parser.expectEnd();
}

class IntrinsicParser {
  #offset = 0;
  constructor(private readonly text: string) {}

  parseCall(depth: number): string | undefined {
    if (depth > 32) return 'intrinsic calls are nested too deeply';
    const match = /^States\.[A-Za-z0-9]+/.exec(this.text.slice(this.#offset));
    if (match === null)
      return `expected an intrinsic function name at character ${this.#offset + 1}`;
    if (!INTRINSIC_NAMES.has(match[0])) return `"${match[0]}" is not an intrinsic function`;
    this.#offset += match[0].length;
    this.#skipSpaces();
    if (this.text[this.#offset] !== '(') return `expected "(" after ${match[0]}`;
    this.#offset++;
    this.#skipSpaces();
    if (this.text[this.#offset] === ')') {
      this.#offset++;
      return undefined;
    }
    for (;;) {
      const problem = this.#parseArgument(depth);
      if (problem !== undefined) return problem;
      this.#skipSpaces();
      const char = this.text[this.#offset];
      this.#offset++;
      if (char === ')') return undefined;
      if (char !== ',') return `expected "," or ")" in the arguments of ${match[0]}`;
      this.#skipSpaces();
    }
  }

  expectEnd(): string | undefined {
    this.#skipSpaces();
    return this.#offset === this.text.length ? undefined : 'unexpected text after the closing ")"';
  }

  #parseArgument(depth: number): string | undefined {
    const rest = this.text.slice(this.#offset);
    if (rest.startsWith("'")) return this.#parseQuoted();
    if (rest.startsWith('States.')) return this.parseCall(depth + 1);
    const literal =
      /^(?:-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null)(?=\s*[,)])/.exec(
        rest,
      );
    if (literal !== null) {
      this.#offset += literal[0].length;
      return undefined;
    }
    if (rest.startsWith('$')) {
      const end = this.#pathEnd();
      const path = this.text.slice(this.#offset, end);
      this.#offset = end;
      const problem = checkPathSyntax(path, 'Path');
      return problem === undefined ? undefined : `argument ${path}: ${problem}`;
    }
    return `unexpected argument at character ${this.#offset + 1}; arguments are 'strings', numbers, booleans, null, paths or intrinsic calls`;
  }

  #parseQuoted(): string | undefined {
    this.#offset++;
    while (this.#offset < this.text.length) {
      const char = this.text[this.#offset];
      if (char === '\\') this.#offset += 2;
      else if (char === "'") {
        this.#offset++;
        return undefined;
      } else this.#offset++;
    }
    return 'unterminated string argument; close it with a single quote';
  }

  /** A path argument ends at the first "," or ")" outside brackets and quotes. */
  #pathEnd(): number {
    let depth = 0;
    let quote: string | undefined;
    for (let i = this.#offset; i < this.text.length; i++) {
      const char = this.text[i];
      if (quote !== undefined) {
        if (char === '\\') i++;
        else if (char === quote) quote = undefined;
      } else if (char === "'" || char === '"') quote = char;
      else if (char === '[' || char === '(') depth++;
      else if (char === ']' || char === ')') {
        if (depth === 0) return i;
        depth--;
      } else if (char === ',' && depth === 0) return i;
    }
    return this.text.length;
  }

  #skipSpaces(): void {
    while (this.text[this.#offset] === ' ') this.#offset++;
  }
}

/** `$`, `$$` (context object) or `$name` (a workflow variable), then the rest of the path. */
const ROOT = /^(\$\$|\$[A-Za-z_][A-Za-z0-9_]*|\$)/;
/** One Reference Path segment: `.name`, `['name']`, `["name"]` or `[index]`. */
const REFERENCE_SEGMENT =
  /^(?:\.[^.[\]\s'"()*?@,:]+|\[(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[0-9]+)\])/;

/**
 * Checks a JSONPath. `ReferencePath` allows only plain member and index steps (ASL spec
 * "Reference Paths": no wildcards, filters, slices or descent). `Path` allows the JSONPath
 * operators too; this basic check only asks for a `$` root and balanced brackets and quotes.
 */
export function checkPathSyntax(text: string, kind: PathKind): string | undefined {
  const root = ROOT.exec(text);
  if (root === null) return 'a path must start with "$"';
  if (kind === 'ReferencePath') return checkReferenceSegments(text.slice(root[0].length));
  return checkBalanced(text.slice(root[0].length));
}

function checkReferenceSegments(rest: string): string | undefined {
  let remaining = rest;
  while (remaining !== '') {
    const segment = REFERENCE_SEGMENT.exec(remaining);
    if (segment === null) {
      return `"${remaining}" is not a plain field or index step; reference paths allow only .field, ['field'] and [index] (no *, .., filters or slices)`;
    }
    remaining = remaining.slice(segment[0].length);
  }
  return undefined;
}

function checkBalanced(rest: string): string | undefined {
  if (/^\s/.test(rest) || /\s$/.test(rest)) return 'a path may not start or end with whitespace';
  const stack: string[] = [];
  let quote: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const char = rest[i];
    if (quote !== undefined) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === "'" || char === '"') quote = char;
    else if (char === '[' || char === '(') stack.push(char === '[' ? ']' : ')');
    else if (char === ']' || char === ')') {
      if (stack.pop() !== char) return `unbalanced "${char}"`;
    }
  }
  if (quote !== undefined) return 'unterminated quoted name';
  if (stack.length > 0) return 'unclosed bracket';
  if (rest !== '' && !/^[.[]/.test(rest)) return 'after the root, a path continues with "." or "["';
  if (/\.$/.test(rest)) return 'a path may not end with "."';
  return undefined;
}
