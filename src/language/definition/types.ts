/**
 * The ASL document after validation. Field names keep ASL's PascalCase spelling (STYLE §4).
 * Values that may be JSONata (`{% ... %}`) strings in JSONata states are typed as such.
 * A definition only has this type after `validateDefinition` accepted it.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';

export type QueryLanguage = 'JSONPath' | 'JSONata';

export interface StateMachineDefinition {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly States: { readonly [name: string]: State };
  readonly QueryLanguage?: QueryLanguage;
  readonly TimeoutSeconds?: number;
  readonly Version?: string;
}

/** A nested machine: a Parallel branch or a Map's ItemProcessor/Iterator. */
export interface Branch {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly States: { readonly [name: string]: State };
  readonly QueryLanguage?: QueryLanguage;
}

export type State =
  | PassState
  | TaskState
  | ChoiceState
  | WaitState
  | SucceedState
  | FailState
  | ParallelState
  | MapState;

export type StateType = State['Type'];

/** Fields every state may carry. */
interface StateBase {
  readonly Comment?: string;
  readonly QueryLanguage?: QueryLanguage;
}

/** How a state hands over: exactly one of Next or End (validated). */
interface Transition {
  readonly Next?: string;
  readonly End?: boolean;
}

/** JSONPath-only input/output fields. */
interface JsonPathIo {
  readonly InputPath?: string | null;
  readonly OutputPath?: string | null;
}

/** Assign works in both query languages; Output only with JSONata. */
interface Assignable {
  readonly Assign?: JsonObject;
}

interface JsonataOutput {
  readonly Output?: JsonValue;
}

export interface PassState extends StateBase, Transition, JsonPathIo, Assignable, JsonataOutput {
  readonly Type: 'Pass';
  readonly Parameters?: JsonValue;
  readonly Result?: JsonValue;
  readonly ResultPath?: string | null;
}

export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
  readonly Comment?: string;
}

export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
  readonly Output?: JsonValue;
  readonly Assign?: JsonObject;
  readonly Comment?: string;
}

/** Retry and Catch, on Task, Parallel and Map. */
interface Recoverable {
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}

/** Parameters/ResultSelector/ResultPath (JSONPath) and Arguments (JSONata) of states with results. */
interface ResultProcessing {
  readonly Parameters?: JsonValue;
  readonly ResultSelector?: JsonValue;
  readonly ResultPath?: string | null;
  readonly Arguments?: JsonValue;
}

export interface TaskState
  extends
    StateBase,
    Transition,
    JsonPathIo,
    Assignable,
    JsonataOutput,
    Recoverable,
    ResultProcessing {
  readonly Type: 'Task';
  readonly Resource: string;
  /** Number, or a JSONata string in JSONata states. */
  readonly TimeoutSeconds?: number | string;
  readonly TimeoutSecondsPath?: string;
  readonly HeartbeatSeconds?: number | string;
  readonly HeartbeatSecondsPath?: string;
  readonly Credentials?: JsonValue;
}

/** A Choice rule, JSONPath style (`Variable` + one comparison operator) or JSONata (`Condition`). */
export interface ChoiceRule {
  readonly Variable?: string;
  readonly Condition?: string | boolean;
  readonly And?: readonly ChoiceRule[];
  readonly Or?: readonly ChoiceRule[];
  readonly Not?: ChoiceRule;
  readonly Next?: string;
  readonly Assign?: JsonObject;
  readonly Output?: JsonValue;
  readonly Comment?: string;
  /** The single comparison operator (e.g. `StringEquals`) and its operand. */
  readonly [operator: string]: JsonValue | readonly ChoiceRule[] | ChoiceRule | undefined;
}

export interface ChoiceState extends StateBase, JsonPathIo, Assignable, JsonataOutput {
  readonly Type: 'Choice';
  readonly Choices: readonly ChoiceRule[];
  readonly Default?: string;
}

export interface WaitState extends StateBase, Transition, JsonPathIo, Assignable, JsonataOutput {
  readonly Type: 'Wait';
  readonly Seconds?: number | string;
  readonly SecondsPath?: string;
  readonly Timestamp?: string;
  readonly TimestampPath?: string;
}

export interface SucceedState extends StateBase, JsonPathIo, JsonataOutput {
  readonly Type: 'Succeed';
}

export interface FailState extends StateBase {
  readonly Type: 'Fail';
  readonly Error?: string;
  readonly ErrorPath?: string;
  readonly Cause?: string;
  readonly CausePath?: string;
}

export interface ParallelState
  extends
    StateBase,
    Transition,
    JsonPathIo,
    Assignable,
    JsonataOutput,
    Recoverable,
    ResultProcessing {
  readonly Type: 'Parallel';
  readonly Branches: readonly Branch[];
}

export interface ProcessorConfig {
  readonly Mode?: 'INLINE' | 'DISTRIBUTED';
  readonly ExecutionType?: 'STANDARD' | 'EXPRESS';
}

export interface ItemProcessor extends Branch {
  readonly ProcessorConfig?: ProcessorConfig;
}

export interface ItemBatcher {
  readonly MaxItemsPerBatch?: number | string;
  readonly MaxItemsPerBatchPath?: string;
  readonly MaxInputBytesPerBatch?: number | string;
  readonly MaxInputBytesPerBatchPath?: string;
  readonly BatchInput?: JsonValue;
}

export interface MapState
  extends
    StateBase,
    Transition,
    JsonPathIo,
    Assignable,
    JsonataOutput,
    Recoverable,
    ResultProcessing {
  readonly Type: 'Map';
  readonly ItemProcessor?: ItemProcessor;
  /** Deprecated spelling of ItemProcessor (without ProcessorConfig). */
  readonly Iterator?: Branch;
  readonly ItemsPath?: string;
  /** JSONata: an array or a `{% %}` expression yielding one. */
  readonly Items?: JsonValue;
  readonly ItemSelector?: JsonValue;
  readonly ItemBatcher?: ItemBatcher;
  readonly ItemReader?: JsonObject;
  readonly ResultWriter?: JsonObject;
  readonly MaxConcurrency?: number | string;
  readonly MaxConcurrencyPath?: string;
  readonly ToleratedFailurePercentage?: number | string;
  readonly ToleratedFailurePercentagePath?: string;
  readonly ToleratedFailureCount?: number | string;
  readonly ToleratedFailureCountPath?: string;
  readonly Label?: string;
}
