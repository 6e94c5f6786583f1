/**
 * What triggers filter on, read once from a webhook body (reference gitlab.md 1.5, 1.6): the
 * event kind, project, ref, SHA and the kind-specific fields. Payload quirks are handled here
 * and nowhere else: job events carry the pipeline id in `commit.id` (the SHA is `sha`),
 * deployment events have no ref and only the SHA at the end of `commit_url`, pipeline refs
 * have no `refs/` prefix while push refs do, and booleans or ids may come as strings.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../common/index.js';

/** The event kinds triggers may name, as the `events` field spells them. */
export const TRIGGER_EVENTS = [
  'push',
  'tag_push',
  'merge_request',
  'pipeline',
  'job',
  'deployment',
  'note',
  'release',
] as const;
export type TriggerEvent = (typeof TRIGGER_EVENTS)[number];

/** `X-Gitlab-Event` of each kind (confidential notes come as `Confidential Note Hook`). */
const EVENT_HEADERS: Readonly<Record<string, TriggerEvent>> = {
  'Push Hook': 'push',
  'Tag Push Hook': 'tag_push',
  'Merge Request Hook': 'merge_request',
  'Pipeline Hook': 'pipeline',
  'Job Hook': 'job',
  'Deployment Hook': 'deployment',
  'Note Hook': 'note',
  'Confidential Note Hook': 'note',
  'Release Hook': 'release',
};

export interface EventFacts {
  /** Undefined for events triggers cannot name (issues, wiki pages, ...). */
  readonly kind: TriggerEvent | undefined;
  /** `X-Gitlab-Event` as sent. */
  readonly header: string;
  readonly projectId: number | undefined;
  readonly projectPath: string | undefined;
  /** Branch or tag name, `refs/heads/` and `refs/tags/` removed. */
  readonly ref: string | undefined;
  readonly refType: 'branch' | 'tag' | undefined;
  /** Full commit SHA when the event carries one. */
  readonly sha: string | undefined;
  /** For push events: old and new SHA, commits present and the real count. */
  readonly push?: {
    readonly before: string;
    readonly after: string;
    readonly commits: readonly JsonObject[];
    readonly totalCommits: number;
  };
  readonly mergeRequest?: {
    readonly iid: number | undefined;
    readonly action: string | undefined;
    readonly labels: readonly string[];
    readonly targetBranch: string | undefined;
    readonly sourceBranch: string | undefined;
    readonly draft: boolean;
  };
  readonly pipeline?: { readonly status: string | undefined; readonly source: string | undefined };
  readonly job?: { readonly status: string | undefined; readonly name: string | undefined };
  readonly deployment?: {
    readonly status: string | undefined;
    readonly environment: string | undefined;
  };
  readonly note?: {
    readonly text: string;
    readonly noteableType: string | undefined;
    readonly action: string | undefined;
    readonly system: boolean;
    readonly authorUsername: string | undefined;
  };
  readonly release?: { readonly action: string | undefined; readonly tag: string | undefined };
}

/** The event kind named by an `X-Gitlab-Event` header, if triggers can name it. */
export function eventKindOf(header: string): TriggerEvent | undefined {
  return EVENT_HEADERS[header];
}

const ZERO_SHA = /^0{40}$/;

/** True for the all-zero SHA GitLab sends as `before` of a new branch (or `after` of a delete). */
export function isZeroSha(sha: string): boolean {
  return ZERO_SHA.test(sha);
}

