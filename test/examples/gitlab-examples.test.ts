/**
 * examples/gitlab/: the failure paths of the GitLab workflows (retries on transient GitLab
 * errors, rollback on a failed job or pipeline), and triggers.yaml: every rule uses the fields
 * docs/gitlab.md documents, names a workflow that exists, and its JSONata input and name
 * templates turn the real GitLab payloads (../shared/reference/gitlab-fixtures) into the input
 * the workflow reads and a valid execution name.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import type { JsonValue } from '../../src/common/index.js';
import { isJsonObject } from '../../src/common/index.js';
import { readDefinitionText } from '../../src/definition-source/index.js';
import type { StateMachineDefinition } from '../../src/language/index.js';
import { validateDefinition } from '../../src/language/definition/index.js';
import { parseMockTable, runLocal } from '../../src/local/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = join(root, 'examples', 'gitlab');
const fixtures = join(root, '..', 'shared', 'reference', 'gitlab-fixtures');

function readJson(path: string): JsonValue {
  return JSON.parse(readFileSync(path, 'utf8')) as JsonValue;
}

function definition(name: string): StateMachineDefinition {
  const file = `${name}.asl.yaml`;
  const parsed = readDefinitionText(readFileSync(join(dir, file), 'utf8'), file);
  if (!parsed.ok) return expect.fail(`${file} does not parse`);
  const validated = validateDefinition(parsed.value, parsed.sourceMap);
  if (!validated.ok) return expect.fail(`${file} is invalid`);
  return validated.definition;
}

/** Runs a GitLab example with its mocks, some replaced, and returns the outcome and states run. */
async function run(name: string, replaced: Record<string, JsonValue>) {
  const mocks = { ...(readJson(join(dir, `${name}.mocks.json`)) as Record<string, JsonValue>) };
  Object.assign(mocks, replaced);
  const result = await runLocal(definition(name), {
    input: readJson(join(dir, `${name}.input.json`)),
    mocks: parseMockTable(mocks, `${name}.mocks.json`),
  });
  const entered = result.history.flatMap((event) => {
    const details = event['stateEnteredEventDetails'];
    return isJsonObject(details) && typeof details['name'] === 'string' ? [details['name']] : [];
  });
  return { result, entered };
}

