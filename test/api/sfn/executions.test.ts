/**
 * Executions, history, synchronous executions, task callbacks and TestState through the real
 * AWS SDK client. The engine is driven by the test (`settle`), never by real-time waits.
 */
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  PublishStateMachineVersionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  TestStateCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/common/index.js';
import { dropAll } from '../../support/databases.js';
import type { Harness } from './harness.js';
import { EXEC_PREFIX, ROLE, SM_PREFIX, definition, rejection, startHarness } from './harness.js';

let h: Harness;
let n = 0;
const fresh = (base: string) => `${base}-${++n}`;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
  await dropAll();
});

const machines: Record<string, Record<string, JsonValue>> = {
  pass: { Start: { Type: 'Pass', Result: { done: true }, ResultPath: '$.result', End: true } },
  wait: { Start: { Type: 'Wait', Seconds: 60, End: true } },
  fail: { Start: { Type: 'Fail', Error: 'Deploy.Failed', Cause: 'it broke' } },
  callback: {
    Start: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      Parameters: { 'token.$': '$$.Task.Token' },
      HeartbeatSeconds: 60,
      Catch: [{ ErrorEquals: ['Approval.Rejected'], ResultPath: '$.why', Next: 'Rejected' }],
      End: true,
    },
    Rejected: { Type: 'Fail', Error: 'Approval.Rejected', Cause: 'no' },
  },
  task: { Start: { Type: 'Task', Resource: 'arn:aws:states:::http:invoke', End: true } },
};

async function machine(kind: keyof typeof machines, type: 'STANDARD' | 'EXPRESS' = 'STANDARD') {
  const name = fresh(kind);
  await h.client.send(
    new CreateStateMachineCommand({
      name,
      definition: definition(machines[kind]),
      roleArn: ROLE,
      type,
    }),
  );
  return SM_PREFIX + name;
}

async function start(stateMachineArn: string, input = '{"n":1}', name?: string) {
  return h.client.send(new StartExecutionCommand({ stateMachineArn, input, name }));
}

