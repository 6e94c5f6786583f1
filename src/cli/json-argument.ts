/** `--input '{"a":1}'` or `--input @file.json`: JSON from the command line or a file. */
import { readFile } from 'node:fs/promises';
import type { JsonValue } from '../language/index.js';
import { readDefinitionText } from '../definition-source/index.js';

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/**
 * Reads a JSON (or, from a .yaml/.yml file, YAML) argument.
 * @throws CliUsageError with the option name, what was wrong and where.
 */
export async function readJsonArgument(option: string, raw: string): Promise<JsonValue> {
  let text = raw;
  let file = '<argument>';
  if (raw.startsWith('@')) {
    file = raw.slice(1);
    try {
      text = await readFile(file, 'utf8');
    } catch (error: unknown) {
      const reason = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
      throw new CliUsageError(`${option}: cannot read ${file} (${reason})`);
    }
  }
  if (text.trim() === '') {
    throw new CliUsageError(`${option}: ${file} is empty; give a JSON value such as {}`);
  }
  const parsed = readDefinitionText(text, file === '<argument>' ? 'argument.json' : file);
  if (!parsed.ok) {
    const first = parsed.diagnostics[0];
    const where = first && first.line > 0 ? `${file}:${first.line}:${first.column}: ` : `${file}: `;
    throw new CliUsageError(`${option}: ${where}${first?.message ?? 'not valid JSON'}`);
  }
  return parsed.value;
}
