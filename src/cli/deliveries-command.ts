/**
 * `baton deliveries list|show`: GitLab webhook deliveries through the REST API
 * (`/api/v1/deliveries`, admin only), with what each started or why it started nothing.
 */
import type { Command } from 'commander';
import type { JsonObject } from '../common/index.js';
import { isObject } from './client/sfn-client.js';
import type { RemoteContext, RemoteFlags } from './remote-command.js';
import {
  EXIT_OK,
  addConnectionOptions,
  addOutputOption,
  field,
  printFields,
  printJson,
  printTable,
  runRemote,
} from './remote-command.js';

interface ListFlags extends RemoteFlags {
  readonly connection?: string;
  readonly status?: string;
  readonly event?: string;
  readonly limit?: string;
}

export function registerDeliveriesCommand(program: Command): void {
  const deliveries = program
    .command('deliveries')
    .description('Show GitLab webhook deliveries and what they started (admin only)')
    .addHelpText(
      'after',
      `
Examples:
  $ baton deliveries list
  $ baton deliveries list --connection gitlab-com --status ignored --event "Push Hook"
  $ baton deliveries show 0b7f...`,
    );

  const list = deliveries
    .command('list')
    .description('List deliveries, newest first')
    .option('--connection <name>', 'only deliveries to this connection')
    .option('--status <status>', 'received, processing, processed, ignored or failed')
    .option('--event <event>', 'only this X-Gitlab-Event, e.g. "Push Hook"')
    .option('--limit <n>', 'show at most this many (default 50)');
  addOutputOption(addConnectionOptions(list)).action(async (flags: ListFlags) => {
    await runRemote('deliveries list', flags, async (context) => {
      const wanted = Number(flags.limit ?? '50');
      const all: JsonObject[] = [];
      let nextToken: string | undefined;
      do {
        const query = new URLSearchParams();
        if (flags.connection !== undefined) query.set('connection', flags.connection);
        if (flags.status !== undefined) query.set('status', flags.status);
        if (flags.event !== undefined) query.set('event', flags.event);
        query.set('limit', String(Math.min(1000, Math.max(1, wanted - all.length))));
        if (nextToken !== undefined) query.set('nextToken', nextToken);
        const page =
          (await context.client.rest(
            'GET',
            `/deliveries?${query.toString().replace(/\+/g, '%20')}`,
          )) ?? {};
        const items = page['deliveries'];
        if (Array.isArray(items)) all.push(...items.filter(isObject));
        nextToken = field(page, 'nextToken');
      } while (nextToken !== undefined && all.length < wanted);
      if (context.format === 'json') printJson(context, all);
      else printDeliveries(context, all);
      return EXIT_OK;
    });
  });

  const show = deliveries.command('show <id>').description('Show one delivery with its outcome');
  addOutputOption(addConnectionOptions(show)).action(async (id: string, flags: RemoteFlags) => {
    await runRemote('deliveries show', flags, async (context) => {
      const delivery =
        (await context.client.rest('GET', `/deliveries/${encodeURIComponent(id)}`)) ?? {};
      if (context.format === 'json') {
        printJson(context, delivery);
        return EXIT_OK;
      }
      printFields(context, [
        ['id', field(delivery, 'id')],
        ['connection', field(delivery, 'connection')],
        ['event', field(delivery, 'event')],
        ['received', field(delivery, 'receivedAt')],
        ['status', field(delivery, 'status')],
        [
          'attempts',
          typeof delivery['attempts'] === 'number' ? String(delivery['attempts']) : undefined,
        ],
        ['summary', field(delivery, 'summary')],
        ['error', field(delivery, 'error')],
      ]);
      const outcome = delivery['outcome'];
      const started =
        isObject(outcome) && Array.isArray(outcome['started']) ? outcome['started'] : [];
      if (started.length > 0) {
        context.out('');
        printTable(
          context,
          ['trigger', 'workflow', 'status', 'execution'],
          started
            .filter(isObject)
            .map((s) => [
              field(s, 'trigger') ?? '',
              field(s, 'workflow') ?? '',
              field(s, 'status') ?? '',
              field(s, 'executionArn') ?? field(s, 'reason') ?? '',
            ]),
        );
      }
      const skipped =
        isObject(outcome) && Array.isArray(outcome['skipped']) ? outcome['skipped'] : [];
      if (skipped.length > 0) {
        context.out('');
        printTable(
          context,
          ['trigger', 'not started because'],
          skipped
            .filter(isObject)
            .map((s) => [field(s, 'trigger') ?? '', field(s, 'reason') ?? '']),
        );
      }
      return EXIT_OK;
    });
  });
}

function printDeliveries(context: RemoteContext, deliveries: readonly JsonObject[]): void {
  printTable(
    context,
    ['id', 'received', 'connection', 'event', 'status', 'summary'],
    deliveries.map((d) => [
      field(d, 'id') ?? '',
      field(d, 'receivedAt') ?? '',
      field(d, 'connection') ?? '',
      field(d, 'event') ?? '',
      field(d, 'status') ?? '',
      field(d, 'summary') ?? field(d, 'error') ?? '-',
    ]),
  );
}
