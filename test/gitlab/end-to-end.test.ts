/**
 * GitLab end to end, through a real server and a fake GitLab on loopback: a signed push webhook
 * starts a workflow through a trigger from the triggers file; the workflow creates a pipeline
 * (`createPipeline.sync`); the pipeline's webhook wakes the waiting task at once (long before
 * its first 5 s poll); the commit status ends `success`. A merge-request event does the same and
 * keeps one merge-request note up to date. Replays start nothing twice; a forged delivery is
 * refused and recorded nowhere; stopping an execution cancels its pipeline in GitLab.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGitLab, FakeProject } from '../support/fake-gitlab.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import type { BuiltDelivery, FixtureName } from '../support/gitlab-webhooks.js';
import { buildDelivery } from '../support/gitlab-webhooks.js';
import type { Harness } from '../api/rest/rest-client.js';
import { client, eventually, startServer } from '../api/rest/rest-client.js';

const PUBLIC_URL = 'https://baton.example.com';
const SHA = 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7';
const MR_SHA = 'e3c1ef4c3a8bd9bd5ba2c3b4a87bf8ae0d2c13c0';

const BUILD = {
  Comment: 'Runs the project pipeline for a commit and waits for it.',
  StartAt: 'Pipeline',
  States: {
    Pipeline: {
      Type: 'Task',
      Resource: 'baton:gitlab:createPipeline.sync',
      Parameters: { 'Project.$': '$.project', 'Ref.$': '$.ref' },
      ResultSelector: { 'id.$': '$.id', 'status.$': '$.status' },
      TimeoutSeconds: 600,
      End: true,
    },
  },
};

const TRIGGERS = `
triggers:
  - name: build-main
    workflow: build
    events: [push]
    projects: [acme/web/app]
    refs: { include: [main] }
    input: '{ "project": event.project.path_with_namespace, "ref": $substringAfter(event.ref, "refs/heads/") }'
    executionName: 'push-{{ event.checkout_sha }}'
    report: { commitStatus: true }
  - name: build-mr
    workflow: build
    events: [merge_request]
    projects: [acme/web/app]
    mergeRequest: { actions: [open] }
    input: '{ "project": event.project.path_with_namespace, "ref": event.object_attributes.source_branch }'
    executionName: 'mr-{{ event.object_attributes.iid }}-{{ event.object_attributes.last_commit.id }}'
    report: { commitStatus: true, mergeRequestNote: true }
`;

let fake: FakeGitLab;
let project: FakeProject;
let harness: Harness;
let api: ReturnType<typeof client>;
let dir: string;
const SECRET = 'e2e-webhook-secret-5f7a';

beforeAll(async () => {
  fake = await startFakeGitLab();
  project = fake.addProject('acme/web/app');
  dir = mkdtempSync(join(tmpdir(), 'baton-e2e-'));
  const triggersFile = join(dir, 'triggers.yaml');
  writeFileSync(triggersFile, TRIGGERS);
  harness = await startServer({ publicUrl: PUBLIC_URL, triggersFile });
  api = client(harness);
  const created = await api({
    path: '/api/v1/connections',
    body: { name: 'default', baseUrl: fake.url, token: fake.token, webhookSecret: SECRET },
  });
  expect(created.status, created.text).toBe(201);
  const workflow = await api({
    path: '/api/v1/workflows',
    body: { name: 'build', definition: JSON.stringify(BUILD) },
  });
  expect(workflow.status, workflow.text).toBe(201);
});

afterAll(async () => {
  await harness.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Posts a delivery to the server's hook endpoint as GitLab would. */
