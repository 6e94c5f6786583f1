/** Timeline lines from Step Functions history events: state names, retries, failures. */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../common/index.js';
import { Timeline, historyLine, progressLine } from './history-timeline.js';

const T0 = 1_795_000_000;
const EVENTS: JsonObject[] = [
  {
    id: 1,
    previousEventId: 0,
    timestamp: T0,
    type: 'ExecutionStarted',
    executionStartedEventDetails: {},
  },
  {
    id: 2,
    previousEventId: 1,
    timestamp: T0 + 0.01,
    type: 'TaskStateEntered',
    stateEnteredEventDetails: { name: 'Deploy' },
  },
  {
    id: 3,
    previousEventId: 2,
    timestamp: T0 + 0.02,
    type: 'ActivityScheduled',
    activityScheduledEventDetails: { resource: 'arn' },
  },
  {
    id: 4,
    previousEventId: 3,
    timestamp: T0 + 0.5,
    type: 'ActivityFailed',
    activityFailedEventDetails: { error: 'Worker.ExitCode1', cause: 'disk\nfull' },
  },
  {
    id: 5,
    previousEventId: 4,
    timestamp: T0 + 1.5,
    type: 'ActivityScheduled',
    activityScheduledEventDetails: { resource: 'arn' },
  },
  {
    id: 6,
    previousEventId: 5,
    timestamp: T0 + 2,
    type: 'ActivityTimedOut',
    activityTimedOutEventDetails: { error: 'States.Timeout' },
  },
  {
    id: 7,
    previousEventId: 6,
    timestamp: T0 + 2.25,
    type: 'ExecutionFailed',
    executionFailedEventDetails: { error: 'States.Timeout', cause: '' },
  },
];

describe('Timeline', () => {
  const timeline = new Timeline();
  const lines = EVENTS.map((event) => timeline.add(event));

  it('follows previousEventId to name the state of each task event', () => {
    expect(lines.map((l) => l.state)).toEqual([
      undefined,
      'Deploy',
      'Deploy',
      'Deploy',
      'Deploy',
      'Deploy',
      undefined,
    ]);
  });

  it('shows progress for entries, failures, retries, time-outs and the outcome', () => {
    expect(lines.map(progressLine).filter((l) => l !== undefined)).toEqual([
      '   +0.000s  started    execution',
      '   +0.010s  entered    Deploy  Task',
      '   +0.500s  failed     Deploy  Worker.ExitCode1: disk full',
      '   +1.500s  retrying   Deploy  attempt 2',
      '   +2.000s  timed out  Deploy  States.Timeout',
      '   +2.250s  failed     execution  States.Timeout',
    ]);
  });

  it('prints every event in the history view, with its id and type', () => {
    const failed = lines[3];
    if (failed === undefined) throw new Error('no fourth line');
    expect(historyLine(failed)).toMatch(
      /^ {2}#4 +\+0\.500s {2}ActivityFailed +Deploy {2}Worker\.ExitCode1: disk full$/,
    );
  });
});
