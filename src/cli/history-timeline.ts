/**
 * Readable lines from Step Functions history events (API_HistoryEvent): which state each event
 * belongs to (followed through `previousEventId`), times relative to the execution's start,
 * retries (a second `*Scheduled` in one state entry) and failures with their error and cause.
 * Used by `baton history` (every event) and `baton start --wait` (the progress lines).
 */
import type { JsonObject } from '../common/index.js';
import { isJsonObject } from '../common/index.js';

export interface TimelineLine {
  readonly id: number;
  readonly type: string;
  /** Seconds since the execution started. */
  readonly elapsed: number;
  readonly state: string | undefined;
  /** A word for the progress view (`entered`, `exited`, `failed`, `retrying`...), if any. */
  readonly progress: string | undefined;
  readonly detail: string;
}

const MAX_DETAIL = 300;

export class Timeline {
  private startedAt: number | undefined;
  private readonly stateOf = new Map<number, string>();
  /** Per state name: how many times a task was scheduled since it was last entered. */
  private readonly attempts = new Map<string, number>();

  /** Reads the next event (in id order) and returns its line. */
  add(event: JsonObject): TimelineLine {
    const id = typeof event['id'] === 'number' ? event['id'] : 0;
    const previous = typeof event['previousEventId'] === 'number' ? event['previousEventId'] : 0;
    const type = typeof event['type'] === 'string' ? event['type'] : 'Unknown';
    const timestamp = typeof event['timestamp'] === 'number' ? event['timestamp'] : 0;
    this.startedAt ??= timestamp;
    const details = detailsOf(event);
    const entered = type.endsWith('StateEntered') ? stringOf(details, 'name') : undefined;
    // Execution-level events belong to no state, though they follow the last state's events.
    const state = type.startsWith('Execution')
      ? undefined
      : (entered ?? stringOf(details, 'name') ?? this.stateOf.get(previous));
    if (state !== undefined) this.stateOf.set(id, state);
    const elapsed = timestamp - this.startedAt;
    const failure = failureOf(details);

    let progress: string | undefined;
    let detail = failure ?? '';
    if (entered !== undefined) {
      this.attempts.set(entered, 0);
      progress = 'entered';
      detail = type.slice(0, -'StateEntered'.length);
    } else if (type.endsWith('StateExited')) {
      progress = 'exited';
    } else if (type.endsWith('Scheduled') && state !== undefined) {
      const attempt = (this.attempts.get(state) ?? 0) + 1;
      this.attempts.set(state, attempt);
      if (attempt > 1) {
        progress = 'retrying';
        detail = `attempt ${attempt}`;
      }
    } else if (type === 'ExecutionStarted' || type === 'ExecutionRedriven') {
      progress = type === 'ExecutionStarted' ? 'started' : 'redriven';
    } else if (type === 'ExecutionSucceeded') {
      progress = 'succeeded';
    } else if (
      type === 'ExecutionFailed' ||
      type === 'ExecutionTimedOut' ||
      type === 'ExecutionAborted'
    ) {
      progress = type.slice('Execution'.length).toLowerCase().replace('timedout', 'timed out');
    } else if (failure !== undefined) {
      progress = type.endsWith('TimedOut') ? 'timed out' : 'failed';
    }
    return { id, type, elapsed, state, progress, detail: clip(detail) };
  }
}

/** `+1.234s` */
export function formatElapsed(seconds: number): string {
  return `+${seconds.toFixed(3)}s`;
}

/** One line of `baton history`: `#3  +0.003s  TaskStateEntered  Deploy  Task`. */
export function historyLine(line: TimelineLine): string {
  const parts = [
    `#${line.id}`.padStart(4),
    formatElapsed(line.elapsed).padStart(10),
    line.type.padEnd(26),
    line.state ?? '',
    line.detail,
  ];
  return parts.join('  ').trimEnd();
}

/** One progress line of `baton start --wait`, or undefined for events it does not show. */
export function progressLine(line: TimelineLine): string | undefined {
  if (line.progress === undefined) return undefined;
  const subject = line.state ?? 'execution';
  const detail = line.detail === '' ? '' : `  ${line.detail}`;
  return `${formatElapsed(line.elapsed).padStart(10)}  ${line.progress.padEnd(9)}  ${subject}${detail}`;
}

function detailsOf(event: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && isJsonObject(value)) return value;
  }
  return {};
}

function stringOf(object: JsonObject, name: string): string | undefined {
  const value = object[name];
  return typeof value === 'string' ? value : undefined;
}

function failureOf(details: JsonObject): string | undefined {
  const error = stringOf(details, 'error');
  const cause = stringOf(details, 'cause');
  if (error === undefined && cause === undefined) return undefined;
  return [error, cause].filter((p) => p !== undefined && p !== '').join(': ');
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > MAX_DETAIL ? `${oneLine.slice(0, MAX_DETAIL)}...` : oneLine;
}
