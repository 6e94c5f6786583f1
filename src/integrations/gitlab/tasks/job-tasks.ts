/**
 * Job resources: playJob (plain and `.sync`; the job by id, or by Name among the manual jobs of
 * a Pipeline), retryJob (GitLab makes a new job: the output is that job, with its new id),
 * getJobTrace (the log's tail, size-capped) and downloadArtifact (one file, size-capped).
 */
import type { JsonObject } from '../../../common/index.js';
import { getOwn, isJsonObject } from '../../../common/index.js';
import { numericField, projectPath } from '../client.js';
import { GITLAB_ERRORS } from '../errors.js';
import { InvalidParametersError, pointerTo } from './parameters.js';
import { variablesNotAllowed } from './pipeline-tasks.js';
import type { GitLabTaskContext, TaskHandler } from './task-context.js';
import { TaskOutcomeError, objectBody, signalOf, succeed } from './task-context.js';
import { startWaiting } from './sync-wait.js';

/** Defaults and ceilings: the task output must stay under the 256 KiB payload limit. */
const DEFAULT_TRACE_BYTES = 64 * 1024;
const MAX_TRACE_BYTES = 200 * 1024;
const DEFAULT_ARTIFACT_BYTES = 64 * 1024;
/** base64 grows a file by a third: 180 KiB becomes 240 KiB. */
const MAX_ARTIFACT_BYTES = 180 * 1024;

export const playJob: TaskHandler = {
  patterns: ['sync'],
  async run(context) {
    const { params } = context;
    const jobId = params.optionalId('Job');
    const name = params.optionalString('Name', 255);
    const pipelineId = params.optionalId('Pipeline');
    const variables = params.optionalObject('JobVariables');
    const projectId = await context.projectId();
    params.done();
    const id = await chooseJob(context, projectId, jobId, name, pipelineId);
    const attributes =
      variables === undefined
        ? []
        : Object.keys(variables).map((key) => {
            const value = getOwn(variables, key);
            if (
              typeof value !== 'string' &&
              typeof value !== 'number' &&
              typeof value !== 'boolean'
            ) {
              throw new InvalidParametersError(
                pointerTo('JobVariables', key),
                'A job variable must be a string, number or boolean.',
              );
            }
            return { key, value: String(value) };
          });
    let played: JsonObject;
    try {
      const { body } = await context.client.request({
        method: 'POST',
        path: projectPath(projectId, `/jobs/${id}/play`),
        body: attributes.length === 0 ? {} : { job_variables_attributes: attributes },
        ...signalOf(context),
      });
      played = objectBody(body);
    } catch (error: unknown) {
      const refused = variablesNotAllowed(error, 'job variables (JobVariables)');
      if (refused !== undefined) throw new TaskOutcomeError(refused);
      throw error;
    }
    if (context.pattern !== 'sync') return succeed(played);
    return startWaiting(context, played, {
      projectId,
      kind: 'job',
      objectId: numericField(played, 'id') ?? id,
    });
  },
};

async function chooseJob(
  context: GitLabTaskContext,
  projectId: number,
  jobId: number | undefined,
  name: string | undefined,
  pipelineId: number | undefined,
): Promise<number> {
  if (jobId !== undefined) {
    if (name !== undefined) {
      throw new InvalidParametersError(
        '/Name',
        'Give either Job (an id) or Name with Pipeline, not both.',
      );
    }
    return jobId;
  }
  if (name === undefined || pipelineId === undefined) {
    throw new InvalidParametersError(
      name === undefined ? '/Job' : '/Pipeline',
      'playJob needs Job (a job id), or Name and Pipeline (the manual job of that name in that pipeline).',
    );
  }
  const list = await context.client.list({
    method: 'GET',
    path: projectPath(projectId, `/pipelines/${pipelineId}/jobs`),
    query: { scope: ['manual', 'scheduled'] },
    ...signalOf(context),
  });
  const matches = list.items
    .filter((item) => isJsonObject(item) && getOwn(item, 'name') === name)
    .map((item) => numericField(item, 'id'))
    .filter((id): id is number => id !== undefined);
  if (matches.length === 0) {
    const names = list.items
      .map((item) => (isJsonObject(item) ? getOwn(item, 'name') : undefined))
      .filter((n): n is string => typeof n === 'string');
    throw new TaskOutcomeError({
      ok: false,
      error: GITLAB_ERRORS.notFound,
      cause: `Pipeline ${pipelineId} has no manual job named ${JSON.stringify(name)}. Its manual jobs: ${
        names.length === 0 ? '(none)' : names.join(', ')
      }.`,
    });
  }
  // The newest one: a retried manual job keeps its name under a new id.
  return Math.max(...matches);
}

