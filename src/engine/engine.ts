/**
 * The durable engine: drives the pure `step` and makes its results durable. Every event is
 * applied as load snapshot -> step -> commit (snapshot, events, scheduled and retired work in
 * one transaction, as a compare-and-set on the execution's revision). Waits, retry back-off and
 * timeouts are rows with due times that any node claims (`tick`); nothing sleeps in memory.
 *
 * Guarantees: a transition is applied exactly once (a losing commit changes nothing and is
 * retried from a fresh read); a timer fires into exactly one transition (its row is retired by
 * the same commit); a task is started at least once (a node that dies mid-task leaves a lease
 * that runs out, and another node runs it again with the same idempotency key).
 */
import type { Clock, JsonValue } from '../common/index.js';
import { Napper, assertNever } from '../common/index.js';
import type { TaskOutcome, TaskRunner } from '../integrations/index.js';
import type {
  Command,
  ExecutionSnapshot,
  Limits,
  StateMachineDefinition,
  StepEvent,
  StepResult,
} from '../language/index.js';
import {
  executionOfToken,
  formatTimestamp,
  isActivityResource,
  parseTimestamp,
  sameToken,
  step,
  awsEventDetailsJson,
  validateDefinition,
} from '../language/index.js';
import type {
  ClaimedWork,
  DueWork,
  ExecutionRecord,
  MapRunChange,
  ExecutionStatus,
  Store,
  StepCommit,
  StoredEvent,
} from '../store/index.js';
import { EngineError } from './errors.js';
import { checkName } from './names.js';
import { isNestedExecutionResource, nestedExecutions } from './nested-executions.js';
import type { Settled } from './turns.js';
import { Turns } from './turns.js';

export interface EngineOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly tasks: TaskRunner;
  /** Names this node in leases. */
  readonly nodeId: string;
  /** Random numbers in [0, 1): alias routing and execution seeds. */
  readonly random: () => number;
  /** How long a claim holds work before another node may take it over. */
  readonly leaseMs?: number;
  readonly region?: string;
  readonly account?: string;
  /** How long finished executions are kept before `purgeFinished` removes them (default 90 days). */
  readonly retentionMs?: number;
  /**
   * Limits for executions started by this engine: payload bytes, history events (AWS: 25,000;
   * raise it to let long executions go on) and variable bytes. Kept with each execution.
   */
  readonly limits?: Partial<Limits>;
  /** How long after it stopped an execution may be redriven (AWS: 14 days). */
  readonly redriveWindowMs?: number;
  /** Told about failures of background task work (each is retried after its lease). */
  readonly onError?: (error: unknown) => void;
  /**
   * Fresh secret bytes as hex (at least 32 bytes), e.g. `randomBytes(32).toString('hex')`:
   * `.waitForTaskToken` tokens derive their secret from it, so it must come from a CSPRNG.
   */
  readonly tokenKey: () => string;
}

/**
 * What an engine tells its subscribers (metrics, live event streams, callers waiting for an
 * outcome). Only this node's own work is reported: on several nodes, a change committed by
 * another node is seen by reading the store.
 */
export type EngineEvent =
  /** A step was committed: the execution's status after it, and the events it recorded. */
  | {
      readonly kind: 'committed';
      readonly executionId: string;
      readonly status: ExecutionStatus;
      readonly events: readonly StoredEvent[];
    }
  /** A task invocation returned (`ok`: it reported success) after `ms` milliseconds. */
  | {
      readonly kind: 'task';
      readonly executionId: string;
      readonly resource: string;
      readonly ms: number;
      readonly ok: boolean;
    };

export type EngineListener = (event: EngineEvent) => void;

export interface StartRequest {
  readonly workflow: string;
  readonly name: string;
  readonly input: JsonValue;
  /** Run this published version; otherwise the current revision, or `alias`. */
  readonly version?: number;
  readonly alias?: string;
}

/** What a worker gets from GetActivityTask. */
export interface ActivityTask {
  readonly taskToken: string;
  readonly input: JsonValue;
}

export interface ActivityPoll {
  /** The worker's name, recorded in ActivityStarted (AWS: workerName). */
  readonly workerName?: string;
  /** How long to wait for a task before answering with none (AWS long-polls up to 60 s). */
  readonly waitMs?: number;
  /** Ends the wait early (the worker hung up, the node is shutting down). */
  readonly signal?: AbortSignal;
  /** The composition root's timer; between checks of the store (several nodes may schedule). */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** How often to look at the store while waiting (default 1 s). */
  readonly pollMs?: number;
}

/**
 * A task's own timers, keyed after the task: TimeoutSeconds bounds the whole task,
 * HeartbeatSeconds the gap between heartbeats (AWS state-task).
 */
const TASK_TIMERS = {
  ':timeout': { error: 'States.Timeout', field: 'TimeoutSeconds' },
  ':heartbeat': { error: 'States.HeartbeatTimeout', field: 'HeartbeatSeconds' },
} as const;
type TaskTimerSuffix = keyof typeof TASK_TIMERS;
const TIMEOUT_SUFFIX: TaskTimerSuffix = ':timeout';
const HEARTBEAT_SUFFIX: TaskTimerSuffix = ':heartbeat';

/** The due-work keys of a task and its timers. */
/** A `.sync` task's next check on its job. */
const POLL_SUFFIX = ':poll';

function taskKeys(taskId: string): string[] {
  return [taskId, taskId + TIMEOUT_SUFFIX, taskId + HEARTBEAT_SUFFIX, taskId + POLL_SUFFIX];
}

function taskTimerOf(key: string): { taskId: string; suffix: TaskTimerSuffix } | undefined {
  for (const suffix of [TIMEOUT_SUFFIX, HEARTBEAT_SUFFIX]) {
    if (key.endsWith(suffix)) return { taskId: key.slice(0, -suffix.length), suffix };
  }
  return undefined;
}
/** Commits that lose their race are retried from a fresh read this many times. */
const MAX_CONFLICT_RETRIES = 20;
/** The most queued events of one execution stepped into one commit. */
const MAX_STEPS_PER_COMMIT = 100;

/**
 * An event queued on an execution (see `Engine.apply`), or without `event` work to retire
 * (and schedule) whatever the execution's state (see `Engine.retireWork`).
 */
interface StepRequest {
  readonly event?: (now: string) => StepEvent | readonly StepEvent[];
  readonly retire: readonly string[];
  readonly retireIfStale: readonly string[];
  readonly schedule: readonly DueWork[];
  readonly redriveToken?: string;
}
/**
 * Running executions whose latest snapshot this node keeps after committing it (about 5-20 KB
 * of heap each): the next event for one of them steps from memory instead of reading and
 * parsing its snapshot again. Oldest first out.
 */
const SNAPSHOT_CACHE_SIZE = 2048;
/** Wake-ups remembered for `.sync` tasks that had no check scheduled (a bound, not a quota). */
const MAX_WOKEN_POLLS = 10_000;
/** How long a RedriveExecution client token answers for its redrive (AWS: 15 minutes). */
const REDRIVE_TOKEN_VALID_MS = 15 * 60 * 1000;

/** An execution's latest snapshot as this node committed it (see `Engine.current`). */
interface CurrentSnapshot {
  readonly revision: number;
  readonly snapshot: ExecutionSnapshot;
  /** The snapshot as stored, when it was read (a no-op commit writes it back unchanged). */
  readonly text?: string;
  readonly definition: string;
}

export class Engine {
  private readonly leaseMs: number;
  private readonly running = new Map<string, AbortController>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly definitions = new Map<string, StateMachineDefinition>();
  /**
   * Snapshots this node committed last, by execution. Only a hint: every commit built on one is
   * a compare-and-set on its revision, so a snapshot another node moved past costs one CONFLICT
   * and a fresh read, never a wrong transition.
   */
  private readonly snapshots = new Map<string, CurrentSnapshot>();
  /** `.sync` tasks (`<execution>#<taskId>`) woken while no check of theirs was scheduled. */
  private readonly wokenPolls = new Set<string>();
  /**
   * One execution's steps on this node go one after another, each from the snapshot the one
   * before committed; events queued together are stepped and committed together (see
   * `applyTogether`). Run side by side instead (the results of a Map's tasks arriving
   * together), all but one would lose the compare-and-set and read again, and with enough of
   * them some would give up and wait out their lease. Other nodes' steps still meet the
   * compare-and-set.
   */
  private readonly turns = new Turns<StepRequest, StepResult | undefined>(
    (executionId, requests) => this.applyTogether(executionId, requests),
    MAX_STEPS_PER_COMMIT,
  );
  private readonly listeners = new Set<EngineListener>();
  /** The run loop's pause between polls, woken by new work. */
  private readonly napper = new Napper();
  /** Workers long-polling an activity on this node, woken when this node schedules its task. */
  private readonly activityWaiters = new Map<string, Set<() => void>>();

