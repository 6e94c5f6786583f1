import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../../src/common/index.js';
import type { GitLabConnection } from '../../../src/integrations/gitlab/connection.js';
import type { GitLabTaskRunner } from '../../../src/integrations/gitlab/tasks/gitlab-task-runner.js';
import { createGitLabTaskRunner } from '../../../src/integrations/gitlab/tasks/gitlab-task-runner.js';
import { pollDelaySeconds } from '../../../src/integrations/gitlab/tasks/sync-wait.js';
import { routeTasks } from '../../../src/integrations/index.js';
import type { TaskOutcome, TaskRequest } from '../../../src/integrations/task-runner.js';
import type { Store } from '../../../src/store/index.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';
import type { FakeGitLab, FakeProject } from '../../support/fake-gitlab.js';
import { startFakeGitLab } from '../../support/fake-gitlab.js';

const EXEC = 'arn:aws:states:local:000000000000:execution:deploy:run-1';
const SHA = 'b'.repeat(40);

let fake: FakeGitLab;
let project: FakeProject;
let store: Store;
let gitlab: GitLabTaskRunner;
let connections: Record<string, GitLabConnection>;
let sleeps: number[];

beforeEach(async () => {
  fake = await startFakeGitLab();
  project = fake.addProject('acme/web/app');
  store = openSqliteStore({ path: ':memory:', now: () => '2026-05-01T10:00:00.000Z' });
  await store.migrate();
  connections = { default: { name: 'default', baseUrl: fake.url, token: fake.token } };
  sleeps = [];
  gitlab = createGitLabTaskRunner({
    connections: (name) => Promise.resolve(connections[name]),
    waits: store.gitlabWaits,
    clock: { nowMs: () => Date.parse('2026-05-01T10:00:00Z') },
    clientOptions: {
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      timeoutMs: 2000,
    },
  });
});
afterEach(async () => {
  await fake.close();
  await store.close();
});

function request(
  resource: string,
  input: JsonValue,
  extra: Partial<TaskRequest> = {},
): TaskRequest {
  return {
    executionId: EXEC,
    stateName: 'Step',
    resource: `baton:gitlab:${resource}`,
    input,
    idempotencyKey: `${EXEC}#t-1`,
    signal: new AbortController().signal,
    heartbeat: () => Promise.resolve(),
    ...extra,
  };
}

const run = (resource: string, input: JsonValue, extra: Partial<TaskRequest> = {}) =>
  gitlab.runner.run(request(resource, input, extra));

function output(outcome: TaskOutcome): JsonObject {
  if (outcome.ok !== true) return expect.fail(`expected success, got ${JSON.stringify(outcome)}`);
  const value = outcome.output;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return expect.fail('expected an object output');
  }
  return value as JsonObject;
}

function failure(outcome: TaskOutcome): { error: string; cause: string } {
  if (outcome.ok !== false) return expect.fail(`expected failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

function runningJob(outcome: TaskOutcome): JsonValue {
  if (outcome.ok !== 'running')
    return expect.fail(`expected running, got ${JSON.stringify(outcome)}`);
  return outcome.job;
}

const poll = (job: JsonValue, polls = 0, resource = 'createPipeline.sync') =>
  gitlab.runner.poll?.({
    executionId: EXEC,
    stateName: 'Step',
    resource: `baton:gitlab:${resource}`,
    job,
    polls,
    idempotencyKey: `${EXEC}#t-1`,
    signal: new AbortController().signal,
  }) ?? expect.fail('no poll');

const base = (): JsonObject => ({ Project: 'acme/web/app' });

