/** GitLab connections at /api/v1/connections. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnectionLookup, createWebhookSecretLookup } from '../../../src/api/auth/index.js';
import { getOwn, isJsonObject } from '../../../src/common/index.js';
import { parseMasterKey } from '../../../src/identity/index.js';
import { GitLabClients } from '../../../src/integrations/gitlab/index.js';
import type { FakeGitLab, FakeProject } from '../../support/fake-gitlab.js';
import { startFakeGitLab } from '../../support/fake-gitlab.js';
import type { GitLabHarness } from './gitlab-harness.js';
import { PUBLIC_URL, startGitLabHarness } from './gitlab-harness.js';
import { MASTER_KEY, client } from './rest-client.js';

let h: GitLabHarness;
let gitlab: FakeGitLab;
let project: FakeProject;
const TOKEN = 'glpat-fake-token-0123456789';
const SECRET = 'hook-secret-value-42';
const TOKEN_INFO = { name: 'baton', scopes: ['api', 'read_user'], expires_at: '2027-01-01' };
/** The waits of the GitLab client's retries (it sleeps through none of them here). */
const retryWaits: number[] = [];
const MAX_RETRIES = 2;
let counter = 0;
let name: string;

beforeAll(async () => {
  gitlab = await startFakeGitLab({ token: TOKEN });
  gitlab.version = '19.1.0';
  gitlab.tokenInfo = TOKEN_INFO;
  project = gitlab.addProject('my-group/my-project');
  h = await startGitLabHarness({
    gitlabClients: new GitLabClients({
      maxRetries: MAX_RETRIES,
      sleep: (ms) => {
        retryWaits.push(ms);
        return Promise.resolve();
      },
    }),
  });
});
afterAll(async () => {
  await h.close();
  await gitlab.close();
});
beforeEach(() => {
  name = `gl${++counter}`;
});

function create(body: Record<string, unknown> = {}) {
  return h.admin({
    path: '/api/v1/connections',
    body: { name, baseUrl: gitlab.url, token: TOKEN, ...body },
  });
}

/** No secret given to the API appears in `text`. */
function expectNoSecrets(text: string, ...secrets: string[]) {
  for (const secret of [TOKEN, SECRET, ...secrets]) expect(text).not.toContain(secret);
}

