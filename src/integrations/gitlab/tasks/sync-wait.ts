/**
 * `.sync` waits on a pipeline or a job: the job description stored with the execution, the
 * poll back-off, and how each GitLab status ends the wait (reference/gitlab.md §1.6, §3.3, §3.5).
 *
 * Decisions: `skipped` fails the task (GitLab.PipelineFailed / GitLab.JobFailed): nothing ran,
 * and a workflow that waits for a build must not carry on as if it had built. `manual` means
 * blocked on a manual job: the wait goes on (someone may play it, or a later state may), and
 * the final output or cause says `blocked_on_manual: true`.
 */
import type { JsonObject, JsonValue } from '../../../common/index.js';
import { getOwn, isJsonObject } from '../../../common/index.js';
import type { TaskOutcome } from '../../task-runner.js';
import type { GitLabClient } from '../client.js';
import { numericField, projectPath } from '../client.js';
import { GITLAB_ERRORS } from '../errors.js';
import type { PipelineWaits, WaitTarget } from '../pipeline-waits.js';
import { waiterOf } from '../pipeline-waits.js';
import type { GitLabTaskContext } from './task-context.js';

export const FIRST_POLL_SECONDS = 5;
export const MAX_POLL_SECONDS = 60;
/** Failed jobs listed in a cause at most. */
const MAX_FAILED_JOBS = 20;

/** What `poll` needs to find the object again; stored with the execution as the task's `job`. */
export interface SyncJob extends WaitTarget {
  readonly blockedOnManual: boolean;
}

/** Seconds before poll number `polls` (0 for the first): 5 s doubling to 60 s. */
export function pollDelaySeconds(polls: number): number {
  return Math.min(MAX_POLL_SECONDS, FIRST_POLL_SECONDS * 2 ** Math.min(polls, 6));
}

export function syncJobJson(job: SyncJob): JsonObject {
  return {
    connection: job.connection,
    projectId: job.projectId,
    kind: job.kind,
    objectId: job.objectId,
    blockedOnManual: job.blockedOnManual,
  };
}

/** Reads a stored job back; undefined when it is not one of ours. */
export function syncJobFrom(value: JsonValue): SyncJob | undefined {
  if (!isJsonObject(value)) return undefined;
  const connection = getOwn(value, 'connection');
  const kind = getOwn(value, 'kind');
  const projectId = numericField(value, 'projectId');
  const objectId = numericField(value, 'objectId');
  if (typeof connection !== 'string' || (kind !== 'pipeline' && kind !== 'job')) return undefined;
  if (projectId === undefined || objectId === undefined) return undefined;
  return {
    connection,
    kind,
    projectId,
    objectId,
    blockedOnManual: getOwn(value, 'blockedOnManual') === true,
  };
}

export function running(submitted: JsonValue, job: SyncJob, polls: number): TaskOutcome {
  return {
    ok: 'running',
    submitted,
    job: syncJobJson(job),
    pollAfterSeconds: pollDelaySeconds(polls),
  };
}

interface Checked {
  readonly outcome: TaskOutcome;
  readonly finished: boolean;
}

/** Re-reads the pipeline or job and decides: finished (success or failure) or still waiting. */
export async function checkSyncJob(
  client: GitLabClient,
  job: SyncJob,
  polls: number,
  signal: AbortSignal,
): Promise<Checked> {
  return job.kind === 'pipeline'
    ? checkPipeline(client, job, polls, signal)
    : checkJob(client, job, polls, signal);
}

