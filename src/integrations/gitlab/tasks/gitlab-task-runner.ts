/**
 * The TaskRunner for Baton's `baton:gitlab:*` resources. It finds the connection named by
 * `Connection` (default "default"), keeps one client per connection (so project paths are
 * resolved once), dispatches to the resource's handler, checks `.sync` jobs in `poll`, and turns
 * every failure into an ASL error named `GitLab.*`. It never throws for bad input or GitLab
 * failures; messages never carry the connection's token.
 */
import type { Clock } from '../../../common/index.js';
import type {
  TaskCancelRequest,
  TaskOutcome,
  TaskPollRequest,
  TaskRequest,
  TaskRunner,
} from '../../task-runner.js';
import type { GitLabClient, GitLabClientOptions } from '../client.js';
import { projectPath } from '../client.js';
import { GitLabClients } from '../clients.js';
import type { ConnectionLookup } from '../connection.js';
import { GITLAB_ERRORS, GitLabApiError, redact } from '../errors.js';
import type { PipelineWaits } from '../pipeline-waits.js';
import { waiterOf } from '../pipeline-waits.js';
import { abortableSleep } from '../retry-policy.js';
import { downloadArtifact, getJobTrace, playJob, retryJob } from './job-tasks.js';
import { InvalidParametersError, TaskParameters } from './parameters.js';
import { cancelPipeline, createPipeline, getPipeline, listPipelineJobs } from './pipeline-tasks.js';
import {
  createDeployment,
  createMergeRequestNote,
  setCommitStatus,
  stopEnvironment,
  updateDeployment,
  updateMergeRequestNote,
} from './project-tasks.js';
import { requestTask } from './request-task.js';
import { checkSyncJob, syncJobFrom } from './sync-wait.js';
import type { GitLabTaskContext, IntegrationPattern, TaskHandler } from './task-context.js';
import { TaskOutcomeError } from './task-context.js';

export const GITLAB_RESOURCE_PREFIX = 'baton:gitlab:';
export const DEFAULT_CONNECTION = 'default';

const HANDLERS: Readonly<Record<string, TaskHandler>> = {
  createPipeline,
  getPipeline,
  cancelPipeline,
  listPipelineJobs,
  playJob,
  retryJob,
  getJobTrace,
  downloadArtifact,
  setCommitStatus,
  createMergeRequestNote,
  updateMergeRequestNote,
  createDeployment,
  updateDeployment,
  stopEnvironment,
  request: requestTask,
};

/** Every resource name this runner serves (without pattern suffixes). */
export const GITLAB_RESOURCES: readonly string[] = Object.keys(HANDLERS).map(
  (name) => `${GITLAB_RESOURCE_PREFIX}${name}`,
);

export interface GitLabTaskRunnerOptions {
  readonly connections: ConnectionLookup;
  /** Where `.sync` waits and createPipeline idempotency are recorded (store.gitlabWaits). */
  readonly waits?: PipelineWaits;
  readonly clock?: Clock;
  /** Passed to every client (fetch, sleep, timeouts... for tests). */
  readonly clientOptions?: GitLabClientOptions;
  /** Clients shared with the rest of Baton (default: this runner's own, from clientOptions). */
  readonly clients?: GitLabClients;
}

export interface GitLabTaskRunner {
  readonly runner: TaskRunner;
  /** `baton:gitlab:<name>` -> runner, for routeTasks (which also routes `.sync` forms). */
  readonly routes: Readonly<Record<string, TaskRunner>>;
}

/** Splits `baton:gitlab:createPipeline.sync` into the handler name and the pattern. */
function parseResource(
  resource: string,
): { name: string; pattern: IntegrationPattern } | undefined {
  if (!resource.startsWith(GITLAB_RESOURCE_PREFIX)) return undefined;
  const rest = resource.slice(GITLAB_RESOURCE_PREFIX.length);
  const match = /^([A-Za-z]+)(?:\.(sync(?::\d+)?|waitForTaskToken))?$/.exec(rest);
  if (match === null) return undefined;
  const suffix = match[2];
  const pattern: IntegrationPattern =
    suffix === undefined ? 'request' : suffix === 'waitForTaskToken' ? 'token' : 'sync';
  return { name: match[1] ?? '', pattern };
}

const fail = (error: string, cause: string): TaskOutcome => ({ ok: false, error, cause });

/**
 * Creates the GitLab task runner. `runner.run` handles every `baton:gitlab:*` resource;
 * `runner.poll` checks the pipelines and jobs of `.sync` tasks.
 */
