import { describe, expect, it } from 'vitest';
import { parseJsonDefinition } from './parse.js';

function syntaxError(text: string) {
  const result = parseJsonDefinition(text);
  const [first] = result.diagnostics;
  if (result.ok || first === undefined) throw new Error('expected a syntax error');
  return first;
}

describe('parseJsonDefinition', () => {
  it('reports a missing comma with its line and column', () => {
    expect(syntaxError('{\n  "a": 1\n  "b": 2\n}')).toMatchObject({
      code: 'JSON_SYNTAX',
      line: 3,
      column: 3,
    });
  });

  it('reports a trailing comma', () => {
    expect(syntaxError('{"a": [1, 2,]}')).toMatchObject({
      code: 'JSON_SYNTAX',
      line: 1,
      column: 13,
    });
  });

  it('reports an unterminated string at its opening quote', () => {
    expect(syntaxError('{"a": "abc')).toMatchObject({ code: 'JSON_SYNTAX', line: 1, column: 7 });
  });

  it('reports single-quoted property names', () => {
    expect(syntaxError("{'a': 1}").message).toContain('double quotes');
  });

  it('reports raw control characters inside strings', () => {
    expect(syntaxError('{"a": "x\ty"}').message).toContain('control character');
  });

  it('reports text after the document', () => {
    expect(syntaxError('{} {}')).toMatchObject({ line: 1, column: 4 });
  });

  it('reports an empty document', () => {
    expect(syntaxError('  \n ').message).toContain('empty');
  });

  it('reports numbers JSON cannot represent', () => {
    expect(syntaxError('{"a": 1e400}').message).toContain('too large');
    expect(syntaxError('{"a": 01}').code).toBe('JSON_SYNTAX');
  });

  it('reports nesting deep enough to overflow the stack', () => {
    expect(syntaxError('['.repeat(10_000)).message).toContain('nesting');
  });

  it('reports each duplicate key and keeps the last value', () => {
    const result = parseJsonDefinition('{\n "a": 1,\n "a": 2\n}');
    expect(result.ok && result.value).toEqual({ a: 2 });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ code: 'DUPLICATE_KEY', pointer: '/a', line: 3, column: 2 }),
    ]);
  });

  it('never lets "__proto__" change the prototype of a parsed object', () => {
    const result = parseJsonDefinition('{"__proto__": {"polluted": true}}');
    if (!result.ok || typeof result.value !== 'object' || result.value === null)
      throw new Error('must parse');
    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(Object.keys(result.value)).toEqual(['__proto__']);
  });

  it('maps pointers to the position of the key, array element and document', () => {
    const result = parseJsonDefinition(
      '\uFEFF{\n  "States": {\n    "a/b": [true, {"x~y": null}]\n  }\n}',
    );
    if (!result.ok) throw new Error('must parse');
    expect(result.sourceMap.positionOf('')).toEqual({ line: 1, column: 2 });
    expect(result.sourceMap.positionOf('/States')).toEqual({ line: 2, column: 3 });
    expect(result.sourceMap.positionOf('/States/a~1b')).toEqual({ line: 3, column: 5 });
    expect(result.sourceMap.positionOf('/States/a~1b/1')).toEqual({ line: 3, column: 19 });
    expect(result.sourceMap.positionOf('/States/a~1b/1/x~0y')).toEqual({ line: 3, column: 20 });
    expect(result.sourceMap.positionOf('/missing')).toBeUndefined();
  });

  it('decodes every escape sequence', () => {
    const result = parseJsonDefinition('"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9"');
    expect(result.ok && result.value).toBe('" \\ / \b \f \n \r \t é');
  });
});
