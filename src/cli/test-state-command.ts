/** `baton test-state FILE --state NAME`: evaluate one state and show every stage. */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { JsonObject, JsonValue } from '../common/index.js';
import { isJsonObject, jsonEquals } from '../common/index.js';
import type { InspectionStage, StateInspection } from '../language/index.js';
import { inspectState } from '../language/index.js';
import { LocalRunnerError, parseOutcome } from '../local/index.js';
import { formatDiagnostic, loadDefinitionFile } from './definition-file.js';
import { CliUsageError, readJsonArgument } from './json-argument.js';

interface TestStateFlags {
  readonly state: string;
  readonly input: string;
  readonly mock?: string;
  readonly variables?: string;
  readonly retryAttempts?: string;
  readonly format: 'text' | 'json';
}

export function registerTestStateCommand(program: Command): void {
  program
    .command('test-state')
    .description(
      'Evaluate one state in isolation and show each stage (like Step Functions TestState, DEBUG)',
    )
    .argument('<file>', 'definition file (.json, .yaml or .yml)')
    .requiredOption('-s, --state <name>', 'the state to evaluate (at any depth)')
    .option('-i, --input <json|@file>', 'the state input', '{}')
    .option(
      '-m, --mock <json|@file>',
      'result or error of a Task/Parallel/Map: {"result": ...} or {"error": "...", "cause": "..."}',
    )
    .option('--variables <json|@file>', 'workflow variables visible to the state, as an object')
    .option(
      '--retry-attempts <n,n,...>',
      'retries already made per Retrier, to see if another is allowed',
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .addHelpText(
      'after',
      `
Examples:
  $ baton test-state examples/release-train.asl.yaml --state "Deploy to dev" \
      --input @examples/release-train.input.json \
      --mock '{"result": {"StatusCode": 200, "ResponseBody": {"id": "d-1"}}}'
  $ baton test-state examples/release-train.asl.yaml --state "All green?" \
      --input '{"smoke": [{"status": 200}, {"status": 500}]}'
  $ baton test-state examples/release-train.asl.yaml --state "Deploy to dev" \
      --mock '{"error": "States.Http.StatusCode.503"}' --retry-attempts 1

Status is SUCCEEDED, FAILED, RETRIABLE (a Retrier would run the state again) or CAUGHT_ERROR
(a Catcher takes over). Exit status: 0 for SUCCEEDED and CAUGHT_ERROR, 1 for FAILED and
RETRIABLE, 2 for bad arguments or an invalid definition.`,
    )
    .action(async (file: string, flags: TestStateFlags) => {
      process.exitCode = await testStateCommand(file, flags);
    });
}

async function testStateCommand(file: string, flags: TestStateFlags): Promise<number> {
  const loaded = await loadDefinitionFile(file);
  if (!loaded.ok) {
    for (const d of loaded.diagnostics) console.error(formatDiagnostic(file, d));
    return 2;
  }
  let inspection: StateInspection;
  try {
    const input = await readJsonArgument('--input', flags.input);
    const mock =
      flags.mock === undefined
        ? undefined
        : parseOutcome(await readJsonArgument('--mock', flags.mock), '--mock', '');
    const variables = flags.variables === undefined ? {} : await readVariables(flags.variables);
    inspection = await inspectState(loaded.definition, flags.state, {
      input,
      now: new Date().toISOString(),
      variables,
      retryAttempts: parseAttempts(flags.retryAttempts),
      ...(mock === undefined ? {} : { mock: 'result' in mock ? { result: mock.result } : mock }),
    });
    const expected = mock?.expectInput;
    const scheduled = inspection.inspectionData.scheduled;
    if (expected !== undefined && (scheduled === undefined || !jsonEquals(expected, scheduled))) {
      console.log(renderInspection(flags.state, inspection));
      console.error(
        `baton test-state: the state sent ${JSON.stringify(scheduled ?? null)} but the mock's expectInput is ${JSON.stringify(expected)}`,
      );
      return 1;
    }
  } catch (error: unknown) {
    if (
      error instanceof CliUsageError ||
      error instanceof LocalRunnerError ||
      error instanceof RangeError
    ) {
      console.error(`baton test-state: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (flags.format === 'json') console.log(JSON.stringify(inspection, null, 2));
  else console.log(renderInspection(flags.state, inspection));
  return inspection.status === 'SUCCEEDED' || inspection.status === 'CAUGHT_ERROR' ? 0 : 1;
}

async function readVariables(raw: string): Promise<JsonObject> {
  const value = await readJsonArgument('--variables', raw);
  if (!isJsonObject(value))
    throw new CliUsageError('--variables: give an object, e.g. {"region": "eu-west-1"}');
  return value;
}

function parseAttempts(raw: string | undefined): number[] {
  if (raw === undefined || raw === '') return [];
  return raw.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 0) {
      throw new CliUsageError(
        `--retry-attempts: "${part}" is not a non-negative integer (e.g. 2,0)`,
      );
    }
    return n;
  });
}

const STAGE_LABELS: readonly [InspectionStage, string][] = [
  ['afterInputPath', 'after InputPath'],
  ['afterParameters', 'after Parameters'],
  ['afterArguments', 'after Arguments'],
  ['result', 'result'],
  ['afterResultSelector', 'after ResultSelector'],
  ['afterResultPath', 'after ResultPath'],
];

/** The stages in evaluation order, one labelled block each. */
export function renderInspection(stateName: string, inspection: StateInspection): string {
  const lines = [`State ${stateName}: ${inspection.status}`];
  const show = (label: string, value: JsonValue | undefined): void => {
    if (value !== undefined) lines.push(`  ${label.padEnd(22)}${JSON.stringify(value)}`);
  };
  const { inspectionData: data } = inspection;
  show('input', data.input);
  for (const [key, label] of STAGE_LABELS) show(label, data.stages[key]);
  show('scheduled', data.scheduled);
  show('output', inspection.output);
  show('variables', data.variables);
  if (inspection.error !== undefined) show('error', inspection.error);
  if (inspection.cause !== undefined) show('cause', inspection.cause);
  if (inspection.retryDelaySeconds !== undefined)
    show('retry in (s)', inspection.retryDelaySeconds);
  lines.push(
    `  ${'next state'.padEnd(22)}${inspection.nextState ?? '(none: the branch ends here)'}`,
  );
  return lines.join('\n');
}
