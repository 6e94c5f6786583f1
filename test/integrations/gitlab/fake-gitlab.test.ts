import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeGitLab } from '../../support/fake-gitlab.js';
import { startFakeGitLab } from '../../support/fake-gitlab.js';

let fake: FakeGitLab;
beforeEach(async () => {
  fake = await startFakeGitLab();
});
afterEach(() => fake.close());

describe('fake GitLab', () => {
  it('builds a Pipeline Hook body from the real fixture with the pipeline’s own fields', async () => {
    const project = fake.addProject('acme/app');
    const created = await fetch(`${fake.url}/api/v4/projects/${project.id}/pipeline`, {
      method: 'POST',
      headers: { 'private-token': fake.token, 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'main' }),
    });
    const { id } = (await created.json()) as { id: number };
    fake.setPipelineStatus(id, 'failed', { failedJobs: ['test'] });
    const hook = fake.pipelineHookPayload(id);
    expect(hook).toMatchObject({
      object_kind: 'pipeline',
      object_attributes: { id, ref: 'main', status: 'failed', source: 'api' },
      project: { id: project.id, path_with_namespace: 'acme/app' },
      merge_request: null,
    });
    expect(hook['builds']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'test',
          status: 'failed',
          failure_reason: 'script_failure',
        }),
      ]),
    );
  });

  it('serves a JWKS and a discovery document only when jwks is set', async () => {
    expect((await fetch(`${fake.url}/oauth/discovery/keys`)).status).toBe(404);
    fake.jwks = { keys: [{ kty: 'RSA', kid: 'k1', n: 'x', e: 'AQAB', use: 'sig', alg: 'RS256' }] };
    expect(await (await fetch(`${fake.url}/oauth/discovery/keys`)).json()).toEqual(fake.jwks);
    const discovery = (await (
      await fetch(`${fake.url}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: fake.url,
      jwks_uri: `${fake.url}/oauth/discovery/keys`,
    });
  });

  it('logs requests without the token, and refuses a missing one', async () => {
    const response = await fetch(`${fake.url}/api/v4/version`);
    expect(response.status).toBe(401);
    await fetch(`${fake.url}/api/v4/version`, { headers: { 'private-token': fake.token } });
    expect(fake.requests.map((r) => r.token)).toEqual(['missing', 'valid']);
    expect(JSON.stringify(fake.requests)).not.toContain(fake.token);
  });
});
