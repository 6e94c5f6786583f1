import { describe, expect, it } from 'vitest';
import type { TaskOutcome, TaskRequest, TaskRunner } from './task-runner.js';
import { routeTasks } from './task-router.js';

function request(resource: string): TaskRequest {
  return {
    executionId: 'exec-1',
    stateName: 'Task',
    resource,
    input: null,
    idempotencyKey: 'key-1',
    signal: new AbortController().signal,
    heartbeat: () => Promise.resolve(),
  };
}

/** A runner that answers with its own name, to show which one was chosen. */
function named(name: string): TaskRunner {
  return { run: (): Promise<TaskOutcome> => Promise.resolve({ ok: true, output: name }) };
}

const router = routeTasks({
  'arn:aws:states:::http:invoke': named('http'),
  'arn:aws:states:::states:startExecution': named('start'),
  'arn:aws:states:::states:startExecution.sync': named('start-sync'),
});

describe('routeTasks', () => {
  it('routes an exact resource', async () => {
    expect(await router.run(request('arn:aws:states:::http:invoke'))).toEqual({
      ok: true,
      output: 'http',
    });
  });

  it('prefers an exact suffixed route over the bare one', async () => {
    const outcome = await router.run(request('arn:aws:states:::states:startExecution.sync'));
    expect(outcome).toEqual({ ok: true, output: 'start-sync' });
  });

  it.each(['.waitForTaskToken', '.sync:2'])(
    'routes a resource with %s to its bare route',
    async (suffix) => {
      const outcome = await router.run(request(`arn:aws:states:::states:startExecution${suffix}`));
      expect(outcome).toEqual({ ok: true, output: 'start' });
    },
  );

  it('fails an unknown resource with Baton.UnknownResource naming the known ones', async () => {
    const outcome = await router.run(request('arn:aws:states:::lambda:invoke'));
    expect(outcome).toMatchObject({ ok: false, error: 'Baton.UnknownResource' });
    const cause = outcome.ok ? '' : outcome.cause;
    expect(cause).toContain('"arn:aws:states:::lambda:invoke"');
    expect(cause).toContain('arn:aws:states:::http:invoke');
  });

  it('does not strip suffixes from the middle of a resource', async () => {
    const outcome = await router.run(request('arn:aws:states:::http:invoke.sync.extra'));
    expect(outcome).toMatchObject({ ok: false, error: 'Baton.UnknownResource' });
  });

  it('never finds Object.prototype members as routes', async () => {
    for (const resource of ['constructor', 'toString', '__proto__', 'hasOwnProperty.sync']) {
      expect(await router.run(request(resource))).toMatchObject({
        ok: false,
        error: 'Baton.UnknownResource',
      });
    }
  });

  it('says so when no resources are known', async () => {
    const outcome = await routeTasks({}).run(request('x'));
    expect(outcome.ok ? '' : outcome.cause).toContain('(none)');
  });

  it('sends unknown resources to the fallback when there is one', async () => {
    const withFallback = routeTasks({ a: named('a') }, named('fallback'));
    expect(await withFallback.run(request('b'))).toEqual({ ok: true, output: 'fallback' });
    expect(await withFallback.run(request('a'))).toEqual({ ok: true, output: 'a' });
  });

  it('sends cancel to the route of the suffixed resource, and ignores runners without one', async () => {
    const seen: string[] = [];
    const cancelling = routeTasks({
      'baton:test:job': {
        run: () => Promise.resolve({ ok: true, output: null }),
        cancel: (req) => {
          seen.push(`${req.resource} ${JSON.stringify(req.job)}`);
          return Promise.resolve();
        },
      },
      'baton:test:plain': named('plain'),
    });
    const cancel = (resource: string) =>
      cancelling.cancel?.({
        executionId: 'exec-1',
        stateName: 'Task',
        resource,
        job: { id: 7 },
        idempotencyKey: 'key-1',
        reason: 'the execution was stopped',
        signal: new AbortController().signal,
      });
    await cancel('baton:test:job.sync');
    await cancel('baton:test:plain.sync');
    await cancel('baton:test:unknown.sync');
    expect(seen).toEqual(['baton:test:job.sync {"id":7}']);
  });
});
