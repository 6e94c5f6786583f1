/**
 * When a Wait state is due. Waiting itself is data: the step turns the instant computed here
 * into a timer (STYLE §2). Sources: ASL spec "Wait State"
 * (https://states-language.net/spec.html#wait-state), AWS state-wait
 * (https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html).
 */
import type { JsonValue } from '../../common/index.js';
import type { WaitState } from '../definition/types.js';
import { StatesError, StatesErrorNames, isStatesError } from '../errors.js';
import type { EvaluationContext } from '../evaluation-context.js';
import { evaluateJsonataRequired, isJsonataExpression, jsonataBody } from '../jsonata/index.js';
import type { JsonataScope } from '../jsonata/index.js';
import { queryPath } from '../paths/query-path.js';
import {
  FIRST_TIMESTAMP_MS,
  LAST_TIMESTAMP_MS,
  addSecondsCapped,
  formatTimestamp,
  parseTimestamp,
} from '../timestamps.js';

/** "You must specify time as an integer value from 0 to 99999999" (state-wait, Seconds). */
export const MAX_WAIT_SECONDS = 99_999_999;

export interface WaitDue {
  /** The instant the state is due, in epoch milliseconds. */
  readonly dueEpochMs: number;
  /** The same instant as an RFC 3339 UTC timestamp. */
  readonly dueTimestamp: string;
}

function runtimeError(cause: string): StatesError {
  return new StatesError(StatesErrorNames.Runtime, cause);
}

/** How AWS prints the offending value after `==`: strings bare, anything else as JSON. */
function shown(value: JsonValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function isWaitSeconds(value: JsonValue): boolean {
  return (
    typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_WAIT_SECONDS
  );
}

function dueAfterSeconds(nowMs: number, seconds: number): WaitDue {
  const dueEpochMs = addSecondsCapped(nowMs, seconds);
  return { dueEpochMs, dueTimestamp: formatTimestamp(dueEpochMs) };
}

/**
 * "If you specify the wait time as a timestamp, Step Functions considers the time value up to
 * seconds and truncates milliseconds" (state-wait, Timestamp).
 */
function dueAtTimestamp(epochMs: number): WaitDue {
  // An offset can carry a written timestamp just outside the years 0000-9999 (e.g.
  // 0000-01-01T00:00:00+00:01); such an instant is long past or never, so clamp it into the
  // range that can be written back instead of failing to format it.
  const clamped = Math.min(Math.max(epochMs, FIRST_TIMESTAMP_MS), LAST_TIMESTAMP_MS);
  const dueEpochMs = Math.floor(clamped / 1000) * 1000;
  return { dueEpochMs, dueTimestamp: formatTimestamp(dueEpochMs) };
}

function nowOf(now: string): number {
  const ms = parseTimestamp(now);
  if (ms === undefined) throw runtimeError(`The current time '${now}' is not a timestamp.`);
  return ms;
}

function resolvePath(
  field: 'SecondsPath' | 'TimestampPath',
  path: string,
  ctx: EvaluationContext,
): JsonValue {
  try {
    return queryPath(path, ctx);
  } catch (e: unknown) {
    if (!isStatesError(e)) throw e;
    throw runtimeError(`The ${field} parameter does not reference an input value: ${path}`);
  }
}

/**
 * Computes when a JSONPath Wait state is due, from exactly one of Seconds, SecondsPath,
 * Timestamp, TimestampPath (the validator guarantees one). A timestamp in the past is due at
 * once (its instant is returned unchanged; the timer fires immediately).
 *
 * @throws StatesError `States.Runtime` with AWS's Causes:
 *   - "The SecondsPath parameter does not reference an input value: <path>"
 *   - "The SecondsPath parameter cannot be parsed as a long value: <path> == <value>"
 *   - "The SecondsPath parameter references a negative value: <path> == <value>"
 *   - "The TimestampPath parameter does not reference an input value: <path>"
 *   - "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time
 *     format string: <path> == <value>"
 */
export function computeWaitDue(state: WaitState, ctx: EvaluationContext): WaitDue {
  const nowMs = nowOf(ctx.now);
  if (typeof state.Seconds === 'number') {
    if (!isWaitSeconds(state.Seconds)) {
      throw runtimeError(
        `The Seconds field must be an integer from 0 to ${MAX_WAIT_SECONDS}: ${state.Seconds}`,
      );
    }
    return dueAfterSeconds(nowMs, state.Seconds);
  }
  if (state.SecondsPath !== undefined) {
    const path = state.SecondsPath;
    const value = resolvePath('SecondsPath', path, ctx);
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw runtimeError(
        `The SecondsPath parameter cannot be parsed as a long value: ${path} == ${shown(value)}`,
      );
    }
    if (value < 0) {
      throw runtimeError(
        `The SecondsPath parameter references a negative value: ${path} == ${shown(value)}`,
      );
    }
    return dueAfterSeconds(nowMs, value);
  }
  if (state.Timestamp !== undefined) {
    const epochMs = parseTimestamp(state.Timestamp);
    if (epochMs === undefined) {
      throw runtimeError(
        `The Timestamp field is not a valid RFC 3339 timestamp: ${state.Timestamp}`,
      );
    }
    return dueAtTimestamp(epochMs);
  }
  if (state.TimestampPath !== undefined) {
    const path = state.TimestampPath;
    const value = resolvePath('TimestampPath', path, ctx);
    const epochMs = typeof value === 'string' ? parseTimestamp(value) : undefined;
    if (epochMs === undefined) {
      throw runtimeError(
        `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${path} == ${shown(value)}`,
      );
    }
    return dueAtTimestamp(epochMs);
  }
  throw runtimeError('The Wait state has none of Seconds, SecondsPath, Timestamp, TimestampPath.');
}

