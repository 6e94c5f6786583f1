/**
 * Trigger rules: what they may say, and reading one from JSON (the triggers file or the REST
 * API) with every problem reported at its JSON pointer. Fields:
 *
 * - `name` (required): `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`.
 * - `connection`: the GitLab connection whose deliveries it hears (default `default`).
 * - `workflow` (required): `name`, `name:alias` or `name:version` (a positive integer).
 * - `events` (required, non-empty): any of push, tag_push, merge_request, pipeline, job,
 *   deployment, note, release.
 * - `projects`: full project paths or globs (`group/*`, `group/**`), case-insensitive.
 * - `refs: {include, exclude}`: globs on the branch or tag name (`refs/heads/`, `refs/tags/`
 *   removed); tag events (tag_push, release, tag pipelines) match tag names, the others branch
 *   names. An event without a ref (deployment) never passes a `refs` filter.
 * - `paths: {include, exclude}`: globs on the files a push changed (push events only). A
 *   push matches when some changed file is included and not excluded.
 * - `mergeRequest: {actions, labels, targetBranches, draft}`: merge request events (labels
 *   and targetBranches also apply to comments on a merge request). All labels are required.
 * - `pipeline: {statuses, sources}`, `job: {statuses, names}` (names are globs),
 *   `deployment: {statuses, environments}` (environments are globs).
 * - `command`: the trigger answers `/baton run <word>` on its own line in a new, non-system
 *   merge request comment by someone other than the connection's bot; `true` means the
 *   workflow's name is the word, a string names another word. Needs the `note` event.
 * - `input`: a JSONata expression over `{event, headers: {event, instance}, connection}`;
 *   default: the event body.
 * - `executionName`: an execution name template (`deploy-{{ event.checkout_sha }}`); default
 *   `<trigger>-<content key hash>`. Made a valid execution name (see templates.ts). (Not
 *   `name`, which names the trigger.)
 * - `concurrency: {mode, key}`: PARALLEL (default), QUEUED or SUPERSEDED; `key` is a template
 *   (default: project path and ref).
 * - `report: {commitStatus, mergeRequestNote, name}`: passed on to status reporting.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { getOwn, isJsonArray, isJsonObject } from '../../common/index.js';
import type { TriggerEvent } from './event-facts.js';
import { TRIGGER_EVENTS } from './event-facts.js';
import type { Glob } from './glob.js';
import { compileGlob, globProblem } from './glob.js';
import { expressionProblem, parseTemplate } from './templates.js';

export const TRIGGER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const WORKFLOW_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;
const ALIAS_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const COMMAND_WORD = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$/;
const MAX_LIST = 100;
const MAX_TEXT = 2000;

export type ConcurrencyMode = 'PARALLEL' | 'QUEUED' | 'SUPERSEDED';

export interface GlobFilter {
  readonly include: readonly Glob[];
  readonly exclude: readonly Glob[];
}

export interface WorkflowTarget {
  readonly name: string;
  readonly version?: number;
  readonly alias?: string;
}

export interface TriggerRule {
  readonly name: string;
  readonly connection: string;
  readonly workflow: WorkflowTarget;
  readonly events: readonly TriggerEvent[];
  readonly projects?: readonly Glob[];
  readonly refs?: GlobFilter;
  readonly paths?: GlobFilter;
  readonly mergeRequest?: {
    readonly actions?: readonly string[];
    readonly labels?: readonly string[];
    readonly targetBranches?: readonly Glob[];
    readonly draft?: boolean;
  };
  readonly pipeline?: {
    readonly statuses?: readonly string[];
    readonly sources?: readonly string[];
  };
  readonly job?: { readonly statuses?: readonly string[]; readonly names?: readonly Glob[] };
  readonly deployment?: {
    readonly statuses?: readonly string[];
    readonly environments?: readonly Glob[];
  };
  /** The word after `/baton run`. */
  readonly command?: string;
  readonly input?: string;
  readonly nameTemplate?: string;
  readonly concurrency: { readonly mode: ConcurrencyMode; readonly key?: string };
  readonly report: {
    readonly commitStatus: boolean;
    readonly mergeRequestNote: boolean;
    readonly name?: string;
  };
}

