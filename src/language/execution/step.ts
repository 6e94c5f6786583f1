/**
 * `step(definition, snapshot, event)`: the one pure entry point of the language core. It takes
 * one event, advances every run that can move without waiting for the outside world, and
 * returns the next snapshot, the commands the engine must carry out (schedule a task, start a
 * timer, finish), and the history events that record what happened. It performs no I/O and
 * reads no clock or randomness of its own: `now` comes with the event, random draws come from
 * the PRNG state stored in the snapshot. It is async only because JSONata evaluation is.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { assertNever, exceedsJsonByteLength, jsonDepthExceeds } from '../../common/index.js';
import type {
  MapState,
  QueryLanguage,
  State,
  StateMachineDefinition,
} from '../definition/types.js';
import { StatesError, StatesErrorNames } from '../errors.js';
import { addSecondsCapped, formatTimestamp, parseTimestamp } from '../timestamps.js';
import type { StateContext } from './context-object.js';
import { contextObject, executionContext } from './context-object.js';
import type { DefinitionIndex } from './definition-index.js';
import { indexDefinition, mapScope, parallelScope } from './definition-index.js';
import { decideOnError } from './error-decision.js';
import type { Awaitable, FieldEnv, Finished } from './io.js';
import { andThen, finishWithCatcher, isPromise } from './io.js';
import type {
  Attempts,
  ChildrenProgress,
  Command,
  ExecutionSnapshot,
  MapRunChild,
  MapRunCounts,
  MapRunProgress,
  MapRunStatus,
  PendingChild,
  HistoryEvent,
  Position,
  Run,
  StepEvent,
  StepResult,
} from './model.js';
import { DEFAULT_LIMITS, MAX_JSON_DEPTH } from './model.js';
import { taskToken } from './task-token.js';
import { SeededRandom } from './rng.js';
import { uuidV4 } from '../uuid.js';
import type { ChildrenOutcome, EnterOutcome, StateEnv } from './state-handlers.js';
import {
  completeChildren,
  completeTask,
  completeWait,
  enterState,
  isActivityResource,
  resourceParts,
} from './state-handlers.js';

const ROOT_RUN = 'r0';
const EXECUTION_TIMEOUT_TIMER = 'execution-timeout';
/**
 * Child executions a Distributed Map runs at once when MaxConcurrency is not set: "If you
 * don't specify, Step Functions runs 10,000 parallel child workflow executions"
 * (state-map-distributed).
 */
const DISTRIBUTED_DEFAULT_CONCURRENCY = 10_000;

/**
 * Advances an execution by one event.
 *
 * @param definition a definition accepted by `validateDefinition`.
 * @param snapshot the snapshot returned by the previous call; ignored for `ExecutionStarted`.
 * @returns the next snapshot, the commands to carry out, and the new history events.
 * @throws RangeError when the event does not fit the snapshot (an unknown task or timer id, or
 *   an event for a finished execution): a caller bug or replay mismatch, never an ASL error.
 */
export async function step(
  definition: StateMachineDefinition,
  snapshot: ExecutionSnapshot | undefined,
  event: StepEvent,
): Promise<StepResult> {
  const stepper = new Stepper(indexDefinition(definition), snapshot, event);
  await stepper.apply(event);
  return stepper.result();
}

/** Where a run goes after a state: on to the next state, or nowhere (it waits or ended). */
type Continuation = { readonly stateName: string; readonly input: JsonValue } | undefined;

/** ChildrenProgress while a step call works on it. */
interface WorkingChildren extends Omit<
  ChildrenProgress,
  | 'pending'
  | 'activeCount'
  | 'results'
  | 'mapRun'
  | 'maxConcurrency'
  | 'toleratedFailureCount'
  | 'toleratedFailurePercentage'
> {
  maxConcurrency: number;
  toleratedFailureCount?: number;
  toleratedFailurePercentage?: number;
  pending: readonly PendingChild[];
  /** Children before this index in `pending` have been launched (sliced off on flush). */
  nextPending: number;
  activeCount: number;
  readonly results: JsonValue[];
  failed: number;
  mapRun?: WorkingMapRun;
}

/** MapRunProgress while a step call works on it. */
interface WorkingMapRun {
  readonly arn: string;
  running: MapRunChild[];
  failedChildren: PendingChild[];
  succeeded: number;
  failed: number;
  timedOut: number;
  aborted: number;
}

type RunEnd =
  | { readonly ok: true; readonly output: JsonValue }
  | { readonly ok: false; readonly error: string; readonly cause: string };

type ExecutionEnd =
  | { readonly status: 'SUCCEEDED'; readonly output: JsonValue }
  | {
      readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED';
      readonly error: string;
      readonly cause: string;
    };

/** A mutable working copy of one snapshot, for the duration of one `step` call. */
class Stepper {
  private readonly runs: Map<string, Run>;
  private readonly commands: Command[] = [];
  private readonly history: HistoryEvent[] = [];
  private readonly queue: (() => Promise<void>)[] = [];
  private snapshot: ExecutionSnapshot;
  private nextId: number;
  private lastEventId: number;
  private readonly random: SeededRandom;
  private readonly now: string;
  private readonly tokenKey: string | undefined;
  private shared: ReturnType<typeof executionContext>;
  private readonly merged = new WeakMap<Run, JsonObject>();
  private readonly working = new Map<string, WorkingChildren>();
  /** Where each run that ended unsuccessfully in this step would resume on a redrive. */
  private readonly resume = new Map<string, Run>();
  /** Children progress of a Parallel/Map state at the moment a child failure failed it. */
  private readonly failedProgress = new Map<
    string,
    { readonly results: readonly JsonValue[]; readonly pending: readonly PendingChild[] }
  >();
  /** Map Runs that reached their final status in this step (no RUNNING update follows). */
  private readonly finishedMapRuns = new Set<string>();

  constructor(
    private readonly index: DefinitionIndex,
    snapshot: ExecutionSnapshot | undefined,
    event: StepEvent,
  ) {
    this.now = event.now;
    this.tokenKey = 'tokenKey' in event ? event.tokenKey : undefined;
    if (event.type === 'ExecutionStarted') {
      snapshot = initialSnapshot(event);
    } else if (snapshot === undefined) {
      throw new RangeError(`${event.type} needs the snapshot of a started execution`);
    }
    this.snapshot = snapshot;
    this.runs = takeRunsIndex(snapshot.runs);
    this.nextId = snapshot.nextId;
    this.lastEventId = snapshot.lastEventId;
    this.random = new SeededRandom(snapshot.rngState);
    this.shared = executionContext(snapshot.execution);
  }

  result(): StepResult {
    this.flushChildren();
    const runs = [...this.runs.values()];
    handOverRunsIndex(runs, this.runs);
    return {
      snapshot: {
        ...this.snapshot,
        runs,
        nextId: this.nextId,
        lastEventId: this.lastEventId,
        rngState: this.random.current,
      },
      commands: this.commands,
      history: this.history,
    };
  }

