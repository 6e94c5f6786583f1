export { runLocal, DEFAULT_START_TIME } from './local-runner.js';
export { LocalRunnerError } from './errors.js';
export type { LocalRunnerErrorCode } from './errors.js';
export type {
  LocalRunOptions,
  LocalRunResult,
  Mock,
  MockOutcome,
  MockTable,
  WaitMode,
} from './types.js';
export { parseMockTable, parseOutcome } from './mock-table.js';
