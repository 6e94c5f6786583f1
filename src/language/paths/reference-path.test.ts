import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../common/index.js';
import { isStatesError } from '../errors.js';
import { JsonPathSyntaxError } from './jsonpath.js';
import { getAtReferencePath, parseReferencePath, setAtReferencePath } from './reference-path.js';
import { statesFailure as failure } from '../test-support.js';

describe('setAtReferencePath', () => {
  it('replaces the whole value for $', () => {
    expect(setAtReferencePath({ a: 1 }, '$', 'result')).toBe('result');
  });

  it('adds the result to the input (AWS input-output-resultpath "$.taskresult")', () => {
    const input = { comment: 'c', who: 'AWS Step Functions' };
    expect(setAtReferencePath(input, '$.taskresult', 'Hello')).toEqual({
      ...input,
      taskresult: 'Hello',
    });
  });

  it('inserts into a child node and overwrites an existing node', () => {
    const input = { strings: { string1: 'foo' }, comment: 'old' };
    expect(setAtReferencePath(input, '$.strings.lambdaresult', 'r')).toEqual({
      strings: { string1: 'foo', lambdaresult: 'r' },
      comment: 'old',
    });
    expect(setAtReferencePath(input, '$.comment', 'new')).toEqual({
      strings: { string1: 'foo' },
      comment: 'new',
    });
  });

  it('creates missing intermediate objects for ResultPath', () => {
    expect(setAtReferencePath({}, '$.a.b.c', 1)).toEqual({ a: { b: { c: 1 } } });
    expect(setAtReferencePath({ a: {} }, "$['a']['x y']", 2)).toEqual({ a: { 'x y': 2 } });
  });

  it('replaces an existing array element, counting negative indexes from the end', () => {
    expect(setAtReferencePath({ a: [1, 2, 3] }, '$.a[1]', 'x')).toEqual({ a: [1, 'x', 3] });
    expect(setAtReferencePath({ a: [1, 2, 3] }, '$.a[-1]', 'x')).toEqual({ a: [1, 2, 'x'] });
    expect(setAtReferencePath({ a: [{ b: 1 }] }, '$.a[0].c', 2)).toEqual({ a: [{ b: 1, c: 2 }] });
  });

  it('never mutates the input and copies only along the path', () => {
    const untouched = { deep: [1, 2, 3] };
    const input = Object.freeze({ a: Object.freeze({ b: 1 }), other: untouched });
    const output = setAtReferencePath(input, '$.a.c', 2);
    expect(input).toEqual({ a: { b: 1 }, other: { deep: [1, 2, 3] } });
    expect(output).toEqual({ a: { b: 1, c: 2 }, other: untouched });
    expect(isRecord(output) && output['other']).toBe(untouched);
  });

  it('keeps object key order, appending new keys at the end', () => {
    expect(Object.keys(asRecord(setAtReferencePath({ z: 1, a: 2 }, '$.m', 3)))).toEqual([
      'z',
      'a',
      'm',
    ]);
  });
});

describe('setAtReferencePath failures', () => {
  it("fails with States.ResultPathMatchFailure and AWS's Cause when the input is not an object", () => {
    const error = failure(() => setAtReferencePath('{"min_size":10000}', '$.partitioned', 1));
    expect(error.error).toBe('States.ResultPathMatchFailure');
    expect(error.cause).toBe(
      'Unable to apply ReferencePath $.partitioned to input "{\\"min_size\\":10000}"',
    );
  });

  it.each<[JsonValue, string]>([
    [5, '$.a'],
    [null, '$.a'],
    [[1, 2], '$.a'],
    [{ a: 'text' }, '$.a.b'],
    [{ a: [1] }, '$.a.b'],
    [{ a: { b: 1 } }, '$.a[0]'],
    [{ a: [1] }, '$.a[1]'],
    [{ a: [1] }, '$.a[-2]'],
    [{}, '$.a[0]'],
    [true, '$[0]'],
  ])('cannot apply to %j at %s', (input, path) => {
    expect(failure(() => setAtReferencePath(input, path, 'r')).error).toBe(
      'States.ResultPathMatchFailure',
    );
  });

  it('rejects paths that are not Reference Paths at run time with the same error', () => {
    for (const path of [
      '$..a',
      '$.a[*]',
      '$.a[0:1]',
      "$['a','b']",
      '$.a[?(@.b)]',
      '$$.Execution',
      '$var',
      'a',
    ]) {
      expect(failure(() => setAtReferencePath({}, path, 1)).error).toBe(
        'States.ResultPathMatchFailure',
      );
    }
  });
});