  async apply(event: StepEvent): Promise<void> {
    if (event.type === 'ExecutionRedriven') {
      this.redrive();
    } else if (this.snapshot.status !== 'RUNNING') {
      throw new RangeError(
        `${event.type} for an execution that is already ${this.snapshot.status}`,
      );
    }
    switch (event.type) {
      case 'ExecutionStarted':
        this.start();
        break;
      case 'TaskSucceeded':
        this.onTaskSucceeded(event.taskId, event.output);
        break;
      case 'TaskFailed':
      case 'TaskTimedOut':
        this.onTaskFailed(event.taskId, event.error, event.cause, event.type);
        break;
      case 'TaskStarted':
        this.onTaskStarted(event.taskId, event.workerName);
        break;
      case 'TaskSubmitted':
        this.onTaskSubmitted(event.taskId, event.output);
        break;
      case 'TimerFired':
        this.onTimerFired(event.timerId);
        break;
      case 'ExecutionStopped':
        this.finishExecution({
          status: event.timedOut === true ? 'TIMED_OUT' : 'ABORTED',
          error: event.error ?? '',
          cause: event.cause ?? '',
        });
        break;
      case 'ExecutionRedriven':
        break; // handled above, whatever the status
      case 'ChildExecutionEnded':
        this.onChildExecutionEnded(event);
        break;
      case 'MapRunUpdated':
        this.onMapRunUpdated(event);
        break;
      default:
        assertNever(event, 'event');
    }
    while (this.queue.length > 0 && this.snapshot.status === 'RUNNING') {
      const next = this.queue.shift();
      if (next) await next();
    }
  }

  // ------------------------------------------------------------------ events

  private start(): void {
    const { execution } = this.snapshot;
    this.record('ExecutionStarted', {
      executionStartedEventDetails: {
        input: execution.input,
        ...(execution.roleArn === undefined ? {} : { roleArn: execution.roleArn }),
        stateMachineArn: execution.stateMachineId,
      },
    });
    this.startExecutionTimeout();
    const startAt = this.index.root.StartAt;
    this.runs.set(ROOT_RUN, {
      id: ROOT_RUN,
      scope: '',
      variables: {},
      outerVariables: {},
      position: { kind: 'ready', stateName: startAt, input: execution.input },
    });
    const problem = this.incomingProblem(execution.input, 'The execution input');
    if (problem !== undefined) {
      this.endRun(ROOT_RUN, {
        ok: false,
        error: StatesErrorNames.DataLimitExceeded,
        cause: problem,
      });
      return;
    }
    this.queue.push(() => this.runFrom(ROOT_RUN, startAt, execution.input, undefined));
  }

  private onTaskSucceeded(taskId: string, output: JsonValue): void {
    if (jsonDepthExceeds(output, MAX_JSON_DEPTH)) {
      // Recorded as the task's failure: the value itself cannot be processed (or stored safely).
      const cause = `The task result nests deeper than ${MAX_JSON_DEPTH} levels.`;
      this.onTaskFailed(taskId, StatesErrorNames.DataLimitExceeded, cause, 'TaskFailed');
      return;
    }
    const { run, position } = this.findTask(taskId);
    const state = this.index.state(run.scope, position.stateName);
    if (isActivityState(state)) {
      this.record('ActivitySucceeded', { activitySucceededEventDetails: { output } });
    } else {
      this.record('TaskSucceeded', {
        taskSucceededEventDetails: { ...this.resourceDetails(state), output },
      });
    }
    this.queue.push(() =>
      this.continueWith(run.id, position.stateName, position.input, position.attempts, (env) =>
        state.Type === 'Task'
          ? completeTask(env, state, output)
          : Promise.reject(new RangeError(`task ${taskId} belongs to a ${state.Type} state`)),
      ),
    );
  }

  private onTaskFailed(
    taskId: string,
    error: string,
    cause: string,
    kind: 'TaskFailed' | 'TaskTimedOut',
  ): void {
    const { run, position } = this.findTask(taskId);
    const state = this.index.state(run.scope, position.stateName);
    if (isActivityState(state)) {
      this.record(
        kind === 'TaskFailed' ? 'ActivityFailed' : 'ActivityTimedOut',
        kind === 'TaskFailed'
          ? { activityFailedEventDetails: { error, cause } }
          : { activityTimedOutEventDetails: { error, cause } },
      );
    } else {
      const details = { ...this.resourceDetails(state), error, cause };
      this.record(
        kind,
        kind === 'TaskFailed'
          ? { taskFailedEventDetails: details }
          : { taskTimedOutEventDetails: details },
      );
    }
    this.queue.push(async () => {
      const next = await this.onStateError(
        run.id,
        position.stateName,
        position.input,
        position.attempts,
        error,
        cause,
      );
      if (next) await this.runFrom(run.id, next.stateName, next.input, undefined);
    });
  }

  private onTaskStarted(taskId: string, workerName: string | undefined): void {
    const { run, position } = this.findTask(taskId);
    if (position.started) return; // re-run after a crash: recorded the first time
    const state = this.index.state(run.scope, position.stateName);
    this.setPosition(run.id, { ...position, started: true });
    if (isActivityState(state)) {
      this.record('ActivityStarted', {
        activityStartedEventDetails: workerName === undefined ? {} : { workerName },
      });
    } else {
      this.record('TaskStarted', { taskStartedEventDetails: this.resourceDetails(state) });
    }
  }

  private onTaskSubmitted(taskId: string, output: JsonValue): void {
    const { run, position } = this.findTask(taskId);
    const state = this.index.state(run.scope, position.stateName);
    this.record('TaskSubmitted', {
      taskSubmittedEventDetails: { ...this.resourceDetails(state), output },
    });
  }

  private onTimerFired(timerId: string): void {
    if (timerId === EXECUTION_TIMEOUT_TIMER) {
      this.finishExecution({
        status: 'TIMED_OUT',
        error: StatesErrorNames.Timeout,
        cause: `The execution exceeded its TimeoutSeconds of ${this.index.root.TimeoutSeconds ?? 0} seconds.`,
      });
      return;
    }
    for (const run of this.runs.values()) {
      const position = run.position;
      if (position.kind !== 'timer' || position.timerId !== timerId) continue;
      if (position.purpose === 'retry') {
        this.queue.push(() =>
          this.runFrom(run.id, position.stateName, position.input, position.attempts),
        );
      } else {
        const state = this.index.state(run.scope, position.stateName);
        const waited = position.effectiveInput ?? position.input;
        this.queue.push(() =>
          this.continueWith(run.id, position.stateName, position.input, position.attempts, (env) =>
            state.Type === 'Wait'
              ? completeWait(env, state, waited)
              : Promise.reject(new RangeError(`timer ${timerId} belongs to a ${state.Type} state`)),
          ),
        );
      }
      return;
    }
    throw new RangeError(`no run is waiting on timer ${timerId}`);
  }

  // ------------------------------------------------------------ running states

  /** Enters `stateName` and keeps going through states until the run waits or ends. */
  private async runFrom(
    runId: string,
    stateName: string,
    input: JsonValue,
    retrying: Attempts | undefined,
  ): Promise<void> {
    let next: Continuation = { stateName, input };
    let attempts = retrying;
    while (next !== undefined && this.snapshot.status === 'RUNNING') {
      const run = this.runs.get(runId);
      if (!run) return; // cancelled while queued: a sibling branch failed or the execution ended
      const state = this.index.state(run.scope, next.stateName);
      const current: Attempts = attempts ?? {
        perRetrier: [],
        retryCount: 0,
        enteredTime: this.now,
      };
      if (attempts === undefined) {
        this.record(`${state.Type}StateEntered`, {
          stateEnteredEventDetails: { name: next.stateName, input: next.input },
        });
        if (this.snapshot.status !== 'RUNNING') return;
      }
      const entering = next;
      const continuation = this.continueWithOutcome(
        runId,
        entering.stateName,
        entering.input,
        current,
        () =>
          enterState(
            this.stateEnv(this.mustRun(runId), entering.stateName, state, entering.input, current),
          ),
      );
      // JSONPath states finish synchronously; awaiting only real promises keeps long chains
      // of Pass and Choice states off the microtask queue.
      next = isPromise(continuation) ? await continuation : continuation;
      attempts = undefined;
    }
  }

