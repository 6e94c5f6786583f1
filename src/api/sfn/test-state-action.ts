/**
 * TestState (test-state-isolation): evaluates one state with our `inspectState`, the same
 * handlers executions use. `definition` is one state's JSON, or with `stateName` a whole state
 * machine. Task, Parallel and Map states take their outcome from `mock` (Baton does not call
 * real services from TestState). Inspection level INFO returns the outcome; DEBUG and TRACE
 * add the data after each processing stage (TRACE's HTTP request and response are not
 * recorded, so it equals DEBUG).
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../common/index.js';
import type { InspectStateOptions, StateInspection } from '../../language/index.js';
import { formatTimestamp, inspectState, parseJsonText } from '../../language/index.js';
import type { SfnAction } from './context.js';
import { requireValidDefinition } from './definitions.js';
import { invalidDefinition, invalidExecutionInput, validationError } from './errors.js';
import { defined } from './shapes.js';

const PAYLOAD_RULE = { max: 262_144, sensitive: true } as const;
const LEVELS = ['INFO', 'DEBUG', 'TRACE'] as const;
/** The name a lone state gets in the machine built around it. */
const LONE_STATE = 'TestState';

export const testState: SfnAction = async (context, request) => {
  const definitionText = request.string('definition', {
    required: true,
    min: 1,
    max: 1_048_576,
    sensitive: true,
  });
  request.string('roleArn', { min: 1, max: 256 });
  const inputText = request.string('input', PAYLOAD_RULE);
  const level = request.enumOf('inspectionLevel', LEVELS) ?? 'INFO';
  request.boolean('revealSecrets');
  const variablesText = request.string('variables', PAYLOAD_RULE);
  const stateName = request.string('stateName', { min: 1, max: 80, sensitive: true });
  const mock = request.nested('mock');
  const mockResult = mock?.string('result', PAYLOAD_RULE);
  const mockError = mock?.nested('errorOutput');
  const error = mockError?.string('error', { min: 0, max: 256, sensitive: true });
  const cause = mockError?.string('cause', { min: 0, max: 32_768, sensitive: true });
  mock?.enumOf('fieldValidationMode', ['STRICT', 'PRESENT', 'NONE'] as const);
  request.string('context', PAYLOAD_RULE);
  const configuration = request.nested('stateConfiguration');
  const retryCount = configuration?.integer('retrierRetryCount', { min: 0 });
  request.check();
  if (definitionText === undefined) return {};

  const machine = stateName === undefined ? wrapLoneState(definitionText) : undefined;
  const name = stateName ?? LONE_STATE;
  const definition = requireValidDefinition(machine?.text ?? definitionText);
  const input = parseJson(inputText ?? '{}', 'input', invalidExecutionInput);
  const variables = parseJson(variablesText ?? '{}', 'variables', validationError);
  if (!isJsonObject(variables)) throw validationError('The variables must be a JSON object.');
  if (mockResult !== undefined && error !== undefined) {
    throw validationError('Give the mock a result or an errorOutput, not both.');
  }
  const options: InspectStateOptions = {
    input,
    variables,
    now: formatTimestamp(context.clock.nowMs()),
    retryAttempts: Array.from(
      { length: retrierCount(machine?.state ?? findState(definitionText, name)) },
      () => retryCount ?? 0,
    ),
    ...(mockResult !== undefined
      ? { mock: { result: parseJson(mockResult, 'mock.result', validationError) } }
      : mockError !== undefined
        ? { mock: { error: error ?? '', ...(cause === undefined ? {} : { cause }) } }
        : {}),
  };
  let inspection: StateInspection;
  try {
    inspection = await inspectState(definition, name, options);
  } catch (failure: unknown) {
    // inspectState throws RangeError for a state that is not there, or a Task/Parallel/Map
    // without a mock: both are problems with the request.
    if (failure instanceof RangeError) throw validationError(failure.message);
    throw failure;
  }
  return render(inspection, level !== 'INFO');
};

function render(inspection: StateInspection, withData: boolean): JsonObject {
  const { inspectionData: data } = inspection;
  const text = (value: JsonValue | undefined) =>
    value === undefined ? undefined : JSON.stringify(value);
  return defined({
    output: text(inspection.output),
    error: inspection.error,
    cause: inspection.cause,
    nextState: inspection.nextState,
    status: inspection.status,
    inspectionData: withData
      ? defined({
          input: text(data.input),
          afterInputPath: text(data.stages.afterInputPath),
          afterParameters: text(data.stages.afterParameters),
          afterArguments: text(data.stages.afterArguments),
          result: text(data.stages.result),
          afterResultSelector: text(data.stages.afterResultSelector),
          afterResultPath: text(data.stages.afterResultPath),
          variables: text(data.variables),
        })
      : undefined,
  });
}

/**
 * A machine around one state, so the validator and `inspectState` can take it: the state as
 * `TestState`, and a Succeed state for every state it may go to, so its Next, Default and
 * Catch targets resolve (and `nextState` still names them).
 */
function wrapLoneState(text: string): { text: string; state: JsonObject } {
  const parsed = parseJsonText(text);
  if (!parsed.ok || !isJsonObject(parsed.value)) {
    throw invalidDefinition(
      'The definition must be one state as a JSON object (or give stateName with a whole state machine).',
    );
  }
  const state = parsed.value;
  const states: Record<string, JsonValue> = {};
  for (const target of targetsOf(state)) states[target] = { Type: 'Succeed' };
  states[LONE_STATE] = state;
  return { text: JSON.stringify({ StartAt: LONE_STATE, States: states }), state };
}

function targetsOf(state: JsonObject): string[] {
  const targets: string[] = [];
  const add = (value: JsonValue | undefined) => {
    if (typeof value === 'string' && value !== LONE_STATE) targets.push(value);
  };
  add(getOwn(state, 'Next'));
  add(getOwn(state, 'Default'));
  for (const key of ['Choices', 'Catch']) {
    const list = getOwn(state, key);
    if (!isJsonArray(list)) continue;
    for (const item of list) if (isJsonObject(item)) add(getOwn(item, 'Next'));
  }
  return targets;
}

/** The state named `name` anywhere in a machine's JSON (branches and item processors too). */
function findState(text: string, name: string): JsonObject | undefined {
  const parsed = parseJsonText(text);
  const pending: JsonValue[] = parsed.ok ? [parsed.value] : [];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (isJsonArray(next)) {
      pending.push(...next);
    } else if (isJsonObject(next)) {
      const states = getOwn(next, 'States');
      const found = isJsonObject(states) ? getOwn(states, name) : undefined;
      if (isJsonObject(found)) return found;
      pending.push(...Object.values(next));
    }
  }
  return undefined;
}

function retrierCount(state: JsonObject | undefined): number {
  const retry = state === undefined ? undefined : getOwn(state, 'Retry');
  return isJsonArray(retry) ? retry.length : 0;
}

function parseJson(text: string, member: string, error: (message: string) => Error): JsonValue {
  const parsed = parseJsonText(text);
  if (parsed.ok) return parsed.value;
  throw error(`The ${member} is not valid JSON: ${parsed.problem}`);
}
