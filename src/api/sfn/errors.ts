/**
 * AWS's exceptions for the Step Functions API, rendered in the AWS JSON 1.0 shape: HTTP 400 (or
 * the status given) with `{"__type": "<namespace>#<name>", "message": ...}` plus any members
 * the exception's shape has (`reason`, `resourceName`). The SDKs and the CLI drop everything up
 * to `#` and report the exception by name.
 *
 * Namespaces as Step Functions sends them: its own exceptions under
 * `com.amazonaws.swf.service.v2.model`, model-constraint violations (ValidationException)
 * under `com.amazon.coral.validate`, and protocol-level errors (unknown operation, a body that
 * is not the operation's JSON, authentication) under `com.amazon.coral.service`.
 */
import type { JsonObject } from '../../common/index.js';

const NAMESPACES = {
  service: 'com.amazonaws.swf.service.v2.model',
  validate: 'com.amazon.coral.validate',
  protocol: 'com.amazon.coral.service',
} as const;
export type SfnErrorNamespace = keyof typeof NAMESPACES;

/**
 * An error the API answers with; anything else becomes an InternalFailure (500). Step
 * Functions answers its exceptions with 400, except ConflictException (409).
 */
export class SfnError extends Error {
  override readonly name = 'SfnError';
  constructor(
    /** AWS's exception name, e.g. `StateMachineDoesNotExist`. */
    readonly type: string,
    message: string,
    readonly options: {
      readonly status?: number;
      readonly namespace?: SfnErrorNamespace;
      /** Extra members of the exception's shape (ValidationException `reason`...). */
      readonly members?: JsonObject;
    } = {},
  ) {
    super(message);
  }

  get status(): number {
    return this.options.status ?? 400;
  }

  /** The response body. */
  toBody(): JsonObject {
    const namespace = NAMESPACES[this.options.namespace ?? 'service'];
    return { __type: `${namespace}#${this.type}`, message: this.message, ...this.options.members };
  }
}

/** A Step Functions exception (namespace `com.amazonaws.swf.service.v2.model`). */
function service(type: string, message: string, members?: JsonObject): SfnError {
  return new SfnError(type, message, members === undefined ? {} : { members });
}

export type ValidationReason =
  | 'API_DOES_NOT_SUPPORT_LABELED_ARNS'
  | 'MISSING_REQUIRED_PARAMETER'
  | 'CANNOT_UPDATE_COMPLETED_MAP_RUN'
  | 'INVALID_ROUTING_CONFIGURATION';

/** ValidationException as the model-constraint layer words it: "N validation errors detected: ...". */
export function constraintViolations(violations: readonly string[]): SfnError {
  const noun = violations.length === 1 ? 'error' : 'errors';
  return new SfnError(
    'ValidationException',
    `${violations.length} validation ${noun} detected: ${violations.join('; ')}`,
    { namespace: 'validate' },
  );
}

/** ValidationException raised by Step Functions itself, with its `reason` when it has one. */
export function validationError(message: string, reason?: ValidationReason): SfnError {
  return new SfnError(
    'ValidationException',
    message,
    reason === undefined ? {} : { members: { reason } },
  );
}

export const invalidArn = (detail: string): SfnError =>
  service('InvalidArn', `Invalid Arn: '${detail}'`);
export const invalidName = (name: string, why: string): SfnError =>
  service('InvalidName', `Invalid Name: '${name}': ${why}`);
export const invalidDefinition = (detail: string): SfnError =>
  service('InvalidDefinition', `Invalid State Machine Definition: '${detail}'`);
export const invalidExecutionInput = (detail: string): SfnError =>
  service('InvalidExecutionInput', `Invalid State Machine Execution Input: '${detail}'`);
export const invalidOutput = (detail: string): SfnError =>
  service('InvalidOutput', `Invalid Output: '${detail}'`);
export const invalidToken = (detail: string): SfnError =>
  service('InvalidToken', `Invalid Token: '${detail}'`);
export const stateMachineDoesNotExist = (arn: string): SfnError =>
  service('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
export const stateMachineAlreadyExists = (arn: string): SfnError =>
  service('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
export const stateMachineTypeNotSupported = (detail: string): SfnError =>
  service('StateMachineTypeNotSupported', detail);
export const executionDoesNotExist = (arn: string): SfnError =>
  service('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
export const executionNotRedrivable = (detail: string): SfnError =>
  service('ExecutionNotRedrivable', detail);
export const activityDoesNotExist = (arn: string): SfnError =>
  service('ActivityDoesNotExist', `Activity Does Not Exist: '${arn}'`);
export const executionAlreadyExists = (arn: string): SfnError =>
  service('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
export const resourceNotFound = (arn: string, message = `Resource not found: '${arn}'`): SfnError =>
  service('ResourceNotFound', message, { resourceName: arn });
export const tooManyTags = (arn: string, detail: string): SfnError =>
  service('TooManyTags', detail, { resourceName: arn });
/** The one Step Functions exception the model documents with its own status (409). */
export const conflict = (detail: string): SfnError =>
  new SfnError('ConflictException', detail, { status: 409 });
export const serviceQuotaExceeded = (detail: string): SfnError =>
  service('ServiceQuotaExceededException', detail);
export const missingRequiredParameter = (detail: string): SfnError =>
  service('MissingRequiredParameter', detail);
export const taskDoesNotExist = (detail: string): SfnError => service('TaskDoesNotExist', detail);
/** The token's task has closed (AWS: "expired or ... already been closed"). */
export const taskTimedOut = (detail: string): SfnError => service('TaskTimedOut', detail);

/** The body is not JSON, or a member has the wrong JSON type. */
export const serializationError = (detail: string): SfnError =>
  new SfnError('SerializationException', detail, { namespace: 'protocol' });
export const unknownOperation = (detail: string): SfnError =>
  new SfnError('UnknownOperationException', detail, { namespace: 'protocol' });
export const requestTooLarge = (limit: number): SfnError =>
  new SfnError(
    'RequestEntityTooLargeException',
    `The request body is larger than the ${limit} bytes this server accepts.`,
    { namespace: 'protocol', status: 413 },
  );
/** The engine lost a race too often; the SDKs retry ThrottlingException by themselves. */
export const throttled = (detail: string): SfnError =>
  new SfnError('ThrottlingException', detail, { namespace: 'protocol' });
export const internalFailure = (requestId: string): SfnError =>
  new SfnError(
    'InternalFailure',
    `The server could not process the request (request id ${requestId}); the details are in its log.`,
    { namespace: 'protocol', status: 500 },
  );
