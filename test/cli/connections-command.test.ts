/**
 * `baton connections` and `baton ci` against a real server: secrets only from the environment,
 * files or stdin (argv is refused, before any request), never printed; `hook install` on a
 * project or a group of a fake GitLab; a CI job's ID token starts a workflow and waits for it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOwn, isJsonObject } from '../../src/common/index.js';
import { createLogger } from '../../src/api/server/index.js';
import { defaultConfig } from '../../src/config/index.js';
import type { BatonServer } from '../../src/main.js';
import { startBaton } from '../../src/main.js';
import type { FakeGitLab } from '../support/fake-gitlab.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import type { FakeGitLabIssuer, JwksServer } from '../support/gitlab-oidc.js';
import { createFakeIssuer, serveJwks } from '../support/gitlab-oidc.js';
import { baton, cleanEnv, ensureBuilt, json } from './client-harness.js';

const PUBLIC_URL = 'https://baton.example.com';
const TOKEN = 'glpat-cli-secret-token-123';
let dir: string;
let server: BatonServer;
let env: NodeJS.ProcessEnv;
let gitlab: FakeGitLabIssuer;
let jwks: JwksServer;

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'baton-gb-cli-'));
  server = await startBaton(
    { ...defaultConfig(dir), port: 0, pollIntervalMs: 50, publicUrl: PUBLIC_URL },
    { logger: createLogger({ level: 'silent' }), masterKey: Buffer.alloc(32, 7).toString('hex') },
  );
  const admin = server.adminCredential;
  if (admin === undefined) throw new Error('no admin key');
  env = cleanEnv({
    BATON_URL: server.url,
    BATON_ACCESS_KEY_ID: admin.accessKeyId,
    BATON_SECRET_ACCESS_KEY: admin.secretAccessKey,
    GITLAB_TOKEN: TOKEN,
  });
  gitlab = await createFakeIssuer({ audience: PUBLIC_URL });
  jwks = await serveJwks(gitlab);
}, 60_000);
afterAll(async () => {
  await server.close();
  await jwks.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('baton connections', () => {
  it('refuses secrets in argv before contacting the server, saying what to use', async () => {
    for (const args of [
      ['--token', TOKEN],
      ['--token-env', 'GITLAB_TOKEN', '--webhook-secret', 'abc'],
      ['--token-env', 'GITLAB_TOKEN', '--signing-token', 'whsec_abc'],
    ]) {
      const ran = await baton(
        { env: cleanEnv({ BATON_URL: 'http://127.0.0.1:1', GITLAB_TOKEN: TOKEN }) },
        'connections',
        'create',
        'x',
        '--gitlab-url',
        'https://gitlab.com',
        ...args,
      );
      expect(ran.code, args.join(' ')).toBe(2);
      expect(ran.stderr).toContain('shell history');
      expect(ran.stderr).toMatch(/-env VAR/);
      expect(ran.stderr).not.toContain(TOKEN);
    }
  });

  it('says when --token-env names an unset variable or a value instead of a name', async () => {
    const unset = await baton(
      { env },
      'connections',
      'create',
      'x',
      '--gitlab-url',
      'https://gitlab.com',
      '--token-env',
      'NOPE_UNSET',
    );
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('NOPE_UNSET is not set');
    const value = await baton(
      { env },
      'connections',
      'create',
      'x',
      '--gitlab-url',
      'https://gitlab.com',
      '--token-env',
      'glpat-looks-like-a-token',
    );
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('NAME of an environment variable');
    expect(value.stderr).not.toContain('glpat-looks-like-a-token');
  });

  it('creates from env and file, shows a generated signing token once, lists, shows, deletes', async () => {
    const rules = join(dir, 'rules.json');
    writeFileSync(
      rules,
      JSON.stringify([
        {
          projects: ['my-group/my-project'],
          refs: ['main'],
          workflows: ['hello'],
          actions: ['start'],
        },
      ]),
    );
    const secretFile = join(dir, 'hook-secret');
    writeFileSync(secretFile, 'file-hook-secret\n');
    const created = await baton(
      { env },
      'connections',
      'create',
      'default',
      '--gitlab-url',
      'https://gitlab.example.com',
      '--token-env',
      'GITLAB_TOKEN',
      '--webhook-secret-file',
      secretFile,
      '--signing-token',
      'generate',
      '--jwks-url',
      jwks.jwksUrl,
      '--ci-rules',
      `@${rules}`,
      '--output',
      'json',
    );
    expect(created.code, created.stderr).toBe(0);
    const connection = json(created) as Record<string, unknown>;
    expect(connection).toMatchObject({
      name: 'default',
      hasWebhookSecret: true,
      hasSigningToken: true,
      webhookUrl: `${PUBLIC_URL}/hooks/gitlab/default`,
    });
    const signingToken = connection['signingToken'] as string;
    expect(signingToken).toMatch(/^whsec_/);
    expect(created.stdout).not.toContain(TOKEN);
    expect(created.stdout).not.toContain('file-hook-secret');

    const listed = await baton({ env }, 'connections', 'list', '--output', 'table');
    expect(listed.stdout).toContain('default');
    const shown = await baton({ env }, 'connections', 'show', 'default', '--output', 'table');
    expect(shown.code).toBe(0);
    for (const text of [listed.stdout, shown.stdout, listed.stderr, shown.stderr]) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(signingToken);
      expect(text).not.toContain('file-hook-secret');
    }
    const missing = await baton({ env }, 'connections', 'show', 'nope');
    expect(missing.code).toBe(2);
  });

  it('reports an unreachable instance from test with exit 1', async () => {
    await baton(
      { env },
      'connections',
      'create',
      'dead',
      '--gitlab-url',
      'http://127.0.0.1:1',
      '--token-env',
      'GITLAB_TOKEN',
    );
    const ran = await baton({ env }, 'connections', 'test', 'dead', '--output', 'table');
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain('could not connect');
    expect((await baton({ env }, 'connections', 'delete', 'dead')).code).toBe(0);
  });
});

describe('baton connections hook install', () => {
  const HOOK_SECRET = 'cli-hook-secret-value-77';
  let fake: FakeGitLab;
  let hookEnv: NodeJS.ProcessEnv;
  const url = `${PUBLIC_URL}/hooks/gitlab/hooked`;

  beforeAll(async () => {
    fake = await startFakeGitLab({ token: TOKEN });
    fake.addProject('acme/web');
    fake.addGroup('acme');
    fake.addGroup('acme/platform');
    fake.addGroup('locked', { hooksAllowed: false });
    hookEnv = { ...env, HOOK_SECRET };
    const created = await baton(
      { env: hookEnv },
      'connections',
      'create',
      'hooked',
      '--gitlab-url',
      fake.url,
      '--token-env',
      'GITLAB_TOKEN',
      '--webhook-secret-env',
      'HOOK_SECRET',
    );
    expect(created.code, created.stderr).toBe(0);
  });
  afterAll(async () => {
    await fake.close();
  });

  function install(...args: string[]) {
    return baton({ env: hookEnv }, 'connections', 'hook', 'install', 'hooked', ...args);
  }
  function expectNoSecret(ran: { stdout: string; stderr: string }) {
    for (const text of [ran.stdout, ran.stderr]) {
      expect(text).not.toContain(HOOK_SECRET);
      expect(text).not.toContain(TOKEN);
    }
  }

  it('installs a group hook, then updates it instead of adding a second', async () => {
    const first = await install('--group', 'acme/platform', '--output', 'table');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^created hook \d+ on group acme\/platform -> /);
    expect(first.stdout).toContain(url);
    const second = await install(
      '--group',
      'Acme/Platform',
      '--events',
      'push',
      '--output',
      'json',
    );
    expect(second.code, second.stderr).toBe(0);
    const answer = json(second) as Record<string, unknown>;
    expect(answer).toMatchObject({
      ok: true,
      action: 'updated',
      group: 'acme/platform',
      events: ['push'],
    });
    const hooks = [...fake.hooks.values()].filter((hook) => hook.fields['url'] === url);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({
      projectId: null,
      tokenSet: true,
      fields: { push_events: true, pipeline_events: false },
    });
    const tokens = fake.requests
      .filter((r) => r.method !== 'GET' && r.path.startsWith('/groups/'))
      .map((r) => (isJsonObject(r.body) ? getOwn(r.body, 'token') : undefined));
    expect(tokens).toEqual([HOOK_SECRET, HOOK_SECRET]);
    expectNoSecret(first);
    expectNoSecret(second);
  });

  it('still installs a project hook with --project', async () => {
    const ran = await install('--project', 'acme/web', '--output', 'table');
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^created hook \d+ on project acme\/web -> /);
  });

  it('refuses --project with --group, and neither, with exit 2 before any request', async () => {
    const before = fake.requests.length;
    const both = await install('--project', 'acme/web', '--group', 'acme');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--project PATH or --group PATH, not both');
    const neither = await install('--events', 'push');
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('--project PATH');
    expect(neither.stderr).toContain('--group PATH');
    expect(fake.requests.length).toBe(before);
  });

  it('refuses a group URL with the path to use (exit 2)', async () => {
    const ran = await install('--group', `${fake.url}/groups/acme/platform/-/hooks`);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('/group');
    expect(ran.stderr).toContain('"acme/platform"');
  });

  it('exits 1 with what GitLab said: no group (404), Owner role and Premium (403)', async () => {
    const missing = await install('--group', 'nobody-here', '--output', 'table');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No group at nobody-here (or the token cannot see it)');
    const locked = await install('--group', 'locked', '--output', 'table');
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain('Owner role');
    expect(locked.stderr).toContain('Premium');
    expectNoSecret(missing);
    expectNoSecret(locked);
  });
});

describe('baton ci', () => {
  it('starts a workflow with the job ID token and waits for SUCCEEDED', async () => {
    // `default` from the test above trusts gitlab.example.com with the served JWKS.
    const definition = join(dir, 'hello.asl.json');
    writeFileSync(
      definition,
      JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }),
    );
    expect((await baton({ env }, 'deploy', definition, '--name', 'hello')).code).toBe(0);
    const idToken = await gitlab.mintIdToken({ ref: 'main', ref_protected: 'true' });
    const ciEnv = cleanEnv({ BATON_URL: server.url, BATON_ID_TOKEN: idToken });
    const ran = await baton(
      { env: ciEnv },
      'ci',
      'start',
      'hello',
      '--input',
      '{"sha":"abc"}',
      '--wait',
      '--output',
      'json',
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(json(ran)).toMatchObject({ status: 'SUCCEEDED', name: 'ci-574-302' });
    expect(ran.stdout + ran.stderr).not.toContain(idToken);
  });

  it('exits 2 with the reason when no rule allows the job', async () => {
    const idToken = await gitlab.mintIdToken({ ref: 'main', ref_protected: 'false' });
    const ran = await baton(
      { env: cleanEnv({ BATON_URL: server.url, BATON_ID_TOKEN: idToken }) },
      'ci',
      'start',
      'hello',
    );
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('protected refs only');
  });

  it('refuses an ID token in argv and a missing one', async () => {
    const argv = await baton(
      { env: cleanEnv({ BATON_URL: server.url }) },
      'ci',
      'start',
      'hello',
      '--id-token',
      'eyJ.x.y',
    );
    expect(argv.code).toBe(2);
    expect(argv.stderr).toContain('shell history');
    const missing = await baton(
      { env: cleanEnv({ BATON_URL: server.url }) },
      'ci',
      'start',
      'hello',
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('BATON_ID_TOKEN is not set');
  });

  it('refuses an expired token with exit 2 and says when it expired', async () => {
    const idToken = await gitlab.mintIdToken(
      { ref: 'main', ref_protected: 'true' },
      { expiredBy: 60 },
    );
    const ran = await baton(
      { env: cleanEnv({ BATON_URL: server.url, BATON_ID_TOKEN: idToken }) },
      'ci',
      'task-success',
      '--token',
      'x',
    );
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('expired at');
  });
});
