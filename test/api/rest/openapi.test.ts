/** The OpenAPI 3.1 document at /api/v1/openapi.json describes exactly the routes served. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginApp } from './plugin-app.js';
import { startPluginApp } from './plugin-app.js';
import type { Harness } from './rest-client.js';
import { client, send, startServer } from './rest-client.js';

let harness: Harness;
let plugin: PluginApp;
beforeAll(async () => {
  harness = await startServer();
  plugin = await startPluginApp(harness.server);
});
afterAll(async () => {
  await plugin.app.fastify.close();
  await harness.close();
});

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean }[];
  responses: Record<string, unknown>;
}
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: unknown;
};

async function document(): Promise<Document> {
  const answer = await client(harness)({ path: '/api/v1/openapi.json' });
  expect(answer.status).toBe(200);
  return answer.json as Document;
}

describe('GET /api/v1/openapi.json', () => {
  it('is OpenAPI 3.1 with the error shape as a component', async () => {
    const doc = await document();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components).toMatchObject({
      schemas: { Error: { required: ['code', 'message', 'requestId'] } },
      securitySchemes: { sigv4: expect.any(Object) },
    });
  });

  it('lists every registered /api/v1 route, and no route that is not registered', async () => {
    const doc = await document();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    const registered = plugin.routes
      .filter((route) => route.includes(' /api/v1') && !route.startsWith('HEAD '))
      .map((route) => route.replace(/:([A-Za-z]+)/g, '{$1}'))
      .sort();
    expect(registered.length).toBeGreaterThan(20);
    expect(documented).toEqual(registered);
  });

  it('declares each path template parameter, gives unique operation ids and the error responses', async () => {
    const doc = await document();
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      const placeholders = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      for (const [method, operation] of Object.entries(item)) {
        const inPath = (operation.parameters ?? []).filter((p) => p.in === 'path');
        expect(inPath.map((p) => p.name).sort(), `${method} ${path}`).toEqual(placeholders);
        expect(inPath.every((p) => p.required)).toBe(true);
        expect(ids.has(operation.operationId)).toBe(false);
        ids.add(operation.operationId);
        expect(Object.keys(operation.responses)).toEqual(
          expect.arrayContaining(['400', '401', '500']),
        );
      }
    }
  });

  it('declares Bearer ID tokens on the /ci routes only, SigV4 everywhere else', async () => {
    const doc = (await document()) as Document & {
      paths: Record<string, Record<string, Operation & { security?: unknown }>>;
    };
    expect(doc.components).toMatchObject({
      securitySchemes: { gitlabIdToken: { type: 'http', scheme: 'bearer' } },
    });
    const bearer = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => operation.security !== undefined)
        .map(([method, operation]) => {
          expect(operation.security).toEqual([{ gitlabIdToken: [] }]);
          expect(Object.keys(operation.responses)).toContain('403');
          return `${method.toUpperCase()} ${path}`;
        }),
    );
    expect(bearer.length).toBeGreaterThan(0);
    expect(bearer.every((route) => route.includes(' /api/v1/ci/'))).toBe(true);
  });

  it('is signed like every other route', async () => {
    const unsigned = await send(harness.server, undefined, { path: '/api/v1/openapi.json' });
    expect(unsigned.status).toBe(401);
  });
});
