import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitLabClient, GitLabClientOptions } from '../../../src/integrations/gitlab/client.js';
import { createGitLabClient, projectPath } from '../../../src/integrations/gitlab/client.js';
import { GitLabApiError } from '../../../src/integrations/gitlab/errors.js';
import {
  compare,
  createHook,
  currentUser,
  getProject,
  getVersion,
  listHooks,
  tokenSelf,
  updateHook,
} from '../../../src/integrations/gitlab/instance-api.js';
import type { FakeGitLab, FakeProject } from '../../support/fake-gitlab.js';
import { startFakeGitLab } from '../../support/fake-gitlab.js';

let fake: FakeGitLab;
let project: FakeProject;
let sleeps: number[];

beforeEach(async () => {
  fake = await startFakeGitLab();
  project = fake.addProject('Group/Sub/Project');
  sleeps = [];
});
afterEach(() => fake.close());

function client(options: GitLabClientOptions = {}, token = fake.token): GitLabClient {
  return createGitLabClient(
    { name: 'default', baseUrl: fake.url, token },
    {
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
      clock: { nowMs: () => Date.parse('2026-05-01T10:00:00Z') },
      ...options,
    },
  );
}

async function failure(promise: Promise<unknown>): Promise<GitLabApiError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (outcome instanceof GitLabApiError) return outcome;
  return expect.fail(`expected a GitLabApiError, got ${String(outcome)}`);
}

const getPipelines = (c: GitLabClient) =>
  c.request({ method: 'GET', path: projectPath(project.id, '/pipelines/1') });

describe('GitLab client: requests', () => {
  it('sends PRIVATE-TOKEN, JSON, under /api/v4, and encodes each slash of a path id once', async () => {
    const c = client();
    const response = await c.request({
      method: 'GET',
      path: projectPath({ kind: 'path', path: 'group/sub/project' }),
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: project.id,
      path_with_namespace: 'Group/Sub/Project',
    });
    expect(fake.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/projects/group%2Fsub%2Fproject',
        token: 'valid',
      }),
    ]);
  });

  it('resolves a path to its id once, case-insensitively, per client', async () => {
    const c = client();
    expect(await c.resolveProject('group/sub/project')).toBe(project.id);
    expect(await c.resolveProject('GROUP/Sub/project')).toBe(project.id);
    expect(await c.resolveProject(project.id)).toBe(project.id);
    expect(await c.resolveProject(String(project.id))).toBe(project.id);
    expect(fake.requests).toHaveLength(1);
  });

  it('says a path with no project may be a group or invisible to the token', async () => {
    fake.addProject('g/hidden', { visible: false });
    const error = await failure(client().resolveProject('group/sub'));
    expect(error.error).toBe('GitLab.NotFound');
    expect(error.message).toBe(
      'No project at group/sub (it may be a group, or the token cannot see it).',
    );
    expect((await failure(client().resolveProject('g/hidden'))).error).toBe('GitLab.NotFound');
  });

  it('refuses a non-path before calling GitLab', async () => {
    const error = await failure(client().resolveProject('https://gitlab.com/g/p.git'));
    expect(error.error).toBe('GitLab.InvalidProjectPath');
    expect(error.message).toMatch(/configured for http:\/\/127\.0\.0\.1/);
    expect(fake.requests).toHaveLength(0);
  });

  it('follows the 301 of a renamed project to its numeric id, token kept', async () => {
    fake.renameProject(project.id, 'group/renamed');
    const c = client();
    const id = await c.resolveProject('Group/Sub/Project');
    expect(id).toBe(project.id);
    expect(fake.requests.map((r) => [r.path, r.token])).toEqual([
      ['/projects/Group%2FSub%2FProject', 'valid'],
      [`/projects/${project.id}`, 'valid'],
    ]);
  });

  it('sends a JSON body on POST', async () => {
    const c = client();
    await c.request({
      method: 'POST',
      path: projectPath(project.id, '/pipeline'),
      body: { ref: 'main' },
    });
    expect(fake.requests[0]?.body).toEqual({ ref: 'main' });
  });

  it('encodes array query values as key[]', async () => {
    await client().request({
      method: 'GET',
      path: '/version',
      query: { scope: ['failed', 'manual'], include_retried: true, skipped: undefined },
    });
    expect(decodeURIComponent(fake.requests[0]?.query ?? '')).toBe(
      '?scope[]=failed&scope[]=manual&include_retried=true',
    );
  });
});

