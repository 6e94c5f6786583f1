/**
 * The server's settings: one table says, for each, its file key, environment variable, flag,
 * default and how to read a value. Everything else (loading, precedence, error messages,
 * docs/server.md) follows from this table.
 */
import { isAbsolute, resolve } from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

/** The validated settings the composition root runs with. */
export interface BatonConfig {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Absolute; holds the SQLite file (baton.db) unless `databaseUrl` is set. */
  readonly dataDir: string;
  /** postgres:// or postgresql:// selects PostgreSQL; absent means SQLite in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly region: string;
  readonly account: string;
  readonly logLevel: LogLevel;
  /** Largest request body, in bytes. */
  readonly bodyLimit: number;
  /** How long finished executions are kept, in milliseconds. */
  readonly retentionMs: number;
  /** Longest idle wait of the engine loop, in milliseconds. */
  readonly pollIntervalMs: number;
  /** How long a claim holds work before another node may take it over, in milliseconds. */
  readonly leaseMs: number;
  /** Names this node in leases; absent means one is generated at start. */
  readonly nodeId: string | undefined;
  /** How long shutdown waits for in-flight requests and tasks, in milliseconds. */
  readonly shutdownTimeoutMs: number;
  /**
   * Where GitLab and CI jobs reach Baton (webhook URLs, the default CI audience). Absent, hook
   * install and CI ID tokens are refused with a message saying to set it: a guessed loopback
   * address would be registered in GitLab, which cannot reach it.
   */
  readonly publicUrl: string | undefined;
  /** The audience CI ID tokens must carry; absent means the public URL. */
  readonly ciAudience: string | undefined;
  // --- part C: GitLab webhooks and triggers ---
  /** Absolute path of the GitLab triggers file loaded at start-up; absent: none. */
  readonly triggersFile: string | undefined;
  /** Largest GitLab webhook body accepted at /hooks/gitlab, in bytes (GitLab sends up to 25 MB). */
  readonly webhookBodyLimit: number;
  /**
   * How long finished webhook deliveries and done trigger runs are kept, in milliseconds; the
   * hourly purge removes them after that.
   */
  readonly deliveryRetentionMs: number;
  // --- end part C ---
}

/** Where a value came from, for error messages: `baton.yaml:4:9`, `BATON_PORT`, `--port`. */
export interface ValueOrigin {
  readonly label: string;
  /** Relative paths in a config file are relative to the file's directory. */
  readonly baseDir: string;
}

/** A reader turns a raw value (a string from env/flags, any YAML value from a file) into one. */
type Reader<T> = (
  raw: unknown,
  origin: ValueOrigin,
) => { readonly ok: true; readonly value: T } | { readonly ok: false; readonly expected: string };

export interface Setting<K extends keyof BatonConfig = keyof BatonConfig> {
  readonly key: K;
  readonly env: string;
  readonly flag: string;
  readonly description: string;
  /** Shown in help and docs. */
  readonly defaultText: string;
  /** Masked in errors and logs. */
  readonly secret?: boolean;
  readonly read: Reader<BatonConfig[K]>;
}

const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });
const expected = (text: string): { readonly ok: false; readonly expected: string } => ({
  ok: false,
  expected: text,
});

/** Numbers from a file come as numbers; from env and flags as text. */
function asText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  return undefined;
}

