/**
 * How long to wait before calling GitLab again. A 429 names its wait in `Retry-After` or
 * `RateLimit-Reset` when GitLab sends them, which it often does not (gitlab-org/gitlab#365728):
 * then, as for 5xx answers, exponential back-off from 1 s with full jitter, capped at 60 s
 * (reference/gitlab.md §3.1).
 */

export const BASE_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 60_000;

/**
 * The wait GitLab asked for, in milliseconds, or undefined when it named none.
 * `Retry-After` is seconds or an HTTP date; `RateLimit-Reset` is a Unix time in seconds.
 */
export function requestedWaitMs(headers: Headers, nowMs: number): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter !== undefined && retryAfter !== '') {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  const reset = headers.get('ratelimit-reset')?.trim();
  if (reset !== undefined && /^\d+$/.test(reset)) {
    return Math.max(0, Number(reset) * 1000 - nowMs);
  }
  return undefined;
}

/** Back-off before retry number `attempt` (0 for the first retry): full jitter. */
export function backoffMs(attempt: number, random: () => number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt);
  // Full jitter spreads clients that were throttled together; never below a tenth of the ceiling.
  return Math.round(ceiling * (0.1 + 0.9 * random()));
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = (): Error =>
      signal?.reason instanceof Error ? signal.reason : new Error('aborted');
    if (signal?.aborted === true) {
      reject(aborted());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
