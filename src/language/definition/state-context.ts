import type { JsonObject, JsonValue } from '../../common/index.js';
import type { Report } from './diagnostic-collector.js';
import type { QueryLanguage } from './types.js';

/** What a nested machine is: a Parallel branch, a Map ItemProcessor or a deprecated Iterator. */
export type BranchKind = 'Branch' | 'ItemProcessor' | 'Iterator';

/** Everything a field check needs to know about where it is. */
export interface StateContext {
  readonly report: Report;
  /** How messages name the owner: `State "Deploy"`, `The state machine`. */
  readonly label: string;
  readonly stateName: string;
  readonly statePointer: string;
  readonly state: JsonObject;
  /** The language this state's fields are read in (the state's own, else the machine's). */
  readonly queryLanguage: QueryLanguage;
  /** Names of the states in the same States object: the only legal transition targets. */
  readonly scopeNames: ReadonlySet<string>;
  /** Every state name anywhere in the machine, for better "wrong branch" messages. */
  readonly machineNames: ReadonlySet<string>;
  /** Validates a nested machine (passed in to keep the module graph acyclic). */
  readonly validateBranch: (value: JsonValue, pointer: string, kind: BranchKind) => void;
}

/** Validates one field's value; reports through the context, returns nothing. */
export type FieldCheck = (ctx: StateContext, value: JsonValue, pointer: string) => void;
