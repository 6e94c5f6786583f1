import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  mkdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ACCESS_KEY_ID_PATTERN,
  MasterKey,
  SECRET_ACCESS_KEY_LENGTH,
  generateAccessKey,
} from './access-keys.js';
import { CredentialError } from './errors.js';
import { loadMasterKey, parseMasterKey } from './master-key.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(dir, `data-${++dirs}`);

const KEY_BYTES = Buffer.alloc(32, 7);
const master = MasterKey.fromBytes(KEY_BYTES);

function credentialError(work: () => unknown): CredentialError {
  try {
    work();
  } catch (error: unknown) {
    if (error instanceof CredentialError) return error;
    throw error;
  }
  return expect.fail('expected a CredentialError');
}

describe('access keys', () => {
  it('have ids of BKIA and 16 base32 characters and 40-character secrets', () => {
    for (let i = 0; i < 200; i++) {
      const key = generateAccessKey();
      expect(key.accessKeyId).toMatch(ACCESS_KEY_ID_PATTERN);
      expect(key.secretAccessKey).toHaveLength(SECRET_ACCESS_KEY_LENGTH);
      expect(key.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    }
  });

  it('are never repeated', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => generateAccessKey().accessKeyId));
    expect(ids.size).toBe(1000);
  });

  it('encode the random bytes they are given (base32 of 80 bits)', () => {
    const key = generateAccessKey((size) => Buffer.alloc(size, 0xff));
    expect(key.accessKeyId).toBe('BKIA7777777777777777');
    expect(generateAccessKey((size) => Buffer.alloc(size)).accessKeyId).toBe(
      'BKIAAAAAAAAAAAAAAAAA',
    );
  });
});

describe('sealed secrets', () => {
  it('open with the same master key and key id', () => {
    const sealed = master.seal('BKIAAAAAAAAAAAAAAAAA', 'the-secret');
    expect(master.open('BKIAAAAAAAAAAAAAAAAA', sealed)).toBe('the-secret');
  });

  it('never contain the secret and differ each time (fresh IV)', () => {
    const a = master.seal('BKIAAAAAAAAAAAAAAAAA', 'the-secret');
    const b = master.seal('BKIAAAAAAAAAAAAAAAAA', 'the-secret');
    expect(a).not.toBe(b);
    expect(a).not.toContain('the-secret');
    expect(a).not.toContain(Buffer.from('the-secret').toString('base64url'));
  });

  it('do not open for another key id (a ciphertext moved onto another row)', () => {
    const sealed = master.seal('BKIAAAAAAAAAAAAAAAAA', 'the-secret');
    const error = credentialError(() => master.open('BKIABBBBBBBBBBBBBBBB', sealed));
    expect(error.code).toBe('SECRET_UNREADABLE');
  });

  it('do not open under another master key', () => {
    const sealed = master.seal('BKIAAAAAAAAAAAAAAAAA', 'the-secret');
    const other = MasterKey.fromBytes(Buffer.alloc(32, 8));
    expect(credentialError(() => other.open('BKIAAAAAAAAAAAAAAAAA', sealed)).code).toBe(
      'SECRET_UNREADABLE',
    );
  });

  it('do not open when any part was altered or is missing', () => {
    const sealed = master.seal('BKIAAAAAAAAAAAAAAAAA', 'the-secret');
    const parts = sealed.split(':');
    const variants = [
      ...parts.map((_, i) =>
        parts
          .map((p, j) => (j === i ? `${p.slice(0, -2)}${p.endsWith('AA') ? 'BB' : 'AA'}` : p))
          .join(':'),
      ),
      parts.slice(0, 3).join(':'),
      `${sealed}:extra`,
      '',
      'v2:a:b:c',
    ];
    for (const variant of variants) {
      const error = credentialError(() => master.open('BKIAAAAAAAAAAAAAAAAA', variant));
      expect(error.code, variant).toBe('SECRET_UNREADABLE');
      expect(error.message).not.toContain('the-secret');
    }
  });

  it('come from a master key that never shows its bytes', () => {
    const hex = KEY_BYTES.toString('hex');
    const b64 = KEY_BYTES.toString('base64');
    for (const shown of [
      String(master),
      JSON.stringify({ master }),
      inspect(master),
      `${master.toString()}`,
    ]) {
      expect(shown).not.toContain(hex);
      expect(shown).not.toContain(b64);
      expect(shown).toContain('hidden');
    }
  });

  it('need a 32-byte master key', () => {
    expect(credentialError(() => MasterKey.fromBytes(Buffer.alloc(16))).code).toBe(
      'MASTER_KEY_INVALID',
    );
  });
});

