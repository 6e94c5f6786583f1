/** Engine and store errors to AWS exceptions, for the cases every action shares. */
import { assertNever } from '../../common/index.js';
import { EngineError, checkName } from '../../engine/index.js';
import type { StoreErrorCode } from '../../store/index.js';
import { StoreError } from '../../store/index.js';
import type { SfnError } from './errors.js';
import {
  activityDoesNotExist,
  executionDoesNotExist,
  executionNotRedrivable,
  invalidDefinition,
  invalidName,
  invalidToken,
  stateMachineDoesNotExist,
  taskDoesNotExist,
  taskTimedOut,
  throttled,
} from './errors.js';

/** `subject` is the ARN the request named, for the message. */
export function fromEngineError(error: EngineError, subject: string): SfnError {
  switch (error.code) {
    case 'WORKFLOW_NOT_FOUND':
    case 'VERSION_NOT_FOUND':
    case 'ALIAS_NOT_FOUND':
      return stateMachineDoesNotExist(subject);
    case 'EXECUTION_NOT_FOUND':
      return executionDoesNotExist(subject);
    case 'INVALID_DEFINITION':
      return invalidDefinition(error.message);
    case 'INVALID_NAME':
      return invalidName(subject, error.message);
    case 'INVALID_TOKEN':
      return invalidToken(error.message);
    case 'TASK_DOES_NOT_EXIST':
      return taskDoesNotExist(error.message);
    case 'TASK_TIMED_OUT':
      return taskTimedOut(error.message);
    case 'CONTENDED':
      return throttled(error.message);
    case 'EXECUTION_NOT_REDRIVABLE':
      return executionNotRedrivable(error.message);
    case 'ACTIVITY_NOT_FOUND':
      return activityDoesNotExist(subject);
    default:
      return assertNever(error.code);
  }
}

export function isStoreError(error: unknown, code: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && error.code === code;
}

/** @throws SfnError InvalidName when `name` breaks AWS's naming rules. */
export function requireValidName(what: 'execution' | 'workflow', name: string): void {
  try {
    checkName(what, name);
  } catch (error: unknown) {
    if (error instanceof EngineError) throw invalidName(name, error.message);
    throw error;
  }
}
