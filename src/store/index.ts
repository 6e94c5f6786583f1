export type {
  AliasRoute,
  ClaimedWork,
  CreateWorkflow,
  DueWork,
  ExecutionFilter,
  ExecutionRecord,
  ExecutionStatus,
  ExecutionStore,
  MigrationReport,
  NewExecution,
  Page,
  PageRequest,
  PublishVersion,
  PutAlias,
  StepCommit,
  StoredEvent,
  Store,
  UpdateWorkflow,
  WorkflowAlias,
  WorkflowRecord,
  WorkflowStore,
  WorkflowType,
  WorkflowVersion,
} from './store.js';
export { MAX_VERSIONS_PER_WORKFLOW } from './store.js';
export { StoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