  /** Runs a completion (task result, timer, children) and then the rest of the run. */
  private async continueWith(
    runId: string,
    stateName: string,
    input: JsonValue,
    attempts: Attempts,
    complete: (env: StateEnv) => Awaitable<Finished & { readonly next: string | undefined }>,
  ): Promise<void> {
    const next = await this.continueWithOutcome(runId, stateName, input, attempts, () => {
      const run = this.mustRun(runId);
      const state = this.index.state(run.scope, stateName);
      return andThen(
        complete(this.stateEnv(run, stateName, state, input, attempts)),
        (finished): EnterOutcome => ({ kind: 'finished', finished, next: finished.next }),
      );
    });
    if (next) await this.runFrom(runId, next.stateName, next.input, undefined);
  }

  /** Produces a state's outcome and acts on it; an ASL error thrown on the way is an outcome too. */
  private continueWithOutcome(
    runId: string,
    stateName: string,
    input: JsonValue,
    attempts: Attempts,
    produce: () => Awaitable<EnterOutcome>,
  ): Awaitable<Continuation> {
    const handle = (outcome: EnterOutcome): Awaitable<Continuation> =>
      this.handleOutcome(runId, stateName, input, attempts, outcome);
    const onError = (error: unknown): Awaitable<Continuation> =>
      handle({ kind: 'error', ...toErrorPair(error) });
    let produced: Awaitable<EnterOutcome>;
    try {
      produced = produce();
    } catch (error: unknown) {
      return onError(error);
    }
    return isPromise(produced) ? produced.then(handle, onError) : handle(produced);
  }

  private handleOutcome(
    runId: string,
    stateName: string,
    input: JsonValue,
    attempts: Attempts,
    outcome: EnterOutcome,
  ): Awaitable<Continuation> {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    const state = this.index.state(run.scope, stateName);
    switch (outcome.kind) {
      case 'finished':
        return this.exitState(runId, stateName, state, outcome.finished, outcome.next);
      case 'error':
        return this.onStateError(runId, stateName, input, attempts, outcome.error, outcome.cause);
      case 'fail':
        this.endRun(
          runId,
          { ok: false, error: outcome.error, cause: outcome.cause },
          { stateName, input },
        );
        return undefined;
      case 'task': {
        const taskId = `t${this.nextId++}`;
        this.setPosition(runId, {
          kind: 'task',
          stateName,
          input,
          attempts,
          taskId,
          taskInput: outcome.input,
          ...(outcome.taskToken === undefined ? {} : { taskToken: outcome.taskToken }),
          ...(outcome.heartbeatSeconds === undefined
            ? {}
            : { heartbeatSeconds: outcome.heartbeatSeconds }),
        });
        const activity = isActivityResource(outcome.resource);
        const details: Record<string, JsonValue> = activity
          ? { resource: outcome.resource, input: outcome.input }
          : { ...this.resourceDetails(state), region: 'local', parameters: outcome.input };
        if (outcome.timeoutSeconds !== undefined)
          details['timeoutInSeconds'] = outcome.timeoutSeconds;
        if (outcome.heartbeatSeconds !== undefined)
          details['heartbeatInSeconds'] = outcome.heartbeatSeconds;
        if (activity) this.record('ActivityScheduled', { activityScheduledEventDetails: details });
        else this.record('TaskScheduled', { taskScheduledEventDetails: details });
        if (this.snapshot.status !== 'RUNNING') return undefined; // the history limit was hit
        this.commands.push({
          type: 'ScheduleTask',
          taskId,
          runId,
          stateName,
          resource: outcome.resource,
          input: outcome.input,
          ...(outcome.timeoutSeconds === undefined
            ? {}
            : { timeoutSeconds: outcome.timeoutSeconds }),
          ...(outcome.heartbeatSeconds === undefined
            ? {}
            : { heartbeatSeconds: outcome.heartbeatSeconds }),
          ...(outcome.credentials === undefined ? {} : { credentials: outcome.credentials }),
          ...(outcome.taskToken === undefined ? {} : { taskToken: outcome.taskToken }),
        });
        return undefined;
      }
      case 'wait': {
        const timerId = `w${this.nextId++}`;
        this.setPosition(runId, {
          kind: 'timer',
          stateName,
          input,
          attempts,
          timerId,
          purpose: 'wait',
          effectiveInput: outcome.effectiveInput,
        });
        this.commands.push({ type: 'StartTimer', timerId, dueAt: outcome.dueAt, purpose: 'wait' });
        return undefined;
      }
      case 'children':
        this.startChildren(runId, stateName, state, input, attempts, outcome);
        return undefined;
      default:
        return assertNever(outcome, 'state outcome');
    }
  }

  /** Records the exit, applies Assign, and says where the run goes next. */
  private exitState(
    runId: string,
    stateName: string,
    state: State,
    finished: Finished,
    next: string | undefined,
  ): Continuation {
    const run = this.mustRun(runId);
    const details: Record<string, JsonValue> = { name: stateName, output: finished.output };
    if (finished.assigned !== undefined) {
      const updated: Run = { ...run, variables: { ...run.variables, ...finished.assigned } };
      const limit = this.snapshot.limits.variablesBytes;
      if (exceedsJsonByteLength(this.visibleVariables(updated), limit)) {
        this.endRun(runId, {
          ok: false,
          error: StatesErrorNames.DataLimitExceeded,
          cause: `The variables assigned by state '${stateName}' bring the execution's variables over the limit of ${limit} bytes.`,
        });
        return undefined;
      }
      this.runs.set(runId, updated);
      details['assignedVariables'] = finished.assigned;
    }
    this.record(`${state.Type}StateExited`, { stateExitedEventDetails: details });
    if (next !== undefined) return { stateName: next, input: finished.output };
    this.endRun(runId, { ok: true, output: finished.output });
    return undefined;
  }

  /**
   * An error in a state: retry it (a timer), catch it (on to the catcher's Next), or end the
   * run with it. Only Task, Parallel and Map have Retry and Catch.
   */
  private async onStateError(
    runId: string,
    stateName: string,
    input: JsonValue,
    attempts: Attempts,
    error: string,
    cause: string,
  ): Promise<Continuation> {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    const state = this.index.state(run.scope, stateName);
    const decision = decideOnError(state, error, attempts.perRetrier, this.random);
    switch (decision.kind) {
      case 'fail':
        this.endRun(runId, { ok: false, error, cause }, { stateName, input });
        return undefined;
      case 'retry': {
        const timerId = `w${this.nextId++}`;
        this.setPosition(runId, {
          kind: 'timer',
          stateName,
          input,
          timerId,
          purpose: 'retry',
          attempts: {
            ...attempts,
            perRetrier: decision.perRetrier,
            retryCount: attempts.retryCount + 1,
          },
        });
        this.commands.push({
          type: 'StartTimer',
          timerId,
          dueAt: addSecondsToTimestamp(this.now, decision.delaySeconds),
          purpose: 'retry',
        });
        return undefined;
      }
      case 'catch':
        break;
      default:
        return assertNever(decision, 'error decision');
    }
    const { catcher } = decision;
    let finished: Finished;
    try {
      const env = this.stateEnv(run, stateName, state, input, attempts);
      finished = await finishWithCatcher(env.fields, catcher, { Error: error, Cause: cause });
    } catch (failure: unknown) {
      this.endRun(runId, { ok: false, ...toErrorPair(failure) }, { stateName, input });
      return undefined;
    }
    return this.exitState(runId, stateName, state, finished, catcher.Next);
  }

