/**
 * Removes secrets from text Baton shows in GitLab or writes to its logs: error causes can quote
 * request headers, URLs or job output. Known secrets (the connection's token) are removed
 * verbatim; GitLab token prefixes, JWTs (ID tokens), Baton task tokens, credentials in URLs and
 * authorization headers are removed by shape.
 */

export const REDACTED = '[REDACTED]';

const SHAPES: readonly RegExp[] = [
  // Authorization / PRIVATE-TOKEN / JOB-TOKEN headers, whatever the token looks like.
  /\b(authorization|private-token|job-token|x-gitlab-token)(\s*[:=]\s*)(bearer\s+|basic\s+)?[^\s,;"']+/gi,
  // GitLab tokens by prefix (glpat-, glptt-, gldt-, glrt-, glcbt-, gloas-, ...).
  /\bgl[a-z]{1,6}-[A-Za-z0-9_.-]{8,}/g,
  // JWTs (GitLab ID tokens, OIDC tokens): three base64url parts, the first a JSON header.
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  // Baton task tokens: <execution ARN>#<n>#<64 hex digits>.
  /arn:aws:states:[^\s#"']*#\d+#[0-9a-f]{64}/g,
  // Secret-looking query parameters.
  /([?&](?:private_token|access_token|token|job_token|signature|sig)=)[^&\s#"']+/gi,
];

/** Credentials embedded in a URL: `https://user:password@host`. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

/**
 * Returns `text` with every occurrence of `secrets` (strings of 4 characters or more) and of
 * secret-shaped substrings replaced by `[REDACTED]`.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  out = out.replace(URL_USERINFO, `$1${REDACTED}@`);
  for (const shape of SHAPES) {
    out = out.replace(shape, (match: string, ...groups: unknown[]) => {
      const [first, second, third] = groups;
      // Header shape: keep the header name and separator, hide the value.
      if (typeof first === 'string' && typeof second === 'string' && /^\s*[:=]/.test(second)) {
        return `${first}${second}${typeof third === 'string' ? third : ''}${REDACTED}`;
      }
      // Query shape: keep `?name=`.
      if (typeof first === 'string' && /^[?&]/.test(first)) return `${first}${REDACTED}`;
      return match.length > 0 ? REDACTED : match;
    });
  }
  return out;
}
