export type { BatonConfig, LogLevel, Setting } from './settings.js';
export { LOG_LEVELS, SETTINGS, defaultConfig, fileKey, formatDuration } from './settings.js';
export type { ConfigOrigins, ConfigResult, ConfigSources } from './load-config.js';
export { CONFIG_ENV, CONFIG_FLAG, loadConfig } from './load-config.js';
export { describeConfig, maskUrl, redactSecrets } from './secrets.js';
