export type { JsonValue, JsonArray, JsonObject } from './json.js';
export {
  isJsonObject,
  isJsonArray,
  getOwn,
  jsonByteLength,
  jsonByteLengthUpperBound,
  exceedsJsonByteLength,
  jsonEquals,
  jsonDepthExceeds,
  parseJsonText,
} from './json.js';
export { assertNever } from './assert-never.js';
export type { Clock } from './clock.js';
export type { Sleep } from './napper.js';
export { Napper } from './napper.js';
