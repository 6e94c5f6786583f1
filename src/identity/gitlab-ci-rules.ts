/**
 * Which GitLab CI jobs may do what, per connection: a list of rules, deny by default. A job
 * (the verified claims of its ID token) may act when one rule names its project (full path,
 * matched case-insensitively, or numeric id), its ref (globs; protected refs only unless the
 * rule says otherwise), its environment when the rule lists some, the workflow, and the action.
 * Pure: reading rules from JSON and deciding; the API stores and applies them.
 */
import type { GitLabCiIdentity } from './gitlab-id-token.js';

export const CI_ACTIONS = ['start', 'task'] as const;
export type CiAction = (typeof CI_ACTIONS)[number];

export interface CiAccessRule {
  /** Full project paths (`group/sub/project`) or numeric project ids. */
  readonly projects: readonly string[];
  /** Ref globs (`main`, `release/*`, `v*`); absent means any ref. */
  readonly refs?: readonly string[];
  /** Only jobs on protected refs (the token's ref_protected "true"); default true. */
  readonly protectedRefsOnly?: boolean;
  /**
   * Jobs whose code comes from another project (a fork's merge-request pipeline run in this
   * project: `project_id`, the source, differs from `job_project_id`); default false.
   */
  readonly allowForks?: boolean;
  /** Environment globs; when present the job must deploy to one of them. */
  readonly environments?: readonly string[];
  /** Workflow names or globs. */
  readonly workflows: readonly string[];
  readonly actions: readonly CiAction[];
}

export interface CiAccessRequest {
  readonly identity: GitLabCiIdentity;
  readonly action: CiAction;
  /** The workflow the job wants to start, or whose task it completes. */
  readonly workflow: string;
}

export type CiDecision =
  | { readonly allowed: true; readonly rule: number }
  | { readonly allowed: false; readonly reason: string };

export interface RuleProblem {
  /** JSON pointer within the rules array. */
  readonly pointer: string;
  readonly message: string;
}

export type RulesResult =
  | { readonly ok: true; readonly rules: readonly CiAccessRule[] }
  | { readonly ok: false; readonly problems: readonly RuleProblem[] };

const RULE_MEMBERS = [
  'projects',
  'refs',
  'protectedRefsOnly',
  'allowForks',
  'environments',
  'workflows',
  'actions',
] as const;
const MAX_RULES = 100;
const MAX_ENTRIES = 100;
/** A lenient project path (reference §4.1): 2 to 22 segments, no `-` segment, no `.git`. */
const PROJECT_PATH =
  /^(?:[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}\/){1,21}[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}$/;
const PROJECT_ID = /^[1-9]\d{0,19}$/;
const GLOB = /^[^\s\0]{1,255}$/;

/**
 * Reads rules from untrusted JSON (the API body).
 * @returns every problem with its JSON pointer, or the rules.
 */
export function readCiRules(value: unknown): RulesResult {
  const problems: RuleProblem[] = [];
  if (!Array.isArray(value)) {
    return { ok: false, problems: [{ pointer: '', message: 'must be an array of rules' }] };
  }
  if (value.length > MAX_RULES)
    problems.push({ pointer: '', message: `at most ${MAX_RULES} rules` });
  const rules: CiAccessRule[] = [];
  value.forEach((raw: unknown, index) => {
    const at = `/${index}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push({ pointer: at, message: 'must be an object' });
      return;
    }
    const entries = new Map<string, unknown>(Object.entries(raw));
    for (const key of entries.keys()) {
      if (!(RULE_MEMBERS as readonly string[]).includes(key)) {
        problems.push({
          pointer: `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
          message: `is not a rule member (expected one of: ${RULE_MEMBERS.join(', ')})`,
        });
      }
    }
    const list = (name: string, required: boolean, check: (s: string) => string | undefined) => {
      const v = entries.get(name);
      if (v === undefined) {
        if (required) problems.push({ pointer: `${at}/${name}`, message: 'is required' });
        return undefined;
      }
      if (!Array.isArray(v) || v.length === 0 || v.length > MAX_ENTRIES) {
        problems.push({
          pointer: `${at}/${name}`,
          message: `must be a non-empty array of at most ${MAX_ENTRIES} strings`,
        });
        return undefined;
      }
      const out: string[] = [];
      v.forEach((item: unknown, i) => {
        const problem = typeof item === 'string' ? check(item) : 'must be a string';
        if (problem === undefined && typeof item === 'string') out.push(item);
        else problems.push({ pointer: `${at}/${name}/${i}`, message: problem ?? 'is not valid' });
      });
      return out;
    };
    const projects = list('projects', true, projectReferenceProblem);
    const refs = list('refs', false, globProblem);
    const environments = list('environments', false, globProblem);
    const workflows = list('workflows', true, globProblem);
    const actions = list('actions', true, (a) =>
      (CI_ACTIONS as readonly string[]).includes(a)
        ? undefined
        : `must be one of ${CI_ACTIONS.join(', ')}`,
    );
    const protectedOnly = entries.get('protectedRefsOnly');
    if (protectedOnly !== undefined && typeof protectedOnly !== 'boolean') {
      problems.push({ pointer: `${at}/protectedRefsOnly`, message: 'must be true or false' });
    }
    const allowForks = entries.get('allowForks');
    if (allowForks !== undefined && typeof allowForks !== 'boolean') {
      problems.push({ pointer: `${at}/allowForks`, message: 'must be true or false' });
    }
    if (projects && workflows && actions) {
      rules.push({
        projects,
        workflows,
        actions: actions.filter((a): a is CiAction => a === 'start' || a === 'task'),
        ...(refs === undefined ? {} : { refs }),
        ...(environments === undefined ? {} : { environments }),
        ...(typeof protectedOnly === 'boolean' ? { protectedRefsOnly: protectedOnly } : {}),
        ...(allowForks === true ? { allowForks } : {}),
      });
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rules };
}

