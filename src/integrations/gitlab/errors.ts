/**
 * GitLab's failures as ASL error names (`GitLab.<Kind>`), so Retry and Catch can target them,
 * and the one error class the client throws. Messages quote what GitLab said, never the token.
 */

export const GITLAB_ERRORS = Object.freeze({
  notFound: 'GitLab.NotFound',
  forbidden: 'GitLab.Forbidden',
  unauthorized: 'GitLab.Unauthorized',
  rateLimited: 'GitLab.RateLimited',
  serverError: 'GitLab.ServerError',
  timeout: 'GitLab.Timeout',
  connectionFailed: 'GitLab.ConnectionFailed',
  badRequest: 'GitLab.BadRequest',
  conflict: 'GitLab.Conflict',
  unprocessable: 'GitLab.Unprocessable',
  pipelineFailed: 'GitLab.PipelineFailed',
  pipelineCanceled: 'GitLab.PipelineCanceled',
  jobFailed: 'GitLab.JobFailed',
  jobCanceled: 'GitLab.JobCanceled',
  variablesNotAllowed: 'GitLab.VariablesNotAllowed',
  invalidProjectPath: 'GitLab.InvalidProjectPath',
  unknownConnection: 'GitLab.UnknownConnection',
  invalidParameters: 'GitLab.InvalidParameters',
  tooLarge: 'GitLab.TooLarge',
  /** The engine stopped the task (execution stopped, task timed out) while a call was running. */
  aborted: 'GitLab.Aborted',
});

export type GitLabErrorName = (typeof GITLAB_ERRORS)[keyof typeof GITLAB_ERRORS];

export interface GitLabApiErrorDetails {
  /** The HTTP status GitLab answered, when it answered. */
  readonly status?: number;
  /** For GitLab.RateLimited: how long GitLab asked to wait, in seconds. */
  readonly retryAfterSeconds?: number;
  /** GitLab's `message`/`error` as it sent it (already free of the token). */
  readonly gitlabMessage?: string;
  readonly cause?: unknown;
}

/** A GitLab call that failed; `error` is the ASL error name the task fails with. */
export class GitLabApiError extends Error {
  override readonly name = 'GitLabApiError';
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly gitlabMessage: string | undefined;
  constructor(
    readonly error: GitLabErrorName,
    message: string,
    details: GitLabApiErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.gitlabMessage = details.gitlabMessage;
  }
}

/** The error name for an HTTP status GitLab answered with (2xx/3xx never get here). */
export function errorNameForStatus(status: number): GitLabErrorName {
  if (status === 401) return GITLAB_ERRORS.unauthorized;
  if (status === 403) return GITLAB_ERRORS.forbidden;
  if (status === 404) return GITLAB_ERRORS.notFound;
  if (status === 409) return GITLAB_ERRORS.conflict;
  if (status === 413) return GITLAB_ERRORS.tooLarge;
  if (status === 422) return GITLAB_ERRORS.unprocessable;
  if (status === 429) return GITLAB_ERRORS.rateLimited;
  if (status >= 500) return GITLAB_ERRORS.serverError;
  return GITLAB_ERRORS.badRequest;
}

/** Replaces every occurrence of each secret with `[REDACTED]` (empty secrets are skipped). */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join('[REDACTED]');
  }
  return result;
}