  // ------------------------------------------------------ Parallel and Map children

  private startChildren(
    runId: string,
    stateName: string,
    state: State,
    input: JsonValue,
    attempts: Attempts,
    outcome: ChildrenOutcome,
  ): void {
    const total = outcome.children.length;
    const distributed = isDistributedMap(state);
    const mapRun: MapRunProgress | undefined = distributed
      ? {
          arn: this.newMapRunArn(distributed.Label ?? stateName),
          running: [],
          failedChildren: [],
          succeeded: 0,
          failed: 0,
          timedOut: 0,
          aborted: 0,
        }
      : undefined;
    const children: ChildrenProgress = {
      pending: outcome.children,
      activeCount: 0,
      results: new Array<JsonValue>(total).fill(null),
      failed: 0,
      maxConcurrency: outcome.maxConcurrency,
      ...(outcome.toleratedFailureCount === undefined
        ? {}
        : { toleratedFailureCount: outcome.toleratedFailureCount }),
      ...(outcome.toleratedFailurePercentage === undefined
        ? {}
        : { toleratedFailurePercentage: outcome.toleratedFailurePercentage }),
      ...(mapRun === undefined ? {} : { mapRun }),
    };
    this.working.delete(runId); // a retried Parallel/Map starts over from fresh progress
    this.setPosition(runId, { kind: 'children', stateName, input, attempts, children });
    if (mapRun !== undefined && distributed) {
      // A Distributed Map records its Map Run instead of MapStateStarted and per-iteration
      // events: each iteration has the history of its own child execution.
      this.startMapRun(runId, stateName, distributed, mapRun.arn, children);
    } else if (state.Type === 'Map') {
      this.record('MapStateStarted', { mapStateStartedEventDetails: { length: total } });
    } else {
      this.record('ParallelStateStarted', undefined);
    }
    if (total === 0) {
      this.queue.push(() => this.completeChildrenOf(runId));
      return;
    }
    this.launchPending(runId);
  }

  /**
   * The progress of a Parallel or Map state, as a mutable working copy for this step call.
   * Iterations end one at a time; copying the arrays on each would make a Map over n items
   * cost O(n^2). `flushChildren` writes the copy back into the run's position.
   */
  private workingChildren(parentId: string): WorkingChildren | undefined {
    const existing = this.working.get(parentId);
    if (existing) return existing;
    const parent = this.runs.get(parentId);
    if (!parent || parent.position.kind !== 'children') return undefined;
    const progress = parent.position.children;
    const { mapRun, ...rest } = progress;
    const working: WorkingChildren = {
      ...rest,
      nextPending: 0,
      activeCount: progress.activeCount,
      results: [...progress.results],
      ...(mapRun === undefined
        ? {}
        : {
            mapRun: {
              ...mapRun,
              running: [...mapRun.running],
              failedChildren: [...mapRun.failedChildren],
            },
          }),
    };
    this.working.set(parentId, working);
    return working;
  }

  private flushChildren(): void {
    for (const [parentId, working] of this.working) {
      const parent = this.runs.get(parentId);
      if (!parent || parent.position.kind !== 'children') continue;
      const children: ChildrenProgress = {
        pending: working.pending.slice(working.nextPending),
        activeCount: working.activeCount,
        results: working.results,
        failed: working.failed,
        maxConcurrency: working.maxConcurrency,
        ...(working.toleratedFailureCount === undefined
          ? {}
          : { toleratedFailureCount: working.toleratedFailureCount }),
        ...(working.toleratedFailurePercentage === undefined
          ? {}
          : { toleratedFailurePercentage: working.toleratedFailurePercentage }),
        ...(working.mapRun === undefined ? {} : { mapRun: working.mapRun }),
      };
      this.runs.set(parentId, { ...parent, position: { ...parent.position, children } });
      if (working.mapRun !== undefined && !this.finishedMapRuns.has(working.mapRun.arn)) {
        this.updateMapRun(working, 'RUNNING');
      }
    }
    this.working.clear();
  }

  private launchPending(parentId: string): void {
    // The parent is gone when recording the last event hit the history limit.
    const parent = this.runs.get(parentId);
    const progress = this.workingChildren(parentId);
    if (!parent || parent.position.kind !== 'children' || !progress) return;
    if (progress.mapRun !== undefined) {
      this.launchChildExecutions(progress, progress.mapRun);
      return;
    }
    const limit = progress.maxConcurrency === 0 ? Infinity : progress.maxConcurrency;
    const parentState = this.index.state(parent.scope, parent.position.stateName);
    const isMap = parentState.Type === 'Map';
    // Child workflows of a Distributed Map run as executions of their own and cannot read the
    // outer scope's variables (AWS workflow-variables, "Variable scope"); Parallel branches and
    // inline Map iterations can.
    const isDistributed =
      parentState.Type === 'Map' &&
      parentState.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
    const outer = isDistributed ? {} : this.visibleVariables(parent);
    const stateName = parent.position.stateName;
    while (progress.nextPending < progress.pending.length && progress.activeCount < limit) {
      const child = progress.pending[progress.nextPending++];
      if (!child) break;
      const scope = isMap
        ? mapScope(parent.scope, stateName)
        : parallelScope(parent.scope, stateName, child.index);
      const childId = `r${this.nextId++}`;
      progress.activeCount++;
      const startAt = this.index.branch(scope).StartAt;
      this.runs.set(childId, {
        id: childId,
        scope,
        parent: { runId: parentId, index: child.index },
        variables: {},
        outerVariables: outer,
        position: { kind: 'ready', stateName: startAt, input: child.input },
      });
      if (isMap) {
        this.record('MapIterationStarted', {
          mapIterationStartedEventDetails: { name: parent.position.stateName, index: child.index },
        });
        if (this.snapshot.status !== 'RUNNING') return;
      }
      const input = child.input;
      this.queue.push(() => this.runFrom(childId, startAt, input, undefined));
    }
  }

  private childEnded(child: Run, end: RunEnd): void {
    this.runs.delete(child.id);
    if (!child.parent) return;
    const parent = this.runs.get(child.parent.runId);
    const progress = this.workingChildren(child.parent.runId);
    if (!parent || parent.position.kind !== 'children' || !progress) return;
    const position = parent.position;
    const isMap = this.index.state(parent.scope, position.stateName).Type === 'Map';
    const index = child.parent.index;
    progress.activeCount--;
    const iteration = { name: position.stateName, index };
    let failure: { error: string; cause: string } | undefined;
    if (end.ok) {
      progress.results[index] = end.output;
      if (isMap) {
        this.record('MapIterationSucceeded', { mapIterationSucceededEventDetails: iteration });
      }
    } else {
      progress.failed++;
      if (isMap) this.record('MapIterationFailed', { mapIterationFailedEventDetails: iteration });
      const tolerates =
        progress.toleratedFailureCount !== undefined ||
        progress.toleratedFailurePercentage !== undefined;
      if (!tolerates) {
        failure = { error: end.error, cause: end.cause };
      } else if (exceedsTolerance(progress, progress.failed)) {
        failure = {
          error: StatesErrorNames.ExceedToleratedFailureThreshold,
          cause: 'The specified tolerated failure threshold for the Map Run was exceeded.',
        };
      } else {
        progress.results[index] = { Error: end.error, Cause: end.cause };
      }
    }
    if (failure) {
      this.failedProgress.set(parent.id, {
        results: [...progress.results],
        pending: progress.pending.slice(progress.nextPending),
      });
      this.abortChildren(parent.id);
      this.record(isMap ? 'MapStateFailed' : 'ParallelStateFailed', undefined);
      const { error, cause } = failure;
      this.queue.push(async () => {
        const next = await this.onStateError(
          parent.id,
          position.stateName,
          position.input,
          position.attempts,
          error,
          cause,
        );
        if (next) await this.runFrom(parent.id, next.stateName, next.input, undefined);
      });
      return;
    }
    if (progress.activeCount === 0 && progress.nextPending >= progress.pending.length) {
      this.queue.push(() => this.completeChildrenOf(parent.id));
      return;
    }
    this.launchPending(parent.id);
  }

