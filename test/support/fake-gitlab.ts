/**
 * A fake GitLab for tests, on 127.0.0.1 with a free port (node:http). It serves the REST API v4
 * endpoints Baton uses, with the behaviours and quirks of reference/gitlab.md: PRIVATE-TOKEN
 * checked, 404 for unknown and invisible projects alike, path lookup by %2F-encoded,
 * case-insensitive path, 301 for renamed projects, pipeline variables refused by
 * `ci_pipeline_variables_minimum_override_role: no_one_allowed`, the commit-status
 * "Cannot transition status" 400, cancel answering 200 in any state, retry making a new job,
 * offset pagination with Link and x-next-page, and fault injection (`failNext`). Merge-request
 * notes are created, updated and listed (newest first by default), each with its author (notes
 * made through the API are by FAKE_GITLAB_USER; `addNote` plants others'). Groups answer
 * GET /groups/:id (id or %2F-encoded, case-insensitive full path) and have hooks like projects
 * (GET/POST/PUT /groups/:id/hooks, the same quirks), refused with 403 when the token's user is
 * not an Owner or the instance lacks Premium (`hooksAllowed: false`). It also serves
 * a JWKS and an OpenID discovery document when `jwks` is set, and builds Pipeline Hook bodies
 * from the real fixture.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { JsonObject, JsonValue } from '../../src/common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../src/common/index.js';

export const FAKE_GITLAB_TOKEN = 'glpat-fake-secret-token-0123456789';

export type VariablesRole = 'no_one_allowed' | 'developer' | 'maintainer' | 'owner';

export interface FakeProject {
  readonly id: number;
  path: string;
  /** Earlier paths: requests by them answer 301 to /projects/:id (a renamed project). */
  readonly oldPaths: string[];
  defaultBranch: string;
  variablesRole: VariablesRole;
  /** False: the token cannot see it (404, as GitLab answers). */
  visible: boolean;
  /** Jobs every new pipeline gets. */
  jobTemplate: readonly FakeJobTemplate[];
}

export interface FakeGroup {
  readonly id: number;
  readonly path: string;
  /** False: the token cannot see it (404, as GitLab answers). */
  visible: boolean;
  /** False: /groups/:id/hooks answers 403 (not an Owner, or GitLab Free). */
  hooksAllowed: boolean;
}

/** A project or group hook: exactly one of projectId and groupId is set. */
export interface FakeHook {
  readonly id: number;
  readonly projectId: number | null;
  readonly groupId: number | null;
  fields: JsonObject;
  tokenSet: boolean;
  signingTokenSet: boolean;
}

export interface FakeJobTemplate {
  readonly name: string;
  readonly stage: string;
  readonly when?: 'on_success' | 'manual';
}

export interface FakePipeline {
  readonly id: number;
  readonly iid: number;
  readonly projectId: number;
  readonly ref: string;
  readonly sha: string;
  status: string;
  readonly source: string;
  readonly variables: readonly { key: string; value: string; variable_type: string }[];
  readonly inputs: JsonObject | undefined;
  readonly createdAt: string;
  finishedAt: string | null;
}

export interface FakeJob {
  readonly id: number;
  readonly pipelineId: number;
  readonly projectId: number;
  readonly name: string;
  readonly stage: string;
  status: string;
  readonly when: string;
  failureReason: string | null;
  trace: string;
  readonly artifacts: Map<string, Buffer>;
  retried: boolean;
}

export type Fault =
  | {
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body?: JsonValue;
    }
  | 'hang';

/** The token's user, as GET /user answers; notes created through the API are by this user. */
export const FAKE_GITLAB_USER = { id: 7, username: 'baton-bot' } as const;

/** A merge-request note; ids grow with creation time, which is how listings sort them. */
export interface FakeNote {
  readonly id: number;
  readonly projectId: number;
  readonly mrIid: number;
  body: string;
  readonly author: { readonly id: number; readonly username: string };
  /** A system note ("added 1 commit", ...); GitLab lists those with the comments. */
  readonly system?: boolean;
}

export interface LoggedRequest {
  readonly method: string;
  /** The raw path after /api/v4, as sent (still %-encoded). */
  readonly path: string;
  readonly query: string;
  readonly body: JsonValue | undefined;
  /** Whether PRIVATE-TOKEN was right, wrong or missing; never the token itself. */
  readonly token: 'valid' | 'invalid' | 'missing';
}

