/** What triggers read from each fixture, payload quirks included. */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../common/index.js';
import type { FixtureName } from '../../../test/support/gitlab-webhooks.js';
import { FIXTURE_EVENTS, fixture } from '../../../test/support/gitlab-webhooks.js';
import { readEventFacts } from './event-facts.js';

const facts = (name: FixtureName, overrides: JsonObject = {}) =>
  readEventFacts(FIXTURE_EVENTS[name], { ...(fixture(name) as JsonObject), ...overrides });

describe('readEventFacts', () => {
  it('reads pushes: branch without refs/heads/, checkout SHA, commits and the real count', () => {
    expect(facts('push')).toMatchObject({
      kind: 'push',
      projectId: 15,
      projectPath: 'mike/diaspora',
      ref: 'master',
      refType: 'branch',
      sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      push: { totalCommits: 4, commits: [{}, {}] },
    });
  });

  it('reads tag pushes as tags', () => {
    expect(facts('tag_push')).toMatchObject({ kind: 'tag_push', ref: 'v1.0.0', refType: 'tag' });
  });

  it('takes the job SHA from sha, never from commit.id (the pipeline id)', () => {
    const job = facts('job');
    expect(job).toMatchObject({
      kind: 'job',
      projectId: 380,
      projectPath: 'gitlab-org/gitlab-test',
    });
    expect(job.sha).toBe('2293ada6b400935a1378653304eaf6221e0fdb8f');
    expect(job.job).toEqual({ status: 'created', name: 'test' });
  });

  it('takes the deployment SHA from the end of commit_url, and has no ref', () => {
    const deployment = facts('deployment');
    expect(deployment.ref).toBeUndefined();
    expect(deployment.sha ?? '').toMatch(/^[0-9a-f]{40}$/);
    expect(deployment.deployment).toEqual({ status: 'success', environment: 'staging' });
    expect(facts('deployment', { commit_url: 'http://x/-/commit/short' }).sha).toBeUndefined();
  });

  it('reads string booleans as booleans ("false" is not true)', () => {
    const mr = fixture('merge_request') as JsonObject;
    const attributes = mr['object_attributes'] as JsonObject;
    const draft = (value: unknown) =>
      readEventFacts('Merge Request Hook', {
        ...mr,
        object_attributes: { ...attributes, draft: value },
      } as JsonObject).mergeRequest?.draft;
    expect(draft('false')).toBe(false);
    expect(draft('true')).toBe(true);
    expect(draft(true)).toBe(true);
    const pipeline = fixture('pipeline') as JsonObject;
    const tag = readEventFacts('Pipeline Hook', {
      ...pipeline,
      object_attributes: { ...(pipeline['object_attributes'] as JsonObject), tag: 'false' },
    });
    expect(tag.refType).toBe('branch');
  });

  it('reads merge request comments with the merge request they are on', () => {
    expect(facts('note_merge_request')).toMatchObject({
      kind: 'note',
      note: { noteableType: 'MergeRequest', system: false },
      mergeRequest: { iid: expect.any(Number) },
      refType: 'branch',
    });
  });

  it('names no kind for events triggers cannot name, and survives missing fields', () => {
    expect(readEventFacts('Issue Hook', {}).kind).toBeUndefined();
    expect(readEventFacts('Push Hook', {})).toMatchObject({
      kind: 'push',
      ref: undefined,
      projectId: undefined,
    });
    expect(readEventFacts('Push Hook', { project_id: '42' }).projectId).toBe(42);
  });
});
