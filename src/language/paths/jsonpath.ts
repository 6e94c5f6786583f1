/**
 * Our own evaluator for the JSONPath subset that AWS Step Functions accepts in JSONPath states
 * (ASL spec "Paths": "a Path is a string beginning with `$` ... following JsonPath syntax";
 * AWS implements it with Jayway JsonPath, whose semantics we follow where the docs are silent).
 *
 * Text is parsed to an AST and the AST is interpreted: there is no code evaluation of any kind,
 * unlike general JSONPath engines whose script filters have had remote-code-execution advisories
 * (see ../shared/STYLE.md §9). Property lookups are own-property only, so `__proto__` and
 * `constructor` are plain keys that exist only when the document has them.
 */
import type { JsonArray, JsonValue } from '../../common/index.js';
import { assertNever, getOwn, isJsonArray, isJsonObject, jsonEquals } from '../../common/index.js';
import { StatesError, StatesErrorNames } from '../errors.js';

/** A JSONPath that could not be parsed. `position` is the 0-based offset of the problem. */
export class JsonPathSyntaxError extends Error {
  override readonly name = 'JsonPathSyntaxError';
  constructor(
    readonly path: string,
    readonly position: number,
    readonly problem: string,
    readonly hint: string,
  ) {
    super(`Invalid JSONPath '${path}' at position ${position}: ${problem}. ${hint}`);
  }
}

/** One step of a path. `descendant` is the deep scan `..`, which applies the selector at every depth. */
export interface JsonPathSegment {
  readonly descendant: boolean;
  readonly selector: JsonPathSelector;
  readonly position: number;
}

export type JsonPathSelector =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'names'; readonly names: readonly string[] }
  | { readonly kind: 'indexes'; readonly indexes: readonly number[] }
  | {
      readonly kind: 'slice';
      readonly start: number | undefined;
      readonly end: number | undefined;
      readonly step: number;
    }
  | { readonly kind: 'filter'; readonly expression: FilterExpression };

export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type FilterExpression =
  | { readonly kind: 'or'; readonly left: FilterExpression; readonly right: FilterExpression }
  | { readonly kind: 'and'; readonly left: FilterExpression; readonly right: FilterExpression }
  | { readonly kind: 'exists'; readonly operand: FilterPath }
  | {
      readonly kind: 'compare';
      readonly operator: ComparisonOperator;
      readonly left: FilterOperand;
      readonly right: FilterOperand;
    };

/** A path inside a filter: `@...` is the current element, `$...` the document root. */
export interface FilterPath {
  readonly kind: 'path';
  readonly root: '@' | '$';
  readonly segments: readonly JsonPathSegment[];
}

export type FilterOperand = FilterPath | { readonly kind: 'literal'; readonly value: JsonValue };

/** A parsed `$...` path (the prefix `$$` or `$name` is handled by query-path.ts). */
export interface JsonPath {
  readonly text: string;
  readonly segments: readonly JsonPathSegment[];
  /** True when the path can yield at most one value (only `.name`, `['name']`, `[n]`). */
  readonly isDefinite: boolean;
}

/** Filters nest through parentheses and `&&`/`||`; a bound keeps the recursive parser off the stack limit. */
const MAX_FILTER_DEPTH = 64;
/** Upper bound on intermediate matches, so `$..*..*` on a large document fails instead of exhausting memory. */
export const MAX_JSONPATH_MATCHES = 1_000_000;

/** Characters that end a name written in dot notation (`$.name`). Others need `['...']`. */
const DOT_NAME_TERMINATORS = new Set([
  '.',
  '[',
  ']',
  '(',
  ')',
  "'",
  '"',
  ',',
  ' ',
  '\t',
  '\n',
  '\r',
  '<',
  '>',
  '=',
  '!',
  '&',
  '|',
  '?',
  '@',
  '$',
  '*',
]);