  /** `.sync` parents waiting on a child execution started on this node: child -> parent task. */
  private readonly waitingParents = new Map<string, { executionId: string; taskId: string }>();
  private readonly nested: TaskRunner;

  constructor(private readonly options: EngineOptions) {
    this.leaseMs = options.leaseMs ?? 60_000;
    const { region = 'local', account = '000000000000' } = options;
    this.nested = nestedExecutions({
      region,
      account,
      start: (request) => this.start(request),
      get: (id) => options.store.executions.get(id),
      stop: (id, error, cause) => this.stop(id, error, cause),
      watch: (child, parent, idempotencyKey) =>
        this.waitingParents.set(child, {
          executionId: parent,
          taskId: idempotencyKey.slice(parent.length + 1),
        }),
    });
    // A child's end wakes its waiting parent at once instead of at the next poll.
    this.subscribe((event) => {
      if (event.kind !== 'committed' || event.status === 'RUNNING') return;
      const parent = this.waitingParents.get(event.executionId);
      if (parent === undefined) return;
      this.waitingParents.delete(event.executionId);
      this.track(this.pollNow(parent.executionId, parent.taskId));
    });
  }

  /**
   * RedriveExecution: continues an execution that ended FAILED, TIMED_OUT or ABORTED from the
   * states that did not finish (finished states, branches and iterations do not run again),
   * with the same input and definition. Returns the redrive time.
   *
   * A `clientToken` makes retries safe: a token that redrove this execution in the last 15
   * minutes (among its last 10) answers with that redrive's date and redrives nothing. The
   * token is recorded by the redrive's own commit, so a retry on another node finds it too.
   * @throws EngineError EXECUTION_NOT_FOUND, EXECUTION_NOT_REDRIVABLE (with AWS's reason)
   */
  async redrive(
    executionId: string,
    clientToken?: string,
  ): Promise<{ readonly redriveDate: string }> {
    const earlier = await this.redriveOfToken(executionId, clientToken);
    if (earlier !== undefined) return { redriveDate: earlier };
    const status = await this.redriveStatus(executionId);
    if (!status.redrivable) throw new EngineError('EXECUTION_NOT_REDRIVABLE', status.reason);
    const refuse = (reason: string) => new EngineError('EXECUTION_NOT_REDRIVABLE', reason);
    const result = await this.apply(
      executionId,
      (now) => ({ type: 'ExecutionRedriven', now }),
      [],
      [],
      [],
      clientToken,
    );
    if (result === undefined) {
      // Another caller redrove it first: it is running now. The same token's retry, racing
      // on another node, gets the date that redrive recorded.
      const raced = await this.redriveOfToken(executionId, clientToken);
      if (raced !== undefined) return { redriveDate: raced };
      throw refuse('Execution is RUNNING and cannot be redriven.');
    }
    return { redriveDate: result.snapshot.execution.redriveTime ?? this.now() };
  }

  /** The date of the redrive `token` made, while it is valid (15 minutes from its use). */
  private async redriveOfToken(
    executionId: string,
    token: string | undefined,
  ): Promise<string | undefined> {
    if (token === undefined) return undefined;
    const date = await this.options.store.executions.redriveToken(executionId, token);
    if (date === undefined) return undefined;
    const usedMs = parseTimestamp(date);
    if (usedMs === undefined) return undefined;
    return this.options.clock.nowMs() - usedMs <= REDRIVE_TOKEN_VALID_MS ? date : undefined;
  }

  /**
   * Whether RedriveExecution would accept the execution now, and AWS's reason when not
   * (DescribeExecution's redriveStatus and redriveStatusReason).
   * @throws EngineError EXECUTION_NOT_FOUND
   */
  async redriveStatus(
    executionId: string,
    /** The execution's record when the caller has just read it (saves reading it again). */
    known?: ExecutionRecord,
  ): Promise<
    { readonly redrivable: true } | { readonly redrivable: false; readonly reason: string }
  > {
    const { store, clock } = this.options;
    const record = known ?? (await store.executions.get(executionId));
    if (!record) {
      throw new EngineError('EXECUTION_NOT_FOUND', `There is no execution ${executionId}.`);
    }
    const refuse = (reason: string) => ({ redrivable: false, reason }) as const;
    if (record.status === 'RUNNING' || record.status === 'SUCCEEDED') {
      return refuse(`Execution is ${record.status} and cannot be redriven.`);
    }
    const window = this.options.redriveWindowMs ?? 14 * 24 * 3600 * 1000;
    const stopped = parseTimestamp(record.stoppedAt ?? '') ?? 0;
    if (clock.nowMs() - stopped > window) return refuse('Execution redrivable period exceeded.');
    const started = parseTimestamp(record.startedAt) ?? 0;
    if (clock.nowMs() - started > 365 * 24 * 3600 * 1000) {
      return refuse('Execution has exceeded the max execution time.');
    }
    const workflow =
      record.version === null
        ? await store.workflows.get(record.workflow)
        : await store.workflows.getVersion(record.workflow, record.version);
    if (workflow?.type === 'EXPRESS') {
      return refuse('Executions of EXPRESS state machines cannot be redriven.');
    }
    const stored = await store.executions.snapshot(executionId);
    const snapshot = stored === undefined ? undefined : parseSnapshot(stored.snapshot);
    if (snapshot !== undefined && record.eventCount + 1 >= snapshot.limits.historyEvents) {
      return refuse('Execution history event limit exceeded.');
    }
    if (snapshot?.status === 'RUNNING') {
      return refuse('Execution is RUNNING and cannot be redriven.'); // redriven meanwhile
    }
    if (snapshot?.redrive === undefined) {
      return refuse('The execution ended before any state ran; start a new execution instead.');
    }
    return { redrivable: true };
  }

  /**
   * UpdateMapRun: new MaxConcurrency or tolerances for a running Map Run, applied by its
   * parent's next step (more children may start; a lower threshold may fail the Map Run).
   * Returns false when the Map Run is not running (it ended, or its execution did).
   * @throws EngineError EXECUTION_NOT_FOUND when the parent execution is gone
   */
  async updateMapRun(
    mapRunArn: string,
    changes: {
      readonly maxConcurrency?: number;
      readonly toleratedFailureCount?: number;
      readonly toleratedFailurePercentage?: number;
    },
  ): Promise<boolean> {
    const mapRun = await this.options.store.mapRuns.get(mapRunArn);
    if (mapRun === undefined || mapRun.status !== 'RUNNING') return false;
    const applied = await this.apply(
      mapRun.execution,
      (now) => ({ type: 'MapRunUpdated', now, mapRunArn, ...changes }),
      [],
    );
    return applied !== undefined;
  }

