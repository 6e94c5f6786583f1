/**
 * The HTTP task (`arn:aws:states:::http:invoke`): calls an HTTP(S) API from a Task state, with
 * the parameters, output shape and error names AWS Step Functions documents at
 * https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html
 */
import type { ReadableStreamReadResult } from 'node:stream/web';
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonObject, parseJsonText } from '../../common/index.js';
import type { TaskOutcome, TaskRequest, TaskRunner } from '../task-runner.js';
import type { ArrayFormat } from './url-encoding.js';
import { encodeFormBody, isArrayFormat } from './url-encoding.js';

export const HTTP_INVOKE_RESOURCE = 'arn:aws:states:::http:invoke';

/** AWS: an HTTP task fails with States.Http.Socket when the call takes over 60 seconds. */
const MAX_TIMEOUT_SECONDS = 60;
/** The Step Functions payload limit (256 KiB); AWS fails larger responses too. */
const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024;
/** How much of a failed response's body goes into the error cause. */
const CAUSE_BODY_EXCERPT_CHARS = 1024;

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;
type Method = (typeof METHODS)[number];

/**
 * Error names. The `States.Http.*` ones are AWS's (so `ErrorEquals` written for AWS works);
 * the `Http.*` ones are Baton's, for failures AWS rejects before running the task.
 */
export const HTTP_TASK_ERRORS = Object.freeze({
  socket: 'States.Http.Socket',
  statusCodePrefix: 'States.Http.StatusCode.',
  invalidParameters: 'Http.InvalidParameters',
  responseTooLarge: 'Http.ResponseTooLarge',
  aborted: 'Http.Aborted',
});

export interface HttpTaskOptions {
  /** Largest response body read, in bytes; defaults to 256 KiB. */
  readonly maxResponseBytes?: number;
}

interface HttpCall {
  readonly method: Method;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: string | undefined;
}

type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const fail = (error: string, cause: string): TaskOutcome => ({ ok: false, error, cause });
const invalid = (problem: string): TaskOutcome => fail(HTTP_TASK_ERRORS.invalidParameters, problem);
const parsed = <T>(value: T): Parsed<T> => ({ ok: true, value });
const problem = <T>(text: string): Parsed<T> => ({ ok: false, problem: text });

function isMethod(value: unknown): value is Method {
  return METHODS.some((method) => method === value);
}

