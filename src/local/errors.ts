/** System errors of the local runner (not ASL errors: these mean the run itself is misconfigured). */
export type LocalRunnerErrorCode =
  'MISSING_MOCK' | 'UNEXPECTED_TASK_INPUT' | 'BAD_MOCK_FILE' | 'BAD_OPTION' | 'STUCK';

export class LocalRunnerError extends Error {
  override readonly name = 'LocalRunnerError';
  constructor(
    readonly code: LocalRunnerErrorCode,
    message: string,
  ) {
    super(message);
  }
}
