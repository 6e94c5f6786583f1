import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../common/index.js';
import type { StateMachineDefinition } from '../definition/types.js';
import type { Command, ExecutionSnapshot, StepEvent, StepResult } from './model.js';
import { step } from './step.js';
import { taskToken } from './task-token.js';

const T0 = '2026-01-01T00:00:00.000Z';

function started(
  input: JsonValue,
  extra: Partial<Extract<StepEvent, { type: 'ExecutionStarted' }>> = {},
): StepEvent {
  return {
    type: 'ExecutionStarted',
    now: T0,
    execution: {
      id: 'arn:aws:states:local:000000000000:execution:m:e1',
      name: 'e1',
      input,
      stateMachineId: 'arn:aws:states:local:000000000000:stateMachine:m',
      stateMachineName: 'm',
    },
    ...extra,
  };
}

function commandsOf<K extends Command['type']>(
  result: StepResult,
  type: K,
): Extract<Command, { type: K }>[] {
  return result.commands.filter((c): c is Extract<Command, { type: K }> => c.type === type);
}

/** Round-trips a snapshot through JSON text, as a store would. */
function persisted(snapshot: ExecutionSnapshot): ExecutionSnapshot {
  return JSON.parse(JSON.stringify(snapshot)) as ExecutionSnapshot;
}

const taskMachine: StateMachineDefinition = {
  StartAt: 'Work',
  States: {
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::http:invoke',
      Parameters: { 'n.$': '$.n', 'retry.$': '$$.State.RetryCount' },
      TimeoutSeconds: 30,
      HeartbeatSeconds: 10,
      Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 2, MaxAttempts: 2, BackoffRate: 3 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Recover' }],
      ResultPath: '$.result',
      Next: 'Done',
    },
    Recover: { Type: 'Pass', Result: 'recovered', ResultPath: '$.recovery', End: true },
    Done: { Type: 'Succeed' },
  },
};

