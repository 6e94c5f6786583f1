/**
 * `baton start WORKFLOW`: starts an execution; with `--wait`, follows it through its states
 * (GetExecutionHistory, newest page first with nextToken until the last event already shown)
 * and exits with its outcome: 0 SUCCEEDED, 1 FAILED, TIMED_OUT or ABORTED.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { JsonObject } from '../common/index.js';
import { isObject } from './client/sfn-client.js';
import type { SfnClient } from './client/sfn-client.js';
import { Timeline, progressLine } from './history-timeline.js';
import { CliUsageError, readJsonArgument } from './json-argument.js';
import type { RemoteContext, RemoteFlags } from './remote-command.js';
import {
  EXIT_FAILED,
  EXIT_OK,
  addConnectionOptions,
  addOutputOption,
  field,
  formatDate,
  printFields,
  printJson,
  runRemote,
  workflowArn,
} from './remote-command.js';

interface StartFlags extends RemoteFlags {
  readonly input?: string;
  readonly name?: string;
  readonly version?: string;
  readonly alias?: string;
  readonly wait?: boolean;
}

const POLL_MS = { first: 200, max: 1000 };
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function registerStartCommand(program: Command): void {
  const command = program
    .command('start')
    .description('Start an execution of a workflow (--wait: follow it and exit with its outcome)')
    .argument('<workflow>', 'workflow name or ARN (a version or alias ARN too)')
    .option(
      '-i, --input <json|@file>',
      'execution input, as JSON or @path to a JSON/YAML file',
      '{}',
    )
    .option('--name <name>', 'execution name (default: a generated id)')
    .option('--version <n>', 'run this published version')
    .option('--alias <name>', 'run the version this alias points to')
    .option('-w, --wait', 'show progress through the states and exit with the outcome');
  addConnectionOptions(command);
  addOutputOption(command);
  command
    .addHelpText(
      'after',
      `
Examples:
  $ baton start hello --input '{"name": "Ada", "hour": 15}'
  $ baton start hello --input @examples/hello.input.json --name run-1 --wait
  $ baton start release-train --alias prod --wait --output json

Exit status with --wait: 0 SUCCEEDED; 1 FAILED, TIMED_OUT or ABORTED (error and cause on
stderr); 2 bad input or an unknown workflow.`,
    )
    .action(async (workflow: string, flags: StartFlags) => {
      await runRemote('start', flags, (context) => start(context, workflow, flags));
    });
}

async function start(context: RemoteContext, workflow: string, flags: StartFlags): Promise<number> {
  const { client } = context;
  if (flags.version !== undefined && flags.alias !== undefined) {
    throw new CliUsageError('give --version or --alias, not both');
  }
  if (flags.version !== undefined && !/^[1-9]\d*$/.test(flags.version)) {
    throw new CliUsageError(`--version must be a version number such as 3, got "${flags.version}"`);
  }
  const input = await readJsonArgument('--input', flags.input ?? '{}');
  const base = await workflowArn(client, workflow);
  const qualifier = flags.version ?? flags.alias;
  const target = qualifier === undefined ? base : `${base}:${qualifier}`;
  const started = await client.call('StartExecution', {
    stateMachineArn: target,
    input: JSON.stringify(input),
    ...(flags.name === undefined ? {} : { name: flags.name }),
  });
  const executionArn = field(started, 'executionArn') ?? '';
  if (flags.wait !== true) {
    if (context.format === 'json') printJson(context, started);
    else
      printFields(context, [
        ['Started', executionArn],
        ['At', formatDate(started['startDate'])],
      ]);
    return EXIT_OK;
  }
  // Progress goes to stderr in both formats, so a CI log shows it while stdout stays JSON.
  context.err(`Started ${executionArn}`);
  await follow(context, executionArn, true);
  const described = await client.call('DescribeExecution', { executionArn });
  return report(context, described);
}

/** Prints progress lines until the execution is no longer RUNNING. */
async function follow(context: RemoteContext, executionArn: string, show: boolean): Promise<void> {
  const { client } = context;
  const timeline = new Timeline();
  // The spinner rewrites its line on stderr, so it needs stderr to be a terminal.
  const spinner = new Spinner(process.stderr.isTTY && show);
  let lastId = 0;
  let wait = POLL_MS.first;
  try {
    for (;;) {
      const events = await newEvents(client, executionArn, lastId);
      for (const event of events) {
        const line = timeline.add(event);
        lastId = line.id;
        const text = progressLine(line);
        if (show && text !== undefined) spinner.print(text);
        if (line.state !== undefined) spinner.state = line.state;
      }
      const type = events.at(-1)?.['type'];
      if (typeof type === 'string' && /^Execution(Succeeded|Failed|TimedOut|Aborted)$/.test(type))
        return;
      if (events.length > 0) wait = POLL_MS.first;
      await spinner.spin(wait);
      wait = Math.min(wait * 2, POLL_MS.max);
    }
  } finally {
    spinner.stop();
  }
}

