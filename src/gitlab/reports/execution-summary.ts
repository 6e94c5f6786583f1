/**
 * What a status report says about an execution, read from its record and history (pure): the
 * states so far with their outcome and times, what it waits for (`.sync` GitLab pipelines and
 * jobs with their web_url from TaskSubmitted, `.waitForTaskToken` tasks, activities), and, when
 * it failed, the failing state, error and cause. Inputs, outputs and parameters are never read
 * into the summary: they may hold secrets (task tokens are parameters).
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonObject } from '../../common/index.js';
import { parseJsonText } from '../../language/index.js';
import type { ExecutionRecord, ExecutionStatus, StoredEvent } from '../../store/index.js';

export type StateOutcome = 'running' | 'succeeded' | 'failed' | 'caught' | 'stopped';

export interface StateRow {
  readonly name: string;
  readonly outcome: StateOutcome;
  /** How often it was entered (loops, retries through Catch, Map iterations). */
  readonly entries: number;
  readonly firstEnteredAt: string;
  readonly lastExitedAt: string | null;
  /** The last error it raised (kept when caught). */
  readonly error: string | null;
}

export type WaitingKind = 'pipeline' | 'job' | 'taskToken' | 'activity' | 'execution' | 'task';

export interface WaitingItem {
  readonly state: string;
  readonly kind: WaitingKind;
  /** The Task's resource, e.g. `baton:gitlab:createPipeline.sync`. */
  readonly resource: string;
  /** A pipeline or job id GitLab answered with, when there is one. */
  readonly id: string | null;
  /** An http(s) link to follow (credentials and query removed), when the service gave one. */
  readonly webUrl: string | null;
  readonly since: string;
}

export interface FailureSummary {
  /** The state it failed in; null when it failed before entering one. */
  readonly state: string | null;
  readonly error: string;
  readonly cause: string;
}

export interface ExecutionSummary {
  readonly executionArn: string;
  readonly workflow: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startedAt: string;
  readonly stoppedAt: string | null;
  /** In the order they were first entered. */
  readonly states: readonly StateRow[];
  readonly waiting: readonly WaitingItem[];
  readonly failure: FailureSummary | null;
  readonly eventCount: number;
}

interface MutableRow {
  name: string;
  outcome: StateOutcome;
  entries: number;
  firstEnteredAt: string;
  lastExitedAt: string | null;
  error: string | null;
}

