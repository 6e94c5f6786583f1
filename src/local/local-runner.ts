/**
 * Runs a workflow in memory: drives the pure `step` with a virtual clock, answering each
 * scheduled task from a mock table. Nothing is persisted; this is the offline twin of the
 * durable engine, for `baton run`, `baton test-state` and the conformance suite.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { jsonEquals } from '../common/index.js';
import type {
  Command,
  ExecutionSnapshot,
  HistoryEvent,
  StateMachineDefinition,
  StepEvent,
} from '../language/index.js';
import { formatTimestamp, parseTimestamp, step } from '../language/index.js';
import { LocalRunnerError } from './errors.js';
import type { LocalRunOptions, LocalRunResult, Mock, MockOutcome, MockTable } from './types.js';

/** A fixed start instant so that runs (and conformance cases) are reproducible by default. */
export const DEFAULT_START_TIME = '2026-01-01T00:00:00Z';
const REGION = 'local';
const ACCOUNT = '000000000000';

type ScheduledTask = Extract<Command, { type: 'ScheduleTask' }>;
type ChildStart = Extract<Command, { type: 'StartChildExecution' }>;

/**
 * Runs `definition` to completion.
 *
 * @returns the final status with the output, or the error and cause, and the full history.
 * @throws LocalRunnerError when a task has no mock, or a mock's `expectInput` does not match
 *   the task's effective input.
 */
export async function runLocal(
  definition: StateMachineDefinition,
  options: LocalRunOptions = {},
): Promise<LocalRunResult> {
  return runWithMocks(definition, options, new MockCursor(options.mocks ?? {}));
}

/** Runs one execution; Distributed Map children share the parent's mock cursor. */
async function runWithMocks(
  definition: StateMachineDefinition,
  options: LocalRunOptions,
  mocks: MockCursor,
): Promise<LocalRunResult> {
  const machineName = options.stateMachineName ?? 'conformance';
  const executionName = options.executionName ?? 'conformance';
  const startTime = options.startTime ?? DEFAULT_START_TIME;
  let nowMs = parseTimestamp(startTime);
  if (nowMs === undefined) {
    throw new LocalRunnerError(
      'BAD_OPTION',
      `startTime "${startTime}" is not an RFC 3339 timestamp (e.g. 2026-01-01T00:00:00Z)`,
    );
  }
  const history: HistoryEvent[] = [];
  const tasks: ScheduledTask[] = [];
  const timers = new Map<string, PendingTimer>();
  // Distributed Map children run here one after another, each to its end, as runs of their own.
  const mapRuns = new Map<string, StateMachineDefinition>();
  const children: ChildStart[] = [];
  const limits = {
    ...(options.payloadLimitBytes === undefined ? {} : { payloadBytes: options.payloadLimitBytes }),
    ...(options.historyEventLimit === undefined
      ? {}
      : { historyEvents: options.historyEventLimit }),
    ...(options.variablesLimitBytes === undefined
      ? {}
      : { variablesBytes: options.variablesLimitBytes }),
  };

  let snapshot: ExecutionSnapshot | undefined;
  const apply = async (event: StepEvent): Promise<void> => {
    const result = await (options.step ?? step)(definition, snapshot, event);
    snapshot = result.snapshot;
    for (const entry of result.history) {
      history.push(entry);
      options.onEvent?.(entry);
    }
    for (const command of result.commands) {
      switch (command.type) {
        case 'ScheduleTask':
          tasks.push(command);
          break;
        case 'CancelTask': {
          const at = tasks.findIndex((t) => t.taskId === command.taskId);
          if (at >= 0) tasks.splice(at, 1);
          break;
        }
        case 'StartTimer': {
          const due = parseTimestamp(command.dueAt);
          timers.set(command.timerId, { at: due ?? nowMs ?? 0, purpose: command.purpose });
          break;
        }
        case 'CancelTimer':
          timers.delete(command.timerId);
          break;
        case 'StartMapRun':
          mapRuns.set(command.mapRunArn, command.definition);
          break;
        case 'StartChildExecution':
          children.push(command);
          break;
        case 'StopChildExecution': {
          const at = children.findIndex((c) => c.name === command.name);
          if (at >= 0) children.splice(at, 1);
          break;
        }
        case 'UpdateMapRun':
        case 'CompleteExecution':
          break;
      }
    }
  };

  await apply({
    type: 'ExecutionStarted',
    now: formatTimestamp(nowMs),
    execution: {
      id: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machineName}:${executionName}`,
      name: executionName,
      input: options.input ?? {},
      stateMachineId: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${machineName}`,
      stateMachineName: machineName,
    },
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    limits,
  });

  while (snapshot?.status === 'RUNNING') {
    const task = tasks.shift();
    const now = formatTimestamp(nowMs);
    const child = task ? undefined : children.shift();
    if (child) {
      const childDefinition = mapRuns.get(child.mapRunArn);
      if (!childDefinition) throw new LocalRunnerError('STUCK', 'a child of an unknown Map Run');
      const ended = await runWithMocks(
        childDefinition,
        {
          ...options,
          input: child.input,
          startTime: now,
          executionName: child.name,
          stateMachineName: `${machineName}/${child.mapRunArn.replace(/^.*\/|:[^:]*$/g, '')}`,
        },
        mocks,
      );
      await apply({
        type: 'ChildExecutionEnded',
        now,
        mapRunArn: child.mapRunArn,
        name: child.name,
        ...(ended.status === 'SUCCEEDED'
          ? { status: ended.status, output: ended.output }
          : { status: ended.status, error: ended.error, cause: ended.cause }),
      });
      continue;
    }
    if (task) {
      await apply({ type: 'TaskStarted', now, taskId: task.taskId });
      if (snapshot.status !== 'RUNNING') break;
      await apply(answerTask(task, mocks.next(task), now));
      continue;
    }
    const due = earliest(timers);
    if (!due) {
      throw new LocalRunnerError(
        'STUCK',
        'the execution is running but waits for nothing: a bug in step()',
      );
    }
    timers.delete(due.timerId);
    if (due.at > nowMs) {
      if (typeof options.waits === 'number' && options.waits > 0) {
        const realMilliseconds = (due.at - nowMs) * options.waits;
        options.onWait?.({
          purpose: due.purpose,
          realMilliseconds,
          dueAt: formatTimestamp(due.at),
        });
        await sleep(realMilliseconds);
      }
      nowMs = due.at;
    }
    await apply({ type: 'TimerFired', now: formatTimestamp(nowMs), timerId: due.timerId });
  }
  return finalResult(snapshot, history);
}

