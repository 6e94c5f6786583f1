/**
 * The few GitLab REST calls the connection routes make (test a connection, install a project
 * hook), behind `ConnectionProbe` so the composition root can hand in the shared GitLab client
 * instead; `createFetchProbe` is a small fetch-based one. The token travels only in the
 * PRIVATE-TOKEN header and never appears in an answer or a problem text.
 */
import type { JsonObject } from '../../common/index.js';
import type { GitLabConnection } from '../../integrations/gitlab/connection.js';

export type ProbeAnswer =
  | { readonly kind: 'answered'; readonly status: number; readonly body: unknown }
  | { readonly kind: 'unreachable'; readonly problem: string };

export interface ConnectionProbe {
  /**
   * One call to `<baseUrl>/api/v4<path>`; never throws for HTTP statuses or network failures
   * (they come back as answers).
   */
  call(
    connection: GitLabConnection,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: JsonObject,
  ): Promise<ProbeAnswer>;
}

export interface FetchProbeOptions {
  /** Per call (default 10 s). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** A probe that calls GitLab with fetch. */
export function createFetchProbe(options: FetchProbeOptions = {}): ConnectionProbe {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  return {
    async call(connection, method, path, body) {
      const url = `${connection.baseUrl}/api/v4${path}`;
      let response: Response;
      try {
        response = await doFetch(url, {
          method,
          headers: {
            'private-token': connection.token,
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error: unknown) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        return {
          kind: 'unreachable',
          problem: timedOut
            ? `${connection.baseUrl} did not answer within ${timeoutMs / 1000} s`
            : `Baton could not connect to ${connection.baseUrl} (${causeText(error)}); check the URL, DNS, proxies and firewalls`,
        };
      }
      const text = await response.text();
      let parsed: unknown = undefined;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // Not JSON (an HTML error page from a proxy, say): callers see only the status.
        parsed = undefined;
      }
      return { kind: 'answered', status: response.status, body: parsed };
    },
  };
}

function causeText(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code =
    typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string'
      ? cause.code
      : undefined;
  return code ?? (cause instanceof Error ? cause.message.slice(0, 200) : 'network error');
}
