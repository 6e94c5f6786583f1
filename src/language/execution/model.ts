/**
 * The data `step` consumes and produces: snapshots, events, commands and history events.
 * Everything is plain JSON-compatible data so the durable engine can store it as-is
 * (STYLE §2: "the step is a function, and commands are data").
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import type { StateMachineDefinition } from '../definition/types.js';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** Who and what the execution is: the stable part of the context object. */
export interface ExecutionInfo {
  readonly id: string;
  readonly name: string;
  readonly input: JsonValue;
  readonly startTime: string;
  readonly stateMachineId: string;
  readonly stateMachineName: string;
  readonly roleArn?: string;
  readonly redriveCount: number;
  readonly redriveTime?: string;
  /** Set on a child execution of a Distributed Map: its Map Run and the parent execution. */
  readonly mapRun?: { readonly arn: string; readonly parentId: string };
}

/** Limits that AWS fixes and Baton makes configurable. */
export interface Limits {
  /** Max bytes of any state input/output, task result or variable value (AWS: 256 KiB). */
  readonly payloadBytes: number;
  /** Max history events per execution (AWS: 25,000). */
  readonly historyEvents: number;
  /** Max bytes of all variables a run can see (AWS workflow-variables: 10 MiB per execution). */
  readonly variablesBytes: number;
}

/**
 * Deepest nesting accepted in data that enters an execution (its input, task results). Every
 * JSON walker recurses, so deeper values would overflow the stack; 1,000 is the default
 * maximum nesting depth of the Jackson parser that AWS's JSON handling is built on.
 */
export const MAX_JSON_DEPTH = 1000;

export const DEFAULT_LIMITS: Limits = Object.freeze({
  payloadBytes: 262_144,
  historyEvents: 25_000,
  variablesBytes: 10_485_760,
});

/** The execution's durable state between two events. A cache of history; plain JSON. */
export interface ExecutionSnapshot {
  readonly format: 1;
  readonly status: ExecutionStatus;
  readonly execution: ExecutionInfo;
  readonly limits: Limits;
  /** Live runs; an array, not an object keyed by id: V8 rebuilds object shapes as keys come and go. */
  readonly runs: readonly Run[];
  /** Counter for run, task and timer ids; ids are deterministic so replays line up. */
  readonly nextId: number;
  /** Id of the last history event written. */
  readonly lastEventId: number;
  /** PRNG state for States.UUID, States.MathRandom, $random, $uuid. */
  readonly rngState: number;
  readonly output?: JsonValue;
  readonly error?: string;
  readonly cause?: string;
  /**
   * Set when the execution ends FAILED, TIMED_OUT or ABORTED: the runs a redrive restores. Each
   * unfinished run re-enters the state it stopped in (`ready`), with fresh retry attempts; a
   * Parallel or Map state resumes with the results of its finished children (`children`), and
   * only its failed, aborted and never-started children run again.
   */
  readonly redrive?: { readonly runs: readonly Run[] };
}

/**
 * A run is one thread of control: the top-level machine, one Parallel branch, or one Map
 * iteration. Variables live in runs: each branch/iteration has its own scope and reads a
 * copy of the outer scope taken when the branch started (AWS workflow-variables: "Variable
 * scope").
 */
export interface Run {
  readonly id: string;
  /** Key of the branch definition in the DefinitionIndex ('' for the top-level machine). */
  readonly scope: string;
  readonly parent?: { readonly runId: string; readonly index: number };
  /** Variables assigned in this scope. */
  readonly variables: JsonObject;
  /** Outer-scope variables visible (read-only) to this run. */
  readonly outerVariables: JsonObject;
  readonly position: Position;
}

/** Retry bookkeeping for the state a run is in. */
export interface Attempts {
  /** Attempts used per Retrier, by index. */
  readonly perRetrier: readonly number[];
  /** `$$.State.RetryCount`. */
  readonly retryCount: number;
  readonly enteredTime: string;
}

