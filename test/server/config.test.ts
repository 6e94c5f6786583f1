/**
 * Settings: precedence (defaults < file < env < flags) and every way a value can be wrong,
 * each reported with where it is (`file:line:col`, `BATON_*`, `--flag`), all at once, and
 * secrets never echoed.
 */
import { describe, expect, it } from 'vitest';
import type { ConfigResult, ConfigSources } from '../../src/config/index.js';
import {
  SETTINGS,
  defaultConfig,
  describeConfig,
  fileKey,
  loadConfig,
  maskUrl,
  redactSecrets,
} from '../../src/config/index.js';

const CWD = '/srv/baton';

/** Loads with an in-memory file system: `files` maps absolute paths to their text. */
function load(
  sources: Omit<ConfigSources, 'cwd' | 'readFile'>,
  files: Record<string, string> = {},
): ConfigResult {
  return loadConfig({
    cwd: CWD,
    ...sources,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
  });
}

function problems(result: ConfigResult): readonly string[] {
  if (result.ok) throw new Error('expected problems, got a valid config');
  return result.problems;
}

function config(result: ConfigResult) {
  if (!result.ok) throw new Error(`unexpected problems: ${result.problems.join('\n')}`);
  return result.config;
}

describe('precedence', () => {
  it('uses the defaults when nothing is given', () => {
    const result = load({});
    expect(config(result)).toEqual(defaultConfig(CWD));
    expect(config(result)).toMatchObject({
      host: '127.0.0.1',
      port: 8420,
      dataDir: '/srv/baton/.baton',
      databaseUrl: undefined,
      logLevel: 'info',
    });
  });

  it('takes the file over defaults, env over the file, flags over env', () => {
    const files = {
      '/srv/baton/baton.yaml': 'port: 9000\nhost: 0.0.0.0\nlogLevel: debug\nregion: eu-west-1\n',
    };
    const result = load(
      {
        flags: { config: 'baton.yaml', port: '9002' },
        env: { BATON_PORT: '9001', BATON_LOG_LEVEL: 'warn' },
      },
      files,
    );
    expect(config(result)).toMatchObject({
      port: 9002,
      host: '0.0.0.0',
      logLevel: 'warn',
      region: 'eu-west-1',
    });
    if (!result.ok) return;
    expect(result.origins.port).toBe('--port');
    expect(result.origins.logLevel).toBe('BATON_LOG_LEVEL');
    expect(result.origins.host).toBe('baton.yaml:2:7');
    expect(result.origins.account).toBe('default');
    expect(result.file).toBe('/srv/baton/baton.yaml');
  });

  it('finds the file through BATON_CONFIG, and --config wins over it', () => {
    const files = { '/etc/a.yaml': 'port: 1111\n', '/etc/b.json': '{"port": 2222}' };
    expect(config(load({ env: { BATON_CONFIG: '/etc/a.yaml' } }, files)).port).toBe(1111);
    expect(
      config(
        load({ env: { BATON_CONFIG: '/etc/a.yaml' }, flags: { config: '/etc/b.json' } }, files),
      ).port,
    ).toBe(2222);
  });

  it('reads JSON config files with positions too', () => {
    const files = { '/srv/baton/baton.json': '{\n  "port": "80a"\n}\n' };
    expect(problems(load({ flags: { config: 'baton.json' } }, files))).toEqual([
      'baton.json:2:11: port must be an integer from 0 to 65535 (0 picks a free port), got "80a"',
    ]);
  });

  it('resolves a relative data directory against the file that names it, or the cwd', () => {
    const files = { '/etc/baton/baton.yaml': 'dataDir: state\n' };
    expect(config(load({ flags: { config: '/etc/baton/baton.yaml' } }, files)).dataDir).toBe(
      '/etc/baton/state',
    );
    expect(config(load({ env: { BATON_DATA_DIR: 'here' } })).dataDir).toBe('/srv/baton/here');
    expect(config(load({ flags: { dataDir: '/var/lib/baton' } })).dataDir).toBe('/var/lib/baton');
  });

  it('reads units: durations, sizes, and numbers from a file', () => {
    const files = {
      '/c.yaml':
        'retention: 30d\npollInterval: 250ms\nleaseDuration: 2m\nbodyLimit: 256kb\nshutdownTimeout: 5000\nport: 80\n',
    };
    expect(config(load({ flags: { config: '/c.yaml' } }, files))).toMatchObject({
      retentionMs: 30 * 86_400_000,
      pollIntervalMs: 250,
      leaseMs: 120_000,
      bodyLimit: 256 * 1024,
      shutdownTimeoutMs: 5000,
      port: 80,
    });
  });

  it('treats an empty environment variable as unset', () => {
    expect(config(load({ env: { BATON_PORT: '', BATON_DATABASE_URL: '' } })).port).toBe(8420);
  });

  it('accepts an empty config file', () => {
    expect(config(load({ flags: { config: '/empty.yaml' } }, { '/empty.yaml': '' })).port).toBe(
      8420,
    );
  });

  it('selects PostgreSQL from a postgres:// or postgresql:// URL', () => {
    for (const url of ['postgres://u:p@db:5432/baton', 'postgresql://db/baton?sslmode=require']) {
      expect(config(load({ env: { BATON_DATABASE_URL: url } })).databaseUrl).toBe(url);
    }
  });
});

