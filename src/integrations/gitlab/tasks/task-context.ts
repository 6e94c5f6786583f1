/**
 * What every GitLab task handler gets: its parameters, the connection's client, the project
 * resolver, the waits port and the clock; and the shapes handlers are declared with.
 */
import type { JsonObject, JsonValue } from '../../../common/index.js';
import { isJsonObject } from '../../../common/index.js';
import type { TaskOutcome, TaskRequest } from '../../task-runner.js';
import type { GitLabClient } from '../client.js';
import type { PipelineWaits } from '../pipeline-waits.js';
import type { TaskParameters } from './parameters.js';

/** How a Task state calls the resource: plain, `.sync`, or `.waitForTaskToken`. */
export type IntegrationPattern = 'request' | 'sync' | 'token';

export interface GitLabTaskContext {
  readonly params: TaskParameters;
  readonly client: GitLabClient;
  readonly connection: string;
  readonly request: TaskRequest;
  readonly pattern: IntegrationPattern;
  readonly waits: PipelineWaits | undefined;
  readonly now: () => string;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Reads `Project` and resolves it to its numeric id. */
  readonly projectId: () => Promise<number>;
}

export interface TaskHandler {
  /** Patterns besides `request` that the resource supports. */
  readonly patterns: readonly IntegrationPattern[];
  run(context: GitLabTaskContext): Promise<TaskOutcome>;
}

export const succeed = (output: JsonValue): TaskOutcome => ({ ok: true, output });

/** A GitLab answer that must be an object (a pipeline, a job...). */
export function objectBody(body: JsonValue | undefined): JsonObject {
  return isJsonObject(body) ? body : {};
}

/** Pass the task's signal only (spread into GitLabCall). */
export function signalOf(context: GitLabTaskContext): { signal: AbortSignal } {
  return { signal: context.request.signal };
}

/** Carries a finished outcome out of a helper; the runner returns it as the task's outcome. */
export class TaskOutcomeError extends Error {
  override readonly name = 'TaskOutcomeError';
  constructor(readonly outcome: TaskOutcome) {
    super(outcome.ok === false ? outcome.error : 'task outcome');
  }
}