describe('createPipeline', () => {
  it('creates a pipeline on Ref with Variables as GitLab variables', async () => {
    const out = output(
      await run('createPipeline', {
        ...base(),
        Ref: 'main',
        Variables: {
          DEPLOY_ENV: 'dev',
          REPLICAS: 3,
          DRY: false,
          KUBECONFIG: { Value: 'x', Type: 'file' },
        },
      }),
    );
    const created = fake.pipelines.get(Number(out['id']));
    expect(created?.ref).toBe('main');
    expect(created?.variables).toEqual([
      { key: 'DEPLOY_ENV', value: 'dev', variable_type: 'env_var' },
      { key: 'REPLICAS', value: '3', variable_type: 'env_var' },
      { key: 'DRY', value: 'false', variable_type: 'env_var' },
      { key: 'KUBECONFIG', value: 'x', variable_type: 'file' },
    ]);
    expect(out['status']).toBe('created');
  });

  it('passes Inputs through', async () => {
    const out = output(
      await run('createPipeline', { ...base(), Ref: 'main', Inputs: { env: 'dev', n: 2 } }),
    );
    expect(fake.pipelines.get(Number(out['id']))?.inputs).toEqual({ env: 'dev', n: 2 });
  });

  it('uses the numeric project id as given', async () => {
    output(await run('createPipeline', { Project: project.id, Ref: 'main' }));
    expect(fake.requests.map((r) => r.path)).toEqual([`/projects/${project.id}/pipeline`]);
  });

  it('does not create a second pipeline when the same attempt runs again', async () => {
    const first = output(await run('createPipeline', { ...base(), Ref: 'main' }));
    const again = output(await run('createPipeline', { ...base(), Ref: 'main' }));
    expect(again['id']).toBe(first['id']);
    expect(fake.pipelines.size).toBe(1);
    const other = output(
      await run('createPipeline', { ...base(), Ref: 'main' }, { idempotencyKey: `${EXEC}#t-2` }),
    );
    expect(other['id']).not.toBe(first['id']);
  });

  it('explains VariablesNotAllowed with the fix when the project refuses pipeline variables', async () => {
    project.variablesRole = 'no_one_allowed';
    const failed = failure(
      await run('createPipeline', { ...base(), Ref: 'main', Variables: { A: '1' } }),
    );
    expect(failed.error).toBe('GitLab.VariablesNotAllowed');
    expect(failed.cause).toContain('Insufficient permissions to set pipeline variables');
    expect(failed.cause).toContain('pass Inputs instead');
    expect(failed.cause).toContain('ci_pipeline_variables_minimum_override_role');
    expect(fake.pipelines.size).toBe(0);
    // Inputs still work on such a project.
    output(await run('createPipeline', { ...base(), Ref: 'main', Inputs: { a: '1' } }));
  });

  it.each([
    [{ Ref: 'main' }, '/Project: Project is required'],
    [{ Project: 'acme/web/app' }, '/Ref: Ref is required'],
    [{ Project: 'acme/web/app', Ref: '' }, '/Ref: Ref must be a non-empty string'],
    [
      { Project: 'acme/web/app', Ref: 'main', Variables: ['A'] },
      '/Variables: Variables must be an object',
    ],
    [
      { Project: 'acme/web/app', Ref: 'main', Variables: { 'BAD-KEY': 'x' } },
      '/Variables/BAD-KEY:',
    ],
    [{ Project: 'acme/web/app', Ref: 'main', Variables: { FOO: { a: 1 } } }, '/Variables/FOO/a:'],
    [{ Project: 'acme/web/app', Ref: 'main', Variables: { FOO: [1] } }, '/Variables/FOO:'],
    [{ Project: 'acme/web/app', Ref: 'main', Variables: { FOO: null } }, '/Variables/FOO:'],
    [
      { Project: 'acme/web/app', Ref: 'main', Variables: { FOO: { Value: 'x', Type: 'bad' } } },
      '/Variables/FOO/Type:',
    ],
    [
      { Project: 'acme/web/app', Ref: 'main', Refs: 'x' },
      '/Refs: createPipeline has no parameter Refs',
    ],
    [{ Project: true, Ref: 'main' }, '/Project: Project must be a full path'],
    [{ Project: 'acme/web/app', Ref: 'main', Connection: 7 }, '/Connection:'],
  ])('refuses bad parameters %j', async (input, cause) => {
    const failed = failure(await run('createPipeline', input));
    expect(failed.error).toBe('GitLab.InvalidParameters');
    expect(failed.cause).toContain(cause);
    expect(fake.pipelines.size).toBe(0);
  });

  it('refuses Parameters that are not an object', async () => {
    expect(failure(await run('createPipeline', 'main')).cause).toMatch(
      /needs Parameters .* object/,
    );
  });

  it.each([
    [
      'https://gitlab.example.com/acme/web/app/-/tree/main',
      'GitLab.InvalidProjectPath',
      /on gitlab\.example\.com, but this connection is configured for http:\/\/127/,
    ],
    ['acme/web/app.git', 'GitLab.InvalidProjectPath', /clone URL/],
    [
      'acme/web/app/-/tree/main',
      'GitLab.InvalidProjectPath',
      /part before \/-\/ \(here "acme\/web\/app"\)/,
    ],
    ['acme/missing', 'GitLab.NotFound', /No project at acme\/missing/],
  ])('fails on project %s with %s', async (given, name, cause) => {
    const failed = failure(await run('createPipeline', { Project: given, Ref: 'main' }));
    expect(failed.error).toBe(name);
    expect(failed.cause).toMatch(cause);
  });

  it('names an unknown connection and how to create it', async () => {
    const failed = failure(
      await run('createPipeline', { ...base(), Ref: 'main', Connection: 'prod' }),
    );
    expect(failed.error).toBe('GitLab.UnknownConnection');
    expect(failed.cause).toMatch(
      /no GitLab connection named "prod".*baton connections create prod/,
    );
  });

  it('fails GitLab.BadRequest quoting GitLab for a ref that does not exist', async () => {
    const failed = failure(await run('createPipeline', { ...base(), Ref: 'missing-branch' }));
    expect(failed.error).toBe('GitLab.BadRequest');
    expect(failed.cause).toContain('Reference not found');
  });

  it('never shows the token, even when the connection token is wrong', async () => {
    connections['default'] = { name: 'default', baseUrl: fake.url, token: 'glpat-wrong-token-xyz' };
    const failed = failure(await run('createPipeline', { ...base(), Ref: 'main' }));
    expect(failed.error).toBe('GitLab.Unauthorized');
    expect(JSON.stringify(failed)).not.toContain('glpat-wrong-token-xyz');
    fake.failNext('GET', /projects/, { status: 500, body: { message: `leak ${fake.token}` } }, 10);
    connections['default'] = { name: 'default', baseUrl: fake.url, token: fake.token };
    const leaked = failure(await run('createPipeline', { ...base(), Ref: 'main' }));
    expect(leaked.error).toBe('GitLab.ServerError');
    expect(JSON.stringify(leaked)).not.toContain(fake.token);
  });

  it('is cancelled by the task signal', async () => {
    fake.failNext('POST', /pipeline$/, 'hang');
    const controller = new AbortController();
    const pending = run(
      'createPipeline',
      { Project: project.id, Ref: 'main' },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('stopped')), 50);
    expect(failure(await pending).error).toBe('GitLab.Aborted');
  });

  it('fails GitLab.Timeout when GitLab hangs', async () => {
    fake.failNext('POST', /pipeline$/, 'hang');
    gitlab = createGitLabTaskRunner({
      connections: (name) => Promise.resolve(connections[name]),
      clientOptions: { timeoutMs: 100 },
    });
    expect(failure(await run('createPipeline', { Project: project.id, Ref: 'main' })).error).toBe(
      'GitLab.Timeout',
    );
  });

  it('fails GitLab.RateLimited without retrying the POST, naming the wait', async () => {
    fake.failNext('POST', /pipeline$/, { status: 429, headers: { 'retry-after': '30' } });
    const failed = failure(await run('createPipeline', { Project: project.id, Ref: 'main' }));
    expect(failed.error).toBe('GitLab.RateLimited');
    expect(failed.cause).toMatch(/retry after 30 s/);
    expect(fake.pipelines.size).toBe(0);
  });
});

