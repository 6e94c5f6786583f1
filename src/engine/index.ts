export { Engine } from './engine.js';
export type { EngineEvent, EngineListener, EngineOptions, StartRequest } from './engine.js';
export { EngineError } from './errors.js';
export type { EngineErrorCode } from './errors.js';
export { checkName } from './names.js';
