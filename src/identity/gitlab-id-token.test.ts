import { createLocalJWKSet } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeGitLabIssuer, JwksServer } from '../../test/support/gitlab-oidc.js';
import { createFakeIssuer, serveJwks } from '../../test/support/gitlab-oidc.js';
import type { GitLabIdTokenVerifierOptions, TrustedIssuer } from './gitlab-id-token.js';
import { IdTokenError, createGitLabIdTokenVerifier } from './gitlab-id-token.js';

const NOW = 1_800_000_000;
let gitlab: FakeGitLabIssuer;

beforeEach(async () => {
  gitlab = await createFakeIssuer({ now: () => NOW });
});

function verifier(overrides: Partial<GitLabIdTokenVerifierOptions> = {}) {
  const trusted: TrustedIssuer = {
    issuer: gitlab.issuer,
    jwksUrl: `${gitlab.issuer}/oauth/discovery/keys`,
  };
  return createGitLabIdTokenVerifier({
    audience: gitlab.audience,
    findIssuer: (iss) => Promise.resolve(iss === trusted.issuer ? trusted : undefined),
    nowMs: () => NOW * 1000,
    keySetFor: () => createLocalJWKSet(gitlab.jwks()),
    ...overrides,
  });
}

async function failure(promise: Promise<unknown>): Promise<IdTokenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IdTokenError);
  return error as IdTokenError;
}

describe('GitLab ID token verification', () => {
  it('accepts a token GitLab minted and types its string claims', async () => {
    const identity = await verifier()(await gitlab.mintIdToken());
    expect(identity).toMatchObject({
      issuer: 'https://gitlab.example.com',
      projectId: '20',
      projectPath: 'my-group/my-project',
      pipelineId: '574',
      jobId: '302',
      ref: 'feature-branch-1',
      refType: 'branch',
      refProtected: false,
      environment: 'test-environment2',
      environmentProtected: false,
      userLogin: 'sample-user',
      tokenId: '235b3a54-b797-45c7-ae9a-f72d7bc6ef5b',
    });
  });

  it('parses "true" as true and anything else as false', async () => {
    const verify = verifier();
    const on = await verify(
      await gitlab.mintIdToken({ ref_protected: 'true', environment_protected: 'true' }),
    );
    expect(on.refProtected).toBe(true);
    expect(on.environmentProtected).toBe(true);
    for (const value of ['false', 'TRUE', '1', 'yes']) {
      const off = await verify(await gitlab.mintIdToken({ ref_protected: value }));
      expect(off.refProtected).toBe(false);
    }
  });

  it('prefers job_project_id over project_id (fork merge-request pipelines)', async () => {
    const identity = await verifier()(
      await gitlab.mintIdToken({
        project_id: '99',
        project_path: 'fork/my-project',
        job_project_id: '20',
        job_project_path: 'my-group/my-project',
      }),
    );
    expect(identity.projectId).toBe('20');
    expect(identity.projectPath).toBe('my-group/my-project');
    expect(identity.sourceProjectPath).toBe('fork/my-project');
  });

  it('accepts an audience list that contains Baton', async () => {
    const identity = await verifier()(
      await gitlab.mintIdToken({ aud: ['https://vault.example.com', gitlab.audience] }),
    );
    expect(identity.jobId).toBe('302');
  });

  it('refuses an expired token, saying when it expired', async () => {
    const error = await failure(verifier()(await gitlab.mintIdToken({}, { expiredBy: 120 })));
    expect(error.code).toBe('EXPIRED');
    expect(error.message).toContain(new Date((NOW - 120) * 1000).toISOString());
  });

  it('accepts a token expired by less than the skew, and refuses it with no skew', async () => {
    const token = await gitlab.mintIdToken({}, { expiredBy: 10 });
    await expect(verifier()(token)).resolves.toBeDefined();
    expect((await failure(verifier({ skewSeconds: 0 })(token))).code).toBe('EXPIRED');
  });

  it('refuses a token whose nbf is in the future', async () => {
    const error = await failure(verifier()(await gitlab.mintIdToken({}, { notBeforeIn: 600 })));
    expect(error.code).toBe('NOT_YET_VALID');
  });

  it('refuses a token issued in the future', async () => {
    const error = await failure(
      verifier()(await gitlab.mintIdToken({}, { iat: NOW + 600, notBeforeIn: -1 })),
    );
    expect(error.code).toBe('BAD_ISSUED_AT');
  });

  it('refuses a token older than the maximum age', async () => {
    const token = await gitlab.mintIdToken({}, { iat: NOW - 900 });
    await expect(verifier()(token)).resolves.toBeDefined();
    const error = await failure(verifier({ maxAgeSeconds: 300 })(token));
    expect(error.code).toBe('BAD_ISSUED_AT');
    expect(error.message).toContain('300 s');
  });

  it('refuses a wrong audience and says which one to set', async () => {
    const error = await failure(
      verifier()(await gitlab.mintIdToken({ aud: 'https://vault.example.com' })),
    );
    expect(error.code).toBe('WRONG_AUDIENCE');
    expect(error.message).toContain('"https://vault.example.com"');
    expect(error.message).toContain('set id_tokens:<NAME>:aud to https://baton.example.com');
  });

  it('refuses a token without an audience', async () => {
    const error = await failure(verifier()(await gitlab.mintIdToken({ aud: undefined })));
    expect(error.code).toBe('WRONG_AUDIENCE');
  });

  it('refuses an issuer no connection trusts, matching exactly (no trailing slash, no case)', async () => {
    for (const iss of [
      'https://evil.example.com',
      'https://gitlab.example.com/',
      'HTTPS://GITLAB.EXAMPLE.COM',
    ]) {
      const error = await failure(verifier()(await gitlab.mintIdToken({ iss })));
      expect(error.code).toBe('UNTRUSTED_ISSUER');
    }
  });

  it('refuses alg none', async () => {
    const error = await failure(verifier()(await gitlab.mintIdToken({}, { alg: 'none' })));
    expect(error.code).toBe('ALGORITHM_NOT_ALLOWED');
  });

  it('refuses HS256 keyed with the public key (algorithm confusion)', async () => {
    const error = await failure(verifier()(await gitlab.mintIdToken({}, { alg: 'HS256' })));
    expect(error.code).toBe('ALGORITHM_NOT_ALLOWED');
  });

  it('refuses a typ other than JWT', async () => {
    const error = await failure(verifier()(await gitlab.mintIdToken({}, { typ: 'at+jwt' })));
    expect(error.code).toBe('ALGORITHM_NOT_ALLOWED');
  });

  it('refuses an unknown kid', async () => {
    const error = await failure(verifier()(await gitlab.mintIdToken({}, { kid: 'nope' })));
    expect(error.code).toBe('UNKNOWN_KEY');
  });

  it('refuses a token signed by another key under the right kid', async () => {
    const error = await failure(verifier()(await gitlab.mintIdToken({}, { wrongKey: true })));
    expect(error.code).toBe('BAD_SIGNATURE');
  });

  it('refuses a tampered payload (ref_protected flipped to "true")', async () => {
    const token = await gitlab.mintIdToken(
      {},
      {
        tamper: (claims) => {
          claims['ref_protected'] = 'true';
        },
      },
    );
    expect((await failure(verifier()(token))).code).toBe('BAD_SIGNATURE');
  });

  it('refuses garbage, oversized tokens and non-JSON parts without echoing them', async () => {
    const verify = verifier();
    for (const token of [
      '',
      'Bearer x',
      'a.b',
      'a'.repeat(20_000) + '.b.c',
      'bm90IGpzb24.bm90IGpzb24.c2ln',
    ]) {
      const error = await failure(verify(token));
      expect(error.code).toBe('MALFORMED');
      if (token.length > 4) expect(error.message).not.toContain(token);
    }
  });

  it('refuses a token that lacks CI job claims', async () => {
    const error = await failure(
      verifier()(await gitlab.mintIdToken({ project_id: undefined, ref_type: 'merge' })),
    );
    expect(error.code).toBe('BAD_CLAIMS');
    expect(error.message).toContain('project_id is missing');
    expect(error.message).toContain('ref_type must be');
  });

  it('refuses numeric ids where GitLab sends strings of digits', async () => {
    const error = await failure(verifier()(await gitlab.mintIdToken({ project_id: 'abc' })));
    expect(error.code).toBe('BAD_CLAIMS');
  });

  it('never puts the token in an error message', async () => {
    const token = await gitlab.mintIdToken({ aud: 'https://other' });
    const error = await failure(verifier()(token));
    expect(error.message).not.toContain(token);
    expect(error.message).not.toContain(token.split('.')[2]);
  });
});