describe('createPipeline.waitForTaskToken', () => {
  it('passes the task token and execution as pipeline variables', async () => {
    const out = output(
      await run(
        'createPipeline.waitForTaskToken',
        { ...base(), Ref: 'main' },
        { taskToken: 'tok-123' },
      ),
    );
    expect(fake.pipelines.get(Number(out['id']))?.variables).toEqual([
      { key: 'BATON_TASK_TOKEN', value: 'tok-123', variable_type: 'env_var' },
      { key: 'BATON_EXECUTION_ARN', value: EXEC, variable_type: 'env_var' },
    ]);
    expect(JSON.stringify(out)).not.toContain('tok-123');
  });

  it('passes them as inputs when the task uses Inputs', async () => {
    const out = output(
      await run(
        'createPipeline.waitForTaskToken',
        { ...base(), Ref: 'main', Inputs: { env: 'dev' } },
        { taskToken: 'tok-9' },
      ),
    );
    const pipeline = fake.pipelines.get(Number(out['id']));
    expect(pipeline?.inputs).toEqual({
      env: 'dev',
      baton_task_token: 'tok-9',
      baton_execution_arn: EXEC,
    });
    expect(pipeline?.variables).toEqual([]);
  });
});

describe('createPipeline.sync', () => {
  async function start(): Promise<{ job: JsonValue; id: number }> {
    const outcome = await run('createPipeline.sync', { ...base(), Ref: 'main' });
    if (outcome.ok !== 'running') return expect.fail(JSON.stringify(outcome));
    expect(outcome.pollAfterSeconds).toBe(5);
    return { job: outcome.job, id: Number((outcome.submitted as JsonObject)['id']) };
  }

  it('waits, records the wait for webhooks, and succeeds with the pipeline and its jobs', async () => {
    const { job, id } = await start();
    expect(
      await store.gitlabWaits.find({
        connection: 'default',
        projectId: project.id,
        kind: 'pipeline',
        objectId: id,
      }),
    ).toEqual([{ executionId: EXEC, taskId: 't-1' }]);
    fake.setPipelineStatus(id, 'running');
    const still = await poll(job, 0);
    expect(still).toMatchObject({ ok: 'running', pollAfterSeconds: 5 });
    fake.setPipelineStatus(id, 'success');
    const out = output(await poll(runningJob(still), 1));
    expect(out['status']).toBe('success');
    expect(out['blocked_on_manual']).toBe(false);
    expect((out['jobs'] as JsonValue[]).map((j) => (j as JsonObject)['name']).sort()).toEqual([
      'build',
      'deploy',
      'test',
    ]);
    expect(
      await store.gitlabWaits.find({
        connection: 'default',
        projectId: project.id,
        kind: 'pipeline',
        objectId: id,
      }),
    ).toEqual([]);
  });

  it('cancels the pipeline when the execution abandons it, and forgets the wait', async () => {
    const { job, id } = await start();
    fake.setPipelineStatus(id, 'running');
    const cancel = (signal = new AbortController().signal) =>
      gitlab.runner.cancel?.({
        executionId: EXEC,
        stateName: 'Step',
        resource: 'baton:gitlab:createPipeline.sync',
        job,
        idempotencyKey: `${EXEC}#t-1`,
        reason: 'the execution was stopped',
        signal,
      }) ?? expect.fail('no cancel');
    await cancel();
    expect(fake.pipelines.get(id)?.status).toBe('canceled');
    const target = {
      connection: 'default',
      projectId: project.id,
      kind: 'pipeline' as const,
      objectId: id,
    };
    expect(await store.gitlabWaits.find(target)).toEqual([]);
    await cancel(); // again, on a canceled pipeline: GitLab answers 200, nothing to do
    fake.failNext('POST', /\/cancel$/, { status: 503, body: { message: 'down' } }, 5);
    await expect(cancel()).rejects.toThrow(/503|ServerError|down/);
    expect(fake.requests.map((r) => JSON.stringify(r)).join('\n')).not.toContain(fake.token);
  });

  it('backs off 5 s doubling to 60 s', () => {
    expect([0, 1, 2, 3, 4, 10].map(pollDelaySeconds)).toEqual([5, 10, 20, 40, 60, 60]);
  });

  it('fails GitLab.PipelineFailed listing the failed jobs', async () => {
    const { job, id } = await start();
    fake.setPipelineStatus(id, 'failed', { failedJobs: ['test'] });
    const failed = failure(await poll(job, 3));
    expect(failed.error).toBe('GitLab.PipelineFailed');
    const cause = JSON.parse(failed.cause) as JsonObject;
    expect(cause['failed_jobs']).toEqual([
      expect.objectContaining({
        name: 'test',
        stage: 'test',
        failure_reason: 'script_failure',
        web_url: expect.stringMatching(/\/-\/jobs\/\d+$/),
      }),
    ]);
    expect(cause['pipeline']).toMatchObject({ id, status: 'failed' });
  });

  it('fails GitLab.PipelineCanceled when canceled', async () => {
    const { job, id } = await start();
    fake.setPipelineStatus(id, 'canceled');
    expect(failure(await poll(job)).error).toBe('GitLab.PipelineCanceled');
  });

  it('treats skipped as PipelineFailed: nothing ran', async () => {
    const { job, id } = await start();
    fake.setPipelineStatus(id, 'skipped');
    const failed = failure(await poll(job));
    expect(failed.error).toBe('GitLab.PipelineFailed');
    expect(failed.cause).toContain('no job ran');
  });

  it('keeps waiting while blocked on a manual job, and says so at the end', async () => {
    const { job, id } = await start();
    fake.setPipelineStatus(id, 'manual');
    const blocked = await poll(job, 2);
    expect(blocked).toMatchObject({
      ok: 'running',
      pollAfterSeconds: 20,
      job: { blockedOnManual: true },
    });
    fake.setPipelineStatus(id, 'success');
    expect(output(await poll(runningJob(blocked), 3))['blocked_on_manual']).toBe(true);
  });

  it("fails the poll GitLab.ServerError (for the user's Retry) when 5xx outlasts the GET retries", async () => {
    const { job } = await start();
    fake.failNext('GET', /pipelines\/\d+$/, { status: 502 }, 10);
    const failed = failure(await poll(job));
    expect(failed.error).toBe('GitLab.ServerError');
    expect(sleeps).toHaveLength(3);
  });

  it('a redelivered .sync attempt waits on the pipeline it already created', async () => {
    const first = await start();
    const again = await run('createPipeline.sync', { ...base(), Ref: 'main' });
    expect(runningJob(again)).toEqual(first.job);
    expect(fake.pipelines.size).toBe(1);
  });

  it('refuses a stored job it cannot read', async () => {
    expect(failure(await poll({ nope: 1 })).error).toBe('GitLab.InvalidParameters');
  });

  it('is served through routeTasks for the suffixed resource', async () => {
    const router = routeTasks(gitlab.routes);
    const outcome = await router.run(request('createPipeline.sync', { ...base(), Ref: 'main' }));
    expect(outcome.ok).toBe('running');
  });
});

