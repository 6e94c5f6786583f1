/**
 * `baton ci`: what a GitLab CI job runs, authenticated by the job's ID token (never an access
 * key): `start WORKFLOW [--wait]`, `task-success`, `task-failure`. The token comes from the
 * environment (BATON_ID_TOKEN, or the variable --id-token-env names), the server from --url or
 * BATON_URL. Exit status as `baton start --wait`: 0 success (SUCCEEDED), 1 failed (the
 * execution failed, timed out or was aborted; the server is unreachable or failing), 2 a usage,
 * authentication or permission error.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { JsonObject, JsonValue } from '../common/index.js';
import { DEFAULT_URL } from './client/connection.js';
import { isObject } from './client/sfn-client.js';
import { CliUsageError, readJsonArgument } from './json-argument.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, field } from './remote-command.js';
import { argvSecretRefused, readSecret } from './secret-argument.js';

interface CiFlags {
  readonly url?: string;
  readonly idToken?: string;
  readonly idTokenEnv?: string;
}

/** A failure with the exit status it maps to. */
class CiCallError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

interface CiClient {
  call(method: 'GET' | 'POST', path: string, body?: JsonObject): Promise<JsonObject>;
}

function clientOf(flags: CiFlags): CiClient {
  if (flags.idToken !== undefined) throw argvSecretRefused('an ID token', '--id-token');
  const variable = flags.idTokenEnv ?? 'BATON_ID_TOKEN';
  const token = readSecret('the ID token', '--id-token', { env: variable });
  if (token === undefined) throw new CliUsageError('no ID token');
  const base = (flags.url ?? process.env['BATON_URL'] ?? DEFAULT_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(base)) {
    throw new CliUsageError(`--url: ${base} is not an http(s) URL of a Baton server`);
  }
  return {
    async call(method, path, body) {
      let response: Response;
      let text: string;
      try {
        response = await fetch(`${base}/api/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(30_000),
        });
        text = await response.text();
      } catch (error: unknown) {
        const reason = error instanceof Error ? error.message : 'network error';
        throw new CiCallError(EXIT_FAILED, `cannot reach Baton at ${base} (${reason})`);
      }
      let parsed: unknown;
      try {
        parsed = text === '' ? {} : JSON.parse(text);
      } catch {
        parsed = undefined; // not JSON: reported by status below
      }
      const answer = isObject(parsed) ? parsed : {};
      if (response.ok) return answer;
      const message =
        typeof answer['message'] === 'string' ? answer['message'] : `HTTP ${response.status}`;
      throw new CiCallError(response.status >= 500 ? EXIT_FAILED : EXIT_USAGE, message);
    },
  };
}

async function runCi(name: string, flags: CiFlags, body: (client: CiClient) => Promise<number>) {
  const err = (line: string): void => void process.stderr.write(`${line}\n`);
  try {
    process.exitCode = await body(clientOf(flags));
  } catch (error: unknown) {
    if (error instanceof CliUsageError) {
      err(`baton ci ${name}: ${error.message}`);
      process.exitCode = EXIT_USAGE;
    } else if (error instanceof CiCallError) {
      err(`baton ci ${name}: ${error.message}`);
      process.exitCode = error.exitCode;
    } else throw error;
  }
}

function addCiOptions(command: Command): Command {
  return command
    .option('--url <url>', `Baton server URL [env BATON_URL; default ${DEFAULT_URL}]`)
    .option(
      '--id-token-env <VAR>',
      'environment variable holding the ID token [default BATON_ID_TOKEN]',
    )
    .option('--id-token <value>', 'refused: the ID token comes from the environment');
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

export function registerCiCommand(program: Command): void {
  const ci = program
    .command('ci')
    .description("Start workflows and complete tasks from a GitLab CI job, with the job's ID token")
    .addHelpText(
      'after',
      `
In .gitlab-ci.yml:
  deploy:
    id_tokens:
      BATON_ID_TOKEN:
        aud: https://baton.example.com      # Baton's public URL (or its ciAudience)
    script:
      - baton ci start deploy --input '{"sha":"'"$CI_COMMIT_SHA"'"}' --wait

The connection for this GitLab instance must have a CI rule allowing the project, ref and
workflow (baton connections update NAME --ci-rules @rules.json). Exit status: 0 success, 1 the
execution failed or Baton is unreachable, 2 a usage, token or permission problem.`,
    );

  const start = ci
    .command('start <workflow>')
    .description(
      'Start WORKFLOW; by default named ci-<pipeline>-<job>, so a retry finds the same run',
    )
    .option('--input <json>', 'execution input: JSON, or @file.json / @file.yaml', '{}')
    .option('--name <name>', 'execution name')
    .option('-w, --wait', 'wait for the outcome and exit with it')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['json', 'table']));
  addCiOptions(start).action(
    async (
      workflow: string,
      flags: CiFlags & { input: string; name?: string; wait?: boolean; output?: 'json' | 'table' },
    ) => {
      await runCi('start', flags, async (client) => {
        const input: JsonValue = await readJsonArgument('--input', flags.input);
        let execution = await client.call('POST', '/ci/executions', {
          workflow,
          input,
          ...(flags.name === undefined ? {} : { name: flags.name }),
        });
        const arn = typeof execution['executionArn'] === 'string' ? execution['executionArn'] : '';
        if (flags.wait !== true) {
          if (flags.output === 'json') out(JSON.stringify(execution));
          else out(`${arn} ${field(execution, 'status')}`);
          return EXIT_OK;
        }
        process.stderr.write(`started ${arn}\n`);
        let waitMs = 500;
        while (execution['status'] === 'RUNNING' || execution['status'] === 'PENDING_REDRIVE') {
          await new Promise((resolve) => setTimeout(resolve, waitMs));
          waitMs = Math.min(waitMs * 2, 10_000);
          execution = await client.call('GET', `/ci/executions/${encodeURIComponent(arn)}`);
        }
        if (flags.output === 'json') out(JSON.stringify(execution));
        else {
          out(`${arn} ${field(execution, 'status')}`);
          const error = field(execution, 'error');
          if (error !== undefined) {
            out(`error: ${error}`);
            out(`cause: ${field(execution, 'cause') ?? ''}`);
          }
        }
        return execution['status'] === 'SUCCEEDED' ? EXIT_OK : EXIT_FAILED;
      });
    },
  );

  const success = ci
    .command('task-success')
    .description('Complete a .waitForTaskToken task with its output')
    .requiredOption('--token <taskToken>', 'the task token the workflow passed to this job')
    .option('--output <json|@file>', 'the task output, as JSON or @path to a JSON/YAML file', '{}');
  addCiOptions(success).action(async (flags: CiFlags & { token: string; output: string }) => {
    await runCi('task-success', flags, async (client) => {
      const output = await readJsonArgument('--output', flags.output);
      await client.call('POST', '/ci/task-success', { taskToken: flags.token, output });
      out('task completed');
      return EXIT_OK;
    });
  });

  const failure = ci
    .command('task-failure')
    .description('Fail a .waitForTaskToken task')
    .requiredOption('--token <taskToken>', 'the task token the workflow passed to this job')
    .option('--error <name>', 'error name for Catch/Retry', 'CI.Failed')
    .option('--cause <text>', 'what went wrong', '');
  addCiOptions(failure).action(
    async (flags: CiFlags & { token: string; error: string; cause: string }) => {
      await runCi('task-failure', flags, async (client) => {
        await client.call('POST', '/ci/task-failure', {
          taskToken: flags.token,
          error: flags.error,
          cause: flags.cause,
        });
        out('task failed');
        return EXIT_OK;
      });
    },
  );
}
