/**
 * GitLab triggers (`baton triggers`), admin only: list, show, create or replace (PUT, the rule
 * checked with every problem at its JSON pointer) and delete. Triggers from the triggers file
 * can be replaced or deleted here too, until the next start-up loads the file again.
 *
 * `PUT /triggers` applies a set of rules (what `baton triggers apply FILE` sends) all or
 * nothing: every rule is checked first and any problem refuses the whole set; then all are
 * created or replaced in one store transaction. Triggers the set does not name are untouched
 * (it is an upsert of the set, not a sync that deletes the others).
 */
import type { JsonObject } from '../../common/index.js';
import { isJsonArray } from '../../common/index.js';
import { TRIGGER_NAME, checkTriggerList, parseTriggerRule } from '../../gitlab/triggers/index.js';
import { formatTimestamp, parseJsonText } from '../../language/index.js';
import type { AppliedTrigger, TriggerRecord } from '../../store/index.js';
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

/** Most rules one `PUT /triggers` may carry (one transaction writes them all). */
export const MAX_APPLIED_TRIGGERS = 1000;

const APPLY_RESULT_SCHEMA: Schema = {
  type: 'object',
  required: ['triggers', 'created', 'updated', 'unchanged'],
  properties: {
    triggers: {
      type: 'array',
      description: 'One entry per rule, in the order given.',
      items: {
        type: 'object',
        required: ['name', 'result', 'updatedAt'],
        properties: {
          name: { type: 'string' },
          result: { type: 'string', enum: ['created', 'updated', 'unchanged'] },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
    },
    created: { type: 'integer' },
    updated: { type: 'integer' },
    unchanged: { type: 'integer' },
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

/** The rules of a `PUT /triggers` body, each as stored; every problem refuses them all. */
function appliedRules(body: JsonObject): readonly { name: string; definition: string }[] {
  const fields = new Fields(body, 'body', ['triggers']);
  const list = fields.raw('triggers');
  let rules: readonly { name: string; definition: string }[] = [];
  if (list === undefined) fields.problem('triggers', 'is required: the list of rules to apply');
  else if (!isJsonArray(list)) fields.problem('triggers', 'must be a list of rules');
  else if (list.length > MAX_APPLIED_TRIGGERS) {
    fields.problem(
      'triggers',
      `has ${list.length} rules; at most ${MAX_APPLIED_TRIGGERS} may be applied at once (split the file)`,
    );
  } else {
    const checked = checkTriggerList(list);
    for (const problem of checked.problems) fields.problemAt(problem.pointer, problem.message);
    rules = checked.triggers;
  }
  fields.check();
  return rules;
}

function appliedShape(applied: AppliedTrigger): JsonObject {
  return {
    name: applied.record.name,
    result: applied.result,
    updatedAt: applied.record.updatedAt,
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
    method: 'PUT',
    path: '/triggers',
    operationId: 'applyTriggers',
    summary:
      'Creates or replaces a set of triggers, all or nothing; triggers the set does not name are untouched.',
    adminOnly: true,
    body: {
      required: true,
      schema: {
        type: 'object',
        required: ['triggers'],
        properties: {
          triggers: {
            type: 'array',
            maxItems: MAX_APPLIED_TRIGGERS,
            items: { type: 'object', description: 'A rule, with its name.' },
          },
        },
      },
    },
    responses: {
      200: { description: 'Applied, every rule in one transaction.', schema: APPLY_RESULT_SCHEMA },
    },
    handle: async (call) => {
      const rules = appliedRules(parseJsonBody(call.body));
      const applied = await call.context.store.triggers.applyApiTriggers(
        rules,
        formatTimestamp(call.context.clock.nowMs()),
      );
      const count = (result: AppliedTrigger['result']): number =>
        applied.filter((a) => a.result === result).length;
      return ok({
        triggers: applied.map(appliedShape),
        created: count('created'),
        updated: count('updated'),
        unchanged: count('unchanged'),
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
