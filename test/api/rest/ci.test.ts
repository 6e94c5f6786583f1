/** The CI API at /api/v1/ci, authenticated by GitLab CI ID tokens only. */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGitLabIssuer, JwksServer } from '../../support/gitlab-oidc.js';
import { createFakeIssuer, serveJwks } from '../../support/gitlab-oidc.js';
import type { GitLabHarness } from './gitlab-harness.js';
import { PUBLIC_URL, startGitLabHarness } from './gitlab-harness.js';
import { PASS_DEFINITION, executionPath } from './rest-client.js';

let h: GitLabHarness;
let gitlab: FakeGitLabIssuer;
let jwks: JwksServer;
const ACTIVITY_DEFINITION = JSON.stringify({
  StartAt: 'Approve',
  States: {
    Approve: {
      Type: 'Task',
      Resource: 'arn:aws:states:us-east-1:123456789012:activity:ci-approve',
      End: true,
    },
  },
});

const RULES = [
  {
    projects: ['My-Group/My-Project'],
    refs: ['main', 'release/*'],
    workflows: ['deploy'],
    actions: ['start'],
  },
  { projects: ['20'], workflows: ['gated'], actions: ['start', 'task'] },
  { projects: ['20'], workflows: ['fork-ok'], actions: ['start'], allowForks: true },
];

const PROTECTED_MAIN = { ref: 'main', ref_protected: 'true', pipeline_id: '1000' };

beforeAll(async () => {
  gitlab = await createFakeIssuer({ audience: PUBLIC_URL });
  jwks = await serveJwks(gitlab);
  h = await startGitLabHarness();
  const created = await h.admin({
    path: '/api/v1/connections',
    body: {
      name: 'default',
      baseUrl: 'https://gitlab.example.com',
      token: 'glpat-x',
      jwksUrl: jwks.jwksUrl,
      ciRules: RULES,
    },
  });
  expect(created.status).toBe(201);
  for (const [name, definition] of [
    ['deploy', PASS_DEFINITION],
    ['gated', ACTIVITY_DEFINITION],
    ['other', PASS_DEFINITION],
    ['fork-ok', PASS_DEFINITION],
  ] as const) {
    expect((await h.admin({ path: '/api/v1/workflows', body: { name, definition } })).status).toBe(
      201,
    );
  }
  expect((await h.admin({ path: '/api/v1/activities', body: { name: 'ci-approve' } })).status).toBe(
    201,
  );
});
afterAll(async () => {
  await h.close();
  await jwks.close();
});

async function start(token: string, body: Record<string, unknown>) {
  return h.bearer(token, { path: '/api/v1/ci/executions', body });
}

