/**
 * Starting the executions triggers ask for, under their concurrency mode (like CodePipeline's
 * execution modes):
 *
 * - PARALLEL: start at once, no coordination.
 * - QUEUED: one execution at a time per concurrency key, in arrival order. Runs wait in the
 *   store (gitlab_trigger_runs); the next starts when the running one ends, seen through the
 *   engine's events on this node and through `reconcile` (periodically, and after a restart)
 *   for executions other nodes ran or that ended while no node watched.
 * - SUPERSEDED: a newer run stops the older running ones of its key (engine.stop with
 *   `Baton.Superseded` and a cause naming the newer execution); an older delivery processed
 *   after a newer one starts nothing.
 *
 * Every execution has a deterministic name, so starting again after a crash finds the first
 * (the engine returns the running execution of the same name and input; a finished one is
 * reported as already started). Nothing is started twice.
 */
import type { Clock, JsonValue } from '../../common/index.js';
import type { Engine } from '../../engine/index.js';
import { EngineError } from '../../engine/index.js';
import { formatTimestamp } from '../../language/index.js';
import type { ExecutionStore, TriggerRunRecord, TriggerStore } from '../../store/index.js';
import { StoreError } from '../../store/index.js';
import type { ConcurrencyMode, TriggerRule, WorkflowTarget } from './trigger-rule.js';

export const SUPERSEDED_ERROR = 'Baton.Superseded';

/** What status reporting (part D) is told when a trigger started an execution. */
export interface ExecutionStartedReport {
  readonly executionArn: string;
  readonly trigger: string;
  readonly connection: string;
  readonly projectId: number | undefined;
  readonly sha: string | undefined;
  readonly ref: string | undefined;
  readonly mergeRequestIid?: number;
  readonly report: TriggerRule['report'];
}

export type OnExecutionStarted = (started: ExecutionStartedReport) => Promise<void>;

/** Everything needed to start one execution, stored with a queued run. */
export interface StartPlan {
  readonly trigger: string;
  readonly workflow: WorkflowTarget;
  readonly executionName: string;
  readonly input: JsonValue;
  readonly mode: ConcurrencyMode;
  readonly concurrencyKey: string;
  /** Arrival order (the delivery's receipt time and id). */
  readonly seq: string;
  readonly deliveryId: string;
  readonly started: Omit<ExecutionStartedReport, 'executionArn'>;
}

export type StartOutcome =
  | {
      readonly status: 'started' | 'already-started';
      readonly executionName: string;
      readonly executionArn: string;
    }
  | { readonly status: 'queued'; readonly executionName: string; readonly waitingFor: number }
  | { readonly status: 'superseded'; readonly executionName: string; readonly reason: string }
  | { readonly status: 'failed'; readonly executionName: string; readonly reason: string };

export interface TriggerRunsOptions {
  readonly triggers: TriggerStore;
  readonly executions: Pick<ExecutionStore, 'get'>;
  readonly engine: Pick<Engine, 'start' | 'stop'>;
  readonly clock: Clock;
  /** To name an execution that already exists (the engine's region and account). */
  readonly region: string;
  readonly account: string;
  readonly onExecutionStarted: readonly OnExecutionStarted[];
  readonly onError: (error: unknown) => void;
}

/** Engine errors that starting again cannot fix: reported, never retried. */
const PERMANENT = new Set([
  'WORKFLOW_NOT_FOUND',
  'VERSION_NOT_FOUND',
  'ALIAS_NOT_FOUND',
  'INVALID_DEFINITION',
  'INVALID_NAME',
]);

export class TriggerRuns {
  constructor(private readonly options: TriggerRunsOptions) {}

  /**
   * Starts (or queues) the plan's execution under its trigger's mode.
   * @throws store and engine errors that may pass (the delivery is retried later).
   */
  async begin(plan: StartPlan): Promise<StartOutcome> {
    switch (plan.mode) {
      case 'PARALLEL':
        return this.startExecution(plan);
      case 'QUEUED':
        return this.queue(plan);
      case 'SUPERSEDED':
        return this.supersede(plan);
    }
  }