/** Where a run is. */
export type Position =
  /** Ready to enter `stateName` with `input` (only between steps when queued behind MaxConcurrency). */
  | { readonly kind: 'ready'; readonly stateName: string; readonly input: JsonValue }
  | {
      readonly kind: 'task';
      readonly stateName: string;
      readonly input: JsonValue;
      readonly attempts: Attempts;
      readonly taskId: string;
      readonly taskInput: JsonValue;
      /** The `.waitForTaskToken` token a callback must present. */
      readonly taskToken?: string;
      /** The resolved HeartbeatSeconds, for heartbeats sent with the token. */
      readonly heartbeatSeconds?: number;
      /** Set once TaskStarted (ActivityStarted) is recorded, so it is recorded once. */
      readonly started?: true;
    }
  | {
      readonly kind: 'timer';
      readonly stateName: string;
      readonly input: JsonValue;
      readonly attempts: Attempts;
      readonly timerId: string;
      /** `wait`: a Wait state; `retry`: backing off before re-running `stateName`. */
      readonly purpose: 'wait' | 'retry';
      /** For a Wait state, the value it passes on when the timer fires (after InputPath). */
      readonly effectiveInput?: JsonValue;
    }
  | {
      readonly kind: 'children';
      readonly stateName: string;
      readonly input: JsonValue;
      readonly attempts: Attempts;
      readonly children: ChildrenProgress;
    }
  | { readonly kind: 'succeeded'; readonly output: JsonValue }
  | { readonly kind: 'failed'; readonly error: string; readonly cause: string };

/** Progress of a Parallel or Map state over its branches or iterations. */
export interface ChildrenProgress {
  /** Indices not yet started (Map beyond MaxConcurrency). */
  readonly pending: readonly PendingChild[];
  /** How many children are running (their runs name this run as parent). */
  readonly activeCount: number;
  /** Results by index; `null` placeholders until each finishes. */
  readonly results: readonly JsonValue[];
  readonly failed: number;
  /** Map tolerance, resolved when the state started. */
  readonly toleratedFailureCount?: number;
  readonly toleratedFailurePercentage?: number;
  readonly maxConcurrency: number;
  /**
   * Set for a Map in DISTRIBUTED mode: its iterations are child executions of a Map Run, not
   * runs of this execution (AWS state-map-distributed), so `activeCount` counts children
   * started and not yet reported ended.
   */
  readonly mapRun?: MapRunProgress;
}

/** A branch or iteration not started yet; its scope follows from the parent state and index. */
export interface PendingChild {
  readonly index: number;
  readonly input: JsonValue;
}

/** A child execution of a Map Run: the item it processes and its execution name. */
export interface MapRunChild extends PendingChild {
  readonly name: string;
}

export type MapRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/** Item counts of a Map Run (DescribeMapRun itemCounts/executionCounts, without S3 members). */
export interface MapRunCounts {
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly aborted: number;
  readonly total: number;
}

/** The Map Run of a Distributed Map while it runs. */
export interface MapRunProgress {
  /** `arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:UUID`. */
  readonly arn: string;
  /** Started and not yet reported ended: at most MaxConcurrency of them. */
  readonly running: readonly MapRunChild[];
  /** Children that failed within the tolerance: a redrive runs them again. */
  readonly failedChildren: readonly PendingChild[];
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly aborted: number;
}

/** What happened, fed to `step` one at a time. `now` is ISO-8601, the only clock. */
export type StepEvent =
  | {
      readonly type: 'ExecutionStarted';
      readonly now: string;
      /** Fresh random hex from the engine; task tokens derive their secret from it. */
      readonly tokenKey?: string;
      readonly execution: Omit<ExecutionInfo, 'startTime' | 'redriveCount'> & {
        readonly redriveCount?: number;
      };
      readonly seed?: number;
      readonly limits?: Partial<Limits>;
    }
  | {
      readonly type: 'TaskSucceeded';
      readonly now: string;
      readonly tokenKey?: string;
      readonly taskId: string;
      readonly output: JsonValue;
    }
  | {
      readonly type: 'TaskFailed';
      readonly now: string;
      readonly tokenKey?: string;
      readonly taskId: string;
      readonly error: string;
      readonly cause: string;
    }
  | {
      readonly type: 'TaskTimedOut';
      readonly now: string;
      readonly tokenKey?: string;
      readonly taskId: string;
      /** `States.Timeout` or `States.HeartbeatTimeout`. */
      readonly error: string;
      readonly cause: string;
    }
  /**
   * The task was handed to its integration (an activity: to the worker named, which took it
   * with GetActivityTask). Recorded once per task; a repeat (a task re-run after a crash) is a
   * no-op.
   */
  | {
      readonly type: 'TaskStarted';
      readonly now: string;
      readonly tokenKey?: string;
      readonly taskId: string;
      readonly workerName?: string;
    }
  /** The integration accepted the request (`.sync`, `.waitForTaskToken`); `output` is its answer. */
  | {
      readonly type: 'TaskSubmitted';
      readonly now: string;
      readonly tokenKey?: string;
      readonly taskId: string;
      readonly output: JsonValue;
    }
  | {
      readonly type: 'TimerFired';
      readonly now: string;
      readonly tokenKey?: string;
      readonly timerId: string;
    }
  | {
      readonly type: 'ExecutionStopped';
      readonly now: string;
      readonly error?: string;
      readonly cause?: string;
      /** Ends it TIMED_OUT (a time limit outside the definition ran out) instead of ABORTED. */
      readonly timedOut?: boolean;
    }
  /** RedriveExecution: an execution that ended unsuccessfully continues from where it stopped. */
  | { readonly type: 'ExecutionRedriven'; readonly now: string; readonly tokenKey?: string }
  /** A child execution of a Map Run ended (see StartChildExecution). */
  | {
      readonly type: 'ChildExecutionEnded';
      readonly now: string;
      readonly tokenKey?: string;
      readonly mapRunArn: string;
      /** The child's execution name, as StartChildExecution gave it. */
      readonly name: string;
      readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
      /** The child's output (SUCCEEDED). */
      readonly output?: JsonValue;
      readonly error?: string;
      readonly cause?: string;
    }
  /** UpdateMapRun: new limits for a running Map Run; members left out keep their values. */
  | {
      readonly type: 'MapRunUpdated';
      readonly now: string;
      readonly tokenKey?: string;
      readonly mapRunArn: string;
      readonly maxConcurrency?: number;
      readonly toleratedFailureCount?: number;
      readonly toleratedFailurePercentage?: number;
    };