function answerTask(task: ScheduledTask, outcome: MockOutcome, now: string): StepEvent {
  if (outcome.expectInput !== undefined && !jsonEquals(outcome.expectInput, task.input)) {
    throw new LocalRunnerError(
      'UNEXPECTED_TASK_INPUT',
      `Task state "${task.stateName}" was called with ${JSON.stringify(task.input)} but its mock expects ${JSON.stringify(outcome.expectInput)}.`,
    );
  }
  if ('result' in outcome) {
    return { type: 'TaskSucceeded', now, taskId: task.taskId, output: outcome.result };
  }
  return {
    type: 'TaskFailed',
    now,
    taskId: task.taskId,
    error: outcome.error,
    cause: outcome.cause ?? '',
  };
}

interface PendingTimer {
  readonly at: number;
  readonly purpose: string;
}

/** The timer due first; ties go to the one started first (Map iteration order). */
function earliest(
  timers: ReadonlyMap<string, PendingTimer>,
): (PendingTimer & { readonly timerId: string }) | undefined {
  let best: (PendingTimer & { readonly timerId: string }) | undefined;
  for (const [timerId, timer] of timers) {
    if (!best || timer.at < best.at) best = { timerId, ...timer };
  }
  return best;
}

function finalResult(
  snapshot: ExecutionSnapshot | undefined,
  history: HistoryEvent[],
): LocalRunResult {
  if (!snapshot) throw new LocalRunnerError('STUCK', 'the execution never started');
  switch (snapshot.status) {
    case 'SUCCEEDED':
      return { status: 'SUCCEEDED', output: snapshot.output ?? null, history };
    case 'FAILED':
    case 'TIMED_OUT':
    case 'ABORTED':
      return {
        status: snapshot.status,
        error: snapshot.error ?? '',
        cause: snapshot.cause ?? '',
        history,
      };
    case 'RUNNING':
      throw new LocalRunnerError('STUCK', 'the execution is still running');
  }
}

/** Hands out mocked outcomes: by state name, else by resource; sequences advance per call. */
class MockCursor {
  private readonly calls = new Map<string, number>();
  constructor(private readonly table: MockTable) {}

  next(task: ScheduledTask): MockOutcome {
    const key = Object.hasOwn(this.table, task.stateName)
      ? task.stateName
      : Object.hasOwn(this.table, task.resource)
        ? task.resource
        : undefined;
    const mock: Mock | undefined = key === undefined ? undefined : this.table[key];
    if (key === undefined || mock === undefined) {
      throw new LocalRunnerError(
        'MISSING_MOCK',
        `No mock for Task state "${task.stateName}" (resource ${task.resource}). Add an entry keyed by "${task.stateName}" or by the resource to the mock file, e.g. {"${task.stateName}": {"result": {}}}.`,
      );
    }
    if (!isMockSequence(mock)) return mock;
    const sequence = mock;
    const call = this.calls.get(key) ?? 0;
    this.calls.set(key, call + 1);
    const outcome = sequence[Math.min(call, sequence.length - 1)];
    if (!outcome)
      throw new LocalRunnerError('BAD_MOCK_FILE', `the mock sequence for "${key}" is empty`);
    return outcome;
  }
}

function isMockSequence(mock: Mock): mock is readonly MockOutcome[] {
  return Array.isArray(mock);
}
