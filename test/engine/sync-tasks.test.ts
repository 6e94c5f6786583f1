/**
 * `.sync` tasks on both stores: an integration's job is checked on through stored due times
 * (durable, woken early by pollNow), and nested executions (states:startExecution) in all
 * three patterns.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/common/index.js';
import { Engine } from '../../src/engine/index.js';
import type {
  TaskCancelRequest,
  TaskOutcome,
  TaskPollRequest,
  TaskRequest,
  TaskRunner,
} from '../../src/integrations/index.js';
import type { Store } from '../../src/store/index.js';
import { dropAll } from '../support/databases.js';
import { storeBackends } from '../support/store-backends.js';

afterAll(dropAll);

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const SM = 'arn:aws:states:local:000000000000:stateMachine';

const backends = storeBackends(() => new Date(T0).toISOString());

/** A job service: `run` starts a job; `poll` answers from a script per poll. */
class Jobs implements TaskRunner {
  readonly polls: TaskPollRequest[] = [];
  readonly runs: TaskRequest[] = [];
  readonly cancels: TaskCancelRequest[] = [];
  /** How many of the next cancel calls throw. */
  failCancels = 0;
  constructor(private readonly answers: TaskOutcome[]) {}
  cancel(request: TaskCancelRequest): Promise<void> {
    this.cancels.push(request);
    if (this.failCancels > 0) {
      this.failCancels -= 1;
      return Promise.reject(new Error('service unavailable'));
    }
    return Promise.resolve();
  }
  run(request: TaskRequest): Promise<TaskOutcome> {
    this.runs.push(request);
    return Promise.resolve({
      ok: 'running',
      submitted: { JobId: 'job-1' },
      job: { id: 'job-1' },
      pollAfterSeconds: 10,
    });
  }
  poll(request: TaskPollRequest): Promise<TaskOutcome> {
    this.polls.push(request);
    const answer = this.answers[this.polls.length - 1];
    return Promise.resolve(answer ?? { ok: false, error: 'Test.NoScript', cause: '' });
  }
}

const stillRunning: TaskOutcome = {
  ok: 'running',
  submitted: null,
  job: { id: 'job-1' },
  pollAfterSeconds: 20,
};

const jobMachine = {
  StartAt: 'Build',
  States: {
    Build: {
      Type: 'Task',
      Resource: 'arn:aws:states:::batch:submitJob.sync',
      ResultPath: '$.job',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
      End: true,
    },
    Caught: { Type: 'Pass', End: true },
  },
};