  /**
   * Calls `listener` with every change this node commits and every task it runs, until the
   * returned function is called. A listener that throws is reported to `onError`, never to the
   * engine's own work.
   */
  subscribe(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts an execution (or returns the running one with the same name and input).
   * @throws EngineError INVALID_NAME, WORKFLOW_NOT_FOUND, VERSION_NOT_FOUND, ALIAS_NOT_FOUND,
   *   INVALID_DEFINITION; StoreError ALREADY_EXISTS for a name taken otherwise.
   */
  async start(
    request: StartRequest,
  ): Promise<{ readonly execution: ExecutionRecord; readonly created: boolean }> {
    checkName('execution', request.name);
    const target = await this.resolveTarget(request);
    return this.begin({
      workflow: request.workflow,
      name: request.name,
      input: request.input,
      definition: target.definition,
      version: target.version,
      alias: request.alias ?? null,
      revisionId: target.revisionId,
    });
  }

  /** Steps a new execution's first event and records it with that step. */
  private async begin(start: {
    readonly workflow: string;
    readonly name: string;
    readonly input: JsonValue;
    readonly definition: string;
    readonly version: number | null;
    readonly alias: string | null;
    readonly revisionId: string;
    readonly mapRun?: { readonly arn: string; readonly parentId: string };
  }): Promise<{ readonly execution: ExecutionRecord; readonly created: boolean }> {
    const { store } = this.options;
    const definition = this.parse(start.definition, start.workflow);
    const now = this.now();
    const { region = 'local', account = '000000000000' } = this.options;
    const id = `arn:aws:states:${region}:${account}:execution:${start.workflow}:${start.name}`;
    const result = await step(definition, undefined, {
      type: 'ExecutionStarted',
      now,
      execution: {
        id,
        name: start.name,
        input: start.input,
        stateMachineId: `arn:aws:states:${region}:${account}:stateMachine:${start.workflow}`,
        stateMachineName: start.workflow,
        ...(start.mapRun === undefined ? {} : { mapRun: start.mapRun }),
      },
      seed: Math.floor(this.options.random() * 0x7fffffff),
      tokenKey: this.options.tokenKey(),
      ...(this.options.limits === undefined ? {} : { limits: this.options.limits }),
    });
    const first = toCommit(result, now, []);
    const { record, created } = await store.executions.start({
      id,
      workflow: start.workflow,
      version: start.version,
      alias: start.alias,
      revisionId: start.revisionId,
      name: start.name,
      input: JSON.stringify(start.input),
      definition: start.definition,
      startedAt: now,
      first,
      ...(start.mapRun === undefined ? {} : { mapRun: start.mapRun.arn }),
    });
    if (created) {
      this.remember(id, record.revision, result.snapshot, start.definition);
      if (hasNewWork(first)) this.wake();
      this.wakeActivityWorkers(result.commands);
      this.emit({ kind: 'committed', executionId: id, ...changeOf(first) });
    }
    return { execution: record, created };
  }

  /**
   * Claims the work due now and carries it out: timers are applied before this returns; tasks
   * start in the background (see `idle`). Returns how many items were claimed.
   */
  async tick(limit = 100): Promise<number> {
    const nowMs = this.options.clock.nowMs();
    const claimed = await this.options.store.executions.claimDue(
      formatTimestamp(nowMs),
      this.options.nodeId,
      formatTimestamp(nowMs + this.leaseMs),
      limit,
    );
    // Worked side by side: different executions' commits share a group commit, and one
    // execution's items queue on its turns (see `turns`), each step building on the one
    // before, those that queue up together committed together (the children of a
    // Distributed Map ending at once).
    const outcomes = await Promise.allSettled(claimed.map((work) => this.carryOut(work)));
    // Every item had its turn; a failed one stays leased and is retried after its lease.
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return claimed.length;
  }

  private async carryOut(work: ClaimedWork): Promise<void> {
    if (work.kind === 'timer') {
      await this.fireTimer(work);
      return;
    }
    const child = childWorkOf(work.payload);
    if (child !== undefined) {
      await this.carryOutChildWork(work, child);
      return;
    }
    const poll = pollPayloadOf(work.payload);
    if (poll !== undefined) {
      this.track(this.runPoll(work, poll));
      return;
    }
    const cancel = cancelPayloadOf(work.payload);
    if (cancel !== undefined) {
      this.track(this.cancelJob(work, cancel));
      return;
    }
    this.track(this.runTask(work, taskCommandOf(work.payload)));
  }

  /**
   * Works until `signal` aborts: claims due work, and when there is none, idles until the next
   * due time (at most `pollMs`, since another node may schedule work). `sleep` is the caller's
   * (the composition root's), so the engine itself never reads a timer.
   */
  async run(
    signal: AbortSignal,
    sleep: (ms: number, signal: AbortSignal) => Promise<void>,
    pollMs = 1000,
  ): Promise<void> {
    // Other nodes' new work wakes this one (PostgreSQL LISTEN/NOTIFY); the poll is the backstop.
    const unlisten = await this.options.store.listenForWork?.((topic) => this.onWork(topic));
    try {
      while (!signal.aborted) {
        if ((await this.tick()) > 0) continue;
        const next = await this.options.store.executions.nextDueAt();
        const dueMs = next === undefined ? undefined : parseTimestamp(next);
        const wait =
          dueMs === undefined ? pollMs : Math.min(pollMs, dueMs - this.options.clock.nowMs());
        // Wakes early when this node commits new work, another node announces some, or one of
        // this node's tasks finishes (its commit usually schedules work).
        if (wait > 0) await this.napper.nap(wait, signal, sleep, [...this.inFlight]);
      }
      await this.idle();
    } finally {
      await unlisten?.();
    }
  }

  /** New work exists: a napping run loop looks at once; a busy one looks before its next nap. */
  private wake(): void {
    this.napper.wake();
  }

  private onWork(topic: string): void {
    if (!topic.startsWith('activity:')) {
      this.wake();
      return;
    }
    for (const wake of this.activityWaiters.get(topic.slice('activity:'.length)) ?? []) wake();
  }

  /**
   * Removes executions that finished longer ago than the retention period, in batches, and
   * returns how many were removed. Running executions are never touched.
   */
  async purgeFinished(batch = 500): Promise<number> {
    const retention = this.options.retentionMs ?? 90 * 24 * 3600 * 1000;
    const cutoff = formatTimestamp(this.options.clock.nowMs() - retention);
    let removed = 0;
    for (;;) {
      const count = await this.options.store.executions.purge(cutoff, batch);
      removed += count;
      if (count < batch) return removed;
    }
  }

  /** Resolves when every task this node started has finished and been committed. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Stops a running execution: ABORTED with the error and cause given, its pending timers and
   * tasks retired, and tasks running on this node aborted.
   */
  async stop(executionId: string, error = '', cause = ''): Promise<void> {
    await this.apply(executionId, (now) => ({ type: 'ExecutionStopped', now, error, cause }), []);
  }

  /**
   * Ends a running execution TIMED_OUT because a limit outside its definition ran out (the
   * time StartSyncExecution may run): like `stop`, its pending work is retired and its tasks
   * cancelled, but the history ends with ExecutionTimedOut.
   */
  async timeOut(executionId: string, error: string, cause: string): Promise<void> {
    await this.apply(
      executionId,
      (now) => ({ type: 'ExecutionStopped', now, error, cause, timedOut: true }),
      [],
    );
  }

  // ----------------------------------------------------------------------------------------

  /**
   * Distributed Map work: start a child execution (at least once; its name is fixed, so a
   * second start finds the first), stop one, or hand a child's end to its parent.
   */
  private async carryOutChildWork(work: ClaimedWork, child: ChildWork): Promise<void> {
    switch (child.type) {
      case 'StartChildExecution':
        // In the background, like a task: the child's first step may run many states.
        this.track(this.startChildExecution(work, child));
        return;
      case 'StopChildExecution': {
        const childId = await this.childExecutionId(child.mapRunArn, child.name);
        if (childId !== undefined) {
          try {
            await this.stop(childId, '', `The Map Run ${child.mapRunArn} stopped it.`);
          } catch (error: unknown) {
            // Never started (its start was retired with this stop): nothing to stop.
            if (!(error instanceof EngineError && error.code === 'EXECUTION_NOT_FOUND')) {
              throw error;
            }
          }
        }
        await this.retireWork(work.execution, [work.key]);
        return;
      }
      case 'ChildEnded':
        await this.childEnded(work, child);
        return;
      default:
        assertNever(child, 'child work');
    }
  }

  private async startChildExecution(
    work: ClaimedWork,
    command: Extract<ChildWork, { type: 'StartChildExecution' }>,
  ): Promise<void> {
    const { store } = this.options;
    const mapRun = await store.mapRuns.get(command.mapRunArn);
    const childId = await this.childExecutionId(command.mapRunArn, command.name);
    if (mapRun !== undefined && childId !== undefined) {
      const existing = await store.executions.get(childId);
      if (existing === undefined) {
        try {
          await this.begin({
            workflow: mapRun.machineName,
            name: command.name,
            input: command.input,
            definition: mapRun.definition,
            version: null,
            alias: null,
            revisionId: '',
            mapRun: { arn: mapRun.arn, parentId: mapRun.execution },
          });
        } catch (error: unknown) {
          // Another node started it meanwhile: the same child, by its name.
          if (!hasCode(error, 'ALREADY_EXISTS')) throw error;
        }
      }
    }
    await this.retireWork(work.execution, [work.key]);
  }

  /** Feeds a child execution's end to its parent (the child's last commit scheduled this). */
  private async childEnded(
    work: ClaimedWork,
    ended: Extract<ChildWork, { type: 'ChildEnded' }>,
  ): Promise<void> {
    const child = await this.options.store.executions.get(ended.childId);
    if (child?.status === 'RUNNING' || child?.status === 'PENDING_REDRIVE') {
      await this.retireWork(work.execution, [work.key]); // redriven since: it will end again
      return;
    }
    const { mapRunArn, name } = ended;
    const base = { type: 'ChildExecutionEnded', mapRunArn, name } as const;
    let outcome: Omit<Extract<StepEvent, { type: 'ChildExecutionEnded' }>, 'now'>;
    if (child === undefined) {
      const cause = `The child execution ${ended.childId} no longer exists.`;
      outcome = { ...base, status: 'FAILED', error: 'States.Runtime', cause };
    } else if (child.status === 'SUCCEEDED') {
      // The store keeps the output as the JSON text the child's step produced.
      const output = child.output === null ? null : (JSON.parse(child.output) as JsonValue);
      outcome = { ...base, status: 'SUCCEEDED', output };
    } else {
      const error = child.error ?? '';
      outcome = { ...base, status: child.status, error, cause: child.cause ?? '' };
    }
    await this.apply(work.execution, (now) => ({ ...outcome, now }), [work.key]);
  }

  /** The ARN of a Map Run's child execution named `name`. */
  private async childExecutionId(mapRunArn: string, name: string): Promise<string | undefined> {
    const mapRun = await this.options.store.mapRuns.get(mapRunArn);
    if (mapRun === undefined) return undefined;
    const { region = 'local', account = '000000000000' } = this.options;
    return `arn:aws:states:${region}:${account}:execution:${mapRun.machineName}:${name}`;
  }

  /**
   * Removes done work (and adds `schedule`) whatever the execution's state, with no events:
   * queued on the execution's turns like an event, so it shares the commit of whatever queued
   * up with it (a compare-and-set like any other). Nothing to do when the execution is gone.
   */
  private async retireWork(
    executionId: string,
    keys: readonly string[],
    schedule: readonly DueWork[] = [],
  ): Promise<void> {
    await this.turns.batched(executionId, { retire: keys, retireIfStale: keys, schedule });
  }

  private async fireTimer(work: ClaimedWork): Promise<void> {
    const taskTimer = taskTimerOf(work.key);
    if (taskTimer !== undefined) {
      const { taskId, suffix } = taskTimer;
      const { error, field } = TASK_TIMERS[suffix];
      const seconds = secondsOf(work.payload);
      const cause =
        suffix === HEARTBEAT_SUFFIX
          ? `The task sent no heartbeat for its HeartbeatSeconds of ${seconds}.`
          : `The task did not finish within its ${field} of ${seconds}.`;
      await this.apply(
        work.execution,
        (now) => ({ type: 'TaskTimedOut', now, taskId, error, cause }),
        taskKeys(taskId),
      );
      this.running.get(`${work.execution}#${taskId}`)?.abort();
      return;
    }
    await this.apply(work.execution, (now) => ({ type: 'TimerFired', now, timerId: work.key }), [
      work.key,
    ]);
  }

  /**
   * Runs a task and commits what came of it. TaskStarted (stamped when the call went out) is
   * committed on its own as soon as the task is found still running after the call's own
   * event-loop turn, so history shows what runs; a task that answered within that turn has
   * TaskStarted committed with its outcome, one commit instead of two. Either way the task's
   * due work stays leased until its outcome is committed, so a crash re-runs it (at least once,
   * same idempotency key).
   */
  private async runTask(work: ClaimedWork, command: TaskCommand): Promise<void> {
    const startedAt = this.now();
    const { taskId } = command;
    const call = this.invoke(work.execution, command, (signal) =>
      this.runnerFor(command.resource).run({
        executionId: work.execution,
        stateName: command.stateName,
        resource: command.resource,
        input: command.input,
        idempotencyKey: `${work.execution}#${command.taskId}`,
        ...(command.taskToken === undefined ? {} : { taskToken: command.taskToken }),
        ...(command.timeoutSeconds === undefined ? {} : { timeoutSeconds: command.timeoutSeconds }),
        ...(command.credentials === undefined ? {} : { credentials: command.credentials }),
        signal,
        heartbeat: () =>
          command.heartbeatSeconds === undefined
            ? Promise.resolve()
            : this.heartbeat(work.execution, command.taskId, command.heartbeatSeconds),
      }),
    );
    const started: StepEvent = { type: 'TaskStarted', now: startedAt, taskId };
    let unrecorded: readonly StepEvent[] = [started];
    if (!(await answeredThisTurn(call))) {
      unrecorded = [];
      const recorded = await this.apply(work.execution, () => started, [], taskKeys(taskId));
      // Cancelled meanwhile (the execution stopped, the task timed out): its work is retired.
      if (recorded === undefined) this.running.get(`${work.execution}#${taskId}`)?.abort();
    }
    const outcome = await call;
    if (outcome.ok === 'running') {
      // .sync: the job started; record what the service answered and check on it later.
      const { submitted } = outcome;
      await this.apply(
        work.execution,
        (now) => [...unrecorded, { type: 'TaskSubmitted', now, taskId, output: submitted }],
        [taskId],
        taskKeys(taskId),
        [this.pollWork(command, outcome, 1)],
      );
      await this.afterPollScheduled(work.execution, taskId);
      return;
    }
    if (outcome.ok && command.taskToken !== undefined) {
      // .waitForTaskToken: the request went out; the state now waits for a callback with the
      // token (sendTaskSuccess/Failure), under its timeout and heartbeat timers.
      const output = outcome.output;
      await this.apply(
        work.execution,
        (now) => [...unrecorded, { type: 'TaskSubmitted', now, taskId, output }],
        [taskId],
      );
      return;
    }
    await this.finishTask(work.execution, taskId, outcome, [], unrecorded);
  }

  /** Checks on a `.sync` job: finishes the task, or schedules the next check. */
  private async runPoll(work: ClaimedWork, poll: PollPayload): Promise<void> {
    const { command, job, polls } = poll;
    const outcome = await this.invoke(work.execution, command, (signal) => {
      const runner = this.runnerFor(command.resource);
      if (runner.poll === undefined) {
        return Promise.resolve<TaskOutcome>({
          ok: false,
          error: 'States.TaskFailed',
          cause: `The integration for ${command.resource} started a .sync job but cannot check on it.`,
        });
      }
      return runner.poll({
        executionId: work.execution,
        stateName: command.stateName,
        resource: command.resource,
        job,
        polls,
        idempotencyKey: `${work.execution}#${command.taskId}`,
        signal,
      });
    });
    if (outcome.ok === 'running') {
      const next = this.pollWork(command, outcome, polls + 1);
      await this.rescheduleIfPending(work.execution, command.taskId, [work.key], [next]);
      await this.afterPollScheduled(work.execution, command.taskId);
      return;
    }
    await this.finishTask(work.execution, command.taskId, outcome, [work.key]);
  }

  /** Runs one call to an integration with an AbortSignal, timing it; a throw becomes a failure. */
  private async invoke(
    executionId: string,
    command: TaskCommand,
    call: (signal: AbortSignal) => Promise<TaskOutcome>,
  ): Promise<TaskOutcome> {
    const key = `${executionId}#${command.taskId}`;
    const controller = new AbortController();
    this.running.set(key, controller);
    const startedMs = this.options.clock.nowMs();
    let outcome: TaskOutcome;
    try {
      outcome = await call(controller.signal);
    } catch (error: unknown) {
      // An integration that throws has a bug; the execution sees the task fail, not the node.
      const cause = error instanceof Error ? error.message : String(error);
      outcome = { ok: false, error: 'States.TaskFailed', cause };
    } finally {
      this.running.delete(key);
    }
    this.emit({
      kind: 'task',
      executionId,
      resource: command.resource,
      ms: this.options.clock.nowMs() - startedMs,
      ok: outcome.ok !== false,
    });
    return outcome;
  }

  /** Commits a task's final outcome, retiring its work and timers. */
  private async finishTask(
    executionId: string,
    taskId: string,
    outcome: Exclude<TaskOutcome, { ok: 'running' }>,
    retire: readonly string[],
    before: readonly StepEvent[] = [],
  ): Promise<void> {
    this.wokenPolls.delete(`${executionId}#${taskId}`);
    await this.apply(
      executionId,
      (now) => [
        ...before,
        outcome.ok
          ? { type: 'TaskSucceeded', now, taskId, output: outcome.output }
          : { type: 'TaskFailed', now, taskId, error: outcome.error, cause: outcome.cause },
      ],
      [...taskKeys(taskId), ...retire],
    );
  }

  /**
   * The `.sync` jobs of the tasks a step abandons (see `abandonedTasks`), as due items that ask
   * their integration to stop them: committed with the step, so a crash right after the stop
   * still cancels the job.
   */
  private async jobsToCancel(
    executionId: string,
    event: StepEvent,
    abandoned: ReadonlySet<string>,
  ): Promise<DueWork[]> {
    if (abandoned.size === 0) return [];
    const reason =
      event.type === 'TaskTimedOut'
        ? event.error === 'States.HeartbeatTimeout'
          ? 'the task sent no heartbeat in time'
          : 'the task timed out'
        : event.type === 'ExecutionStopped'
          ? 'the execution was stopped'
          : 'the execution ended';
    const cancels: DueWork[] = [];
    for (const taskId of abandoned) {
      const due = await this.options.store.executions.dueWork(executionId, taskId + POLL_SUFFIX);
      const poll = due === undefined ? undefined : pollPayloadOf(due.payload);
      if (poll === undefined) continue;
      const payload: CancelPayload = {
        type: 'CancelJob',
        command: poll.command,
        job: poll.job,
        reason,
        attempt: 1,
      };
      cancels.push({
        key: `${taskId}${CANCEL_SUFFIX}1`,
        kind: 'task',
        dueAt: this.now(),
        payload: JSON.stringify(payload),
      });
    }
    return cancels;
  }

  /**
   * Asks the integration to stop an abandoned `.sync` job. Best effort: a failure is reported
   * and retried later (doubling from 5 s), up to CANCEL_ATTEMPTS in all.
   */
  private async cancelJob(work: ClaimedWork, cancel: CancelPayload): Promise<void> {
    const { command } = cancel;
    const runner = this.runnerFor(command.resource);
    let retry: DueWork[] = [];
    try {
      await runner.cancel?.({
        executionId: work.execution,
        stateName: command.stateName,
        resource: command.resource,
        job: cancel.job,
        idempotencyKey: `${work.execution}#${command.taskId}`,
        reason: cancel.reason,
        signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS),
      });
    } catch (error: unknown) {
      this.options.onError?.(error);
      if (cancel.attempt < CANCEL_ATTEMPTS) {
        const attempt = cancel.attempt + 1;
        retry = [
          {
            key: `${command.taskId}${CANCEL_SUFFIX}${attempt}`,
            kind: 'task',
            dueAt: plusSeconds(this.now(), 5 * 2 ** (cancel.attempt - 1)),
            payload: JSON.stringify({ ...cancel, attempt }),
          },
        ];
      }
    }
    await this.retireWork(work.execution, [work.key], retry);
  }

