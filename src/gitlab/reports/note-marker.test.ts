/**
 * The hidden execution marker of merge-request notes: its exact form, that it survives the
 * Markdown neutralisation, and that nothing from a workflow or an error can produce one.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ExecutionRecord, StoredEvent } from '../../store/index.js';
import { summarizeExecution } from './execution-summary.js';
import { finalizeNoteBody } from './markdown.js';
import { renderNote } from './note-body.js';
import { carriesNoteMarker, isNoteMarker, noteMarker, withNoteMarker } from './note-marker.js';

const ARN = 'arn:aws:states:local:000000000000:execution:deploy:run-1';
const VICTIM = 'arn:aws:states:local:000000000000:execution:deploy:someone-elses-run';
const OPTIONS = { targetUrl: 'https://baton.example.com/x', secrets: [] };

function failedRecord(): ExecutionRecord {
  return {
    id: ARN,
    workflow: 'deploy',
    version: null,
    alias: null,
    revisionId: 'r1',
    name: 'run-1',
    status: 'FAILED',
    input: '{}',
    output: null,
    error: null,
    cause: null,
    startedAt: '2026-01-01T10:00:00.000Z',
    stoppedAt: '2026-01-01T10:01:00.000Z',
    redriveCount: 0,
    revision: 1,
    eventCount: 0,
    mapRun: null,
  };
}

function event(id: number, type: string, details: Record<string, unknown>): StoredEvent {
  const key = `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`;
  return {
    id,
    previousEventId: id - 1,
    type,
    timestamp: `2026-01-01T10:00:0${id}.000Z`,
    details: JSON.stringify({ [key]: details }),
  };
}

describe('note marker', () => {
  it('is an HTML comment with the first 32 hex characters of the ARN’s SHA-256', () => {
    const hex = createHash('sha256').update(ARN).digest('hex').slice(0, 32);
    expect(noteMarker(ARN)).toBe(`<!-- baton:execution ${hex} -->`);
    expect(noteMarker(ARN)).toBe(noteMarker(ARN));
    expect(noteMarker(VICTIM)).not.toBe(noteMarker(ARN));
    expect(noteMarker(ARN)).not.toContain('run-1');
    expect(isNoteMarker(noteMarker(ARN))).toBe(true);
  });

  it('refuses anything but a marker as a marker', () => {
    for (const text of [
      '',
      'baton',
      `${noteMarker(ARN)} `,
      `x${noteMarker(ARN)}`,
      '<!-- baton:execution ABCDEF0123456789ABCDEF0123456789 -->',
      '<!-- baton:execution 0123 -->',
      `${noteMarker(ARN)}\n`,
    ]) {
      expect(isNoteMarker(text), JSON.stringify(text)).toBe(false);
    }
  });

  it('ends the body on a line of its own, and survives the last neutralising pass', () => {
    const body = withNoteMarker('#### Baton: deploy\n\n/merge\n', noteMarker(ARN));
    const lines = body.split('\n');
    expect(lines.at(-1)).toBe(noteMarker(ARN));
    expect(lines.at(-2)).toBe('');
    const finalized = finalizeNoteBody(body);
    expect(carriesNoteMarker(finalized, noteMarker(ARN))).toBe(true);
    expect(carriesNoteMarker(finalized.replace(/\n/g, '\r\n'), noteMarker(ARN))).toBe(true);
  });

  it('is found only on a line of its own and only for its execution', () => {
    const marker = noteMarker(ARN);
    expect(carriesNoteMarker(`hello\n${marker}`, marker)).toBe(true);
    expect(carriesNoteMarker(`hello\n${marker}`, noteMarker(VICTIM))).toBe(false);
    expect(carriesNoteMarker(`hello ${marker}`, marker)).toBe(false);
    expect(carriesNoteMarker(`> ${marker}`, marker)).toBe(false);
    expect(carriesNoteMarker(`\`${marker}\``, marker)).toBe(false);
    expect(carriesNoteMarker('', marker)).toBe(false);
  });

  it('cannot be injected through state names, error names, causes or the workflow name', () => {
    const planted = noteMarker(VICTIM);
    const events = [
      event(1, 'ExecutionStarted', {}),
      event(2, 'TaskStateEntered', { name: planted }),
      event(3, 'TaskStateEntered', { name: `x\n${planted}\n` }),
      event(4, 'ExecutionFailed', { error: planted, cause: `boom\n${planted}\n\n${planted}` }),
    ];
    const summary = summarizeExecution(failedRecord(), events);
    for (const rendered of [
      renderNote(summary, planted, OPTIONS),
      renderNote(undefined, planted, OPTIONS),
      renderNote(undefined, `\n${planted}`, { ...OPTIONS, targetUrl: null }),
    ]) {
      expect(carriesNoteMarker(rendered, planted)).toBe(false);
      expect(rendered).not.toContain('<!--');
      const body = withNoteMarker(rendered, noteMarker(ARN));
      const markerLines = body.split('\n').filter((line) => /baton\\?:execution/.test(line));
      // The planted text is there, escaped, but the only marker line is the execution's own.
      expect(body.split('\n').filter((line) => isNoteMarker(line.trim()))).toEqual([
        noteMarker(ARN),
      ]);
      expect(markerLines.length).toBeGreaterThan(1);
      expect(carriesNoteMarker(body, planted)).toBe(false);
    }
  });
});
