export type { AuthRequest, Authenticate, Principal } from './types.js';
export { AuthError } from './types.js';
export type { LookupKey, ParsedAuthorization, SigningKeyEntry, SigV4Options } from './sigv4.js';
export {
  DEFAULT_MAX_SKEW_MS,
  SIGV4_ALGORITHM,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  createSigV4Authenticator,
  formatAmzDate,
  parseAuthorization,
  signingKey,
} from './sigv4.js';
export type { IssuedAccessKey, RandomBytes } from './access-keys.js';
export {
  ACCESS_KEY_ID_PATTERN,
  MasterKey,
  SECRET_ACCESS_KEY_LENGTH,
  generateAccessKey,
} from './access-keys.js';
export type { MasterKeySource } from './master-key.js';
export { MASTER_KEY_FILE, loadMasterKey, parseMasterKey } from './master-key.js';
export { CredentialError } from './errors.js';
export { RandomPool } from './secret-keys.js';
export type { CredentialErrorCode } from './errors.js';
export type { RequestToSign } from './sign-request.js';
export { signRequest } from './sign-request.js';
export type {
  FindTrustedIssuer,
  GitLabCiIdentity,
  GitLabIdTokenVerifierOptions,
  IdTokenErrorCode,
  TrustedIssuer,
  VerifyGitLabIdToken,
} from './gitlab-id-token.js';
export {
  DEFAULT_ID_TOKEN_SKEW_SECONDS,
  GITLAB_ID_TOKEN_ALGORITHM,
  IdTokenError,
  createGitLabIdTokenVerifier,
} from './gitlab-id-token.js';
export type {
  CiAccessRequest,
  CiAccessRule,
  CiAction,
  CiDecision,
  RuleProblem,
  RulesResult,
} from './gitlab-ci-rules.js';
export {
  CI_ACTIONS,
  decideCiAccess,
  globToRegExp,
  projectReferenceProblem,
  readCiRules,
} from './gitlab-ci-rules.js';
