/** The native REST API (/api/v1): JSON routes, an event stream and an OpenAPI document. */
export {
  registerRestApi,
  restApiPlugin,
  restRoutes,
  DEFAULT_REST_BODY_LIMIT_BYTES,
} from './plugin.js';
export type { RestApiOptions } from './plugin.js';
export { API_PREFIX, buildOpenApi, openApiPath } from './openapi.js';
export type { RestErrorCode, Problem } from './errors.js';
