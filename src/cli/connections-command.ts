/**
 * `baton connections`: GitLab connections through the REST API (`/api/v1/connections`, admin
 * only): create, update, list, show, test, delete, and `hook install`. Secrets are read from
 * environment variables, files or stdin only (secret-argument.ts); nothing prints one, except a
 * signing token the server generated, shown once.
 */
import type { Command } from 'commander';
import type { JsonObject } from '../common/index.js';
import { isObject } from './client/sfn-client.js';
import { CliUsageError, readJsonArgument } from './json-argument.js';
import type { RemoteContext, RemoteFlags } from './remote-command.js';
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  addConnectionOptions,
  addOutputOption,
  field,
  listAll,
  printFields,
  printJson,
  printTable,
  runRemote,
} from './remote-command.js';
import type { SecretSources } from './secret-argument.js';
import { argvSecretRefused, readSecret } from './secret-argument.js';

interface SettingFlags extends RemoteFlags {
  /** The GitLab base URL (`--url` is the Baton server, as for every remote command). */
  readonly gitlabUrl?: string;
  readonly token?: string;
  readonly tokenEnv?: string;
  readonly tokenFile?: string;
  readonly tokenStdin?: boolean;
  readonly webhookSecret?: string;
  readonly webhookSecretEnv?: string;
  readonly webhookSecretFile?: string;
  readonly webhookSecretStdin?: boolean;
  readonly signingToken?: string;
  readonly signingTokenEnv?: string;
  readonly signingTokenFile?: string;
  readonly idTokenIssuer?: string;
  readonly jwksUrl?: string;
  readonly ciRules?: string;
}

function addSecretOptions(command: Command, option: string, what: string): Command {
  return command
    .option(`${option} <value>`, `refused: never pass ${what} on the command line`)
    .option(`${option}-env <VAR>`, `read ${what} from environment variable VAR`)
    .option(`${option}-file <FILE>`, `read ${what} from FILE`)
    .option(`${option}-stdin`, `read ${what} from standard input`);
}

function addSettingOptions(command: Command): Command {
  addSecretOptions(command, '--token', 'the GitLab API token (api scope)');
  addSecretOptions(command, '--webhook-secret', 'the webhook secret token');
  return command
    .option(
      '--signing-token <generate|none>',
      'generate a webhook signing token (GitLab 19.0+), or remove it (none)',
    )
    .option(
      '--signing-token-env <VAR>',
      'read a whsec_ signing token from environment variable VAR',
    )
    .option('--signing-token-file <FILE>', 'read a whsec_ signing token from FILE')
    .option('--id-token-issuer <URL>', 'iss of CI ID tokens (default: the base URL)')
    .option('--jwks-url <URL>', 'JWKS of CI ID tokens (default: <gitlab-url>/oauth/discovery/keys)')
    .option(
      '--ci-rules <JSON|@FILE>',
      'CI access rules: a JSON array, or @rules.json / @rules.yaml',
    );
}

function secretSources(
  flags: SettingFlags,
  kind: 'token' | 'webhookSecret' | 'signingToken',
): SecretSources {
  switch (kind) {
    case 'token':
      return { env: flags.tokenEnv, file: flags.tokenFile, stdin: flags.tokenStdin };
    case 'webhookSecret':
      return {
        env: flags.webhookSecretEnv,
        file: flags.webhookSecretFile,
        stdin: flags.webhookSecretStdin,
      };
    case 'signingToken':
      return { env: flags.signingTokenEnv, file: flags.signingTokenFile };
  }
}

/** @throws CliUsageError for a secret given as an argv value. */
function refuseArgvSecrets(flags: SettingFlags): void {
  if (flags.token !== undefined) throw argvSecretRefused('a token', '--token');
  if (flags.webhookSecret !== undefined) {
    throw argvSecretRefused('a webhook secret', '--webhook-secret');
  }
  const mode = flags.signingToken;
  if (mode !== undefined && mode !== 'generate' && mode !== 'none') {
    throw new CliUsageError(
      'refusing a signing token given on the command line (it would show in ps and shell history): use --signing-token generate, or --signing-token-env VAR / --signing-token-file FILE',
    );
  }
}

