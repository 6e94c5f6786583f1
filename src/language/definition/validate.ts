/**
 * Validates an ASL definition (AWS concepts-amazon-states-language and the state-* pages,
 * states-language.net/spec.html) and reports every problem at once.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../common/index.js';
import { DiagnosticCollector } from './diagnostic-collector.js';
import type { Report } from './diagnostic-collector.js';
import type { Diagnostic, SourceMap } from './diagnostics.js';
import { childPointer } from './diagnostics.js';
import type { FieldTable, LanguageFieldTables } from './field-sets.js';
import { checkFields, requireFields, sameInBoth } from './field-sets.js';
import { checkProcessorConfig } from './map-parallel.js';
import type { BranchKind, StateContext } from './state-context.js';
import { STATE_FIELDS, STATE_RELATIONS, STATE_TYPES, isStateType } from './state-fields.js';
import { didYouMean } from './suggest.js';
import { findUnreachable, isTerminal, transitionTargets } from './transitions.js';
import type { QueryLanguage, StateMachineDefinition } from './types.js';
import {
  MAX_SECONDS,
  checkInteger,
  checkString,
  checkedElsewhere,
  isJsonValue,
  typeName,
} from './value-checks.js';

/** The outcome of validation: the typed definition, or every problem found. */
export type ValidationResult =
  | { readonly ok: true; readonly definition: StateMachineDefinition }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

/** State names are at most 80 characters (ASL spec "States"). */
const MAX_STATE_NAME_LENGTH = 80;
const QUERY_LANGUAGES: readonly QueryLanguage[] = ['JSONPath', 'JSONata'];

const MACHINE_BODY: FieldTable = {
  StartAt: checkString,
  States: checkedElsewhere,
  Comment: checkString,
  QueryLanguage: checkedElsewhere,
};
const TOP_LEVEL_FIELDS = sameInBoth({
  ...MACHINE_BODY,
  Version: checkString,
  TimeoutSeconds: checkInteger(1, MAX_SECONDS),
});
const BRANCH_FIELDS: Readonly<Record<BranchKind, LanguageFieldTables>> = {
  Branch: sameInBoth(MACHINE_BODY),
  Iterator: sameInBoth(MACHINE_BODY),
  ItemProcessor: sameInBoth({ ...MACHINE_BODY, ProcessorConfig: checkProcessorConfig }),
};

/**
 * Validates a parsed definition. Returns the definition, typed, when it is valid; otherwise
 * every diagnostic found, each with a code, a JSON pointer, a source position (from
 * `sourceMap`, or 0:0) and a message that says how to fix it. Never throws.
 */
export function validateDefinition(value: unknown, sourceMap?: SourceMap): ValidationResult {
  const collector = new DiagnosticCollector(sourceMap);
  const report: Report = (code, pointer, message) => collector.report(code, pointer, message);
  if (!isJsonValue(value) || !isJsonObject(value)) {
    report(
      'WRONG_TYPE',
      '',
      `A state machine definition must be a JSON object with "StartAt" and "States", but this is ${isJsonValue(value) ? typeName(value) : 'not JSON data'}.`,
    );
    return { ok: false, diagnostics: [...collector.diagnostics] };
  }
  new MachineValidator(report, value).validate();
  const diagnostics = collector.diagnostics;
  if (isValidatedDefinition(value, diagnostics)) return { ok: true, definition: value };
  return { ok: false, diagnostics: [...diagnostics] };
}

/**
 * The narrowing from JSON to StateMachineDefinition. It holds because validateDefinition
 * checked every field against the tables that mirror types.ts and found no problem.
 */
function isValidatedDefinition(
  _value: unknown,
  diagnostics: readonly Diagnostic[],
): _value is StateMachineDefinition {
  return diagnostics.length === 0;
}

class MachineValidator {
  readonly #report: Report;
  readonly #root: JsonObject;
  readonly #machineNames = new Set<string>();
  readonly #topLanguage: QueryLanguage;

  constructor(report: Report, root: JsonObject) {
    this.#report = report;
    this.#root = root;
    const language = getOwn(root, 'QueryLanguage');
    this.#topLanguage = language === 'JSONata' ? 'JSONata' : 'JSONPath';
  }

