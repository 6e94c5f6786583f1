/**
 * `baton validate FILE...`: offline validation of ASL definitions (JSON or YAML). Prints
 * `file:line:col: message [code]` for every problem on stderr, one OK line per valid file
 * on stdout, and exits with 2 when any file is invalid or unreadable.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import { readDefinitionText } from '../definition-source/index.js';
import type { Diagnostic } from '../language/definition/index.js';
import { validateDefinition } from '../language/definition/index.js';

/** The outcome for one file. */
export interface FileReport {
  readonly file: string;
  readonly valid: boolean;
  readonly stateCount: number;
  readonly diagnostics: readonly Diagnostic[];
}

/** What the command needs from the outside world, so tests can run it without a process. */
export interface ValidateIo {
  readonly readText: (file: string) => Promise<string>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export type OutputFormat = 'text' | 'json';

/** Exit status when any file is invalid or unreadable. */
export const EXIT_INVALID = 2;

/** Parses and validates one definition's text. Never throws. */
export function validateText(file: string, text: string): FileReport {
  const parsed = readDefinitionText(text, file);
  if (!parsed.ok) return { file, valid: false, stateCount: 0, diagnostics: parsed.diagnostics };
  const validated = validateDefinition(parsed.value, parsed.sourceMap);
  const diagnostics = sortByPosition([
    ...parsed.diagnostics,
    ...(validated.ok ? [] : validated.diagnostics),
  ]);
  const stateCount = validated.ok ? Object.keys(validated.definition.States).length : 0;
  return { file, valid: diagnostics.length === 0, stateCount, diagnostics };
}

async function validateFile(file: string, io: ValidateIo): Promise<FileReport> {
  let text: string;
  try {
    text = await io.readText(file);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    const diagnostic: Diagnostic = {
      code: 'FILE_UNREADABLE',
      pointer: '',
      line: 0,
      column: 0,
      message: `Cannot read the file: ${reason}. Check the path and its permissions.`,
    };
    return { file, valid: false, stateCount: 0, diagnostics: [diagnostic] };
  }
  return validateText(file, text);
}

function sortByPosition(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** `file:line:col: message [code]`, the format editors and CI annotate from. */
export function formatDiagnostic(file: string, diagnostic: Diagnostic): string {
  return `${file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.message} [${diagnostic.code}]`;
}

/** Validates every file, prints the result and returns the exit status (0 or 2). */
export async function runValidate(
  files: readonly string[],
  format: OutputFormat,
  io: ValidateIo,
): Promise<number> {
  const reports: FileReport[] = [];
  for (const file of files) reports.push(await validateFile(file, io));
  if (format === 'json') {
    io.out(
      JSON.stringify(
        reports.map(({ file, valid, diagnostics }) => ({ file, valid, diagnostics })),
        null,
        2,
      ),
    );
  } else {
    for (const report of reports) {
      if (report.valid) io.out(`${report.file}: OK (${report.stateCount} top-level states)`);
      for (const diagnostic of report.diagnostics)
        io.err(formatDiagnostic(report.file, diagnostic));
    }
    const invalid = reports.filter((report) => !report.valid).length;
    if (invalid > 0) io.err(`${invalid} of ${reports.length} file(s) invalid.`);
  }
  return reports.every((report) => report.valid) ? 0 : EXIT_INVALID;
}

const EXAMPLES = `
Examples:
  $ baton validate deploy.asl.json
  $ baton validate workflows/*.yaml
  $ baton validate --format json release.json > report.json

Exit status: 0 when every file is valid, 2 when any file is invalid or unreadable.`;

/** Adds `validate` to the program. */
export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('Check ASL state machine definitions (JSON or YAML) without a server')
    .argument(
      '<file...>',
      'definition files (.json, .yaml, .yml; other names are detected by content)',
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (files: string[], options: { format: OutputFormat }) => {
      const io: ValidateIo = {
        readText: (file) => readFile(file, 'utf8'),
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      };
      process.exitCode = await runValidate(files, options.format, io);
    });
}
