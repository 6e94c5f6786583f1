/**
 * What a report shows, from a record and a history: the commit status mapping, the summary
 * (states, waiting items, failure) and the note body.
 */
import { describe, expect, it } from 'vitest';
import type { ExecutionRecord, ExecutionStatus, StoredEvent } from '../../store/index.js';
import { capText, commitStatusFor } from './commit-status.js';
import { summarizeExecution } from './execution-summary.js';
import { renderNote } from './note-body.js';

const ARN = 'arn:aws:states:local:000000000000:execution:deploy:run-1';

function record(status: ExecutionStatus, extra: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    id: ARN,
    workflow: 'deploy',
    version: null,
    alias: null,
    revisionId: 'r1',
    name: 'run-1',
    status,
    input: '{}',
    output: null,
    error: null,
    cause: null,
    startedAt: '2026-01-01T10:00:00.000Z',
    stoppedAt: status === 'RUNNING' ? null : '2026-01-01T10:03:12.000Z',
    redriveCount: 0,
    revision: 1,
    eventCount: 0,
    mapRun: null,
    ...extra,
  };
}

/** Builds stored events from `[type, details]` pairs, one second apart. */
function history(...items: [string, Record<string, unknown>][]): StoredEvent[] {
  return items.map(([type, details], i) => ({
    id: i + 1,
    previousEventId: i,
    type,
    timestamp: new Date(Date.parse('2026-01-01T10:00:00.000Z') + i * 1000).toISOString(),
    details: JSON.stringify({ [`${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`]: details }),
  }));
}

const entered = (name: string): [string, Record<string, unknown>] => [
  'TaskStateEntered',
  { name, input: '{"secret":"in-input"}' },
];
const exited = (name: string): [string, Record<string, unknown>] => [
  'TaskStateExited',
  { name, output: '{"secret":"in-output"}' },
];
const scheduled = (resource: string): [string, Record<string, unknown>] => [
  'TaskScheduled',
  {
    resourceType: 'baton:gitlab',
    resource,
    parameters: `{"token":"arn:x#1#${'f'.repeat(64)}"}`,
  },
];

const PIPELINE_RUNNING = history(
  ['ExecutionStarted', { input: '{}' }],
  entered('Build'),
  exited('Build'),
  entered('Deploy'),
  scheduled('createPipeline.sync'),
  [
    'TaskSubmitted',
    {
      resourceType: 'baton:gitlab',
      resource: 'createPipeline.sync',
      output: JSON.stringify({
        id: 123,
        web_url: 'https://gitlab.example.com/g/p/-/pipelines/123',
      }),
    },
  ],
);

describe('commit status mapping', () => {
  const cases: [ExecutionStatus | 'not started', string][] = [
    ['not started', 'pending'],
    ['RUNNING', 'running'],
    ['PENDING_REDRIVE', 'running'],
    ['SUCCEEDED', 'success'],
    ['FAILED', 'failed'],
    ['TIMED_OUT', 'failed'],
    ['ABORTED', 'canceled'],
  ];
  for (const [status, state] of cases) {
    it(`maps ${status} to ${state}`, () => {
      const summary = status === 'not started' ? undefined : summarizeExecution(record(status), []);
      expect(commitStatusFor(summary).state).toBe(state);
    });
  }

  it('says what a running execution waits for', () => {
    const summary = summarizeExecution(record('RUNNING'), PIPELINE_RUNNING);
    expect(commitStatusFor(summary).description).toBe('Deploy: waiting for pipeline #123');
  });

  it('names the failing state and error, and how long a success took', () => {
    const events = history(
      ['ExecutionStarted', {}],
      entered('Deploy'),
      ['TaskFailed', { error: 'GitLab.PipelineFailed', cause: 'x' }],
      ['ExecutionFailed', { error: 'GitLab.PipelineFailed', cause: 'x' }],
    );
    const summary = summarizeExecution(record('FAILED'), events);
    expect(commitStatusFor(summary).description).toBe('Failed in Deploy: GitLab.PipelineFailed');
    expect(commitStatusFor(summarizeExecution(record('SUCCEEDED'), [])).description).toBe(
      'Succeeded in 3m 12s',
    );
  });

  it('keeps descriptions within 255 characters and free of secrets', () => {
    const events = history(['ExecutionStarted', {}], entered('S'.repeat(300)), [
      'ExecutionFailed',
      { error: 'glpat-abcdefghijklmnopqrstuv', cause: '' },
    ]);
    const view = commitStatusFor(summarizeExecution(record('FAILED'), events), []);
    expect([...view.description].length).toBeLessThanOrEqual(255);
    expect(view.description).not.toContain('abcdefghijklmnop');
    expect(capText('é'.repeat(300))).toHaveLength(255);
  });
});

