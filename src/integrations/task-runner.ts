/**
 * What a Task state's work goes through. Integrations (HTTP, GitLab, approvals...) implement
 * this; the engine runs tasks only through it, and cancels them with the AbortSignal when the
 * execution stops or the task times out.
 */
import type { JsonValue } from '../common/index.js';

export interface TaskRequest {
  readonly executionId: string;
  readonly stateName: string;
  readonly resource: string;
  /** The effective parameters (after InputPath/Parameters, or Arguments). */
  readonly input: JsonValue;
  /**
   * Stable for this task attempt across redeliveries: a node that dies mid-task makes another
   * node run it again (at-least-once), with the same key, so the integration can deduplicate.
   */
  readonly idempotencyKey: string;
  readonly taskToken?: string;
  readonly timeoutSeconds?: number;
  readonly credentials?: JsonValue;
  readonly signal: AbortSignal;
  /**
   * Tells the engine the task is alive. With HeartbeatSeconds set, a task that does not call
   * this within that many seconds times out with States.HeartbeatTimeout.
   */
  readonly heartbeat: () => Promise<void>;
}

/**
 * A task's result, or its ASL error (`Error` names like `Http.ServerError`, never `States.*`),
 * or, for `.sync` resources, a job that runs on: the engine records TaskSubmitted with
 * `submitted` and calls `poll` with `job` after `pollAfterSeconds` (durably: a stored due time,
 * so the wait survives restarts), until the job is done.
 */
export type TaskOutcome =
  | { readonly ok: true; readonly output: JsonValue }
  | { readonly ok: false; readonly error: string; readonly cause: string }
  | {
      readonly ok: 'running';
      /** What the service answered when the job started (TaskSubmitted's output). */
      readonly submitted: JsonValue;
      /** What `poll` needs to find the job again (an id); stored with the execution. */
      readonly job: JsonValue;
      readonly pollAfterSeconds: number;
    };

/** A `.sync` job to check on: the `job` its last outcome named, and how many polls came before. */
export interface TaskPollRequest {
  readonly executionId: string;
  readonly stateName: string;
  readonly resource: string;
  readonly job: JsonValue;
  readonly polls: number;
  readonly idempotencyKey: string;
  readonly signal: AbortSignal;
}

/**
 * A `.sync` job the execution no longer waits for: the execution was stopped or timed out, or
 * the task timed out. Best effort, as in Step Functions: the engine calls `cancel` once the
 * abandonment is committed (durably: a stored due item, so it survives restarts) and a few more
 * times if it throws, then gives up.
 */
export interface TaskCancelRequest {
  readonly executionId: string;
  readonly stateName: string;
  readonly resource: string;
  readonly job: JsonValue;
  readonly idempotencyKey: string;
  /** Why: `Execution stopped`, `Task timed out`... for the service's records. */
  readonly reason: string;
  readonly signal: AbortSignal;
}

export interface TaskRunner {
  /** Runs one task. Throwing is a bug in the integration; the engine reports it as States.TaskFailed. */
  run(request: TaskRequest): Promise<TaskOutcome>;
  /** Checks a `.sync` job that `run` started. Required of runners that answer `running`. */
  poll?(request: TaskPollRequest): Promise<TaskOutcome>;
  /** Stops a `.sync` job the execution abandoned (see TaskCancelRequest). */
  cancel?(request: TaskCancelRequest): Promise<void>;
}
