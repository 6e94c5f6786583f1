/**
 * GitLab webhook deliveries (`baton deliveries`): list them (by connection, status, event) and
 * show one with its kept headers, body and outcome (what it started, or why nothing). Admin
 * only: bodies carry user names and e-mail addresses. Secret headers were never stored.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { isJsonObject } from '../../common/index.js';
import { parseJsonText } from '../../language/index.js';
import type { DeliveryStatus, WebhookDeliverySummary } from '../../store/index.js';
import { notFound } from './errors.js';
import { Fields } from './input.js';
import { listPage, readPage } from './pages.js';
import type { RestRoute, Schema } from './route.js';
import { PAGE_QUERY, PAGE_QUERY_NAMES, ok } from './route.js';
import { listOf } from './schemas.js';

const STATUSES: readonly DeliveryStatus[] = [
  'received',
  'processing',
  'processed',
  'ignored',
  'failed',
];
const DELIVERY_ID = /^[A-Za-z0-9-]{1,64}$/;

export const DELIVERY_SUMMARY_SCHEMA: Schema = {
  type: 'object',
  required: ['id', 'connection', 'receivedAt', 'event', 'status', 'attempts'],
  properties: {
    id: { type: 'string' },
    connection: { type: 'string' },
    receivedAt: { type: 'string', format: 'date-time' },
    event: { type: 'string', description: 'X-Gitlab-Event, e.g. "Push Hook".' },
    objectKind: { type: ['string', 'null'] },
    keySource: { type: 'string', enum: ['idempotency-key', 'webhook-id', 'content'] },
    status: { type: 'string', enum: [...STATUSES] },
    attempts: { type: 'integer' },
    summary: { type: ['string', 'null'], description: 'What it started, or why nothing.' },
    error: { type: ['string', 'null'] },
    processedAt: { type: ['string', 'null'] },
  },
};

const DELIVERY_SCHEMA: Schema = {
  type: 'object',
  properties: {
    ...((DELIVERY_SUMMARY_SCHEMA['properties'] as JsonObject | undefined) ?? {}),
    headers: { type: 'object', description: 'The headers kept (never X-Gitlab-Token).' },
    body: { type: 'object' },
    outcome: {
      type: ['object', 'null'],
      description:
        '{summary, started: [{trigger, workflow, status, executionArn}], skipped: [{trigger, reason}]}',
    },
  },
};

function summaryShape(delivery: WebhookDeliverySummary): JsonObject {
  const outcome = jsonOf(delivery.outcome);
  const summary = isJsonObject(outcome) ? outcome['summary'] : undefined;
  return {
    id: delivery.id,
    connection: delivery.connection,
    receivedAt: delivery.receivedAt,
    event: delivery.event,
    objectKind: delivery.objectKind,
    keySource: delivery.keySource,
    status: delivery.status,
    attempts: delivery.attempts,
    summary: typeof summary === 'string' ? summary : null,
    error: delivery.error,
    processedAt: delivery.processedAt,
  };
}

function jsonOf(text: string | null): JsonValue {
  if (text === null) return null;
  const parsed = parseJsonText(text);
  return parsed.ok ? parsed.value : text;
}

export const DELIVERY_ROUTES: readonly RestRoute[] = [
  {
    method: 'GET',
    path: '/deliveries',
    operationId: 'listDeliveries',
    summary: 'Lists GitLab webhook deliveries, newest first, with what each started.',
    adminOnly: true,
    query: {
      ...PAGE_QUERY,
      connection: {
        description: 'Only deliveries to this connection.',
        schema: { type: 'string' },
      },
      status: {
        description: 'Only deliveries in this status.',
        schema: { type: 'string', enum: [...STATUSES] },
      },
      event: {
        description: 'Only this X-Gitlab-Event, e.g. "Push Hook".',
        schema: { type: 'string' },
      },
    },
    responses: {
      200: {
        description: 'One page of deliveries.',
        schema: listOf('deliveries', DELIVERY_SUMMARY_SCHEMA),
      },
    },
    handle: async (call) => {
      const fields = new Fields(call.query, 'query', [
        ...PAGE_QUERY_NAMES,
        'connection',
        'status',
        'event',
      ]);
      const page = readPage(fields);
      const connection = fields.string('connection', { min: 1, max: 64 });
      const status = fields.enumOf('status', STATUSES);
      const event = fields.string('event', { min: 1, max: 64 });
      fields.check();
      const filter = {
        ...(connection === undefined ? {} : { connection }),
        ...(status === undefined ? {} : { status }),
        ...(event === undefined ? {} : { event }),
      };
      const result = await listPage(
        call.context,
        page,
        ['listDeliveries', connection ?? '', status ?? '', event ?? ''],
        (request) => call.context.store.deliveries.list(filter, request),
      );
      return ok({
        deliveries: result.items.map(summaryShape),
        ...(result.nextToken === undefined ? {} : { nextToken: result.nextToken }),
      });
    },
  },
  {
    method: 'GET',
    path: '/deliveries/:id',
    operationId: 'getDelivery',
    summary: 'One delivery: its headers, body and outcome.',
    adminOnly: true,
    params: { id: { description: 'The delivery id.', schema: { type: 'string' }, required: true } },
    responses: { 200: { description: 'The delivery.', schema: DELIVERY_SCHEMA } },
    handle: async (call) => {
      const id = call.params['id'] ?? '';
      const delivery = DELIVERY_ID.test(id)
        ? await call.context.store.deliveries.get(id)
        : undefined;
      if (delivery === undefined) throw notFound('delivery with that id');
      return ok({
        ...summaryShape(delivery),
        headers: jsonOf(delivery.headers),
        body: jsonOf(delivery.body),
        outcome: jsonOf(delivery.outcome),
      });
    },
  },
];