export interface FakeGitLab {
  readonly url: string;
  readonly token: string;
  readonly requests: LoggedRequest[];
  readonly projects: Map<number, FakeProject>;
  readonly pipelines: Map<number, FakePipeline>;
  readonly jobs: Map<number, FakeJob>;
  readonly notes: Map<number, FakeNote>;
  readonly statuses: {
    projectId: number;
    sha: string;
    name: string;
    state: string;
    target_url?: string;
    description?: string;
  }[];
  readonly deployments: Map<
    number,
    {
      id: number;
      projectId: number;
      environment: string;
      sha: string;
      ref: string;
      tag: boolean;
      status: string;
    }
  >;
  readonly environments: Map<
    number,
    { id: number; projectId: number; name: string; state: string }
  >;
  readonly groups: Map<number, FakeGroup>;
  /** Project and group hooks by id (ids are unique across both, as in GitLab). */
  readonly hooks: Map<number, FakeHook>;
  /** Changed paths answered by the compare endpoint, per `from...to`. */
  readonly compares: Map<string, string[]>;
  /** Served at /oauth/discovery/keys when set. */
  jwks: JsonObject | undefined;
  /** GitLab version reported by /version; 19.0 and later report signing_token_present. */
  version: string;
  /** What /personal_access_tokens/self knows; undefined answers 404 (a non-PAT token). */
  tokenInfo: { name: string; scopes: string[]; expires_at: string | null } | undefined;
  addProject(
    path: string,
    settings?: Partial<Omit<FakeProject, 'id' | 'path' | 'oldPaths'>>,
  ): FakeProject;
  renameProject(id: number, newPath: string): void;
  addGroup(path: string, settings?: Partial<Omit<FakeGroup, 'id' | 'path'>>): FakeGroup;
  addEnvironment(projectId: number, name: string): number;
  /** Adds a note as if `author` wrote it in GitLab (default: the token's user). */
  addNote(
    projectId: number,
    mrIid: number,
    body: string,
    author?: { id: number; username: string },
    system?: boolean,
  ): FakeNote;
  /** The next `times` requests matching method and path (raw, after /api/v4) get `fault`. */
  failNext(method: string, path: RegExp, fault: Fault, times?: number): void;
  setPipelineStatus(id: number, status: string, options?: { failedJobs?: readonly string[] }): void;
  setJobStatus(id: number, status: string, failureReason?: string): void;
  pipelineHookPayload(id: number): JsonObject;
  close(): Promise<void>;
}

/** GitLab's documented payloads, in ../shared beside the repository (CI has it there too). */
const FIXTURE_DIR = new URL('../../../shared/reference/gitlab-fixtures/', import.meta.url);
const DEFAULT_JOBS: readonly FakeJobTemplate[] = [
  { name: 'build', stage: 'build' },
  { name: 'test', stage: 'test' },
  { name: 'deploy', stage: 'deploy', when: 'manual' },
];
const TERMINAL = new Set(['success', 'failed', 'canceled', 'skipped']);
const T0 = '2026-05-01T10:00:00.000Z';

interface Context {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readonly body: JsonValue | undefined;
}

type Handler = (ctx: Context, project: FakeProject, params: readonly string[]) => void;

