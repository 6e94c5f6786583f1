import { describe, expect, it } from 'vitest';
import { RandomPool } from './secret-keys.js';

describe('RandomPool', () => {
  it('gives keys of the asked length in lowercase hex, never the same one twice', () => {
    const pool = new RandomPool(128);
    // 10 pools' worth: keys from across refills must not repeat either.
    const keys = Array.from({ length: 40 }, () => pool.hex(32));
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('refuses keys too short to be secrets, or longer than its pool', () => {
    const pool = new RandomPool(64);
    expect(() => pool.hex(8)).toThrow(/16 to 64 bytes, not 8/);
    expect(() => pool.hex(31.5)).toThrow(RangeError);
    expect(() => pool.hex(65)).toThrow(RangeError);
  });

  it('hands each pooled byte out once: consecutive draws do not overlap', () => {
    const pool = new RandomPool(48);
    const [a, b, c] = [pool.hex(16), pool.hex(16), pool.hex(16)];
    expect(new Set([a, b, c]).size).toBe(3);
    // Draws that overlapped would share a run of hex digits at their seam.
    expect(a.slice(16)).not.toBe(b.slice(0, 16));
    expect(b.slice(16)).not.toBe(c.slice(0, 16));
  });

  it('draws fractions in [0, 1) that spread over the range', () => {
    const pool = new RandomPool(60);
    const draws = Array.from({ length: 1000 }, () => pool.fraction());
    for (const draw of draws) {
      expect(draw).toBeGreaterThanOrEqual(0);
      expect(draw).toBeLessThan(1);
    }
    expect(new Set(draws).size).toBe(draws.length);
    const low = draws.filter((draw) => draw < 0.5).length;
    expect(low).toBeGreaterThan(400);
    expect(low).toBeLessThan(600);
  });
});
