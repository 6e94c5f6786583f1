/**
 * The GitLabReportTarget over Baton's GitLab client: commit statuses and merge-request notes
 * through the same clients (and so the same retries, timeouts and error names) as the tasks.
 * Errors are the client's GitLabApiError, whose `error` (`GitLab.*`) and `retryAfterSeconds`
 * the reporter reads to decide whether to try again.
 */
import type { GitLabClients } from '../../integrations/gitlab/index.js';
import { numericField, projectPath } from '../../integrations/gitlab/index.js';
import type { CommitStatusRequest, GitLabReportTarget, ReportConnection } from './report-target.js';

/** Project ids arrive as text (from payloads or paths): numeric ones are sent as numbers. */
function project(projectId: string): string | number {
  return /^\d+$/.test(projectId) ? Number(projectId) : projectId;
}

export function createClientReportTarget(clients: GitLabClients): GitLabReportTarget {
  const client = (connection: ReportConnection) => clients.for(connection);
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
