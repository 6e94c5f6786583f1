/**
 * Reports executions started from a GitLab commit or merge request back to GitLab: a commit
 * status linking to the execution, and one merge-request note kept up to date.
 *
 * How it stays correct without ever slowing an execution down:
 * - `track` only writes a row (gitlab_reports); GitLab is called later, in the background.
 * - Engine events mark executions as changed in memory; every `coalesceMs` one statement marks
 *   the tracked ones due, so a burst of steps becomes one report. A report renders the
 *   execution as it is then (record + history), so nothing is lost by skipping intermediate
 *   steps.
 * - Idempotent: the commit status is sent only when its state changes, the note only when its
 *   body's hash does. One note is created, then always updated (a note deleted in GitLab is
 *   created again). Every note body ends with a hidden marker naming the execution
 *   (note-marker.ts): before creating a note, the MR's newest notes by the token's own user are
 *   searched for it, so a note created just before a crash (its id never stored) is adopted,
 *   not doubled.
 * - Rate: at most one write per execution every `minIntervalMs`, and at most `notesPerMinute`
 *   note writes per node (GitLab.com allows 60 per minute per user).
 * - Failures (5xx, 429 with Retry-After, timeouts, connection errors) are retried with
 *   exponential back-off and jitter; other refusals (404, 403, ...) are logged and the change is
 *   given up until the next one. Nothing is thrown at the engine.
 * - Durable and shared: rows are claimed with a lease, so on several nodes one node reports an
 *   execution at a time, and a pass at start-up (and every `staleSweepMs`) reports executions
 *   whose history moved on since their last report.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../common/index.js';
import type { EngineListener } from '../../engine/index.js';
import { formatTimestamp } from '../../language/index.js';
import type {
  GitLabReportOutcome,
  GitLabReportRecord,
  Store,
  StoredEvent,
} from '../../store/index.js';
import { COMMIT_STATUS_FIELD_MAX, commitStatusFor } from './commit-status.js';
import type { ExecutionSummary } from './execution-summary.js';
import { summarizeExecution } from './execution-summary.js';
import { renderNote } from './note-body.js';
import { noteMarker, withNoteMarker } from './note-marker.js';
import { redactSecrets } from './redact.js';
import type {
  CommitStatusRequest,
  GitLabReportTarget,
  ReportConnection,
  ReportConnectionLookup,
} from './report-target.js';
import { classifyFailure } from './report-target.js';
import { checkTrackRequest } from './track-request.js';
import type { TrackRequest } from './track-request.js';

/** Where log lines go (a pino logger fits). */
export interface ReportLogger {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

export interface GitLabReporterOptions {
  readonly store: Store;
  readonly clock: Clock;
  /** Names this node in leases. */
  readonly nodeId: string;
  readonly target: GitLabReportTarget;
  readonly connections: ReportConnectionLookup;
  /** Baton's public URL: commit statuses link to `<publicUrl>/api/v1/executions/<arn>`. */
  readonly publicUrl: string;
  /** Links to a UI instead: returns the URL of an execution's page. */
  readonly executionUrl?: (executionArn: string) => string;
  readonly logger: ReportLogger;
  /** Random numbers in [0, 1) for back-off jitter. */
  readonly random: () => number;
  /** How long changes gather before they are reported together (default 2 s). */
  readonly coalesceMs?: number;
  /** Least time between two writes for one execution (default 5 s). */
  readonly minIntervalMs?: number;
  /** Most note writes per minute by this node (default 50; GitLab.com allows 60 per user). */
  readonly notesPerMinute?: number;
  readonly leaseMs?: number;
  /** Reports handled per claim (default 20). */
  readonly batchSize?: number;
  /** First and largest back-off after a failure (default 2 s and 5 min). */
  readonly backoffMs?: { readonly first: number; readonly max: number };
  /** Failed attempts in a row after which a change is given up (default 30). */
  readonly maxAttempts?: number;
  /** How often to look for reports left stale by a node that stopped (default 60 s). */
  readonly staleSweepMs?: number;
  /** Longest error cause quoted in a note (default 2,000 characters). */
  readonly maxCauseChars?: number;
}

/** Most history events read to render one report (AWS's default history limit). */
const MAX_EVENTS = 25_000;
const PAGE = 1000;

export class GitLabReporter {
  private readonly changed = new Set<string>();
  private readonly noteWrites: number[] = [];
  private lastStaleSweep = Number.NEGATIVE_INFINITY;
  private readonly coalesceMs: number;
  private readonly minIntervalMs: number;
  private readonly leaseMs: number;

