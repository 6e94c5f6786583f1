/**
 * The instance-level and project-setup calls other parts use: the GitLab version, what the
 * token is and may do, the bot's own user (to recognise its notes), a project's or group's id
 * and full path, project and group hooks (install and update, reading back
 * `signing_token_present`; the two APIs differ only in their `/projects/:id` or `/groups/:id`
 * prefix), and the changed paths between two commits.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../common/index.js';
import type { GitLabClient } from './client.js';
import { groupPath, numericField, projectPath } from './client.js';
import { GITLAB_ERRORS, GitLabApiError } from './errors.js';
import type { ProjectRef } from './project-path.js';

export interface GitLabVersion {
  readonly version: string;
  readonly revision: string | null;
}

export interface GitLabTokenInfo {
  /** False when the token is not a personal access token GitLab can describe (404). */
  readonly known: boolean;
  readonly name: string | null;
  readonly scopes: readonly string[];
  readonly expiresAt: string | null;
}

export interface GitLabUser {
  readonly id: number;
  readonly username: string;
}

export interface GitLabProject {
  readonly id: number;
  /** The canonical full path (GitLab's spelling, after any rename). */
  readonly pathWithNamespace: string;
}

export interface GitLabGroup {
  readonly id: number;
  /** The canonical full path, `top/sub` (GitLab's spelling). */
  readonly fullPath: string;
}

/** The hook events GitLab can send (API flags of reference/gitlab.md §1.5, the ones Baton uses). */
export const HOOK_EVENT_FLAGS = [
  'push_events',
  'tag_push_events',
  'merge_requests_events',
  'pipeline_events',
  'job_events',
  'deployment_events',
  'releases_events',
  'note_events',
] as const;
export type HookEventFlag = (typeof HOOK_EVENT_FLAGS)[number];

export interface HookSettings {
  readonly url: string;
  /** Secret token sent back as X-Gitlab-Token. */
  readonly token?: string;
  /** `whsec_...` signing token (GitLab 19.0+; older versions ignore it). */
  readonly signingToken?: string;
  readonly events: Readonly<Partial<Record<HookEventFlag, boolean>>>;
  readonly enableSslVerification?: boolean;
  readonly pushEventsBranchFilter?: string;
}

export interface GitLabHook {
  readonly id: number;
  readonly url: string;
  readonly events: Readonly<Partial<Record<HookEventFlag, boolean>>>;
  readonly enableSslVerification: boolean;
  /** Undefined before GitLab 19.0, which does not report it. */
  readonly tokenPresent: boolean | undefined;
  readonly signingTokenPresent: boolean | undefined;
  readonly alertStatus: string | null;
}

/** GET /version. @throws GitLabApiError */
export async function getVersion(
  client: GitLabClient,
  signal?: AbortSignal,
): Promise<GitLabVersion> {
  const { body } = await client.request({ method: 'GET', path: '/version', ...signalOf(signal) });
  const version = stringField(body, 'version');
  if (version === null) throw malformed('/version', 'version');
  return { version, revision: stringField(body, 'revision') };
}

/**
 * GET /personal_access_tokens/self. Project, group and other tokens that GitLab cannot
 * describe answer 404: that is `known: false`, not an error. @throws GitLabApiError otherwise
 */
export async function tokenSelf(
  client: GitLabClient,
  signal?: AbortSignal,
): Promise<GitLabTokenInfo> {
  try {
    const { body } = await client.request({
      method: 'GET',
      path: '/personal_access_tokens/self',
      ...signalOf(signal),
    });
    const scopes = isJsonObject(body) ? getOwn(body, 'scopes') : undefined;
    return {
      known: true,
      name: stringField(body, 'name'),
      scopes: isJsonArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [],
      expiresAt: stringField(body, 'expires_at'),
    };
  } catch (error: unknown) {
    if (error instanceof GitLabApiError && error.status === 404) {
      return { known: false, name: null, scopes: [], expiresAt: null };
    }
    throw error;
  }
}