/** Starts a fake GitLab. Close it in afterAll/afterEach. */
export async function startFakeGitLab(options: { token?: string } = {}): Promise<FakeGitLab> {
  const token = options.token ?? FAKE_GITLAB_TOKEN;
  const faults: { method: string; path: RegExp; fault: Fault; times: number }[] = [];
  const sockets = new Set<Socket>();
  let nextId = 1000;
  const newId = (): number => ++nextId;

  const fake: FakeGitLab = {
    url: '',
    token,
    requests: [],
    projects: new Map(),
    pipelines: new Map(),
    jobs: new Map(),
    notes: new Map(),
    statuses: [],
    deployments: new Map(),
    environments: new Map(),
    groups: new Map(),
    hooks: new Map(),
    compares: new Map(),
    jwks: undefined,
    version: '19.0.1-ee',
    tokenInfo: { name: 'baton', scopes: ['api'], expires_at: '2027-01-01' },
    addProject(path, settings = {}) {
      const project: FakeProject = {
        id: newId(),
        path,
        oldPaths: [],
        defaultBranch: settings.defaultBranch ?? 'main',
        variablesRole: settings.variablesRole ?? 'developer',
        visible: settings.visible ?? true,
        jobTemplate: settings.jobTemplate ?? DEFAULT_JOBS,
      };
      fake.projects.set(project.id, project);
      return project;
    },
    renameProject(id, newPath) {
      const project = mustGet(fake.projects, id);
      project.oldPaths.push(project.path);
      project.path = newPath;
    },
    addGroup(path, settings = {}) {
      const group: FakeGroup = {
        id: newId(),
        path,
        visible: settings.visible ?? true,
        hooksAllowed: settings.hooksAllowed ?? true,
      };
      fake.groups.set(group.id, group);
      return group;
    },
    addEnvironment(projectId, name) {
      const id = newId();
      fake.environments.set(id, { id, projectId, name, state: 'available' });
      return id;
    },
    addNote(projectId, mrIid, body, author = FAKE_GITLAB_USER, system = false) {
      const note: FakeNote = { id: newId(), projectId, mrIid, body, author, system };
      fake.notes.set(note.id, note);
      return note;
    },
    failNext(method, path, fault, times = 1) {
      faults.push({ method: method.toUpperCase(), path, fault, times });
    },
    setPipelineStatus(id, status, { failedJobs = [] } = {}) {
      const pipeline = mustGet(fake.pipelines, id);
      pipeline.status = status;
      pipeline.finishedAt = TERMINAL.has(status) ? '2026-05-01T10:05:00.000Z' : null;
      for (const job of jobsOf(id)) {
        if (failedJobs.includes(job.name)) {
          job.status = 'failed';
          job.failureReason = 'script_failure';
        } else if (status === 'success' && job.when !== 'manual') job.status = 'success';
        else if (status === 'canceled' && !TERMINAL.has(job.status)) job.status = 'canceled';
        else if (status === 'running' && job.status === 'created' && job.when !== 'manual') {
          job.status = 'running';
        }
      }
    },
    setJobStatus(id, status, failureReason) {
      const job = mustGet(fake.jobs, id);
      job.status = status;
      job.failureReason = failureReason ?? null;
    },
    pipelineHookPayload(id) {
      const pipeline = mustGet(fake.pipelines, id);
      const project = mustGet(fake.projects, pipeline.projectId);
      const fixture = readFixture('pipeline.json');
      const attributes = objectAt(fixture, 'object_attributes');
      const projectFixture = objectAt(fixture, 'project');
      const builds = jobsOf(id).map((job) => ({
        ...objectAt({ b: arrayAt(fixture, 'builds')[0] ?? {} }, 'b'),
        id: job.id,
        stage: job.stage,
        name: job.name,
        status: job.status,
        when: job.when,
        manual: job.when === 'manual',
        failure_reason: job.failureReason,
      }));
      return {
        ...fixture,
        object_attributes: {
          ...attributes,
          id: pipeline.id,
          iid: pipeline.iid,
          ref: pipeline.ref,
          sha: pipeline.sha,
          source: pipeline.source,
          status: pipeline.status,
          created_at: pipeline.createdAt,
          finished_at: pipeline.finishedAt,
          variables: pipeline.variables.map(({ key, value }) => ({ key, value })),
          url: `${fake.url}/${project.path}/-/pipelines/${pipeline.id}`,
        },
        merge_request: null,
        project: {
          ...projectFixture,
          id: project.id,
          path_with_namespace: project.path,
          web_url: `${fake.url}/${project.path}`,
          default_branch: project.defaultBranch,
        },
        builds,
      };
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  function jobsOf(pipelineId: number): FakeJob[] {
    return [...fake.jobs.values()].filter((job) => job.pipelineId === pipelineId);
  }

  const pipelineJson = (p: FakePipeline): JsonObject => {
    const project = mustGet(fake.projects, p.projectId);
    return {
      id: p.id,
      iid: p.iid,
      project_id: p.projectId,
      sha: p.sha,
      ref: p.ref,
      status: p.status,
      source: p.source,
      created_at: p.createdAt,
      updated_at: p.createdAt,
      finished_at: p.finishedAt,
      web_url: `${fake.url}/${project.path}/-/pipelines/${p.id}`,
      // GitLab sends booleans; some proxies and older versions send strings: keep one quirk.
      tag: 'false',
      detailed_status: { text: p.status, label: p.status, group: p.status },
    };
  };

  const jobJson = (job: FakeJob): JsonObject => {
    const project = mustGet(fake.projects, job.projectId);
    return {
      id: job.id,
      name: job.name,
      stage: job.stage,
      status: job.status,
      when: job.when,
      failure_reason: job.failureReason,
      allow_failure: false,
      pipeline: { id: job.pipelineId, project_id: job.projectId },
      web_url: `${fake.url}/${project.path}/-/jobs/${job.id}`,
      artifacts: [...job.artifacts.keys()].map((name) => ({ filename: name })),
    };
  };

  function createJobs(pipeline: FakePipeline, template: readonly FakeJobTemplate[]): void {
    for (const entry of template) {
      const id = newId();
      fake.jobs.set(id, {
        id,
        pipelineId: pipeline.id,
        projectId: pipeline.projectId,
        name: entry.name,
        stage: entry.stage,
        status: entry.when === 'manual' ? 'manual' : 'created',
        when: entry.when ?? 'on_success',
        failureReason: null,
        trace: `Running ${entry.name}\n`,
        artifacts: new Map(),
        retried: false,
      });
    }
  }

  const routes: readonly (readonly [string, RegExp, Handler])[] = [
    ['GET', /^$/, (ctx, project) => send(ctx, 200, projectJson(project))],
    [
      'POST',
      /^\/pipeline$/,
      (ctx, project) => {
        const body = isJsonObject(ctx.body) ? ctx.body : {};
        const ref = getOwn(body, 'ref');
        if (typeof ref !== 'string' || ref === '') {
          return send(ctx, 400, { error: 'ref is missing' });
        }
        const variables = getOwn(body, 'variables');
        const list = isJsonArray(variables) ? variables.filter(isJsonObject) : [];
        if (list.length > 0 && project.variablesRole === 'no_one_allowed') {
          return send(ctx, 400, {
            message: { base: ['Insufficient permissions to set pipeline variables'] },
          });
        }
        if (ref === 'missing-branch') {
          return send(ctx, 400, { message: { base: ['Reference not found'] } });
        }
        const inputs = getOwn(body, 'inputs');
        const id = newId();
        const pipeline: FakePipeline = {
          id,
          iid: id - 1000,
          projectId: project.id,
          ref,
          sha: 'a'.repeat(40),
          status: 'created',
          source: 'api',
          variables: list.map((v) => ({
            key: str(getOwn(v, 'key')),
            value: str(getOwn(v, 'value')),
            variable_type: str(getOwn(v, 'variable_type') ?? 'env_var'),
          })),
          inputs: isJsonObject(inputs) ? inputs : undefined,
          createdAt: T0,
          finishedAt: null,
        };
        fake.pipelines.set(id, pipeline);
        createJobs(pipeline, project.jobTemplate);
        send(ctx, 201, pipelineJson(pipeline));
      },
    ],
    [
      'GET',
      /^\/pipelines\/(\d+)$/,
      (ctx, project, [id]) => {
        const pipeline = fake.pipelines.get(Number(id));
        if (pipeline?.projectId !== project.id) return send(ctx, 404, { message: '404 Not found' });
        send(ctx, 200, pipelineJson(pipeline));
      },
    ],
    [
      'GET',
      /^\/pipelines\/(\d+)\/jobs$/,
      (ctx, project, [id]) => {
        const pipeline = fake.pipelines.get(Number(id));
        if (pipeline?.projectId !== project.id) return send(ctx, 404, { message: '404 Not found' });
        const scopes = ctx.query.getAll('scope[]').concat(ctx.query.getAll('scope'));
        const withRetried = ctx.query.get('include_retried') === 'true';
        const jobs = jobsOf(pipeline.id)
          .filter((job) => withRetried || !job.retried)
          .filter((job) => scopes.length === 0 || scopes.includes(job.status))
          .sort((a, b) => b.id - a.id);
        sendPage(ctx, jobs.map(jobJson));
      },
    ],
    [
      'POST',
      /^\/pipelines\/(\d+)\/cancel$/,
      (ctx, project, [id]) => {
        const pipeline = fake.pipelines.get(Number(id));
        if (pipeline?.projectId !== project.id) return send(ctx, 404, { message: '404 Not found' });
        // GitLab answers 200 whatever the state (gitlab-org/gitlab#414963).
        if (!TERMINAL.has(pipeline.status)) fake.setPipelineStatus(pipeline.id, 'canceled');
        send(ctx, 200, pipelineJson(pipeline));
      },
    ],
    [
      'GET',
      /^\/jobs\/(\d+)$/,
      (ctx, project, [id]) => withJob(ctx, project, id, (job) => send(ctx, 200, jobJson(job))),
    ],
    [
      'POST',
      /^\/jobs\/(\d+)\/play$/,
      (ctx, project, [id]) =>
        withJob(ctx, project, id, (job) => {
          if (job.status !== 'manual' && job.status !== 'scheduled') {
            return send(ctx, 400, { message: '400 Bad request - Unplayable Job' });
          }
          const variables = isJsonObject(ctx.body)
            ? getOwn(ctx.body, 'job_variables_attributes')
            : undefined;
          if (
            isJsonArray(variables) &&
            variables.length > 0 &&
            mustGet(fake.projects, job.projectId).variablesRole === 'no_one_allowed'
          ) {
            return send(ctx, 403, {
              message: '403 Forbidden - Insufficient permissions to set pipeline variables',
            });
          }
          job.status = 'pending';
          send(ctx, 200, jobJson(job));
        }),
    ],
    [
      'POST',
      /^\/jobs\/(\d+)\/retry$/,
      (ctx, project, [id]) =>
        withJob(ctx, project, id, (job) => {
          if (!TERMINAL.has(job.status))
            return send(ctx, 403, { message: '403 Forbidden  - Job is not retryable' });
          job.retried = true;
          const newJob: FakeJob = {
            ...job,
            id: newId(),
            status: 'pending',
            failureReason: null,
            retried: false,
            artifacts: new Map(),
          };
          fake.jobs.set(newJob.id, newJob);
          send(ctx, 201, jobJson(newJob));
        }),
    ],
    [
      'GET',
      /^\/jobs\/(\d+)\/trace$/,
      (ctx, project, [id]) =>
        withJob(ctx, project, id, (job) => {
          ctx.res.writeHead(200, { 'content-type': 'text/plain' });
          ctx.res.end(job.trace);
        }),
    ],
    [
      'GET',
      /^\/jobs\/(\d+)\/artifacts\/(.+)$/,
      (ctx, project, [id, path]) =>
        withJob(ctx, project, id, (job) => {
          const file = job.artifacts.get(decodeURIComponent(path ?? ''));
          if (file === undefined) return send(ctx, 404, { message: '404 Not Found' });
          ctx.res.writeHead(200, { 'content-type': 'application/octet-stream' });
          ctx.res.end(file);
        }),
    ],
    [
      'POST',
      /^\/statuses\/([0-9a-f]{40})$/,
      (ctx, project, [sha]) => {
        const body = isJsonObject(ctx.body) ? ctx.body : {};
        const state = getOwn(body, 'state');
        const name = str(getOwn(body, 'name') ?? getOwn(body, 'context') ?? 'default');
        if (
          typeof state !== 'string' ||
          !['pending', 'running', 'success', 'failed', 'canceled', 'skipped'].includes(state)
        ) {
          return send(ctx, 400, { error: 'state does not have a valid value' });
        }
        const previous = fake.statuses
          .filter((s) => s.projectId === project.id && s.sha === sha && s.name === name)
          .at(-1);
        if (previous !== undefined && previous.state === state) {
          const verb = {
            pending: 'enqueue',
            running: 'run',
            success: 'success',
            failed: 'drop',
            canceled: 'cancel',
            skipped: 'skip',
          }[state];
          return send(ctx, 400, {
            message: `Cannot transition status via :${verb ?? state} from :${previous.state}`,
          });
        }
        const record = {
          projectId: project.id,
          sha: sha ?? '',
          name,
          state,
          ...(typeof getOwn(body, 'target_url') === 'string'
            ? { target_url: str(getOwn(body, 'target_url')) }
            : {}),
          ...(typeof getOwn(body, 'description') === 'string'
            ? { description: str(getOwn(body, 'description')) }
            : {}),
        };
        fake.statuses.push(record);
        send(ctx, 201, {
          id: newId(),
          sha: sha ?? '',
          status: state,
          name,
          target_url: record.target_url ?? null,
          description: record.description ?? null,
        });
      },
    ],
    [
      'POST',
      /^\/merge_requests\/(\d+)\/notes$/,
      (ctx, project, [iid]) => {
        const body = isJsonObject(ctx.body) ? getOwn(ctx.body, 'body') : undefined;
        if (typeof body !== 'string' || body === '')
          return send(ctx, 400, { error: 'body is missing' });
        send(ctx, 201, noteJson(fake.addNote(project.id, Number(iid), body)));
      },
    ],
    [
      'GET',
      /^\/merge_requests\/(\d+)\/notes$/,
      (ctx, project, [iid]) => {
        // GitLab's defaults: sort=desc, order_by=created_at (ids grow with creation time here).
        const sort = ctx.query.get('sort') ?? 'desc';
        const orderBy = ctx.query.get('order_by') ?? 'created_at';
        if (!['asc', 'desc'].includes(sort) || !['created_at', 'updated_at'].includes(orderBy))
          return send(ctx, 400, { error: 'sort, order_by does not have a valid value' });
        const notes = [...fake.notes.values()]
          .filter((note) => note.projectId === project.id && note.mrIid === Number(iid))
          .sort((a, b) => (sort === 'asc' ? a.id - b.id : b.id - a.id));
        sendPage(ctx, notes.map(noteJson));
      },
    ],
    [
      'PUT',
      /^\/merge_requests\/(\d+)\/notes\/(\d+)$/,
      (ctx, project, [iid, noteId]) => {
        const note = fake.notes.get(Number(noteId));
        if (note?.projectId !== project.id || note.mrIid !== Number(iid))
          return send(ctx, 404, { message: '404 Note Not Found' });
        const body = isJsonObject(ctx.body) ? getOwn(ctx.body, 'body') : undefined;
        if (typeof body !== 'string' || body === '')
          return send(ctx, 400, { error: 'body is missing' });
        note.body = body;
        send(ctx, 200, noteJson(note));
      },
    ],
    [
      'POST',
      /^\/deployments$/,
      (ctx, project) => {
        const body = isJsonObject(ctx.body) ? ctx.body : {};
        const missing = ['environment', 'sha', 'ref', 'tag', 'status'].filter(
          (k) => getOwn(body, k) === undefined,
        );
        if (missing.length > 0)
          return send(ctx, 400, { error: `${missing.join(', ')} is missing` });
        const environment = str(getOwn(body, 'environment'));
        if (
          ![...fake.environments.values()].some(
            (e) => e.projectId === project.id && e.name === environment,
          )
        ) {
          fake.addEnvironment(project.id, environment);
        }
        const id = newId();
        const deployment = {
          id,
          projectId: project.id,
          environment,
          sha: str(getOwn(body, 'sha')),
          ref: str(getOwn(body, 'ref')),
          tag: getOwn(body, 'tag') === true,
          status: str(getOwn(body, 'status')),
        };
        fake.deployments.set(id, deployment);
        send(ctx, 201, deploymentJson(deployment));
      },
    ],
    [
      'PUT',
      /^\/deployments\/(\d+)$/,
      (ctx, project, [id]) => {
        const deployment = fake.deployments.get(Number(id));
        if (deployment?.projectId !== project.id)
          return send(ctx, 404, { message: '404 Deployment Not Found' });
        const status = isJsonObject(ctx.body) ? getOwn(ctx.body, 'status') : undefined;
        if (
          typeof status !== 'string' ||
          !['running', 'success', 'failed', 'canceled'].includes(status)
        ) {
          return send(ctx, 400, { error: 'status does not have a valid value' });
        }
        deployment.status = status;
        send(ctx, 200, deploymentJson(deployment));
      },
    ],
    [
      'GET',
      /^\/environments$/,
      (ctx, project) => {
        const name = ctx.query.get('name');
        sendPage(
          ctx,
          [...fake.environments.values()]
            .filter((e) => e.projectId === project.id && (name === null || e.name === name))
            .map(environmentJson),
        );
      },
    ],
    [
      'POST',
      /^\/environments\/(\d+)\/stop$/,
      (ctx, project, [id]) => {
        const environment = fake.environments.get(Number(id));
        if (environment?.projectId !== project.id)
          return send(ctx, 404, { message: '404 Environment Not Found' });
        environment.state = 'stopped';
        send(ctx, 200, environmentJson(environment));
      },
    ],
    [
      'GET',
      /^\/hooks$/,
      (ctx, project) => listHooks(ctx, { projectId: project.id, groupId: null }),
    ],
    [
      'POST',
      /^\/hooks$/,
      (ctx, project) => saveHook(ctx, { projectId: project.id, groupId: null }, undefined),
    ],
    [
      'PUT',
      /^\/hooks\/(\d+)$/,
      (ctx, project, [id]) => saveHook(ctx, { projectId: project.id, groupId: null }, Number(id)),
    ],
    [
      'GET',
      /^\/repository\/compare$/,
      (ctx) => {
        const paths = fake.compares.get(
          `${ctx.query.get('from') ?? ''}...${ctx.query.get('to') ?? ''}`,
        );
        if (paths === undefined) return send(ctx, 404, { message: '404 Ref Not Found' });
        send(ctx, 200, {
          commit: null,
          commits: [],
          diffs: paths.map((p) => ({
            old_path: p,
            new_path: p,
            new_file: false,
            renamed_file: false,
            deleted_file: false,
          })),
          compare_timeout: false,
          compare_same_ref: false,
        });
      },
    ],
  ];

  type HookOwner = Pick<FakeHook, 'projectId' | 'groupId'>;
  const ownedBy = (hook: FakeHook, owner: HookOwner): boolean =>
    hook.projectId === owner.projectId && hook.groupId === owner.groupId;

  function listHooks(ctx: Context, owner: HookOwner): void {
    sendPage(ctx, [...fake.hooks.values()].filter((h) => ownedBy(h, owner)).map(hookJson));
  }

  function saveHook(ctx: Context, owner: HookOwner, id: number | undefined): void {
    const body = isJsonObject(ctx.body) ? ctx.body : {};
    const existing = id === undefined ? undefined : fake.hooks.get(id);
    if (id !== undefined && (existing === undefined || !ownedBy(existing, owner)))
      return send(ctx, 404, { message: '404 Not found' });
    if (typeof getOwn(body, 'url') !== 'string') return send(ctx, 400, { error: 'url is missing' });
    const { token: secret, signing_token: signing, ...fields } = body;
    const hookId = id ?? newId();
    const signingSupported = Number(fake.version.split('.')[0]) >= 19;
    const hook: FakeHook = {
      id: hookId,
      ...owner,
      fields: { ...existing?.fields, ...fields },
      tokenSet: typeof secret === 'string' ? secret !== '' : (existing?.tokenSet ?? false),
      // Before 19.0 an unknown signing_token parameter is ignored.
      signingTokenSet:
        signingSupported &&
        (typeof signing === 'string' ? signing !== '' : (existing?.signingTokenSet ?? false)),
    };
    fake.hooks.set(hookId, hook);
    send(ctx, id === undefined ? 201 : 200, hookJson(hook));
  }

  const hookJson = (hook: FakeHook): JsonObject => {
    const signingSupported = Number(fake.version.split('.')[0]) >= 19;
    return {
      ...hook.fields,
      id: hook.id,
      ...(hook.groupId === null ? { project_id: hook.projectId } : { group_id: hook.groupId }),
      alert_status: 'executable',
      ...(signingSupported
        ? { token_present: hook.tokenSet, signing_token_present: hook.signingTokenSet }
        : {}),
    };
  };

  /** GET /groups/:id and the group hooks routes; false when `apiPath` is no group path. */
  function handleGroup(ctx: Context, apiPath: string): boolean {
    const match = /^\/groups\/([^/]+)(\/.*)?$/.exec(apiPath);
    if (match === null) return false;
    const group = findGroup(match[1] ?? '');
    if (group === undefined || !group.visible) {
      send(ctx, 404, { message: '404 Group Not Found' });
      return true;
    }
    const rest = match[2] ?? '';
    const owner: HookOwner = { projectId: null, groupId: group.id };
    if (ctx.method === 'GET' && rest === '') {
      send(ctx, 200, {
        id: group.id,
        name: group.path.split('/').at(-1) ?? group.path,
        path: group.path.split('/').at(-1) ?? group.path,
        full_path: group.path,
        web_url: `${fake.url}/groups/${group.path}`,
      });
      return true;
    }
    const hooks = /^\/hooks(?:\/(\d+))?$/.exec(rest);
    if (hooks === null) {
      send(ctx, 404, { error: '404 Not Found' });
      return true;
    }
    if (!group.hooksAllowed) {
      send(ctx, 403, { message: '403 Forbidden' });
      return true;
    }
    const hookId = hooks[1] === undefined ? undefined : Number(hooks[1]);
    if (ctx.method === 'GET' && hookId === undefined) listHooks(ctx, owner);
    else if (ctx.method === 'POST' && hookId === undefined) saveHook(ctx, owner, undefined);
    else if (ctx.method === 'PUT' && hookId !== undefined) saveHook(ctx, owner, hookId);
    else send(ctx, 404, { error: '404 Not Found' });
    return true;
  }

  function findGroup(raw: string): FakeGroup | undefined {
    const key = decodeURIComponent(raw);
    if (/^\d+$/.test(key)) return fake.groups.get(Number(key));
    const lower = key.toLowerCase();
    return [...fake.groups.values()].find((group) => group.path.toLowerCase() === lower);
  }

  const noteJson = (note: FakeNote): JsonObject => ({
    id: note.id,
    body: note.body,
    noteable_iid: note.mrIid,
    noteable_type: 'MergeRequest',
    system: note.system ?? false,
    author: { id: note.author.id, username: note.author.username, name: note.author.username },
  });
  const deploymentJson = (d: {
    id: number;
    environment: string;
    sha: string;
    ref: string;
    status: string;
  }): JsonObject => ({
    id: d.id,
    iid: d.id - 1000,
    ref: d.ref,
    sha: d.sha,
    status: d.status,
    environment: { name: d.environment },
    deployable: null,
  });
  const environmentJson = (e: { id: number; name: string; state: string }): JsonObject => ({
    id: e.id,
    name: e.name,
    state: e.state,
    slug: e.name,
  });
  const projectJson = (p: FakeProject): JsonObject => ({
    id: p.id,
    path_with_namespace: p.path,
    name: p.path.split('/').at(-1) ?? p.path,
    default_branch: p.defaultBranch,
    web_url: `${fake.url}/${p.path}`,
    ci_pipeline_variables_minimum_override_role: p.variablesRole,
  });

  function withJob(
    ctx: Context,
    project: FakeProject,
    id: string | undefined,
    then: (job: FakeJob) => void,
  ): void {
    const job = fake.jobs.get(Number(id));
    if (job?.projectId !== project.id) return send(ctx, 404, { message: '404 Not found' });
    then(job);
  }

  function sendPage(ctx: Context, items: readonly JsonValue[]): void {
    const perPage = Math.min(100, Math.max(1, Number(ctx.query.get('per_page') ?? 20) || 20));
    const page = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {
      'x-page': String(page),
      'x-per-page': String(perPage),
      'x-total': String(items.length),
    };
    if (page * perPage < items.length) {
      const next = new URL(`${fake.url}${ctx.req.url ?? ''}`);
      next.searchParams.set('page', String(page + 1));
      headers['x-next-page'] = String(page + 1);
      headers['link'] = `<${next.toString()}>; rel="next"`;
    } else headers['x-next-page'] = '';
    send(ctx, 200, slice, headers);
  }

  function findProject(raw: string): FakeProject | { moved: FakeProject } | undefined {
    const key = decodeURIComponent(raw);
    if (/^\d+$/.test(key)) return fake.projects.get(Number(key));
    const lower = key.toLowerCase();
    for (const project of fake.projects.values()) {
      if (project.path.toLowerCase() === lower) return project;
      if (project.oldPaths.some((p) => p.toLowerCase() === lower)) return { moved: project };
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    const body = text === '' ? undefined : parseJson(text);
    if (url.pathname === '/oauth/discovery/keys' || url.pathname === '/-/jwks') {
      if (fake.jwks === undefined) return void send({ res }, 404, { message: '404 Not Found' });
      return void send({ res }, 200, fake.jwks, { 'cache-control': 'max-age=86400' });
    }
    if (url.pathname === '/.well-known/openid-configuration') {
      return void send({ res }, 200, {
        issuer: fake.url,
        jwks_uri: `${fake.url}/oauth/discovery/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
      });
    }
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    if (!rawPath.startsWith('/api/v4/'))
      return void send({ res }, 404, { message: '404 Not Found' });
    const apiPath = rawPath.slice('/api/v4'.length);
    const given = req.headers['private-token'];
    const tokenState = given === undefined ? 'missing' : given === token ? 'valid' : 'invalid';
    fake.requests.push({ method, path: apiPath, query: url.search, body, token: tokenState });
    const fault = faults.find((f) => f.method === method && f.path.test(apiPath));
    if (fault !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      if (fault.fault === 'hang') return; // never answers; close() destroys the socket
      return void send(
        { res },
        fault.fault.status,
        fault.fault.body ?? { message: `${fault.fault.status}` },
        fault.fault.headers,
      );
    }
    if (tokenState !== 'valid') return void send({ res }, 401, { message: '401 Unauthorized' });
    const ctx: Context = {
      req,
      res,
      method,
      segments: apiPath.split('/').slice(1),
      query: url.searchParams,
      body,
    };
    if (method === 'GET' && apiPath === '/version')
      return void send(ctx, 200, { version: fake.version, revision: 'abc123' });
    if (method === 'GET' && apiPath === '/user')
      return void send(ctx, 200, { ...FAKE_GITLAB_USER, name: 'Baton', bot: true });
    if (method === 'GET' && apiPath === '/personal_access_tokens/self') {
      if (fake.tokenInfo === undefined) return void send(ctx, 404, { message: '404 Not Found' });
      return void send(ctx, 200, { id: 1, active: true, revoked: false, ...fake.tokenInfo });
    }
    if (handleGroup(ctx, apiPath)) return;
    const match = /^\/projects\/([^/]+)(\/.*)?$/.exec(apiPath);
    if (match === null) return void send(ctx, 404, { error: '404 Not Found' });
    const found = findProject(match[1] ?? '');
    if (found === undefined || ('visible' in found && !found.visible)) {
      return void send(ctx, 404, { message: '404 Project Not Found' });
    }
    if ('moved' in found) {
      const location = `${fake.url}/api/v4/projects/${found.moved.id}${match[2] ?? ''}${url.search}`;
      return void send(ctx, 301, { message: '301 Moved Permanently' }, { location });
    }
    const rest = match[2] ?? '';
    for (const [routeMethod, pattern, handler] of routes) {
      if (routeMethod !== method) continue;
      const params = pattern.exec(rest);
      if (params !== null)
        return void handler(
          ctx,
          found,
          params.slice(1).map((p) => p ?? ''),
        );
    }
    send(ctx, 404, { error: '404 Not Found' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `fake GitLab bug: ${String(error)}` }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(fake, { url: `http://127.0.0.1:${port}` });
  return fake;
}

function send(
  ctx: Pick<Context, 'res'>,
  status: number,
  body: JsonValue,
  headers: Record<string, string> = {},
): void {
  ctx.res.writeHead(status, { 'content-type': 'application/json', ...headers });
  ctx.res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

function readFixture(name: string): JsonObject {
  const value = JSON.parse(readFileSync(new URL(name, FIXTURE_DIR), 'utf8')) as unknown;
  if (!isJsonObject(value)) throw new Error(`fixture ${name} is not an object`);
  return value;
}

function objectAt(object: JsonObject, key: string): JsonObject {
  const value = getOwn(object, key);
  return isJsonObject(value) ? value : {};
}

function arrayAt(object: JsonObject, key: string): readonly JsonValue[] {
  const value = getOwn(object, key);
  return isJsonArray(value) ? value : [];
}

function mustGet<K, V>(map: Map<K, V>, key: K): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`fake GitLab has no ${String(key)}`);
  return value;
}

/** A request field as text (the fake is lenient: objects become their JSON). */
function str(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}
