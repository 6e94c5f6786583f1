/**
 * Reading a definition for the CLI: parse (JSON or YAML, with positions), validate, and print
 * every problem as `file:line:col: message [code]`. The one path every command takes.
 */
import { readFile } from 'node:fs/promises';
import { readDefinitionText } from '../definition-source/index.js';
import type { Diagnostic, StateMachineDefinition } from '../language/index.js';
import { validateDefinition } from '../language/index.js';

export type LoadedDefinition =
  | { readonly ok: true; readonly definition: StateMachineDefinition }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** Parses and validates definition text; diagnostics come sorted by position. Never throws. */
export function loadDefinitionText(text: string, fileName: string): LoadedDefinition {
  const parsed = readDefinitionText(text, fileName);
  if (!parsed.ok) return { ok: false, diagnostics: sortByPosition(parsed.diagnostics) };
  const validated = validateDefinition(parsed.value, parsed.sourceMap);
  const diagnostics = [...parsed.diagnostics, ...(validated.ok ? [] : validated.diagnostics)];
  if (validated.ok && diagnostics.length === 0)
    return { ok: true, definition: validated.definition };
  return { ok: false, diagnostics: sortByPosition(diagnostics) };
}

/** Reads, parses and validates a definition file. A read error becomes one diagnostic. */
export async function loadDefinitionFile(
  path: string,
  readText: (path: string) => Promise<string> = (p) => readFile(p, 'utf8'),
): Promise<LoadedDefinition> {
  let text: string;
  try {
    text = await readText(path);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      diagnostics: [
        {
          code: 'FILE_UNREADABLE',
          pointer: '',
          line: 0,
          column: 0,
          message: `Cannot read the file: ${reason}. Check the path and its permissions.`,
        },
      ],
    };
  }
  return loadDefinitionText(text, path);
}

/** `file:line:col: message [code]`, the format editors and CI annotators understand. */
export function formatDiagnostic(file: string, diagnostic: Diagnostic): string {
  return `${file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.message} [${diagnostic.code}]`;
}

function sortByPosition(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.line - b.line || a.column - b.column);
}
