/**
 * A real Baton server in this process (port 0, a temporary directory, a fixed master key) and
 * the compiled `baton` binary run against it as a user runs it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/api/server/index.js';
import { defaultConfig } from '../../src/config/index.js';
import type { BatonServer } from '../../src/main.js';
import { startBaton } from '../../src/main.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const bin = join(root, 'bin', 'baton');
const MASTER_KEY = Buffer.alloc(32, 7).toString('hex');

export interface TestServer {
  readonly server: BatonServer;
  readonly dir: string;
  readonly url: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Environment for the CLI: the server's URL and key, nothing from the caller's BATON_*. */
  readonly env: NodeJS.ProcessEnv;
  /** Writes a file in the server's directory and returns its path. */
  file(name: string, text: string): string;
  close(): Promise<void>;
}

/** Builds the CLI once when dist/ is missing (`npm ci` builds it through `prepare`). */
export function ensureBuilt(): void {
  if (!existsSync(join(root, 'dist', 'cli', 'program.js'))) {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root });
  }
}

/** The caller's environment without any Baton or AWS settings that would leak into a test. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('BATON_') && !name.startsWith('AWS_')) env[name] = value;
  }
  return { ...env, NO_COLOR: '1', HOME: join(tmpdir(), 'baton-no-home'), ...extra };
}

export async function startTestServer(
  overrides: { readonly pollIntervalMs?: number } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-cli-client-'));
  const config = {
    ...defaultConfig(dir),
    port: 0,
    pollIntervalMs: 50,
    shutdownTimeoutMs: 2000,
    ...overrides,
  };
  const server = await startBaton(config, {
    logger: createLogger({ level: 'silent' }),
    masterKey: MASTER_KEY,
  });
  const admin = server.adminCredential;
  if (admin === undefined) throw new Error('no admin credential on the first start');
  return {
    server,
    dir,
    url: server.url,
    accessKeyId: admin.accessKeyId,
    secretAccessKey: admin.secretAccessKey,
    env: cleanEnv({
      BATON_URL: server.url,
      BATON_ACCESS_KEY_ID: admin.accessKeyId,
      BATON_SECRET_ACCESS_KEY: admin.secretAccessKey,
    }),
    file(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** Runs `baton ARGS...` to the end. */
export function baton(options: RunOptions, ...args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? root,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Parses stdout as JSON (the CLI prints JSON when stdout is not a terminal). */
export function json(ran: Ran): unknown {
  try {
    return JSON.parse(ran.stdout);
  } catch {
    throw new Error(
      `stdout is not JSON (exit ${ran.code}):\n${ran.stdout}\nstderr:\n${ran.stderr}`,
    );
  }
}

/** The URL of a loopback port nothing listens on (bound, then closed). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
