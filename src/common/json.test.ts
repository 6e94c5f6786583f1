import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from './json.js';
import {
  exceedsJsonByteLength,
  jsonByteLength,
  jsonByteLengthUpperBound,
  jsonDepthExceeds,
  jsonEquals,
  parseJsonText,
} from './json.js';

const json = fc.jsonValue() as fc.Arbitrary<JsonValue>;

describe('jsonByteLength', () => {
  it('counts UTF-8 bytes of the JSON text, as AWS measures payloads', () => {
    expect(jsonByteLength('é')).toBe(4); // "é" -> quote, 2 bytes, quote
    expect(jsonByteLength('😀')).toBe(6);
    expect(jsonByteLength({ a: [1, null] })).toBe(
      new TextEncoder().encode('{"a":[1,null]}').length,
    );
  });

  it('agrees with TextEncoder on arbitrary JSON', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(jsonByteLength(value)).toBe(new TextEncoder().encode(JSON.stringify(value)).length);
      }),
    );
  });
});

describe('jsonByteLengthUpperBound', () => {
  it('is never below the exact size, even for strings that need escaping', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(jsonByteLengthUpperBound(value)).toBeGreaterThanOrEqual(jsonByteLength(value));
      }),
    );
    expect(jsonByteLengthUpperBound('\u0001\u0002"\\')).toBeGreaterThanOrEqual(
      jsonByteLength('\u0001\u0002"\\'),
    );
  });

  it('stays correct for a value whose shared subtree was measured before', () => {
    const shared = { list: Array.from({ length: 500 }, (_, i) => `item-${i}`) };
    const first = { shared };
    const second = { shared, extra: 'x'.repeat(1000) };
    expect(jsonByteLengthUpperBound(first)).toBeGreaterThanOrEqual(jsonByteLength(first));
    expect(jsonByteLengthUpperBound(second)).toBeGreaterThanOrEqual(jsonByteLength(second));
  });
});

describe('exceedsJsonByteLength', () => {
  it('decides exactly at the limit, not by the estimate', () => {
    const value = { s: 'x'.repeat(100) };
    const size = jsonByteLength(value);
    expect(exceedsJsonByteLength(value, size)).toBe(false);
    expect(exceedsJsonByteLength(value, size - 1)).toBe(true);
  });
});

describe('jsonEquals', () => {
  it('ignores key order but not array order', () => {
    expect(jsonEquals({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(jsonEquals([1, 2], [2, 1])).toBe(false);
  });

  it('never equates values of different types', () => {
    expect(jsonEquals(1, '1')).toBe(false);
    expect(jsonEquals(null, {})).toBe(false);
    expect(jsonEquals([], {})).toBe(false);
    expect(jsonEquals({ a: null }, {})).toBe(false);
  });

  it('agrees with comparing canonical JSON text', () => {
    fc.assert(
      fc.property(
        json,
        json,
        (a, b) => jsonEquals(a, b) === (JSON.stringify(sort(a)) === JSON.stringify(sort(b))),
      ),
    );
  });
});

function sort(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sort);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sort((value as Record<string, JsonValue>)[k] ?? null)]),
    );
  }
  return value;
}

describe('jsonDepthExceeds', () => {
  it('counts each array or object level, scalars add none', () => {
    expect(jsonDepthExceeds(1, 0)).toBe(false);
    expect(jsonDepthExceeds([], 0)).toBe(true);
    expect(jsonDepthExceeds({ a: [1] }, 2)).toBe(false);
    expect(jsonDepthExceeds({ a: [1] }, 1)).toBe(true);
  });

  it('walks a value far deeper than the call stack allows without overflowing', () => {
    let value: JsonValue = null;
    for (let i = 0; i < 200_000; i++) value = { next: value };
    expect(jsonDepthExceeds(value, 1000)).toBe(true);
  });
});

describe('parseJsonText', () => {
  it('parses JSON and answers undefined for empty or non-JSON text', () => {
    expect(parseJsonText('{"a":[1,true,null]}')).toEqual({ a: [1, true, null] });
    expect(parseJsonText('"x"')).toBe('x');
    expect(parseJsonText('  ')).toBeUndefined();
    expect(parseJsonText('<html>502 Bad Gateway</html>')).toBeUndefined();
  });
});
