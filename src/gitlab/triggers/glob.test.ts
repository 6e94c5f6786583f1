import { describe, expect, it } from 'vitest';
import { compileGlob, globProblem } from './glob.js';

const match = (pattern: string, text: string, ignoreCase = false): boolean =>
  compileGlob(pattern, { ignoreCase }).matches(text);

describe('compileGlob', () => {
  it('matches literal text exactly', () => {
    expect(match('main', 'main')).toBe(true);
    expect(match('main', 'main2')).toBe(false);
    expect(match('main', 'xmain')).toBe(false);
  });

  it('lets * match within one segment only', () => {
    expect(match('release/*', 'release/1.0')).toBe(true);
    expect(match('release/*', 'release/1.0/hotfix')).toBe(false);
    expect(match('*.md', 'README.md')).toBe(true);
    expect(match('*.md', 'docs/README.md')).toBe(false);
    expect(match('feat-*', 'feat-')).toBe(true);
  });

  it('lets ** cross segments, and **/ match no segment at all', () => {
    expect(match('docs/**', 'docs/a/b/c.md')).toBe(true);
    expect(match('**/*.md', 'README.md')).toBe(true);
    expect(match('**/*.md', 'a/b/README.md')).toBe(true);
    expect(match('src/**/test.ts', 'src/test.ts')).toBe(true);
    expect(match('src/**/test.ts', 'src/a/b/test.ts')).toBe(true);
    expect(match('src/**/test.ts', 'lib/a/test.ts')).toBe(false);
  });

  it('lets ? match one character, never a slash', () => {
    expect(match('v?', 'v1')).toBe(true);
    expect(match('v?', 'v10')).toBe(false);
    expect(match('a?b', 'a/b')).toBe(false);
  });

  it('treats regex syntax in a pattern as literal text (no injection)', () => {
    expect(match('a.b', 'axb')).toBe(false);
    expect(match('a.b', 'a.b')).toBe(true);
    expect(match('(a|b)', 'a')).toBe(false);
    expect(match('(a|b)', '(a|b)')).toBe(true);
    expect(match('[ab]', 'a')).toBe(false);
    expect(match('a+', 'aa')).toBe(false);
    expect(match('^x$', '^x$')).toBe(true);
    expect(match('\\d', '\\d')).toBe(true);
    expect(match('{1,2}', '{1,2}')).toBe(true);
  });

  it('ignores case only when asked', () => {
    expect(match('Group/*', 'group/Project', true)).toBe(true);
    expect(match('Group/*', 'group/Project')).toBe(false);
  });

  it('stays fast on inputs that make naive globs backtrack', () => {
    const started = performance.now();
    expect(match('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
    expect(match('**a**a**a**a**a**b', 'a'.repeat(3000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses empty, overlong and triple-star patterns with a reason', () => {
    expect(globProblem('')).toMatch(/empty/);
    expect(globProblem('x'.repeat(513))).toMatch(/at most 512/);
    expect(globProblem('a/***')).toMatch(/\*\*\*/);
    expect(() => compileGlob('')).toThrow(/must not be empty/);
    expect(globProblem('ok/**')).toBeUndefined();
  });
});