describe('CI API: starting workflows', () => {
  it('starts a workflow for a job a rule allows, named after the pipeline and job', async () => {
    const token = await gitlab.mintIdToken(PROTECTED_MAIN);
    const started = await start(token, { workflow: 'deploy', input: { sha: 'abc' } });
    expect(started.status).toBe(201);
    expect(started.json.name).toBe('ci-1000-302');
    expect(started.json.input).toEqual({ sha: 'abc' });
    const owner = await h.harness.server.store.gitlabConnections.getCiExecution(
      started.json.executionArn as string,
    );
    expect(owner).toMatchObject({
      connection: 'default',
      projectId: '20',
      projectPath: 'my-group/my-project',
      ref: 'main',
      pipelineId: '1000',
      jobId: '302',
      userLogin: 'sample-user',
    });
    // A retried call returns the same execution.
    const again = await start(token, { workflow: 'deploy', input: { sha: 'abc' } });
    expect(again.status).toBe(200);
    expect(again.json.executionArn).toBe(started.json.executionArn);
  });

  it('lets the job describe its own execution, and nobody else', async () => {
    const token = await gitlab.mintIdToken({ ...PROTECTED_MAIN, pipeline_id: '1001' });
    const started = await start(token, { workflow: 'deploy' });
    const path = `/api/v1/ci/executions/${encodeURIComponent(started.json.executionArn as string)}`;
    const described = await h.bearer(token, { path });
    expect(described.status).toBe(200);
    expect(described.json.executionArn).toBe(started.json.executionArn);
    const stranger = await gitlab.mintIdToken({
      ...PROTECTED_MAIN,
      project_id: '21',
      project_path: 'my-group/other',
    });
    expect((await h.bearer(stranger, { path })).status).toBe(404);
    // An execution started with an access key is not visible to CI jobs.
    const signed = await h.admin({ path: '/api/v1/executions', body: { workflow: 'deploy' } });
    const foreign = `/api/v1/ci/executions/${encodeURIComponent(signed.json.executionArn as string)}`;
    expect((await h.bearer(token, { path: foreign })).status).toBe(404);
  });

  it('never adopts an execution started otherwise under the name a job asks for', async () => {
    // An admin started ci-1003-302 with the same (empty) input through the signed API; the
    // job's start must not take it over (and so could not read it through /ci either).
    const admin = await h.admin({
      path: '/api/v1/executions',
      body: { workflow: 'deploy', name: 'ci-1003-302', input: {} },
    });
    expect(admin.status).toBe(201);
    const token = await gitlab.mintIdToken({ ...PROTECTED_MAIN, pipeline_id: '1003' });
    const refused = await start(token, { workflow: 'deploy', input: {} });
    expect(refused.status).toBe(409);
    expect(refused.json.message).toContain('not started through the CI API');
    expect(
      await h.harness.server.store.gitlabConnections.getCiExecution(
        admin.json.executionArn as string,
      ),
    ).toBeUndefined();
    const path = `/api/v1/ci/executions/${encodeURIComponent(admin.json.executionArn as string)}`;
    expect((await h.bearer(token, { path })).status).toBe(404);
  });

  it('denies by default, with what would allow it', async () => {
    const token = await gitlab.mintIdToken(PROTECTED_MAIN);
    const denied = await start(token, { workflow: 'other' });
    expect(denied.status).toBe(403);
    expect(denied.json.message).toContain('workflows do not include "other"');
    expect(denied.json.message).toContain('"workflows":["other"]');
  });

  it('denies an unprotected ref: the string "false" is not true', async () => {
    const token = await gitlab.mintIdToken({ ...PROTECTED_MAIN, ref_protected: 'false' });
    const denied = await start(token, { workflow: 'deploy' });
    expect(denied.status).toBe(403);
    expect(denied.json.message).toContain('protected refs only');
  });

  it('denies a ref outside the rule and a project outside every rule', async () => {
    const feature = await gitlab.mintIdToken({ ref: 'feature', ref_protected: 'true' });
    expect((await start(feature, { workflow: 'deploy' })).status).toBe(403);
    const other = await gitlab.mintIdToken({
      ...PROTECTED_MAIN,
      project_id: '99',
      project_path: 'evil/project',
    });
    expect((await start(other, { workflow: 'deploy' })).status).toBe(403);
  });

  it("judges a fork merge-request pipeline by the project running the job, and refuses a fork's code unless the rule allows forks", async () => {
    const token = await gitlab.mintIdToken({
      ...PROTECTED_MAIN,
      pipeline_id: '1002',
      project_id: '99',
      project_path: 'fork/my-project',
      job_project_id: '20',
      job_project_path: 'my-group/my-project',
    });
    const refused = await start(token, { workflow: 'deploy' });
    expect(refused.status).toBe(403);
    expect(refused.json.message).toContain('fork/my-project');
    expect(refused.json.message).toContain('allowForks');
    expect((await start(token, { workflow: 'fork-ok' })).status).toBe(201);
  });

  it('refuses bad bodies with pointers', async () => {
    const token = await gitlab.mintIdToken(PROTECTED_MAIN);
    const answer = await start(token, { workflow: '', extra: 1 });
    expect(answer.status).toBe(400);
    expect(answer.json.details.map((d: { pointer: string }) => d.pointer)).toEqual([
      '/extra',
      '/workflow',
    ]);
  });
});

