/**
 * For the connection and CI API tests: a started Baton server whose REST plugin also runs on an
 * app of its own with the GitLab options (public URL, GitLab clients) and real SigV4
 * verification of the server's admin key; and a client that sends either signed requests or
 * Bearer ID tokens. The GitLab the connection routes call is test/support/fake-gitlab.ts.
 */
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
