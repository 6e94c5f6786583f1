/**
 * `baton triggers list|show|apply FILE|delete`: GitLab triggers through the REST API
 * (`/api/v1/triggers`, admin only). `apply` checks the whole file first, offline, reporting
 * problems as `file:line:column`, then sends the whole set in one `PUT /api/v1/triggers`: the
 * server checks it again and creates or replaces every trigger in one transaction, so a
 * failure applies none of them. Triggers the file does not name are left alone.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { JsonObject } from '../common/index.js';
import { readTriggersText } from '../gitlab/triggers/trigger-file.js';
import { TriggerFileError } from '../gitlab/triggers/trigger-file.js';
import { ClientError, isObject } from './client/sfn-client.js';
import type { RemoteFlags } from './remote-command.js';
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  addConnectionOptions,
  addOutputOption,
  field,
  listAll,
  printJson,
  printTable,
  runRemote,
} from './remote-command.js';

export function registerTriggersCommand(program: Command): void {
  const triggers = program
    .command('triggers')
    .description('Manage GitLab triggers (admin only)')
    .addHelpText(
      'after',
      `
Examples:
  $ baton triggers apply triggers.yaml   # creates or replaces every trigger in the file, all or none
  $ baton triggers list
  $ baton triggers show build-main
  $ baton triggers delete build-main`,
    );

  const list = triggers.command('list').description('List the triggers');
  addOutputOption(addConnectionOptions(list)).action(async (flags: RemoteFlags) => {
    await runRemote('triggers list', flags, async (context) => {
      const all = await listAll(context, '/triggers', 'triggers');
      if (context.format === 'json') printJson(context, all);
      else
        printTable(
          context,
          ['name', 'source', 'workflow', 'events'],
          all.map((t) => {
            const rule = isObject(t['rule']) ? t['rule'] : {};
            const events = rule['events'];
            return [
              field(t, 'name') ?? '',
              field(t, 'source') ?? '',
              field(rule, 'workflow') ?? '',
              Array.isArray(events) ? events.join(',') : '',
            ];
          }),
        );
      return EXIT_OK;
    });
  });

  const show = triggers.command('show <name>').description('Show one trigger');
  addOutputOption(addConnectionOptions(show)).action(async (name: string, flags: RemoteFlags) => {
    await runRemote('triggers show', flags, async (context) => {
      const trigger = await context.client.rest('GET', `/triggers/${encodeURIComponent(name)}`);
      printJson(context, trigger ?? {});
      return EXIT_OK;
    });
  });

  const apply = triggers
    .command('apply <file>')
    .description('Create or replace the triggers a YAML or JSON file lists');
  addOutputOption(addConnectionOptions(apply)).action(async (file: string, flags: RemoteFlags) => {
    await runRemote('triggers apply', flags, async (context) => {
      let rules;
      try {
        rules = readTriggersText(readFileSync(file, 'utf8'), file);
      } catch (error: unknown) {
        if (error instanceof TriggerFileError) {
          for (const problem of error.problems) context.err(problem);
          context.err(`baton triggers apply: ${file} has problems; nothing was applied.`);
          return EXIT_USAGE;
        }
        if (error instanceof Error && 'code' in error) {
          context.err(`baton triggers apply: cannot read ${file}: ${error.message}`);
          return EXIT_USAGE;
        }
        throw error;
      }
      const body = {
        triggers: rules.map((rule): JsonObject => {
          const parsed: unknown = JSON.parse(rule.definition);
          return isObject(parsed) ? parsed : {};
        }),
      };
      let answer: JsonObject;
      try {
        answer = (await context.client.rest('PUT', '/triggers', body)) ?? {};
      } catch (error: unknown) {
        if (!(error instanceof ClientError)) throw error;
        context.err(`baton triggers apply: ${error.message}`);
        // A refusal (4xx) comes before the transaction; after a 5xx or a lost connection
        // the transaction may have committed, and applying the same file again is harmless.
        if (error.kind === 'request' || error.kind === 'auth') {
          context.err(`baton triggers apply: the server refused ${file}; nothing was applied.`);
          return EXIT_USAGE;
        }
        context.err(
          `baton triggers apply: ${file} may or may not have been applied; applying it again is safe.`,
        );
        return EXIT_FAILED;
      }
      const items = answer['triggers'];
      const applied = (Array.isArray(items) ? items.filter(isObject) : []).map((t) => ({
        name: field(t, 'name') ?? '',
        result: field(t, 'result') ?? '',
        updatedAt: field(t, 'updatedAt') ?? null,
      }));
      if (context.format === 'json') printJson(context, applied);
      else for (const trigger of applied) context.out(`${trigger.result} ${trigger.name}`);
      return EXIT_OK;
    });
  });

  const remove = triggers.command('delete <name>').description('Delete a trigger');
  addOutputOption(addConnectionOptions(remove)).action(async (name: string, flags: RemoteFlags) => {
    await runRemote('triggers delete', flags, async (context) => {
      await context.client.rest('DELETE', `/triggers/${encodeURIComponent(name)}`);
      if (context.format === 'json') printJson(context, { name, deleted: true });
      else context.out(`Deleted ${name}`);
      return EXIT_OK;
    });
  });
}
