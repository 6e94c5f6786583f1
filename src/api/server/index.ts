export type { AppOptions, BatonApp, ErrorBody, ReadinessCheck } from './app.js';
export {
  REQUEST_ID_HEADER,
  createApp,
  isPublicRoute,
  registerApi,
  setMetricsRoute,
} from './app.js';
export type { LoggerOptions } from './logging.js';
export { REDACTED, createLogger, isSensitiveName, redactHeaders, redactUrl } from './logging.js';
export type { MetricsOptions } from './metrics.js';
export { ServerMetrics } from './metrics.js';
