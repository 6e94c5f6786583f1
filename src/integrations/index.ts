export type {
  TaskCancelRequest,
  TaskOutcome,
  TaskPollRequest,
  TaskRequest,
  TaskRunner,
} from './task-runner.js';
export type { HttpTaskOptions } from './http/http-task.js';
export { createHttpTaskRunner, HTTP_INVOKE_RESOURCE, HTTP_TASK_ERRORS } from './http/http-task.js';
export { routeTasks, UNKNOWN_RESOURCE_ERROR } from './task-router.js';
// --- GitLab (part A) ---
export type {
  ConnectionLookup,
  GitLabClient,
  GitLabConnection,
  GitLabTaskRunner,
  GitLabTaskRunnerOptions,
  PipelineWaits,
  ProjectRef,
  WaitTarget,
  Waiter,
} from './gitlab/index.js';
export {
  GITLAB_ERRORS,
  GITLAB_RESOURCES,
  GitLabApiError,
  createGitLabClient,
  createGitLabTaskRunner,
  parseProjectRef,
} from './gitlab/index.js';
// --- end GitLab ---
