import { Command } from 'commander';
import { registerRunCommand } from './run-command.js';
import { registerServerCommand } from './server-command.js';
import { registerTestStateCommand } from './test-state-command.js';
import { registerValidateCommand } from './validate-command.js';

/** Builds the `baton` command tree. Each subcommand registers itself from its own file. */
export function buildProgram(): Command {
  const program = new Command('baton')
    .description('Baton: durable ASL workflows for GitLab CI/CD')
    .version('0.1.0')
    .showHelpAfterError()
    // Usage errors exit with 2, as each command documents: 1 means a workflow or state failed.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
  registerValidateCommand(program);
  registerRunCommand(program);
  registerTestStateCommand(program);
  registerServerCommand(program);
  program.addHelpText(
    'after',
    `
Examples:
  $ baton validate examples/*.asl.*
  $ baton run examples/hello.asl.json --input @examples/hello.input.json
  $ baton test-state examples/release-train.asl.yaml --state "All green?" \\
      --input '{"smoke": [{"status": 200}, {"status": 200}]}'
  $ baton server --port 8420 --workflows examples

Run \`baton <command> --help\` for each command's options and examples.`,
  );
  return program;
}

await buildProgram().parseAsync(process.argv);
