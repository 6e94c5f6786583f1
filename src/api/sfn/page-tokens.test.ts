import { describe, expect, it } from 'vitest';
import { SfnError } from './errors.js';
import { PageTokens } from './page-tokens.js';

const clock = {
  ms: 1_000_000,
  nowMs(): number {
    return this.ms;
  },
};
const tokens = new PageTokens(Buffer.alloc(32, 1), clock);

function invalidToken(open: () => unknown): string {
  try {
    open();
  } catch (error: unknown) {
    if (error instanceof SfnError) return error.type;
    throw error;
  }
  return 'accepted';
}

describe('page tokens', () => {
  it('round-trips the store token for the same scope', () => {
    const sealed = tokens.seal('store-token', ['ListExecutions', 'arn', null]);
    expect(sealed).not.toContain('store-token');
    expect(tokens.open(sealed, ['ListExecutions', 'arn', null])).toBe('store-token');
  });

  it('gives no token on the last page and accepts none', () => {
    expect(tokens.seal(undefined, ['A'])).toBeUndefined();
    expect(tokens.open(undefined, ['A'])).toBeUndefined();
  });

  it('refuses a token used with other parameters', () => {
    const sealed = tokens.seal('t', ['ListExecutions', 'arn', 'RUNNING']) ?? '';
    expect(invalidToken(() => tokens.open(sealed, ['ListExecutions', 'arn', 'FAILED']))).toBe(
      'InvalidToken',
    );
    expect(invalidToken(() => tokens.open(sealed, ['ListStateMachines']))).toBe('InvalidToken');
  });

  it('refuses a token signed with another secret', () => {
    const other = new PageTokens(Buffer.alloc(32, 2), clock);
    const sealed = other.seal('t', ['A']) ?? '';
    expect(invalidToken(() => tokens.open(sealed, ['A']))).toBe('InvalidToken');
  });

  it('refuses altered payloads, macs and shapes', () => {
    const sealed = tokens.seal('t', ['A']) ?? '';
    const [payload = '', mac = ''] = sealed.split('.');
    const other = Buffer.from(JSON.stringify([clock.ms, 'u'])).toString('base64url');
    for (const forged of [`${other}.${mac}`, `${payload}.`, payload, `${sealed}.x`, '', '..']) {
      expect(
        invalidToken(() => tokens.open(forged, ['A'])),
        forged,
      ).toBe('InvalidToken');
    }
  });

  it('refuses a token older than 24 hours', () => {
    const sealed = tokens.seal('t', ['A']);
    clock.ms += 24 * 3600 * 1000 + 1;
    expect(invalidToken(() => tokens.open(sealed, ['A']))).toBe('InvalidToken');
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => new PageTokens(Buffer.alloc(31), clock)).toThrow(RangeError);
  });
});
