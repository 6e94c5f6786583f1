import { describe, expect, it } from 'vitest';
import { checkPathSyntax as checkReferencePathRoot } from '../definition/expression-syntax.js';
import { validateDefinition } from '../definition/index.js';
import { contextFor } from '../test-support.js';
import {
  checkPathSyntax,
  evaluatePayloadTemplate,
  queryPath,
  variableNameProblem,
} from './index.js';

describe('the variable name rule', () => {
  // Review finding: Assign accepted "Ⅻ" (ID_Start includes letter numbers) while paths
  // accepted only \p{L}, so the variable could be set but `$Ⅻ` was an invalid path.
  it('accepts a letter-number name in Assign, in paths and in evaluation alike', () => {
    const result = validateDefinition({
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Assign: { Ⅻ: [1] }, Next: 'B' },
        B: { Type: 'Pass', Parameters: { 'x.$': '$Ⅻ' }, End: true },
      },
    });
    expect(result.ok ? [] : result.diagnostics).toEqual([]);
    expect(checkPathSyntax('$Ⅻ', 'Path')).toBeUndefined();
    // Reference-path fields such as ItemsPath may be rooted at a variable too.
    expect(checkReferencePathRoot('$Ⅻ[0]', 'ReferencePath')).toBeUndefined();
    const ctx = contextFor({}, { Ⅻ: [1] });
    expect(evaluatePayloadTemplate({ 'x.$': '$Ⅻ' }, ctx)).toEqual({ x: [1] });
    expect(queryPath('$Ⅻ[0]', ctx)).toBe(1);
  });

  it('rejects for Assign what a path could not read as a variable', () => {
    for (const name of ['1a', 'a-b', 'a b', '']) {
      expect(variableNameProblem(name)).toBeDefined();
    }
    expect(variableNameProblem('x'.repeat(81))).toMatch(/longer than 80/);
    expect(variableNameProblem('_Ⅻ_é9')).toBeUndefined();
  });
});
