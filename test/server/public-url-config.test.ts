/** The publicUrl and ciAudience settings (GitLab webhooks and CI ID tokens). */
import { describe, expect, it } from 'vitest';
import type { ConfigResult } from '../../src/config/index.js';
import { loadConfig } from '../../src/config/index.js';

function load(env: Record<string, string>, flags: Record<string, string> = {}): ConfigResult {
  return loadConfig({
    cwd: '/srv/baton',
    env,
    flags,
    readFile: () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    },
  });
}

describe('publicUrl', () => {
  it('is unset unless configured (nothing guesses a loopback address for GitLab)', () => {
    const result = load({});
    expect(result.ok && result.config.publicUrl).toBeUndefined();
  });

  it('reads BATON_PUBLIC_URL and --public-url, dropping a trailing slash', () => {
    const env = load({ BATON_PUBLIC_URL: 'https://baton.example.com/' });
    expect(env.ok && env.config.publicUrl).toBe('https://baton.example.com');
    const flag = load({}, { publicUrl: 'https://example.com/baton/' });
    expect(flag.ok && flag.config.publicUrl).toBe('https://example.com/baton');
  });

  it('refuses URLs GitLab cannot use, saying what is expected', () => {
    for (const value of ['baton.example.com', 'ftp://x', 'https://u:p@x', 'https://x/?a=1']) {
      const result = load({ BATON_PUBLIC_URL: value });
      expect(result.ok, value).toBe(false);
      if (!result.ok) {
        expect(result.problems.join('\n')).toContain('BATON_PUBLIC_URL');
        expect(result.problems.join('\n')).toContain('where GitLab reaches Baton');
      }
    }
  });

  it('reads the CI audience', () => {
    const result = load({ BATON_CI_AUDIENCE: 'baton' });
    expect(result.ok && result.config.ciAudience).toBe('baton');
    expect(load({ BATON_CI_AUDIENCE: 'a b' }).ok).toBe(false);
  });
});
