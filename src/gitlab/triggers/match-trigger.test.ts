/** Every trigger filter, matching and not, against the real fixture payloads. */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../common/index.js';
import type { FixtureName } from '../../../test/support/gitlab-webhooks.js';
import { FIXTURE_EVENTS, buildDelivery } from '../../../test/support/gitlab-webhooks.js';
import { readEventFacts } from './event-facts.js';
import type { MatchPorts } from './match-trigger.js';
import { matchTrigger } from './match-trigger.js';
import { parseTriggerRule } from './trigger-rule.js';

interface Calls {
  compare: [string, number, string, string][];
}

function ports(changed: readonly string[] = [], bot = 'baton-bot'): MatchPorts & { calls: Calls } {
  const calls: Calls = { compare: [] };
  return {
    calls,
    compare: (connection, project, from, to) => {
      calls.compare.push([connection, project, from, to]);
      return Promise.resolve(changed);
    },
    botUsername: () => Promise.resolve(bot),
  };
}

async function check(
  rule: Record<string, unknown>,
  name: FixtureName,
  overrides: Record<string, unknown> = {},
  using: MatchPorts = ports(),
  header = FIXTURE_EVENTS[name],
) {
  const parsed = parseTriggerRule({ name: 't', workflow: 'w', ...rule });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const body = buildDelivery(name, { overrides }).json as JsonObject;
  return matchTrigger(parsed.rule, 'default', readEventFacts(header, body), using);
}

const yes = { matched: true };
const no = (reason: string | RegExp) => ({
  matched: false,
  reason: typeof reason === 'string' ? reason : expect.stringMatching(reason),
});

describe('matchTrigger: events, connection, projects', () => {
  it('matches the events listed and says which event did not', async () => {
    expect(await check({ events: ['push'] }, 'push')).toEqual(yes);
    expect(await check({ events: ['push'] }, 'tag_push')).toEqual(
      no('event Tag Push Hook is not one of push'),
    );
    expect(await check({ events: ['job'] }, 'job')).toEqual(yes);
    expect(await check({ events: ['release'] }, 'release')).toEqual(yes);
  });

  it('never matches events triggers cannot name', async () => {
    expect(await check({ events: ['push'] }, 'push', {}, ports(), 'Wiki Page Hook')).toEqual(
      no(/event Wiki Page Hook is not one of push/),
    );
  });

  it('listens to its own connection only (default "default")', async () => {
    expect(await check({ events: ['push'], connection: 'other' }, 'push')).toEqual(
      no('listens to connection other'),
    );
  });

  it('matches project paths case-insensitively, with globs', async () => {
    // push.json's project is mike/diaspora.
    expect(await check({ events: ['push'], projects: ['Mike/Diaspora'] }, 'push')).toEqual(yes);
    expect(await check({ events: ['push'], projects: ['mike/*'] }, 'push')).toEqual(yes);
    expect(await check({ events: ['push'], projects: ['other/*', 'mike/x'] }, 'push')).toEqual(
      no("project mike/diaspora matches none of 'other/*', 'mike/x'"),
    );
    // `*` does not cross a group boundary; `**` does.
    const nested = { project: { path_with_namespace: 'mike/sub/diaspora' } };
    expect(await check({ events: ['push'], projects: ['mike/*'] }, 'push', nested)).toMatchObject({
      matched: false,
    });
    expect(await check({ events: ['push'], projects: ['mike/**'] }, 'push', nested)).toEqual(yes);
  });
});

describe('matchTrigger: refs', () => {
  it('strips refs/heads/ and matches branch globs, include then exclude', async () => {
    const rule = { events: ['push'], refs: { include: ['ma*', 'release/*'], exclude: ['master'] } };
    expect(await check(rule, 'push', { ref: 'refs/heads/main' })).toEqual(yes);
    expect(await check(rule, 'push', { ref: 'refs/heads/release/1.2' })).toEqual(yes);
    expect(await check(rule, 'push', { ref: 'refs/heads/master' })).toEqual(
      no("branch master excluded by 'master'"),
    );
    expect(await check(rule, 'push', { ref: 'refs/heads/feature/x' })).toEqual(
      no("branch feature/x matches none of 'ma*', 'release/*'"),
    );
  });

  it('matches tag names for tag events', async () => {
    const rule = { events: ['tag_push', 'release'], refs: { include: ['v*'] } };
    expect(await check(rule, 'tag_push')).toEqual(yes);
    expect(await check(rule, 'release')).toEqual(yes);
    expect(await check(rule, 'tag_push', { ref: 'refs/tags/nightly' })).toEqual(
      no("tag nightly matches none of 'v*'"),
    );
  });

  it('uses the pipeline ref, and refuses events without a ref', async () => {
    expect(
      await check({ events: ['pipeline'], refs: { include: ['main'] } }, 'pipeline', {
        object_attributes: { ref: 'main' },
      }),
    ).toEqual(yes);
    expect(await check({ events: ['deployment'], refs: { include: ['*'] } }, 'deployment')).toEqual(
      no('Deployment Hook events carry no ref'),
    );
  });
});