  private async completeChildrenOf(parentId: string): Promise<void> {
    const parent = this.runs.get(parentId);
    if (!parent || parent.position.kind !== 'children') return;
    const { stateName, input, attempts } = parent.position;
    const working = this.workingChildren(parentId);
    const results = working?.results ?? parent.position.children.results;
    const state = this.index.state(parent.scope, stateName);
    if (working?.mapRun !== undefined) {
      this.updateMapRun(working, 'SUCCEEDED');
      this.record('MapRunSucceeded', undefined);
    } else {
      this.record(state.Type === 'Map' ? 'MapStateSucceeded' : 'ParallelStateSucceeded', undefined);
    }
    this.working.delete(parentId);
    if (this.snapshot.status !== 'RUNNING') return;
    await this.continueWith(parentId, stateName, input, attempts, (env) =>
      state.Type === 'Map' || state.Type === 'Parallel'
        ? completeChildren(env, state, results)
        : Promise.reject(new RangeError(`children of a ${state.Type} state`)),
    );
  }

  // ------------------------------------------------------- Distributed Map runs

  /** `arn:aws:states:REGION:ACCOUNT:mapRun:MACHINE/LABEL:UUID`, the UUID from the seeded PRNG. */
  private newMapRunArn(label: string): string {
    const machine = this.snapshot.execution.stateMachineId;
    const base = machine.includes(':stateMachine:')
      ? machine.replace(':stateMachine:', ':mapRun:')
      : `${machine}:mapRun`;
    return `${base}/${label}:${uuidV4(this.random)}`;
  }

  private startMapRun(
    runId: string,
    stateName: string,
    state: MapState,
    mapRunArn: string,
    children: ChildrenProgress,
  ): void {
    const run = this.mustRun(runId);
    const processor = this.index.branch(mapScope(run.scope, stateName));
    // The ItemProcessor runs as a state machine of its own; it inherits the Map state's query
    // language unless it names one (transforming-data: QueryLanguage is set per state or above).
    const language = processor.QueryLanguage ?? this.index.queryLanguage(run.scope, state);
    const definition: StateMachineDefinition = {
      StartAt: processor.StartAt,
      States: processor.States,
      ...(language === 'JSONata' ? { QueryLanguage: language } : {}),
    };
    // The record goes first: should the event hit the history limit, the Map Run's abort
    // (from the execution's end) then follows its start.
    this.commands.push({
      type: 'StartMapRun',
      mapRunArn,
      stateName,
      machineName: `${this.snapshot.execution.stateMachineName}/${state.Label ?? stateName}`,
      definition,
      maxConcurrency: children.maxConcurrency,
      ...(children.toleratedFailureCount === undefined
        ? {}
        : { toleratedFailureCount: children.toleratedFailureCount }),
      ...(children.toleratedFailurePercentage === undefined
        ? {}
        : { toleratedFailurePercentage: children.toleratedFailurePercentage }),
      itemCount: children.results.length,
    });
    this.record('MapRunStarted', { mapRunStartedEventDetails: { mapRunArn } });
  }

  /** Starts child executions for pending items, up to MaxConcurrency running at once. */
  private launchChildExecutions(progress: WorkingChildren, mapRun: WorkingMapRun): void {
    const limit =
      progress.maxConcurrency === 0 ? DISTRIBUTED_DEFAULT_CONCURRENCY : progress.maxConcurrency;
    while (progress.nextPending < progress.pending.length && progress.activeCount < limit) {
      const child = progress.pending[progress.nextPending++];
      if (!child) break;
      // The name is fixed here, in the command, so starting it again after a crash finds the
      // same child execution. AWS names children with UUIDs too.
      const name = uuidV4(this.random);
      progress.activeCount++;
      mapRun.running.push({ index: child.index, input: child.input, name });
      this.commands.push({
        type: 'StartChildExecution',
        mapRunArn: mapRun.arn,
        name,
        index: child.index,
        input: child.input,
      });
    }
  }

  private onChildExecutionEnded(event: Extract<StepEvent, { type: 'ChildExecutionEnded' }>): void {
    for (const run of this.runs.values()) {
      const position = run.position;
      if (position.kind !== 'children' || position.children.mapRun?.arn !== event.mapRunArn) {
        continue;
      }
      const progress = this.workingChildren(run.id);
      const mapRun = progress?.mapRun;
      const at = mapRun?.running.findIndex((child) => child.name === event.name) ?? -1;
      const child = mapRun?.running[at];
      if (!progress || !mapRun || !child) break;
      mapRun.running.splice(at, 1);
      progress.activeCount--;
      this.settleChildExecution(run.id, position, progress, mapRun, child, event);
      return;
    }
    throw new RangeError(
      `no Map Run ${event.mapRunArn} waits on a child execution named ${event.name}`,
    );
  }

  private onMapRunUpdated(event: Extract<StepEvent, { type: 'MapRunUpdated' }>): void {
    for (const run of this.runs.values()) {
      const position = run.position;
      if (position.kind !== 'children' || position.children.mapRun?.arn !== event.mapRunArn) {
        continue;
      }
      const progress = this.workingChildren(run.id);
      const mapRun = progress?.mapRun;
      if (!progress || !mapRun) break;
      if (event.maxConcurrency !== undefined) progress.maxConcurrency = event.maxConcurrency;
      if (event.toleratedFailureCount !== undefined) {
        progress.toleratedFailureCount = event.toleratedFailureCount;
      }
      if (event.toleratedFailurePercentage !== undefined) {
        progress.toleratedFailurePercentage = event.toleratedFailurePercentage;
      }
      // A lower threshold may already be exceeded; a higher concurrency starts more children.
      if (progress.failed > 0 && exceedsTolerance(progress, progress.failed)) {
        this.failMapRun(run.id, position, progress, mapRun);
      } else {
        this.launchChildExecutions(progress, mapRun);
      }
      return;
    }
    throw new RangeError(`no running Map Run ${event.mapRunArn}`);
  }

  private settleChildExecution(
    parentId: string,
    position: Extract<Position, { kind: 'children' }>,
    progress: WorkingChildren,
    mapRun: WorkingMapRun,
    child: MapRunChild,
    event: Extract<StepEvent, { type: 'ChildExecutionEnded' }>,
  ): void {
    if (event.status === 'SUCCEEDED') {
      mapRun.succeeded++;
      progress.results[child.index] = event.output ?? null;
    } else {
      if (event.status === 'TIMED_OUT') mapRun.timedOut++;
      else if (event.status === 'ABORTED') mapRun.aborted++;
      else mapRun.failed++;
      progress.failed++;
      mapRun.failedChildren.push({ index: child.index, input: child.input });
      if (exceedsTolerance(progress, progress.failed)) {
        this.failMapRun(parentId, position, progress, mapRun);
        return;
      }
      progress.results[child.index] = {
        Error: event.error ?? (event.status === 'TIMED_OUT' ? StatesErrorNames.Timeout : ''),
        Cause: event.cause ?? '',
      };
    }
    if (progress.activeCount === 0 && progress.nextPending >= progress.pending.length) {
      this.queue.push(() => this.completeChildrenOf(parentId));
      return;
    }
    this.launchChildExecutions(progress, mapRun);
  }

