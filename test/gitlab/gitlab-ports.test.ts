/**
 * The functions that join the GitLab parts (src/gitlab/gitlab-ports.ts): which pipeline or job
 * a webhook is about, waking the `.sync` tasks that wait on it, the compare API for triggers'
 * paths, and the connection's own username, against the real fixtures and the fake GitLab.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/common/index.js';
import type { GitLabEvent } from '../../src/gitlab/deliveries/index.js';
import {
  botUsername,
  comparePaths,
  waitTargetOf,
  wakeSyncTasks,
} from '../../src/gitlab/gitlab-ports.js';
import { readEventFacts } from '../../src/gitlab/triggers/index.js';
import type { WaitTarget } from '../../src/integrations/gitlab/index.js';
import { GitLabClients } from '../../src/integrations/gitlab/index.js';
import type { FakeGitLab } from '../support/fake-gitlab.js';
import { startFakeGitLab } from '../support/fake-gitlab.js';
import type { FixtureName } from '../support/gitlab-webhooks.js';
import { FIXTURE_EVENTS, fixture } from '../support/gitlab-webhooks.js';

function event(name: FixtureName): GitLabEvent {
  const body = fixture(name) as JsonObject;
  const header = FIXTURE_EVENTS[name];
  const kind = body['object_kind'];
  return {
    deliveryId: 'd1',
    event: header,
    objectKind: typeof kind === 'string' ? kind : null,
    body,
    facts: readEventFacts(header, body),
  };
}

describe('waitTargetOf', () => {
  it('names the pipeline of a Pipeline Hook and the job of a Job Hook, nothing for others', () => {
    const pipeline = event('pipeline');
    const attributes = pipeline.body['object_attributes'] as JsonObject;
    const project = pipeline.body['project'] as JsonObject;
    expect(waitTargetOf('gl', pipeline)).toEqual({
      connection: 'gl',
      projectId: project['id'],
      kind: 'pipeline',
      objectId: attributes['id'],
    });
    const job = event('job');
    // job.json: commit.id is the PIPELINE id; the job is build_id.
    expect(waitTargetOf('gl', job)).toEqual({
      connection: 'gl',
      projectId: job.body['project_id'],
      kind: 'job',
      objectId: job.body['build_id'],
    });
    expect(waitTargetOf('gl', event('push'))).toBeUndefined();
    expect(waitTargetOf('gl', event('merge_request'))).toBeUndefined();
    const broken = { ...pipeline, body: { object_kind: 'pipeline', object_attributes: {} } };
    expect(waitTargetOf('gl', broken)).toBeUndefined();
  });
});

describe('wakeSyncTasks', () => {
  it('polls every task waiting on the pipeline now, and nothing for other events', async () => {
    const asked: WaitTarget[] = [];
    const polled: string[] = [];
    const wake = wakeSyncTasks(
      {
        find: (target) => {
          asked.push(target);
          return Promise.resolve([
            { executionId: 'e1', taskId: 't1' },
            { executionId: 'e2', taskId: 't4' },
          ]);
        },
      },
      {
        pollNow: (executionId, taskId) => {
          polled.push(`${executionId}#${taskId}`);
          return Promise.resolve();
        },
      },
    );
    await wake('gl', event('push'));
    expect(polled).toEqual([]);
    await wake('gl', event('pipeline'));
    expect(asked.map((t) => t.kind)).toEqual(['pipeline']);
    expect(polled).toEqual(['e1#t1', 'e2#t4']);
  });
});

describe('GitLab-backed ports', () => {
  let fake: FakeGitLab;
  beforeAll(async () => {
    fake = await startFakeGitLab();
  });
  afterAll(async () => {
    await fake.close();
  });

  const ports = () => ({
    connections: (name: string) =>
      Promise.resolve(
        name === 'gl' ? { name: 'gl', baseUrl: fake.url, token: fake.token } : undefined,
      ),
    clients: new GitLabClients({ sleep: () => Promise.resolve() }),
  });

  it("remembers the connection's username, and names an unknown connection", async () => {
    let now = 0;
    const lookup = botUsername({ ...ports(), nowMs: () => now });
    const first = await lookup('gl');
    expect(typeof first).toBe('string');
    const calls = () => fake.requests.filter((r) => JSON.stringify(r).includes('/user')).length;
    const before = calls();
    expect(await lookup('gl')).toBe(first);
    expect(calls()).toBe(before); // cached
    now += 11 * 60_000;
    await lookup('gl');
    expect(calls()).toBe(before + 1); // asked again after 10 minutes
    await expect(lookup('nope')).rejects.toThrow(/no GitLab connection named nope/);
  });

  it('lists the changed paths, and refuses a compare GitLab cut short', async () => {
    const project = fake.addProject('acme/ports');
    const compare = comparePaths(ports());
    fake.compares.set(`${'a'.repeat(40)}...${'b'.repeat(40)}`, ['src/app.ts', 'docs/x.md']);
    const paths = await compare('gl', project.id, 'a'.repeat(40), 'b'.repeat(40));
    expect([...paths].sort()).toEqual(['docs/x.md', 'src/app.ts']);
    fake.failNext('GET', /\/repository\/compare/, {
      status: 200,
      body: { diffs: [{ old_path: 'a', new_path: 'a' }], compare_timeout: true },
    });
    await expect(compare('gl', project.id, 'a'.repeat(40), 'b'.repeat(40))).rejects.toThrow(
      /timed out .*changed files are unknown/,
    );
  });
});