describe('matchTrigger: changed paths', () => {
  // push.json: 2 commits present (CHANGELOG added/modified, app/controller/application.rb),
  // total_commits_count 4, so the compare API is asked.
  it('uses the files of the commits present when they are all there', async () => {
    const using = ports();
    const rule = { events: ['push'], paths: { include: ['docs/**'] } };
    const overrides = {
      total_commits_count: 1,
      commits: [{ id: 'a', added: ['docs/a.md'], modified: [], removed: [] }],
    };
    expect(await check(rule, 'push', overrides, using)).toEqual(yes);
    expect(using.calls.compare).toEqual([]);
  });

  it('asks the compare API when GitLab left commits out, and says what changed', async () => {
    const using = ports(['src/app.ts', 'README.md']);
    expect(
      await check({ events: ['push'], paths: { include: ['src/**'] } }, 'push', {}, using),
    ).toEqual(yes);
    const body = buildDelivery('push').json;
    expect(using.calls.compare).toEqual([['default', 15, body['before'], body['after']]]);
    expect(
      await check(
        { events: ['push'], paths: { include: ['lib/**'] } },
        'push',
        {},
        ports(['src/a.ts']),
      ),
    ).toEqual(no('no changed file passes the paths filter (changed: src/a.ts)'));
  });

  it('passes when some changed file is included and not excluded', async () => {
    const rule = { events: ['push'], paths: { include: ['**'], exclude: ['**/*.md'] } };
    expect(await check(rule, 'push', {}, ports(['a.md', 'b/c.md']))).toMatchObject({
      matched: false,
    });
    expect(await check(rule, 'push', {}, ports(['a.md', 'b/c.ts']))).toEqual(yes);
  });

  it('treats a new branch (before = zeros) by its commits, never comparing against zeros', async () => {
    const using = ports(['never.txt']);
    const overrides = {
      before: '0'.repeat(40),
      total_commits_count: 30,
      commits: [{ id: 'a', added: ['src/new.ts'], modified: [], removed: [] }],
    };
    expect(
      await check({ events: ['push'], paths: { include: ['src/*'] } }, 'push', overrides, using),
    ).toEqual(yes);
    expect(using.calls.compare).toEqual([]);
  });

  it('does not match a push that changed nothing', async () => {
    const overrides = { total_commits_count: 0, commits: [] };
    expect(
      await check({ events: ['push'], paths: { include: ['**'] } }, 'push', overrides),
    ).toEqual(no('the push changed no files'));
  });
});

describe('matchTrigger: merge requests', () => {
  // merge_request.json: action open, target master, label API, draft false.
  it('filters on action, labels (all required), target branch and draft', async () => {
    const base = { events: ['merge_request'] };
    expect(
      await check({ ...base, mergeRequest: { actions: ['open', 'reopen'] } }, 'merge_request'),
    ).toEqual(yes);
    expect(await check({ ...base, mergeRequest: { actions: ['merge'] } }, 'merge_request')).toEqual(
      no('merge request action open is not one of merge'),
    );
    expect(await check({ ...base, mergeRequest: { labels: ['API'] } }, 'merge_request')).toEqual(
      yes,
    );
    expect(
      await check({ ...base, mergeRequest: { labels: ['API', 'deploy'] } }, 'merge_request'),
    ).toEqual(no('merge request lacks label deploy'));
    expect(
      await check({ ...base, mergeRequest: { targetBranches: ['mas*'] } }, 'merge_request'),
    ).toEqual(yes);
    expect(
      await check({ ...base, mergeRequest: { targetBranches: ['main'] } }, 'merge_request'),
    ).toEqual(no("target branch master matches none of 'main'"));
    expect(await check({ ...base, mergeRequest: { draft: false } }, 'merge_request')).toEqual(yes);
    expect(await check({ ...base, mergeRequest: { draft: true } }, 'merge_request')).toEqual(
      no('merge request is not a draft'),
    );
    expect(
      await check({ ...base, mergeRequest: { draft: false } }, 'merge_request', {
        object_attributes: { draft: 'true' },
      }),
    ).toEqual(no('merge request is a draft'));
  });
});

