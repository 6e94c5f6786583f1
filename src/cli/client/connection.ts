/**
 * Where the CLI's client commands connect, and with which key. Each setting is taken from the
 * first source that has it, highest first:
 *
 *   1. flags: --url, --access-key-id, --secret-access-key, --region
 *   2. environment: BATON_URL, BATON_ACCESS_KEY_ID + BATON_SECRET_ACCESS_KEY (else
 *      AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY), BATON_REGION
 *   3. the config file: --config PATH, else ~/.config/baton/config.yaml (url, region,
 *      accessKeyId, secretAccessKey)
 *   4. the admin key the server wrote on its first start: ./.baton/admin-credentials (or
 *      $BATON_DATA_DIR/admin-credentials), so `npm start` then `baton start` just works
 *
 * The key id and its secret always come from the same source: a flag's key id with a secret
 * from a file would sign with a mismatched pair. The secret is never part of any message.
 */
import { join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';

export const DEFAULT_URL = 'http://127.0.0.1:8420';
export const DEFAULT_REGION = 'us-east-1';
/** The server writes its first admin key here (src/main.ts ADMIN_CREDENTIALS_FILE). */
export const ADMIN_CREDENTIALS = join('.baton', 'admin-credentials');

export interface ConnectionFlags {
  readonly url?: string | undefined;
  readonly accessKeyId?: string | undefined;
  readonly secretAccessKey?: string | undefined;
  readonly region?: string | undefined;
  readonly config?: string | undefined;
}

export interface Connection {
  readonly url: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The AWS account in ARNs, when a setting names it; otherwise discovered from the server. */
  readonly account: string | undefined;
  /** Where the key came from, for error messages (`--access-key-id`, `BATON_ACCESS_KEY_ID`...). */
  readonly credentialsFrom: string;
}

export interface ConnectionSources {
  readonly flags: ConnectionFlags;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly home: string;
  /** Returns undefined when the file does not exist. */
  readonly readFile: (path: string) => string | undefined;
}

export type ConnectionResult =
  | { readonly ok: true; readonly connection: Connection }
  | { readonly ok: false; readonly problem: string };

interface Layer {
  readonly from: string;
  readonly url?: string | undefined;
  readonly region?: string | undefined;
  readonly account?: string | undefined;
  readonly keyFrom?: string;
  readonly accessKeyId?: string | undefined;
  readonly secretAccessKey?: string | undefined;
}

/** Resolves the connection settings. Never throws; a problem says what to fix. */
export function resolveConnection(sources: ConnectionSources): ConnectionResult {
  const layers: Layer[] = [];
  const { flags, env } = sources;
  layers.push({
    from: 'flags',
    url: flags.url,
    region: flags.region,
    keyFrom: '--access-key-id/--secret-access-key',
    accessKeyId: flags.accessKeyId,
    secretAccessKey: flags.secretAccessKey,
  });
  const batonKey = nonEmpty(env['BATON_ACCESS_KEY_ID']) ?? nonEmpty(env['BATON_SECRET_ACCESS_KEY']);
  layers.push({
    from: 'environment',
    url: nonEmpty(env['BATON_URL']),
    region: nonEmpty(env['BATON_REGION']),
    account: nonEmpty(env['BATON_ACCOUNT']),
    ...(batonKey !== undefined
      ? {
          keyFrom: 'BATON_ACCESS_KEY_ID/BATON_SECRET_ACCESS_KEY',
          accessKeyId: nonEmpty(env['BATON_ACCESS_KEY_ID']),
          secretAccessKey: nonEmpty(env['BATON_SECRET_ACCESS_KEY']),
        }
      : {
          keyFrom: 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
          accessKeyId: nonEmpty(env['AWS_ACCESS_KEY_ID']),
          secretAccessKey: nonEmpty(env['AWS_SECRET_ACCESS_KEY']),
        }),
  });

  const configPath =
    flags.config !== undefined
      ? resolve(sources.cwd, flags.config)
      : join(sources.home, '.config', 'baton', 'config.yaml');
  const configText = sources.readFile(configPath);
  if (configText === undefined && flags.config !== undefined) {
    return { ok: false, problem: `--config: ${configPath} does not exist` };
  }
  if (configText !== undefined) {
    const parsed = readConfigFile(configPath, configText);
    if (!parsed.ok) return parsed;
    layers.push(parsed.layer);
  }

  const dataDir = nonEmpty(env['BATON_DATA_DIR']);
  const adminFile =
    dataDir === undefined
      ? resolve(sources.cwd, ADMIN_CREDENTIALS)
      : resolve(sources.cwd, dataDir, 'admin-credentials');
  const adminText = sources.readFile(adminFile);
  if (adminText !== undefined) layers.push(readCredentialsFile(adminFile, adminText));

  const keyLayer = layers.find(
    (l) => l.accessKeyId !== undefined || l.secretAccessKey !== undefined,
  );
  const url = layers.find((l) => l.url !== undefined)?.url ?? DEFAULT_URL;
  const region = layers.find((l) => l.region !== undefined)?.region ?? DEFAULT_REGION;
  const account = layers.find((l) => l.account !== undefined)?.account;
  if (!/^https?:\/\/[^/]+/.test(url)) {
    return { ok: false, problem: `the server URL must start with http:// or https://, got ${url}` };
  }
  if (keyLayer === undefined) {
    return {
      ok: false,
      problem:
        'no access key: set BATON_ACCESS_KEY_ID and BATON_SECRET_ACCESS_KEY (or pass --access-key-id and --secret-access-key), or run in the directory where `baton server` wrote .baton/admin-credentials',
    };
  }
  const from = keyLayer.keyFrom ?? keyLayer.from;
  if (keyLayer.accessKeyId === undefined || keyLayer.secretAccessKey === undefined) {
    const missing = keyLayer.accessKeyId === undefined ? 'access key id' : 'secret access key';
    return { ok: false, problem: `${from}: the ${missing} is missing; give both or neither` };
  }
  return {
    ok: true,
    connection: {
      url: url.replace(/\/+$/, ''),
      region,
      accessKeyId: keyLayer.accessKeyId,
      secretAccessKey: keyLayer.secretAccessKey,
      account,
      credentialsFrom: from,
    },
  };
}

const CONFIG_KEYS = ['url', 'region', 'account', 'accessKeyId', 'secretAccessKey'] as const;

function readConfigFile(
  path: string,
  text: string,
): { readonly ok: true; readonly layer: Layer } | { readonly ok: false; readonly problem: string } {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const first = document.errors[0];
  if (first !== undefined) {
    const { line, col } = lines.linePos(first.pos[0]);
    return { ok: false, problem: `${path}:${line}:${col}: ${first.message.split('\n')[0] ?? ''}` };
  }
  const value: unknown = document.toJS();
  if (value === null || value === undefined) return { ok: true, layer: { from: path } };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problem: `${path}: expected a mapping of ${CONFIG_KEYS.join(', ')}` };
  }
  const fields: Record<string, string> = {};
  for (const [key, raw] of Object.entries(value)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      return {
        ok: false,
        problem: `${path}: unknown key "${key}"; the keys are ${CONFIG_KEYS.join(', ')}`,
      };
    }
    if (typeof raw !== 'string' && typeof raw !== 'number') {
      return { ok: false, problem: `${path}: "${key}" must be a string` };
    }
    fields[key] = String(raw);
  }
  return {
    ok: true,
    layer: {
      from: path,
      url: fields['url'],
      region: fields['region'],
      account: fields['account'],
      accessKeyId: fields['accessKeyId'],
      secretAccessKey: fields['secretAccessKey'],
    },
  };
}

/** The `[baton]` profile (else the first profile) of an AWS shared-credentials file. */
function readCredentialsFile(path: string, text: string): Layer {
  const profiles = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section !== null) {
      current = new Map();
      profiles.set((section[1] ?? '').trim(), current);
      continue;
    }
    const equals = line.indexOf('=');
    if (current !== undefined && equals > 0)
      current.set(line.slice(0, equals).trim(), line.slice(equals + 1).trim());
  }
  const profile = profiles.get('baton') ?? [...profiles.values()][0];
  return {
    from: path,
    keyFrom: path,
    accessKeyId: profile?.get('aws_access_key_id'),
    secretAccessKey: profile?.get('aws_secret_access_key'),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
