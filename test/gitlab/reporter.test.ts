/**
 * The GitLab reporter against a real engine and store, with an in-memory GitLab that can fail:
 * state mapping, one note created then updated, coalescing, unchanged -> no call, retry after a
 * failure, restart catch-up, leases between nodes, and secrets kept out of GitLab and the logs.
 * Note creation is idempotent: a note created just before a crash (or whose POST answer was
 * lost) is found by its hidden marker and adopted, through the in-memory GitLab and through the
 * real client target against the fake GitLab server (only the token user's notes count).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import type {
  CommitStatusRequest,
  GitLabReportTarget,
  GitLabReporterOptions,
  ReportConnection,
} from '../../src/gitlab/reports/index.js';
import {
  GitLabReporter,
  ReportRequestError,
  carriesNoteMarker,
  noteMarker,
} from '../../src/gitlab/reports/index.js';
import { NOTE_SEARCH_LIMIT, createClientReportTarget } from '../../src/gitlab/reports/index.js';
import { GitLabClients } from '../../src/integrations/gitlab/index.js';
import type { TaskOutcome, TaskRunner } from '../../src/integrations/index.js';
import type { Store } from '../../src/store/index.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { dropAll, freshPostgresUrl, freshSqlitePath } from '../support/databases.js';
import type { FakeGitLab as FakeGitLabServer, FakeProject } from '../support/fake-gitlab.js';
import { FAKE_GITLAB_USER, startFakeGitLab } from '../support/fake-gitlab.js';

afterAll(dropAll);

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const TOKEN = 'glpat-SuperSecretToken1234567890';
const SHA = 'c0ffee'.padEnd(40, '0');
const CONNECTION: ReportConnection = {
  name: 'default',
  baseUrl: 'https://gitlab.example.com',
  token: TOKEN,
};

/** A GitLab error as the API client throws it. */
class FakeGitLabError extends Error {
  constructor(
    readonly error: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

type Call =
  | { kind: 'status'; project: string; sha: string; status: CommitStatusRequest }
  | { kind: 'create'; iid: number; body: string }
  | { kind: 'update'; iid: number; noteId: number; body: string };

/**
 * In-memory GitLab: records calls; `failNext` makes the next calls throw. Every note here is
 * the token user's (only the reporter writes them); who wrote a note is checked by the client
 * target, tested against the fake GitLab server below.
 */
class FakeGitLab implements GitLabReportTarget {
  readonly calls: Call[] = [];
  readonly notes = new Map<number, string>();
  /** The markers notes were searched for. */
  readonly finds: string[] = [];
  private nextId = 3_000_000_000;
  private failures: Error[] = [];
  failNext(...errors: Error[]): void {
    this.failures.push(...errors);
  }
  private maybeFail(): void {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
  }
  setCommitStatus(
    _c: ReportConnection,
    project: string,
    sha: string,
    status: CommitStatusRequest,
  ): Promise<void> {
    this.maybeFail();
    this.calls.push({ kind: 'status', project, sha, status });
    return Promise.resolve();
  }
  createMergeRequestNote(
    _c: ReportConnection,
    _p: string,
    iid: number,
    body: string,
  ): Promise<{ id: number }> {
    this.maybeFail();
    const id = ++this.nextId;
    this.notes.set(id, body);
    this.calls.push({ kind: 'create', iid, body });
    return Promise.resolve({ id });
  }
  findMergeRequestNote(
    _c: ReportConnection,
    _p: string,
    _iid: number,
    marker: string,
  ): Promise<{ id: number } | undefined> {
    this.maybeFail();
    this.finds.push(marker);
    const newestFirst = [...this.notes].sort(([a], [b]) => b - a);
    const found = newestFirst.find(([, body]) => carriesNoteMarker(body, marker));
    return Promise.resolve(found === undefined ? undefined : { id: found[0] });
  }
  updateMergeRequestNote(
    _c: ReportConnection,
    _p: string,
    iid: number,
    noteId: number,
    body: string,
  ): Promise<void> {
    this.maybeFail();
    if (!this.notes.has(noteId)) throw new FakeGitLabError('GitLab.NotFound', '404 Not found');
    this.notes.set(noteId, body);
    this.calls.push({ kind: 'update', iid, noteId, body });
    return Promise.resolve();
  }
  statuses(): string[] {
    return this.calls.flatMap((c) => (c.kind === 'status' ? [c.status.state] : []));
  }
  noteCalls(): Call[] {
    return this.calls.filter((c) => c.kind !== 'status');
  }
}

/** Tasks: `Build` finishes at once; `.sync` pipelines run until `pipelineDone`. */
class Tasks implements TaskRunner {
  pipeline: TaskOutcome = { ok: 'running', submitted: null, job: { id: 123 }, pollAfterSeconds: 5 };
  run(request: { resource: string }): Promise<TaskOutcome> {
    if (request.resource.endsWith('.sync')) {
      return Promise.resolve({
        ok: 'running',
        submitted: {
          id: 123,
          web_url: 'https://gitlab.example.com/g/p/-/pipelines/123?private_token=leak',
        },
        job: { id: 123 },
        pollAfterSeconds: 5,
      });
    }
    return Promise.resolve({ ok: true, output: { built: true } });
  }
  poll(): Promise<TaskOutcome> {
    return Promise.resolve(this.pipeline);
  }
}

const DEPLOY = {
  StartAt: 'Build',
  States: {
    Build: { Type: 'Task', Resource: 'arn:aws:states:::http:invoke', Next: 'Deploy' },
    Deploy: { Type: 'Task', Resource: 'baton:gitlab:createPipeline.sync', End: true },
  },
};

interface Logged {
  level: string;
  details: object;
  message: string;
}

async function setup(
  options: { store?: Store; reporter?: Partial<GitLabReporterOptions>; gitlab?: FakeGitLab } = {},
) {
  const store =
    options.store ??
    openSqliteStore({ path: freshSqlitePath(), now: () => new Date(T0).toISOString() });
  await store.migrate();
  await store.workflows
    .create({
      name: 'deploy',
      definition: JSON.stringify(DEPLOY),
      roleArn: null,
      type: 'STANDARD',
      description: null,
      revisionId: 'r1',
      now: new Date(T0).toISOString(),
    })
    .catch(() => undefined); // a second node shares the first one's workflow
  const clock = { ms: T0, nowMs: () => clock.ms };
  const tasks = new Tasks();
  const engine = new Engine({
    store,
    clock,
    tasks,
    nodeId: 'engine',
    tokenKey: () => randomBytes(32).toString('hex'),
    random: () => 0,
  });
  const gitlab = options.gitlab ?? new FakeGitLab();
  const logs: Logged[] = [];
  const logger = {
    warn: (details: object, message: string) => logs.push({ level: 'warn', details, message }),
    info: (details: object, message: string) => logs.push({ level: 'info', details, message }),
  };
  const reporter = new GitLabReporter({
    store,
    clock,
    nodeId: 'reporter-1',
    target: gitlab,
    connections: (name) => Promise.resolve(name === 'default' ? CONNECTION : undefined),
    publicUrl: 'https://baton.example.com/',
    logger,
    random: () => 0.5,
    ...options.reporter,
  });
  const detach = reporter.attach(engine);
  /** Runs the engine until nothing is due now. */
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      const claimed = await engine.tick();
      await engine.idle();
      if (claimed === 0) return;
    }
  };
  const start = async (name = 'run-1') => {
    const started = await engine.start({ workflow: 'deploy', name, input: { ref: 'main' } });
    return started.execution.id;
  };
  const track = (executionArn: string, extra: Record<string, unknown> = {}) =>
    reporter.track({
      executionArn,
      connection: 'default',
      projectId: 42,
      sha: SHA,
      ref: 'refs/heads/main',
      mergeRequestIid: '7',
      report: { commitStatus: true, mergeRequestNote: true },
      ...extra,
    });
  const advance = (ms: number) => {
    clock.ms += ms;
  };
  return {
    store,
    engine,
    reporter,
    gitlab,
    tasks,
    clock,
    logs,
    settle,
    start,
    track,
    advance,
    detach,
  };
}

