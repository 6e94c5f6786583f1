/**
 * Does a trigger rule want an event? Each filter either passes or gives the reason it did
 * not, in words a user reads in `baton deliveries show` ("branch x excluded by 'x'"). Filters
 * are checked cheapest first; the compare API is asked for changed files only when the push's
 * own commits do not list them all (GitLab sends at most 20 commits).
 */
import type { JsonObject } from '../../common/index.js';
import { getOwn, isJsonArray } from '../../common/index.js';
import type { EventFacts } from './event-facts.js';
import { isZeroSha } from './event-facts.js';
import type { Glob } from './glob.js';
import { matchesAny } from './glob.js';
import type { GlobFilter, TriggerRule } from './trigger-rule.js';

/** Files changed between two commits (the lead wires GitLab's compare API to it). */
export type ComparePaths = (
  connection: string,
  projectId: number,
  from: string,
  to: string,
) => Promise<readonly string[]>;

/** The connection's own GitLab user, whose comments never trigger (no loops). */
export type BotUsername = (connection: string) => Promise<string | undefined>;

export interface MatchPorts {
  readonly compare: ComparePaths;
  readonly botUsername: BotUsername;
}

export type MatchResult =
  { readonly matched: true } | { readonly matched: false; readonly reason: string };

const NO: (reason: string) => MatchResult = (reason) => ({ matched: false, reason });
const YES: MatchResult = { matched: true };

/** The `/baton run <word>` line of a comment: on its own line, nothing after the word. */
/** `/baton run WORD` alone on a line (notes posted through the API may end lines in \r\n). */
const COMMAND_LINE = /^[ \t]*\/baton[ \t]+run[ \t]+(\S+)[ \t]*\r?$/gm;

/**
 * Checks every filter of `rule` against the event.
 * @throws whatever `ports.compare` throws (the caller retries the delivery later).
 */
export async function matchTrigger(
  rule: TriggerRule,
  connection: string,
  facts: EventFacts,
  ports: MatchPorts,
): Promise<MatchResult> {
  if (rule.connection !== connection) return NO(`listens to connection ${rule.connection}`);
  const kind = facts.kind;
  if (kind === undefined || !rule.events.includes(kind)) {
    return NO(`event ${facts.header} is not one of ${rule.events.join(', ')}`);
  }
  if (rule.projects !== undefined) {
    const path = facts.projectPath;
    if (path === undefined) return NO('the event names no project path');
    if (matchesAny(rule.projects, path) === undefined) {
      return NO(`project ${path} matches none of ${list(rule.projects)}`);
    }
  }
  if (rule.refs !== undefined) {
    const refResult = checkRef(rule.refs, facts);
    if (refResult !== undefined) return NO(refResult);
  }
  const filters = [
    checkMergeRequest(rule, facts),
    checkPipeline(rule, facts),
    checkJob(rule, facts),
    checkDeployment(rule, facts),
  ];
  const failed = filters.find((r) => r !== undefined);
  if (failed !== undefined) return NO(failed);
  if (rule.command !== undefined) {
    const commandResult = await checkCommand(rule.command, connection, facts, ports);
    if (commandResult !== undefined) return NO(commandResult);
  }
  if (rule.paths !== undefined && kind === 'push') {
    const pathResult = await checkPaths(rule.paths, connection, facts, ports);
    if (pathResult !== undefined) return NO(pathResult);
  }
  return YES;
}

function list(globs: readonly Glob[]): string {
  return globs.map((g) => `'${g.pattern}'`).join(', ');
}

function checkFilter(filter: GlobFilter, value: string, what: string): string | undefined {
  if (filter.include.length > 0 && matchesAny(filter.include, value) === undefined) {
    return `${what} matches none of ${list(filter.include)}`;
  }
  const excluded = matchesAny(filter.exclude, value);
  if (excluded !== undefined) return `${what} excluded by '${excluded.pattern}'`;
  return undefined;
}

function checkRef(filter: GlobFilter, facts: EventFacts): string | undefined {
  if (facts.ref === undefined) return `${facts.header} events carry no ref`;
  return checkFilter(filter, facts.ref, `${facts.refType ?? 'ref'} ${facts.ref}`);
}

function oneOf(
  allowed: readonly string[] | undefined,
  value: string | undefined,
  what: string,
): string | undefined {
  if (allowed === undefined) return undefined;
  if (value !== undefined && allowed.includes(value)) return undefined;
  return `${what} ${value ?? '(none)'} is not one of ${allowed.join(', ')}`;
}

