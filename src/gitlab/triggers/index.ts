/** GitLab triggers: rules, the triggers file, matching, templates and concurrency. */
export type { EventFacts, TriggerEvent } from './event-facts.js';
export { TRIGGER_EVENTS, eventKindOf, isZeroSha, readEventFacts } from './event-facts.js';
export type { Glob, GlobOptions } from './glob.js';
export { compileGlob, globProblem, matchesAny } from './glob.js';
export type { BotUsername, ComparePaths, MatchPorts, MatchResult } from './match-trigger.js';
export { matchTrigger } from './match-trigger.js';
export type { TemplateScope } from './templates.js';
export { TemplateError, renderTemplate, toExecutionName } from './templates.js';
export type { FileTrigger } from './trigger-file.js';
export {
  TriggerFileError,
  checkTriggerList,
  loadTriggersFile,
  readTriggersText,
} from './trigger-file.js';
export type {
  ConcurrencyMode,
  GlobFilter,
  RuleProblem,
  RuleResult,
  TriggerRule,
  WorkflowTarget,
} from './trigger-rule.js';
export { TRIGGER_NAME, parseTriggerRule } from './trigger-rule.js';
export type {
  ExecutionStartedReport,
  OnExecutionStarted,
  StartOutcome,
  StartPlan,
} from './trigger-runs.js';
export { SUPERSEDED_ERROR, TriggerRuns } from './trigger-runs.js';