describe('GitLab reporter', () => {
  it('reports running, then success, with one note created and then updated', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    await t.reporter.tick();
    expect(t.gitlab.statuses()).toEqual(['running']);
    const [first] = t.gitlab.calls;
    expect(first).toMatchObject({
      kind: 'status',
      project: '42',
      sha: SHA,
      status: {
        name: 'baton/deploy',
        ref: 'main',
        description: 'Deploy: waiting for pipeline #123',
        targetUrl: `https://baton.example.com/api/v1/executions/${arn.replace(/[^:]+$/, 'run-1')}`,
      },
    });
    expect(t.gitlab.noteCalls().map((c) => c.kind)).toEqual(['create']);

    t.tasks.pipeline = { ok: true, output: { status: 'success' } };
    t.advance(10_000);
    await t.settle();
    t.advance(10_000);
    await t.reporter.tick();
    expect(t.gitlab.statuses()).toEqual(['running', 'success']);
    expect(t.gitlab.noteCalls().map((c) => c.kind)).toEqual(['create', 'update']);
    const update = t.gitlab.noteCalls()[1];
    expect(update?.kind === 'update' && update.noteId).toBe(3_000_000_001);
    expect(update?.kind === 'update' && update.body).toContain('✅ Succeeded');
    const row = await t.store.gitlabReports.get(arn);
    expect(row).toMatchObject({ reportedState: 'success', attempts: 0, nextAttemptAt: null });
  });

  it('makes no call when nothing changed since the last report', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    await t.reporter.tick();
    const before = t.gitlab.calls.length;
    // A change the report does not show (a poll that found the pipeline still running).
    t.advance(6000);
    await t.settle();
    await t.store.gitlabReports.markChanged([arn], new Date(t.clock.ms).toISOString());
    t.advance(10_000);
    expect(await t.reporter.tick()).toBe(1);
    expect(t.gitlab.calls.length).toBe(before);
    expect(await t.store.gitlabReports.get(arn)).toMatchObject({
      attempts: 0,
      nextAttemptAt: null,
    });
  });

  it('coalesces many changes into one update', async () => {
    const t = await setup({ reporter: { coalesceMs: 2000, minIntervalMs: 5000 } });
    const arns: string[] = [];
    const commits: string[] = [];
    t.engine.subscribe((event) => {
      if (event.kind === 'committed') commits.push(event.executionId);
    });
    for (const name of ['a', 'b', 'c']) {
      const arn = await t.start(name);
      arns.push(arn);
      await t.track(arn);
    }
    await t.settle();
    // Every execution was created, stepped and submitted (several commits each)...
    for (const arn of arns) expect(commits.filter((c) => c === arn).length).toBeGreaterThan(2);
    // ...and one round reports each once.
    expect(await t.reporter.tick()).toBe(3);
    expect(t.gitlab.statuses()).toHaveLength(3);
    expect(t.gitlab.noteCalls()).toHaveLength(3);
    t.tasks.pipeline = { ok: true, output: {} };
    t.advance(10_000);
    await t.settle();
    // The end, flushed as one mark: one more report each.
    await t.reporter.flushChanges();
    t.advance(5000);
    expect(await t.reporter.tick()).toBe(3);
    expect(await t.reporter.tick()).toBe(0);
    expect(t.gitlab.noteCalls().filter((c) => c.kind === 'update')).toHaveLength(3);
  });

  it('waits minIntervalMs between two writes for one execution', async () => {
    const t = await setup({ reporter: { minIntervalMs: 30_000 } });
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    await t.reporter.tick();
    t.tasks.pipeline = { ok: true, output: {} };
    t.advance(5000);
    await t.settle();
    await t.reporter.tick();
    expect(t.gitlab.statuses()).toEqual(['running']);
    t.advance(30_000);
    await t.reporter.tick();
    expect(t.gitlab.statuses()).toEqual(['running', 'success']);
  });

  it('retries with back-off after GitLab fails, honouring Retry-After, and never fails the execution', async () => {
    const t = await setup({ reporter: { backoffMs: { first: 1000, max: 60_000 } } });
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    t.gitlab.failNext(new FakeGitLabError('GitLab.ServerError', '502 Bad Gateway'));
    await t.reporter.tick();
    let row = await t.store.gitlabReports.get(arn);
    expect(row).toMatchObject({ attempts: 1, lastError: 'GitLab.ServerError: 502 Bad Gateway' });
    // Jitter 0.5 of a 1 s ceiling: 750 ms.
    expect(row?.nextAttemptAt).toBe('2026-01-01T10:00:00.750Z');
    t.advance(750);
    t.gitlab.failNext(new FakeGitLabError('GitLab.RateLimited', '429 Too Many Requests', 30));
    await t.reporter.tick();
    row = await t.store.gitlabReports.get(arn);
    expect(row?.attempts).toBe(2);
    expect(row?.nextAttemptAt).toBe('2026-01-01T10:00:30.750Z');
    t.advance(10_000);
    expect(await t.reporter.tick()).toBe(0);
    t.advance(20_000);
    await t.reporter.tick();
    expect(t.gitlab.statuses()).toEqual(['running']);
    expect(t.gitlab.noteCalls()).toHaveLength(1);
    row = await t.store.gitlabReports.get(arn);
    expect(row).toMatchObject({ attempts: 0, lastError: null });
    expect((await t.store.executions.get(arn))?.status).toBe('RUNNING');
    expect(t.logs.filter((l) => l.message.includes('retrying'))).toHaveLength(2);
  });

  it('keeps the commit status it sent when only the note failed, and resends only the note', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    // The status goes through; the note creation times out.
    const original = t.gitlab.createMergeRequestNote.bind(t.gitlab);
    let failOnce = true;
    t.gitlab.createMergeRequestNote = (...args) => {
      if (failOnce) {
        failOnce = false;
        return Promise.reject(new FakeGitLabError('GitLab.Timeout', 'no answer in 10 s'));
      }
      return original(...args);
    };
    await t.reporter.tick();
    expect(t.gitlab.statuses()).toEqual(['running']);
    expect((await t.store.gitlabReports.get(arn))?.reportedState).toBe('running');
    t.advance(60_000);
    await t.reporter.tick();
    expect(t.gitlab.statuses()).toEqual(['running']);
    expect(t.gitlab.noteCalls().map((c) => c.kind)).toEqual(['create']);
  });

  it('treats "Cannot transition status" as the status already being there', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    t.gitlab.failNext(
      new FakeGitLabError('GitLab.BadRequest', 'Cannot transition status via :run from :running'),
    );
    await t.reporter.tick();
    expect(await t.store.gitlabReports.get(arn)).toMatchObject({
      reportedState: 'running',
      attempts: 0,
    });
  });

  it('gives up on a change GitLab refuses for good, and reports the next change', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    t.gitlab.failNext(new FakeGitLabError('GitLab.Forbidden', '403 Forbidden'));
    await t.reporter.tick();
    const row = await t.store.gitlabReports.get(arn);
    expect(row).toMatchObject({ attempts: 1, nextAttemptAt: null });
    expect(row?.lastError).toBe('GitLab.Forbidden: 403 Forbidden');
    expect(t.logs.some((l) => l.message.includes('giving up'))).toBe(true);
    t.tasks.pipeline = { ok: true, output: {} };
    t.advance(10_000);
    await t.settle();
    t.advance(10_000);
    await t.reporter.tick();
    expect(t.gitlab.statuses()).toEqual(['success']);
  });

  it('creates the note again when someone deleted it', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    await t.reporter.tick();
    t.gitlab.notes.clear();
    t.tasks.pipeline = { ok: true, output: {} };
    t.advance(10_000);
    await t.settle();
    t.advance(10_000);
    await t.reporter.tick();
    expect(t.gitlab.noteCalls().map((c) => c.kind)).toEqual(['create', 'create']);
    expect((await t.store.gitlabReports.get(arn))?.noteId).toBe(3_000_000_002);
  });

  it('catches up after a restart on executions that moved on while no reporter ran', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    await t.reporter.tick();
    t.detach(); // the reporter "stops": the next commits are not seen
    t.tasks.pipeline = { ok: true, output: {} };
    t.advance(10_000);
    await t.settle();
    t.advance(10_000);
    expect(await t.reporter.tick()).toBe(0); // no sweep yet: it ran one at its first tick
    // A new reporter (a restart) sweeps at its first tick.
    const restarted = new GitLabReporter({
      store: t.store,
      clock: t.clock,
      nodeId: 'reporter-2',
      target: t.gitlab,
      connections: () => Promise.resolve(CONNECTION),
      publicUrl: 'https://baton.example.com',
      logger: { warn: () => undefined, info: () => undefined },
      random: () => 0,
    });
    expect(await restarted.tick()).toBe(1);
    expect(t.gitlab.statuses()).toEqual(['running', 'success']);
  });

  it('reports pending for an execution that has not started yet (a queued trigger)', async () => {
    const t = await setup();
    const arn = 'arn:aws:states:local:000000000000:execution:deploy:queued-1';
    await t.track(arn);
    await t.reporter.tick();
    expect(t.gitlab.statuses()).toEqual(['pending']);
    expect(t.gitlab.calls[0]).toMatchObject({
      status: { name: 'baton/deploy', description: 'Waiting to start' },
    });
    const note = t.gitlab.noteCalls()[0];
    expect(note?.kind === 'create' && note.body).toContain('Waiting to start');
  });

  it('reports failed with the failing state and error, and canceled for a stopped execution', async () => {
    const t = await setup();
    const failing = await t.start('fails');
    const stopped = await t.start('stops');
    await t.track(failing);
    await t.track(stopped, {
      mergeRequestIid: undefined,
      report: { commitStatus: true, mergeRequestNote: true },
    });
    await t.settle();
    await t.reporter.tick();
    t.tasks.pipeline = {
      ok: false,
      error: 'GitLab.PipelineFailed',
      cause: 'Pipeline #123 failed: job deploy-prod failed',
    };
    await t.engine.stop(stopped, 'Superseded', 'a newer push');
    t.advance(10_000);
    await t.settle();
    t.advance(10_000);
    await t.reporter.tick();
    const statuses = t.gitlab.calls.flatMap((c) => (c.kind === 'status' ? [c.status] : []));
    expect(statuses.map((s) => s.state).sort()).toEqual([
      'canceled',
      'failed',
      'running',
      'running',
    ]);
    expect(statuses.find((s) => s.state === 'failed')?.description).toBe(
      'Failed in Deploy: GitLab.PipelineFailed',
    );
    // No merge request: no note for the stopped one.
    expect(t.gitlab.noteCalls()).toHaveLength(2);
    const update = t.gitlab.noteCalls()[1];
    expect(update?.kind === 'update' && update.body).toContain('GitLab\\.PipelineFailed');
  });

  it('keeps the connection token, task tokens and URL secrets out of GitLab and the logs', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    t.gitlab.failNext(
      new FakeGitLabError('GitLab.ServerError', `500 with PRIVATE-TOKEN: ${TOKEN}`),
    );
    await t.reporter.tick();
    t.advance(60_000);
    await t.reporter.tick();
    t.tasks.pipeline = {
      ok: false,
      error: 'GitLab.PipelineFailed',
      cause: `curl -H "PRIVATE-TOKEN: ${TOKEN}" https://ci:hunter2@gitlab.example.com failed; token ${TOKEN}`,
    };
    t.advance(10_000);
    await t.settle();
    t.advance(10_000);
    await t.reporter.tick();
    const everything = JSON.stringify([
      t.gitlab.calls,
      t.logs,
      await t.store.gitlabReports.get(arn),
    ]);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain('SuperSecret');
    expect(everything).not.toContain('hunter2');
    expect(everything).not.toContain('private_token=leak');
    expect(everything).not.toMatch(/#\d+#[0-9a-f]{64}/);
    expect(everything).toContain('[REDACTED]');
  });

  it('logs an unknown connection once per change, without calling GitLab', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn, { connection: 'gone' });
    await t.settle();
    await t.reporter.tick();
    expect(t.gitlab.calls).toEqual([]);
    expect(await t.store.gitlabReports.get(arn)).toMatchObject({
      lastError: 'GitLab.UnknownConnection: There is no connection named gone.',
      nextAttemptAt: null,
    });
  });

  it('refuses a malformed request with every problem and where it is', async () => {
    const t = await setup();
    const error = await t.reporter
      .track({
        executionArn: 'not-an-arn',
        connection: '../etc',
        projectId: 'https://gitlab.com/g/p/-/tree/main',
        sha: 'main',
        ref: '',
        mergeRequestIid: -1,
        report: { commitStatus: true, mergeRequestNote: true, name: 'x'.repeat(256) },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReportRequestError);
    expect((error as ReportRequestError).problems.map((p) => p.path)).toEqual([
      '/executionArn',
      '/connection',
      '/projectId',
      '/sha',
      '/ref',
      '/mergeRequestIid',
      '/report/name',
    ]);
    expect(
      await t.store.gitlabReports.claimDue(
        '2100-01-01T00:00:00.000Z',
        'x',
        '2100-01-01T00:00:01.000Z',
        10,
      ),
    ).toEqual([]);
  });

  it('removes the report of an execution that was purged', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    await t.reporter.tick();
    t.tasks.pipeline = { ok: true, output: {} };
    t.advance(10_000);
    await t.settle();
    await t.reporter.flushChanges();
    await t.store.executions.purge('2100-01-01T00:00:00.000Z', 10);
    t.advance(10_000);
    await t.reporter.tick();
    expect(await t.store.gitlabReports.get(arn)).toBeUndefined();
  });

  it('holds to the per-node note budget and comes back when it refills', async () => {
    const t = await setup({ reporter: { notesPerMinute: 2 } });
    for (const name of ['a', 'b', 'c']) await t.track(await t.start(name));
    await t.settle();
    await t.reporter.tick();
    expect(t.gitlab.noteCalls()).toHaveLength(2);
    expect(t.gitlab.statuses()).toHaveLength(3);
    t.advance(30_000);
    expect(await t.reporter.tick()).toBe(0);
    t.advance(30_000);
    await t.reporter.tick();
    expect(t.gitlab.noteCalls()).toHaveLength(3);
  });
});

