/**
 * Reading a definition file for the CLI: parse (JSON or YAML, with positions), validate, and
 * print every problem as `file:line:col: message [code]`.
 */
import { readFile } from 'node:fs/promises';
import { readDefinitionText } from '../definition-source/index.js';
import type { Diagnostic, StateMachineDefinition } from '../language/index.js';
import { validateDefinition } from '../language/definition/index.js';

export type LoadedDefinition =
  | { readonly ok: true; readonly definition: StateMachineDefinition }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Parses and validates definition text. Never throws. */
export function loadDefinitionText(text: string, fileName: string): LoadedDefinition {
  const parsed = readDefinitionText(text, fileName);
  if (!parsed.ok) return parsed;
  const validated = validateDefinition(parsed.value, parsed.sourceMap);
  if (!validated.ok)
    return { ok: false, diagnostics: [...parsed.diagnostics, ...validated.diagnostics] };
  if (parsed.diagnostics.length > 0) return { ok: false, diagnostics: parsed.diagnostics };
  return { ok: true, definition: validated.definition };
}

/** Reads, parses and validates a definition file. A read error becomes one diagnostic. */
export async function loadDefinitionFile(path: string): Promise<LoadedDefinition> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error: unknown) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    return {
      ok: false,
      diagnostics: [
        {
          code: 'FILE_UNREADABLE',
          pointer: '',
          line: 0,
          column: 0,
          message: `cannot read the file (${reason}); check the path and its permissions`,
        },
      ],
    };
  }
  return loadDefinitionText(text, path);
}

/** `file:line:col: message [code]`, the format editors and CI annotators understand. */
export function formatDiagnostic(file: string, diagnostic: Diagnostic): string {
  const where = diagnostic.line > 0 ? `${file}:${diagnostic.line}:${diagnostic.column}` : file;
  const pointer = diagnostic.pointer === '' ? '' : ` (at ${diagnostic.pointer})`;
  return `${where}: ${diagnostic.message}${pointer} [${diagnostic.code}]`;
}
