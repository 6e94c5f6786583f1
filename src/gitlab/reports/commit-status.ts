/**
 * The commit status an execution shows in GitLab (pure). States follow GitLab's commit status
 * API (`pending`, `running`, `success`, `failed`, `canceled`):
 *
 * | execution | commit status | why |
 * | --- | --- | --- |
 * | not started yet (queued by a trigger) | pending | |
 * | RUNNING, PENDING_REDRIVE | running | |
 * | SUCCEEDED | success | |
 * | FAILED | failed | |
 * | TIMED_OUT | failed | the workflow did not do its job in time: that must block a merge the way a failure does, not read as a deliberate stop |
 * | ABORTED | canceled | someone (or a newer run, SUPERSEDED triggers) stopped it on purpose |
 *
 * GitLab refuses to re-post the state a status already has (`Cannot transition status via :run
 * from :running`), so a status's description can only change with its state: the reporter
 * sends the status only when the state changes, and the description says what was happening
 * then. Descriptions are plain text, secrets removed, at most 255 characters.
 */
import { parseTimestamp } from '../../language/index.js';
import type { ExecutionSummary, WaitingItem } from './execution-summary.js';
import { redactSecrets } from './redact.js';

export type CommitStatusState = 'pending' | 'running' | 'success' | 'failed' | 'canceled';

export interface CommitStatusView {
  readonly state: CommitStatusState;
  readonly description: string;
}

/** GitLab's limit on `description` (and `target_url`, `ref`). */
export const COMMIT_STATUS_FIELD_MAX = 255;

/**
 * The commit status for an execution, or for one not started yet (`undefined`).
 * @param secrets strings to remove from the description (the connection's token).
 */
export function commitStatusFor(
  summary: ExecutionSummary | undefined,
  secrets: readonly string[] = [],
): CommitStatusView {
  const view = viewOf(summary);
  return { state: view.state, description: capText(redactSecrets(view.description, secrets)) };
}

function viewOf(summary: ExecutionSummary | undefined): CommitStatusView {
  if (summary === undefined) return { state: 'pending', description: 'Waiting to start' };
  const failedIn = (failure: ExecutionSummary['failure'], verb: string): string => {
    const where = failure?.state ? ` in ${failure.state}` : '';
    const error = failure?.error ? `: ${failure.error}` : '';
    return `${verb}${where}${error}`;
  };
  switch (summary.status) {
    case 'RUNNING':
    case 'PENDING_REDRIVE':
      return { state: 'running', description: runningDescription(summary) };
    case 'SUCCEEDED':
      return { state: 'success', description: `Succeeded${took(summary)}` };
    case 'FAILED':
      return { state: 'failed', description: failedIn(summary.failure, 'Failed') };
    case 'TIMED_OUT':
      return { state: 'failed', description: failedIn(summary.failure, 'Timed out') };
    case 'ABORTED':
      return { state: 'canceled', description: `Stopped${took(summary)}` };
  }
}

function runningDescription(summary: ExecutionSummary): string {
  const first = summary.waiting[0];
  if (first !== undefined) {
    const more = summary.waiting.length > 1 ? ` (+${summary.waiting.length - 1} more)` : '';
    return `${first.state}: waiting for ${waitingLabel(first)}${more}`;
  }
  const running = summary.states.filter((s) => s.outcome === 'running').map((s) => s.name);
  return running.length === 0 ? 'Running' : `Running ${running.join(', ')}`;
}

/** What a waiting item waits for, in words (plain text). */
export function waitingLabel(item: WaitingItem): string {
  const number = item.id === null ? '' : ` #${item.id}`;
  switch (item.kind) {
    case 'pipeline':
      return `pipeline${number}`;
    case 'job':
      return `job${number}`;
    case 'taskToken':
      return item.id === null ? 'a task token callback' : `a task token callback (#${item.id})`;
    case 'activity':
      return `an activity worker (${item.resource.slice(item.resource.lastIndexOf(':') + 1)})`;
    case 'execution':
      return 'a child execution';
    case 'task':
      return item.resource;
  }
}

function took(summary: ExecutionSummary): string {
  const duration = durationOf(summary.startedAt, summary.stoppedAt);
  return duration === null ? '' : ` in ${duration}`;
}

/** `1h 2m`, `3m 12s`, `4s`; null when either end is unknown. */
export function durationOf(from: string, to: string | null): string | null {
  const start = parseTimestamp(from);
  const end = to === null ? undefined : parseTimestamp(to);
  if (start === undefined || end === undefined || end < start) return null;
  const seconds = Math.round((end - start) / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

/** Cuts text to GitLab's 255-character field limit, marking the cut. */
export function capText(text: string, max = COMMIT_STATUS_FIELD_MAX): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
