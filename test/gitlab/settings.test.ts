/** The GitLab webhook and trigger settings in the settings table. */
import { describe, expect, it } from 'vitest';
import { SETTINGS, defaultConfig } from '../../src/config/index.js';

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
});
