/**
 * Resolves the branch a run executes. Runs store a scope key, not a copy of the branch, so
 * snapshots stay small: '' is the top-level machine, `<parent>/<state>/<i>` the i-th branch of
 * a Parallel state and `<parent>/<state>/items` a Map's ItemProcessor (or Iterator).
 */
import type { Branch, QueryLanguage, State, StateMachineDefinition } from '../definition/types.js';

export interface DefinitionIndex {
  readonly root: StateMachineDefinition;
  branch(scope: string): Branch;
  state(scope: string, name: string): State;
  /**
   * The state's QueryLanguage, else its branch's (a Parallel branch or ItemProcessor), else the
   * machine's (JSONPath by default): the rule the validator checks each state's fields against.
   */
  queryLanguage(scope: string, state: State): QueryLanguage;
  /** The scope holding `stateName` (names are unique across the whole machine). */
  findScopeOf(stateName: string): string | undefined;
}

const cache = new WeakMap<StateMachineDefinition, DefinitionIndex>();

/** Returns the (cached) index of a validated definition. */
export function indexDefinition(definition: StateMachineDefinition): DefinitionIndex {
  const cached = cache.get(definition);
  if (cached) return cached;
  const branches = new Map<string, Branch>();
  const languages = new Map<string, QueryLanguage>();
  collect('', definition, definition.QueryLanguage ?? 'JSONPath', branches, languages);
  const index: DefinitionIndex = {
    root: definition,
    branch(scope) {
      const branch = branches.get(scope);
      if (!branch) throw new RangeError(`no branch at scope "${scope}" in this definition`);
      return branch;
    },
    state(scope, name) {
      const state = index.branch(scope).States[name];
      if (!state) throw new RangeError(`no state "${name}" at scope "${scope}"`);
      return state;
    },
    queryLanguage(scope, state) {
      return state.QueryLanguage ?? languages.get(scope) ?? 'JSONPath';
    },
    findScopeOf(stateName) {
      for (const [scope, branch] of branches) {
        if (Object.hasOwn(branch.States, stateName)) return scope;
      }
      return undefined;
    },
  };
  cache.set(definition, index);
  return index;
}

/** Scope key of a Parallel state's i-th branch. */
export function parallelScope(parent: string, stateName: string, index: number): string {
  return `${parent}/${escapeScopeToken(stateName)}/${index}`;
}

/** Scope key of a Map state's item processor. */
export function mapScope(parent: string, stateName: string): string {
  return `${parent}/${escapeScopeToken(stateName)}/items`;
}

function escapeScopeToken(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

function collect(
  scope: string,
  branch: Branch,
  machine: QueryLanguage,
  into: Map<string, Branch>,
  languages: Map<string, QueryLanguage>,
): void {
  const language = branch.QueryLanguage ?? machine;
  into.set(scope, branch);
  languages.set(scope, language);
  for (const [name, state] of Object.entries(branch.States)) {
    if (state.Type === 'Parallel') {
      state.Branches.forEach((child, i) =>
        collect(parallelScope(scope, name, i), child, machine, into, languages),
      );
    } else if (state.Type === 'Map') {
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) collect(mapScope(scope, name), processor, machine, into, languages);
    }
  }
}
