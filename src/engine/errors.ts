/** System errors of the engine, each with a stable code (STYLE §3). */
export type EngineErrorCode =
  | 'WORKFLOW_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'ALIAS_NOT_FOUND'
  | 'EXECUTION_NOT_FOUND'
  /** RedriveExecution refused; the message is AWS's reason (AWS: ExecutionNotRedrivable). */
  | 'EXECUTION_NOT_REDRIVABLE'
  /** GetActivityTask for an activity that does not exist (AWS: ActivityDoesNotExist). */
  | 'ACTIVITY_NOT_FOUND'
  | 'INVALID_DEFINITION'
  /** A name breaks AWS's naming rules. */
  | 'INVALID_NAME'
  /** A task token that is not shaped like one (AWS: InvalidToken). */
  | 'INVALID_TOKEN'
  /** No task of the execution ever had the token (AWS: TaskDoesNotExist). */
  | 'TASK_DOES_NOT_EXIST'
  /**
   * The token's task has closed: it completed, failed, timed out, or its execution ended
   * (AWS: TaskTimedOut, "the task associated with the token has already been closed").
   */
  | 'TASK_TIMED_OUT'
  /** An execution kept changing under one event's commit; the work stays due. */
  | 'CONTENDED';

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
  }
}