describe('CI API: authentication', () => {
  const bad: [string, () => Promise<string>, RegExp][] = [
    ['expired', () => gitlab.mintIdToken(PROTECTED_MAIN, { expiredBy: 600 }), /expired at/],
    [
      'not yet valid',
      () => gitlab.mintIdToken(PROTECTED_MAIN, { notBeforeIn: 600 }),
      /not valid before/,
    ],
    [
      'wrong audience',
      () => gitlab.mintIdToken({ ...PROTECTED_MAIN, aud: 'https://vault' }),
      /set id_tokens/,
    ],
    [
      'untrusted issuer',
      () => gitlab.mintIdToken({ ...PROTECTED_MAIN, iss: 'https://evil.example.com' }),
      /not the ID-token issuer/,
    ],
    ['alg none', () => gitlab.mintIdToken(PROTECTED_MAIN, { alg: 'none' }), /RS256/],
    [
      'HS256 with the public key',
      () => gitlab.mintIdToken(PROTECTED_MAIN, { alg: 'HS256' }),
      /RS256/,
    ],
    [
      'unknown kid',
      () => gitlab.mintIdToken(PROTECTED_MAIN, { kid: 'rotated-away' }),
      /has no RS256 key/,
    ],
    ['wrong key', () => gitlab.mintIdToken(PROTECTED_MAIN, { wrongKey: true }), /signature/],
    [
      'tampered project',
      () =>
        gitlab.mintIdToken(
          { ...PROTECTED_MAIN, project_id: '99', project_path: 'evil/x' },
          {
            tamper: (c) => {
              c['project_id'] = '20';
              c['project_path'] = 'my-group/my-project';
            },
          },
        ),
      /signature/,
    ],
  ];
  for (const [label, mint, message] of bad) {
    it(`refuses a token: ${label} (401, without echoing it)`, async () => {
      const token = await mint();
      const answer = await start(token, { workflow: 'deploy' });
      expect(answer.status).toBe(401);
      expect(answer.json.message).toMatch(message);
      expect(answer.text).not.toContain(token);
      expect(h.plugin.logs.join('\n')).not.toContain(token);
    });
  }

  it('refuses a SigV4-signed request on CI routes', async () => {
    const answer = await h.admin({ path: '/api/v1/ci/executions', body: { workflow: 'deploy' } });
    expect(answer.status).toBe(401);
    expect(answer.json.message).toContain('Bearer');
  });

  it('refuses a missing header, another scheme, or two Authorization headers', async () => {
    const { send } = await import('./rest-client.js');
    const target = { ...h.harness.server, url: h.plugin.url };
    const token = await gitlab.mintIdToken(PROTECTED_MAIN);
    expect(
      (
        await send(target, undefined, {
          path: '/api/v1/ci/executions',
          body: { workflow: 'deploy' },
        })
      ).status,
    ).toBe(401);
    const basic = await send(target, undefined, {
      path: '/api/v1/ci/executions',
      body: { workflow: 'deploy' },
      headers: { authorization: `Basic ${token}` },
    });
    expect(basic.status).toBe(401);
  });

  it('refuses an ID token on every other route', async () => {
    const token = await gitlab.mintIdToken(PROTECTED_MAIN);
    for (const path of ['/api/v1/workflows', '/api/v1/connections', '/api/v1/keys']) {
      const answer = await h.bearer(token, { path });
      expect(answer.status, path).toBe(401);
      expect(answer.text).not.toContain(token);
    }
    const signedStart = await h.bearer(token, {
      path: '/api/v1/executions',
      body: { workflow: 'deploy' },
    });
    expect(signedStart.status).toBe(401);
  });
});

describe('CI API: task tokens', () => {
  async function waitingToken(): Promise<{ token: string; arn: string }> {
    const signed = await h.admin({ path: '/api/v1/executions', body: { workflow: 'gated' } });
    expect(signed.status).toBe(201);
    const task = await h.harness.server.engine.getActivityTask(
      'arn:aws:states:us-east-1:123456789012:activity:ci-approve',
      { waitMs: 5000, sleep: (ms, signal) => delay(ms, undefined, { signal }) },
    );
    if (task === undefined) throw new Error('no activity task');
    return { token: task.taskToken, arn: signed.json.executionArn as string };
  }

  it('completes a task when a rule allows "task" for its workflow', async () => {
    const { token, arn } = await waitingToken();
    const id = await gitlab.mintIdToken({ ...PROTECTED_MAIN, ref: 'feature' });
    const answer = await h.bearer(id, {
      path: '/api/v1/ci/task-success',
      body: { taskToken: token, output: { approved: true } },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.executionArn).toBe(arn);
    const execution = await h.admin({ path: executionPath(arn) });
    expect(['RUNNING', 'SUCCEEDED']).toContain(execution.json.status);
  });

  it('fails a task, and refuses a job no rule allows', async () => {
    const { token } = await waitingToken();
    const stranger = await gitlab.mintIdToken({
      ...PROTECTED_MAIN,
      project_id: '99',
      project_path: 'evil/project',
    });
    const denied = await h.bearer(stranger, {
      path: '/api/v1/ci/task-failure',
      body: { taskToken: token, error: 'Nope' },
    });
    expect(denied.status).toBe(403);
    const id = await gitlab.mintIdToken(PROTECTED_MAIN);
    const failed = await h.bearer(id, {
      path: '/api/v1/ci/task-failure',
      body: { taskToken: token, error: 'Deploy.Failed', cause: 'smoke tests' },
    });
    expect(failed.status).toBe(200);
  });

  it('refuses a malformed task token with a pointer', async () => {
    const id = await gitlab.mintIdToken(PROTECTED_MAIN);
    const answer = await h.bearer(id, {
      path: '/api/v1/ci/task-success',
      body: { taskToken: 'not-a-token' },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.message).toContain('/taskToken');
  });
});
