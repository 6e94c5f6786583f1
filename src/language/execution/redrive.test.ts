/**
 * Redrive in the pure core: an execution that ended FAILED, TIMED_OUT or ABORTED continues from
 * the states that did not finish; finished states, Parallel branches and Map iterations are not
 * run again (AWS RedriveExecution).
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../common/index.js';
import type { StateMachineDefinition } from '../definition/types.js';
import type { Command, ExecutionSnapshot, HistoryEvent, StepEvent } from './model.js';
import { step } from './step.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';

type Task = Extract<Command, { type: 'ScheduleTask' }>;
type Answer = (task: Task) => { ok: true; output: JsonValue } | { ok: false; error: string };

interface Driven {
  snapshot: ExecutionSnapshot;
  history: HistoryEvent[];
  tasks: Task[];
}

/** Feeds events until the execution waits on something `answer` leaves open, or ends. */
async function drive(
  definition: StateMachineDefinition,
  first: StepEvent,
  answer: Answer,
  from?: ExecutionSnapshot,
): Promise<Driven> {
  const history: HistoryEvent[] = [];
  const tasks: Task[] = [];
  const open: Task[] = [];
  let snapshot = from;
  let event: StepEvent | undefined = first;
  while (event) {
    const result = await step(definition, snapshot, event);
    snapshot = JSON.parse(JSON.stringify(result.snapshot)) as ExecutionSnapshot;
    history.push(...result.history);
    for (const command of result.commands) {
      if (command.type === 'ScheduleTask') open.push(command);
      if (command.type === 'CancelTask') {
        const at = open.findIndex((t) => t.taskId === command.taskId);
        if (at >= 0) open.splice(at, 1);
      }
    }
    const next = open.shift();
    event = undefined;
    if (next && snapshot.status === 'RUNNING') {
      tasks.push(next);
      const outcome = answer(next);
      event = outcome.ok
        ? { type: 'TaskSucceeded', now: T0, taskId: next.taskId, output: outcome.output }
        : { type: 'TaskFailed', now: T0, taskId: next.taskId, error: outcome.error, cause: 'c' };
    }
  }
  if (!snapshot) throw new Error('no snapshot');
  return { snapshot, history, tasks };
}

const start = (input: JsonValue): StepEvent => ({
  type: 'ExecutionStarted',
  now: T0,
  execution: {
    id: 'arn:aws:states:local:000000000000:execution:m:e1',
    name: 'e1',
    input,
    stateMachineId: 'arn:aws:states:local:000000000000:stateMachine:m',
    stateMachineName: 'm',
  },
});
const redriven: StepEvent = { type: 'ExecutionRedriven', now: T1 };
const task = (extra: object = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::http:invoke',
  ...extra,
});