/** Makes the store's next `finish` fail, as if Baton died right after GitLab answered. */
function crashBeforeStoring(store: Store): void {
  vi.spyOn(store.gitlabReports, 'finish').mockRejectedValueOnce(new Error('process killed'));
}

/** A reporter on the same store and target, as after a restart on another node. */
function restartedReporter(
  t: Awaited<ReturnType<typeof setup>>,
  extra: Partial<GitLabReporterOptions> = {},
) {
  return new GitLabReporter({
    store: t.store,
    clock: t.clock,
    nodeId: 'reporter-2',
    target: t.gitlab,
    connections: () => Promise.resolve(CONNECTION),
    publicUrl: 'https://baton.example.com/',
    logger: { warn: () => undefined, info: () => undefined },
    random: () => 0.5,
    ...extra,
  });
}

describe('GitLab reporter: one note per execution, even across crashes', () => {
  it('adopts the note a crashed attempt created instead of creating a second one', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    crashBeforeStoring(t.store);
    await expect(t.reporter.tick()).rejects.toThrow('process killed');
    expect(t.gitlab.notes.size).toBe(1);
    expect((await t.store.gitlabReports.get(arn))?.noteId).toBeNull();
    t.advance(61_000); // the crashed node's lease runs out
    expect(await restartedReporter(t).tick()).toBe(1);
    expect(t.gitlab.notes.size).toBe(1);
    expect(t.gitlab.noteCalls().map((c) => c.kind)).toEqual(['create', 'update']);
    const [noteId] = [...t.gitlab.notes.keys()];
    expect((await t.store.gitlabReports.get(arn))?.noteId).toBe(noteId);
    expect(t.gitlab.finds).toEqual([noteMarker(arn), noteMarker(arn)]);
    // Later changes keep updating that note.
    t.tasks.pipeline = { ok: true, output: {} };
    t.advance(10_000);
    await t.settle();
    t.advance(10_000);
    await t.reporter.tick();
    expect(t.gitlab.notes.size).toBe(1);
    expect(t.gitlab.notes.get(noteId ?? 0)).toContain('✅ Succeeded');
  });

  it('adopts the note GitLab created when the answer to the POST was lost', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    const create = t.gitlab.createMergeRequestNote.bind(t.gitlab);
    t.gitlab.createMergeRequestNote = async (...args) => {
      await create(...args);
      throw new FakeGitLabError('GitLab.Timeout', 'no answer in 30 s');
    };
    await t.reporter.tick();
    expect((await t.store.gitlabReports.get(arn))?.attempts).toBe(1);
    t.gitlab.createMergeRequestNote = create;
    t.advance(60_000);
    await t.reporter.tick();
    expect(t.gitlab.notes.size).toBe(1);
    expect(t.gitlab.noteCalls().map((c) => c.kind)).toEqual(['create', 'update']);
    expect(await t.store.gitlabReports.get(arn)).toMatchObject({
      noteId: [...t.gitlab.notes.keys()][0],
      attempts: 0,
      lastError: null,
    });
    expect(t.logs.some((l) => l.message.includes('adopted the note'))).toBe(true);
  });

  it('looks for a lost note before re-creating a deleted one', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    await t.reporter.tick();
    t.gitlab.notes.clear(); // deleted in GitLab
    t.tasks.pipeline = { ok: true, output: {} };
    t.advance(10_000);
    await t.settle();
    crashBeforeStoring(t.store); // the re-created note's id is lost too
    t.advance(10_000);
    await expect(t.reporter.tick()).rejects.toThrow('process killed');
    t.advance(61_000);
    await restartedReporter(t).tick();
    expect(t.gitlab.notes.size).toBe(1);
    expect(t.gitlab.noteCalls().map((c) => c.kind)).toEqual(['create', 'create', 'update']);
    expect((await t.store.gitlabReports.get(arn))?.noteId).toBe([...t.gitlab.notes.keys()][0]);
  });

  it('puts one stable marker in every note body, a different one per execution', async () => {
    const t = await setup();
    const first = await t.start('a');
    const second = await t.start('b');
    await t.track(first);
    await t.track(second);
    await t.settle();
    await t.reporter.tick();
    t.tasks.pipeline = { ok: true, output: {} };
    t.advance(10_000);
    await t.settle();
    t.advance(10_000);
    await t.reporter.tick();
    const bodies = t.gitlab.noteCalls().map((c) => (c.kind === 'status' ? '' : c.body));
    expect(bodies).toHaveLength(4);
    expect(new Set(bodies).size).toBe(4); // each body changed...
    const markers = bodies.map((body) => body.split('\n').at(-1));
    // ...and every one ends with its execution's marker, the same before and after.
    expect(markers.sort()).toEqual(
      [noteMarker(first), noteMarker(first), noteMarker(second), noteMarker(second)].sort(),
    );
    expect(noteMarker(first)).not.toBe(noteMarker(second));
    for (const body of bodies) {
      expect(body.split('\n').filter((line) => line.startsWith('<!--'))).toHaveLength(1);
    }
  });

  it('cannot be led to adopt another execution’s note through an injected marker', async () => {
    const t = await setup();
    const attacker = await t.start('attacker');
    const victim = 'arn:aws:states:local:000000000000:execution:deploy:victim';
    await t.track(attacker);
    await t.settle();
    await t.reporter.tick();
    t.tasks.pipeline = {
      ok: false,
      error: noteMarker(victim),
      cause: `failed\n${noteMarker(victim)}\n\n${noteMarker(victim)}\n`,
    };
    t.advance(10_000);
    await t.settle();
    t.advance(10_000);
    await t.reporter.tick();
    const attackerNote = [...t.gitlab.notes.values()][0] ?? '';
    expect(attackerNote).toContain('❌ Failed');
    expect(carriesNoteMarker(attackerNote, noteMarker(victim))).toBe(false);
    // The victim's report starts: it finds no note of its own and creates one.
    await t.track(victim);
    t.advance(10_000);
    await t.reporter.tick();
    expect(t.gitlab.notes.size).toBe(2);
    expect([...t.gitlab.notes.values()][0]).toBe(attackerNote);
    expect((await t.store.gitlabReports.get(victim))?.noteId).toBe([...t.gitlab.notes.keys()][1]);
  });

  it('retries when looking for the note fails, and creates nothing meanwhile', async () => {
    const t = await setup();
    const arn = await t.start();
    await t.track(arn);
    await t.settle();
    t.gitlab.failNext(
      new FakeGitLabError('GitLab.ServerError', 'status ok'),
      new FakeGitLabError('GitLab.ServerError', '502 listing notes'),
    );
    // The first failure hits the commit status; a second round gets to the listing.
    await t.reporter.tick();
    t.advance(60_000);
    await t.reporter.tick();
    expect(t.gitlab.notes.size).toBe(0);
    expect(await t.store.gitlabReports.get(arn)).toMatchObject({
      attempts: 2,
      lastError: 'GitLab.ServerError: 502 listing notes',
    });
    t.advance(60_000);
    await t.reporter.tick();
    expect(t.gitlab.notes.size).toBe(1);
  });
});

