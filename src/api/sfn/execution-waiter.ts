/**
 * How StartSyncExecution waits for an execution to end. Until the engine announces status
 * changes, this polls the store; swap in a notification-based waiter through the plugin's
 * `waitForExecutionEnd` option.
 */
import type { Clock } from '../../common/index.js';
import type { Store } from '../../store/index.js';
import type { ExecutionWaiter } from './context.js';

/** How often the poller reads the execution. */
export const POLL_INTERVAL_MS = 25;

export function pollingWaiter(
  store: Store,
  clock: Clock,
  sleep: (ms: number) => Promise<void>,
  intervalMs = POLL_INTERVAL_MS,
): ExecutionWaiter {
  return async (executionArn, deadlineMs) => {
    for (;;) {
      const execution = await store.executions.get(executionArn);
      const left = deadlineMs - clock.nowMs();
      if (!execution || execution.status !== 'RUNNING' || left <= 0) return execution;
      await sleep(Math.min(intervalMs, left));
    }
  };
}
