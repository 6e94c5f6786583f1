/**
 * The one glob matcher of triggers: ref names, project paths and changed files. `*` matches
 * any run of characters except `/`, `**` any run including `/` (`a/**` matches `a/x/y`, and
 * `**\/b` matches `b` at any depth), `?` one character except `/`; every other character is
 * literal. No regular expression is built from a pattern, so a pattern cannot inject regex
 * syntax, and matching takes time proportional to pattern length x text length.
 */

export interface Glob {
  readonly pattern: string;
  matches(text: string): boolean;
}

export interface GlobOptions {
  /** Compare ignoring case (project paths are case-insensitive in GitLab). */
  readonly ignoreCase?: boolean;
}

/** Longest pattern accepted: rules are written by people, and this bounds the regex. */
export const MAX_GLOB_LENGTH = 512;

/** Why a glob pattern is refused, or undefined when it is fine. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'must not be empty';
  if (pattern.length > MAX_GLOB_LENGTH) return `must be at most ${MAX_GLOB_LENGTH} characters`;
  if (/\*{3,}/.test(pattern)) return 'has "***": use "*" (one path segment) or "**" (any depth)';
  return undefined;
}

type Token =
  | { readonly kind: 'literal'; readonly char: string }
  | { readonly kind: 'one' | 'star' | 'globstar' | 'globstar-slash' };

/**
 * Compiles a glob.
 * @throws TypeError with {@link globProblem}'s message for a pattern that is refused.
 */
export function compileGlob(pattern: string, options: GlobOptions = {}): Glob {
  const problem = globProblem(pattern);
  if (problem !== undefined) throw new TypeError(`The glob ${JSON.stringify(pattern)} ${problem}.`);
  const ignoreCase = options.ignoreCase === true;
  const tokens = tokenize(ignoreCase ? pattern.toLowerCase() : pattern);
  return {
    pattern,
    matches: (text) => matchTokens(tokens, [...(ignoreCase ? text.toLowerCase() : text)]),
  };
}

/** The first of the patterns that matches, if any. */
export function matchesAny(globs: readonly Glob[], text: string): Glob | undefined {
  return globs.find((glob) => glob.matches(text));
}

function tokenize(pattern: string): Token[] {
  const chars = [...pattern];
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] ?? '';
    if (char === '*' && chars[i + 1] === '*') {
      i++;
      // `**/` also matches no segment at all: `**/b` matches `b`, `a/**/b` matches `a/b`.
      if (chars[i + 1] === '/') {
        i++;
        tokens.push({ kind: 'globstar-slash' });
      } else tokens.push({ kind: 'globstar' });
    } else if (char === '*') tokens.push({ kind: 'star' });
    else if (char === '?') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'literal', char });
  }
  return tokens;
}

/**
 * Dynamic programming over (token, position), from the end: O(tokens x characters) time
 * whatever the pattern, where a backtracking regex is polynomial in the number of stars
 * (`*a*a*a*a*b` against a long run of `a`s never finishes).
 */
function matchTokens(tokens: readonly Token[], text: readonly string[]): boolean {
  const n = text.length;
  // next[t]: tokens after the current one match text[t..].
  let next = new Uint8Array(n + 1);
  next[n] = 1;
  for (let p = tokens.length - 1; p >= 0; p--) {
    const token = tokens[p];
    const row = new Uint8Array(n + 1);
    let slashReach = 0; // globstar-slash: some '/' at or after t whose successor matches
    for (let t = n; t >= 0; t--) {
      const char = text[t];
      switch (token?.kind) {
        case 'literal':
          row[t] = t < n && char === token.char && next[t + 1] === 1 ? 1 : 0;
          break;
        case 'one':
          row[t] = t < n && char !== '/' && next[t + 1] === 1 ? 1 : 0;
          break;
        case 'star':
          row[t] = next[t] === 1 || (t < n && char !== '/' && row[t + 1] === 1) ? 1 : 0;
          break;
        case 'globstar':
          row[t] = next[t] === 1 || (t < n && row[t + 1] === 1) ? 1 : 0;
          break;
        case 'globstar-slash':
          if (t < n && char === '/' && next[t + 1] === 1) slashReach = 1;
          row[t] = next[t] === 1 || slashReach === 1 ? 1 : 0;
          break;
        case undefined:
          break;
      }
    }
    next = row;
  }
  return next[0] === 1;
}
