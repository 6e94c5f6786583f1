/** GitLab webhook deliveries: authentication, dedupe keys and asynchronous processing. */
export type {
  HeaderValues,
  WebhookAuthResult,
  WebhookSecretSet,
  WebhookSecrets,
} from './webhook-auth.js';
export {
  SIGNATURE_TOLERANCE_SECONDS,
  authenticateWebhook,
  isSigningToken,
  signWebhook,
  verifySignature,
} from './webhook-auth.js';
export type { DeliveryKey, DeliveryKeySource } from './delivery-key.js';
export { contentKey, deliveryKeyOf } from './delivery-key.js';
export type {
  DeliveryOutcome,
  DeliveryProcessorOptions,
  GitLabEvent,
  OnGitLabEvent,
} from './delivery-processor.js';
export { DeliveryProcessor } from './delivery-processor.js';
export type { DeliveryPurgeCounts, DeliveryRetentionOptions } from './delivery-retention.js';
export { purgeFinishedDeliveries } from './delivery-retention.js';
