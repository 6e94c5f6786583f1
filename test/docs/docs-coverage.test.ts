/**
 * The project's documentation rule as a test: docs/api.md documents every REST route the server
 * registers (as `METHOD /api/v1/path/{param}` in code) and the GitLab webhook intake route;
 * docs/cli.md documents every command and subcommand of the `baton` program (as
 * `baton <command> [<sub>]` in a heading or in code). The routes and commands are read from the
 * code (the route table the REST plugin registers, the hook plugin as fastify sees it, the
 * commander tree), so a new route or command fails here until it is documented. Also: api.md
 * names no route that does not exist, and every relative Markdown link in both pages points at
 * an existing file and heading.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { GitLabHookOptions } from '../../src/api/hooks/index.js';
import { HOOKS_PREFIX, registerGitLabHooks } from '../../src/api/hooks/index.js';
import { API_PREFIX, buildOpenApi } from '../../src/api/rest/openapi.js';
import { restRoutes } from '../../src/api/rest/plugin.js';
import { buildProgram } from '../../src/cli/program.js';

const DOCS = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs');
const API_DOC = join(DOCS, 'api.md');
const CLI_DOC = join(DOCS, 'cli.md');

/** What a Markdown page says in code (fenced blocks and inline spans) and in its headings. */
interface MarkdownParts {
  /** Each inline code span, trimmed, with line breaks inside it turned into spaces. */
  readonly spans: readonly string[];
  /** Each line of a fenced code block. */
  readonly codeLines: readonly string[];
  /** Each heading's text (without the #s). */
  readonly headings: readonly string[];
}