  constructor(private readonly options: GitLabReporterOptions) {
    this.coalesceMs = options.coalesceMs ?? 2000;
    this.minIntervalMs = options.minIntervalMs ?? 5000;
    this.leaseMs = options.leaseMs ?? 60_000;
  }

  /**
   * Starts reporting an execution to GitLab (idempotent: tracking it again keeps the first
   * request). Writes one row and returns; GitLab is called in the background.
   * @throws ReportRequestError naming the field when the request is malformed.
   */
  async track(request: TrackRequest): Promise<void> {
    const checked = checkTrackRequest(request);
    await this.options.store.gitlabReports.track({ ...checked, now: this.now() });
  }

  /**
   * Listens to an engine's commits (Engine.subscribe), noting which executions changed.
   * Returns the function that stops listening.
   */
  attach(events: { subscribe(listener: EngineListener): () => void }): () => void {
    return events.subscribe((event) => {
      if (event.kind === 'committed') this.changed.add(event.executionId);
    });
  }

  /** Marks tracked executions due that changed, in one statement. Returns how many. */
  async flushChanges(): Promise<number> {
    if (this.changed.size === 0) return 0;
    const arns = [...this.changed];
    this.changed.clear();
    try {
      return await this.options.store.gitlabReports.markChanged(arns, this.now());
    } catch (error: unknown) {
      for (const arn of arns) this.changed.add(arn); // kept for the next flush
      throw error;
    }
  }

  /** Marks due the reports whose execution moved on since they were last reported. */
  async catchUp(): Promise<number> {
    let total = 0;
    for (;;) {
      const marked = await this.options.store.gitlabReports.markStale(this.now(), 500);
      total += marked;
      if (marked < 500) return total;
    }
  }

  /**
   * One round: notes changes, catches up stale reports when due, and sends the reports that are
   * due. Returns how many reports it handled. Never throws for a GitLab failure (those are
   * retried); a store failure is thrown for the caller's loop to log.
   */
  async tick(): Promise<number> {
    await this.flushChanges();
    if (this.options.clock.nowMs() - this.lastStaleSweep >= (this.options.staleSweepMs ?? 60_000)) {
      this.lastStaleSweep = this.options.clock.nowMs();
      await this.catchUp();
    }
    const claimed = await this.options.store.gitlabReports.claimDue(
      this.now(),
      this.options.nodeId,
      formatTimestamp(this.options.clock.nowMs() + this.leaseMs),
      this.options.batchSize ?? 20,
    );
    for (const report of claimed) await this.report(report);
    return claimed.length;
  }

  /**
   * Works until `signal` aborts: a tick every `pollMs` (default the coalescing window). The
   * first tick catches up on reports left stale while no node ran.
   */
  async run(
    signal: AbortSignal,
    sleep: (ms: number, signal: AbortSignal) => Promise<void>,
    pollMs = this.coalesceMs,
  ): Promise<void> {
    while (!signal.aborted) {
      try {
        const handled = await this.tick();
        if (handled > 0) continue;
      } catch (error: unknown) {
        this.options.logger.warn(
          { err: this.safeMessage(error, []) },
          'gitlab reports: round failed',
        );
      }
      await sleep(pollMs, signal).catch(() => undefined);
    }
  }

  private async report(row: GitLabReportRecord): Promise<void> {
    const { store } = this.options;
    const record = await store.executions.get(row.executionArn);
    if (record === undefined && row.reportedEventCount > 0) {
      await store.gitlabReports.delete(row.executionArn); // the execution was purged
      return;
    }
    const summary =
      record === undefined
        ? undefined
        : summarizeExecution(record, await this.history(row.executionArn));
    const connection = await this.options.connections(row.connection);
    if (connection === undefined) {
      await this.giveUp(
        row,
        summary,
        'GitLab.UnknownConnection',
        `There is no connection named ${row.connection}.`,
      );
      return;
    }
    const attempt = new Attempt();
    try {
      if (row.commitStatus) await this.sendCommitStatus(row, summary, connection, attempt);
      if (row.mergeRequestNote && row.mergeRequestIid !== null) {
        const deferredUntil = await this.sendNote(
          row,
          row.mergeRequestIid,
          summary,
          connection,
          attempt,
        );
        if (deferredUntil !== undefined) {
          await this.finish(row, attempt, {
            attempts: row.attempts,
            lastError: row.lastError,
            retryAt: formatTimestamp(deferredUntil),
          });
          return;
        }
      }
    } catch (error: unknown) {
      await this.failed(row, summary, connection, attempt, error);
      return;
    }
    const eventCount = summary?.eventCount ?? 0;
    await this.finish(row, attempt, {
      attempts: 0,
      lastError: null,
      reportedEventCount: eventCount,
    });
  }

