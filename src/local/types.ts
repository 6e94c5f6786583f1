/**
 * The local runner's contract: run a definition in memory against mocked task results.
 * Mocks follow the idea of Step Functions' TestState mocks: a result, an error, or a
 * sequence consumed one call at a time (for retries).
 */
import type { JsonValue } from '../common/index.js';

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

export interface LocalRunOptions {
  readonly input?: JsonValue;
  readonly mocks?: MockTable;
  readonly executionName?: string;
  /** ISO-8601; the virtual clock starts here. Default: a fixed instant, for reproducible runs. */
  readonly startTime?: string;
  /** Seed for States.UUID / States.MathRandom / $random / $uuid. */
  readonly seed?: number;
  /** Payload limit in bytes (AWS default 262144). */
  readonly payloadLimitBytes?: number;
}

export type LocalRunResult =
  | {
      readonly status: 'SUCCEEDED';
      readonly output: JsonValue;
      readonly history: readonly unknown[];
    }
  | {
      readonly status: 'FAILED' | 'TIMED_OUT';
      readonly error: string;
      readonly cause: string;
      readonly history: readonly unknown[];
    };