for (const [label, opener] of backends) {
  describe(`.sync tasks on ${label}`, () => {
    async function setup(tasks: TaskRunner, workflows: Record<string, object>) {
      const open = await opener();
      const store = open();
      await store.migrate();
      for (const [name, definition] of Object.entries(workflows)) {
        await store.workflows.create({
          name,
          definition: JSON.stringify(definition),
          roleArn: null,
          type: 'STANDARD',
          description: null,
          revisionId: `${name}-r1`,
          now: new Date(T0).toISOString(),
        });
      }
      const clock = { ms: T0, nowMs: () => clock.ms };
      const engineOn = (on: Store, nodeId: string) =>
        new Engine({
          store: on,
          clock,
          tasks,
          nodeId,
          tokenKey: () => randomBytes(32).toString('hex'),
          random: () => 0,
        });
      const engine = engineOn(store, 'node-1');
      /** Ticks until nothing is due now, waiting for background work each time. */
      const settle = async (on = engine) => {
        for (let i = 0; i < 50; i++) {
          const claimed = await on.tick();
          await on.idle();
          if (claimed === 0) return;
        }
        throw new Error('work kept coming');
      };
      const advance = (seconds: number) => {
        clock.ms += seconds * 1000;
      };
      const types = async (id: string) =>
        (await store.executions.history(id, { limit: 200 })).items.map((e) => e.type);
      return { store, open, engine, engineOn, settle, advance, types };
    }

    it('checks on the job at stored due times until it is done', async () => {
      const jobs = new Jobs([stillRunning, { ok: true, output: { status: 'done' } }]);
      const { store, engine, settle, advance, types } = await setup(jobs, { wf: jobMachine });
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await settle();
      expect(jobs.runs).toHaveLength(1);
      expect(jobs.polls).toHaveLength(0);
      advance(9);
      await settle();
      expect(jobs.polls).toHaveLength(0); // pollAfterSeconds 10 has not passed
      advance(1);
      await settle();
      expect(jobs.polls.map((p) => [p.job, p.polls])).toEqual([[{ id: 'job-1' }, 1]]);
      advance(20);
      await settle();
      expect(jobs.polls.map((p) => p.polls)).toEqual([1, 2]);
      expect(await store.executions.get(execution.id)).toMatchObject({
        status: 'SUCCEEDED',
        output: '{"job":{"status":"done"}}',
      });
      expect(await types(execution.id)).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskSubmitted',
        'TaskSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
      const submitted = (await store.executions.history(execution.id, { limit: 10 })).items[4];
      expect(JSON.parse(submitted?.details ?? '{}')).toMatchObject({
        taskSubmittedEventDetails: { output: '{"JobId":"job-1"}' },
      });
      await store.close();
    });

    it('hands a failed job to Catch', async () => {
      const jobs = new Jobs([{ ok: false, error: 'Batch.JobFailed', cause: 'exit 1' }]);
      const { store, engine, settle, advance } = await setup(jobs, { wf: jobMachine });
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await settle();
      advance(10);
      await settle();
      expect(JSON.parse((await store.executions.get(execution.id))?.output ?? 'null')).toEqual({
        error: { Error: 'Batch.JobFailed', Cause: 'exit 1' },
      });
      await store.close();
    });

    it('keeps waiting across a restart: another engine does the next check', async () => {
      const jobs = new Jobs([{ ok: true, output: 'later' }]);
      const { store, open, engine, engineOn, settle, advance } = await setup(jobs, {
        wf: jobMachine,
      });
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await settle();
      await store.close();
      const reopened = open();
      const next = engineOn(reopened, 'node-2');
      advance(10);
      await settle(next);
      expect(jobs.runs).toHaveLength(1); // the job is not started twice
      expect((await reopened.executions.get(execution.id))?.status).toBe('SUCCEEDED');
      await reopened.close();
    });

    it('checks at once when told the job changed (pollNow), and not for other tasks', async () => {
      const jobs = new Jobs([{ ok: true, output: 'early' }]);
      const { store, engine, settle } = await setup(jobs, { wf: jobMachine });
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await settle();
      await engine.pollNow(execution.id, 't9'); // no such task: nothing happens
      await settle();
      expect(jobs.polls).toHaveLength(0);
      await engine.pollNow(execution.id, 't1');
      await settle();
      expect(jobs.polls).toHaveLength(1);
      expect((await store.executions.get(execution.id))?.status).toBe('SUCCEEDED');
      await store.close();
    });

    it('stops checking when the execution is stopped', async () => {
      const jobs = new Jobs([{ ok: true, output: 'never' }]);
      const { store, engine, settle, advance } = await setup(jobs, { wf: jobMachine });
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await settle();
      await engine.stop(execution.id, 'Ops.Stop', '');
      advance(3600);
      await settle();
      expect(jobs.polls).toHaveLength(0);
      expect((await store.executions.get(execution.id))?.status).toBe('ABORTED');
      await store.close();
    });

    it('asks the integration to cancel the job when the execution is stopped', async () => {
      const jobs = new Jobs([]);
      const { store, engine, settle } = await setup(jobs, { wf: jobMachine });
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await settle();
      expect(jobs.cancels).toHaveLength(0);
      await engine.stop(execution.id, 'Ops.Stop', '');
      await settle();
      expect(jobs.cancels.map((c) => [c.job, c.reason, c.stateName, c.resource])).toEqual([
        [
          { id: 'job-1' },
          'the execution was stopped',
          'Build',
          'arn:aws:states:::batch:submitJob.sync',
        ],
      ]);
      expect(jobs.cancels[0]?.idempotencyKey).toBe(jobs.runs[0]?.idempotencyKey);
      await settle();
      expect(jobs.cancels).toHaveLength(1); // done once
      await store.close();
    });

    it('cancels the job when the task times out, and not when the job finished', async () => {
      const timed = {
        ...jobMachine,
        States: {
          ...jobMachine.States,
          Build: { ...jobMachine.States.Build, TimeoutSeconds: 25 },
        },
      };
      // The first execution's job is done at its first check (10 s); the second's is still
      // running then (next check at 30 s), so its 25 s timeout comes first.
      const jobs = new Jobs([{ ok: true, output: 'done' }, stillRunning]);
      const { store, engine, settle, advance } = await setup(jobs, { wf: timed });
      const { execution: done } = await engine.start({ workflow: 'wf', name: 'ok', input: {} });
      await settle();
      advance(10);
      await settle();
      expect((await store.executions.get(done.id))?.status).toBe('SUCCEEDED');
      const { execution } = await engine.start({ workflow: 'wf', name: 'slow', input: {} });
      await settle();
      advance(10);
      await settle();
      advance(15);
      await settle();
      expect(
        JSON.parse((await store.executions.get(execution.id))?.output ?? 'null'),
      ).toMatchObject({ error: { Error: 'States.Timeout' } });
      expect(jobs.cancels.map((c) => [c.executionId, c.reason])).toEqual([
        [execution.id, 'the task timed out'],
      ]);
      await store.close();
    });

    it('retries a cancel that fails, with growing pauses, then gives up', async () => {
      const jobs = new Jobs([]);
      jobs.failCancels = 99;
      const { store, engine, settle, advance } = await setup(jobs, { wf: jobMachine });
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await settle();
      await engine.stop(execution.id, '', '');
      await settle();
      expect(jobs.cancels).toHaveLength(1);
      advance(4);
      await settle();
      expect(jobs.cancels).toHaveLength(1); // the second try waits 5 s
      advance(1);
      await settle();
      expect(jobs.cancels).toHaveLength(2);
      for (let i = 0; i < 10; i++) {
        advance(100);
        await settle();
      }
      expect(jobs.cancels).toHaveLength(5);
      await store.close();
    });

    it('fails the task when the integration cannot check on the job it started', async () => {
      const runner: TaskRunner = { run: (request) => new Jobs([]).run(request) }; // no poll
      const { store, engine, settle, advance } = await setup(runner, { wf: jobMachine });
      const { execution } = await engine.start({ workflow: 'wf', name: 'e1', input: {} });
      await settle();
      advance(10);
      await settle();
      const output = JSON.parse((await store.executions.get(execution.id))?.output ?? 'null') as {
        error: { Error: string; Cause: string };
      };
      expect(output.error.Error).toBe('States.TaskFailed');
      expect(output.error.Cause).toContain('cannot check on it');
      await store.close();
    });

    describe('nested executions (states:startExecution)', () => {
      const child = {
        StartAt: 'Pause',
        States: {
          Pause: { Type: 'Wait', Seconds: 60, Next: 'Answer' },
          Answer: {
            Type: 'Pass',
            Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' },
            End: true,
          },
        },
      };
      const failing = {
        StartAt: 'No',
        States: { No: { Type: 'Fail', Error: 'Child.Broke', Cause: 'why' } },
      };
      const parent = (resource: string, parameters: Record<string, JsonValue>) => ({
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: resource,
            Parameters: parameters,
            ResultPath: '$.child',
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Pass', End: true },
        },
      });
      const outputOf = async (store: Store, id: string) =>
        JSON.parse((await store.executions.get(id))?.output ?? 'null') as Record<string, JsonValue>;

      it('request-response: starts the child and goes on with its ARN', async () => {
        const { store, engine, settle } = await setup(new Jobs([]), {
          child,
          parent: parent('arn:aws:states:::states:startExecution', {
            StateMachineArn: `${SM}:child`,
            Input: { n: 2 },
            Name: 'kid-1',
          }),
        });
        const { execution } = await engine.start({ workflow: 'parent', name: 'p1', input: {} });
        await settle();
        const childArn = 'arn:aws:states:local:000000000000:execution:child:kid-1';
        expect(await outputOf(store, execution.id)).toEqual({
          child: { ExecutionArn: childArn, StartDate: T0 },
        });
        expect((await store.executions.get(childArn))?.status).toBe('RUNNING');
        await store.close();
      });

      it('.sync waits for the child and returns its description; .sync:2 parses Output', async () => {
        for (const [resource, output] of [
          ['arn:aws:states:::states:startExecution.sync', '{"doubled":6}'],
          ['arn:aws:states:::states:startExecution.sync:2', { doubled: 6 }],
        ] as const) {
          const { store, engine, settle, advance, types } = await setup(new Jobs([]), {
            child,
            parent: parent(resource, { StateMachineArn: `${SM}:child`, 'Input.$': '$' }),
          });
          const { execution } = await engine.start({
            workflow: 'parent',
            name: 'p1',
            input: { n: 3 },
          });
          await settle();
          expect((await store.executions.get(execution.id))?.status).toBe('RUNNING');
          advance(60); // the child's Wait ends; its end wakes the parent at once
          await settle();
          const result = await outputOf(store, execution.id);
          expect(result['child']).toMatchObject({
            Status: 'SUCCEEDED',
            StateMachineArn: `${SM}:child`,
            Output: output,
            StartDate: T0,
            StopDate: T0 + 60_000,
          });
          expect(await types(execution.id)).toContain('TaskSubmitted');
          await store.close();
        }
      });

      it('.sync: stopping the parent stops the child it waits for', async () => {
        const { store, engine, settle } = await setup(new Jobs([]), {
          child,
          parent: parent('arn:aws:states:::states:startExecution.sync:2', {
            StateMachineArn: `${SM}:child`,
            Input: { n: 1 },
            Name: 'kid-stop',
          }),
        });
        const { execution } = await engine.start({ workflow: 'parent', name: 'p1', input: {} });
        await settle();
        const childArn = 'arn:aws:states:local:000000000000:execution:child:kid-stop';
        expect((await store.executions.get(childArn))?.status).toBe('RUNNING');
        await engine.stop(execution.id, 'Ops.Stop', 'enough');
        await settle();
        const stopped = await store.executions.get(childArn);
        expect(stopped?.status).toBe('ABORTED');
        expect(stopped?.cause).toContain(`The parent execution ${execution.id} no longer waits`);
        await store.close();
      });

      it("a failed child fails the parent's task with States.TaskFailed, for Catch", async () => {
        const { store, engine, settle } = await setup(new Jobs([]), {
          failing,
          parent: parent('arn:aws:states:::states:startExecution.sync:2', {
            StateMachineArn: `${SM}:failing`,
          }),
        });
        const { execution } = await engine.start({ workflow: 'parent', name: 'p1', input: {} });
        await settle();
        const { error } = (await outputOf(store, execution.id)) as {
          error: { Error: string; Cause: string };
        };
        expect(error.Error).toBe('States.TaskFailed');
        expect(JSON.parse(error.Cause)).toMatchObject({
          Status: 'FAILED',
          Error: 'Child.Broke',
          Cause: 'why',
        });
        await store.close();
      });

      it('names AWS errors for a missing state machine, a bad ARN and bad input', async () => {
        const cases: [Record<string, JsonValue>, string][] = [
          [{ StateMachineArn: `${SM}:nope` }, 'StepFunctions.StateMachineDoesNotExistException'],
          [
            { StateMachineArn: 'arn:aws:states:elsewhere:1:stateMachine:child' },
            'StepFunctions.StateMachineDoesNotExistException',
          ],
          [{ StateMachineArn: 'child' }, 'StepFunctions.InvalidArnException'],
          [
            { StateMachineArn: `${SM}:child`, Input: '{not json' },
            'StepFunctions.InvalidExecutionInputException',
          ],
          [
            { StateMachineArn: `${SM}:child`, Name: 'bad name!' },
            'StepFunctions.InvalidNameException',
          ],
          [{ StateMachineArn: `${SM}:child:7` }, 'StepFunctions.StateMachineDoesNotExistException'],
        ];
        for (const [parameters, expected] of cases) {
          const { store, engine, settle } = await setup(new Jobs([]), {
            child,
            parent: parent('arn:aws:states:::states:startExecution.sync', parameters),
          });
          const { execution } = await engine.start({ workflow: 'parent', name: 'p1', input: {} });
          await settle();
          const { error } = (await outputOf(store, execution.id)) as { error: { Error: string } };
          expect([parameters, error.Error]).toEqual([parameters, expected]);
          await store.close();
        }
      });

      it('.waitForTaskToken: the child answers with the token it was given', async () => {
        const callback = {
          StartAt: 'Reply',
          States: { Reply: { Type: 'Wait', Seconds: 5, End: true } },
        };
        const { store, engine, settle, advance } = await setup(new Jobs([]), {
          callback,
          parent: parent('arn:aws:states:::states:startExecution.waitForTaskToken', {
            StateMachineArn: `${SM}:callback`,
            Input: { 'token.$': '$$.Task.Token' },
            Name: 'kid',
          }),
        });
        const { execution } = await engine.start({ workflow: 'parent', name: 'p1', input: {} });
        await settle();
        const kid = await store.executions.get(
          'arn:aws:states:local:000000000000:execution:callback:kid',
        );
        const token = (JSON.parse(kid?.input ?? '{}') as { token: string }).token;
        advance(5);
        await settle();
        expect((await store.executions.get(execution.id))?.status).toBe('RUNNING');
        await engine.sendTaskSuccess(token, { approved: true });
        expect(await outputOf(store, execution.id)).toEqual({ child: { approved: true } });
        await store.close();
      });
    });
  });
}
