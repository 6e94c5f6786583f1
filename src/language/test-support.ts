/** Helpers shared by the language module's unit tests (excluded from the build). */
import type { JsonObject, JsonValue } from '../common/index.js';
import { StatesError } from './errors.js';
import type { EvaluationContext } from './evaluation-context.js';

/** An evaluation context over `input`, with empty `$$` and variables unless given. */
export function contextFor(
  input: JsonValue,
  variables: JsonObject = {},
  context: JsonObject = {},
  draws: readonly number[] = [0.5],
): EvaluationContext {
  let i = 0;
  return {
    input,
    context,
    variables,
    random: { nextFloat: () => draws[i++ % draws.length] ?? 0 },
    now: '2024-01-01T00:00:00.000Z',
  };
}

/** Runs `run`, expecting a StatesError, and returns it; anything else fails the test. */
export function statesFailure(run: () => unknown): StatesError {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof StatesError) return error;
    throw error;
  }
  throw new Error('expected a StatesError');
}
