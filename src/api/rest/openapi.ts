/**
 * The OpenAPI 3.1 document of the REST API, built from the route table itself, so every route
 * is described and nothing undescribed is served.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import type { RestRoute } from './route.js';
import { ERROR_SCHEMA } from './schemas.js';

export const API_PREFIX = '/api/v1';

/** `/workflows/:name` to `/workflows/{name}`. */
export function openApiPath(path: string): string {
  return API_PREFIX + path.replace(/:([A-Za-z]+)/g, '{$1}');
}

const ERROR_RESPONSES: Readonly<Record<string, string>> = {
  400: 'VALIDATION (details list every problem with a JSON pointer), INVALID_JSON or INVALID_TOKEN.',
  401: 'UNAUTHENTICATED: the request is not signed with an active Baton access key (SigV4), or, on /ci routes, carries no valid GitLab CI ID token.',
  404: 'NOT_FOUND.',
  413: 'PAYLOAD_TOO_LARGE.',
  500: 'INTERNAL: the requestId identifies the failure in the server logs.',
};

export function buildOpenApi(routes: readonly RestRoute[], version: string): JsonObject {
  const paths: Record<string, Record<string, JsonValue>> = {};
  for (const route of routes) {
    const item = (paths[openApiPath(route.path)] ??= {});
    item[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Baton native REST API',
      version,
      description:
        'Everything beyond the Step Functions API that the CLI and a web UI need. Requests are signed with AWS Signature Version 4 (service `states`) using a Baton access key, except the /ci routes, which take a GitLab CI job ID token as a Bearer token (and nothing else).',
    },
    servers: [{ url: '/' }],
    security: [{ sigv4: [] }],
    components: {
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'AWS Signature Version 4 (AWS4-HMAC-SHA256) with a Baton access key, service `states`.',
        },
        gitlabIdToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "A GitLab CI job's ID token (id_tokens in .gitlab-ci.yml) whose aud is Baton's audience; the connection's CI rules decide what it may do.",
        },
      },
      schemas: { Error: ERROR_SCHEMA },
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([status, description]) => [
          `Error${status}`,
          {
            description,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
      ),
    },
    paths,
  };
}

function operation(route: RestRoute): JsonObject {
  const parameters: JsonValue[] = [];
  for (const [where, docs] of [
    ['path', route.params],
    ['query', route.query],
    ['header', route.headers],
  ] as const) {
    for (const [name, doc] of Object.entries(docs ?? {})) {
      parameters.push({
        name,
        in: where,
        required: where === 'path' || doc.required === true,
        description: doc.description,
        schema: doc.schema,
      });
    }
  }
  const responses: Record<string, JsonValue> = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    responses[status] =
      doc.schema === undefined
        ? { description: doc.description }
        : {
            description: doc.description,
            content: { [doc.mediaType ?? 'application/json']: { schema: doc.schema } },
          };
  }
  const errors = ['400', '401', '404', '413', '500'];
  if (route.adminOnly === true || route.auth === 'gitlab-id-token') {
    responses['403'] = {
      description:
        route.auth === 'gitlab-id-token'
          ? "FORBIDDEN: no CI rule of the token's connection allows this job the action."
          : 'FORBIDDEN: only a principal named admin may call this route.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  if (route.method !== 'GET') {
    responses['409'] = {
      description:
        'CONFLICT, NOT_REDRIVABLE or LIMIT_EXCEEDED: the change does not fit the current state.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  for (const status of errors)
    responses[status] = { $ref: `#/components/responses/Error${status}` };
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.auth === 'gitlab-id-token' ? { security: [{ gitlabIdToken: [] }] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body === undefined
      ? {}
      : {
          requestBody: {
            required: route.body.required,
            content: { 'application/json': { schema: route.body.schema } },
          },
        }),
    responses,
  };
}
