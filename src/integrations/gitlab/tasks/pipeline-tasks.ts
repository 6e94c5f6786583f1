/**
 * Pipeline resources: createPipeline (plain, `.sync`, `.waitForTaskToken`), getPipeline,
 * cancelPipeline and listPipelineJobs.
 *
 * `.waitForTaskToken` hands the task token to the pipeline: as pipeline variables
 * BATON_TASK_TOKEN and BATON_EXECUTION_ARN, or, when the task passes Inputs (projects that
 * refuse pipeline variables), as inputs `baton_task_token` and `baton_execution_arn`, which the
 * pipeline's `spec:inputs` must then declare. A job calls `baton ci task-success --token ...`.
 *
 * Idempotency: a redelivered attempt (same idempotencyKey) finds the pipeline its first run
 * created and carries on with it. A crash after GitLab created the pipeline but before the
 * record was written can still create a second one: GitLab's API has no idempotency key.
 */
import type { JsonObject } from '../../../common/index.js';
import type { TaskOutcome } from '../../task-runner.js';
import { numericField, projectPath } from '../client.js';
import { GITLAB_ERRORS, GitLabApiError } from '../errors.js';
import { pipelineVariables } from './parameters.js';
import type { GitLabTaskContext, TaskHandler } from './task-context.js';
import { TaskOutcomeError, objectBody, signalOf, succeed } from './task-context.js';
import { startWaiting } from './sync-wait.js';

const JOB_STATUSES = [
  'created',
  'pending',
  'running',
  'failed',
  'success',
  'canceled',
  'skipped',
  'waiting_for_resource',
  'manual',
] as const;

const VARIABLES_REFUSED = /insufficient permissions to set pipeline variables/i;

/** The refusal of pipeline variables by project settings, told with its fixes (reference §3.4). */
export function variablesNotAllowed(error: unknown, what: string): TaskOutcome | undefined {
  if (!(error instanceof GitLabApiError)) return undefined;
  if (error.status !== 400 && error.status !== 403) return undefined;
  if (!VARIABLES_REFUSED.test(error.message)) return undefined;
  return {
    ok: false,
    error: GITLAB_ERRORS.variablesNotAllowed,
    cause: `${error.message} The project does not let this token set ${what}. Fix: pass Inputs instead (declared in the pipeline's spec:inputs), or raise the project's "Minimum role to use pipeline variables" (ci_pipeline_variables_minimum_override_role) to the token's role.`,
  };
}

export const createPipeline: TaskHandler = {
  patterns: ['sync', 'token'],
  async run(context) {
    const { params, request } = context;
    const ref = params.string('Ref', 255);
    const variables = params.optionalObject('Variables');
    const inputs = params.optionalObject('Inputs');
    const projectId = await context.projectId();
    params.done();
    const created = await context.waits?.findCreatedPipeline(request.idempotencyKey);
    let pipeline: JsonObject;
    if (created !== undefined && created.projectId === projectId) {
      const { body } = await context.client.request({
        method: 'GET',
        path: projectPath(projectId, `/pipelines/${created.pipelineId}`),
        ...signalOf(context),
      });
      pipeline = objectBody(body);
    } else {
      pipeline = await create(context, projectId, ref, variables, inputs);
    }
    const pipelineId = numericField(pipeline, 'id');
    if (pipelineId === undefined) {
      return {
        ok: false,
        error: GITLAB_ERRORS.serverError,
        cause: 'GitLab created a pipeline but its answer has no id.',
      };
    }
    if (created === undefined && context.waits !== undefined) {
      await context.waits.rememberCreatedPipeline(
        request.idempotencyKey,
        { connection: context.connection, projectId, pipelineId },
        context.now(),
      );
    }
    if (context.pattern !== 'sync') return succeed(pipeline);
    return startWaiting(context, pipeline, { projectId, kind: 'pipeline', objectId: pipelineId });
  },
};

async function create(
  context: GitLabTaskContext,
  projectId: number,
  ref: string,
  variables: JsonObject | undefined,
  inputs: JsonObject | undefined,
): Promise<JsonObject> {
  const list = variables === undefined ? [] : pipelineVariables(variables, 'Variables');
  let pipelineInputs: JsonObject | undefined = inputs;
  const { request } = context;
  if (context.pattern === 'token') {
    const token = request.taskToken ?? '';
    if (inputs !== undefined) {
      pipelineInputs = {
        ...inputs,
        baton_task_token: token,
        baton_execution_arn: request.executionId,
      };
    } else {
      list.push(
        { key: 'BATON_TASK_TOKEN', value: token, variable_type: 'env_var' },
        { key: 'BATON_EXECUTION_ARN', value: request.executionId, variable_type: 'env_var' },
      );
    }
  }
  try {
    const { body } = await context.client.request({
      method: 'POST',
      path: projectPath(projectId, '/pipeline'),
      body: {
        ref,
        ...(list.length === 0 ? {} : { variables: list }),
        ...(pipelineInputs === undefined ? {} : { inputs: pipelineInputs }),
      },
      ...signalOf(context),
    });
    return objectBody(body);
  } catch (error: unknown) {
    const refused = variablesNotAllowed(error, 'pipeline variables');
    if (refused !== undefined) throw new TaskOutcomeError(refused);
    throw error;
  }
}

export const getPipeline: TaskHandler = {
  patterns: [],
  async run(context) {
    const pipelineId = context.params.id('Pipeline');
    const projectId = await context.projectId();
    context.params.done();
    const { body } = await context.client.request({
      method: 'GET',
      path: projectPath(projectId, `/pipelines/${pipelineId}`),
      ...signalOf(context),
    });
    return succeed(objectBody(body));
  },
};

export const cancelPipeline: TaskHandler = {
  patterns: [],
  async run(context) {
    const pipelineId = context.params.id('Pipeline');
    const projectId = await context.projectId();
    context.params.done();
    const path = projectPath(projectId, `/pipelines/${pipelineId}`);
    await context.client.request({
      method: 'POST',
      path: `${path}/cancel`,
      idempotent: true,
      ...signalOf(context),
    });
    // Cancel answers 200 whatever the state (gitlab-org/gitlab#414963): report what it is now.
    const { body } = await context.client.request({ method: 'GET', path, ...signalOf(context) });
    return succeed(objectBody(body));
  },
};

export const listPipelineJobs: TaskHandler = {
  patterns: [],
  async run(context) {
    const { params } = context;
    const pipelineId = params.id('Pipeline');
    const scope = params.optionalList('Scope', JOB_STATUSES);
    const includeRetried = params.boolean('IncludeRetried', false);
    const maxItems = params.optionalId('MaxItems') ?? 1000;
    const projectId = await context.projectId();
    params.done();
    const list = await context.client.list(
      {
        method: 'GET',
        path: projectPath(projectId, `/pipelines/${pipelineId}/jobs`),
        query: { include_retried: includeRetried, ...(scope === undefined ? {} : { scope }) },
        ...signalOf(context),
      },
      maxItems,
    );
    return succeed({ jobs: [...list.items], truncated: list.truncated });
  },
};
