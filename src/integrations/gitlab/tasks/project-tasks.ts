/**
 * Resources that report into GitLab: setCommitStatus (re-posting the same state answers
 * "Cannot transition status", which is success; 409 races are retried), merge-request notes,
 * deployments and stopping environments (reference/gitlab.md §3.2).
 */
import { getOwn, isJsonObject } from '../../../common/index.js';
import { numericField, projectPath } from '../client.js';
import { GITLAB_ERRORS, GitLabApiError } from '../errors.js';
import { InvalidParametersError } from './parameters.js';
import type { TaskHandler } from './task-context.js';
import { TaskOutcomeError, objectBody, signalOf, succeed } from './task-context.js';

const COMMIT_STATES = ['pending', 'running', 'success', 'failed', 'canceled', 'skipped'] as const;
const DEPLOYMENT_STATES = ['running', 'success', 'failed', 'canceled'] as const;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const NOT_A_TRANSITION = /Cannot transition status via :\w+ from :\w+/;
const CONFLICT_ATTEMPTS = 3;
const CONFLICT_BACKOFF_MS = 500;

export const setCommitStatus: TaskHandler = {
  patterns: [],
  async run(context) {
    const { params } = context;
    const sha = params.string('Sha', 64);
    if (!SHA.test(sha)) {
      throw new InvalidParametersError(
        '/Sha',
        'Sha must be a full commit SHA (40 hex digits, lowercase).',
      );
    }
    const state = params.oneOf('State', COMMIT_STATES);
    const name = params.optionalString('Name', 255) ?? 'default';
    const targetUrl = params.optionalString('TargetUrl', 255);
    if (targetUrl !== undefined && !/^https?:\/\//.test(targetUrl)) {
      throw new InvalidParametersError('/TargetUrl', 'TargetUrl must be an http(s) URL.');
    }
    const description = params.optionalString('Description', 255);
    const ref = params.optionalString('Ref', 255);
    const pipelineId = params.optionalId('PipelineId');
    const projectId = await context.projectId();
    params.done();
    const body = {
      state,
      name,
      ...(targetUrl === undefined ? {} : { target_url: targetUrl }),
      ...(description === undefined ? {} : { description }),
      ...(ref === undefined ? {} : { ref }),
      ...(pipelineId === undefined ? {} : { pipeline_id: pipelineId }),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await context.client.request({
          method: 'POST',
          path: projectPath(projectId, `/statuses/${sha}`),
          body,
          // Posting a state twice is harmless (GitLab refuses the repeat): a 429 may be retried.
          idempotent: true,
          ...signalOf(context),
        });
        return succeed({ ...objectBody(response.body), unchanged: false });
      } catch (error: unknown) {
        if (!(error instanceof GitLabApiError)) throw error;
        if (error.status === 400 && NOT_A_TRANSITION.test(error.message)) {
          // The commit already has this state (reference §3.2, gotcha 8): that is success.
          return succeed({ sha, name, status: state, unchanged: true });
        }
        if (error.status === 409 && attempt < CONFLICT_ATTEMPTS) {
          await context.sleep(CONFLICT_BACKOFF_MS * attempt, context.request.signal);
          continue;
        }
        throw error;
      }
    }
  },
};

export const createMergeRequestNote: TaskHandler = {
  patterns: [],
  async run(context) {
    const { params } = context;
    const iid = params.id('MergeRequest');
    const body = params.string('Body', 1_000_000);
    const internal = params.boolean('Internal', false);
    const projectId = await context.projectId();
    params.done();
    const response = await context.client.request({
      method: 'POST',
      path: projectPath(projectId, `/merge_requests/${iid}/notes`),
      body: { body, ...(internal ? { internal } : {}) },
      ...signalOf(context),
    });
    return succeed(objectBody(response.body));
  },
};

export const updateMergeRequestNote: TaskHandler = {
  patterns: [],
  async run(context) {
    const { params } = context;
    const iid = params.id('MergeRequest');
    const noteId = params.id('Note');
    const body = params.string('Body', 1_000_000);
    const projectId = await context.projectId();
    params.done();
    const response = await context.client.request({
      method: 'PUT',
      path: projectPath(projectId, `/merge_requests/${iid}/notes/${noteId}`),
      body: { body },
      ...signalOf(context),
    });
    return succeed(objectBody(response.body));
  },
};

export const createDeployment: TaskHandler = {
  patterns: [],
  async run(context) {
    const { params } = context;
    const environment = params.string('Environment', 255);
    const sha = params.string('Sha', 64);
    if (!SHA.test(sha)) {
      throw new InvalidParametersError(
        '/Sha',
        'Sha must be a full commit SHA (40 hex digits, lowercase).',
      );
    }
    const ref = params.string('Ref', 255);
    const tag = params.boolean('Tag', false);
    const status = params.oneOf('Status', DEPLOYMENT_STATES, 'running');
    const projectId = await context.projectId();
    params.done();
    const response = await context.client.request({
      method: 'POST',
      path: projectPath(projectId, '/deployments'),
      body: { environment, sha, ref, tag, status },
      ...signalOf(context),
    });
    return succeed(objectBody(response.body));
  },
};

export const updateDeployment: TaskHandler = {
  patterns: [],
  async run(context) {
    const { params } = context;
    const deploymentId = params.id('Deployment');
    const status = params.oneOf('Status', DEPLOYMENT_STATES);
    const projectId = await context.projectId();
    params.done();
    const response = await context.client.request({
      method: 'PUT',
      path: projectPath(projectId, `/deployments/${deploymentId}`),
      body: { status },
      ...signalOf(context),
    });
    return succeed(objectBody(response.body));
  },
};

export const stopEnvironment: TaskHandler = {
  patterns: [],
  async run(context) {
    const { params } = context;
    const given = params.raw('Environment');
    const force = params.boolean('Force', false);
    const projectId = await context.projectId();
    params.done();
    let environmentId: number;
    if (typeof given === 'number' || (typeof given === 'string' && /^\d+$/.test(given))) {
      environmentId = Number(given);
    } else if (typeof given === 'string' && given !== '') {
      const list = await context.client.list(
        {
          method: 'GET',
          path: projectPath(projectId, '/environments'),
          query: { name: given },
          ...signalOf(context),
        },
        10,
      );
      const found = list.items.find((e) => isJsonObject(e) && getOwn(e, 'name') === given);
      const id = numericField(found, 'id');
      if (id === undefined) {
        throw new TaskOutcomeError({
          ok: false,
          error: GITLAB_ERRORS.notFound,
          cause: `Project ${projectId} has no environment named ${JSON.stringify(given)}.`,
        });
      }
      environmentId = id;
    } else {
      throw new InvalidParametersError(
        '/Environment',
        'Environment is required: the environment name, or its numeric id.',
      );
    }
    const response = await context.client.request({
      method: 'POST',
      path: projectPath(projectId, `/environments/${environmentId}/stop`),
      body: force ? { force } : {},
      idempotent: true,
      ...signalOf(context),
    });
    return succeed(objectBody(response.body));
  },
};