  private pollWork(
    command: TaskCommand,
    outcome: Extract<TaskOutcome, { ok: 'running' }>,
    polls: number,
  ): DueWork {
    const seconds = Math.max(0, outcome.pollAfterSeconds);
    const payload: PollPayload = { type: 'PollTask', command, job: outcome.job, polls };
    return {
      key: command.taskId + POLL_SUFFIX,
      kind: 'task',
      dueAt: plusSeconds(this.now(), seconds),
      payload: JSON.stringify(payload),
    };
  }

  /** A check on a `.sync` job was committed: a wake-up that came meanwhile makes it due now. */
  private async afterPollScheduled(executionId: string, taskId: string): Promise<void> {
    if (this.wokenPolls.delete(`${executionId}#${taskId}`)) await this.pollNow(executionId, taskId);
  }

  /**
   * Makes a waiting `.sync` task check on its job now (a webhook said it changed, or a nested
   * execution finished). Does nothing when the task is not waiting on a job.
   */
  async pollNow(executionId: string, taskId: string): Promise<void> {
    const key = taskId + POLL_SUFFIX;
    // Noted before the read: if no check is scheduled yet, or one is running (it may have read
    // the job before it changed), the commit that schedules the next check finds the note and
    // calls this again (see `afterPollScheduled`); noted after the read, a check committed in
    // between would miss it.
    const woken = `${executionId}#${taskId}`;
    if (this.wokenPolls.size >= MAX_WOKEN_POLLS) this.wokenPolls.clear();
    this.wokenPolls.add(woken);
    const due = await this.options.store.executions.dueWork(executionId, key);
    if (due === undefined || due.leaseOwner !== null) return;
    this.wokenPolls.delete(woken);
    await this.rescheduleIfPending(executionId, taskId, [key], [{ ...due, dueAt: this.now() }]);
  }

