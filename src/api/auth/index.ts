export type { IssuedKey, KeyLookup, KeyLookupOptions, LastUseOptions } from './key-lookup.js';
export {
  DEFAULT_KEY_CACHE_TTL_MS,
  createKeyLookup,
  createLastUseRecorder,
  issueAccessKey,
  issueFirstAdminKey,
} from './key-lookup.js';
export { authRequestFromNode } from './auth-request.js';
export type {
  ConnectionSecretKind,
  WebhookSecretLookup,
  WebhookSecrets,
} from './gitlab-connection-secrets.js';
export {
  connectionSecretId,
  createConnectionLookup,
  createTrustedIssuerLookup,
  createWebhookSecretLookup,
  openConnectionSecret,
  sealConnectionSecret,
} from './gitlab-connection-secrets.js';