describe('execution summary', () => {
  it('lists states in order with their outcome, and the pipeline it waits for with its link', () => {
    const summary = summarizeExecution(record('RUNNING'), PIPELINE_RUNNING);
    expect(summary.states.map((s) => [s.name, s.outcome])).toEqual([
      ['Build', 'succeeded'],
      ['Deploy', 'running'],
    ]);
    expect(summary.waiting).toEqual([
      expect.objectContaining({
        state: 'Deploy',
        kind: 'pipeline',
        id: '123',
        webUrl: 'https://gitlab.example.com/g/p/-/pipelines/123',
      }),
    ]);
  });

  it('shows task-token waits and activities, and forgets them once they end', () => {
    const events = history(
      ['ExecutionStarted', {}],
      entered('Approve'),
      scheduled('createPipeline.waitForTaskToken'),
      [
        'TaskSubmitted',
        { resourceType: 'baton:gitlab', resource: 'createPipeline.waitForTaskToken', output: '{}' },
      ],
    );
    const waiting = summarizeExecution(record('RUNNING'), events).waiting;
    expect(waiting.map((w) => w.kind)).toEqual(['taskToken']);
    const activity = history(
      ['ExecutionStarted', {}],
      ['TaskStateEntered', { name: 'Work' }],
      ['ActivityScheduled', { resource: 'arn:aws:states:local:0:activity:build' }],
    );
    expect(summarizeExecution(record('RUNNING'), activity).waiting.map((w) => w.kind)).toEqual([
      'activity',
    ]);
    const done = history(
      ['ExecutionStarted', {}],
      entered('Approve'),
      scheduled('createPipeline.waitForTaskToken'),
      ['TaskSucceeded', { output: '{}' }],
      exited('Approve'),
    );
    expect(summarizeExecution(record('RUNNING'), done).waiting).toEqual([]);
  });

  it('marks a caught failure as caught and a failure that ended the execution as failed', () => {
    const events = history(
      ['ExecutionStarted', {}],
      entered('Deploy'),
      ['TaskFailed', { error: 'GitLab.PipelineFailed', cause: 'boom' }],
      exited('Deploy'),
      ['FailStateEntered', { name: 'Rollback failed' }],
      ['ExecutionFailed', { error: 'Rollback.Failed', cause: 'rollback broke' }],
    );
    const summary = summarizeExecution(record('FAILED'), events);
    expect(summary.states.map((s) => [s.name, s.outcome, s.error])).toEqual([
      ['Deploy', 'caught', 'GitLab.PipelineFailed'],
      ['Rollback failed', 'failed', null],
    ]);
    expect(summary.failure).toEqual({
      state: 'Rollback failed',
      error: 'Rollback.Failed',
      cause: 'rollback broke',
    });
  });

  it('never carries inputs, outputs or parameters (task tokens live there)', () => {
    const text = JSON.stringify(summarizeExecution(record('RUNNING'), PIPELINE_RUNNING));
    expect(text).not.toContain('in-input');
    expect(text).not.toContain('in-output');
    expect(text).not.toContain('f'.repeat(64));
  });

  it('drops links that are not http(s), and strips credentials and queries from them', () => {
    const events = history(
      ['ExecutionStarted', {}],
      entered('Deploy'),
      scheduled('createPipeline.sync'),
      [
        'TaskSubmitted',
        {
          resourceType: 'baton:gitlab',
          resource: 'createPipeline.sync',
          output: '{"id":1,"web_url":"javascript:alert(1)"}',
        },
      ],
    );
    expect(summarizeExecution(record('RUNNING'), events).waiting[0]?.webUrl).toBeNull();
    const withSecrets = history(
      ['ExecutionStarted', {}],
      entered('Deploy'),
      scheduled('playJob.sync'),
      [
        'TaskSubmitted',
        {
          resourceType: 'baton:gitlab',
          resource: 'playJob.sync',
          output: '{"id":9,"web_url":"https://u:p@gitlab.example.com/j/9?token=x#y"}',
        },
      ],
    );
    expect(summarizeExecution(record('RUNNING'), withSecrets).waiting[0]).toMatchObject({
      kind: 'job',
      webUrl: 'https://gitlab.example.com/j/9',
    });
  });

  it('survives history details that are not JSON', () => {
    const broken: StoredEvent[] = [
      { id: 1, previousEventId: 0, type: 'TaskStateEntered', timestamp: 'x', details: 'not json' },
    ];
    expect(summarizeExecution(record('RUNNING'), broken).states).toHaveLength(1);
  });
});

