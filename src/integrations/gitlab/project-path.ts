/**
 * What users give as a GitLab project (a numeric id or a full path `group/sub/project`) or
 * group (a numeric id or a full path `group` or `group/sub`). Everything else they paste (web,
 * Web IDE, blob/tree/raw and clone URLs, feed links, encoded paths) is rejected with a message
 * that says what it is and, where one can be derived, the path to use instead
 * (reference/gitlab.md §4). Projects and groups share the segment rules; a group path has 1 to
 * 21 segments, a project path 2 to 22. Syntax only: whether the project or group exists is the
 * resolver's question.
 */

/** A project (or group) as the API addresses it: by numeric id, or by full path. */
export type ProjectRef =
  { readonly kind: 'id'; readonly id: number } | { readonly kind: 'path'; readonly path: string };

export type ProjectRefParse =
  | { readonly ok: true; readonly ref: ProjectRef }
  | { readonly ok: false; readonly message: string };

export interface ProjectRefOptions {
  /** The connection's base URL: a URL on another host is named as such. */
  readonly instanceUrl?: string;
}

/** Segments per path: a group has at most 20 ancestors, so 2 to 22 (NUMBER_OF_ANCESTORS_ALLOWED). */
export const MAX_PATH_SEGMENTS = 22;
/** A group is a top-level group and at most 20 levels of subgroups. */
export const MAX_GROUP_SEGMENTS = MAX_PATH_SEGMENTS - 1;
/** Namespace::URL_MAX_LENGTH. */
export const MAX_SEGMENT_LENGTH = 255;

/** Names the top level of a path cannot take (TOP_LEVEL_ROUTES in GitLab's path_regex.rb). */
const TOP_LEVEL_ROUTES: ReadonlySet<string> = new Set([
  '-',
  '.well-known',
  '404.html',
  '422.html',
  '500.html',
  '502.html',
  '503.html',
  'admin',
  'api',
  'apple-touch-icon.png',
  'assets',
  'dashboard',
  'deploy.html',
  'explore',
  'favicon.ico',
  'favicon.png',
  'files',
  'groups',
  'health_check',
  'help',
  'import',
  'jwt',
  'login',
  'oauth',
  'profile',
  'projects',
  'public',
  'robots.txt',
  's',
  'search',
  'sitemap',
  'snippets',
  'unsubscribes',
  'uploads',
  'users',
  'v2',
]);

/**
 * Names a subgroup or project cannot take (PROJECT_WILDCARD_ROUTES): they are kept free so that
 * legacy links like `g/p/blob/main/x` can be recognised. Such a segment ends the project path.
 */
const PROJECT_WILDCARD_ROUTES: ReadonlySet<string> = new Set([
  '-',
  'badges',
  'blame',
  'blob',
  'builds',
  'commits',
  'create',
  'create_dir',
  'edit',
  'files',
  'find_file',
  'new',
  'preview',
  'raw',
  'refs',
  'tree',
  'update',
  'wikis',
]);

/** The legacy charset (grandfathered paths like `_internal/foo` or `g/my..project` exist). */
const SEGMENT = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;
const NUMERIC_ID = /^[1-9][0-9]{0,15}$/;
const SCP_CLONE = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(.+)$/;

const ok = (ref: ProjectRef): ProjectRefParse => ({ ok: true, ref });
const no = (message: string): ProjectRefParse => ({ ok: false, message });
const quote = (text: string): string =>
  JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text);

/** What differs between parsing a project and a group: the noun, the depth, the example. */
interface RefKind {
  readonly noun: 'project' | 'group';
  readonly minSegments: number;
  readonly maxSegments: number;
  readonly example: string;
}
const PROJECT: RefKind = {
  noun: 'project',
  minSegments: 2,
  maxSegments: MAX_PATH_SEGMENTS,
  example: 'group/project',
};
const GROUP: RefKind = {
  noun: 'group',
  minSegments: 1,
  maxSegments: MAX_GROUP_SEGMENTS,
  example: 'group or group/subgroup',
};

/**
 * Parses a project as given in task parameters, trigger rules or the CLI.
 * Returns the id or the path, or a message saying what is wrong and what to give instead.
 * Never throws.
 */
export function parseProjectRef(input: unknown, options: ProjectRefOptions = {}): ProjectRefParse {
  return parseRef(input, PROJECT, options);
}

/**
 * Parses a group (`acme`, `acme/platform` or a numeric id) as the same rules as a project path
 * allow, with 1 to 21 segments; URLs, `/-/` links and clone URLs are refused with the path to
 * use. Never throws.
 */
