/**
 * `baton deploy FILE`: validates a definition locally (file:line:col diagnostics, exit 2), then
 * creates the workflow or updates it when its definition changed, optionally publishes a
 * version, and creates or moves an alias to that version.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { JsonObject } from '../common/index.js';
import { readDefinitionText } from '../definition-source/index.js';
import { ClientError } from './client/sfn-client.js';
import type { SfnClient } from './client/sfn-client.js';
import { formatDiagnostic, loadDefinitionText } from './definition-file.js';
import type { RemoteContext, RemoteFlags } from './remote-command.js';
import {
  EXIT_OK,
  EXIT_USAGE,
  addConnectionOptions,
  addOutputOption,
  field,
  printFields,
  printJson,
  runRemote,
  workflowArn,
} from './remote-command.js';

interface DeployFlags extends RemoteFlags {
  readonly name?: string;
  readonly publish?: boolean;
  readonly alias?: string;
  readonly roleArn?: string;
  readonly description?: string;
}

export function registerDeployCommand(program: Command): void {
  const command = program
    .command('deploy')
    .description(
      'Validate a definition, then create or update the workflow (publish a version, move an alias)',
    )
    .argument('<file>', 'definition file (.json, .yaml or .yml)')
    .option('--name <name>', 'workflow name (default: the file name without .asl.json/.asl.yaml)')
    .option('--publish', 'publish a version of the deployed definition')
    .option(
      '--alias <name>',
      'create or move this alias to the published version (implies --publish)',
    )
    .option('--description <text>', 'description of the published version')
    .option(
      '--role-arn <arn>',
      'execution role ARN stored with the workflow (Baton does not assume it)',
    );
  addConnectionOptions(command);
  addOutputOption(command);
  command
    .addHelpText(
      'after',
      `
Examples:
  $ baton deploy examples/hello.asl.json
  $ baton deploy examples/release-train.asl.yaml --name release-train --alias prod
  $ baton deploy workflow.yaml --publish --description "adds the smoke tests" --output json

An invalid definition is reported as file:line:col and nothing is sent (exit 2).`,
    )
    .action(async (file: string, flags: DeployFlags) => {
      await runRemote('deploy', flags, (context) => deploy(context, file, flags));
    });
}

type Change = 'created' | 'updated' | 'unchanged';

async function deploy(context: RemoteContext, file: string, flags: DeployFlags): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error: unknown) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    context.err(`baton deploy: cannot read ${file} (${code}): check the path`);
    return EXIT_USAGE;
  }
  const loaded = loadDefinitionText(text, file);
  const parsed = readDefinitionText(text, file);
  if (!loaded.ok || !parsed.ok) {
    const diagnostics = loaded.ok ? [] : loaded.diagnostics;
    for (const d of diagnostics) context.err(formatDiagnostic(file, d));
    context.err(`baton deploy: ${file} is not a valid definition; nothing was deployed.`);
    return EXIT_USAGE;
  }
  const name = flags.name ?? workflowName(file);
  const definition = JSON.stringify(parsed.value, null, 2);
  const publish = flags.publish === true || flags.alias !== undefined;
  const { client } = context;

  const existing = await describeIfExists(client, name);
  let arn: string;
  let change: Change;
  let versionArn: string | undefined;
  const publishing = publish
    ? {
        publish: true,
        ...(flags.description === undefined ? {} : { versionDescription: flags.description }),
      }
    : {};
  if (existing === undefined) {
    const created = await client.call('CreateStateMachine', {
      name,
      definition,
      roleArn: flags.roleArn ?? `arn:aws:iam::${await client.resolveAccount()}:role/baton`,
      ...publishing,
    });
    arn = field(created, 'stateMachineArn') ?? (await workflowArn(client, name));
    versionArn = field(created, 'stateMachineVersionArn');
    change = 'created';
  } else {
    arn = existing.arn;
    if (existing.definition === definition) {
      change = 'unchanged';
    } else {
      const updated = await client.call('UpdateStateMachine', {
        stateMachineArn: arn,
        definition,
        ...publishing,
      });
      versionArn = field(updated, 'stateMachineVersionArn');
      change = 'updated';
    }
    if (publish && versionArn === undefined) {
      // Publishing a revision that already has a version returns that version.
      const published = await client.call('PublishStateMachineVersion', {
        stateMachineArn: arn,
        ...(flags.description === undefined ? {} : { description: flags.description }),
      });
      versionArn = field(published, 'stateMachineVersionArn');
    }
  }
  const aliasArn =
    flags.alias !== undefined && versionArn !== undefined
      ? await pointAlias(client, arn, flags.alias, versionArn)
      : undefined;

  const result: JsonObject = {
    workflow: name,
    stateMachineArn: arn,
    change,
    ...(versionArn === undefined ? {} : { stateMachineVersionArn: versionArn }),
    ...(aliasArn === undefined ? {} : { stateMachineAliasArn: aliasArn }),
  };
  if (context.format === 'json') {
    printJson(context, result);
  } else {
    const verb = { created: 'Created', updated: 'Updated', unchanged: 'Unchanged' }[change];
    context.out(`${verb} workflow ${name} from ${file}`);
    printFields(context, [
      ['ARN', arn],
      ['Version', versionArn],
      ['Alias', aliasArn === undefined ? undefined : `${flags.alias ?? ''} -> ${versionArn ?? ''}`],
    ]);
  }
  return EXIT_OK;
}

/** `hello.asl.json` -> `hello`, `release-train.yaml` -> `release-train`. */
export function workflowName(file: string): string {
  return basename(file).replace(/(\.asl)?\.(json|ya?ml)$/i, '');
}

async function describeIfExists(
  client: SfnClient,
  name: string,
): Promise<{ readonly arn: string; readonly definition: string } | undefined> {
  const arn = await workflowArn(client, name);
  try {
    const described = await client.call('DescribeStateMachine', { stateMachineArn: arn });
    return { arn, definition: field(described, 'definition') ?? '' };
  } catch (error: unknown) {
    // An unknown workflow is one to create. InvalidArn: no workflow exists yet to learn the
    // server's account from, so this one does not exist either.
    if (
      error instanceof ClientError &&
      (error.type === 'StateMachineDoesNotExist' || error.type === 'InvalidArn')
    )
      return undefined;
    throw error;
  }
}

async function pointAlias(
  client: SfnClient,
  stateMachineArn: string,
  alias: string,
  versionArn: string,
): Promise<string> {
  const aliasArn = `${stateMachineArn}:${alias}`;
  const routingConfiguration = [{ stateMachineVersionArn: versionArn, weight: 100 }];
  try {
    await client.call('DescribeStateMachineAlias', { stateMachineAliasArn: aliasArn });
  } catch (error: unknown) {
    if (error instanceof ClientError && error.type === 'ResourceNotFound') {
      const created = await client.call('CreateStateMachineAlias', {
        name: alias,
        routingConfiguration,
      });
      return field(created, 'stateMachineAliasArn') ?? aliasArn;
    }
    throw error;
  }
  await client.call('UpdateStateMachineAlias', {
    stateMachineAliasArn: aliasArn,
    routingConfiguration,
  });
  return aliasArn;
}
