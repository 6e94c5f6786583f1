/**
 * The CI API (/api/v1/ci/*) for `baton ci`: a GitLab CI job, authenticated by its ID token
 * (never by an access key), starts a workflow, follows the executions it started, and
 * completes `.waitForTaskToken` tasks, each time only as far as the CI rules of a connection
 * trusting the token's issuer allow (deny by default). Who started what is recorded beside the
 * execution, so a job can describe only its own project's executions.
 */
import type { JsonObject } from '../../common/index.js';
import type { CiAction, GitLabCiIdentity } from '../../identity/index.js';
import { decideCiAccess } from '../../identity/index.js';
import { executionOfToken, formatTimestamp } from '../../language/index.js';
import type { GitLabConnectionRecord } from '../../store/index.js';
import { storedRules } from './connection-input.js';
import { RestError, notFound } from './errors.js';
import { executionDetail } from './execution-routes.js';
import { Fields, parseJsonBody } from './input.js';
import type { RestCall, RestRoute } from './route.js';
import { ok } from './route.js';
import { EXECUTION_SCHEMA } from './schemas.js';

const MAX_INPUT_BYTES = 256 * 1024;
const TASK_TOKEN_MAX = 4096;

function caller(call: RestCall): GitLabCiIdentity {
  const identity = call.ci?.identity;
  // The plugin sets it on every route of this file; a route wired without it must not run.
  if (identity === undefined)
    throw new RestError('UNAUTHENTICATED', 'A GitLab ID token is required.');
  return identity;
}

/**
 * The connection whose rules allow the request.
 * @throws RestError FORBIDDEN with what would allow it.
 */
async function authorise(
  call: RestCall,
  identity: GitLabCiIdentity,
  action: CiAction,
  workflow: string,
): Promise<GitLabConnectionRecord> {
  const connections = await call.context.store.gitlabConnections.listByIssuer(identity.issuer);
  const reasons: string[] = [];
  for (const connection of connections) {
    const decision = decideCiAccess(storedRules(connection), { identity, action, workflow });
    if (decision.allowed) return connection;
    reasons.push(`connection ${connection.name}: ${decision.reason}`);
  }
  throw new RestError(
    'FORBIDDEN',
    reasons.length === 0
      ? `No connection trusts ${identity.issuer} any more.`
      : reasons.join(' | '),
  );
}

async function readJsonInput(fields: Fields, name: string) {
  const value = fields.raw(name);
  if (value !== undefined && Buffer.byteLength(JSON.stringify(value)) > MAX_INPUT_BYTES) {
    fields.problem(name, `must be at most ${MAX_INPUT_BYTES} bytes as JSON`);
  }
  return Promise.resolve(value);
}

/** The execution a task token belongs to, and its workflow. @throws RestError */
async function taskExecution(call: RestCall, token: string) {
  const executionId = executionOfToken(token);
  if (executionId === undefined) {
    throw new RestError(
      'VALIDATION',
      'body /taskToken: is not a task token; pass it exactly as the task received it ($$.Task.Token).',
    );
  }
  const execution = await call.context.store.executions.get(executionId);
  if (execution === undefined) throw notFound('task waiting for that token');
  return execution;
}

