/**
 * What `POST /connections/:name/test` and `POST /connections/:name/hooks` do against GitLab:
 * check that the instance answers (`GET /version`), what the token may do
 * (`GET /personal_access_tokens/self`, or `GET /user` when that is not available) and that
 * projects exist; and install or update a project hook (found by URL, so it is never
 * duplicated), checking `signing_token_present` afterwards (GitLab 19.0+; older instances
 * silently ignore a signing token, reference §1.3). Every problem says how to fix it.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import type { GitLabConnection } from '../../integrations/gitlab/connection.js';
import type { ConnectionProbe, ProbeAnswer } from './connection-probe.js';

/** Hook event names Baton's CLI and API take, with GitLab's hook flags (reference §1.5). */
export const HOOK_EVENTS: Readonly<Record<string, string>> = {
  push: 'push_events',
  tag_push: 'tag_push_events',
  merge_request: 'merge_requests_events',
  note: 'note_events',
  pipeline: 'pipeline_events',
  job: 'job_events',
  deployment: 'deployment_events',
  release: 'releases_events',
};
export const DEFAULT_HOOK_EVENTS = [
  'push',
  'tag_push',
  'merge_request',
  'note',
  'pipeline',
  'job',
  'deployment',
] as const;

function member(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (Object.entries(body).find(([key]) => key === name)?.[1] ?? undefined)
    : undefined;
}
function stringMember(body: unknown, name: string): string | null {
  const value = member(body, name);
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

/** The project part of an API path: a numeric id, or the full path with every / encoded. */
export function projectSegment(project: string): string {
  return /^\d+$/.test(project) ? project : encodeURIComponent(project);
}

function statusProblem(answer: ProbeAnswer, what: string): string {
  if (answer.kind === 'unreachable') return answer.problem;
  switch (answer.status) {
    case 401:
      return `GitLab refused the token (401) for ${what}: it is wrong, expired or revoked. Create a new token with the api scope and update the connection (baton connections update NAME --token-env VAR).`;
    case 403:
      return `GitLab forbids ${what} (403): give the token's user a higher role on the project (Developer to run pipelines, Maintainer to manage hooks) or the api scope.`;
    case 429:
      return `GitLab rate-limited ${what} (429); try again in a minute.`;
    default:
      return answer.status >= 500
        ? `GitLab failed on ${what} (${answer.status}); the instance may be down or upgrading, try again later.`
        : `GitLab answered ${answer.status} to ${what}.`;
  }
}

/** The report of a connection test. */
export async function testConnection(
  probe: ConnectionProbe,
  connection: GitLabConnection,
  projects: readonly string[],
): Promise<JsonObject> {
  const version = await probe.call(connection, 'GET', '/version');
  const instance: JsonObject =
    version.kind === 'answered' && version.status === 200
      ? { ok: true, version: stringMember(version.body, 'version') }
      : { ok: false, problem: statusProblem(version, 'GET /api/v4/version') };
  if (instance['ok'] !== true) {
    return { ok: false, instance, token: null, projects: [] };
  }
  const token = await tokenReport(probe, connection);
  const checked: JsonValue[] = [];
  for (const project of projects) checked.push(await projectReport(probe, connection, project));
  return {
    ok: token['ok'] === true && checked.every((p) => member(p, 'ok') === true),
    instance,
    token,
    projects: checked,
  };
}

async function tokenReport(
  probe: ConnectionProbe,
  connection: GitLabConnection,
): Promise<JsonObject> {
  const self = await probe.call(connection, 'GET', '/personal_access_tokens/self');
  const user = await probe.call(connection, 'GET', '/user');
  const login =
    user.kind === 'answered' && user.status === 200 ? stringMember(user.body, 'username') : null;
  if (self.kind === 'answered' && self.status === 200) {
    const rawScopes = member(self.body, 'scopes');
    const scopes = Array.isArray(rawScopes)
      ? rawScopes.filter((s): s is string => typeof s === 'string')
      : [];
    const report: JsonObject = {
      ok: scopes.includes('api'),
      name: stringMember(self.body, 'name'),
      scopes,
      expiresAt: stringMember(self.body, 'expires_at'),
      user: login,
    };
    return scopes.includes('api')
      ? report
      : {
          ...report,
          problem: `The token has the scopes ${scopes.join(', ') || '(none)'}; Baton needs api to run pipelines and manage hooks. Create a token with the api scope.`,
        };
  }
  // Not a personal/project/group access token, or an instance without the endpoint.
  if (user.kind === 'answered' && user.status === 200) {
    return { ok: true, name: null, scopes: null, expiresAt: null, user: login };
  }
  return { ok: false, problem: statusProblem(user, 'GET /api/v4/user') };
}

async function projectReport(
  probe: ConnectionProbe,
  connection: GitLabConnection,
  project: string,
): Promise<JsonObject> {
  const answer = await probe.call(connection, 'GET', `/projects/${projectSegment(project)}`);
  if (answer.kind === 'answered' && answer.status === 200) {
    return {
      project,
      ok: true,
      id: stringMember(answer.body, 'id'),
      path: stringMember(answer.body, 'path_with_namespace'),
    };
  }
  const problem =
    answer.kind === 'answered' && answer.status === 404
      ? `No project at ${project} (it may be a group, or the token's user lacks access): check the full path, and add the user to the project.`
      : statusProblem(answer, `project ${project}`);
  return { project, ok: false, problem };
}

export interface HookRequest {
  readonly project: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly secretToken?: string;
  readonly signingToken?: string;
}

/**
 * Creates or updates the hook for `request.url` on the project.
 * @returns `{ ok, action: created|updated, hookId, project, events, warnings }`, or
 *   `{ ok: false, problem }`.
 */
export async function installHook(
  probe: ConnectionProbe,
  connection: GitLabConnection,
  request: HookRequest,
): Promise<JsonObject> {
  const project = await probe.call(
    connection,
    'GET',
    `/projects/${projectSegment(request.project)}`,
  );
  if (project.kind !== 'answered' || project.status !== 200) {
    return {
      ok: false,
      problem:
        project.kind === 'answered' && project.status === 404
          ? `No project at ${request.project} (it may be a group, or the token's user lacks access).`
          : statusProblem(project, `project ${request.project}`),
    };
  }
  const projectId = stringMember(project.body, 'id') ?? request.project;
  const hooks = await probe.call(connection, 'GET', `/projects/${projectId}/hooks?per_page=100`);
  if (hooks.kind !== 'answered' || hooks.status !== 200 || !Array.isArray(hooks.body)) {
    return { ok: false, problem: statusProblem(hooks, `listing the hooks of ${request.project}`) };
  }
  const existing: unknown = hooks.body.find((hook: unknown) => member(hook, 'url') === request.url);
  const body: JsonObject = {
    url: request.url,
    enable_ssl_verification: true,
    ...Object.fromEntries(
      Object.entries(HOOK_EVENTS).map(([name, flag]) => [flag, request.events.includes(name)]),
    ),
    ...(request.secretToken === undefined ? {} : { token: request.secretToken }),
    ...(request.signingToken === undefined ? {} : { signing_token: request.signingToken }),
  };
  const hookId = existing === undefined ? undefined : stringMember(existing, 'id');
  const saved =
    hookId === undefined || hookId === null
      ? await probe.call(connection, 'POST', `/projects/${projectId}/hooks`, body)
      : await probe.call(connection, 'PUT', `/projects/${projectId}/hooks/${hookId}`, body);
  if (saved.kind !== 'answered' || (saved.status !== 200 && saved.status !== 201)) {
    return { ok: false, problem: statusProblem(saved, `saving the hook of ${request.project}`) };
  }
  const warnings: string[] = [];
  if (request.signingToken !== undefined && member(saved.body, 'signing_token_present') !== true) {
    warnings.push(
      'GitLab did not keep the signing token (instances older than 19.0 ignore it), so deliveries will carry no webhook-signature and Baton will refuse them. Remove the signing token from the connection (baton connections update NAME --signing-token none) and use a webhook secret, or upgrade GitLab.',
    );
  }
  return {
    ok: true,
    action: hookId === undefined || hookId === null ? 'created' : 'updated',
    hookId: stringMember(saved.body, 'id'),
    project: stringMember(project.body, 'path_with_namespace') ?? request.project,
    url: request.url,
    events: [...request.events],
    warnings,
  };
}
