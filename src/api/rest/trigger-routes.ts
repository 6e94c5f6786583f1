/**
 * GitLab triggers (`baton triggers`), admin only: list, show, create or replace (PUT, the rule
 * checked with every problem at its JSON pointer) and delete. Triggers from the triggers file
 * can be replaced or deleted here too, until the next start-up loads the file again.
 */
import type { JsonObject } from '../../common/index.js';
import { TRIGGER_NAME, parseTriggerRule } from '../../gitlab/triggers/index.js';
import { formatTimestamp, parseJsonText } from '../../language/index.js';
import type { TriggerRecord } from '../../store/index.js';
import { invalid, notFound } from './errors.js';
import { Fields, parseJsonBody } from './input.js';
import { listPage, readPage } from './pages.js';
import type { RestCall, RestRoute, Schema } from './route.js';
import { PAGE_QUERY, PAGE_QUERY_NAMES, ok } from './route.js';
import { listOf } from './schemas.js';

const TRIGGER_SCHEMA: Schema = {
  type: 'object',
  required: ['name', 'source', 'rule', 'createdAt', 'updatedAt'],
  properties: {
    name: { type: 'string' },
    source: { type: 'string', enum: ['file', 'api'] },
    rule: { type: 'object', description: 'The rule (fields in docs/gitlab.md, "Triggers").' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

const NAME_PARAM = {
  name: { description: 'The trigger name.', schema: { type: 'string' }, required: true },
} as const;

function triggerShape(record: TriggerRecord): JsonObject {
  const parsed = parseJsonText(record.definition);
  return {
    name: record.name,
    source: record.source,
    rule: parsed.ok ? parsed.value : record.definition,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function nameOf(call: RestCall): string {
  const name = call.params['name'] ?? '';
  if (!TRIGGER_NAME.test(name)) {
    throw invalid([
      {
        location: 'path',
        pointer: '/name',
        message: 'must be 1 to 64 letters, digits, ".", "_" or "-"',
      },
    ]);
  }
  return name;
}

export const TRIGGER_ROUTES: readonly RestRoute[] = [
  {
    method: 'GET',
    path: '/triggers',
    operationId: 'listTriggers',
    summary: 'Lists GitLab triggers by name.',
    adminOnly: true,
    query: PAGE_QUERY,
    responses: {
      200: { description: 'One page of triggers.', schema: listOf('triggers', TRIGGER_SCHEMA) },
    },
    handle: async (call) => {
      const fields = new Fields(call.query, 'query', PAGE_QUERY_NAMES);
      const page = readPage(fields);
      fields.check();
      const result = await listPage(call.context, page, ['listTriggers'], (request) =>
        call.context.store.triggers.list(request),
      );
      return ok({
        triggers: result.items.map(triggerShape),
        ...(result.nextToken === undefined ? {} : { nextToken: result.nextToken }),
      });
    },
  },
  {
    method: 'GET',
    path: '/triggers/:name',
    operationId: 'getTrigger',
    summary: 'One trigger.',
    adminOnly: true,
    params: NAME_PARAM,
    responses: { 200: { description: 'The trigger.', schema: TRIGGER_SCHEMA } },
    handle: async (call) => {
      const record = await call.context.store.triggers.get(nameOf(call));
      if (record === undefined) throw notFound('trigger with that name');
      return ok(triggerShape(record));
    },
  },
  {
    method: 'PUT',
    path: '/triggers/:name',
    operationId: 'putTrigger',
    summary: 'Creates or replaces a trigger; the body is the rule ("name" may be left out).',
    adminOnly: true,
    params: NAME_PARAM,
    body: { required: true, schema: { type: 'object' } },
    responses: {
      200: { description: 'Replaced.', schema: TRIGGER_SCHEMA },
      201: { description: 'Created.', schema: TRIGGER_SCHEMA },
    },
    handle: async (call) => {
      const name = nameOf(call);
      const body = parseJsonBody(call.body);
      if (body['name'] !== undefined && body['name'] !== name) {
        throw invalid([
          {
            location: 'body',
            pointer: '/name',
            message: `must be ${JSON.stringify(name)} (the name in the path) or left out`,
          },
        ]);
      }
      const rule = { ...body, name };
      const result = parseTriggerRule(rule);
      if (!result.ok) {
        throw invalid(
          result.problems.map((p) => ({
            location: 'body' as const,
            pointer: p.pointer,
            message: p.message,
          })),
        );
      }
      const { record, created } = await call.context.store.triggers.put({
        name,
        source: 'api',
        definition: JSON.stringify(rule),
        now: formatTimestamp(call.context.clock.nowMs()),
      });
      return ok(triggerShape(record), created ? 201 : 200);
    },
  },
  {
    method: 'DELETE',
    path: '/triggers/:name',
    operationId: 'deleteTrigger',
    summary: 'Deletes a trigger (executions it started run on).',
    adminOnly: true,
    params: NAME_PARAM,
    responses: { 204: { description: 'Deleted.' } },
    handle: async (call) => {
      if (!(await call.context.store.triggers.delete(nameOf(call))))
        throw notFound('trigger with that name');
      return { status: 204 };
    },
  },
];
