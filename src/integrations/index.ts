export type { TaskOutcome, TaskRequest, TaskRunner } from './task-runner.js';