describe('redrive', () => {
  it('continues from the failed state with the same input; earlier states do not run again', async () => {
    const machine = {
      StartAt: 'A',
      States: {
        A: task({ ResultPath: '$.a', Next: 'B' }),
        B: task({
          Parameters: { 'n.$': '$.n', 'redrives.$': '$$.Execution.RedriveCount' },
          ResultPath: '$.b',
          End: true,
        }),
      },
    } as StateMachineDefinition;
    const failed = await drive(machine, start({ n: 1 }), (t) =>
      t.stateName === 'A' ? { ok: true, output: 'a' } : { ok: false, error: 'Boom' },
    );
    expect(failed.snapshot).toMatchObject({ status: 'FAILED', error: 'Boom' });
    const again = await drive(
      machine,
      redriven,
      () => ({ ok: true, output: 'b' }),
      failed.snapshot,
    );
    expect(again.tasks.map((t) => [t.stateName, t.input])).toEqual([['B', { n: 1, redrives: 1 }]]);
    expect(again.snapshot).toMatchObject({
      status: 'SUCCEEDED',
      output: { n: 1, a: 'a', b: 'b' },
      execution: { redriveCount: 1, redriveTime: T1 },
    });
    expect(again.snapshot.error).toBeUndefined();
    expect(again.snapshot.redrive).toBeUndefined();
    expect(again.history[0]).toMatchObject({
      type: 'ExecutionRedriven',
      id: failed.history.length + 1,
      previousEventId: failed.history.length,
      executionRedrivenEventDetails: { redriveCount: 1 },
    });
    expect(again.history.map((e) => e.type)).toEqual([
      'ExecutionRedriven',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('gives the redriven state a fresh set of retry attempts', async () => {
    const machine = {
      StartAt: 'A',
      States: {
        A: task({
          Retry: [{ ErrorEquals: ['Boom'], MaxAttempts: 1, IntervalSeconds: 1 }],
          End: true,
        }),
      },
    } as StateMachineDefinition;
    let result = await step(machine, undefined, start({}));
    const taskId = (r: typeof result) =>
      r.commands.find((c): c is Task => c.type === 'ScheduleTask')?.taskId ?? '';
    result = await step(machine, result.snapshot, {
      type: 'TaskFailed',
      now: T0,
      taskId: taskId(result),
      error: 'Boom',
      cause: '',
    });
    const timer = result.commands.find((c) => c.type === 'StartTimer');
    result = await step(machine, result.snapshot, {
      type: 'TimerFired',
      now: T0,
      timerId: timer?.type === 'StartTimer' ? timer.timerId : '',
    });
    result = await step(machine, result.snapshot, {
      type: 'TaskFailed',
      now: T0,
      taskId: taskId(result),
      error: 'Boom',
      cause: '',
    });
    expect(result.snapshot.status).toBe('FAILED');
    result = await step(machine, result.snapshot, redriven);
    result = await step(machine, result.snapshot, {
      type: 'TaskFailed',
      now: T1,
      taskId: taskId(result),
      error: 'Boom',
      cause: '',
    });
    expect(result.snapshot.status).toBe('RUNNING'); // retried again, not failed
    expect(result.commands.map((c) => c.type)).toEqual(['StartTimer']);
  });

  it('reruns only the Parallel branches that failed or were aborted', async () => {
    const machine = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          End: true,
          Branches: [
            { StartAt: 'Left', States: { Left: task({ End: true }) } },
            { StartAt: 'Right', States: { Right: task({ End: true }) } },
            { StartAt: 'Slow', States: { Slow: task({ End: true }) } },
          ],
        },
      },
    } as StateMachineDefinition;
    // Left succeeds, Right fails; Slow is still running and is aborted by the failure.
    let calls = 0;
    const failed = await drive(machine, start({}), (t) => {
      calls++;
      return t.stateName === 'Right' ? { ok: false, error: 'Boom' } : { ok: true, output: 'L' };
    });
    expect(failed.snapshot.status).toBe('FAILED');
    expect(failed.tasks.map((t) => t.stateName)).toEqual(['Left', 'Right']);
    expect(calls).toBe(2);
    const again = await drive(
      machine,
      redriven,
      (t) => ({ ok: true, output: t.stateName }),
      failed.snapshot,
    );
    expect(again.tasks.map((t) => t.stateName).sort()).toEqual(['Right', 'Slow']);
    expect(again.snapshot).toMatchObject({ status: 'SUCCEEDED', output: ['L', 'Right', 'Slow'] });
    expect(again.history.map((e) => e.type)).not.toContain('ParallelStateEntered');
  });

  it('reruns failed and unstarted Map iterations from where they stopped, keeping the rest', async () => {
    const machine = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          MaxConcurrency: 1,
          End: true,
          ItemProcessor: {
            StartAt: 'Prepare',
            States: {
              Prepare: task({ ResultPath: '$.prepared', Next: 'Ship' }),
              Ship: task({ End: true }),
            },
          },
        },
      },
    } as StateMachineDefinition;
    const failed = await drive(machine, start([{ i: 0 }, { i: 1 }, { i: 2 }]), (t) => {
      const input = t.input as { i: number };
      if (t.stateName === 'Ship' && input.i === 1) return { ok: false, error: 'Boom' };
      return { ok: true, output: t.stateName === 'Ship' ? `shipped ${input.i}` : 'p' };
    });
    expect(failed.snapshot.status).toBe('FAILED');
    const again = await drive(
      machine,
      redriven,
      (t) => {
        const input = t.input as { i: number };
        return { ok: true, output: t.stateName === 'Ship' ? `shipped ${input.i}` : 'p' };
      },
      failed.snapshot,
    );
    // Item 1 resumes at Ship (its Prepare succeeded); item 2 never started, so it runs in full.
    expect(again.tasks.map((t) => [t.stateName, (t.input as { i: number }).i])).toEqual([
      ['Ship', 1],
      ['Prepare', 2],
      ['Ship', 2],
    ]);
    expect(again.snapshot).toMatchObject({
      status: 'SUCCEEDED',
      output: ['shipped 0', 'shipped 1', 'shipped 2'],
    });
  });

  it('re-enters the state an aborted execution was waiting in', async () => {
    const machine = {
      StartAt: 'Pause',
      States: {
        Pause: { Type: 'Wait', Seconds: 60, Next: 'After' },
        After: { Type: 'Pass', Result: 'done', End: true },
      },
    } as StateMachineDefinition;
    let result = await step(machine, undefined, start({}));
    result = await step(machine, result.snapshot, {
      type: 'ExecutionStopped',
      now: T0,
      error: 'Ops',
      cause: 'stop',
    });
    expect(result.snapshot.status).toBe('ABORTED');
    result = await step(machine, result.snapshot, redriven);
    expect(result.snapshot.status).toBe('RUNNING');
    expect(result.history.map((e) => e.type)).toEqual(['ExecutionRedriven', 'WaitStateEntered']);
    const timer = result.commands.find((c) => c.type === 'StartTimer');
    expect(timer).toMatchObject({ purpose: 'wait', dueAt: '2026-01-02T00:01:00.000Z' });
  });

  it('does not resume children of a failure that was caught; the state that failed later runs again', async () => {
    const machine = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Give up' }],
          Next: 'Done',
          Branches: [
            { StartAt: 'X', States: { X: task({ End: true }) } },
            { StartAt: 'Y', States: { Y: task({ End: true }) } },
          ],
        },
        'Give up': { Type: 'Fail', Error: 'Gave.Up' },
        Done: { Type: 'Succeed' },
      },
    } as StateMachineDefinition;
    const failed = await drive(machine, start({}), () => ({ ok: false, error: 'Boom' }));
    expect(failed.snapshot).toMatchObject({ status: 'FAILED', error: 'Gave.Up' });
    expect(failed.snapshot.redrive?.runs.map((r) => r.position)).toEqual([
      { kind: 'ready', stateName: 'Give up', input: { Error: 'Boom', Cause: 'c' } },
    ]);
    const again = await drive(machine, redriven, () => ({ ok: true, output: 1 }), failed.snapshot);
    expect(again.tasks).toEqual([]);
    expect(again.snapshot).toMatchObject({
      status: 'FAILED',
      error: 'Gave.Up',
      execution: { redriveCount: 1 },
    });
    // ...and it can be redriven again.
    const third = await step(machine, again.snapshot, redriven);
    expect(third.snapshot).toMatchObject({ status: 'FAILED', execution: { redriveCount: 2 } });
  });

  it('refuses to redrive a running or succeeded execution', async () => {
    const machine = { StartAt: 'A', States: { A: task({ End: true }) } } as StateMachineDefinition;
    const running = await step(machine, undefined, start({}));
    await expect(step(machine, running.snapshot, redriven)).rejects.toThrow(RangeError);
    const pass = {
      StartAt: 'P',
      States: { P: { Type: 'Pass', End: true } },
    } as StateMachineDefinition;
    const succeeded = await step(pass, undefined, start({}));
    expect(succeeded.snapshot.status).toBe('SUCCEEDED');
    await expect(step(pass, succeeded.snapshot, redriven)).rejects.toThrow(RangeError);
  });
});
