/**
 * AWS's rules for state machine and execution names (API_StartExecution, "name"): 1 to 80
 * characters, none of whitespace, brackets `< > { } [ ]`, wildcards `? *`, the characters
 * `" # % \ ^ | ~ ` $ & , ; : /`, or control characters (U+0000-001F, U+007F-009F).
 */
import { EngineError } from './errors.js';

const MAX_NAME_LENGTH = 80;
// \p{Cc} is exactly U+0000-001F and U+007F-009F.
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u;

/** @throws EngineError INVALID_NAME saying which rule the name breaks. */
export function checkName(what: 'execution' | 'workflow', name: string): void {
  const length = [...name].length;
  if (length === 0 || length > MAX_NAME_LENGTH) {
    throw new EngineError(
      'INVALID_NAME',
      `The ${what} name must be 1 to ${MAX_NAME_LENGTH} characters long, but it has ${length}.`,
    );
  }
  const bad = FORBIDDEN.exec(name);
  if (bad !== null) {
    const shown = /[\s\p{Cc}]/u.test(bad[0])
      ? `U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
      : `"${bad[0]}"`;
    throw new EngineError(
      'INVALID_NAME',
      `The ${what} name "${name}" contains ${shown}, which names may not contain (no whitespace, brackets, wildcards, control characters or any of " # % \\ ^ | ~ \` $ & , ; : /). Use letters, digits, "-" and "_".`,
    );
  }
}
