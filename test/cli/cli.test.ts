/**
 * The compiled `baton` binary, run as a user runs it: exit codes, stdout and stderr of `run`,
 * `test-state` and `validate`. Exit 0 means success, 1 a failed workflow or state, 2 a problem
 * with the arguments or files (bad JSON, a wrong mock shape, a missing mock, an invalid
 * definition). Most tests here are about the 1s and 2s.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'baton');
let dir = '';
/** The test-state definition, written once: the tests run concurrently. */
let task = '';

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function baton(...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Writes a file in this run's temporary directory and returns its path. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const FAILING = JSON.stringify({
  StartAt: 'Boom',
  States: { Boom: { Type: 'Fail', Error: 'Deploy.Broken', Cause: 'the disk is full' } },
});

/** A Task with every JSONPath stage, a Retrier and a Catcher, for test-state. */
const TASK = JSON.stringify(
  {
    StartAt: 'Deploy',
    States: {
      Deploy: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        InputPath: '$.job',
        Parameters: { 'environment.$': '$.env' },
        ResultSelector: { 'id.$': '$.Payload.id' },
        ResultPath: '$.deployment',
        Retry: [{ ErrorEquals: ['Custom.Flaky'], MaxAttempts: 2 }],
        Catch: [{ ErrorEquals: ['Custom.Fatal'], ResultPath: '$.failure', Next: 'Handle' }],
        End: true,
      },
      Handle: { Type: 'Pass', End: true },
    },
  },
  null,
  2,
);

const RELEASE = 'examples/release-train.asl.yaml';
const RELEASE_INPUT = '@examples/release-train.input.json';
const RELEASE_MOCKS = 'examples/release-train.mocks.json';

beforeAll(() => {
  // `npm ci` builds through `prepare`; a fresh checkout without it gets one build here.
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root });
  }
  dir = mkdtempSync(join(tmpdir(), 'baton-cli-'));
  task = file('task.asl.json', TASK);
}, 120_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

