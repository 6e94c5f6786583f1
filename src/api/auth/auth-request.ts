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
  const headers: Record<string, string | string[]> = {};
  const raw = message.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else if (typeof existing === 'string') headers[name] = [existing, value];
    else existing.push(value);
  }
  return { method: message.method ?? 'GET', url: message.url ?? '/', headers, body };
}