describe('StartExecution and DescribeExecution', () => {
  it('starts an execution and describes it in AWS shape', async () => {
    const arn = await machine('pass');
    const started = await start(arn, '{"n":1}', 'first');
    const smName = arn.slice(SM_PREFIX.length);
    expect(started).toMatchObject({
      executionArn: `${EXEC_PREFIX}${smName}:first`,
      startDate: new Date(h.clock.ms),
    });
    const described = await h.client.send(
      new DescribeExecutionCommand({ executionArn: started.executionArn }),
    );
    expect(described).toMatchObject({
      executionArn: started.executionArn,
      stateMachineArn: arn,
      name: 'first',
      status: 'SUCCEEDED',
      startDate: new Date(h.clock.ms),
      stopDate: new Date(h.clock.ms),
      input: '{"n":1}',
      inputDetails: { included: true },
      output: '{"n":1,"result":{"done":true}}',
      outputDetails: { included: true },
      redriveCount: 0,
    });
    expect(described.stateMachineVersionArn).toBeUndefined();
  });

  it('names the execution with a UUID when no name is given, and defaults input to {}', async () => {
    const arn = await machine('pass');
    const started = await h.client.send(new StartExecutionCommand({ stateMachineArn: arn }));
    expect(started.executionArn).toMatch(/:[0-9a-f-]{36}$/);
    const described = await h.client.send(
      new DescribeExecutionCommand({ executionArn: started.executionArn }),
    );
    expect(described.input).toBe('{}');
  });

  it('returns the running execution for a repeat with the same name and input', async () => {
    const arn = await machine('wait');
    const first = await start(arn, '{"a":1}', 'same');
    const again = await start(arn, '{"a":1}', 'same');
    expect(again.executionArn).toBe(first.executionArn);
    const error = await rejection(start(arn, '{"a":2}', 'same'));
    expect(error.name).toBe('ExecutionAlreadyExists');
    expect(error.message).toContain(first.executionArn ?? '');
  });

  it('refuses input that is not JSON: InvalidExecutionInput', async () => {
    const arn = await machine('pass');
    for (const input of ['{', 'not json', '{"a":}']) {
      const error = await rejection(start(arn, input));
      expect(error.name, input).toBe('InvalidExecutionInput');
    }
  });

  it('refuses input over 256 KiB with a ValidationException that does not echo it', async () => {
    const arn = await machine('pass');
    const error = await rejection(start(arn, JSON.stringify({ big: 'x'.repeat(262_144) })));
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain("Value at 'input' failed to satisfy constraint");
    expect(error.message.length).toBeLessThan(300);
  });

  it('refuses execution names that break AWS naming rules: InvalidName', async () => {
    const arn = await machine('pass');
    for (const name of ['white space', 'a/b', 'brace{', 'tab\t']) {
      const error = await rejection(start(arn, '{}', name));
      expect(error.name, name).toBe('InvalidName');
    }
  });

  it('refuses a state machine, version or alias that does not exist: StateMachineDoesNotExist', async () => {
    const arn = await machine('pass');
    for (const target of [SM_PREFIX + 'ghost', `${arn}:7`, `${arn}:nope`]) {
      const error = await rejection(start(target));
      expect(error.name, target).toBe('StateMachineDoesNotExist');
    }
  });

  it('refuses an execution ARN as the state machine: InvalidArn', async () => {
    const error = await rejection(start(`${EXEC_PREFIX}a:b`));
    expect(error.name).toBe('InvalidArn');
  });

  it('starts through a version and an alias and reports them', async () => {
    const arn = await machine('pass');
    await h.client.send(new PublishStateMachineVersionCommand({ stateMachineArn: arn }));
    await h.client.send(
      new CreateStateMachineAliasCommand({
        name: 'live',
        routingConfiguration: [{ stateMachineVersionArn: `${arn}:1`, weight: 100 }],
      }),
    );
    const byVersion = await start(`${arn}:1`);
    const byAlias = await start(`${arn}:live`);
    const v = await h.client.send(
      new DescribeExecutionCommand({ executionArn: byVersion.executionArn }),
    );
    expect(v).toMatchObject({ stateMachineArn: arn, stateMachineVersionArn: `${arn}:1` });
    expect(v.stateMachineAliasArn).toBeUndefined();
    const a = await h.client.send(
      new DescribeExecutionCommand({ executionArn: byAlias.executionArn }),
    );
    expect(a).toMatchObject({
      stateMachineArn: arn,
      stateMachineVersionArn: `${arn}:1`,
      stateMachineAliasArn: `${arn}:live`,
    });
    const listed = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: `${arn}:live` }),
    );
    expect(listed.executions?.map((e) => e.executionArn)).toEqual([byAlias.executionArn]);
  });

  it('leaves input and output out with includedData METADATA_ONLY', async () => {
    const arn = await machine('pass');
    const started = await start(arn);
    const described = await h.client.send(
      new DescribeExecutionCommand({
        executionArn: started.executionArn,
        includedData: 'METADATA_ONLY',
      }),
    );
    expect(described.input).toBeUndefined();
    expect(described.output).toBeUndefined();
    expect(described.inputDetails).toEqual({ included: false });
  });

  it('reports a failed execution with its error and cause', async () => {
    const arn = await machine('fail');
    const started = await start(arn);
    const described = await h.client.send(
      new DescribeExecutionCommand({ executionArn: started.executionArn }),
    );
    expect(described).toMatchObject({
      status: 'FAILED',
      error: 'Deploy.Failed',
      cause: 'it broke',
    });
  });

  it('answers ExecutionDoesNotExist for describe, stop and history of an unknown execution', async () => {
    const executionArn = `${EXEC_PREFIX}ghost:nobody`;
    for (const command of [
      new DescribeExecutionCommand({ executionArn }),
      new StopExecutionCommand({ executionArn }),
      new GetExecutionHistoryCommand({ executionArn }),
      new DescribeStateMachineForExecutionCommand({ executionArn }),
    ]) {
      // @ts-expect-error -- several command types through one send
      const error = await rejection(h.client.send(command));
      expect(error.name).toBe('ExecutionDoesNotExist');
    }
  });
});