function markdownParts(text: string): MarkdownParts {
  const spans: string[] = [];
  const codeLines: string[] = [];
  const headings: string[] = [];
  const prose: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      codeLines.push(line);
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading?.[1] !== undefined) headings.push(heading[1]);
    prose.push(line);
  }
  expect(fenced, 'a code fence is not closed').toBe(false);
  for (const match of prose.join('\n').matchAll(/(`+)([\s\S]+?)\1/g)) {
    spans.push((match[2] ?? '').replace(/\s*\n\s*/g, ' ').trim());
  }
  return { spans, codeLines, headings };
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/** `METHOD /api/v1/...{param}` for every operation in the OpenAPI document of the route table. */
function documentedFormOfRestRoutes(): string[] {
  const document = buildOpenApi(restRoutes(), 'docs-test');
  const paths = document['paths'];
  if (typeof paths !== 'object' || paths === null || Array.isArray(paths)) {
    throw new Error('the OpenAPI document has no paths object');
  }
  const forms: string[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (typeof item !== 'object' || item === null) continue;
    for (const method of Object.keys(item)) forms.push(`${method.toUpperCase()} ${path}`);
  }
  return forms;
}

/** The routes the webhook intake plugin registers, as fastify reports them. */
async function hookRoutes(): Promise<string[]> {
  const app = Fastify();
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push(`${method} ${route.url}`);
  });
  // The handlers never run here: only the registration is looked at, so the dependencies the
  // handlers would call are not needed.
  await registerGitLabHooks(app, {} as GitLabHookOptions);
  await app.ready();
  await app.close();
  return routes.map((route) => route.replace(/:([A-Za-z]+)/g, '{$1}'));
}

/**
 * Every command path under the program: `baton keys`, `baton keys create`, ... Commander's
 * implicit `help` command (`baton help [command]`, `baton keys help`) is left out: it is not a
 * command of Baton's but commander's way to print `--help`, which every command has.
 */
function commandPaths(command: Command, prefix: string): string[] {
  const out: string[] = [];
  for (const sub of command.commands) {
    if (sub.name() === 'help') continue;
    const path = `${prefix} ${sub.name()}`;
    out.push(path, ...commandPaths(sub, path));
  }
  return out;
}

/** `baton keys` in `./bin/baton keys create x` but not in `baton keystore`. */
function mentions(text: string, commandPath: string): boolean {
  const escaped = commandPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+');
  return new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`).test(text);
}

describe('docs/api.md', () => {
  const parts = markdownParts(read(API_DOC));
  const spans = new Set(parts.spans);

  it('documents every REST route of the route table as `METHOD /api/v1/path`', () => {
    const routes = documentedFormOfRestRoutes();
    // The route table is not empty and holds the GitLab routes: the test checks something.
    expect(routes.length).toBeGreaterThanOrEqual(40);
    expect(routes).toContain('POST /api/v1/connections/{name}/hooks');
    expect(routes).toContain('POST /api/v1/ci/executions');
    const missing = routes.filter((route) => !spans.has(route));
    expect(missing, 'routes missing from docs/api.md (add them as `METHOD /path`)').toEqual([]);
  });

  it('documents the GitLab webhook intake route', async () => {
    const routes = await hookRoutes();
    expect(routes).toEqual([`POST ${HOOKS_PREFIX}/{connection}`]);
    const missing = routes.filter((route) => !spans.has(route));
    expect(missing, 'hook routes missing from docs/api.md').toEqual([]);
  });

  it('names no REST route that does not exist', async () => {
    const real = new Set([...documentedFormOfRestRoutes(), ...(await hookRoutes())]);
    const named = parts.spans.filter((span) =>
      new RegExp(`^(GET|POST|PUT|DELETE|PATCH) (${API_PREFIX}|${HOOKS_PREFIX})/`).test(span),
    );
    expect(named.length).toBeGreaterThan(0);
    const unknown = named.filter((span) => !real.has(span));
    expect(unknown, 'docs/api.md names routes the server does not serve').toEqual([]);
  });
});

describe('docs/cli.md', () => {
  const parts = markdownParts(read(CLI_DOC));
  const documented = [...parts.headings, ...parts.spans, ...parts.codeLines].join('\n');
  const paths = commandPaths(buildProgram(), 'baton');

  it('documents every command and subcommand in a heading or in code', () => {
    // The walk reaches the nested GitLab commands: the test checks something.
    expect(paths.length).toBeGreaterThanOrEqual(40);
    expect(paths).toContain('baton connections hook install');
    expect(paths).toContain('baton ci task-failure');
    expect(paths).not.toContain('baton help');
    const missing = paths.filter((path) => !mentions(documented, path));
    expect(missing, 'commands missing from docs/cli.md').toEqual([]);
  });

  it('has section headings only for commands that exist', () => {
    const named = parts.headings.flatMap((heading) =>
      [...heading.matchAll(/`baton ([a-z-]+(?: [a-z-]+)*)/g)].map((match) => match[1] ?? ''),
    );
    expect(named.length).toBeGreaterThan(10);
    const unknown = named.filter((words) => !namesCommand(buildProgram(), words.split(' ')));
    expect(unknown, 'docs/cli.md has headings for commands that do not exist').toEqual([]);
  });
});

/**
 * Whether `words` (after `baton`) name a command: each word must be a subcommand of the one
 * before, until a command without subcommands, whose further words are its arguments
 * (`completion bash`).
 */
function namesCommand(command: Command, words: readonly string[]): boolean {
  const [first, ...rest] = words;
  if (first === undefined || command.commands.length === 0) return command.parent !== null;
  const sub = command.commands.find((c) => c.name() === first && first !== 'help');
  return sub !== undefined && namesCommand(sub, rest);
}

describe('links in docs/api.md and docs/cli.md', () => {
  it.each([API_DOC, CLI_DOC])('every relative link in %s reaches a file and heading', (page) => {
    const text = read(page);
    const broken: string[] = [];
    let checked = 0;
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] ?? '';
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto: ...
      checked += 1;
      const [file = '', anchor] = target.split('#');
      const path = file === '' ? page : resolve(dirname(page), file);
      if (!existsSync(path)) {
        broken.push(`${target}: no file ${path}`);
        continue;
      }
      if (anchor === undefined || !path.endsWith('.md')) continue;
      const anchors = new Set(markdownParts(read(path)).headings.map(anchorOf));
      if (!anchors.has(anchor)) broken.push(`${target}: no heading with anchor #${anchor}`);
    }
    expect(checked).toBeGreaterThan(0);
    expect(broken).toEqual([]);
  });
});
