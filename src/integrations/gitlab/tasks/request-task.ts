/**
 * `baton:gitlab:request`: any other REST call, through the connection (its token and base URL),
 * confined to the API: Path is a path under /api/v4, never a URL, never with `..`.
 */
import type { JsonObject, JsonValue } from '../../../common/index.js';
import { getOwn, isJsonArray } from '../../../common/index.js';
import type { GitLabMethod, QueryValue } from '../client.js';
import { InvalidParametersError, pointerTo } from './parameters.js';
import type { TaskHandler } from './task-context.js';
import { signalOf, succeed } from './task-context.js';

const METHODS: readonly GitLabMethod[] = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
/** Answer headers worth passing on (pagination); others stay out of the history. */
const KEPT_HEADERS = ['x-next-page', 'x-page', 'x-per-page', 'x-total', 'x-total-pages', 'link'];

export const requestTask: TaskHandler = {
  patterns: [],
  async run(context) {
    const { params } = context;
    const method = params.oneOf('Method', METHODS, 'GET');
    const path = apiPath(params.string('Path', 2048));
    const query = queryOf(params.optionalObject('Query'));
    const body = params.raw('Body');
    params.done();
    if (body !== undefined && method === 'GET') {
      throw new InvalidParametersError('/Body', 'Body is not allowed with GET.');
    }
    const response = await context.client.request({
      method,
      path,
      query,
      ...(body === undefined ? {} : { body }),
      ...signalOf(context),
    });
    const headers: Record<string, JsonValue> = {};
    for (const name of KEPT_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    return succeed({ StatusCode: response.status, Body: response.body ?? null, Headers: headers });
  },
};

/** The path relative to /api/v4. @throws InvalidParametersError for URLs and escapes */
function apiPath(given: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(given) || given.startsWith('//')) {
    throw new InvalidParametersError(
      '/Path',
      'Path must be a path under /api/v4 such as /projects/42/pipelines, not a URL: the connection names the GitLab instance.',
    );
  }
  if (!given.startsWith('/')) {
    throw new InvalidParametersError(
      '/Path',
      'Path must start with / (for example /projects/42/pipelines).',
    );
  }
  if (/[?#\s]/.test(given)) {
    throw new InvalidParametersError(
      '/Path',
      'Path must not contain ?, # or whitespace: give the query as Query.',
    );
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(given);
  } catch {
    throw new InvalidParametersError('/Path', 'Path has a malformed %-escape.');
  }
  if (decoded.split(/[/\\]/).some((segment) => segment === '..' || segment === '.')) {
    throw new InvalidParametersError('/Path', 'Path must not contain . or .. segments.');
  }
  return given.startsWith('/api/v4/') ? given.slice('/api/v4'.length) : given;
}

function queryOf(query: JsonObject | undefined): Record<string, QueryValue> {
  const result: Record<string, QueryValue> = {};
  if (query === undefined) return result;
  for (const key of Object.keys(query)) {
    const value: JsonValue | undefined = getOwn(query, key);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      result[key] = value;
    } else if (
      isJsonArray(value) &&
      value.every((v) => typeof v === 'string' || typeof v === 'number')
    ) {
      result[key] = value.filter((v): v is string | number => typeof v !== 'object');
    } else {
      throw new InvalidParametersError(
        pointerTo('Query', key),
        'Query values must be strings, numbers, booleans or arrays of strings and numbers.',
      );
    }
  }
  return result;
}
