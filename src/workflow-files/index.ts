export type { LoadWorkflowFilesOptions, WorkflowFileResult } from './load-workflow-files.js';
export { loadWorkflowFiles } from './load-workflow-files.js';
