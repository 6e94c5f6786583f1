/**
 * A small Step Functions client for the CLI: AWS JSON 1.0 over fetch, every request signed
 * with `signRequest` (the verifier's own canonical-request code). Failures become
 * `ClientError`s whose message says what went wrong and what to do about it.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { signRequest } from '../../identity/index.js';
import type { Connection } from './connection.js';

/**
 * Why a call failed:
 * - `unreachable`: nothing answers at the URL (or it is not a Baton server);
 * - `auth`: the server refused the key or the signature;
 * - `request`: the server rejected the request (unknown workflow, bad input...);
 * - `server`: the server failed (5xx).
 */
export type ClientErrorKind = 'unreachable' | 'auth' | 'request' | 'server';

export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    readonly kind: ClientErrorKind,
    message: string,
    /** AWS's exception name, e.g. `StateMachineDoesNotExist`, when the server sent one. */
    readonly type?: string,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  readonly fetch?: typeof fetch;
  readonly nowMs?: () => number;
  /** Per-request time limit (default 90 s: GetActivityTask holds a request for 60 s). */
  readonly timeoutMs?: number;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export class SfnClient {
  private readonly fetch: typeof fetch;
  private readonly nowMs: () => number;
  private readonly timeoutMs: number;
  private account: string | undefined;

  constructor(
    readonly connection: Connection,
    options: ClientOptions = {},
  ) {
    this.fetch = options.fetch ?? fetch;
    this.nowMs = options.nowMs ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 90_000;
    this.account = connection.account;
  }

  /**
   * Calls `AWSStepFunctions.<action>` with `body` and returns the response object.
   * @throws ClientError on any failure, with a message that says what to do.
   */
  async call(action: string, body: JsonObject, options: CallOptions = {}): Promise<JsonObject> {
    const { url, region, accessKeyId, secretAccessKey } = this.connection;
    const text = JSON.stringify(body);
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AWSStepFunctions.${action}`,
    };
    const signed = signRequest({
      method: 'POST',
      url: `${url}/`,
      headers,
      body: text,
      region,
      service: 'states',
      accessKeyId,
      secretAccessKey,
      nowMs: this.nowMs(),
    });
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal =
      options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    let response: Response;
    let answer: string;
    try {
      response = await this.fetch(`${url}/`, {
        method: 'POST',
        headers: { ...headers, ...signed },
        body: text,
        signal,
      });
      answer = await response.text();
    } catch (error: unknown) {
      if (options.signal?.aborted === true) throw error;
      throw unreachable(url, error);
    }
    const parsed = parseBody(answer);
    if (response.ok) {
      if (parsed === undefined) {
        throw new ClientError(
          'unreachable',
          `${url} answered, but not with Step Functions JSON: is it a Baton server? Check --url or BATON_URL.`,
        );
      }
      return parsed;
    }
    throw apiError(this.connection, response.status, parsed);
  }

  /**
   * Calls the native REST API (`/api/v1` + `path`), signed the same way, and returns the JSON
   * answer (undefined for 204). REST errors are `{code, message, requestId}`.
   * @throws ClientError on any failure, with a message that says what to do.
   */
  async rest(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: JsonObject,
  ): Promise<JsonObject | undefined> {
    const { url, region, accessKeyId, secretAccessKey } = this.connection;
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> =
      body === undefined ? {} : { 'content-type': 'application/json' };
    const target = `${url}/api/v1${path}`;
    const signed = signRequest({
      method,
      url: target,
      headers,
      body: text,
      region,
      service: 'states',
      accessKeyId,
      secretAccessKey,
      nowMs: this.nowMs(),
    });
    let response: Response;
    let answer: string;
    try {
      response = await this.fetch(target, {
        method,
        headers: { ...headers, ...signed },
        ...(body === undefined ? {} : { body: text }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      answer = await response.text();
    } catch (error: unknown) {
      throw unreachable(url, error);
    }
    if (response.status === 204) return undefined;
    const parsed = parseBody(answer);
    if (response.ok && parsed !== undefined) return parsed;
    const code = parsed?.['code'];
    const message = parsed?.['message'];
    const text2 = typeof message === 'string' ? message : `HTTP ${response.status}`;
    const kind =
      response.status >= 500
        ? 'server'
        : response.status === 401
          ? 'auth'
          : response.status === 404 && code === undefined
            ? 'unreachable'
            : 'request';
    throw new ClientError(
      kind,
      response.status === 401
        ? `the server refused the request's signature or key (${text2}): check ${CREDENTIAL_HINT}`
        : text2,
      typeof code === 'string' ? code : undefined,
    );
  }

  /**
   * The account in this server's ARNs: from the settings, else from the first ARN the server
   * lists, else Baton's default. Cached.
   */
  async resolveAccount(): Promise<string> {
    if (this.account !== undefined) return this.account;
    for (const [action, list, field] of [
      ['ListStateMachines', 'stateMachines', 'stateMachineArn'],
      ['ListActivities', 'activities', 'activityArn'],
    ] as const) {
      const page = await this.call(action, { maxResults: 1 });
      const items = page[list];
      const first: unknown = Array.isArray(items) ? items[0] : undefined;
      const arn = isObject(first) ? first[field] : undefined;
      const account = typeof arn === 'string' ? arn.split(':')[4] : undefined;
      if (account !== undefined && /^\d{12}$/.test(account)) return (this.account = account);
    }
    return (this.account = '123456789012');
  }

  /** `arn:aws:states:REGION:ACCOUNT:<resource>`. */
  async arn(resource: string): Promise<string> {
    return `arn:aws:states:${this.connection.region}:${await this.resolveAccount()}:${resource}`;
  }
}

