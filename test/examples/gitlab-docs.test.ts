/**
 * docs/gitlab.md stays true to the code and examples it shows: its YAML snippets parse, the
 * trigger and task snippets are the ones in examples/gitlab/, its links point at files that
 * exist, and its error table names every GitLab.* error of the task resources.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = (): string => readFileSync(join(root, 'docs', 'gitlab.md'), 'utf8');
const yamlBlocks = (): string[] =>
  [...doc().matchAll(/```yaml\n(?<body>[\s\S]*?)```/g)].map((m) => m.groups?.['body'] ?? '');

/** The GitLab.* error names of the task resources (the shared contract). */
const ERRORS = [
  'NotFound',
  'Forbidden',
  'Unauthorized',
  'RateLimited',
  'ServerError',
  'Timeout',
  'ConnectionFailed',
  'BadRequest',
  'Conflict',
  'Unprocessable',
  'PipelineFailed',
  'PipelineCanceled',
  'JobFailed',
  'JobCanceled',
  'VariablesNotAllowed',
  'InvalidProjectPath',
  'UnknownConnection',
  'InvalidParameters',
  'TooLarge',
];

describe('docs/gitlab.md', () => {
  it('has YAML snippets that parse', () => {
    const blocks = yamlBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const block of blocks) {
      for (const document of parseAllDocuments(block)) {
        expect(
          document.errors.map((e) => e.message),
          block.slice(0, 80),
        ).toEqual([]);
      }
    }
  });

  it('shows the first rule of examples/gitlab/triggers.yaml as it is', () => {
    const file = parse(readFileSync(join(root, 'examples/gitlab/triggers.yaml'), 'utf8')) as {
      triggers: unknown[];
    };
    const shown = yamlBlocks()
      .map((b) => parseAllDocuments(b)[0]?.toJS() as unknown)
      .find((v) => typeof v === 'object' && v !== null && 'triggers' in v) as
      { triggers: unknown[] } | undefined;
    expect(shown?.triggers[0]).toEqual(file.triggers[0]);
  });

  it('shows the Build state of examples/gitlab/release.asl.yaml as it is, but for its ResultSelector', () => {
    const release = parse(readFileSync(join(root, 'examples/gitlab/release.asl.yaml'), 'utf8')) as {
      States: Record<string, Record<string, unknown>>;
    };
    const shown = yamlBlocks()
      .map((b) => parseAllDocuments(b)[0]?.toJS() as unknown)
      .find((v) => typeof v === 'object' && v !== null && 'Build' in v) as
      { Build: Record<string, unknown> } | undefined;
    const withoutSelector = (state: Record<string, unknown> | undefined) =>
      Object.fromEntries(Object.entries(state ?? {}).filter(([key]) => key !== 'ResultSelector'));
    expect(withoutSelector(shown?.Build)).toEqual(withoutSelector(release.States['Build']));
    expect(shown?.Build['ResultSelector']).toBeDefined();
  });

  it('names every GitLab error in its error table', () => {
    const text = doc();
    for (const name of ERRORS) expect(text, name).toMatch(new RegExp(`\\| \`GitLab\\.${name}\``));
  });

  it('links only to files that exist', () => {
    for (const match of doc().matchAll(/\]\((?<target>\.\.?\/[^)#]+|[a-z-]+\.md)(#[^)]*)?\)/g)) {
      const target = match.groups?.['target'] ?? '';
      expect(existsSync(join(root, 'docs', target)), target).toBe(true);
    }
  });
});
