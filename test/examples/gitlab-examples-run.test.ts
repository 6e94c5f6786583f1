/**
 * examples/gitlab/*.asl.yaml run for real: the durable engine on a SQLite store with a
 * controlled clock, the real GitLab task runner (createGitLabTaskRunner) with its waits in the
 * store, and a fake GitLab over HTTP. Checks what each workflow does in GitLab (pipelines with
 * their ref, inputs and variables, manual jobs played, jobs retried, notes and commit statuses),
 * that `.sync` tasks finish only when GitLab says so (through the back-off poll or a wake-up
 * as a webhook gives: the stored waits -> engine.pollNow), and the rollback branches.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/common/index.js';
import { getOwn, isJsonObject } from '../../src/common/index.js';
import { readDefinitionText } from '../../src/definition-source/index.js';
import { Engine } from '../../src/engine/index.js';
import type { GitLabConnection } from '../../src/integrations/gitlab/index.js';
import { createGitLabTaskRunner } from '../../src/integrations/gitlab/index.js';
import { routeTasks } from '../../src/integrations/index.js';
import type { Store } from '../../src/store/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { dropAll, freshSqlitePath } from '../support/databases.js';
import type { FakeGitLab, FakePipeline } from '../support/fake-gitlab.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';

afterAll(dropAll);

const root = fileURLToPath(new URL('../..', import.meta.url));
const T0 = Date.parse('2026-05-01T10:00:00.000Z');
const PROJECT = 'acme/platform/web-shop';
const SHA = '5f1e2b9c0a7d4e3f8b6c1d2e9a0f7b4c3d2e1f0a';
const WORKFLOWS = ['release', 'mr-checks', 'retry-failed-jobs'] as const;

const open: { store: Store; fake: FakeGitLab }[] = [];
afterEach(async () => {
  for (const { store, fake } of open.splice(0)) {
    await store.close();
    await fake.close();
  }
});

/** The example as the JSON the server stores (what `baton server --workflows` loads). */
function definitionJson(name: string): string {
  const file = `${name}.asl.yaml`;
  const parsed = readDefinitionText(
    readFileSync(join(root, 'examples', 'gitlab', file), 'utf8'),
    file,
  );
  if (!parsed.ok) return expect.fail(`${file} does not parse`);
  return JSON.stringify(parsed.value);
}

async function setup() {
  const fake = await startFakeGitLab();
  const project = fake.addProject(PROJECT, {
    jobTemplate: [
      { name: 'build', stage: 'build' },
      { name: 'test', stage: 'test' },
      { name: 'deploy-prod', stage: 'deploy', when: 'manual' },
    ],
  });
  const clock = { ms: T0, nowMs: () => clock.ms };
  const store = openSqliteStore({
    path: freshSqlitePath(),
    now: () => new Date(clock.ms).toISOString(),
  });
  open.push({ store, fake });
  await store.migrate();
  for (const name of WORKFLOWS) {
    await store.workflows.create({
      name,
      definition: definitionJson(name),
      roleArn: null,
      type: 'STANDARD',
      description: null,
      revisionId: `${name}-r1`,
      now: new Date(clock.ms).toISOString(),
    });
  }
  const connection: GitLabConnection = { name: 'default', baseUrl: fake.url, token: fake.token };
  const gitlab = createGitLabTaskRunner({
    connections: (name) => Promise.resolve(name === 'default' ? connection : undefined),
    waits: store.gitlabWaits,
    clock,
  });
  const errors: unknown[] = [];
  const engine = new Engine({
    store,
    clock,
    tasks: routeTasks(gitlab.routes),
    nodeId: 'node-1',
    tokenKey: () => randomBytes(32).toString('hex'),
    random: () => 0,
    onError: (error) => errors.push(error),
  });

  /** Ticks until nothing is due now, waiting for the GitLab calls each time. */
  const settle = async () => {
    for (let i = 0; i < 50; i++) {
      const claimed = await engine.tick();
      await engine.idle();
      if (claimed === 0) return;
    }
    throw new Error('work kept coming');
  };
  const advance = async (seconds: number) => {
    clock.ms += seconds * 1000;
    await settle();
  };
  /** What a Pipeline or Job Hook does: wake the tasks waiting on it (their stored waits). */
  const wake = async (kind: 'pipeline' | 'job', objectId: number) => {
    const waiters = await store.gitlabWaits.find({
      connection: 'default',
      projectId: project.id,
      kind,
      objectId,
    });
    for (const waiter of waiters) await engine.pollNow(waiter.executionId, waiter.taskId);
    await settle();
    return waiters.length;
  };
  const start = async (workflow: string, input: JsonValue) => {
    const { execution } = await engine.start({ workflow, name: 'e1', input });
    await settle();
    return execution.id;
  };
  const execution = async (id: string) => {
    const found = await store.executions.get(id);
    if (found === undefined) return expect.fail(`no execution ${id}`);
    return {
      status: found.status,
      output: found.output === null ? null : (JSON.parse(found.output) as JsonValue),
      error: found.error,
    };
  };
  /** The pipelines the fake holds, oldest first. */
  const pipelines = (): FakePipeline[] => [...fake.pipelines.values()].sort((a, b) => a.id - b.id);
  const jobsOf = (pipelineId: number) =>
    [...fake.jobs.values()].filter((job) => job.pipelineId === pipelineId);
  return {
    fake,
    project,
    store,
    engine,
    errors,
    settle,
    advance,
    wake,
    start,
    execution,
    pipelines,
    jobsOf,
  };
}