export function createGitLabTaskRunner(options: GitLabTaskRunnerOptions): GitLabTaskRunner {
  const clients =
    options.clients ??
    new GitLabClients({
      ...options.clientOptions,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
  const now = (): string => new Date(options.clock?.nowMs() ?? Date.now()).toISOString();
  const sleep = options.clientOptions?.sleep ?? abortableSleep;

  /** One client per connection; a changed URL or token (rotation) gets a fresh one. */
  async function clientFor(name: string): Promise<GitLabClient | TaskOutcome> {
    const connection = await options.connections(name);
    if (connection === undefined) {
      return fail(
        GITLAB_ERRORS.unknownConnection,
        `There is no GitLab connection named ${JSON.stringify(name)}. Create it with \`baton connections create ${name} --url ... --token ...\`, or name another in Connection.`,
      );
    }
    return clients.for(connection);
  }

  /** Maps what a handler threw to the task's outcome. Anything unexpected is rethrown (a bug). */
  function outcomeOf(error: unknown, secrets: readonly string[]): TaskOutcome {
    if (error instanceof TaskOutcomeError) return error.outcome;
    if (error instanceof InvalidParametersError) {
      return fail(GITLAB_ERRORS.invalidParameters, `${error.pointer || '/'}: ${error.message}`);
    }
    if (error instanceof GitLabApiError) return fail(error.error, redact(error.message, secrets));
    throw error;
  }

  async function run(request: TaskRequest): Promise<TaskOutcome> {
    const parsed = parseResource(request.resource);
    const handler =
      parsed === undefined
        ? undefined
        : Object.prototype.hasOwnProperty.call(HANDLERS, parsed.name)
          ? HANDLERS[parsed.name]
          : undefined;
    if (parsed === undefined || handler === undefined) {
      return fail(
        GITLAB_ERRORS.invalidParameters,
        `${request.resource} is not a GitLab resource. Known: ${GITLAB_RESOURCES.join(', ')}.`,
      );
    }
    if (parsed.pattern !== 'request' && !handler.patterns.includes(parsed.pattern)) {
      const suffix = parsed.pattern === 'sync' ? '.sync' : '.waitForTaskToken';
      return fail(
        GITLAB_ERRORS.invalidParameters,
        `${GITLAB_RESOURCE_PREFIX}${parsed.name} does not support ${suffix}.`,
      );
    }
    if (parsed.pattern === 'token' && request.taskToken === undefined) {
      return fail(GITLAB_ERRORS.invalidParameters, 'A .waitForTaskToken task needs a task token.');
    }
    let params: TaskParameters;
    let connectionName: string;
    try {
      params = TaskParameters.of(request.input, parsed.name);
      connectionName = params.optionalString('Connection', 64) ?? DEFAULT_CONNECTION;
    } catch (error: unknown) {
      return outcomeOf(error, []);
    }
    const client = await clientFor(connectionName);
    if ('ok' in client) return client;
    const context: GitLabTaskContext = {
      params,
      client,
      connection: connectionName,
      request,
      pattern: parsed.pattern,
      waits: options.waits,
      now,
      sleep,
      projectId: () => {
        const project = params.raw('Project');
        if (project === undefined) {
          throw new InvalidParametersError(
            '/Project',
            'Project is required: a full path (group/project) or a numeric id.',
          );
        }
        if (typeof project !== 'string' && typeof project !== 'number') {
          throw new InvalidParametersError(
            '/Project',
            'Project must be a full path (group/project) or a numeric id.',
          );
        }
        return client.resolveProject(project, request.signal);
      },
    };
    try {
      return await handler.run(context);
    } catch (error: unknown) {
      return outcomeOf(error, [client.connection.token]);
    }
  }

  async function poll(request: TaskPollRequest): Promise<TaskOutcome> {
    const job = syncJobFrom(request.job);
    if (job === undefined) {
      return fail(
        GITLAB_ERRORS.invalidParameters,
        `${request.resource} cannot read its stored job.`,
      );
    }
    const client = await clientFor(job.connection);
    if ('ok' in client) return client;
    try {
      const checked = await checkSyncJob(client, job, request.polls, request.signal);
      if (checked.finished) await forgetWait(job, request);
      return checked.outcome;
    } catch (error: unknown) {
      return outcomeOf(error, [client.connection.token]);
    }
  }

  async function forgetWait(
    job: NonNullable<ReturnType<typeof syncJobFrom>>,
    request: Pick<TaskPollRequest, 'executionId' | 'idempotencyKey'>,
  ): Promise<void> {
    try {
      await options.waits?.forget(job, waiterOf(request.executionId, request.idempotencyKey));
    } catch {
      // Swallowed on purpose: a wait left behind only causes one harmless extra poll.
    }
  }

  /**
   * The execution no longer waits for this `.sync` pipeline or job (stopped, timed out): cancel
   * it in GitLab so it does not run on unobserved. Cancelling a finished one is harmless (GitLab
   * answers 200 in every state); a failure throws, and the engine tries again later.
   */
  async function cancel(request: TaskCancelRequest): Promise<void> {
    const job = syncJobFrom(request.job);
    if (job === undefined) return;
    const client = await clientFor(job.connection);
    if ('ok' in client) return; // the connection is gone: nothing to reach
    const path = projectPath(job.projectId, `/${job.kind}s/${job.objectId}/cancel`);
    try {
      await client.request({ method: 'POST', path, idempotent: true, signal: request.signal });
    } catch (error: unknown) {
      if (error instanceof GitLabApiError && error.error === GITLAB_ERRORS.notFound) return;
      throw error instanceof GitLabApiError
        ? new Error(redact(error.message, [client.connection.token]))
        : error;
    } finally {
      await forgetWait(job, request);
    }
  }

  const runner: TaskRunner = { run, poll, cancel };
  const routes: Record<string, TaskRunner> = {};
  for (const resource of GITLAB_RESOURCES) routes[resource] = runner;
  return { runner, routes };
}
