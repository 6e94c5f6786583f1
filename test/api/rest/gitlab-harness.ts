/**
 * For the connection and CI API tests: a started Baton server whose REST plugin also runs on an
 * app of its own with the GitLab options (public URL, a probe against a fake GitLab on loopback)
 * and real SigV4 verification of the server's admin key; a fake GitLab REST API with the
 * endpoints the connection routes call; and a client that sends either signed requests or
 * Bearer ID tokens.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKeyLookup } from '../../../src/api/auth/index.js';
import type { RestApiOptions } from '../../../src/api/rest/index.js';
import { createSigV4Authenticator, parseMasterKey } from '../../../src/identity/index.js';
import type { PluginApp } from './plugin-app.js';
import { startPluginApp } from './plugin-app.js';
import type { Answer, Call, Harness } from './rest-client.js';
import { MASTER_KEY, send, startServer } from './rest-client.js';

export const PUBLIC_URL = 'https://baton.example.com';

export interface GitLabHarness {
  readonly harness: Harness;
  readonly plugin: PluginApp;
  /** Signed as the server's admin. */
  admin(call: Call): Promise<Answer>;
  /** With `Authorization: Bearer <token>` and no signature. */
  bearer(token: string, call: Call): Promise<Answer>;
  close(): Promise<void>;
}

export async function startGitLabHarness(
  overrides: Partial<RestApiOptions> = {},
): Promise<GitLabHarness> {
  const harness = await startServer();
  const masterKey = parseMasterKey(MASTER_KEY, 'test');
  const nowMs = (): number => Date.now();
  const { lookupKey } = createKeyLookup({ keys: harness.server.store.keys, masterKey, nowMs });
  const plugin = await startPluginApp(harness.server, {
    authenticate: createSigV4Authenticator({
      region: 'us-east-1',
      service: 'states',
      lookupKey,
      nowMs,
    }),
    masterKey,
    publicUrl: PUBLIC_URL,
    ...overrides,
  });
  const target = { ...harness.server, url: plugin.url };
  return {
    harness,
    plugin,
    admin: (call) => send(target, harness.admin, call),
    bearer: (token, call) =>
      send(target, undefined, {
        ...call,
        headers: { authorization: `Bearer ${token}`, ...call.headers },
      }),
    close: async () => {
      await plugin.app.fastify.close();
      await harness.close();
    },
  };
}

export interface FakeHook {
  id: number;
  url: string;
  token?: string;
  signing_token?: string;
  [flag: string]: unknown;
}

export interface FakeGitLab {
  readonly url: string;
  readonly token: string;
  /** GitLab version it reports; below 19 it ignores signing tokens. */
  version: string;
  /** Scopes of the token. */
  scopes: string[];
  /** Whether /personal_access_tokens/self exists (older instances: 404). */
  hasTokenSelf: boolean;
  /** Projects by lower-case path, with their ids. */
  readonly projects: Map<string, number>;
  readonly hooks: Map<number, FakeHook[]>;
  /** Every request: method, path (raw), PRIVATE-TOKEN given. */
  readonly requests: { method: string; path: string; token: string | undefined }[];
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** A GitLab REST API on loopback with the endpoints the connection routes use. */
export async function startFakeGitLab(): Promise<FakeGitLab> {
  let nextHook = 1;
  const state: Omit<FakeGitLab, 'url' | 'close'> = {
    token: 'glpat-fake-token-0123456789',
    version: '19.1.0',
    scopes: ['api', 'read_user'],
    hasTokenSelf: true,
    projects: new Map([['my-group/my-project', 20]]),
    hooks: new Map(),
    requests: [],
  };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const raw = request.url ?? '';
      const token = request.headers['private-token'];
      state.requests.push({
        method: request.method ?? '',
        path: raw,
        token: typeof token === 'string' ? token : undefined,
      });
      const reply = (status: number, body: unknown) =>
        response
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify(body));
      if (token !== state.token) return reply(401, { message: '401 Unauthorized' });
      const path = raw.split('?')[0] ?? '';
      if (path === '/api/v4/version') return reply(200, { version: state.version });
      if (path === '/api/v4/user') return reply(200, { id: 7, username: 'baton-bot' });
      if (path === '/api/v4/personal_access_tokens/self') {
        return state.hasTokenSelf
          ? reply(200, { id: 1, name: 'baton', scopes: state.scopes, expires_at: '2027-01-01' })
          : reply(404, { message: '404 Not Found' });
      }
      const match = /^\/api\/v4\/projects\/([^/]+)(\/hooks(?:\/(\d+))?)?$/.exec(path);
      if (match === null) return reply(404, { message: '404 Not Found' });
      const ref = decodeURIComponent(match[1] ?? '');
      const id = /^\d+$/.test(ref)
        ? [...state.projects.values()].find((v) => String(v) === ref)
        : state.projects.get(ref.toLowerCase());
      if (id === undefined) return reply(404, { message: '404 Project Not Found' });
      const pathWithNamespace = [...state.projects].find(([, v]) => v === id)?.[0];
      if (match[2] === undefined) return reply(200, { id, path_with_namespace: pathWithNamespace });
      const hooks = state.hooks.get(id) ?? [];
      state.hooks.set(id, hooks);
      const present = (hook: FakeHook) => ({
        ...Object.fromEntries(
          Object.entries(hook).filter(([k]) => k !== 'token' && k !== 'signing_token'),
        ),
        token_present: hook.token !== undefined,
        ...(Number(state.version.split('.')[0]) >= 19
          ? { signing_token_present: hook.signing_token !== undefined }
          : {}),
      });
      if (request.method === 'GET') return reply(200, hooks.map(present));
      const body = await bodyOf(request);
      if (Number(state.version.split('.')[0]) < 19) delete body['signing_token'];
      if (request.method === 'POST') {
        const hook = { ...body, id: nextHook++ } as FakeHook;
        hooks.push(hook);
        return reply(201, present(hook));
      }
      const existing = hooks.find((h) => String(h.id) === match[3]);
      if (existing === undefined) return reply(404, { message: '404 Not found' });
      Object.assign(existing, body);
      return reply(200, present(existing));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
