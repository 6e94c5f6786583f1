/**
 * The GitLab REST API v4 client: one per connection. It sends the token as `PRIVATE-TOKEN`,
 * speaks JSON, bounds every call by a timeout combined with the caller's AbortSignal, retries
 * what is safe to retry (429 on idempotent calls, honouring Retry-After / RateLimit-Reset;
 * 5xx and broken connections on GETs), follows the "moved permanently" redirects of renamed
 * projects, pages through lists, and turns failures into `GitLabApiError`s named `GitLab.*`
 * whose messages quote GitLab and never the token. See reference/gitlab.md §3.
 */
import type { Clock, JsonValue } from '../../common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../common/index.js';
import type { GitLabConnection } from './connection.js';
import type { GitLabApiErrorDetails, GitLabErrorName } from './errors.js';
import { GITLAB_ERRORS, GitLabApiError, errorNameForStatus, redact } from './errors.js';
import { MAX_PER_PAGE, nextPageUrl } from './pagination.js';
import type { ProjectRef } from './project-path.js';
import { encodeProjectId, parseProjectRef } from './project-path.js';
import type { BoundedBytes } from './response-body.js';
import { gitlabErrorText, parseJson, readBounded } from './response-body.js';
import { abortableSleep, backoffMs, requestedWaitMs } from './retry-policy.js';

export type GitLabMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
export type QueryValue = string | number | boolean | readonly (string | number)[];

export interface GitLabCall {
  readonly method: GitLabMethod;
  /** Path under `/api/v4`, starting with `/`, with ids already encoded (see `projectPath`). */
  readonly path: string;
  /** Arrays become `key[]=a&key[]=b`, as GitLab's API expects. */
  readonly query?: Readonly<Record<string, QueryValue | undefined>>;
  readonly body?: JsonValue;
  /**
   * Whether sending the call twice is harmless, so a 429 may be retried in place. Defaults to
   * true for GET, PUT and DELETE.
   */
  readonly idempotent?: boolean;
  readonly signal?: AbortSignal;
}

export interface GitLabResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  readonly body: JsonValue | undefined;
}

export interface GitLabBytesResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly data: BoundedBytes;
}

export interface GitLabList {
  readonly items: readonly JsonValue[];
  /** True when the page cap stopped the listing before GitLab's last page. */
  readonly truncated: boolean;
}

export interface GitLabClientOptions {
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  /** Waits between retries; tests pass one that returns at once and records the wait. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  /** Per-request timeout, body included; defaults to 30 s. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt; defaults to 3. */
  readonly maxRetries?: number;
  /**
   * The longest wait the client sleeps through itself; beyond it the call fails with
   * GitLab.RateLimited naming the wait, and the user's Retry takes over. Defaults to 60 s.
   */
  readonly maxRetryWaitMs?: number;
  /** Pages read by `list` at most; defaults to 20 (2,000 items). */
  readonly maxPages?: number;
  /** Error bodies read at most (they go into messages only as an excerpt). */
  readonly maxErrorBodyBytes?: number;
}

export interface GitLabClient {
  readonly connection: GitLabConnection;
  /** Sends a call and returns its JSON answer. @throws GitLabApiError */
  request(call: GitLabCall): Promise<GitLabResponse>;
  /** Sends a call and reads at most `maxBytes` of the raw answer. @throws GitLabApiError */
  requestBytes(
    call: GitLabCall,
    maxBytes: number,
    keep: 'head' | 'tail',
  ): Promise<GitLabBytesResponse>;
  /** Reads every page of a GET list (100 per page) up to the page cap. @throws GitLabApiError */
  list(call: GitLabCall, maxItems?: number): Promise<GitLabList>;
  /**
   * The numeric id of a project given by id or path; paths are looked up once per client
   * (case-insensitively) and cached.
   * @throws GitLabApiError GitLab.InvalidProjectPath for a non-path, GitLab.NotFound when no
   *   project is there (or the token cannot see it)
   */
  resolveProject(project: ProjectRef | string | number, signal?: AbortSignal): Promise<number>;
}

const DEFAULTS = {
  timeoutMs: 30_000,
  maxRetries: 3,
  maxRetryWaitMs: 60_000,
  maxPages: 20,
  maxErrorBodyBytes: 64 * 1024,
};
const MAX_REDIRECTS = 3;
const MAX_CACHED_PROJECTS = 1000;