const BRACKET_HINT =
  "Write names with spaces or special characters in bracket notation, like $['a b']";

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parsePath(): JsonPath {
    this.expect('$', 'a path must start with $', 'Start the path with $, for example $.name');
    const segments = this.parseSegments(false, 0);
    if (this.pos < this.text.length) {
      this.fail(
        `unexpected character '${this.peek()}'`,
        `After a segment only '.', '..' or '[' may follow. ${BRACKET_HINT}`,
      );
    }
    return { text: this.text, segments, isDefinite: isDefiniteSegments(segments) };
  }

  /** Parses segments until something that is not `.`, `..` or `[`. */
  private parseSegments(inFilter: boolean, depth: number): JsonPathSegment[] {
    const segments: JsonPathSegment[] = [];
    for (;;) {
      this.skipSpacesIf(inFilter);
      const char = this.peek();
      const position = this.pos;
      if (char === '.') {
        if (this.text[this.pos + 1] === '.') {
          this.pos += 2;
          segments.push({ descendant: true, selector: this.parseAfterDot(depth), position });
        } else {
          this.pos += 1;
          segments.push({ descendant: false, selector: this.parseAfterDot(depth), position });
        }
      } else if (char === '[') {
        segments.push({ descendant: false, selector: this.parseBracket(depth), position });
      } else {
        return segments;
      }
    }
  }

  private parseAfterDot(depth: number): JsonPathSelector {
    const char = this.peek();
    if (char === '*') {
      this.pos += 1;
      return { kind: 'wildcard' };
    }
    // `..[0]` is a deep scan with a bracket selector. After a single dot, AWS's own docs write
    // `$.abc.['def ghi']` (intrinsic-functions, "Reserved characters") and Jayway accepts it.
    if (char === '[') return this.parseBracket(depth);
    const start = this.pos;
    while (this.pos < this.text.length && !DOT_NAME_TERMINATORS.has(this.text.charAt(this.pos))) {
      this.pos += 1;
    }
    if (this.pos === start) {
      this.fail(
        char === undefined
          ? 'the path ends after a dot'
          : `expected a name after '.' but found '${char}'`,
        `Write a property name after the dot, like $.name, or use bracket notation. ${BRACKET_HINT}`,
      );
    }
    return { kind: 'name', name: this.text.slice(start, this.pos) };
  }

  private parseBracket(depth: number): JsonPathSelector {
    this.pos += 1; // '['
    this.skipSpaces();
    const char = this.peek();
    let selector: JsonPathSelector;
    if (char === '*') {
      this.pos += 1;
      selector = { kind: 'wildcard' };
    } else if (char === "'" || char === '"') {
      selector = this.parseNameList();
    } else if (char === '?') {
      selector = this.parseFilter(depth);
    } else if (char === ':' || char === '-' || isDigit(char)) {
      selector = this.parseIndexOrSlice();
    } else {
      this.fail(
        char === undefined ? "the path ends inside '['" : `unexpected '${char}' after '['`,
        "Inside brackets write a quoted name ['a'], an index [0], a slice [1:3], a wildcard [*] or a filter [?(@.a > 1)]",
      );
    }
    this.skipSpaces();
    this.expect(']', "expected ']'", "Close the bracket with ']'");
    return selector;
  }

  private parseNameList(): JsonPathSelector {
    const names = [this.parseQuoted()];
    this.skipSpaces();
    while (this.peek() === ',') {
      this.pos += 1;
      this.skipSpaces();
      const char = this.peek();
      if (char !== "'" && char !== '"') {
        this.fail(
          'a list of names may contain only quoted names',
          "Write a union of names as ['a','b']",
        );
      }
      names.push(this.parseQuoted());
      this.skipSpaces();
    }
    const [first] = names;
    if (names.length === 1 && first !== undefined) return { kind: 'name', name: first };
    return { kind: 'names', names };
  }

  private parseQuoted(): string {
    const quote = this.peek();
    const start = this.pos;
    this.pos += 1;
    let value = '';
    for (;;) {
      const char = this.peek();
      if (char === undefined) {
        this.pos = start;
        this.fail('unterminated quoted name', `Close the name with ${quote ?? "'"}`);
      }
      this.pos += 1;
      if (char === quote) return value;
      if (char === '\\') {
        const escaped = this.peek();
        if (escaped === undefined) {
          this.fail(
            'the path ends after a backslash',
            "Escape a quote as \\' and a backslash as \\\\",
          );
        }
        this.pos += 1;
        value += escaped;
      } else {
        value += char;
      }
    }
  }

  private parseIndexOrSlice(): JsonPathSelector {
    const first = this.parseOptionalInteger();
    this.skipSpaces();
    if (this.peek() === ':') return this.parseSliceRest(first);
    if (first === undefined) {
      this.fail('expected an index', 'Write an array index like [0] or [-1]');
    }
    const indexes = [first];
    while (this.peek() === ',') {
      this.pos += 1;
      this.skipSpaces();
      const next = this.parseOptionalInteger();
      if (next === undefined) {
        this.fail(
          'a list of indexes may contain only integers',
          'Write a union of indexes as [0,2]',
        );
      }
      indexes.push(next);
      this.skipSpaces();
    }
    if (indexes.length === 1) return { kind: 'index', index: first };
    return { kind: 'indexes', indexes };
  }

  private parseSliceRest(start: number | undefined): JsonPathSelector {
    this.pos += 1; // ':'
    this.skipSpaces();
    const end = this.parseOptionalInteger();
    this.skipSpaces();
    let step = 1;
    if (this.peek() === ':') {
      this.pos += 1;
      this.skipSpaces();
      const stepPosition = this.pos;
      const parsed = this.parseOptionalInteger();
      if (parsed === 0) {
        this.pos = stepPosition;
        this.fail('a slice step of 0 selects nothing', 'Use a non-zero step, like [0:10:2]');
      }
      step = parsed ?? 1;
    }
    return { kind: 'slice', start, end, step };
  }

  private parseOptionalInteger(): number | undefined {
    const start = this.pos;
    if (this.peek() === '-') this.pos += 1;
    while (isDigit(this.peek())) this.pos += 1;
    if (this.pos === start) return undefined;
    const text = this.text.slice(start, this.pos);
    const value = Number(text);
    if (text === '-' || !Number.isSafeInteger(value)) {
      this.pos = start;
      this.fail(`'${text}' is not a usable integer`, 'Use an integer index between -2^53 and 2^53');
    }
    return value;
  }

  private parseFilter(depth: number): JsonPathSelector {
    this.pos += 1; // '?'
    this.skipSpaces();
    this.expect('(', "expected '(' after '?'", 'Write a filter as [?(@.price < 10)]');
    const expression = this.parseOr(depth + 1);
    this.skipSpaces();
    this.expect(')', "expected ')' to close the filter", 'Write a filter as [?(@.price < 10)]');
    return { kind: 'filter', expression };
  }

  private parseOr(depth: number): FilterExpression {
    let left = this.parseAnd(depth);
    for (;;) {
      this.skipSpaces();
      if (!this.text.startsWith('||', this.pos)) return left;
      this.pos += 2;
      left = { kind: 'or', left, right: this.parseAnd(depth) };
    }
  }

  private parseAnd(depth: number): FilterExpression {
    let left = this.parsePrimary(depth);
    for (;;) {
      this.skipSpaces();
      if (!this.text.startsWith('&&', this.pos)) return left;
      this.pos += 2;
      left = { kind: 'and', left, right: this.parsePrimary(depth) };
    }
  }

  private parsePrimary(depth: number): FilterExpression {
    if (depth > MAX_FILTER_DEPTH) {
      this.fail(
        'the filter is nested too deeply',
        `Keep filters under ${MAX_FILTER_DEPTH} levels of parentheses`,
      );
    }
    this.skipSpaces();
    if (this.peek() === '(') {
      this.pos += 1;
      const inner = this.parseOr(depth + 1);
      this.skipSpaces();
      this.expect(')', "expected ')'", 'Balance the parentheses in the filter');
      return inner;
    }
    const left = this.parseOperand(depth);
    this.skipSpaces();
    const operator = this.parseOperator();
    if (operator === undefined) {
      if (left.kind === 'literal') {
        this.fail(
          'a filter needs a comparison or a path to test',
          'Compare a path with a value, like [?(@.price < 10)], or test existence, like [?(@.isbn)]',
        );
      }
      return { kind: 'exists', operand: left };
    }
    this.skipSpaces();
    const right = this.parseOperand(depth);
    return { kind: 'compare', operator, left, right };
  }

  private parseOperator(): ComparisonOperator | undefined {
    for (const operator of ['==', '!=', '<=', '>=', '<', '>'] as const) {
      if (this.text.startsWith(operator, this.pos)) {
        this.pos += operator.length;
        return operator;
      }
    }
    return undefined;
  }

  private parseOperand(depth: number): FilterOperand {
    const char = this.peek();
    if (char === '@' || char === '$') {
      const start = this.pos;
      this.pos += 1;
      const segments = this.parseSegments(true, depth);
      if (!isDefiniteSegments(segments)) {
        this.pos = start;
        this.fail(
          'a path inside a filter must select a single value',
          "Use only .name, ['name'] and [n] inside filters, like @.a.b",
        );
      }
      return { kind: 'path', root: char, segments };
    }
    if (char === "'" || char === '"') return { kind: 'literal', value: this.parseQuoted() };
    if (char === '-' || isDigit(char)) return { kind: 'literal', value: this.parseNumber() };
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return { kind: 'literal', value };
      }
    }
    this.fail(
      char === undefined ? 'the filter ends early' : `unexpected '${char}' in filter`,
      "Filter operands are paths (@.a, $.b), numbers, 'strings', true, false or null",
    );
  }

  private parseNumber(): number {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    const text = match?.[0];
    if (text === undefined) {
      this.fail('malformed number', 'Write numbers as in JSON, like 10, -2.5 or 1e3');
    }
    this.pos += text.length;
    return Number(text);
  }

  private peek(): string | undefined {
    return this.pos < this.text.length ? this.text.charAt(this.pos) : undefined;
  }

  private skipSpaces(): void {
    while (
      this.peek() === ' ' ||
      this.peek() === '\t' ||
      this.peek() === '\n' ||
      this.peek() === '\r'
    ) {
      this.pos += 1;
    }
  }

  private skipSpacesIf(condition: boolean): void {
    if (condition) this.skipSpaces();
  }

  private expect(char: string, problem: string, hint: string): void {
    if (this.peek() !== char) this.fail(problem, hint);
    this.pos += 1;
  }

  private fail(problem: string, hint: string): never {
    throw new JsonPathSyntaxError(this.text, this.pos, problem, hint);
  }
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