function queryError(cause: string): StatesError {
  return new StatesError(StatesErrorNames.QueryEvaluationError, cause);
}

/**
 * Computes when a JSONata Wait state is due. `Seconds` may be a number or a `{% %}` expression
 * that "must evaluate to an integer in the stated range"; `Timestamp` may be a timestamp string
 * or an expression producing one (state-wait).
 *
 * @throws StatesError `States.QueryEvaluationError` when an expression fails, returns nothing,
 *   or returns a value of the wrong type or range
 */
export async function computeJsonataWaitDue(
  state: WaitState,
  scope: JsonataScope,
): Promise<WaitDue> {
  const nowMs = nowOf(scope.now);
  if (state.Seconds !== undefined) {
    if (typeof state.Seconds === 'number' || !isJsonataExpression(state.Seconds)) {
      if (typeof state.Seconds === 'number' && isWaitSeconds(state.Seconds)) {
        return dueAfterSeconds(nowMs, state.Seconds);
      }
      throw queryError(
        `The Seconds field must be an integer from 0 to ${MAX_WAIT_SECONDS}: ${String(state.Seconds)}`,
      );
    }
    const body = jsonataBody(state.Seconds);
    const value = await evaluateJsonataRequired(body, scope, 'Seconds');
    if (typeof value !== 'number' || !isWaitSeconds(value)) {
      throw queryError(
        `The JSONata expression '${body}' specified for the field 'Seconds' must evaluate to an integer from 0 to ${MAX_WAIT_SECONDS}, but returned ${shown(value)}.`,
      );
    }
    return dueAfterSeconds(nowMs, value);
  }
  if (state.Timestamp !== undefined) {
    const expression = isJsonataExpression(state.Timestamp)
      ? jsonataBody(state.Timestamp)
      : undefined;
    const value =
      expression === undefined
        ? state.Timestamp
        : await evaluateJsonataRequired(expression, scope, 'Timestamp');
    const epochMs = typeof value === 'string' ? parseTimestamp(value) : undefined;
    if (epochMs === undefined) {
      const what =
        expression === undefined
          ? 'The Timestamp field'
          : `The JSONata expression '${expression}' specified for the field 'Timestamp'`;
      throw queryError(`${what} is not a valid RFC 3339 timestamp: ${shown(value)}`);
    }
    return dueAtTimestamp(epochMs);
  }
  throw queryError('The Wait state has neither Seconds nor Timestamp.');
}
