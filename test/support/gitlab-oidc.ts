/**
 * A GitLab instance's ID-token side for tests: an RSA key pair, its JWKS (served on loopback
 * when a test needs a real fetch), and `mintIdToken` for CI job tokens shaped like GitLab's
 * (the claims of reference/gitlab-fixtures/id_token_claims.json, with ids and booleans as
 * strings), plus the forgeries the verifier must refuse: alg none, HS256 keyed with the public
 * key, a wrong key, an unknown kid, a tampered payload.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK, CryptoKey } from 'jose';
import { SignJWT, calculateJwkThumbprint, exportJWK, exportSPKI, generateKeyPair } from 'jose';

/**
 * The decoded payload of a GitLab CI ID token, from GitLab's documentation
 * (doc/ci/secrets/id_token_authentication.md, "Token payload"; copied in
 * reference/gitlab-fixtures/id_token_claims.json). Time claims are set when minting.
 */
export const FIXTURE_CLAIMS: Readonly<Record<string, unknown>> = {
  namespace_id: '72',
  namespace_path: 'my-group',
  project_id: '20',
  project_path: 'my-group/my-project',
  user_id: '1',
  user_login: 'sample-user',
  user_email: 'sample-user@example.com',
  user_identities: [
    { provider: 'github', extern_uid: '2435223452345' },
    { provider: 'bitbucket', extern_uid: 'john.smith' },
  ],
  pipeline_id: '574',
  pipeline_source: 'push',
  job_id: '302',
  ref: 'feature-branch-1',
  ref_type: 'branch',
  ref_path: 'refs/heads/feature-branch-1',
  ref_protected: 'false',
  groups_direct: ['mygroup/mysubgroup', 'myothergroup/myothersubgroup'],
  environment: 'test-environment2',
  environment_protected: 'false',
  deployment_tier: 'testing',
  environment_action: 'start',
  job_source: 'push',
  runner_id: 1,
  runner_environment: 'self-hosted',
  sha: '714a629c0b401fdce83e847fc9589983fc6f46bc',
  project_visibility: 'public',
  ci_config_ref_uri: 'gitlab.example.com/my-group/my-project//.gitlab-ci.yml@refs/heads/main',
  ci_config_sha: '714a629c0b401fdce83e847fc9589983fc6f46bc',
  jti: '235b3a54-b797-45c7-ae9a-f72d7bc6ef5b',
  sub: 'project_path:my-group/my-project:ref_type:branch:ref:feature-branch-1',
};

export interface SigningKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly kid: string;
  readonly publicPem: string;
}

export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  // GitLab's kid is the key's JWK thumbprint (§2.2).
  const kid = await calculateJwkThumbprint(jwk);
  return {
    privateKey,
    kid,
    publicJwk: { ...jwk, kid, use: 'sig', alg: 'RS256' },
    publicPem: await exportSPKI(publicKey),
  };
}

// RSA key generation takes a while: every issuer starts with the same two keys (rotate() makes
// new ones), so a test file pays for them once.
let keys: Promise<readonly [SigningKey, SigningKey]> | undefined;
function sharedKeys(): Promise<readonly [SigningKey, SigningKey]> {
  keys ??= Promise.all([newSigningKey(), newSigningKey()]);
  return keys;
}

export interface MintOptions {
  /** Seconds since the epoch the token is minted at (default: `now` of the issuer). */
  readonly iat?: number;
  /** Lifetime in seconds (default 3600, like a one-hour job timeout). */
  readonly lifetime?: number;
  /** Already expired by this many seconds. */
  readonly expiredBy?: number;
  /** `nbf` this many seconds in the future. */
  readonly notBeforeIn?: number;
  /** Header alg: RS256 (default), `none`, or `HS256` keyed with the public key's PEM. */
  readonly alg?: 'RS256' | 'none' | 'HS256';
  readonly typ?: string;
  /** Header kid (default the signing key's). */
  readonly kid?: string;
  /** Sign with a key the JWKS does not hold (keeping the JWKS key's kid). */
  readonly wrongKey?: boolean;
  /** Change the payload after signing. */
  readonly tamper?: (claims: Record<string, unknown>) => void;
}