  private async sendCommitStatus(
    row: GitLabReportRecord,
    summary: ExecutionSummary | undefined,
    connection: ReportConnection,
    attempt: Attempt,
  ): Promise<void> {
    const view = commitStatusFor(summary, [connection.token]);
    if (view.state === row.reportedState) return;
    const targetUrl = this.targetUrl(row.executionArn);
    const request: CommitStatusRequest = {
      state: view.state,
      name: row.statusName ?? `baton/${summary?.workflow ?? workflowOf(row.executionArn)}`,
      description: view.description,
      ref: row.ref,
      ...(targetUrl.length <= COMMIT_STATUS_FIELD_MAX ? { targetUrl } : {}),
    };
    try {
      await this.options.target.setCommitStatus(connection, row.projectId, row.sha, request);
    } catch (error: unknown) {
      // Re-posting the state the status has is refused with "Cannot transition status": the
      // status already shows what we meant to send.
      if (classifyFailure(error).kind !== 'alreadyThere') throw error;
    }
    attempt.reportedState = view.state;
    attempt.wrote = true;
  }

  /** Sends the note when its body changed. Returns a time to come back at when rate-limited. */
  private async sendNote(
    row: GitLabReportRecord,
    iid: number,
    summary: ExecutionSummary | undefined,
    connection: ReportConnection,
    attempt: Attempt,
  ): Promise<number | undefined> {
    const rendered = renderNote(summary, workflowOf(row.executionArn), {
      targetUrl: this.targetUrl(row.executionArn),
      secrets: [connection.token],
      ...(this.options.maxCauseChars === undefined
        ? {}
        : { maxCauseChars: this.options.maxCauseChars }),
    });
    const marker = noteMarker(row.executionArn);
    const body = withNoteMarker(rendered, marker);
    const hash = createHash('sha256').update(body).digest('hex');
    if (hash === row.reportedHash && row.noteId !== null) return undefined;
    const slot = this.noteSlot();
    if (slot !== undefined) return slot;
    const { target } = this.options;
    this.noteWrites.push(this.options.clock.nowMs());
    if (row.noteId === null) {
      attempt.noteId = await this.adoptOrCreateNote(row, iid, connection, marker, body);
    } else {
      try {
        await target.updateMergeRequestNote(connection, row.projectId, iid, row.noteId, body);
      } catch (error: unknown) {
        // Someone deleted the note: keep reporting in a new one (or one a lost attempt made).
        if (!isNotFound(error)) throw error;
        attempt.noteId = await this.adoptOrCreateNote(row, iid, connection, marker, body);
      }
    }
    attempt.reportedHash = hash;
    attempt.wrote = true;
    return undefined;
  }

  /**
   * Writes `body` into the execution's note when GitLab already has one that Baton never
   * stored the id of (created just before a crash, or by a POST whose answer was lost): found
   * by its marker among the token's own user's notes. Creates the note otherwise. Returns its id.
   */
  private async adoptOrCreateNote(
    row: GitLabReportRecord,
    iid: number,
    connection: ReportConnection,
    marker: string,
    body: string,
  ): Promise<number> {
    const { target } = this.options;
    const found = await target.findMergeRequestNote(connection, row.projectId, iid, marker);
    if (found !== undefined) {
      try {
        await target.updateMergeRequestNote(connection, row.projectId, iid, found.id, body);
        this.options.logger.info(
          { execution: row.executionArn, note: found.id },
          'gitlab reports: adopted the note an earlier attempt created',
        );
        return found.id;
      } catch (error: unknown) {
        if (!isNotFound(error)) throw error; // deleted since it was listed: create one
      }
    }
    return (await target.createMergeRequestNote(connection, row.projectId, iid, body)).id;
  }

  /** When the per-node note budget is spent: the time a write is allowed again. */
  private noteSlot(): number | undefined {
    const now = this.options.clock.nowMs();
    while (this.noteWrites.length > 0 && (this.noteWrites[0] ?? now) <= now - 60_000)
      this.noteWrites.shift();
    const limit = this.options.notesPerMinute ?? 50;
    if (this.noteWrites.length < limit) return undefined;
    return (this.noteWrites[0] ?? now) + 60_000;
  }

