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
  // A Map, then own properties: a header named `__proto__` stays a header.
  const headers = new Map<string, string[]>();
  const raw = message.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(raw[i + 1] ?? '');
    headers.set(name, values);
  }
  return {
    method: message.method ?? 'GET',
    url: message.url ?? '/',
    headers: Object.fromEntries(
      [...headers].map(([name, values]) => [name, values.length === 1 ? values[0] : values]),
    ),
    body,
  };
}
