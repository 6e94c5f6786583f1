// What both HTTP benchmarks (bench/api.mjs with autocannon, bench/api-wrk.mjs with wrk) share:
// the real server (dist/, SQLite in a fresh temporary directory, WAL with synchronous=FULL,
// port 0, a fixed master key) with the 10-state Pass/Choice workflow created through the API
// and checked, and SigV4 signing with @smithy/signature-v4 (the SDK's signer).
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { defaultConfig } from '../dist/config/index.js';
import { startBaton } from '../dist/main.js';
import { tenStates } from './workflows.mjs';

/** AWS's StartExecution quota (standard workflows, us-east-1): a token bucket. */
export const AWS_QUOTA = { refillPerSecond: 300, burst: 1300 };
/** Issue #4's goal for StartExecution over HTTP on SQLite. */
export const GOAL = { startsPerSecond: 3000, p99Ms: 20 };
/** A fixed master key, so the run needs no key file; the data directory is thrown away. */
const MASTER_KEY = 'a'.repeat(64);

/** The hash @smithy/signature-v4 needs, on node:crypto (an HMAC when given a key). */
class NodeSha256 {
  constructor(secret) {
    this.secret = secret;
    this.reset();
  }
  update(data) {
    this.hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : toBuffer(data));
  }
  digest() {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset() {
    this.hash =
      this.secret === undefined
        ? createHash('sha256')
        : createHmac(
            'sha256',
            typeof this.secret === 'string' ? Buffer.from(this.secret) : toBuffer(this.secret),
          );
  }
}

function toBuffer(data) {
  return ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data);
}

/**
 * Headers and body of one signed request. The signature stays valid for 15 minutes and the
 * server does not reject replays, so one signed request is sent again and again.
 */
export async function signedRequest(credential, host, action, members) {
  const body = JSON.stringify(members);
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
    },
    region: 'us-east-1',
    service: 'states',
    sha256: NodeSha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: host.split(':')[0],
    path: '/',
    headers: {
      host,
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AWSStepFunctions.${action}`,
    },
    body,
  });
  return { headers: signed.headers, body };
}

async function call(url, credential, action, members) {
  const { headers, body } = await signedRequest(credential, new URL(url).host, action, members);
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${action}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/**
 * Starts the server with the 10-state workflow created and one execution of it checked.
 * `close` stops it and removes its data directory; `storedExecutions` counts what it holds.
 */
export async function startBenchServer(logLevel) {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-api-bench-'));
  const config = { ...defaultConfig(process.cwd()), dataDir, port: 0, logLevel };
  const server = await startBaton(config, { masterKey: MASTER_KEY });
  const close = async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const credential = server.adminCredential;
    if (credential === undefined) throw new Error('no admin credential on a fresh data directory');
    const { stateMachineArn } = await call(server.url, credential, 'CreateStateMachine', {
      name: 'bench-10-states',
      definition: JSON.stringify(tenStates()),
      roleArn: 'arn:aws:iam::123456789012:role/bench',
    });
    const check = await call(server.url, credential, 'StartExecution', {
      stateMachineArn,
      input: '{"n":0}',
    });
    const described = await call(server.url, credential, 'DescribeExecution', {
      executionArn: check.executionArn,
    });
    if (described.status !== 'SUCCEEDED' || described.output !== '{"n":6}') {
      throw new Error(`the workflow did not run as expected: ${JSON.stringify(described)}`);
    }
    const storedExecutions = async () => {
      const { executions } = await server.store.executions.stats(new Date().toISOString());
      return Object.values(executions).reduce((sum, n) => sum + n, 0);
    };
    /** The StartExecution request of the benchmarks, signed now. */
    const startRequest = () =>
      signedRequest(credential, new URL(server.url).host, 'StartExecution', {
        stateMachineArn,
        input: '{"n":0}',
      });
    return { server, startRequest, storedExecutions, close };
  } catch (error) {
    await close();
    throw error;
  }
}
