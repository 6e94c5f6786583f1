/**
 * The port through which GitLab `.sync` tasks say what they wait on, so a Pipeline Hook or Job
 * Hook can wake them (engine.pollNow) instead of them waiting for their next back-off poll, and
 * through which createPipeline remembers the pipeline each attempt created. The store's
 * `gitlabWaits` (src/store/sql/gitlab-wait-store.ts) implements it; main.ts passes it in.
 */

export interface WaitTarget {
  readonly connection: string;
  readonly projectId: number;
  readonly kind: 'pipeline' | 'job';
  readonly objectId: number;
}

/** `taskId` is TaskRequest.idempotencyKey without its leading `${executionId}#`. */
export interface Waiter {
  readonly executionId: string;
  readonly taskId: string;
}

export interface CreatedPipeline {
  readonly connection: string;
  readonly projectId: number;
  readonly pipelineId: number;
}

export interface PipelineWaits {
  record(target: WaitTarget, waiter: Waiter, now: string): Promise<void>;
  find(target: WaitTarget): Promise<readonly Waiter[]>;
  forget(target: WaitTarget, waiter: Waiter): Promise<void>;
  rememberCreatedPipeline(
    idempotencyKey: string,
    pipeline: CreatedPipeline,
    now: string,
  ): Promise<CreatedPipeline>;
  findCreatedPipeline(idempotencyKey: string): Promise<CreatedPipeline | undefined>;
}

/**
 * The waiter a task request stands for. The engine's keys are `${executionId}#${taskId}`;
 * anything else is used whole as the task id.
 */
export function waiterOf(executionId: string, idempotencyKey: string): Waiter {
  const prefix = `${executionId}#`;
  return {
    executionId,
    taskId: idempotencyKey.startsWith(prefix)
      ? idempotencyKey.slice(prefix.length)
      : idempotencyKey,
  };
}