function checkMergeRequest(rule: TriggerRule, facts: EventFacts): string | undefined {
  const filter = rule.mergeRequest;
  if (filter === undefined || (facts.kind !== 'merge_request' && facts.kind !== 'note'))
    return undefined;
  const mr = facts.mergeRequest;
  if (mr === undefined) return 'the comment is not on a merge request';
  if (facts.kind === 'merge_request') {
    const action = oneOf(filter.actions, mr.action, 'merge request action');
    if (action !== undefined) return action;
  }
  const missing = (filter.labels ?? []).filter((label) => !mr.labels.includes(label));
  if (missing.length > 0)
    return `merge request lacks label${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  if (filter.targetBranches !== undefined) {
    const target = mr.targetBranch;
    if (target === undefined || matchesAny(filter.targetBranches, target) === undefined) {
      return `target branch ${target ?? '(none)'} matches none of ${list(filter.targetBranches)}`;
    }
  }
  if (filter.draft !== undefined && filter.draft !== mr.draft) {
    return filter.draft ? 'merge request is not a draft' : 'merge request is a draft';
  }
  return undefined;
}

function checkPipeline(rule: TriggerRule, facts: EventFacts): string | undefined {
  if (rule.pipeline === undefined || facts.kind !== 'pipeline') return undefined;
  return (
    oneOf(rule.pipeline.statuses, facts.pipeline?.status, 'pipeline status') ??
    oneOf(rule.pipeline.sources, facts.pipeline?.source, 'pipeline source')
  );
}

function checkJob(rule: TriggerRule, facts: EventFacts): string | undefined {
  if (rule.job === undefined || facts.kind !== 'job') return undefined;
  const status = oneOf(rule.job.statuses, facts.job?.status, 'job status');
  if (status !== undefined) return status;
  const names = rule.job.names;
  const name = facts.job?.name;
  if (names !== undefined && (name === undefined || matchesAny(names, name) === undefined)) {
    return `job ${name ?? '(unnamed)'} matches none of ${list(names)}`;
  }
  return undefined;
}

function checkDeployment(rule: TriggerRule, facts: EventFacts): string | undefined {
  if (rule.deployment === undefined || facts.kind !== 'deployment') return undefined;
  const status = oneOf(rule.deployment.statuses, facts.deployment?.status, 'deployment status');
  if (status !== undefined) return status;
  const environments = rule.deployment.environments;
  const environment = facts.deployment?.environment;
  if (
    environments !== undefined &&
    (environment === undefined || matchesAny(environments, environment) === undefined)
  ) {
    return `environment ${environment ?? '(none)'} matches none of ${list(environments)}`;
  }
  return undefined;
}

async function checkCommand(
  word: string,
  connection: string,
  facts: EventFacts,
  ports: MatchPorts,
): Promise<string | undefined> {
  const note = facts.note;
  if (facts.kind !== 'note' || note === undefined) return 'only comments carry commands';
  if (note.noteableType !== 'MergeRequest')
    return `comment is on a ${note.noteableType ?? 'thing'}, not a merge request`;
  if (note.action !== undefined && note.action !== 'create')
    return `comment was ${note.action}d, not created`;
  if (note.system) return 'system notes never carry commands';
  const words = [...note.text.matchAll(COMMAND_LINE)].map((m) => m[1]);
  if (!words.includes(word)) return `comment has no "/baton run ${word}" line`;
  const bot = await ports.botUsername(connection);
  if (
    bot !== undefined &&
    note.authorUsername !== undefined &&
    bot.toLowerCase() === note.authorUsername.toLowerCase()
  ) {
    return `comment is by the connection's own user ${bot}`;
  }
  return undefined;
}

async function checkPaths(
  filter: GlobFilter,
  connection: string,
  facts: EventFacts,
  ports: MatchPorts,
): Promise<string | undefined> {
  const push = facts.push;
  if (push === undefined) return undefined;
  const paths = new Set<string>();
  const complete = push.commits.length >= push.totalCommits || isZeroSha(push.before);
  if (complete || facts.projectId === undefined || isZeroSha(push.after)) {
    // A new branch (before = zeros) is compared against nothing: its commits present stand in.
    for (const commit of push.commits) for (const path of changedFiles(commit)) paths.add(path);
  } else {
    for (const path of await ports.compare(connection, facts.projectId, push.before, push.after))
      paths.add(path);
  }
  if (paths.size === 0) return 'the push changed no files';
  for (const path of paths) {
    if (checkFilter(filter, path, path) === undefined) return undefined;
  }
  const shown = [...paths].slice(0, 5).join(', ');
  return `no changed file passes the paths filter (changed: ${shown}${paths.size > 5 ? ', ...' : ''})`;
}

function changedFiles(commit: JsonObject): string[] {
  return ['added', 'modified', 'removed'].flatMap((key) => {
    const files = getOwn(commit, key);
    return isJsonArray(files) ? files.filter((f): f is string => typeof f === 'string') : [];
  });
}