function parseEndpoint(value: JsonValue | undefined): Parsed<URL> {
  if (value === undefined) return problem('ApiEndpoint is required: give the URL to call.');
  if (typeof value !== 'string') return problem('ApiEndpoint must be a string URL.');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return problem(
      `ApiEndpoint is not a valid absolute URL: ${JSON.stringify(value.slice(0, 200))}.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return problem(`ApiEndpoint must use https or http, not ${url.protocol.replace(/:$/, '')}.`);
  }
  if (url.username !== '' || url.password !== '') {
    // Credentials belong in a connection, not in the definition or the execution history.
    return problem('ApiEndpoint must not contain credentials (user:password@).');
  }
  return parsed(url);
}

function parseMethod(value: JsonValue | undefined): Parsed<Method> {
  if (value === undefined) return problem(`Method is required: one of ${METHODS.join(', ')}.`);
  if (!isMethod(value)) {
    return problem(
      `Method ${JSON.stringify(value)} is not supported: use one of ${METHODS.join(', ')}.`,
    );
  }
  return parsed(value);
}

/** Headers and QueryParameters are flat maps of scalar values. */
function parseStringMap(
  name: string,
  value: JsonValue | undefined,
): Parsed<readonly (readonly [string, string])[]> {
  if (value === undefined) return parsed([]);
  if (!isJsonObject(value)) return problem(`${name} must be an object of name/value pairs.`);
  const entries: (readonly [string, string])[] = [];
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      return problem(`${name}.${key} must be a string, number or boolean.`);
    }
    entries.push([key, String(item)]);
  }
  return parsed(entries);
}

function parseHeaders(value: JsonValue | undefined): Parsed<Headers> {
  const entries = parseStringMap('Headers', value);
  if (!entries.ok) return entries;
  const headers = new Headers();
  for (const [name, text] of entries.value) {
    try {
      headers.append(name, text);
    } catch {
      // Only the name is reported: header values may hold secrets.
      return problem(`Headers.${name} is not a valid HTTP header name or value.`);
    }
  }
  return parsed(headers);
}

function parseArrayFormat(transform: JsonObject): Parsed<ArrayFormat> {
  const options = getOwn(transform, 'RequestEncodingOptions');
  if (options === undefined) return parsed('INDICES');
  if (!isJsonObject(options)) return problem('Transform.RequestEncodingOptions must be an object.');
  const format = getOwn(options, 'ArrayFormat');
  if (format === undefined) return parsed('INDICES');
  if (!isArrayFormat(format)) {
    return problem(
      `Transform.RequestEncodingOptions.ArrayFormat ${JSON.stringify(format)} is not supported: use INDICES, REPEAT, COMMAS or BRACKETS.`,
    );
  }
  return parsed(format);
}

/** The request body text, and the Content-Type it implies when the definition sets none. */
function encodeBody(
  body: JsonValue | undefined,
  transform: JsonValue | undefined,
): Parsed<{ readonly text: string; readonly contentType: string } | undefined> {
  if (transform !== undefined && !isJsonObject(transform))
    return problem('Transform must be an object.');
  const encoding = transform === undefined ? undefined : getOwn(transform, 'RequestBodyEncoding');
  if (encoding !== undefined && encoding !== 'NONE' && encoding !== 'URL_ENCODED') {
    return problem(
      `Transform.RequestBodyEncoding ${JSON.stringify(encoding)} is not supported: use NONE or URL_ENCODED.`,
    );
  }
  if (body === undefined) return parsed(undefined);
  if (encoding === 'URL_ENCODED' && transform !== undefined) {
    if (!isJsonObject(body))
      return problem('RequestBody must be a JSON object when RequestBodyEncoding is URL_ENCODED.');
    const format = parseArrayFormat(transform);
    if (!format.ok) return format;
    return parsed({
      text: encodeFormBody(body, format.value),
      contentType: 'application/x-www-form-urlencoded',
    });
  }
  if (typeof body === 'string')
    return parsed({ text: body, contentType: 'text/plain; charset=utf-8' });
  return parsed({ text: JSON.stringify(body), contentType: 'application/json' });
}

function parseCall(input: JsonValue): Parsed<HttpCall> {
  if (!isJsonObject(input))
    return problem('The HTTP task needs Parameters (or Arguments) that are an object.');
  const url = parseEndpoint(getOwn(input, 'ApiEndpoint'));
  if (!url.ok) return url;
  const method = parseMethod(getOwn(input, 'Method'));
  if (!method.ok) return method;
  const query = parseStringMap('QueryParameters', getOwn(input, 'QueryParameters'));
  if (!query.ok) return query;
  const headers = parseHeaders(getOwn(input, 'Headers'));
  if (!headers.ok) return headers;
  const body = encodeBody(getOwn(input, 'RequestBody'), getOwn(input, 'Transform'));
  if (!body.ok) return body;
  if (body.value !== undefined && (method.value === 'GET' || method.value === 'HEAD')) {
    return problem(
      `RequestBody is not allowed with ${method.value}: remove it or use another Method.`,
    );
  }
  // Authentication.ConnectionArn is accepted and ignored: AWS reads credentials from an
  // EventBridge connection; Baton's connections come in a later issue.
  const target = new URL(url.value);
  for (const [name, text] of query.value) target.searchParams.append(name, text);
  if (body.value !== undefined && !headers.value.has('content-type')) {
    headers.value.set('content-type', body.value.contentType);
  }
  return parsed({
    method: method.value,
    url: target,
    headers: headers.value,
    body: body.value?.text,
  });
}

/** `scheme://host/path` only: the query string may carry API keys. */
function describeTarget(call: HttpCall): string {
  return `${call.method} ${call.url.origin}${call.url.pathname}`;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner: unknown = error.cause;
  if (inner instanceof Error) {
    const code = 'code' in inner && typeof inner.code === 'string' ? `${inner.code}: ` : '';
    return `${code}${inner.message}`;
  }
  return error.message;
}

type BodyRead =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly received: number };

/** Reads at most `limit` bytes; stops (and cancels the stream) as soon as there are more. */
async function readBounded(response: Response, limit: number): Promise<BodyRead> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await response.body?.cancel();
    return { ok: false, received: declared };
  }
  if (response.body === null) return { ok: true, bytes: new Uint8Array() };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    // undici types chunks as `any`; they are bytes, and the check keeps `any` out of our code.
    const result: ReadableStreamReadResult<unknown> = await reader.read();
    if (result.done) break;
    const value = result.value;
    if (!(value instanceof Uint8Array)) throw new TypeError('response body chunk is not bytes');
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return { ok: false, received: total };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}

