/**
 * System errors of the store layer. Each carries a stable `code` (STYLE §3); the API maps them
 * to AWS exception names in one place.
 */
export type StoreErrorCode =
  /** No workflow, version or alias by that name. */
  | 'NOT_FOUND'
  /** A workflow or alias of that name exists with different settings. */
  | 'ALREADY_EXISTS'
  /** An optimistic-concurrency check failed (the revision moved on). */
  | 'CONFLICT'
  /** The thing is referenced (a version an alias routes to) and cannot be removed. */
  | 'IN_USE'
  /** A configured limit was reached (e.g. versions per workflow). */
  | 'LIMIT_EXCEEDED'
  /** A value is malformed (routing weights that do not sum to 100...). */
  | 'INVALID'
  /** The database server is too old or misconfigured for Baton. */
  | 'UNSUPPORTED_SERVER'
  /** A migration could not be applied. */
  | 'MIGRATION_FAILED';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
  }
}