async function checkPipeline(
  client: GitLabClient,
  job: SyncJob,
  polls: number,
  signal: AbortSignal,
): Promise<Checked> {
  const path = projectPath(job.projectId, `/pipelines/${job.objectId}`);
  const { body } = await client.request({ method: 'GET', path, signal });
  const pipeline = isJsonObject(body) ? body : {};
  const status = getOwn(pipeline, 'status');
  if (status === 'manual' || !isTerminal(status)) {
    const next = { ...job, blockedOnManual: job.blockedOnManual || status === 'manual' };
    return { finished: false, outcome: running(pipeline, next, polls) };
  }
  const jobs = await client.list({
    method: 'GET',
    path: `${path}/jobs`,
    query: { include_retried: false },
    signal,
  });
  const manual = { blocked_on_manual: job.blockedOnManual };
  if (status === 'success') {
    return {
      finished: true,
      outcome: { ok: true, output: { ...pipeline, jobs: [...jobs.items], ...manual } },
    };
  }
  const failedJobs = jobs.items
    .filter((item) => isJsonObject(item) && getOwn(item, 'status') === 'failed')
    .slice(0, MAX_FAILED_JOBS)
    .map((item) => pick(item, ['id', 'name', 'stage', 'failure_reason', 'web_url']));
  const error =
    status === 'canceled' ? GITLAB_ERRORS.pipelineCanceled : GITLAB_ERRORS.pipelineFailed;
  const cause = {
    message: `Pipeline ${job.objectId} ended ${JSON.stringify(status ?? null)}${status === 'skipped' ? ' (no job ran)' : ''}.`,
    pipeline: pick(pipeline, ['id', 'iid', 'status', 'ref', 'sha', 'web_url']),
    failed_jobs: failedJobs,
    ...manual,
  };
  return { finished: true, outcome: { ok: false, error, cause: JSON.stringify(cause) } };
}

async function checkJob(
  client: GitLabClient,
  job: SyncJob,
  polls: number,
  signal: AbortSignal,
): Promise<Checked> {
  const path = projectPath(job.projectId, `/jobs/${job.objectId}`);
  const { body } = await client.request({ method: 'GET', path, signal });
  const found = isJsonObject(body) ? body : {};
  const status = getOwn(found, 'status');
  if (status === 'manual' || !isTerminal(status)) {
    const next = { ...job, blockedOnManual: job.blockedOnManual || status === 'manual' };
    return { finished: false, outcome: running(found, next, polls) };
  }
  if (status === 'success') {
    return {
      finished: true,
      outcome: { ok: true, output: { ...found, blocked_on_manual: job.blockedOnManual } },
    };
  }
  const error = status === 'canceled' ? GITLAB_ERRORS.jobCanceled : GITLAB_ERRORS.jobFailed;
  const cause = {
    message: `Job ${job.objectId} ended ${JSON.stringify(status ?? null)}.`,
    job: pick(found, ['id', 'name', 'stage', 'status', 'failure_reason', 'web_url']),
  };
  return { finished: true, outcome: { ok: false, error, cause: JSON.stringify(cause) } };
}

const TERMINAL: ReadonlySet<JsonValue | undefined> = new Set([
  'success',
  'failed',
  'canceled',
  'skipped',
]);

function isTerminal(status: JsonValue | undefined): boolean {
  return TERMINAL.has(status);
}

function pick(value: JsonValue, keys: readonly string[]): JsonObject {
  const result: Record<string, JsonValue> = {};
  if (!isJsonObject(value)) return result;
  for (const key of keys) {
    const field = getOwn(value, key);
    if (field !== undefined) result[key] = field;
  }
  return result;
}

/** Records the wait (best effort: polling still finds the end without it). */
export async function recordWait(
  waits: PipelineWaits | undefined,
  target: WaitTarget,
  waiter: { executionId: string; taskId: string },
  now: string,
): Promise<void> {
  try {
    await waits?.record(target, waiter, now);
  } catch {
    // Swallowed on purpose: the wait row only lets a webhook wake the task early; without it
    // the task still finds the end by polling, so a store hiccup must not fail the pipeline.
  }
}

/**
 * A `.sync` task's start: records that the task waits on the pipeline or job `objectId` (so
 * its webhook can wake it) and answers `running` with what GitLab returned.
 */
export async function startWaiting(
  context: GitLabTaskContext,
  submitted: JsonValue,
  target: Omit<WaitTarget, 'connection'>,
): Promise<TaskOutcome> {
  const job: SyncJob = { ...target, connection: context.connection, blockedOnManual: false };
  const { request } = context;
  await recordWait(
    context.waits,
    job,
    waiterOf(request.executionId, request.idempotencyKey),
    context.now(),
  );
  return running(submitted, job, 0);
}
