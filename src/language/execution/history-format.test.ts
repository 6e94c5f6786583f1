import { describe, expect, it } from 'vitest';
import { toAwsHistoryEvent } from './history-format.js';

describe('toAwsHistoryEvent', () => {
  it('serialises input and output as JSON text with their truncation details, as AWS does', () => {
    const event = toAwsHistoryEvent({
      id: 2,
      previousEventId: 1,
      timestamp: '2026-01-01T00:00:00.000Z',
      type: 'PassStateExited',
      stateExitedEventDetails: { name: 'A', output: { a: [1] }, assignedVariables: { x: 'y' } },
    });
    expect(event).toEqual({
      id: 2,
      previousEventId: 1,
      timestamp: '2026-01-01T00:00:00.000Z',
      type: 'PassStateExited',
      stateExitedEventDetails: {
        name: 'A',
        output: '{"a":[1]}',
        outputDetails: { truncated: false },
        assignedVariables: { x: '"y"' },
        assignedVariablesDetails: { truncated: false },
      },
    });
  });

  it('serialises task parameters as text and leaves names, errors and causes alone', () => {
    const event = toAwsHistoryEvent({
      id: 3,
      previousEventId: 2,
      timestamp: 't',
      type: 'TaskScheduled',
      taskScheduledEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        parameters: { n: 1 },
      },
    });
    expect(event['taskScheduledEventDetails']).toEqual({
      resourceType: 'lambda',
      resource: 'invoke',
      parameters: '{"n":1}',
    });
  });

  it('encodes a null or string payload as JSON text too, never as a bare value', () => {
    const event = toAwsHistoryEvent({
      id: 1,
      previousEventId: 0,
      timestamp: 't',
      type: 'ExecutionSucceeded',
      executionSucceededEventDetails: { output: 'done' },
    });
    expect(event['executionSucceededEventDetails']).toEqual({
      output: '"done"',
      outputDetails: { truncated: false },
    });
  });
});