describe('step', () => {
  it('schedules a task with its effective parameters, timeout and heartbeat, and waits', async () => {
    const first = await step(taskMachine, undefined, started({ n: 5 }));
    expect(first.snapshot.status).toBe('RUNNING');
    const [task] = commandsOf(first, 'ScheduleTask');
    expect(task).toMatchObject({
      stateName: 'Work',
      resource: 'arn:aws:states:::http:invoke',
      input: { n: 5, retry: 0 },
      timeoutSeconds: 30,
      heartbeatSeconds: 10,
    });
    expect(first.history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
    ]);
  });

  it('continues from a snapshot that went through JSON, as a store keeps it', async () => {
    const first = await step(taskMachine, undefined, started({ n: 5 }));
    const [task] = commandsOf(first, 'ScheduleTask');
    const done = await step(taskMachine, persisted(first.snapshot), {
      type: 'TaskSucceeded',
      now: T0,
      taskId: task?.taskId ?? '',
      output: { ok: true },
    });
    expect(done.snapshot.status).toBe('SUCCEEDED');
    expect(done.snapshot.output).toEqual({ n: 5, result: { ok: true } });
    expect(commandsOf(done, 'CompleteExecution')).toEqual([
      { type: 'CompleteExecution', status: 'SUCCEEDED', output: { n: 5, result: { ok: true } } },
    ]);
  });

  it('turns a retriable failure into a timer with the backoff delay, then reschedules the task', async () => {
    const first = await step(taskMachine, undefined, started({ n: 1 }));
    const taskId = commandsOf(first, 'ScheduleTask')[0]?.taskId ?? '';
    const failed = await step(taskMachine, first.snapshot, {
      type: 'TaskFailed',
      now: T0,
      taskId,
      error: 'Boom',
      cause: 'x',
    });
    const [timer] = commandsOf(failed, 'StartTimer');
    expect(timer).toMatchObject({ purpose: 'retry', dueAt: '2026-01-01T00:00:02.000Z' });
    expect(commandsOf(failed, 'ScheduleTask')).toEqual([]);
    const fired = await step(taskMachine, failed.snapshot, {
      type: 'TimerFired',
      now: '2026-01-01T00:00:02.000Z',
      timerId: timer?.timerId ?? '',
    });
    const [again] = commandsOf(fired, 'ScheduleTask');
    expect(again?.input).toEqual({ n: 1, retry: 1 });
    expect(again?.taskId).not.toBe(taskId);
    // Retries do not enter the state again (no second TaskStateEntered).
    expect(fired.history.map((e) => e.type)).toEqual(['TaskScheduled']);
  });

  it('multiplies the interval by BackoffRate on each retry', async () => {
    let result = await step(taskMachine, undefined, started({ n: 1 }));
    const delays: string[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const taskId = commandsOf(result, 'ScheduleTask')[0]?.taskId ?? '';
      result = await step(taskMachine, result.snapshot, {
        type: 'TaskFailed',
        now: T0,
        taskId,
        error: 'Boom',
        cause: '',
      });
      const timer = commandsOf(result, 'StartTimer')[0];
      delays.push(timer?.dueAt ?? '');
      result = await step(taskMachine, result.snapshot, {
        type: 'TimerFired',
        now: T0,
        timerId: timer?.timerId ?? '',
      });
    }
    expect(delays).toEqual(['2026-01-01T00:00:02.000Z', '2026-01-01T00:00:06.000Z']);
  });

  it('goes to the Catcher after MaxAttempts, with the error output at its ResultPath', async () => {
    let result = await step(taskMachine, undefined, started({ n: 1 }));
    for (;;) {
      const taskId = commandsOf(result, 'ScheduleTask')[0]?.taskId;
      if (taskId === undefined) break;
      result = await step(taskMachine, result.snapshot, {
        type: 'TaskFailed',
        now: T0,
        taskId,
        error: 'Boom',
        cause: 'c',
      });
      const timer = commandsOf(result, 'StartTimer')[0];
      if (timer)
        result = await step(taskMachine, result.snapshot, {
          type: 'TimerFired',
          now: T0,
          timerId: timer.timerId,
        });
    }
    expect(result.snapshot.status).toBe('SUCCEEDED');
    expect(result.snapshot.output).toEqual({
      n: 1,
      error: { Error: 'Boom', Cause: 'c' },
      recovery: 'recovered',
    });
  });

  it('reports States.Timeout as TaskTimedOut and lets Catch handle it', async () => {
    const first = await step(taskMachine, undefined, started({ n: 1 }));
    const taskId = commandsOf(first, 'ScheduleTask')[0]?.taskId ?? '';
    const timedOut = await step(taskMachine, first.snapshot, {
      type: 'TaskTimedOut',
      now: T0,
      taskId,
      error: 'States.Timeout',
      cause: '',
    });
    expect(timedOut.history[0]?.type).toBe('TaskTimedOut');
    expect(timedOut.snapshot.status).toBe('SUCCEEDED');
  });

  it('rejects events for unknown tasks and timers instead of guessing', async () => {
    const first = await step(taskMachine, undefined, started({ n: 1 }));
    await expect(
      step(taskMachine, first.snapshot, {
        type: 'TaskSucceeded',
        now: T0,
        taskId: 't999',
        output: null,
      }),
    ).rejects.toThrow(RangeError);
    await expect(
      step(taskMachine, first.snapshot, { type: 'TimerFired', now: T0, timerId: 'w999' }),
    ).rejects.toThrow(RangeError);
  });

  it('refuses events once the execution has finished', async () => {
    const done = await step(
      { StartAt: 'A', States: { A: { Type: 'Succeed' } } },
      undefined,
      started({}),
    );
    expect(done.snapshot.status).toBe('SUCCEEDED');
    await expect(
      step({ StartAt: 'A', States: { A: { Type: 'Succeed' } } }, done.snapshot, {
        type: 'TimerFired',
        now: T0,
        timerId: 'w1',
      }),
    ).rejects.toThrow(/already SUCCEEDED/);
  });

  it('needs a snapshot for anything but ExecutionStarted', async () => {
    await expect(
      step(taskMachine, undefined, { type: 'TimerFired', now: T0, timerId: 'w1' }),
    ).rejects.toThrow(RangeError);
  });

  it('stops an execution: ABORTED, pending task cancelled', async () => {
    const first = await step(taskMachine, undefined, started({ n: 1 }));
    const taskId = commandsOf(first, 'ScheduleTask')[0]?.taskId ?? '';
    const stopped = await step(taskMachine, first.snapshot, {
      type: 'ExecutionStopped',
      now: T0,
      error: 'Operator.Stop',
      cause: 'stopped by ada',
    });
    expect(stopped.snapshot).toMatchObject({
      status: 'ABORTED',
      error: 'Operator.Stop',
      cause: 'stopped by ada',
    });
    expect(commandsOf(stopped, 'CancelTask')).toEqual([{ type: 'CancelTask', taskId }]);
    expect(stopped.history.at(-1)?.type).toBe('ExecutionAborted');
  });

  it('times out the execution after TimeoutSeconds, cancelling what is pending', async () => {
    const machine: StateMachineDefinition = { ...taskMachine, TimeoutSeconds: 60 };
    const first = await step(machine, undefined, started({ n: 1 }));
    const timer = commandsOf(first, 'StartTimer').find((t) => t.purpose === 'execution-timeout');
    expect(timer?.dueAt).toBe('2026-01-01T00:01:00.000Z');
    const fired = await step(machine, first.snapshot, {
      type: 'TimerFired',
      now: '2026-01-01T00:01:00Z',
      timerId: timer?.timerId ?? '',
    });
    expect(fired.snapshot.status).toBe('TIMED_OUT');
    expect(fired.snapshot.error).toBe('States.Timeout');
    expect(commandsOf(fired, 'CancelTask')).toHaveLength(1);
  });

  it('starts a timer for a Wait state and continues when it fires', async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'Pause',
      States: {
        Pause: { Type: 'Wait', Seconds: 90, Next: 'Done' },
        Done: { Type: 'Pass', End: true },
      },
    };
    const first = await step(machine, undefined, started({ a: 1 }));
    const [timer] = commandsOf(first, 'StartTimer');
    expect(timer).toMatchObject({ purpose: 'wait', dueAt: '2026-01-01T00:01:30.000Z' });
    const done = await step(machine, first.snapshot, {
      type: 'TimerFired',
      now: timer?.dueAt ?? '',
      timerId: timer?.timerId ?? '',
    });
    expect(done.snapshot).toMatchObject({ status: 'SUCCEEDED', output: { a: 1 } });
    expect(done.history.map((e) => e.type)).toEqual([
      'WaitStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('cancels the other branches when one Parallel branch fails', async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Slow',
              States: { Slow: { Type: 'Task', Resource: 'arn:aws:states:::a', End: true } },
            },
            {
              StartAt: 'Bad',
              States: { Bad: { Type: 'Fail', Error: 'Nope', Cause: 'bad branch' } },
            },
          ],
          End: true,
        },
      },
    };
    const result = await step(machine, undefined, started({}));
    expect(result.snapshot).toMatchObject({ status: 'FAILED', error: 'Nope', cause: 'bad branch' });
    const [scheduled] = commandsOf(result, 'ScheduleTask');
    expect(commandsOf(result, 'CancelTask')).toEqual([
      { type: 'CancelTask', taskId: scheduled?.taskId },
    ]);
  });

  it('never runs more Map iterations at once than MaxConcurrency', async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          MaxConcurrency: 2,
          ItemProcessor: {
            StartAt: 'Do',
            States: { Do: { Type: 'Task', Resource: 'arn:aws:states:::a', End: true } },
          },
          End: true,
        },
      },
    };
    let result = await step(machine, undefined, started([1, 2, 3, 4, 5]));
    const outputs: JsonValue[] = [];
    let inFlight = commandsOf(result, 'ScheduleTask');
    expect(inFlight).toHaveLength(2);
    while (inFlight.length > 0) {
      const [task, ...rest] = inFlight;
      if (!task) break;
      outputs.push(task.input);
      result = await step(machine, result.snapshot, {
        type: 'TaskSucceeded',
        now: T0,
        taskId: task.taskId,
        output: task.input,
      });
      inFlight = [...rest, ...commandsOf(result, 'ScheduleTask')];
      expect(inFlight.length).toBeLessThanOrEqual(2);
    }
    expect(result.snapshot).toMatchObject({ status: 'SUCCEEDED', output: [1, 2, 3, 4, 5] });
  });

  it('replays identically: same events and seed give the same snapshots and commands', async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'Ids',
      States: {
        Ids: {
          Type: 'Pass',
          Parameters: { 'id.$': 'States.UUID()', 'r.$': 'States.MathRandom(1, 1000)' },
          End: true,
        },
      },
    };
    const a = await step(machine, undefined, started({}, { seed: 7 }));
    const b = await step(machine, undefined, started({}, { seed: 7 }));
    const c = await step(machine, undefined, started({}, { seed: 8 }));
    expect(a).toEqual(b);
    expect(a.snapshot.output).not.toEqual(c.snapshot.output);
  });

  it('fails with States.Runtime when the history exceeds its limit (an endless loop)', async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'Loop',
      States: { Loop: { Type: 'Pass', Next: 'Loop' } },
    };
    const result = await step(machine, undefined, started({}, { limits: { historyEvents: 100 } }));
    expect(result.snapshot.status).toBe('FAILED');
    expect(result.snapshot.error).toBe('States.Runtime');
    expect(result.history.length).toBeLessThanOrEqual(101);
  });

  it('fails with States.DataLimitExceeded when the input is over the payload limit', async () => {
    const result = await step(
      { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
      undefined,
      started({ big: 'x'.repeat(200) }, { limits: { payloadBytes: 100 } }),
    );
    expect(result.snapshot).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  it('puts $$.Task.Token in the parameters of .waitForTaskToken tasks and in the command', async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
          Parameters: { 'token.$': '$$.Task.Token' },
          End: true,
        },
      },
    };
    const result = await step(machine, undefined, started({}));
    const [task] = commandsOf(result, 'ScheduleTask');
    expect(typeof task?.taskToken).toBe('string');
    expect(task?.input).toEqual({ token: task?.taskToken });
  });

  it('keeps variables assigned in a Map iteration out of the outer scope', async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { outer: 'o' }, Next: 'Each' },
        Each: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'Inner',
            States: {
              Inner: {
                Type: 'Pass',
                Assign: { inner: 'i' },
                Parameters: { 'seen.$': '$outer' },
                End: true,
              },
            },
          },
          Next: 'After',
        },
        After: { Type: 'Pass', Parameters: { 'outer.$': '$outer', 'results.$': '$' }, End: true },
      },
    };
    const result = await step(machine, undefined, started([1]));
    expect(result.snapshot.output).toEqual({ outer: 'o', results: [{ seen: 'o' }] });
  });
});

