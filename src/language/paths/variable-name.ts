/**
 * The one rule for a workflow variable's name, shared by the validator (Assign keys), the path
 * parser (`$name...` roots) and the validator's path-root check, so a name that Assign accepts
 * is always one a path can read. AWS workflow-variables ("Variable names") describes names as
 * identifiers in the Unicode sense: a first character that is a letter (Unicode ID_Start, which
 * includes letter numbers such as "Ⅻ") or "_", then ID_Continue characters (letters, digits,
 * combining marks, "_"); at most 80 characters; "states" is reserved for `$states`.
 */

/** The pattern of a name, without anchors, for embedding in other expressions (flag `u`). */
export const VARIABLE_NAME_PATTERN = '[\\p{ID_Start}_]\\p{ID_Continue}*';

const VARIABLE_NAME = new RegExp(`^${VARIABLE_NAME_PATTERN}$`, 'u');

export const MAX_VARIABLE_NAME_LENGTH = 80;

/** Why `name` cannot be a variable name, or undefined when it can. */
export function variableNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if ([...name].length > MAX_VARIABLE_NAME_LENGTH)
    return `it is longer than ${MAX_VARIABLE_NAME_LENGTH} characters`;
  if (!VARIABLE_NAME.test(name)) {
    return 'it must start with a letter or "_" and contain only letters, digits and "_"';
  }
  return undefined;
}
