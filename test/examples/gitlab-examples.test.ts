/**
 * examples/gitlab/: the failure paths of the GitLab workflows (retries on transient GitLab
 * errors, rollback on a failed job or pipeline), and triggers.yaml read by the server's own
 * parser (readTriggersText): each rule names a workflow that exists, the real matcher
 * (matchTrigger) takes or refuses GitLab's documented payloads
 * (../shared/reference/gitlab-fixtures) for the reasons it should, and its input mapping and
 * name templates turn them into the input the workflow reads and a valid execution name.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../src/common/index.js';
import { isJsonObject } from '../../src/common/index.js';
import { readDefinitionText } from '../../src/definition-source/index.js';
import type { StateMachineDefinition } from '../../src/language/index.js';
import { validateDefinition } from '../../src/language/definition/index.js';
import type { MatchPorts, TriggerRule } from '../../src/gitlab/triggers/index.js';
import {
  TriggerFileError,
  matchTrigger,
  parseTriggerRule,
  readEventFacts,
  readTriggersText,
  renderTemplate,
  toExecutionName,
} from '../../src/gitlab/triggers/index.js';
import type { TemplateScope } from '../../src/gitlab/triggers/templates.js';
import { evaluateExpression } from '../../src/gitlab/triggers/templates.js';
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

/** The triggers file, read by the server's own parser (a problem fails with file:line:col). */
function triggers(): TriggerRule[] {
  const text = readFileSync(join(dir, 'triggers.yaml'), 'utf8');
  return readTriggersText(text, 'examples/gitlab/triggers.yaml').map((loaded) => {
    const result = parseTriggerRule(JSON.parse(loaded.definition) as JsonValue);
    if (!result.ok) return expect.fail(`${loaded.name}: ${JSON.stringify(result.problems)}`);
    return result.rule;
  });
}

function rule(name: string): TriggerRule {
  return triggers().find((r) => r.name === name) ?? expect.fail(`no trigger ${name}`);
}

/** The real payload and X-Gitlab-Event of each event kind. */
const FIXTURE: Readonly<Record<string, { file: string; header: string }>> = {
  push: { file: 'push.json', header: 'Push Hook' },
  tag_push: { file: 'tag_push.json', header: 'Tag Push Hook' },
  merge_request: { file: 'merge_request.json', header: 'Merge Request Hook' },
  note: { file: 'note_merge_request.json', header: 'Note Hook' },
  pipeline: { file: 'pipeline.json', header: 'Pipeline Hook' },
};