describe('StopExecution', () => {
  it('stops a running execution with its error and cause', async () => {
    const arn = await machine('wait');
    const started = await start(arn);
    h.clock.advance(5);
    const stopped = await h.client.send(
      new StopExecutionCommand({
        executionArn: started.executionArn,
        error: 'Operator.Stop',
        cause: 'wrong branch',
      }),
    );
    expect(stopped.stopDate).toEqual(new Date(h.clock.ms));
    const described = await h.client.send(
      new DescribeExecutionCommand({ executionArn: started.executionArn }),
    );
    expect(described).toMatchObject({
      status: 'ABORTED',
      error: 'Operator.Stop',
      cause: 'wrong branch',
      stopDate: new Date(h.clock.ms),
    });
    h.clock.advance(5);
    const again = await h.client.send(
      new StopExecutionCommand({ executionArn: started.executionArn }),
    );
    expect(again.stopDate).toEqual(stopped.stopDate);
  });

  it('refuses an error longer than 256 characters', async () => {
    const arn = await machine('wait');
    const started = await start(arn);
    const error = await rejection(
      h.client.send(
        new StopExecutionCommand({ executionArn: started.executionArn, error: 'e'.repeat(257) }),
      ),
    );
    expect(error.name).toBe('ValidationException');
    const described = await h.client.send(
      new DescribeExecutionCommand({ executionArn: started.executionArn }),
    );
    expect(described.status).toBe('RUNNING');
  });
});

describe('ListExecutions', () => {
  it('lists newest first in pages, filtered by status', async () => {
    const arn = await machine('wait');
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      h.clock.advance(1);
      names.push((await start(arn, '{}', `e${i}`)).executionArn ?? '');
    }
    await h.client.send(new StopExecutionCommand({ executionArn: names[0] }));
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await h.client.send(
        new ListExecutionsCommand({
          stateMachineArn: arn,
          statusFilter: 'RUNNING',
          maxResults: 2,
          nextToken,
        }),
      );
      for (const item of page.executions ?? []) {
        expect(item).toMatchObject({
          executionArn: expect.stringContaining(EXEC_PREFIX),
          stateMachineArn: arn,
          name: expect.any(String),
          status: 'RUNNING',
          startDate: expect.any(Date),
          redriveCount: 0,
        });
        seen.push(item.executionArn ?? '');
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    expect(seen).toEqual([...names.slice(1)].reverse());
  });

  it('refuses a page token used with another status filter: InvalidToken', async () => {
    const arn = await machine('wait');
    for (let i = 0; i < 3; i++) await start(arn, '{}', `t${i}`);
    const page = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1 }),
    );
    const error = await rejection(
      h.client.send(
        new ListExecutionsCommand({
          stateMachineArn: arn,
          statusFilter: 'SUCCEEDED',
          nextToken: page.nextToken,
        }),
      ),
    );
    expect(error.name).toBe('InvalidToken');
  });

  it('answers the errors AWS gives: no ARN, missing machine, EXPRESS, map runs', async () => {
    const none = await rejection(h.client.send(new ListExecutionsCommand({})));
    expect(none.name).toBe('ValidationException');
    const missing = await rejection(
      h.client.send(new ListExecutionsCommand({ stateMachineArn: SM_PREFIX + 'ghost' })),
    );
    expect(missing.name).toBe('StateMachineDoesNotExist');
    const express = await machine('pass', 'EXPRESS');
    const typed = await rejection(
      h.client.send(new ListExecutionsCommand({ stateMachineArn: express })),
    );
    expect(typed.name).toBe('StateMachineTypeNotSupported');
    const mapRun = await rejection(
      h.client.send(
        new ListExecutionsCommand({
          mapRunArn: 'arn:aws:states:us-east-1:123456789012:mapRun:a/b:c',
        }),
      ),
    );
    expect(mapRun.name).toBe('ResourceNotFound');
    const status = await rejection(
      h.client.send(
        // @ts-expect-error -- a status AWS does not have
        new ListExecutionsCommand({ stateMachineArn: express, statusFilter: 'DONE' }),
      ),
    );
    expect(status.name).toBe('ValidationException');
    expect(status.message).toContain("'statusFilter'");
  });
});

