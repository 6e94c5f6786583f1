/**
 * The AWS CLI (`aws stepfunctions ... --endpoint-url`) against the API on loopback, unchanged:
 * create, start, describe, history, and listing with the CLI's own pagination driving our
 * tokens. Dummy credentials; no config or credentials file is read.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropAll } from '../../support/databases.js';
import type { Harness } from './harness.js';
import { REGION, ROLE, SM_PREFIX, definition, startHarness } from './harness.js';

const run = promisify(execFile);
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
  await dropAll();
});

const ENV = {
  PATH: process.env['PATH'] ?? '',
  HOME: process.env['HOME'] ?? '/tmp',
  AWS_ACCESS_KEY_ID: 'AKIDTEST',
  AWS_SECRET_ACCESS_KEY: 'not-a-secret',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PAGER: '',
  // StartSyncExecution and TestState carry the host prefix `sync-`, which a loopback endpoint
  // cannot have; botocore's switch turns it off.
  AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
};

/** Runs `aws stepfunctions ARGS` and returns its parsed JSON output (or the failure). */
async function aws(
  ...args: string[]
): Promise<{ ok: true; json: Record<string, unknown> } | { ok: false; stderr: string }> {
  try {
    const { stdout } = await run(
      'aws',
      ['stepfunctions', ...args, '--endpoint-url', h.url, '--region', REGION, '--output', 'json'],
      { env: ENV, timeout: 60_000 },
    );
    const parsed: unknown = stdout.trim() === '' ? {} : JSON.parse(stdout);
    return { ok: true, json: typeof parsed === 'object' && parsed !== null ? { ...parsed } : {} };
  } catch (error: unknown) {
    const stderr =
      typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : '';
    return { ok: false, stderr };
  }
}

async function ok(...args: string[]): Promise<Record<string, unknown>> {
  const result = await aws(...args);
  if (!result.ok) throw new Error(`aws ${args.join(' ')} failed: ${result.stderr}`);
  return result.json;
}

describe('the AWS CLI', () => {
  it('creates, starts, describes, reads history and lists with pagination', async () => {
    const created = await ok(
      'create-state-machine',
      '--name',
      'cli-flow',
      '--definition',
      definition({ Start: { Type: 'Pass', Result: { done: true }, ResultPath: '$.r', End: true } }),
      '--role-arn',
      ROLE,
    );
    expect(created['stateMachineArn']).toBe(`${SM_PREFIX}cli-flow`);
    // On the wire as epoch seconds; CLI v1 prints timestamps as received by default.
    expect(created['creationDate']).toBe(Date.parse('2026-03-01T12:00:00Z') / 1000);

    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      h.clock.advance(1);
      const started = await ok(
        'start-execution',
        '--state-machine-arn',
        `${SM_PREFIX}cli-flow`,
        '--name',
        `run-${i}`,
        '--input',
        `{"i":${i}}`,
      );
      names.push(String(started['executionArn']));
    }

    const described = await ok('describe-execution', '--execution-arn', names[0] ?? '');
    expect(described).toMatchObject({
      executionArn: names[0],
      stateMachineArn: `${SM_PREFIX}cli-flow`,
      name: 'run-0',
      status: 'SUCCEEDED',
      input: '{"i":0}',
      output: '{"i":0,"r":{"done":true}}',
    });

    const history = await ok(
      'get-execution-history',
      '--execution-arn',
      names[0] ?? '',
      '--reverse-order',
    );
    const events = history['events'];
    expect(Array.isArray(events) ? events.map((e: { type: string }) => e.type) : []).toEqual([
      'ExecutionSucceeded',
      'PassStateExited',
      'PassStateEntered',
      'ExecutionStarted',
    ]);

    // --page-size 1: the CLI follows our nextTokens through every page by itself.
    const all = await ok(
      'list-executions',
      '--state-machine-arn',
      `${SM_PREFIX}cli-flow`,
      '--page-size',
      '1',
    );
    const listed = all['executions'];
    expect(
      Array.isArray(listed) ? listed.map((e: { executionArn: string }) => e.executionArn) : [],
    ).toEqual([...names].reverse());

    // --max-items: the CLI hands out a token that wraps ours, and resumes from it.
    const first = await ok(
      'list-executions',
      '--state-machine-arn',
      `${SM_PREFIX}cli-flow`,
      '--max-items',
      '2',
    );
    expect(first['NextToken']).toEqual(expect.any(String));
    const rest = await ok(
      'list-executions',
      '--state-machine-arn',
      `${SM_PREFIX}cli-flow`,
      '--max-items',
      '2',
      '--starting-token',
      String(first['NextToken']),
    );
    const tail = rest['executions'];
    expect(
      Array.isArray(tail) ? tail.map((e: { executionArn: string }) => e.executionArn) : [],
    ).toEqual([names[0]]);
  }, 120_000);

  it('runs StartSyncExecution and TestState', async () => {
    await ok(
      'create-state-machine',
      '--name',
      'cli-express',
      '--definition',
      definition(),
      '--role-arn',
      ROLE,
      '--type',
      'EXPRESS',
    );
    const result = await ok(
      'start-sync-execution',
      '--state-machine-arn',
      `${SM_PREFIX}cli-express`,
      '--input',
      '{}',
    );
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: '{"done":true}' });
    const tested = await ok(
      'test-state',
      '--definition',
      '{"Type":"Pass","Result":1,"Next":"B"}',
      '--inspection-level',
      'DEBUG',
    );
    expect(tested).toMatchObject({ status: 'SUCCEEDED', output: '1', nextState: 'B' });
  }, 60_000);

  it('reports AWS exception names for errors', async () => {
    const missing = await aws('describe-state-machine', '--state-machine-arn', `${SM_PREFIX}ghost`);
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.stderr).toContain('StateMachineDoesNotExist');
    const invalid = await aws('describe-execution', '--execution-arn', 'not-an-arn');
    expect(invalid.ok).toBe(false);
    if (!invalid.ok) expect(invalid.stderr).toContain('InvalidArn');
  }, 60_000);
});