/** Reads the facts of one event body. Never throws: missing fields stay undefined. */
export function readEventFacts(header: string, body: JsonObject): EventFacts {
  const kind = eventKindOf(header);
  const project = object(body, 'project');
  const projectId = id(getOwn(body, 'project_id')) ?? id(project && getOwn(project, 'id'));
  const projectPath =
    str(project && getOwn(project, 'path_with_namespace')) ??
    (kind === 'job' ? str(getOwn(body, 'project_name')) : undefined);
  const base = { kind, header, projectId, projectPath };
  switch (kind) {
    case 'push':
    case 'tag_push': {
      const { ref, refType } = splitRef(str(getOwn(body, 'ref')));
      const after = str(getOwn(body, 'after')) ?? '';
      const commits = array(body, 'commits').filter(isJsonObject);
      return {
        ...base,
        ref,
        refType: refType ?? (kind === 'tag_push' ? 'tag' : 'branch'),
        sha: str(getOwn(body, 'checkout_sha')) ?? (isZeroSha(after) ? undefined : after),
        push: {
          before: str(getOwn(body, 'before')) ?? '',
          after,
          commits,
          totalCommits: int(getOwn(body, 'total_commits_count')) ?? commits.length,
        },
      };
    }
    case 'merge_request': {
      const attributes = object(body, 'object_attributes') ?? {};
      const lastCommit = object(attributes, 'last_commit');
      const source = str(getOwn(attributes, 'source_branch'));
      return {
        ...base,
        ref: source,
        refType: 'branch',
        sha: str(lastCommit && getOwn(lastCommit, 'id')),
        mergeRequest: {
          iid: int(getOwn(attributes, 'iid')),
          action: str(getOwn(attributes, 'action')),
          labels: labelTitles(getOwn(attributes, 'labels') ?? getOwn(body, 'labels')),
          targetBranch: str(getOwn(attributes, 'target_branch')),
          sourceBranch: source,
          draft:
            bool(getOwn(attributes, 'draft')) ??
            bool(getOwn(attributes, 'work_in_progress')) ??
            false,
        },
      };
    }
    case 'pipeline': {
      const attributes = object(body, 'object_attributes') ?? {};
      const isTag = bool(getOwn(attributes, 'tag')) ?? false;
      return {
        ...base,
        ref: str(getOwn(attributes, 'ref')),
        refType: isTag ? 'tag' : 'branch',
        sha: str(getOwn(attributes, 'sha')),
        pipeline: {
          status: str(getOwn(attributes, 'status')),
          source: str(getOwn(attributes, 'source')),
        },
      };
    }
    case 'job': {
      const isTag = bool(getOwn(body, 'tag')) ?? false;
      return {
        ...base,
        ref: str(getOwn(body, 'ref')),
        refType: isTag ? 'tag' : 'branch',
        // commit.id is the pipeline id in job events; the SHA is `sha`.
        sha: str(getOwn(body, 'sha')),
        job: { status: str(getOwn(body, 'build_status')), name: str(getOwn(body, 'build_name')) },
      };
    }
    case 'deployment': {
      const commitUrl = str(getOwn(body, 'commit_url'));
      const last = commitUrl?.split('/').at(-1);
      return {
        ...base,
        ref: undefined,
        refType: undefined,
        sha: last !== undefined && /^[0-9a-f]{40}$/.test(last) ? last : undefined,
        deployment: {
          status: str(getOwn(body, 'status')),
          environment: str(getOwn(body, 'environment')),
        },
      };
    }
    case 'note': {
      const attributes = object(body, 'object_attributes') ?? {};
      const mergeRequest = object(body, 'merge_request');
      const user = object(body, 'user');
      const lastCommit = mergeRequest && object(mergeRequest, 'last_commit');
      return {
        ...base,
        ref: str(mergeRequest && getOwn(mergeRequest, 'source_branch')),
        refType: mergeRequest === undefined ? undefined : 'branch',
        sha: str(lastCommit && getOwn(lastCommit, 'id')),
        ...(mergeRequest === undefined
          ? {}
          : {
              mergeRequest: {
                iid: int(getOwn(mergeRequest, 'iid')),
                action: undefined,
                labels: labelTitles(getOwn(mergeRequest, 'labels')),
                targetBranch: str(getOwn(mergeRequest, 'target_branch')),
                sourceBranch: str(getOwn(mergeRequest, 'source_branch')),
                draft: bool(getOwn(mergeRequest, 'draft')) ?? false,
              },
            }),
        note: {
          text: str(getOwn(attributes, 'note')) ?? '',
          noteableType: str(getOwn(attributes, 'noteable_type')),
          action: str(getOwn(attributes, 'action')),
          system: bool(getOwn(attributes, 'system')) ?? false,
          authorUsername: str(user && getOwn(user, 'username')),
        },
      };
    }
    case 'release': {
      const commit = object(body, 'commit');
      const tag = str(getOwn(body, 'tag'));
      return {
        ...base,
        ref: tag,
        refType: 'tag',
        sha: str(commit && getOwn(commit, 'id')),
        release: { action: str(getOwn(body, 'action')), tag },
      };
    }
    case undefined:
      return { ...base, ref: undefined, refType: undefined, sha: undefined };
  }
}

function splitRef(ref: string | undefined): {
  ref: string | undefined;
  refType: 'branch' | 'tag' | undefined;
} {
  if (ref === undefined) return { ref, refType: undefined };
  if (ref.startsWith('refs/heads/')) return { ref: ref.slice(11), refType: 'branch' };
  if (ref.startsWith('refs/tags/')) return { ref: ref.slice(10), refType: 'tag' };
  return { ref, refType: undefined };
}

function labelTitles(value: JsonValue | undefined): string[] {
  if (!isJsonArray(value)) return [];
  return value.flatMap((label) => {
    if (typeof label === 'string') return [label];
    const title = isJsonObject(label) ? getOwn(label, 'title') : undefined;
    return typeof title === 'string' ? [title] : [];
  });
}

function object(value: JsonObject, key: string): JsonObject | undefined {
  const member = getOwn(value, key);
  return isJsonObject(member) ? member : undefined;
}

function array(value: JsonObject, key: string): readonly JsonValue[] {
  const member = getOwn(value, key);
  return isJsonArray(member) ? member : [];
}

function str(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Ids and counts: numbers, or digit strings (ID tokens and some payloads send strings). */
function int(value: JsonValue | undefined): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

const id = int;

/** `true`/`false`, or their strings (`"false"` is truthy in JS; GitLab sends both). */
function bool(value: JsonValue | undefined): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}
