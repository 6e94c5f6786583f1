/**
 * Reads definition text as JSON or YAML into a JSON value plus a source map, so validation
 * diagnostics can point at `line:column` in either format. JSON goes through the pure parser
 * in language/definition; YAML through the `yaml` package, whose nodes keep their offsets.
 */
import type { Alias, Document, Node, ParsedNode } from 'yaml';
import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import type { JsonValue } from '../common/index.js';
import type { Diagnostic, ParseResult, SourcePosition } from '../language/definition/index.js';
import {
  childPointer,
  createSourceMap,
  parseJsonDefinition,
} from '../language/definition/index.js';

export type DefinitionFormat = 'json' | 'yaml';

/**
 * Picks the format: the file extension when it is .json, .yaml, .yml or .asl.json; otherwise
 * JSON when the first non-blank character opens an object or array, YAML when not.
 */
export function detectFormat(text: string, fileName?: string): DefinitionFormat {
  const lower = fileName?.toLowerCase() ?? '';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return /^\uFEFF?\s*[{[]/.test(text) ? 'json' : 'yaml';
}

/**
 * Parses definition text. Returns the value and its source map (plus non-fatal diagnostics
 * such as duplicate keys), or only diagnostics when the text cannot be read. Never throws.
 */
export function readDefinitionText(text: string, fileName?: string): ParseResult {
  return detectFormat(text, fileName) === 'json'
    ? parseJsonDefinition(text)
    : parseYamlDefinition(text);
}

/**
 * Deeper nesting than this is rejected, so the recursive conversion stays far from the call
 * stack limit. Depth alone does not bound aliases: ten aliases per level over six levels is
 * only six deep, yet expands to a million values (see MAX_ALIAS_EXPANSION).
 */
const MAX_DEPTH = 512;

/**
 * Most values (scalars, mappings and sequences) that may be produced through YAML aliases.
 * Each alias is expanded in place, so `a1: &a1 [*a0, *a0, ...]` chained a few levels deep (an
 * "alias bomb", a few hundred bytes) would otherwise produce millions of values and take
 * minutes and gigabytes, or exhaust memory outright. A real definition reuses a Retry list or a
 * few shared blocks through aliases: well under a thousand values. Values written out in the
 * text are not counted: their number is bounded by the text's size.
 */
const MAX_ALIAS_EXPANSION = 100_000;

/** Parses YAML text; see readDefinitionText. */
export function parseYamlDefinition(text: string): ParseResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const positionAt = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const errors = document.errors.map((error): Diagnostic => ({
    code: error.code === 'DUPLICATE_KEY' ? 'DUPLICATE_KEY' : 'YAML_SYNTAX',
    pointer: '',
    ...positionAt(error.pos[0]),
    message: `Invalid YAML: ${error.message.split('\n')[0] ?? error.message}`,
  }));
  if (errors.length > 0) return { ok: false, diagnostics: errors };
  const converter = new YamlConverter(document, positionAt);
  const root = document.contents;
  if (root === null) {
    return {
      ok: false,
      diagnostics: [
        {
          code: 'YAML_SYNTAX',
          pointer: '',
          line: 1,
          column: 1,
          message:
            'Invalid YAML: the document is empty; expected a mapping with StartAt and States.',
        },
      ],
    };
  }
  const value = converter.convert(root, '', 0);
  if (converter.problems.length > 0) return { ok: false, diagnostics: converter.problems };
  return { ok: true, value, sourceMap: createSourceMap(converter.positions), diagnostics: [] };
}

class YamlConverter {
  readonly positions = new Map<string, SourcePosition>();
  readonly problems: Diagnostic[] = [];
  /** How many aliases enclose the node being converted (0 outside any alias). */
  #aliasDepth = 0;
  /** Values produced through aliases so far; see MAX_ALIAS_EXPANSION. */
  #aliasExpanded = 0;
  /** Set once the alias budget is spent: conversion stops everywhere. */
  #exhausted = false;
  /** Alias.resolve walks the document each time; an alias always resolves to the same node. */
  readonly #aliasTargets = new Map<Alias, Node | undefined>();

  constructor(
    private readonly document: Document.Parsed<ParsedNode>,
    private readonly positionAt: (offset: number) => SourcePosition,
  ) {}

  convert(node: Node | Alias, pointer: string, depth: number, keyNode?: Node): JsonValue {
    if (this.#exhausted) return null;
    const anchor = keyNode ?? node;
    const position =
      anchor.range === undefined || anchor.range === null
        ? undefined
        : this.positionAt(anchor.range[0]);
    if (position !== undefined && !this.positions.has(pointer))
      this.positions.set(pointer, position);
    if (depth > MAX_DEPTH)
      return this.#problem(pointer, position, `nesting deeper than ${MAX_DEPTH} levels`);
    if (this.#aliasDepth > 0 && ++this.#aliasExpanded > MAX_ALIAS_EXPANSION) {
      this.#exhausted = true;
      return this.#problem(
        pointer,
        position,
        `the definition expands to more than ${MAX_ALIAS_EXPANSION.toLocaleString('en-US')} values through YAML aliases (*name); write the repeated parts out, or use fewer aliases that point at blocks which themselves contain aliases`,
      );
    }
    if (isAlias(node)) {
      const target = this.#resolve(node);
      if (target === undefined)
        return this.#problem(pointer, position, `alias *${node.source} points nowhere`);
      this.#aliasDepth++;
      try {
        return this.convert(target, pointer, depth + 1);
      } finally {
        this.#aliasDepth--;
      }
    }
    if (isMap(node)) {
      const result: Record<string, JsonValue> = {};
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') {
          this.#problem(pointer, position, 'only plain scalar keys are supported in a definition');
          continue;
        }
        const name = String(key);
        const memberPointer = childPointer(pointer, name);
        const keyNode = isScalar(pair.key) ? pair.key : undefined;
        const value: JsonValue = isNode(pair.value)
          ? this.convert(pair.value, memberPointer, depth + 1, keyNode)
          : this.#emptyValue(memberPointer, keyNode);
        // defineProperty: a plain assignment of "__proto__" would change the prototype.
        Object.defineProperty(result, name, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return result;
    }
    if (isSeq(node)) {
      return node.items.map((item, index) => {
        const itemPointer = childPointer(pointer, index);
        return isNode(item) ? this.convert(item, itemPointer, depth + 1) : null;
      });
    }
    if (isScalar(node)) return this.#scalar(node.value, pointer, position);
    return this.#problem(pointer, position, 'unsupported YAML node');
  }

  #resolve(alias: Alias): Node | undefined {
    if (this.#aliasTargets.has(alias)) return this.#aliasTargets.get(alias);
    const target = alias.resolve(this.document);
    this.#aliasTargets.set(alias, target);
    return target;
  }

  /** `key:` with nothing after it is null in YAML. */
  #emptyValue(pointer: string, keyNode: Node | undefined): null {
    if (keyNode?.range !== undefined && keyNode.range !== null)
      this.positions.set(pointer, this.positionAt(keyNode.range[0]));
    return null;
  }

  #scalar(value: unknown, pointer: string, position: SourcePosition | undefined): JsonValue {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    return this.#problem(
      pointer,
      position,
      `a ${typeof value === 'number' ? 'non-finite number' : 'tagged value'} has no JSON equivalent; quote it to make it a string`,
    );
  }

  #problem(pointer: string, position: SourcePosition | undefined, message: string): null {
    this.problems.push({
      code: 'UNSUPPORTED_VALUE',
      pointer,
      line: position?.line ?? 0,
      column: position?.column ?? 0,
      message: `Unsupported YAML: ${message}.`,
    });
    return null;
  }
}
