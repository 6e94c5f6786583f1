/**
 * Retry and Catch decisions, as pure functions. The engine keeps the per-retrier attempt
 * counters with the execution and turns a `retry` decision into a timer (STYLE §2: waiting is
 * data); nothing here sleeps or reads a clock.
 *
 * Sources: ASL spec "Retrying after error" and "Fallback states"
 * (https://states-language.net/spec.html#retrying-after-error), AWS concepts-error-handling
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 */
import type { Catcher, Retrier } from './definition/types.js';
import { StatesErrorNames, matchesErrorEquals } from './errors.js';
import type { RandomSource } from './evaluation-context.js';

/** AWS defaults for omitted Retrier fields (concepts-error-handling, "Retrier fields"). */
export const RetrierDefaults = Object.freeze({
  IntervalSeconds: 1,
  MaxAttempts: 3,
  BackoffRate: 2.0,
});

export type RetryDecision =
  /** Run the state again after `delaySeconds`; count one more attempt on `retrierIndex`. */
  | { readonly kind: 'retry'; readonly retrierIndex: number; readonly delaySeconds: number }
  /** No retrier applies, or the one that applies has used its MaxAttempts: go to Catch. */
  | { readonly kind: 'exhausted' };

export type CatchDecision =
  { readonly kind: 'caught'; readonly catcherIndex: number } | { readonly kind: 'uncaught' };

/**
 * Errors AWS never retries, whatever the retrier names: "A States.Runtime error isn't
 * retriable, and will always cause the execution to fail", and States.DataLimitExceeded is a
 * terminal error (concepts-error-handling, "States.Runtime", "States.DataLimitExceeded").
 */
const NEVER_RETRIED: ReadonlySet<string> = new Set([
  StatesErrorNames.Runtime,
  StatesErrorNames.DataLimitExceeded,
]);

/**
 * Decides whether a failed state runs again.
 *
 * The first retrier whose `ErrorEquals` matches is the one used; retriers that don't match are
 * skipped. If that retrier has already made MaxAttempts retries the error goes on to Catch:
 * later retriers are not consulted (ASL spec: the interpreter "implements the retry policy
 * described in that Retrier"; AWS's "Complex retry scenarios": the fourth error "matches the
 * first retrier. However, it already reached its maximum ... Therefore, that retrier fails").
 * Each retrier keeps its own count across every error of one visit to the state; the counts
 * start again when the state is entered anew, so the caller resets `attemptsByRetrier` then.
 *
 * The delay before retry n (n = 1, 2, ...) is IntervalSeconds × BackoffRate^(n-1), capped at
 * MaxDelaySeconds; with JitterStrategy FULL it is drawn uniformly from [0, that delay].
 *
 * @param retriers the state's `Retry` array (validated)
 * @param error the ASL error name the state reported
 * @param attemptsByRetrier retries already made by each retrier during this visit; a missing
 *   entry counts as 0
 * @param random draws the jitter; not called unless JitterStrategy is FULL
 * @returns `retry` with the retrier to charge and the delay in seconds (possibly fractional
 *   under jitter), or `exhausted`
 */
export function decideRetry(
  retriers: readonly Retrier[] | undefined,
  error: string,
  attemptsByRetrier: readonly number[],
  random: RandomSource,
): RetryDecision {
  if (retriers === undefined || NEVER_RETRIED.has(error)) return { kind: 'exhausted' };
  const retrierIndex = retriers.findIndex((r) => matchesErrorEquals(error, r.ErrorEquals));
  const retrier = retriers[retrierIndex];
  if (retrier === undefined) return { kind: 'exhausted' };
  const attemptsMade = attemptsByRetrier[retrierIndex] ?? 0;
  // "A value of 0 specifies that the error is never retried" (concepts-error-handling).
  const maxAttempts = retrier.MaxAttempts ?? RetrierDefaults.MaxAttempts;
  if (attemptsMade >= maxAttempts) return { kind: 'exhausted' };
  return {
    kind: 'retry',
    retrierIndex,
    delaySeconds: retryDelaySeconds(retrier, attemptsMade, random),
  };
}

/**
 * The wait before the retry that follows `attemptsMade` earlier retries of this retrier.
 * Exported for the engine's history details and for tests.
 */
export function retryDelaySeconds(
  retrier: Retrier,
  attemptsMade: number,
  random: RandomSource,
): number {
  const interval = retrier.IntervalSeconds ?? RetrierDefaults.IntervalSeconds;
  const backoff = retrier.BackoffRate ?? RetrierDefaults.BackoffRate;
  const grown = interval * backoff ** attemptsMade;
  // MaxDelaySeconds caps the growth before jitter is applied: FULL jitter draws below the
  // capped delay, never above it (concepts-error-handling, "MaxDelaySeconds", "JitterStrategy").
  const capped =
    retrier.MaxDelaySeconds === undefined ? grown : Math.min(grown, retrier.MaxDelaySeconds);
  switch (retrier.JitterStrategy ?? 'NONE') {
    case 'NONE':
      return capped;
    case 'FULL':
      return random.nextFloat() * capped;
  }
}

/**
 * Picks the catcher for an error that retries did not resolve: the first in array order whose
 * `ErrorEquals` matches (ASL spec "Fallback states"; the same matcher as Retry).
 */
export function findCatcher(
  catchers: readonly Catcher[] | undefined,
  error: string,
): CatchDecision {
  const catcherIndex = (catchers ?? []).findIndex((c) => matchesErrorEquals(error, c.ErrorEquals));
  return catcherIndex < 0 ? { kind: 'uncaught' } : { kind: 'caught', catcherIndex };
}
