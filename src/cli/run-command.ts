/** `baton run FILE`: run a workflow in memory with the local runner. */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { HistoryEvent, JsonValue } from '../language/index.js';
import { toAwsHistoryEvent } from '../language/index.js';
import type { LocalRunResult, MockTable, WaitMode } from '../local/index.js';
import { LocalRunnerError, parseMockTable, runLocal } from '../local/index.js';
import { formatDiagnostic, loadDefinitionFile } from './definition-file.js';
import { CliUsageError, readJsonArgument } from './json-argument.js';

interface RunFlags {
  readonly input: string;
  readonly mock?: string;
  readonly trace?: boolean;
  readonly waitScale?: string;
  readonly name?: string;
  readonly seed?: string;
  readonly payloadLimit?: string;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run a workflow in memory and print its output (exit 1 when it fails)')
    .argument('<file>', 'definition file (.json, .yaml or .yml)')
    .option(
      '-i, --input <json|@file>',
      'execution input, as JSON or @path to a JSON/YAML file',
      '{}',
    )
    .option('-m, --mock <file>', 'task results keyed by state name or resource (JSON or YAML)')
    .option(
      '-t, --trace',
      "print each state's input and output, then the history in Step Functions' format",
    )
    .addOption(
      new Option(
        '--wait-scale <factor>',
        'really wait: 1 = real time, 0.01 = 100x faster (default: Wait states and retry delays pass instantly)',
      ),
    )
    .option('--name <name>', 'execution name', 'local')
    .option('--seed <n>', 'seed for States.UUID, States.MathRandom, $random and $uuid')
    .option('--payload-limit <bytes>', 'payload size limit in bytes (AWS: 262144)')
    .addHelpText(
      'after',
      `
Examples:
  $ baton run examples/hello.asl.json --input '{"name": "Ada", "hour": 15}'
  $ baton run examples/release-train.asl.yaml --input @examples/release-train.input.json \
      --mock examples/release-train.mocks.json --trace
  $ baton run examples/release-train.asl.yaml --input @examples/release-train.input.json \
      --mock examples/release-train.mocks.json --wait-scale 0.5

A mock file maps a state name (or a resource ARN) to an outcome or a sequence of outcomes:
  {"Deploy": {"result": {"id": 7}},
   "Flaky":  [{"error": "Http.ServerError", "cause": "502"}, {"result": "ok"}]}`,
    )
    .action(async (file: string, flags: RunFlags) => {
      process.exitCode = await runCommand(file, flags);
    });
}

async function runCommand(file: string, flags: RunFlags): Promise<number> {
  const loaded = await loadDefinitionFile(file);
  if (!loaded.ok) {
    for (const d of loaded.diagnostics) console.error(formatDiagnostic(file, d));
    return 2;
  }
  let input: JsonValue;
  let mocks: MockTable = {};
  try {
    input = await readJsonArgument('--input', flags.input);
    if (flags.mock !== undefined)
      mocks = parseMockTable(await readJsonArgument('--mock', `@${flags.mock}`), flags.mock);
  } catch (error: unknown) {
    if (error instanceof CliUsageError || error instanceof LocalRunnerError) {
      console.error(`baton run: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const history: HistoryEvent[] = [];
  let result: LocalRunResult;
  try {
    const waits = waitMode(flags.waitScale);
    result = await runLocal(loaded.definition, {
      input,
      mocks,
      executionName: flags.name ?? 'local',
      stateMachineName: stateMachineNameOf(file),
      startTime: new Date().toISOString(),
      waits,
      ...(flags.seed === undefined
        ? {}
        : { seed: integerOption('--seed', flags.seed, -(2 ** 31)) }),
      ...(flags.payloadLimit === undefined
        ? {}
        : { payloadLimitBytes: integerOption('--payload-limit', flags.payloadLimit, 1) }),
      onWait: ({ purpose, realMilliseconds, dueAt }) => {
        if (realMilliseconds >= 1000) {
          const what = {
            wait: 'Wait state',
            retry: 'retry back-off',
            'execution-timeout': 'execution timeout',
          }[purpose];
          console.error(
            `… waiting ${(realMilliseconds / 1000).toFixed(1)}s for the ${what ?? purpose} (virtual ${dueAt})`,
          );
        }
      },
      onEvent: (event) => {
        history.push(event);
        if (flags.trace) console.error(traceLine(event));
      },
    });
  } catch (error: unknown) {
    if (error instanceof LocalRunnerError || error instanceof CliUsageError) {
      console.error(`baton run: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (flags.trace) {
    console.error(JSON.stringify({ events: history.map(toAwsHistoryEvent) }, null, 2));
  }
  if (result.status === 'SUCCEEDED') {
    console.log(JSON.stringify(result.output, null, 2));
    return 0;
  }
  console.error(`Execution ${result.status}`);
  console.error(`Error: ${result.error}`);
  console.error(`Cause: ${result.cause}`);
  return 1;
}

/** An integer option; a typo must not silently become 0 or switch a limit off. */
function integerOption(option: string, raw: string, minimum: number): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < minimum) {
    throw new CliUsageError(`${option}: "${raw}" is not an integer of at least ${minimum}`);
  }
  return value;
}

function waitMode(scale: string | undefined): WaitMode {
  if (scale === undefined) return 'virtual';
  const factor = Number(scale);
  if (!Number.isFinite(factor) || factor < 0) {
    throw new CliUsageError(
      `--wait-scale: "${scale}" is not a non-negative number (try 1 or 0.01)`,
    );
  }
  return factor;
}

function stateMachineNameOf(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? 'workflow';
  return base.replace(/\.(asl\.)?(json|ya?ml)$/i, '') || 'workflow';
}

/** One readable line per history event: what entered or left, with its data. */
function traceLine(event: HistoryEvent): string {
  const details = Object.entries(event).find(([key]) => key.endsWith('EventDetails'))?.[1];
  const summary = details === undefined ? '' : ` ${JSON.stringify(details)}`;
  return `[${event.id}] ${event.timestamp} ${event.type}${summary}`;
}