/** A problem with a rule: where (JSON pointer, relative to the rule's own location) and what. */
export interface RuleProblem {
  readonly pointer: string;
  readonly message: string;
}

export type RuleResult =
  | { readonly ok: true; readonly rule: TriggerRule }
  | { readonly ok: false; readonly problems: readonly RuleProblem[] };

const RULE_KEYS = [
  'name',
  'connection',
  'workflow',
  'events',
  'projects',
  'refs',
  'paths',
  'mergeRequest',
  'pipeline',
  'job',
  'deployment',
  'command',
  'input',
  'executionName',
  'concurrency',
  'report',
] as const;

/** Events each filter applies to; a filter none of the rule's events can meet is refused. */
const FILTER_EVENTS: Readonly<Record<string, readonly TriggerEvent[]>> = {
  paths: ['push'],
  mergeRequest: ['merge_request', 'note'],
  pipeline: ['pipeline'],
  job: ['job'],
  deployment: ['deployment'],
  command: ['note'],
};

/** Reads and checks a rule; `pointer` prefixes every problem's location. */
export function parseTriggerRule(value: JsonValue, pointer = ''): RuleResult {
  const reader = new Reader(pointer);
  if (!isJsonObject(value)) {
    reader.problem('', 'must be an object with at least name, workflow and events');
    return { ok: false, problems: reader.problems };
  }
  for (const key of Object.keys(value)) {
    if (!(RULE_KEYS as readonly string[]).includes(key)) {
      reader.problem(
        `/${key}`,
        `is not a trigger field (expected one of: ${RULE_KEYS.join(', ')})`,
      );
    }
  }
  const name = reader.string(value, 'name', {
    required: true,
    pattern: TRIGGER_NAME,
    hint: '1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  });
  const connection =
    reader.string(value, 'connection', { pattern: TRIGGER_NAME, hint: 'a connection name' }) ??
    'default';
  const workflow = readWorkflow(reader, getOwn(value, 'workflow'));
  const events = reader.list(value, 'events', { required: true }, (item, at) => {
    const event = TRIGGER_EVENTS.find((e) => e === item);
    if (event === undefined) reader.problem(at, `must be one of ${TRIGGER_EVENTS.join(', ')}`);
    return event;
  });
  if (events !== undefined && events.length === 0)
    reader.problem('/events', 'must name at least one event');
  const projects = reader.globs(value, 'projects', true);
  const refs = reader.globFilter(value, 'refs');
  const paths = reader.globFilter(value, 'paths');
  const mergeRequest = reader.section(
    value,
    'mergeRequest',
    ['actions', 'labels', 'targetBranches', 'draft'],
    (section) => ({
      ...optional('actions', reader.strings(section, 'actions', '/mergeRequest')),
      ...optional('labels', reader.strings(section, 'labels', '/mergeRequest')),
      ...optional(
        'targetBranches',
        reader.globs(section, 'targetBranches', false, '/mergeRequest'),
      ),
      ...optional('draft', reader.boolean(section, 'draft', '/mergeRequest')),
    }),
  );
  const pipeline = reader.section(value, 'pipeline', ['statuses', 'sources'], (section) => ({
    ...optional('statuses', reader.strings(section, 'statuses', '/pipeline')),
    ...optional('sources', reader.strings(section, 'sources', '/pipeline')),
  }));
  const job = reader.section(value, 'job', ['statuses', 'names'], (section) => ({
    ...optional('statuses', reader.strings(section, 'statuses', '/job')),
    ...optional('names', reader.globs(section, 'names', false, '/job')),
  }));
  const deployment = reader.section(
    value,
    'deployment',
    ['statuses', 'environments'],
    (section) => ({
      ...optional('statuses', reader.strings(section, 'statuses', '/deployment')),
      ...optional('environments', reader.globs(section, 'environments', false, '/deployment')),
    }),
  );
  const command = readCommand(reader, getOwn(value, 'command'), workflow?.name);
  const input = reader.string(value, 'input', { max: MAX_TEXT });
  if (input !== undefined) {
    const problem = expressionProblem(input);
    if (problem !== undefined) reader.problem('/input', `is not a JSONata expression: ${problem}`);
  }
  const nameTemplate = reader.template(value, 'executionName', '');
  const concurrency = reader.section(value, 'concurrency', ['mode', 'key'], (section) => {
    const mode = reader.string(section, 'mode', { pointer: '/concurrency' });
    const known = (['PARALLEL', 'QUEUED', 'SUPERSEDED'] as const).find((m) => m === mode);
    if (mode !== undefined && known === undefined) {
      reader.problem('/concurrency/mode', 'must be PARALLEL, QUEUED or SUPERSEDED');
    }
    return {
      mode: known ?? 'PARALLEL',
      ...optional('key', reader.template(section, 'key', '/concurrency')),
    };
  }) ?? { mode: 'PARALLEL' as const };
  const report = reader.section(
    value,
    'report',
    ['commitStatus', 'mergeRequestNote', 'name'],
    (section) => ({
      commitStatus: reader.boolean(section, 'commitStatus', '/report') ?? false,
      mergeRequestNote: reader.boolean(section, 'mergeRequestNote', '/report') ?? false,
      ...optional('name', reader.string(section, 'name', { pointer: '/report', max: 255 })),
    }),
  ) ?? { commitStatus: false, mergeRequestNote: false };

  if (events !== undefined) {
    for (const [field, needs] of Object.entries(FILTER_EVENTS)) {
      if (getOwn(value, field) === undefined) continue;
      if (!events.some((e) => needs.includes(e))) {
        reader.problem(
          `/${field}`,
          `applies only to ${needs.join(' or ')} events, and events lists none of them`,
        );
      }
    }
  }
  if (
    reader.problems.length > 0 ||
    name === undefined ||
    workflow === undefined ||
    events === undefined
  ) {
    return { ok: false, problems: reader.problems };
  }
  return {
    ok: true,
    rule: {
      name,
      connection,
      workflow,
      events,
      ...optional('projects', projects),
      ...optional('refs', refs),
      ...optional('paths', paths),
      ...optional('mergeRequest', mergeRequest),
      ...optional('pipeline', pipeline),
      ...optional('job', job),
      ...optional('deployment', deployment),
      ...optional('command', command),
      ...optional('input', input),
      ...optional('nameTemplate', nameTemplate),
      concurrency,
      report,
    },
  };
}

function readWorkflow(reader: Reader, value: JsonValue | undefined): WorkflowTarget | undefined {
  if (value === undefined) {
    reader.problem(
      '/workflow',
      'is required: the workflow to start, as name, name:alias or name:version',
    );
    return undefined;
  }
  if (typeof value !== 'string') {
    reader.problem('/workflow', 'must be a string: name, name:alias or name:version');
    return undefined;
  }
  const [name = '', qualifier, extra] = value.split(':');
  if (!WORKFLOW_NAME.test(name) || extra !== undefined) {
    reader.problem(
      '/workflow',
      `${JSON.stringify(value.slice(0, 100))} is not name, name:alias or name:version`,
    );
    return undefined;
  }
  if (qualifier === undefined) return { name };
  if (/^\d{1,9}$/.test(qualifier) && Number(qualifier) > 0)
    return { name, version: Number(qualifier) };
  if (ALIAS_NAME.test(qualifier) && !/^\d+$/.test(qualifier)) return { name, alias: qualifier };
  reader.problem(
    '/workflow',
    `${JSON.stringify(qualifier.slice(0, 100))} after ":" is neither a version (1, 2, ...) nor an alias name`,
  );
  return undefined;
}

function readCommand(
  reader: Reader,
  value: JsonValue | undefined,
  workflow: string | undefined,
): string | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return workflow;
  if (typeof value === 'string' && COMMAND_WORD.test(value)) return value;
  reader.problem(
    '/command',
    'must be true (the word is the workflow name) or the word after "/baton run"',
  );
  return undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** Reads members, collecting problems at JSON pointers. */
class Reader {
  readonly problems: RuleProblem[] = [];
  constructor(private readonly base: string) {}

  problem(pointer: string, message: string): void {
    this.problems.push({ pointer: `${this.base}${pointer}`, message });
  }

  string(
    object: JsonObject,
    key: string,
    rule: {
      required?: boolean;
      pattern?: RegExp;
      hint?: string;
      max?: number;
      pointer?: string;
    } = {},
  ): string | undefined {
    const at = `${rule.pointer ?? ''}/${key}`;
    const value = getOwn(object, key);
    if (value === undefined) {
      if (rule.required === true) this.problem(at, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.problem(at, 'must be a string');
      return undefined;
    }
    if (value.length > (rule.max ?? MAX_TEXT)) {
      this.problem(at, `must be at most ${rule.max ?? MAX_TEXT} characters`);
      return undefined;
    }
    if (rule.pattern !== undefined && !rule.pattern.test(value)) {
      this.problem(at, `must be ${rule.hint ?? `like ${rule.pattern.source}`}`);
      return undefined;
    }
    return value;
  }

  boolean(object: JsonObject, key: string, parent: string): boolean | undefined {
    const value = getOwn(object, key);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.problem(`${parent}/${key}`, 'must be true or false');
      return undefined;
    }
    return value;
  }

  list<T>(
    object: JsonObject,
    key: string,
    rule: { required?: boolean; parent?: string },
    item: (value: JsonValue, at: string) => T | undefined,
  ): T[] | undefined {
    const at = `${rule.parent ?? ''}/${key}`;
    const value = getOwn(object, key);
    if (value === undefined) {
      if (rule.required === true) this.problem(at, 'is required');
      return undefined;
    }
    if (!isJsonArray(value)) {
      this.problem(at, 'must be a list');
      return undefined;
    }
    if (value.length > MAX_LIST) {
      this.problem(at, `must have at most ${MAX_LIST} entries`);
      return undefined;
    }
    const out: T[] = [];
    value.forEach((entry, i) => {
      const read = item(entry, `${at}/${i}`);
      if (read !== undefined) out.push(read);
    });
    return out;
  }

  strings(object: JsonObject, key: string, parent: string): string[] | undefined {
    return this.list(object, key, { parent }, (value, at) => {
      if (typeof value === 'string' && value.length > 0 && value.length <= 255) return value;
      this.problem(at, 'must be a non-empty string of at most 255 characters');
      return undefined;
    });
  }

  globs(object: JsonObject, key: string, ignoreCase: boolean, parent = ''): Glob[] | undefined {
    return this.list(object, key, { parent }, (value, at) => {
      if (typeof value !== 'string') {
        this.problem(at, 'must be a glob string');
        return undefined;
      }
      const problem = globProblem(value);
      if (problem !== undefined) {
        this.problem(at, `the glob ${problem}`);
        return undefined;
      }
      return compileGlob(value, { ignoreCase });
    });
  }

  globFilter(object: JsonObject, key: string): GlobFilter | undefined {
    return this.section(object, key, ['include', 'exclude'], (section) => ({
      include: this.globs(section, 'include', false, `/${key}`) ?? [],
      exclude: this.globs(section, 'exclude', false, `/${key}`) ?? [],
    }));
  }

  template(object: JsonObject, key: string, parent: string): string | undefined {
    const value = this.string(object, key, { pointer: parent, max: 1000 });
    if (value === undefined) return undefined;
    for (const problem of parseTemplate(value).problems) this.problem(`${parent}/${key}`, problem);
    return value;
  }

  section<T>(
    object: JsonObject,
    key: string,
    known: readonly string[],
    read: (section: JsonObject) => T,
  ): T | undefined {
    const value = getOwn(object, key);
    if (value === undefined) return undefined;
    if (!isJsonObject(value)) {
      this.problem(`/${key}`, `must be an object with any of: ${known.join(', ')}`);
      return undefined;
    }
    for (const member of Object.keys(value)) {
      if (!known.includes(member)) {
        this.problem(
          `/${key}/${member}`,
          `is not a member of ${key} (expected one of: ${known.join(', ')})`,
        );
      }
    }
    return read(value);
  }
}
