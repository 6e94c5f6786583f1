/**
 * Where the master key comes from: BATON_MASTER_KEY (32 bytes in base64 or hex), or else the
 * file `<dataDir>/master.key`, created with mode 0600 on first use. An existing file that group
 * or others may read is refused: the key decrypts every access key secret.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { CredentialError } from './errors.js';
import { MasterKey } from './access-keys.js';

export const MASTER_KEY_FILE = 'master.key';

export interface MasterKeySource {
  /** The value of BATON_MASTER_KEY, if set; it wins over the file. */
  readonly env?: string | undefined;
  /** The data directory holding `master.key`. */
  readonly dataDir: string;
}

/**
 * The master key from `source.env`, or from `<dataDir>/master.key`, creating that file (and the
 * directory, mode 0700) with a new random key when it does not exist.
 * @throws CredentialError MASTER_KEY_INVALID (not 32 bytes of base64 or hex),
 *   MASTER_KEY_INSECURE (the file is open to group or others, or is not a regular file)
 */
export function loadMasterKey(source: MasterKeySource): MasterKey {
  if (source.env !== undefined && source.env.trim() !== '') {
    return parseMasterKey(source.env, 'BATON_MASTER_KEY');
  }
  const path = join(source.dataDir, MASTER_KEY_FILE);
  createIfMissing(source.dataDir, path);
  checkPermissions(path);
  return parseMasterKey(readFileSync(path, 'utf8'), path);
}

/**
 * 32 bytes written as 64 hex digits or as base64 (standard or url-safe, padding optional).
 * @throws CredentialError MASTER_KEY_INVALID naming `origin`, never echoing the value.
 */
export function parseMasterKey(text: string, origin: string): MasterKey {
  const value = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) bytes = Buffer.from(value, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) bytes = Buffer.from(value, 'base64');
  if (bytes?.length !== 32) {
    throw new CredentialError(
      'MASTER_KEY_INVALID',
      `${origin} must hold a 32-byte key as 64 hex digits or 44 base64 characters (generate one with: openssl rand -base64 32).`,
    );
  }
  return MasterKey.fromBytes(bytes);
}

/**
 * Writes a new key to a private temporary file and links it into place: linking fails when the
 * file exists, so two processes starting together never overwrite each other's key, and nobody
 * ever reads a half-written file.
 */
function createIfMissing(dataDir: string, path: string): void {
  try {
    statSync(path);
    return;
  } catch (error: unknown) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString('base64')}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
  } catch (error: unknown) {
    // Another process created it first: use theirs.
    if (!isCode(error, 'EEXIST')) throw error;
  } finally {
    unlinkSync(temporary);
  }
}

function checkPermissions(path: string): void {
  const stats = statSync(path);
  if (!stats.isFile()) {
    throw new CredentialError('MASTER_KEY_INSECURE', `${path} is not a regular file.`);
  }
  if (process.platform !== 'win32' && (stats.mode & 0o077) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(4, '0');
    throw new CredentialError(
      'MASTER_KEY_INSECURE',
      `${path} is accessible to group or others (mode ${mode}); it decrypts every access key secret. Restrict it with: chmod 600 ${path}`,
    );
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