function isDefiniteSegments(segments: readonly JsonPathSegment[]): boolean {
  return segments.every(
    (s) => !s.descendant && (s.selector.kind === 'name' || s.selector.kind === 'index'),
  );
}

/** Parsed paths are immutable, so one parse serves every execution; the bound limits memory. */
const PARSE_CACHE_LIMIT = 10_000;
const parseCache = new Map<string, JsonPath>();

/**
 * Parses a `$`-rooted JSONPath.
 * @throws JsonPathSyntaxError with the position and a hint on how to fix the text.
 */
export function parseJsonPath(text: string): JsonPath {
  const cached = parseCache.get(text);
  if (cached !== undefined) return cached;
  const parsed = new Parser(text).parsePath();
  if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
  parseCache.set(text, parsed);
  return parsed;
}

/** True when the path yields at most one value. @throws JsonPathSyntaxError */
export function isDefinitePath(text: string): boolean {
  return parseJsonPath(text).isDefinite;
}

/**
 * Evaluates a parsed path against a document and returns every match, in document order.
 * Never throws for data that does not fit the path (that is simply no match).
 * @throws StatesError (States.Runtime) when the matches exceed MAX_JSONPATH_MATCHES.
 */
export function evaluateJsonPath(path: JsonPath | string, root: JsonValue): JsonValue[] {
  const parsed = typeof path === 'string' ? parseJsonPath(path) : path;
  return evaluateSegments(parsed.segments, root, root);
}

