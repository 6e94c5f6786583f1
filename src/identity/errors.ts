/**
 * System errors of identity/ other than request authentication (which is `AuthError`, in
 * types.ts). Each carries a stable `code` (STYLE §3). Messages say what to do and never contain
 * key material.
 */
export type CredentialErrorCode =
  /** BATON_MASTER_KEY or the master key file does not hold 32 bytes in base64 or hex. */
  | 'MASTER_KEY_INVALID'
  /** The master key file is readable or writable by group or others, or is not a file. */
  | 'MASTER_KEY_INSECURE'
  /** A stored secret does not decrypt: another master key, or the row was altered or moved. */
  | 'SECRET_UNREADABLE';

export class CredentialError extends Error {
  override readonly name = 'CredentialError';
  constructor(
    readonly code: CredentialErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
  }
}
