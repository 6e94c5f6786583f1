import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../common/index.js';
import type { ChoiceRule, ChoiceState } from '../definition/types.js';
import { StatesError } from '../errors.js';
import type { EvaluationContext } from '../evaluation-context.js';
import {
  evaluateChoiceRule,
  matchesWildcard,
  selectChoice,
  selectJsonataChoice,
} from './choice-rules.js';

function ctxOf(input: JsonValue, variables: JsonObject = {}): EvaluationContext {
  return {
    input,
    context: { Execution: { Id: 'exec-1' } },
    variables,
    random: { nextFloat: () => 0.25 },
    now: '2024-01-01T00:00:00.000Z',
  };
}

const rule = (fields: Record<string, JsonValue>): ChoiceRule => ({
  Variable: '$.v',
  Next: 'N',
  ...fields,
});
const test = (fields: Record<string, JsonValue>, v: JsonValue, extra: JsonObject = {}): boolean =>
  evaluateChoiceRule(rule(fields), ctxOf({ v, ...extra }));

function expectStatesError(fn: () => unknown, error: string, cause: string): void {
  try {
    fn();
  } catch (e: unknown) {
    expect(e).toBeInstanceOf(StatesError);
    if (e instanceof StatesError) {
      expect(e.error).toBe(error);
      expect(e.cause).toBe(cause);
    }
    return;
  }
  throw new Error('expected a StatesError');
}

describe('type strictness', () => {
  it('never matches a string comparator against a number', () => {
    expect(test({ StringLessThan: '7' }, 5)).toBe(false);
    expect(test({ StringEquals: '5' }, 5)).toBe(false);
    expect(test({ StringGreaterThanEquals: '' }, 5)).toBe(false);
  });

  it('never matches a numeric comparator against a string', () => {
    expect(test({ NumericGreaterThan: 3 }, '10')).toBe(false);
    expect(test({ NumericEquals: 1 }, '1')).toBe(false);
    expect(test({ NumericEquals: 0 }, false)).toBe(false);
    expect(test({ NumericEquals: 0 }, null)).toBe(false);
  });

  it('never matches BooleanEquals against a string or number', () => {
    expect(test({ BooleanEquals: true }, 'true')).toBe(false);
    expect(test({ BooleanEquals: true }, 1)).toBe(false);
  });

  it('never matches a timestamp comparator against a non-timestamp string or a number', () => {
    expect(test({ TimestampEquals: '2024-01-01T00:00:00Z' }, 'yesterday')).toBe(false);
    expect(test({ TimestampLessThan: '2024-01-01T00:00:00Z' }, 0)).toBe(false);
    expect(test({ TimestampEquals: '2024-01-01T00:00:00Z' }, '2024-01-01t00:00:00z')).toBe(false);
  });

  it('never matches comparisons against objects or arrays', () => {
    expect(test({ StringEquals: 'a' }, ['a'])).toBe(false);
    expect(test({ NumericEquals: 1 }, { n: 1 })).toBe(false);
  });
});

describe('comparisons', () => {
  it('compares strings by code unit order', () => {
    expect(test({ StringEquals: 'abc' }, 'abc')).toBe(true);
    expect(test({ StringLessThan: 'b' }, 'a')).toBe(true);
    expect(test({ StringLessThan: 'a' }, 'B')).toBe(true);
    expect(test({ StringGreaterThan: 'a' }, 'b')).toBe(true);
    expect(test({ StringLessThanEquals: 'a' }, 'a')).toBe(true);
    expect(test({ StringGreaterThanEquals: 'b' }, 'a')).toBe(false);
  });

  it('compares numbers numerically', () => {
    expect(test({ NumericEquals: 1 }, 1.0)).toBe(true);
    expect(test({ NumericLessThan: 10 }, 9.5)).toBe(true);
    expect(test({ NumericGreaterThan: -1 }, 0)).toBe(true);
    expect(test({ NumericLessThanEquals: 2 }, 2)).toBe(true);
    expect(test({ NumericGreaterThanEquals: 2 }, 1)).toBe(false);
  });

  it('compares timestamps as instants, honouring offsets', () => {
    expect(test({ TimestampEquals: '2024-03-14T01:59:00Z' }, '2024-03-14T03:59:00+02:00')).toBe(
      true,
    );
    expect(test({ TimestampLessThan: '2024-03-14T01:59:00Z' }, '2024-03-14T01:58:59.999Z')).toBe(
      true,
    );
    expect(test({ TimestampGreaterThan: '2024-03-14T01:59:00Z' }, '2024-03-14T01:59:00.001Z')).toBe(
      true,
    );
    expect(test({ TimestampLessThanEquals: '2024-03-14T01:59:00Z' }, '2024-03-14T01:59:00Z')).toBe(
      true,
    );
    expect(
      test({ TimestampGreaterThanEquals: '2024-03-14T01:59:00Z' }, '2024-03-14T01:58:00Z'),
    ).toBe(false);
  });

  it('is false when the literal operand is itself not a timestamp', () => {
    expect(test({ TimestampEquals: 'soon' }, '2024-03-14T01:59:00Z')).toBe(false);
  });
});