function evaluateSegments(
  segments: readonly JsonPathSegment[],
  start: JsonValue,
  root: JsonValue,
): JsonValue[] {
  let current: JsonValue[] = [start];
  for (const segment of segments) {
    const next: JsonValue[] = [];
    for (const node of current) {
      if (segment.descendant) {
        forEachDescendant(node, (descendant) =>
          applySelector(segment.selector, descendant, root, next),
        );
      } else {
        applySelector(segment.selector, node, root, next);
      }
      if (next.length > MAX_JSONPATH_MATCHES) throw tooManyMatches();
    }
    current = next;
  }
  return current;
}

function tooManyMatches(): StatesError {
  return new StatesError(
    StatesErrorNames.Runtime,
    `The JSONPath selects more than ${MAX_JSONPATH_MATCHES} values`,
  );
}

/**
 * Visits a node and everything below it in pre-order (Jayway's deep-scan order). Iterative, so
 * a deeply nested document cannot overflow the call stack.
 */
function forEachDescendant(node: JsonValue, visit: (value: JsonValue) => void): void {
  const stack: JsonValue[] = [node];
  let visited = 0;
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === undefined) break;
    visit(value);
    if (++visited > MAX_JSONPATH_MATCHES) throw tooManyMatches();
    const children = childrenOf(value);
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child !== undefined) stack.push(child);
    }
  }
}

