/**
 * Reading GitLab's answers: bounded reads that keep the head (artifacts, JSON) or the tail (job
 * logs, where the error is at the end), and the JSON body or error text of a response.
 */
import type { ReadableStreamReadResult } from 'node:stream/web';
import type { JsonValue } from '../../common/index.js';
import { getOwn, isJsonObject, parseJsonText } from '../../common/index.js';

export interface BoundedBytes {
  readonly bytes: Uint8Array;
  /** Bytes GitLab sent in all. */
  readonly totalBytes: number;
  readonly truncated: boolean;
}

/**
 * Reads at most `limit` bytes. With `keep: 'head'` it stops (cancelling the stream) once past
 * the limit; with `keep: 'tail'` it reads to the end and keeps the last `limit` bytes.
 */
export async function readBounded(
  response: Response,
  limit: number,
  keep: 'head' | 'tail',
): Promise<BoundedBytes> {
  if (response.body === null) return { bytes: new Uint8Array(), totalBytes: 0, truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let total = 0;
  for (;;) {
    // undici types chunks as `any`; they are bytes, and the check keeps `any` out of our code.
    const result: ReadableStreamReadResult<unknown> = await reader.read();
    if (result.done) break;
    const value = result.value;
    if (!(value instanceof Uint8Array)) throw new TypeError('response body chunk is not bytes');
    total += value.byteLength;
    chunks.push(value);
    kept += value.byteLength;
    if (keep === 'head' && total > limit) {
      await reader.cancel();
      break;
    }
    // Tail: drop whole chunks that fall out of the window, so memory stays near the limit.
    while (keep === 'tail' && chunks.length > 1 && kept - (chunks[0]?.byteLength ?? 0) >= limit) {
      kept -= chunks.shift()?.byteLength ?? 0;
    }
  }
  const joined = concat(chunks, kept);
  if (total <= limit) return { bytes: joined, totalBytes: total, truncated: false };
  const bytes = keep === 'head' ? joined.slice(0, limit) : joined.slice(joined.byteLength - limit);
  return { bytes, totalBytes: total, truncated: true };
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Parses JSON text; undefined when it is not JSON (an HTML error page from a proxy, say). */
export const parseJson = parseJsonText;

/** Most characters of GitLab's error text quoted in a message. */
const MAX_QUOTED = 500;

/**
 * GitLab's explanation in an error body: `message` (a string, or an object of field errors
 * such as `{"base": ["..."]}`), else `error` and `error_description`, else the text itself.
 */
export function gitlabErrorText(body: JsonValue | undefined, text: string): string {
  const quoted = describe(body) ?? text.trim();
  return quoted.length > MAX_QUOTED ? `${quoted.slice(0, MAX_QUOTED)}…` : quoted;
}

function describe(body: JsonValue | undefined): string | undefined {
  if (!isJsonObject(body)) return undefined;
  const message = getOwn(body, 'message');
  if (typeof message === 'string') return message;
  if (message !== undefined && message !== null) return JSON.stringify(message);
  const error = getOwn(body, 'error');
  if (typeof error !== 'string') return undefined;
  const detail = getOwn(body, 'error_description');
  return typeof detail === 'string' ? `${error}: ${detail}` : error;
}
