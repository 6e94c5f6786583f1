/**
 * Access keys (`baton keys`): create (the secret shown once), list, disable, enable, delete.
 * Only a principal named `admin` may call these. The last active admin key can be neither
 * disabled nor deleted, so the server is never left without a way to manage keys.
 */
import type { JsonObject } from '../../common/index.js';
import { formatTimestamp } from '../../language/index.js';
import type { AccessKeyRecord, AccessKeyStatus } from '../../store/index.js';
import { RestError, notFound } from './errors.js';
import { Fields, parseJsonBody } from './input.js';
import { listPage, readPage } from './pages.js';
import type { RestCall, RestContext, RestRoute } from './route.js';
import { PAGE_QUERY, PAGE_QUERY_NAMES, ok } from './route.js';
import { KEY_SCHEMA, NEW_KEY_SCHEMA, listOf } from './schemas.js';

export const ADMIN = 'admin';
const KEY_NAME = /^[A-Za-z0-9._@+-]{1,64}$/;
/** Baton's access key ids (identity/ACCESS_KEY_ID_PATTERN). */
const KEY_ID = /^BKIA[A-Z2-7]{16}$/;

const KEY_ID_PARAM = {
  id: { description: 'The access key id (BKIA...).', schema: { type: 'string' }, required: true },
} as const;

function keyShape(record: AccessKeyRecord): JsonObject {
  return {
    accessKeyId: record.id,
    name: record.name,
    status: record.status,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
  };
}

async function existingKey(call: RestCall): Promise<AccessKeyRecord> {
  const id = call.params['id'] ?? '';
  // Ids Baton never issues are not worth a query (and never echo odd text back).
  const record = KEY_ID.test(id) ? await call.context.store.keys.get(id) : undefined;
  if (record === undefined) throw notFound('access key with that id');
  return record;
}

/** @throws RestError CONFLICT when `record` is the last active admin key. */
async function requireNotLastAdmin(
  context: RestContext,
  record: AccessKeyRecord,
  doing: string,
): Promise<void> {
  if (record.name !== ADMIN || record.status !== 'ACTIVE') return;
  let others = 0;
  let after: string | undefined;
  do {
    const page = await context.store.keys.list(
      after === undefined ? { limit: 500 } : { limit: 500, after },
    );
    others += page.items.filter(
      (k) => k.name === ADMIN && k.status === 'ACTIVE' && k.id !== record.id,
    ).length;
    after = page.nextToken;
  } while (after !== undefined && others === 0);
  if (others === 0) {
    throw new RestError(
      'CONFLICT',
      `Cannot ${doing} the last active admin key: create another admin key first (POST /api/v1/keys {"name":"admin"}).`,
    );
  }
}

async function setStatus(call: RestCall, status: AccessKeyStatus) {
  const record = await existingKey(call);
  if (status === 'DISABLED') await requireNotLastAdmin(call.context, record, 'disable');
  const now = formatTimestamp(call.context.clock.nowMs());
  const updated = await call.context.store.keys.setStatus(record.id, status, now);
  call.context.forgetKey(record.id);
  return ok(keyShape(updated));
}

export const KEY_ROUTES: readonly RestRoute[] = [
  {
    method: 'POST',
    path: '/keys',
    operationId: 'createKey',
    summary: 'Issues an access key; its secret is in this response only.',
    adminOnly: true,
    body: {
      required: true,
      schema: {
        type: 'object',
        required: ['name'],
        properties: {
          name: {
            type: 'string',
            pattern: KEY_NAME.source,
            description: 'Who it is for; `admin` may manage keys.',
          },
        },
      },
    },
    responses: { 201: { description: 'The new key with its secret.', schema: NEW_KEY_SCHEMA } },
    handle: async (call) => {
      const fields = new Fields(parseJsonBody(call.body), 'body', ['name']);
      const name = fields.string('name', {
        required: true,
        pattern: KEY_NAME,
        patternMessage: 'must be 1 to 64 letters, digits or . _ @ + -',
      });
      fields.check();
      const now = formatTimestamp(call.context.clock.nowMs());
      const issued = await call.context.issueKey(name, now);
      return ok(
        {
          accessKeyId: issued.accessKeyId,
          secretAccessKey: issued.secretAccessKey,
          name,
          status: 'ACTIVE',
          createdAt: now,
        },
        201,
      );
    },
  },
  {
    method: 'GET',
    path: '/keys',
    operationId: 'listKeys',
    summary: 'Lists access keys, oldest first (never their secrets).',
    adminOnly: true,
    query: PAGE_QUERY,
    responses: { 200: { description: 'One page of keys.', schema: listOf('keys', KEY_SCHEMA) } },
    handle: async (call) => {
      const fields = new Fields(call.query, 'query', PAGE_QUERY_NAMES);
      const page = readPage(fields);
      fields.check();
      const result = await listPage(call.context, page, ['listKeys'], (request) =>
        call.context.store.keys.list(request),
      );
      return ok({
        keys: result.items.map(keyShape),
        ...(result.nextToken === undefined ? {} : { nextToken: result.nextToken }),
      });
    },
  },
  {
    method: 'POST',
    path: '/keys/:id/disable',
    operationId: 'disableKey',
    summary:
      'Disables a key: requests it signs are refused at once on this node (within 5 s on others).',
    adminOnly: true,
    params: KEY_ID_PARAM,
    responses: { 200: { description: 'The key.', schema: KEY_SCHEMA } },
    handle: (call) => setStatus(call, 'DISABLED'),
  },
  {
    method: 'POST',
    path: '/keys/:id/enable',
    operationId: 'enableKey',
    summary: 'Enables a disabled key again.',
    adminOnly: true,
    params: KEY_ID_PARAM,
    responses: { 200: { description: 'The key.', schema: KEY_SCHEMA } },
    handle: (call) => setStatus(call, 'ACTIVE'),
  },
  {
    method: 'DELETE',
    path: '/keys/:id',
    operationId: 'deleteKey',
    summary: 'Deletes a key for good.',
    adminOnly: true,
    params: KEY_ID_PARAM,
    responses: { 204: { description: 'Deleted.' } },
    handle: async (call) => {
      const record = await existingKey(call);
      await requireNotLastAdmin(call.context, record, 'delete');
      await call.context.store.keys.delete(record.id);
      call.context.forgetKey(record.id);
      return { status: 204 };
    },
  },
];