  /**
   * GetActivityTask: hands the oldest waiting task of `activityArn` to this worker, recording
   * ActivityStarted, or waits for one up to `poll.waitMs` and returns undefined. Each task goes
   * to exactly one worker: taking it is a compare-and-set commit of the task's execution.
   * @throws EngineError ACTIVITY_NOT_FOUND
   */
  async getActivityTask(
    activityArn: string,
    poll: ActivityPoll,
  ): Promise<ActivityTask | undefined> {
    const name = /:activity:([^:]+)$/.exec(activityArn)?.[1];
    if (name === undefined || (await this.options.store.activities.get(name)) === undefined) {
      throw new EngineError('ACTIVITY_NOT_FOUND', `There is no activity ${activityArn}.`);
    }
    const { clock } = this.options;
    const waitMs = poll.waitMs ?? 60_000;
    const deadline = clock.nowMs() + waitMs;
    // Counted as well as read off the clock: a clock that stands still (tests) ends it too.
    let slept = 0;
    for (;;) {
      const taken = await this.takeActivityTask(activityArn, poll.workerName);
      if (taken !== undefined) return taken;
      const remaining = Math.min(deadline - clock.nowMs(), waitMs - slept);
      if (remaining <= 0 || poll.signal?.aborted === true) return undefined;
      const nap = Math.min(remaining, poll.pollMs ?? 1000);
      await this.waitForActivity(activityArn, nap, poll);
      slept += nap;
    }
  }

  private async takeActivityTask(
    activityArn: string,
    workerName: string | undefined,
  ): Promise<ActivityTask | undefined> {
    for (const pending of await this.options.store.executions.activityTasks(activityArn, 10)) {
      const command = taskCommandOf(pending.payload);
      if (command.taskToken === undefined) continue;
      const now = this.now();
      const heartbeat =
        command.heartbeatSeconds === undefined
          ? []
          : [taskTimer(command.taskId, HEARTBEAT_SUFFIX, now, command.heartbeatSeconds)];
      const taken = await this.apply(
        pending.execution,
        (at) => ({
          type: 'TaskStarted',
          now: at,
          taskId: command.taskId,
          ...(workerName === undefined ? {} : { workerName }),
        }),
        [command.taskId],
        [command.taskId],
        heartbeat,
      );
      // A worker that lost the race finds the task started already: a no-op step, no event.
      if (taken !== undefined && taken.history.length > 0) {
        return { taskToken: command.taskToken, input: command.input };
      }
    }
    return undefined;
  }

  /** Sleeps until `ms` pass, the poll is aborted, or this node schedules a task of the activity. */
  private async waitForActivity(
    activityArn: string,
    ms: number,
    poll: ActivityPoll,
  ): Promise<void> {
    const controller = new AbortController();
    const stop = () => controller.abort();
    poll.signal?.addEventListener('abort', stop, { once: true });
    let waiters = this.activityWaiters.get(activityArn);
    if (!waiters) this.activityWaiters.set(activityArn, (waiters = new Set()));
    waiters.add(stop);
    try {
      await poll.sleep(ms, controller.signal).catch(() => undefined);
    } finally {
      waiters.delete(stop);
      if (waiters.size === 0) this.activityWaiters.delete(activityArn);
      poll.signal?.removeEventListener('abort', stop);
    }
  }

  /**
   * Completes a `.waitForTaskToken` task with its output (SendTaskSuccess).
   * @throws EngineError INVALID_TOKEN (not a token), TASK_TIMED_OUT (its task closed: it
   *   completed, timed out, or its execution ended), TASK_DOES_NOT_EXIST (no task had it)
   */
  async sendTaskSuccess(token: string, output: JsonValue): Promise<void> {
    const { executionId, taskId } = await this.pendingTask(token);
    const applied = await this.apply(
      executionId,
      (now) => ({ type: 'TaskSucceeded', now, taskId, output }),
      taskKeys(taskId),
    );
    // It closed between finding it and completing it (timed out, or its execution stopped).
    if (applied === undefined) throw taskClosed();
  }

  /** Fails a `.waitForTaskToken` task (SendTaskFailure). @throws as sendTaskSuccess */
  async sendTaskFailure(token: string, error: string, cause: string): Promise<void> {
    const { executionId, taskId } = await this.pendingTask(token);
    const applied = await this.apply(
      executionId,
      (now) => ({ type: 'TaskFailed', now, taskId, error, cause }),
      taskKeys(taskId),
    );
    if (applied === undefined) throw taskClosed();
  }

  /** Keeps a `.waitForTaskToken` task alive (SendTaskHeartbeat). @throws as sendTaskSuccess */
  async sendTaskHeartbeat(token: string): Promise<void> {
    const { executionId, taskId, heartbeatSeconds } = await this.pendingTask(token);
    if (heartbeatSeconds !== undefined) await this.heartbeat(executionId, taskId, heartbeatSeconds);
  }

  /** The pending task a token belongs to. */
  private async pendingTask(
    token: string,
  ): Promise<{ executionId: string; taskId: string; heartbeatSeconds?: number }> {
    const executionId = executionOfToken(token);
    if (executionId === undefined) {
      throw new EngineError(
        'INVALID_TOKEN',
        'The task token is malformed; pass it exactly as the task received it.',
      );
    }
    const stored = await this.options.store.executions.snapshot(executionId);
    const snapshot = stored === undefined ? undefined : parseSnapshot(stored.snapshot);
    const number = tokenNumber(token);
    let forged = false;
    for (const run of snapshot?.status === 'RUNNING' ? snapshot.runs : []) {
      const { position } = run;
      if (
        position.kind === 'task' &&
        position.taskToken !== undefined &&
        sameToken(position.taskToken, token)
      ) {
        return {
          executionId,
          taskId: position.taskId,
          ...(position.heartbeatSeconds === undefined
            ? {}
            : { heartbeatSeconds: position.heartbeatSeconds }),
        };
      }
      // The number of a task that still waits, with the wrong secret: not its token.
      if (position.kind === 'task' && position.taskToken !== undefined) {
        forged ||= tokenNumber(position.taskToken) === number;
      }
    }
    // A token's number is the id its task took from the execution's id counter: a number the
    // counter has passed went to a task that has closed since (or, for a forged token, to a
    // timer or run of the execution; without the closed task's secret the two look alike).
    if (snapshot !== undefined && !forged && number < snapshot.nextId) throw taskClosed();
    throw taskGone();
  }

