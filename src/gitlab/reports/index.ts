/**
 * Status back in GitLab: commit statuses and one merge-request note per execution, kept up to
 * date by the GitLabReporter (see reporter.ts for how it coalesces, retries and shares work).
 */
export { GitLabReporter } from './reporter.js';
export { NOTE_SEARCH_LIMIT, createClientReportTarget } from './client-target.js';
export { carriesNoteMarker, isNoteMarker, noteMarker, withNoteMarker } from './note-marker.js';
export type { GitLabReporterOptions, ReportLogger } from './reporter.js';
export { ReportRequestError, checkTrackRequest } from './track-request.js';
export type { TrackProblem, TrackRequest } from './track-request.js';
export { classifyFailure } from './report-target.js';
export type {
  CommitStatusRequest,
  FailureClass,
  GitLabReportTarget,
  ReportConnection,
  ReportConnectionLookup,
} from './report-target.js';
export type { CommitStatusState, CommitStatusView } from './commit-status.js';
export { commitStatusFor } from './commit-status.js';
export { summarizeExecution } from './execution-summary.js';
export type { ExecutionSummary, StateRow, WaitingItem } from './execution-summary.js';
export { renderNote } from './note-body.js';
export { redactSecrets } from './redact.js';