describe('matchTrigger: pipelines, jobs, deployments', () => {
  it('filters pipelines on status and source', async () => {
    // pipeline.json: status success, source merge_request_event.
    const rule = (pipeline: object) => ({ events: ['pipeline'], pipeline });
    expect(await check(rule({ statuses: ['success'] }), 'pipeline')).toEqual(yes);
    expect(await check(rule({ statuses: ['failed'] }), 'pipeline')).toEqual(
      no('pipeline status success is not one of failed'),
    );
    expect(await check(rule({ sources: ['merge_request_event'] }), 'pipeline')).toEqual(yes);
    expect(await check(rule({ sources: ['push'] }), 'pipeline')).toEqual(
      no('pipeline source merge_request_event is not one of push'),
    );
  });

  it('filters jobs on status and name globs', async () => {
    // job.json: build_status created, build_name test.
    const rule = (job: object) => ({ events: ['job'], job });
    expect(await check(rule({ statuses: ['created'], names: ['te*'] }), 'job')).toEqual(yes);
    expect(await check(rule({ statuses: ['success'] }), 'job')).toEqual(
      no('job status created is not one of success'),
    );
    expect(await check(rule({ names: ['deploy-*'] }), 'job')).toEqual(
      no("job test matches none of 'deploy-*'"),
    );
  });

  it('filters deployments on status and environment globs', async () => {
    // deployment.json: status success, environment staging.
    const rule = (deployment: object) => ({ events: ['deployment'], deployment });
    expect(
      await check(rule({ statuses: ['success'], environments: ['stag*'] }), 'deployment'),
    ).toEqual(yes);
    expect(await check(rule({ statuses: ['failed'] }), 'deployment')).toEqual(
      no('deployment status success is not one of failed'),
    );
    expect(await check(rule({ environments: ['production'] }), 'deployment')).toEqual(
      no("environment staging matches none of 'production'"),
    );
  });
});

describe('matchTrigger: /baton run commands', () => {
  const rule = { events: ['note'], command: true };
  const note = (text: string, attributes: Record<string, unknown> = {}, user = 'alice') => ({
    object_attributes: { note: text, ...attributes },
    user: { username: user },
  });

  it('answers "/baton run <workflow>" on its own line of a new merge request comment', async () => {
    expect(
      await check(rule, 'note_merge_request', note('Looks good.\n/baton run w\nthanks')),
    ).toEqual(yes);
    // Lines ending in \r\n, as comments posted through the API may have.
    expect(
      await check(rule, 'note_merge_request', note('Looks good.\r\n/baton run w\r\nthanks')),
    ).toEqual(yes);
    expect(
      await check(
        { events: ['note'], command: 'deploy-prod' },
        'note_merge_request',
        note('/baton run deploy-prod'),
      ),
    ).toEqual(yes);
  });

  it('ignores the command inside a line, for another workflow, or with trailing words', async () => {
    for (const text of [
      'please /baton run w',
      '/baton run other',
      '/baton run w now',
      '`/baton run w`',
      '/baton  runw',
    ]) {
      expect(await check(rule, 'note_merge_request', note(text)), text).toMatchObject({
        matched: false,
        reason: 'comment has no "/baton run w" line',
      });
    }
  });

  it("ignores edits, system notes, comments on other things and the bot's own comments", async () => {
    expect(
      await check(rule, 'note_merge_request', note('/baton run w', { action: 'update' })),
    ).toEqual(no('comment was updated, not created'));
    expect(await check(rule, 'note_merge_request', note('/baton run w', { system: true }))).toEqual(
      no('system notes never carry commands'),
    );
    expect(
      await check(rule, 'note_merge_request', note('/baton run w', { noteable_type: 'Issue' })),
    ).toEqual(no('comment is on a Issue, not a merge request'));
    expect(await check(rule, 'note_merge_request', note('/baton run w', {}, 'Baton-Bot'))).toEqual(
      no("comment is by the connection's own user baton-bot"),
    );
  });
});