describe('examples/gitlab/release.asl.yaml', () => {
  it('retries a rate-limited pipeline creation and goes on', async () => {
    const { result, entered } = await run('release', {
      Build: [
        { error: 'GitLab.RateLimited', cause: '429 Too Many Requests' },
        { error: 'GitLab.ServerError', cause: '503' },
        {
          result: {
            id: 1,
            status: 'success',
            web_url: 'https://gitlab.example.com/p/-/pipelines/1',
          },
        },
      ],
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(entered.filter((s) => s === 'Build')).toHaveLength(1);
    expect(entered.at(-1)).toBe('Mark released');
  });

  it('rolls Prod back and marks the commit failed when the deploy job fails', async () => {
    const { result, entered } = await run('release', {
      'Deploy to Prod': { error: 'GitLab.JobFailed', cause: 'Job 55501 failed: script_failure' },
    });
    expect(result.status).toBe('FAILED');
    expect(result.status === 'FAILED' && result.error).toBe('Release.Failed');
    expect(entered.slice(-4)).toEqual([
      'Deploy to Prod',
      'Roll back Prod',
      'Mark failed',
      'Failed',
    ]);
    expect(entered).not.toContain('Mark released');
  });

  it('rolls Dev back when its pipeline fails, and never reaches Prod', async () => {
    const { result, entered } = await run('release', {
      'Deploy to Dev': { error: 'GitLab.PipelineFailed', cause: 'Pipeline 9003 failed' },
    });
    expect(result.status).toBe('FAILED');
    expect(entered).toContain('Roll back Dev');
    expect(entered).not.toContain('Deploy to Prod');
  });

  it('stops at a failed build without deploying anything', async () => {
    const { result, entered } = await run('release', {
      Build: { error: 'GitLab.PipelineFailed', cause: 'Pipeline 9001 failed: jobs compile' },
    });
    expect(result.status).toBe('FAILED');
    expect(entered).toEqual(['Build', 'Mark failed', 'Failed']);
  });

  it('does not retry errors that a retry cannot fix', async () => {
    const { result, entered } = await run('release', {
      Build: { error: 'GitLab.Forbidden', cause: '403 Forbidden' },
    });
    expect(result.status === 'FAILED' && result.error).toBe('GitLab.Forbidden');
    expect(entered).toEqual(['Build']);
  });
});

describe('examples/gitlab/mr-checks.asl.yaml', () => {
  it('comments on the merge request and fails when the tests fail', async () => {
    const { result, entered } = await run('mr-checks', {
      Test: { error: 'GitLab.PipelineFailed', cause: 'Pipeline 9201 failed' },
    });
    expect(result.status === 'FAILED' && result.error).toBe('Checks.TestsFailed');
    expect(entered).toEqual(['Test', 'Comment on the failure', 'Tests failed']);
  });
});

/** The rule fields of the triggers file (docs/gitlab.md, "Triggers"). */
const RULE_FIELDS = new Set([
  'name',
  'connection',
  'workflow',
  'events',
  'projects',
  'refs',
  'paths',
  'mergeRequest',
  'pipeline',
  'command',
  'input',
  'executionName',
  'concurrency',
  'report',
]);
const EVENTS = new Set([
  'push',
  'tag_push',
  'merge_request',
  'pipeline',
  'build',
  'deployment',
  'note',
  'release',
]);
const EXECUTION_NAME = /^[A-Za-z0-9_.-]{1,80}$/;

interface Rule {
  readonly [field: string]: unknown;
}

function triggers(): { rules: Rule[]; where: (path: (string | number)[]) => string } {
  const text = readFileSync(join(dir, 'triggers.yaml'), 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const errors = doc.errors.map(
    (e) => `triggers.yaml:${e.linePos?.[0].line}:${e.linePos?.[0].col} ${e.message}`,
  );
  expect(errors).toEqual([]);
  const value: unknown = doc.toJS();
  const list = isJsonObject(value) ? (value as { triggers?: unknown }).triggers : undefined;
  if (!Array.isArray(list)) return expect.fail('triggers.yaml: a top-level `triggers:` list');
  const where = (path: (string | number)[]) => {
    const node = doc.getIn(['triggers', ...path], true) as { range?: [number, number] } | undefined;
    const at = node?.range === undefined ? undefined : lines.linePos(node.range[0]);
    return `triggers.yaml:${at?.line ?? '?'}:${at?.col ?? '?'}`;
  };
  return { rules: list as Rule[], where };
}

async function evaluate(expression: string, payload: JsonValue): Promise<unknown> {
  return (await jsonata(expression).evaluate(payload)) as unknown;
}

/** Fills a `{{ expression }}` template from a payload. */
async function fill(template: string, payload: JsonValue): Promise<string> {
  let out = '';
  let last = 0;
  for (const match of template.matchAll(/\{\{(.+?)\}\}/g)) {
    out += template.slice(last, match.index) + String(await evaluate(match[1] ?? '', payload));
    last = (match.index ?? 0) + match[0].length;
  }
  return out + template.slice(last);
}

/** The real payload each event's example rule is checked against. */
const FIXTURE: Readonly<Record<string, string>> = {
  push: 'push.json',
  tag_push: 'tag_push.json',
  merge_request: 'merge_request.json',
  note: 'note_merge_request.json',
  pipeline: 'pipeline.json',
};

describe('examples/gitlab/triggers.yaml', () => {
  it('uses only documented rule fields, known events and existing workflows', () => {
    const { rules, where } = triggers();
    expect(rules.length).toBeGreaterThanOrEqual(4);
    const names = new Set<string>();
    rules.forEach((rule, i) => {
      for (const field of Object.keys(rule)) {
        expect(RULE_FIELDS.has(field), `${where([i, field])} unknown field ${field}`).toBe(true);
      }
      expect(typeof rule['name'], `${where([i])} needs a name`).toBe('string');
      expect(names.has(String(rule['name'])), `${where([i, 'name'])} duplicate name`).toBe(false);
      names.add(String(rule['name']));
      expect(
        existsSync(join(dir, `${String(rule['workflow'])}.asl.yaml`)),
        where([i, 'workflow']),
      ).toBe(true);
      const events = rule['events'];
      expect(
        Array.isArray(events) && events.every((e) => EVENTS.has(String(e))),
        where([i, 'events']),
      ).toBe(true);
      const concurrency = rule['concurrency'] as { mode?: unknown } | undefined;
      expect(['QUEUED', 'SUPERSEDED', 'PARALLEL']).toContain(concurrency?.mode);
    });
  });

  it('compiles every input mapping and template as JSONata', () => {
    const { rules, where } = triggers();
    rules.forEach((rule, i) => {
      expect(() => jsonata(String(rule['input'])), where([i, 'input'])).not.toThrow();
      for (const template of [
        rule['executionName'],
        (rule['concurrency'] as { key?: unknown }).key,
      ]) {
        if (typeof template !== 'string') continue;
        for (const match of template.matchAll(/\{\{(.+?)\}\}/g)) {
          expect(() => jsonata(match[1] ?? ''), where([i])).not.toThrow();
        }
      }
    });
  });

  it.skipIf(!existsSync(fixtures))(
    'turns the real GitLab payloads into the input each workflow reads and a valid execution name',
    async () => {
      const { rules, where } = triggers();
      for (const [i, rule] of rules.entries()) {
        const event = String((rule['events'] as unknown[])[0]);
        const fixture = FIXTURE[event];
        if (fixture === undefined) continue;
        const payload = readJson(join(fixtures, fixture));
        const input = await evaluate(String(rule['input']), payload);
        expect(isJsonObject(input as JsonValue), `${where([i, 'input'])} gives an object`).toBe(
          true,
        );
        for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
          expect(
            value,
            `${where([i, 'input'])} leaves ${key} empty for ${fixture}`,
          ).not.toBeUndefined();
          expect(value, `${where([i, 'input'])} leaves ${key} empty for ${fixture}`).not.toBe('');
        }
        // The workflow reads these members of its input.
        const reads = readFileSync(join(dir, `${String(rule['workflow'])}.asl.yaml`), 'utf8');
        for (const key of Object.keys(input as Record<string, unknown>)) {
          expect(reads, `${String(rule['workflow'])} reads $.${key}`).toContain(`$.${key}`);
        }
        const name = await fill(String(rule['executionName']), payload);
        expect(name, `${where([i, 'executionName'])} gives "${name}"`).toMatch(EXECUTION_NAME);
      }
    },
  );
});