  /**
   * A heartbeat from a running task: moves its heartbeat timer forward. A commit with no
   * events, still a compare-and-set on the revision; ignored once the task is no longer
   * pending (it finished, timed out, or the execution stopped).
   */
  private async heartbeat(executionId: string, taskId: string, seconds: number): Promise<void> {
    await this.rescheduleIfPending(
      executionId,
      taskId,
      [taskId + HEARTBEAT_SUFFIX],
      [taskTimer(taskId, HEARTBEAT_SUFFIX, this.now(), seconds)],
    );
  }

  /**
   * Replaces some of a pending task's due work (its heartbeat timer, its next poll) in a commit
   * with no events, still a compare-and-set on the revision; does nothing once the task is no
   * longer pending (it finished, timed out, or the execution ended).
   */
  private rescheduleIfPending(
    executionId: string,
    taskId: string,
    retire: readonly string[],
    schedule: readonly DueWork[],
  ): Promise<void> {
    return this.turns.alone(executionId, () =>
      this.rescheduleInTurn(executionId, taskId, retire, schedule),
    );
  }

  private async rescheduleInTurn(
    executionId: string,
    taskId: string,
    retire: readonly string[],
    schedule: readonly DueWork[],
  ): Promise<void> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const stored = await this.options.store.executions.snapshot(executionId);
      if (!stored) return;
      const snapshot = parseSnapshot(stored.snapshot);
      const pending = snapshot.runs.some(
        (run) => run.position.kind === 'task' && run.position.taskId === taskId,
      );
      if (snapshot.status !== 'RUNNING' || !pending) return;
      this.snapshots.delete(executionId); // this commit moves the revision on
      try {
        await this.options.store.executions.commit(executionId, stored.revision, {
          status: snapshot.status,
          snapshot: stored.snapshot,
          events: [],
          retire,
          schedule,
          ...terminal(snapshot),
        });
        this.wake();
        return;
      } catch (error: unknown) {
        if (!isConflict(error)) throw error;
      }
    }
  }

  /**
   * Applies one event (or a list that commits together): read, step, commit; on CONFLICT read
   * again. Work the event consumes is retired in the same commit. An event that no longer fits
   * (the execution ended, or the task/timer was cancelled by a step that won the race) only
   * retires its work. Resolves with the step's result, or undefined for such stale work.
   */
  private apply(
    executionId: string,
    event: (now: string) => StepEvent | readonly StepEvent[],
    retire: readonly string[],
    retireIfStale: readonly string[] = retire,
    schedule: readonly DueWork[] = [],
    redriveToken?: string,
  ): Promise<StepResult | undefined> {
    return this.turns.batched(executionId, {
      event,
      retire,
      retireIfStale,
      schedule,
      ...(redriveToken === undefined ? {} : { redriveToken }),
    });
  }

  /**
   * Steps the requests queued on one execution, oldest first, from its latest snapshot, and
   * commits as many as fit in one commit; returns their results (the rest are queued again).
   * A request stops the run before it when stepping it together would change what it does:
   * a redrive (it sets the execution's redrive fields), or a step that abandons tasks after
   * the first (which `.sync` jobs to cancel is read from the store as the commits before it
   * left it).
   */
  private async applyTogether(
    executionId: string,
    requests: readonly StepRequest[],
  ): Promise<readonly Settled<StepResult | undefined>[]> {
    const { store } = this.options;
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const stored = await this.current(executionId);
      if (!stored) {
        // Work to retire of an execution that is gone is done; an event for one is an error.
        const error = new EngineError(
          'EXECUTION_NOT_FOUND',
          `There is no execution ${executionId}.`,
        );
        return requests.map((request) =>
          request.event === undefined ? { ok: true, value: undefined } : { ok: false, error },
        );
      }
      const definition = this.parse(stored.definition, stored.snapshot.execution.stateMachineName);
      const now = this.now();
      let snapshot = stored.snapshot;
      const results: (StepResult | undefined)[] = [];
      const work = new CommitWork();
      let redrive: { readonly result: StepResult; readonly token?: string } | undefined;
      for (const request of requests) {
        if (request.event === undefined) {
          work.add({ events: [], schedule: request.schedule, retire: request.retire, mapRuns: [] });
          results.push(undefined);
          continue;
        }
        const events = listOf(request.event(now));
        const built = lastOf(events);
        const redriving = built.type === 'ExecutionRedriven';
        if (results.length > 0 && redriving) break;
        let result: StepResult | undefined;
        if (snapshot.status === 'RUNNING' || redriving) {
          try {
            const tokenKey = this.options.tokenKey();
            result = await stepAll(
              definition,
              snapshot,
              events.map((e) => withTokenKey(e, tokenKey)),
            );
          } catch (error: unknown) {
            // step() throws RangeError only for events that do not fit the snapshot: stale work.
            // Anything else is this request's failure alone: the ones before it commit first.
            if (!(error instanceof RangeError)) {
              if (results.length === 0) return [{ ok: false, error }];
              break;
            }
          }
        }
        if (result === undefined) {
          work.add({ events: [], schedule: [], retire: request.retireIfStale, mapRuns: [] });
          results.push(undefined);
          continue;
        }
        const abandoned = abandonedTasks(built, result.commands);
        if (results.length > 0 && abandoned.size > 0) break;
        const stepWork = workOf(result, now, request.retire);
        // The request's own work is added unless the step ended the execution (whose end
        // retires everything).
        work.add(
          result.snapshot.status === 'RUNNING' && request.schedule.length > 0
            ? { ...stepWork, schedule: [...stepWork.schedule, ...request.schedule] }
            : stepWork,
        );
        // Abandoned .sync jobs are cancelled whatever the execution's status now (even ABORTED).
        work.add({
          events: [],
          schedule: await this.jobsToCancel(executionId, built, abandoned),
          retire: [],
          mapRuns: [],
        });
        snapshot = result.snapshot;
        results.push(result);
        if (redriving) {
          redrive = {
            result,
            ...(request.redriveToken === undefined ? {} : { token: request.redriveToken }),
          };
          break;
        }
      }
      const changed = results.some((result) => result !== undefined);
      const commit: StepCommit = changed
        ? commitOf(snapshot, now, work.done())
        : {
            // Only stale or retired work: nothing changes but the due work.
            status: snapshot.status,
            snapshot: stored.text ?? JSON.stringify(snapshot),
            events: [],
            retire: work.done().retire,
            ...(work.done().schedule.length === 0 ? {} : { schedule: work.done().schedule }),
            ...terminal(snapshot),
          };
      const committed: StepCommit =
        redrive === undefined
          ? commit
          : {
              ...commit,
              stoppedAt: null,
              redriveCount: redrive.result.snapshot.execution.redriveCount,
              ...(redrive.token === undefined
                ? {}
                : {
                    redriveToken: {
                      token: redrive.token,
                      at: redrive.result.snapshot.execution.redriveTime ?? now,
                    },
                  }),
            };
      let revision: number;
      try {
        revision = await store.executions.commit(executionId, stored.revision, committed);
      } catch (error: unknown) {
        // A remembered snapshot may be stale (another node moved on) or gone (purged): read.
        this.snapshots.delete(executionId);
        if (isConflict(error) || (stored.text === undefined && isNotFound(error))) continue;
        throw error;
      }
      this.remember(executionId, revision, snapshot, stored.definition);
      if (changed) {
        for (const result of results) {
          if (result === undefined) continue;
          this.abortCancelled(executionId, result.commands);
          this.wakeActivityWorkers(result.commands);
        }
        this.emit({ kind: 'committed', executionId, ...changeOf(committed) });
      }
      if (hasNewWork(committed)) this.wake();
      return results.map((value) => ({ ok: true, value }));
    }
    throw new EngineError(
      'CONTENDED',
      `Execution ${executionId} changed under ${MAX_CONFLICT_RETRIES} attempts in a row to apply one event; the work stays due and will be retried.`,
    );
  }

  /**
   * The execution's latest snapshot: the one this node committed last when it still has it,
   * else read from the store (undefined when there is no such execution).
   */
  private async current(executionId: string): Promise<CurrentSnapshot | undefined> {
    const remembered = this.snapshots.get(executionId);
    if (remembered !== undefined) return remembered;
    const stored = await this.options.store.executions.snapshot(executionId);
    return stored === undefined
      ? undefined
      : {
          revision: stored.revision,
          snapshot: parseSnapshot(stored.snapshot),
          text: stored.snapshot,
          definition: stored.definition,
        };
  }

  /** Keeps a running execution's committed snapshot for its next event (see `snapshots`). */
  private remember(
    executionId: string,
    revision: number,
    snapshot: ExecutionSnapshot,
    definition: string,
  ): void {
    this.snapshots.delete(executionId); // re-inserted last: the Map's order is the eviction order
    if (snapshot.status !== 'RUNNING') return;
    this.snapshots.set(executionId, { revision, snapshot, definition });
    if (this.snapshots.size > SNAPSHOT_CACHE_SIZE) {
      const oldest = this.snapshots.keys().next();
      if (oldest.done !== true) this.snapshots.delete(oldest.value);
    }
  }

  private runnerFor(resource: string): TaskRunner {
    return isNestedExecutionResource(resource) ? this.nested : this.options.tasks;
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error: unknown) {
        this.options.onError?.(error);
      }
    }
  }

  private wakeActivityWorkers(commands: readonly Command[]): void {
    for (const command of commands) {
      if (command.type !== 'ScheduleTask') continue;
      for (const wake of this.activityWaiters.get(command.resource) ?? []) wake();
    }
  }

  private abortCancelled(executionId: string, commands: readonly Command[]): void {
    for (const command of commands) {
      if (command.type === 'CancelTask')
        this.running.get(`${executionId}#${command.taskId}`)?.abort();
    }
  }

  private async resolveTarget(request: StartRequest): Promise<{
    readonly definition: string;
    readonly revisionId: string;
    readonly version: number | null;
  }> {
    const { workflows } = this.options.store;
    const workflow = await workflows.get(request.workflow);
    if (!workflow) {
      throw new EngineError(
        'WORKFLOW_NOT_FOUND',
        `There is no workflow named "${request.workflow}".`,
      );
    }
    let version = request.version;
    if (request.alias !== undefined) {
      const alias = await workflows.getAlias(request.workflow, request.alias);
      if (!alias) {
        throw new EngineError(
          'ALIAS_NOT_FOUND',
          `Workflow "${request.workflow}" has no alias "${request.alias}".`,
        );
      }
      version = pickRoute(alias.routing, this.options.random());
    }
    if (version === undefined) {
      return { definition: workflow.definition, revisionId: workflow.revisionId, version: null };
    }
    const published = await workflows.getVersion(request.workflow, version);
    if (!published) {
      throw new EngineError(
        'VERSION_NOT_FOUND',
        `Workflow "${request.workflow}" has no version ${version}.`,
      );
    }
    return { definition: published.definition, revisionId: published.revisionId, version };
  }

  /** Parses and validates definition text once per distinct text. */
  private parse(text: string, workflow: string): StateMachineDefinition {
    const cached = this.definitions.get(text);
    if (cached) return cached;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined; // reported below with the validator's wording
    }
    const validated = validateDefinition(value);
    if (!validated.ok) {
      const first = validated.diagnostics[0];
      throw new EngineError(
        'INVALID_DEFINITION',
        `The definition of workflow "${workflow}" is not valid ASL (${first?.pointer ?? ''}: ${first?.message ?? 'not JSON'}); fix it with UpdateStateMachine.`,
      );
    }
    if (this.definitions.size > 1000) this.definitions.clear();
    this.definitions.set(text, validated.definition);
    return validated.definition;
  }

  private now(): string {
    return formatTimestamp(this.options.clock.nowMs());
  }

  private track(work: Promise<void>): void {
    const tracked = work
      // Not swallowed: reported, and the work stays leased, so another tick retries it once the
      // lease runs out. Left unhandled it would crash the node over a passing database error.
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}