/** GET /user: the token's own user. @throws GitLabApiError */
export async function currentUser(client: GitLabClient, signal?: AbortSignal): Promise<GitLabUser> {
  const { body } = await client.request({ method: 'GET', path: '/user', ...signalOf(signal) });
  const id = numericField(body, 'id');
  const username = stringField(body, 'username');
  if (id === undefined || username === null) throw malformed('/user', 'id and username');
  return { id, username };
}

/**
 * GET /projects/:id: checks that the token can see the project and reads its full path.
 * @throws GitLabApiError GitLab.NotFound when there is no such project or the token cannot see it
 */
export async function getProject(
  client: GitLabClient,
  projectId: number,
  signal?: AbortSignal,
): Promise<GitLabProject> {
  const { body } = await client.request({
    method: 'GET',
    path: projectPath(projectId),
    ...signalOf(signal),
  });
  const id = numericField(body, 'id');
  const pathWithNamespace = stringField(body, 'path_with_namespace');
  if (id === undefined || pathWithNamespace === null) {
    throw malformed('/projects/:id', 'id and path_with_namespace');
  }
  return { id, pathWithNamespace };
}

/**
 * GET /groups/:id (Premium or not: every tier has groups): checks that the token can see the
 * group and reads its id and full path. A path is encoded once (`acme%2Fplatform`).
 * @throws GitLabApiError GitLab.NotFound when there is no such group or the token cannot see it
 */
export async function getGroup(
  client: GitLabClient,
  group: ProjectRef | number,
  signal?: AbortSignal,
): Promise<GitLabGroup> {
  const { body } = await client.request({
    method: 'GET',
    path: groupPath(group),
    ...signalOf(signal),
  });
  const id = numericField(body, 'id');
  const fullPath = stringField(body, 'full_path');
  if (id === undefined || fullPath === null) throw malformed('/groups/:id', 'id and full_path');
  return { id, fullPath };
}

/** The project's hooks (all pages). @throws GitLabApiError */
export function listHooks(
  client: GitLabClient,
  projectId: number,
  signal?: AbortSignal,
): Promise<readonly GitLabHook[]> {
  return listHooksAt(client, projectPath(projectId), signal);
}

/** The group's hooks (all pages; Premium). @throws GitLabApiError */
export function listGroupHooks(
  client: GitLabClient,
  groupId: number,
  signal?: AbortSignal,
): Promise<readonly GitLabHook[]> {
  return listHooksAt(client, groupPath(groupId), signal);
}

/** POST /projects/:id/hooks. @throws GitLabApiError */
export function createHook(
  client: GitLabClient,
  projectId: number,
  settings: HookSettings,
  signal?: AbortSignal,
): Promise<GitLabHook> {
  return saveHookAt(client, 'POST', projectPath(projectId, '/hooks'), settings, signal);
}

/** POST /groups/:id/hooks (Premium). @throws GitLabApiError */
export function createGroupHook(
  client: GitLabClient,
  groupId: number,
  settings: HookSettings,
  signal?: AbortSignal,
): Promise<GitLabHook> {
  return saveHookAt(client, 'POST', groupPath(groupId, '/hooks'), settings, signal);
}

/**
 * PUT /projects/:id/hooks/:hook_id. GitLab resets the secret token when the URL changes, so
 * the token is always sent again. @throws GitLabApiError
 */
export function updateHook(
  client: GitLabClient,
  projectId: number,
  hookId: number,
  settings: HookSettings,
  signal?: AbortSignal,
): Promise<GitLabHook> {
  return saveHookAt(client, 'PUT', projectPath(projectId, `/hooks/${hookId}`), settings, signal);
}

/** PUT /groups/:id/hooks/:hook_id, as {@link updateHook}. @throws GitLabApiError */
export function updateGroupHook(
  client: GitLabClient,
  groupId: number,
  hookId: number,
  settings: HookSettings,
  signal?: AbortSignal,
): Promise<GitLabHook> {
  return saveHookAt(client, 'PUT', groupPath(groupId, `/hooks/${hookId}`), settings, signal);
}

