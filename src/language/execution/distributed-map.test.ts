import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../common/index.js';
import type { StateMachineDefinition } from '../definition/types.js';
import type { Command, ExecutionSnapshot, StepEvent, StepResult } from './model.js';
import { step } from './step.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:01:00.000Z';

function started(input: JsonValue, historyEvents?: number): StepEvent {
  return {
    type: 'ExecutionStarted',
    now: T0,
    ...(historyEvents === undefined ? {} : { limits: { historyEvents } }),
    execution: {
      id: 'arn:aws:states:local:000000000000:execution:m:e1',
      name: 'e1',
      input,
      stateMachineId: 'arn:aws:states:local:000000000000:stateMachine:m',
      stateMachineName: 'm',
    },
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

function machine(extra: Record<string, JsonValue> = {}): StateMachineDefinition {
  return {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemSelector: { 'item.$': '$$.Map.Item.Value' },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Work',
          States: { Work: { Type: 'Pass', End: true } },
        },
        ...extra,
        End: true,
      },
    },
  };
}

type Child = Extract<Command, { type: 'StartChildExecution' }>;

function ended(
  child: Child | undefined,
  outcome:
    | { status: 'SUCCEEDED'; output: JsonValue }
    | { status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; error: string; cause: string },
): StepEvent {
  if (!child) throw new Error('no such child');
  return {
    type: 'ChildExecutionEnded',
    now: T1,
    mapRunArn: child.mapRunArn,
    name: child.name,
    ...outcome,
  };
}

