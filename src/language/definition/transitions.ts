/**
 * Transitions: targets of Next/Default/Catch, reachability from StartAt and terminal states
 * (ASL spec "Transitions": a state may only transition to a state of the same States object).
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../common/index.js';
import type { FieldCheck } from './state-context.js';
import { didYouMean } from './suggest.js';
import { fieldOf, typeName, where } from './value-checks.js';

/** Checks that a Next/Default/Catcher Next names a state of the same States object. */
export const checkTarget: FieldCheck = (ctx, value, pointer) => {
  const field = fieldOf(pointer);
  if (typeof value !== 'string') {
    ctx.report(
      'WRONG_TYPE',
      pointer,
      `${where(ctx)}: "${field}" must be a state name (a string), but it is ${typeName(value)}.`,
    );
    return;
  }
  if (ctx.scopeNames.has(value)) return;
  if (ctx.machineNames.has(value)) {
    ctx.report(
      'TARGET_OUT_OF_SCOPE',
      pointer,
      `${where(ctx)} has "${field}": "${value}", but "${value}" is in another branch or level of the machine; a state can only go to states of its own States object (end the branch instead, and continue after the Parallel or Map state).`,
    );
    return;
  }
  ctx.report(
    'UNKNOWN_TARGET',
    pointer,
    `${where(ctx)} has "${field}": "${value}", which is not a state in this machine${didYouMean(value, ctx.scopeNames) || '; add that state or fix the name.'}`,
  );
};

/** The states a state can go to: Next, Default, every Choice rule's Next and every Catcher's Next. */
export function transitionTargets(state: JsonObject): string[] {
  const targets: string[] = [];
  const add = (value: JsonValue | undefined): void => {
    if (typeof value === 'string') targets.push(value);
  };
  add(getOwn(state, 'Next'));
  add(getOwn(state, 'Default'));
  for (const field of ['Choices', 'Catch']) {
    const list = getOwn(state, field);
    if (isJsonArray(list))
      for (const item of list) if (isJsonObject(item)) add(getOwn(item, 'Next'));
  }
  return targets;
}

/** Names of the states that no path from `startAt` reaches, in definition order. */
export function findUnreachable(states: JsonObject, startAt: string): string[] {
  const reached = new Set<string>();
  const pending = [startAt];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    const state = getOwn(states, name);
    if (reached.has(name) || state === undefined) continue;
    reached.add(name);
    if (isJsonObject(state)) pending.push(...transitionTargets(state));
  }
  return Object.keys(states).filter((name) => !reached.has(name));
}

/** True when a state can end its machine: End, Succeed or Fail (ASL spec "Terminal State"). */
export function isTerminal(state: JsonValue): boolean {
  if (!isJsonObject(state)) return true; // already reported as malformed; don't pile on
  const type = getOwn(state, 'Type');
  return getOwn(state, 'End') === true || type === 'Succeed' || type === 'Fail';
}
