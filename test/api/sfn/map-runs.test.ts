/**
 * Distributed Map through the real AWS SDK client: ListMapRuns, DescribeMapRun, and
 * ListExecutions with a mapRunArn, on SQLite and PostgreSQL.
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  StartExecutionCommand,
  UpdateMapRunCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import { isJsonObject } from '../../../src/common/index.js';
import { dropAll } from '../../support/databases.js';
import type { Harness } from './harness.js';
import { EXEC_PREFIX, ROLE, SM_PREFIX, rejection, startHarness } from './harness.js';

afterAll(dropAll);

const MAP_RUN_PREFIX = SM_PREFIX.replace(':stateMachine:', ':mapRun:');

const distributed = JSON.stringify({
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      Label: 'Items',
      MaxConcurrency: 2,
      ToleratedFailurePercentage: 50,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Work',
        States: { Work: { Type: 'Task', Resource: 'arn:aws:states:::http:invoke', End: true } },
      },
      End: true,
    },
  },
});

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`Map Runs through the SDK on ${backend}`, () => {
    async function run(h: Harness, name: string): Promise<string> {
      h.tasks.script = {
        Work: (request) =>
          isJsonObject(request.input) && request.input['n'] === 3
            ? { ok: false, error: 'Boom', cause: 'item 3' }
            : { ok: true, output: { seen: request.input } },
      };
      await h.client.send(
        new CreateStateMachineCommand({ name: 'fanout', definition: distributed, roleArn: ROLE }),
      );
      const { executionArn } = await h.client.send(
        new StartExecutionCommand({
          stateMachineArn: `${SM_PREFIX}fanout`,
          name,
          input: JSON.stringify([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]),
        }),
      );
      await h.settle();
      return executionArn ?? '';
    }

    it('lists and describes the Map Run, and lists its child executions', async () => {
      const h = await startHarness({ backend });
      try {
        const executionArn = await run(h, 'e1');
        const parent = await h.client.send(new DescribeExecutionCommand({ executionArn }));
        expect(parent.status).toBe('SUCCEEDED');
        expect(JSON.parse(parent.output ?? 'null')).toEqual([
          { seen: { n: 1 } },
          { seen: { n: 2 } },
          { Error: 'Boom', Cause: 'item 3' },
          { seen: { n: 4 } },
        ]);

        const { mapRuns } = await h.client.send(new ListMapRunsCommand({ executionArn }));
        expect(mapRuns).toHaveLength(1);
        const [listed] = mapRuns ?? [];
        expect(listed).toMatchObject({ executionArn, stateMachineArn: `${SM_PREFIX}fanout` });
        expect(listed?.mapRunArn).toMatch(
          new RegExp(`^${MAP_RUN_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}fanout/Items:`),
        );
        expect(listed?.startDate).toBeInstanceOf(Date);
        expect(listed?.stopDate).toBeInstanceOf(Date);

        const mapRunArn = listed?.mapRunArn ?? '';
        const described = await h.client.send(new DescribeMapRunCommand({ mapRunArn }));
        const counts = {
          pending: 0,
          running: 0,
          succeeded: 3,
          failed: 1,
          timedOut: 0,
          aborted: 0,
          total: 4,
          resultsWritten: 0,
          failuresNotRedrivable: 0,
          pendingRedrive: 0,
        };
        expect(described).toMatchObject({
          mapRunArn,
          executionArn,
          status: 'SUCCEEDED',
          maxConcurrency: 2,
          toleratedFailurePercentage: 50,
          toleratedFailureCount: 0,
          itemCounts: counts,
          executionCounts: counts,
          redriveCount: 0,
        });
        expect(described.startDate).toBeInstanceOf(Date);
        expect(described.stopDate).toBeInstanceOf(Date);

        const children = await h.client.send(new ListExecutionsCommand({ mapRunArn }));
        expect(children.executions).toHaveLength(4);
        for (const child of children.executions ?? []) {
          expect(child.executionArn).toMatch(
            new RegExp(`^${EXEC_PREFIX}fanout/Items:[0-9a-f-]{36}$`),
          );
          expect(child).toMatchObject({ stateMachineArn: `${SM_PREFIX}fanout/Items`, mapRunArn });
        }
        const failed = await h.client.send(
          new ListExecutionsCommand({ mapRunArn, statusFilter: 'FAILED' }),
        );
        expect(failed.executions).toHaveLength(1);
        const childArn = failed.executions?.[0]?.executionArn ?? '';
        const history = await h.client.send(
          new GetExecutionHistoryCommand({ executionArn: childArn }),
        );
        expect(history.events?.map((e) => e.type)).toContain('TaskFailed');
        const child = await h.client.send(new DescribeExecutionCommand({ executionArn: childArn }));
        expect(child).toMatchObject({ status: 'FAILED', error: 'Boom', mapRunArn });
        expect(parent.mapRunArn).toBeUndefined();
        const machine = await h.client.send(
          new DescribeStateMachineForExecutionCommand({ executionArn: childArn }),
        );
        expect(machine).toMatchObject({ mapRunArn, label: 'Items', name: 'fanout/Items' });
        expect(JSON.parse(machine.definition ?? '{}')).toMatchObject({ StartAt: 'Work' });
        const parentHistory = await h.client.send(new GetExecutionHistoryCommand({ executionArn }));
        const started = parentHistory.events?.find((e) => e.type === 'MapRunStarted');
        expect(started?.mapRunStartedEventDetails).toEqual({ mapRunArn });

        // Paging: one Map Run per page is still the one.
        const paged = await h.client.send(new ListMapRunsCommand({ executionArn, maxResults: 1 }));
        expect(paged.mapRuns?.map((m) => m.mapRunArn)).toEqual([mapRunArn]);
        // The state machine's own list shows the parent only.
        const own = await h.client.send(
          new ListExecutionsCommand({ stateMachineArn: `${SM_PREFIX}fanout` }),
        );
        expect(own.executions?.map((e) => e.executionArn)).toEqual([executionArn]);
      } finally {
        await h.close();
      }
    });

    it('UpdateMapRun raises MaxConcurrency of a running Map Run', async () => {
      const h = await startHarness({ backend });
      try {
        const waiting = JSON.stringify({
          StartAt: 'Each',
          States: {
            Each: {
              Type: 'Map',
              MaxConcurrency: 1,
              ItemProcessor: {
                ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
                StartAt: 'Wait',
                States: {
                  Wait: {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::http:invoke.waitForTaskToken',
                    Parameters: { 'token.$': '$$.Task.Token' },
                    End: true,
                  },
                },
              },
              End: true,
            },
          },
        });
        await h.client.send(
          new CreateStateMachineCommand({ name: 'slow', definition: waiting, roleArn: ROLE }),
        );
        const { executionArn } = await h.client.send(
          new StartExecutionCommand({
            stateMachineArn: `${SM_PREFIX}slow`,
            input: JSON.stringify([1, 2, 3]),
          }),
        );
        await h.settle();
        const { mapRuns } = await h.client.send(new ListMapRunsCommand({ executionArn }));
        const mapRunArn = mapRuns?.[0]?.mapRunArn ?? '';
        const before = await h.client.send(new DescribeMapRunCommand({ mapRunArn }));
        expect(before).toMatchObject({
          status: 'RUNNING',
          maxConcurrency: 1,
          itemCounts: { running: 1, pending: 2 },
        });
        await h.client.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 3 }));
        await h.settle();
        const after = await h.client.send(new DescribeMapRunCommand({ mapRunArn }));
        expect(after).toMatchObject({
          status: 'RUNNING',
          maxConcurrency: 3,
          itemCounts: { running: 3, pending: 0 },
        });
        const running = await h.client.send(
          new ListExecutionsCommand({ mapRunArn, statusFilter: 'RUNNING' }),
        );
        expect(running.executions).toHaveLength(3);
        expect((await rejection(h.client.send(new UpdateMapRunCommand({ mapRunArn })))).name).toBe(
          'ValidationException',
        );
      } finally {
        await h.close();
      }
    });

    it('answers AWS exceptions for unknown Map Runs and executions', async () => {
      const h = await startHarness({ backend });
      try {
        const unknownRun = `${MAP_RUN_PREFIX}fanout/Items:00000000-0000-4000-8000-000000000000`;
        expect(
          (await rejection(h.client.send(new DescribeMapRunCommand({ mapRunArn: unknownRun }))))
            .name,
        ).toBe('ResourceNotFound');
        expect(
          (await rejection(h.client.send(new ListExecutionsCommand({ mapRunArn: unknownRun }))))
            .name,
        ).toBe('ResourceNotFound');
        expect(
          (
            await rejection(
              h.client.send(new UpdateMapRunCommand({ mapRunArn: unknownRun, maxConcurrency: 1 })),
            )
          ).name,
        ).toBe('ResourceNotFound');
        expect(
          (
            await rejection(
              h.client.send(new ListMapRunsCommand({ executionArn: `${EXEC_PREFIX}fanout:nope` })),
            )
          ).name,
        ).toBe('ExecutionDoesNotExist');
        expect(
          (
            await rejection(
              h.client.send(new DescribeMapRunCommand({ mapRunArn: `${EXEC_PREFIX}fanout:e1` })),
            )
          ).name,
        ).toBe('InvalidArn');
        expect(
          (
            await rejection(
              h.client.send(
                new ListExecutionsCommand({
                  mapRunArn: unknownRun,
                  stateMachineArn: `${SM_PREFIX}fanout`,
                }),
              ),
            )
          ).name,
        ).toBe('ValidationException');
      } finally {
        await h.close();
      }
    });
  });
}