/**
 * Refuses argv secrets before anything else (even before finding the server's credentials),
 * printing the reason; false when the command must stop.
 */
function argvIsClean(name: string, flags: SettingFlags): boolean {
  try {
    refuseArgvSecrets(flags);
    return true;
  } catch (error: unknown) {
    if (!(error instanceof CliUsageError)) throw error;
    process.stderr.write(`baton ${name}: ${error.message}\n`);
    process.exitCode = EXIT_USAGE;
    return false;
  }
}

/** The request body of create/update from the flags. @throws CliUsageError */
async function settingsBody(flags: SettingFlags, creating: boolean): Promise<JsonObject> {
  refuseArgvSecrets(flags);
  const mode = flags.signingToken;
  if (mode === 'none' && creating) {
    throw new CliUsageError('--signing-token none only applies to update');
  }
  const stdinUsers = [flags.tokenStdin, flags.webhookSecretStdin].filter((v) => v === true);
  if (stdinUsers.length > 1) throw new CliUsageError('only one secret can come from stdin');
  const token = readSecret('the token', '--token', secretSources(flags, 'token'));
  if (creating && token === undefined) {
    throw new CliUsageError(
      'a GitLab API token is required: --token-env VAR, --token-file FILE or --token-stdin',
    );
  }
  const webhookSecret = readSecret(
    'the webhook secret',
    '--webhook-secret',
    secretSources(flags, 'webhookSecret'),
  );
  const signingToken = readSecret(
    'the signing token',
    '--signing-token',
    secretSources(flags, 'signingToken'),
  );
  if (signingToken !== undefined && mode !== undefined) {
    throw new CliUsageError(
      'give --signing-token generate|none or --signing-token-env/-file, not both',
    );
  }
  const rules =
    flags.ciRules === undefined ? undefined : await readJsonArgument('--ci-rules', flags.ciRules);
  return {
    ...(flags.gitlabUrl === undefined ? {} : { baseUrl: flags.gitlabUrl }),
    ...(token === undefined ? {} : { token }),
    ...(webhookSecret === undefined ? {} : { webhookSecret }),
    ...(signingToken === undefined ? {} : { signingToken }),
    ...(mode === 'generate' ? { generateSigningToken: true } : {}),
    ...(mode === 'none' ? { signingToken: null } : {}),
    ...(flags.idTokenIssuer === undefined ? {} : { idTokenIssuer: flags.idTokenIssuer }),
    ...(flags.jwksUrl === undefined ? {} : { jwksUrl: flags.jwksUrl }),
    ...(rules === undefined ? {} : { ciRules: rules }),
  };
}

function connectionPath(name: string, suffix = ''): string {
  return `/connections/${encodeURIComponent(name)}${suffix}`;
}

function printConnection(context: RemoteContext, connection: JsonObject): void {
  printFields(context, [
    ['name', field(connection, 'name')],
    ['baseUrl', field(connection, 'baseUrl')],
    ['idTokenIssuer', field(connection, 'idTokenIssuer')],
    ['jwksUrl', field(connection, 'jwksUrl')],
    ['webhookUrl', field(connection, 'webhookUrl')],
    ['webhookSecret', connection['hasWebhookSecret'] === true ? 'set' : 'none'],
    ['signingToken', connection['hasSigningToken'] === true ? 'set' : 'none'],
    ['ciRules', JSON.stringify(connection['ciRules'] ?? [])],
  ]);
  const generated = field(connection, 'signingToken');
  if (generated !== undefined) {
    context.out(`signingToken  ${generated}`);
    context.err(
      'The signing token is shown only now; `baton connections hook install` sends it to GitLab.',
    );
  }
}