async function deliver(delivery: BuiltDelivery): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${harness.server.url}/hooks/gitlab/default`, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
  });
  return { status: response.status, json: await response.json() };
}

function event(name: FixtureName, overrides: Record<string, unknown>, id?: string) {
  return buildDelivery(name, {
    version: '17.4',
    secretToken: SECRET,
    overrides,
    ...(id === undefined ? {} : { id }),
  });
}

const executionArn = (name: string) =>
  `arn:aws:states:us-east-1:123456789012:execution:build:${name}`;

/** The execution's REST description, or undefined while there is none. */
async function execution(name: string): Promise<{ status: string; output?: unknown } | undefined> {
  const answer = await api({
    path: `/api/v1/executions/${encodeURIComponent(executionArn(name))}`,
  });
  return answer.status === 200 ? (answer.json as { status: string; output?: unknown }) : undefined;
}

/** The pipeline GitLab created for `ref`, once there is one. */
async function pipelineFor(ref: string) {
  const found = await eventually(
    () => Promise.resolve([...fake.pipelines.values()].find((p) => p.ref === ref)),
    (p) => p !== undefined,
    10_000,
  );
  if (found === undefined) throw new Error(`no pipeline for ${ref}`);
  return found;
}

const pushOverrides = (ref: string, sha: string) => ({
  ref: `refs/heads/${ref}`,
  checkout_sha: sha,
  after: sha,
  project_id: project.id,
  project: { id: project.id, path_with_namespace: 'acme/web/app' },
});

describe('GitLab end to end', () => {
  it('a push starts the workflow, the pipeline webhook finishes it, the commit status follows', async () => {
    const push = event('push', pushOverrides('main', SHA));
    expect(await deliver(push)).toMatchObject({ status: 202, json: { duplicate: false } });
    const pipeline = await pipelineFor('main');
    const running = await eventually(
      () => execution(`push-${SHA}`),
      (e) => e?.status === 'RUNNING',
    );
    expect(running?.status).toBe('RUNNING');

    // GitLab finishes the pipeline and says so; the task re-reads it at once (its own first
    // poll would come only after 5 s).
    fake.setPipelineStatus(pipeline.id, 'success');
    const hook = buildDelivery('pipeline', {
      version: '17.4',
      secretToken: SECRET,
      overrides: fake.pipelineHookPayload(pipeline.id),
    });
    const sent = Date.now();
    expect((await deliver(hook)).status).toBe(202);
    const done = await eventually(
      () => execution(`push-${SHA}`),
      (e) => e?.status !== 'RUNNING',
      4000,
    );
    expect(done?.status).toBe('SUCCEEDED');
    expect(Date.now() - sent).toBeLessThan(4500);
    expect(done?.output).toEqual({ id: pipeline.id, status: 'success' });

    const statuses = await eventually(
      () => Promise.resolve(fake.statuses.filter((s) => s.sha === SHA)),
      (list) => list.some((s) => s.state === 'success'),
      15_000,
    );
    expect(statuses.map((s) => [s.name, s.state]).at(-1)).toEqual(['baton/build', 'success']);
    expect(statuses[0]?.target_url).toBe(
      `${PUBLIC_URL}/api/v1/executions/${encodeURIComponent(executionArn(`push-${SHA}`))}`,
    );

    // The deliveries say what they did.
    const listed = await api({ path: '/api/v1/deliveries' });
    const texts = JSON.stringify(listed.json);
    expect(texts).toContain('build-main');
    expect(texts).not.toContain(SECRET);
  }, 40_000);

  it('a replayed delivery and a second key for the same push start nothing more', async () => {
    const sha = 'a'.repeat(40);
    const first = event('push', pushOverrides('main', sha), 'replay-key-1');
    expect((await deliver(first)).status).toBe(202);
    expect(await deliver(first)).toMatchObject({ status: 200, json: { duplicate: true } });
    // GitLab's Sidekiq retry of the same event under another key: the name template dedupes.
    expect((await deliver(event('push', pushOverrides('main', sha)))).status).toBe(202);
    await eventually(
      () => execution(`push-${sha}`),
      (e) => e !== undefined,
    );
    await eventually(
      () => api({ path: '/api/v1/deliveries' }),
      (a) => !JSON.stringify(a.json).includes('"received"'),
    );
    const executions = await api({ path: '/api/v1/executions', query: [['workflow', 'build']] });
    const named = (executions.json.executions as { name: string }[]).filter(
      (e) => e.name === `push-${sha}`,
    );
    expect(named).toHaveLength(1);
  }, 30_000);

  it('refuses a forged delivery and records nothing', async () => {
    const before = (await api({ path: '/api/v1/deliveries' })).json.deliveries.length as number;
    const forged = buildDelivery('push', {
      version: '17.4',
      secretToken: 'not-the-secret',
      overrides: pushOverrides('main', 'b'.repeat(40)),
    });
    expect((await deliver(forged)).status).toBe(401);
    const unsigned = buildDelivery('push', { version: '17.4', overrides: {} });
    expect((await deliver(unsigned)).status).toBe(401);
    const after = (await api({ path: '/api/v1/deliveries' })).json.deliveries.length as number;
    expect(after).toBe(before);
    expect(await execution(`push-${'b'.repeat(40)}`)).toBeUndefined();
  });

  it('a merge request keeps one note up to date with the run, and stopping cancels the pipeline', async () => {
    const open = event('merge_request', {
      project: { id: project.id, path_with_namespace: 'acme/web/app' },
      object_attributes: {
        iid: 7,
        action: 'open',
        source_branch: 'feature-x',
        target_branch: 'main',
        last_commit: { id: MR_SHA },
      },
    });
    expect((await deliver(open)).status).toBe(202);
    const pipeline = await pipelineFor('feature-x');
    const name = `mr-7-${MR_SHA}`;
    await eventually(
      () => execution(name),
      (e) => e?.status === 'RUNNING',
    );
    const note = await eventually(
      () => Promise.resolve([...fake.notes.values()].filter((n) => n.mrIid === 7)),
      (notes) => notes.length > 0,
      15_000,
    );
    expect(note).toHaveLength(1);
    expect(note[0]?.body).toContain('Pipeline');

    const stopped = await api({
      method: 'POST',
      path: `/api/v1/executions/${encodeURIComponent(executionArn(name))}/stop`,
      body: { error: 'Ops.Stop', cause: 'not needed' },
    });
    expect(stopped.status, stopped.text).toBeLessThan(300);
    await eventually(
      () => Promise.resolve(fake.pipelines.get(pipeline.id)?.status),
      (status) => status === 'canceled',
      10_000,
    );
    expect(fake.pipelines.get(pipeline.id)?.status).toBe('canceled');
    const updated = await eventually(
      () => Promise.resolve([...fake.notes.values()].filter((n) => n.mrIid === 7)),
      (notes) => notes[0]?.body !== note[0]?.body,
      15_000,
    );
    expect(updated).toHaveLength(1); // the same note, updated
    expect(fake.statuses.filter((s) => s.sha === MR_SHA).at(-1)?.state).toBe('canceled');
    expect(JSON.stringify([...fake.notes.values()])).not.toContain(fake.token);
  }, 60_000);
});
