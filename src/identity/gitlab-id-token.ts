/**
 * Verification of GitLab CI/CD ID tokens (`id_tokens:` in .gitlab-ci.yml), following the
 * recipe of reference/gitlab.md §2.5: the algorithm pinned to RS256 and `typ` to JWT before
 * any key is looked at, the issuer found by exact match among the configured connections, the
 * key chosen by `kid` from that issuer's JWKS (fetched, cached, and refetched at a bounded rate
 * when an unknown `kid` appears), `exp`/`nbf`/`iat` checked with a small skew, Baton's audience
 * required, and the string-typed claims turned into typed values (booleans are true only for
 * the string "true"; ids stay strings).
 *
 * Errors say which check failed and how to fix it, and never contain the token.
 */
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';

/** The only algorithm GitLab signs ID tokens with (§2.2). */
export const GITLAB_ID_TOKEN_ALGORITHM = 'RS256';
/** Default leeway on exp, nbf and iat. */
export const DEFAULT_ID_TOKEN_SKEW_SECONDS = 30;
/** Tokens longer than this are refused before any parsing. */
export const MAX_ID_TOKEN_LENGTH = 16 * 1024;

/** An ID-token issuer Baton trusts: one per connection (several may share one). */
export interface TrustedIssuer {
  /** Exactly the `iss` the tokens carry (e.g. `https://gitlab.com`). */
  readonly issuer: string;
  /** Where its keys are (e.g. `https://gitlab.com/oauth/discovery/keys`). */
  readonly jwksUrl: string;
}

/** Finds the trusted issuer whose `issuer` is exactly `iss`; undefined if none. */
export type FindTrustedIssuer = (iss: string) => Promise<TrustedIssuer | undefined>;

export type IdTokenErrorCode =
  /** Not a compact JWS, too long, or its header or payload is not JSON. */
  | 'MALFORMED'
  /** `alg` is not RS256 or `typ` is not JWT. */
  | 'ALGORITHM_NOT_ALLOWED'
  /** No configured connection has the token's `iss` as its ID-token issuer. */
  | 'UNTRUSTED_ISSUER'
  /** The issuer's JWKS has no key with the token's `kid`. */
  | 'UNKNOWN_KEY'
  /** The JWKS could not be fetched or read. */
  | 'JWKS_UNAVAILABLE'
  /** The signature does not verify. */
  | 'BAD_SIGNATURE'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  /** `iat` is in the future, or older than the allowed maximum age. */
  | 'BAD_ISSUED_AT'
  | 'WRONG_AUDIENCE'
  /** A claim Baton needs is missing or of the wrong type. */
  | 'BAD_CLAIMS';

/** A token that may not be used. `status` is 401 for every code but JWKS_UNAVAILABLE (503). */
export class IdTokenError extends Error {
  override readonly name = 'IdTokenError';
  readonly status: number;
  constructor(
    readonly code: IdTokenErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.status = code === 'JWKS_UNAVAILABLE' ? 503 : 401;
  }
}

/** The verified claims Baton uses, typed (reference/gitlab.md §2.3). */
export interface GitLabCiIdentity {
  readonly issuer: string;
  readonly subject: string;
  readonly tokenId: string | undefined;
  /** `job_project_id` when present (18.4+), else `project_id`. */
  readonly projectId: string;
  /** `job_project_path` when present, else `project_path`. */
  readonly projectPath: string;
  /** `project_id` / `project_path` as sent: for a fork MR pipeline, the fork. */
  readonly sourceProjectId: string;
  readonly sourceProjectPath: string;
  readonly namespacePath: string | undefined;
  readonly pipelineId: string;
  readonly pipelineSource: string | undefined;
  readonly jobId: string;
  readonly ref: string;
  readonly refType: 'branch' | 'tag';
  readonly refProtected: boolean;
  readonly environment: string | undefined;
  readonly environmentProtected: boolean;
  readonly deploymentTier: string | undefined;
  readonly userId: string | undefined;
  readonly userLogin: string | undefined;
  readonly sha: string | undefined;
  /** Seconds since the epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface GitLabIdTokenVerifierOptions {
  /** The audience Baton requires (`publicUrl`, or the `ciAudience` setting). */
  readonly audience: string;
  readonly findIssuer: FindTrustedIssuer;
  readonly nowMs: () => number;
  /** Leeway on exp, nbf and iat (default 30 s). */
  readonly skewSeconds?: number;
  /** Refuse tokens issued longer ago than this (default: no limit beyond `exp`). */
  readonly maxAgeSeconds?: number;
  /** The key source of an issuer; default a cached remote JWKS per URL (tests pass a local one). */
  readonly keySetFor?: (issuer: TrustedIssuer) => JWTVerifyGetKey;
  /** Least time between two JWKS fetches for an unknown kid (default 30 s). */
  readonly jwksCooldownMs?: number;
  /** How long a fetched JWKS is used before it is fetched again (default 10 min). */
  readonly jwksCacheMaxAgeMs?: number;
  /** Timeout of one JWKS fetch (default 5 s). */
  readonly jwksTimeoutMs?: number;
}