  private async failed(
    row: GitLabReportRecord,
    summary: ExecutionSummary | undefined,
    connection: ReportConnection,
    attempt: Attempt,
    error: unknown,
  ): Promise<void> {
    const failure = classifyFailure(error);
    const message = this.safeMessage(error, [connection.token]);
    const attempts = row.attempts + 1;
    const details = {
      execution: row.executionArn,
      connection: row.connection,
      project: row.projectId,
      error: failure.error,
      message,
      attempts,
    };
    if (failure.kind === 'transient' && attempts < (this.options.maxAttempts ?? 30)) {
      // GitLab's Retry-After when it sent one (capped at an hour), never less than the back-off.
      const delay = Math.max(
        Math.min(failure.retryAfterMs ?? 0, 3_600_000),
        this.backoff(attempts),
      );
      this.options.logger.warn(
        { ...details, retryInMs: delay },
        'gitlab reports: GitLab failed, retrying',
      );
      await this.finish(row, attempt, {
        attempts,
        lastError: `${failure.error}: ${message}`,
        retryAt: formatTimestamp(this.options.clock.nowMs() + delay),
      });
      return;
    }
    this.options.logger.warn(
      details,
      'gitlab reports: GitLab refused the report; giving up on this change',
    );
    await this.finish(row, attempt, {
      attempts,
      lastError: `${failure.error}: ${message}`,
      reportedEventCount: summary?.eventCount ?? 0,
    });
  }

  private async giveUp(
    row: GitLabReportRecord,
    summary: ExecutionSummary | undefined,
    error: string,
    message: string,
  ): Promise<void> {
    this.options.logger.warn(
      { execution: row.executionArn, connection: row.connection, error, message },
      'gitlab reports: cannot report',
    );
    await this.finish(row, new Attempt(), {
      attempts: row.attempts + 1,
      lastError: `${error}: ${message}`,
      reportedEventCount: summary?.eventCount ?? 0,
    });
  }

  private async finish(
    row: GitLabReportRecord,
    attempt: Attempt,
    result: Pick<GitLabReportOutcome, 'attempts' | 'lastError' | 'retryAt' | 'reportedEventCount'>,
  ): Promise<void> {
    const nowMs = this.options.clock.nowMs();
    const notBefore = attempt.wrote ? nowMs + this.minIntervalMs : undefined;
    const nextIfChanged = Math.max(nowMs + this.coalesceMs, notBefore ?? 0);
    const outcome: GitLabReportOutcome = {
      ...result,
      ...(attempt.noteId === undefined ? {} : { noteId: attempt.noteId }),
      ...(attempt.reportedState === undefined ? {} : { reportedState: attempt.reportedState }),
      ...(attempt.reportedHash === undefined ? {} : { reportedHash: attempt.reportedHash }),
      ...(notBefore === undefined ? {} : { notBefore: formatTimestamp(notBefore) }),
      nextIfChanged: formatTimestamp(nextIfChanged),
      now: formatTimestamp(nowMs),
    };
    const kept = await this.options.store.gitlabReports.finish(
      row.executionArn,
      this.options.nodeId,
      row.generation,
      outcome,
    );
    if (!kept) {
      this.options.logger.info(
        { execution: row.executionArn },
        'gitlab reports: lease lost; another node reports this execution',
      );
    }
  }

  private async history(executionArn: string): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    let after: string | undefined;
    do {
      const page = await this.options.store.executions.history(executionArn, {
        limit: PAGE,
        ...(after === undefined ? {} : { after }),
      });
      events.push(...page.items);
      after = page.nextToken;
    } while (after !== undefined && events.length < MAX_EVENTS);
    return events;
  }

  private targetUrl(executionArn: string): string {
    if (this.options.executionUrl !== undefined) return this.options.executionUrl(executionArn);
    const base = this.options.publicUrl.replace(/\/+$/, '');
    return `${base}/api/v1/executions/${encodeURIComponent(executionArn).replace(/%3A/g, ':')}`;
  }

  /** Exponential back-off with full jitter in its upper half. */
  private backoff(attempts: number): number {
    const { first, max } = this.options.backoffMs ?? { first: 2000, max: 300_000 };
    const ceiling = Math.min(max, first * 2 ** Math.min(attempts - 1, 30));
    return Math.round(ceiling / 2 + (ceiling / 2) * this.options.random());
  }

  private safeMessage(error: unknown, secrets: readonly string[]): string {
    const text = error instanceof Error ? error.message : String(error);
    return redactSecrets(text, secrets).slice(0, 500);
  }

  private now(): string {
    return formatTimestamp(this.options.clock.nowMs());
  }
}

/** What one attempt got GitLab to accept so far. */
class Attempt {
  noteId: number | undefined;
  reportedState: string | undefined;
  reportedHash: string | undefined;
  wrote = false;
}

function isNotFound(error: unknown): boolean {
  return classifyFailure(error).error === 'GitLab.NotFound';
}

/** The workflow name inside an execution ARN (`...:execution:<workflow>:<name>`). */
function workflowOf(executionArn: string): string {
  const parts = executionArn.split(':');
  return parts.length >= 8 ? (parts[6] ?? '') : '';
}