describe('*Path operands', () => {
  it('compares with the value the operand path selects', () => {
    expect(test({ NumericLessThanPath: '$.limit' }, 3, { limit: 5 })).toBe(true);
    expect(test({ StringEqualsPath: '$.other' }, 'x', { other: 'x' })).toBe(true);
    expect(
      test({ TimestampGreaterThanPath: '$.t' }, '2024-01-02T00:00:00Z', {
        t: '2024-01-01T00:00:00Z',
      }),
    ).toBe(true);
    expect(test({ BooleanEqualsPath: '$.b' }, true, { b: true })).toBe(true);
  });

  it('reads the operand from variables and the context object too', () => {
    expect(
      evaluateChoiceRule(rule({ NumericEqualsPath: '$limit' }), ctxOf({ v: 5 }, { limit: 5 })),
    ).toBe(true);
    expect(
      evaluateChoiceRule(rule({ StringEqualsPath: '$$.Execution.Id' }), ctxOf({ v: 'exec-1' })),
    ).toBe(true);
  });

  it('is type-strict on the operand it selects', () => {
    expect(test({ NumericEqualsPath: '$.other' }, 5, { other: '5' })).toBe(false);
  });

  it('fails with States.Runtime when the operand path selects nothing', () => {
    expectStatesError(
      () => test({ NumericEqualsPath: '$.right' }, 8),
      'States.Runtime',
      "Invalid path '$.right': The choice state's condition path references an invalid value.",
    );
  });
});

describe('a Variable that selects nothing', () => {
  it('fails with States.Runtime for a comparison', () => {
    expectStatesError(
      () => evaluateChoiceRule({ Variable: '$.missing', NumericEquals: 1, Next: 'N' }, ctxOf({})),
      'States.Runtime',
      "Invalid path '$.missing': The choice state's condition path references an invalid value.",
    );
  });

  it('fails with States.Runtime for a type test too', () => {
    expect(() =>
      evaluateChoiceRule({ Variable: '$.missing', IsNull: true, Next: 'N' }, ctxOf({})),
    ).toThrow(StatesError);
  });

  it('fails for an undefined workflow variable', () => {
    expect(() =>
      evaluateChoiceRule({ Variable: '$nope', StringEquals: 'a', Next: 'N' }, ctxOf({})),
    ).toThrow("Invalid path '$nope'");
  });

  it('is what IsPresent tests for', () => {
    expect(
      evaluateChoiceRule({ Variable: '$.missing', IsPresent: false, Next: 'N' }, ctxOf({})),
    ).toBe(true);
    expect(
      evaluateChoiceRule({ Variable: '$.missing', IsPresent: true, Next: 'N' }, ctxOf({})),
    ).toBe(false);
    expect(test({ IsPresent: true }, null)).toBe(true);
  });
});

describe('type tests', () => {
  it.each([
    ['IsNull', null, 'x'],
    ['IsNumeric', 1.5, '1.5'],
    ['IsString', '', 0],
    ['IsBoolean', false, 'false'],
    ['IsTimestamp', '2024-01-01T00:00:00Z', '2024-01-01'],
  ] as const)('%s: true matches its type, false matches anything else', (op, yes, no) => {
    expect(test({ [op]: true }, yes)).toBe(true);
    expect(test({ [op]: true }, no)).toBe(false);
    expect(test({ [op]: false }, no)).toBe(true);
    expect(test({ [op]: false }, yes)).toBe(false);
  });
});

