/** The Step Functions-compatible API (AWS JSON 1.0 at `POST /`). */
export {
  registerSfnApi,
  sfnApiPlugin,
  DEFAULT_BODY_LIMIT_BYTES,
  SYNC_EXECUTION_TIMEOUT_MS,
} from './plugin.js';
export type { SfnApiOptions } from './plugin.js';
export type { ExecutionWaiter } from './context.js';
export { notifiedWaiter, pollingWaiter } from './execution-waiter.js';
// Shared with the native REST API (api/rest), which reuses tokens, ARNs and shapes.
export { SfnError } from './errors.js';
export { PageTokens } from './page-tokens.js';
export type { TokenScope } from './page-tokens.js';
export { Arns } from './arns.js';
export { checkDefinitionText } from './definitions.js';
export { historyEvent } from './shapes.js';
