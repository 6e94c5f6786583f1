/**
 * The context object (`$$` in JSONPath, `$states.context` in JSONata), with the fields AWS
 * documents in input-output-contextobject: Execution, State, StateMachine, Task and Map.Item.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import type { ExecutionInfo } from './model.js';

export interface StateContext {
  readonly name: string;
  readonly enteredTime: string;
  readonly retryCount: number;
  readonly taskToken?: string;
  readonly mapItem?: { readonly index: number; readonly value: JsonValue };
}

/** The `Execution` and `StateMachine` members; built once per step, shared by every state. */
export function executionContext(execution: ExecutionInfo): {
  readonly Execution: JsonObject;
  readonly StateMachine: JsonObject;
} {
  const Execution: Record<string, JsonValue> = {
    Id: execution.id,
    Input: execution.input,
    Name: execution.name,
    StartTime: execution.startTime,
    RedriveCount: execution.redriveCount,
  };
  if (execution.roleArn !== undefined) Execution['RoleArn'] = execution.roleArn;
  if (execution.redriveTime !== undefined) Execution['RedriveTime'] = execution.redriveTime;
  return {
    Execution,
    StateMachine: { Id: execution.stateMachineId, Name: execution.stateMachineName },
  };
}

/** The full context object for one state. */
export function contextObject(
  shared: { readonly Execution: JsonObject; readonly StateMachine: JsonObject },
  state: StateContext,
): JsonObject {
  const context: Record<string, JsonValue> = {
    Execution: shared.Execution,
    State: { EnteredTime: state.enteredTime, Name: state.name, RetryCount: state.retryCount },
    StateMachine: shared.StateMachine,
  };
  if (state.taskToken !== undefined) context['Task'] = { Token: state.taskToken };
  if (state.mapItem !== undefined) {
    context['Map'] = { Item: { Index: state.mapItem.index, Value: state.mapItem.value } };
  }
  return context;
}