// Each test starts its own process and writes its own files, so they can run side by side.
describe.concurrent('baton run', () => {
  it('prints the output as JSON on stdout and exits 0', async () => {
    const ran = await baton(
      'run',
      'examples/hello.asl.json',
      '--input',
      '{"name": "Ada", "hour": 9}',
    );
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ message: 'Good morning, Ada!', execution: 'local' });
    expect(ran.stderr).toBe('');
  });

  it('runs with task results from a mock file', async () => {
    const ran = await baton('run', RELEASE, '--input', RELEASE_INPUT, '--mock', RELEASE_MOCKS);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual(
      JSON.parse(readFileSync(join(root, 'examples/release-train.expected.json'), 'utf8')),
    );
  });

  it('exits 1 and prints the error and cause when the workflow fails', async () => {
    const ran = await baton('run', file('failing.asl.json', FAILING));
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toContain('Execution FAILED');
    expect(ran.stderr).toContain('Error: Deploy.Broken');
    expect(ran.stderr).toContain('Cause: the disk is full');
  });

  it('exits 1 when a caught task failure leads to a Fail state', async () => {
    const mocks = JSON.parse(readFileSync(join(root, RELEASE_MOCKS), 'utf8')) as object;
    const broken = file(
      'broken-dev.mocks.json',
      JSON.stringify({ ...mocks, 'Deploy to dev': { error: 'States.Http.StatusCode.500' } }),
    );
    const ran = await baton('run', RELEASE, '--input', RELEASE_INPUT, '--mock', broken);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('Error: Release.Failed');
    expect(ran.stderr).toMatch(/^Cause: The release was rolled back/m);
  });

  it('exits 2 and points at file:line:col for an invalid JSON definition', async () => {
    const path = file(
      'typo.asl.json',
      '{\n  "StartAt": "A",\n  "States": {\n    "A": {\n      "Type": "Wiat",\n      "End": true\n    }\n  }\n}\n',
    );
    const ran = await baton('run', path);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toContain(`${path}:5:7:`);
    expect(ran.stderr).toContain('[INVALID_STATE_TYPE]');
  });

  it('exits 2 and points at file:line:col for an invalid YAML definition', async () => {
    const path = file(
      'dangling.asl.yaml',
      'StartAt: A\nStates:\n  A:\n    Type: Pass\n    Next: Nowhere\n',
    );
    const ran = await baton('run', path);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(`${path}:5:5:`);
    expect(ran.stderr).toContain('[UNKNOWN_TARGET]');
  });

  it('exits 2 when the definition file does not exist', async () => {
    const ran = await baton('run', join(dir, 'nowhere.asl.json'));
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('ENOENT');
  });

  it('exits 2 naming --input when the input is not JSON', async () => {
    const ran = await baton('run', 'examples/hello.asl.json', '--input', '{"name": Ada}');
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toContain('--input');
  });

  it('exits 2 naming --input and the file when --input @file is missing', async () => {
    const ran = await baton('run', 'examples/hello.asl.json', '--input', '@missing.json');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--input');
    expect(ran.stderr).toContain('missing.json');
    expect(ran.stderr).toContain('ENOENT');
  });

  it('exits 2 naming the JSON pointer of a mock entry with the wrong shape', async () => {
    const mocks = file('typo.mocks.json', JSON.stringify({ 'Deploy to dev': { reslt: {} } }));
    const ran = await baton('run', RELEASE, '--input', RELEASE_INPUT, '--mock', mocks);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('/Deploy to dev/reslt');
  });

  it('exits 2 naming the index of a bad outcome in a mock sequence', async () => {
    const mocks = file(
      'sequence.mocks.json',
      JSON.stringify({ 'Deploy to dev': [{ result: 1 }, 5] }),
    );
    const ran = await baton('run', RELEASE, '--input', RELEASE_INPUT, '--mock', mocks);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('/Deploy to dev/1');
  });

  it('escapes / in mock keys as ~1 in the JSON pointer', async () => {
    const mocks = file('slash.mocks.json', JSON.stringify({ 'a/b': 5 }));
    const ran = await baton('run', RELEASE, '--input', RELEASE_INPUT, '--mock', mocks);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('/a~1b');
  });

  it('exits 2 when the mock file is not an object', async () => {
    const mocks = file('array.mocks.json', '[{"result": 1}]');
    const ran = await baton('run', RELEASE, '--input', RELEASE_INPUT, '--mock', mocks);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('must be an object');
  });

  it('exits 2 when the mock file is not valid JSON', async () => {
    const mocks = file('broken.mocks.json', '{"Deploy to dev": {"result": }');
    const ran = await baton('run', RELEASE, '--input', RELEASE_INPUT, '--mock', mocks);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--mock');
  });

  it('exits 2 naming the state when a task has no mock', async () => {
    const ran = await baton('run', RELEASE, '--input', RELEASE_INPUT);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toContain('No mock for Task state "Deploy to dev"');
  });

  it('exits 2 for a negative --wait-scale', async () => {
    const ran = await baton('run', 'examples/hello.asl.json', '--wait-scale', '-1');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--wait-scale');
  });

  // Regression: commander's usage errors exited 1, which reads as "the workflow failed".
  it('exits 2 for an unknown option', async () => {
    const ran = await baton('run', 'examples/hello.asl.json', '--inptu', '{}');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("unknown option '--inptu'");
  });

  it('exits 2 when the file argument is missing', async () => {
    const ran = await baton('run');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("missing required argument 'file'");
  });

  it('--trace prints one line per event, then the history in Step Functions shapes', async () => {
    const input = { name: 'Ada', hour: 15 };
    const ran = await baton(
      'run',
      'examples/hello.asl.json',
      '--input',
      JSON.stringify(input),
      '--trace',
    );
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ message: 'Hello, Ada!', execution: 'local' });
    const start = ran.stderr.indexOf('{\n  "events"');
    expect(start).toBeGreaterThan(0);
    const lines = ran.stderr.slice(0, start).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\[1\] \S+ ExecutionStarted /);
    expect(lines.at(-1)).toMatch(/^\[\d+\] \S+ ExecutionSucceeded /);

    const { events } = JSON.parse(ran.stderr.slice(start)) as { events: Record<string, unknown>[] };
    expect(events).toHaveLength(lines.length);
    events.forEach((event, i) => {
      expect(event).toMatchObject({ id: i + 1, previousEventId: i, type: expect.any(String) });
      expect(typeof event['timestamp']).toBe('string');
    });
    const started = events[0]?.['executionStartedEventDetails'] as Record<string, unknown>;
    expect(typeof started['input']).toBe('string');
    expect(JSON.parse(started['input'] as string)).toEqual(input);
    const entered = events.find((e) => e['type'] === 'ChoiceStateEntered');
    const details = entered?.['stateEnteredEventDetails'] as Record<string, unknown>;
    expect(details['name']).toBe('Pick greeting');
    expect(typeof details['input']).toBe('string');
    expect(JSON.parse(details['input'] as string)).toEqual(input);
    const exited = events.find((e) => e['type'] === 'PassStateExited');
    const output = (exited?.['stateExitedEventDetails'] as Record<string, unknown>)['output'];
    expect(JSON.parse(output as string)).toEqual({ message: 'Hello, Ada!', execution: 'local' });
  });
});