describe('GetExecutionHistory', () => {
  async function finishedExecution() {
    const arn = await machine('pass');
    return (await start(arn, '{"n":1}')).executionArn ?? '';
  }

  it('returns the events in AWS shape, oldest first', async () => {
    const executionArn = await finishedExecution();
    const history = await h.client.send(new GetExecutionHistoryCommand({ executionArn }));
    const events = history.events ?? [];
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[0]).toMatchObject({
      id: 1,
      previousEventId: 0,
      timestamp: new Date(h.clock.ms),
      executionStartedEventDetails: {
        input: '{"n":1}',
        inputDetails: { truncated: false },
      },
    });
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    expect(events[3]?.executionSucceededEventDetails?.output).toBe(
      '{"n":1,"result":{"done":true}}',
    );
  });

  it('returns them newest first with reverseOrder, in pages', async () => {
    const executionArn = await finishedExecution();
    const first = await h.client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 3 }),
    );
    expect(first.events?.map((e) => e.id)).toEqual([4, 3, 2]);
    const second = await h.client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: 3,
        nextToken: first.nextToken,
      }),
    );
    expect(second.events?.map((e) => e.id)).toEqual([1]);
    expect(second.nextToken).toBeUndefined();
    const flipped = await rejection(
      h.client.send(new GetExecutionHistoryCommand({ executionArn, nextToken: first.nextToken })),
    );
    expect(flipped.name).toBe('InvalidToken');
  });

  it('leaves execution data out with includeExecutionData false', async () => {
    const executionArn = await finishedExecution();
    const history = await h.client.send(
      new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }),
    );
    const started = history.events?.[0]?.executionStartedEventDetails;
    expect(started).toBeDefined();
    expect(started?.input).toBeUndefined();
    expect(history.events?.[3]?.executionSucceededEventDetails?.output).toBeUndefined();
  });
});

describe('DescribeStateMachineForExecution', () => {
  it('returns the definition the execution runs, even after an update', async () => {
    const arn = await machine('wait');
    const started = await start(arn);
    await h.client.send(
      new UpdateStateMachineCommand({ stateMachineArn: arn, definition: definition() }),
    );
    const described = await h.client.send(
      new DescribeStateMachineForExecutionCommand({ executionArn: started.executionArn }),
    );
    expect(described).toMatchObject({
      stateMachineArn: arn,
      name: arn.slice(SM_PREFIX.length),
      definition: definition(machines['wait']),
      roleArn: ROLE,
      updateDate: expect.any(Date),
      revisionId: expect.any(String),
    });
  });
});

