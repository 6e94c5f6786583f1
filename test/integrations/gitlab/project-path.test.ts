import { describe, expect, it } from 'vitest';
import {
  encodeProjectId,
  parseGroupRef,
  parseProjectRef,
} from '../../../src/integrations/gitlab/project-path.js';

const instanceUrl = 'https://gitlab.example.com';

function rejection(input: unknown, options = { instanceUrl }): string {
  const parsed = parseProjectRef(input, options);
  if (parsed.ok) return expect.fail(`expected ${JSON.stringify(input)} to be rejected`);
  return parsed.message;
}

describe('project paths: accepted', () => {
  it.each([
    ['g/p', 'g/p'],
    ['group/sub/project', 'group/sub/project'],
    ['_internal/foo', '_internal/foo'],
    ['group/my..project', 'group/my..project'],
    ['.hidden/p.x', '.hidden/p.x'],
    ['Group/Mixed-Case_1', 'Group/Mixed-Case_1'],
    [Array.from({ length: 22 }, (_, i) => `g${i}`).join('/'), undefined],
    [`g/${'a'.repeat(255)}`, undefined],
    ['api-team/api', 'api-team/api'],
    ['g/blobby', 'g/blobby'],
  ])('accepts %s (legacy charset included)', (input, expected) => {
    const parsed = parseProjectRef(input);
    expect(parsed).toEqual({ ok: true, ref: { kind: 'path', path: expected ?? input } });
  });

  it.each([
    [42, 42],
    ['42', 42],
    ['9007199254740991', 9007199254740991],
  ])('accepts the numeric id %s', (input, id) => {
    expect(parseProjectRef(input)).toEqual({ ok: true, ref: { kind: 'id', id } });
  });
});

describe('project paths: rejected with the path to use', () => {
  it.each([
    ['https://gitlab.example.com/g/p/-/blob/main/a.yml', /page inside a project.*"g\/p"/],
    ['https://gitlab.example.com/g/sub/p/-/tree/main', /part before \/-\/ \(here "g\/sub\/p"\)/],
    ['https://gitlab.example.com/g/p/-/raw/main/x', /"g\/p"/],
    ['https://gitlab.example.com/g/p/-/merge_requests/1', /"g\/p"/],
    ['https://gitlab.example.com/g/p/-/pipelines/9', /"g\/p"/],
    ['https://gitlab.example.com/g/p/-/jobs/5', /"g\/p"/],
    ['g/p/-/jobs/5', /page inside a project.*"g\/p"/],
  ])('a link inside a project: %s', (input, message) => {
    expect(rejection(input)).toMatch(message);
  });

  it('a Web IDE URL names the project between /-/ide/project/ and /edit/', () => {
    expect(
      rejection('https://gitlab.example.com/-/ide/project/g/sub/p/edit/main/-/file.txt'),
    ).toMatch(/Web IDE link\. The project is "g\/sub\/p"/);
  });

  it.each([
    'https://gitlab.example.com/-/profile',
    'https://gitlab.example.com/-/snippets/1',
    'https://gitlab.example.com/-/user_settings/tokens',
    'https://gitlab.example.com/groups/g/-/boards',
  ])('an instance or group page is not a project: %s', (input) => {
    expect(rejection(input)).toMatch(/not a project URL/);
  });

  it.each([
    ['g/p/blob/main/a.yml', 'g/p'],
    ['g/sub/p/tree/main/src', 'g/sub/p'],
    ['g/p/raw/main/x', 'g/p'],
    ['g/p/blame/main/x', 'g/p'],
    ['g/p/commits/main', 'g/p'],
    ['g/p/edit/main', 'g/p'],
  ])('a legacy file or folder link %s names %s', (input, project) => {
    expect(rejection(input)).toMatch(
      new RegExp(`link to a file, folder or page.*probably "${project.replace(/\//g, '\\/')}"`),
    );
  });

  it.each([
    ['https://gitlab.example.com/g/p.git', 'g/p'],
    ['git@gitlab.example.com:g/p.git', 'g/p'],
    ['git@gitlab.example.com:g/sub/p.git', 'g/sub/p'],
    ['ssh://git@gitlab.example.com:2222/g/p.git', 'g/p'],
    ['ssh://git@gitlab.example.com/g/p', 'g/p'],
    ['g/p.git', 'g/p'],
  ])('a clone URL %s: use the project path %s', (input, project) => {
    expect(rejection(input)).toContain(`use the project path "${project}", not the clone URL`);
  });

  it('a plain project web address gives the path', () => {
    expect(rejection('https://gitlab.example.com/g/p')).toMatch(
      /web address: use the project path "g\/p", not the URL/,
    );
  });

  it.each([
    [
      'https://gitlab.com/g/p',
      /on gitlab\.com, but this connection is configured for https:\/\/gitlab\.example\.com/,
    ],
    ['git@github.com:g/p.git', /on github\.com/],
    ['ssh://git@other.example:2222/g/p.git', /on other\.example/],
  ])('a URL on another host: %s', (input, message) => {
    expect(rejection(input)).toMatch(message);
  });

  it('without a connection URL, URLs are judged by their path alone', () => {
    expect(rejection('https://gitlab.com/g/p.git', {} as { instanceUrl: string })).toMatch(
      /clone URL/,
    );
  });

  it.each(['myproject', 'mygroup'])('a single segment %s', (input) => {
    expect(rejection(input)).toMatch(/at least a namespace and a project: namespace\/project/);
  });

  it.each([
    ['/g/p/', /starts or ends with a slash: use "g\/p"/],
    ['/g/p', /use "g\/p"/],
    ['g/p/', /use "g\/p"/],
    ['g//p', /empty segment \(\/\/\): use "g\/p"/],
    [' g/p', /whitespace around it: use "g\/p"/],
    ['g/p\n', /whitespace around it/],
    ['g/my project', /contains whitespace/],
    ['g%2Fp', /URL-encoded: give it with plain slashes, "g\/p"/],
    ['g%2fsub%2Fp', /"g\/sub\/p"/],
  ])('malformed spelling %j', (input, message) => {
    expect(rejection(input)).toMatch(message);
  });

  it.each([
    ['api/p', /"api" is a reserved GitLab route/],
    ['admin/p', /reserved GitLab route/],
    ['groups/p', /reserved GitLab route/],
    ['-/p', /page inside a project/],
    ['g/new', /"new" is a reserved word/],
    ['g/wikis', /reserved word/],
  ])('reserved word %s', (input, message) => {
    expect(rejection(input)).toMatch(message);
  });

  it('refuses .atom feed links, naming the project', () => {
    expect(rejection('g/p.atom')).toMatch(/feed link: use the project path "g\/p"/);
  });

  it('refuses a segment over 255 characters', () => {
    expect(rejection(`g/${'a'.repeat(256)}`)).toMatch(
      /256 characters long; GitLab allows at most 255/,
    );
  });

  it('refuses more than 22 segments', () => {
    const path = Array.from({ length: 23 }, (_, i) => `g${i}`).join('/');
    expect(rejection(path)).toMatch(/23 segments; GitLab allows at most 22/);
  });

  it.each(['g/p+q', 'g/pé', 'g/-p', 'g/p?x', 'g/p#x', 'g/p:x'])(
    'refuses characters GitLab never allows: %s',
    (input) => {
      expect(rejection(input)).toMatch(/only letters, digits, _, - and \./);
    },
  );

  it.each([
    [0, /positive whole number/],
    [-3, /positive whole number/],
    [1.5, /positive whole number/],
    [null, /full path \(group\/project\) or a numeric id/],
    [true, /full path/],
    [{ path: 'g/p' }, /full path/],
    ['', /empty/],
    ['007', /at least a namespace/],
  ])('refuses %j as a project', (input, message) => {
    expect(rejection(input)).toMatch(message);
  });

  it('bounds the input it quotes back', () => {
    expect(rejection(`a${'/'.repeat(2)}${'b'.repeat(5000)}`).length).toBeLessThan(800);
  });
});

