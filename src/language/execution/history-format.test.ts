import { describe, expect, it } from 'vitest';
import { expectDetailsTextAsReference } from '../../../test/support/history-details.js';
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

describe('awsEventDetailsJson', () => {
  const same = (event: Parameters<typeof toAwsHistoryEvent>[0]): void =>
    expectDetailsTextAsReference(event);
  const base = { id: 4, previousEventId: 3, timestamp: '2026-01-01T00:00:00.000Z', type: 'X' };

  it('writes the same text as JSON.stringify of toAwsHistoryEvent, in one pass', () => {
    same({
      ...base,
      stateExitedEventDetails: {
        name: 'A "quoted" \u2028 é',
        output: { a: [1, 2.5, null, 'x\n'], b: { c: true } },
        assignedVariables: { x: 'y', n: 1, o: { deep: [] } },
      },
    });
    same({ ...base, taskScheduledEventDetails: { parameters: { k: 'v' }, resource: 'r' } });
    same({ ...base, executionStartedEventDetails: { input: 'a string payload' } });
    same({ ...base, executionFailedEventDetails: { error: 'E', cause: 'C' } });
  });

  it('keeps a companion the details already carry where it was, and leaves out undefined', () => {
    // Shapes step() does not make, but the writer must still agree with toAwsHistoryEvent.
    const undefinedValue = undefined as unknown as string;
    same({
      ...base,
      stateEnteredEventDetails: { inputDetails: { truncated: true }, input: 1, name: 'n' },
    });
    same({ ...base, stateEnteredEventDetails: { input: undefinedValue, name: 'n' } });
    same({
      ...base,
      stateExitedEventDetails: { assignedVariables: { a: undefinedValue, b: 2 } },
    });
    same({ ...base, stateEnteredEventDetails: {} });
    same({ ...base });
    same({ ...base, extra: [1, 'two'], other: undefinedValue });
  });
});