describe('GitLab ID token verification against a served JWKS', () => {
  let server: JwksServer;
  beforeEach(async () => {
    gitlab = await createFakeIssuer();
    server = await serveJwks(gitlab);
  });
  afterEach(() => server.close());

  function remoteVerifier(cooldownMs: number) {
    const trusted = { issuer: gitlab.issuer, jwksUrl: server.jwksUrl };
    return createGitLabIdTokenVerifier({
      audience: gitlab.audience,
      findIssuer: (iss) => Promise.resolve(iss === trusted.issuer ? trusted : undefined),
      nowMs: () => Date.now(),
      jwksCooldownMs: cooldownMs,
    });
  }

  it('fetches the JWKS once and reuses it', async () => {
    const verify = remoteVerifier(0);
    await verify(await gitlab.mintIdToken());
    await verify(await gitlab.mintIdToken());
    expect(server.fetches()).toBe(1);
  });

  it('refetches on an unknown kid to pick up a rotated key', async () => {
    const verify = remoteVerifier(0);
    await verify(await gitlab.mintIdToken());
    await gitlab.rotate(true);
    await expect(verify(await gitlab.mintIdToken())).resolves.toBeDefined();
    expect(server.fetches()).toBe(2);
  });

  it('refetches for unknown kids at a bounded rate', async () => {
    const verify = remoteVerifier(60_000);
    await verify(await gitlab.mintIdToken());
    for (let i = 0; i < 5; i += 1) {
      const error = await failure(verify(await gitlab.mintIdToken({}, { kid: `forged-${i}` })));
      expect(error.code).toBe('UNKNOWN_KEY');
    }
    expect(server.fetches()).toBe(1);
  });

  it('reports a JWKS it cannot fetch as unavailable (503), naming the URL', async () => {
    server.setStatus(500);
    const error = await failure(remoteVerifier(0)(await gitlab.mintIdToken()));
    expect(error.code).toBe('JWKS_UNAVAILABLE');
    expect(error.status).toBe(503);
    expect(error.message).toContain(server.jwksUrl);
  });
});