describe('step: Distributed Map runs its iterations as child executions', () => {
  it('starts a Map Run with the ItemProcessor as its own state machine', async () => {
    const result = await step(machine({ Label: 'Items' }), undefined, started([1, 2]));
    const [run] = commandsOf(result, 'StartMapRun');
    expect(run).toMatchObject({
      stateName: 'Each',
      machineName: 'm/Items',
      definition: { StartAt: 'Work', States: { Work: { Type: 'Pass', End: true } } },
      maxConcurrency: 0,
      toleratedFailureCount: 0,
      itemCount: 2,
    });
    expect(run?.mapRunArn).toMatch(
      /^arn:aws:states:local:000000000000:mapRun:m\/Items:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/,
    );
    expect(run?.definition).not.toHaveProperty('ProcessorConfig');
    expect(result.history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapRunStarted',
    ]);
    expect(result.history[2]).toMatchObject({
      mapRunStartedEventDetails: { mapRunArn: run?.mapRunArn },
    });
    expect(commandsOf(result, 'StartChildExecution').map((c) => c.input)).toEqual([
      { item: 1 },
      { item: 2 },
    ]);
  });

  it('keeps at most MaxConcurrency children running, from the stored progress', async () => {
    const definition = machine({ MaxConcurrency: 2 });
    let result = await step(definition, undefined, started([1, 2, 3, 4, 5]));
    let running = commandsOf(result, 'StartChildExecution');
    expect(running.map((c) => c.index)).toEqual([0, 1]);
    const results: number[] = [];
    const queue = [...running];
    while (queue.length > 0) {
      const child = queue.shift();
      result = await step(
        definition,
        persisted(result.snapshot),
        ended(child, { status: 'SUCCEEDED', output: { done: child?.index ?? -1 } }),
      );
      results.push(child?.index ?? -1);
      running = commandsOf(result, 'StartChildExecution');
      expect(running.length).toBeLessThanOrEqual(1);
      queue.push(...running);
      const progress = result.snapshot.runs[0]?.position;
      if (progress?.kind === 'children') {
        expect(progress.children.mapRun?.running.length).toBeLessThanOrEqual(2);
      }
    }
    expect(result.snapshot).toMatchObject({
      status: 'SUCCEEDED',
      output: [0, 1, 2, 3, 4].map((done) => ({ done })),
    });
    expect(result.history.map((e) => e.type)).toEqual([
      'MapRunSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ]);
    const [final] = commandsOf(result, 'UpdateMapRun');
    expect(final).toMatchObject({
      status: 'SUCCEEDED',
      counts: { pending: 0, running: 0, succeeded: 5, failed: 0, total: 5 },
    });
  });

  it('tolerates failures up to ToleratedFailureCount, then fails the Map Run', async () => {
    const definition = machine({ ToleratedFailureCount: 1, MaxConcurrency: 2 });
    const first = await step(definition, undefined, started([1, 2, 3]));
    const [a, b] = commandsOf(first, 'StartChildExecution');
    const afterOne = await step(
      definition,
      first.snapshot,
      ended(a, { status: 'FAILED', error: 'Boom', cause: 'first' }),
    );
    expect(afterOne.snapshot.status).toBe('RUNNING');
    const [c] = commandsOf(afterOne, 'StartChildExecution');
    expect(c?.index).toBe(2);
    const afterTwo = await step(
      definition,
      afterOne.snapshot,
      ended(b, { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'slow' }),
    );
    expect(afterTwo.snapshot).toMatchObject({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
    });
    expect(commandsOf(afterTwo, 'StopChildExecution').map((s) => s.name)).toEqual([c?.name]);
    expect(commandsOf(afterTwo, 'UpdateMapRun')[0]).toMatchObject({
      status: 'FAILED',
      counts: { failed: 1, timedOut: 1, aborted: 1, running: 0, total: 3 },
    });
    expect(afterTwo.history.map((e) => e.type)).toEqual(['MapRunFailed', 'ExecutionFailed']);
  });

  it('puts the error of a tolerated failure in its place among the results', async () => {
    const definition = machine({ ToleratedFailurePercentage: 50 });
    const first = await step(definition, undefined, started([1, 2]));
    const [a, b] = commandsOf(first, 'StartChildExecution');
    const one = await step(
      definition,
      first.snapshot,
      ended(b, { status: 'FAILED', error: 'E', cause: 'C' }),
    );
    const two = await step(
      definition,
      one.snapshot,
      ended(a, { status: 'SUCCEEDED', output: 'ok' }),
    );
    expect(two.snapshot).toMatchObject({
      status: 'SUCCEEDED',
      output: ['ok', { Error: 'E', Cause: 'C' }],
    });
  });

  it('stops the running children when the execution is stopped', async () => {
    const definition = machine({ MaxConcurrency: 1 });
    const first = await step(definition, undefined, started([1, 2]));
    const [a] = commandsOf(first, 'StartChildExecution');
    const stopped = await step(definition, first.snapshot, {
      type: 'ExecutionStopped',
      now: T1,
      error: 'Stop',
      cause: 'by hand',
    });
    expect(stopped.snapshot.status).toBe('ABORTED');
    expect(commandsOf(stopped, 'StopChildExecution').map((s) => s.name)).toEqual([a?.name]);
    expect(commandsOf(stopped, 'UpdateMapRun')).toMatchObject([
      { status: 'ABORTED', counts: { pending: 1, aborted: 1, running: 0 } },
    ]);
    expect(stopped.history.map((e) => e.type)).toEqual(['MapRunAborted', 'ExecutionAborted']);
  });

  it('ignores nothing silently: the end of an unknown child is a RangeError', async () => {
    const definition = machine();
    const first = await step(definition, undefined, started([1]));
    const [a] = commandsOf(first, 'StartChildExecution');
    await expect(
      step(definition, first.snapshot, {
        ...ended(a, { status: 'SUCCEEDED', output: 1 }),
        name: 'someone-else',
      } as StepEvent),
    ).rejects.toThrow(RangeError);
  });

  it('redrives only the failed and unfinished children, in the same Map Run', async () => {
    const definition = machine({ MaxConcurrency: 2 });
    const first = await step(definition, undefined, started([1, 2, 3]));
    const [a, b] = commandsOf(first, 'StartChildExecution');
    const one = await step(
      definition,
      first.snapshot,
      ended(a, { status: 'SUCCEEDED', output: 'a' }),
    );
    const [c] = commandsOf(one, 'StartChildExecution');
    const failed = await step(
      definition,
      one.snapshot,
      ended(b, { status: 'FAILED', error: 'E', cause: 'C' }),
    );
    expect(failed.snapshot.status).toBe('FAILED');
    expect(commandsOf(failed, 'StopChildExecution').map((s) => s.name)).toEqual([c?.name]);

    const redriven = await step(definition, persisted(failed.snapshot), {
      type: 'ExecutionRedriven',
      now: T1,
    });
    const mapRunArn = a?.mapRunArn;
    expect(redriven.history.map((e) => e.type)).toEqual(['ExecutionRedriven', 'MapRunRedriven']);
    expect(redriven.history[1]).toMatchObject({
      mapRunRedrivenEventDetails: { mapRunArn, redriveCount: 1 },
    });
    const again = commandsOf(redriven, 'StartChildExecution');
    expect(again.map((s) => [s.index, s.mapRunArn])).toEqual([
      [1, mapRunArn],
      [2, mapRunArn],
    ]);
    // New names: the failed children keep their histories.
    expect(again.map((s) => s.name)).not.toContain(b?.name);
    expect(commandsOf(redriven, 'UpdateMapRun')[0]).toMatchObject({ redriven: true });
    let result = redriven;
    for (const child of again) {
      result = await step(
        definition,
        result.snapshot,
        ended(child, { status: 'SUCCEEDED', output: `r${child.index}` }),
      );
    }
    expect(result.snapshot).toMatchObject({ status: 'SUCCEEDED', output: ['a', 'r1', 'r2'] });
  });

  it('records nothing after the history limit but the end, and aborts the Map Run it started', async () => {
    const result = await step(machine(), undefined, started([1, 2], 3));
    expect(result.snapshot).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(result.history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapRunStarted',
      'ExecutionFailed',
    ]);
    expect(result.commands.map((c) => c.type)).toEqual([
      'StartMapRun',
      'UpdateMapRun',
      'CompleteExecution',
    ]);
    expect(commandsOf(result, 'UpdateMapRun')[0]?.status).toBe('ABORTED');
  });

  it('applies UpdateMapRun: more concurrency starts more children, a lower tolerance fails', async () => {
    const definition = machine({ MaxConcurrency: 1, ToleratedFailureCount: 5 });
    const first = await step(definition, undefined, started([1, 2, 3, 4]));
    const [a] = commandsOf(first, 'StartChildExecution');
    const mapRunArn = a?.mapRunArn ?? '';
    const wider = await step(definition, first.snapshot, {
      type: 'MapRunUpdated',
      now: T1,
      mapRunArn,
      maxConcurrency: 3,
    });
    expect(commandsOf(wider, 'StartChildExecution').map((c) => c.index)).toEqual([1, 2]);
    expect(commandsOf(wider, 'UpdateMapRun')[0]).toMatchObject({
      maxConcurrency: 3,
      toleratedFailureCount: 5,
      counts: { running: 3, pending: 1 },
    });
    const oneFailed = await step(
      definition,
      wider.snapshot,
      ended(a, { status: 'FAILED', error: 'E', cause: 'C' }),
    );
    expect(oneFailed.snapshot.status).toBe('RUNNING');
    const stricter = await step(definition, oneFailed.snapshot, {
      type: 'MapRunUpdated',
      now: T1,
      mapRunArn,
      toleratedFailureCount: 0,
    });
    expect(stricter.snapshot).toMatchObject({
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
    });
    await expect(
      step(definition, stricter.snapshot, { type: 'MapRunUpdated', now: T1, mapRunArn }),
    ).rejects.toThrow(RangeError);
  });

  it('starts a new Map Run when the Map state is retried', async () => {
    const definition = machine({
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 1 }],
    });
    const first = await step(definition, undefined, started([1]));
    const [a] = commandsOf(first, 'StartChildExecution');
    const failed = await step(
      definition,
      first.snapshot,
      ended(a, { status: 'FAILED', error: 'E', cause: 'C' }),
    );
    const [timer] = commandsOf(failed, 'StartTimer');
    const retried = await step(definition, failed.snapshot, {
      type: 'TimerFired',
      now: T1,
      timerId: timer?.timerId ?? '',
    });
    const [run] = commandsOf(retried, 'StartMapRun');
    expect(run?.mapRunArn).not.toBe(a?.mapRunArn);
  });
});