describe('StartSyncExecution', () => {
  it('runs an EXPRESS state machine to its end and returns the outcome', async () => {
    const arn = await machine('pass', 'EXPRESS');
    const result = await h.client.send(
      new StartSyncExecutionCommand({ stateMachineArn: arn, input: '{"n":2}', name: 'sync-1' }),
    );
    expect(result).toMatchObject({
      executionArn: `${EXEC_PREFIX}${arn.slice(SM_PREFIX.length)}:sync-1`,
      stateMachineArn: arn,
      name: 'sync-1',
      status: 'SUCCEEDED',
      startDate: new Date(h.clock.ms),
      stopDate: new Date(h.clock.ms),
      input: '{"n":2}',
      inputDetails: { included: true },
      output: '{"n":2,"result":{"done":true}}',
      outputDetails: { included: true },
    });
  });

  it('waits for tasks the engine runs meanwhile', async () => {
    const arn = await machine('task', 'EXPRESS');
    const pending = h.client.send(new StartSyncExecutionCommand({ stateMachineArn: arn }));
    let settled = false;
    void pending.finally(() => (settled = true));
    while (!settled) {
      await h.settle();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const result = await pending;
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toBe('{"echo":{}}');
  });

  it('reports a failed execution as FAILED with its error and cause', async () => {
    const arn = await machine('fail', 'EXPRESS');
    const result = await h.client.send(new StartSyncExecutionCommand({ stateMachineArn: arn }));
    expect(result).toMatchObject({ status: 'FAILED', error: 'Deploy.Failed', cause: 'it broke' });
  });

  it('refuses a STANDARD state machine: StateMachineTypeNotSupported', async () => {
    const arn = await machine('pass');
    const error = await rejection(
      h.client.send(new StartSyncExecutionCommand({ stateMachineArn: arn })),
    );
    expect(error.name).toBe('StateMachineTypeNotSupported');
  });

  it('refuses a missing state machine and input that is not JSON', async () => {
    const missing = await rejection(
      h.client.send(new StartSyncExecutionCommand({ stateMachineArn: SM_PREFIX + 'ghost' })),
    );
    expect(missing.name).toBe('StateMachineDoesNotExist');
    const arn = await machine('pass', 'EXPRESS');
    const input = await rejection(
      h.client.send(new StartSyncExecutionCommand({ stateMachineArn: arn, input: '{' })),
    );
    expect(input.name).toBe('InvalidExecutionInput');
  });

  it('stops an execution that outlives the time limit and reports TIMED_OUT', async () => {
    const timed = await startHarness({
      api: {
        syncExecutionTimeoutMs: 2000,
        // The poller's sleep moves the fake clock: the deadline comes without real waiting.
        sleep: (ms) => {
          timed.clock.advance(ms / 1000);
          return Promise.resolve();
        },
      },
    });
    try {
      await timed.client.send(
        new CreateStateMachineCommand({
          name: 'slow',
          definition: definition(machines['wait']),
          roleArn: ROLE,
          type: 'EXPRESS',
        }),
      );
      const result = await timed.client.send(
        new StartSyncExecutionCommand({ stateMachineArn: `${SM_PREFIX}slow` }),
      );
      expect(result).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
      const described = await timed.client.send(
        new DescribeExecutionCommand({ executionArn: result.executionArn }),
      );
      // Stored as it was reported: timed out, not aborted.
      expect(described).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
      const history = await timed.client.send(
        new GetExecutionHistoryCommand({ executionArn: result.executionArn, reverseOrder: true }),
      );
      expect(history.events?.[0]).toMatchObject({
        type: 'ExecutionTimedOut',
        executionTimedOutEventDetails: { error: 'States.Timeout' },
      });
    } finally {
      await timed.close();
    }
  });
});

describe('task callbacks', () => {
  async function waitingTask() {
    const arn = await machine('callback');
    const started = await start(arn, '{"what":"deploy"}');
    await h.settle();
    const token = h.tasks.tokens.get('Start');
    if (token === undefined) throw new Error('the task received no token');
    h.tasks.tokens.delete('Start');
    return { executionArn: started.executionArn ?? '', token };
  }

  it('completes a waiting task with SendTaskSuccess', async () => {
    const { executionArn, token } = await waitingTask();
    await h.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"ok":true}' }));
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":true}' });
    const late = await rejection(
      h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    );
    // AWS: TaskTimedOut, "the task associated with the token has already been closed".
    expect(late.name).toBe('TaskTimedOut');
    const heartbeat = await rejection(
      h.client.send(new SendTaskHeartbeatCommand({ taskToken: token })),
    );
    expect(heartbeat.name).toBe('TaskTimedOut');
    const never = await rejection(
      h.client.send(
        new SendTaskSuccessCommand({
          taskToken: token.replace(/#(\d+)#/, (_m, n: string) => `#${Number(n) + 100}#`),
          output: '{}',
        }),
      ),
    );
    expect(never.name).toBe('TaskDoesNotExist');
  });

  it('fails a waiting task with SendTaskFailure, which Catch handles', async () => {
    const { executionArn, token } = await waitingTask();
    await h.client.send(
      new SendTaskFailureCommand({ taskToken: token, error: 'Approval.Rejected', cause: 'no' }),
    );
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'FAILED', error: 'Approval.Rejected' });
  });

  it('refuses output that is not JSON: InvalidOutput, leaving the task waiting', async () => {
    const { executionArn, token } = await waitingTask();
    const error = await rejection(
      h.client.send(new SendTaskSuccessCommand({ taskToken: token, output: 'nope' })),
    );
    expect(error.name).toBe('InvalidOutput');
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe('RUNNING');
  });

  it('refuses malformed tokens: InvalidToken', async () => {
    for (const taskToken of ['x', 'not-a-token-at-all', 'a'.repeat(2048)]) {
      const error = await rejection(
        h.client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })),
      );
      expect(error.name, taskToken.slice(0, 20)).toBe('InvalidToken');
    }
  });

  it('refuses a missing output or a token over 2048 characters with a ValidationException', async () => {
    const missing = await rejection(
      // @ts-expect-error -- output deliberately left out
      h.client.send(new SendTaskSuccessCommand({ taskToken: 'x' })),
    );
    expect(missing.name).toBe('ValidationException');
    expect(missing.message).toContain("Value null at 'output'");
    const long = await rejection(
      h.client.send(new SendTaskFailureCommand({ taskToken: 'a'.repeat(2049) })),
    );
    expect(long.name).toBe('ValidationException');
  });
});

