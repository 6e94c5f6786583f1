/**
 * `send-task-success`, `send-task-failure` and `send-task-heartbeat`: answer a task that waits
 * for a token (`.waitForTaskToken` or an activity), as SendTask* in the Step Functions API.
 */
import type { Command } from 'commander';
import type { JsonObject } from '../common/index.js';
import { readJsonArgument } from './json-argument.js';
import type { RemoteFlags } from './remote-command.js';
import { EXIT_OK, addConnectionOptions, runRemote } from './remote-command.js';

interface TokenFlags extends RemoteFlags {
  readonly token: string;
}

interface SuccessFlags extends TokenFlags {
  /** The task's output (this command has no output format, so --output is the payload). */
  readonly taskOutput: string;
}

interface FailureFlags extends TokenFlags {
  readonly error?: string;
  readonly cause?: string;
}

export function registerTaskCommands(program: Command): void {
  const success = program
    .command('send-task-success')
    .description('Complete a waiting task with an output')
    .requiredOption('--token <token>', 'the task token')
    .requiredOption(
      '--output <json|@file>',
      'the task output, as JSON or @path to a JSON/YAML file',
    );
  addConnectionOptions(success)
    .addHelpText(
      'after',
      `
Examples:
  $ baton send-task-success --token "$TOKEN" --output '{"approved": true}'
  $ baton send-task-success --token "$TOKEN" --output @result.json`,
    )
    .action(async ({ output, ...flags }: TokenFlags & { readonly output: string }) => {
      await send('send-task-success', { ...flags, taskOutput: output }, async (f: SuccessFlags) => {
        const output = await readJsonArgument('--output', f.taskOutput);
        return ['SendTaskSuccess', { taskToken: f.token, output: JSON.stringify(output) }];
      });
    });

  const failure = program
    .command('send-task-failure')
    .description('Fail a waiting task with an error and cause (Retry and Catch see them)')
    .requiredOption('--token <token>', 'the task token')
    .option('--error <code>', 'error code, matched by ErrorEquals')
    .option('--cause <text>', 'a readable cause');
  addConnectionOptions(failure)
    .addHelpText(
      'after',
      `
Examples:
  $ baton send-task-failure --token "$TOKEN" --error Approval.Rejected --cause "tests are red"`,
    )
    .action(async (flags: FailureFlags) => {
      await send('send-task-failure', flags, (f: FailureFlags) =>
        Promise.resolve([
          'SendTaskFailure',
          {
            taskToken: f.token,
            ...(f.error === undefined ? {} : { error: f.error }),
            ...(f.cause === undefined ? {} : { cause: f.cause }),
          },
        ]),
      );
    });

  const heartbeat = program
    .command('send-task-heartbeat')
    .description('Report that a task is still being worked on (resets its HeartbeatSeconds)')
    .requiredOption('--token <token>', 'the task token');
  addConnectionOptions(heartbeat)
    .addHelpText(
      'after',
      `
Examples:
  $ baton send-task-heartbeat --token "$TOKEN"`,
    )
    .action(async (flags: TokenFlags) => {
      await send('send-task-heartbeat', flags, (f: TokenFlags) =>
        Promise.resolve(['SendTaskHeartbeat', { taskToken: f.token }]),
      );
    });
}

async function send<F extends TokenFlags>(
  name: string,
  flags: F,
  request: (flags: F) => Promise<readonly [string, JsonObject]>,
): Promise<void> {
  await runRemote(name, flags, async (context) => {
    const [action, body] = await request(flags);
    await context.client.call(action, body);
    context.err(`${action}: OK`);
    return EXIT_OK;
  });
}
