/** Activities: the named queues external workers poll (list, create, get, delete). */
import type { JsonObject } from '../../common/index.js';
import { formatTimestamp } from '../../language/index.js';
import type { ActivityRecord } from '../../store/index.js';
import { invalid, notFound } from './errors.js';
import { Fields, parseJsonBody } from './input.js';
import { listPage, readPage } from './pages.js';
import type { RestCall, RestContext, RestRoute } from './route.js';
import { PAGE_QUERY, PAGE_QUERY_NAMES, ok } from './route.js';
import { ACTIVITY_SCHEMA, listOf } from './schemas.js';

/** AWS's activity names: 1 to 80 characters, none of the characters ARNs and URLs reserve. */
const ACTIVITY_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;
const NAME_PARAM = {
  name: {
    description: 'The activity name.',
    schema: { type: 'string', pattern: ACTIVITY_NAME.source },
    required: true,
  },
} as const;

function activityShape(context: RestContext, activity: ActivityRecord): JsonObject {
  return {
    name: activity.name,
    arn: context.arns.activity(activity.name),
    createdAt: activity.createdAt,
  };
}

function requireName(name: string, location: 'path' | 'body'): void {
  if (!ACTIVITY_NAME.test(name)) {
    throw invalid([
      {
        location,
        pointer: '/name',
        message:
          'must be 1 to 80 characters without whitespace, control characters or <>{}[]?*"#%\\^|~`$&,;:/',
      },
    ]);
  }
}

async function existingActivity(call: RestCall): Promise<ActivityRecord> {
  const name = call.params['name'] ?? '';
  requireName(name, 'path');
  const activity = await call.context.store.activities.get(name);
  if (activity === undefined) throw notFound(`activity named ${JSON.stringify(name)}`);
  return activity;
}

export const ACTIVITY_ROUTES: readonly RestRoute[] = [
  {
    method: 'GET',
    path: '/activities',
    operationId: 'listActivities',
    summary: 'Lists activities by name.',
    query: PAGE_QUERY,
    responses: {
      200: {
        description: 'One page of activities.',
        schema: listOf('activities', ACTIVITY_SCHEMA),
      },
    },
    handle: async (call) => {
      const fields = new Fields(call.query, 'query', PAGE_QUERY_NAMES);
      const page = readPage(fields);
      fields.check();
      const result = await listPage(call.context, page, ['listActivities'], (r) =>
        call.context.store.activities.list(r),
      );
      return ok({
        activities: result.items.map((a) => activityShape(call.context, a)),
        ...(result.nextToken === undefined ? {} : { nextToken: result.nextToken }),
      });
    },
  },
  {
    method: 'POST',
    path: '/activities',
    operationId: 'createActivity',
    summary: 'Creates an activity (or returns the existing one).',
    body: {
      required: true,
      schema: { type: 'object', required: ['name'], properties: { name: NAME_PARAM.name.schema } },
    },
    responses: { 201: { description: 'The activity.', schema: ACTIVITY_SCHEMA } },
    handle: async (call) => {
      const fields = new Fields(parseJsonBody(call.body), 'body', ['name']);
      const name = fields.string('name', { required: true });
      fields.check();
      requireName(name, 'body');
      const activity = await call.context.store.activities.create(
        name,
        formatTimestamp(call.context.clock.nowMs()),
      );
      return ok(activityShape(call.context, activity), 201);
    },
  },
  {
    method: 'GET',
    path: '/activities/:name',
    operationId: 'getActivity',
    summary: 'One activity.',
    params: NAME_PARAM,
    responses: { 200: { description: 'The activity.', schema: ACTIVITY_SCHEMA } },
    handle: async (call) => ok(activityShape(call.context, await existingActivity(call))),
  },
  {
    method: 'DELETE',
    path: '/activities/:name',
    operationId: 'deleteActivity',
    summary: 'Deletes an activity (tasks already waiting for it stay until they time out).',
    params: NAME_PARAM,
    responses: { 204: { description: 'Deleted.' } },
    handle: async (call) => {
      const activity = await existingActivity(call);
      await call.context.store.activities.delete(activity.name);
      return { status: 204 };
    },
  },
];
