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