function integerIn(min: number, max: number, hint = ''): Reader<number> {
  const text = `an integer from ${min} to ${max}${hint}`;
  return (raw) => {
    const value = asText(raw);
    if (value === undefined || !/^\d+$/.test(value)) return expected(text);
    const n = Number(value);
    return n >= min && n <= max ? ok(n) : expected(text);
  };
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `500ms`, `30s`, `15m`, `12h`, `90d`; a bare number is milliseconds. */
function duration(minMs: number, maxMs: number, example: string): Reader<number> {
  const text = `a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)} such as ${example} (units ms, s, m, h, d)`;
  return (raw) => {
    const value = asText(raw);
    const match = value === undefined ? null : /^(\d+)\s*(ms|s|m|h|d)?$/.exec(value);
    if (match === null) return expected(text);
    const ms = Number(match[1]) * (DURATION_UNITS[match[2] ?? 'ms'] ?? 1);
    return ms >= minMs && ms <= maxMs ? ok(ms) : expected(text);
  };
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** `256kb`, `1mb`, or bytes (binary units: 1kb = 1024 bytes). */
function size(minBytes: number, maxBytes: number): Reader<number> {
  const text = `a size from ${minBytes / 1024}kb to ${maxBytes / 1024 / 1024}mb such as 1mb or 512kb (units b, kb, mb)`;
  return (raw) => {
    const value = asText(raw)?.toLowerCase();
    const match = value === undefined ? null : /^(\d+)\s*(b|kb|mb)?$/.exec(value);
    if (match === null) return expected(text);
    const bytes = Number(match[1]) * (SIZE_UNITS[match[2] ?? 'b'] ?? 1);
    return bytes >= minBytes && bytes <= maxBytes ? ok(bytes) : expected(text);
  };
}

function pattern(regex: RegExp, text: string): Reader<string> {
  return (raw) => {
    const value = asText(raw);
    return value !== undefined && regex.test(value) ? ok(value) : expected(text);
  };
}

const readHost: Reader<string> = pattern(
  /^(?:[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|[0-9A-Fa-f:.]{2,45})$/,
  'a host name or IP address such as 127.0.0.1, 0.0.0.0 or ::1',
);

const readDirectory: Reader<string> = (raw, origin) => {
  const value = typeof raw === 'string' ? raw.trim() : undefined;
  if (value === undefined || value === '' || value.includes('\0'))
    return expected('a directory path');
  return ok(isAbsolute(value) ? value : resolve(origin.baseDir, value));
};

const readDatabaseUrl: Reader<string | undefined> = (raw) => {
  const value = typeof raw === 'string' ? raw.trim() : undefined;
  const text = 'a postgres:// or postgresql:// URL (leave it unset to use SQLite)';
  if (value === undefined) return expected(text);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return expected(text);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return expected(text);
  if (url.hostname === '') return expected(`${text} with a host`);
  return ok(value);
};

const readLogLevel: Reader<LogLevel> = (raw) => {
  const value = asText(raw)?.toLowerCase();
  const level = LOG_LEVELS.find((l) => l === value);
  return level === undefined ? expected(`one of ${LOG_LEVELS.join(', ')}`) : ok(level);
};

const readNodeId: Reader<string | undefined> = pattern(
  /^[A-Za-z0-9._:-]{1,64}$/,
  '1 to 64 letters, digits, ".", "_", ":" or "-"',
);

/** An absolute http(s) URL without query, fragment or credentials; no trailing slash. */
const readPublicUrl: Reader<string | undefined> = (raw) => {
  const value = typeof raw === 'string' ? raw.trim() : undefined;
  const text =
    'an absolute http:// or https:// URL where GitLab reaches Baton, such as https://baton.example.com (no query, fragment or user)';
  if (value === undefined) return expected(text);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return expected(text);
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  )
    return expected(text);
  return ok(`${url.origin}${url.pathname.replace(/\/+$/, '')}`);
};

const readFilePath: Reader<string | undefined> = (raw, origin) => {
  const value = typeof raw === 'string' ? raw.trim() : undefined;
  if (value === undefined || value === '' || value.includes('\0')) return expected('a file path');
  return ok(isAbsolute(value) ? value : resolve(origin.baseDir, value));
};

/** Every setting, in the order help and docs list them. */
export const SETTINGS: readonly Setting[] = [
  {
    key: 'host',
    env: 'BATON_HOST',
    flag: '--host',
    description: 'address to listen on (0.0.0.0 for every interface)',
    defaultText: '127.0.0.1',
    read: readHost,
  },
  {
    key: 'port',
    env: 'BATON_PORT',
    flag: '--port',
    description: 'TCP port to listen on (0 picks a free one)',
    defaultText: '8420',
    read: integerIn(0, 65535, ' (0 picks a free port)'),
  },
  {
    key: 'dataDir',
    env: 'BATON_DATA_DIR',
    flag: '--data-dir',
    description: 'directory for the SQLite database (baton.db), created with mode 0700',
    defaultText: '.baton (in the working directory)',
    read: readDirectory,
  },
  {
    key: 'databaseUrl',
    env: 'BATON_DATABASE_URL',
    flag: '--database-url',
    description: 'PostgreSQL URL (postgres://user:password@host:5432/db); unset means SQLite',
    defaultText: '(unset: SQLite)',
    secret: true,
    read: readDatabaseUrl,
  },
  {
    key: 'region',
    env: 'BATON_REGION',
    flag: '--region',
    description: 'region in the ARNs Baton gives out',
    defaultText: 'us-east-1',
    read: pattern(
      /^[a-z0-9]+(?:-[a-z0-9]+)*$/,
      'a region such as us-east-1 (lowercase, digits, "-")',
    ),
  },
  {
    key: 'account',
    env: 'BATON_ACCOUNT',
    flag: '--account',
    description: 'account id in the ARNs Baton gives out',
    defaultText: '123456789012',
    read: pattern(/^\d{12}$/, 'a 12-digit account id such as 123456789012'),
  },
  {
    key: 'logLevel',
    env: 'BATON_LOG_LEVEL',
    flag: '--log-level',
    description: `log level: ${LOG_LEVELS.join(', ')}`,
    defaultText: 'info',
    read: readLogLevel,
  },
  {
    key: 'bodyLimit',
    env: 'BATON_BODY_LIMIT',
    flag: '--body-limit',
    description: 'largest request body accepted',
    defaultText: '1mb',
    read: size(1024, 64 * 1024 * 1024),
  },
  {
    key: 'retentionMs',
    env: 'BATON_RETENTION',
    flag: '--retention',
    description: 'how long finished executions are kept before they are purged',
    defaultText: '90d',
    read: duration(60_000, 3650 * 86_400_000, '90d'),
  },
  {
    key: 'pollIntervalMs',
    env: 'BATON_POLL_INTERVAL',
    flag: '--poll-interval',
    description: 'longest idle wait of the engine before it looks for due work again',
    defaultText: '1s',
    read: duration(10, 60_000, '1s or 250ms'),
  },
  {
    key: 'leaseMs',
    env: 'BATON_LEASE_DURATION',
    flag: '--lease-duration',
    description: 'how long a claim holds a task before another node may take it over',
    defaultText: '60s',
    read: duration(1000, 86_400_000, '60s'),
  },
  {
    key: 'nodeId',
    env: 'BATON_NODE_ID',
    flag: '--node-id',
    description: 'this node’s name in leases and logs',
    defaultText: '(generated: host name, process id and random suffix)',
    read: readNodeId,
  },
  {
    key: 'shutdownTimeoutMs',
    env: 'BATON_SHUTDOWN_TIMEOUT',
    flag: '--shutdown-timeout',
    description: 'how long shutdown waits for in-flight requests, then for in-flight tasks',
    defaultText: '10s',
    read: duration(0, 600_000, '10s'),
  },
  {
    key: 'publicUrl',
    env: 'BATON_PUBLIC_URL',
    flag: '--public-url',
    description: 'URL where GitLab and CI jobs reach Baton (webhook URLs, the CI audience)',
    defaultText: '(unset: no hook install, no CI ID tokens)',
    read: readPublicUrl,
  },
  {
    key: 'ciAudience',
    env: 'BATON_CI_AUDIENCE',
    flag: '--ci-audience',
    description: 'audience CI ID tokens must carry (id_tokens aud in .gitlab-ci.yml)',
    defaultText: 'the public URL',
    read: (raw) => {
      const value = asText(raw);
      return value !== undefined && /^\S{1,1024}$/.test(value)
        ? ok(value)
        : expected('1 to 1024 characters without spaces, e.g. https://baton.example.com');
    },
  },
  // --- part C: GitLab webhooks and triggers ---
  {
    key: 'triggersFile',
    env: 'BATON_TRIGGERS',
    flag: '--triggers',
    description:
      'GitLab triggers file (YAML or JSON) loaded at start-up; a problem in it stops the start',
    defaultText: '(unset: triggers only through the API)',
    read: readFilePath,
  },
  {
    key: 'webhookBodyLimit',
    env: 'BATON_WEBHOOK_BODY_LIMIT',
    flag: '--webhook-body-limit',
    description: 'largest GitLab webhook body accepted at /hooks/gitlab (GitLab sends up to 25 MB)',
    defaultText: '25mb',
    read: size(1024, 64 * 1024 * 1024),
  },
  {
    key: 'deliveryRetentionMs',
    env: 'BATON_DELIVERY_RETENTION',
    flag: '--delivery-retention',
    description:
      'how long finished GitLab webhook deliveries and trigger runs are kept before they are purged',
    defaultText: '7d',
    read: duration(60_000, 3650 * 86_400_000, '7d'),
  },
  // --- end part C ---
];

/** The defaults; `dataDir` is relative to the working directory. */
export function defaultConfig(cwd: string): BatonConfig {
  return {
    host: '127.0.0.1',
    port: 8420,
    dataDir: resolve(cwd, '.baton'),
    databaseUrl: undefined,
    region: 'us-east-1',
    account: '123456789012',
    logLevel: 'info',
    bodyLimit: 1024 * 1024,
    retentionMs: 90 * 86_400_000,
    pollIntervalMs: 1000,
    leaseMs: 60_000,
    nodeId: undefined,
    shutdownTimeoutMs: 10_000,
    publicUrl: undefined,
    ciAudience: undefined,
    // part C: GitLab webhooks and triggers
    triggersFile: undefined,
    webhookBodyLimit: 25 * 1024 * 1024,
    deliveryRetentionMs: 7 * 86_400_000,
  };
}

/**
 * The config file key of a setting, which is also commander's option name: its flag in
 * camelCase (`--lease-duration` -> `leaseDuration`).
 */
export function fileKey(setting: Setting): string {
  return setting.flag.slice(2).replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
