/**
 * Turns a Node request into the `AuthRequest` that identity/ verifies. Headers come from
 * `rawHeaders`, not `headers`: Node joins repeated headers with ", " (or drops repeats of some,
 * such as Authorization and Host), while SigV4 joins repeats with "," and a verifier must see
 * an injected second Authorization to refuse it.
 */
import type { IncomingMessage } from 'node:http';
import type { AuthRequest } from '../../identity/index.js';

/** The request as sent: method, raw URL, headers by lower-case name (arrays when repeated). */
export function authRequestFromNode(
  message: Pick<IncomingMessage, 'method' | 'url' | 'rawHeaders'>,
  body: Buffer,
): AuthRequest {
  // Built in place, one pass, with no Map or entry arrays in between: this runs on every
  // signed request.
  const headers: Record<string, string | string[]> = {};
  const raw = message.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    const known = Object.hasOwn(headers, name) ? headers[name] : undefined;
    if (known === undefined) setHeader(headers, name, value);
    else if (typeof known === 'string') setHeader(headers, name, [known, value]);
    else known.push(value);
  }
  return { method: message.method ?? 'GET', url: message.url ?? '/', headers, body };
}

/**
 * Assignment would do for every name but `__proto__`, which on a plain object sets the
 * prototype (Object.prototype's only setter): that one is defined as an own property, so a
 * header named `__proto__` stays a header.
 */
function setHeader(
  headers: Record<string, string | string[]>,
  name: string,
  value: string | string[],
): void {
  if (name === '__proto__') {
    Object.defineProperty(headers, name, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    headers[name] = value;
  }
}