describe('pipelines and jobs', () => {
  async function pipeline(): Promise<number> {
    return Number(output(await run('createPipeline', { ...base(), Ref: 'main' }))['id']);
  }
  const jobNamed = (pipelineId: number, name: string) =>
    [...fake.jobs.values()].find(
      (j) => j.pipelineId === pipelineId && j.name === name && !j.retried,
    ) ?? expect.fail(name);

  it('getPipeline reads one pipeline; a string-typed boolean stays as GitLab sent it', async () => {
    const id = await pipeline();
    const out = output(await run('getPipeline', { ...base(), Pipeline: String(id) }));
    expect(out).toMatchObject({ id, status: 'created', tag: 'false' });
    expect(failure(await run('getPipeline', { ...base(), Pipeline: 999999 })).error).toBe(
      'GitLab.NotFound',
    );
    expect(failure(await run('getPipeline', { ...base(), Pipeline: -1 })).cause).toMatch(
      /^\/Pipeline:/,
    );
    expect(failure(await run('getPipeline', { ...base(), Pipeline: '12a' })).cause).toMatch(
      /^\/Pipeline:/,
    );
  });

  it('cancelPipeline re-reads the status (cancel answers 200 always)', async () => {
    const id = await pipeline();
    expect(output(await run('cancelPipeline', { ...base(), Pipeline: id }))['status']).toBe(
      'canceled',
    );
    fake.setPipelineStatus(id, 'success');
    // Already finished: GitLab still says 200; the output shows it did not cancel.
    expect(output(await run('cancelPipeline', { ...base(), Pipeline: id }))['status']).toBe(
      'success',
    );
  });

  it('listPipelineJobs filters by Scope and pages through everything', async () => {
    project.jobTemplate = Array.from({ length: 130 }, (_, i) => ({
      name: `j${i}`,
      stage: 's',
      ...(i < 5 ? { when: 'manual' as const } : {}),
    }));
    const id = await pipeline();
    const all = output(await run('listPipelineJobs', { ...base(), Pipeline: id }));
    expect((all['jobs'] as JsonValue[]).length).toBe(130);
    expect(all['truncated']).toBe(false);
    const manual = output(
      await run('listPipelineJobs', { ...base(), Pipeline: id, Scope: ['manual'] }),
    );
    expect((manual['jobs'] as JsonValue[]).length).toBe(5);
    const capped = output(await run('listPipelineJobs', { ...base(), Pipeline: id, MaxItems: 10 }));
    expect(capped['truncated']).toBe(true);
    expect(
      failure(await run('listPipelineJobs', { ...base(), Pipeline: id, Scope: ['done'] })).cause,
    ).toMatch(/^\/Scope\/0:/);
    expect(
      failure(await run('listPipelineJobs', { ...base(), Pipeline: id, IncludeRetried: 'yes' }))
        .cause,
    ).toMatch(/^\/IncludeRetried:/);
  });

  it('playJob plays the manual job by Name within a Pipeline, and .sync waits for it', async () => {
    const id = await pipeline();
    const deploy = jobNamed(id, 'deploy');
    const outcome = await run('playJob.sync', { ...base(), Pipeline: id, Name: 'deploy' });
    const job = runningJob(outcome);
    expect(job).toMatchObject({ kind: 'job', objectId: deploy.id });
    expect(deploy.status).toBe('pending');
    fake.setJobStatus(deploy.id, 'failed', 'script_failure');
    const failed = failure(await poll(job, 0, 'playJob.sync'));
    expect(failed.error).toBe('GitLab.JobFailed');
    expect(JSON.parse(failed.cause)).toMatchObject({
      job: { name: 'deploy', failure_reason: 'script_failure' },
    });
  });

  it('playJob.sync succeeds and fails JobCanceled', async () => {
    const id = await pipeline();
    const deploy = jobNamed(id, 'deploy');
    const job = runningJob(await run('playJob.sync', { ...base(), Job: deploy.id }));
    fake.setJobStatus(deploy.id, 'success');
    expect(output(await poll(job, 0, 'playJob.sync'))['status']).toBe('success');
    fake.setJobStatus(deploy.id, 'canceled');
    expect(failure(await poll(job, 0, 'playJob.sync')).error).toBe('GitLab.JobCanceled');
  });

  it('playJob names the manual jobs when the name matches none, and refuses ambiguous input', async () => {
    const id = await pipeline();
    const missing = failure(await run('playJob', { ...base(), Pipeline: id, Name: 'deploy-prod' }));
    expect(missing.error).toBe('GitLab.NotFound');
    expect(missing.cause).toContain('Its manual jobs: deploy.');
    expect(failure(await run('playJob', { ...base(), Name: 'deploy' })).cause).toMatch(
      /^\/Pipeline: playJob needs Job/,
    );
    expect(failure(await run('playJob', { ...base(), Job: 5, Name: 'deploy' })).cause).toMatch(
      /^\/Name:/,
    );
    expect(failure(await run('playJob', { ...base() })).cause).toMatch(/^\/Job:/);
    expect(
      failure(await run('playJob', { ...base(), Job: jobNamed(id, 'build').id })).cause,
    ).toContain('Unplayable Job');
  });

  it('playJob JobVariables refused by project settings -> VariablesNotAllowed', async () => {
    const id = await pipeline();
    project.variablesRole = 'no_one_allowed';
    const failed = failure(
      await run('playJob', { ...base(), Job: jobNamed(id, 'deploy').id, JobVariables: { A: 'b' } }),
    );
    expect(failed.error).toBe('GitLab.VariablesNotAllowed');
    expect(
      failure(await run('playJob', { ...base(), Job: 1, JobVariables: { A: {} } })).cause,
    ).toMatch(/^\/JobVariables\/A:/);
  });

  it('retryJob returns the new job id', async () => {
    const id = await pipeline();
    const build = jobNamed(id, 'build');
    fake.setJobStatus(build.id, 'failed');
    const out = output(await run('retryJob', { ...base(), Job: build.id }));
    expect(out['id']).not.toBe(build.id);
    expect(out['retried_job_id']).toBe(build.id);
    expect(fake.jobs.get(Number(out['id']))?.status).toBe('pending');
  });

  it('getJobTrace keeps the tail and says it truncated', async () => {
    const id = await pipeline();
    const build = jobNamed(id, 'build');
    build.trace = `${'x'.repeat(5000)}\nERROR: the real failure\n`;
    const out = output(await run('getJobTrace', { ...base(), Job: build.id, MaxBytes: 100 }));
    expect(out['trace']).toMatch(/ERROR: the real failure\n$/);
    expect((out['trace'] as string).length).toBe(100);
    expect(out).toMatchObject({ truncated: true, totalBytes: 5025 });
    const whole = output(await run('getJobTrace', { ...base(), Job: build.id }));
    expect(whole).toMatchObject({ truncated: false, totalBytes: 5025 });
    expect(
      failure(await run('getJobTrace', { ...base(), Job: build.id, MaxBytes: 10_000_000 })).cause,
    ).toMatch(/^\/MaxBytes:/);
  });

  it('downloadArtifact reads one file as text or base64, size-capped', async () => {
    const id = await pipeline();
    const build = jobNamed(id, 'build');
    build.artifacts.set('dist/report.json', Buffer.from('{"ok":true}'));
    build.artifacts.set('dist/app.bin', Buffer.from([0xff, 0xfe, 0x00]));
    const text = output(
      await run('downloadArtifact', { ...base(), Job: build.id, ArtifactPath: 'dist/report.json' }),
    );
    expect(text).toEqual({ content: '{"ok":true}', encoding: 'text', size: 11 });
    const binary = output(
      await run('downloadArtifact', {
        ...base(),
        Job: build.id,
        ArtifactPath: 'dist/app.bin',
        Encoding: 'base64',
      }),
    );
    expect(binary['content']).toBe('//4A');
    expect(
      failure(
        await run('downloadArtifact', { ...base(), Job: build.id, ArtifactPath: 'dist/app.bin' }),
      ).cause,
    ).toMatch(/base64/);
    const big = failure(
      await run('downloadArtifact', {
        ...base(),
        Job: build.id,
        ArtifactPath: 'dist/report.json',
        MaxBytes: 5,
      }),
    );
    expect(big.error).toBe('GitLab.TooLarge');
    expect(
      failure(
        await run('downloadArtifact', { ...base(), Job: build.id, ArtifactPath: '../etc/passwd' }),
      ).cause,
    ).toMatch(/^\/ArtifactPath:/);
    expect(
      failure(await run('downloadArtifact', { ...base(), Job: build.id, ArtifactPath: 'nope.txt' }))
        .error,
    ).toBe('GitLab.NotFound');
  });

  it('refuses .sync on resources that have no job to wait for', async () => {
    expect(failure(await run('getPipeline.sync', { ...base(), Pipeline: 1 })).cause).toMatch(
      /does not support \.sync/,
    );
    expect(failure(await run('nope', {})).cause).toMatch(/not a GitLab resource/);
  });
});