describe('errors say which source and where', () => {
  it('points into the file with line:col', () => {
    const files = { '/srv/baton/baton.yaml': '# settings\nhost: 127.0.0.1\n\nport:   80a\n' };
    expect(problems(load({ flags: { config: 'baton.yaml' } }, files))).toEqual([
      'baton.yaml:4:9: port must be an integer from 0 to 65535 (0 picks a free port), got "80a"',
    ]);
  });

  it('names the environment variable', () => {
    expect(problems(load({ env: { BATON_PORT: '70000' } }))).toEqual([
      'BATON_PORT: port must be an integer from 0 to 65535 (0 picks a free port), got "70000"',
    ]);
  });

  it('names the flag', () => {
    expect(problems(load({ flags: { port: '-1' } }))).toEqual([
      '--port: port must be an integer from 0 to 65535 (0 picks a free port), got "-1"',
    ]);
  });

  it('reports every problem of every source at once', () => {
    const files = { '/c.yaml': 'prot: 1\nlogLevel: loud\n' };
    const found = problems(
      load(
        { flags: { config: '/c.yaml', host: 'bad host!' }, env: { BATON_RETENTION: 'forever' } },
        files,
      ),
    );
    expect(found).toHaveLength(4);
    expect(found[0]).toMatch(/^\/c\.yaml:1:1: unknown setting "prot"; did you mean "port"\?$/);
    expect(found[1]).toMatch(/^\/c\.yaml:2:11: logLevel must be one of fatal, error, warn/);
    expect(found[2]).toMatch(/^BATON_RETENTION: retention must be a duration/);
    expect(found[3]).toMatch(/^--host: host must be a host name or IP address/);
  });

  it('suggests the closest setting for a misspelt file key', () => {
    const files = { '/c.yaml': 'data_dir: x\nlogleveL: info\ndatabaseURL: postgres://h/d\n' };
    expect(problems(load({ flags: { config: '/c.yaml' } }, files))).toEqual([
      '/c.yaml:1:1: unknown setting "data_dir"; did you mean "dataDir"?',
      '/c.yaml:2:1: unknown setting "logleveL"; did you mean "logLevel"?',
      '/c.yaml:3:1: unknown setting "databaseURL"; did you mean "databaseUrl"?',
    ]);
  });

  it('lists the settings when nothing is close to an unknown key', () => {
    const [problem] = problems(
      load({ flags: { config: '/c.yaml' } }, { '/c.yaml': 'colour: blue' }),
    );
    expect(problem).toMatch(
      /^\/c\.yaml:1:1: unknown setting "colour"; the settings are host, port, /,
    );
  });

  it('rejects wrong types in the file, naming what came', () => {
    const files = {
      '/c.yaml': 'port: [1, 2]\nhost: {a: 1}\nlogLevel: true\nregion:\nbodyLimit: 1.5\n',
    };
    expect(problems(load({ flags: { config: '/c.yaml' } }, files))).toEqual([
      '/c.yaml:1:7: port must be an integer from 0 to 65535 (0 picks a free port), got a list',
      '/c.yaml:2:7: host must be a host name or IP address such as 127.0.0.1, 0.0.0.0 or ::1, got a mapping',
      '/c.yaml:3:11: logLevel must be one of fatal, error, warn, info, debug, trace, silent, got true',
      '/c.yaml:4:1: region must be a region such as us-east-1 (lowercase, digits, "-"), got nothing',
      '/c.yaml:5:12: bodyLimit must be a size from 1kb to 64mb such as 1mb or 512kb (units b, kb, mb), got 1.5',
    ]);
  });

  it('rejects out-of-range durations and sizes', () => {
    const found = problems(
      load({
        flags: { pollInterval: '1ms', leaseDuration: '2d', bodyLimit: '100mb', retention: '10x' },
      }),
    );
    expect(found).toEqual([
      expect.stringMatching(/^--body-limit: bodyLimit must be a size from 1kb to 64mb/),
      expect.stringMatching(/^--retention: retention must be a duration from 1m to 3650d/),
      expect.stringMatching(/^--poll-interval: pollInterval must be a duration from 10ms to 1m/),
      expect.stringMatching(/^--lease-duration: leaseDuration must be a duration from 1s to 1d/),
    ]);
  });

  it('rejects an account that is not 12 digits and a node id with spaces', () => {
    expect(problems(load({ env: { BATON_ACCOUNT: '1234', BATON_NODE_ID: 'my node' } }))).toEqual([
      'BATON_ACCOUNT: account must be a 12-digit account id such as 123456789012, got "1234"',
      'BATON_NODE_ID: nodeId must be 1 to 64 letters, digits, ".", "_", ":" or "-", got "my node"',
    ]);
  });

  it('rejects a database URL that is not PostgreSQL', () => {
    expect(problems(load({ flags: { databaseUrl: 'mysql://root@db/baton' } }))).toEqual([
      '--database-url: databaseUrl must be a postgres:// or postgresql:// URL (leave it unset to use SQLite), got "mysql://root@db/baton"',
    ]);
  });

  it('says when the config file is missing, naming where its path came from', () => {
    expect(problems(load({ flags: { config: 'nope.yaml' } }))).toEqual([
      '--config: cannot read the config file nope.yaml (no such file)',
    ]);
    expect(problems(load({ env: { BATON_CONFIG: '/etc/nope.yaml' } }))).toEqual([
      'BATON_CONFIG: cannot read the config file /etc/nope.yaml (no such file)',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    const [problem] = problems(
      load({ flags: { config: '/c.yaml' } }, { '/c.yaml': 'port: 1\nhost: "unterminated\n' }),
    );
    expect(problem).toMatch(/^\/c\.yaml:\d+:\d+: not valid YAML or JSON: /);
  });

  it('reports a setting given twice', () => {
    const [problem] = problems(
      load({ flags: { config: '/c.yaml' } }, { '/c.yaml': 'port: 1\nport: 2\n' }),
    );
    expect(problem).toMatch(/^\/c\.yaml:2:1: a setting is given twice: /);
  });

  it('rejects a file that is not a mapping', () => {
    expect(problems(load({ flags: { config: '/c.yaml' } }, { '/c.yaml': '- port\n' }))).toEqual([
      '/c.yaml:1:1: the config file must be a mapping of settings, such as "port: 8420"',
    ]);
    expect(problems(load({ flags: { config: '/c.json' } }, { '/c.json': '[8420]' }))).toHaveLength(
      1,
    );
  });

  it('warns, without failing, about a BATON_ variable that looks misspelt', () => {
    const result = load({ env: { BATON_PROT: '1', BATON_URL: 'http://x', BATON_DATA_DIRR: 'x' } });
    expect(result.ok && result.warnings).toEqual([
      'BATON_DATA_DIRR is not a Baton setting; did you mean BATON_DATA_DIR? (it is ignored)',
      'BATON_PROT is not a Baton setting; did you mean BATON_PORT? (it is ignored)',
    ]);
  });
});

describe('secrets', () => {
  const SECRET = 's3cr3t-pa55';

  it('never echoes a database password in an error', () => {
    for (const result of [
      load({ env: { BATON_DATABASE_URL: `mysql://baton:${SECRET}@db/baton` } }),
      load({ flags: { databaseUrl: `postgres://baton:${SECRET}@/baton` } }),
      load({ flags: { databaseUrl: SECRET } }),
      load(
        { flags: { config: '/c.yaml' } },
        { '/c.yaml': `databaseUrl: http://baton:${SECRET}@db/x\n` },
      ),
      load({ flags: { config: '/c.yaml' } }, { '/c.yaml': `databaseUrl: [${SECRET}]\n` }),
    ]) {
      const text = problems(result).join('\n');
      expect(text).toMatch(/databaseUrl must be/);
      expect(text).not.toContain(SECRET);
    }
  });

  it('masks passwords and secret-looking parameters in URLs', () => {
    expect(maskUrl(`postgres://baton:${SECRET}@db:5432/baton?sslmode=require`)).toBe(
      'postgres://baton:****@db:5432/baton?sslmode=require',
    );
    expect(maskUrl(`postgres://db/baton?password=${SECRET}&sslpassword=x`)).toBe(
      'postgres://db/baton?password=****&sslpassword=****',
    );
    expect(maskUrl(SECRET)).toBe('(hidden: not a URL)');
  });

  it('masks the URL in the config as it is logged, and in library messages', () => {
    const url = `postgres://baton:${SECRET}@db/baton`;
    const described = JSON.stringify(describeConfig({ ...defaultConfig(CWD), databaseUrl: url }));
    expect(described).not.toContain(SECRET);
    expect(described).toContain('postgres://baton:****@db/baton');
    expect(
      redactSecrets(`connect to ${url} failed; password ${SECRET} rejected`, { databaseUrl: url }),
    ).toBe('connect to postgres://baton:****@db/baton failed; password **** rejected');
  });
});

describe('the settings table', () => {
  it('gives every setting a flag, an env variable and a file key that match', () => {
    for (const setting of SETTINGS) {
      const words = setting.flag.slice(2).split('-');
      expect(setting.env).toBe(`BATON_${words.join('_').toUpperCase()}`);
      expect(fileKey(setting)).toBe(
        words.map((w, i) => (i === 0 ? w : w[0]?.toUpperCase() + w.slice(1))).join(''),
      );
    }
    expect(new Set(SETTINGS.map((s) => s.key)).size).toBe(Object.keys(defaultConfig(CWD)).length);
  });
});
