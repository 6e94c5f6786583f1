/** The REST plugin on an app of its own, over a started server's engine and store, for tests. */
import type { AddressInfo } from 'node:net';
import type { RestApiOptions } from '../../../src/api/rest/index.js';
import { registerRestApi } from '../../../src/api/rest/index.js';
import type { BatonApp } from '../../../src/api/server/index.js';
import { createApp, createLogger } from '../../../src/api/server/index.js';
import { MasterKey } from '../../../src/identity/index.js';
import type { BatonServer } from '../../../src/main.js';

export interface PluginApp {
  readonly app: BatonApp;
  readonly url: string;
  /** Routes registered on the app, as `METHOD url`. */
  readonly routes: string[];
  readonly logs: string[];
}

/** Listens on loopback; every request is the admin unless `authenticate` says otherwise. */
export async function startPluginApp(
  server: BatonServer,
  overrides: Partial<RestApiOptions> = {},
): Promise<PluginApp> {
  const logs: string[] = [];
  const app = createApp({
    logger: createLogger({
      level: 'debug',
      destination: {
        write: (line: string) => {
          logs.push(line);
          return true;
        },
      },
    }),
  });
  const routes: string[] = [];
  app.fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
  });
  await registerRestApi(app.fastify, {
    engine: server.engine,
    store: server.store,
    region: 'us-east-1',
    account: '123456789012',
    clock: { nowMs: () => Date.now() },
    pageTokenSecret: Buffer.alloc(32, 1),
    authenticate: () => Promise.resolve({ accessKeyId: 'BKIAAAAAAAAAAAAAAAAA', name: 'admin' }),
    masterKey: MasterKey.fromBytes(Buffer.alloc(32, 2)),
    forgetKey: () => undefined,
    ...overrides,
  });
  await app.fastify.listen({ host: '127.0.0.1', port: 0 });
  const address = app.fastify.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${address.port}`, routes, logs };
}
