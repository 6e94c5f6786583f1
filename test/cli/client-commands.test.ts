/**
 * The client commands of the compiled `baton` binary against a real server in this process:
 * deploy, start (--wait), executions, describe, history, stop, redrive, send-task-*, and
 * completion. Exit 0 success, 1 an execution failed or the server is unreachable, 2 a usage or
 * input error (an invalid definition, bad JSON, an unknown workflow, a refused key). Most tests
 * are about the 1s and 2s.
 */
import {
  CreateActivityCommand,
  GetActivityTaskCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestServer } from './client-harness.js';
import {
  baton,
  cleanEnv,
  closedPortUrl,
  ensureBuilt,
  json,
  startTestServer,
} from './client-harness.js';

let t: TestServer;
const run = (...args: string[]) => baton({ env: t.env }, ...args);
// Every test spawns the CLI several times; on a loaded machine each spawn can take seconds.
vi.setConfig({ testTimeout: 90_000 });

/** The AWS SDK's client, signed with the admin key, for setting up what a test needs. */
function sdk(): SFNClient {
  return new SFNClient({
    endpoint: t.url,
    region: 'us-east-1',
    credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey },
    maxAttempts: 1,
  });
}

const HELLO = JSON.stringify({
  StartAt: 'Greet',
  States: {
    Greet: {
      Type: 'Pass',
      Parameters: { 'message.$': "States.Format('Hello, {}!', $.name)" },
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
});
const FAILING = JSON.stringify({
  StartAt: 'Boom',
  States: { Boom: { Type: 'Fail', Error: 'Deploy.Broken', Cause: 'the disk is full' } },
});
const WAITING = JSON.stringify({
  StartAt: 'Sleep',
  States: { Sleep: { Type: 'Wait', Seconds: 600, End: true } },
});
const ACTIVITY = (name: string): string =>
  JSON.stringify({
    StartAt: 'Approve',
    States: {
      Approve: {
        Type: 'Task',
        Resource: `arn:aws:states:us-east-1:123456789012:activity:${name}`,
        End: true,
      },
    },
  });

beforeAll(async () => {
  ensureBuilt();
  t = await startTestServer();
  for (const [name, definition] of [
    ['hello', HELLO],
    ['failing', FAILING],
    ['waiting', WAITING],
  ] as const) {
    const ran = await run('deploy', t.file(`${name}.asl.json`, definition), '--output', 'json');
    if (ran.code !== 0) throw new Error(`deploy ${name}: ${ran.stderr}`);
  }
}, 120_000);

afterAll(async () => {
  await t.close();
});

describe.concurrent('baton deploy', () => {
  it('creates a workflow, then reports it unchanged, then updates, publishes and moves an alias', async () => {
    const file = t.file('flow.asl.json', HELLO);
    const created = await run('deploy', file, '--output', 'json');
    expect(created.code).toBe(0);
    expect(json(created)).toMatchObject({ workflow: 'flow', change: 'created' });
    const again = await run('deploy', file, '--output', 'json');
    expect(json(again)).toMatchObject({ change: 'unchanged' });
    expect(json(again)).not.toHaveProperty('stateMachineVersionArn');

    const published = await run('deploy', file, '--alias', 'prod', '--output', 'json');
    expect(json(published)).toMatchObject({
      change: 'unchanged',
      stateMachineVersionArn: expect.stringMatching(/:stateMachine:flow:1$/),
      stateMachineAliasArn: expect.stringMatching(/:stateMachine:flow:prod$/),
    });
    t.file('flow.asl.json', FAILING);
    const updated = await run('deploy', file, '--alias', 'prod', '--output', 'json');
    expect(json(updated)).toMatchObject({
      change: 'updated',
      stateMachineVersionArn: expect.stringMatching(/:flow:2$/),
    });
    // The alias now runs version 2: the failing definition.
    const ran = await run('start', 'flow', '--alias', 'prod', '--wait', '--output', 'json');
    expect(ran.code).toBe(1);
    expect(json(ran)).toMatchObject({
      status: 'FAILED',
      stateMachineAliasArn: expect.stringMatching(/:prod$/),
    });
    const v1 = await run(
      'start',
      'flow',
      '--version',
      '1',
      '--wait',
      '--output',
      'json',
      '--input',
      '{"name":"v1"}',
    );
    expect(v1.code).toBe(0);
  });

  it('deploys YAML under --name, in table form', async () => {
    const file = t.file('yaml-flow.yaml', 'StartAt: A\nStates:\n  A:\n    Type: Succeed\n');
    const ran = await run('deploy', file, '--name', 'named-flow', '--output', 'table');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('Created workflow named-flow');
    expect(ran.stdout).toMatch(
      /ARN:\s+arn:aws:states:us-east-1:123456789012:stateMachine:named-flow/,
    );
  });

  it('reports an invalid definition as file:line:col, exits 2 and deploys nothing', async () => {
    const file = t.file(
      'broken.asl.json',
      '{\n  "StartAt": "Nowhere",\n  "States": {\n    "A": {"Type": "Succeed"}\n  }\n}\n',
    );
    const ran = await run('deploy', file);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: .*Nowhere`),
    );
    expect(ran.stderr).toContain('nothing was deployed');
    const started = await run('start', 'broken');
    expect(started.code).toBe(2);
    expect(started.stderr).toContain('State Machine Does Not Exist');
  });

  it('reports JSON syntax errors with their position', async () => {
    const file = t.file('syntax.asl.json', '{\n  "StartAt": "A",\n  "States": {,}\n}\n');
    const ran = await run('deploy', file);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/syntax\.asl\.json:3:\d+:/);
  });

  it('says so when the file cannot be read', async () => {
    const ran = await run('deploy', join(t.dir, 'missing.asl.json'));
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('cannot read');
    expect(ran.stderr).toContain('ENOENT');
  });
});

describe.concurrent('baton start', () => {
  it('with --wait prints progress through the states and the output, and exits 0', async () => {
    const ran = await run(
      'start',
      'hello',
      '--input',
      '{"name":"Ada"}',
      '--name',
      'ada-1',
      '--wait',
      '--output',
      'table',
    );
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ message: 'Hello, Ada!' });
    expect(ran.stderr).toMatch(/\+\d+\.\d{3}s\s+entered\s+Greet/);
    expect(ran.stderr).toMatch(/exited\s+Greet/);
    expect(ran.stderr).toMatch(/succeeded\s+execution/);
    expect(ran.stderr).toContain('SUCCEEDED');
  });

  it('with --wait exits 1 for a failed execution and prints its error and cause', async () => {
    const ran = await run('start', 'failing', '--wait', '--output', 'table');
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('FAILED');
    expect(ran.stderr).toContain('error: Deploy.Broken');
    expect(ran.stderr).toContain('cause: the disk is full');
  });

  it('without --wait prints the execution ARN', async () => {
    const ran = await run('start', 'hello', '--input', '{"name":"Bo"}', '--output', 'json');
    expect(ran.code).toBe(0);
    expect(json(ran)).toMatchObject({ executionArn: expect.stringContaining(':execution:hello:') });
  });

  it('reads the input from @file, YAML too', async () => {
    const input = t.file('input.yaml', 'name: Yaml\n');
    const ran = await run('start', 'hello', '--input', `@${input}`, '--wait', '--output', 'json');
    expect(ran.code).toBe(0);
    expect(json(ran)).toMatchObject({ status: 'SUCCEEDED', output: '{"message":"Hello, Yaml!"}' });
    // Progress goes to stderr in JSON mode too, so stdout stays one JSON document.
    expect(ran.stderr).toMatch(/entered\s+Greet/);
  });

  it('rejects input that is not JSON with its position, exit 2', async () => {
    const ran = await run('start', 'hello', '--input', '{"name": }');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/--input: <argument>:1:\d+/);
  });

  it('says how to deploy an unknown workflow, exit 2', async () => {
    const ran = await run('start', 'no-such-flow');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('baton deploy');
  });

  it('refuses --version with --alias, and a version that is not a number', async () => {
    const both = await run('start', 'hello', '--version', '1', '--alias', 'prod');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('not both');
    const bad = await run('start', 'hello', '--version', 'latest');
    expect(bad.code).toBe(2);
  });

  it('refuses a name already used, saying to pick another', async () => {
    await run('start', 'waiting', '--name', 'dup');
    const again = await run('start', 'waiting', '--name', 'dup', '--input', '{"x":1}');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('pick another --name');
  });
});

describe.concurrent('executions, describe and history', () => {
  it('lists executions of a workflow, filtered by status', async () => {
    await run('start', 'failing', '--name', 'listed-failure', '--wait');
    const failed = await run(
      'executions',
      '--workflow',
      'failing',
      '--status',
      'FAILED',
      '--output',
      'json',
    );
    expect(failed.code).toBe(0);
    const items = json(failed) as { name: string; status: string }[];
    expect(items.map((e) => e.name)).toContain('listed-failure');
    expect(items.every((e) => e.status === 'FAILED')).toBe(true);
    const table = await run('executions', '--output', 'table', '--limit', '500');
    expect(table.stdout).toMatch(/^WORKFLOW\s+NAME\s+STATUS\s+STARTED\s+STOPPED/);
    expect(table.stdout).toMatch(/failing\s+listed-failure\s+FAILED/);
  });

  it('pages through more executions than one page holds, and stops at --limit', async () => {
    const file = t.file(
      'many.asl.json',
      JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Succeed' } } }),
    );
    await run('deploy', file);
    // 120 executions: more than one page of 100, started through the SDK to be quick.
    const sfn = sdk();
    const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:many';
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: `m${i}` })),
      ),
    );
    sfn.destroy();
    const two = await run('executions', '--workflow', 'many', '--limit', '110', '--output', 'json');
    const names = (json(two) as { name: string }[]).map((e) => e.name);
    expect(names.length).toBe(110);
    expect(new Set(names).size).toBe(110);
    const all = await run('executions', '--workflow', 'many', '--limit', '500', '--output', 'json');
    expect((json(all) as unknown[]).length).toBe(120);
    const byDefault = await run('executions', '--workflow', 'many', '--output', 'json');
    expect((json(byDefault) as unknown[]).length).toBe(50);
  });

  it('rejects a bad --limit and an unknown --status', async () => {
    expect((await run('executions', '--limit', 'ten')).code).toBe(2);
    const status = await run('executions', '--status', 'DONE');
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('RUNNING');
  });

  it('describes an execution by WORKFLOW/NAME and by ARN', async () => {
    await run('start', 'hello', '--name', 'described', '--input', '{"name":"Di"}', '--wait');
    const byName = await run('describe', 'hello/described', '--output', 'table');
    expect(byName.code).toBe(0);
    expect(byName.stdout).toMatch(/Status:\s+SUCCEEDED/);
    expect(byName.stdout).toContain('Output:');
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:hello:described';
    expect(json(await run('describe', arn, '--output', 'json'))).toMatchObject({
      executionArn: arn,
    });
  });

  it('explains what an execution reference looks like, and an unknown one', async () => {
    const bad = await run('describe', 'just-a-name');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('WORKFLOW/NAME');
    const unknown = await run('describe', 'hello/never-ran');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('baton executions');
  });

  it('prints the history as a timeline with state names and relative times, or raw with --json', async () => {
    await run('start', 'hello', '--name', 'timeline', '--input', '{"name":"Ti"}', '--wait');
    const timeline = await run('history', 'hello/timeline', '--output', 'table');
    expect(timeline.code).toBe(0);
    const lines = timeline.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/#1\s+\+0\.000s\s+ExecutionStarted/);
    expect(timeline.stdout).toMatch(/#\d+\s+\+\d+\.\d{3}s\s+PassStateEntered\s+Greet/);
    expect(lines.at(-1)).toMatch(/ExecutionSucceeded/);
    const raw = await run('history', 'hello/timeline', '--json');
    const events = json(raw) as { type: string }[];
    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  });
});

describe.concurrent('stop and redrive', () => {
  it('stops a running execution with an error and cause', async () => {
    await run('start', 'waiting', '--name', 'to-stop');
    const stopped = await run(
      'stop',
      'waiting/to-stop',
      '--error',
      'Operator.Cancelled',
      '--cause',
      'wrong input',
    );
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toBe('');
    const described = json(await run('describe', 'waiting/to-stop', '--output', 'json'));
    expect(described).toMatchObject({
      status: 'ABORTED',
      error: 'Operator.Cancelled',
      cause: 'wrong input',
    });
  });

  it('redrives an aborted execution, and refuses to redrive a succeeded one', async () => {
    await run('start', 'waiting', '--name', 'to-redrive');
    await run('stop', 'waiting/to-redrive');
    const redriven = await run('redrive', 'waiting/to-redrive', '--output', 'table');
    expect(redriven.code).toBe(0);
    expect(redriven.stdout).toContain('Redriven');
    expect(json(await run('describe', 'waiting/to-redrive', '--output', 'json'))).toMatchObject({
      status: 'RUNNING',
      redriveCount: 1,
    });
    await run('start', 'hello', '--name', 'done', '--input', '{"name":"Do"}', '--wait');
    const refused = await run('redrive', 'hello/done');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'only FAILED, TIMED_OUT or ABORTED executions can be redriven',
    );
  });

  it('says so when stopping an execution that does not exist', async () => {
    const ran = await run('stop', 'waiting/ghost');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('Execution Does Not Exist');
  });
});

describe('send-task-success, send-task-failure, send-task-heartbeat', () => {
  async function waitingTask(activity: string, name: string): Promise<string> {
    const sfn = sdk();
    await sfn.send(new CreateActivityCommand({ name: activity }));
    await run('deploy', t.file(`${activity}.asl.json`, ACTIVITY(activity)), '--name', activity);
    await run('start', activity, '--name', name);
    const task = await sfn.send(
      new GetActivityTaskCommand({
        activityArn: `arn:aws:states:us-east-1:123456789012:activity:${activity}`,
      }),
    );
    sfn.destroy();
    if (task.taskToken === undefined) throw new Error('no task');
    return task.taskToken;
  }

  it('completes a task with JSON output from @file, after a heartbeat', async () => {
    const token = await waitingTask('approve-ok', 'a1');
    const heartbeat = await run('send-task-heartbeat', '--token', token);
    expect(heartbeat.code).toBe(0);
    const output = t.file('approval.json', '{"approved": true}');
    const ran = await run('send-task-success', '--token', token, '--output', `@${output}`);
    expect(ran.code).toBe(0);
    const described = json(await run('describe', 'approve-ok/a1', '--output', 'json'));
    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '{"approved":true}' });
  });

  it('fails a task with an error and cause', async () => {
    const token = await waitingTask('approve-no', 'n1');
    const ran = await run(
      'send-task-failure',
      '--token',
      token,
      '--error',
      'Approval.Rejected',
      '--cause',
      'tests are red',
    );
    expect(ran.code).toBe(0);
    const described = json(await run('describe', 'approve-no/n1', '--output', 'json'));
    expect(described).toMatchObject({
      status: 'FAILED',
      error: 'Approval.Rejected',
      cause: 'tests are red',
    });
  });

  it('refuses output that is not JSON, and a token that is unknown or already used', async () => {
    const token = await waitingTask('approve-bad', 'b1');
    const notJson = await run('send-task-success', '--token', token, '--output', 'approved');
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('--output');
    await run('send-task-success', '--token', token, '--output', '{}');
    const used = await run('send-task-success', '--token', token, '--output', '{}');
    expect(used.code).toBe(2);
    const unknown = await run('send-task-heartbeat', '--token', 'not-a-token');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Invalid Token|TaskDoesNotExist|token/i);
  });

  it('requires --token', async () => {
    const ran = await run('send-task-failure');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--token');
  });
});

describe.concurrent('connection settings and errors', () => {
  it('finds the server’s admin key in ./.baton/admin-credentials with no other settings', async () => {
    const ran = await baton(
      { env: cleanEnv({ BATON_URL: t.url }), cwd: t.dir },
      'executions',
      '--workflow',
      'hello',
      '--output',
      'json',
    );
    expect(ran.code).toBe(0);
    expect(Array.isArray(json(ran))).toBe(true);
  });

  it('says how to give a key when there is none', async () => {
    const ran = await baton({ env: cleanEnv({ BATON_URL: t.url }), cwd: tmpdir() }, 'executions');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('BATON_ACCESS_KEY_ID');
  });

  it('reads the URL and key from --config, below the environment', async () => {
    const config = t.file(
      'client.yaml',
      `url: ${t.url}\naccessKeyId: ${t.accessKeyId}\nsecretAccessKey: ${t.secretAccessKey}\n`,
    );
    const ran = await baton(
      { env: cleanEnv(), cwd: tmpdir() },
      'executions',
      '--config',
      config,
      '--output',
      'json',
    );
    expect(ran.code).toBe(0);
    const url = await closedPortUrl();
    const overridden = await baton(
      { env: cleanEnv({ BATON_URL: url }), cwd: tmpdir() },
      'executions',
      '--config',
      config,
    );
    expect(overridden.code).toBe(1);
    expect(overridden.stderr).toContain(`no Baton server at ${url}`);
  });

  it('reads ~/.config/baton/config.yaml', async () => {
    const home = join(t.dir, 'home');
    mkdirSync(join(home, '.config', 'baton'), { recursive: true });
    writeFileSync(
      join(home, '.config', 'baton', 'config.yaml'),
      `url: ${t.url}\naccessKeyId: ${t.accessKeyId}\nsecretAccessKey: ${t.secretAccessKey}\n`,
    );
    const ran = await baton(
      { env: cleanEnv({ HOME: home }), cwd: tmpdir() },
      'executions',
      '--output',
      'json',
    );
    expect(ran.code).toBe(0);
  });

  it('reports a config file that is missing, malformed or has unknown keys', async () => {
    const missing = await run('executions', '--config', join(t.dir, 'nope.yaml'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
    const malformed = await run('executions', '--config', t.file('bad.yaml', 'url: [\n'));
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/bad\.yaml:\d+:\d+/);
    const unknown = await run('executions', '--config', t.file('typo.yaml', 'endpoint: x\n'));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown key "endpoint"');
  });

  it('flags win over the environment, and AWS_* keys are used when BATON_* are not set', async () => {
    const viaAws = await baton(
      {
        env: cleanEnv({
          BATON_URL: t.url,
          AWS_ACCESS_KEY_ID: t.accessKeyId,
          AWS_SECRET_ACCESS_KEY: t.secretAccessKey,
        }),
        cwd: tmpdir(),
      },
      'executions',
    );
    expect(viaAws.code).toBe(0);
    const flagWins = await run(
      'executions',
      '--access-key-id',
      'BKIAAAAAAAAAAAAAAAAA',
      '--secret-access-key',
      'x',
    );
    expect(flagWins.code).toBe(2);
    expect(flagWins.stderr).toContain('BKIAAAAAAAAAAAAAAAAA');
    expect(flagWins.stderr).toContain('unknown to this server');
  });

  it('tells an unknown key from a wrong secret, and never prints the secret', async () => {
    const wrongSecret = await baton(
      { env: { ...t.env, BATON_SECRET_ACCESS_KEY: 'Not-The-Secret-1234567890' } },
      'executions',
    );
    expect(wrongSecret.code).toBe(2);
    expect(wrongSecret.stderr).toContain('does not belong to access key');
    expect(wrongSecret.stderr).not.toContain('Not-The-Secret-1234567890');
    const half = await baton(
      { env: cleanEnv({ BATON_URL: t.url, BATON_ACCESS_KEY_ID: t.accessKeyId }) },
      'executions',
    );
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('secret access key is missing');
  });

  it('says the region is wrong', async () => {
    const ran = await run('executions', '--region', 'eu-west-1');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--region');
  });

  it('says to start a server when none listens, exit 1', async () => {
    const url = await closedPortUrl();
    const ran = await run('start', 'hello', '--url', url);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain(`no Baton server at ${url}: start one with \`baton server\``);
  });

  it('says when the URL is not a Step Functions endpoint', async () => {
    const ran = await run('executions', '--url', `${t.url}/healthz`);
    expect(ran.code).not.toBe(0);
    const bad = await run('executions', '--url', 'ftp://example');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('http://');
  });
});

describe.concurrent('help and completion', () => {
  const commands = [
    'deploy',
    'start',
    'executions',
    'describe',
    'history',
    'stop',
    'redrive',
    'send-task-success',
    'send-task-failure',
    'send-task-heartbeat',
    'worker',
    'completion',
  ];

  it.each(commands)('%s --help shows examples', async (command) => {
    const ran = await run(command, '--help');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('Examples:');
    expect(ran.stdout).toContain(`$ baton ${command}`);
  });

  it('generates a bash script that parses and knows every command and choice', async () => {
    const ran = await run('completion', 'bash');
    expect(ran.code).toBe(0);
    for (const command of commands) expect(ran.stdout).toContain(`${command})`);
    expect(ran.stdout).toContain("'json table'");
    expect(ran.stdout).toContain('--access-key-id');
    execFileSync('bash', ['-n'], { input: ran.stdout });
    // Completing `baton dep` offers deploy; `baton start --output ` offers json and table.
    const complete = (line: string): string =>
      execFileSync('bash', [
        '-c',
        `${ran.stdout}\nCOMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _baton; echo "\${COMPREPLY[@]}"`,
      ])
        .toString()
        .trim();
    expect(complete('baton dep')).toBe('deploy');
    expect(complete("baton start --output ''")).toBe('json table');
  });

  it('generates a zsh script, and refuses other shells', async () => {
    const zsh = await run('completion', 'zsh');
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef baton/);
    expect(zsh.stdout).toContain("'deploy:");
    const fish = await run('completion', 'fish');
    expect(fish.code).toBe(2);
  });

  it('completes in zsh: autoloaded from fpath on the first Tab, or sourced after compinit', async () => {
    const zsh = await run('completion', 'zsh');
    try {
      execFileSync('zsh', ['--version']);
    } catch {
      expect.fail('zsh is not installed: apt-get install zsh (this test runs the script in it)');
    }
    execFileSync('zsh', ['-n'], { input: zsh.stdout });
    const dir = join(tmpdir(), `baton-zsh-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '_baton'), zsh.stdout);
    // The completion system's _describe and _arguments print what they were given instead of
    // completing (there is no terminal); the script under test is the real one, autoloaded as
    // compinit would load it from $fpath.
    const complete = (line: string, current: number): string =>
      execFileSync('zsh', [
        '-f',
        '-c',
        [
          `fpath=(${dir} $fpath)`,
          'autoload -U _baton',
          '_describe() { print -r -- "describe ${(P)2}" }',
          '_arguments() { print -r -- "arguments $*" }',
          `words=(${line}); CURRENT=${current}`,
          '_baton',
        ].join('\n'),
      ])
        .toString()
        .trim();
    // Offered on the very first call (an autoloaded file that only registered itself would
    // complete nothing until the second Tab).
    expect(complete('baton dep', 2)).toMatch(/^describe .*deploy:/);
    const options = complete('baton start --out', 3);
    expect(options).toMatch(/^arguments /);
    expect(options).toContain('--output[]:value:(json table)');
    expect(options).toContain('--wait[]');
    expect(complete('baton completion ""', 3)).toContain('1:shell:(bash zsh)');
    // Sourced after compinit, it registers itself for baton.
    const registered = execFileSync('zsh', [
      '-f',
      '-c',
      `autoload -U compinit && compinit -u -D\nsource ${join(dir, '_baton')}\nprint -r -- $_comps[baton]`,
    ])
      .toString()
      .trim();
    expect(registered).toBe('_baton');
  });
});