describe('StringMatches', () => {
  it('treats * as any run of characters', () => {
    expect(test({ StringMatches: 'log-*.txt' }, 'log-2024.txt')).toBe(true);
    expect(test({ StringMatches: 'log-*.txt' }, 'log-.txt')).toBe(true);
    expect(test({ StringMatches: '*' }, '')).toBe(true);
    expect(test({ StringMatches: 'a*b*c' }, 'aXXbYYc')).toBe(true);
    expect(test({ StringMatches: 'a*b*c' }, 'aXXbYY')).toBe(false);
  });

  it('matches the whole string, not a substring', () => {
    expect(test({ StringMatches: 'log' }, 'catalog')).toBe(false);
    expect(test({ StringMatches: 'log*' }, 'xlog')).toBe(false);
  });

  it('reads \\* as a literal asterisk and \\\\ as a literal backslash', () => {
    expect(matchesWildcard('a*b', 'a\\*b')).toBe(true);
    expect(matchesWildcard('aXb', 'a\\*b')).toBe(false);
    expect(matchesWildcard('a\\b', 'a\\\\b')).toBe(true);
    expect(matchesWildcard('a\\xyz', 'a\\\\*')).toBe(true);
  });

  it('has no regex semantics', () => {
    expect(matchesWildcard('a.c', 'a.c')).toBe(true);
    expect(matchesWildcard('abc', 'a.c')).toBe(false);
    expect(matchesWildcard('a+', 'a+')).toBe(true);
  });

  it('never matches a number', () => {
    expect(test({ StringMatches: '*' }, 5)).toBe(false);
  });

  it('matches itself when the pattern has no wildcard or escape', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('*') && !s.includes('\\')),
        (s) => {
          expect(matchesWildcard(s, s)).toBe(true);
          expect(matchesWildcard(`${s}x`, s)).toBe(false);
        },
      ),
    );
  });
});

describe('And, Or, Not', () => {
  const input = { n: 5, s: 'x' };
  it('combine nested rules', () => {
    const and: ChoiceRule = {
      And: [
        { Variable: '$.n', NumericGreaterThan: 1 },
        { Variable: '$.s', StringEquals: 'x' },
      ],
      Next: 'N',
    };
    expect(evaluateChoiceRule(and, ctxOf(input))).toBe(true);
    const or: ChoiceRule = {
      Or: [
        { Variable: '$.n', NumericGreaterThan: 10 },
        { Not: { Variable: '$.s', StringEquals: 'y' } },
      ],
      Next: 'N',
    };
    expect(evaluateChoiceRule(or, ctxOf(input))).toBe(true);
    expect(evaluateChoiceRule({ Not: or, Next: 'N' }, ctxOf(input))).toBe(false);
  });

  it('propagate a missing path from a nested rule', () => {
    const rule: ChoiceRule = { And: [{ Variable: '$.nope', NumericEquals: 1 }], Next: 'N' };
    expect(() => evaluateChoiceRule(rule, ctxOf(input))).toThrow(StatesError);
  });
});

describe('selectChoice', () => {
  const state: ChoiceState = {
    Type: 'Choice',
    Choices: [
      { Variable: '$.n', NumericLessThan: 0, Next: 'Negative' },
      { Variable: '$.n', NumericGreaterThanEquals: 0, Next: 'NonNegative' },
      { Variable: '$.missing', NumericEquals: 0, Next: 'Never' },
    ],
    Default: 'Fallback',
  };

  it('takes the first matching rule and evaluates no further', () => {
    expect(selectChoice(state, ctxOf({ n: 3 }))).toMatchObject({
      kind: 'matched',
      ruleIndex: 1,
      next: 'NonNegative',
    });
  });

  it('falls back to Default when nothing matches', () => {
    const s: ChoiceState = {
      Type: 'Choice',
      Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'One' }],
      Default: 'D',
    };
    expect(selectChoice(s, ctxOf({ n: 2 }))).toEqual({ kind: 'default', next: 'D' });
  });

  it('reports noMatch when nothing matches and there is no Default', () => {
    const s: ChoiceState = {
      Type: 'Choice',
      Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'One' }],
    };
    expect(selectChoice(s, ctxOf({ n: 2 }))).toEqual({ kind: 'noMatch' });
  });

  it('fails when a rule reached before any match reads a missing path', () => {
    const s: ChoiceState = {
      Type: 'Choice',
      Choices: [{ Variable: '$.missing', NumericEquals: 1, Next: 'X' }],
      Default: 'D',
    };
    expect(() => selectChoice(s, ctxOf({}))).toThrow(StatesError);
  });
});