export function parseGroupRef(input: unknown, options: ProjectRefOptions = {}): ProjectRefParse {
  return parseRef(input, GROUP, options);
}

function parseRef(input: unknown, kind: RefKind, options: ProjectRefOptions): ProjectRefParse {
  const { noun } = kind;
  if (typeof input === 'number') {
    return Number.isSafeInteger(input) && input > 0
      ? ok({ kind: 'id', id: input })
      : no(`A ${noun} id must be a positive whole number, not ${String(input)}.`);
  }
  if (typeof input !== 'string') {
    return no(`A ${noun} must be a full path (${kind.example}) or a numeric id.`);
  }
  if (input === '')
    return no(`The ${noun} is empty: give a full path (${kind.example}) or a numeric id.`);
  if (NUMERIC_ID.test(input)) return ok({ kind: 'id', id: Number(input) });
  if (/\s/.test(input)) {
    const trimmed = input.trim();
    return no(
      /\s/.test(trimmed) || trimmed === ''
        ? `The ${noun} ${quote(input)} contains whitespace, which GitLab paths never do.`
        : `The ${noun} ${quote(input)} has whitespace around it: use ${quote(trimmed)}.`,
    );
  }
  if (/%2f/i.test(input)) {
    return no(
      `The ${noun} ${quote(input)} is URL-encoded: give it with plain slashes, ${quote(
        input.replace(/%2f/gi, '/'),
      )}; Baton encodes it for the API.`,
    );
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(input)) return parseUrl(input, kind, options);
  const scp = SCP_CLONE.exec(input);
  if (scp !== null) {
    const wrongHost = checkHost(scp[1] ?? '', options);
    if (wrongHost !== undefined) return no(wrongHost);
    return no(cloneMessage(stripGit(trimSlashes(scp[2] ?? '')), kind));
  }
  return parsePath(input, kind);
}

function parseUrl(input: string, kind: RefKind, options: ProjectRefOptions): ProjectRefParse {
  const { noun } = kind;
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return no(`The ${noun} ${quote(input)} is neither a ${noun} path nor a valid URL.`);
  }
  const wrongHost = checkHost(url.hostname, options);
  if (wrongHost !== undefined) return no(wrongHost);
  const path = trimSlashes(decodeSlashes(url.pathname));
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return no(cloneMessage(stripGit(path), kind));
  }
  if (path.endsWith('.git')) return no(cloneMessage(stripGit(path), kind));
  const ide = /^-\/ide\/project\/(.+?)\/(?:edit|tree|blob|merge_requests)(?:\/|$)/.exec(path);
  if (ide !== null) {
    return no(
      kind === GROUP
        ? `This is a Web IDE link to the project ${quote(ide[1] ?? '')}, not a group: give a group path such as ${kind.example}.`
        : `This is a Web IDE link. The project is ${quote(ide[1] ?? '')} (the part between /-/ide/project/ and /edit/).`,
    );
  }
  if (kind === GROUP && path.startsWith('groups/')) {
    // https://host/groups/acme/platform[/-/page]: the group's own pages.
    const rest = path.slice('groups/'.length);
    const separator = rest.indexOf('/-/');
    const group = trimSlashes(separator >= 0 ? rest.slice(0, separator) : rest);
    const asPath = parsePath(group, kind);
    if (!asPath.ok) return asPath;
    return no(`This is a link to a group page: use the group path ${quote(group)}, not the URL.`);
  }
  if (path.startsWith('-/') || path === '-' || path.startsWith('groups/')) {
    return no(`${quote(input)} is not a ${noun} URL: give a ${noun} path such as ${kind.example}.`);
  }
  const separator = path.indexOf('/-/');
  if (separator >= 0) return no(pageLinkMessage(path.slice(0, separator), kind));
  const asPath = parsePath(path, kind);
  if (!asPath.ok) return asPath;
  return no(`This is the ${noun}'s web address: use the ${noun} path ${quote(path)}, not the URL.`);
}

