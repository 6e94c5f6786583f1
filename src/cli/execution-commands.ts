/**
 * Commands about executions: `executions` (list and filter), `describe`, `history` (a readable
 * timeline, or the raw events with --json), `stop` and `redrive`.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { JsonObject } from '../common/index.js';
import { isObject } from './client/sfn-client.js';
import type { SfnClient } from './client/sfn-client.js';
import { Timeline, historyLine } from './history-timeline.js';
import { CliUsageError } from './json-argument.js';
import type { RemoteContext, RemoteFlags } from './remote-command.js';
import {
  EXIT_OK,
  addConnectionOptions,
  addOutputOption,
  executionArn,
  field,
  formatDate,
  lastPart,
  printFields,
  printJson,
  printTable,
  runRemote,
  workflowArn,
} from './remote-command.js';

/** Executions asked for per ListExecutions call (AWS's default page size). */
const PAGE_SIZE = 100;
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

function remote(command: Command, output = true): Command {
  addConnectionOptions(command);
  if (output) addOutputOption(command);
  return command;
}

export function registerExecutionCommands(program: Command): void {
  registerExecutions(program);
  registerDescribe(program);
  registerHistory(program);
  registerStop(program);
  registerRedrive(program);
}

// ---------------------------------------------------------------------------------------------
// executions

interface ExecutionsFlags extends RemoteFlags {
  readonly workflow?: string;
  readonly status?: string;
  readonly limit: string;
}

function registerExecutions(program: Command): void {
  const command = program
    .command('executions')
    .description('List executions, newest first (of one workflow, or of all)')
    .option('--workflow <name>', 'only executions of this workflow (name or ARN)')
    .addOption(
      new Option('--status <status>', 'only executions with this status').choices(STATUSES),
    )
    .option('--limit <n>', 'list at most this many', '50');
  remote(command)
    .addHelpText(
      'after',
      `
Examples:
  $ baton executions
  $ baton executions --workflow hello --status FAILED --limit 10
  $ baton executions --output json | jq -r '.[].executionArn'`,
    )
    .action(async (flags: ExecutionsFlags) => {
      await runRemote('executions', flags, (context) => listExecutions(context, flags));
    });
}

async function listExecutions(context: RemoteContext, flags: ExecutionsFlags): Promise<number> {
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new CliUsageError(`--limit must be a positive whole number, got "${flags.limit}"`);
  }
  const { client } = context;
  const workflows =
    flags.workflow === undefined
      ? await allWorkflows(client)
      : [await workflowArn(client, flags.workflow)];
  const found: JsonObject[] = [];
  for (const stateMachineArn of workflows) {
    let nextToken: string | undefined;
    do {
      const page = await client.call('ListExecutions', {
        stateMachineArn,
        maxResults: Math.min(limit, PAGE_SIZE),
        ...(flags.status === undefined ? {} : { statusFilter: flags.status }),
        ...(nextToken === undefined ? {} : { nextToken }),
      });
      const items = Array.isArray(page['executions']) ? page['executions'].filter(isObject) : [];
      found.push(...items);
      nextToken = field(page, 'nextToken');
    } while (nextToken !== undefined && found.length < limit * workflows.length);
  }
  const newest = found.sort((a, b) => num(b['startDate']) - num(a['startDate'])).slice(0, limit);
  if (context.format === 'json') {
    printJson(context, newest);
    return EXIT_OK;
  }
  if (newest.length === 0) {
    context.err('No executions. Start one with `baton start WORKFLOW`.');
    return EXIT_OK;
  }
  printTable(
    context,
    ['workflow', 'name', 'status', 'started', 'stopped'],
    newest.map((e) => [
      lastPart(field(e, 'stateMachineArn') ?? ''),
      field(e, 'name') ?? '',
      field(e, 'status') ?? '',
      formatDate(e['startDate']) ?? '',
      formatDate(e['stopDate']) ?? '',
    ]),
  );
  return EXIT_OK;
}

async function allWorkflows(client: SfnClient): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.call('ListStateMachines', {
      maxResults: 1000,
      ...(nextToken === undefined ? {} : { nextToken }),
    });
    const items = Array.isArray(page['stateMachines'])
      ? page['stateMachines'].filter(isObject)
      : [];
    for (const item of items) {
      const arn = field(item, 'stateMachineArn');
      if (arn !== undefined) arns.push(arn);
    }
    nextToken = field(page, 'nextToken');
  } while (nextToken !== undefined);
  return arns;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

// ---------------------------------------------------------------------------------------------
// describe