/** Turns a step result into the store's atomic commit: its snapshot, events and due work. */
function toCommit(result: StepResult, now: string, retire: readonly string[]): StepCommit {
  return commitOf(result.snapshot, now, workOf(result, now, retire));
}

/** What one step changes besides the snapshot: its events, its due work, its Map Runs. */
interface StepWork {
  readonly events: readonly StoredEvent[];
  readonly schedule: readonly DueWork[];
  readonly retire: readonly string[];
  readonly mapRuns: readonly MapRunChange[];
}

/** The events and due work of a step's result; `retire` is the work the step consumed. */
function workOf(result: StepResult, now: string, retire: readonly string[]): StepWork {
  let schedule: DueWork[] = [];
  const retired = [...retire];
  const mapRuns: MapRunChange[] = [];
  for (const command of result.commands) {
    switch (command.type) {
      case 'ScheduleTask': {
        // An activity task waits for a worker (GetActivityTask); its heartbeat clock starts
        // when a worker takes it.
        const activity = isActivityResource(command.resource);
        schedule.push({
          key: command.taskId,
          kind: 'task',
          dueAt: now,
          payload: JSON.stringify(command),
          ...(activity ? { activity: command.resource } : {}),
        });
        if (command.timeoutSeconds !== undefined) {
          schedule.push(taskTimer(command.taskId, TIMEOUT_SUFFIX, now, command.timeoutSeconds));
        }
        if (command.heartbeatSeconds !== undefined && !activity) {
          schedule.push(taskTimer(command.taskId, HEARTBEAT_SUFFIX, now, command.heartbeatSeconds));
        }
        break;
      }
      case 'StartTimer':
        schedule.push({
          key: command.timerId,
          kind: 'timer',
          dueAt: command.dueAt,
          payload: JSON.stringify({ purpose: command.purpose }),
        });
        break;
      case 'CancelTask':
        retired.push(...taskKeys(command.taskId));
        break;
      case 'CancelTimer':
        retired.push(command.timerId);
        break;
      case 'StartMapRun':
        mapRuns.push({
          kind: 'start',
          arn: command.mapRunArn,
          stateName: command.stateName,
          machineName: command.machineName,
          definition: JSON.stringify(command.definition),
          maxConcurrency: command.maxConcurrency,
          toleratedFailureCount: command.toleratedFailureCount ?? null,
          toleratedFailurePercentage: command.toleratedFailurePercentage ?? null,
          counts: { ...NO_ITEMS, pending: command.itemCount, total: command.itemCount },
          at: now,
        });
        break;
      case 'UpdateMapRun':
        mapRuns.push({
          kind: 'update',
          arn: command.mapRunArn,
          status: command.status,
          counts: command.counts,
          maxConcurrency: command.maxConcurrency,
          toleratedFailureCount: command.toleratedFailureCount ?? null,
          toleratedFailurePercentage: command.toleratedFailurePercentage ?? null,
          at: now,
          redriven: command.redriven === true,
        });
        break;
      case 'StartChildExecution':
        schedule.push({
          key: CHILD_START + command.name,
          kind: 'task',
          dueAt: now,
          payload: JSON.stringify(command),
        });
        break;
      case 'StopChildExecution': {
        // Started in this same step (it ended at once): the start is simply not written.
        const startKey = CHILD_START + command.name;
        schedule = schedule.filter((work) => work.key !== startKey);
        retired.push(startKey);
        schedule.push({
          key: CHILD_STOP + command.name,
          kind: 'task',
          dueAt: now,
          payload: JSON.stringify(command),
        });
        break;
      }
      case 'CompleteExecution':
        break;
    }
  }
  return { events: result.history.map(storedEvent), schedule, retire: retired, mapRuns };
}

/** The commit that leaves the execution at `snapshot` (reached by `now`) with `work`. */
function commitOf(snapshot: ExecutionSnapshot, now: string, work: StepWork): StepCommit {
  const notify = childEndNotice(snapshot, now);
  return {
    status: snapshot.status,
    snapshot: JSON.stringify(snapshot),
    events: work.events,
    schedule: work.schedule,
    retire: work.retire,
    ...terminal(snapshot),
    ...(snapshot.status === 'RUNNING' ? {} : { stoppedAt: now }),
    ...(work.mapRuns.length === 0 ? {} : { mapRuns: work.mapRuns }),
    ...(notify === undefined ? {} : { notify: [notify] }),
  };
}

/**
 * The work of several steps in a row, as one commit: the store retires before it schedules,
 * so work scheduled by one step and retired by a later one is simply not written, and work
 * retired and then scheduled again under its key is replaced.
 */
class CommitWork {
  private readonly events: StoredEvent[] = [];
  private readonly schedule = new Map<string, DueWork>();
  private readonly retire = new Set<string>();
  private readonly mapRuns: MapRunChange[] = [];

  add(work: StepWork): void {
    for (const key of work.retire) {
      this.schedule.delete(key);
      this.retire.add(key);
    }
    for (const due of work.schedule) this.schedule.set(due.key, due);
    this.events.push(...work.events);
    this.mapRuns.push(...work.mapRuns);
  }

  done(): StepWork {
    return {
      events: this.events,
      schedule: [...this.schedule.values()],
      retire: [...this.retire],
      mapRuns: this.mapRuns,
    };
  }
}

/**
 * The tasks a step gives up on (cancelled by its commands, or timed out), without the one
 * whose own result the step is: their `.sync` jobs are to be cancelled.
 */
function abandonedTasks(event: StepEvent, commands: readonly Command[]): Set<string> {
  const abandoned = new Set(
    commands.flatMap((command) => (command.type === 'CancelTask' ? [command.taskId] : [])),
  );
  if (event.type === 'TaskTimedOut') abandoned.add(event.taskId);
  // A job that ended by itself (its result is this event) has nothing left to cancel.
  if (event.type === 'TaskSucceeded' || event.type === 'TaskFailed') {
    abandoned.delete(event.taskId);
  }
  return abandoned;
}