describe('GitLab client: errors', () => {
  it.each([
    [400, 'GitLab.BadRequest'],
    [403, 'GitLab.Forbidden'],
    [404, 'GitLab.NotFound'],
    [409, 'GitLab.Conflict'],
    [413, 'GitLab.TooLarge'],
    [422, 'GitLab.Unprocessable'],
    [500, 'GitLab.ServerError'],
    [503, 'GitLab.ServerError'],
  ])('maps HTTP %i to %s, quoting GitLab', async (status, name) => {
    fake.failNext('POST', /\/pipeline$/, { status, body: { message: `said ${status}` } }, 1);
    const error = await failure(
      client().request({ method: 'POST', path: projectPath(project.id, '/pipeline'), body: {} }),
    );
    expect(error.error).toBe(name);
    expect(error.status).toBe(status);
    expect(error.message).toBe(
      `GitLab answered ${status} to POST /projects/${project.id}/pipeline: said ${status}`,
    );
  });

  it('quotes field errors ({"message": {"base": [...]}}) and `error` bodies', async () => {
    fake.failNext('GET', /pipelines/, { status: 400, body: { message: { ref: ['is invalid'] } } });
    expect((await failure(getPipelines(client()))).message).toContain('{"ref":["is invalid"]}');
    fake.failNext('GET', /pipelines/, { status: 400, body: { error: 'ref is missing' } });
    expect((await failure(getPipelines(client()))).message).toContain(': ref is missing');
  });

  it('answers 401 for a wrong token, and never puts the token in the message', async () => {
    const secret = 'glpat-wrong-secret-token-value';
    const error = await failure(getVersion(client({}, secret)));
    expect(error.error).toBe('GitLab.Unauthorized');
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(fake.requests)).not.toContain(secret);
  });

  it('redacts the token even when GitLab echoes it back', async () => {
    fake.failNext('GET', /version/, { status: 400, body: { message: `bad token ${fake.token}` } });
    const error = await failure(getVersion(client()));
    expect(error.message).toContain('bad token [REDACTED]');
    expect(error.message).not.toContain(fake.token);
    expect(error.gitlabMessage).not.toContain(fake.token);
  });

  it('fails GitLab.Timeout when GitLab does not answer in time', async () => {
    fake.failNext('GET', /version/, 'hang');
    const error = await failure(getVersion(client({ timeoutMs: 150 })));
    expect(error.error).toBe('GitLab.Timeout');
    expect(error.message).toMatch(/no answer from http:\/\/127\.0\.0\.1:\d+ within 150 ms/);
  });

  it('stops at once when the caller aborts, as GitLab.Aborted', async () => {
    fake.failNext('GET', /version/, 'hang');
    const controller = new AbortController();
    const pending = failure(
      client().request({ method: 'GET', path: '/version', signal: controller.signal }),
    );
    setTimeout(() => controller.abort(new Error('execution stopped')), 50);
    expect((await pending).error).toBe('GitLab.Aborted');
  });

  it('fails GitLab.ConnectionFailed when nothing listens, after retrying the GET', async () => {
    const url = fake.url;
    await fake.close();
    const c = createGitLabClient(
      { name: 'x', baseUrl: url, token: 'glpat-unreachable-token' },
      { sleep: (ms) => (sleeps.push(ms), Promise.resolve()), random: () => 0 },
    );
    const error = await failure(getVersion(c));
    expect(error.error).toBe('GitLab.ConnectionFailed');
    expect(error.message).toMatch(/after 4 attempts: .*ECONNREFUSED/);
    expect(sleeps).toEqual([100, 200, 400]);
    fake = await startFakeGitLab();
  });

  it('does not follow a redirect that leaves the API for another origin with a POST', async () => {
    fake.failNext('POST', /pipeline$/, {
      status: 302,
      headers: { location: 'https://evil.example/x' },
    });
    const error = await failure(
      client().request({ method: 'POST', path: projectPath(project.id, '/pipeline'), body: {} }),
    );
    expect(error.message).toMatch(/redirected to https:\/\/evil\.example.*not followed/);
  });
});