/** The hooks under `owner` (`/projects/:id` or `/groups/:id`), all pages. */
async function listHooksAt(
  client: GitLabClient,
  owner: string,
  signal: AbortSignal | undefined,
): Promise<readonly GitLabHook[]> {
  const list = await client.list({ method: 'GET', path: `${owner}/hooks`, ...signalOf(signal) });
  return list.items.map(hookFrom);
}

/** Creates (POST) or updates (PUT) the hook at `path`. */
async function saveHookAt(
  client: GitLabClient,
  method: 'POST' | 'PUT',
  path: string,
  settings: HookSettings,
  signal: AbortSignal | undefined,
): Promise<GitLabHook> {
  const { body } = await client.request({
    method,
    path,
    body: hookBody(settings),
    ...signalOf(signal),
  });
  return hookFrom(body ?? null);
}

export interface ComparedPaths {
  /** Every old and new path of the diffs, without repeats. */
  readonly paths: readonly string[];
  /** GitLab stopped comparing (too large): the list may be incomplete. */
  readonly timedOut: boolean;
}

/** GET /projects/:id/repository/compare?from&to: the paths changed between two commits. */
export async function compare(
  client: GitLabClient,
  projectId: number,
  from: string,
  to: string,
  signal?: AbortSignal,
): Promise<ComparedPaths> {
  const { body } = await client.request({
    method: 'GET',
    path: projectPath(projectId, '/repository/compare'),
    query: { from, to },
    ...signalOf(signal),
  });
  const diffs = isJsonObject(body) ? getOwn(body, 'diffs') : undefined;
  const paths = new Set<string>();
  for (const diff of isJsonArray(diffs) ? diffs : []) {
    for (const key of ['old_path', 'new_path']) {
      const path = stringField(diff, key);
      if (path !== null) paths.add(path);
    }
  }
  return {
    paths: [...paths],
    timedOut: isJsonObject(body) && isTrue(getOwn(body, 'compare_timeout')),
  };
}

function hookBody(settings: HookSettings): JsonObject {
  return {
    url: settings.url,
    ...settings.events,
    enable_ssl_verification: settings.enableSslVerification ?? true,
    ...(settings.token === undefined ? {} : { token: settings.token }),
    ...(settings.signingToken === undefined ? {} : { signing_token: settings.signingToken }),
    ...(settings.pushEventsBranchFilter === undefined
      ? {}
      : { push_events_branch_filter: settings.pushEventsBranchFilter }),
  };
}

function hookFrom(body: JsonValue): GitLabHook {
  const id = numericField(body, 'id');
  const url = stringField(body, 'url');
  if (id === undefined || url === null || !isJsonObject(body))
    throw malformed('hooks', 'id and url');
  const events: Partial<Record<HookEventFlag, boolean>> = {};
  for (const flag of HOOK_EVENT_FLAGS) {
    const value = getOwn(body, flag);
    if (value !== undefined) events[flag] = isTrue(value);
  }
  const optionalFlag = (key: string): boolean | undefined => {
    const value = getOwn(body, key);
    return value === undefined ? undefined : isTrue(value);
  };
  return {
    id,
    url,
    events,
    enableSslVerification: isTrue(getOwn(body, 'enable_ssl_verification') ?? true),
    tokenPresent: optionalFlag('token_present'),
    signingTokenPresent: optionalFlag('signing_token_present'),
    alertStatus: stringField(body, 'alert_status'),
  };
}

/** GitLab booleans: `true`, or the string `"true"`; `null` means false (reference §3.1). */
export function isTrue(value: JsonValue | undefined): boolean {
  return value === true || value === 'true';
}

function stringField(body: JsonValue | undefined, key: string): string | null {
  if (!isJsonObject(body)) return null;
  const value = getOwn(body, key);
  return typeof value === 'string' ? value : null;
}

function malformed(what: string, fields: string): GitLabApiError {
  return new GitLabApiError(
    GITLAB_ERRORS.serverError,
    `GitLab's answer to ${what} lacks ${fields}.`,
  );
}

function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
