import { describe, expect, it } from 'vitest';
import type { CiAccessRule, CiAccessRequest } from './gitlab-ci-rules.js';
import { decideCiAccess, globToRegExp, readCiRules } from './gitlab-ci-rules.js';
import type { GitLabCiIdentity } from './gitlab-id-token.js';

const job: GitLabCiIdentity = {
  issuer: 'https://gitlab.example.com',
  subject: 'project_path:my-group/my-project:ref_type:branch:ref:main',
  tokenId: 'j',
  projectId: '20',
  projectPath: 'my-group/my-project',
  sourceProjectId: '20',
  sourceProjectPath: 'my-group/my-project',
  namespacePath: 'my-group',
  pipelineId: '574',
  pipelineSource: 'push',
  jobId: '302',
  ref: 'main',
  refType: 'branch',
  refProtected: true,
  environment: undefined,
  environmentProtected: false,
  deploymentTier: undefined,
  userId: '1',
  userLogin: 'sample-user',
  sha: 'abc',
  issuedAt: 1,
  expiresAt: 2,
};

const rule: CiAccessRule = {
  projects: ['my-group/my-project'],
  workflows: ['deploy'],
  actions: ['start'],
};

function ask(overrides: Partial<GitLabCiIdentity> = {}, more: Partial<CiAccessRequest> = {}) {
  return {
    identity: { ...job, ...overrides },
    action: 'start' as const,
    workflow: 'deploy',
    ...more,
  };
}

describe('CI access rules', () => {
  it('denies by default, saying a rule is needed', () => {
    const decision = decideCiAccess([], ask());
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) {
      expect(decision.reason).toContain('no CI rules');
      expect(decision.reason).toContain('"projects":["my-group/my-project"]');
    }
  });

  it('allows a protected ref of a named project to start a named workflow', () => {
    expect(decideCiAccess([rule], ask())).toEqual({ allowed: true, rule: 0 });
  });

  it('matches paths case-insensitively and ids exactly', () => {
    expect(decideCiAccess([{ ...rule, projects: ['My-Group/MY-project'] }], ask()).allowed).toBe(
      true,
    );
    expect(decideCiAccess([{ ...rule, projects: ['20'] }], ask()).allowed).toBe(true);
    expect(decideCiAccess([{ ...rule, projects: ['200'] }], ask()).allowed).toBe(false);
    expect(decideCiAccess([{ ...rule, projects: ['my-group/my'] }], ask()).allowed).toBe(false);
  });

  it('denies unprotected refs unless the rule opts out, because "false" is a string', () => {
    const denied = decideCiAccess([rule], ask({ refProtected: false }));
    expect(denied.allowed).toBe(false);
    if (!denied.allowed) expect(denied.reason).toContain('protected refs only');
    expect(
      decideCiAccess([{ ...rule, protectedRefsOnly: false }], ask({ refProtected: false })).allowed,
    ).toBe(true);
  });

  it('checks ref globs', () => {
    const release = { ...rule, refs: ['release/*'] };
    expect(decideCiAccess([release], ask({ ref: 'release/1.2' })).allowed).toBe(true);
    expect(decideCiAccess([release], ask({ ref: 'release/1/2' })).allowed).toBe(false);
    expect(decideCiAccess([release], ask({ ref: 'main' })).allowed).toBe(false);
  });

  it('requires a listed environment when the rule names environments', () => {
    const prod = { ...rule, environments: ['prod*'] };
    expect(decideCiAccess([prod], ask()).allowed).toBe(false);
    expect(decideCiAccess([prod], ask({ environment: 'staging' })).allowed).toBe(false);
    expect(decideCiAccess([prod], ask({ environment: 'production' })).allowed).toBe(true);
  });

  it('checks the action and the workflow', () => {
    expect(decideCiAccess([rule], ask({}, { action: 'task' })).allowed).toBe(false);
    expect(decideCiAccess([rule], ask({}, { workflow: 'deploy-prod' })).allowed).toBe(false);
    expect(
      decideCiAccess([{ ...rule, workflows: ['deploy-*'] }], ask({}, { workflow: 'deploy-prod' }))
        .allowed,
    ).toBe(true);
  });

  it('names what the closest rule lacks', () => {
    const decision = decideCiAccess(
      [
        { ...rule, projects: ['other/project'] },
        { ...rule, refs: ['release/*'] },
      ],
      ask(),
    );
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) expect(decision.reason).toContain('rule 1');
    if (!decision.allowed) expect(decision.reason).toContain('refs do not match "main"');
  });

  it('treats glob metacharacters of other kinds literally', () => {
    expect(globToRegExp('v1.0').test('v1x0')).toBe(false);
    expect(globToRegExp('a(b)').test('a(b)')).toBe(true);
    expect(globToRegExp('**').test('a/b/c')).toBe(true);
  });
});

describe('reading CI rules', () => {
  it('reads valid rules', () => {
    const result = readCiRules([{ ...rule, refs: ['main'], protectedRefsOnly: false }]);
    expect(result).toEqual({
      ok: true,
      rules: [{ ...rule, refs: ['main'], protectedRefsOnly: false }],
    });
  });

  it('reports every problem with its pointer', () => {
    const result = readCiRules([
      { projects: [], workflows: ['x'], actions: ['deploy'], extra: 1, protectedRefsOnly: 'no' },
      'rule',
    ]);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.map((p) => p.pointer)).toEqual([
        '/0/extra',
        '/0/projects',
        '/0/actions/0',
        '/0/protectedRefsOnly',
        '/1',
      ]);
    }
  });

  it('rejects URLs and links in place of project paths, showing the path', () => {
    const result = readCiRules([
      {
        ...rule,
        projects: [
          'https://gitlab.com/g/p',
          'g/p/-/blob/main/a.yml',
          'g/p.git',
          'single',
          '/g/p/',
          'g/-/p',
        ],
      },
    ]);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toHaveLength(6);
      expect(result.problems[1]?.message).toContain('(g/p)');
      expect(result.problems[2]?.message).toContain('use g/p');
    }
  });

  it('refuses something other than an array', () => {
    expect(readCiRules({ projects: [] }).ok).toBe(false);
  });
});

describe('CI access rules: forks', () => {
  const fork = { sourceProjectId: '99', sourceProjectPath: 'fork/my-project' };

  it("refuses a job running a fork's code in the project unless the rule sets allowForks", () => {
    const refused = decideCiAccess([rule], ask(fork));
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.reason).toContain('allowForks');
    expect(decideCiAccess([{ ...rule, allowForks: true }], ask(fork)).allowed).toBe(true);
  });

  it('reads allowForks as a boolean only', () => {
    expect(
      readCiRules([{ projects: ['a/b'], workflows: ['w'], actions: ['start'], allowForks: true }]),
    ).toMatchObject({ ok: true, rules: [{ allowForks: true }] });
    const bad = readCiRules([
      { projects: ['a/b'], workflows: ['w'], actions: ['start'], allowForks: 'true' },
    ]);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems[0]?.pointer).toBe('/0/allowForks');
  });
});
