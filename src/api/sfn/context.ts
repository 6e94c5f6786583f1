/** What every action gets: the engine, the store, ARNs, page tokens and the clock. */
import type { Clock, JsonObject } from '../../common/index.js';
import type { Engine } from '../../engine/index.js';
import { formatTimestamp } from '../../language/index.js';
import type { ExecutionRecord, Store } from '../../store/index.js';
import type { Arns } from './arns.js';
import type { RequestFields } from './fields.js';
import type { PageTokens } from './page-tokens.js';

/**
 * Waits until the execution is no longer RUNNING or `deadlineMs` (epoch ms) passes, and
 * returns its record as it then is (undefined if it vanished).
 */
export type ExecutionWaiter = (
  executionArn: string,
  deadlineMs: number,
) => Promise<ExecutionRecord | undefined>;

export interface SfnContext {
  readonly engine: Engine;
  readonly store: Store;
  readonly arns: Arns;
  readonly tokens: PageTokens;
  readonly clock: Clock;
  /** A fresh unique id (execution names, revision ids). */
  readonly newId: () => string;
  readonly waitForEnd: ExecutionWaiter;
  /** How long StartSyncExecution waits before it stops the execution as timed out. */
  readonly syncTimeoutMs: number;
  /** An abortable timer, for long polls (GetActivityTask). */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** How long GetActivityTask waits for a task (AWS: 60 s). */
  readonly activityPollMs: number;
}

/** What one call carries besides its members. */
export interface SfnCall {
  /** Aborted when the client hangs up (a long poll should stop waiting). */
  readonly signal: AbortSignal;
}

/** One action: reads its request members, does the work, returns the response members. */
export type SfnAction = (
  context: SfnContext,
  request: RequestFields,
  call: SfnCall,
) => Promise<JsonObject>;

/** The clock's now as the store's timestamp text. */
export function nowText(context: SfnContext): string {
  return formatTimestamp(context.clock.nowMs());
}
