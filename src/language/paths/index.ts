import { JsonPathSyntaxError } from './jsonpath.js';
import { parseQueryPath } from './query-path.js';
import { parseReferencePath } from './reference-path.js';

export type {
  ComparisonOperator,
  FilterExpression,
  FilterOperand,
  FilterPath,
  JsonPath,
  JsonPathSegment,
  JsonPathSelector,
} from './jsonpath.js';
export {
  JsonPathSyntaxError,
  MAX_JSONPATH_MATCHES,
  evaluateJsonPath,
  isDefinitePath,
  parseJsonPath,
} from './jsonpath.js';
export type { MissingOutcome, ParsedQueryPath, PathRoot, QueryOutcome } from './query-path.js';
export { notFoundCause, parseQueryPath, queryPath, runQueryPath } from './query-path.js';
export type { ReferencePath, ReferenceStep } from './reference-path.js';
export { getAtReferencePath, parseReferencePath, setAtReferencePath } from './reference-path.js';
export type { TemplateField, TemplateProblem } from './payload-template.js';
export { checkPayloadTemplate, evaluatePayloadTemplate } from './payload-template.js';
export { applyInputPath, applyOutputPath, applyResultPath } from './input-output.js';
export {
  MAX_VARIABLE_NAME_LENGTH,
  VARIABLE_NAME_PATTERN,
  variableNameProblem,
} from './variable-name.js';

/**
 * Checks a path field for the definition validator.
 * - `Path` (InputPath, OutputPath, ItemsPath, Choice `Variable`, `*Path` fields): any JSONPath
 *   this evaluator accepts, rooted at `$`, `$$` (context object) or `$name` (a variable).
 * - `ReferencePath` (ResultPath): only `$`, `.name`, `['name']` and `[n]`, rooted at `$`.
 * @returns undefined when valid; otherwise a message with the position and how to fix it.
 */
export function checkPathSyntax(text: string, kind: 'Path' | 'ReferencePath'): string | undefined {
  try {
    if (kind === 'Path') parseQueryPath(text);
    else parseReferencePath(text);
    return undefined;
  } catch (error: unknown) {
    if (error instanceof JsonPathSyntaxError) return error.message;
    throw error;
  }
}
