/**
 * The key a delivery is deduplicated on (reference gitlab.md 1.4): `Idempotency-Key` (GitLab
 * 17.4+, the same on retries and manual resends), else `webhook-id` (19.0+, equal to it), else
 * a content key built from the fields that identify the change, for older GitLab. The content
 * key is always computed too: default execution names derive from it, so the same change
 * delivered with two keys (a project hook and a group hook) still starts one execution.
 */
import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonObject } from '../../common/index.js';

export type DeliveryKeySource = 'idempotency-key' | 'webhook-id' | 'content';

export interface DeliveryKey {
  readonly key: string;
  readonly source: DeliveryKeySource;
  /** sha256 hex of the content fields (see {@link contentKey}). */
  readonly contentKey: string;
}

const MAX_HEADER_KEY = 200;

/** Picks the dedupe key of a delivery from its headers, or its content. */
export function deliveryKeyOf(
  headers: {
    readonly idempotencyKey?: string | undefined;
    readonly webhookId?: string | undefined;
  },
  event: string,
  body: JsonObject,
): DeliveryKey {
  const content = contentKey(event, body);
  const idempotency = usable(headers.idempotencyKey);
  if (idempotency !== undefined) {
    return { key: `idempotency:${idempotency}`, source: 'idempotency-key', contentKey: content };
  }
  const webhookId = usable(headers.webhookId);
  if (webhookId !== undefined) {
    // The same value as Idempotency-Key on 19.0+: keyed the same way, so either header dedupes.
    return { key: `idempotency:${webhookId}`, source: 'webhook-id', contentKey: content };
  }
  return { key: `content:${content}`, source: 'content', contentKey: content };
}

function usable(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' || trimmed.length > MAX_HEADER_KEY ? undefined : trimmed;
}

/** The fields that identify one change, per `object_kind` (reference 1.4). */
const CONTENT_FIELDS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  push: [['project', 'id'], ['project_id'], ['ref'], ['before'], ['after']],
  tag_push: [['project', 'id'], ['project_id'], ['ref'], ['before'], ['after']],
  merge_request: [
    ['object_attributes', 'id'],
    ['object_attributes', 'action'],
    ['object_attributes', 'updated_at'],
  ],
  pipeline: [
    ['object_attributes', 'id'],
    ['object_attributes', 'status'],
    ['object_attributes', 'finished_at'],
    ['object_attributes', 'created_at'],
  ],
  build: [['build_id'], ['build_status'], ['build_finished_at'], ['build_started_at']],
  deployment: [['deployment_id'], ['status'], ['status_changed_at']],
  note: [
    ['object_attributes', 'id'],
    ['object_attributes', 'action'],
    ['object_attributes', 'updated_at'],
  ],
  release: [['project', 'id'], ['id'], ['action'], ['tag'], ['released_at']],
};

/**
 * sha256 hex over the event name and the identifying fields of its kind; for kinds without a
 * list (or bodies without an `object_kind`), over the whole body text as parsed and re-encoded.
 */
export function contentKey(event: string, body: JsonObject): string {
  const kind = getOwn(body, 'object_kind');
  const fields = typeof kind === 'string' ? CONTENT_FIELDS[kind] : undefined;
  const parts: JsonValue[] = [event];
  if (fields === undefined) parts.push(body);
  else for (const path of fields) parts.push(at(body, path) ?? null);
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function at(value: JsonObject, path: readonly string[]): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const key of path) {
    if (!isJsonObject(current)) return undefined;
    current = getOwn(current, key);
  }
  return current;
}