function childrenOf(value: JsonValue): JsonArray {
  if (isJsonArray(value)) return value;
  if (isJsonObject(value)) return Object.values(value);
  return [];
}

function applySelector(
  selector: JsonPathSelector,
  node: JsonValue,
  root: JsonValue,
  out: JsonValue[],
): void {
  switch (selector.kind) {
    case 'name':
      pushProperty(node, selector.name, out);
      return;
    case 'names':
      for (const name of selector.names) pushProperty(node, name, out);
      return;
    case 'index':
      pushIndex(node, selector.index, out);
      return;
    case 'indexes':
      for (const index of selector.indexes) pushIndex(node, index, out);
      return;
    case 'wildcard':
      for (const child of childrenOf(node)) out.push(child);
      return;
    case 'slice':
      if (isJsonArray(node)) pushSlice(node, selector.start, selector.end, selector.step, out);
      return;
    case 'filter':
      applyFilter(selector.expression, node, root, out);
      return;
    default:
      assertNever(selector, 'JSONPath selector');
  }
}

function pushProperty(node: JsonValue, name: string, out: JsonValue[]): void {
  if (!isJsonObject(node)) return;
  const value = getOwn(node, name);
  if (value !== undefined) out.push(value);
}

function pushIndex(node: JsonValue, index: number, out: JsonValue[]): void {
  if (!isJsonArray(node)) return;
  const value = elementAt(node, index);
  if (value !== undefined) out.push(value);
}

/** Array element with Jayway's negative indexes counting from the end; undefined when out of range. */
export function elementAt(array: JsonArray, index: number): JsonValue | undefined {
  const effective = index < 0 ? array.length + index : index;
  if (effective < 0 || effective >= array.length) return undefined;
  return array[effective];
}

/**
 * Python-style slice. Bounds are clamped to the array before looping, so `[0:9007199254740991]`
 * costs no more than the array's length.
 */