/** Summarises an execution from its record and its full history, oldest event first. */
export function summarizeExecution(
  record: ExecutionRecord,
  events: readonly StoredEvent[],
): ExecutionSummary {
  const rows = new Map<string, MutableRow>();
  const open: string[] = [];
  const waiting = new Map<string, WaitingItem>();
  let failure: FailureSummary | null = null;
  const innermost = (): string | undefined => open[open.length - 1];

  for (const event of events) {
    const details = detailsOf(event);
    const type = event.type;
    if (type.endsWith('StateEntered')) {
      const name = stringOf(getOwn(details, 'name')) ?? '?';
      open.push(name);
      const row = rows.get(name);
      if (row === undefined) {
        rows.set(name, {
          name,
          outcome: 'running',
          entries: 1,
          firstEnteredAt: event.timestamp,
          lastExitedAt: null,
          error: null,
        });
      } else {
        row.entries += 1;
        row.outcome = 'running';
        row.error = null;
      }
      continue;
    }
    if (type.endsWith('StateExited')) {
      const name = stringOf(getOwn(details, 'name')) ?? '?';
      const at = open.lastIndexOf(name);
      if (at >= 0) open.splice(at, 1);
      const row = rows.get(name);
      if (row !== undefined) {
        row.outcome = row.error === null ? 'succeeded' : 'caught';
        row.lastExitedAt = event.timestamp;
      }
      waiting.delete(name);
      continue;
    }
    const state = innermost();
    switch (type) {
      case 'TaskScheduled': {
        const resource = resourceOf(details);
        if (state !== undefined && resource.endsWith('.waitForTaskToken')) {
          waiting.set(state, item(state, 'taskToken', resource, null, event.timestamp));
        }
        continue;
      }
      case 'TaskSubmitted': {
        const resource = resourceOf(details);
        if (state === undefined) continue;
        const output = parseObject(getOwn(details, 'output'));
        const webUrl = safeUrl(getOwn(output, 'web_url'));
        const id = idOf(getOwn(output, 'id'));
        if (resource.endsWith('.waitForTaskToken')) {
          const known = waiting.get(state);
          waiting.set(state, {
            ...(known ?? item(state, 'taskToken', resource, null, event.timestamp)),
            id,
            webUrl,
          });
        } else if (resource.endsWith('.sync')) {
          waiting.set(state, {
            ...item(state, syncKind(resource), resource, id, event.timestamp),
            webUrl,
          });
        }
        continue;
      }
      case 'ActivityScheduled':
        if (state !== undefined) {
          waiting.set(
            state,
            item(
              state,
              'activity',
              stringOf(getOwn(details, 'resource')) ?? '',
              null,
              event.timestamp,
            ),
          );
        }
        continue;
      case 'ExecutionFailed':
      case 'ExecutionTimedOut':
      case 'ExecutionAborted': {
        const failed = state ?? lastEntered(rows);
        const error =
          stringOf(getOwn(details, 'error')) ??
          (type === 'ExecutionTimedOut' ? 'States.Timeout' : type === 'ExecutionAborted' ? '' : '');
        if (type !== 'ExecutionAborted') {
          failure = {
            state: failed ?? null,
            error,
            cause: stringOf(getOwn(details, 'cause')) ?? '',
          };
          const row = failed === undefined ? undefined : rows.get(failed);
          if (row !== undefined) row.outcome = 'failed';
        }
        for (const name of open) {
          const row = rows.get(name);
          if (row !== undefined && row.outcome === 'running') row.outcome = 'stopped';
        }
        open.length = 0;
        waiting.clear();
        continue;
      }
      case 'ExecutionRedriven':
        failure = null;
        continue;
      default:
        break;
    }
    if (/(Succeeded|Failed|TimedOut)$/.test(type) && state !== undefined) {
      // TaskFailed, ActivityTimedOut, ...: the innermost open state's work ended.
      if (!type.startsWith('Execution') && !type.startsWith('MapIteration')) waiting.delete(state);
      const row = rows.get(state);
      if (row === undefined) continue;
      if (type.endsWith('Succeeded') && (type.startsWith('Task') || type.startsWith('Activity'))) {
        row.error = null;
      } else if (!type.endsWith('Succeeded')) {
        row.error =
          stringOf(getOwn(details, 'error')) ??
          (type.endsWith('TimedOut') ? 'States.Timeout' : type);
      }
    }
  }

  return {
    executionArn: record.id,
    workflow: record.workflow,
    name: record.name,
    status: record.status,
    startedAt: record.startedAt,
    stoppedAt: record.stoppedAt,
    states: [...rows.values()].map((row) => ({ ...row })),
    waiting: record.status === 'RUNNING' ? [...waiting.values()] : [],
    failure:
      failure ??
      (record.status === 'FAILED' || record.status === 'TIMED_OUT'
        ? {
            state: null,
            error: record.error ?? (record.status === 'TIMED_OUT' ? 'States.Timeout' : ''),
            cause: record.cause ?? '',
          }
        : null),
    eventCount: record.eventCount,
  };
}

function item(
  state: string,
  kind: WaitingKind,
  resource: string,
  id: string | null,
  since: string,
): WaitingItem {
  return { state, kind, resource, id, webUrl: null, since };
}

function syncKind(resource: string): WaitingKind {
  const action = resource.slice(resource.lastIndexOf(':') + 1);
  if (resource.startsWith('baton:gitlab:')) {
    if (/^(createPipeline|retryPipeline)\b/.test(action)) return 'pipeline';
    if (/^(playJob|retryJob)\b/.test(action)) return 'job';
  }
  if (resource.includes(':states:startExecution')) return 'execution';
  return 'task';
}

function lastEntered(rows: ReadonlyMap<string, MutableRow>): string | undefined {
  let last: MutableRow | undefined;
  for (const row of rows.values()) last = row;
  return last?.name;
}

/** The one `*EventDetails` object of a stored event (empty when there is none or it is not JSON). */
function detailsOf(event: StoredEvent): JsonObject {
  const parsed = parseJsonText(event.details);
  if (!parsed.ok || !isJsonObject(parsed.value)) return {};
  for (const value of Object.values(parsed.value)) {
    if (isJsonObject(value)) return value;
  }
  return {};
}

/** `resourceType:resource` as the Task named it (`baton:gitlab` + `createPipeline.sync`). */
function resourceOf(details: JsonObject): string {
  const type = stringOf(getOwn(details, 'resourceType'));
  const resource = stringOf(getOwn(details, 'resource')) ?? '';
  return type === undefined ? resource : `${type}:${resource}`;
}

/** History carries outputs as JSON text (AWS's shape). */
function parseObject(value: JsonValue | undefined): JsonObject {
  if (isJsonObject(value)) return value;
  if (typeof value !== 'string') return {};
  const parsed = parseJsonText(value);
  return parsed.ok && isJsonObject(parsed.value) ? parsed.value : {};
}

function stringOf(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function idOf(value: JsonValue | undefined): string | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return value;
  return null;
}

/** An http(s) URL without credentials, query or fragment, or null. */
export function safeUrl(value: JsonValue | undefined): string | null {
  if (typeof value !== 'string' || value.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.toString();
}