export interface FakeGitLabIssuer {
  readonly issuer: string;
  readonly audience: string;
  key: SigningKey;
  /** Every key the JWKS publishes. */
  readonly jwks: () => { keys: JWK[] };
  /** Mints a token: the fixture claims, then `iss`/`aud`/times, then `overrides`. */
  mintIdToken(
    overrides?: Readonly<Record<string, unknown>>,
    options?: MintOptions,
  ): Promise<string>;
  /** Publishes a new key (the old one stays in the JWKS unless `dropOld`). */
  rotate(dropOld?: boolean): Promise<SigningKey>;
}

export interface IssuerOptions {
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds since the epoch; default the real clock. */
  readonly now?: () => number;
}

export async function createFakeIssuer(options: IssuerOptions = {}): Promise<FakeGitLabIssuer> {
  const now = options.now ?? ((): number => Math.floor(Date.now() / 1000));
  const [first, stranger] = await sharedKeys();
  const published: SigningKey[] = [first];
  const self: FakeGitLabIssuer = {
    issuer: options.issuer ?? 'https://gitlab.example.com',
    audience: options.audience ?? 'https://baton.example.com',
    key: first,
    jwks: () => ({ keys: published.map((k) => k.publicJwk) }),
    async rotate(dropOld = false) {
      const fresh = await newSigningKey();
      if (dropOld) published.length = 0;
      published.push(fresh);
      self.key = fresh;
      return fresh;
    },
    async mintIdToken(overrides = {}, mint = {}) {
      const iat = mint.iat ?? now() - (mint.expiredBy === undefined ? 0 : 3600 + mint.expiredBy);
      const lifetime = mint.lifetime ?? 3600;
      const claims: Record<string, unknown> = {
        ...FIXTURE_CLAIMS,
        iss: self.issuer,
        aud: self.audience,
        iat,
        nbf: mint.notBeforeIn === undefined ? iat - 5 : now() + mint.notBeforeIn,
        exp: iat + lifetime,
        ...overrides,
      };
      for (const [name, value] of Object.entries(claims))
        if (value === undefined) delete claims[name];
      const alg = mint.alg ?? 'RS256';
      const header = { alg, typ: mint.typ ?? 'JWT', kid: mint.kid ?? self.key.kid };
      let token: string;
      if (alg === 'none') {
        token = `${b64(header)}.${b64(claims)}.`;
      } else if (alg === 'HS256') {
        token = await new SignJWT(claims)
          .setProtectedHeader(header)
          .sign(new TextEncoder().encode(self.key.publicPem));
      } else {
        const signer = mint.wrongKey === true ? stranger : self.key;
        token = await new SignJWT(claims).setProtectedHeader(header).sign(signer.privateKey);
      }
      if (mint.tamper !== undefined) {
        const [h, p, s] = token.split('.');
        const changed = JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Record<
          string,
          unknown
        >;
        mint.tamper(changed);
        token = `${h ?? ''}.${b64(changed)}.${s ?? ''}`;
      }
      return token;
    },
  };
  return self;
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export interface JwksServer {
  /** `http://127.0.0.1:<port>/oauth/discovery/keys`. */
  readonly jwksUrl: string;
  /** How many times the JWKS was fetched. */
  readonly fetches: () => number;
  /** Answer with this status from now on (200 serves the JWKS). */
  setStatus(status: number): void;
  close(): Promise<void>;
}

/** Serves `issuer.jwks()` on loopback at GitLab's JWKS path. */
export async function serveJwks(issuer: FakeGitLabIssuer): Promise<JwksServer> {
  let fetches = 0;
  let status = 200;
  const server: Server = createServer((request, response) => {
    if (request.url !== '/oauth/discovery/keys') {
      response.writeHead(404).end();
      return;
    }
    fetches += 1;
    if (status !== 200) {
      response.writeHead(status).end();
      return;
    }
    response
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=86400' })
      .end(JSON.stringify(issuer.jwks()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/oauth/discovery/keys`,
    fetches: () => fetches,
    setStatus: (s) => {
      status = s;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