function parseBody(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text);
    return isObject(value) ? value : undefined;
  } catch {
    // Not JSON: the caller reports what kind of answer it expected.
    return undefined;
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unreachable(url: string, error: unknown): ClientError {
  const cause = error instanceof Error ? (error.cause ?? error) : error;
  const code = isObjectLike(cause) && typeof cause['code'] === 'string' ? cause['code'] : '';
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new ClientError(
      'unreachable',
      `${url} did not answer in time: is the server overloaded?`,
    );
  }
  const what =
    code === 'ECONNREFUSED'
      ? `no Baton server at ${url}: start one with \`baton server\`, or point --url (BATON_URL) at yours`
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `cannot resolve the host of ${url}: check --url or BATON_URL`
        : `cannot reach ${url} (${code || (cause instanceof Error ? cause.message : String(cause))}): check --url or BATON_URL`;
  return new ClientError('unreachable', what);
}

function isObjectLike(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const CREDENTIAL_HINT =
  'BATON_ACCESS_KEY_ID/BATON_SECRET_ACCESS_KEY, --access-key-id/--secret-access-key, or .baton/admin-credentials';

/** What to do about each exception, by AWS's name. */
const ADVICE: Readonly<Record<string, (message: string, connection: Connection) => string>> = {
  UnrecognizedClientException: (_m, c) =>
    `the access key ${c.accessKeyId} (from ${c.credentialsFrom}) is unknown to this server: check ${CREDENTIAL_HINT}`,
  InvalidSignatureException: (m, c) =>
    m.includes('does not match')
      ? `the secret access key (from ${c.credentialsFrom}) does not belong to access key ${c.accessKeyId}: check ${CREDENTIAL_HINT}`
      : m.includes('region')
        ? `the server does not serve region ${c.region}: set --region or BATON_REGION to the server's region`
        : m.includes('expired') || m.includes('not yet current')
          ? `this machine's clock differs from the server's by more than 15 minutes: fix the clock (${m})`
          : `the server refused the signature: ${m}`,
  IncompleteSignatureException: (m) => `the server refused the signature: ${m}`,
  MissingAuthenticationTokenException: () =>
    `the server wants a signed request: check ${CREDENTIAL_HINT}`,
  StateMachineDoesNotExist: (m) =>
    `${m}: deploy it with \`baton deploy FILE\`, or list workflows with \`aws stepfunctions list-state-machines\``,
  ExecutionDoesNotExist: (m) => `${m}: list executions with \`baton executions\``,
  ActivityDoesNotExist: (m) => `${m}: check the activity name`,
  ExecutionAlreadyExists: (m) => `${m}: pick another --name (names are unique per workflow)`,
  InvalidExecutionInput: (m) => `${m}: --input must be JSON, e.g. '{"key": "value"}'`,
  InvalidOutput: (m) => `${m}: the task output must be JSON`,
  TaskDoesNotExist: (m) => `${m}: the token is unknown, or its task already finished`,
  TaskTimedOut: (m) => `${m}: the task timed out or finished before this call`,
  InvalidToken: (m) => `${m}: check --token`,
  ExecutionNotRedrivable: (m) =>
    `${m}: only FAILED, TIMED_OUT or ABORTED executions can be redriven`,
};

function apiError(
  connection: Connection,
  status: number,
  body: JsonObject | undefined,
): ClientError {
  const rawType = body?.['__type'];
  const message = body?.['message'] ?? body?.['Message'];
  const type =
    typeof rawType === 'string' ? rawType.slice(rawType.lastIndexOf('#') + 1) : undefined;
  const text = typeof message === 'string' ? message.replace(/\.$/, '') : `HTTP ${status}`;
  if (type === undefined) {
    return new ClientError(
      status >= 500 ? 'server' : 'unreachable',
      status === 404
        ? `${connection.url} is not a Step Functions endpoint (HTTP 404): check --url or BATON_URL`
        : `${connection.url} answered HTTP ${status}: ${text}`,
    );
  }
  const advice = ADVICE[type];
  const kind =
    status >= 500
      ? 'server'
      : type.endsWith('SignatureException') ||
          type === 'UnrecognizedClientException' ||
          type === 'MissingAuthenticationTokenException'
        ? 'auth'
        : 'request';
  return new ClientError(
    kind,
    advice === undefined ? `${type}: ${text}` : advice(text, connection),
    type,
  );
}

/** A string member of a response, or undefined. */
export function stringField(object: JsonObject, name: string): string | undefined {
  const value: JsonValue | undefined = object[name];
  return typeof value === 'string' ? value : undefined;
}
