/**
 * What `POST /connections/:name/test` and `POST /connections/:name/hooks` do against GitLab,
 * through the shared GitLab client of the connection (retries, timeouts and token redaction
 * are the client's): check that the instance answers (`GET /version`), what the token may do
 * (`GET /personal_access_tokens/self`, or `GET /user` when GitLab cannot describe the token)
 * and that projects exist; and install or update a project hook (found by URL, so it is never
 * duplicated), checking `signing_token_present` afterwards (GitLab 19.0+; older instances
 * silently ignore a signing token, reference §1.3). Every problem says how to fix it.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonObject } from '../../common/index.js';
import type {
  GitLabClient,
  GitLabErrorName,
  GitLabTokenInfo,
  GitLabUser,
  HookEventFlag,
} from '../../integrations/gitlab/index.js';
import {
  GITLAB_ERRORS,
  GitLabApiError,
  createHook,
  currentUser,
  getProject,
  getVersion,
  listHooks,
  redact,
  tokenSelf,
  updateHook,
} from '../../integrations/gitlab/index.js';

/** Hook event names Baton's CLI and API take, with GitLab's hook flags (reference §1.5). */
export const HOOK_EVENTS: Readonly<Record<string, HookEventFlag>> = {
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

/** The outcome of one GitLab call: its value, or the GitLab failure it ended with. */
type Outcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: GitLabApiError };

/** Runs a call; GitLab failures become outcomes, anything else (a bug) still throws. */
async function attempt<T>(call: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await call };
  } catch (error: unknown) {
    if (error instanceof GitLabApiError) return { ok: false, error };
    throw error;
  }
}

type ProblemText = (what: string, error: GitLabApiError, baseUrl: string) => string;

/** What to tell an admin about a failed call, and how to fix it, by the failure's name. */
const PROBLEMS: Readonly<Partial<Record<GitLabErrorName, ProblemText>>> = {
  [GITLAB_ERRORS.unauthorized]: (what) =>
    `GitLab refused the token (401) for ${what}: it is wrong, expired or revoked. Create a new token with the api scope and update the connection (baton connections update NAME --token-env VAR).`,
  [GITLAB_ERRORS.forbidden]: (what) =>
    `GitLab forbids ${what} (403): give the token's user a higher role on the project (Developer to run pipelines, Maintainer to manage hooks) or the api scope.`,
  [GITLAB_ERRORS.rateLimited]: (what, error) =>
    `GitLab rate-limited ${what} (429); try again in ${error.retryAfterSeconds ?? 60} s.`,
  [GITLAB_ERRORS.connectionFailed]: (_what, error, baseUrl) =>
    `Baton could not connect to ${baseUrl} (${error.message}); check the URL, DNS, proxies and firewalls.`,
  [GITLAB_ERRORS.timeout]: (what, error, baseUrl) =>
    `${baseUrl} did not answer ${what} in time (${error.message}); check that the instance is up and reachable from Baton.`,
  [GITLAB_ERRORS.serverError]: (what, error) =>
    `GitLab failed on ${what} (${error.message}); the instance may be down or upgrading, try again later.`,
};

function problemOf(client: GitLabClient, error: GitLabApiError, what: string): string {
  const text: ProblemText =
    PROBLEMS[error.error] ?? ((w, e) => `GitLab refused ${w}: ${e.message}`);
  return text(what, error, client.connection.baseUrl);
}

function notFoundOr(client: GitLabClient, error: GitLabApiError, project: string): string {
  return error.error === GITLAB_ERRORS.notFound
    ? `No project at ${project} (it may be a group, or the token's user lacks access): check the full path, and add the user to the project.`
    : problemOf(client, error, `project ${project}`);
}

/** The report of a connection test. */
export async function testConnection(
  client: GitLabClient,
  projects: readonly string[],
): Promise<JsonObject> {
  const version = await attempt(getVersion(client));
  if (!version.ok) {
    const problem = problemOf(client, version.error, 'GET /api/v4/version');
    return { ok: false, instance: { ok: false, problem }, token: null, projects: [] };
  }
  const instance: JsonObject = { ok: true, version: version.value.version };
  const token = tokenReport(
    client,
    await attempt(tokenSelf(client)),
    await attempt(currentUser(client)),
  );
  const checked: JsonValue[] = [];
  for (const project of projects) checked.push(await projectReport(client, project));
  return {
    ok: getOwn(token, 'ok') === true && checked.every(isOkReport),
    instance,
    token,
    projects: checked,
  };
}

