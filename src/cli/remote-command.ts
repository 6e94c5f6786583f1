/**
 * What every command that talks to a server shares: the connection options, `--output
 * json|table`, turning names into ARNs, printing tables, and one place that turns errors into
 * a message and an exit code.
 *
 * Exit codes: 0 success; 1 the operation failed (an execution failed, timed out or was
 * aborted; the server is unreachable or failed); 2 the request was wrong (usage, input, an
 * unknown workflow or execution, a key the server refuses).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { JsonObject } from '../common/index.js';
import type { ConnectionFlags } from './client/connection.js';
import { resolveConnection } from './client/connection.js';
import { ClientError, SfnClient, isObject } from './client/sfn-client.js';
import { CliUsageError } from './json-argument.js';

export type OutputFormat = 'json' | 'table';

export interface RemoteFlags extends ConnectionFlags {
  readonly output?: OutputFormat;
}

/** What a command body gets: a client, the chosen format, and where to print. */
export interface RemoteContext {
  readonly client: SfnClient;
  readonly format: OutputFormat;
  readonly isTty: boolean;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Adds --url, --access-key-id, --secret-access-key, --region and --config. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--url <url>', 'Baton server URL [env BATON_URL; default http://127.0.0.1:8420]')
    .option('--access-key-id <id>', 'access key id [env BATON_ACCESS_KEY_ID or AWS_ACCESS_KEY_ID]')
    .option(
      '--secret-access-key <secret>',
      'secret access key [env BATON_SECRET_ACCESS_KEY or AWS_SECRET_ACCESS_KEY]',
    )
    .option('--region <region>', "the server's region [env BATON_REGION; default us-east-1]")
    .option('--config <file>', 'client config file [default ~/.config/baton/config.yaml]');
}

/** Adds `--output json|table` (table on a terminal, JSON otherwise). */
export function addOutputOption(command: Command): Command {
  return command.addOption(
    new Option(
      '-o, --output <format>',
      'output format (default: table on a terminal, else json)',
    ).choices(['json', 'table']),
  );
}

/**
 * Runs a command body against the server and sets the exit code. Every expected error is
 * printed as `baton <command>: <message>` on stderr; nothing prints a secret.
 */
export async function runRemote(
  name: string,
  flags: RemoteFlags,
  body: (context: RemoteContext) => Promise<number>,
): Promise<void> {
  const err = (line: string): void => void process.stderr.write(`${line}\n`);
  const isTty = process.stdout.isTTY === true;
  try {
    const resolved = resolveConnection({
      flags,
      env: process.env,
      cwd: process.cwd(),
      home: homedir(),
      readFile: readIfExists,
    });
    if (!resolved.ok) throw new CliUsageError(resolved.problem);
    const context: RemoteContext = {
      client: new SfnClient(resolved.connection),
      format: flags.output ?? (isTty ? 'table' : 'json'),
      isTty,
      out: (line) => void process.stdout.write(`${line}\n`),
      err,
    };
    process.exitCode = await body(context);
  } catch (error: unknown) {
    if (error instanceof CliUsageError) {
      err(`baton ${name}: ${error.message}`);
      process.exitCode = EXIT_USAGE;
    } else if (error instanceof ClientError) {
      err(`baton ${name}: ${error.message}`);
      process.exitCode =
        error.kind === 'request' || error.kind === 'auth' ? EXIT_USAGE : EXIT_FAILED;
    } else {
      throw error;
    }
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error: unknown) {
    // A missing file is a source that is not there; anything else (EACCES) is worth saying.
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw new CliUsageError(
      `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Names and ARNs

/** A workflow ARN (or version/alias ARN) as given, or the ARN of a workflow name. */
export async function workflowArn(client: SfnClient, ref: string): Promise<string> {
  if (ref.startsWith('arn:')) return ref;
  // A name has no ':' (that would make it an ARN fragment), '/' or white space.
  if (!/^[^\s:/]{1,80}$/.test(ref)) {
    throw new CliUsageError(`"${ref}" is not a workflow name or ARN`);
  }
  return client.arn(`stateMachine:${ref}`);
}

/** An execution ARN as given, or the ARN of `WORKFLOW/NAME`. */
export async function executionArn(client: SfnClient, ref: string): Promise<string> {
  if (ref.startsWith('arn:')) return ref;
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) {
    throw new CliUsageError(
      `"${ref}" is not an execution: give its ARN or WORKFLOW/NAME (e.g. hello/run-1); \`baton executions\` lists them`,
    );
  }
  return client.arn(`execution:${ref.slice(0, slash)}:${ref.slice(slash + 1)}`);
}

/** The last part of an ARN: a workflow's or execution's name. */
export function lastPart(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

// ---------------------------------------------------------------------------------------------
// Printing

/** Prints a JSON value, two-space indented. */
export function printJson(context: RemoteContext, value: unknown): void {
  context.out(JSON.stringify(value, null, 2));
}

/** Prints rows as aligned columns under upper-case headers. */
export function printTable(
  context: RemoteContext,
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  context.out(line(headers.map((h) => h.toUpperCase())));
  for (const row of rows) context.out(line(row));
}

/** Prints `key: value` lines for the defined fields of an object. */
export function printFields(
  context: RemoteContext,
  fields: readonly (readonly [string, string | undefined])[],
): void {
  const shown = fields.filter((f): f is readonly [string, string] => f[1] !== undefined);
  const width = Math.max(...shown.map(([k]) => k.length));
  for (const [key, value] of shown) context.out(`${`${key}:`.padEnd(width + 1)} ${value}`);
}

/** An epoch-seconds timestamp from the API as ISO 8601 (UTC, to the second). */
export function formatDate(value: unknown): string | undefined {
  if (typeof value !== 'number') return undefined;
  return new Date(value * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Reads a string field of a response object. */
export function field(object: JsonObject, name: string): string | undefined {
  const value = object[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Every item of a paged REST list (`GET /api/v1<path>` answering `{<key>: [...], nextToken?}`),
 * following nextToken to the end.
 */
export async function listAll(
  context: RemoteContext,
  path: string,
  key: string,
): Promise<JsonObject[]> {
  const all: JsonObject[] = [];
  let nextToken: string | undefined;
  do {
    const query = nextToken === undefined ? '' : `?nextToken=${encodeURIComponent(nextToken)}`;
    const page = (await context.client.rest('GET', `${path}${query}`)) ?? {};
    const items = page[key];
    if (Array.isArray(items)) all.push(...items.filter(isObject));
    nextToken = field(page, 'nextToken');
  } while (nextToken !== undefined);
  return all;
}
