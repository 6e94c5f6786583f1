/**
 * `baton keys`: the server's access keys, through the REST API (`/api/v1/keys`, admin only).
 * A new key's secret is printed once, by `create`; nothing else ever shows a secret.
 */
import type { Command } from 'commander';
import type { JsonObject } from '../common/index.js';
import type { RemoteContext, RemoteFlags } from './remote-command.js';
import {
  EXIT_OK,
  addConnectionOptions,
  addOutputOption,
  field,
  listAll,
  printFields,
  printJson,
  printTable,
  runRemote,
} from './remote-command.js';

export function registerKeysCommand(program: Command): void {
  const keys = program
    .command('keys')
    .description("Manage the server's access keys (admin only)")
    .addHelpText(
      'after',
      `
Examples:
  $ baton keys create ci-deployer        # prints the new key's secret, once
  $ baton keys list
  $ baton keys disable BKIA...           # refused at once on this node, within seconds on others
  $ baton keys enable BKIA...
  $ baton keys delete BKIA...`,
    );

  const create = keys
    .command('create <name>')
    .description('Issue a key for NAME and print its secret (shown only now)');
  addOutputOption(addConnectionOptions(create)).action(async (name: string, flags: RemoteFlags) => {
    await runRemote('keys create', flags, async (context) => {
      const key = (await context.client.rest('POST', '/keys', { name })) ?? {};
      if (context.format === 'json') printJson(context, key);
      else {
        printFields(context, [
          ['accessKeyId', field(key, 'accessKeyId')],
          ['secretAccessKey', field(key, 'secretAccessKey')],
          ['name', field(key, 'name')],
        ]);
        context.err('The secret is shown only now: store it where the key will be used.');
      }
      return EXIT_OK;
    });
  });

  const list = keys.command('list').description('List the keys (never their secrets)');
  addOutputOption(addConnectionOptions(list)).action(async (flags: RemoteFlags) => {
    await runRemote('keys list', flags, async (context) => {
      const all = await listAll(context, '/keys', 'keys');
      if (context.format === 'json') printJson(context, all);
      else printKeys(context, all);
      return EXIT_OK;
    });
  });

  for (const [verb, description] of [
    ['disable', 'Disable a key: requests it signs are refused'],
    ['enable', 'Enable a disabled key again'],
    ['delete', 'Delete a key for good'],
  ] as const) {
    const command = keys.command(`${verb} <accessKeyId>`).description(description);
    addOutputOption(addConnectionOptions(command)).action(
      async (id: string, flags: RemoteFlags) => {
        await runRemote(`keys ${verb}`, flags, async (context) => {
          const path = `/keys/${encodeURIComponent(id)}`;
          const key =
            verb === 'delete'
              ? await context.client.rest('DELETE', path)
              : await context.client.rest('POST', `${path}/${verb}`);
          if (context.format === 'json')
            printJson(context, key ?? { accessKeyId: id, deleted: true });
          else
            context.out(
              verb === 'delete'
                ? `Deleted ${id}`
                : `${id} is ${field(key ?? {}, 'status') ?? verb}`,
            );
          return EXIT_OK;
        });
      },
    );
  }
}

function printKeys(context: RemoteContext, keys: readonly JsonObject[]): void {
  printTable(
    context,
    ['accessKeyId', 'name', 'status', 'lastUsedAt'],
    keys.map((k) => [
      field(k, 'accessKeyId') ?? '',
      field(k, 'name') ?? '',
      field(k, 'status') ?? '',
      field(k, 'lastUsedAt') ?? '-',
    ]),
  );
}
