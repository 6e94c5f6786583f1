/**
 * `baton server` as an operator runs it: the compiled binary in its own process. It prints its
 * URL on stderr, logs JSON lines on stdout, answers /healthz, and exits 0 on SIGTERM or SIGINT;
 * a second signal exits at once. Bad settings exit 2 with every problem located; a server that
 * cannot start exits 1 saying what to do, without secrets.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'baton');
let dir = '';
const children: ChildProcess[] = [];

beforeAll(() => {
  // `npm ci` builds through `prepare`; a checkout without the server built gets one build here.
  if (!existsSync(join(root, 'dist', 'cli', 'server-command.js'))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  }
  dir = mkdtempSync(join(tmpdir(), 'baton-cli-server-'));
}, 120_000);

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

interface Running {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the exit code (or 128 + signal number when killed by a signal). */
  readonly exited: Promise<number>;
  /** Resolves with the first match of `pattern` on stderr. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Cleans the environment of BATON_* so the machine's settings do not leak in. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(env)) if (name.startsWith('BATON_')) delete env[name];
  return { ...env, ...extra };
}

function serve(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [bin, 'server', ...args], {
    cwd: dir,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    for (const waiter of waiters) waiter();
  });
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) =>
      resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGINT' ? 2 : 15)),
    ),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`no ${String(pattern)} on stderr within ${timeoutMs} ms:\n${err}`)),
          timeoutMs,
        );
        const check = (): void => {
          const match = pattern.exec(err);
          if (match !== null) {
            clearTimeout(timer);
            resolve(match);
          }
        };
        waiters.push(check);
        void exited.then(() => {
          check();
          setTimeout(() => reject(new Error(`exited before ${String(pattern)}:\n${err}`)), 0);
        });
        check();
      }),
  };
}

const URL_LINE = /Baton is listening on (http:\/\/127\.0\.0\.1:\d+)\n/;

function dataDir(): string {
  return join(dir, `data-${randomBytes(4).toString('hex')}`);
}

describe('a running server', () => {
  it('prints its URL, answers /healthz, logs JSON on stdout, and exits 0 on SIGTERM', async () => {
    const server = serve(['--port', '0', '--data-dir', dataDir(), '--node-id', 'cli-test']);
    const [, url] = await server.waitFor(URL_LINE);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toContain('SIGTERM: shutting down');
    const lines = server
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; node: string });
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['starting', 'listening', 'shutting down', 'stopped']),
    );
    expect(lines.every((l) => l.node === 'cli-test')).toBe(true);
  });

  it('exits 0 on SIGINT too', async () => {
    const server = serve(['--port', '0', '--data-dir', dataDir()]);
    await server.waitFor(URL_LINE);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
  });

  it('loads workflow files, reporting broken ones, and is idempotent across restarts', async () => {
    const workflows = join(dir, `workflows-${randomBytes(4).toString('hex')}`);
    execFileSync('mkdir', ['-p', workflows]);
    writeFileSync(
      join(workflows, 'hello.asl.json'),
      '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}',
    );
    writeFileSync(join(workflows, 'broken.asl.json'), '{"StartAt": "A",\n "States": {}}');
    const data = dataDir();
    for (const outcome of ['created', 'unchanged']) {
      const server = serve(['--port', '0', '--data-dir', data, '--workflows', workflows]);
      await server.waitFor(URL_LINE);
      expect(server.stderr()).toContain(
        `Workflow hello ${outcome} from ${workflows}/hello.asl.json`,
      );
      expect(server.stderr()).toMatch(
        new RegExp(
          `Skipped ${workflows}/broken\\.asl\\.json:\\n  ${workflows}/broken\\.asl\\.json:\\d+:\\d+: `,
        ),
      );
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  it('exits at once on a second signal while shutdown waits for a task', async () => {
    // A task that never answers, set up before the server starts: the server claims it.
    let called: () => void = () => undefined;
    const taskCalled = new Promise<void>((resolve) => (called = resolve));
    const upstream = createServer(() => called());
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    const data = dataDir();
    const store = openSqliteStore({
      path: join(data, 'baton.db'),
      now: () => new Date().toISOString(),
    });
    await store.migrate();
    await store.workflows.create({
      name: 'hangs',
      definition: JSON.stringify({
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: 'arn:aws:states:::http:invoke',
            Parameters: { ApiEndpoint: `http://127.0.0.1:${port}/`, Method: 'GET' },
            End: true,
          },
        },
      }),
      roleArn: null,
      type: 'STANDARD',
      description: null,
      revisionId: 'r1',
      now: new Date().toISOString(),
    });
    const engine = new Engine({
      store,
      clock: { nowMs: () => Date.now() },
      tasks: { run: () => Promise.reject(new Error('not here')) },
      nodeId: 'setup',
      random: Math.random,
      tokenKey: () => randomBytes(32).toString('hex'),
    });
    await engine.start({ workflow: 'hangs', name: 'x', input: {} });
    await store.close();

    const server = serve(['--port', '0', '--data-dir', data, '--shutdown-timeout', '30s']);
    await server.waitFor(URL_LINE);
    await taskCalled;
    server.child.kill('SIGTERM');
    await server.waitFor(/shutting down/);
    const secondAt = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(143);
    expect(Date.now() - secondAt).toBeLessThan(5000);
    expect(server.stderr()).toContain('SIGTERM again: exiting now.');
    upstream.closeAllConnections();
    upstream.close();
  });
});

describe('settings problems exit 2 before anything starts', () => {
  it('reports every bad flag and variable at once, located', async () => {
    const server = serve(['--port', '80a', '--data-dir', dataDir()], { BATON_LOG_LEVEL: 'loud' });
    expect(await server.exited).toBe(2);
    const stderr = server.stderr();
    expect(stderr).toContain(
      'baton server: BATON_LOG_LEVEL: logLevel must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    );
    expect(stderr).toContain(
      'baton server: --port: port must be an integer from 0 to 65535 (0 picks a free port), got "80a"',
    );
    expect(stderr).toContain('`baton server --help` lists them');
    expect(server.stdout()).toBe('');
  });

  it('points at an unknown key in the config file with line:col and a suggestion', async () => {
    const file = join(dir, 'baton.yaml');
    writeFileSync(file, 'host: 127.0.0.1\nprot: 9000\n');
    const server = serve(['--config', 'baton.yaml']);
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toContain(
      'baton server: baton.yaml:2:1: unknown setting "prot"; did you mean "port"?',
    );
  });

  it('reads the config file named by BATON_CONFIG', async () => {
    const file = join(dir, 'env.yaml');
    writeFileSync(file, 'port: 99999\n');
    const server = serve([], { BATON_CONFIG: file });
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toContain('env.yaml:1:7: port must be an integer from 0 to 65535');
  });

  it('never echoes the database password', async () => {
    const server = serve([], { BATON_DATABASE_URL: 'mysql://root:top-secret-pw@db/baton' });
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toContain('BATON_DATABASE_URL: databaseUrl must be a postgres://');
    expect(server.stderr()).not.toContain('top-secret-pw');
  });

  it('rejects an unknown flag as a usage error', async () => {
    const server = serve(['--prot', '1']);
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toMatch(/unknown option '--prot'/);
  });
});

describe('start failures exit 1 saying what to do', () => {
  it('when the port is taken', async () => {
    const first = serve(['--port', '0', '--data-dir', dataDir()]);
    const [, url] = await first.waitFor(URL_LINE);
    const port = new URL(url ?? '').port;
    const second = serve(['--port', port, '--data-dir', dataDir()]);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(/cannot start: .*EADDRINUSE.*pick another port with --port/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('when PostgreSQL does not answer, with the password masked everywhere', async () => {
    const server = serve([], {
      BATON_DATABASE_URL: 'postgres://baton:top-secret-pw@127.0.0.1:1/baton',
    });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(/cannot start: .*is it running\?/);
    expect(server.stderr() + server.stdout()).not.toContain('top-secret-pw');
    expect(server.stdout()).toContain('postgres://baton:****@127.0.0.1:1/baton');
  });
});

describe('--help', () => {
  it('lists every setting with its flag and environment variable', () => {
    const help = execFileSync(process.execPath, [bin, 'server', '--help'], {
      cwd: dir,
      env: cleanEnv(),
    }).toString();
    for (const text of [
      '--host <address>',
      '--port <port>',
      '--data-dir <dir>',
      '--database-url <url>',
      '--region',
      '--account',
      '--log-level <level>',
      '--body-limit <size>',
      '--retention <duration>',
      '--poll-interval <duration>',
      '--lease-duration <duration>',
      '--node-id',
      '--shutdown-timeout <duration>',
      '--config <path>',
      '--workflows <dir>',
      'BATON_DATABASE_URL',
      'BATON_CONFIG',
    ])
      expect(help).toContain(text);
  });
});
