import { describe, expect, it } from 'vitest';
import type { EngineListener } from '../../engine/index.js';
import type { ExecutionRecord, ExecutionStatus } from '../../store/index.js';
import { notifiedWaiter } from './execution-waiter.js';

const ARN = 'arn:aws:states:r:000000000000:execution:wf:e';

function record(status: ExecutionStatus): ExecutionRecord {
  return {
    id: ARN,
    workflow: 'wf',
    version: null,
    alias: null,
    revisionId: 'r',
    name: 'e',
    status,
    input: '{}',
    output: null,
    error: null,
    cause: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    stoppedAt: null,
    redriveCount: 0,
    revision: 1,
    eventCount: 1,
    mapRun: null,
  };
}

function setup() {
  let status: ExecutionStatus = 'RUNNING';
  const listeners = new Set<EngineListener>();
  const engine = {
    subscribe(listener: EngineListener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const store = { get: () => Promise.resolve(record(status)) };
  const clock = { ms: 0, nowMs: () => clock.ms };
  const finish = (to: ExecutionStatus) => {
    status = to;
    for (const listener of listeners) {
      listener({ kind: 'committed', executionId: ARN, status: to, events: [] });
    }
  };
  return { engine, store, clock, finish, listeners };
}

describe('notifiedWaiter', () => {
  it('returns when the engine commits the end, without waiting for the fallback poll', async () => {
    const { engine, store, clock, finish, listeners } = setup();
    const never = () => new Promise<void>(() => undefined);
    const waiting = notifiedWaiter(engine, store, clock, never)(ARN, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 5));
    finish('SUCCEEDED');
    expect((await waiting)?.status).toBe('SUCCEEDED');
    expect(listeners.size).toBe(0);
  });

  it('returns the running execution at the deadline', async () => {
    const { engine, store, clock } = setup();
    const advance = (ms: number) => {
      clock.ms += ms;
      return Promise.resolve();
    };
    const result = await notifiedWaiter(engine, store, clock, advance)(ARN, 1_000);
    expect(result?.status).toBe('RUNNING');
    expect(clock.ms).toBeGreaterThanOrEqual(1_000);
  });
});
