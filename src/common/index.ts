export type { JsonValue, JsonArray, JsonObject } from './json.js';
export { isJsonObject, isJsonArray, getOwn, jsonByteLength, jsonEquals } from './json.js';
export { assertNever } from './assert-never.js';