export type VerifyGitLabIdToken = (token: string) => Promise<GitLabCiIdentity>;

/**
 * A verifier of GitLab CI ID tokens.
 * @returns a function resolving to the token's typed claims.
 * @throws IdTokenError (from the returned function) naming the failed check.
 */
export function createGitLabIdTokenVerifier(
  options: GitLabIdTokenVerifierOptions,
): VerifyGitLabIdToken {
  const skew = options.skewSeconds ?? DEFAULT_ID_TOKEN_SKEW_SECONDS;
  const remote = new Map<string, JWTVerifyGetKey>();
  const keySetFor =
    options.keySetFor ??
    ((issuer: TrustedIssuer): JWTVerifyGetKey => {
      let keySet = remote.get(issuer.jwksUrl);
      if (keySet === undefined) {
        keySet = createRemoteJWKSet(new URL(issuer.jwksUrl), {
          cooldownDuration: options.jwksCooldownMs ?? 30_000,
          cacheMaxAge: options.jwksCacheMaxAgeMs ?? 600_000,
          timeoutDuration: options.jwksTimeoutMs ?? 5_000,
        });
        remote.set(issuer.jwksUrl, keySet);
      }
      return keySet;
    });

  return async (token) => {
    const unverified = readUnverified(token);
    const trusted = await options.findIssuer(unverified.iss);
    if (trusted === undefined) {
      throw new IdTokenError(
        'UNTRUSTED_ISSUER',
        `The ID token's issuer ${quote(unverified.iss)} is not the ID-token issuer of any GitLab connection. Create a connection for that instance, or set its idTokenIssuer to exactly this value.`,
      );
    }
    const now = options.nowMs();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySetFor(trusted), {
        algorithms: [GITLAB_ID_TOKEN_ALGORITHM],
        typ: 'JWT',
        issuer: trusted.issuer,
        audience: options.audience,
        clockTolerance: skew,
        currentDate: new Date(now),
        requiredClaims: ['exp', 'iat'],
        ...(options.maxAgeSeconds === undefined ? {} : { maxTokenAge: options.maxAgeSeconds }),
      }));
    } catch (error: unknown) {
      throw explain(error, unverified, trusted, options, now);
    }
    if (typeof payload.iat === 'number' && payload.iat > now / 1000 + skew) {
      throw new IdTokenError(
        'BAD_ISSUED_AT',
        `The ID token was issued in the future (iat ${isoOf(payload.iat)}, Baton's clock ${isoOf(now / 1000)}); check the clocks of GitLab and Baton.`,
      );
    }
    return identityOf(payload, trusted.issuer);
  };
}

interface Unverified {
  readonly iss: string;
  readonly aud: readonly string[];
  readonly kid: string | undefined;
  readonly exp: number | undefined;
  readonly nbf: number | undefined;
  readonly iat: number | undefined;
}