describe('step limits', () => {
  it('fails with States.DataLimitExceeded when variables pass the execution-wide limit', async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'One',
      States: {
        One: { Type: 'Pass', Assign: { a: 'x'.repeat(60) }, Next: 'Two' },
        Two: { Type: 'Pass', Assign: { b: 'y'.repeat(60) }, End: true },
      },
    };
    const within = await step(machine, undefined, started({}, { limits: { variablesBytes: 200 } }));
    expect(within.snapshot.status).toBe('SUCCEEDED');
    const over = await step(machine, undefined, started({}, { limits: { variablesBytes: 100 } }));
    expect(over.snapshot).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(over.snapshot.cause).toContain("'Two'");
  });

  it('fails with States.DataLimitExceeded when one Assign is over the payload limit', async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'Big',
      States: {
        Big: {
          Type: 'Pass',
          Parameters: { 'v.$': '$.s' },
          Assign: { 'a.$': '$.v', 'b.$': '$.v' },
          End: true,
        },
      },
    };
    const result = await step(
      machine,
      undefined,
      started({ s: 'z'.repeat(150) }, { limits: { payloadBytes: 200 } }),
    );
    expect(result.snapshot).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });
});

describe('step history', () => {
  it("names each Map iteration event's details as AWS does", async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'Check',
            States: {
              Check: {
                Type: 'Choice',
                Choices: [{ Variable: '$', NumericEquals: 2, Next: 'Bad' }],
                Default: 'Wait',
              },
              Wait: { Type: 'Wait', Seconds: 5, End: true },
              Bad: { Type: 'Fail', Error: 'Item.Bad' },
            },
          },
          End: true,
        },
      },
    };
    const result = await step(machine, undefined, started([1, 2]));
    const byType = new Map([...result.history].reverse().map((e) => [e.type, e])); // first of each type
    expect(byType.get('MapIterationStarted')).toHaveProperty('mapIterationStartedEventDetails', {
      name: 'Each',
      index: 0,
    });
    expect(byType.get('MapIterationFailed')).toHaveProperty('mapIterationFailedEventDetails', {
      name: 'Each',
      index: 1,
    });
    expect(byType.get('MapIterationAborted')).toHaveProperty('mapIterationAbortedEventDetails', {
      name: 'Each',
      index: 0,
    });
    expect(result.snapshot).toMatchObject({ status: 'FAILED', error: 'Item.Bad' });
    expect(commandsOf(result, 'CancelTimer')).toHaveLength(1);
  });

  it('numbers events consecutively across steps', async () => {
    const first = await step(taskMachine, undefined, started({ n: 1 }));
    const taskId = commandsOf(first, 'ScheduleTask')[0]?.taskId ?? '';
    const second = await step(taskMachine, first.snapshot, {
      type: 'TaskSucceeded',
      now: T0,
      taskId,
      output: 1,
    });
    const ids = [...first.history, ...second.history].map((e) => e.id);
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(second.history[0]?.previousEventId).toBe(first.history.length);
  });
});