  /** More children failed than the Map tolerates: the Map Run fails, and with it the state. */
  private failMapRun(
    parentId: string,
    position: Extract<Position, { kind: 'children' }>,
    progress: WorkingChildren,
    mapRun: WorkingMapRun,
  ): void {
    this.failedProgress.set(parentId, {
      results: [...progress.results],
      pending: unfinishedChildren(mapRun, progress.pending.slice(progress.nextPending)),
    });
    this.stopChildExecutions(progress, mapRun);
    this.updateMapRun(progress, 'FAILED');
    // state-map-distributed, "Failure threshold": going over it fails the Map Run with
    // States.ExceedToleratedFailureThreshold.
    const error = StatesErrorNames.ExceedToleratedFailureThreshold;
    const cause = 'The specified tolerated failure threshold for the Map Run was exceeded.';
    this.record('MapRunFailed', { mapRunFailedEventDetails: { error, cause } });
    this.queue.push(async () => {
      const next = await this.onStateError(
        parentId,
        position.stateName,
        position.input,
        position.attempts,
        error,
        cause,
      );
      if (next) await this.runFrom(parentId, next.stateName, next.input, undefined);
    });
  }

  /** Stops the Map Run's running children; they count as aborted. */
  private stopChildExecutions(progress: WorkingChildren, mapRun: WorkingMapRun): void {
    for (const child of mapRun.running) {
      this.commands.push({ type: 'StopChildExecution', mapRunArn: mapRun.arn, name: child.name });
    }
    mapRun.aborted += mapRun.running.length;
    mapRun.running = [];
    progress.activeCount = 0;
  }

  /** The execution ended, or an enclosing branch was cancelled, while the Map Run ran. */
  private abortMapRun(runId: string, final: boolean): void {
    const progress = this.workingChildren(runId);
    const mapRun = progress?.mapRun;
    if (!progress || !mapRun || this.finishedMapRuns.has(mapRun.arn)) return;
    this.stopChildExecutions(progress, mapRun);
    this.updateMapRun(progress, 'ABORTED');
    // As the execution ends, the event goes in only while the end event still fits under the
    // history limit (an execution failed by the limit records nothing after it but its end).
    const fits = this.lastEventId + 2 <= this.snapshot.limits.historyEvents;
    if (!final || fits) this.record('MapRunAborted', undefined, final);
  }

  private updateMapRun(progress: WorkingChildren, status: MapRunStatus): void {
    const mapRun = progress.mapRun;
    if (mapRun === undefined) return;
    if (status !== 'RUNNING') this.finishedMapRuns.add(mapRun.arn);
    const pending = progress.pending.length - progress.nextPending;
    this.commands.push({
      type: 'UpdateMapRun',
      mapRunArn: mapRun.arn,
      status,
      counts: countsOf(pending, progress.results.length, mapRun),
      ...limitsOf(progress),
    });
  }

  /** Cancels every unfinished child of a Parallel or Map state, and their descendants. */
  private abortChildren(parentId: string): void {
    const progress = this.workingChildren(parentId);
    const parent = this.runs.get(parentId);
    if (!progress || !parent || parent.position.kind !== 'children') return;
    if (progress.mapRun !== undefined) {
      this.stopChildExecutions(progress, progress.mapRun);
      progress.pending = [];
      progress.nextPending = 0;
      return;
    }
    const name = parent.position.stateName;
    const isMap = this.index.state(parent.scope, name).Type === 'Map';
    const childrenOf = this.childrenIndex();
    for (const childId of childrenOf.get(parentId) ?? []) {
      const index = this.runs.get(childId)?.parent?.index;
      if (isMap && index !== undefined) {
        this.record('MapIterationAborted', { mapIterationAbortedEventDetails: { name, index } });
      }
      this.cancelRunTree(childId, childrenOf);
    }
    progress.activeCount = 0;
    progress.pending = [];
    progress.nextPending = 0;
  }

  private cancelRunTree(runId: string, childrenOf = this.childrenIndex()): void {
    for (const childId of childrenOf.get(runId) ?? []) this.cancelRunTree(childId, childrenOf);
    const run = this.runs.get(runId);
    if (!run) return;
    this.captureResume(run);
    this.cancelPosition(run.position, run.id, false);
    this.working.delete(runId);
    this.runs.delete(runId);
  }

  /** Parent run id -> child run ids, built once per cancellation instead of a scan per run. */
  private childrenIndex(): Map<string, string[]> {
    const index = new Map<string, string[]>();
    for (const run of this.runs.values()) {
      if (run.parent === undefined) continue;
      const siblings = index.get(run.parent.runId);
      if (siblings) siblings.push(run.id);
      else index.set(run.parent.runId, [run.id]);
    }
    return index;
  }

  /**
   * Cancels what a run waits on. `final`: the execution is ending, so a Map Run's end is
   * recorded without the history-limit check (it is part of the execution's last events).
   */
  private cancelPosition(position: Position, runId: string, final: boolean): void {
    if (position.kind === 'task')
      this.commands.push({ type: 'CancelTask', taskId: position.taskId });
    if (position.kind === 'timer')
      this.commands.push({ type: 'CancelTimer', timerId: position.timerId });
    if (position.kind === 'children' && position.children.mapRun !== undefined) {
      this.abortMapRun(runId, final);
    }
  }

  // ------------------------------------------------------------- run endings

  private endRun(runId: string, end: RunEnd, at?: ResumeAt): void {
    const run = this.runs.get(runId);
    if (!run) return;
    if (!end.ok) this.captureResume(run, at);
    if (runId === ROOT_RUN) {
      this.finishExecution(
        end.ok
          ? { status: 'SUCCEEDED', output: end.output }
          : { status: 'FAILED', error: end.error, cause: end.cause },
      );
      return;
    }
    this.childEnded(run, end);
  }

  private finishExecution(end: ExecutionEnd): void {
    for (const run of this.runs.values()) {
      // The run whose failure ends the execution was captured already, at its failing state.
      if (end.status !== 'SUCCEEDED' && !this.resume.has(run.id)) this.captureResume(run);
      this.cancelPosition(run.position, run.id, true);
    }
    if (this.index.root.TimeoutSeconds !== undefined && !(end.status === 'TIMED_OUT')) {
      this.commands.push({ type: 'CancelTimer', timerId: EXECUTION_TIMEOUT_TIMER });
    }
    this.runs.clear();
    this.queue.length = 0;
    if (end.status === 'SUCCEEDED') {
      this.snapshot = { ...this.snapshot, status: 'SUCCEEDED', output: end.output };
      this.record(
        'ExecutionSucceeded',
        { executionSucceededEventDetails: { output: end.output } },
        true,
      );
      this.commands.push({ type: 'CompleteExecution', status: 'SUCCEEDED', output: end.output });
      return;
    }
    const { status, error, cause } = end;
    // AWS leaves error and cause out of the record when there are none (a Fail state without
    // Error, StopExecution without a cause), rather than sending empty strings.
    const named = { ...(error === '' ? {} : { error }), ...(cause === '' ? {} : { cause }) };
    const runs = this.redriveRuns();
    this.snapshot = {
      ...this.snapshot,
      status,
      ...named,
      ...(runs.length === 0 ? {} : { redrive: { runs } }),
    };
    const eventType = {
      FAILED: 'ExecutionFailed',
      TIMED_OUT: 'ExecutionTimedOut',
      ABORTED: 'ExecutionAborted',
    }[status];
    const detailsKey = {
      FAILED: 'executionFailedEventDetails',
      TIMED_OUT: 'executionTimedOutEventDetails',
      ABORTED: 'executionAbortedEventDetails',
    }[status];
    this.record(eventType, { [detailsKey]: named }, true);
    this.commands.push({ type: 'CompleteExecution', status, error, cause });
  }

