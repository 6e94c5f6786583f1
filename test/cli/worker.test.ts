/**
 * `baton worker` running real commands (node -e ...) for activity tasks of a real server:
 * output from stdout, failures from exit codes and stderr, output that is not JSON, commands
 * that hang past their heartbeat, heartbeats that keep a long task alive, and a graceful stop.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestServer } from './client-harness.js';
import { baton, bin, ensureBuilt, json, root, startTestServer } from './client-harness.js';

let t: TestServer;
const run = (...args: string[]) => baton({ env: t.env }, ...args);
// Each test spawns a worker, its commands and the CLI; on a loaded machine that takes seconds.
vi.setConfig({ testTimeout: 90_000 });

interface Worker {
  readonly child: ChildProcessWithoutNullStreams;
  log(): string;
  /** Resolves when the log has a line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

const workers: Worker[] = [];

function startWorker(args: readonly string[], env: NodeJS.ProcessEnv = {}): Worker {
  const child = spawn(process.execPath, [bin, 'worker', ...args], {
    cwd: root,
    env: { ...t.env, ...env },
  });
  let log = '';
  const waiters: (() => void)[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    log += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const worker: Worker = {
    child,
    log: () => log,
    exited,
    async waitFor(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(log)) {
        if (Date.now() > deadline) throw new Error(`worker log never matched ${pattern}:\n${log}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
  workers.push(worker);
  return worker;
}

/** node -e SCRIPT, the script reading the task input from stdin as `input`. */
function node(script: string): string[] {
  return [
    process.execPath,
    '-e',
    `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const input=JSON.parse(s);${script}})`,
  ];
}

/** A statement that writes `started` to the file named by $MARK: the command is running. */
const MARK = `require('fs').writeFileSync(process.env.MARK, 'started')`;