type World = Awaited<ReturnType<typeof setup>>;

const releaseInput = { project: PROJECT, ref: 'main', sha: SHA };

function last<T>(items: readonly T[]): T {
  const item = items.at(-1);
  if (item === undefined) return expect.fail('expected at least one');
  return item;
}

/** Drives release from its start to the approval pipeline: Build, Test and Dev succeed. */
async function releaseToApproval(world: World): Promise<{ id: string; token: string }> {
  const { fake, start, pipelines, wake, advance, settle } = world;
  const id = await start('release', releaseInput);
  const [build] = pipelines();
  if (build === undefined) return expect.fail('Build created no pipeline');
  fake.setPipelineStatus(build.id, 'success');
  await advance(5);
  fake.setPipelineStatus(last(pipelines()).id, 'success');
  expect(await wake('pipeline', last(pipelines()).id)).toBe(1);
  fake.setPipelineStatus(last(pipelines()).id, 'success');
  expect(await wake('pipeline', last(pipelines()).id)).toBe(1);
  await settle();
  const approval = last(pipelines());
  const token =
    approval.inputs === undefined ? undefined : getOwn(approval.inputs, 'baton_task_token');
  if (typeof token !== 'string') return expect.fail('the approval pipeline has no task token');
  return { id, token };
}