describe('prototype pollution through ResultPath', () => {
  it('writes __proto__ as an own key and never changes any prototype', () => {
    const output = asRecord(setAtReferencePath({}, '$.__proto__.polluted', true));
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(output, '__proto__')).toBe(true);
    expect(JSON.stringify(output)).toBe('{"__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('writes constructor.prototype as plain nested keys', () => {
    const output = setAtReferencePath({}, '$.constructor.prototype.polluted', true);
    expect(JSON.stringify(output)).toBe('{"constructor":{"prototype":{"polluted":true}}}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('does not treat an inherited property as an existing node', () => {
    expect(setAtReferencePath({}, '$.toString.x', 1)).toEqual({ toString: { x: 1 } });
    expect(getAtReferencePath({}, '$.constructor')).toBeUndefined();
  });

  it('copies an input that carries an own __proto__ key without losing it', () => {
    const input: JsonValue = JSON.parse('{"__proto__": {"x": 1}, "a": 1}');
    const output = setAtReferencePath(input, '$.b', 2);
    expect(JSON.stringify(output)).toBe('{"__proto__":{"x":1},"a":1,"b":2}');
  });
});

describe('parseReferencePath', () => {
  it('accepts $, names, quoted names and indexes', () => {
    expect(parseReferencePath("$.a['b c'][2]").steps).toEqual([
      { kind: 'name', name: 'a' },
      { kind: 'name', name: 'b c' },
      { kind: 'index', index: 2 },
    ]);
    expect(parseReferencePath('$').steps).toEqual([]);
  });

  it.each([
    '$..a',
    '$.*',
    '$.a[*]',
    '$.a[1:2]',
    '$.a[0,1]',
    "$['a','b']",
    '$.a[?(@.x)]',
    '$$.a',
    '$v.a',
    '',
    '$.',
  ])('rejects %j with a typed syntax error', (path) => {
    expect(() => parseReferencePath(path)).toThrow(JsonPathSyntaxError);
  });

  it('points at the offending segment', () => {
    try {
      parseReferencePath('$.a..b');
    } catch (error: unknown) {
      expect(error instanceof JsonPathSyntaxError && error.position).toBe(3);
      expect(error instanceof JsonPathSyntaxError && error.message).toMatch(/single node/);
    }
  });

  it('round-trips: what is set can be read back', () => {
    const key = fc.string({ maxLength: 5 }).filter((k) => !k.includes("'") && !k.includes('\\'));
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 4 }), fc.json(), (keys, valueText) => {
        const path = '$' + keys.map((k) => `['${k}']`).join('');
        const value: JsonValue = JSON.parse(valueText);
        const output = setAtReferencePath({}, path, value);
        expect(getAtReferencePath(output, path)).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but StatesError for arbitrary inputs and paths', () => {
    fc.assert(
      fc.property(fc.json(), fc.string({ maxLength: 20 }), (inputText, path) => {
        try {
          setAtReferencePath(JSON.parse(inputText), path, 1);
        } catch (error: unknown) {
          expect(isStatesError(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

function isRecord(value: JsonValue): value is { readonly [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: JsonValue): { readonly [key: string]: JsonValue } {
  if (!isRecord(value)) throw new Error('expected an object');
  return value;
}
