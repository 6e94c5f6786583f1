/**
 * Secrets for CLI commands (GitLab tokens, webhook secrets, ID tokens) come from an environment
 * variable, a file or stdin, never from argv: argv is visible to every user in `ps` and lands in
 * shell history. Options that would take a secret as a value exist only to refuse it and say
 * what to use instead.
 */
import { readFileSync } from 'node:fs';
import { CliUsageError } from './json-argument.js';

export interface SecretSources {
  /** Name of an environment variable holding it. */
  readonly env?: string | undefined;
  /** Path of a file holding it (one line; the line end is dropped). */
  readonly file?: string | undefined;
  /** Read it from standard input. */
  readonly stdin?: boolean | undefined;
}

export interface SecretContext {
  readonly env: NodeJS.ProcessEnv;
  readonly readStdin: () => string;
  readonly readFile: (path: string) => string;
}

export const DEFAULT_SECRET_CONTEXT: SecretContext = {
  env: process.env,
  readStdin: () => readFileSync(0, 'utf8'),
  readFile: (path) => readFileSync(path, 'utf8'),
};

/** The message for a secret given on the command line. */
export function argvSecretRefused(what: string, option: string): CliUsageError {
  return new CliUsageError(
    `refusing ${what} given on the command line (it would show in ps and shell history): use ${option}-env VAR, ${option}-file FILE or ${option}-stdin`,
  );
}

/**
 * The secret from exactly one source, or undefined when none is given.
 * @throws CliUsageError when several sources are given, the variable is unset or empty, or the
 *   file cannot be read; the message names the source, never the value.
 */
export function readSecret(
  what: string,
  option: string,
  sources: SecretSources,
  context: SecretContext = DEFAULT_SECRET_CONTEXT,
): string | undefined {
  const given = [sources.env, sources.file, sources.stdin === true ? 'stdin' : undefined].filter(
    (s) => s !== undefined,
  );
  if (given.length > 1) {
    throw new CliUsageError(
      `give ${what} once: ${option}-env, ${option}-file or ${option}-stdin, not several`,
    );
  }
  let value: string | undefined;
  if (sources.env !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(sources.env)) {
      throw new CliUsageError(
        `${option}-env takes the NAME of an environment variable (such as GITLAB_TOKEN), not the ${what} itself`,
      );
    }
    value = context.env[sources.env];
    if (value === undefined || value.trim() === '') {
      throw new CliUsageError(`${option}-env: the environment variable ${sources.env} is not set`);
    }
  } else if (sources.file !== undefined) {
    try {
      value = context.readFile(sources.file);
    } catch (error: unknown) {
      const code = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
      throw new CliUsageError(`${option}-file: cannot read ${sources.file} (${code})`);
    }
  } else if (sources.stdin === true) {
    value = context.readStdin();
  }
  if (value === undefined) return undefined;
  const trimmed = value.replace(/\r?\n$/, '').trim();
  if (trimmed === '') throw new CliUsageError(`${what} is empty`);
  return trimmed;
}