export function registerConnectionsCommand(program: Command): void {
  const connections = program
    .command('connections')
    .description('Manage GitLab connections (admin only)')
    .addHelpText(
      'after',
      `
Secrets never go on the command line: give them with --token-env VAR, --token-file FILE or
--token-stdin (and the same for --webhook-secret).

Examples:
  $ GITLAB_TOKEN=glpat-... baton connections create default --gitlab-url https://gitlab.com \\
      --token-env GITLAB_TOKEN --signing-token generate --ci-rules @ci-rules.json
  $ baton connections list
  $ baton connections test default --project my-group/my-project
  $ baton connections hook install default --project my-group/my-project --events push,pipeline
  $ baton connections hook install default --group my-group
  $ baton connections update default --token-file ~/.config/baton/gitlab-token
  $ baton connections delete default`,
    );

  const create = connections
    .command('create <name>')
    .description('Create a connection to a GitLab instance')
    .requiredOption('--gitlab-url <URL>', 'GitLab base URL, such as https://gitlab.com');
  addOutputOption(addConnectionOptions(addSettingOptions(create))).action(
    async (name: string, flags: SettingFlags) => {
      if (!argvIsClean('connections create', flags)) return;
      await runRemote('connections create', flags, async (context) => {
        const body = await settingsBody(flags, true);
        const created =
          (await context.client.rest('POST', '/connections', { name, ...body })) ?? {};
        if (context.format === 'json') printJson(context, created);
        else printConnection(context, created);
        return EXIT_OK;
      });
    },
  );

  const update = connections
    .command('update <name>')
    .description('Change a connection: rotate its token or webhook secrets, URLs or CI rules')
    .option('--gitlab-url <URL>', 'new GitLab base URL');
  addOutputOption(addConnectionOptions(addSettingOptions(update))).action(
    async (name: string, flags: SettingFlags) => {
      if (!argvIsClean('connections update', flags)) return;
      await runRemote('connections update', flags, async (context) => {
        const body = await settingsBody(flags, false);
        if (Object.keys(body).length === 0) throw new CliUsageError('nothing to change');
        const updated = (await context.client.rest('PUT', connectionPath(name), body)) ?? {};
        if (context.format === 'json') printJson(context, updated);
        else printConnection(context, updated);
        return EXIT_OK;
      });
    },
  );

  const list = connections.command('list').description('List connections (never their secrets)');
  addOutputOption(addConnectionOptions(list)).action(async (flags: RemoteFlags) => {
    await runRemote('connections list', flags, async (context) => {
      const all = await listAll(context, '/connections', 'connections');
      if (context.format === 'json') printJson(context, all);
      else
        printTable(
          context,
          ['name', 'baseUrl', 'webhookSecret', 'signingToken'],
          all.map((c) => [
            field(c, 'name') ?? '',
            field(c, 'baseUrl') ?? '',
            c['hasWebhookSecret'] === true ? 'set' : 'none',
            c['hasSigningToken'] === true ? 'set' : 'none',
          ]),
        );
      return EXIT_OK;
    });
  });

  const show = connections.command('show <name>').description('Show one connection');
  addOutputOption(addConnectionOptions(show)).action(async (name: string, flags: RemoteFlags) => {
    await runRemote('connections show', flags, async (context) => {
      const connection = (await context.client.rest('GET', connectionPath(name))) ?? {};
      if (context.format === 'json') printJson(context, connection);
      else printConnection(context, connection);
      return EXIT_OK;
    });
  });

  const test = connections
    .command('test <name>')
    .description('Check the instance answers, what the token may do, and that projects exist')
    .option('--project <PATH>', 'a project to look for (repeatable)', collect, []);
  addOutputOption(addConnectionOptions(test)).action(
    async (name: string, flags: RemoteFlags & { project: string[] }) => {
      await runRemote('connections test', flags, async (context) => {
        const report =
          (await context.client.rest('POST', connectionPath(name, '/test'), {
            projects: flags.project,
          })) ?? {};
        if (context.format === 'json') printJson(context, report);
        else printReport(context, report);
        return report['ok'] === true ? EXIT_OK : EXIT_FAILED;
      });
    },
  );

  const del = connections.command('delete <name>').description('Delete a connection');
  addOutputOption(addConnectionOptions(del)).action(async (name: string, flags: RemoteFlags) => {
    await runRemote('connections delete', flags, async (context) => {
      await context.client.rest('DELETE', connectionPath(name));
      if (context.format === 'json') printJson(context, { name, deleted: true });
      else context.out(`Deleted ${name}`);
      return EXIT_OK;
    });
  });

  const hook = connections.command('hook').description("Manage the connection's GitLab hooks");
  const install = hook
    .command('install <name>')
    .description('Install or update the project or group hook that sends events to this connection')
    .option('--project <PATH>', 'project full path or numeric id')
    .option(
      '--group <PATH>',
      'group full path or numeric id, instead of --project (GitLab Premium; Owner role)',
    )
    .option(
      '--events <LIST>',
      'comma-separated: push,tag_push,merge_request,note,pipeline,job,deployment,release',
    );
  addOutputOption(addConnectionOptions(install)).action(
    async (
      name: string,
      flags: RemoteFlags & { project?: string; group?: string; events?: string },
    ) => {
      await runRemote('connections hook install', flags, async (context) => {
        const target = hookTarget(flags);
        const events = flags.events
          ?.split(',')
          .map((e) => e.trim())
          .filter((e) => e !== '');
        const result =
          (await context.client.rest('POST', connectionPath(name, '/hooks'), {
            ...target,
            ...(events === undefined ? {} : { events }),
          })) ?? {};
        if (context.format === 'json') printJson(context, result);
        else if (result['ok'] === true) {
          const [kind, given] = Object.entries(target)[0] ?? ['project', ''];
          context.out(
            `${field(result, 'action') ?? 'saved'} hook ${field(result, 'hookId') ?? ''} on ${kind} ${field(result, kind) ?? given} -> ${field(result, 'url') ?? ''}`,
          );
        } else context.err(field(result, 'problem') ?? 'GitLab refused the hook');
        const warnings = result['warnings'];
        if (Array.isArray(warnings)) {
          for (const warning of warnings)
            if (typeof warning === 'string') context.err(`warning: ${warning}`);
        }
        return result['ok'] === true ? EXIT_OK : EXIT_FAILED;
      });
    },
  );
}

