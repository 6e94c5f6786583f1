/**
 * Authentication of the CI API: exactly one `Authorization: Bearer <GitLab ID token>` header,
 * verified by identity/gitlab-id-token. SigV4 signatures, presigned URLs and access keys are
 * refused here, as Bearer tokens are refused by the SigV4 routes, so neither credential opens
 * the other's routes. Failures are 401 (503 when the issuer's JWKS cannot be fetched) with the
 * verifier's reason, which never contains the token.
 */
import type { AuthRequest } from '../../identity/index.js';
import { IdTokenError } from '../../identity/index.js';
import { RestError } from './errors.js';
import type { CiCaller, GitLabRestContext } from './route.js';

const HOW =
  'The CI API accepts only a GitLab CI ID token: send Authorization: Bearer $BATON_ID_TOKEN, with id_tokens: BATON_ID_TOKEN: aud: <Baton public URL> in .gitlab-ci.yml.';

/** @throws RestError UNAUTHENTICATED (or BUSY when the JWKS is unavailable) */
export async function authenticateCiCaller(
  gitlab: Pick<GitLabRestContext, 'verifyIdToken'>,
  request: AuthRequest,
): Promise<CiCaller> {
  const header = request.headers['authorization'];
  if (header === undefined)
    throw new RestError('UNAUTHENTICATED', `No Authorization header. ${HOW}`);
  if (typeof header !== 'string') {
    throw new RestError('UNAUTHENTICATED', `More than one Authorization header. ${HOW}`);
  }
  if (/[?&]X-Amz-(Signature|Credential)=/i.test(request.url)) {
    throw new RestError('UNAUTHENTICATED', `A presigned URL is not accepted here. ${HOW}`);
  }
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  if (match === null || match[1] === undefined) {
    throw new RestError(
      'UNAUTHENTICATED',
      `The Authorization header is not a Bearer token. ${HOW}`,
    );
  }
  try {
    return { identity: await gitlab.verifyIdToken(match[1]) };
  } catch (error: unknown) {
    if (error instanceof IdTokenError) {
      throw new RestError(error.status === 503 ? 'BUSY' : 'UNAUTHENTICATED', error.message);
    }
    throw error;
  }
}