describe('step query languages', () => {
  it('runs an ItemProcessor in its own QueryLanguage, as the validator checks it', async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemProcessor: {
            QueryLanguage: 'JSONata',
            StartAt: 'Double',
            States: { Double: { Type: 'Pass', Output: '{% $states.input * 2 %}', End: true } },
          },
          End: true,
        },
      },
    };
    const result = await step(machine, undefined, started([1, 2]));
    expect(result.snapshot).toMatchObject({ status: 'SUCCEEDED', output: [2, 4] });
  });
});

describe('step: Map features that need integrations', () => {
  const distributed = (extra: Record<string, JsonValue>): StateMachineDefinition => ({
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ...extra,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'P',
          States: { P: { Type: 'Pass', End: true } },
        },
        End: true,
      },
    },
  });

  it('fails with States.ItemReaderFailed instead of iterating the wrong items', async () => {
    const machine = distributed({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        Parameters: { Bucket: 'b', Key: 'k' },
      },
    });
    const result = await step(machine, undefined, started([1, 2]));
    expect(result.snapshot).toMatchObject({ status: 'FAILED', error: 'States.ItemReaderFailed' });
    expect(result.snapshot.cause).toContain('arn:aws:states:::s3:getObject');
  });

  it('fails with States.ResultWriterFailed instead of dropping the results', async () => {
    const machine = distributed({
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { Bucket: 'b', Prefix: 'p' },
      },
    });
    const result = await step(machine, undefined, started([1]));
    expect(result.snapshot).toMatchObject({ status: 'FAILED', error: 'States.ResultWriterFailed' });
  });
});

