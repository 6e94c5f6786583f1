export type { IssuedKey, KeyLookup, KeyLookupOptions, LastUseOptions } from './key-lookup.js';
export {
  DEFAULT_KEY_CACHE_TTL_MS,
  createKeyLookup,
  createLastUseRecorder,
  issueAccessKey,
} from './key-lookup.js';
export { authRequestFromNode } from './auth-request.js';