export const CI_ROUTES: readonly RestRoute[] = [
  {
    method: 'POST',
    path: '/ci/executions',
    operationId: 'ciStartExecution',
    summary:
      'Starts a workflow from a GitLab CI job (Authorization: Bearer <ID token>). The default name ci-<pipeline>-<job> makes a retried call return the same execution.',
    auth: 'gitlab-id-token',
    body: {
      required: true,
      schema: {
        type: 'object',
        required: ['workflow'],
        properties: {
          workflow: { type: 'string' },
          input: { description: 'Any JSON value (default {}).' },
          name: { type: 'string' },
        },
      },
    },
    responses: {
      201: { description: 'Started.', schema: EXECUTION_SCHEMA },
      200: { description: 'Already started by this job.', schema: EXECUTION_SCHEMA },
    },
    handle: async (call) => {
      const identity = caller(call);
      const fields = new Fields(parseJsonBody(call.body), 'body', ['workflow', 'input', 'name']);
      const workflow = fields.string('workflow', { required: true, min: 1, max: 80 });
      const name = fields.string('name', { min: 1, max: 80 });
      const input = (await readJsonInput(fields, 'input')) ?? {};
      fields.check();
      const connection = await authorise(call, identity, 'start', workflow);
      const executionName = name ?? `ci-${identity.pipelineId}-${identity.jobId}`;
      const arn = call.context.arns.execution(workflow, executionName);
      const owner = await call.context.store.gitlabConnections.getCiExecution(arn);
      if (owner !== undefined && owner.projectId !== identity.projectId) {
        throw new RestError(
          'CONFLICT',
          `An execution named ${executionName} of workflow ${workflow} was started by another project; choose another name.`,
        );
      }
      // The same job asking again (a retried call) gets its execution, even once it finished;
      // the engine alone would refuse a finished execution's name.
      if (owner?.jobId === identity.jobId && owner.pipelineId === identity.pipelineId) {
        const previous = await call.context.store.executions.get(arn);
        if (previous !== undefined) return ok(executionDetail(previous), 200);
      }
      if (owner === undefined) {
        // Claim the name before starting, so a crash between the two leaves the execution to
        // this job's retried call; and never adopt an execution someone else started (an
        // admin, a trigger) under this name: a CI job could otherwise read it.
        if ((await call.context.store.executions.get(arn)) !== undefined) {
          throw new RestError(
            'CONFLICT',
            `An execution named ${executionName} of workflow ${workflow} exists and was not started through the CI API; choose another name.`,
          );
        }
        const claimed = await call.context.store.gitlabConnections.claimCiExecution({
          executionArn: arn,
          connection: connection.name,
          projectId: identity.projectId,
          projectPath: identity.projectPath,
          ref: identity.ref,
          pipelineId: identity.pipelineId,
          jobId: identity.jobId,
          userLogin: identity.userLogin ?? null,
          createdAt: formatTimestamp(call.context.clock.nowMs()),
        });
        // Another job (of another project) claimed the name in the same instant.
        if (claimed.projectId !== identity.projectId || claimed.jobId !== identity.jobId) {
          throw new RestError(
            'CONFLICT',
            `An execution named ${executionName} of workflow ${workflow} was started by another job; choose another name.`,
          );
        }
      }
      const { execution, created } = await call.context.engine.start({
        workflow,
        name: executionName,
        input,
      });
      return ok(executionDetail(execution), created ? 201 : 200);
    },
  },
  {
    method: 'GET',
    path: '/ci/executions/:executionArn',
    operationId: 'ciGetExecution',
    summary: "An execution this job's project started through the CI API.",
    auth: 'gitlab-id-token',
    params: {
      executionArn: {
        description: 'The execution ARN.',
        schema: { type: 'string' },
        required: true,
      },
    },
    responses: { 200: { description: 'The execution.', schema: EXECUTION_SCHEMA } },
    handle: async (call) => {
      const identity = caller(call);
      const arn = call.params['executionArn'] ?? '';
      const owner = await call.context.store.gitlabConnections.getCiExecution(arn);
      const trusted =
        owner === undefined
          ? undefined
          : await call.context.store.gitlabConnections.get(owner.connection);
      // Someone else's execution looks exactly like one that does not exist.
      if (
        owner === undefined ||
        owner.projectId !== identity.projectId ||
        trusted?.idTokenIssuer !== identity.issuer
      ) {
        throw notFound('execution with that ARN started by this project');
      }
      const execution = await call.context.store.executions.get(arn);
      if (execution === undefined)
        throw notFound('execution with that ARN started by this project');
      return ok(executionDetail(execution));
    },
  },
  {
    method: 'POST',
    path: '/ci/task-success',
    operationId: 'ciSendTaskSuccess',
    summary:
      'Completes a .waitForTaskToken task from a CI job, if a CI rule allows "task" for its workflow.',
    auth: 'gitlab-id-token',
    body: {
      required: true,
      schema: {
        type: 'object',
        required: ['taskToken'],
        properties: { taskToken: { type: 'string' }, output: { description: 'Any JSON value.' } },
      },
    },
    responses: { 200: { description: 'Delivered.', schema: { type: 'object' } } },
    handle: async (call) => {
      const identity = caller(call);
      const fields = new Fields(parseJsonBody(call.body), 'body', ['taskToken', 'output']);
      const token = fields.string('taskToken', { required: true, min: 1, max: TASK_TOKEN_MAX });
      const output = (await readJsonInput(fields, 'output')) ?? {};
      fields.check();
      const execution = await taskExecution(call, token);
      await authorise(call, identity, 'task', execution.workflow);
      await call.context.engine.sendTaskSuccess(token, output);
      return ok({ executionArn: execution.id } satisfies JsonObject);
    },
  },
  {
    method: 'POST',
    path: '/ci/task-failure',
    operationId: 'ciSendTaskFailure',
    summary:
      'Fails a .waitForTaskToken task from a CI job, if a CI rule allows "task" for its workflow.',
    auth: 'gitlab-id-token',
    body: {
      required: true,
      schema: {
        type: 'object',
        required: ['taskToken'],
        properties: {
          taskToken: { type: 'string' },
          error: { type: 'string', maxLength: 256 },
          cause: { type: 'string', maxLength: 32768 },
        },
      },
    },
    responses: { 200: { description: 'Delivered.', schema: { type: 'object' } } },
    handle: async (call) => {
      const identity = caller(call);
      const fields = new Fields(parseJsonBody(call.body), 'body', ['taskToken', 'error', 'cause']);
      const token = fields.string('taskToken', { required: true, min: 1, max: TASK_TOKEN_MAX });
      const error = fields.string('error', { max: 256 });
      const cause = fields.string('cause', { max: 32768 });
      fields.check();
      const execution = await taskExecution(call, token);
      await authorise(call, identity, 'task', execution.workflow);
      await call.context.engine.sendTaskFailure(token, error ?? '', cause ?? '');
      return ok({ executionArn: execution.id });
    },
  },
];