describe('step: Choice Assign', () => {
  const machine = (language: 'JSONPath' | 'JSONata'): StateMachineDefinition => ({
    QueryLanguage: language,
    StartAt: 'Route',
    States: {
      Route: {
        Type: 'Choice',
        Assign: { always: 'state', shared: 'state' },
        Choices: [
          language === 'JSONata'
            ? { Condition: '{% $states.input.go %}', Assign: { shared: 'rule' }, Next: 'Done' }
            : {
                Variable: '$.go',
                BooleanEquals: true,
                Assign: { 'shared.$': '$.label' },
                Next: 'Done',
              },
        ],
        Default: 'Done',
      },
      Done: {
        Type: 'Pass',
        ...(language === 'JSONata'
          ? { Output: { always: '{% $always %}', shared: '{% $shared %}' } }
          : { Parameters: { 'always.$': '$always', 'shared.$': '$shared' } }),
        End: true,
      },
    },
  });

  for (const language of ['JSONPath', 'JSONata'] as const) {
    it(`applies the state's Assign whichever rule matches, the rule's on top (${language})`, async () => {
      const matched = await step(
        machine(language),
        undefined,
        started({ go: true, label: 'rule' }),
      );
      expect(matched.snapshot.output).toEqual({ always: 'state', shared: 'rule' });
      const fellThrough = await step(
        machine(language),
        undefined,
        started({ go: false, label: 'rule' }),
      );
      expect(fellThrough.snapshot.output).toEqual({ always: 'state', shared: 'state' });
    });
  }
});

