/**
 * The local runner's contract: run a definition in memory against mocked task results.
 * Mocks follow the idea of Step Functions' TestState mocks: a result, an error, or a
 * sequence consumed one call at a time (for retries).
 */
import type { JsonValue } from '../common/index.js';
import type { HistoryEvent, step } from '../language/index.js';

/** One mocked task outcome. `expectInput`, when present, must equal the task's effective input. */
export type MockOutcome =
  | { readonly result: JsonValue; readonly expectInput?: JsonValue }
  | { readonly error: string; readonly cause?: string; readonly expectInput?: JsonValue };

/** A mock is one outcome (used for every call) or a sequence (one per call; the last repeats). */
export type Mock = MockOutcome | readonly MockOutcome[];

/** Keyed by state name first, then by resource ARN. */
export interface MockTable {
  readonly [stateNameOrResource: string]: Mock;
}

/**
 * How Wait states and retry back-off pass: `virtual` jumps the clock instantly (the default);
 * a number waits that fraction of the real time (1 = real time, 0.01 = a hundred times faster).
 */
export type WaitMode = 'virtual' | number;

export interface LocalRunOptions {
  readonly input?: JsonValue;
  readonly mocks?: MockTable;
  readonly executionName?: string;
  readonly stateMachineName?: string;
  /** ISO-8601; the clock starts here. Default: a fixed instant, for reproducible runs. */
  readonly startTime?: string;
  /** Seed for States.UUID / States.MathRandom / $random / $uuid. */
  readonly seed?: number;
  /** Payload limit in bytes (AWS default 262144). */
  readonly payloadLimitBytes?: number;
  /** History event limit (AWS default 25000). */
  readonly historyEventLimit?: number;
  /** Limit on the bytes of all variables (AWS default 10 MiB). */
  readonly variablesLimitBytes?: number;
  readonly waits?: WaitMode;
  /**
   * The `step` to drive; by default the language core's. A wrapper can observe every call, or
   * return each snapshot round-tripped through JSON text as a store would (the property tests
   * do both).
   */
  readonly step?: typeof step;
  /** Called with each history event as it happens (for `--trace`). */
  readonly onEvent?: (event: HistoryEvent) => void;
  /** Called before the runner really sleeps (only with a numeric `waits`), for progress output. */
  readonly onWait?: (wait: {
    readonly purpose: string;
    readonly realMilliseconds: number;
    readonly dueAt: string;
  }) => void;
}

export type LocalRunResult =
  | {
      readonly status: 'SUCCEEDED';
      readonly output: JsonValue;
      readonly history: readonly HistoryEvent[];
    }
  | {
      readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
      readonly error: string;
      readonly cause: string;
      readonly history: readonly HistoryEvent[];
    };
