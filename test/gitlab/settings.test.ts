/** The GitLab webhook and trigger settings in the settings table. */
import { describe, expect, it } from 'vitest';
import type { ConfigResult } from '../../src/config/index.js';
import { SETTINGS, defaultConfig, loadConfig } from '../../src/config/index.js';

const setting = (key: string) => {
  const found = SETTINGS.find((s) => s.key === key);
  if (found === undefined) throw new Error(`no setting ${key}`);
  return found;
};
const origin = { label: 'baton.yaml:3:10', baseDir: '/srv/baton' };

describe('GitLab settings', () => {
  it('reads the triggers file relative to where it was set, from --triggers or BATON_TRIGGERS', () => {
    const triggers = setting('triggersFile');
    expect([triggers.flag, triggers.env]).toEqual(['--triggers', 'BATON_TRIGGERS']);
    expect(triggers.read('ci/triggers.yaml', origin)).toEqual({
      ok: true,
      value: '/srv/baton/ci/triggers.yaml',
    });
    expect(triggers.read('/etc/t.yaml', origin)).toEqual({ ok: true, value: '/etc/t.yaml' });
    expect(triggers.read('', origin)).toMatchObject({ ok: false });
    expect(triggers.read(7, origin)).toMatchObject({ ok: false });
    expect(defaultConfig('/x').triggersFile).toBeUndefined();
  });

  it('limits webhook bodies to 25 MiB by default, configurable up to 64 MiB', () => {
    const limit = setting('webhookBodyLimit');
    expect(defaultConfig('/x').webhookBodyLimit).toBe(25 * 1024 * 1024);
    expect(limit.read('30mb', origin)).toEqual({ ok: true, value: 30 * 1024 * 1024 });
    expect(limit.read('65mb', origin)).toMatchObject({ ok: false });
    expect(limit.read('lots', origin)).toMatchObject({ ok: false });
  });

  it('keeps finished deliveries and trigger runs 7 days by default, from 1m to 3650d', () => {
    const retention = setting('deliveryRetentionMs');
    expect([retention.flag, retention.env]).toEqual([
      '--delivery-retention',
      'BATON_DELIVERY_RETENTION',
    ]);
    expect(defaultConfig('/x').deliveryRetentionMs).toBe(7 * 86_400_000);
    expect(retention.read('36h', origin)).toEqual({ ok: true, value: 36 * 3_600_000 });
    expect(retention.read(90_000, origin)).toEqual({ ok: true, value: 90_000 });
    for (const bad of ['30s', '3651d', 'a week', '-1d', true]) {
      expect(retention.read(bad, origin)).toMatchObject({ ok: false });
    }
  });

  it('reads deliveryRetention from the file, BATON_DELIVERY_RETENTION and the flag, in order', () => {
    const files: Record<string, string> = { '/c.yaml': 'deliveryRetention: 2d\n' };
    const load = (env: Record<string, string>, flags: Record<string, string>): ConfigResult =>
      loadConfig({
        cwd: '/srv',
        env,
        flags: { config: '/c.yaml', ...flags },
        readFile: (path) => files[path] ?? '',
      });
    const retentionOf = (result: ConfigResult): number | string =>
      result.ok ? result.config.deliveryRetentionMs : result.problems.join('\n');
    expect(retentionOf(load({}, {}))).toBe(2 * 86_400_000);
    expect(retentionOf(load({ BATON_DELIVERY_RETENTION: '3d' }, {}))).toBe(3 * 86_400_000);
    expect(
      retentionOf(load({ BATON_DELIVERY_RETENTION: '3d' }, { deliveryRetention: '12h' })),
    ).toBe(12 * 3_600_000);
    expect(retentionOf(load({}, { deliveryRetention: 'forever' }))).toMatch(
      /^--delivery-retention: deliveryRetention must be a duration from 1m to 3650d such as 7d/,
    );
  });
});
