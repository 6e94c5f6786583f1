/**
 * What `POST /connections/:name/test` and `POST /connections/:name/hooks` do against GitLab,
 * through the shared GitLab client of the connection (retries, timeouts and token redaction
 * are the client's): check that the instance answers (`GET /version`), what the token may do
 * (`GET /personal_access_tokens/self`, or `GET /user` when GitLab cannot describe the token)
 * and that projects exist; and install or update a project or group hook (found by URL, so it is
 * never duplicated), checking `signing_token_present` afterwards (GitLab 19.0+; older instances
 * silently ignore a signing token, reference §1.3). Every problem says how to fix it.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonObject } from '../../common/index.js';
import type {
  GitLabClient,
  GitLabErrorName,
  GitLabHook,
  GitLabTokenInfo,
  GitLabUser,
  HookEventFlag,
  HookSettings,
} from '../../integrations/gitlab/index.js';
import {
  GITLAB_ERRORS,
  GitLabApiError,
  createGroupHook,
  createHook,
  currentUser,
  getGroup,
  getProject,
  getVersion,
  listGroupHooks,
  listHooks,
  parseGroupRef,
  redact,
  tokenSelf,
  updateGroupHook,
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

/** Where the hook goes: a project, or a group (Premium; it hears every project below it). */
export type HookTarget =
  | { readonly kind: 'project'; readonly project: string }
  | { readonly kind: 'group'; readonly group: string };

export interface HookRequest {
  readonly target: HookTarget;
  readonly url: string;
  readonly events: readonly string[];
  readonly secretToken?: string;
  readonly signingToken?: string;
}

/** The hooks API of one project or group: the same calls under another prefix. */
interface HookOwner {
  /** `project` or `group`, as the answer names it. */
  readonly kind: 'project' | 'group';
  /** The canonical full path. */
  readonly path: string;
  readonly list: () => Promise<readonly GitLabHook[]>;
  readonly create: (settings: HookSettings) => Promise<GitLabHook>;
  readonly update: (hookId: number, settings: HookSettings) => Promise<GitLabHook>;
  /** What to say when listing or saving hooks failed. */
  readonly problem: (error: GitLabApiError, doing: string) => string;
}

/** Finds the project or group: its hooks calls, or (a string) what to say when it cannot. */
async function hookOwner(client: GitLabClient, target: HookTarget): Promise<HookOwner | string> {
  if (target.kind === 'project') {
    const found = await attempt(
      client.resolveProject(target.project).then((id) => getProject(client, id)),
    );
    if (!found.ok) return notFoundOr(client, found.error, target.project);
    const { id, pathWithNamespace } = found.value;
    return {
      kind: 'project',
      path: pathWithNamespace,
      list: () => listHooks(client, id),
      create: (settings) => createHook(client, id, settings),
      update: (hookId, settings) => updateHook(client, id, hookId, settings),
      problem: (error, doing) => problemOf(client, error, `${doing} of ${target.project}`),
    };
  }
  const parsed = parseGroupRef(target.group, { instanceUrl: client.connection.baseUrl });
  if (!parsed.ok) return parsed.message;
  const found = await attempt(getGroup(client, parsed.ref));
  if (!found.ok) return groupProblem(client, found.error, target.group, 'find');
  const { id, fullPath } = found.value;
  return {
    kind: 'group',
    path: fullPath,
    list: () => listGroupHooks(client, id),
    create: (settings) => createGroupHook(client, id, settings),
    update: (hookId, settings) => updateGroupHook(client, id, hookId, settings),
    problem: (error, doing) => groupProblem(client, error, fullPath, doing),
  };
}

/**
 * A failed group call. GitLab's group webhooks API needs GitLab Premium or Ultimate and the
 * Owner role on the group, or an administrator (its "Prerequisites"); a 404 from the hooks
 * list of a group that exists means an edition without group hooks.
 */
function groupProblem(
  client: GitLabClient,
  error: GitLabApiError,
  group: string,
  doing: string,
): string {
  if (error.error === GITLAB_ERRORS.notFound) {
    return doing === 'find'
      ? `No group at ${group} (or the token cannot see it): check the full path (a user's namespace or a project is not a group), and add the token's user to the group.`
      : `GitLab has no group hooks for ${group} (404 on ${doing}): group webhooks need GitLab Premium or Ultimate. On GitLab Free install a project hook for each project instead (--project).`;
  }
  if (error.error === GITLAB_ERRORS.forbidden) {
    return `GitLab forbids ${doing === 'find' ? 'reading' : doing} group ${group} (403): group hooks need the Owner role on the group (or an administrator's token) and GitLab Premium or Ultimate. Make the token's user an Owner of ${group}, or install project hooks instead (--project).`;
  }
  return problemOf(client, error, `${doing === 'find' ? 'reading' : doing} group ${group}`);
}

/**
 * Creates or updates the hook for `request.url` on the project or group. Problem texts never
 * carry the webhook secret or signing token, even if GitLab quoted them back.
 * @returns `{ ok, action: created|updated, hookId, project | group, url, events, warnings }`,
 *   or `{ ok: false, problem }`.
 */
export async function installHook(client: GitLabClient, request: HookRequest): Promise<JsonObject> {
  const secrets = [request.secretToken ?? '', request.signingToken ?? ''];
  const failed = (problem: string): JsonObject => ({
    ok: false,
    problem: redact(problem, secrets),
  });
  const owner = await hookOwner(client, request.target);
  if (typeof owner === 'string') return failed(owner);
  const { list, create, update, problem, kind, path } = owner;
  const hooks = await attempt(list());
  if (!hooks.ok) return failed(problem(hooks.error, 'listing the hooks'));
  const existing = hooks.value.find((hook) => hook.url === request.url);
  const settings: HookSettings = {
    url: request.url,
    enableSslVerification: true,
    events: Object.fromEntries(
      Object.entries(HOOK_EVENTS).map(([name, flag]) => [flag, request.events.includes(name)]),
    ),
    ...(request.secretToken === undefined ? {} : { token: request.secretToken }),
    ...(request.signingToken === undefined ? {} : { signingToken: request.signingToken }),
  };
  const saved = await attempt(
    existing === undefined ? create(settings) : update(existing.id, settings),
  );
  if (!saved.ok) return failed(problem(saved.error, 'saving the hook'));
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
    [kind]: path,
    url: request.url,
    events: [...request.events],
    warnings,
  };
}