export const retryJob: TaskHandler = {
  patterns: [],
  async run(context) {
    const jobId = context.params.id('Job');
    const projectId = await context.projectId();
    context.params.done();
    const { body } = await context.client.request({
      method: 'POST',
      path: projectPath(projectId, `/jobs/${jobId}/retry`),
      ...signalOf(context),
    });
    const job = objectBody(body);
    return succeed({ ...job, retried_job_id: jobId });
  },
};

export const getJobTrace: TaskHandler = {
  patterns: [],
  async run(context) {
    const { params } = context;
    const jobId = params.id('Job');
    const maxBytes = byteLimit(context, DEFAULT_TRACE_BYTES, MAX_TRACE_BYTES);
    const projectId = await context.projectId();
    params.done();
    const { data } = await context.client.requestBytes(
      { method: 'GET', path: projectPath(projectId, `/jobs/${jobId}/trace`), ...signalOf(context) },
      maxBytes,
      'tail',
    );
    return succeed({
      trace: new TextDecoder().decode(data.bytes),
      truncated: data.truncated,
      totalBytes: data.totalBytes,
      ...(data.truncated
        ? { note: `Only the last ${maxBytes} of ${data.totalBytes} bytes are kept.` }
        : {}),
    });
  },
};

export const downloadArtifact: TaskHandler = {
  patterns: [],
  async run(context) {
    const { params } = context;
    const jobId = params.id('Job');
    const path = params.string('ArtifactPath', 1024);
    const encoding = params.oneOf('Encoding', ['text', 'base64'] as const, 'text');
    const maxBytes = byteLimit(context, DEFAULT_ARTIFACT_BYTES, MAX_ARTIFACT_BYTES);
    const projectId = await context.projectId();
    params.done();
    const segments = path.replace(/^\/+/, '').split('/');
    if (segments.some((s) => s === '..' || s === '.' || s === '')) {
      throw new InvalidParametersError(
        '/ArtifactPath',
        'ArtifactPath must be a path inside the artifacts archive, without empty, . or .. segments.',
      );
    }
    const { data } = await context.client.requestBytes(
      {
        method: 'GET',
        path: projectPath(
          projectId,
          `/jobs/${jobId}/artifacts/${segments.map(encodeURIComponent).join('/')}`,
        ),
        ...signalOf(context),
      },
      maxBytes,
      'head',
    );
    if (data.truncated) {
      return {
        ok: false,
        error: GITLAB_ERRORS.tooLarge,
        cause: `Artifact ${path} of job ${jobId} is larger than MaxBytes (${maxBytes} bytes). Raise MaxBytes (at most ${MAX_ARTIFACT_BYTES}) or fetch it from the job.`,
      };
    }
    if (encoding === 'base64') {
      return succeed({
        content: Buffer.from(data.bytes).toString('base64'),
        encoding,
        size: data.totalBytes,
      });
    }
    let content: string;
    try {
      content = new TextDecoder('utf-8', { fatal: true }).decode(data.bytes);
    } catch {
      return {
        ok: false,
        error: GITLAB_ERRORS.invalidParameters,
        cause: `/Encoding: artifact ${path} is not UTF-8 text; use "Encoding": "base64".`,
      };
    }
    return succeed({ content, encoding, size: data.totalBytes });
  },
};

function byteLimit(context: GitLabTaskContext, fallback: number, ceiling: number): number {
  const value = context.params.optionalId('MaxBytes') ?? fallback;
  if (value > ceiling) {
    throw new InvalidParametersError(
      '/MaxBytes',
      `MaxBytes is at most ${ceiling} (the task output must fit in 256 KiB).`,
    );
  }
  return value;
}