/** Builds `/projects/:id` plus `rest`, the id encoded once (every `/` as %2F). */
export function projectPath(project: ProjectRef | number, rest = ''): string {
  const ref: ProjectRef = typeof project === 'number' ? { kind: 'id', id: project } : project;
  return `/projects/${encodeProjectId(ref)}${rest}`;
}

/** Builds `/groups/:id` plus `rest`, the id or full path encoded once (every `/` as %2F). */
export function groupPath(group: ProjectRef | number, rest = ''): string {
  const ref: ProjectRef = typeof group === 'number' ? { kind: 'id', id: group } : group;
  return `/groups/${encodeProjectId(ref)}${rest}`;
}

/** Creates the client for one connection. Never throws; its calls throw GitLabApiError. */
export function createGitLabClient(
  connection: GitLabConnection,
  options: GitLabClientOptions = {},
): GitLabClient {
  const settings = settingsOf(options);
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const now = (): number => options.clock?.nowMs() ?? Date.now();
  const apiRoot = new URL(`${connection.baseUrl.replace(/\/+$/, '')}/api/v4/`);
  const secrets = [connection.token];
  const projectIds = new Map<string, number>();

  const fail = (
    name: GitLabErrorName,
    message: string,
    details: GitLabApiErrorDetails = {},
  ): GitLabApiError => new GitLabApiError(name, redact(message, secrets), details);

  function urlFor(call: GitLabCall): URL {
    const url = new URL(apiRoot.pathname.replace(/\/$/, '') + call.path, apiRoot);
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value === undefined) continue;
      if (isJsonArray(value)) {
        for (const item of value) url.searchParams.append(`${key}[]`, String(item));
      } else url.searchParams.append(key, String(value));
    }
    return url;
  }

  /** What a message may say about the call: method and path, no query (it could hold data). */
  const describe = (call: GitLabCall): string => `${call.method} ${call.path}`;

  async function fetchOnce(
    call: GitLabCall,
    url: URL,
    signal: AbortSignal,
    withToken: boolean,
  ): Promise<Response> {
    const headers = new Headers({ accept: 'application/json' });
    if (withToken) headers.set('private-token', connection.token);
    let body: string | null = null;
    if (call.body !== undefined && call.method !== 'GET') {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(call.body);
    }
    return doFetch(url, { method: call.method, headers, body, signal, redirect: 'manual' });
  }

  /** Runs `work` under the call's timeout and signal, mapping aborts and socket errors. */
  async function bounded<T>(
    call: GitLabCall,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    const signal = call.signal === undefined ? timeout : AbortSignal.any([call.signal, timeout]);
    try {
      return await work(signal);
    } catch (error: unknown) {
      if (error instanceof GitLabApiError) throw error;
      // Order matters: the caller's cancellation wins over the timeout it may have caused.
      if (call.signal?.aborted === true) {
        throw fail(GITLAB_ERRORS.aborted, `${describe(call)} was cancelled.`, { cause: error });
      }
      if (timeout.aborted) {
        throw fail(
          GITLAB_ERRORS.timeout,
          `${describe(call)} got no answer from ${apiRoot.origin} within ${settings.timeoutMs} ms.`,
        );
      }
      throw fail(
        GITLAB_ERRORS.connectionFailed,
        `${describe(call)} could not reach ${apiRoot.origin}: ${socketError(error)}.`,
      );
    }
  }

  /** One attempt, redirects followed; returns the final response with its body unread. */
  async function attempt(call: GitLabCall, signal: AbortSignal): Promise<Response> {
    let url = urlFor(call);
    let withToken = true;
    for (let hop = 0; ; hop++) {
      const response = await fetchOnce(call, url, signal, withToken);
      if (response.status < 300 || response.status > 399) return response;
      const location = response.headers.get('location');
      await response.body?.cancel();
      if (location === null || hop >= MAX_REDIRECTS) {
        throw fail(
          GITLAB_ERRORS.badRequest,
          `${describe(call)} was redirected ${location === null ? 'without a Location' : 'too many times'} (HTTP ${response.status}).`,
          { status: response.status },
        );
      }
      const next = new URL(location, url);
      if (next.origin === apiRoot.origin && next.pathname.startsWith(apiRoot.pathname)) {
        // A renamed or moved project: GitLab points at /projects/:numeric_id. Same call again.
        url = next;
        withToken = true;
      } else if (call.method === 'GET' && next.protocol === 'https:') {
        // Artifacts are served from object storage: follow, but the token stays with GitLab.
        url = next;
        withToken = false;
      } else {
        throw fail(
          GITLAB_ERRORS.badRequest,
          `${describe(call)} was redirected to ${next.origin}, outside this connection's API; not followed.`,
          { status: response.status },
        );
      }
    }
  }

  async function errorFrom(call: GitLabCall, response: Response): Promise<GitLabApiError> {
    const read = await readBounded(response, settings.maxErrorBodyBytes, 'head');
    const text = new TextDecoder().decode(read.bytes);
    const said = redact(gitlabErrorText(parseJson(text), text), secrets);
    const name = errorNameForStatus(response.status);
    const wait = response.status === 429 ? requestedWaitMs(response.headers, now()) : undefined;
    return fail(
      name,
      `GitLab answered ${response.status} to ${describe(call)}${said === '' ? '.' : `: ${said}`}`,
      {
        status: response.status,
        gitlabMessage: said,
        ...(wait === undefined ? {} : { retryAfterSeconds: Math.ceil(wait / 1000) }),
      },
    );
  }

  /**
   * Sends the call, retrying as the class comment says, and hands the successful response to
   * `read` (inside the same timeout).
   */
  async function send<T>(call: GitLabCall, read: (response: Response) => Promise<T>): Promise<T> {
    const idempotent = call.idempotent ?? call.method !== 'POST';
    for (let retry = 0; ; retry++) {
      const outcome = await bounded(call, async (signal) => {
        let response: Response;
        try {
          response = await attempt(call, signal);
        } catch (error: unknown) {
          if (error instanceof GitLabApiError || signal.aborted || call.method !== 'GET') {
            throw error;
          }
          return { kind: 'retry' as const, error };
        }
        if (response.status >= 200 && response.status <= 299) {
          return { kind: 'done' as const, value: await read(response) };
        }
        return { kind: 'failed' as const, error: await errorFrom(call, response) };
      });
      if (outcome.kind === 'done') return outcome.value;
      const canRetry = retry < settings.maxRetries;
      if (outcome.kind === 'retry') {
        if (!canRetry) {
          throw fail(
            GITLAB_ERRORS.connectionFailed,
            `${describe(call)} could not reach ${apiRoot.origin} after ${retry + 1} attempts: ${socketError(outcome.error)}.`,
          );
        }
        await pause(call, backoffMs(retry, random));
        continue;
      }
      const error = outcome.error;
      if (error.status === 429) {
        const waitMs =
          error.retryAfterSeconds === undefined
            ? backoffMs(retry, random)
            : error.retryAfterSeconds * 1000;
        if (idempotent && canRetry && waitMs <= settings.maxRetryWaitMs) {
          await pause(call, waitMs);
          continue;
        }
        throw fail(
          GITLAB_ERRORS.rateLimited,
          `${error.message} GitLab is rate-limiting this token; retry after ${Math.ceil(waitMs / 1000)} s.`,
          {
            status: 429,
            retryAfterSeconds: Math.ceil(waitMs / 1000),
            ...(error.gitlabMessage === undefined ? {} : { gitlabMessage: error.gitlabMessage }),
          },
        );
      }
      if (error.status !== undefined && error.status >= 500 && call.method === 'GET' && canRetry) {
        await pause(call, backoffMs(retry, random));
        continue;
      }
      throw error;
    }
  }

  async function pause(call: GitLabCall, ms: number): Promise<void> {
    try {
      await sleep(ms, call.signal);
    } catch (error: unknown) {
      throw fail(GITLAB_ERRORS.aborted, `${describe(call)} was cancelled while waiting to retry.`, {
        cause: error,
      });
    }
  }

  async function readJson(response: Response): Promise<GitLabResponse> {
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: parseJson(text) };
  }

  const client: GitLabClient = {
    connection,
    request: (call) => send(call, readJson),
    requestBytes: (call, maxBytes, keep) =>
      send(call, async (response) => ({
        status: response.status,
        headers: response.headers,
        data: await readBounded(response, maxBytes, keep),
      })),
    async list(call, maxItems = Number.POSITIVE_INFINITY) {
      const items: JsonValue[] = [];
      let page: GitLabCall = {
        ...call,
        query: { per_page: MAX_PER_PAGE, ...call.query },
      };
      for (let pages = 1; ; pages++) {
        const { next, body } = await send(page, async (response) => {
          const read = await readJson(response);
          return { body: read.body, next: nextPageUrl(urlFor(page), read.headers, apiRoot) };
        });
        if (!isJsonArray(body)) {
          throw fail(GITLAB_ERRORS.serverError, `${describe(call)} did not answer with a list.`);
        }
        items.push(...body);
        if (items.length >= maxItems) return { items: items.slice(0, maxItems), truncated: true };
        if (next === undefined) return { items, truncated: false };
        if (pages >= settings.maxPages) return { items, truncated: true };
        page = {
          ...call,
          path: next.pathname.slice(apiRoot.pathname.length - 1),
          query: queryOf(next),
        };
      }
    },
    async resolveProject(project, signal) {
      if (typeof project === 'object') return resolveRef(project, signal);
      const parsed = parseProjectRef(project, { instanceUrl: connection.baseUrl });
      if (!parsed.ok) throw fail(GITLAB_ERRORS.invalidProjectPath, parsed.message);
      return resolveRef(parsed.ref, signal);
    },
  };

  async function resolveRef(ref: ProjectRef, signal: AbortSignal | undefined): Promise<number> {
    if (ref.kind === 'id') return ref.id;
    const key = ref.path.toLowerCase();
    const cached = projectIds.get(key);
    if (cached !== undefined) return cached;
    let response: GitLabResponse;
    try {
      response = await client.request({
        method: 'GET',
        path: projectPath(ref),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error: unknown) {
      if (error instanceof GitLabApiError && error.status === 404) {
        throw fail(
          GITLAB_ERRORS.notFound,
          `No project at ${ref.path} (it may be a group, or the token cannot see it).`,
          { status: 404 },
        );
      }
      throw error;
    }
    const id = numericField(response.body, 'id');
    if (id === undefined) {
      throw fail(
        GITLAB_ERRORS.serverError,
        `GET ${projectPath(ref)} answered without a project id.`,
      );
    }
    if (projectIds.size >= MAX_CACHED_PROJECTS) {
      const oldest = projectIds.keys().next().value;
      if (oldest !== undefined) projectIds.delete(oldest);
    }
    projectIds.set(key, id);
    return id;
  }

  return client;
}

/** The query of a next-page URL as a call's query (GitLab's `key[]` names kept verbatim). */
function queryOf(url: URL): Record<string, QueryValue> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const existing = query[key];
    if (existing === undefined) query[key] = value;
    else query[key] = [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  // `key[]` entries would be suffixed again by urlFor: strip the brackets, urlFor adds them.
  const result: Record<string, QueryValue> = {};
  for (const [key, value] of Object.entries(query)) {
    if (key.endsWith('[]')) result[key.slice(0, -2)] = Array.isArray(value) ? value : [value];
    else result[key] = Array.isArray(value) ? value.join(',') : value;
  }
  return result;
}

/** A numeric id field, accepting GitLab's occasional string-typed numbers. */
export function numericField(body: JsonValue | undefined, field: string): number | undefined {
  if (!isJsonObject(body)) return undefined;
  const value = getOwn(body, field);
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) ? number : undefined;
}

function socketError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner: unknown = error.cause;
  if (inner instanceof Error) {
    const code = 'code' in inner && typeof inner.code === 'string' ? `${inner.code} ` : '';
    return `${code}${inner.message}`.trim();
  }
  return error.message;
}

function settingsOf(options: GitLabClientOptions): typeof DEFAULTS {
  return {
    timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    maxRetries: options.maxRetries ?? DEFAULTS.maxRetries,
    maxRetryWaitMs: options.maxRetryWaitMs ?? DEFAULTS.maxRetryWaitMs,
    maxPages: options.maxPages ?? DEFAULTS.maxPages,
    maxErrorBodyBytes: options.maxErrorBodyBytes ?? DEFAULTS.maxErrorBodyBytes,
  };
}