/** What the engine must do next. */
export type Command =
  | {
      readonly type: 'ScheduleTask';
      readonly taskId: string;
      readonly runId: string;
      readonly stateName: string;
      readonly resource: string;
      /** The effective parameters (after InputPath/Parameters, or Arguments). */
      readonly input: JsonValue;
      readonly timeoutSeconds?: number;
      readonly heartbeatSeconds?: number;
      readonly credentials?: JsonValue;
      /** `$$.Task.Token` for `.waitForTaskToken` resources; the worker's token for activities. */
      readonly taskToken?: string;
    }
  | { readonly type: 'CancelTask'; readonly taskId: string }
  | {
      readonly type: 'StartTimer';
      readonly timerId: string;
      readonly dueAt: string;
      readonly purpose: 'wait' | 'retry' | 'execution-timeout';
    }
  | { readonly type: 'CancelTimer'; readonly timerId: string }
  /**
   * A Distributed Map started a Map Run: record it. `definition` is the ItemProcessor as a state
   * machine of its own, which every child execution runs.
   */
  | {
      readonly type: 'StartMapRun';
      readonly mapRunArn: string;
      readonly stateName: string;
      /** `MACHINE/LABEL`: the name child executions are filed under. */
      readonly machineName: string;
      readonly definition: StateMachineDefinition;
      readonly maxConcurrency: number;
      readonly toleratedFailureCount?: number;
      readonly toleratedFailurePercentage?: number;
      readonly itemCount: number;
    }
  /** The Map Run's status or counts changed. */
  | {
      readonly type: 'UpdateMapRun';
      readonly mapRunArn: string;
      readonly status: MapRunStatus;
      readonly counts: MapRunCounts;
      /** The limits in force (UpdateMapRun may change them). */
      readonly maxConcurrency: number;
      readonly toleratedFailureCount?: number;
      readonly toleratedFailurePercentage?: number;
      /** The execution was redriven and the Map Run with it. */
      readonly redriven?: true;
    }
  /**
   * Start one child execution of a Map Run, at least once: `name` is fixed by this command, so
   * starting it again finds the same execution. Its end comes back as ChildExecutionEnded.
   */
  | {
      readonly type: 'StartChildExecution';
      readonly mapRunArn: string;
      readonly name: string;
      readonly index: number;
      readonly input: JsonValue;
    }
  /** Stop a child execution of a Map Run (the Map Run failed or its execution ended). */
  | { readonly type: 'StopChildExecution'; readonly mapRunArn: string; readonly name: string }
  | { readonly type: 'CompleteExecution'; readonly status: 'SUCCEEDED'; readonly output: JsonValue }
  | {
      readonly type: 'CompleteExecution';
      readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
      readonly error: string;
      readonly cause: string;
    };

/**
 * One history event in Step Functions' shape (API_HistoryEvent): `type`, `id`,
 * `previousEventId`, `timestamp` and one `*EventDetails` member. Inputs and outputs are
 * kept as JSON values here; the API layer serialises them to strings as AWS does.
 */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: string;
  readonly type: string;
  readonly [details: string]: JsonValue;
}

export interface StepResult {
  readonly snapshot: ExecutionSnapshot;
  readonly commands: readonly Command[];
  readonly history: readonly HistoryEvent[];
}
