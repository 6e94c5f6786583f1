/**
 * The GitLab side of status reports, as a port: the composition root wires it to the GitLab API
 * client (commit statuses and merge-request notes); tests use an in-memory fake. Failures are
 * classified here into "try again later" and "give up on this change".
 */
import type { CommitStatusState } from './commit-status.js';

/** A connection as the reporter needs it (structurally the same as `GitLabConnection`). */
export interface ReportConnection {
  readonly name: string;
  readonly baseUrl: string;
  /** The API token; passed to the target, and removed from anything Baton writes. */
  readonly token: string;
}

/** Finds a connection by name (structurally the same as `ConnectionLookup`). */
export type ReportConnectionLookup = (name: string) => Promise<ReportConnection | undefined>;

export interface CommitStatusRequest {
  readonly state: CommitStatusState;
  /** The status's name (GitLab's `name`/`context`). */
  readonly name: string;
  /** At most 255 characters; absent when the link would be longer. */
  readonly targetUrl?: string;
  /** At most 255 characters. */
  readonly description: string;
  readonly ref: string;
}

/**
 * What the reporter calls. Implementations throw on failure; the error's GitLab error name
 * (`GitLab.ServerError`, ...) is read from its `error`, `code` or `name` property, and a
 * `retryAfterMs` or `retryAfterSeconds` number is honoured (429 Retry-After).
 */
export interface GitLabReportTarget {
  /** POST /projects/:id/statuses/:sha. */
  setCommitStatus(
    connection: ReportConnection,
    projectId: string,
    sha: string,
    status: CommitStatusRequest,
  ): Promise<void>;
  /** POST /projects/:id/merge_requests/:iid/notes; returns the note's id. */
  createMergeRequestNote(
    connection: ReportConnection,
    projectId: string,
    mergeRequestIid: number,
    body: string,
  ): Promise<{ readonly id: number }>;
  /**
   * GET /projects/:id/merge_requests/:iid/notes, newest first, a bounded number of pages: the
   * newest note written by the connection's own user (the token's, GET /user) whose body holds
   * `marker` (note-marker.ts) on a line of its own, or undefined. Notes by anyone else are never
   * returned, so nobody can plant a marker to have Baton overwrite their note.
   */
  findMergeRequestNote(
    connection: ReportConnection,
    projectId: string,
    mergeRequestIid: number,
    marker: string,
  ): Promise<{ readonly id: number } | undefined>;
  /** PUT /projects/:id/merge_requests/:iid/notes/:note_id. */
  updateMergeRequestNote(
    connection: ReportConnection,
    projectId: string,
    mergeRequestIid: number,
    noteId: number,
    body: string,
  ): Promise<void>;
}

/** Errors worth trying again: GitLab or the network may answer differently later. */
const TRANSIENT = new Set([
  'GitLab.RateLimited',
  'GitLab.ServerError',
  'GitLab.Timeout',
  'GitLab.ConnectionFailed',
  'GitLab.Conflict', // concurrent commit-status updates for one SHA answer 409: retry
]);

export type FailureClass =
  | { readonly kind: 'transient'; readonly error: string; readonly retryAfterMs?: number }
  | { readonly kind: 'permanent'; readonly error: string }
  /** GitLab refused to re-post a state the status already has: what we wanted is there. */
  | { readonly kind: 'alreadyThere'; readonly error: string };

/**
 * Classifies what a target threw. Errors without a GitLab error name (a bug, a driver error)
 * are treated as transient: a report is retried with back-off rather than lost.
 */
export function classifyFailure(thrown: unknown): FailureClass {
  const error = gitLabErrorName(thrown) ?? 'GitLab.ConnectionFailed';
  const message = thrown instanceof Error ? thrown.message : '';
  if (/cannot transition status/i.test(message)) return { kind: 'alreadyThere', error };
  if (gitLabErrorName(thrown) === undefined || TRANSIENT.has(error)) {
    const retryAfterMs = retryAfterOf(thrown);
    return retryAfterMs === undefined
      ? { kind: 'transient', error }
      : { kind: 'transient', error, retryAfterMs };
  }
  return { kind: 'permanent', error };
}

function gitLabErrorName(thrown: unknown): string | undefined {
  if (typeof thrown !== 'object' || thrown === null) return undefined;
  for (const key of ['error', 'code', 'name']) {
    const value: unknown = Reflect.get(thrown, key);
    if (typeof value === 'string' && value.startsWith('GitLab.')) return value;
  }
  return undefined;
}

function retryAfterOf(thrown: unknown): number | undefined {
  if (typeof thrown !== 'object' || thrown === null) return undefined;
  const ms: unknown = Reflect.get(thrown, 'retryAfterMs');
  if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) return ms;
  const seconds: unknown = Reflect.get(thrown, 'retryAfterSeconds');
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0)
    return seconds * 1000;
  return undefined;
}
