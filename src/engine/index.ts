export { Engine } from './engine.js';
export type {
  ActivityPoll,
  ActivityTask,
  EngineEvent,
  EngineListener,
  EngineOptions,
  StartRequest,
} from './engine.js';
export { EngineError } from './errors.js';
export type { EngineErrorCode } from './errors.js';
export { checkName } from './names.js';
