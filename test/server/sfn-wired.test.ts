/**
 * The server as started by `baton server`: the Step Functions API at POST /, every request
 * SigV4-verified against Baton-issued keys, with the admin key created on the first start,
 * shown once, saved 0600, and never logged.
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/api/server/index.js';
import type { BatonConfig } from '../../src/config/index.js';
import { defaultConfig } from '../../src/config/index.js';
import type { BatonServer } from '../../src/main.js';
import { ADMIN_CREDENTIALS_FILE, startBaton } from '../../src/main.js';

const dirs: string[] = [];
const servers: BatonServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const MASTER_KEY = Buffer.alloc(32, 9).toString('hex');

function config(): BatonConfig {
  const cwd = mkdtempSync(join(tmpdir(), 'baton-wired-'));
  dirs.push(cwd);
  return { ...defaultConfig(cwd), port: 0, pollIntervalMs: 50, shutdownTimeoutMs: 2000 };
}

async function start(settings: BatonConfig, logs: string[] = []): Promise<BatonServer> {
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(chunk.toString());
        callback();
      },
    }),
  });
  const server = await startBaton(settings, { logger, masterKey: MASTER_KEY });
  servers.push(server);
  return server;
}

function client(server: BatonServer, accessKeyId: string, secretAccessKey: string): SFNClient {
  return new SFNClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
}

describe('the Step Functions API of a started server', () => {
  it('creates the admin key once, saves it privately, never logs its secret, and accepts it', async () => {
    const settings = config();
    const logs: string[] = [];
    const server = await start(settings, logs);
    const admin = server.adminCredential;
    if (admin === undefined) throw new Error('no admin credential on the first start');
    expect(admin.accessKeyId).toMatch(/^BKIA[A-Z2-7]{16}$/);
    expect(admin.file).toBe(join(settings.dataDir, ADMIN_CREDENTIALS_FILE));
    expect(statSync(admin.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(admin.file, 'utf8')).toContain(
      `aws_secret_access_key = ${admin.secretAccessKey}`,
    );
    const sfn = client(server, admin.accessKeyId, admin.secretAccessKey);
    await sfn.send(
      new CreateStateMachineCommand({
        name: 'hello',
        roleArn: 'arn:aws:iam::123456789012:role/baton',
        definition: JSON.stringify({
          StartAt: 'Hi',
          States: { Hi: { Type: 'Pass', Result: 'hello', End: true } },
        }),
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:hello',
      }),
    );
    expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({
      status: 'SUCCEEDED',
      output: '"hello"',
    });
    sfn.destroy();
    await server.close();
    expect(logs.join('')).not.toContain(admin.secretAccessKey);

    // A restart makes no new key and shows none; the saved one still works.
    const again = await start(settings);
    expect(again.adminCredential).toBeUndefined();
    const sfnAgain = client(again, admin.accessKeyId, admin.secretAccessKey);
    const listed = await sfnAgain.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((m) => m.name)).toEqual(['hello']);
    sfnAgain.destroy();
  });

  it('refuses unsigned requests, unknown keys and wrong secrets with AWS errors', async () => {
    const server = await start(config());
    const admin = server.adminCredential;
    if (admin === undefined) throw new Error('no admin credential');
    const unsigned = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.ListStateMachines',
      },
      body: '{}',
    });
    expect(unsigned.status).toBe(403);
    expect(((await unsigned.json()) as { __type: string }).__type).toContain(
      'MissingAuthenticationTokenException',
    );
    for (const [id, secret, expected] of [
      ['BKIAAAAAAAAAAAAAAAAA', admin.secretAccessKey, 'UnrecognizedClientException'],
      [admin.accessKeyId, 'x'.repeat(40), 'InvalidSignatureException'],
    ] as const) {
      const sfn = client(server, id, secret);
      const error = await sfn.send(new ListStateMachinesCommand({})).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toMatchObject({ name: expected });
      sfn.destroy();
    }
    // The probes stay open without credentials.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
