export type {
  StateMachineDefinition,
  Branch,
  State,
  StateType,
  QueryLanguage,
  PassState,
  TaskState,
  ChoiceState,
  ChoiceRule,
  WaitState,
  SucceedState,
  FailState,
  ParallelState,
  MapState,
  ItemProcessor,
  ItemBatcher,
  ProcessorConfig,
  Retrier,
  Catcher,
} from './types.js';
export type { Diagnostic, SourceMap } from './diagnostics.js';
export { childPointer, escapePointerToken } from './diagnostics.js';
export type { DiagnosticCode } from './diagnostic-codes.js';
export { DIAGNOSTIC_CODES, ALL_DIAGNOSTIC_CODES } from './diagnostic-codes.js';
export type { ParseResult, SourcePosition } from './parse.js';
export { parseJsonDefinition, createSourceMap } from './parse.js';
export type { ValidationResult } from './validate.js';
export { validateDefinition } from './validate.js';
