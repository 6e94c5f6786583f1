/**
 * The small functions that join the GitLab parts together, for main.ts to wire: the changed
 * files of a push (triggers' `paths`), the connection's own username (so its own comments never
 * trigger `/baton run`), and the wake-up of `.sync` tasks when a Pipeline Hook or Job Hook
 * says their pipeline or job changed (instead of waiting for their next back-off poll).
 */
import { getOwn } from '../common/index.js';
import type { Engine } from '../engine/index.js';
import type {
  ConnectionLookup,
  GitLabClients,
  PipelineWaits,
  WaitTarget,
} from '../integrations/gitlab/index.js';
import { compare, currentUser, numericField } from '../integrations/gitlab/index.js';
import type { GitLabEvent } from './deliveries/index.js';
import type { BotUsername, ComparePaths } from './triggers/index.js';

/** How long a connection's username is remembered (a rotated token may belong to another bot). */
const BOT_NAME_TTL_MS = 10 * 60_000;

export interface GitLabPortOptions {
  readonly connections: ConnectionLookup;
  readonly clients: GitLabClients;
  readonly nowMs?: () => number;
}

async function clientOf(options: GitLabPortOptions, name: string) {
  const connection = await options.connections(name);
  if (connection === undefined) throw new Error(`There is no GitLab connection named ${name}.`);
  return options.clients.for(connection);
}

/** The files a push changed, from GitLab's compare API. */
export function comparePaths(options: GitLabPortOptions): ComparePaths {
  return async (connection, projectId, from, to) => {
    const result = await compare(await clientOf(options, connection), projectId, from, to);
    if (result.timedOut) {
      // A partial list could skip a trigger whose paths are in the missing part.
      throw new Error(
        `GitLab's compare of ${from.slice(0, 8)}..${to.slice(0, 8)} in project ${projectId} timed out (the diff is too large), so the changed files are unknown.`,
      );
    }
    return result.paths;
  };
}

/** The username of the connection's token, remembered for a while. */
export function botUsername(options: GitLabPortOptions): BotUsername {
  const nowMs = options.nowMs ?? Date.now;
  const known = new Map<string, { readonly name: string; readonly until: number }>();
  return async (connection) => {
    const cached = known.get(connection);
    if (cached !== undefined && cached.until > nowMs()) return cached.name;
    const user = await currentUser(await clientOf(options, connection));
    known.set(connection, { name: user.username, until: nowMs() + BOT_NAME_TTL_MS });
    return user.username;
  };
}

/** What a Pipeline Hook or Job Hook is about; undefined for other events. */
export function waitTargetOf(connection: string, event: GitLabEvent): WaitTarget | undefined {
  const { body, objectKind } = event;
  if (objectKind === 'pipeline') {
    const attributes = getOwn(body, 'object_attributes');
    const project = getOwn(body, 'project');
    const pipelineId = numericField(attributes, 'id');
    const projectId = numericField(project, 'id');
    if (pipelineId === undefined || projectId === undefined) return undefined;
    return { connection, projectId, kind: 'pipeline', objectId: pipelineId };
  }
  if (objectKind === 'build') {
    const jobId = numericField(body, 'build_id');
    const projectId = numericField(body, 'project_id');
    if (jobId === undefined || projectId === undefined) return undefined;
    return { connection, projectId, kind: 'job', objectId: jobId };
  }
  return undefined;
}

/**
 * Wakes the `.sync` tasks waiting on the pipeline or job an event is about. The task re-reads
 * the pipeline from GitLab (webhooks arrive out of order and are not trusted as the state).
 */
export function wakeSyncTasks(
  waits: Pick<PipelineWaits, 'find'>,
  engine: Pick<Engine, 'pollNow'>,
): (connection: string, event: GitLabEvent) => Promise<void> {
  return async (connection, event) => {
    const target = waitTargetOf(connection, event);
    if (target === undefined) return;
    for (const waiter of await waits.find(target)) {
      await engine.pollNow(waiter.executionId, waiter.taskId);
    }
  };
}
