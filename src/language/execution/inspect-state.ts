/**
 * Evaluates one state in isolation and reports every stage, like Step Functions' TestState
 * API at inspection level DEBUG (AWS test-state-isolation): after InputPath, after Parameters
 * or Arguments, the result, after ResultSelector, after ResultPath, the output, the variables
 * and the next state. Tasks, Parallel and Map take their result (or error) from a mock; the
 * other state types run for real. Uses the same handlers as `step`, so what it shows is what
 * an execution does.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { assertNever } from '../../common/index.js';
import type { StateMachineDefinition } from '../definition/types.js';
import { StatesError } from '../errors.js';
import { contextObject, executionContext } from './context-object.js';
import { indexDefinition } from './definition-index.js';
import { decideOnError } from './error-decision.js';
import type { FieldEnv, Finished, InspectionStage } from './io.js';
import { finishWithCatcher } from './io.js';
import { DEFAULT_LIMITS } from './model.js';
import { SeededRandom } from './rng.js';
import type { EnterOutcome, StateEnv } from './state-handlers.js';
import { completeChildren, completeTask, completeWait, enterState } from './state-handlers.js';

export interface InspectStateOptions {
  readonly input: JsonValue;
  /** Variables visible to the state. */
  readonly variables?: JsonObject;
  /** The outcome of a Task, Parallel or Map state (required for those types). */
  readonly mock?:
    { readonly result: JsonValue } | { readonly error: string; readonly cause?: string };
  /** Retries already made, per Retrier index, to see whether another is allowed. */
  readonly retryAttempts?: readonly number[];
  readonly now: string;
  readonly seed?: number;
  readonly executionName?: string;
  readonly payloadLimitBytes?: number;
}

/** AWS TestState's `status`: RETRIABLE and CAUGHT_ERROR say what Retry/Catch decided. */
export type InspectStatus = 'SUCCEEDED' | 'FAILED' | 'RETRIABLE' | 'CAUGHT_ERROR';

export interface StateInspection {
  readonly status: InspectStatus;
  readonly output?: JsonValue;
  readonly error?: string;
  readonly cause?: string;
  readonly nextState?: string;
  /** Seconds before the retry, when RETRIABLE. */
  readonly retryDelaySeconds?: number;
  readonly inspectionData: {
    readonly input: JsonValue;
    readonly stages: { readonly [stage in InspectionStage]?: JsonValue };
    readonly variables: JsonObject;
    /** What the state would hand to its task or branches (Task effective input, Wait due time...). */
    readonly scheduled?: JsonValue;
  };
}

/**
 * Evaluates `stateName` (at any depth of the definition) once.
 *
 * @throws RangeError when the state does not exist, or when a Task/Parallel/Map has no mock.
 */
