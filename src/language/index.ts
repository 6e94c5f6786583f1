/** The language core's public surface: parse-free validation, evaluation, and `step`. */
export type { JsonValue, JsonObject, JsonArray } from '../common/index.js';
export type * from './definition/types.js';
export type { Diagnostic, SourceMap } from './definition/diagnostics.js';
export { validateDefinition } from './definition/validate.js';
export type { ValidationResult } from './definition/validate.js';
export { StatesError, StatesErrorNames, isStatesError, matchesErrorEquals } from './errors.js';
export type { StatesErrorName } from './errors.js';
export { step } from './execution/step.js';
export type {
  Attempts,
  ChildrenProgress,
  Command,
  ExecutionInfo,
  ExecutionSnapshot,
  ExecutionStatus,
  HistoryEvent,
  Limits,
  PendingChild,
  Position,
  Run,
  StepEvent,
  StepResult,
} from './execution/model.js';
export { DEFAULT_LIMITS } from './execution/model.js';
export { awsEventDetailsJson, toAwsHistoryEvent } from './execution/history-format.js';
export { formatTimestamp, parseTimestamp } from './timestamps.js';
export { inspectState } from './execution/inspect-state.js';
export type {
  InspectStateOptions,
  InspectStatus,
  StateInspection,
} from './execution/inspect-state.js';
export type { InspectionStage } from './execution/io.js';
export { executionOfToken, sameToken } from './execution/task-token.js';
export { parseJsonText, MAX_JSON_TEXT_DEPTH } from './json-text.js';
export type { JsonTextResult } from './json-text.js';
export { isActivityResource } from './execution/state-handlers.js';
// JSONata with Baton's evaluation limits, for expressions outside definitions (GitLab triggers).
export { checkJsonataSyntax, compileJsonata } from './jsonata/expression.js';