/** Header checks and the claims needed to choose an issuer, before any signature check. */
function readUnverified(token: string): Unverified {
  if (token.length > MAX_ID_TOKEN_LENGTH || !/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) {
    throw new IdTokenError(
      'MALFORMED',
      'The bearer token is not a GitLab ID token (a JWT of three base64url parts). Pass the job variable named in id_tokens, e.g. BATON_ID_TOKEN.',
    );
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch (error: unknown) {
    throw new IdTokenError('MALFORMED', 'The ID token header or payload is not valid JSON.', {
      cause: error,
    });
  }
  if (header.alg !== GITLAB_ID_TOKEN_ALGORITHM) {
    throw new IdTokenError(
      'ALGORITHM_NOT_ALLOWED',
      `The ID token is signed with alg ${quote(String(header.alg))}; GitLab ID tokens are RS256 and Baton accepts nothing else.`,
    );
  }
  if (header.typ !== 'JWT') {
    throw new IdTokenError(
      'ALGORITHM_NOT_ALLOWED',
      `The ID token's typ is ${quote(String(header.typ))}, not JWT.`,
    );
  }
  if (typeof claims.iss !== 'string' || claims.iss === '') {
    throw new IdTokenError('BAD_CLAIMS', 'The ID token has no iss claim.');
  }
  const aud = claims.aud;
  return {
    iss: claims.iss,
    aud: typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.map(String) : [],
    kid: typeof header.kid === 'string' ? header.kid : undefined,
    exp: typeof claims.exp === 'number' ? claims.exp : undefined,
    nbf: typeof claims.nbf === 'number' ? claims.nbf : undefined,
    iat: typeof claims.iat === 'number' ? claims.iat : undefined,
  };
}

/** jose's error as an IdTokenError that says what to do. */
function explain(
  error: unknown,
  token: Unverified,
  issuer: TrustedIssuer,
  options: GitLabIdTokenVerifierOptions,
  nowMs: number,
): IdTokenError {
  const now = isoOf(nowMs / 1000);
  const cause = { cause: error };
  // jose reports a token over maxTokenAge as JWTExpired on the iat claim.
  if (error instanceof errors.JWTExpired && error.claim !== 'iat') {
    return new IdTokenError(
      'EXPIRED',
      `The ID token expired at ${token.exp === undefined ? 'an unknown time' : isoOf(token.exp)} (Baton's clock: ${now}). GitLab mints it when the job starts, valid for the job's timeout: call Baton from a running job.`,
      cause,
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired) {
    switch (error.claim) {
      case 'aud':
        return new IdTokenError(
          'WRONG_AUDIENCE',
          `The ID token's audience was ${token.aud.length === 0 ? 'missing' : token.aud.map(quote).join(', ')} but Baton expects ${quote(options.audience)}: set id_tokens:<NAME>:aud to ${options.audience} in .gitlab-ci.yml.`,
          cause,
        );
      case 'nbf':
        return new IdTokenError(
          'NOT_YET_VALID',
          `The ID token is not valid before ${token.nbf === undefined ? 'an unknown time' : isoOf(token.nbf)} (Baton's clock: ${now}); check the clocks of GitLab and Baton.`,
          cause,
        );
      case 'iat':
        return new IdTokenError(
          'BAD_ISSUED_AT',
          token.iat === undefined
            ? 'The ID token has no valid iat claim.'
            : `The ID token was issued at ${isoOf(token.iat)}, more than ${options.maxAgeSeconds ?? 0} s before Baton's clock (${now}); Baton accepts only fresh tokens: call it early in the job.`,
          cause,
        );
      case 'iss':
        return new IdTokenError(
          'UNTRUSTED_ISSUER',
          `The ID token's issuer does not match ${quote(issuer.issuer)}.`,
          cause,
        );
      case 'typ':
        return new IdTokenError('ALGORITHM_NOT_ALLOWED', "The ID token's typ is not JWT.", cause);
      default:
        return new IdTokenError(
          'BAD_CLAIMS',
          `The ID token's ${error.claim} claim is not valid: ${error.reason}.`,
          cause,
        );
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new IdTokenError(
      'ALGORITHM_NOT_ALLOWED',
      'The ID token is not signed with RS256.',
      cause,
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new IdTokenError(
      'UNKNOWN_KEY',
      `The JWKS of ${issuer.issuer} (${issuer.jwksUrl}) has no RS256 key with kid ${quote(token.kid ?? '(none)')}. The token was not signed by that GitLab instance, or its key rotated moments ago: retry in a minute.`,
      cause,
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new IdTokenError(
      'BAD_SIGNATURE',
      `The ID token's signature does not verify with the key of ${issuer.issuer}; the token was altered or not issued by that instance.`,
      cause,
    );
  }
  if (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWKInvalid ||
    error instanceof TypeError ||
    (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')
  ) {
    return new IdTokenError(
      'JWKS_UNAVAILABLE',
      `Baton could not read the JWKS of ${issuer.issuer} at ${issuer.jwksUrl}; check that Baton can reach it, or set the connection's jwksUrl.`,
      cause,
    );
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new IdTokenError('MALFORMED', 'The ID token is not a valid signed JWT.', cause);
  }
  return new IdTokenError(
    'JWKS_UNAVAILABLE',
    `The ID token could not be verified against ${issuer.jwksUrl}.`,
    cause,
  );
}

function identityOf(payload: JWTPayload, issuer: string): GitLabCiIdentity {
  const problems: string[] = [];
  const str = (name: string, required: boolean): string | undefined => {
    const value = payload[name];
    if (value === undefined || value === null) {
      if (required) problems.push(`${name} is missing`);
      return undefined;
    }
    if (typeof value !== 'string' || value === '') {
      problems.push(`${name} must be a non-empty string`);
      return undefined;
    }
    return value;
  };
  const id = (name: string, required: boolean): string | undefined => {
    const value = str(name, required);
    if (value !== undefined && !/^\d{1,20}$/.test(value)) {
      problems.push(`${name} must be a decimal id in a string`);
      return undefined;
    }
    return value;
  };
  const sourceProjectId = id('project_id', true);
  const sourceProjectPath = str('project_path', true);
  const jobProjectId = id('job_project_id', false);
  const jobProjectPath = str('job_project_path', false);
  const pipelineId = id('pipeline_id', true);
  const jobId = id('job_id', true);
  const ref = str('ref', true);
  const refType = str('ref_type', true);
  if (refType !== undefined && refType !== 'branch' && refType !== 'tag') {
    problems.push('ref_type must be "branch" or "tag"');
  }
  const refProtected = str('ref_protected', true);
  const subject = typeof payload.sub === 'string' ? payload.sub : '';
  if (
    problems.length > 0 ||
    sourceProjectId === undefined ||
    sourceProjectPath === undefined ||
    pipelineId === undefined ||
    jobId === undefined ||
    ref === undefined ||
    (refType !== 'branch' && refType !== 'tag') ||
    refProtected === undefined
  ) {
    throw new IdTokenError(
      'BAD_CLAIMS',
      `The ID token lacks claims of a GitLab CI job: ${problems.join('; ')}. Use a token from id_tokens: in a CI job.`,
    );
  }
  return {
    issuer,
    subject,
    tokenId: typeof payload.jti === 'string' ? payload.jti : undefined,
    projectId: jobProjectId ?? sourceProjectId,
    projectPath: jobProjectPath ?? sourceProjectPath,
    sourceProjectId,
    sourceProjectPath,
    namespacePath: optionalString(payload['job_namespace_path'] ?? payload['namespace_path']),
    pipelineId,
    pipelineSource: optionalString(payload['pipeline_source']),
    jobId,
    ref,
    refType,
    // GitLab sends "true"/"false" as strings; "false" is truthy in JS (§2.3, §6.10).
    refProtected: refProtected === 'true',
    environment: optionalString(payload['environment']),
    environmentProtected: payload['environment_protected'] === 'true',
    deploymentTier: optionalString(payload['deployment_tier']),
    userId: optionalString(payload['user_id']),
    userLogin: optionalString(payload['user_login']),
    sha: optionalString(payload['sha']),
    issuedAt: typeof payload.iat === 'number' ? payload.iat : 0,
    expiresAt: typeof payload.exp === 'number' ? payload.exp : 0,
  };
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isoOf(seconds: number): string {
  const ms = seconds * 1000;
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : 'invalid';
}

/** Untrusted text for a message: quoted, and cut short. */
function quote(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}...` : value);
}
