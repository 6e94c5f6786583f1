import { describe, expect, it } from 'vitest';
import type { TrackRequest } from './track-request.js';
import { ReportRequestError, checkTrackRequest } from './track-request.js';

const VALID: TrackRequest = {
  executionArn: 'arn:aws:states:local:000000000000:execution:deploy:push-abc',
  connection: 'gitlab-com',
  projectId: 'group/sub/project',
  sha: 'A'.repeat(40),
  ref: 'refs/tags/v1.2.3',
  mergeRequestIid: '12',
  report: { commitStatus: true, mergeRequestNote: false, name: 'baton/release' },
};

function problemsOf(request: unknown): string[] {
  try {
    checkTrackRequest(request as TrackRequest);
  } catch (error: unknown) {
    if (error instanceof ReportRequestError) return error.problems.map((p) => p.path);
    throw error;
  }
  return [];
}

describe('report requests', () => {
  it('normalises refs, SHAs and string-typed ids from webhook payloads', () => {
    expect(checkTrackRequest(VALID)).toMatchObject({
      ref: 'v1.2.3',
      sha: 'a'.repeat(40),
      mergeRequestIid: 12,
      projectId: 'group/sub/project',
      statusName: 'baton/release',
    });
    expect(checkTrackRequest({ ...VALID, projectId: 42, mergeRequestIid: null })).toMatchObject({
      projectId: '42',
      mergeRequestIid: null,
    });
  });

  it('rejects URLs and non-paths as projects', () => {
    for (const projectId of [
      'https://gitlab.com/g/p',
      'g/p/-/tree/main',
      'single',
      'g/p.git',
      '',
      0,
      -5,
      1.5,
    ]) {
      expect(problemsOf({ ...VALID, projectId })).toEqual(['/projectId']);
    }
  });

  it('rejects short SHAs, control characters and over-long names', () => {
    expect(problemsOf({ ...VALID, sha: 'abc1234' })).toEqual(['/sha']);
    expect(problemsOf({ ...VALID, ref: 'main\nX-Injected: 1' })).toEqual(['/ref']);
    expect(problemsOf({ ...VALID, ref: 'r'.repeat(256) })).toEqual(['/ref']);
    expect(problemsOf({ ...VALID, report: { ...VALID.report, name: ' ' } })).toEqual([
      '/report/name',
    ]);
  });

  it('rejects a missing report object and non-boolean flags', () => {
    expect(problemsOf({ ...VALID, report: null })).toEqual(['/report']);
    expect(problemsOf({ ...VALID, report: { commitStatus: 'true', mergeRequestNote: 1 } })).toEqual(
      ['/report/commitStatus', '/report/mergeRequestNote'],
    );
  });

  it('says in its message what is wrong and where', () => {
    expect(() => checkTrackRequest({ ...VALID, connection: 'bad name' })).toThrow(
      /\/connection: must be a connection name/,
    );
  });
});