function isOkReport(report: JsonValue): boolean {
  return isJsonObject(report) && getOwn(report, 'ok') === true;
}

function tokenReport(
  client: GitLabClient,
  self: Outcome<GitLabTokenInfo>,
  user: Outcome<GitLabUser>,
): JsonObject {
  const login = user.ok ? user.value.username : null;
  if (self.ok && self.value.known) {
    const { name, scopes, expiresAt } = self.value;
    const report: JsonObject = {
      ok: scopes.includes('api'),
      name,
      scopes: [...scopes],
      expiresAt,
      user: login,
    };
    return scopes.includes('api')
      ? report
      : {
          ...report,
          problem: `The token has the scopes ${scopes.join(', ') || '(none)'}; Baton needs api to run pipelines and manage hooks. Create a token with the api scope.`,
        };
  }
  // A project or group token, an instance without the endpoint, or one that refused it: the
  // user the token acts as is still worth knowing.
  if (user.ok) return { ok: true, name: null, scopes: null, expiresAt: null, user: login };
  return { ok: false, problem: problemOf(client, user.error, 'GET /api/v4/user') };
}

async function projectReport(client: GitLabClient, project: string): Promise<JsonObject> {
  const found = await attempt(client.resolveProject(project).then((id) => getProject(client, id)));
  if (!found.ok) return { project, ok: false, problem: notFoundOr(client, found.error, project) };
  return {
    project,
    ok: true,
    id: String(found.value.id),
    path: found.value.pathWithNamespace,
  };
}

export interface HookRequest {
  readonly project: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly secretToken?: string;
  readonly signingToken?: string;
}

/**
 * Creates or updates the hook for `request.url` on the project. Problem texts never carry the
 * webhook secret or signing token, even if GitLab quoted them back.
 * @returns `{ ok, action: created|updated, hookId, project, events, warnings }`, or
 *   `{ ok: false, problem }`.
 */
export async function installHook(client: GitLabClient, request: HookRequest): Promise<JsonObject> {
  const secrets = [request.secretToken ?? '', request.signingToken ?? ''];
  const failed = (problem: string): JsonObject => ({
    ok: false,
    problem: redact(problem, secrets),
  });
  const project = await attempt(
    client.resolveProject(request.project).then((id) => getProject(client, id)),
  );
  if (!project.ok) return failed(notFoundOr(client, project.error, request.project));
  const { id: projectId, pathWithNamespace } = project.value;
  const hooks = await attempt(listHooks(client, projectId));
  if (!hooks.ok) {
    return failed(problemOf(client, hooks.error, `listing the hooks of ${request.project}`));
  }
  const existing = hooks.value.find((hook) => hook.url === request.url);
  const settings = {
    url: request.url,
    enableSslVerification: true,
    events: Object.fromEntries(
      Object.entries(HOOK_EVENTS).map(([name, flag]) => [flag, request.events.includes(name)]),
    ),
    ...(request.secretToken === undefined ? {} : { token: request.secretToken }),
    ...(request.signingToken === undefined ? {} : { signingToken: request.signingToken }),
  };
  const saved = await attempt(
    existing === undefined
      ? createHook(client, projectId, settings)
      : updateHook(client, projectId, existing.id, settings),
  );
  if (!saved.ok) {
    return failed(problemOf(client, saved.error, `saving the hook of ${request.project}`));
  }
  const warnings: string[] = [];
  if (request.signingToken !== undefined && saved.value.signingTokenPresent !== true) {
    warnings.push(
      'GitLab did not keep the signing token (instances older than 19.0 ignore it), so deliveries will carry no webhook-signature and Baton will refuse them. Remove the signing token from the connection (baton connections update NAME --signing-token none) and use a webhook secret, or upgrade GitLab.',
    );
  }
  return {
    ok: true,
    action: existing === undefined ? 'created' : 'updated',
    hookId: String(saved.value.id),
    project: pathWithNamespace,
    url: request.url,
    events: [...request.events],
    warnings,
  };
}