function registerDescribe(program: Command): void {
  const command = program
    .command('describe')
    .description("Show an execution's status, input, output, error and cause")
    .argument('<execution>', 'execution ARN, or WORKFLOW/NAME');
  remote(command)
    .addHelpText(
      'after',
      `
Examples:
  $ baton describe hello/run-1
  $ baton describe arn:aws:states:us-east-1:123456789012:execution:hello:run-1 --output json`,
    )
    .action(async (execution: string, flags: RemoteFlags) => {
      await runRemote('describe', flags, async (context) => {
        const arn = await executionArn(context.client, execution);
        const described = await context.client.call('DescribeExecution', { executionArn: arn });
        if (context.format === 'json') {
          printJson(context, described);
          return EXIT_OK;
        }
        printFields(context, [
          ['Execution', field(described, 'executionArn')],
          ['Workflow', field(described, 'stateMachineArn')],
          ['Version', field(described, 'stateMachineVersionArn')],
          ['Alias', field(described, 'stateMachineAliasArn')],
          ['Status', field(described, 'status')],
          ['Started', formatDate(described['startDate'])],
          ['Stopped', formatDate(described['stopDate'])],
          ['Input', field(described, 'input')],
          ['Output', field(described, 'output')],
          ['Error', field(described, 'error')],
          ['Cause', field(described, 'cause')],
          [
            'Redrives',
            typeof described['redriveCount'] === 'number'
              ? String(described['redriveCount'])
              : undefined,
          ],
        ]);
        return EXIT_OK;
      });
    });
}

// ---------------------------------------------------------------------------------------------
// history

interface HistoryFlags extends RemoteFlags {
  readonly json?: boolean;
}

function registerHistory(program: Command): void {
  const command = program
    .command('history')
    .description("Show an execution's events as a timeline (--json: the raw events)")
    .argument('<execution>', 'execution ARN, or WORKFLOW/NAME')
    .option('--json', 'print the raw events (GetExecutionHistory) as a JSON array');
  remote(command)
    .addHelpText(
      'after',
      `
Examples:
  $ baton history hello/run-1
  $ baton history hello/run-1 --json | jq '.[] | select(.type == "TaskFailed")'`,
    )
    .action(async (execution: string, flags: HistoryFlags) => {
      await runRemote('history', flags, async (context) => {
        const arn = await executionArn(context.client, execution);
        const events = await allEvents(context.client, arn);
        if (flags.json === true || context.format === 'json') {
          printJson(context, events);
          return EXIT_OK;
        }
        const timeline = new Timeline();
        for (const event of events) context.out(historyLine(timeline.add(event)));
        return EXIT_OK;
      });
    });
}

async function allEvents(client: SfnClient, arn: string): Promise<JsonObject[]> {
  const events: JsonObject[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.call('GetExecutionHistory', {
      executionArn: arn,
      maxResults: 1000,
      ...(nextToken === undefined ? {} : { nextToken }),
    });
    if (Array.isArray(page['events'])) events.push(...page['events'].filter(isObject));
    nextToken = field(page, 'nextToken');
  } while (nextToken !== undefined);
  return events;
}

// ---------------------------------------------------------------------------------------------
// stop and redrive

interface StopFlags extends RemoteFlags {
  readonly error?: string;
  readonly cause?: string;
}

function registerStop(program: Command): void {
  const command = program
    .command('stop')
    .description('Stop a running execution (it ends ABORTED)')
    .argument('<execution>', 'execution ARN, or WORKFLOW/NAME')
    .option('--error <code>', 'error code recorded with the stop')
    .option('--cause <text>', 'cause recorded with the stop');
  remote(command)
    .addHelpText(
      'after',
      `
Examples:
  $ baton stop hello/run-1
  $ baton stop hello/run-1 --error Operator.Cancelled --cause "wrong input"`,
    )
    .action(async (execution: string, flags: StopFlags) => {
      await runRemote('stop', flags, async (context) => {
        const arn = await executionArn(context.client, execution);
        const stopped = await context.client.call('StopExecution', {
          executionArn: arn,
          ...(flags.error === undefined ? {} : { error: flags.error }),
          ...(flags.cause === undefined ? {} : { cause: flags.cause }),
        });
        if (context.format === 'json') printJson(context, { executionArn: arn, ...stopped });
        else context.out(`Stopped ${arn} at ${formatDate(stopped['stopDate']) ?? '?'}`);
        return EXIT_OK;
      });
    });
}

function registerRedrive(program: Command): void {
  const command = program
    .command('redrive')
    .description('Restart a FAILED, TIMED_OUT or ABORTED execution from the state that failed')
    .argument('<execution>', 'execution ARN, or WORKFLOW/NAME');
  remote(command)
    .addHelpText(
      'after',
      `
Examples:
  $ baton redrive hello/run-1
  $ baton redrive hello/run-1 && baton history hello/run-1`,
    )
    .action(async (execution: string, flags: RemoteFlags) => {
      await runRemote('redrive', flags, async (context) => {
        const arn = await executionArn(context.client, execution);
        const redriven = await context.client.call('RedriveExecution', { executionArn: arn });
        if (context.format === 'json') printJson(context, { executionArn: arn, ...redriven });
        else context.out(`Redriven ${arn} at ${formatDate(redriven['redriveDate']) ?? '?'}`);
        return EXIT_OK;
      });
    });
}
