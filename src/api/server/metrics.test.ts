import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineListener } from '../../engine/index.js';
import { ServerMetrics } from './metrics.js';

function fakeEngine() {
  const listeners: EngineListener[] = [];
  return {
    subscribe: (listener: EngineListener) => {
      listeners.push(listener);
      return () => listeners.splice(listeners.indexOf(listener), 1);
    },
    emit: (event: EngineEvent) => {
      for (const listener of listeners) listener(event);
    },
  };
}

function committed(...types: string[]): EngineEvent {
  return {
    kind: 'committed',
    executionId: 'arn:aws:states:local:000000000000:execution:w:e',
    status: 'RUNNING',
    events: types.map((type, i) => ({
      id: i + 1,
      previousEventId: i,
      type,
      timestamp: '2026-11-22T06:00:00.000Z',
      details: '{}',
    })),
  };
}

function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('ServerMetrics engine counters', () => {
  it('counts every committed event and state entered by the next scrape, once', async () => {
    const metrics = new ServerMetrics({ defaultMetrics: false });
    const engine = fakeEngine();
    metrics.observeEngine(engine);
    engine.emit(committed('ExecutionStarted', 'PassStateEntered', 'PassStateExited'));
    engine.emit(committed('ChoiceStateEntered', 'ChoiceStateExited', 'PassStateEntered'));
    const first = await metrics.render();
    expect(sample(first, 'baton_state_transitions_total')).toBe(3);
    expect(sample(first, 'baton_history_events_total{type="PassStateEntered"}')).toBe(2);
    expect(sample(first, 'baton_history_events_total{type="ExecutionStarted"}')).toBe(1);

    const again = await metrics.render();
    expect(sample(again, 'baton_state_transitions_total')).toBe(3);
    expect(sample(again, 'baton_history_events_total{type="PassStateEntered"}')).toBe(2);

    engine.emit(committed('SucceedStateEntered', 'ExecutionSucceeded'));
    const later = await metrics.render();
    expect(sample(later, 'baton_state_transitions_total')).toBe(4);
    expect(sample(later, 'baton_history_events_total{type="ExecutionSucceeded"}')).toBe(1);
    expect(sample(later, 'baton_history_events_total{type="PassStateEntered"}')).toBe(2);
    metrics.close();
  });
});
