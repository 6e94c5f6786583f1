/**
 * The examples are documentation that runs: every examples/*.asl.{json,yaml,yml} must pass
 * `baton validate`, and run with the local runner from its `<name>.input.json` and
 * `<name>.mocks.json` (when present) to exactly `<name>.expected.json`. Expected outputs were
 * checked by hand against each workflow, not copied from a run.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/common/index.js';
import { readDefinitionText } from '../../src/definition-source/index.js';
import type { StateMachineDefinition } from '../../src/language/index.js';
import { validateDefinition } from '../../src/language/definition/index.js';
import { parseMockTable, runLocal } from '../../src/local/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const examplesDir = join(root, 'examples');
const DEFINITION = /^(?<name>.+)\.asl\.(json|ya?ml)$/;

/** Folders of examples/ that hold workflows: the top level, and the GitLab ones. */
const EXAMPLE_DIRS = ['', 'gitlab'];

const examples = EXAMPLE_DIRS.flatMap((dir) =>
  readdirSync(join(examplesDir, dir)).map((file) => {
    const name = DEFINITION.exec(file)?.groups?.['name'];
    return { file: join(dir, file), name: name === undefined ? undefined : join(dir, name) };
  }),
)
  .filter((e): e is { file: string; name: string } => e.name !== undefined)
  .sort((a, b) => a.file.localeCompare(b.file));

function readJson(path: string): JsonValue {
  return JSON.parse(readFileSync(path, 'utf8')) as JsonValue;
}

/** Reads and validates a definition as `baton validate` does; fails the test on any problem. */
function load(file: string): StateMachineDefinition {
  const parsed = readDefinitionText(readFileSync(join(examplesDir, file), 'utf8'), file);
  const problems = parsed.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`);
  if (!parsed.ok) return expect.fail(`${file} does not parse:\n${problems.join('\n')}`);
  const validated = validateDefinition(parsed.value, parsed.sourceMap);
  if (!validated.ok) {
    const all = [
      ...problems,
      ...validated.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`),
    ];
    return expect.fail(`${file} is invalid:\n${all.join('\n')}`);
  }
  expect(problems, `${file} has parse warnings`).toEqual([]);
  return validated.definition;
}

describe('examples', () => {
  it('include at least the two the README shows', () => {
    expect(examples.map((e) => e.file)).toEqual(
      expect.arrayContaining(['hello.asl.json', 'release-train.asl.yaml']),
    );
  });

  it('include the GitLab workflows docs/gitlab.md shows', () => {
    expect(examples.map((e) => e.file)).toEqual(
      expect.arrayContaining([
        'gitlab/release.asl.yaml',
        'gitlab/mr-checks.asl.yaml',
        'gitlab/retry-failed-jobs.asl.yaml',
      ]),
    );
  });

  describe.each(examples)('$file', ({ file, name }) => {
    it('is a valid definition', () => {
      load(file);
    });

    it(`runs to ${name}.expected.json`, async () => {
      const definition = load(file);
      const path = (suffix: string): string => join(examplesDir, `${name}.${suffix}`);
      const expectedPath = path('expected.json');
      expect(existsSync(expectedPath), `${name}.expected.json is missing`).toBe(true);
      const mocksPath = path('mocks.json');
      const result = await runLocal(definition, {
        input: existsSync(path('input.json')) ? readJson(path('input.json')) : {},
        ...(existsSync(mocksPath)
          ? { mocks: parseMockTable(readJson(mocksPath), `${name}.mocks.json`) }
          : {}),
        // The names `baton run examples/<file>` uses, so the output is what the CLI prints.
        executionName: 'local',
        stateMachineName: basename(name),
      });
      if (result.status !== 'SUCCEEDED') {
        return expect.fail(`${file} ended ${result.status}: ${result.error}: ${result.cause}`);
      }
      expect(result.output).toEqual(readJson(expectedPath));
    });
  });
});

describe('the README', () => {
  const readme = (): string => readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = (): string[] =>
    [...readme().matchAll(/```sh\n(?<body>[\s\S]*?)```/g)].map((m) => m.groups?.['body'] ?? '');

  it('starts with a first command whose npm script exists and loads the examples', () => {
    const firstCommand = blocks()[0]?.split('\n')[0] ?? '';
    expect(firstCommand).toBe('npm ci && npm start');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['start']).toContain('--workflows examples');
  });

  it('runs an example that exists, from a workflow npm start loads', () => {
    const tryIt = blocks()[1] ?? '';
    const files = [...tryIt.matchAll(/@?(?<path>examples\/\S+)/g)].map(
      (m) => m.groups?.['path'] ?? '',
    );
    expect(files.length, `no example file in "${tryIt}"`).toBeGreaterThan(0);
    for (const path of files) expect(existsSync(join(root, path)), path).toBe(true);
    const workflow = /baton start (?<name>\S+)/.exec(tryIt)?.groups?.['name'] ?? '';
    expect(existsSync(join(root, 'examples', `${workflow}.asl.json`))).toBe(true);
  });
});
