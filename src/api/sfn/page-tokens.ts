/**
 * Pagination tokens handed to clients: the store's own token (which is only base64 of the last
 * key, and not tamper-proof) sealed with an HMAC-SHA256 over it, the time it was issued, and
 * the request's parameters. A token that was altered, made by another server (another secret),
 * used with other parameters than the request that produced it, or older than 24 hours (as
 * AWS's) is InvalidToken.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../common/index.js';
import type { Page, PageRequest } from '../../store/index.js';
import { invalidToken } from './errors.js';

/** AWS: "Each pagination token expires after 24 hours." */
const MAX_AGE_MS = 24 * 3600 * 1000;

/** The request parameters a token is bound to (action name first). */
export type TokenScope = readonly (string | number | boolean | null)[];

export class PageTokens {
  constructor(
    private readonly secret: Buffer,
    private readonly clock: Clock,
  ) {
    if (secret.length < 32) {
      throw new RangeError('The page token secret must be at least 32 bytes.');
    }
  }

  /** The token to hand out for the store's `nextToken`, or undefined on the last page. */
  seal(storeToken: string | undefined, scope: TokenScope): string | undefined {
    if (storeToken === undefined) return undefined;
    const payload = Buffer.from(JSON.stringify([this.clock.nowMs(), storeToken]), 'utf8').toString(
      'base64url',
    );
    return `${payload}.${this.mac(payload, scope)}`;
  }

  /**
   * The store token inside a client's token (undefined when the client sent none).
   * @throws SfnError InvalidToken
   */
  open(token: string | undefined, scope: TokenScope): string | undefined {
    if (token === undefined) return undefined;
    const [payload, mac, ...extra] = token.split('.');
    if (payload === undefined || mac === undefined || extra.length > 0) throw forged();
    const expected = Buffer.from(this.mac(payload, scope), 'base64url');
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw forged();
    const value: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || typeof value[0] !== 'number' || typeof value[1] !== 'string') {
      throw forged(); // signed by us, so unreachable unless the secret leaked
    }
    if (this.clock.nowMs() - value[0] > MAX_AGE_MS) {
      throw invalidToken(
        'The pagination token has expired (tokens last 24 hours); list again from the start.',
      );
    }
    return value[1];
  }

  /**
   * One page of a store listing: the client's token opened for `scope`, the page fetched with
   * `limit`, and the store's next token sealed for the same scope.
   * @throws SfnError InvalidToken
   */
  async page<T>(
    scope: TokenScope,
    token: string | undefined,
    limit: number,
    list: (request: PageRequest) => Promise<Page<T>>,
  ): Promise<{ readonly items: readonly T[]; readonly nextToken: string | undefined }> {
    const after = this.open(token, scope);
    const result = await list(after === undefined ? { limit } : { limit, after });
    return { items: result.items, nextToken: this.seal(result.nextToken, scope) };
  }

  private mac(payload: string, scope: TokenScope): string {
    return createHmac('sha256', this.secret)
      .update(JSON.stringify(scope))
      .update('\n')
      .update(payload)
      .digest('base64url');
  }
}

function forged() {
  return invalidToken(
    'The pagination token is not valid for this request; pass the nextToken of the previous page unchanged, with the same parameters.',
  );
}