describe('note body', () => {
  const options = {
    targetUrl: 'https://baton.example.com/api/v1/executions/x',
    secrets: ['s3cr3t-token'],
  };

  it('renders the same body for the same execution (so unchanged means no update)', () => {
    const summary = summarizeExecution(record('RUNNING'), PIPELINE_RUNNING);
    expect(renderNote(summary, 'deploy', options)).toBe(renderNote(summary, 'deploy', options));
  });

  it('shows states, the waiting pipeline as a link, and the execution link', () => {
    const body = renderNote(
      summarizeExecution(record('RUNNING'), PIPELINE_RUNNING),
      'deploy',
      options,
    );
    expect(body).toContain('| Build | ✅ succeeded | 10:00:01 | 10:00:02 |');
    expect(body).toContain('[pipeline \\#123](https://gitlab.example.com/g/p/-/pipelines/123)');
    expect(body).toContain('[run\\-1](https://baton.example.com/api/v1/executions/x)');
  });

  it('caps a long cause and says so, and neutralises quick actions and mentions in it', () => {
    const cause = `/merge\n@alice please look\n${'x'.repeat(5000)} s3cr3t-token`;
    const events = history(['ExecutionStarted', {}], entered('Deploy'), [
      'ExecutionFailed',
      { error: 'GitLab.PipelineFailed', cause },
    ]);
    const body = renderNote(summarizeExecution(record('FAILED'), events), 'deploy', {
      ...options,
      maxCauseChars: 100,
    });
    expect(body).not.toMatch(/^\s*\//m);
    expect(body).not.toMatch(/@[A-Za-z]/);
    expect(body).toMatch(/The cause is 5,0\d\d characters long; the first 100 are shown\./);
    expect(body).toContain('**Failed** in state **Deploy**: **GitLab\\.PipelineFailed**');
    expect(body).not.toContain('s3cr3t-token');
  });

  it('escapes state names that try to break the table or inject a quick action', () => {
    const events = history(['ExecutionStarted', {}], entered('| /merge | @all'));
    const body = renderNote(summarizeExecution(record('RUNNING'), events), 'deploy', options);
    const row = body.split('\n').find((l) => l.includes('merge')) ?? '';
    expect(row.split(/(?<!\\)\|/)).toHaveLength(6); // 4 cells between 5 pipes
    expect(body).not.toMatch(/@[A-Za-z]/);
  });

  it('shows the newest states when there are too many', () => {
    const many = history(
      ['ExecutionStarted', {}],
      ...Array.from({ length: 60 }, (_, i) => entered(`S${i}`)),
    );
    const body = renderNote(summarizeExecution(record('RUNNING'), many), 'deploy', {
      ...options,
      maxStates: 50,
    });
    expect(body).toContain('10 earlier states are not shown');
    expect(body).toContain('| S59 |');
    expect(body).not.toContain('| S9 |');
  });

  it('renders a waiting note for an execution that has not started', () => {
    expect(renderNote(undefined, 'deploy', options)).toContain('Waiting to start');
  });
});