type Edit = (body: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A fixture made to fit the example rule: GitLab's documented payloads are for other projects
 * and branches, so the fields the rule filters on are set to what the rule wants, and `edit`
 * changes more.
 */
function eventFor(trigger: TriggerRule, edit: Edit = () => undefined) {
  const event = trigger.events[0] ?? expect.fail(`${trigger.name} has no event`);
  const fixture = FIXTURE[event] ?? expect.fail(`no fixture for ${event}`);
  const body = readJson(join(fixtures, fixture.file)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  body['project'].path_with_namespace = trigger.projects?.[0]?.pattern;
  const attributes = body['object_attributes'];
  switch (event) {
    case 'push':
      body['ref'] = 'refs/heads/main';
      // push.json lists 2 of its 4 commits; here they are all there (the compare API is not asked).
      body['total_commits_count'] = body['commits'].length;
      body['commits'][0].modified = ['src/app.ts', 'README.md'];
      break;
    case 'tag_push':
      body['ref'] = 'refs/tags/v2.3.0';
      break;
    case 'merge_request':
      attributes.action = 'update';
      attributes.target_branch = 'main';
      attributes.labels = [{ title: 'ci::baton' }];
      break;
    case 'note':
      attributes.note = 'Looks good.\n/baton run mr-checks\n';
      break;
    case 'pipeline':
      attributes.ref = 'main';
      attributes.status = 'failed';
      break;
    case 'job':
    case 'deployment':
    case 'release':
      return expect.fail(`the examples have no ${event} rule`);
  }
  edit(body);
  return { header: fixture.header, body: body as JsonObject };
}

const ports: MatchPorts = {
  compare: () => Promise.reject(new Error('the examples carry every changed file')),
  botUsername: () => Promise.resolve('baton-bot'),
};

async function match(trigger: TriggerRule, event: { header: string; body: JsonObject }) {
  return matchTrigger(trigger, 'default', readEventFacts(event.header, event.body), ports);
}

function scopeOf(event: { header: string; body: JsonObject }): TemplateScope {
  return {
    event: event.body,
    headers: { event: event.header, instance: 'https://gitlab.example.com' },
    connection: 'default',
  };
}

describe('examples/gitlab/triggers.yaml', () => {
  it('loads with the server parser and names workflows that exist', () => {
    const rules = triggers();
    expect(rules.map((r) => r.name)).toEqual([
      'release-main',
      'release-tags',
      'mr-checks',
      'mr-checks-on-demand',
      'retry-failed-main',
    ]);
    for (const r of rules) {
      expect(existsSync(join(dir, `${r.workflow.name}.asl.yaml`)), r.name).toBe(true);
    }
    expect(rule('mr-checks-on-demand').command).toBe('mr-checks');
  });

  it('is refused by the same parser, at its line, when a rule is broken', () => {
    const text = readFileSync(join(dir, 'triggers.yaml'), 'utf8');
    const broken = text.replace('command: true', 'command: /baton run mr-checks');
    expect(broken).not.toBe(text);
    const line = broken.split('\n').findIndex((l) => l.includes('command: /baton')) + 1;
    expect(() => readTriggersText(broken, 'triggers.yaml')).toThrow(TriggerFileError);
    expect(() => readTriggersText(broken, 'triggers.yaml')).toThrow(
      new RegExp(`triggers\\.yaml:${line}:\\d+: /triggers/3/command must be true`),
    );
  });

  describe.skipIf(!existsSync(fixtures))('against the GitLab payloads', () => {
    it.each(triggers().map((r) => r.name))(
      '%s matches its event and gives the input its workflow reads and a stable name',
      async (name) => {
        const trigger = rule(name);
        const event = eventFor(trigger);
        expect(await match(trigger, event)).toEqual({ matched: true });
        const scope = scopeOf(event);
        const input = await evaluateExpression(trigger.input ?? '', scope);
        if (!isJsonObject(input ?? null)) return expect.fail(`${name}: input is not an object`);
        const reads = readFileSync(join(dir, `${trigger.workflow.name}.asl.yaml`), 'utf8');
        for (const [key, value] of Object.entries(input as JsonObject)) {
          expect(value, `${name} leaves ${key} empty`).not.toBeUndefined();
          expect(value, `${name} leaves ${key} empty`).not.toBe('');
          expect(reads, `${trigger.workflow.name} reads $.${key}`).toContain(`$.${key}`);
        }
        const rendered = await renderTemplate(trigger.nameTemplate ?? '', scope);
        expect(toExecutionName(rendered, 'fallback'), `${name} needs no cleaning`).toBe(rendered);
        expect(rendered).toMatch(/^[a-z]+-[A-Za-z0-9.-]+$/);
        if (trigger.concurrency.key !== undefined) {
          expect(await renderTemplate(trigger.concurrency.key, scope)).toMatch(/\d/);
        }
      },
    );

    it('release-main: main only, and not for a push that changes only docs', async () => {
      const trigger = rule('release-main');
      const docsOnly: Edit = (body) => {
        for (const commit of body['commits']) {
          commit.added = ['docs/guide.md'];
          commit.modified = ['README.md'];
          commit.removed = [];
        }
      };
      expect(await match(trigger, eventFor(trigger, docsOnly))).toEqual({
        matched: false,
        reason: expect.stringContaining('no changed file passes the paths filter') as string,
      });
      const other: Edit = (body) => {
        body['ref'] = 'refs/heads/feature/x';
      };
      expect(await match(trigger, eventFor(trigger, other))).toEqual({
        matched: false,
        reason: "branch feature/x matches none of 'main'",
      });
    });

    it('release-main: asks the compare API when GitLab left commits out', async () => {
      const trigger = rule('release-main');
      const many: Edit = (body) => {
        body['total_commits_count'] = 40;
        for (const commit of body['commits']) commit.modified = ['docs/x.md'];
      };
      const asked: string[] = [];
      const result = await matchTrigger(
        trigger,
        'default',
        readEventFacts('Push Hook', eventFor(trigger, many).body),
        {
          ...ports,
          compare: (_connection, _project, from, to) => {
            asked.push(`${from}..${to}`);
            return Promise.resolve(['src/app.ts']);
          },
        },
      );
      expect(result).toEqual({ matched: true });
      expect(asked).toHaveLength(1);
    });

    it('release-tags: refuses release candidates and other projects', async () => {
      const trigger = rule('release-tags');
      const rc: Edit = (body) => {
        body['ref'] = 'refs/tags/v2.3.0-rc1';
      };
      expect(await match(trigger, eventFor(trigger, rc))).toEqual({
        matched: false,
        reason: "tag v2.3.0-rc1 excluded by 'v*-rc*'",
      });
      const elsewhere: Edit = (body) => {
        body['project'].path_with_namespace = 'jsmith/example';
      };
      expect(await match(trigger, eventFor(trigger, elsewhere))).toEqual({
        matched: false,
        reason: expect.stringContaining('project jsmith/example matches none of') as string,
      });
    });

    it('mr-checks: needs the label, a wanted action and the main target', async () => {
      const trigger = rule('mr-checks');
      const cases: [Edit, string][] = [
        [(b) => (b['object_attributes'].labels = []), 'merge request lacks label ci::baton'],
        [
          (b) => (b['object_attributes'].action = 'close'),
          'merge request action close is not one of open, reopen, update',
        ],
        [
          (b) => (b['object_attributes'].target_branch = 'develop'),
          "target branch develop matches none of 'main'",
        ],
      ];
      for (const [edit, reason] of cases) {
        expect(await match(trigger, eventFor(trigger, edit))).toEqual({ matched: false, reason });
      }
    });

    it('mr-checks-on-demand: only a "/baton run mr-checks" line by someone else', async () => {
      const trigger = rule('mr-checks-on-demand');
      const cases: [Edit, string][] = [
        [
          (b) => (b['object_attributes'].note = 'please /baton run mr-checks'),
          'comment has no "/baton run mr-checks" line',
        ],
        [
          (b) => (b['object_attributes'].note = '/baton run release'),
          'comment has no "/baton run mr-checks" line',
        ],
        [(b) => (b['object_attributes'].system = true), 'system notes never carry commands'],
        [
          (b) => (b['user'].username = 'Baton-Bot'),
          "comment is by the connection's own user baton-bot",
        ],
      ];
      for (const [edit, reason] of cases) {
        expect(await match(trigger, eventFor(trigger, edit))).toEqual({ matched: false, reason });
      }
    });

    it('retry-failed-main: failed pipelines only', async () => {
      const trigger = rule('retry-failed-main');
      const succeeded: Edit = (body) => {
        body['object_attributes'].status = 'success';
      };
      expect(await match(trigger, eventFor(trigger, succeeded))).toEqual({
        matched: false,
        reason: 'pipeline status success is not one of failed',
      });
    });

    it('a rule listening to another connection is not asked', async () => {
      const trigger = rule('release-main');
      const facts = readEventFacts('Push Hook', eventFor(trigger).body);
      expect(await matchTrigger(trigger, 'other', facts, ports)).toEqual({
        matched: false,
        reason: 'listens to connection default',
      });
    });
  });
});
