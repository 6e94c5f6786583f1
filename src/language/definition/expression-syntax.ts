/**
 * The one place where the validator asks "is this expression well-formed?". Paths,
 * intrinsic functions and JSONata belong to their own modules (language/paths,
 * language/intrinsics, language/jsonata); this adapter only fits their answers to the
 * validator's needs. Each check returns `undefined` when the text is fine, or a short reason
 * that the caller puts into its diagnostic message.
 */
import {
  checkIntrinsicSyntax as checkIntrinsic,
  isIntrinsicInvocation as isIntrinsic,
} from '../intrinsics/index.js';
import {
  checkJsonataSyntax as checkJsonata,
  isJsonataExpression as isJsonata,
  jsonataBody,
} from '../jsonata/index.js';
import {
  VARIABLE_NAME_PATTERN,
  checkPathSyntax as checkPath,
  variableNameProblem as nameProblem,
} from '../paths/index.js';

export type PathKind = 'Path' | 'ReferencePath';

/** True for `"{% ... %}"`: the whole string is one JSONata expression (AWS transforming-data). */
export function isJsonataExpression(value: unknown): value is string {
  return isJsonata(value);
}

/** Checks the expression inside `{% %}`; `text` is the whole string including the braces. */
export function checkJsonataSyntax(text: string): string | undefined {
  return withoutFinalStop(checkJsonata(jsonataBody(text)));
}

/** True when a string is an intrinsic function call such as `States.Format(...)`. */
export function isIntrinsicInvocation(text: string): boolean {
  return isIntrinsic(text);
}

/** Checks an intrinsic call: known function, parentheses, argument list and arity. */
export function checkIntrinsicSyntax(text: string): string | undefined {
  return withoutFinalStop(checkIntrinsic(text));
}

/**
 * Why an Assign key cannot be a variable name (empty, too long, bad characters), or undefined.
 * The rule lives in language/paths so that every name Assign accepts is one a path can read.
 */
export function variableNameProblem(name: string): string | undefined {
  return nameProblem(name);
}

/** `$$` (context object) or `$name` (a variable, by the one name rule in language/paths). */
const NON_INPUT_ROOT = new RegExp(`^(\\$\\$|\\$${VARIABLE_NAME_PATTERN})(?=$|[.[])`, 'u');

/**
 * Checks a JSONPath. `ReferencePath` allows only plain member and index steps (ASL spec
 * "Reference Paths": no wildcards, filters, slices or descent). The paths module roots
 * reference paths at `$` because ResultPath writes into the input; other reference-path
 * fields (ItemsPath, SecondsPath, ...) may also read `$$` or a variable, so their root is
 * checked here and the steps after it by the paths module.
 */
export function checkPathSyntax(text: string, kind: PathKind): string | undefined {
  if (kind === 'ReferencePath') {
    const root = NON_INPUT_ROOT.exec(text);
    if (root !== null) return withoutFinalStop(checkPath(`$${text.slice(root[0].length)}`, kind));
  }
  return withoutFinalStop(checkPath(text, kind));
}

function withoutFinalStop(problem: string | undefined): string | undefined {
  return problem?.replace(/\.\s*$/, '');
}