describe('connections', () => {
  it('creates a connection and returns it without any secret', async () => {
    const created = await create({ webhookSecret: SECRET });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      name,
      baseUrl: gitlab.url,
      idTokenIssuer: gitlab.url,
      jwksUrl: `${gitlab.url}/oauth/discovery/keys`,
      hasWebhookSecret: true,
      hasSigningToken: false,
      webhookUrl: `${PUBLIC_URL}/hooks/gitlab/${name}`,
      ciRules: [],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expectNoSecrets(created.text);
    const shown = await h.admin({ path: `/api/v1/connections/${name}` });
    expect(shown.json).toEqual(created.json);
    const listed = await h.admin({ path: '/api/v1/connections' });
    expect(listed.json.connections).toContainEqual(created.json);
    expectNoSecrets(shown.text + listed.text);
  });

  it('stores secrets sealed, bound to the connection, and opens them for the runtime', async () => {
    await create({ webhookSecret: SECRET });
    const record = await h.harness.server.store.gitlabConnections.get(name);
    expectNoSecrets(JSON.stringify(record));
    const masterKey = parseMasterKey(MASTER_KEY, 'test');
    const lookup = createConnectionLookup(h.harness.server.store.gitlabConnections, masterKey);
    expect(await lookup(name)).toEqual({ name, baseUrl: gitlab.url, token: TOKEN });
    expect(await lookup('missing')).toBeUndefined();
    const secrets = createWebhookSecretLookup(h.harness.server.store.gitlabConnections, masterKey);
    expect(await secrets(name)).toEqual({ secretToken: SECRET });
    // A sealed token moved onto another connection does not open.
    const other = `${name}-other`;
    await h.admin({
      path: '/api/v1/connections',
      body: { name: other, baseUrl: gitlab.url, token: 'x' },
    });
    await h.harness.server.store.gitlabConnections.update(other, {
      tokenSealed: record?.tokenSealed ?? '',
      now: new Date().toISOString(),
    });
    await expect(lookup(other)).rejects.toMatchObject({ code: 'SECRET_UNREADABLE' });
  });

  it('generates a signing token when asked and shows it exactly once', async () => {
    const created = await create({ generateSigningToken: true });
    expect(created.status).toBe(201);
    const signingToken = created.json.signingToken as string;
    expect(signingToken).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(signingToken.slice(6), 'base64')).toHaveLength(32);
    expect(created.json.hasSigningToken).toBe(true);
    const shown = await h.admin({ path: `/api/v1/connections/${name}` });
    expect(shown.text).not.toContain(signingToken);
    expect(shown.json.signingToken).toBeUndefined();
    const secrets = createWebhookSecretLookup(
      h.harness.server.store.gitlabConnections,
      parseMasterKey(MASTER_KEY, 'test'),
    );
    expect(await secrets(name)).toEqual({ signingToken });
  });

  it('never echoes a given signing token', async () => {
    const given = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const created = await create({ signingToken: given });
    expect(created.status).toBe(201);
    expectNoSecrets(created.text, given);
  });

  it('refuses bad input with a pointer for every problem, echoing no secret', async () => {
    const answer = await h.admin({
      path: '/api/v1/connections',
      body: {
        name: '-bad name',
        baseUrl: 'http://gitlab.example.com',
        webhookSecret: `${SECRET} `,
        signingToken: 'whsec_short',
        ciRules: [{ projects: ['https://gitlab.com/g/p'], workflows: ['x'], actions: ['start'] }],
        extra: true,
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.details.map((d: { pointer: string }) => d.pointer)).toEqual([
      '/extra',
      '/name',
      '/baseUrl',
      '/token',
      '/webhookSecret',
      '/signingToken',
      '/ciRules/0/projects/0',
    ]);
    expect(answer.json.details[2].message).toContain('must use https');
    expectNoSecrets(answer.text);
  });

  it('normalises base URLs and refuses API, page and credential URLs', async () => {
    const cases: [string, number, string?][] = [
      ['https://GitLab.Example.com/', 201, 'https://gitlab.example.com'],
      ['https://example.com/gitlab/', 201, 'https://example.com/gitlab'],
      ['http://127.0.0.1:8080', 201, 'http://127.0.0.1:8080'],
      ['https://gitlab.com/api/v4', 400],
      ['https://gitlab.com/g/p/-/tree/main', 400],
      ['https://user:pw@gitlab.com', 400],
      ['https://gitlab.com/?x=1', 400],
      ['ftp://gitlab.com', 400],
      ['gitlab.com', 400],
    ];
    for (const [baseUrl, status, normalised] of cases) {
      name = `gl${++counter}`;
      const answer = await create({ baseUrl });
      expect(answer.status, baseUrl).toBe(status);
      if (normalised !== undefined) expect(answer.json.baseUrl).toBe(normalised);
      else expect(answer.json.details[0].pointer).toBe('/baseUrl');
    }
    name = `gl${++counter}`;
    expect((await create({ baseUrl: 'https://gitlab.com/api/v4' })).json.message).toContain(
      'use https://gitlab.com',
    );
  });

  it('refuses a second connection with the same name (409)', async () => {
    await create();
    expect((await create()).status).toBe(409);
  });

  it('updates: rotates the token, removes the secret, sets rules; issuer follows the base URL', async () => {
    await create({ webhookSecret: SECRET });
    const updated = await h.admin({
      method: 'PUT',
      path: `/api/v1/connections/${name}`,
      body: {
        token: 'glpat-rotated',
        webhookSecret: null,
        baseUrl: 'https://gitlab.example.org',
        ciRules: [{ projects: ['g/p'], workflows: ['deploy'], actions: ['start'] }],
      },
    });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({
      hasWebhookSecret: false,
      baseUrl: 'https://gitlab.example.org',
      idTokenIssuer: 'https://gitlab.example.org',
      jwksUrl: 'https://gitlab.example.org/oauth/discovery/keys',
      ciRules: [
        { projects: ['g/p'], workflows: ['deploy'], actions: ['start'], protectedRefsOnly: true },
      ],
    });
    expect(updated.text).not.toContain('glpat-rotated');
    const lookup = createConnectionLookup(
      h.harness.server.store.gitlabConnections,
      parseMasterKey(MASTER_KEY, 'test'),
    );
    expect((await lookup(name))?.token).toBe('glpat-rotated');
  });

  it('keeps an issuer set apart from the base URL when the base URL changes', async () => {
    await create({ idTokenIssuer: 'https://issuer.example.com' });
    const updated = await h.admin({
      method: 'PUT',
      path: `/api/v1/connections/${name}`,
      body: { baseUrl: 'https://gitlab.example.org' },
    });
    expect(updated.json.idTokenIssuer).toBe('https://issuer.example.com');
  });

  it('deletes; unknown names are 404 and odd names never reach the store', async () => {
    await create();
    expect((await h.admin({ method: 'DELETE', path: `/api/v1/connections/${name}` })).status).toBe(
      204,
    );
    expect((await h.admin({ path: `/api/v1/connections/${name}` })).status).toBe(404);
    expect((await h.admin({ method: 'DELETE', path: `/api/v1/connections/${name}` })).status).toBe(
      404,
    );
    expect((await h.admin({ path: '/api/v1/connections/..%2F..' })).status).toBe(404);
  });

  it('is admin only, and refuses unsigned requests and ID tokens', async () => {
    const issued = await client(h.harness)({ path: '/api/v1/keys', body: { name: 'alice' } });
    const alice = {
      accessKeyId: issued.json.accessKeyId as string,
      secretAccessKey: issued.json.secretAccessKey as string,
    };
    const { send } = await import('./rest-client.js');
    const target = { ...h.harness.server, url: h.plugin.url };
    const asAlice = await send(target, alice, { path: '/api/v1/connections' });
    expect(asAlice.status).toBe(403);
    expect((await send(target, undefined, { path: '/api/v1/connections' })).status).toBe(401);
    expect((await h.bearer('a.b.c', { path: '/api/v1/connections' })).status).toBe(401);
  });

  it('never logs a secret', async () => {
    await create({ webhookSecret: SECRET, generateSigningToken: true });
    await create({ webhookSecret: SECRET });
    await h.admin({ path: '/api/v1/connections', body: { name: 'x y', token: TOKEN } });
    expectNoSecrets([...h.plugin.logs, ...h.harness.logs].join('\n'));
  });
});

describe('connection test', () => {
  it('reports the version, the token and each project', async () => {
    await create();
    gitlab.requests.length = 0;
    const id = String(project.id);
    const report = await h.admin({
      path: `/api/v1/connections/${name}/test`,
      body: { projects: ['My-Group/my-project', id, 'my-group/sub'] },
    });
    expect(report.status).toBe(200);
    expect(report.json).toEqual({
      connection: name,
      ok: false,
      instance: { ok: true, version: '19.1.0' },
      token: {
        ok: true,
        name: 'baton',
        scopes: ['api', 'read_user'],
        expiresAt: '2027-01-01',
        user: 'baton-bot',
      },
      projects: [
        { project: 'My-Group/my-project', ok: true, id, path: 'my-group/my-project' },
        { project: id, ok: true, id, path: 'my-group/my-project' },
        {
          project: 'my-group/sub',
          ok: false,
          problem: expect.stringContaining('it may be a group'),
        },
      ],
    });
    expect(gitlab.requests.length).toBeGreaterThan(0);
    expect(gitlab.requests.every((r) => r.token === 'valid')).toBe(true);
    expect(gitlab.requests.some((r) => r.path === '/projects/My-Group%2Fmy-project')).toBe(true);
    expectNoSecrets(report.text);
  });

  it('says what to do when the token is refused or lacks the api scope', async () => {
    await create({ token: 'glpat-wrong' });
    const refused = await h.admin({ method: 'POST', path: `/api/v1/connections/${name}/test` });
    expect(refused.json.ok).toBe(false);
    expect(refused.json.instance.problem).toContain('401');
    expect(refused.text).not.toContain('glpat-wrong');
    name = `gl${++counter}`;
    await create();
    gitlab.tokenInfo = { ...TOKEN_INFO, scopes: ['read_api'] };
    try {
      const weak = await h.admin({ method: 'POST', path: `/api/v1/connections/${name}/test` });
      expect(weak.json.token.ok).toBe(false);
      expect(weak.json.token.problem).toContain('needs api');
    } finally {
      gitlab.tokenInfo = TOKEN_INFO;
    }
  });

  it('falls back to /user when the instance has no token self endpoint', async () => {
    await create();
    gitlab.tokenInfo = undefined;
    try {
      const report = await h.admin({ method: 'POST', path: `/api/v1/connections/${name}/test` });
      expect(report.json.token).toEqual({
        ok: true,
        name: null,
        scopes: null,
        expiresAt: null,
        user: 'baton-bot',
      });
    } finally {
      gitlab.tokenInfo = TOKEN_INFO;
    }
  });

  it('goes through the shared GitLab client, which retries what GitLab failed on', async () => {
    await create();
    retryWaits.length = 0;
    gitlab.failNext('GET', /^\/version$/, { status: 502, body: { message: 'Bad Gateway' } });
    const report = await h.admin({ method: 'POST', path: `/api/v1/connections/${name}/test` });
    expect(report.json.instance).toEqual({ ok: true, version: '19.1.0' });
    expect(retryWaits).toHaveLength(1);
  });

  it('says the instance is failing when it keeps answering 5xx', async () => {
    await create();
    // Every attempt fails (the first and MAX_RETRIES retries), so no fault is left over.
    gitlab.failNext(
      'GET',
      /^\/version$/,
      { status: 503, body: { message: 'upgrading' } },
      MAX_RETRIES + 1,
    );
    const report = await h.admin({ method: 'POST', path: `/api/v1/connections/${name}/test` });
    expect(report.json).toMatchObject({ ok: false, token: null, projects: [] });
    expect(report.json.instance.problem).toContain('may be down or upgrading');
    expect(report.json.instance.problem).toContain('503');
    expectNoSecrets(report.text);
  });

  it('reports an instance that does not answer', async () => {
    await create({ baseUrl: 'http://127.0.0.1:1' });
    const report = await h.admin({ method: 'POST', path: `/api/v1/connections/${name}/test` });
    expect(report.status).toBe(200);
    expect(report.json.ok).toBe(false);
    expect(report.json.instance.problem).toContain('could not connect');
  });

  it('refuses project URLs in place of paths, showing the path', async () => {
    await create();
    const answer = await h.admin({
      path: `/api/v1/connections/${name}/test`,
      body: { projects: ['g/p/-/blob/main/a.yml'] },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.details[0]).toMatchObject({ pointer: '/projects/0' });
    expect(answer.json.details[0].message).toContain('(g/p)');
  });
});

describe('hook install', () => {
  it('creates the hook once and updates it after, with the secret and the events', async () => {
    await create({ webhookSecret: SECRET });
    const first = await h.admin({
      path: `/api/v1/connections/${name}/hooks`,
      body: { project: 'my-group/my-project', events: ['push', 'pipeline'] },
    });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      ok: true,
      action: 'created',
      project: 'my-group/my-project',
      url: `${PUBLIC_URL}/hooks/gitlab/${name}`,
      warnings: [],
    });
    expectNoSecrets(first.text);
    const second = await h.admin({
      path: `/api/v1/connections/${name}/hooks`,
      body: { project: String(project.id) },
    });
    expect(second.json).toMatchObject({
      action: 'updated',
      hookId: first.json.hookId,
      project: 'my-group/my-project',
    });
    const url = `${PUBLIC_URL}/hooks/gitlab/${name}`;
    const hooks = [...gitlab.hooks.values()].filter((hook) => hook.fields['url'] === url);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({
      projectId: project.id,
      tokenSet: true,
      signingTokenSet: false,
      fields: {
        push_events: true,
        merge_requests_events: true,
        releases_events: false,
        enable_ssl_verification: true,
      },
    });
    // GitLab resets the secret when a hook changes, so both saves send it.
    const saves = gitlab.requests.filter(
      (r) => r.method !== 'GET' && isJsonObject(r.body) && getOwn(r.body, 'url') === url,
    );
    expect(saves.map((r) => [r.method, isJsonObject(r.body) && getOwn(r.body, 'token')])).toEqual([
      ['POST', SECRET],
      ['PUT', SECRET],
    ]);
  });

  it('says what to do when GitLab refuses the hook, without echoing the secret', async () => {
    await create({ webhookSecret: SECRET });
    gitlab.failNext('GET', /\/hooks$/, { status: 403, body: { message: '403 Forbidden' } });
    const listing = await h.admin({
      path: `/api/v1/connections/${name}/hooks`,
      body: { project: 'my-group/my-project' },
    });
    expect(listing.json).toMatchObject({
      ok: false,
      problem: expect.stringContaining('Maintainer'),
    });
    gitlab.failNext('POST', /\/hooks$/, {
      status: 422,
      body: { message: { token: [`${SECRET} is not accepted`] } },
    });
    const saving = await h.admin({
      path: `/api/v1/connections/${name}/hooks`,
      body: { project: 'my-group/my-project' },
    });
    expect(saving.json).toMatchObject({
      ok: false,
      problem: expect.stringContaining('saving the hook of my-group/my-project'),
    });
    expect(saving.json.problem).toContain('422');
    expectNoSecrets(listing.text + saving.text);
    expectNoSecrets([...h.plugin.logs, ...h.harness.logs].join('\n'));
  });

  it('warns when an instance older than 19.0 drops the signing token', async () => {
    await create({ generateSigningToken: true });
    gitlab.version = '18.11.0';
    try {
      const answer = await h.admin({
        path: `/api/v1/connections/${name}/hooks`,
        body: { project: 'my-group/my-project' },
      });
      expect(answer.json.ok).toBe(true);
      expect(answer.json.warnings[0]).toContain('older than 19.0');
    } finally {
      gitlab.version = '19.1.0';
    }
    const kept = await h.admin({
      path: `/api/v1/connections/${name}/hooks`,
      body: { project: 'my-group/my-project' },
    });
    expect(kept.json.warnings).toEqual([]);
  });

  it('refuses to install a hook anyone could call (no secret, no signing token)', async () => {
    await create();
    const answer = await h.admin({
      path: `/api/v1/connections/${name}/hooks`,
      body: { project: 'my-group/my-project' },
    });
    expect(answer.status).toBe(409);
    expect(answer.json.message).toContain('--webhook-secret-env');
  });

  it('refuses unknown events and reports a missing project', async () => {
    await create({ webhookSecret: SECRET });
    const bad = await h.admin({
      path: `/api/v1/connections/${name}/hooks`,
      body: { project: 'my-group/my-project', events: ['push', 'everything'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.details[0].pointer).toBe('/events/1');
    const missing = await h.admin({
      path: `/api/v1/connections/${name}/hooks`,
      body: { project: 'nobody/nothing' },
    });
    expect(missing.json).toMatchObject({
      ok: false,
      problem: expect.stringContaining('No project'),
    });
  });
});

describe('group hook install', () => {
  const hooksPath = () => `/api/v1/connections/${name}/hooks`;
  const groupHooks = (url: string) =>
    [...gitlab.hooks.values()].filter((hook) => hook.fields['url'] === url);

  it('creates the group hook once and updates it after (by path, other case, or id)', async () => {
    const group = gitlab.addGroup('acme/platform');
    await create({ webhookSecret: SECRET });
    const first = await h.admin({
      path: hooksPath(),
      body: { group: 'acme/platform', events: ['push', 'merge_request'] },
    });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      connection: name,
      ok: true,
      action: 'created',
      hookId: expect.any(String),
      group: 'acme/platform',
      url: `${PUBLIC_URL}/hooks/gitlab/${name}`,
      events: ['push', 'merge_request'],
      warnings: [],
    });
    expectNoSecrets(first.text);
    for (const again of ['ACME/Platform', String(group.id)]) {
      const second = await h.admin({ path: hooksPath(), body: { group: again } });
      expect(second.json).toMatchObject({
        ok: true,
        action: 'updated',
        hookId: first.json.hookId,
        group: 'acme/platform',
      });
    }
    const url = `${PUBLIC_URL}/hooks/gitlab/${name}`;
    const hooks = groupHooks(url);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({
      groupId: group.id,
      projectId: null,
      tokenSet: true,
      fields: { push_events: true, merge_requests_events: true, pipeline_events: true },
    });
    // The group is looked up by its path encoded once, and every save sends the secret again.
    const paths = gitlab.requests.map((r) => r.path);
    expect(paths).toContain('/groups/acme%2Fplatform');
    expect(paths.some((p) => p.includes('%252F') || p.startsWith('/groups/acme/'))).toBe(false);
    const saves = gitlab.requests.filter(
      (r) => r.method !== 'GET' && isJsonObject(r.body) && getOwn(r.body, 'url') === url,
    );
    expect(
      saves.map((r) => [r.method, r.path, isJsonObject(r.body) && getOwn(r.body, 'token')]),
    ).toEqual([
      ['POST', `/groups/${group.id}/hooks`, SECRET],
      ['PUT', `/groups/${group.id}/hooks/${first.json.hookId}`, SECRET],
      ['PUT', `/groups/${group.id}/hooks/${first.json.hookId}`, SECRET],
    ]);
  });

  it('keeps the project hook and the group hook apart (one each, same URL)', async () => {
    gitlab.addGroup('my-group');
    await create({ webhookSecret: SECRET });
    const onProject = await h.admin({
      path: hooksPath(),
      body: { project: 'my-group/my-project' },
    });
    const onGroup = await h.admin({ path: hooksPath(), body: { group: 'my-group' } });
    expect(onProject.json).toMatchObject({ action: 'created', project: 'my-group/my-project' });
    expect(onGroup.json).toMatchObject({ action: 'created', group: 'my-group' });
    expect(onGroup.json).not.toHaveProperty('project');
    expect(onGroup.json.hookId).not.toBe(onProject.json.hookId);
    expect(groupHooks(`${PUBLIC_URL}/hooks/gitlab/${name}`)).toHaveLength(2);
  });

  it('refuses project and group together, and neither, before calling GitLab', async () => {
    await create({ webhookSecret: SECRET });
    const before = gitlab.requests.length;
    const both = await h.admin({
      path: hooksPath(),
      body: { project: 'my-group/my-project', group: 'my-group' },
    });
    expect(both.status).toBe(400);
    expect(both.json.details).toEqual([
      expect.objectContaining({ pointer: '/group', message: expect.stringContaining('not both') }),
    ]);
    const neither = await h.admin({ path: hooksPath(), body: { events: ['push'] } });
    expect(neither.status).toBe(400);
    expect(neither.json.details).toEqual([
      expect.objectContaining({
        pointer: '/project',
        message: expect.stringContaining('or group instead'),
      }),
    ]);
    const empty = await h.admin({ path: hooksPath(), body: { group: '' } });
    expect(empty.status).toBe(400);
    expect(empty.json.details).toHaveLength(1);
    const number = await h.admin({ path: hooksPath(), body: { group: 42 } });
    expect(number.json.details[0]).toMatchObject({
      pointer: '/group',
      message: 'must be a string',
    });
    expect(gitlab.requests.length).toBe(before);
  });

  it.each([
    ['https://gitlab.example.com/groups/acme/platform/-/hooks', 'group path "acme/platform"'],
    ['https://gitlab.example.com/acme/platform', 'group path "acme/platform"'],
    ['acme/web/-/tree/main', 'before /-/ (here "acme/web"'],
    ['git@gitlab.example.com:acme/web.git', 'its group "acme"'],
    ['acme%2Fplatform', 'plain slashes, "acme/platform"'],
    ['/acme/platform/', 'use "acme/platform"'],
    ['acme//platform', 'use "acme/platform"'],
    [' acme', 'whitespace around it'],
    ['acme/blob/main', 'not allowed in group paths'],
    ['groups', 'reserved GitLab route'],
    [Array.from({ length: 22 }, (_, i) => `g${i}`).join('/'), 'at most 21'],
  ])('refuses the group %s with the path to use', async (group, hint) => {
    await create({ webhookSecret: SECRET });
    const answer = await h.admin({ path: hooksPath(), body: { group } });
    expect(answer.status).toBe(400);
    expect(answer.json.details).toHaveLength(1);
    expect(answer.json.details[0].pointer).toBe('/group');
    expect(answer.json.details[0].message).toContain(hint);
  });

  it('says there is no group (or the token cannot see it) on a 404', async () => {
    gitlab.addGroup('hidden-group', { visible: false });
    await create({ webhookSecret: SECRET });
    for (const group of ['hidden-group', 'no-such-group/sub']) {
      const answer = await h.admin({ path: hooksPath(), body: { group } });
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ ok: false });
      expect(answer.json.problem).toMatch(
        new RegExp(`^No group at ${group} \\(or the token cannot see it\\)`),
      );
    }
  });

  it('says a 403 needs the Owner role and Premium, and a 404 on the hooks needs Premium', async () => {
    gitlab.addGroup('locked', { hooksAllowed: false });
    gitlab.addGroup('free-tier');
    await create({ webhookSecret: SECRET });
    const forbidden = await h.admin({ path: hooksPath(), body: { group: 'locked' } });
    expect(forbidden.json).toMatchObject({ ok: false });
    expect(forbidden.json.problem).toContain('(403)');
    expect(forbidden.json.problem).toContain('Owner role');
    expect(forbidden.json.problem).toContain('Premium');
    expect(forbidden.json.problem).toContain('--project');
    gitlab.failNext('GET', /^\/groups\/\d+\/hooks$/, {
      status: 404,
      body: { error: '404 Not Found' },
    });
    const missing = await h.admin({ path: hooksPath(), body: { group: 'free-tier' } });
    expect(missing.json.problem).toContain('no group hooks for free-tier');
    expect(missing.json.problem).toContain('Premium');
    gitlab.failNext('GET', /^\/groups\/free-tier$/, { status: 403, body: { message: '403' } });
    const unreadable = await h.admin({ path: hooksPath(), body: { group: 'free-tier' } });
    expect(unreadable.json.problem).toContain('forbids reading group free-tier (403)');
  });

  it('warns when GitLab older than 19.0 drops the signing token of a group hook', async () => {
    gitlab.addGroup('signed');
    await create({ generateSigningToken: true });
    gitlab.version = '18.11.0';
    try {
      const answer = await h.admin({ path: hooksPath(), body: { group: 'signed' } });
      expect(answer.json).toMatchObject({ ok: true, group: 'signed' });
      expect(answer.json.warnings[0]).toContain('older than 19.0');
    } finally {
      gitlab.version = '19.1.0';
    }
    const kept = await h.admin({ path: hooksPath(), body: { group: 'signed' } });
    expect(kept.json).toMatchObject({ action: 'updated', warnings: [] });
    const hook = groupHooks(`${PUBLIC_URL}/hooks/gitlab/${name}`)[0];
    expect(hook).toMatchObject({ signingTokenSet: true });
  });

  it('never answers or logs the secrets, even when GitLab quotes them back', async () => {
    gitlab.addGroup('echoing');
    const created = await create({ webhookSecret: SECRET, generateSigningToken: true });
    const signing = String(created.json.signingToken);
    gitlab.failNext('POST', /^\/groups\/\d+\/hooks$/, {
      status: 422,
      body: { message: { token: [`${SECRET} and ${signing} are not accepted`] } },
    });
    const refused = await h.admin({ path: hooksPath(), body: { group: 'echoing' } });
    expect(refused.json).toMatchObject({ ok: false });
    expect(refused.json.problem).toContain('saving the hook');
    expect(refused.json.problem).toContain('422');
    const saved = await h.admin({ path: hooksPath(), body: { group: 'echoing' } });
    expect(saved.json).toMatchObject({ ok: true, action: 'created' });
    const sent = gitlab.requests.filter(
      (r) => r.method === 'POST' && r.path.startsWith('/groups/'),
    );
    expect(sent.at(-1)?.body).toMatchObject({ token: SECRET, signing_token: signing });
    expectNoSecrets(refused.text + saved.text, signing);
    expectNoSecrets([...h.plugin.logs, ...h.harness.logs].join('\n'), signing);
  });
});