function parsePath(input: string, kind: RefKind): ProjectRefParse {
  const { noun } = kind;
  if (input.startsWith('/') || input.endsWith('/')) {
    return no(
      `The ${noun} ${quote(input)} starts or ends with a slash: use ${quote(trimSlashes(input))}.`,
    );
  }
  if (input.includes('//')) {
    return no(
      `The ${noun} ${quote(input)} has an empty segment (//): use ${quote(input.replace(/\/{2,}/g, '/'))}.`,
    );
  }
  const segments = input.split('/');
  const dash = segments.indexOf('-');
  if (dash >= 0) return no(pageLinkMessage(segments.slice(0, dash).join('/'), kind));
  const routeAt = segments.findIndex((s, i) => i > 0 && PROJECT_WILDCARD_ROUTES.has(s));
  if (routeAt >= 0) return no(routeMessage(input, segments, routeAt, kind));
  if (segments.length < kind.minSegments) {
    return no(
      `A project path needs at least a namespace and a project: namespace/project, not ${quote(input)}.`,
    );
  }
  if (segments.length > kind.maxSegments) {
    return no(
      `The ${noun} path has ${segments.length} segments; GitLab allows at most ${kind.maxSegments} (20 levels of subgroups).`,
    );
  }
  for (const [index, segment] of segments.entries()) {
    const problem = segmentProblem(segment, index);
    if (problem !== undefined) return no(`The ${noun} path ${quote(input)}: ${problem}`);
  }
  const last = segments[segments.length - 1] ?? '';
  if (last.endsWith('.git')) return no(cloneMessage(stripGit(input), kind));
  if (last.endsWith('.atom')) {
    return no(
      `${quote(input)} is a feed link: use the ${noun} path ${quote(input.slice(0, -'.atom'.length))}.`,
    );
  }
  return ok({ kind: 'path', path: input });
}

function segmentProblem(segment: string, index: number): string | undefined {
  if (segment.length > MAX_SEGMENT_LENGTH) {
    return `segment ${index + 1} is ${segment.length} characters long; GitLab allows at most ${MAX_SEGMENT_LENGTH}.`;
  }
  if (!SEGMENT.test(segment)) {
    return `segment ${quote(segment)} may contain only letters, digits, _, - and . and must not start with -.`;
  }
  if (index === 0 && TOP_LEVEL_ROUTES.has(segment.toLowerCase())) {
    return `${quote(segment)} is a reserved GitLab route and cannot be a top-level group or user.`;
  }
  return undefined;
}

function routeMessage(
  input: string,
  segments: readonly string[],
  at: number,
  kind: RefKind,
): string {
  const word = segments[at] ?? '';
  const prefix = segments.slice(0, at).join('/');
  if (kind === GROUP) {
    return `${quote(input)} looks like a link to a file, folder or page (${quote(word)} is not allowed in group paths): give the group, such as ${quote(segments[0] ?? '')}.`;
  }
  if (at >= 2) {
    return `${quote(input)} looks like a link to a file, folder or page (${quote(word)} is not allowed in project paths). The project is probably ${quote(prefix)}.`;
  }
  return `${quote(word)} is a reserved word in GitLab and cannot name a project or subgroup (in ${quote(input)}).`;
}

function pageLinkMessage(prefix: string, kind: RefKind): string {
  if (kind === GROUP) {
    const hint = prefix === '' ? '' : ` (here ${quote(prefix)}, or its group if that is a project)`;
    return `This is a link to a page inside a project or group, not a group path. Use only the part before /-/${hint}.`;
  }
  const hint = prefix.includes('/') ? ` (here ${quote(prefix)})` : '';
  return `This is a link to a page inside a project, not a project path. Use only the part before /-/${hint}.`;
}

function cloneMessage(path: string, kind: RefKind): string {
  if (kind === GROUP) {
    const parent = path.split('/').slice(0, -1).join('/');
    return `This is the clone URL of the project ${quote(path)}, not a group: give ${
      parent === '' ? 'a group path' : `its group ${quote(parent)}`
    }.`;
  }
  return `This is a clone URL: use the project path ${quote(path)}, not the clone URL.`;
}

function checkHost(host: string, options: ProjectRefOptions): string | undefined {
  if (options.instanceUrl === undefined) return undefined;
  let expected: string;
  try {
    expected = new URL(options.instanceUrl).hostname;
  } catch {
    return undefined;
  }
  if (host.toLowerCase() === expected.toLowerCase()) return undefined;
  return `This project is on ${host}, but this connection is configured for ${options.instanceUrl}.`;
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function stripGit(path: string): string {
  return path.endsWith('.git') ? path.slice(0, -'.git'.length) : path;
}

function decodeSlashes(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    // A malformed escape stays as it is: the path check then rejects its `%`.
    return path;
  }
}

/** The path or id as one `:id` segment of an API URL: every `/` as %2F, encoded once. */
export function encodeProjectId(ref: ProjectRef): string {
  return ref.kind === 'id' ? String(ref.id) : encodeURIComponent(ref.path);
}