  /**
   * An execution ended: its run is done, and a QUEUED key's next run starts.
   */
  async executionEnded(executionArn: string): Promise<void> {
    const run = await this.options.triggers.runOfExecution(executionArn);
    if (run === undefined || run.status === 'done') return;
    await this.options.triggers.updateRun(run.trigger, run.executionName, {
      status: 'done',
      now: this.now(),
    });
    if (run.mode === 'QUEUED') await this.advance(run.trigger, run.concurrencyKey);
  }

  /**
   * Brings runs in line with their executions: a running run whose start was cut short is
   * started (its name makes that idempotent), one whose execution ended is done, and an idle
   * QUEUED key starts its next run. Returns how many runs it changed or started.
   */
  async reconcile(limit = 200): Promise<number> {
    let changed = 0;
    for (const run of await this.options.triggers.pendingRuns(limit)) {
      try {
        if (run.status === 'queued') {
          if ((await this.advance(run.trigger, run.concurrencyKey)) !== undefined) changed++;
        } else if (run.executionArn === null) {
          await this.startRun(run);
          changed++;
        } else {
          const execution = await this.options.executions.get(run.executionArn);
          if (execution === undefined || execution.status !== 'RUNNING') {
            await this.executionEnded(run.executionArn);
            changed++;
          }
        }
      } catch (error: unknown) {
        // One run's trouble must not stop the others; it is looked at again next time.
        this.options.onError(error);
      }
    }
    return changed;
  }

  private async queue(plan: StartPlan): Promise<StartOutcome> {
    const { record } = await this.options.triggers.addRun({
      trigger: plan.trigger,
      executionName: plan.executionName,
      concurrencyKey: plan.concurrencyKey,
      mode: 'QUEUED',
      seq: plan.seq,
      status: 'queued',
      request: JSON.stringify(plan),
      deliveryId: plan.deliveryId,
      now: this.now(),
    });
    const started = await this.advance(plan.trigger, plan.concurrencyKey, plan.executionName);
    if (started !== undefined) return started;
    const current =
      (await this.options.triggers.getRun(plan.trigger, plan.executionName)) ?? record;
    if (current.status === 'done' && current.executionArn === null) {
      return {
        status: 'failed',
        executionName: plan.executionName,
        reason: 'an earlier attempt could not start it (see the server log)',
      };
    }
    // Marked running by an earlier attempt that stopped before the start: start it now.
    if (current.status === 'running' && current.executionArn === null)
      return this.startRun(current);
    if (current.executionArn !== null) {
      return {
        status: 'already-started',
        executionName: plan.executionName,
        executionArn: current.executionArn,
      };
    }
    const ahead = (await this.options.triggers.runsOfKey(plan.trigger, plan.concurrencyKey)).filter(
      (r) => r.status !== 'done' && r.seq < current.seq,
    ).length;
    return { status: 'queued', executionName: plan.executionName, waitingFor: ahead };
  }

  /** Starts the key's next queued run if none runs; the outcome when it is `mine`. */
  private async advance(
    trigger: string,
    key: string,
    mine?: string,
  ): Promise<StartOutcome | undefined> {
    for (;;) {
      const run = await this.options.triggers.startNextRun(trigger, key, this.now());
      if (run === undefined) return undefined;
      const outcome = await this.startRun(run);
      if (run.executionName === mine) return outcome;
      // A run that could not start is done: the queue goes on to the next.
      if (outcome.status !== 'failed') return undefined;
    }
  }

  private async startRun(run: TriggerRunRecord): Promise<StartOutcome> {
    const plan = JSON.parse(run.request) as StartPlan;
    const outcome = await this.startExecution(plan);
    await this.options.triggers.updateRun(run.trigger, run.executionName, {
      status: outcome.status === 'failed' ? 'done' : 'running',
      ...('executionArn' in outcome ? { executionArn: outcome.executionArn } : {}),
      now: this.now(),
    });
    if (outcome.status === 'failed') {
      this.options.onError(
        new Error(
          `trigger ${run.trigger}: ${run.executionName} could not start: ${outcome.reason}`,
        ),
      );
    }
    return outcome;
  }