export async function inspectState(
  definition: StateMachineDefinition,
  stateName: string,
  options: InspectStateOptions,
): Promise<StateInspection> {
  const index = indexDefinition(definition);
  const scope = index.findScopeOf(stateName);
  if (scope === undefined) {
    throw new RangeError(`There is no state named "${stateName}" in this definition.`);
  }
  const state = index.state(scope, stateName);
  const stages: Partial<Record<InspectionStage, JsonValue>> = {};
  const random = new SeededRandom(options.seed ?? 1);
  const name = options.executionName ?? 'test-state';
  const shared = executionContext({
    id: `arn:aws:states:local:000000000000:execution:test-state:${name}`,
    name,
    input: options.input,
    startTime: options.now,
    stateMachineId: 'arn:aws:states:local:000000000000:stateMachine:test-state',
    stateMachineName: 'test-state',
    redriveCount: 0,
  });
  const retryAttempts = options.retryAttempts ?? [];
  const stateContext = {
    name: stateName,
    enteredTime: options.now,
    retryCount: retryAttempts.reduce((a, b) => a + b, 0),
  };
  const variables = options.variables ?? {};
  const fields: FieldEnv = {
    language: index.queryLanguage(scope, state),
    stateName,
    input: options.input,
    context: contextObject(shared, stateContext),
    variables,
    random,
    now: options.now,
    payloadLimit: options.payloadLimitBytes ?? DEFAULT_LIMITS.payloadBytes,
    inspect: (stage, value) => {
      stages[stage] = value;
    },
  };
  let tokens = 0;
  const env: StateEnv = {
    fields,
    state,
    stateName,
    now: options.now,
    contextWith: (extra) => contextObject(shared, { ...stateContext, ...extra }),
    newTaskToken: () => `test-state-token-${++tokens}`,
  };
  const report = (
    rest: Omit<StateInspection, 'inspectionData'>,
    assigned?: JsonObject,
    scheduled?: JsonValue,
  ): StateInspection => ({
    ...rest,
    inspectionData: {
      input: options.input,
      stages,
      variables: { ...variables, ...assigned },
      ...(scheduled === undefined ? {} : { scheduled }),
    },
  });
  const finished = (
    done: Finished,
    next: string | undefined,
    scheduled?: JsonValue,
  ): StateInspection =>
    report(
      {
        status: 'SUCCEEDED',
        output: done.output,
        ...(next === undefined ? {} : { nextState: next }),
      },
      done.assigned,
      scheduled,
    );

  const onError = async (
    error: string,
    cause: string,
    scheduled?: JsonValue,
  ): Promise<StateInspection> => {
    const decision = decideOnError(state, error, retryAttempts, random);
    if (decision.kind === 'retry') {
      return report(
        { status: 'RETRIABLE', error, cause, retryDelaySeconds: decision.delaySeconds },
        undefined,
        scheduled,
      );
    }
    if (decision.kind === 'catch') {
      const { catcher } = decision;
      const done = await finishWithCatcher(fields, catcher, { Error: error, Cause: cause });
      return report(
        { status: 'CAUGHT_ERROR', error, cause, output: done.output, nextState: catcher.Next },
        done.assigned,
        scheduled,
      );
    }
    return report({ status: 'FAILED', error, cause }, undefined, scheduled);
  };

  let outcome: EnterOutcome;
  try {
    outcome = await enterState(env);
  } catch (error: unknown) {
    if (error instanceof StatesError) return onError(error.error, error.cause);
    throw error;
  }
  try {
    switch (outcome.kind) {
      case 'finished':
        return finished(outcome.finished, outcome.next);
      case 'fail':
        return report({ status: 'FAILED', error: outcome.error, cause: outcome.cause });
      case 'error':
        return onError(outcome.error, outcome.cause);
      case 'wait': {
        if (state.Type !== 'Wait') throw new RangeError('a wait outcome from a non-Wait state');
        const done = await completeWait(env, state, outcome.effectiveInput);
        return finished(done, done.next, { dueAt: outcome.dueAt });
      }
      case 'task':
      case 'children': {
        const scheduled =
          outcome.kind === 'task' ? outcome.input : outcome.children.map((child) => child.input);
        const mock = options.mock;
        if (mock === undefined) {
          throw new RangeError(
            `State "${stateName}" is a ${state.Type} state: give its result or error with a mock, e.g. --mock '{"result": {}}'.`,
          );
        }
        if ('error' in mock) return onError(mock.error, mock.cause ?? '', scheduled);
        let done: Finished & { readonly next: string | undefined };
        if (state.Type === 'Task') {
          done = await completeTask(env, state, mock.result);
        } else if (state.Type === 'Parallel' || state.Type === 'Map') {
          if (!Array.isArray(mock.result)) {
            throw new RangeError(
              `The mocked result of ${state.Type} state "${stateName}" must be an array.`,
            );
          }
          done = await completeChildren(env, state, mock.result);
        } else {
          throw new RangeError(`a task outcome from a ${state.Type} state`);
        }
        return finished(done, done.next, scheduled);
      }
      default:
        return assertNever(outcome, 'outcome');
    }
  } catch (error: unknown) {
    if (error instanceof StatesError) return onError(error.error, error.cause);
    throw error;
  }
}