describe('GitLab reporter through the API client, against a fake GitLab', () => {
  let server: FakeGitLabServer;
  let project: FakeProject;
  let connection: ReportConnection;
  beforeEach(async () => {
    server = await startFakeGitLab();
    project = server.addProject('group/app');
    connection = { name: 'default', baseUrl: server.url, token: server.token };
  });
  afterEach(() => server.close());

  const viaClient = async () => {
    const target = createClientReportTarget(new GitLabClients({ maxRetries: 0 }));
    const t = await setup({
      reporter: { target, connections: () => Promise.resolve(connection) },
    });
    const arn = await t.start();
    await t.track(arn, { projectId: project.id });
    await t.settle();
    const mrNotes = () => [...server.notes.values()].filter((n) => n.mrIid === 7);
    const requests = (method: string, path: RegExp) =>
      server.requests.filter((r) => r.method === method && path.test(r.path));
    return { t, arn, target, mrNotes, requests };
  };

  it('adopts the note GitLab holds after a crash: one note, found by the bot user', async () => {
    const { t, arn, target, mrNotes, requests } = await viaClient();
    crashBeforeStoring(t.store);
    await expect(t.reporter.tick()).rejects.toThrow('process killed');
    expect(mrNotes()).toHaveLength(1);
    t.advance(61_000);
    await restartedReporter(t, {
      target,
      connections: () => Promise.resolve(connection),
    }).tick();
    const notes = mrNotes();
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body.split('\n').at(-1)).toBe(noteMarker(arn));
    expect((await t.store.gitlabReports.get(arn))?.noteId).toBe(notes[0]?.id);
    expect(requests('POST', /\/notes$/)).toHaveLength(1);
    expect(requests('PUT', /\/notes\/\d+$/)).toHaveLength(1);
    const listings = requests('GET', /\/merge_requests\/7\/notes$/);
    expect(listings).toHaveLength(2);
    expect(listings[0]?.query).toContain('sort=desc');
    expect(listings[0]?.query).toContain('order_by=created_at');
    expect(requests('GET', /^\/user$/)).toHaveLength(1); // learnt once per client
  });

  it('never adopts a note with the marker written by another user, nor a system note', async () => {
    const { t, arn, mrNotes } = await viaClient();
    const planted = `Looks like Baton's!\n\n${noteMarker(arn)}`;
    const mallory = server.addNote(project.id, 7, planted, { id: 666, username: 'mallory' });
    const system = server.addNote(project.id, 7, planted, FAKE_GITLAB_USER, true);
    await t.reporter.tick();
    expect(mrNotes()).toHaveLength(3);
    expect(mallory.body).toBe(planted);
    expect(system.body).toBe(planted);
    const noteId = (await t.store.gitlabReports.get(arn))?.noteId;
    expect(noteId).not.toBe(mallory.id);
    expect(noteId).not.toBe(system.id);
    expect(server.notes.get(noteId ?? 0)?.author).toEqual(FAKE_GITLAB_USER);
  });

  it('does not adopt the bot’s note for another execution', async () => {
    const { t, arn, mrNotes } = await viaClient();
    const other = noteMarker(arn.replace(/run-1$/, 'run-2'));
    const theirs = server.addNote(project.id, 7, `other run\n\n${other}`);
    await t.reporter.tick();
    expect(mrNotes()).toHaveLength(2);
    expect(theirs.body).toBe(`other run\n\n${other}`);
  });

  it('reads a bounded number of the newest notes, then creates', async () => {
    const { t, arn, mrNotes, requests } = await viaClient();
    const lost = server.addNote(project.id, 7, `lost\n\n${noteMarker(arn)}`);
    for (let i = 0; i < NOTE_SEARCH_LIMIT; i++)
      server.addNote(project.id, 7, `comment ${i}`, { id: 8, username: 'reviewer' });
    await t.reporter.tick();
    expect(requests('GET', /\/merge_requests\/7\/notes$/)).toHaveLength(
      Math.ceil(NOTE_SEARCH_LIMIT / 100),
    );
    expect(mrNotes()).toHaveLength(NOTE_SEARCH_LIMIT + 2);
    expect((await t.store.gitlabReports.get(arn))?.noteId).not.toBe(lost.id);
  });

  it('finds its own note among many, newest first, across pages', async () => {
    const { t, arn, mrNotes } = await viaClient();
    const lost = server.addNote(project.id, 7, `lost\n\n${noteMarker(arn)}`);
    for (let i = 0; i < 150; i++)
      server.addNote(project.id, 7, `comment ${i}`, { id: 8, username: 'reviewer' });
    await t.reporter.tick();
    expect(mrNotes()).toHaveLength(151);
    expect((await t.store.gitlabReports.get(arn))?.noteId).toBe(lost.id);
    expect(lost.body).toContain('Running');
  });

  it('refuses to search for anything but a marker', async () => {
    const { target } = await viaClient();
    await expect(
      target.findMergeRequestNote(connection, String(project.id), 7, 'x'),
    ).rejects.toThrow('Not a Baton note marker.');
    expect(server.requests.filter((r) => r.path.includes('/notes'))).toHaveLength(0);
  });

  it('keeps trying when GET /user fails, and reports once it answers', async () => {
    const { t, arn, mrNotes } = await viaClient();
    server.failNext('GET', /^\/user$/, { status: 503 });
    await t.reporter.tick();
    expect(mrNotes()).toHaveLength(0);
    expect((await t.store.gitlabReports.get(arn))?.lastError).toMatch(/^GitLab\.ServerError/);
    t.advance(60_000);
    await t.reporter.tick();
    expect(mrNotes()).toHaveLength(1);
  });
});

describe('GitLab reporter on PostgreSQL with two nodes', () => {
  it('reports each execution from one node only', async () => {
    const url = await freshPostgresUrl();
    const open = () =>
      openPostgresStore({ url, now: () => new Date(T0).toISOString(), maxConnections: 4 });
    const gitlab = new FakeGitLab();
    const a = await setup({ store: open(), gitlab });
    const b = await setup({ store: open(), gitlab, reporter: { nodeId: 'reporter-2' } });
    try {
      for (const name of ['a', 'b', 'c', 'd']) await a.track(await a.start(name));
      await a.settle();
      const handled = await Promise.all([a.reporter.tick(), b.reporter.tick()]);
      expect(handled[0] + handled[1]).toBe(4);
      expect(gitlab.statuses()).toHaveLength(4);
      expect(gitlab.noteCalls()).toHaveLength(4);
    } finally {
      await a.store.close();
      await b.store.close();
    }
  });
});
