/**
 * Pagination tokens: the last key of a page, opaque to callers (base64url of JSON), so a
 * listing resumes after it even when rows were added or removed in between.
 */
import { StoreError } from './errors.js';
import type { Page } from './store.js';

export function encodePageToken(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** @throws StoreError INVALID for a token this store did not produce. */
export function decodePageToken(
  token: string,
  shape: readonly ('string' | 'number')[],
): (string | number)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    // Not JSON at all: reported below with the same message as any other foreign token.
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === shape.length &&
    parsed.every((part, i) => typeof part === shape[i])
  ) {
    return parsed.map((part: string | number) => part);
  }
  throw new StoreError(
    'INVALID',
    'The pagination token is not valid; pass the nextToken of a previous page unchanged.',
  );
}

/** A page of `items` fetched with LIMIT `limit + 1`: the extra row says there is a next page. */
export function paginate<T>(
  items: readonly T[],
  limit: number,
  keyOf: (item: T) => (string | number)[],
): Page<T> {
  if (items.length <= limit) return { items };
  const page = items.slice(0, limit);
  const last = page[page.length - 1];
  return last === undefined
    ? { items: page }
    : { items: page, nextToken: encodePageToken(keyOf(last)) };
}
