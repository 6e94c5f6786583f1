/**
 * Definition checks shared by CreateStateMachine, UpdateStateMachine, TestState and
 * ValidateStateMachineDefinition: the text must be JSON (Step Functions takes JSON only), with
 * no duplicate keys, and valid ASL by our validator.
 */
import type { Diagnostic, StateMachineDefinition } from '../../language/index.js';
import { validateDefinition } from '../../language/index.js';
import { parseJsonDefinition } from '../../language/definition/index.js';
import { invalidDefinition } from './errors.js';

export type DefinitionCheck =
  | { readonly ok: true; readonly definition: StateMachineDefinition }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Parses and validates definition text; never throws. */
export function checkDefinitionText(text: string): DefinitionCheck {
  const parsed = parseJsonDefinition(text);
  if (!parsed.ok) return { ok: false, diagnostics: parsed.diagnostics };
  const validated = validateDefinition(parsed.value, parsed.sourceMap);
  const diagnostics = [...parsed.diagnostics, ...(validated.ok ? [] : validated.diagnostics)];
  if (validated.ok && diagnostics.length === 0) return validated;
  return { ok: false, diagnostics };
}

/** @throws SfnError InvalidDefinition listing every problem. */
export function requireValidDefinition(text: string): StateMachineDefinition {
  const checked = checkDefinitionText(text);
  if (checked.ok) return checked.definition;
  throw invalidDefinition(checked.diagnostics.map(describeDiagnostic).join('; '));
}

/** `CODE at /States/A/Next (line 3, column 5): message`. */
export function describeDiagnostic(diagnostic: Diagnostic): string {
  const where = diagnostic.pointer === '' ? '/' : diagnostic.pointer;
  const position =
    diagnostic.line > 0 ? ` (line ${diagnostic.line}, column ${diagnostic.column})` : '';
  return `${diagnostic.code} at ${where}${position}: ${diagnostic.message}`;
}