function pushSlice(
  array: JsonArray,
  start: number | undefined,
  end: number | undefined,
  step: number,
  out: JsonValue[],
): void {
  const length = array.length;
  const normalize = (bound: number): number => (bound < 0 ? bound + length : bound);
  if (step > 0) {
    const from = Math.min(Math.max(start === undefined ? 0 : normalize(start), 0), length);
    const to = Math.min(Math.max(end === undefined ? length : normalize(end), 0), length);
    for (let i = from; i < to; i += step) pushDefined(array[i], out);
  } else {
    const from = Math.min(
      Math.max(start === undefined ? length - 1 : normalize(start), -1),
      length - 1,
    );
    const to = Math.min(Math.max(end === undefined ? -1 : normalize(end), -1), length - 1);
    for (let i = from; i > to; i += step) pushDefined(array[i], out);
  }
}

function pushDefined(value: JsonValue | undefined, out: JsonValue[]): void {
  if (value !== undefined) out.push(value);
}

/** Jayway applies a filter to each element of an array, and to an object itself. */
function applyFilter(
  expression: FilterExpression,
  node: JsonValue,
  root: JsonValue,
  out: JsonValue[],
): void {
  if (isJsonArray(node)) {
    for (const element of node) {
      if (testFilter(expression, element, root)) out.push(element);
    }
  } else if (isJsonObject(node) && testFilter(expression, node, root)) {
    out.push(node);
  }
}

function testFilter(expression: FilterExpression, current: JsonValue, root: JsonValue): boolean {
  switch (expression.kind) {
    case 'or':
      return (
        testFilter(expression.left, current, root) || testFilter(expression.right, current, root)
      );
    case 'and':
      return (
        testFilter(expression.left, current, root) && testFilter(expression.right, current, root)
      );
    case 'exists':
      return resolveOperand(expression.operand, current, root) !== undefined;
    case 'compare':
      return compare(
        expression.operator,
        resolveOperand(expression.left, current, root),
        resolveOperand(expression.right, current, root),
      );
    default:
      return assertNever(expression, 'filter expression');
  }
}

function resolveOperand(
  operand: FilterOperand,
  current: JsonValue,
  root: JsonValue,
): JsonValue | undefined {
  if (operand.kind === 'literal') return operand.value;
  const [match] = evaluateSegments(operand.segments, operand.root === '@' ? current : root, root);
  return match;
}

/**
 * Type-strict comparison, as Jayway's evaluators: ordering only between two numbers or two
 * strings, equality by JSON value. A missing operand equals nothing (so `!=` holds).
 */
function compare(
  operator: ComparisonOperator,
  left: JsonValue | undefined,
  right: JsonValue | undefined,
): boolean {
  switch (operator) {
    case '==':
      return left !== undefined && right !== undefined && jsonEquals(left, right);
    case '!=':
      return !(left !== undefined && right !== undefined && jsonEquals(left, right));
    case '<':
      return (orderOf(left, right) ?? Number.NaN) < 0;
    case '<=':
      return (orderOf(left, right) ?? Number.NaN) <= 0;
    case '>':
      return (orderOf(left, right) ?? Number.NaN) > 0;
    case '>=':
      return (orderOf(left, right) ?? Number.NaN) >= 0;
    default:
      return assertNever(operator, 'comparison operator');
  }
}

/** -1, 0 or 1 for two numbers or two strings (UTF-16 order, as Java's compareTo); else undefined. */
function orderOf(left: JsonValue | undefined, right: JsonValue | undefined): number | undefined {
  if (typeof left === 'number' && typeof right === 'number') {
    return left < right ? -1 : left > right ? 1 : 0;
  }
  if (typeof left === 'string' && typeof right === 'string') {
    return left < right ? -1 : left > right ? 1 : 0;
  }
  return undefined;
}

/** Jayway's normalized form of a definite path, used in AWS's Cause texts: `$['a'][0]`. */
export function normalizedPath(segments: readonly JsonPathSegment[]): string {
  let text = '$';
  for (const segment of segments) {
    const { selector } = segment;
    if (selector.kind === 'name') text += `['${selector.name}']`;
    else if (selector.kind === 'index') text += `[${selector.index}]`;
    else text += '[*]';
  }
  return text;
}
