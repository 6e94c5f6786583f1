/**
 * Picks the TaskRunner for a Task state's `Resource`. Service integration ARNs take a pattern
 * suffix (`.sync`, `.sync:2`, `.waitForTaskToken`) that selects how the engine waits, not who
 * does the work, so a route for the bare resource also serves its suffixed forms.
 * https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html
 */
import type {
  TaskCancelRequest,
  TaskOutcome,
  TaskPollRequest,
  TaskRequest,
  TaskRunner,
} from './task-runner.js';

export const UNKNOWN_RESOURCE_ERROR = 'Baton.UnknownResource';

const PATTERN_SUFFIX = /\.(?:sync(?::\d+)?|waitForTaskToken)$/;

function lookUp(
  routes: Readonly<Record<string, TaskRunner>>,
  resource: string,
): TaskRunner | undefined {
  // Own properties only: a resource named `constructor` must not find Object.prototype's.
  const own = (key: string): TaskRunner | undefined =>
    Object.prototype.hasOwnProperty.call(routes, key) ? routes[key] : undefined;
  return own(resource) ?? own(resource.replace(PATTERN_SUFFIX, ''));
}

/**
 * Returns a TaskRunner that sends each task to `routes[resource]`, or to the route for the
 * resource without its pattern suffix, or else to `fallback`. Without a fallback, an unknown
 * resource fails the task with `Baton.UnknownResource`, naming the resource and the known ones.
 */
export function routeTasks(
  routes: Readonly<Record<string, TaskRunner>>,
  fallback?: TaskRunner,
): TaskRunner {
  const known = Object.keys(routes).sort();
  const unknown = (resource: string): Promise<TaskOutcome> =>
    Promise.resolve({
      ok: false,
      error: UNKNOWN_RESOURCE_ERROR,
      cause: `No integration handles resource ${JSON.stringify(resource)}. Known resources: ${
        known.length === 0 ? '(none)' : known.join(', ')
      }.`,
    });
  return {
    run(request: TaskRequest): Promise<TaskOutcome> {
      const runner = lookUp(routes, request.resource) ?? fallback;
      return runner === undefined ? unknown(request.resource) : runner.run(request);
    },
    poll(request: TaskPollRequest): Promise<TaskOutcome> {
      const runner = lookUp(routes, request.resource) ?? fallback;
      if (runner?.poll === undefined) return unknown(request.resource);
      return runner.poll(request);
    },
    async cancel(request: TaskCancelRequest): Promise<void> {
      const runner = lookUp(routes, request.resource) ?? fallback;
      await runner?.cancel?.(request);
    },
  };
}