describe.concurrent('baton test-state', () => {
  const input = JSON.stringify({ job: { env: 'dev' }, keep: 1 });

  it('shows every stage of a Task with a mocked result', async () => {
    const ran = await baton(
      'test-state',
      task,
      '--state',
      'Deploy',
      '--input',
      input,
      '--mock',
      '{"result": {"Payload": {"id": 7}}}',
    );
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^State Deploy: SUCCEEDED$/m);
    expect(ran.stdout).toMatch(/^ {2}after InputPath +\{"env":"dev"\}$/m);
    expect(ran.stdout).toMatch(/^ {2}after Parameters +\{"environment":"dev"\}$/m);
    expect(ran.stdout).toMatch(/^ {2}result +\{"Payload":\{"id":7\}\}$/m);
    expect(ran.stdout).toMatch(/^ {2}after ResultSelector +\{"id":7\}$/m);
    expect(ran.stdout).toMatch(
      /^ {2}after ResultPath +\{"job":\{"env":"dev"\},"keep":1,"deployment":\{"id":7\}\}$/m,
    );
    const order = [
      'after InputPath',
      'after Parameters',
      'result',
      'after ResultSelector',
      'after ResultPath',
    ];
    const positions = order.map((label) => ran.stdout.indexOf(`  ${label} `));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('--format json prints the inspection as JSON', async () => {
    const ran = await baton(
      'test-state',
      task,
      '--state',
      'Deploy',
      '--input',
      input,
      '--mock',
      '{"result": {"Payload": {"id": 7}}}',
      '--format',
      'json',
    );
    expect(ran.code).toBe(0);
    const inspection = JSON.parse(ran.stdout) as Record<string, unknown>;
    expect(inspection['status']).toBe('SUCCEEDED');
    expect(inspection['output']).toEqual({ job: { env: 'dev' }, keep: 1, deployment: { id: 7 } });
  });

  it('reports RETRIABLE and exits 1 while retries are left', async () => {
    const ran = await baton(
      'test-state',
      task,
      '--state',
      'Deploy',
      '--input',
      input,
      '--mock',
      '{"error": "Custom.Flaky"}',
      '--retry-attempts',
      '1',
    );
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/^State Deploy: RETRIABLE$/m);
  });

  it('reports FAILED and exits 1 once MaxAttempts retries were made', async () => {
    const ran = await baton(
      'test-state',
      task,
      '--state',
      'Deploy',
      '--input',
      input,
      '--mock',
      '{"error": "Custom.Flaky"}',
      '--retry-attempts',
      '2',
    );
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/^State Deploy: FAILED$/m);
  });

  it("reports CAUGHT_ERROR, exits 0 and names the Catcher's next state", async () => {
    const ran = await baton(
      'test-state',
      task,
      '--state',
      'Deploy',
      '--input',
      input,
      '--mock',
      '{"error": "Custom.Fatal", "cause": "no disk"}',
    );
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^State Deploy: CAUGHT_ERROR$/m);
    expect(ran.stdout).toMatch(/^ {2}next state +Handle$/m);
  });

  it('exits 2 naming the state when --state names no state', async () => {
    const ran = await baton('test-state', task, '--state', 'Deplyo', '--input', input);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toContain('Deplyo');
  });

  it('exits 2 when --state is missing', async () => {
    const ran = await baton('test-state', task, '--input', input);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("required option '-s, --state <name>' not specified");
  });

  it('exits 2 naming --input when the input is not JSON', async () => {
    const ran = await baton('test-state', task, '--state', 'Deploy', '--input', '{job}');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--input');
  });

  it('exits 2 when --mock has a field that is not a mock field', async () => {
    const ran = await baton(
      'test-state',
      task,
      '--state',
      'Deploy',
      '--input',
      input,
      '--mock',
      '{"reslt": 1}',
    );
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--mock at /reslt');
  });

  it('exits 2 for --retry-attempts that are not non-negative integers', async () => {
    const ran = await baton(
      'test-state',
      task,
      '--state',
      'Deploy',
      '--input',
      input,
      '--mock',
      '{"error": "Custom.Flaky"}',
      '--retry-attempts',
      '1,x',
    );
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--retry-attempts');
  });

  it('exits 2 when --variables is not an object', async () => {
    const ran = await baton('test-state', task, '--state', 'Deploy', '--variables', '[1]');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--variables');
  });

  it('exits 2 for a --format it does not know', async () => {
    const ran = await baton('test-state', task, '--state', 'Deploy', '--format', 'xml');
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--format');
  });
});