/**
 * What is wrong with a project reference (a full path or a numeric id), with the path to use
 * when it is a URL or link (reference §4.2); undefined when it is fine.
 */
export function projectReferenceProblem(entry: string): string | undefined {
  if (PROJECT_ID.test(entry)) return undefined;
  const dash = entry.indexOf('/-/');
  if (/^[a-z]+:\/\//i.test(entry) || entry.startsWith('git@')) {
    return 'must be a project path like group/project or a numeric id, not a URL';
  }
  if (dash > 0) {
    return `is a link to a page inside a project; use only the part before /-/ (${entry.slice(0, dash)})`;
  }
  if (entry.endsWith('.git')) return `is a clone path; use ${entry.slice(0, -4)}`;
  if (!PROJECT_PATH.test(entry) || entry.split('/').includes('-')) {
    return 'must be a full project path (namespace/project, no leading or trailing slash) or a numeric id';
  }
  return undefined;
}

function globProblem(entry: string): string | undefined {
  return GLOB.test(entry) ? undefined : 'must be 1 to 255 characters without spaces';
}

/**
 * A glob as a RegExp: `*` matches within one path segment, `**` across segments, `?` one
 * character; everything else is literal.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i] ?? '';
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i += 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

function matchesAny(globs: readonly string[], value: string): boolean {
  return globs.some((glob) => globToRegExp(glob).test(value));
}

function matchesProject(rule: CiAccessRule, identity: GitLabCiIdentity): boolean {
  const path = identity.projectPath.toLowerCase();
  return rule.projects.some((entry) =>
    PROJECT_ID.test(entry) ? entry === identity.projectId : entry.toLowerCase() === path,
  );
}

/** Why one rule does not allow the request; empty when it does. */
function mismatches(rule: CiAccessRule, request: CiAccessRequest): string[] {
  const { identity } = request;
  const out: string[] = [];
  if (!matchesProject(rule, identity)) out.push(`it names other projects`);
  if (!rule.actions.includes(request.action)) out.push(`it does not allow "${request.action}"`);
  if (!matchesAny(rule.workflows, request.workflow)) {
    out.push(`its workflows do not include "${request.workflow}"`);
  }
  if (rule.refs !== undefined && !matchesAny(rule.refs, identity.ref)) {
    out.push(`its refs do not match "${identity.ref}"`);
  }
  if (identity.sourceProjectId !== identity.projectId && rule.allowForks !== true) {
    out.push(
      `the job runs code from another project, ${identity.sourceProjectPath} (a fork's merge request), and the rule does not set allowForks`,
    );
  }
  if ((rule.protectedRefsOnly ?? true) && !identity.refProtected) {
    out.push(`it allows protected refs only and "${identity.ref}" is not protected`);
  }
  if (rule.environments !== undefined) {
    if (identity.environment === undefined) out.push('it requires a job with an environment');
    else if (!matchesAny(rule.environments, identity.environment)) {
      out.push(`its environments do not match "${identity.environment}"`);
    }
  }
  return out;
}

/**
 * Whether a CI job may perform `request`: allowed by the first rule that matches everything,
 * denied otherwise, with what the closest rule lacks and the rule that would allow it.
 */
export function decideCiAccess(
  rules: readonly CiAccessRule[],
  request: CiAccessRequest,
): CiDecision {
  let closest: { index: number; misses: string[]; distance: number } | undefined;
  for (const [index, rule] of rules.entries()) {
    const misses = mismatches(rule, request);
    if (misses.length === 0) return { allowed: true, rule: index };
    // A rule for another project is the least useful hint.
    const distance = misses.length + (matchesProject(rule, request.identity) ? 0 : 10);
    if (closest === undefined || distance < closest.distance) closest = { index, misses, distance };
  }
  const { identity } = request;
  const who = `project ${identity.projectPath} (id ${identity.projectId}) on ${identity.refType} ${identity.ref} (${identity.refProtected ? 'protected' : 'not protected'})`;
  const suggestion = JSON.stringify({
    projects: [identity.projectPath],
    refs: [identity.ref],
    ...(identity.refProtected ? {} : { protectedRefsOnly: false }),
    workflows: [request.workflow],
    actions: [request.action],
  });
  const nearest =
    closest === undefined
      ? 'the connection has no CI rules (CI access is denied by default)'
      : `the closest, rule ${closest.index}, does not match: ${closest.misses.join('; ')}`;
  return {
    allowed: false,
    reason: `No CI rule allows ${who} to ${request.action === 'start' ? 'start' : 'complete tasks of'} workflow ${request.workflow}: ${nearest}. A rule that would allow it: ${suggestion}`,
  };
}