/**
 * The events after `lastId`, oldest first: newest pages first (reverseOrder) until one reaches
 * an event already seen, so a long history is never read again from its start.
 */
async function newEvents(
  client: SfnClient,
  executionArn: string,
  lastId: number,
): Promise<JsonObject[]> {
  const fresh: JsonObject[] = [];
  let nextToken: string | undefined;
  for (;;) {
    const page = await client.call('GetExecutionHistory', {
      executionArn,
      reverseOrder: true,
      maxResults: 100,
      includeExecutionData: false,
      ...(nextToken === undefined ? {} : { nextToken }),
    });
    const events = Array.isArray(page['events']) ? page['events'].filter(isObject) : [];
    for (const event of events) {
      const id = typeof event['id'] === 'number' ? event['id'] : 0;
      if (id <= lastId) return fresh.reverse();
      fresh.push(event);
    }
    nextToken = field(page, 'nextToken');
    if (nextToken === undefined) return fresh.reverse();
  }
}

/** Prints the outcome and returns the exit status. */
function report(context: RemoteContext, described: JsonObject): number {
  const status = field(described, 'status') ?? 'UNKNOWN';
  if (context.format === 'json') {
    printJson(context, described);
  } else if (status === 'SUCCEEDED') {
    context.err(`SUCCEEDED in ${duration(described)}`);
    context.out(field(described, 'output') ?? 'null');
  } else {
    context.err(`${status} after ${duration(described)}`);
    const error = field(described, 'error');
    const cause = field(described, 'cause');
    if (error !== undefined) context.err(`  error: ${error}`);
    if (cause !== undefined) context.err(`  cause: ${cause}`);
  }
  return status === 'SUCCEEDED' ? EXIT_OK : EXIT_FAILED;
}

function duration(described: JsonObject): string {
  const start = described['startDate'];
  const stop = described['stopDate'];
  if (typeof start !== 'number' || typeof stop !== 'number') return '?';
  return `${(stop - start).toFixed(3)}s`;
}

/** On a terminal, a spinner with the current state and a timer on the last line. */
class Spinner {
  state = '';
  private frame = 0;
  private readonly startedMs = Date.now();

  constructor(private readonly enabled: boolean) {}

  /** Prints a line above the spinner (or just the line, without a terminal). */
  print(line: string): void {
    if (this.enabled) process.stderr.write('\r\x1b[2K');
    process.stderr.write(`${line}\n`);
  }

  async spin(ms: number): Promise<void> {
    if (!this.enabled) {
      await sleep(ms);
      return;
    }
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const seconds = ((Date.now() - this.startedMs) / 1000).toFixed(1);
      const symbol = SPINNER[this.frame++ % SPINNER.length] ?? '';
      process.stderr.write(`\r\x1b[2K${symbol} ${this.state || 'starting'}  ${seconds}s`);
      await sleep(Math.min(100, Math.max(0, end - Date.now())));
    }
  }

  stop(): void {
    if (this.enabled) process.stderr.write('\r\x1b[2K');
  }
}
