/**
 * Activities and RedriveExecution through @aws-sdk/client-sfn: workers long-poll GetActivityTask
 * and answer with the token; failed executions are redriven from where they stopped.
 */
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DeleteActivityCommand,
  DescribeActivityCommand,
  DescribeExecutionCommand,
  GetActivityTaskCommand,
  ListActivitiesCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropAll } from '../../support/databases.js';
import type { Harness } from './harness.js';
import {
  ACCOUNT,
  REGION,
  ROLE,
  SM_PREFIX,
  definition,
  rejection,
  startHarness,
} from './harness.js';

afterAll(dropAll);

const ACTIVITY_PREFIX = `arn:aws:states:${REGION}:${ACCOUNT}:activity:`;
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(pollMs = 50): Promise<Harness> {
  harness = await startHarness({ api: { activityPollMs: pollMs } });
  return harness;
}

async function activityWorkflow(h: Harness, name = 'build'): Promise<void> {
  await h.client.send(new CreateActivityCommand({ name }));
  await h.client.send(
    new CreateStateMachineCommand({
      name: 'uses-activity',
      roleArn: ROLE,
      definition: definition({
        Start: { Type: 'Task', Resource: `${ACTIVITY_PREFIX}${name}`, End: true },
      }),
    }),
  );
}

describe('activities', () => {
  it('are created idempotently, described, listed in pages and deleted', async () => {
    const { client } = await start();
    const first = await client.send(new CreateActivityCommand({ name: 'build' }));
    expect(first.activityArn).toBe(`${ACTIVITY_PREFIX}build`);
    expect(first.creationDate).toBeInstanceOf(Date);
    const again = await client.send(new CreateActivityCommand({ name: 'build' }));
    expect(again).toMatchObject({
      activityArn: first.activityArn,
      creationDate: first.creationDate,
    });
    await client.send(new CreateActivityCommand({ name: 'approve' }));
    await client.send(new CreateActivityCommand({ name: 'deploy' }));
    const page1 = await client.send(new ListActivitiesCommand({ maxResults: 2 }));
    expect(page1.activities?.map((a) => a.name)).toEqual(['approve', 'build']);
    const page2 = await client.send(
      new ListActivitiesCommand({ maxResults: 2, nextToken: page1.nextToken }),
    );
    expect(page2.activities?.map((a) => a.name)).toEqual(['deploy']);
    expect(page2.nextToken).toBeUndefined();
    const described = await client.send(
      new DescribeActivityCommand({ activityArn: `${ACTIVITY_PREFIX}build` }),
    );
    expect(described).toMatchObject({ name: 'build', activityArn: `${ACTIVITY_PREFIX}build` });
    await client.send(new DeleteActivityCommand({ activityArn: `${ACTIVITY_PREFIX}build` }));
    await client.send(new DeleteActivityCommand({ activityArn: `${ACTIVITY_PREFIX}build` }));
    expect(
      (
        await rejection(
          client.send(new DescribeActivityCommand({ activityArn: `${ACTIVITY_PREFIX}build` })),
        )
      ).name,
    ).toBe('ActivityDoesNotExist');
  });

  it('refuses bad names, foreign or wrong-kind ARNs, and forged page tokens', async () => {
    const { client } = await start();
    const bad = [
      [client.send(new CreateActivityCommand({ name: 'has space' })), 'InvalidName'],
      [client.send(new CreateActivityCommand({ name: 'x'.repeat(81) })), 'ValidationException'],
      [
        client.send(new DescribeActivityCommand({ activityArn: `${SM_PREFIX}build` })),
        'InvalidArn',
      ],
      [
        client.send(
          new DescribeActivityCommand({
            activityArn: `arn:aws:states:eu-west-1:${ACCOUNT}:activity:build`,
          }),
        ),
        'InvalidArn',
      ],
      [client.send(new GetActivityTaskCommand({ activityArn: 'activity:build' })), 'InvalidArn'],
      [client.send(new ListActivitiesCommand({ nextToken: 'forged.token' })), 'InvalidToken'],
      [
        client.send(new GetActivityTaskCommand({ activityArn: `${ACTIVITY_PREFIX}none` })),
        'ActivityDoesNotExist',
      ],
    ] as const;
    for (const [call, name] of bad) expect((await rejection(call)).name).toBe(name);
  });

  it('hands a task to a worker, who answers with its token; no task is an empty answer', async () => {
    const h = await start();
    await activityWorkflow(h);
    const activityArn = `${ACTIVITY_PREFIX}build`;
    expect(await h.client.send(new GetActivityTaskCommand({ activityArn }))).not.toHaveProperty(
      'taskToken',
    );
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({
        stateMachineArn: `${SM_PREFIX}uses-activity`,
        input: '{"image":"app:1"}',
      }),
    );
    const task = await h.client.send(
      new GetActivityTaskCommand({ activityArn, workerName: 'runner-7' }),
    );
    expect(JSON.parse(task.input ?? 'null')).toEqual({ image: 'app:1' });
    await h.client.send(
      new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"pushed":true}' }),
    );
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '{"pushed":true}' });
  });

  it('wakes a long poll when a task arrives, and a hung-up poll takes no task', async () => {
    const h = await start(30_000);
    await activityWorkflow(h);
    const activityArn = `${ACTIVITY_PREFIX}build`;
    // A worker that hangs up: its poll must stop and leave the next task for others.
    const hangUp = new AbortController();
    const abandoned = fetch(h.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.GetActivityTask',
      },
      body: JSON.stringify({ activityArn }),
      signal: hangUp.signal,
    }).catch(() => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 100));
    hangUp.abort();
    expect(await abandoned).toBe('aborted');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const polling = h.client.send(new GetActivityTaskCommand({ activityArn }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await h.client.send(
      new StartExecutionCommand({ stateMachineArn: `${SM_PREFIX}uses-activity`, input: '{"n":1}' }),
    );
    const task = await polling;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(JSON.parse(task.input ?? 'null')).toEqual({ n: 1 });
  });
});

