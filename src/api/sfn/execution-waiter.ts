/**
 * How StartSyncExecution waits for an execution to end: woken by the engine's commit
 * notifications (`Engine.subscribe`), with a slower poll of the store as the fallback for an
 * execution that another node finishes. Swap in another waiter through the plugin's
 * `waitForExecutionEnd` option.
 */
import type { Clock } from '../../common/index.js';
import type { Engine } from '../../engine/index.js';
import type { ExecutionRecord, ExecutionStore } from '../../store/index.js';
import type { ExecutionWaiter } from './context.js';

/** How often the store is read when no notification comes (another node runs it). */
export const FALLBACK_POLL_MS = 250;

/**
 * Waits for the end of an execution: returns as soon as this node commits a status other than
 * RUNNING for it, or a read of the store finds one, or the deadline passes.
 */
export function notifiedWaiter(
  engine: Pick<Engine, 'subscribe'>,
  executions: Pick<ExecutionStore, 'get'>,
  clock: Clock,
  sleep: (ms: number) => Promise<void>,
  fallbackPollMs = FALLBACK_POLL_MS,
): ExecutionWaiter {
  return async (executionArn, deadlineMs) => {
    let ended = false;
    let wake: (() => void) | undefined;
    const unsubscribe = engine.subscribe((event) => {
      if (
        event.kind === 'committed' &&
        event.executionId === executionArn &&
        event.status !== 'RUNNING'
      ) {
        ended = true;
        wake?.();
      }
    });
    try {
      for (;;) {
        const execution: ExecutionRecord | undefined = await executions.get(executionArn);
        const left = deadlineMs - clock.nowMs();
        if (!execution || execution.status !== 'RUNNING' || left <= 0) return execution;
        // A commit between the read above and here set `ended`: read again at once.
        if (!ended) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            void sleep(Math.min(fallbackPollMs, left)).then(resolve);
          });
        }
        ended = false;
      }
    } finally {
      unsubscribe();
    }
  };
}

/** Polls the store only (for engines without notifications). */
export function pollingWaiter(
  executions: Pick<ExecutionStore, 'get'>,
  clock: Clock,
  sleep: (ms: number) => Promise<void>,
  intervalMs = 25,
): ExecutionWaiter {
  return async (executionArn, deadlineMs) => {
    for (;;) {
      const execution = await executions.get(executionArn);
      const left = deadlineMs - clock.nowMs();
      if (!execution || execution.status !== 'RUNNING' || left <= 0) return execution;
      await sleep(Math.min(intervalMs, left));
    }
  };
}
