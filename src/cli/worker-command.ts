/**
 * `baton worker --activity NAME -- COMMAND [ARGS...]`: an activity worker that runs a command
 * per task. It long-polls GetActivityTask; for each task it runs COMMAND directly (no shell,
 * unless the command is `sh -c ...`), with the task input as JSON on stdin and the task token
 * in BATON_TASK_TOKEN. Exit 0 with JSON on stdout completes the task (SendTaskSuccess); a
 * non-zero exit or a signal fails it (SendTaskFailure, error `Worker.ExitCode<N>` or
 * `Worker.Signal.<NAME>`, the tail of stderr as cause). While the command runs the worker sends
 * heartbeats; when the server says the task is gone (timed out, execution stopped), it kills
 * the command.
 *
 * SIGINT/SIGTERM stop polling and let running tasks finish; a second signal kills them.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { ClientError } from './client/sfn-client.js';
import type { SfnClient } from './client/sfn-client.js';
import { CliUsageError } from './json-argument.js';
import type { RemoteContext, RemoteFlags } from './remote-command.js';
import { EXIT_OK, addConnectionOptions, field, runRemote } from './remote-command.js';

interface WorkerFlags extends RemoteFlags {
  readonly activity: string;
  readonly name?: string;
  readonly heartbeat: string;
  readonly concurrency: string;
}

/** SendTaskSuccess takes at most 256 KiB of output. */
export const MAX_OUTPUT_BYTES = 262_144;
/** The cause carries at most this much of the end of stderr. */
export const MAX_CAUSE_CHARS = 4096;
/** After a failed poll, wait this long before the next (doubling up to the max). */
const POLL_RETRY_MS = { first: 1000, max: 30_000 };

export function registerWorkerCommand(program: Command): void {
  const command = program
    .command('worker')
    .description('Run a command for each task of an activity (input on stdin, output from stdout)')
    .requiredOption('--activity <name>', 'activity name or ARN (created if it does not exist)')
    .option('--name <worker>', 'worker name reported to the server (default: baton-worker-PID)')
    .option(
      '--heartbeat <seconds>',
      'send a heartbeat this often while a command runs (0: never)',
      '30',
    )
    .option('--concurrency <n>', 'run up to this many tasks at once', '1')
    .argument('<command...>', 'the command and its arguments, after --');
  addConnectionOptions(command)
    .addHelpText(
      'after',
      `
Each task runs COMMAND with the task input (JSON) on stdin and the token in BATON_TASK_TOKEN.
  exit 0, JSON on stdout  -> SendTaskSuccess with that output
  exit 0, other stdout    -> SendTaskFailure, error Worker.InvalidOutput
  exit N (N > 0)          -> SendTaskFailure, error Worker.ExitCodeN, cause: the end of stderr
  killed by a signal      -> SendTaskFailure, error Worker.Signal.SIGNAME
No shell is involved unless you ask for one (sh -c '...').
SIGINT or SIGTERM: stop taking tasks, let running ones finish; a second signal kills them.

Examples:
  $ baton worker --activity resize -- ./resize.sh
  $ baton worker --activity greet --heartbeat 10 --concurrency 4 -- \\
      node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify({hello:JSON.parse(s).name})))'
  $ baton worker --activity deploy -- sh -c 'jq .ref | xargs ./deploy.sh >&2 && echo {}'`,
    )
    .action(async (commandLine: string[], flags: WorkerFlags) => {
      await runRemote('worker', flags, (context) => runWorker(context, commandLine, flags));
    });
}

interface Task {
  readonly token: string;
  readonly input: string;
  readonly number: number;
}

type Outcome =
  | { readonly kind: 'success'; readonly output: string }
  | { readonly kind: 'failure'; readonly error: string; readonly cause: string };

async function runWorker(
  context: RemoteContext,
  commandLine: readonly string[],
  flags: WorkerFlags,
): Promise<number> {
  const heartbeatSeconds = Number(flags.heartbeat);
  const concurrency = Number(flags.concurrency);
  if (!Number.isFinite(heartbeatSeconds) || heartbeatSeconds < 0) {
    throw new CliUsageError(
      `--heartbeat must be a number of seconds (0 for none), got "${flags.heartbeat}"`,
    );
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new CliUsageError(
      `--concurrency must be a positive whole number, got "${flags.concurrency}"`,
    );
  }
  const [program, ...args] = commandLine;
  if (program === undefined || program === '') throw new CliUsageError('give the command after --');
  const { client } = context;
  const activityArn = flags.activity.startsWith('arn:')
    ? flags.activity
    : (field(await client.call('CreateActivity', { name: flags.activity }), 'activityArn') ?? '');
  const workerName = flags.name ?? `baton-worker-${process.pid}`;
  const log = (line: string): void => context.err(`${new Date().toISOString()} ${line}`);

  const polling = new AbortController();
  const children = new Set<ReturnType<typeof spawn>>();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals === 1) {
      log(
        `${signal}: no new tasks; waiting for ${children.size} running (send it again to kill them)`,
      );
      polling.abort();
    } else {
      log(`${signal} again: killing ${children.size} running command(s)`);
      for (const child of children) child.kill('SIGKILL');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  log(
    `polling ${activityArn} as ${workerName} (${concurrency} at a time): ${commandLine.join(' ')}`,
  );
  let taskCount = 0;
  const poller = async (): Promise<void> => {
    let retryMs = POLL_RETRY_MS.first;
    while (!polling.signal.aborted) {
      let answer;
      try {
        answer = await client.call(
          'GetActivityTask',
          { activityArn, workerName },
          { signal: polling.signal },
        );
        retryMs = POLL_RETRY_MS.first;
      } catch (error: unknown) {
        if (polling.signal.aborted) return;
        if (
          error instanceof ClientError &&
          (error.kind === 'auth' || error.type === 'ActivityDoesNotExist')
        )
          throw error;
        log(
          `poll failed: ${error instanceof Error ? error.message : String(error)}; retrying in ${retryMs / 1000}s`,
        );
        await abortableDelay(retryMs, polling.signal);
        retryMs = Math.min(retryMs * 2, POLL_RETRY_MS.max);
        continue;
      }
      const token = field(answer, 'taskToken');
      if (token === undefined) continue;
      const task = { token, input: field(answer, 'input') ?? '{}', number: ++taskCount };
      await runTask(client, task, program, args, heartbeatSeconds, children, log);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, poller));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  log(`stopped after ${taskCount} task(s)`);
  return EXIT_OK;
}