describe('commit status, notes, deployments, environments', () => {
  it('setCommitStatus posts the state, and a repeat of the same state is success', async () => {
    const input = {
      ...base(),
      Sha: SHA,
      State: 'running',
      Name: 'baton',
      TargetUrl: 'https://baton.example/x',
      Description: 'Deploying',
    };
    expect(output(await run('setCommitStatus', input))).toMatchObject({
      status: 'running',
      unchanged: false,
    });
    expect(output(await run('setCommitStatus', input))).toEqual({
      sha: SHA,
      name: 'baton',
      status: 'running',
      unchanged: true,
    });
    expect(fake.statuses).toEqual([
      {
        projectId: project.id,
        sha: SHA,
        name: 'baton',
        state: 'running',
        target_url: 'https://baton.example/x',
        description: 'Deploying',
      },
    ]);
  });

  it('setCommitStatus retries a 409 race', async () => {
    fake.failNext('POST', /statuses/, { status: 409, body: { message: 'Conflict' } });
    output(await run('setCommitStatus', { ...base(), Sha: SHA, State: 'success' }));
    expect(sleeps).toEqual([500]);
  });

  it.each([
    [{ Sha: 'abc', State: 'running' }, '/Sha:'],
    [{ Sha: SHA, State: 'done' }, '/State: State must be one of pending, running'],
    [{ Sha: SHA, State: 'running', TargetUrl: 'javascript:alert(1)' }, '/TargetUrl:'],
    [
      { Sha: SHA, State: 'running', Description: 'x'.repeat(256) },
      '/Description: Description is 256 characters',
    ],
  ])('setCommitStatus refuses %j', async (input, cause) => {
    expect(failure(await run('setCommitStatus', { ...base(), ...input })).cause).toContain(cause);
  });

  it('creates and updates a merge request note', async () => {
    const note = output(
      await run('createMergeRequestNote', { ...base(), MergeRequest: 3, Body: 'Deploying…' }),
    );
    const updated = output(
      await run('updateMergeRequestNote', {
        ...base(),
        MergeRequest: 3,
        Note: note['id'] ?? 0,
        Body: 'Done',
      }),
    );
    expect(updated['body']).toBe('Done');
    expect(fake.notes.get(Number(note['id']))?.body).toBe('Done');
    expect(
      failure(await run('createMergeRequestNote', { ...base(), MergeRequest: 3 })).cause,
    ).toMatch(/^\/Body:/);
    expect(
      failure(
        await run('updateMergeRequestNote', {
          ...base(),
          MergeRequest: 4,
          Note: note['id'] ?? 0,
          Body: 'x',
        }),
      ).error,
    ).toBe('GitLab.NotFound');
  });

  it('creates and updates a deployment', async () => {
    const created = output(
      await run('createDeployment', { ...base(), Environment: 'dev', Sha: SHA, Ref: 'main' }),
    );
    expect(created).toMatchObject({ status: 'running', environment: { name: 'dev' } });
    const updated = output(
      await run('updateDeployment', {
        ...base(),
        Deployment: created['id'] ?? 0,
        Status: 'success',
      }),
    );
    expect(updated['status']).toBe('success');
    expect(
      failure(
        await run('updateDeployment', {
          ...base(),
          Deployment: created['id'] ?? 0,
          Status: 'blocked',
        }),
      ).cause,
    ).toMatch(/^\/Status:/);
    expect(
      failure(await run('createDeployment', { ...base(), Environment: 'dev', Sha: SHA })).cause,
    ).toMatch(/^\/Ref:/);
  });

  it('stops an environment by name or id', async () => {
    const id = fake.addEnvironment(project.id, 'review/feature-x');
    expect(
      output(await run('stopEnvironment', { ...base(), Environment: 'review/feature-x' }))['state'],
    ).toBe('stopped');
    fake.environments.set(id, {
      ...(fake.environments.get(id) ?? expect.fail('env')),
      state: 'available',
    });
    expect(output(await run('stopEnvironment', { ...base(), Environment: id }))['state']).toBe(
      'stopped',
    );
    const missing = failure(await run('stopEnvironment', { ...base(), Environment: 'prod' }));
    expect(missing).toMatchObject({ error: 'GitLab.NotFound' });
    expect(
      failure(await run('stopEnvironment', { ...base(), Environment: { name: 'x' } })).cause,
    ).toMatch(/^\/Environment:/);
  });
});

