/**
 * The contract of `Store.gitlabReports` (GitLab status reports), run against every store from
 * store.contract.ts: tracking, change marking, leases, finishing and the start-up catch-up.
 */
import { describe, expect, it } from 'vitest';
import type { NewGitLabReport, Store } from './store.js';

interface Subject {
  readonly store: Store;
  readonly openAnother: () => Promise<Store>;
}

const T1 = '2026-01-01T00:00:00.000Z';
const T2 = '2026-01-01T00:00:05.000Z';
const T3 = '2026-01-01T00:00:10.000Z';
const LATER = '2026-01-01T01:00:00.000Z';
const ARN = 'arn:aws:states:local:000000000000:execution:deploy:a';
const ARN_B = 'arn:aws:states:local:000000000000:execution:deploy:b';

function report(overrides: Partial<NewGitLabReport> = {}): NewGitLabReport {
  return {
    executionArn: ARN,
    connection: 'default',
    projectId: '42',
    sha: 'a'.repeat(40),
    ref: 'main',
    mergeRequestIid: 7,
    statusName: null,
    commitStatus: true,
    mergeRequestNote: true,
    now: T1,
    ...overrides,
  };
}

const done = { attempts: 0, lastError: null, nextIfChanged: T3, now: T2 } as const;

export function describeGitLabReportContract(
  label: string,
  withStore: (test: (subject: Subject) => Promise<void>) => () => Promise<void>,
): void {
  describe(`${label}: gitlab reports`, () => {
    it(
      'tracks a report due at once and keeps the first request when tracked twice',
      withStore(async ({ store }) => {
        const first = await store.gitlabReports.track(report());
        expect(first.created).toBe(true);
        expect(first.record).toMatchObject({
          executionArn: ARN,
          projectId: '42',
          mergeRequestIid: 7,
          statusName: null,
          commitStatus: true,
          mergeRequestNote: true,
          noteId: null,
          reportedState: null,
          reportedEventCount: 0,
          generation: 0,
          nextAttemptAt: T1,
          attempts: 0,
          leaseOwner: null,
        });
        const again = await store.gitlabReports.track(
          report({ sha: 'b'.repeat(40), mergeRequestIid: null }),
        );
        expect(again.created).toBe(false);
        expect(again.record.sha).toBe('a'.repeat(40));
        expect(await store.gitlabReports.get(ARN)).toEqual(first.record);
        expect(await store.gitlabReports.get(ARN_B)).toBeUndefined();
      }),
    );

    it(
      'keeps a note id beyond 32 bits and a report without a merge request',
      withStore(async ({ store }) => {
        await store.gitlabReports.track(report({ mergeRequestIid: null, mergeRequestNote: false }));
        const [claimed] = await store.gitlabReports.claimDue(T1, 'n1', LATER, 10);
        expect(claimed?.mergeRequestIid).toBeNull();
        await store.gitlabReports.finish(ARN, 'n1', 0, { ...done, noteId: 3_000_000_001 });
        expect((await store.gitlabReports.get(ARN))?.noteId).toBe(3_000_000_001);
      }),
    );

    it(
      'leases a due report to one node until the lease runs out',
      withStore(async ({ store, openAnother }) => {
        await store.gitlabReports.track(report());
        const other = await openAnother();
        try {
          const [a, b] = await Promise.all([
            store.gitlabReports.claimDue(T1, 'n1', T2, 10),
            other.gitlabReports.claimDue(T1, 'n2', T2, 10),
          ]);
          expect(a.length + b.length).toBe(1);
          expect([...a, ...b][0]?.leaseOwner).toMatch(/^n[12]$/);
          expect(await store.gitlabReports.claimDue(T1, 'n3', T2, 10)).toEqual([]);
          const taken = await other.gitlabReports.claimDue(T2, 'n3', T3, 10);
          expect(taken.map((r) => r.leaseOwner)).toEqual(['n3']);
        } finally {
          await other.close();
        }
      }),
    );

    it(
      'does not claim reports that are not due yet, and claims the earliest first',
      withStore(async ({ store }) => {
        await store.gitlabReports.track(report({ executionArn: ARN_B, now: T2 }));
        await store.gitlabReports.track(report({ now: T1 }));
        expect(
          await store.gitlabReports.claimDue('2025-12-31T00:00:00.000Z', 'n1', LATER, 10),
        ).toEqual([]);
        const claimed = await store.gitlabReports.claimDue(T3, 'n1', LATER, 1);
        expect(claimed.map((r) => r.executionArn)).toEqual([ARN]);
      }),
    );

    it(
      'finishes an attempt: records what GitLab accepted and leaves nothing due',
      withStore(async ({ store }) => {
        await store.gitlabReports.track(report());
        await store.gitlabReports.claimDue(T1, 'n1', LATER, 10);
        const finished = await store.gitlabReports.finish(ARN, 'n1', 0, {
          ...done,
          noteId: 99,
          reportedState: 'running',
          reportedHash: 'h1',
          reportedEventCount: 5,
          notBefore: T3,
        });
        expect(finished).toBe(true);
        expect(await store.gitlabReports.get(ARN)).toMatchObject({
          noteId: 99,
          reportedState: 'running',
          reportedHash: 'h1',
          reportedEventCount: 5,
          notBefore: T3,
          nextAttemptAt: null,
          leaseOwner: null,
          leaseUntil: null,
          updatedAt: T2,
        });
        // Absent members keep what the row had.
        await store.gitlabReports.markChanged([ARN], T2);
        await store.gitlabReports.claimDue(LATER, 'n1', LATER, 10);
        await store.gitlabReports.finish(ARN, 'n1', 1, done);
        expect(await store.gitlabReports.get(ARN)).toMatchObject({
          noteId: 99,
          reportedState: 'running',
          reportedHash: 'h1',
        });
      }),
    );

    it(
      'refuses to finish for a node whose lease was taken over',
      withStore(async ({ store }) => {
        await store.gitlabReports.track(report());
        await store.gitlabReports.claimDue(T1, 'n1', T2, 10);
        await store.gitlabReports.claimDue(T2, 'n2', LATER, 10);
        expect(await store.gitlabReports.finish(ARN, 'n1', 0, { ...done, noteId: 1 })).toBe(false);
        expect((await store.gitlabReports.get(ARN))?.noteId).toBeNull();
        expect(await store.gitlabReports.finish(ARN, 'n2', 0, { ...done, noteId: 2 })).toBe(true);
      }),
    );

    it(
      'keeps a change that arrived during an attempt due at nextIfChanged',
      withStore(async ({ store }) => {
        await store.gitlabReports.track(report());
        const [claimed] = await store.gitlabReports.claimDue(T1, 'n1', LATER, 10);
        expect(await store.gitlabReports.markChanged([ARN, ARN_B], T2)).toBe(1);
        await store.gitlabReports.finish(ARN, 'n1', claimed?.generation ?? -1, done);
        expect(await store.gitlabReports.get(ARN)).toMatchObject({
          generation: 1,
          nextAttemptAt: T3,
        });
      }),
    );

    it(
      'marks a changed report due once, not later than it already was, and not before notBefore',
      withStore(async ({ store }) => {
        await store.gitlabReports.track(report());
        await store.gitlabReports.claimDue(T1, 'n1', LATER, 10);
        await store.gitlabReports.finish(ARN, 'n1', 0, { ...done, notBefore: T3 });
        await store.gitlabReports.markChanged([ARN], T2);
        expect((await store.gitlabReports.get(ARN))?.nextAttemptAt).toBe(T3);
        await store.gitlabReports.markChanged([ARN], LATER);
        expect(await store.gitlabReports.get(ARN)).toMatchObject({
          nextAttemptAt: T3,
          generation: 2,
        });
        expect(await store.gitlabReports.markChanged([], T2)).toBe(0);
      }),
    );

    it(
      'schedules a failed attempt at its back-off and counts the failures',
      withStore(async ({ store }) => {
        await store.gitlabReports.track(report());
        await store.gitlabReports.claimDue(T1, 'n1', LATER, 10);
        await store.gitlabReports.finish(ARN, 'n1', 0, {
          ...done,
          attempts: 1,
          lastError: 'GitLab.ServerError: 502',
          retryAt: T3,
        });
        expect(await store.gitlabReports.get(ARN)).toMatchObject({
          attempts: 1,
          lastError: 'GitLab.ServerError: 502',
          nextAttemptAt: T3,
          leaseOwner: null,
        });
        expect(await store.gitlabReports.claimDue(T2, 'n1', LATER, 10)).toEqual([]);
        expect(await store.gitlabReports.claimDue(T3, 'n1', LATER, 10)).toHaveLength(1);
      }),
    );

    it(
      'finds reports whose execution moved on since their last report (start-up catch-up)',
      withStore(async ({ store }) => {
        const started = await store.executions.start({
          id: ARN,
          workflow: 'deploy',
          version: null,
          alias: null,
          revisionId: 'r1',
          name: 'a',
          input: '{}',
          definition: '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}',
          startedAt: T1,
          first: {
            status: 'RUNNING',
            snapshot: '{}',
            events: [
              { id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: T1, details: '{}' },
            ],
          },
        });
        expect(started.record.eventCount).toBe(1);
        await store.gitlabReports.track(report());
        // Another report whose execution does not exist (yet): never stale.
        await store.gitlabReports.track(report({ executionArn: ARN_B }));
        for (const arn of [ARN, ARN_B]) {
          await store.gitlabReports.claimDue(T1, 'n1', LATER, 10);
          await store.gitlabReports.finish(arn, 'n1', 0, { ...done, reportedEventCount: 0 });
        }
        expect(await store.gitlabReports.markStale(T2, 10)).toBe(1);
        expect(await store.gitlabReports.get(ARN)).toMatchObject({ nextAttemptAt: T2 });
        expect((await store.gitlabReports.get(ARN_B))?.nextAttemptAt).toBeNull();
        // Due already: not counted again.
        expect(await store.gitlabReports.markStale(T2, 10)).toBe(0);
        await store.gitlabReports.claimDue(T2, 'n1', LATER, 10);
        await store.gitlabReports.finish(ARN, 'n1', 1, { ...done, reportedEventCount: 1 });
        expect(await store.gitlabReports.markStale(T3, 10)).toBe(0);
        // Reported once, and its execution is gone: due, so the reporter can remove it.
        await store.gitlabReports.markChanged([ARN_B], T1);
        await store.gitlabReports.claimDue(LATER, 'n1', LATER, 10);
        await store.gitlabReports.finish(ARN_B, 'n1', 1, { ...done, reportedEventCount: 3 });
        expect(await store.gitlabReports.markStale(T3, 10)).toBe(1);
        expect((await store.gitlabReports.get(ARN_B))?.nextAttemptAt).toBe(T3);
      }),
    );

    it(
      'deletes a report',
      withStore(async ({ store }) => {
        await store.gitlabReports.track(report());
        await store.gitlabReports.delete(ARN);
        expect(await store.gitlabReports.get(ARN)).toBeUndefined();
        await expect(store.gitlabReports.delete(ARN)).resolves.toBeUndefined();
      }),
    );
  });
}
