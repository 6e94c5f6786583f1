import { Command } from 'commander';

/** Builds the `baton` command tree. Each subcommand registers itself from its own file. */
export function buildProgram(): Command {
  const program = new Command('baton')
    .description('Baton: durable ASL workflows for GitLab CI/CD')
    .version('0.1.0')
    .showHelpAfterError();
  return program;
}

await buildProgram().parseAsync(process.argv);
