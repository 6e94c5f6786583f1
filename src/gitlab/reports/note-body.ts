/**
 * The Markdown of the one merge-request note Baton keeps up to date for an execution (pure):
 * status, the states so far, what it waits for, and on failure the failing state, error and
 * cause. Everything that comes from the workflow or from outside is escaped (markdown.ts) and
 * stripped of secrets (redact.ts); the body depends only on the execution, never on the time it
 * was rendered, so an unchanged execution renders the same body and no update is sent.
 */
import type { ExecutionStatus } from '../../store/index.js';
import { durationOf, waitingLabel } from './commit-status.js';
import type { ExecutionSummary, StateOutcome } from './execution-summary.js';
import { escapeInline, finalizeNoteBody, quoteBlock } from './markdown.js';
import { redactSecrets } from './redact.js';

export interface NoteOptions {
  /** Where the execution can be looked at (the API or a UI). */
  readonly targetUrl: string | null;
  /** Strings to remove wherever they appear (the connection's token). */
  readonly secrets: readonly string[];
  /** Longest cause shown, in characters (default 2,000). */
  readonly maxCauseChars?: number;
  /** Most state rows shown (default 50). */
  readonly maxStates?: number;
}

const STATUS_LABEL: Readonly<Record<ExecutionStatus, string>> = {
  RUNNING: '🔄 Running',
  SUCCEEDED: '✅ Succeeded',
  FAILED: '❌ Failed',
  TIMED_OUT: '⏱️ Timed out',
  ABORTED: '⏹️ Stopped',
  PENDING_REDRIVE: '🔄 Redriving',
};

const OUTCOME_LABEL: Readonly<Record<StateOutcome, string>> = {
  running: '🔄 running',
  succeeded: '✅ succeeded',
  failed: '❌ failed',
  caught: '⚠️ failed, caught',
  stopped: '⏹️ stopped',
};

/** Renders the note for an execution, or for one not started yet (`undefined`). */
export function renderNote(
  summary: ExecutionSummary | undefined,
  workflowHint: string,
  options: NoteOptions,
): string {
  const text = (value: string) => escapeInline(redactSecrets(value, options.secrets));
  const lines: string[] = [];
  if (summary === undefined) {
    lines.push(`#### Baton: ${text(workflowHint)} · ⏳ Waiting to start`, '');
    if (options.targetUrl !== null) lines.push(`[Execution](${linkTarget(options.targetUrl)})`);
    return finalizeNoteBody(lines.join('\n'));
  }
  lines.push(`#### Baton: ${text(summary.workflow)} · ${STATUS_LABEL[summary.status]}`, '');
  const name =
    options.targetUrl === null
      ? text(summary.name)
      : `[${text(summary.name)}](${linkTarget(options.targetUrl)})`;
  const duration = durationOf(summary.startedAt, summary.stoppedAt);
  lines.push(
    `Execution ${name} · started ${wholeTime(summary.startedAt)}` +
      (duration === null ? '' : ` · took ${duration}`),
    '',
  );
  lines.push(...stateTable(summary, text, options.maxStates ?? 50));
  if (summary.waiting.length > 0) {
    lines.push('', '**Waiting for**', '');
    for (const item of summary.waiting) {
      const what = escapeInline(waitingLabel(item));
      const shown = item.webUrl === null ? what : `[${what}](${linkTarget(item.webUrl)})`;
      lines.push(`- ${text(item.state)}: ${shown} since ${clockTime(item.since)}`);
    }
  }
  if (summary.failure !== null) {
    const { state, error, cause } = summary.failure;
    lines.push('');
    const where = state === null ? '' : ` in state **${text(state)}**`;
    lines.push(`**Failed**${where}: **${error === '' ? 'no error name' : text(error)}**`);
    lines.push(...causeLines(redactSecrets(cause, options.secrets), options.maxCauseChars ?? 2000));
  }
  return finalizeNoteBody(lines.join('\n'));
}

function stateTable(
  summary: ExecutionSummary,
  text: (value: string) => string,
  maxStates: number,
): string[] {
  if (summary.states.length === 0) return ['No state has run yet.'];
  const lines = ['| State | Result | Entered | Finished |', '| --- | --- | --- | --- |'];
  // The newest states matter most while it runs: keep the last rows when there are too many.
  const hidden = Math.max(0, summary.states.length - maxStates);
  for (const row of summary.states.slice(hidden)) {
    const times = row.entries > 1 ? ` (×${row.entries})` : '';
    const error = row.error === null ? '' : `: ${text(row.error)}`;
    lines.push(
      `| ${text(row.name)}${times} | ${OUTCOME_LABEL[row.outcome]}${error} | ` +
        `${clockTime(row.firstEnteredAt)} | ${row.lastExitedAt === null ? '' : clockTime(row.lastExitedAt)} |`,
    );
  }
  if (hidden > 0) lines.push('', `_${hidden} earlier states are not shown._`);
  return lines;
}

function causeLines(cause: string, max: number): string[] {
  if (cause === '') return [];
  const chars = [...cause];
  const shown = chars.length > max ? chars.slice(0, max).join('') : cause;
  const lines = ['', quoteBlock(shown)];
  if (chars.length > max) {
    lines.push(
      '',
      `_The cause is ${chars.length.toLocaleString('en-US')} characters long; the first ${max.toLocaleString('en-US')} are shown. The execution's history has all of it._`,
    );
  }
  return lines;
}

/** `2026-01-01 10:00:00 UTC` from an RFC 3339 timestamp in UTC. */
function wholeTime(timestamp: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(timestamp);
  return match === null ? escapeInline(timestamp) : `${match[1]} ${match[2]} UTC`;
}

/** `10:00:00` from an RFC 3339 timestamp in UTC. */
function clockTime(timestamp: string): string {
  const match = /T(\d{2}:\d{2}:\d{2})/.exec(timestamp);
  return match?.[1] ?? escapeInline(timestamp);
}

/** A URL made safe as a Markdown link target: no spaces, parentheses or angle brackets. */
function linkTarget(url: string): string {
  return url.replace(
    /[\s()<>]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}
