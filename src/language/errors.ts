/**
 * ASL error names and the one error type that carries them. Execution errors are data: a
 * name and a cause, matched by Retry and Catch (ASL spec "Errors", AWS "Error names" in
 * concepts-error-handling).
 */

/** The predefined error names. `States.` is reserved for these; integrations use their own prefix. */
export const StatesErrorNames = Object.freeze({
  ALL: 'States.ALL',
  DataLimitExceeded: 'States.DataLimitExceeded',
  ExceedToleratedFailureThreshold: 'States.ExceedToleratedFailureThreshold',
  HeartbeatTimeout: 'States.HeartbeatTimeout',
  HttpSocket: 'States.Http.Socket',
  IntrinsicFailure: 'States.IntrinsicFailure',
  ItemReaderFailed: 'States.ItemReaderFailed',
  NoChoiceMatched: 'States.NoChoiceMatched',
  ParameterPathFailure: 'States.ParameterPathFailure',
  Permissions: 'States.Permissions',
  QueryEvaluationError: 'States.QueryEvaluationError',
  ResultPathMatchFailure: 'States.ResultPathMatchFailure',
  ResultWriterFailed: 'States.ResultWriterFailed',
  Runtime: 'States.Runtime',
  TaskFailed: 'States.TaskFailed',
  Timeout: 'States.Timeout',
  BranchFailed: 'States.BranchFailed',
} as const);

export type StatesErrorName = (typeof StatesErrorNames)[keyof typeof StatesErrorNames];

/**
 * An execution error: what Retry and Catch see, and what a failed execution reports.
 * `error` is an ASL error name (a string value, never a class name).
 */
export class StatesError extends Error {
  override readonly name = 'StatesError';
  constructor(
    readonly error: string,
    override readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
  }

  /** The `{Error, Cause}` object Catch passes on, as AWS shapes it. */
  toErrorOutput(): { readonly Error: string; readonly Cause: string } {
    return { Error: this.error, Cause: this.cause };
  }
}

/**
 * True for a `StatesError` made by this copy of this module. It is `instanceof`, so it does not
 * recognise one from another realm or a duplicated copy of the module; use it where errors
 * come only from this module's code.
 */
export function isStatesError(value: unknown): value is StatesError {
  return value instanceof StatesError;
}

/**
 * Errors that `States.ALL` does not match: AWS documents both as terminal ("can't be caught
 * by the States.ALL error type"); naming them explicitly in ErrorEquals still matches.
 */
const NOT_MATCHED_BY_ALL: ReadonlySet<string> = new Set([
  StatesErrorNames.DataLimitExceeded,
  StatesErrorNames.Runtime,
]);

/**
 * Decides whether one Retrier's or Catcher's `ErrorEquals` matches an error name. The one
 * matcher for both Retry and Catch (ASL spec "Retrying after error" and "Fallback states").
 *
 * - `States.ALL` matches every error except the terminal ones above.
 * - `States.TaskFailed` is, in AWS's words, "a wildcard that matches any known error name
 *   except for States.Timeout" (concepts-error-handling, "States.TaskFailed",
 *   https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). A
 *   heartbeat expiry is a kind of timeout (AWS also reports it under `States.Timeout`), so it is
 *   left out too; and it is never wider than `States.ALL`, so the terminal errors stay out.
 * - Otherwise names compare exactly (case-sensitive).
 */
export function matchesErrorEquals(error: string, errorEquals: readonly string[]): boolean {
  for (const name of errorEquals) {
    if (name === error) return true;
    if (name === StatesErrorNames.ALL && !NOT_MATCHED_BY_ALL.has(error)) return true;
    if (name === StatesErrorNames.TaskFailed && isMatchedByTaskFailed(error)) return true;
  }
  return false;
}

function isMatchedByTaskFailed(error: string): boolean {
  return (
    !NOT_MATCHED_BY_ALL.has(error) &&
    error !== StatesErrorNames.Timeout &&
    error !== StatesErrorNames.HeartbeatTimeout
  );
}
