/** JSON Schemas of the REST API's bodies, shared by the routes' documentation. */
import { isJsonObject } from '../../common/index.js';
import type { Schema } from './route.js';

const string: Schema = { type: 'string' };
const nullableString: Schema = { type: ['string', 'null'] };
const instant: Schema = { type: 'string', format: 'date-time' };
const nullableInstant: Schema = { type: ['string', 'null'], format: 'date-time' };

export const ERROR_SCHEMA: Schema = {
  type: 'object',
  required: ['code', 'message', 'requestId'],
  properties: {
    code: {
      type: 'string',
      enum: [
        'VALIDATION',
        'INVALID_JSON',
        'INVALID_TOKEN',
        'UNAUTHENTICATED',
        'FORBIDDEN',
        'NOT_FOUND',
        'CONFLICT',
        'NOT_REDRIVABLE',
        'LIMIT_EXCEEDED',
        'PAYLOAD_TOO_LARGE',
        'BUSY',
        'INTERNAL',
      ],
    },
    message: string,
    requestId: string,
    details: {
      type: 'array',
      description: 'Every problem found, for VALIDATION.',
      items: {
        type: 'object',
        required: ['location', 'pointer', 'message'],
        properties: {
          location: { enum: ['body', 'query', 'path', 'header', 'definition'] },
          pointer: { type: 'string', description: 'JSON pointer (RFC 6901) within the location.' },
          message: string,
          code: string,
          line: { type: 'integer' },
          column: { type: 'integer' },
        },
      },
    },
  },
};

export const KEY_SCHEMA: Schema = {
  type: 'object',
  required: ['accessKeyId', 'name', 'status', 'createdAt', 'lastUsedAt'],
  properties: {
    accessKeyId: string,
    name: string,
    status: { enum: ['ACTIVE', 'DISABLED'] },
    createdAt: instant,
    lastUsedAt: nullableInstant,
  },
};

export const NEW_KEY_SCHEMA: Schema = {
  type: 'object',
  required: ['accessKeyId', 'secretAccessKey', 'name', 'status', 'createdAt'],
  properties: {
    accessKeyId: string,
    secretAccessKey: { type: 'string', description: 'Shown only in this response.' },
    name: string,
    status: { enum: ['ACTIVE'] },
    createdAt: instant,
  },
};

export const VERSION_SCHEMA: Schema = {
  type: 'object',
  properties: {
    version: { type: 'integer' },
    arn: string,
    description: nullableString,
    revisionId: string,
    createdAt: instant,
  },
};

export const ALIAS_SCHEMA: Schema = {
  type: 'object',
  properties: {
    name: string,
    arn: string,
    description: nullableString,
    routing: {
      type: 'array',
      items: {
        type: 'object',
        properties: { version: { type: 'integer' }, weight: { type: 'integer' } },
      },
    },
    createdAt: instant,
    updatedAt: instant,
  },
};

export const WORKFLOW_SUMMARY_SCHEMA: Schema = {
  type: 'object',
  properties: {
    name: string,
    arn: string,
    type: { enum: ['STANDARD', 'EXPRESS'] },
    description: nullableString,
    revisionId: string,
    createdAt: instant,
    updatedAt: instant,
  },
};

export const WORKFLOW_SCHEMA: Schema = {
  type: 'object',
  properties: {
    ...objectProperties(WORKFLOW_SUMMARY_SCHEMA),
    definition: { type: 'string', description: 'The current definition, as JSON text.' },
    versions: { type: 'array', items: VERSION_SCHEMA, description: 'Newest first (up to 100).' },
    aliases: { type: 'array', items: ALIAS_SCHEMA },
  },
};

export const EXECUTION_SUMMARY_SCHEMA: Schema = {
  type: 'object',
  properties: {
    executionArn: string,
    workflow: string,
    name: string,
    status: { enum: ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] },
    version: { type: ['integer', 'null'] },
    alias: nullableString,
    startedAt: instant,
    stoppedAt: nullableInstant,
    redriveCount: { type: 'integer' },
    eventCount: { type: 'integer' },
  },
};

export const EXECUTION_SCHEMA: Schema = {
  type: 'object',
  properties: {
    ...objectProperties(EXECUTION_SUMMARY_SCHEMA),
    input: { description: 'The input, as JSON.' },
    output: { description: 'The output, as JSON (null until it succeeds).' },
    error: nullableString,
    cause: nullableString,
  },
};

export const HISTORY_EVENT_SCHEMA: Schema = {
  type: 'object',
  description:
    "A history event in GetExecutionHistory's shape (type, id, previousEventId, and the type's details member), with `timestamp` as ISO-8601.",
  required: ['id', 'type', 'timestamp', 'previousEventId'],
  properties: {
    id: { type: 'integer' },
    previousEventId: { type: 'integer' },
    type: string,
    timestamp: instant,
  },
};

export const ACTIVITY_SCHEMA: Schema = {
  type: 'object',
  properties: { name: string, arn: string, createdAt: instant },
};

export function listOf(member: string, items: Schema): Schema {
  return {
    type: 'object',
    required: [member],
    properties: {
      [member]: { type: 'array', items },
      nextToken: {
        type: 'string',
        description: 'Pass as ?nextToken= for the next page; absent on the last.',
      },
    },
  };
}

function objectProperties(schema: Schema): Schema {
  const properties = schema['properties'];
  return isJsonObject(properties) ? properties : {};
}
