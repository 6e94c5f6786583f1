import { describe, expect, it } from 'vitest';
import { authRequestFromNode } from './auth-request.js';

describe('authRequestFromNode', () => {
  it('keeps the raw URL and body, and lower-cases header names', () => {
    const body = Buffer.from('{}');
    const request = authRequestFromNode(
      {
        method: 'POST',
        url: '/a%20b/?x=%7e&y',
        rawHeaders: ['Host', 'baton.test', 'X-Amz-Date', '20261122T060000Z'],
      },
      body,
    );
    expect(request).toEqual({
      method: 'POST',
      url: '/a%20b/?x=%7e&y',
      headers: { host: 'baton.test', 'x-amz-date': '20261122T060000Z' },
      body,
    });
  });

  it('keeps repeated headers apart, in order, where Node would join or drop them', () => {
    const request = authRequestFromNode(
      {
        method: 'GET',
        url: '/',
        rawHeaders: [
          'My-Header1',
          'value4',
          'Authorization',
          'first',
          'my-header1',
          'value1',
          'authorization',
          'second',
          'MY-HEADER1',
          'value3',
        ],
      },
      Buffer.alloc(0),
    );
    expect(request.headers).toEqual({
      'my-header1': ['value4', 'value1', 'value3'],
      authorization: ['first', 'second'],
    });
  });

  it('keeps a header named __proto__ as a header, not a prototype', () => {
    const request = authRequestFromNode(
      { method: 'GET', url: '/', rawHeaders: ['__proto__', 'x', 'Host', 'h'] },
      Buffer.alloc(0),
    );
    expect(Object.hasOwn(request.headers, '__proto__')).toBe(true);
    expect(request.headers['host']).toBe('h');
    expect(Object.getPrototypeOf(request.headers)).toBe(Object.prototype);
  });
});
