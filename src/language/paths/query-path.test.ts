import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStatesError } from '../errors.js';
import { checkPathSyntax } from './index.js';
import { JsonPathSyntaxError } from './jsonpath.js';
import { parseQueryPath, queryPath } from './query-path.js';
import { contextFor, statesFailure as failure } from '../test-support.js';

const ctx = contextFor(
  { a: { b: [10, 20, 30] }, list: [{ n: 1 }, { n: 2 }] },
  { productName: 'widget', order: { items: [{ sku: 'x' }] } },
  { Execution: { Name: 'exec-1', Input: { k: 'v' } }, State: { Name: 'S' } },
);

describe('queryPath roots', () => {
  it('reads the input with $', () => {
    expect(queryPath('$.a.b[1]', ctx)).toBe(20);
    expect(queryPath('$', ctx)).toBe(ctx.input);
  });

  it('reads the context object with $$', () => {
    expect(queryPath('$$.Execution.Name', ctx)).toBe('exec-1');
    expect(queryPath("$$['State']['Name']", ctx)).toBe('S');
    expect(queryPath('$$', ctx)).toBe(ctx.context);
  });

  it('reads workflow variables with $name (AWS workflow-variables)', () => {
    expect(queryPath('$productName', ctx)).toBe('widget');
    expect(queryPath('$order.items[0].sku', ctx)).toBe('x');
  });

  it('returns the array of matches for an indefinite path, empty when none match', () => {
    expect(queryPath('$.list[*].n', ctx)).toEqual([1, 2]);
    expect(queryPath('$.list[?(@.n > 5)]', ctx)).toEqual([]);
    expect(queryPath('$.a.b[0:2]', ctx)).toEqual([10, 20]);
  });

  it('returns null values that exist instead of failing', () => {
    expect(queryPath('$.x', contextFor({ x: null }))).toBeNull();
  });
});

describe('queryPath failures', () => {
  it("fails with States.Runtime and AWS's Cause when a definite path finds nothing", () => {
    const error = failure(() => queryPath('$.Payload', contextFor({ StatusCode: 200 })));
    expect(error.error).toBe('States.Runtime');
    expect(error.cause).toBe("Invalid path '$.Payload' : No results for path: $['Payload']");
  });

  it('names the missing intermediate property as Jayway does', () => {
    expect(failure(() => queryPath('$.a.x.y', ctx)).cause).toBe(
      "Invalid path '$.a.x.y' : Missing property in path $['a']['x']",
    );
  });

  it('reports an index past the end as no results', () => {
    expect(failure(() => queryPath('$.a.b[7]', ctx)).cause).toBe(
      "Invalid path '$.a.b[7]' : No results for path: $['a']['b'][7]",
    );
  });

  it('fails for a missing context field and an undefined variable', () => {
    expect(failure(() => queryPath('$$.Nope', ctx)).error).toBe('States.Runtime');
    const error = failure(() => queryPath('$unknownVar', ctx));
    expect(error.error).toBe('States.Runtime');
    expect(error.cause).toMatch(/unknownVar/);
  });

  it('never resolves inherited members as variables', () => {
    expect(failure(() => queryPath('$constructor', ctx)).error).toBe('States.Runtime');
    expect(failure(() => queryPath('$__proto__', ctx)).error).toBe('States.Runtime');
    expect(failure(() => queryPath('$hasOwnProperty', ctx)).error).toBe('States.Runtime');
  });

  it('turns malformed text into States.Runtime at run time', () => {
    const error = failure(() => queryPath('$.a b', ctx));
    expect(error.error).toBe('States.Runtime');
    expect(error.cause).toMatch(/^Invalid path '\$\.a b' : Invalid JSONPath/);
  });

  it('never throws anything but StatesError for arbitrary path text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (path) => {
        try {
          queryPath(path, ctx);
        } catch (error: unknown) {
          expect(isStatesError(error)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseQueryPath', () => {
  it('reports positions in the original text for $$ and variable roots', () => {
    for (const [text, position] of [
      ['$$.a b', 4],
      ['$var.', 5],
      ['$var[', 5],
    ] as const) {
      try {
        parseQueryPath(text);
        throw new Error(`expected ${text} to fail`);
      } catch (error: unknown) {
        expect(error instanceof JsonPathSyntaxError && error.position).toBe(position);
      }
    }
  });

  it('reuses the cached JSONPath parse for every root', () => {
    for (const text of ['$.cached.path', '$$.cached.path', '$v.cached.path']) {
      expect(parseQueryPath(text).jsonPath).toBe(parseQueryPath(text).jsonPath);
    }
  });
});

describe('checkPathSyntax', () => {
  it('accepts every root for a Path', () => {
    for (const path of [
      '$',
      '$.a[0]',
      '$$.Execution.Input',
      '$myVar.a',
      '$..a',
      '$.a[?(@.b == 1)]',
    ]) {
      expect(checkPathSyntax(path, 'Path')).toBeUndefined();
    }
  });

  it('accepts only single-node paths on the input for a Reference Path', () => {
    expect(checkPathSyntax('$.a.b[0]', 'ReferencePath')).toBeUndefined();
    expect(checkPathSyntax('$..a', 'ReferencePath')).toMatch(/single node/);
    expect(checkPathSyntax('$$.a', 'ReferencePath')).toMatch(/state input/);
    expect(checkPathSyntax('$myVar', 'ReferencePath')).toMatch(/state input/);
  });

  it('returns a message with the position and a fix for bad syntax', () => {
    expect(checkPathSyntax('a.b', 'Path')).toMatch(/position 0: a path must start with \$/);
    expect(checkPathSyntax('$.a b', 'Path')).toMatch(/position 3.*bracket notation/);
  });
});
