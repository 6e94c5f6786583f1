/**
 * The request to report an execution to GitLab (what a trigger or `baton ci start` passes to
 * `GitLabReporter.track`), checked before anything is stored: every problem is listed with a
 * JSON pointer and what to do.
 */
import type { NewGitLabReport } from '../../store/index.js';

export interface TrackRequest {
  readonly executionArn: string;
  /** The connection's name. */
  readonly connection: string;
  /** Numeric project id (a number or digit string, as payloads carry it) or full path. */
  readonly projectId: string | number;
  /** The full commit SHA (40 hex digits, or 64 in SHA-256 repositories). */
  readonly sha: string;
  /** Branch or tag; `refs/heads/` and `refs/tags/` are removed (GitLab wants the short name). */
  readonly ref: string;
  /** The merge request to keep the note in; without one, no note is written. */
  readonly mergeRequestIid?: number | string | null;
  readonly report: {
    readonly commitStatus: boolean;
    readonly mergeRequestNote: boolean;
    /** The commit status name; default `baton/<workflow>`. */
    readonly name?: string;
  };
}

export interface TrackProblem {
  /** JSON pointer into the request. */
  readonly path: string;
  readonly message: string;
}

/** A malformed TrackRequest; `problems` lists each field that is wrong. */
export class ReportRequestError extends Error {
  override readonly name = 'ReportRequestError';
  readonly code = 'INVALID_REPORT_REQUEST';
  constructor(readonly problems: readonly TrackProblem[]) {
    super(
      `Invalid GitLab report request: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
    );
  }
}

const EXECUTION_ARN = /^arn:[a-z-]+:states:[^:\s]*:[^:\s]*:execution:[^:\s]+:[^:\s]+$/;
const CONNECTION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SEGMENT = '[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}';
const PROJECT_PATH = new RegExp(`^(?:${SEGMENT}/){1,21}${SEGMENT}$`);
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_FIELD = 255;

type Checked = Omit<NewGitLabReport, 'now'>;

/**
 * Checks and normalises a request.
 * @throws ReportRequestError listing every problem.
 */
export function checkTrackRequest(request: TrackRequest): Checked {
  const problems: TrackProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });

  if (typeof request.executionArn !== 'string' || !EXECUTION_ARN.test(request.executionArn)) {
    problem(
      '/executionArn',
      'must be an execution ARN (arn:aws:states:<region>:<account>:execution:<workflow>:<name>).',
    );
  }
  if (typeof request.connection !== 'string' || !CONNECTION.test(request.connection)) {
    problem(
      '/connection',
      'must be a connection name: letters, digits, ".", "_" or "-", at most 64, starting with a letter or digit.',
    );
  }
  const projectId = projectOf(request.projectId);
  if (projectId === undefined) {
    problem(
      '/projectId',
      'must be a numeric project id or a full project path such as group/project (not a URL).',
    );
  }
  if (typeof request.sha !== 'string' || !SHA.test(request.sha)) {
    problem(
      '/sha',
      'must be the full commit SHA (40 hexadecimal digits, or 64 for SHA-256 repositories).',
    );
  }
  const ref =
    typeof request.ref === 'string' ? request.ref.replace(/^refs\/(?:heads|tags)\//, '') : '';
  if (ref === '' || ref.length > MAX_FIELD || CONTROL.test(ref)) {
    problem(
      '/ref',
      `must be a branch or tag name of 1 to ${MAX_FIELD} characters without control characters.`,
    );
  }
  const iid = iidOf(request.mergeRequestIid);
  if (iid === undefined)
    problem(
      '/mergeRequestIid',
      'must be a positive integer (the merge request IID, not its global id).',
    );
  const report: unknown = request.report;
  if (typeof report !== 'object' || report === null) {
    problem('/report', 'must be an object with commitStatus and mergeRequestNote booleans.');
  } else {
    for (const key of ['commitStatus', 'mergeRequestNote'] as const) {
      if (typeof request.report[key] !== 'boolean')
        problem(`/report/${key}`, 'must be true or false.');
    }
    const name = request.report.name;
    if (
      name !== undefined &&
      (typeof name !== 'string' ||
        name.trim() === '' ||
        name.length > MAX_FIELD ||
        CONTROL.test(name))
    ) {
      problem(
        '/report/name',
        `must be a commit status name of 1 to ${MAX_FIELD} characters without control characters.`,
      );
    }
  }
  if (problems.length > 0) throw new ReportRequestError(problems);
  return {
    executionArn: request.executionArn,
    connection: request.connection,
    projectId: projectId ?? '',
    sha: request.sha.toLowerCase(),
    ref,
    mergeRequestIid: iid ?? null,
    statusName: request.report.name ?? null,
    commitStatus: request.report.commitStatus,
    mergeRequestNote: request.report.mergeRequestNote,
  };
}

function projectOf(value: unknown): string | undefined {
  if (typeof value === 'number')
    return Number.isSafeInteger(value) && value > 0 ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  if (/^[1-9]\d{0,18}$/.test(value)) return value;
  if (!PROJECT_PATH.test(value)) return undefined;
  const segments = value.split('/');
  if (segments.some((s) => s === '-') || /\.(git|atom)$/.test(value)) return undefined;
  return value;
}

/** undefined: invalid; null: absent. */
function iidOf(value: unknown): number | null | undefined {
  if (value === undefined || value === null) return null;
  const number = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number > 0
    ? number
    : undefined;
}
