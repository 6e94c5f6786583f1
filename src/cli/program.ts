import { Command } from 'commander';
import { registerCiCommand } from './ci-command.js';
import { registerCompletionCommand } from './completion-command.js';
import { registerConnectionsCommand } from './connections-command.js';
import { registerDeployCommand } from './deploy-command.js';
// part C: GitLab webhook deliveries and triggers
import { registerDeliveriesCommand } from './deliveries-command.js';
import { registerTriggersCommand } from './triggers-command.js';
import { registerExecutionCommands } from './execution-commands.js';
import { registerKeysCommand } from './keys-command.js';
import { registerRunCommand } from './run-command.js';
import { registerServerCommand } from './server-command.js';
import { registerStartCommand } from './start-command.js';
import { registerTaskCommands } from './task-commands.js';
import { registerTestStateCommand } from './test-state-command.js';
import { registerValidateCommand } from './validate-command.js';
import { registerWorkerCommand } from './worker-command.js';

/** Builds the `baton` command tree. Each subcommand registers itself from its own file. */
export function buildProgram(): Command {
  const program = new Command('baton')
    .description('Baton: durable ASL workflows for GitLab CI/CD')
    .version('0.1.0')
    .showHelpAfterError()
    // Program options only before the command: `start --version 3` is the workflow version.
    .enablePositionalOptions()
    // Usage errors exit with 2, as each command documents: 1 means a workflow or state failed.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  registerValidateCommand(program);
  registerRunCommand(program);
  registerTestStateCommand(program);
  registerServerCommand(program);
  registerDeployCommand(program);
  registerStartCommand(program);
  registerExecutionCommands(program);
  registerTaskCommands(program);
  registerWorkerCommand(program);
  registerKeysCommand(program);
  registerConnectionsCommand(program);
  registerCiCommand(program);
  // part C: GitLab webhook deliveries and triggers
  registerDeliveriesCommand(program);
  registerTriggersCommand(program);
  registerCompletionCommand(program);
  program.addHelpText(
    'after',
    `
Examples:
  $ baton validate examples/*.asl.*
  $ baton run examples/hello.asl.json --input @examples/hello.input.json
  $ baton test-state examples/release-train.asl.yaml --state "All green?" \\
      --input '{"smoke": [{"status": 200}, {"status": 200}]}'
  $ baton server --port 8420 --workflows examples
  $ baton deploy examples/hello.asl.json --alias prod
  $ baton start hello --input @examples/hello.input.json --wait
  $ baton executions --workflow hello --status FAILED
  $ baton history hello/run-1
  $ baton worker --activity greet -- ./greet.sh

Commands that talk to a server find it with --url (BATON_URL, default http://127.0.0.1:8420)
and sign with --access-key-id/--secret-access-key (BATON_ACCESS_KEY_ID/BATON_SECRET_ACCESS_KEY,
a config file, or ./.baton/admin-credentials). Exit status: 0 success, 1 failed (an execution
failed, the server is unreachable), 2 a usage or input error.

Run \`baton <command> --help\` for each command's options and examples.`,
  );
  return program;
}