describe.concurrent('baton validate', () => {
  it('accepts the examples and exits 0', async () => {
    const ran = await baton('validate', 'examples/hello.asl.json', RELEASE);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('examples/hello.asl.json: OK');
  });

  it('exits 2 with file:line:col for every problem', async () => {
    const path = file(
      'two-problems.asl.json',
      '{\n  "StartAt": "Nope",\n  "States": {\n    "A": {"Type": "Pass"}\n  }\n}\n',
    );
    const ran = await baton('validate', path);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(
      new RegExp(`^${escape(path)}:2:\\d+: .*\\[UNKNOWN_START_AT\\]$`, 'm'),
    );
    expect(ran.stderr).toMatch(
      new RegExp(`^${escape(path)}:4:\\d+: .*\\[MISSING_TRANSITION\\]$`, 'm'),
    );
  });
});

describe.concurrent('--help', () => {
  it.each(['run', 'test-state', 'validate'])('of %s shows examples', async (command) => {
    const ran = await baton(command, '--help');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('Examples:');
  });

  it.each([[], ['run'], ['test-state'], ['validate']])(
    'of "baton %s" names only example files that exist',
    async (...command: string[]) => {
      const ran = await baton(...command, '--help');
      expect(ran.code).toBe(0);
      expect(ran.stdout).toContain('Examples:');
      const files = [...ran.stdout.matchAll(/examples\/[\w.-]+\.(?:json|ya?ml)/g)].map((m) => m[0]);
      for (const path of files) expect(existsSync(join(root, path)), path).toBe(true);
    },
  );
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('baton run: empty argument files', () => {
  it('says an empty --mock file is empty instead of describing a definition', async () => {
    const mock = file('empty-mocks.json', '\n');
    const result = await baton('run', 'examples/hello.asl.json', '--mock', mock);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is empty');
    expect(result.stderr).not.toContain('StartAt');
  });
});