/** Exactly one of --project and --group. @throws CliUsageError */
function hookTarget(flags: {
  readonly project?: string;
  readonly group?: string;
}): { project: string } | { group: string } {
  if (flags.project !== undefined && flags.group !== undefined) {
    throw new CliUsageError(
      'give --project PATH or --group PATH, not both (a group hook already hears every project in the group)',
    );
  }
  if (flags.project !== undefined) return { project: flags.project };
  if (flags.group !== undefined) return { group: flags.group };
  throw new CliUsageError(
    'say where to install the hook: --project PATH (group/project or id) or --group PATH (group, group/subgroup or id)',
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function printReport(context: RemoteContext, report: JsonObject): void {
  const instance = isObject(report['instance']) ? report['instance'] : {};
  context.out(
    instance['ok'] === true
      ? `instance  ok (GitLab ${field(instance, 'version') ?? '?'})`
      : `instance  FAILED: ${field(instance, 'problem') ?? ''}`,
  );
  const token = isObject(report['token']) ? report['token'] : undefined;
  if (token !== undefined) {
    const scopes = Array.isArray(token['scopes']) ? token['scopes'].join(',') : '?';
    context.out(
      token['ok'] === true
        ? `token     ok (user ${field(token, 'user') ?? '?'}, scopes ${scopes}, expires ${field(token, 'expiresAt') ?? 'never'})`
        : `token     FAILED: ${field(token, 'problem') ?? ''}`,
    );
  }
  const projects = Array.isArray(report['projects']) ? report['projects'].filter(isObject) : [];
  for (const project of projects) {
    context.out(
      project['ok'] === true
        ? `project   ${field(project, 'project') ?? ''} ok (id ${field(project, 'id') ?? '?'})`
        : `project   ${field(project, 'project') ?? ''} FAILED: ${field(project, 'problem') ?? ''}`,
    );
  }
}
