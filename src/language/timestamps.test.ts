import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FIRST_TIMESTAMP_MS,
  LAST_TIMESTAMP_MS,
  formatTimestamp,
  isTimestamp,
  parseTimestamp,
} from './timestamps.js';

describe('parseTimestamp', () => {
  it('reads a UTC timestamp as epoch milliseconds', () => {
    expect(parseTimestamp('2016-08-18T17:33:00Z')).toBe(Date.UTC(2016, 7, 18, 17, 33, 0));
  });

  it('honours numeric offsets', () => {
    expect(parseTimestamp('2024-03-14T03:59:00+02:00')).toBe(
      parseTimestamp('2024-03-14T01:59:00Z'),
    );
    expect(parseTimestamp('2024-03-13T20:29:00-05:30')).toBe(
      parseTimestamp('2024-03-14T01:59:00Z'),
    );
  });

  it('keeps fractional seconds of any length', () => {
    expect(parseTimestamp('2024-01-01T00:00:00.5Z')).toBe(Date.UTC(2024, 0, 1) + 500);
    expect(parseTimestamp('2024-01-01T00:00:00.123Z')).toBe(Date.UTC(2024, 0, 1) + 123);
    const micro = parseTimestamp('2024-01-01T00:00:00.000001Z') ?? 0;
    expect(micro).toBeGreaterThan(Date.UTC(2024, 0, 1));
  });

  it('accepts February 29th only in leap years', () => {
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseTimestamp('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
    expect(parseTimestamp('2023-02-29T00:00:00Z')).toBeUndefined();
    expect(parseTimestamp('1900-02-29T00:00:00Z')).toBeUndefined();
  });

  it.each([
    ['lowercase t', '2016-08-18t17:33:00Z'],
    ['lowercase z', '2016-08-18T17:33:00z'],
    ['a space instead of T', '2016-08-18 17:33:00Z'],
    ['no offset at all', '2016-08-18T17:33:00'],
    ['a date only', '2016-08-18'],
    ['no seconds', '2016-08-18T17:33Z'],
    ['a compact offset', '2016-08-18T17:33:00+0200'],
    ['an hour-only offset', '2016-08-18T17:33:00+02'],
    ['month 13', '2016-13-18T17:33:00Z'],
    ['month 0', '2016-00-18T17:33:00Z'],
    ['day 0', '2016-08-00T17:33:00Z'],
    ['April 31st', '2016-04-31T17:33:00Z'],
    ['hour 24', '2016-08-18T24:00:00Z'],
    ['minute 60', '2016-08-18T17:60:00Z'],
    ['second 60', '2016-08-18T17:33:60Z'],
    ['offset hour 24', '2016-08-18T17:33:00+24:00'],
    ['offset minute 60', '2016-08-18T17:33:00+01:60'],
    ['an empty fraction', '2016-08-18T17:33:00.Z'],
    ['leading whitespace', ' 2016-08-18T17:33:00Z'],
    ['trailing whitespace', '2016-08-18T17:33:00Z '],
    ['a five-digit year', '12016-08-18T17:33:00Z'],
    ['non-ASCII digits', '２016-08-18T17:33:00Z'],
    ['the empty string', ''],
  ])('rejects %s', (_label, text) => {
    expect(parseTimestamp(text)).toBeUndefined();
    expect(isTimestamp(text)).toBe(false);
  });
});

describe('formatTimestamp', () => {
  it('writes UTC with milliseconds, like toISOString', () => {
    expect(formatTimestamp(Date.UTC(2024, 2, 14, 1, 59, 0, 7))).toBe('2024-03-14T01:59:00.007Z');
    expect(formatTimestamp(0)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('handles instants before the epoch', () => {
    expect(formatTimestamp(-1)).toBe('1969-12-31T23:59:59.999Z');
  });

  it('refuses instants RFC 3339 cannot write', () => {
    expect(() => formatTimestamp(Number.NaN)).toThrow(RangeError);
    expect(() => formatTimestamp(Date.UTC(10000, 0, 1))).toThrow(RangeError);
    expect(() => formatTimestamp(Date.UTC(-1, 0, 1))).toThrow(RangeError);
  });

  // 0000-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z, the years RFC 3339 can write.
  const instant = fc.integer({ min: -62167219200000, max: 253402300799999 });

  it('agrees with Date for every instant in years 0000..9999', () => {
    fc.assert(
      fc.property(instant, (ms) => {
        expect(formatTimestamp(ms)).toBe(new Date(ms).toISOString());
      }),
    );
  });

  it('round-trips through parseTimestamp', () => {
    fc.assert(
      fc.property(instant, (ms) => {
        expect(parseTimestamp(formatTimestamp(ms))).toBe(ms);
      }),
    );
  });

  it('parses whatever Date formats, offsets included', () => {
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (ms, offsetMin) => {
          const local = new Date(ms + offsetMin * 60000).toISOString().slice(0, 23);
          const sign = offsetMin < 0 ? '-' : '+';
          const abs = Math.abs(offsetMin);
          const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          fc.pre(!text.startsWith('-') && !text.startsWith('+'));
          expect(parseTimestamp(text)).toBe(ms);
        },
      ),
    );
  });
});

describe('timestamp range constants', () => {
  it('are the first and last instants RFC 3339 can write', () => {
    expect(parseTimestamp('0000-01-01T00:00:00Z')).toBe(FIRST_TIMESTAMP_MS);
    expect(formatTimestamp(FIRST_TIMESTAMP_MS)).toBe('0000-01-01T00:00:00.000Z');
    expect(formatTimestamp(LAST_TIMESTAMP_MS)).toBe('9999-12-31T23:59:59.999Z');
  });
});