  validate(): void {
    const ctx = this.#context(
      'The state machine',
      '',
      '',
      this.#root,
      this.#topLanguage,
      new Set(),
    );
    checkFields(ctx, this.#root, '', 'The state machine', TOP_LEVEL_FIELDS);
    this.#checkQueryLanguage(ctx, this.#root, '', 'The state machine', false);
    this.#collectNames(getOwn(this.#root, 'States'), '/States', new Map());
    this.#validateBody(ctx, this.#root, '', 'The state machine', this.#topLanguage);
  }

  /** Records every state name in the machine and reports names used twice. */
  #collectNames(states: JsonValue | undefined, pointer: string, seen: Map<string, string>): void {
    if (!isJsonObject(states)) return;
    for (const [name, state] of Object.entries(states)) {
      const statePointer = childPointer(pointer, name);
      const first = seen.get(name);
      if (first !== undefined) {
        this.#report(
          'DUPLICATE_STATE_NAME',
          statePointer,
          `State name "${name}" is used twice (also at ${first}); state names must be unique across the whole machine, including Parallel branches and Map processors. Rename one.`,
        );
      } else seen.set(name, statePointer);
      this.#machineNames.add(name);
      if (!isJsonObject(state)) continue;
      const branches = getOwn(state, 'Branches');
      if (isJsonArray(branches)) {
        branches.forEach((branch, index) => {
          if (isJsonObject(branch))
            this.#collectNames(
              getOwn(branch, 'States'),
              `${statePointer}/Branches/${index}/States`,
              seen,
            );
        });
      }
      for (const field of ['ItemProcessor', 'Iterator']) {
        const processor = getOwn(state, field);
        if (isJsonObject(processor))
          this.#collectNames(getOwn(processor, 'States'), `${statePointer}/${field}/States`, seen);
      }
    }
  }

  #context(
    label: string,
    stateName: string,
    pointer: string,
    object: JsonObject,
    language: QueryLanguage,
    scopeNames: ReadonlySet<string>,
  ): StateContext {
    const ctx: StateContext = {
      report: this.#report,
      label,
      stateName,
      statePointer: pointer,
      state: object,
      queryLanguage: language,
      scopeNames,
      machineNames: this.#machineNames,
      validateBranch: (value, branchPointer, kind) =>
        this.#validateBranch(ctx, value, branchPointer, kind),
    };
    return ctx;
  }

  /**
   * QueryLanguage must name a language, and a state may not ask for JSONPath when the top
   * level chose JSONata (transforming-data: "If JSONata is specified at the top level,
   * JSONPath cannot be used").
   */
  #checkQueryLanguage(
    ctx: StateContext,
    object: JsonObject,
    pointer: string,
    what: string,
    isNested: boolean,
  ): QueryLanguage | undefined {
    const value = getOwn(object, 'QueryLanguage');
    if (value === undefined) return undefined;
    const fieldPointer = childPointer(pointer, 'QueryLanguage');
    if (value !== 'JSONPath' && value !== 'JSONata') {
      ctx.report(
        'INVALID_VALUE',
        fieldPointer,
        `${what}: "QueryLanguage" must be "JSONPath" or "JSONata", but it is ${JSON.stringify(value)}${typeof value === 'string' ? didYouMean(value, QUERY_LANGUAGES) : '.'}`,
      );
      return undefined;
    }
    if (isNested && value === 'JSONPath' && this.#topLanguage === 'JSONata') {
      ctx.report(
        'JSONPATH_IN_JSONATA_MACHINE',
        fieldPointer,
        `${what} sets "QueryLanguage": "JSONPath", but the state machine's top-level QueryLanguage is JSONata, and then no state may use JSONPath; convert this state to JSONata, or set the top level to JSONPath and mark JSONata states one by one.`,
      );
    }
    return value;
  }

  /** StartAt and States of the machine or of one branch, then each state. */
  #validateBody(
    ctx: StateContext,
    body: JsonObject,
    pointer: string,
    what: string,
    language: QueryLanguage,
  ): void {
    requireFields(ctx, body, pointer, what, ['StartAt', 'States']);
    const states = getOwn(body, 'States');
    const statesPointer = childPointer(pointer, 'States');
    if (states === undefined) return;
    if (!isJsonObject(states)) {
      ctx.report(
        'WRONG_TYPE',
        statesPointer,
        `${what}: "States" must be an object of state names to states, but it is ${typeName(states)}.`,
      );
      return;
    }
    const names = Object.keys(states);
    if (names.length === 0) {
      ctx.report(
        'EMPTY_STATES',
        statesPointer,
        `${what}: "States" is empty; add at least one state.`,
      );
      return;
    }
    const scopeNames = new Set(names);
    for (const [name, state] of Object.entries(states)) {
      this.#validateState(name, state, childPointer(statesPointer, name), language, scopeNames);
    }
    const startAt = getOwn(body, 'StartAt');
    if (typeof startAt !== 'string') return;
    if (!scopeNames.has(startAt)) {
      ctx.report(
        'UNKNOWN_START_AT',
        childPointer(pointer, 'StartAt'),
        `${what} has "StartAt": "${startAt}", which is not one of its states${didYouMean(startAt, names) || `; its states are ${names.map((n) => `"${n}"`).join(', ')}.`}`,
      );
      return;
    }
    for (const name of findUnreachable(states, startAt)) {
      ctx.report(
        'UNREACHABLE_STATE',
        childPointer(statesPointer, name),
        `State "${name}" is never reached from "StartAt": "${startAt}"; connect it with "Next", "Default" or a Catcher, or remove it.`,
      );
    }
    const targetsResolve = Object.values(states).every(
      (state) =>
        !isJsonObject(state) || transitionTargets(state).every((target) => scopeNames.has(target)),
    );
    // With a dangling target, "no terminal state" is usually the same mistake said twice.
    if (targetsResolve && !Object.values(states).some(isTerminal)) {
      ctx.report(
        'NO_TERMINAL_STATE',
        statesPointer,
        `${what} has no state that ends it; add "End": true to a state, or a Succeed or Fail state.`,
      );
    }
  }

  #validateState(
    name: string,
    state: JsonValue,
    pointer: string,
    inherited: QueryLanguage,
    scopeNames: ReadonlySet<string>,
  ): void {
    const what = `State "${name}"`;
    if ([...name].length > MAX_STATE_NAME_LENGTH) {
      this.#report(
        'STATE_NAME_TOO_LONG',
        pointer,
        `State name "${name.slice(0, 20)}…" has ${[...name].length} characters; the limit is ${MAX_STATE_NAME_LENGTH}.`,
      );
    }
    if (!isJsonObject(state)) {
      this.#report(
        'WRONG_TYPE',
        pointer,
        `${what} must be an object, but it is ${typeName(state)}.`,
      );
      return;
    }
    const probe = this.#context(what, name, pointer, state, inherited, scopeNames);
    const language = this.#checkQueryLanguage(probe, state, pointer, what, true) ?? inherited;
    const ctx =
      language === inherited
        ? probe
        : this.#context(what, name, pointer, state, language, scopeNames);
    const type = getOwn(state, 'Type');
    if (type === undefined) {
      ctx.report(
        'MISSING_FIELD',
        pointer,
        `${what} is missing the required field "Type" (one of ${STATE_TYPES.join(', ')}).`,
      );
      return;
    }
    if (!isStateType(type)) {
      ctx.report(
        'INVALID_STATE_TYPE',
        childPointer(pointer, 'Type'),
        `${what} has "Type": ${JSON.stringify(type)}, which is not a state type${typeof type === 'string' ? didYouMean(type, STATE_TYPES) || `; use one of ${STATE_TYPES.join(', ')}.` : `; use one of ${STATE_TYPES.join(', ')}.`}`,
      );
      return;
    }
    checkFields(ctx, state, pointer, what, STATE_FIELDS[type]);
    STATE_RELATIONS[type](ctx);
  }

  /** A Parallel branch or a Map's ItemProcessor/Iterator: a machine of its own. */
  #validateBranch(owner: StateContext, value: JsonValue, pointer: string, kind: BranchKind): void {
    const what =
      kind === 'Branch'
        ? `${owner.label} branch ${pointer.slice(pointer.lastIndexOf('/') + 1)}`
        : `${owner.label} ${kind}`;
    if (!isJsonObject(value)) {
      owner.report(
        'WRONG_TYPE',
        pointer,
        `${what} must be an object with "StartAt" and "States", but it is ${typeName(value)}.`,
      );
      return;
    }
    const ctx = this.#context(
      what,
      owner.stateName,
      pointer,
      value,
      owner.queryLanguage,
      owner.scopeNames,
    );
    checkFields(ctx, value, pointer, what, BRANCH_FIELDS[kind]);
    const language = this.#checkQueryLanguage(ctx, value, pointer, what, true) ?? this.#topLanguage;
    this.#validateBody(ctx, value, pointer, what, language);
  }
}
