/**
 * What paths, intrinsic functions, payload templates and JSONata expressions read from while
 * one state is evaluated. Everything here is an input: no clock and no randomness of its own.
 */
import type { JsonObject, JsonValue } from '../common/index.js';

/**
 * Deterministic randomness for `States.UUID`, `States.MathRandom`, `$random`, `$uuid`.
 * The step owns the generator state and stores it in the snapshot, so a replay repeats values.
 */
export interface RandomSource {
  /** A float in [0, 1). */
  nextFloat(): number;
}

export interface EvaluationContext {
  /** `$` in JSONPath: the value the field is evaluated against (state input, raw result, ...). */
  readonly input: JsonValue;
  /** `$$` in JSONPath, `$states.context` in JSONata: the context object. */
  readonly context: JsonObject;
  /** Workflow variables visible to this state (`$name` in both query languages). */
  readonly variables: JsonObject;
  readonly random: RandomSource;
  /** The current time as an ISO-8601 string (for JSONata `$now()`/`$millis()`). */
  readonly now: string;
}