describe('TestState', () => {
  const pass = JSON.stringify({
    Type: 'Pass',
    Parameters: { 'x.$': '$.a' },
    ResultPath: '$.out',
    Next: 'After',
  });

  it('evaluates one state and, at DEBUG, shows each stage', async () => {
    const result = await h.client.send(
      new TestStateCommand({ definition: pass, input: '{"a":1}', inspectionLevel: 'DEBUG' }),
    );
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"a":1,"out":{"x":1}}',
      nextState: 'After',
      inspectionData: {
        input: '{"a":1}',
        afterInputPath: '{"a":1}',
        afterParameters: '{"x":1}',
        afterResultPath: '{"a":1,"out":{"x":1}}',
      },
    });
  });

  it('gives no inspection data at INFO', async () => {
    const result = await h.client.send(
      new TestStateCommand({ definition: pass, input: '{"a":1}' }),
    );
    expect(result.inspectionData).toBeUndefined();
    expect(result.status).toBe('SUCCEEDED');
  });

  it('takes a Task outcome from the mock: result, or an error a Catcher takes', async () => {
    const task = JSON.stringify({
      Type: 'Task',
      Resource: 'arn:aws:states:::http:invoke',
      Retry: [{ ErrorEquals: ['Boom'], MaxAttempts: 1 }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Recover' }],
      End: true,
    });
    const ok = await h.client.send(
      new TestStateCommand({ definition: task, mock: { result: '{"status":200}' } }),
    );
    expect(ok).toMatchObject({ status: 'SUCCEEDED', output: '{"status":200}' });
    const retriable = await h.client.send(
      new TestStateCommand({
        definition: task,
        mock: { errorOutput: { error: 'Boom', cause: 'x' } },
      }),
    );
    expect(retriable).toMatchObject({ status: 'RETRIABLE', error: 'Boom' });
    const caught = await h.client.send(
      new TestStateCommand({
        definition: task,
        mock: { errorOutput: { error: 'Boom', cause: 'x' } },
        stateConfiguration: { retrierRetryCount: 1 },
      }),
    );
    expect(caught).toMatchObject({ status: 'CAUGHT_ERROR', nextState: 'Recover', error: 'Boom' });
  });

  it('tests a state inside a whole state machine with stateName', async () => {
    const result = await h.client.send(
      new TestStateCommand({
        definition: definition(machines['fail']),
        stateName: 'Start',
      }),
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'Deploy.Failed', cause: 'it broke' });
  });

  it('refuses what it cannot evaluate, each with AWS exception names', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { definition: '{"Type":"Task","Resource":"arn:aws:states:::http:invoke","End":true}' },
        'ValidationException',
      ],
      [{ definition: '{"Type":"Nope"}' }, 'InvalidDefinition'],
      [{ definition: 'not json' }, 'InvalidDefinition'],
      [{ definition: pass, input: '{' }, 'InvalidExecutionInput'],
      [{ definition: pass, variables: '[1]' }, 'ValidationException'],
      [{ definition: definition(), stateName: 'Missing' }, 'ValidationException'],
      [{ definition: pass, inspectionLevel: 'LOUD' }, 'ValidationException'],
    ];
    for (const [input, expected] of cases) {
      // @ts-expect-error -- deliberately malformed requests
      const error = await rejection(h.client.send(new TestStateCommand(input)));
      expect(error.name, JSON.stringify(input)).toBe(expected);
    }
  });
});
