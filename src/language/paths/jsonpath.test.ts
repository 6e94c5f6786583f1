import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../common/index.js';
import { isStatesError } from '../errors.js';
import {
  JsonPathSyntaxError,
  MAX_JSONPATH_MATCHES,
  evaluateJsonPath,
  isDefinitePath,
  parseJsonPath,
} from './jsonpath.js';

const store: JsonValue = {
  store: {
    book: [
      { category: 'reference', author: 'Nigel Rees', title: 'Sayings', price: 8.95 },
      { category: 'fiction', author: 'Evelyn Waugh', title: 'Sword', price: 12.99 },
      {
        category: 'fiction',
        author: 'Herman Melville',
        title: 'Moby Dick',
        isbn: '0-553',
        price: 8.99,
      },
      {
        category: 'fiction',
        author: 'J. R. R. Tolkien',
        title: 'LOTR',
        isbn: '0-395',
        price: 22.99,
      },
    ],
    bicycle: { color: 'red', price: 19.95 },
  },
  'a b': 1,
  "it's": 2,
};

function syntaxError(text: string): JsonPathSyntaxError {
  try {
    parseJsonPath(text);
  } catch (error: unknown) {
    if (error instanceof JsonPathSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected '${text}' to be rejected`);
}

describe('JSONPath selection', () => {
  it('selects the whole document with $', () => {
    expect(evaluateJsonPath('$', store)).toEqual([store]);
  });

  it('selects children in dot and bracket notation alike', () => {
    expect(evaluateJsonPath('$.store.bicycle.color', store)).toEqual(['red']);
    expect(evaluateJsonPath("$['store']['bicycle'][\"color\"]", store)).toEqual(['red']);
    expect(evaluateJsonPath("$['a b']", store)).toEqual([1]);
    expect(evaluateJsonPath("$['it\\'s']", store)).toEqual([2]);
  });

  it("accepts a dot before a bracket as AWS documents ($.abc.['def ghi'])", () => {
    expect(evaluateJsonPath("$.['a b']", store)).toEqual([1]);
  });

  it('counts negative indexes from the end of the array', () => {
    expect(evaluateJsonPath('$.store.book[-1].title', store)).toEqual(['LOTR']);
    expect(evaluateJsonPath('$.store.book[0].title', store)).toEqual(['Sayings']);
  });

  it('yields every element or value for wildcards', () => {
    expect(evaluateJsonPath('$.store.book[*].price', store)).toEqual([8.95, 12.99, 8.99, 22.99]);
    expect(evaluateJsonPath('$.store.bicycle.*', store)).toEqual(['red', 19.95]);
  });

  it('slices with start, end and step like Python', () => {
    const doc = { a: [0, 1, 2, 3, 4, 5] };
    expect(evaluateJsonPath('$.a[1:3]', doc)).toEqual([1, 2]);
    expect(evaluateJsonPath('$.a[:2]', doc)).toEqual([0, 1]);
    expect(evaluateJsonPath('$.a[-2:]', doc)).toEqual([4, 5]);
    expect(evaluateJsonPath('$.a[::2]', doc)).toEqual([0, 2, 4]);
    expect(evaluateJsonPath('$.a[::-1]', doc)).toEqual([5, 4, 3, 2, 1, 0]);
    expect(evaluateJsonPath('$.a[4:1:-2]', doc)).toEqual([4, 2]);
  });

  it('returns the AWS example result for $.a[0:2]', () => {
    expect(evaluateJsonPath('$.a[0:2]', { a: [1, 2, 3, 4] })).toEqual([1, 2]);
  });

  it('selects unions of indexes and names in the order written', () => {
    expect(evaluateJsonPath('$.store.book[2,0].title', store)).toEqual(['Moby Dick', 'Sayings']);
    expect(evaluateJsonPath("$.store.bicycle['price','color']", store)).toEqual([19.95, 'red']);
  });

  it('finds names at every depth with a deep scan, in document order', () => {
    expect(evaluateJsonPath('$..price', store)).toEqual([8.95, 12.99, 8.99, 22.99, 19.95]);
    expect(evaluateJsonPath('$..book[0].author', store)).toEqual(['Nigel Rees']);
    expect(evaluateJsonPath('$.store..color', store)).toEqual(['red']);
  });

  it('filters by comparison against numbers, strings, booleans and null', () => {
    expect(evaluateJsonPath('$.store.book[?(@.price < 10)].title', store)).toEqual([
      'Sayings',
      'Moby Dick',
    ]);
    expect(evaluateJsonPath("$.store.book[?(@.category == 'reference')].price", store)).toEqual([
      8.95,
    ]);
    expect(
      evaluateJsonPath('$.a[?(@.on == true)].n', {
        a: [
          { on: true, n: 1 },
          { on: false, n: 2 },
        ],
      }),
    ).toEqual([1]);
    expect(
      evaluateJsonPath('$.a[?(@.v == null)].n', {
        a: [
          { v: null, n: 1 },
          { v: 0, n: 2 },
        ],
      }),
    ).toEqual([1]);
    expect(evaluateJsonPath('$.a[?(@.v >= 2)]', { a: [{ v: 1 }, { v: 2 }, { v: 3 }] })).toEqual([
      { v: 2 },
      { v: 3 },
    ]);
  });

  it('filters by existence of a field', () => {
    expect(evaluateJsonPath('$.store.book[?(@.isbn)].title', store)).toEqual(['Moby Dick', 'LOTR']);
  });

  it('combines filter conditions with &&, || and parentheses', () => {
    expect(
      evaluateJsonPath("$.store.book[?(@.price > 10 && @.category == 'fiction')].title", store),
    ).toEqual(['Sword', 'LOTR']);
    expect(evaluateJsonPath('$.store.book[?(@.price < 9 || @.price > 20)].price', store)).toEqual([
      8.95, 8.99, 22.99,
    ]);
    expect(
      evaluateJsonPath('$.store.book[?((@.price < 9 || @.price > 20) && @.isbn)].title', store),
    ).toEqual(['Moby Dick', 'LOTR']);
  });

  it('compares against the document root inside filters', () => {
    const doc = { limit: 10, items: [{ v: 5 }, { v: 15 }] };
    expect(evaluateJsonPath('$.items[?(@.v < $.limit)]', doc)).toEqual([{ v: 5 }]);
  });

  it('tells definite paths from indefinite ones', () => {
    expect(isDefinitePath('$')).toBe(true);
    expect(isDefinitePath("$.a['b'][0]")).toBe(true);
    for (const path of [
      '$.a[*]',
      '$..a',
      '$.a[0:1]',
      '$.a[0,1]',
      "$['a','b']",
      '$.a[?(@.b)]',
      '$.*',
    ]) {
      expect(isDefinitePath(path)).toBe(false);
    }
  });
});

describe('JSONPath type strictness', () => {
  it('never orders a string against a number', () => {
    const doc = { a: [{ v: '7' }, { v: 5 }] };
    expect(evaluateJsonPath("$.a[?(@.v < '9')]", doc)).toEqual([{ v: '7' }]);
    expect(evaluateJsonPath('$.a[?(@.v > 3)]', doc)).toEqual([{ v: 5 }]);
  });

  it('never equates values of different JSON types', () => {
    const doc = { a: [{ v: '1' }, { v: 1 }, { v: true }] };
    expect(evaluateJsonPath('$.a[?(@.v == 1)]', doc)).toEqual([{ v: 1 }]);
    expect(evaluateJsonPath("$.a[?(@.v == '1')]", doc)).toEqual([{ v: '1' }]);
  });

  it('treats a missing operand as unequal to everything', () => {
    const doc = { a: [{ v: 1 }, { w: 1 }] };
    expect(evaluateJsonPath('$.a[?(@.v == 1)]', doc)).toEqual([{ v: 1 }]);
    expect(evaluateJsonPath('$.a[?(@.v != 1)]', doc)).toEqual([{ w: 1 }]);
    expect(evaluateJsonPath('$.a[?(@.v < 5)]', doc)).toEqual([{ v: 1 }]);
  });

  it('yields nothing when a selector meets the wrong kind of value', () => {
    expect(evaluateJsonPath('$.a.b', { a: 5 })).toEqual([]);
    expect(evaluateJsonPath('$.a[0]', { a: { 0: 'x' } })).toEqual([]);
    expect(evaluateJsonPath('$.a[1:]', { a: 'string' })).toEqual([]);
    expect(evaluateJsonPath('$.a.*', { a: 3 })).toEqual([]);
    expect(evaluateJsonPath('$.a[9]', { a: [1] })).toEqual([]);
  });
});

describe('JSONPath security', () => {
  it('never reads inherited properties such as __proto__ or constructor', () => {
    expect(evaluateJsonPath('$.__proto__', {})).toEqual([]);
    expect(evaluateJsonPath('$.constructor', {})).toEqual([]);
    expect(evaluateJsonPath("$['constructor']['prototype']", {})).toEqual([]);
    expect(evaluateJsonPath('$.a.toString', { a: {} })).toEqual([]);
    expect(evaluateJsonPath('$.a.length', { a: [1, 2] })).toEqual([]);
  });

  it('reads __proto__ when the document really has it as an own key', () => {
    const doc: JsonValue = JSON.parse('{"__proto__": {"polluted": true}}');
    expect(evaluateJsonPath('$.__proto__.polluted', doc)).toEqual([true]);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('has no code evaluation: script-like filters are syntax errors', () => {
    for (const path of [
      '$[?(@.constructor.constructor("return process")())]',
      '$[(@.length-1)]',
      '$[?(alert(1))]',
      "$[?(@.a == require('fs'))]",
      '$..[?(@.a = 1)]',
    ]) {
      expect(() => parseJsonPath(path)).toThrow(JsonPathSyntaxError);
    }
  });

  it('clamps huge slice bounds to the array instead of looping over them', () => {
    const started = performance.now();
    expect(evaluateJsonPath('$.a[0:9007199254740991]', { a: [1, 2] })).toEqual([1, 2]);
    expect(evaluateJsonPath('$.a[-9007199254740991:9007199254740991:1]', { a: [1, 2] })).toEqual([
      1, 2,
    ]);
    expect(evaluateJsonPath('$.a[9007199254740991::-1]', { a: [1, 2] })).toEqual([2, 1]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('rejects indexes beyond the safe integer range', () => {
    expect(syntaxError('$.a[99999999999999999999]').position).toBe(4);
  });

  it('deep-scans a very deeply nested document without overflowing the stack', () => {
    let doc: JsonValue = { leaf: 1 };
    for (let i = 0; i < 50_000; i++) doc = { n: doc };
    expect(evaluateJsonPath('$..leaf', doc)).toEqual([1]);
  });

  it('fails with States.Runtime instead of exhausting memory on runaway deep scans', () => {
    const wide = Array.from({ length: 2000 }, (_, i) => Array.from({ length: 2000 }, () => i));
    let thrown: unknown;
    try {
      evaluateJsonPath('$..*..*', wide);
    } catch (error: unknown) {
      thrown = error;
    }
    expect(isStatesError(thrown) && thrown.error).toBe('States.Runtime');
    expect(MAX_JSONPATH_MATCHES).toBeGreaterThan(100_000);
  });

  it('rejects filters nested deeper than the parser allows', () => {
    const deep = '$[?(' + '('.repeat(200) + '@.a' + ')'.repeat(200) + ')]';
    expect(() => parseJsonPath(deep)).toThrow(/nested too deeply/);
  });
});

describe('JSONPath syntax errors', () => {
  it.each([
    ['', 0, /must start with \$/],
    ['a.b', 0, /must start with \$/],
    ['$.', 2, /ends after a dot/],
    ['$..', 3, /ends after a dot/],
    ['$.a.', 4, /ends after a dot/],
    ['$a b', 1, /unexpected character/],
    ['$.a b', 3, /unexpected character ' '/],
    ['$[', 2, /ends inside '\['/],
    ['$[0', 3, /expected '\]'/],
    ["$['a", 2, /unterminated quoted name/],
    ['$[abc]', 2, /unexpected 'a' after '\['/],
    ['$[1:2:0]', 6, /step of 0/],
    ['$[?@.a]', 3, /expected '\(' after '\?'/],
    ['$[?(@.a <)]', 9, /unexpected '\)' in filter/],
    ['$[?(1)]', 5, /needs a comparison/],
    ['$[?(@.a[*] == 1)]', 4, /must select a single value/],
    ["$[0,'a']", 4, /only integers/],
    ["$['a',0]", 6, /only quoted names/],
    ['$.a)', 3, /unexpected character '\)'/],
  ])('rejects %j at position %i', (text, position, message) => {
    const error = syntaxError(text);
    expect(error.position).toBe(position);
    expect(error.message).toMatch(message);
  });

  it('says how to fix the path in the message', () => {
    expect(syntaxError('$.a b').message).toMatch(/bracket notation, like \$\['a b'\]/);
    expect(syntaxError('$[1:2:0]').message).toMatch(/non-zero step/);
  });

  it('never throws anything but JsonPathSyntaxError while parsing arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        try {
          parseJsonPath(text);
        } catch (error: unknown) {
          expect(error).toBeInstanceOf(JsonPathSyntaxError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but JsonPathSyntaxError on path-shaped text', () => {
    const token = fc.constantFrom(
      '$',
      '@',
      '.',
      '..',
      '[',
      ']',
      '*',
      '?',
      '(',
      ')',
      "'",
      '"',
      ',',
      ':',
      '-',
      '0',
      '1',
      '==',
      '<',
      '&&',
      '||',
      'a',
      ' ',
      '\\',
      'true',
      'null',
      '__proto__',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 25 }), (tokens) => {
        try {
          parseJsonPath('$' + tokens.join(''));
        } catch (error: unknown) {
          expect(error).toBeInstanceOf(JsonPathSyntaxError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('evaluates any parsable path against any JSON without throwing', () => {
    const paths = ['$..*', '$[*][0]', '$..a[?(@.b > 1)]', "$['a','b'][-1:]", '$.a[::-2]', '$..[0]'];
    fc.assert(
      fc.property(fc.json(), fc.constantFrom(...paths), (text, path) => {
        const doc: JsonValue = JSON.parse(text);
        expect(Array.isArray(evaluateJsonPath(path, doc))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
