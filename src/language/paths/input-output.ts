/**
 * The path fields of JSONPath input and output processing (AWS concepts-input-output-filtering,
 * input-output-inputpath-params, input-output-resultpath; ASL spec "Input and Output
 * Processing"): InputPath -> Parameters -> work -> ResultSelector -> ResultPath -> OutputPath.
 */
import type { JsonValue } from '../../common/index.js';
import type { EvaluationContext } from '../evaluation-context.js';
import { queryPath } from './query-path.js';
import { setAtReferencePath } from './reference-path.js';

/**
 * Applies InputPath to `ctx.input` (the raw state input).
 * - undefined (field absent): the whole input, as `$`;
 * - null: `{}` (ASL spec: "If the value of InputPath is null, ... the input is `{}`");
 * - otherwise the value the Path selects.
 * @throws StatesError `States.Runtime` "Invalid path '<path>' : No results for path: ..." when
 *   a definite path selects nothing.
 */
export function applyInputPath(
  inputPath: string | null | undefined,
  ctx: EvaluationContext,
): JsonValue {
  if (inputPath === undefined) return ctx.input;
  if (inputPath === null) return {};
  return queryPath(inputPath, ctx);
}

/**
 * Combines the state input with its result through ResultPath.
 * - undefined (field absent): `$`, the result replaces the input;
 * - null: the result is discarded and the input passes through;
 * - otherwise a new value with the result placed at the Reference Path (copies only the path).
 * @throws StatesError `States.ResultPathMatchFailure` "Unable to apply ReferencePath <path> to
 *   input <input>" when the path cannot be applied to the input.
 */
export function applyResultPath(
  resultPath: string | null | undefined,
  input: JsonValue,
  result: JsonValue,
): JsonValue {
  if (resultPath === undefined) return result;
  if (resultPath === null) return input;
  return setAtReferencePath(input, resultPath, result);
}

/**
 * Applies OutputPath to `ctx.input` (here: the value after ResultPath).
 * - undefined: the value unchanged; null: `{}` (ASL spec: "If the value of OutputPath is null,
 *   ... the output is `{}`"); otherwise the value the Path selects.
 * @throws StatesError `States.Runtime` as applyInputPath.
 */
export function applyOutputPath(
  outputPath: string | null | undefined,
  ctx: EvaluationContext,
): JsonValue {
  if (outputPath === undefined) return ctx.input;
  if (outputPath === null) return {};
  return queryPath(outputPath, ctx);
}