describe('encodeProjectId', () => {
  it('encodes every slash of a path once, and ids as digits', () => {
    expect(encodeProjectId({ kind: 'path', path: 'g/sub/p.x' })).toBe('g%2Fsub%2Fp.x');
    expect(encodeProjectId({ kind: 'id', id: 17 })).toBe('17');
  });
});

describe('group paths', () => {
  function groupRejection(input: unknown): string {
    const parsed = parseGroupRef(input, { instanceUrl });
    if (parsed.ok) return expect.fail(`expected ${JSON.stringify(input)} to be rejected`);
    return parsed.message;
  }

  it.each(['acme', 'acme/platform', '_legacy.group/sub', Array(21).fill('g').join('/')])(
    'accepts %s (one segment or more, the legacy charset included)',
    (input) => {
      expect(parseGroupRef(input)).toEqual({ ok: true, ref: { kind: 'path', path: input } });
    },
  );

  it('accepts numeric ids, as text or number', () => {
    expect(parseGroupRef('42')).toEqual({ ok: true, ref: { kind: 'id', id: 42 } });
    expect(parseGroupRef(42)).toEqual({ ok: true, ref: { kind: 'id', id: 42 } });
    expect(groupRejection(-1)).toContain('A group id must be a positive whole number');
  });

  it.each([
    [
      'https://gitlab.example.com/groups/acme/platform',
      'link to a group page: use the group path "acme/platform"',
    ],
    ['https://gitlab.example.com/groups/acme/-/settings/integrations', 'group path "acme"'],
    ['https://gitlab.example.com/acme', 'group\'s web address: use the group path "acme"'],
    [
      'https://gitlab.example.com/acme/web/-/blob/main/x',
      'not a group path. Use only the part before /-/ (here "acme/web", or its group',
    ],
    [
      'https://gitlab.example.com/-/ide/project/acme/web/edit/main/-/',
      'Web IDE link to the project "acme/web", not a group',
    ],
    ['https://gitlab.example.com/-/profile', 'not a group URL'],
    ['https://other.example.com/acme', 'on other.example.com'],
    [
      'ssh://git@gitlab.example.com/acme/web.git',
      'clone URL of the project "acme/web", not a group: give its group "acme"',
    ],
    ['acme.git', 'give a group path'],
    ['acme/platform.atom', 'use the group path "acme/platform"'],
    ['acme/-/x', 'not a group path'],
    ['acme/tree/main', 'not allowed in group paths'],
    ['api', 'reserved GitLab route'],
    ['', 'The group is empty'],
    [Array(22).fill('g').join('/'), 'at most 21'],
  ])('refuses %s, saying what to give', (input, hint) => {
    expect(groupRejection(input)).toContain(hint);
  });

  it('keeps the project rules and messages for projects', () => {
    expect(rejection('acme')).toContain('namespace/project');
    expect(parseProjectRef(Array(22).fill('g').join('/')).ok).toBe(true);
  });
});
