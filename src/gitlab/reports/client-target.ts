/**
 * The GitLabReportTarget over Baton's GitLab client: commit statuses and merge-request notes
 * through the same clients (and so the same retries, timeouts and error names) as the tasks.
 * Errors are the client's GitLabApiError, whose `error` (`GitLab.*`) and `retryAfterSeconds`
 * the reporter reads to decide whether to try again. Finding an existing note reads the newest
 * notes only (`NOTE_SEARCH_LIMIT`) and trusts only notes by the token's own user, learnt once
 * per client (GET /user; a rotated token gets a new client and is asked again).
 */
import type { JsonValue } from '../../common/index.js';
import { getOwn, isJsonObject } from '../../common/index.js';
import type { GitLabClient, GitLabClients } from '../../integrations/gitlab/index.js';
import { currentUser, numericField, projectPath } from '../../integrations/gitlab/index.js';
import { carriesNoteMarker, isNoteMarker } from './note-marker.js';
import type { CommitStatusRequest, GitLabReportTarget, ReportConnection } from './report-target.js';

/**
 * Newest notes searched for a lost note (3 pages of 100). The note being looked for was created
 * moments before the crash or lost answer, so it is among the newest unless an MR got hundreds of
 * comments since; past this, a second note is created rather than reading a long discussion.
 */
export const NOTE_SEARCH_LIMIT = 300;

/** Project ids arrive as text (from payloads or paths): numeric ones are sent as numbers. */
function project(projectId: string): string | number {
  return /^\d+$/.test(projectId) ? Number(projectId) : projectId;
}

export function createClientReportTarget(clients: GitLabClients): GitLabReportTarget {
  const client = (connection: ReportConnection) => clients.for(connection);
  /** The token's user id per client (a client is per connection, URL and token). */
  const userIds = new WeakMap<GitLabClient, Promise<number>>();
  const ownUserId = (api: GitLabClient): Promise<number> => {
    let id = userIds.get(api);
    if (id === undefined) {
      id = currentUser(api).then((user) => user.id);
      userIds.set(api, id);
      id.catch(() => userIds.delete(api)); // asked again next time
    }
    return id;
  };
  /** `/projects/<id><rest>`, a path resolved to its id once per connection. */
  const path = async (connection: ReportConnection, projectId: string, rest: string) =>
    projectPath(await client(connection).resolveProject(project(projectId)), rest);
  return {
    async setCommitStatus(
      connection: ReportConnection,
      projectId: string,
      sha: string,
      status: CommitStatusRequest,
    ): Promise<void> {
      await client(connection).request({
        method: 'POST',
        path: await path(connection, projectId, `/statuses/${sha}`),
        body: {
          state: status.state,
          name: status.name,
          description: status.description,
          ref: status.ref,
          ...(status.targetUrl === undefined ? {} : { target_url: status.targetUrl }),
        },
        // Posting a state twice is refused, never doubled: a 429 may be retried in place.
        idempotent: true,
      });
    },
    async createMergeRequestNote(connection, projectId, mergeRequestIid, body) {
      const response = await client(connection).request({
        method: 'POST',
        path: await path(connection, projectId, `/merge_requests/${mergeRequestIid}/notes`),
        body: { body },
      });
      const id = numericField(response.body, 'id');
      if (id === undefined) throw new Error('GitLab answered a new note without its id.');
      return { id };
    },
    async findMergeRequestNote(connection, projectId, mergeRequestIid, marker) {
      if (!isNoteMarker(marker)) throw new Error('Not a Baton note marker.');
      const api = client(connection);
      const userId = await ownUserId(api);
      const { items } = await api.list(
        {
          method: 'GET',
          path: await path(connection, projectId, `/merge_requests/${mergeRequestIid}/notes`),
          query: { sort: 'desc', order_by: 'created_at' },
        },
        NOTE_SEARCH_LIMIT,
      );
      const found = items.find((note) => isOwnMarkedNote(note, userId, marker));
      const id = numericField(found, 'id');
      return id === undefined ? undefined : { id };
    },
    async updateMergeRequestNote(connection, projectId, mergeRequestIid, noteId, body) {
      await client(connection).request({
        method: 'PUT',
        path: await path(
          connection,
          projectId,
          `/merge_requests/${mergeRequestIid}/notes/${noteId}`,
        ),
        body: { body },
        idempotent: true,
      });
    },
  };
}

/** A user note (not a system note) by `userId` whose body carries `marker`. */
function isOwnMarkedNote(note: JsonValue, userId: number, marker: string): boolean {
  if (!isJsonObject(note) || getOwn(note, 'system') === true) return false;
  const body = getOwn(note, 'body');
  return (
    numericField(getOwn(note, 'author'), 'id') === userId &&
    typeof body === 'string' &&
    carriesNoteMarker(body, marker)
  );
}