describe('examples/gitlab/release.asl.yaml on the engine with GitLab', () => {
  it('builds, tests, deploys to Dev, waits for approval, plays the Prod job and marks the commit', async () => {
    const world = await setup();
    const { fake, engine, start, pipelines, wake, advance, settle, execution, jobsOf } = world;
    const id = await start('release', releaseInput);

    // Build: one pipeline on main with the build input, and the task waits on it.
    expect(pipelines().map((p) => [p.ref, p.inputs, p.variables])).toEqual([
      ['main', { stage: 'build' }, []],
    ]);
    const build = last(pipelines());
    expect((await execution(id)).status).toBe('RUNNING');

    // The first check is 5 s after the pipeline was created: not before.
    fake.setPipelineStatus(build.id, 'success');
    await advance(4);
    expect(pipelines()).toHaveLength(1);
    await advance(1);
    expect(pipelines()).toHaveLength(2);

    // Test: its pipeline still running at the first check, so the task goes on waiting.
    const test = last(pipelines());
    expect([test.ref, test.inputs]).toEqual(['main', { stage: 'test' }]);
    fake.setPipelineStatus(test.id, 'running');
    await advance(5);
    expect(pipelines()).toHaveLength(2);
    // Finished, and nothing checks until the hook's wake-up (the next poll is 10 s away).
    fake.setPipelineStatus(test.id, 'success');
    await settle();
    expect(pipelines()).toHaveLength(2);
    expect(await wake('pipeline', test.id)).toBe(1);

    // Deploy to Dev: pipeline variables, no inputs.
    const dev = last(pipelines());
    expect([dev.ref, dev.inputs, dev.variables]).toEqual([
      'main',
      undefined,
      [{ key: 'DEPLOY_ENV', value: 'dev', variable_type: 'env_var' }],
    ]);
    fake.setPipelineStatus(dev.id, 'success');
    expect(await wake('pipeline', dev.id)).toBe(1);

    // Approve Prod: the pipeline carries the task token as CI inputs; nothing goes on without it.
    const approval = last(pipelines());
    expect(approval.inputs).toEqual({
      stage: 'approve-prod',
      baton_task_token: expect.any(String) as unknown,
      baton_execution_arn: id,
    });
    await advance(3600);
    expect(pipelines()).toHaveLength(4);
    expect((await execution(id)).status).toBe('RUNNING');
    const token = getOwn(approval.inputs ?? {}, 'baton_task_token');
    if (typeof token !== 'string') return expect.fail('no task token');
    await engine.sendTaskSuccess(token, { approvedBy: 'sre-oncall' });
    await settle();

    // Prod: a pipeline whose manual deploy-prod job is played, then waited for.
    const prod = last(pipelines());
    expect(prod.inputs).toEqual({ stage: 'deploy-prod' });
    const deployJob = jobsOf(prod.id).find((job) => job.name === 'deploy-prod');
    if (deployJob === undefined) return expect.fail('no deploy-prod job');
    expect(deployJob.status).toBe('pending');
    expect(
      fake.requests
        .filter((r) => r.method === 'POST' && r.path.endsWith('/play'))
        .map((r) => r.path),
    ).toEqual([expect.stringMatching(new RegExp(`/jobs/${deployJob.id}/play$`))]);
    expect(fake.statuses).toEqual([]);
    fake.setJobStatus(deployJob.id, 'success');
    expect(await wake('job', deployJob.id)).toBe(1);

    const done = await execution(id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toEqual({
      ...releaseInput,
      build: {
        id: build.id,
        status: 'success',
        webUrl: `${fake.url}/${PROJECT}/-/pipelines/${build.id}`,
      },
      test: { id: test.id, status: 'success' },
      dev: { id: dev.id, status: 'success' },
      approval: { approvedBy: 'sre-oncall' },
      prodPipeline: { id: prod.id },
      prod: { id: deployJob.id, status: 'success' },
    });
    expect(fake.statuses).toEqual([
      {
        projectId: world.project.id,
        sha: SHA,
        name: 'release/production',
        state: 'success',
        description: 'Released to production',
      },
    ]);
    // No pipeline was cancelled, and every request carried the connection's token.
    expect(fake.requests.filter((r) => r.path.endsWith('/cancel'))).toEqual([]);
    expect(fake.requests.every((r) => r.token === 'valid')).toBe(true);
    // The finished waits are forgotten: a late hook wakes nothing.
    expect(await wake('pipeline', build.id)).toBe(0);
    expect(await wake('job', deployJob.id)).toBe(0);
    expect(world.errors).toEqual([]);
  });

  it('rolls Dev back with a rollback pipeline when the Dev pipeline fails, and never reaches Prod', async () => {
    const world = await setup();
    const { fake, start, pipelines, wake, advance, execution } = world;
    const id = await start('release', releaseInput);
    fake.setPipelineStatus(last(pipelines()).id, 'success');
    await advance(5);
    fake.setPipelineStatus(last(pipelines()).id, 'success');
    await wake('pipeline', last(pipelines()).id);
    const dev = last(pipelines());
    expect(dev.variables).toEqual([{ key: 'DEPLOY_ENV', value: 'dev', variable_type: 'env_var' }]);

    fake.setPipelineStatus(dev.id, 'failed', { failedJobs: ['build'] });
    expect(await wake('pipeline', dev.id)).toBe(1);

    const rollback = last(pipelines());
    expect(rollback.id).not.toBe(dev.id);
    expect([rollback.ref, rollback.inputs]).toEqual([
      'main',
      { stage: 'rollback', environment: 'dev' },
    ]);
    expect((await execution(id)).status).toBe('RUNNING'); // waiting for the rollback
    expect(fake.statuses).toEqual([]);
    fake.setPipelineStatus(rollback.id, 'success');
    expect(await wake('pipeline', rollback.id)).toBe(1);

    const done = await execution(id);
    expect([done.status, done.error]).toEqual(['FAILED', 'Release.Failed']);
    expect(pipelines()).toHaveLength(4); // build, test, dev, rollback: no approval, no Prod
    expect(fake.requests.filter((r) => r.path.endsWith('/play'))).toEqual([]);
    expect(fake.statuses.map((s) => [s.sha, s.name, s.state, s.description])).toEqual([
      [
        SHA,
        'release/production',
        'failed',
        'Release failed in a GitLab step (GitLab.PipelineFailed)',
      ],
    ]);
  });

  it('rolls Prod back when the played deploy job fails', async () => {
    const world = await setup();
    const { fake, engine, pipelines, wake, execution, jobsOf } = world;
    const { id, token } = await releaseToApproval(world);
    await engine.sendTaskSuccess(token, { approvedBy: 'sre-oncall' });
    await world.settle();
    const prod = last(pipelines());
    const deployJob = jobsOf(prod.id).find((job) => job.name === 'deploy-prod');
    if (deployJob === undefined) return expect.fail('no deploy-prod job');
    expect(deployJob.status).toBe('pending');

    fake.setJobStatus(deployJob.id, 'failed', 'script_failure');
    expect(await wake('job', deployJob.id)).toBe(1);
    const rollback = last(pipelines());
    expect(rollback.id).not.toBe(prod.id);
    expect(rollback.inputs).toEqual({ stage: 'rollback', environment: 'production' });
    fake.setPipelineStatus(rollback.id, 'success');
    expect(await wake('pipeline', rollback.id)).toBe(1);

    const done = await execution(id);
    expect([done.status, done.error]).toEqual(['FAILED', 'Release.Failed']);
    expect(fake.statuses.map((s) => [s.name, s.state, s.description])).toEqual([
      ['release/production', 'failed', 'Release failed in a GitLab step (GitLab.JobFailed)'],
    ]);
  });

  it('stops when the approval job sends a task failure, without creating the Prod pipeline', async () => {
    const world = await setup();
    const { fake, engine, pipelines, execution } = world;
    const { id, token } = await releaseToApproval(world);
    const before = pipelines().length;
    await engine.sendTaskFailure(token, 'Approval.Rejected', 'not today');
    await world.settle();
    expect(pipelines()).toHaveLength(before);
    const done = await execution(id);
    expect([done.status, done.error]).toEqual(['FAILED', 'Release.Failed']);
    expect(fake.statuses.map((s) => s.description)).toEqual([
      'Release failed in a GitLab step (Approval.Rejected)',
    ]);
  });
});

describe('examples/gitlab/mr-checks.asl.yaml on the engine with GitLab', () => {
  const input = { project: PROJECT, sourceBranch: 'feature/cart', mergeRequestIid: 42 };

  it('tests the source branch and succeeds without a comment when the pipeline passes', async () => {
    const { fake, start, pipelines, advance, execution } = await setup();
    const id = await start('mr-checks', input);
    expect(pipelines().map((p) => [p.ref, p.inputs])).toEqual([
      ['feature/cart', { stage: 'test' }],
    ]);
    fake.setPipelineStatus(last(pipelines()).id, 'success');
    await advance(5);
    const done = await execution(id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.output).toEqual({
      ...input,
      test: { id: last(pipelines()).id, status: 'success' },
    });
    expect(fake.notes.size).toBe(0);
  });

  it('comments on the merge request and fails when the pipeline fails', async () => {
    const { fake, start, pipelines, advance, execution } = await setup();
    const id = await start('mr-checks', input);
    fake.setPipelineStatus(last(pipelines()).id, 'failed', { failedJobs: ['test'] });
    await advance(5);
    const done = await execution(id);
    expect([done.status, done.error]).toEqual(['FAILED', 'Checks.TestsFailed']);
    expect([...fake.notes.values()].map((n) => [n.mrIid, n.body])).toEqual([
      [42, 'The test pipeline failed. The Baton status note above lists the failed jobs.'],
    ]);
  });
});

describe('examples/gitlab/retry-failed-jobs.asl.yaml on the engine with GitLab', () => {
  it('retries each failed job of the pipeline once and lists the new job ids', async () => {
    const { fake, project, start, execution, jobsOf } = await setup();
    // A pipeline that failed in build and test (made through the API, as GitLab would).
    const created = await fetch(`${fake.url}/api/v4/projects/${project.id}/pipeline`, {
      method: 'POST',
      headers: { 'private-token': fake.token, 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'main' }),
    });
    const body = (await created.json()) as JsonValue;
    const pipelineId = isJsonObject(body) ? getOwn(body, 'id') : undefined;
    if (typeof pipelineId !== 'number') return expect.fail('the fake created no pipeline');
    fake.setPipelineStatus(pipelineId, 'failed', { failedJobs: ['build', 'test'] });
    const failed = jobsOf(pipelineId).filter((job) => job.status === 'failed');
    expect(failed.map((job) => job.name).sort()).toEqual(['build', 'test']);

    const id = await start('retry-failed-jobs', { project: PROJECT, pipelineId });
    const done = await execution(id);
    expect(done.status).toBe('SUCCEEDED');
    const fresh = jobsOf(pipelineId).filter((job) => !job.retried && job.status === 'pending');
    expect(fresh.map((job) => job.name).sort()).toEqual(['build', 'test']);
    const retried = isJsonObject(done.output) ? getOwn(done.output, 'retried') : undefined;
    const byName = (name: string) => ({
      retriedJob: fresh.find((job) => job.name === name)?.id,
      replaced: failed.find((job) => job.name === name)?.id,
    });
    // GitLab lists jobs newest first: test before build.
    expect(retried).toEqual([byName('test'), byName('build')]);
    expect(failed.every((job) => job.retried)).toBe(true);
    expect(jobsOf(pipelineId).find((job) => job.name === 'deploy-prod')?.retried).toBe(false);
  });
});
