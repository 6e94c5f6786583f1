/**
 * Baton-issued access keys (the pair a SigV4 client signs with) and the sealing of their
 * secrets. Verifying a signature needs the plain secret, so it cannot be stored as a hash: it
 * is kept encrypted with AES-256-GCM under the master key, with the key id as associated data,
 * so a sealed secret copied onto another key's row does not open.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { CredentialError } from './errors.js';

/** `BKIA` and 16 characters of RFC 4648 base32 (80 random bits), like AWS's `AKIA...` ids. */
export const ACCESS_KEY_ID_PATTERN = /^BKIA[A-Z2-7]{16}$/;
/** 40 characters, as AWS secret access keys. */
export const SECRET_ACCESS_KEY_LENGTH = 40;

export interface IssuedAccessKey {
  readonly accessKeyId: string;
  /** Shown to its owner once, at creation; only its sealed form is stored. */
  readonly secretAccessKey: string;
}

/** Random bytes of the given length; the CSPRNG unless a test passes its own. */
export type RandomBytes = (size: number) => Buffer;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A new access key id and secret from the CSPRNG. */
export function generateAccessKey(random: RandomBytes = randomBytes): IssuedAccessKey {
  return {
    accessKeyId: `BKIA${base32(random(10))}`,
    // 30 bytes are exactly 40 base64 characters (A-Z a-z 0-9 + /), 240 bits.
    secretAccessKey: random(30).toString('base64'),
  };
}

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

const SEALED_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The 32-byte key that seals access key secrets. It keeps its bytes private and shows nothing
 * of them when logged, inspected or serialised.
 */
export class MasterKey {
  readonly #bytes: Buffer;

  private constructor(bytes: Buffer) {
    this.#bytes = Buffer.from(bytes);
  }

  /** @throws CredentialError MASTER_KEY_INVALID unless `bytes` is 32 bytes long. */
  static fromBytes(bytes: Buffer): MasterKey {
    if (bytes.length !== 32) {
      throw new CredentialError(
        'MASTER_KEY_INVALID',
        `The master key must be 32 bytes, not ${bytes.length}.`,
      );
    }
    return new MasterKey(bytes);
  }

  /**
   * A 32-byte key for another use (`purpose`, e.g. "page-tokens"), derived with HMAC-SHA256 so
   * every node holding the master key derives the same one and neither reveals the other.
   */
  derive(purpose: string): Buffer {
    return createHmac('sha256', this.#bytes).update(`baton:${purpose}`).digest();
  }

  /**
   * Encrypts `secret` for the key `accessKeyId`: `v1:<iv>:<ciphertext>:<tag>` in base64url,
   * with a fresh random IV each time.
   */
  seal(accessKeyId: string, secret: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#bytes, iv);
    cipher.setAAD(associatedData(accessKeyId));
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url'));
    return [SEALED_VERSION, ...parts].join(':');
  }

  /**
   * The secret sealed by `seal(accessKeyId, ...)`.
   * @throws CredentialError SECRET_UNREADABLE when it was sealed under another master key or
   *   for another key id, or was altered.
   */
  open(accessKeyId: string, sealed: string): string {
    const [version, iv, ciphertext, tag, ...extra] = sealed.split(':');
    if (
      version !== SEALED_VERSION ||
      iv === undefined ||
      ciphertext === undefined ||
      tag === undefined ||
      extra.length > 0
    ) {
      throw unreadable(accessKeyId);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#bytes, Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(associatedData(accessKeyId));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch (error: unknown) {
      throw unreadable(accessKeyId, error);
    }
  }

  toJSON(): string {
    return 'MasterKey(hidden)';
  }

  toString(): string {
    return 'MasterKey(hidden)';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'MasterKey(hidden)';
  }
}

function associatedData(accessKeyId: string): Buffer {
  return Buffer.from(`baton:access-key:${SEALED_VERSION}:${accessKeyId}`, 'utf8');
}

function unreadable(accessKeyId: string, cause?: unknown): CredentialError {
  return new CredentialError(
    'SECRET_UNREADABLE',
    `The secret of access key ${accessKeyId} cannot be decrypted: it was sealed under another master key (check BATON_MASTER_KEY or <dataDir>/master.key), or its row was altered. Create a new key if the old master key is lost.`,
    cause === undefined ? undefined : { cause },
  );
}
