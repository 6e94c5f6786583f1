/**
 * The seam between request authentication (identity/) and the APIs that need it (api/): an
 * API hands the raw request to an `Authenticate` function and gets a principal back, or an
 * `AuthError` that it renders in its own protocol (AWS JSON `__type`, or the REST error shape).
 */

/** A request as received, before any parsing: signatures cover the exact bytes. */
export interface AuthRequest {
  readonly method: string;
  /** Path and query exactly as sent (percent-encoding untouched). */
  readonly url: string;
  /** Header names in lower case, as Node delivers them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Buffer;
}

/** Who made a request. */
export interface Principal {
  /** The access key that signed the request. */
  readonly accessKeyId: string;
  /** The name the key was issued to (a user, or `admin`). */
  readonly name: string;
}

export type Authenticate = (request: AuthRequest) => Promise<Principal>;

/**
 * A request that may not proceed. `code` is AWS's exception name (e.g.
 * `MissingAuthenticationTokenException`, `InvalidSignatureException`,
 * `UnrecognizedClientException`), `status` its HTTP status.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
