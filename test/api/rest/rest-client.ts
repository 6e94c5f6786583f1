/**
 * A started Baton server (SQLite in a temporary directory, or PostgreSQL) and a client that
 * signs /api/v1 requests with SigV4 as the CLI does, through AWS's own signer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/api/server/index.js';
import type { BatonConfig } from '../../../src/config/index.js';
import { defaultConfig } from '../../../src/config/index.js';
import type { BatonServer } from '../../../src/main.js';
import { startBaton } from '../../../src/main.js';
import { signRequest } from '../../support/sigv4-signer.js';

export const MASTER_KEY = Buffer.alloc(32, 7).toString('hex');

export interface Credential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface Harness {
  readonly server: BatonServer;
  readonly admin: Credential;
  /** Every log line the server wrote. */
  readonly logs: string[];
  close(): Promise<void>;
}

/**
 * Starts a server. `admin` is the admin key of a database another node already started on
 * (only the first start creates one).
 */
export async function startServer(
  overrides: Partial<BatonConfig> = {},
  existingAdmin?: Credential,
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-rest-'));
  const logs: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString());
        callback();
      },
    }),
  });
  const config: BatonConfig = {
    ...defaultConfig(dir),
    port: 0,
    pollIntervalMs: 20,
    shutdownTimeoutMs: 2000,
    ...overrides,
  };
  const server = await startBaton(config, { logger, masterKey: MASTER_KEY });
  const admin = server.adminCredential ?? existingAdmin;
  if (admin === undefined) throw new Error('no admin credential on the first start');
  return {
    server,
    admin,
    logs,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Call {
  readonly method?: string;
  /** Under the server root, already percent-encoded: `/api/v1/workflows`. */
  readonly path: string;
  readonly query?: readonly (readonly [string, string])[];
  /** An object is sent as JSON; a string or Buffer as is. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON (undefined when empty or not JSON); tests read it freely. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/** Sends a request signed with `key` (unsigned when `key` is undefined). */
export async function send(
  server: BatonServer,
  key: Credential | undefined,
  call: Call,
): Promise<Answer> {
  const body =
    call.body === undefined
      ? undefined
      : typeof call.body === 'string' || Buffer.isBuffer(call.body)
        ? call.body
        : JSON.stringify(call.body);
  const method = call.method ?? (body === undefined ? 'GET' : 'POST');
  const host = new URL(server.url).host;
  const extra = {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...call.headers,
  };
  let headers: Record<string, string>;
  let url: string;
  if (key === undefined) {
    headers = extra;
    const search = (call.query ?? []).map(
      ([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`,
    );
    url = call.path + (search.length > 0 ? `?${search.join('&')}` : '');
  } else {
    const signed = await signRequest(
      {
        method,
        path: call.path,
        headers: extra,
        host,
        ...(call.query ? { query: call.query } : {}),
        ...(body === undefined ? {} : { body }),
      },
      { ...key, date: new Date() },
    );
    headers = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name !== 'host' && typeof value === 'string') headers[name] = value;
    }
    url = signed.url;
  }
  const response = await fetch(server.url + url, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined; // not JSON: the test reads `text`
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A client bound to one server and key. */
export function client(harness: Harness, key: Credential = harness.admin) {
  return (call: Call) => send(harness.server, key, call);
}

/** Polls until `check` passes (real time: the server runs for real). */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  ms = 5000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const PASS_DEFINITION = JSON.stringify({
  StartAt: 'Hi',
  States: { Hi: { Type: 'Pass', Result: { greeting: 'hello' }, End: true } },
});

export const WAIT_DEFINITION = JSON.stringify({
  StartAt: 'Hold',
  States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } },
});

export function executionPath(arn: string, suffix = ''): string {
  return `/api/v1/executions/${encodeURIComponent(arn)}${suffix}`;
}
