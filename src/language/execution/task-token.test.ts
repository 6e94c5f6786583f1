import { describe, expect, it } from 'vitest';
import { executionOfToken, hmacSha256Hex, sameToken, taskToken } from './task-token.js';

describe('hmacSha256Hex', () => {
  // RFC 4231 test cases 1 and 2.
  it('matches the RFC 4231 vectors', () => {
    expect(hmacSha256Hex('0b'.repeat(20), 'Hi There')).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
    const jefe = Array.from(new TextEncoder().encode('Jefe'), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join('');
    expect(hmacSha256Hex(jefe, 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('hashes keys longer than a block first (RFC 4231 case 6)', () => {
    expect(
      hmacSha256Hex('aa'.repeat(131), 'Test Using Larger Than Block-Size Key - Hash Key First'),
    ).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
  });
});

describe('taskToken', () => {
  const key = 'ab'.repeat(32);
  const execution = 'arn:aws:states:local:000000000000:execution:wf:e1';

  it('gives each task its own secret, and the same one for the same key', () => {
    const first = taskToken(execution, 3, key);
    expect(taskToken(execution, 3, key)).toBe(first);
    expect(taskToken(execution, 4, key)).not.toBe(first);
    expect(taskToken(execution, 3, 'cd'.repeat(32))).not.toBe(first);
    expect(first).toMatch(/^arn:aws:states:local:000000000000:execution:wf:e1#3#[0-9a-f]{64}$/);
  });

  it('names the execution of a well-formed token and nothing else', () => {
    expect(executionOfToken(taskToken(execution, 1, key))).toBe(execution);
    for (const bad of [
      '',
      'abc',
      `${execution}#1`,
      `${execution}#x#${'a'.repeat(64)}`,
      `#1#${'a'.repeat(64)}`,
      `${execution}#1#nothex`,
    ]) {
      expect(executionOfToken(bad)).toBeUndefined();
    }
  });

  it('compares tokens exactly', () => {
    const token = taskToken(execution, 1, key);
    expect(sameToken(token, token.slice())).toBe(true);
    expect(
      sameToken(
        token,
        token.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
      ),
    ).toBe(false);
    expect(sameToken(token, token + '0')).toBe(false);
  });
});