/** AWS returns each header as a list of values. */
function responseHeaders(headers: Headers): JsonObject {
  const result: Record<string, JsonValue> = {};
  headers.forEach((value, name) => {
    result[name] = name === 'set-cookie' ? headers.getSetCookie() : [value];
  });
  return result;
}

const JSON_CONTENT_TYPE = /^application\/([\w.+-]+\+)?json\b/i;

/** Parsed JSON when the response says it is JSON (and is), else the text. */
function responseBody(contentType: string | null, text: string): JsonValue {
  if (contentType === null || !JSON_CONTENT_TYPE.test(contentType)) return text;
  // A server that labels non-JSON as JSON still gets its body through, as text.
  return text.trim() === '' ? text : (parseJsonText(text) ?? text);
}

function statusFailure(status: number, statusText: string, text: string): TaskOutcome {
  const excerpt =
    text.length > CAUSE_BODY_EXCERPT_CHARS ? `${text.slice(0, CAUSE_BODY_EXCERPT_CHARS)}…` : text;
  return fail(
    `${HTTP_TASK_ERRORS.statusCodePrefix}${status}`,
    JSON.stringify({ StatusCode: status, StatusText: statusText, ResponseBody: excerpt }),
  );
}

async function invoke(
  call: HttpCall,
  request: TaskRequest,
  maxResponseBytes: number,
): Promise<TaskOutcome> {
  const seconds = Math.min(request.timeoutSeconds ?? MAX_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS);
  const timeout = AbortSignal.timeout(Math.max(0, seconds * 1000));
  const signal = AbortSignal.any([request.signal, timeout]);
  try {
    const response = await fetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body ?? null,
      signal,
    });
    const read = await readBounded(response, maxResponseBytes);
    const isSuccess = response.status >= 200 && response.status <= 299;
    if (!read.ok && !isSuccess) {
      // The status is what a Catch needs; an oversized error page must not hide it.
      return statusFailure(
        response.status,
        response.statusText,
        `(body of at least ${read.received} bytes not read)`,
      );
    }
    if (!read.ok) {
      return fail(
        HTTP_TASK_ERRORS.responseTooLarge,
        `${describeTarget(call)} answered with more than ${maxResponseBytes} bytes (at least ${read.received}); the limit is the task payload size.`,
      );
    }
    const text = new TextDecoder().decode(read.bytes);
    if (!isSuccess) return statusFailure(response.status, response.statusText, text);
    return {
      ok: true,
      output: {
        Headers: responseHeaders(response.headers),
        ResponseBody: responseBody(response.headers.get('content-type'), text),
        StatusCode: response.status,
        StatusText: response.statusText,
      },
    };
  } catch (error: unknown) {
    // Order matters: the engine's cancellation wins over the timeout it may have caused.
    if (request.signal.aborted) {
      return fail(
        HTTP_TASK_ERRORS.aborted,
        `${describeTarget(call)} was cancelled: ${describeError(request.signal.reason)}`,
      );
    }
    if (timeout.aborted) {
      return fail(
        HTTP_TASK_ERRORS.socket,
        `${describeTarget(call)} did not complete within ${seconds} seconds.`,
      );
    }
    return fail(HTTP_TASK_ERRORS.socket, `${describeTarget(call)} failed: ${describeError(error)}`);
  }
}

/**
 * Creates the TaskRunner for `arn:aws:states:::http:invoke`.
 * Its outcome is `{ Headers, ResponseBody, StatusCode, StatusText }` for a 2xx response, or
 * fails with: `States.Http.StatusCode.<code>` for any other status (cause: status and a body
 * excerpt, never request headers); `States.Http.Socket` when the call cannot connect, breaks,
 * or exceeds min(TimeoutSeconds, 60) s; `Http.InvalidParameters` when the parameters are
 * unusable; `Http.ResponseTooLarge` beyond `maxResponseBytes`; `Http.Aborted` when the
 * engine cancels the task. It never throws.
 */
export function createHttpTaskRunner(options: HttpTaskOptions = {}): TaskRunner {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return {
    async run(request: TaskRequest): Promise<TaskOutcome> {
      const call = parseCall(request.input);
      if (!call.ok) return invalid(call.problem);
      return invoke(call.value, request, maxResponseBytes);
    },
  };
}
