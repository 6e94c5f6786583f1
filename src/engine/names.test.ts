import { describe, expect, it } from 'vitest';
import { EngineError } from './errors.js';
import { checkName } from './names.js';

function refusal(name: string): EngineError {
  try {
    checkName('execution', name);
  } catch (error: unknown) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  return expect.fail(`"${name}" was accepted`);
}

describe('checkName', () => {
  it('accepts names AWS accepts, up to 80 characters', () => {
    for (const name of ['deploy-1', 'release_2026.11', 'x'.repeat(80), 'déploiement', 'a.b-c_d']) {
      expect(() => checkName('execution', name)).not.toThrow();
    }
  });

  it('refuses an empty name and one over 80 characters', () => {
    expect(refusal('').message).toContain('1 to 80 characters');
    expect(refusal('x'.repeat(81)).message).toContain('it has 81');
  });

  it.each([
    'a b',
    'a\tb',
    '<a>',
    '{a}',
    '[a]',
    'a?',
    'a*',
    'a"b',
    'a#b',
    'a%b',
    'a\\b',
    'a^b',
    'a|b',
    'a~b',
    'a`b',
    'a$b',
    'a&b',
    'a,b',
    'a;b',
    'a:b',
    'a/b',
  ])('refuses %j, naming the character', (name) => {
    const error = refusal(name);
    expect(error.code).toBe('INVALID_NAME');
    expect(error.message).toMatch(/contains (".+"|U\+[0-9A-F]{4})/);
  });

  it('names a control character by its code point rather than printing it', () => {
    expect(refusal('a\u0007b').message).toContain('U+0007');
    expect(refusal('a\u0085b').message).toContain('U+0085');
  });
});