describe('evaluateChoiceRule', () => {
  const jsonValue: fc.Arbitrary<JsonValue> = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string(),
    fc.constantFrom('2024-01-01T00:00:00Z', '2024-01-01T00:00:00+01:00', 'a*b', '\\*'),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string(), fc.integer(), { maxKeys: 3 }),
  );
  const operators = [
    'StringEquals',
    'StringLessThan',
    'NumericEquals',
    'NumericGreaterThanEquals',
    'BooleanEquals',
    'TimestampLessThan',
    'StringMatches',
    'IsNull',
    'IsPresent',
    'IsTimestamp',
    'NumericEqualsPath',
    'StringEqualsPath',
  ];

  it('never throws anything but StatesError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...operators),
        jsonValue,
        jsonValue,
        fc.constantFrom('$.v', '$.w', '$x', '$.v[0]'),
        (op, operand, v, variable) => {
          const input: JsonValue = { v, w: operand };
          try {
            const result = evaluateChoiceRule(
              { Variable: variable, [op]: operand, Next: 'N' },
              ctxOf(input),
            );
            expect(typeof result).toBe('boolean');
          } catch (e: unknown) {
            expect(e).toBeInstanceOf(StatesError);
          }
        },
      ),
    );
  });
});

describe('selectJsonataChoice', () => {
  const scope = ctxOf({ n: 5 }, { limit: 3 });

  it('takes the first rule whose Condition is true', async () => {
    const state: ChoiceState = {
      Type: 'Choice',
      Choices: [
        { Condition: '{% $states.input.n < $limit %}', Next: 'Small' },
        { Condition: '{% $states.input.n >= $limit %}', Next: 'Big' },
      ],
    };
    expect(await selectJsonataChoice(state, scope)).toMatchObject({
      kind: 'matched',
      ruleIndex: 1,
      next: 'Big',
    });
  });

  it('accepts a literal boolean Condition', async () => {
    const state: ChoiceState = { Type: 'Choice', Choices: [{ Condition: true, Next: 'Always' }] };
    expect(await selectJsonataChoice(state, scope)).toMatchObject({
      kind: 'matched',
      next: 'Always',
    });
  });

  it('falls back to Default, or reports noMatch', async () => {
    const choices = [{ Condition: '{% false %}', Next: 'X' }];
    expect(
      await selectJsonataChoice({ Type: 'Choice', Choices: choices, Default: 'D' }, scope),
    ).toEqual({ kind: 'default', next: 'D' });
    expect(await selectJsonataChoice({ Type: 'Choice', Choices: choices }, scope)).toEqual({
      kind: 'noMatch',
    });
  });

  it('fails with States.QueryEvaluationError when a Condition is not a boolean', async () => {
    const state: ChoiceState = {
      Type: 'Choice',
      Choices: [{ Condition: '{% $states.input.n %}', Next: 'X' }],
    };
    await expect(selectJsonataChoice(state, scope)).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
      cause: expect.stringContaining("specified for the field 'Choices[0]/Condition'"),
    });
  });

  it("fails with AWS's Cause when a Condition returns nothing", async () => {
    const state: ChoiceState = {
      Type: 'Choice',
      Choices: [
        { Condition: '{% false %}', Next: 'X' },
        { Condition: '{% $states.input.absent %}', Next: 'Y' },
      ],
    };
    await expect(selectJsonataChoice(state, scope)).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
      cause:
        "The JSONata expression '$states.input.absent' specified for the field 'Choices[1]/Condition' returned nothing (undefined).",
    });
  });

  it('does not evaluate rules after the first match', async () => {
    const state: ChoiceState = {
      Type: 'Choice',
      Choices: [
        { Condition: '{% true %}', Next: 'X' },
        { Condition: '{% $states.input.absent %}', Next: 'Y' },
      ],
    };
    expect(await selectJsonataChoice(state, scope)).toMatchObject({ ruleIndex: 0 });
  });

  it('fails when a Condition string is not a {% %} expression', async () => {
    const state: ChoiceState = { Type: 'Choice', Choices: [{ Condition: 'true', Next: 'X' }] };
    await expect(selectJsonataChoice(state, scope)).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
    });
  });
});
