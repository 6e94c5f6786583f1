/**
 * The REST API's one error shape, `{ code, message, requestId, details? }`, and the one place
 * that maps engine, store, page-token and authentication errors to it (STYLE §3). Anything
 * else is a 500 whose details go to the log under the request id, never to the client.
 */
import { assertNever } from '../../common/index.js';
import { EngineError } from '../../engine/index.js';
import { AuthError } from '../../identity/index.js';
import { StoreError } from '../../store/index.js';
import { SfnError } from '../sfn/index.js';

export type RestErrorCode =
  | 'VALIDATION'
  | 'INVALID_JSON'
  | 'INVALID_TOKEN'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'NOT_REDRIVABLE'
  | 'LIMIT_EXCEEDED'
  | 'PAYLOAD_TOO_LARGE'
  | 'BUSY'
  | 'INTERNAL';

/** HTTP status of each code. */
export const ERROR_STATUS: Readonly<Record<RestErrorCode, number>> = {
  VALIDATION: 400,
  INVALID_JSON: 400,
  INVALID_TOKEN: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  NOT_REDRIVABLE: 409,
  LIMIT_EXCEEDED: 409,
  PAYLOAD_TOO_LARGE: 413,
  BUSY: 503,
  INTERNAL: 500,
};

/** Where a problem is: a JSON pointer into the body (or the definition), a query or path parameter. */
export interface Problem {
  readonly location: 'body' | 'query' | 'path' | 'header' | 'definition';
  /** JSON pointer (RFC 6901) within the location: `/input`, `/States/A/Next`; `/status` for ?status. */
  readonly pointer: string;
  readonly message: string;
  /** The validator's diagnostic code, for definition problems. */
  readonly code?: string;
  /** 1-based position in the definition text (0 when unknown). */
  readonly line?: number;
  readonly column?: number;
}

export class RestError extends Error {
  override readonly name = 'RestError';
  readonly status: number;
  constructor(
    readonly code: RestErrorCode,
    message: string,
    readonly details?: readonly Problem[],
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export function notFound(what: string): RestError {
  return new RestError('NOT_FOUND', `There is no ${what}.`);
}

export function invalid(problems: readonly Problem[]): RestError {
  const first = problems[0];
  const summary =
    first === undefined
      ? 'The request is not valid.'
      : `${first.location} ${first.pointer === '' ? '/' : first.pointer}: ${first.message}`;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
  return new RestError('VALIDATION', `${summary}${more}`, problems);
}

/** An error the API knows how to answer, or undefined for an unexpected one (a 500). */
export function toRestError(error: unknown): RestError | undefined {
  if (error instanceof RestError) return error;
  if (error instanceof AuthError) {
    // 401 for every authentication failure; AWS's exception name says which one.
    return new RestError('UNAUTHENTICATED', `${error.code}: ${error.message}`);
  }
  if (error instanceof EngineError) return fromEngineError(error);
  if (error instanceof StoreError) return fromStoreError(error);
  if (error instanceof SfnError && error.type === 'InvalidToken') {
    return new RestError('INVALID_TOKEN', error.message);
  }
  return undefined;
}

function fromEngineError(error: EngineError): RestError {
  switch (error.code) {
    case 'WORKFLOW_NOT_FOUND':
    case 'VERSION_NOT_FOUND':
    case 'ALIAS_NOT_FOUND':
    case 'EXECUTION_NOT_FOUND':
    case 'ACTIVITY_NOT_FOUND':
    case 'TASK_DOES_NOT_EXIST':
      return new RestError('NOT_FOUND', error.message);
    case 'EXECUTION_NOT_REDRIVABLE':
      return new RestError('NOT_REDRIVABLE', error.message);
    case 'INVALID_DEFINITION':
    case 'INVALID_NAME':
    case 'INVALID_TOKEN':
      return new RestError('VALIDATION', error.message);
    case 'TASK_TIMED_OUT':
      return new RestError('CONFLICT', error.message);
    case 'CONTENDED':
      return new RestError('BUSY', error.message);
    default:
      return assertNever(error.code);
  }
}

function fromStoreError(error: StoreError): RestError | undefined {
  switch (error.code) {
    case 'NOT_FOUND':
      return new RestError('NOT_FOUND', error.message);
    case 'ALREADY_EXISTS':
    case 'CONFLICT':
    case 'IN_USE':
      return new RestError('CONFLICT', error.message);
    case 'LIMIT_EXCEEDED':
      return new RestError('LIMIT_EXCEEDED', error.message);
    case 'INVALID':
      return new RestError('VALIDATION', error.message);
    case 'UNSUPPORTED_SERVER':
    case 'MIGRATION_FAILED':
      return undefined;
    default:
      return assertNever(error.code);
  }
}
