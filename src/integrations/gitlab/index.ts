/** The GitLab integration's public surface: the client, project paths, the task runner and its ports. */
export type { ConnectionLookup, GitLabConnection } from './connection.js';
export type {
  GitLabBytesResponse,
  GitLabCall,
  GitLabClient,
  GitLabClientOptions,
  GitLabList,
  GitLabMethod,
  GitLabResponse,
  QueryValue,
} from './client.js';
export { createGitLabClient, groupPath, numericField, projectPath } from './client.js';
export { GitLabClients } from './clients.js';
export type { GitLabApiErrorDetails, GitLabErrorName } from './errors.js';
export { GITLAB_ERRORS, GitLabApiError, errorNameForStatus, redact } from './errors.js';
export type {
  ComparedPaths,
  GitLabGroup,
  GitLabHook,
  GitLabProject,
  GitLabTokenInfo,
  GitLabUser,
  GitLabVersion,
  HookEventFlag,
  HookSettings,
} from './instance-api.js';
export {
  HOOK_EVENT_FLAGS,
  compare,
  createGroupHook,
  createHook,
  currentUser,
  getGroup,
  getProject,
  getVersion,
  isTrue,
  listGroupHooks,
  listHooks,
  tokenSelf,
  updateGroupHook,
  updateHook,
} from './instance-api.js';
export type { CreatedPipeline, PipelineWaits, WaitTarget, Waiter } from './pipeline-waits.js';
export { waiterOf } from './pipeline-waits.js';
export type { ProjectRef, ProjectRefOptions, ProjectRefParse } from './project-path.js';
export { encodeProjectId, parseGroupRef, parseProjectRef } from './project-path.js';
export type { GitLabTaskRunner, GitLabTaskRunnerOptions } from './tasks/gitlab-task-runner.js';
export {
  DEFAULT_CONNECTION,
  GITLAB_RESOURCES,
  GITLAB_RESOURCE_PREFIX,
  createGitLabTaskRunner,
} from './tasks/gitlab-task-runner.js';