  private async supersede(plan: StartPlan): Promise<StartOutcome> {
    const running = await this.options.triggers.runsOfKey(
      plan.trigger,
      plan.concurrencyKey,
      'running',
    );
    const newer = running.find((r) => r.seq > plan.seq && r.executionName !== plan.executionName);
    if (newer !== undefined) {
      return {
        status: 'superseded',
        executionName: plan.executionName,
        reason: `a newer delivery already started ${newer.executionName}`,
      };
    }
    await this.options.triggers.addRun({
      trigger: plan.trigger,
      executionName: plan.executionName,
      concurrencyKey: plan.concurrencyKey,
      mode: 'SUPERSEDED',
      seq: plan.seq,
      status: 'running',
      request: JSON.stringify(plan),
      deliveryId: plan.deliveryId,
      now: this.now(),
    });
    const outcome = await this.startExecution(plan);
    await this.options.triggers.updateRun(plan.trigger, plan.executionName, {
      status: outcome.status === 'failed' ? 'done' : 'running',
      ...('executionArn' in outcome ? { executionArn: outcome.executionArn } : {}),
      now: this.now(),
    });
    if (outcome.status === 'failed' || !('executionArn' in outcome)) return outcome;
    for (const older of running) {
      if (older.seq >= plan.seq || older.executionName === plan.executionName) continue;
      if (older.executionArn !== null) {
        await this.stopQuietly(
          older.executionArn,
          `Superseded by the newer execution ${outcome.executionArn} (trigger ${plan.trigger}, key ${plan.concurrencyKey}).`,
        );
      }
      await this.options.triggers.updateRun(older.trigger, older.executionName, {
        status: 'done',
        now: this.now(),
      });
    }
    return outcome;
  }

  private async stopQuietly(executionArn: string, cause: string): Promise<void> {
    try {
      await this.options.engine.stop(executionArn, SUPERSEDED_ERROR, cause);
    } catch (error: unknown) {
      // Gone already (purged): nothing left to stop.
      if (!(error instanceof EngineError && error.code === 'EXECUTION_NOT_FOUND')) throw error;
    }
  }

  private async startExecution(plan: StartPlan): Promise<StartOutcome> {
    const { workflow } = plan;
    try {
      const { execution, created } = await this.options.engine.start({
        workflow: workflow.name,
        name: plan.executionName,
        input: plan.input,
        ...(workflow.version === undefined ? {} : { version: workflow.version }),
        ...(workflow.alias === undefined ? {} : { alias: workflow.alias }),
      });
      if (created) await this.report({ ...plan.started, executionArn: execution.id });
      return {
        status: created ? 'started' : 'already-started',
        executionName: plan.executionName,
        executionArn: execution.id,
      };
    } catch (error: unknown) {
      if (error instanceof StoreError && error.code === 'ALREADY_EXISTS') {
        // Started before (a redelivery, or a crash after the start) and finished since.
        const { region, account } = this.options;
        return {
          status: 'already-started',
          executionName: plan.executionName,
          executionArn: `arn:aws:states:${region}:${account}:execution:${workflow.name}:${plan.executionName}`,
        };
      }
      if (error instanceof EngineError && PERMANENT.has(error.code)) {
        return { status: 'failed', executionName: plan.executionName, reason: error.message };
      }
      throw error;
    }
  }

  private async report(started: ExecutionStartedReport): Promise<void> {
    for (const hook of this.options.onExecutionStarted) {
      try {
        await hook(started);
      } catch (error: unknown) {
        // Status reporting is best effort: the execution runs whether or not GitLab hears.
        this.options.onError(error);
      }
    }
  }

  private now(): string {
    return formatTimestamp(this.options.clock.nowMs());
  }
}