describe('baton:gitlab:request', () => {
  it('calls any path under /api/v4 with Query and Body', async () => {
    const out = output(
      await run('request', {
        Method: 'GET',
        Path: `/projects/${project.id}/environments`,
        Query: { name: 'x' },
      }),
    );
    expect(out).toMatchObject({ StatusCode: 200, Body: [] });
    expect(fake.requests.at(-1)).toMatchObject({
      path: `/projects/${project.id}/environments`,
      query: '?name=x',
    });
    const post = output(
      await run('request', {
        Method: 'POST',
        Path: `/api/v4/projects/${project.id}/pipeline`,
        Body: { ref: 'main' },
      }),
    );
    expect(post['StatusCode']).toBe(201);
  });

  it.each([
    ['https://evil.example/api/v4/user', /not a URL/],
    ['//evil.example/x', /not a URL/],
    ['projects/1', /must start with \//],
    ['/projects/1/../../admin', /\. or \.\. segments/],
    ['/projects/%2e%2e/x', /\. or \.\. segments/],
    ['/projects/1?private_token=x', /give the query as Query/],
    ['/projects/%zz', /malformed/],
  ])('refuses Path %s', async (path, cause) => {
    const failed = failure(await run('request', { Path: path }));
    expect(failed.error).toBe('GitLab.InvalidParameters');
    expect(failed.cause).toMatch(cause);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a Body with GET, bad methods and nested Query values', async () => {
    expect(failure(await run('request', { Path: '/user', Body: {} })).cause).toMatch(/^\/Body:/);
    expect(failure(await run('request', { Path: '/user', Method: 'TRACE' })).cause).toMatch(
      /^\/Method:/,
    );
    expect(failure(await run('request', { Path: '/user', Query: { a: { b: 1 } } })).cause).toMatch(
      /^\/Query\/a:/,
    );
  });
});