/** Resolves once the command has written its mark. */
async function running(mark: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (readFileSync(mark, 'utf8') !== 'started') {
    if (Date.now() > deadline) throw new Error('the command never started');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function deployActivity(name: string, extra: Record<string, unknown> = {}): Promise<void> {
  const definition = {
    StartAt: 'Work',
    States: {
      Work: {
        Type: 'Task',
        Resource: `arn:aws:states:us-east-1:123456789012:activity:${name}`,
        End: true,
        ...extra,
      },
    },
  };
  const ran = await run('deploy', t.file(`${name}.asl.json`, JSON.stringify(definition)));
  if (ran.code !== 0) throw new Error(ran.stderr);
}

beforeAll(async () => {
  ensureBuilt();
  t = await startTestServer();
}, 120_000);

afterEach(async () => {
  for (const worker of workers.splice(0)) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
});

afterAll(async () => {
  await t.close();
});

describe('baton worker', () => {
  it('runs the command with the input on stdin and the token in BATON_TASK_TOKEN, and completes the task with its stdout', async () => {
    const worker = startWorker([
      '--activity',
      'greet',
      '--',
      ...node(
        `console.log(JSON.stringify({hello: input.name, token: (process.env.BATON_TASK_TOKEN||'').length > 0}))`,
      ),
    ]);
    await worker.waitFor(/polling/);
    await deployActivity('greet');
    const ran = await run(
      'start',
      'greet',
      '--input',
      '{"name":"Ada"}',
      '--wait',
      '--output',
      'json',
    );
    expect(ran.code).toBe(0);
    expect(JSON.parse((json(ran) as { output: string }).output)).toEqual({
      hello: 'Ada',
      token: true,
    });
    await worker.waitFor(/task 1 \([0-9a-f]{8}\): succeeded in/);
  });

  it('fails the task with Worker.ExitCode<N> and the end of stderr when the command exits non-zero', async () => {
    const worker = startWorker([
      '--activity',
      'exits',
      '--',
      ...node(
        `console.error('step 1 ok');console.error('disk full: ' + input.disk);process.exit(3)`,
      ),
    ]);
    await worker.waitFor(/polling/);
    await deployActivity('exits');
    const ran = await run(
      'start',
      'exits',
      '--input',
      '{"disk":"/dev/sda"}',
      '--wait',
      '--output',
      'json',
    );
    expect(ran.code).toBe(1);
    expect(json(ran)).toMatchObject({
      status: 'FAILED',
      error: 'Worker.ExitCode3',
      cause: 'step 1 ok\ndisk full: /dev/sda',
    });
    await worker.waitFor(/failed in .*Worker\.ExitCode3/);
  });

  it('caps the cause at the tail of a long stderr', async () => {
    const worker = startWorker([
      '--activity',
      'noisy',
      '--',
      ...node(`process.stderr.write('x'.repeat(100000) + 'THE END');process.exitCode = 1`),
    ]);
    await worker.waitFor(/polling/);
    await deployActivity('noisy');
    const ran = await run('start', 'noisy', '--wait', '--output', 'json');
    const { cause } = json(ran) as { cause: string };
    expect(cause.length).toBeLessThanOrEqual(4096);
    expect(cause.endsWith('THE END')).toBe(true);
  });

  it('fails the task with Worker.InvalidOutput when stdout is not JSON, or empty', async () => {
    const worker = startWorker([
      '--activity',
      'chatty',
      '--',
      ...node(`if (input.empty) return; console.log('all done!')`),
    ]);
    await worker.waitFor(/polling/);
    await deployActivity('chatty');
    const ran = await run('start', 'chatty', '--wait', '--output', 'json');
    expect(ran.code).toBe(1);
    expect(json(ran)).toMatchObject({ status: 'FAILED', error: 'Worker.InvalidOutput' });
    expect((json(ran) as { cause: string }).cause).toContain('not JSON');
    expect((json(ran) as { cause: string }).cause).toContain('all done!');
    const empty = await run(
      'start',
      'chatty',
      '--input',
      '{"empty":true}',
      '--wait',
      '--output',
      'json',
    );
    expect((json(empty) as { cause: string }).cause).toContain('printed nothing');
  });

  it('reports a command that cannot be run', async () => {
    const worker = startWorker(['--activity', 'missing-cmd', '--', 'no-such-command-baton-test']);
    await worker.waitFor(/polling/);
    await deployActivity('missing-cmd');
    const ran = await run('start', 'missing-cmd', '--wait', '--output', 'json');
    expect(json(ran)).toMatchObject({ status: 'FAILED', error: 'Worker.CommandFailed' });
    expect((json(ran) as { cause: string }).cause).toContain('no such command');
  });

  it('kills a command that hangs past the state’s heartbeat, once the server says the task timed out', async () => {
    const worker = startWorker([
      '--activity',
      'hangs',
      '--heartbeat',
      '2',
      '--',
      ...node(`setTimeout(() => console.log('{}'), 60000)`),
    ]);
    await worker.waitFor(/polling/);
    await deployActivity('hangs', { HeartbeatSeconds: 1 });
    const ran = await run('start', 'hangs', '--wait', '--output', 'json');
    expect(ran.code).toBe(1);
    expect(json(ran)).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    await worker.waitFor(
      /the task timed out or its execution ended on the server; killed the command/,
    );
  });

  it('keeps a long task alive with heartbeats', async () => {
    const worker = startWorker([
      '--activity',
      'slow',
      '--heartbeat',
      '0.5',
      '--',
      ...node(`setTimeout(() => console.log(JSON.stringify({slept: true})), 3000)`),
    ]);
    await worker.waitFor(/polling/);
    await deployActivity('slow', { HeartbeatSeconds: 2 });
    const ran = await run('start', 'slow', '--wait', '--output', 'json');
    expect(ran.code).toBe(0);
    expect(json(ran)).toMatchObject({ status: 'SUCCEEDED', output: '{"slept":true}' });
  });

  it('runs tasks side by side with --concurrency', async () => {
    const worker = startWorker([
      '--activity',
      'parallel',
      '--concurrency',
      '3',
      '--',
      ...node(`setTimeout(() => console.log(JSON.stringify(input)), 2000)`),
    ]);
    await worker.waitFor(/3 at a time/);
    await deployActivity('parallel');
    const runs = await Promise.all(
      [1, 2, 3].map((n) =>
        run('start', 'parallel', '--input', `{"n":${n}}`, '--wait', '--output', 'json'),
      ),
    );
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    // All three ran at once: each started before any of them stopped.
    const spans = runs.map((r) => json(r) as { startDate: number; stopDate: number });
    expect(Math.max(...spans.map((e) => e.startDate))).toBeLessThan(
      Math.min(...spans.map((e) => e.stopDate)),
    );
  });

  it('on SIGTERM stops polling but lets the running task finish, then exits 0', async () => {
    const worker = startWorker(
      [
        '--activity',
        'graceful',
        '--',
        ...node(`${MARK};setTimeout(() => console.log(JSON.stringify({finished: true})), 1500)`),
      ],
      { MARK: t.file('graceful.mark', '') },
    );
    await worker.waitFor(/polling/);
    await deployActivity('graceful');
    const waiting = run('start', 'graceful', '--wait', '--output', 'json');
    await running(join(t.dir, 'graceful.mark'));
    worker.child.kill('SIGTERM');
    await worker.waitFor(/no new tasks; waiting for 1 running/);
    const ran = await waiting;
    expect(json(ran)).toMatchObject({ status: 'SUCCEEDED', output: '{"finished":true}' });
    expect(await worker.exited).toBe(0);
    expect(worker.log()).toContain('stopped after 1 task(s)');
  });

  it('on a second signal kills the running command, which fails its task', async () => {
    const worker = startWorker(
      ['--activity', 'killed', '--', ...node(`${MARK};setTimeout(() => console.log('{}'), 60000)`)],
      { MARK: t.file('killed.mark', '') },
    );
    await worker.waitFor(/polling/);
    await deployActivity('killed');
    const waiting = run('start', 'killed', '--wait', '--output', 'json');
    await running(join(t.dir, 'killed.mark'));
    worker.child.kill('SIGINT');
    await worker.waitFor(/no new tasks/);
    worker.child.kill('SIGINT');
    const ran = await waiting;
    expect(json(ran)).toMatchObject({ status: 'FAILED', error: 'Worker.Signal.SIGKILL' });
    await worker.exited;
  });

  it('refuses bad options', async () => {
    expect(
      (await run('worker', '--activity', 'x', '--heartbeat', 'often', '--', 'true')).code,
    ).toBe(2);
    expect((await run('worker', '--activity', 'x', '--concurrency', '0', '--', 'true')).code).toBe(
      2,
    );
    const noCommand = await run('worker', '--activity', 'x');
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain('command');
  });
});