describe('GitLab client: retries', () => {
  it('honours Retry-After on a 429 and retries the GET', async () => {
    fake.failNext('GET', /version/, { status: 429, headers: { 'retry-after': '7' } });
    expect((await getVersion(client())).version).toBe('19.0.1-ee');
    expect(sleeps).toEqual([7000]);
  });

  it('uses RateLimit-Reset when there is no Retry-After', async () => {
    const reset = Date.parse('2026-05-01T10:00:12Z') / 1000;
    fake.failNext('GET', /version/, { status: 429, headers: { 'ratelimit-reset': String(reset) } });
    await getVersion(client());
    expect(sleeps).toEqual([12000]);
  });

  it('backs off exponentially with jitter when a 429 names no wait', async () => {
    fake.failNext('GET', /version/, { status: 429 }, 3);
    await getVersion(client());
    // 1 s, 2 s, 4 s ceilings; random 0.5 gives 55% of each.
    expect(sleeps).toEqual([550, 1100, 2200]);
  });

  it('gives up after the retry budget with GitLab.RateLimited naming the wait', async () => {
    fake.failNext('GET', /version/, { status: 429, headers: { 'retry-after': '3' } }, 10);
    const error = await failure(getVersion(client({ maxRetries: 2 })));
    expect(error.error).toBe('GitLab.RateLimited');
    expect(error.retryAfterSeconds).toBe(3);
    expect(error.message).toMatch(/retry after 3 s/);
    expect(sleeps).toEqual([3000, 3000]);
  });

  it('does not sleep through a wait longer than maxRetryWaitMs: it tells the caller', async () => {
    fake.failNext('GET', /version/, { status: 429, headers: { 'retry-after': '120' } });
    const error = await failure(getVersion(client()));
    expect(error.error).toBe('GitLab.RateLimited');
    expect(error.retryAfterSeconds).toBe(120);
    expect(sleeps).toEqual([]);
  });

  it('does not retry a 429 on a POST that is not idempotent', async () => {
    fake.failNext('POST', /pipeline$/, { status: 429, headers: { 'retry-after': '1' } });
    const error = await failure(
      client().request({
        method: 'POST',
        path: projectPath(project.id, '/pipeline'),
        body: { ref: 'main' },
      }),
    );
    expect(error.error).toBe('GitLab.RateLimited');
    expect(fake.pipelines.size).toBe(0);
    expect(sleeps).toEqual([]);
  });

  it('retries a 5xx on GET, not on POST', async () => {
    fake.failNext('GET', /version/, { status: 502 }, 2);
    await getVersion(client());
    expect(sleeps).toHaveLength(2);
    fake.failNext('POST', /pipeline$/, { status: 500 });
    const error = await failure(
      client().request({
        method: 'POST',
        path: projectPath(project.id, '/pipeline'),
        body: { ref: 'main' },
      }),
    );
    expect(error.error).toBe('GitLab.ServerError');
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('fails GitLab.ServerError when 5xx outlasts the retries', async () => {
    fake.failNext('GET', /version/, { status: 500 }, 10);
    const error = await failure(getVersion(client({ maxRetries: 1 })));
    expect(error.error).toBe('GitLab.ServerError');
    expect(fake.requests).toHaveLength(2);
  });

  it('a cancelled wait between retries ends as GitLab.Aborted', async () => {
    fake.failNext('GET', /version/, { status: 503 });
    const controller = new AbortController();
    const c = client({
      sleep: () => {
        controller.abort();
        return Promise.reject(new Error('aborted'));
      },
    });
    const error = await failure(
      c.request({ method: 'GET', path: '/version', signal: controller.signal }),
    );
    expect(error.error).toBe('GitLab.Aborted');
  });
});

describe('GitLab client: pagination', () => {
  async function pipelineWithJobs(count: number): Promise<number> {
    project.jobTemplate = Array.from({ length: count }, (_, i) => ({
      name: `job${i}`,
      stage: 'test',
    }));
    const c = client();
    const { body } = await c.request({
      method: 'POST',
      path: projectPath(project.id, '/pipeline'),
      body: { ref: 'main' },
    });
    return Number((body as { id: number }).id);
  }

  it('reads every page through Link, 100 per page', async () => {
    const id = await pipelineWithJobs(250);
    const list = await client().list({
      method: 'GET',
      path: projectPath(project.id, `/pipelines/${id}/jobs`),
    });
    expect(list.items).toHaveLength(250);
    expect(list.truncated).toBe(false);
    const pages = fake.requests.filter((r) => r.path.endsWith('/jobs'));
    expect(pages.map((r) => new URLSearchParams(r.query).get('page'))).toEqual([null, '2', '3']);
    expect(pages.every((r) => new URLSearchParams(r.query).get('per_page') === '100')).toBe(true);
  });

  it('stops at the page cap and says the list is truncated', async () => {
    const id = await pipelineWithJobs(250);
    const list = await client({ maxPages: 2 }).list({
      method: 'GET',
      path: projectPath(project.id, `/pipelines/${id}/jobs`),
    });
    expect(list.items).toHaveLength(200);
    expect(list.truncated).toBe(true);
  });

  it('stops at maxItems', async () => {
    const id = await pipelineWithJobs(30);
    const list = await client().list(
      { method: 'GET', path: projectPath(project.id, `/pipelines/${id}/jobs`) },
      10,
    );
    expect(list.items).toHaveLength(10);
    expect(list.truncated).toBe(true);
  });

  it('keeps array filters on later pages', async () => {
    const id = await pipelineWithJobs(150);
    await client().list({
      method: 'GET',
      path: projectPath(project.id, `/pipelines/${id}/jobs`),
      query: { scope: ['created'] },
    });
    const pages = fake.requests.filter((r) => r.path.endsWith('/jobs'));
    expect(pages).toHaveLength(2);
    expect(pages.every((r) => decodeURIComponent(r.query).includes('scope[]=created'))).toBe(true);
  });
});

describe('GitLab instance calls', () => {
  it('reads the version, the token and the user', async () => {
    const c = client();
    expect(await getVersion(c)).toEqual({ version: '19.0.1-ee', revision: 'abc123' });
    expect(await tokenSelf(c)).toEqual({
      known: true,
      name: 'baton',
      scopes: ['api'],
      expiresAt: '2027-01-01',
    });
    expect(await currentUser(c)).toEqual({ id: 7, username: 'baton-bot' });
  });

  it('describes a token GitLab cannot (project or group token) as unknown, not an error', async () => {
    fake.tokenInfo = undefined;
    expect(await tokenSelf(client())).toEqual({
      known: false,
      name: null,
      scopes: [],
      expiresAt: null,
    });
  });

  it('reads a project by id with its canonical path, and says NotFound for one it cannot see', async () => {
    fake.renameProject(project.id, 'Group/Sub/Renamed');
    expect(await getProject(client(), project.id)).toEqual({
      id: project.id,
      pathWithNamespace: 'Group/Sub/Renamed',
    });
    const hidden = fake.addProject('group/hidden', { visible: false });
    const error = await failure(getProject(client(), hidden.id));
    expect(error.error).toBe('GitLab.NotFound');
    expect(error.status).toBe(404);
  });

  it('creates and updates a hook, reading back signing_token_present without the tokens', async () => {
    const c = client();
    const hook = await createHook(c, project.id, {
      url: 'https://baton.example/hooks/gitlab/default',
      token: 'secret-token',
      signingToken: 'whsec_c2lnbmluZw==',
      events: { push_events: true, pipeline_events: true },
    });
    expect(hook).toMatchObject({
      url: 'https://baton.example/hooks/gitlab/default',
      events: { push_events: true, pipeline_events: true },
      enableSslVerification: true,
      tokenPresent: true,
      signingTokenPresent: true,
    });
    expect(JSON.stringify(hook)).not.toContain('secret-token');
    const updated = await updateHook(c, project.id, hook.id, {
      url: 'https://baton.example/hooks/gitlab/default',
      token: 'secret-token',
      events: { push_events: false, job_events: true },
    });
    expect(updated.events).toMatchObject({ push_events: false, job_events: true });
    expect((await listHooks(c, project.id)).map((h) => h.id)).toEqual([hook.id]);
  });

  it('before GitLab 19.0 the signing token is ignored and its presence unknown', async () => {
    fake.version = '17.11.2';
    const hook = await createHook(client(), project.id, {
      url: 'https://baton.example/h',
      signingToken: 'whsec_c2lnbmluZw==',
      events: { push_events: true },
    });
    expect(hook.signingTokenPresent).toBeUndefined();
  });

  it('lists the paths changed between two commits', async () => {
    fake.compares.set('a...b', ['src/x.ts', 'docs/y.md']);
    expect(await compare(client(), project.id, 'a', 'b')).toEqual({
      paths: ['src/x.ts', 'docs/y.md'],
      timedOut: false,
    });
    expect((await failure(compare(client(), project.id, 'a', 'zzz'))).error).toBe(
      'GitLab.NotFound',
    );
  });
});
