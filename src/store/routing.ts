/**
 * Alias routing rules, as Step Functions aliases have them (concepts-state-machine-alias): one
 * or two versions, distinct, each weight an integer 0-100, weights summing to 100.
 */
import { StoreError } from './errors.js';
import type { AliasRoute } from './store.js';

/** @throws StoreError INVALID saying which rule the routing breaks and how to fix it. */
export function checkRouting(routing: readonly AliasRoute[]): void {
  if (routing.length < 1 || routing.length > 2) {
    throw new StoreError(
      'INVALID',
      `An alias routes to one or two versions, but ${routing.length} were given.`,
    );
  }
  for (const route of routing) {
    if (!Number.isInteger(route.version) || route.version < 1) {
      throw new StoreError(
        'INVALID',
        `Version ${route.version} is not a version number (1, 2, ...).`,
      );
    }
    if (!Number.isInteger(route.weight) || route.weight < 0 || route.weight > 100) {
      throw new StoreError(
        'INVALID',
        `The weight of version ${route.version} is ${route.weight}; use an integer from 0 to 100.`,
      );
    }
  }
  const [first, second] = routing;
  if (first && second && first.version === second.version) {
    throw new StoreError('INVALID', `Version ${first.version} appears twice in the routing.`);
  }
  const total = routing.reduce((sum, route) => sum + route.weight, 0);
  if (total !== 100) {
    throw new StoreError('INVALID', `The routing weights sum to ${total}; they must sum to 100.`);
  }
}
