/** The actions served, by their `X-Amz-Target` name (`AWSStepFunctions.<Action>`). */
import {
  createActivity,
  deleteActivity,
  describeActivity,
  getActivityTask,
  listActivities,
} from './activity-actions.js';
import type { SfnAction } from './context.js';
import { describeMapRun, listMapRuns, updateMapRun } from './map-run-actions.js';
import {
  describeExecution,
  getExecutionHistory,
  listExecutions,
  redriveExecution,
  startExecution,
  startSyncExecution,
  stopExecution,
} from './execution-actions.js';
import {
  createStateMachine,
  deleteStateMachine,
  describeStateMachine,
  describeStateMachineForExecution,
  listStateMachines,
  updateStateMachine,
  validateStateMachineDefinition,
} from './state-machine-actions.js';
import { listTagsForResource, tagResource, untagResource } from './tag-actions.js';
import { sendTaskFailure, sendTaskHeartbeat, sendTaskSuccess } from './task-actions.js';
import { testState } from './test-state-action.js';
import {
  createStateMachineAlias,
  deleteStateMachineAlias,
  deleteStateMachineVersion,
  describeStateMachineAlias,
  listStateMachineAliases,
  listStateMachineVersions,
  publishStateMachineVersion,
  updateStateMachineAlias,
} from './version-alias-actions.js';

/** A Map, not an object: a target such as `constructor` must not find anything. */
export const ACTIONS: ReadonlyMap<string, SfnAction> = new Map<string, SfnAction>([
  ['CreateStateMachine', createStateMachine],
  ['UpdateStateMachine', updateStateMachine],
  ['DeleteStateMachine', deleteStateMachine],
  ['DescribeStateMachine', describeStateMachine],
  ['ListStateMachines', listStateMachines],
  ['DescribeStateMachineForExecution', describeStateMachineForExecution],
  ['ValidateStateMachineDefinition', validateStateMachineDefinition],
  ['PublishStateMachineVersion', publishStateMachineVersion],
  ['ListStateMachineVersions', listStateMachineVersions],
  ['DeleteStateMachineVersion', deleteStateMachineVersion],
  ['CreateStateMachineAlias', createStateMachineAlias],
  ['DescribeStateMachineAlias', describeStateMachineAlias],
  ['UpdateStateMachineAlias', updateStateMachineAlias],
  ['DeleteStateMachineAlias', deleteStateMachineAlias],
  ['ListStateMachineAliases', listStateMachineAliases],
  ['StartExecution', startExecution],
  ['StartSyncExecution', startSyncExecution],
  ['StopExecution', stopExecution],
  ['DescribeExecution', describeExecution],
  ['ListExecutions', listExecutions],
  ['GetExecutionHistory', getExecutionHistory],
  ['RedriveExecution', redriveExecution],
  ['ListMapRuns', listMapRuns],
  ['DescribeMapRun', describeMapRun],
  ['UpdateMapRun', updateMapRun],
  ['CreateActivity', createActivity],
  ['DeleteActivity', deleteActivity],
  ['DescribeActivity', describeActivity],
  ['ListActivities', listActivities],
  ['GetActivityTask', getActivityTask],
  ['SendTaskSuccess', sendTaskSuccess],
  ['SendTaskFailure', sendTaskFailure],
  ['SendTaskHeartbeat', sendTaskHeartbeat],
  ['TestState', testState],
  ['TagResource', tagResource],
  ['UntagResource', untagResource],
  ['ListTagsForResource', listTagsForResource],
]);
