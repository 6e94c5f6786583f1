import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntrinsicSyntaxError, isIntrinsicInvocation, parseIntrinsic } from './intrinsic-parser.js';

function syntaxError(text: string): IntrinsicSyntaxError {
  try {
    parseIntrinsic(text);
  } catch (error: unknown) {
    if (error instanceof IntrinsicSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected '${text}' to be rejected`);
}

describe('parseIntrinsic', () => {
  it('parses literals, paths of every root and nested calls with positions', () => {
    const call = parseIntrinsic(
      "States.Format('x {}', $.a, $$.b, $v.c, 1.5, -2, true, null, States.UUID())",
    );
    expect(call.name).toBe('States.Format');
    expect(call.args.map((a) => a.kind)).toEqual([
      'string',
      'path',
      'path',
      'path',
      'number',
      'number',
      'boolean',
      'null',
      'call',
    ]);
    expect(call.args.map((a) => a.position)).toEqual([14, 22, 27, 33, 39, 44, 48, 54, 60]);
  });

  it('parses the nine-deep example from the AWS page', () => {
    const text =
      "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))";
    expect(parseIntrinsic(text).args).toHaveLength(3);
  });

  it("decodes the escapes AWS reserves: \\' \\{ \\} \\\\", () => {
    const [arg] = parseIntrinsic("States.Format('it\\'s \\{\\} a \\\\ {}', 1)").args;
    expect(arg?.kind === 'string' && arg.value).toBe("it's {} a \\ {}");
    expect(arg?.kind === 'string' && arg.placeholders).toEqual([12]);
  });

  it('keeps brackets, quotes, commas and parentheses of a path argument together', () => {
    const call = parseIntrinsic("States.Array($.abc.['def, ghi'], $.a[?(@.b == 'x,)')], $.c[0,1])");
    expect(call.args.map((a) => (a.kind === 'path' ? a.path.text : a.kind))).toEqual([
      "$.abc.['def, ghi']",
      "$.a[?(@.b == 'x,)')]",
      '$.c[0,1]',
    ]);
  });

  it('allows whitespace around arguments', () => {
    expect(parseIntrinsic('States.Array(  1 ,\n$.a ,  States.UUID( ) ) ').args).toHaveLength(3);
  });
});

describe('parseIntrinsic syntax errors', () => {
  it.each([
    ['Format(1)', 0, /expected an intrinsic function name/],
    ['States.(1)', 0, /expected an intrinsic function name/],
    ['States.Format', 13, /expected '\(' after States.Format/],
    ['States.Format(', 14, /ends where an argument was expected/],
    ['States.Array(1', 14, /missing its closing '\)'/],
    ['States.Array(1 2)', 15, /unexpected '2'/],
    ['States.Array(1,)', 15, /unexpected '\)'/],
    ["States.Format('abc)", 14, /unterminated string literal/],
    ["States.Format('a\\nb')", 16, /open escape/],
    ["States.Format('a\\')", 14, /unterminated string literal/],
    ['States.Array("double")', 13, /unexpected '"'/],
    ['States.Array(abc)', 13, /unexpected 'a'/],
    ['States.Array(truex)', 13, /unexpected 't'/],
    ['States.Array($.a b)', 17, /unexpected 'b'/],
    ['States.Array($.)', 15, /path argument '\$\.' is invalid/],
    ['States.Array($[?(@.a)', 21, /path argument/],
    ['States.Array(1) extra', 16, /after the closing parenthesis/],
    ['States.Array(01)', 14, /unexpected '1'/],
  ])('rejects %j at position %i', (text, position, message) => {
    const error = syntaxError(text);
    expect(error.position).toBe(position);
    expect(error.message).toMatch(message);
  });

  it('rejects nesting deeper than the 10 AWS allows', () => {
    const nest = (depth: number): string =>
      depth === 0 ? '1' : `States.Array(${nest(depth - 1)})`;
    expect(() => parseIntrinsic(nest(10))).not.toThrow();
    expect(syntaxError(nest(11)).message).toMatch(/nested more than 10 deep/);
    expect(syntaxError(nest(5000)).message).toMatch(/nested more than 10 deep/);
  });

  it('never throws anything but IntrinsicSyntaxError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        try {
          parseIntrinsic('States.Format(' + text);
        } catch (error: unknown) {
          expect(error).toBeInstanceOf(IntrinsicSyntaxError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but IntrinsicSyntaxError on call-shaped text', () => {
    const token = fc.constantFrom(
      'States.Array',
      '(',
      ')',
      ',',
      "'",
      '\\',
      '{}',
      '$',
      '.a',
      '[',
      ']',
      '$$',
      '1',
      '-',
      'true',
      ' ',
      '?(@',
      '"',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (tokens) => {
        try {
          parseIntrinsic(tokens.join(''));
        } catch (error: unknown) {
          expect(error).toBeInstanceOf(IntrinsicSyntaxError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('isIntrinsicInvocation', () => {
  it('recognises States.Name( and nothing else', () => {
    expect(isIntrinsicInvocation('States.Format(1)')).toBe(true);
    expect(isIntrinsicInvocation('States.UUID ()')).toBe(true);
    for (const text of [
      '$.States.Format(1)',
      'states.Format(1)',
      'States.Format',
      ' States.Array()',
      'States.()',
    ]) {
      expect(isIntrinsicInvocation(text)).toBe(false);
    }
  });
});