async function runTask(
  client: SfnClient,
  task: Task,
  program: string,
  args: readonly string[],
  heartbeatSeconds: number,
  children: Set<ReturnType<typeof spawn>>,
  log: (line: string) => void,
): Promise<void> {
  const label = `task ${task.number} (${createHash('sha256').update(task.token).digest('hex').slice(0, 8)})`;
  const startedMs = Date.now();
  let gone: string | undefined;
  const outcome = await new Promise<Outcome>((resolve) => {
    const child = spawn(program, args, {
      env: { ...process.env, BATON_TASK_TOKEN: task.token },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrTail = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes <= MAX_OUTPUT_BYTES) stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-MAX_CAUSE_CHARS);
    });
    // A command that does not read its stdin closes it early: that is not a failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(task.input);

    const heartbeat =
      heartbeatSeconds > 0
        ? setInterval(() => {
            client.call('SendTaskHeartbeat', { taskToken: task.token }).catch((error: unknown) => {
              if (
                error instanceof ClientError &&
                (error.type === 'TaskTimedOut' || error.type === 'TaskDoesNotExist')
              ) {
                // Both mean the server no longer waits for this task: it timed out (heartbeat or
                // TimeoutSeconds), or its execution stopped or failed otherwise.
                gone = 'timed out or its execution ended';
                child.kill('SIGKILL');
              } else {
                log(
                  `${label}: heartbeat failed: ${error instanceof Error ? error.message : String(error)}`,
                );
              }
            });
          }, heartbeatSeconds * 1000)
        : undefined;

    const finish = (outcome: Outcome): void => {
      if (heartbeat !== undefined) clearInterval(heartbeat);
      children.delete(child);
      resolve(outcome);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      finish({
        kind: 'failure',
        error: 'Worker.CommandFailed',
        cause:
          error.code === 'ENOENT'
            ? `cannot run ${program}: no such command (check the command after --, or PATH)`
            : `cannot run ${program}: ${error.message}`,
      });
    });
    child.on('close', (code, signal) => {
      if (signal !== null) {
        finish({
          kind: 'failure',
          error: `Worker.Signal.${signal}`,
          cause: tail(stderrTail, `killed by ${signal}`),
        });
      } else if (code !== 0) {
        finish({
          kind: 'failure',
          error: `Worker.ExitCode${code ?? ''}`,
          cause: tail(stderrTail, `exited with ${code ?? '?'}`),
        });
      } else if (stdoutBytes > MAX_OUTPUT_BYTES) {
        finish({
          kind: 'failure',
          error: 'Worker.InvalidOutput',
          cause: `the command printed ${stdoutBytes} bytes on stdout; a task output may have at most ${MAX_OUTPUT_BYTES}`,
        });
      } else {
        finish(parseOutput(Buffer.concat(stdout).toString('utf8')));
      }
    });
  });

  const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
  if (gone !== undefined) {
    log(`${label}: the task ${gone} on the server; killed the command after ${seconds}s`);
    return;
  }
  try {
    if (outcome.kind === 'success') {
      await client.call('SendTaskSuccess', { taskToken: task.token, output: outcome.output });
      log(`${label}: succeeded in ${seconds}s`);
    } else {
      await client.call('SendTaskFailure', {
        taskToken: task.token,
        error: outcome.error,
        cause: outcome.cause,
      });
      log(`${label}: failed in ${seconds}s: ${outcome.error}: ${firstLine(outcome.cause)}`);
    }
  } catch (error: unknown) {
    log(
      `${label}: could not report its result: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** The command's stdout as the task output, when it is one JSON value. */
export function parseOutput(text: string): Outcome {
  const trimmed = text.trim();
  if (trimmed === '') {
    return {
      kind: 'failure',
      error: 'Worker.InvalidOutput',
      cause:
        'the command exited 0 but printed nothing on stdout; print the task output as JSON (e.g. {})',
    };
  }
  try {
    JSON.parse(trimmed);
    return { kind: 'success', output: trimmed };
  } catch (error: unknown) {
    const problem = error instanceof Error ? error.message : String(error);
    return {
      kind: 'failure',
      error: 'Worker.InvalidOutput',
      cause: `the command exited 0 but its stdout is not JSON (${problem}); it began: ${trimmed.slice(0, 200)}`,
    };
  }
}

function tail(stderr: string, fallback: string): string {
  const text = stderr.trim();
  return text === '' ? `the command ${fallback} and wrote nothing on stderr` : text;
}

function firstLine(text: string): string {
  const lines = text.split('\n');
  return lines.length > 1 ? `${lines.at(-1) ?? ''} (+${lines.length - 1} lines)` : text;
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
