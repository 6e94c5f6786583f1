/**
 * `baton validate FILE...`: offline validation of ASL definitions (JSON or YAML). Prints
 * `file:line:col: message [code]` for every problem on stderr, one OK line per valid file
 * on stdout, and exits with 2 when any file is invalid or unreadable.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Diagnostic } from '../language/definition/index.js';
import type { LoadedDefinition } from './definition-file.js';
import { formatDiagnostic, loadDefinitionFile, loadDefinitionText } from './definition-file.js';

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
  return report(file, loadDefinitionText(text, file));
}

function report(file: string, loaded: LoadedDefinition): FileReport {
  if (!loaded.ok) return { file, valid: false, stateCount: 0, diagnostics: loaded.diagnostics };
  return {
    file,
    valid: true,
    stateCount: Object.keys(loaded.definition.States).length,
    diagnostics: [],
  };
}

async function validateFile(file: string, io: ValidateIo): Promise<FileReport> {
  return report(file, await loadDefinitionFile(file, io.readText));
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
  $ baton validate examples/hello.asl.json
  $ baton validate examples/*.asl.*
  $ baton validate --format json examples/release-train.asl.yaml > report.json

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