describe('step: deeply nested data', () => {
  const nest = (depth: number): JsonValue => {
    let value: JsonValue = 'leaf';
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  };

  it('fails the execution cleanly when its input nests too deeply', async () => {
    const result = await step(taskMachine, undefined, started(nest(5000)));
    expect(result.snapshot).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
    expect(result.snapshot.cause).toMatch(/nests deeper than 1000 levels/);
  });

  it('treats a task result that nests too deeply as the task failing, so Catch can handle it', async () => {
    const first = await step(taskMachine, undefined, started({ n: 1 }));
    const taskId = commandsOf(first, 'ScheduleTask')[0]?.taskId ?? '';
    const result = await step(taskMachine, first.snapshot, {
      type: 'TaskSucceeded',
      now: T0,
      taskId,
      output: nest(5000),
    });
    expect(result.history[0]).toMatchObject({
      type: 'TaskFailed',
      taskFailedEventDetails: { error: 'States.DataLimitExceeded' },
    });
    // States.ALL does not catch States.DataLimitExceeded: the execution fails.
    expect(result.snapshot).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  it('accepts data nested up to the limit', async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'A',
      States: { A: { Type: 'Pass', End: true } },
    };
    const result = await step(machine, undefined, started(nest(999)));
    expect(result.snapshot.status).toBe('SUCCEEDED');
  });
});

describe('step: Wait timestamps at the edges of RFC 3339', () => {
  const waitUntil: StateMachineDefinition = {
    StartAt: 'Until',
    States: { Until: { Type: 'Wait', TimestampPath: '$.at', End: true } },
  };

  it.each([
    ['0000-01-01T00:00:00+00:01', '0000-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59-01:00', '9999-12-31T23:59:59.000Z'],
  ])('waits until %s without crashing (due %s)', async (at, due) => {
    const result = await step(waitUntil, undefined, started({ at }));
    expect(commandsOf(result, 'StartTimer')[0]?.dueAt).toBe(due);
  });
});

describe('step: variable scope of Map iterations', () => {
  const machine = (mode: 'INLINE' | 'DISTRIBUTED'): StateMachineDefinition => ({
    StartAt: 'Set',
    States: {
      Set: { Type: 'Pass', Assign: { region: 'eu-west-1' }, Next: 'Each' },
      Each: {
        Type: 'Map',
        ItemProcessor: {
          ProcessorConfig:
            mode === 'DISTRIBUTED'
              ? { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }
              : { Mode: 'INLINE' },
          StartAt: 'Read',
          States: { Read: { Type: 'Pass', Parameters: { 'region.$': '$region' }, End: true } },
        },
        End: true,
      },
    },
  });

  it('lets inline iterations read outer variables', async () => {
    const result = await step(machine('INLINE'), undefined, started([1]));
    expect(result.snapshot).toMatchObject({
      status: 'SUCCEEDED',
      output: [{ region: 'eu-west-1' }],
    });
  });

  it('keeps outer variables from Distributed Map child workflows', async () => {
    // The child is an execution of its own: it gets the item as input and no variables; when
    // it fails (it cannot resolve $region), a Distributed Map tolerates no failure.
    const first = await step(machine('DISTRIBUTED'), undefined, started([1]));
    const [child] = commandsOf(first, 'StartChildExecution');
    expect(child).toMatchObject({ index: 0, input: 1 });
    const result = await step(machine('DISTRIBUTED'), first.snapshot, {
      type: 'ChildExecutionEnded',
      now: T0,
      mapRunArn: child?.mapRunArn ?? '',
      name: child?.name ?? '',
      status: 'FAILED',
      error: 'States.Runtime',
      cause: 'The JSONPath $region could not be found in the input.',
    });
    expect(result.snapshot).toMatchObject({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
    });
    expect(result.history.map((e) => e.type)).toContain('MapRunFailed');
  });
});

