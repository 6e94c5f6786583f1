/** Pagination: the page size and the client's token, sealed and opened with PageTokens. */
import type { Page, PageRequest } from '../../store/index.js';
import type { TokenScope } from '../sfn/index.js';
import type { Fields } from './input.js';
import type { RestContext } from './route.js';
import { DEFAULT_PAGE_SIZE } from './route.js';

const MAX_TOKEN_LENGTH = 1024;

/** Reads `limit` and `nextToken`; call `check()` on the fields before `open`. */
export function readPage(fields: Fields): { readonly limit: number; readonly token?: string } {
  const limit = fields.integer('limit', 1, 1000) ?? DEFAULT_PAGE_SIZE;
  const token = fields.string('nextToken', { min: 1, max: MAX_TOKEN_LENGTH });
  return token === undefined ? { limit } : { limit, token };
}

/**
 * Lists one page: opens the client's token (bound to `scope`: the route and its filters), asks
 * the store, seals the store's next token.
 * @throws RestError INVALID_TOKEN for a token that was altered, expired or made for other parameters.
 */
export async function listPage<T>(
  context: RestContext,
  page: { readonly limit: number; readonly token?: string },
  scope: TokenScope,
  list: (request: PageRequest) => Promise<Page<T>>,
): Promise<{ readonly items: readonly T[]; readonly nextToken?: string }> {
  const { items, nextToken } = await context.tokens.page(
    [...scope, page.limit],
    page.token,
    page.limit,
    list,
  );
  return nextToken === undefined ? { items } : { items, nextToken };
}