describe('RedriveExecution', () => {
  async function failedExecution(h: Harness): Promise<string> {
    let calls = 0;
    h.tasks.script = {
      Work: () =>
        calls++ === 0
          ? { ok: false, error: 'Deploy.Failed', cause: 'x' }
          : { ok: true, output: 'ok' },
    };
    await h.client.send(
      new CreateStateMachineCommand({
        name: 'flaky',
        roleArn: ROLE,
        definition: definition(
          { Work: { Type: 'Task', Resource: 'arn:aws:states:::http:invoke', End: true } },
          'Work',
        ),
      }),
    );
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({ stateMachineArn: `${SM_PREFIX}flaky`, name: 'run-1' }),
    );
    await h.settle();
    return executionArn ?? '';
  }

  it('redrives a failed execution, shows it in DescribeExecution and ListExecutions', async () => {
    const h = await start();
    const executionArn = await failedExecution(h);
    const before = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(before).toMatchObject({
      status: 'FAILED',
      redriveCount: 0,
      redriveStatus: 'REDRIVABLE',
    });
    expect(before.redriveStatusReason).toBeUndefined();
    h.clock.advance(60);
    const { redriveDate } = await h.client.send(
      new RedriveExecutionCommand({ executionArn, clientToken: 'retry-safe-1' }),
    );
    expect(redriveDate?.getTime()).toBe(h.clock.ms);
    // The same client token again: the same answer, not an error, though it is running now.
    h.clock.advance(5);
    const again = await h.client.send(
      new RedriveExecutionCommand({ executionArn, clientToken: 'retry-safe-1' }),
    );
    expect(again.redriveDate).toEqual(redriveDate);
    const other = await rejection(
      h.client.send(new RedriveExecutionCommand({ executionArn, clientToken: 'another' })),
    );
    expect(other).toMatchObject({
      name: 'ExecutionNotRedrivable',
      message: 'Execution is RUNNING and cannot be redriven.',
    });
    await h.settle();
    const after = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(after).toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 1,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven.',
    });
    const stateMachineArn = `${SM_PREFIX}flaky`;
    const redriven = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn, redriveFilter: 'REDRIVEN' }),
    );
    expect(redriven.executions?.map((e) => e.name)).toEqual(['run-1']);
    const never = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn, redriveFilter: 'NOT_REDRIVEN' }),
    );
    expect(never.executions).toEqual([]);
  });

  it('refuses unknown, running and expired executions with AWS exceptions', async () => {
    const h = await start();
    const executionArn = await failedExecution(h);
    expect(
      (
        await rejection(
          h.client.send(new RedriveExecutionCommand({ executionArn: `${executionArn}-x` })),
        )
      ).name,
    ).toBe('ExecutionDoesNotExist');
    expect(
      (await rejection(h.client.send(new RedriveExecutionCommand({ executionArn: SM_PREFIX }))))
        .name,
    ).toBe('InvalidArn');
    h.clock.advance(15 * 24 * 3600);
    const expired = await rejection(h.client.send(new RedriveExecutionCommand({ executionArn })));
    expect(expired).toMatchObject({
      name: 'ExecutionNotRedrivable',
      message: 'Execution redrivable period exceeded.',
    });
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution redrivable period exceeded.',
    });
  });
});