describe('step: the runs index handed from one call to the next', () => {
  it('gives the same result when a snapshot is stepped twice (the second call rebuilds the index)', async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'Do',
            States: { Do: { Type: 'Task', Resource: 'arn:aws:states:::a', End: true } },
          },
          End: true,
        },
      },
    };
    const first = await step(machine, undefined, started([1, 2, 3]));
    const [task] = commandsOf(first, 'ScheduleTask');
    const event: StepEvent = {
      type: 'TaskSucceeded',
      now: T0,
      taskId: task?.taskId ?? '',
      output: 'a',
    };
    const once = await step(machine, first.snapshot, event);
    const again = await step(machine, first.snapshot, event);
    const fromJson = await step(machine, persisted(first.snapshot), event);
    expect(again).toEqual(once);
    expect(fromJson).toEqual(once);
    // The first snapshot was not changed by either call.
    expect(first.snapshot.runs.length).toBe(4);
  });
});

describe('step: task tokens', () => {
  const machine: StateMachineDefinition = {
    StartAt: 'Ask',
    States: {
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: { 'token.$': '$$.Task.Token' },
        HeartbeatSeconds: 30,
        End: true,
      },
    },
  };

  it('derives the token secret from the event tokenKey and records it on the pending task', async () => {
    const key = 'ab'.repeat(32);
    const result = await step(machine, undefined, { ...started({}), tokenKey: key } as StepEvent);
    const [task] = commandsOf(result, 'ScheduleTask');
    expect(task?.taskToken).toBe(
      taskToken('arn:aws:states:local:000000000000:execution:m:e1', 1, key),
    );
    const position = result.snapshot.runs[0]?.position;
    expect(position).toMatchObject({
      kind: 'task',
      taskToken: task?.taskToken,
      heartbeatSeconds: 30,
    });
  });

  it('gives different tokens under different keys', async () => {
    const a = await step(machine, undefined, {
      ...started({}),
      tokenKey: '01'.repeat(32),
    } as StepEvent);
    const b = await step(machine, undefined, {
      ...started({}),
      tokenKey: '02'.repeat(32),
    } as StepEvent);
    expect(commandsOf(a, 'ScheduleTask')[0]?.taskToken).not.toBe(
      commandsOf(b, 'ScheduleTask')[0]?.taskToken,
    );
  });
});

describe('step: endings without an error or cause', () => {
  it('leaves error and cause out when a stop gives none, as AWS does', async () => {
    const first = await step(taskMachine, undefined, started({ n: 1 }));
    const stopped = await step(taskMachine, first.snapshot, { type: 'ExecutionStopped', now: T0 });
    expect(stopped.snapshot.status).toBe('ABORTED');
    expect(stopped.snapshot).not.toHaveProperty('error');
    expect(stopped.snapshot).not.toHaveProperty('cause');
    expect(stopped.history.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: {},
    });
  });

  it('keeps the ones a Fail state names and drops the one it does not', async () => {
    const machine: StateMachineDefinition = {
      StartAt: 'F',
      States: { F: { Type: 'Fail', Error: 'Only.Error' } },
    };
    const result = await step(machine, undefined, started({}));
    expect(result.snapshot).toMatchObject({ status: 'FAILED', error: 'Only.Error' });
    expect(result.snapshot).not.toHaveProperty('cause');
    expect(result.history.at(-1)).toMatchObject({
      executionFailedEventDetails: { error: 'Only.Error' },
    });
  });
});
