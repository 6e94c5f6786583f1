import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../common/index.js';
import { parseMockTable } from './mock-table.js';

describe('parseMockTable', () => {
  // Review finding: `table[key] = ...` with the key "__proto__" replaced the table's prototype.
  it('keeps a "__proto__" entry as an entry instead of setting the prototype', () => {
    const parsed: JsonValue = JSON.parse('{"__proto__": {"result": {"polluted": true}}}');
    const table = parseMockTable(parsed);
    expect(Object.getPrototypeOf(table)).toBe(Object.prototype);
    expect(Object.hasOwn(table, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(table, '__proto__')?.value).toEqual({
      result: { polluted: true },
    });
    expect('polluted' in table).toBe(false);
  });

  it('reads ordinary entries and sequences', () => {
    const table = parseMockTable({ A: { result: 1 }, B: [{ error: 'E' }, { result: 2 }] });
    expect(table).toEqual({ A: { result: 1 }, B: [{ error: 'E' }, { result: 2 }] });
  });
});
