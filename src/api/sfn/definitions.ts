/**
 * Definition checks shared by CreateStateMachine, UpdateStateMachine, TestState and
 * ValidateStateMachineDefinition: the text must be JSON (Step Functions takes JSON only), with
 * no duplicate keys, and valid ASL by our validator.
 */
import type { JsonValue } from '../../common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../common/index.js';
import type { Diagnostic, SourceMap, StateMachineDefinition } from '../../language/index.js';
import { validateDefinition } from '../../language/index.js';
import { childPointer, parseJsonDefinition } from '../../language/definition/index.js';
import type { WorkflowType } from '../../store/index.js';
import { invalidDefinition } from './errors.js';

export type DefinitionCheck =
  | { readonly ok: true; readonly definition: StateMachineDefinition }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Parses and validates definition text, for a workflow of `type` when given; never throws. */
export function checkDefinitionText(text: string, type?: WorkflowType): DefinitionCheck {
  const parsed = parseJsonDefinition(text);
  if (!parsed.ok) return { ok: false, diagnostics: parsed.diagnostics };
  const validated = validateDefinition(parsed.value, parsed.sourceMap);
  const diagnostics = [
    ...parsed.diagnostics,
    ...(validated.ok ? [] : validated.diagnostics),
    ...(type === 'EXPRESS' ? expressDiagnostics(parsed.value, parsed.sourceMap) : []),
  ];
  if (validated.ok && diagnostics.length === 0) return validated;
  return { ok: false, diagnostics };
}

/** @throws SfnError InvalidDefinition listing every problem. */
export function requireValidDefinition(text: string, type?: WorkflowType): StateMachineDefinition {
  const checked = checkDefinitionText(text, type);
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

/** Resources of the Run a Job and Wait for Callback integration patterns. */
const CALLBACK_OR_JOB = /\.(sync(:\d+)?|waitForTaskToken)$/;

/**
 * Express workflows support Request Response only, not Run a Job (`.sync`) or Wait for
 * Callback (`.waitForTaskToken`) (AWS connect-supported-services): one diagnostic per Task
 * that uses either, at its Resource.
 */
function expressDiagnostics(value: JsonValue, sourceMap: SourceMap): Diagnostic[] {
  const found: Diagnostic[] = [];
  const pending: { value: JsonValue; pointer: string }[] = [{ value, pointer: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: node, pointer } = next;
    if (isJsonArray(node)) {
      node.forEach((item, i) => pending.push({ value: item, pointer: childPointer(pointer, i) }));
      continue;
    }
    if (!isJsonObject(node)) continue;
    const resource = getOwn(node, 'Resource');
    if (
      getOwn(node, 'Type') === 'Task' &&
      typeof resource === 'string' &&
      CALLBACK_OR_JOB.test(resource)
    ) {
      const at = childPointer(pointer, 'Resource');
      const position = sourceMap.positionOf(at) ?? { line: 0, column: 0 };
      found.push({
        code: 'EXPRESS_UNSUPPORTED_PATTERN',
        pointer: at,
        ...position,
        message: `Express state machines support Request Response integrations only, not "${resource}" (.sync and .waitForTaskToken need a STANDARD state machine).`,
      });
    }
    for (const [key, child] of Object.entries(node)) {
      pending.push({ value: child, pointer: childPointer(pointer, key) });
    }
  }
  return found;
}
