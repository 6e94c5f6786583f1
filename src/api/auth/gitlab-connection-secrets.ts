/**
 * The bridge between stored GitLab connections and the code that needs their secrets: sealing
 * each secret under the master key bound to `gitlab-connection:<name>:<kind>` (so a sealed value
 * copied onto another connection or another column does not open), and the lookups the
 * runtime uses: the connection with its opened API token (part A's `ConnectionLookup`), the
 * webhook secrets (webhook intake), and the trusted ID-token issuers (CI API).
 */
import type { FindTrustedIssuer, MasterKey } from '../../identity/index.js';
import type { ConnectionLookup } from '../../integrations/gitlab/connection.js';
import type { GitLabConnectionStore } from '../../store/index.js';

export type ConnectionSecretKind = 'token' | 'webhook-secret' | 'signing-token';

/** What `sealConnectionSecret` binds a secret to. */
export function connectionSecretId(name: string, kind: ConnectionSecretKind): string {
  return `gitlab-connection:${name}:${kind}`;
}

export function sealConnectionSecret(
  masterKey: MasterKey,
  name: string,
  kind: ConnectionSecretKind,
  secret: string,
): string {
  return masterKey.seal(connectionSecretId(name, kind), secret);
}

/** @throws CredentialError SECRET_UNREADABLE (another master key, or an altered row). */
export function openConnectionSecret(
  masterKey: MasterKey,
  name: string,
  kind: ConnectionSecretKind,
  sealed: string,
): string {
  return masterKey.open(connectionSecretId(name, kind), sealed);
}

/** The runtime view of a connection, its API token opened; undefined when there is none. */
export function createConnectionLookup(
  connections: Pick<GitLabConnectionStore, 'get'>,
  masterKey: MasterKey,
): ConnectionLookup {
  return async (name) => {
    const record = await connections.get(name);
    if (record === undefined) return undefined;
    return {
      name: record.name,
      baseUrl: record.baseUrl,
      token: openConnectionSecret(masterKey, record.name, 'token', record.tokenSealed),
    };
  };
}

export interface WebhookSecrets {
  /** Compared with `X-Gitlab-Token`. */
  readonly secretToken?: string;
  /** `whsec_...`: when set, deliveries must carry a valid `webhook-signature`. */
  readonly signingToken?: string;
}

export type WebhookSecretLookup = (name: string) => Promise<WebhookSecrets | undefined>;

/** The webhook secrets of a connection, opened; undefined when there is no such connection. */
export function createWebhookSecretLookup(
  connections: Pick<GitLabConnectionStore, 'get'>,
  masterKey: MasterKey,
): WebhookSecretLookup {
  return async (name) => {
    const record = await connections.get(name);
    if (record === undefined) return undefined;
    const { webhookSecretSealed, signingTokenSealed } = record;
    return {
      ...(webhookSecretSealed === null
        ? {}
        : {
            secretToken: openConnectionSecret(
              masterKey,
              name,
              'webhook-secret',
              webhookSecretSealed,
            ),
          }),
      ...(signingTokenSealed === null
        ? {}
        : {
            signingToken: openConnectionSecret(
              masterKey,
              name,
              'signing-token',
              signingTokenSealed,
            ),
          }),
    };
  };
}

/**
 * The ID-token issuers the connections trust. When several connections share an issuer, the
 * first by name gives the JWKS URL.
 */
export function createTrustedIssuerLookup(
  connections: Pick<GitLabConnectionStore, 'listByIssuer'>,
): FindTrustedIssuer {
  return async (iss) => {
    const first = (await connections.listByIssuer(iss))[0];
    return first === undefined
      ? undefined
      : { issuer: first.idTokenIssuer, jwksUrl: first.jwksUrl };
  };
}
