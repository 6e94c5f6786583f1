/**
 * Where the client commands connect, highest first: flags, environment, the config file, then
 * the server's ./.baton/admin-credentials. The key id and secret come from one source.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionSources } from './connection.js';
import { resolveConnection } from './connection.js';

const ADMIN = '[baton]\naws_access_key_id = BKIAADMIN\naws_secret_access_key = admin-secret\n';

function resolve(overrides: Partial<ConnectionSources>, files: Record<string, string> = {}) {
  return resolveConnection({
    flags: {},
    env: {},
    cwd: '/work',
    home: '/home/u',
    readFile: (path) => files[path],
    ...overrides,
  });
}

function ok(result: ReturnType<typeof resolve>) {
  if (!result.ok) throw new Error(result.problem);
  return result.connection;
}

describe('resolveConnection', () => {
  it('uses the defaults and the admin credentials in ./.baton when nothing else is set', () => {
    const connection = ok(resolve({}, { '/work/.baton/admin-credentials': ADMIN }));
    expect(connection).toMatchObject({
      url: 'http://127.0.0.1:8420',
      region: 'us-east-1',
      accessKeyId: 'BKIAADMIN',
      secretAccessKey: 'admin-secret',
      credentialsFrom: '/work/.baton/admin-credentials',
    });
  });

  it('finds the admin credentials under BATON_DATA_DIR', () => {
    const connection = ok(
      resolve({ env: { BATON_DATA_DIR: '/var/baton' } }, { '/var/baton/admin-credentials': ADMIN }),
    );
    expect(connection.accessKeyId).toBe('BKIAADMIN');
  });

  it('prefers flags to the environment, the environment to the config file, and the file to the admin key', () => {
    const files = {
      '/home/u/.config/baton/config.yaml':
        'url: http://file:1\nregion: file-region\naccessKeyId: FILEKEY\nsecretAccessKey: file-secret\n',
      '/work/.baton/admin-credentials': ADMIN,
    };
    expect(ok(resolve({}, files))).toMatchObject({
      url: 'http://file:1',
      region: 'file-region',
      accessKeyId: 'FILEKEY',
    });
    const env = {
      BATON_URL: 'http://env:2',
      BATON_ACCESS_KEY_ID: 'ENVKEY',
      BATON_SECRET_ACCESS_KEY: 'env-secret',
    };
    expect(ok(resolve({ env }, files))).toMatchObject({
      url: 'http://env:2',
      region: 'file-region',
      accessKeyId: 'ENVKEY',
      credentialsFrom: 'BATON_ACCESS_KEY_ID/BATON_SECRET_ACCESS_KEY',
    });
    const flags = {
      url: 'http://flag:3/',
      region: 'flag-region',
      accessKeyId: 'FLAGKEY',
      secretAccessKey: 'flag-secret',
    };
    expect(ok(resolve({ env, flags }, files))).toMatchObject({
      url: 'http://flag:3',
      region: 'flag-region',
      accessKeyId: 'FLAGKEY',
      secretAccessKey: 'flag-secret',
    });
  });

  it('uses AWS_* keys only when no BATON_* key is set', () => {
    const env = { AWS_ACCESS_KEY_ID: 'AWSKEY', AWS_SECRET_ACCESS_KEY: 'aws-secret' };
    expect(ok(resolve({ env })).accessKeyId).toBe('AWSKEY');
    const both = { ...env, BATON_ACCESS_KEY_ID: 'B', BATON_SECRET_ACCESS_KEY: 'b' };
    expect(ok(resolve({ env: both })).accessKeyId).toBe('B');
  });

  it('never pairs a key id from one source with a secret from another', () => {
    const result = resolve(
      { flags: { accessKeyId: 'FLAGKEY' } },
      { '/work/.baton/admin-credentials': ADMIN },
    );
    expect(result).toEqual({
      ok: false,
      problem:
        '--access-key-id/--secret-access-key: the secret access key is missing; give both or neither',
    });
  });

  it('says how to get a key when there is none', () => {
    const result = resolve({});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain('BATON_ACCESS_KEY_ID');
  });

  it('rejects a URL that is not http(s), a missing --config and unknown config keys', () => {
    const key = { accessKeyId: 'K', secretAccessKey: 's' };
    expect(resolve({ flags: { ...key, url: '127.0.0.1:8420' } }).ok).toBe(false);
    expect(resolve({ flags: { ...key, config: 'client.yaml' } })).toEqual({
      ok: false,
      problem: '--config: /work/client.yaml does not exist',
    });
    const typo = resolve({ flags: { ...key, config: 'c.yaml' } }, { '/work/c.yaml': 'uri: x\n' });
    expect(typo.ok).toBe(false);
    const broken = resolve({ flags: { ...key, config: 'c.yaml' } }, { '/work/c.yaml': 'url: [\n' });
    expect(broken.ok ? '' : broken.problem).toMatch(/^\/work\/c\.yaml:\d+:\d+: /);
  });

  it('never puts a secret in a problem', () => {
    const result = resolve({ flags: { secretAccessKey: 'super-secret-value' } });
    expect(result.ok ? '' : result.problem).not.toContain('super-secret-value');
  });
});