  /** The execution-level TimeoutSeconds, counted from now (a start, or a redrive). */
  private startExecutionTimeout(): void {
    const timeout = this.index.root.TimeoutSeconds;
    if (timeout === undefined) return;
    this.commands.push({
      type: 'StartTimer',
      timerId: EXECUTION_TIMEOUT_TIMER,
      dueAt: addSecondsToTimestamp(this.now, timeout),
      purpose: 'execution-timeout',
    });
  }

  // ---------------------------------------------------------------- redrive

  /** Records where `run` resumes on a redrive: the state it stopped in, entered afresh. */
  private captureResume(run: Run, at?: ResumeAt): void {
    const position = run.position;
    const stateName = at?.stateName ?? ('stateName' in position ? position.stateName : undefined);
    const input = at?.input ?? ('input' in position ? position.input : undefined);
    if (stateName === undefined || input === undefined) return;
    let resumed: Position = { kind: 'ready', stateName, input };
    if (position.kind === 'children' && position.stateName === stateName) {
      const failed = this.failedProgress.get(run.id);
      const live = this.workingChildren(run.id);
      const results = failed?.results ?? live?.results ?? position.children.results;
      const mapRun = live?.mapRun ?? position.children.mapRun;
      const pending =
        failed?.pending ??
        (live ? live.pending.slice(live.nextPending) : position.children.pending);
      resumed = {
        kind: 'children',
        stateName,
        input,
        attempts: { perRetrier: [], retryCount: 0, enteredTime: this.now },
        children: {
          ...position.children,
          results: [...results],
          // A Map Run's redrive runs its failed, aborted and unstarted children again
          // (redrive-map-run); the succeeded ones keep their results.
          pending:
            mapRun === undefined || failed !== undefined
              ? pending
              : unfinishedChildren(mapRun, pending),
          activeCount: 0,
          failed: 0,
          ...(mapRun === undefined
            ? {}
            : {
                mapRun: {
                  ...mapRun,
                  running: [],
                  failedChildren: [],
                  failed: 0,
                  timedOut: 0,
                  aborted: 0,
                },
              }),
        },
      };
    }
    this.resume.set(run.id, { ...run, position: resumed });
  }

  /**
   * The captured runs that belong to the execution's unfinished path: the top-level run, and
   * under a Parallel/Map state that resumes with its children, the children captured in it.
   * Runs captured under a state that was caught or retried afterwards are left out.
   */
  private redriveRuns(): Run[] {
    const root = this.resume.get(ROOT_RUN);
    if (!root) return [];
    const kept = new Map<string, Run>([[ROOT_RUN, root]]);
    for (let grew = true; grew;) {
      grew = false;
      for (const run of this.resume.values()) {
        if (kept.has(run.id) || run.parent === undefined) continue;
        const parent = kept.get(run.parent.runId);
        if (parent?.position.kind !== 'children') continue;
        const name = parent.position.stateName;
        const belongs =
          run.scope === mapScope(parent.scope, name) ||
          run.scope === parallelScope(parent.scope, name, run.parent.index);
        if (!belongs) continue;
        kept.set(run.id, run);
        grew = true;
      }
    }
    return [...kept.values()];
  }

