/**
 * One full flow through the SDK on the PostgreSQL store (BATON_TEST_POSTGRES): the same API,
 * a different store, the same answers.
 */
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListTagsForResourceCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropAll } from '../../support/databases.js';
import type { Harness } from './harness.js';
import { ROLE, SM_PREFIX, definition, rejection, startHarness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ backend: 'postgres' });
});
afterAll(async () => {
  await h.close();
  await dropAll();
});

describe('the Step Functions API on PostgreSQL', () => {
  it('creates, publishes, routes through an alias, waits, stops, lists and reads history', async () => {
    const arn = `${SM_PREFIX}pg-flow`;
    const created = await h.client.send(
      new CreateStateMachineCommand({
        name: 'pg-flow',
        definition: definition({
          Start: { Type: 'Wait', Seconds: 30, Next: 'Done' },
          Done: { Type: 'Pass', End: true },
        }),
        roleArn: ROLE,
        publish: true,
        tags: [{ key: 'store', value: 'postgres' }],
      }),
    );
    expect(created.stateMachineVersionArn).toBe(`${arn}:1`);
    await h.client.send(
      new CreateStateMachineAliasCommand({
        name: 'live',
        routingConfiguration: [{ stateMachineVersionArn: `${arn}:1`, weight: 100 }],
      }),
    );
    const runs: string[] = [];
    for (let i = 0; i < 3; i++) {
      h.clock.advance(1);
      const started = await h.client.send(
        new StartExecutionCommand({ stateMachineArn: `${arn}:live`, name: `run-${i}` }),
      );
      runs.push(started.executionArn ?? '');
    }
    await h.client.send(new StopExecutionCommand({ executionArn: runs[2], error: 'Stop' }));
    h.clock.advance(30);
    await h.settle();

    const done = await h.client.send(new DescribeExecutionCommand({ executionArn: runs[0] }));
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      stateMachineVersionArn: `${arn}:1`,
      stateMachineAliasArn: `${arn}:live`,
    });
    const history = await h.client.send(
      new GetExecutionHistoryCommand({ executionArn: runs[0], maxResults: 3 }),
    );
    expect(history.events?.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'WaitStateEntered',
      'WaitStateExited',
    ]);
    expect(history.nextToken).toEqual(expect.any(String));

    const first = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2 }),
    );
    const second = await h.client.send(
      new ListExecutionsCommand({
        stateMachineArn: arn,
        maxResults: 2,
        nextToken: first.nextToken,
      }),
    );
    expect(
      [...(first.executions ?? []), ...(second.executions ?? [])].map((e) => [
        e.executionArn,
        e.status,
      ]),
    ).toEqual([
      [runs[2], 'ABORTED'],
      [runs[1], 'SUCCEEDED'],
      [runs[0], 'SUCCEEDED'],
    ]);

    await h.client.send(
      new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'team', value: 'sre' }] }),
    );
    const tags = await h.client.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    expect(tags.tags).toEqual([
      { key: 'store', value: 'postgres' },
      { key: 'team', value: 'sre' },
    ]);
    const taken = await rejection(
      h.client.send(
        new StartExecutionCommand({ stateMachineArn: arn, name: 'run-0', input: '{"x":1}' }),
      ),
    );
    expect(taken.name).toBe('ExecutionAlreadyExists');
  });
});
