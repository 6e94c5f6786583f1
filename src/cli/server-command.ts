/**
 * `baton server`: runs the Baton server until SIGINT or SIGTERM. JSON logs go to stdout; the
 * human lines (the URL, loaded workflows, configuration problems, shutdown) go to stderr, so
 * stdout stays one JSON object per line for a log collector.
 *
 * Exit codes: 0 after a graceful shutdown, 1 when the server cannot start (the store is
 * unreachable, the port is taken), 2 for invalid settings, 128+signal on a second signal.
 */
import type { Command } from 'commander';
import type { BatonConfig } from '../config/index.js';
import { CONFIG_ENV, SETTINGS, loadConfig, redactSecrets } from '../config/index.js';

interface ServerFlags extends Record<string, unknown> {
  readonly workflows?: string;
}

/** Placeholder of each flag's value in `--help`. */
const PLACEHOLDER: Readonly<Record<string, string>> = {
  host: 'address',
  port: 'port',
  dataDir: 'dir',
  databaseUrl: 'url',
  logLevel: 'level',
  bodyLimit: 'size',
  retentionMs: 'duration',
  pollIntervalMs: 'duration',
  leaseMs: 'duration',
  shutdownTimeoutMs: 'duration',
  deliveryRetentionMs: 'duration',
};

export function registerServerCommand(program: Command): void {
  const command = program
    .command('server')
    .description('Run the Baton server (Step Functions API, probes, metrics) until stopped');
  for (const setting of SETTINGS) {
    command.option(
      `${setting.flag} <${PLACEHOLDER[setting.key] ?? 'value'}>`,
      `${setting.description} [env ${setting.env}; default ${setting.defaultText}]`,
    );
  }
  command
    .option('--config <path>', `YAML or JSON file of settings [env ${CONFIG_ENV}]`)
    .option(
      '--workflows <dir>',
      'load every NAME.asl.json / NAME.asl.yaml in <dir> as workflow NAME (created or updated) before listening',
    )
    .addHelpText(
      'after',
      `
Settings come from, lowest to highest precedence: defaults, the config file, BATON_*
environment variables, flags. Durations take ms, s, m, h or d (90d); sizes b, kb or mb (1mb).

JSON logs go to stdout; the URL and other messages for people go to stderr.
SIGINT or SIGTERM shuts down gracefully (exit 0); a second signal exits at once.

Examples:
  $ baton server
  $ baton server --port 9000 --data-dir /var/lib/baton --log-level warn
  $ BATON_DATABASE_URL=postgres://baton:secret@db:5432/baton baton server --host 0.0.0.0
  $ baton server --config baton.yaml --workflows examples`,
    )
    .action(async (flags: ServerFlags) => {
      await serve(flags);
    });
}

async function serve(flags: ServerFlags): Promise<void> {
  const loaded = loadConfig({ cwd: process.cwd(), env: process.env, flags });
  if (!loaded.ok) {
    for (const problem of loaded.problems) process.stderr.write(`baton server: ${problem}\n`);
    process.stderr.write(
      'baton server: fix the settings above; `baton server --help` lists them.\n',
    );
    process.exit(2);
  }
  for (const warning of loaded.warnings) process.stderr.write(`baton server: ${warning}\n`);
  const { config } = loaded;

  // Signals are handled from now on, so one that comes while starting is not lost: the server
  // closes as soon as it is up. A second signal exits at once.
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      process.stderr.write(`${signal} again: exiting now.\n`);
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    }
    process.stderr.write(`${signal}: shutting down (send it again to exit at once)...\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  // Loaded here, not at the top: the other commands never need the server's dependencies.
  const { startBaton } = await import('../main.js');
  let server: Awaited<ReturnType<typeof startBaton>>;
  try {
    server = await startBaton(config, {
      signal: stop.signal,
      ...(flags.workflows === undefined ? {} : { workflowsDir: flags.workflows }),
    });
  } catch (error: unknown) {
    process.stderr.write(`baton server: cannot start: ${startFailure(error, config)}\n`);
    process.exit(1);
  }

  for (const result of server.workflowFiles) {
    if (result.outcome === 'skipped') {
      process.stderr.write(`Skipped ${result.file}:\n`);
      for (const problem of result.problems) process.stderr.write(`  ${problem}\n`);
    } else {
      process.stderr.write(`Workflow ${result.workflow} ${result.outcome} from ${result.file}\n`);
    }
  }
  process.stderr.write(`Baton is listening on ${server.url}\n`);
  const admin = server.adminCredential;
  if (admin !== undefined) {
    // Shown this once, on the terminal only (never in the logs); kept in the file for later.
    process.stderr.write(
      [
        '',
        'Created the admin access key (shown only now; also saved, readable only by you, in',
        `${admin.file} as AWS profile "baton"):`,
        `  AWS_ACCESS_KEY_ID=${admin.accessKeyId}`,
        `  AWS_SECRET_ACCESS_KEY=${admin.secretAccessKey}`,
        'Try it with the AWS CLI:',
        `  AWS_SHARED_CREDENTIALS_FILE=${admin.file} aws stepfunctions list-state-machines \\`,
        `    --profile baton --region ${config.region} --endpoint-url ${server.url}`,
        '',
      ].join('\n'),
    );
  }

  if (!stop.signal.aborted)
    await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
  try {
    await server.close();
  } catch (error: unknown) {
    process.stderr.write(`baton server: shutdown failed: ${startFailure(error, config)}\n`);
    process.exit(1);
  }
  process.exit(0);
}

/** Why the server could not start, with what to do, secrets masked. */
function startFailure(error: unknown, config: BatonConfig): string {
  const message = redactSecrets(error instanceof Error ? error.message : String(error), config);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE')
    return `${message}. Another process uses port ${config.port}: stop it, or pick another port with --port.`;
  if (code === 'EACCES')
    return `${message}. Ports below 1024 need privileges: pick another port with --port.`;
  if (code === 'EADDRNOTAVAIL')
    return `${message}. The host ${config.host} is not an address of this machine: check --host.`;
  if (code === 'ECONNREFUSED' && config.databaseUrl !== undefined)
    return `${message}. PostgreSQL does not answer at the database URL: is it running?`;
  return message;
}