const CHILD_START = 'child-start:';
const CHILD_STOP = 'child-stop:';
const CHILD_END = 'child-end:';
const NO_ITEMS = { pending: 0, running: 0, succeeded: 0, failed: 0, timedOut: 0, aborted: 0 };

/**
 * A Map Run child that ended tells its parent in the same commit: due work on the parent, so
 * the parent hears of it even when this node dies right after (any node claims it).
 */
function childEndNotice(
  snapshot: ExecutionSnapshot,
  now: string,
): (DueWork & { readonly execution: string }) | undefined {
  const mapRun = snapshot.execution.mapRun;
  if (mapRun === undefined || snapshot.status === 'RUNNING') return undefined;
  const { name } = snapshot.execution;
  const payload: ChildWork = {
    type: 'ChildEnded',
    childId: snapshot.execution.id,
    mapRunArn: mapRun.arn,
    name,
  };
  return {
    execution: mapRun.parentId,
    key: CHILD_END + name,
    kind: 'task',
    dueAt: now,
    payload: JSON.stringify(payload),
  };
}

/** Distributed Map work kept in due_work payloads. */
type ChildWork =
  | Extract<Command, { type: 'StartChildExecution' }>
  | Extract<Command, { type: 'StopChildExecution' }>
  | {
      readonly type: 'ChildEnded';
      readonly childId: string;
      readonly mapRunArn: string;
      readonly name: string;
    };

function childWorkOf(payload: string): ChildWork | undefined {
  const value: unknown = JSON.parse(payload);
  if (typeof value !== 'object' || value === null || !('type' in value)) return undefined;
  return value.type === 'StartChildExecution' ||
    value.type === 'StopChildExecution' ||
    value.type === 'ChildEnded'
    ? (value as ChildWork) // written by toCommit / childEndNotice
    : undefined;
}

function hasNewWork(commit: StepCommit): boolean {
  return (commit.schedule?.length ?? 0) > 0 || (commit.notify?.length ?? 0) > 0;
}

function changeOf(commit: StepCommit): {
  readonly status: ExecutionStatus;
  readonly events: readonly StoredEvent[];
} {
  return { status: commit.status, events: commit.events };
}

function terminal(snapshot: ExecutionSnapshot): Pick<StepCommit, 'output' | 'error' | 'cause'> {
  return {
    output: snapshot.output === undefined ? null : JSON.stringify(snapshot.output),
    error: snapshot.error ?? null,
    cause: snapshot.cause ?? null,
  };
}

function storedEvent(event: StepResult['history'][number]): StoredEvent {
  const { id, previousEventId, timestamp, type } = event;
  return { id, previousEventId, type, timestamp, details: awsEventDetailsJson(event) };
}

/** Picks an alias route by weight: `draw` in [0, 1) lands in one route's share of 100. */
function pickRoute(routing: readonly { version: number; weight: number }[], draw: number): number {
  let point = draw * 100;
  for (const route of routing) {
    if (point < route.weight) return route.version;
    point -= route.weight;
  }
  const last = routing[routing.length - 1];
  if (!last) throw new EngineError('ALIAS_NOT_FOUND', 'The alias routes to no version.');
  return last.version;
}

function plusSeconds(now: string, seconds: number): string {
  return formatTimestamp((parseTimestamp(now) ?? 0) + seconds * 1000);
}

function taskGone(): EngineError {
  return new EngineError(
    'TASK_DOES_NOT_EXIST',
    'No task of that execution was given this token; pass the token exactly as the task received it.',
  );
}

function taskClosed(): EngineError {
  return new EngineError(
    'TASK_TIMED_OUT',
    "The token's task has already closed: it completed, failed, timed out, or its execution ended. Nothing was changed.",
  );
}

/** The task number in a token shaped as `executionOfToken` accepts (`<arn>#<n>#<hmac>`). */
function tokenNumber(token: string): number {
  return Number(token.split('#')[1]);
}

/** The event with the engine's fresh token key (events that schedule no task ignore it). */
function withTokenKey(event: StepEvent, tokenKey: string): StepEvent {
  return event.type === 'ExecutionStopped' ? event : { ...event, tokenKey };
}

function isConflict(error: unknown): boolean {
  return hasCode(error, 'CONFLICT');
}

/**
 * Steps several events in a row into one result (one commit). Only the last may give commands:
 * an earlier one's commands could be undone by a later one within the same commit (a task
 * scheduled and cancelled), which `toCommit` does not fold.
 */
async function stepAll(
  definition: StateMachineDefinition,
  snapshot: ExecutionSnapshot,
  events: readonly StepEvent[],
): Promise<StepResult> {
  let result: StepResult | undefined;
  for (const event of events) {
    if (result !== undefined && result.snapshot.status !== 'RUNNING') break;
    if (result !== undefined && result.commands.length > 0) {
      throw new Error(`${event.type} cannot follow a step that gave commands in one commit`);
    }
    const next = await step(definition, result?.snapshot ?? snapshot, event);
    result =
      result === undefined
        ? next
        : {
            snapshot: next.snapshot,
            commands: next.commands,
            history: [...result.history, ...next.history],
          };
  }
  if (result === undefined) throw new Error('stepAll needs at least one event');
  return result;
}

function listOf(events: StepEvent | readonly StepEvent[]): readonly StepEvent[] {
  return isEventList(events) ? events : [events];
}

function isEventList(events: StepEvent | readonly StepEvent[]): events is readonly StepEvent[] {
  return Array.isArray(events);
}

function lastOf(events: readonly StepEvent[]): StepEvent {
  const last = events[events.length - 1];
  if (last === undefined) throw new Error('an apply needs at least one event');
  return last;
}

/**
 * Whether a call settled within the event-loop turn it was made in (its promise chain ran out
 * before the check phase): a task answered from memory, or a mock.
 */
function answeredThisTurn(call: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve) => {
    const turnOver = setImmediate(() => resolve(false));
    void call.then(() => {
      clearImmediate(turnOver);
      resolve(true);
    });
  });
}

function isNotFound(error: unknown): boolean {
  return hasCode(error, 'NOT_FOUND');
}

/** A store error (or any error) carrying this `code`. */
function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}

type TaskCommand = Extract<Command, { type: 'ScheduleTask' }>;

/** The stored check on a `.sync` job. */
/** Due items that cancel an abandoned `.sync` job: `<taskId>:cancel:<attempt>`. */
const CANCEL_SUFFIX = ':cancel:';
const CANCEL_ATTEMPTS = 5;
const CANCEL_TIMEOUT_MS = 30_000;

interface CancelPayload {
  readonly type: 'CancelJob';
  readonly command: TaskCommand;
  readonly job: JsonValue;
  readonly reason: string;
  readonly attempt: number;
}

function cancelPayloadOf(payload: string): CancelPayload | undefined {
  const value: unknown = JSON.parse(payload);
  return typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    value.type === 'CancelJob'
    ? (value as CancelPayload) // written by jobsToCancel
    : undefined;
}

interface PollPayload {
  readonly type: 'PollTask';
  readonly command: TaskCommand;
  readonly job: JsonValue;
  readonly polls: number;
}

function pollPayloadOf(payload: string): PollPayload | undefined {
  const value: unknown = JSON.parse(payload);
  return typeof value === 'object' && value !== null && 'type' in value && value.type === 'PollTask'
    ? (value as PollPayload) // written by pollWork
    : undefined;
}

/** The ScheduleTask command stored as a task's payload by this engine. */
function taskCommandOf(payload: string): TaskCommand {
  const value: unknown = JSON.parse(payload);
  if (
    typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    value.type === 'ScheduleTask'
  ) {
    return value as TaskCommand; // written by toCommit from a ScheduleTask command
  }
  throw new TypeError('stored task payload is not a ScheduleTask command');
}

/** A task's timeout or heartbeat timer, due `seconds` after `now`. */
function taskTimer(taskId: string, suffix: TaskTimerSuffix, now: string, seconds: number): DueWork {
  return {
    key: taskId + suffix,
    kind: 'timer',
    dueAt: plusSeconds(now, seconds),
    payload: JSON.stringify({ purpose: suffix.slice(1), seconds }),
  };
}

function secondsOf(payload: string): number {
  const value: unknown = JSON.parse(payload);
  return typeof value === 'object' &&
    value !== null &&
    'seconds' in value &&
    typeof value.seconds === 'number'
    ? value.seconds
    : 0;
}

function parseSnapshot(text: string): ExecutionSnapshot {
  const value: unknown = JSON.parse(text);
  if (typeof value === 'object' && value !== null && 'format' in value && value.format === 1) {
    return value as ExecutionSnapshot; // written by toCommit from step()'s snapshot
  }
  throw new TypeError('stored snapshot is not a format-1 step snapshot');
}