  /** Continues an unsuccessful execution from the runs its end recorded. */
  private redrive(): void {
    const { status, redrive } = this.snapshot;
    if (status === 'RUNNING' || status === 'SUCCEEDED' || redrive === undefined) {
      throw new RangeError(`a ${status} execution without a redrive point cannot be redriven`);
    }
    const redriveCount = this.snapshot.execution.redriveCount + 1;
    const execution = { ...this.snapshot.execution, redriveCount, redriveTime: this.now };
    const rest: Mutable<ExecutionSnapshot> = { ...this.snapshot, status: 'RUNNING', execution };
    delete rest.output;
    delete rest.error;
    delete rest.cause;
    delete rest.redrive;
    this.snapshot = rest;
    this.shared = executionContext(execution);
    this.record('ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount } });
    this.startExecutionTimeout();
    const resumedChildren = new Map<string, number>();
    for (const run of redrive.runs) {
      this.runs.set(run.id, run);
      if (run.parent !== undefined) {
        const { runId } = run.parent;
        resumedChildren.set(runId, (resumedChildren.get(runId) ?? 0) + 1);
      }
    }
    for (const run of redrive.runs) {
      const position = run.position;
      if (position.kind === 'ready') {
        this.queue.push(() => this.runFrom(run.id, position.stateName, position.input, undefined));
      } else if (position.kind === 'children') {
        const activeCount = resumedChildren.get(run.id) ?? 0;
        const children = { ...position.children, activeCount };
        this.runs.set(run.id, { ...run, position: { ...position, children } });
        const mapRun = children.mapRun;
        if (mapRun !== undefined) {
          this.record('MapRunRedriven', {
            mapRunRedrivenEventDetails: { mapRunArn: mapRun.arn, redriveCount },
          });
          this.commands.push({
            type: 'UpdateMapRun',
            mapRunArn: mapRun.arn,
            status: 'RUNNING',
            counts: countsOf(children.pending.length, children.results.length, mapRun),
            ...limitsOf(children),
            redriven: true,
          });
        }
        if (activeCount === 0 && children.pending.length === 0) {
          this.queue.push(() => this.completeChildrenOf(run.id));
        } else {
          this.launchPending(run.id);
        }
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private stateEnv(
    run: Run,
    stateName: string,
    state: State,
    input: JsonValue,
    attempts: Attempts,
  ): StateEnv {
    const language: QueryLanguage = this.index.queryLanguage(run.scope, state);
    const stateContext: StateContext = {
      name: stateName,
      enteredTime: attempts.enteredTime,
      retryCount: attempts.retryCount,
    };
    const fields = new StateFields(
      language,
      stateName,
      input,
      this.shared,
      stateContext,
      this.visibleVariables(run),
      this.random,
      this.now,
      this.snapshot.limits.payloadBytes,
    );
    return {
      fields,
      state,
      stateName,
      now: this.now,
      contextWith: (extra) => contextObject(this.shared, { ...stateContext, ...extra }),
      newTaskToken: () => this.newTaskToken(),
    };
  }

  /**
   * A task token: the execution id and a counter make it unique; its secret part is an HMAC
   * under the event's `tokenKey` (see task-token.ts), or PRNG draws when the caller gave none
   * (the local runner, where tokens guard nothing).
   */
  private newTaskToken(): string {
    if (this.tokenKey !== undefined) {
      return taskToken(this.snapshot.execution.id, this.nextId, this.tokenKey);
    }
    const hex = (): string =>
      Math.floor(this.random.nextFloat() * 0x1_0000_0000)
        .toString(16)
        .padStart(8, '0');
    return `${this.snapshot.execution.id}#${this.nextId}#${hex()}${hex()}${hex()}${hex()}`;
  }

  private visibleVariables(run: Run): JsonObject {
    if (Object.keys(run.outerVariables).length === 0) return run.variables;
    const cached = this.merged.get(run);
    if (cached) return cached;
    const merged = { ...run.outerVariables, ...run.variables };
    this.merged.set(run, merged);
    return merged;
  }

  private resourceDetails(state: State): { resourceType: string; resource: string } {
    return state.Type === 'Task'
      ? resourceParts(state.Resource)
      : { resourceType: '', resource: '' };
  }

  private findTask(taskId: string): { run: Run; position: Extract<Position, { kind: 'task' }> } {
    for (const run of this.runs.values()) {
      if (run.position.kind === 'task' && run.position.taskId === taskId) {
        return { run, position: run.position };
      }
    }
    throw new RangeError(`no run is waiting on task ${taskId}`);
  }

  private mustRun(runId: string): Run {
    const run = this.runs.get(runId);
    if (!run) throw new RangeError(`run ${runId} does not exist`);
    return run;
  }

  private setPosition(runId: string, position: Position): void {
    const run = this.mustRun(runId);
    this.runs.set(runId, { ...run, position });
  }

  /** Why a value arriving from outside cannot enter the execution, if it cannot. */
  private incomingProblem(value: JsonValue, what: string): string | undefined {
    if (jsonDepthExceeds(value, MAX_JSON_DEPTH)) {
      return `${what} nests deeper than ${MAX_JSON_DEPTH} levels.`;
    }
    const limit = this.snapshot.limits.payloadBytes;
    if (exceedsJsonByteLength(value, limit))
      return `${what} is larger than the limit of ${limit} bytes.`;
    return undefined;
  }

  /**
   * Appends a history event. Past the history limit the execution fails with States.Runtime,
   * as AWS fails executions that exceed 25,000 events (service-quotas).
   */
  private record(type: string, details: JsonObject | undefined, final = false): void {
    // Nothing follows the execution's last event, e.g. MapStateFailed after the history limit.
    if (!final && this.snapshot.status !== 'RUNNING') return;
    const id = ++this.lastEventId;
    this.history.push({
      id,
      previousEventId: id - 1,
      timestamp: this.now,
      type,
      ...(details ?? {}),
    });
    if (!final && id >= this.snapshot.limits.historyEvents && this.snapshot.status === 'RUNNING') {
      this.finishExecution({
        status: 'FAILED',
        error: StatesErrorNames.Runtime,
        cause: `The execution reached the maximum number of history events (${this.snapshot.limits.historyEvents}).`,
      });
    }
  }
}

/**
 * The FieldEnv of one state. A class, so the lazy `context` getter lives on the prototype:
 * most states never read the context object, and building it for each would cost more than
 * the state itself.
 */
class StateFields implements FieldEnv {
  private built: JsonObject | undefined;
  constructor(
    readonly language: QueryLanguage,
    readonly stateName: string,
    readonly input: JsonValue,
    private readonly shared: ReturnType<typeof executionContext>,
    private readonly stateContext: StateContext,
    readonly variables: JsonObject,
    readonly random: SeededRandom,
    readonly now: string,
    readonly payloadLimit: number,
  ) {}

  get context(): JsonObject {
    return (this.built ??= contextObject(this.shared, this.stateContext));
  }
}

/**
 * The runs index a `step` call built, handed to the next call that is given the snapshot it
 * returned, so a driver feeding events one after another does not rebuild an index of every
 * live run per event (a Map over n items would cost O(n) per task result). Entries are taken
 * once: a second step from the same snapshot (a replay, a retry of a failed commit) finds no
 * entry and rebuilds from the plain array, so results never depend on this cache.
 */
const runsIndexes = new WeakMap<readonly Run[], Map<string, Run>>();

function handOverRunsIndex(runs: readonly Run[], index: Map<string, Run>): void {
  runsIndexes.set(runs, index);
}

function takeRunsIndex(runs: readonly Run[]): Map<string, Run> {
  const index = runsIndexes.get(runs);
  if (index !== undefined) {
    runsIndexes.delete(runs);
    return index;
  }
  const built = new Map<string, Run>();
  for (const run of runs) built.set(run.id, run);
  return built;
}

function initialSnapshot(
  event: Extract<StepEvent, { type: 'ExecutionStarted' }>,
): ExecutionSnapshot {
  return {
    format: 1,
    status: 'RUNNING',
    execution: {
      ...event.execution,
      startTime: event.now,
      redriveCount: event.execution.redriveCount ?? 0,
    },
    limits: { ...DEFAULT_LIMITS, ...event.limits },
    runs: [],
    nextId: 1,
    lastEventId: 0,
    rngState: (event.seed ?? 0x2f6b_9a1d) | 0,
  };
}

function isDistributedMap(state: State): MapState | undefined {
  return state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED'
    ? state
    : undefined;
}

/** The items a Map Run still owes: its running and failed children, then `pending`, in order. */
function unfinishedChildren(
  mapRun: Pick<MapRunProgress, 'running' | 'failedChildren'>,
  pending: readonly PendingChild[],
): PendingChild[] {
  return [
    ...mapRun.running.map((child) => ({ index: child.index, input: child.input })),
    ...mapRun.failedChildren,
    ...pending,
  ].sort((a, b) => a.index - b.index);
}

/** A Map Run's limits as UpdateMapRun carries them. */
function limitsOf(
  progress: Pick<
    ChildrenProgress,
    'maxConcurrency' | 'toleratedFailureCount' | 'toleratedFailurePercentage'
  >,
): {
  maxConcurrency: number;
  toleratedFailureCount?: number;
  toleratedFailurePercentage?: number;
} {
  return {
    maxConcurrency: progress.maxConcurrency,
    ...(progress.toleratedFailureCount === undefined
      ? {}
      : { toleratedFailureCount: progress.toleratedFailureCount }),
    ...(progress.toleratedFailurePercentage === undefined
      ? {}
      : { toleratedFailurePercentage: progress.toleratedFailurePercentage }),
  };
}

function countsOf(
  pending: number,
  total: number,
  mapRun: Omit<MapRunProgress, 'arn' | 'failedChildren'>,
): MapRunCounts {
  return {
    pending,
    running: mapRun.running.length,
    succeeded: mapRun.succeeded,
    failed: mapRun.failed,
    timedOut: mapRun.timedOut,
    aborted: mapRun.aborted,
    total,
  };
}

function exceedsTolerance(progress: WorkingChildren, failed: number): boolean {
  if (progress.toleratedFailureCount !== undefined && failed > progress.toleratedFailureCount)
    return true;
  const total = progress.results.length;
  if (progress.toleratedFailurePercentage !== undefined && total > 0) {
    return (failed / total) * 100 > progress.toleratedFailurePercentage;
  }
  return false;
}

/** Narrows a throwable from state evaluation to an ASL error; anything else is a bug. */
function toErrorPair(error: unknown): { error: string; cause: string } {
  if (error instanceof StatesError) return { error: error.error, cause: error.cause };
  throw error;
}

/** `now` plus a number of seconds, as an RFC 3339 UTC timestamp. */
function addSecondsToTimestamp(now: string, seconds: number): string {
  const base = parseTimestamp(now);
  if (base === undefined) throw new RangeError(`event time "${now}" is not an RFC 3339 timestamp`);
  return formatTimestamp(addSecondsCapped(base, seconds));
}

function isActivityState(state: State): boolean {
  return state.Type === 'Task' && isActivityResource(state.Resource);
}

/** The state an unsuccessful run stopped in, when its position no longer says so. */
interface ResumeAt {
  readonly stateName: string;
  readonly input: JsonValue;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
