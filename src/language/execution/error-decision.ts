/**
 * What a state does with an error: retry it, hand it to a Catcher, or fail. Only Task,
 * Parallel and Map states have Retry and Catch (ASL spec "Error Handling"); for the others
 * every error fails the run. The one decision used by `step` and by TestState inspection.
 */
import type { Catcher, State } from '../definition/types.js';
import type { RandomSource } from '../evaluation-context.js';
import { decideRetry, findCatcher } from '../retry-policy.js';

export type ErrorDecision =
  | {
      readonly kind: 'retry';
      readonly retrierIndex: number;
      readonly delaySeconds: number;
      /** Attempts per Retrier after this retry; dense, so the snapshot stays plain JSON. */
      readonly perRetrier: readonly number[];
    }
  | { readonly kind: 'catch'; readonly catcher: Catcher }
  | { readonly kind: 'fail' };

export function decideOnError(
  state: State,
  error: string,
  perRetrier: readonly number[],
  random: RandomSource,
): ErrorDecision {
  if (state.Type !== 'Task' && state.Type !== 'Parallel' && state.Type !== 'Map') {
    return { kind: 'fail' };
  }
  const retry = decideRetry(state.Retry ?? [], error, perRetrier, random);
  if (retry.kind === 'retry') {
    const counts = Array.from(
      { length: Math.max(perRetrier.length, retry.retrierIndex + 1) },
      (_, i) => (perRetrier[i] ?? 0) + (i === retry.retrierIndex ? 1 : 0),
    );
    return { ...retry, perRetrier: counts };
  }
  const caught = findCatcher(state.Catch ?? [], error);
  const catcher = caught.kind === 'caught' ? state.Catch?.[caught.catcherIndex] : undefined;
  return catcher === undefined ? { kind: 'fail' } : { kind: 'catch', catcher };
}