describe('the master key', () => {
  it('is read from BATON_MASTER_KEY as base64 or hex', () => {
    const fromBase64 = parseMasterKey(KEY_BYTES.toString('base64'), 'BATON_MASTER_KEY');
    const fromHex = parseMasterKey(KEY_BYTES.toString('hex'), 'BATON_MASTER_KEY');
    const fromUrlSafe = parseMasterKey(`${KEY_BYTES.toString('base64url')}\n`, 'BATON_MASTER_KEY');
    const sealed = master.seal('BKIAAAAAAAAAAAAAAAAA', 's');
    for (const key of [fromBase64, fromHex, fromUrlSafe]) {
      expect(key.open('BKIAAAAAAAAAAAAAAAAA', sealed)).toBe('s');
    }
  });

  it('from the environment wins over the file', () => {
    const dataDir = freshDir();
    const key = loadMasterKey({ env: KEY_BYTES.toString('hex'), dataDir });
    expect(key.open('BKIAAAAAAAAAAAAAAAAA', master.seal('BKIAAAAAAAAAAAAAAAAA', 's'))).toBe('s');
    expect(() => statSync(join(dataDir, 'master.key'))).toThrow();
  });

  it('refuses values that are not 32 bytes, without echoing them', () => {
    for (const value of [
      'short',
      'a'.repeat(63),
      Buffer.alloc(31).toString('base64'),
      Buffer.alloc(33).toString('hex'),
      'not base64 at all but 44 chars long!!!!!!!!',
    ]) {
      const error = credentialError(() => parseMasterKey(value, 'BATON_MASTER_KEY'));
      expect(error.code).toBe('MASTER_KEY_INVALID');
      expect(error.message).toContain('BATON_MASTER_KEY');
      expect(error.message).not.toContain(value);
    }
  });

  it('is created in <dataDir>/master.key with mode 0600 on first use, and reused after', () => {
    const dataDir = freshDir();
    const first = loadMasterKey({ dataDir });
    const path = join(dataDir, 'master.key');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')).toHaveLength(32);
    const sealed = first.seal('BKIAAAAAAAAAAAAAAAAA', 's');
    expect(loadMasterKey({ dataDir }).open('BKIAAAAAAAAAAAAAAAAA', sealed)).toBe('s');
    expect(loadMasterKey({ env: '', dataDir }).open('BKIAAAAAAAAAAAAAAAAA', sealed)).toBe('s');
  });

  it('refuses a file that group or others can read, saying how to fix it', () => {
    const dataDir = freshDir();
    loadMasterKey({ dataDir });
    const path = join(dataDir, 'master.key');
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      chmodSync(path, mode);
      const error = credentialError(() => loadMasterKey({ dataDir }));
      expect(error.code).toBe('MASTER_KEY_INSECURE');
      expect(error.message).toContain(`chmod 600 ${path}`);
      expect(error.message).toContain(mode.toString(8));
    }
    chmodSync(path, 0o600);
    expect(() => loadMasterKey({ dataDir })).not.toThrow();
  });

  it('refuses a master.key that is not a regular file', () => {
    const dataDir = freshDir();
    mkdirSync(join(dataDir, 'master.key'), { recursive: true });
    expect(credentialError(() => loadMasterKey({ dataDir })).code).toBe('MASTER_KEY_INSECURE');
  });

  it('refuses a file that does not hold a key, naming the file', () => {
    const dataDir = freshDir();
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'master.key');
    writeFileSync(path, 'hello\n', { mode: 0o600 });
    const error = credentialError(() => loadMasterKey({ dataDir }));
    expect(error.code).toBe('MASTER_KEY_INVALID');
    expect(error.message).toContain(path);
  });

  it('follows a symlink to a private file but checks the target', () => {
    const dataDir = freshDir();
    const real = freshDir();
    loadMasterKey({ dataDir: real });
    mkdirSync(dataDir, { recursive: true });
    symlinkSync(join(real, 'master.key'), join(dataDir, 'master.key'));
    expect(() => loadMasterKey({ dataDir })).not.toThrow();
    chmodSync(join(real, 'master.key'), 0o644);
    expect(credentialError(() => loadMasterKey({ dataDir })).code).toBe('MASTER_KEY_INSECURE');
  });
});
