import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../common/index.js';
import { isStatesError } from '../errors.js';
import { checkPayloadTemplate, evaluatePayloadTemplate } from './payload-template.js';
import { contextFor, statesFailure as failure } from '../test-support.js';

const product = {
  comment: 'Example for Parameters.',
  product: {
    details: { color: 'blue', size: 'small', material: 'cotton' },
    availability: 'in stock',
    sku: '2317',
    cost: '$23',
  },
};

describe('evaluatePayloadTemplate', () => {
  it('builds the AWS input-output-inputpath-params example', () => {
    const template = {
      comment: 'Selecting what I care about.',
      MyDetails: {
        'size.$': '$.product.details.size',
        'exists.$': '$.product.availability',
        StaticValue: 'foo',
      },
    };
    expect(evaluatePayloadTemplate(template, contextFor(product))).toEqual({
      comment: 'Selecting what I care about.',
      MyDetails: { size: 'small', exists: 'in stock', StaticValue: 'foo' },
    });
  });

  it('walks arrays and nested objects, resolving .$ fields at every level', () => {
    const template = {
      list: [{ 'v.$': '$.a' }, 'static', [{ 'w.$': '$.b' }]],
      n: 1,
      t: true,
      z: null,
    };
    expect(evaluatePayloadTemplate(template, contextFor({ a: 1, b: 2 }))).toEqual({
      list: [{ v: 1 }, 'static', [{ w: 2 }]],
      n: 1,
      t: true,
      z: null,
    });
  });

  it('reads the context object, variables and intrinsic functions', () => {
    const ctx = contextFor({ name: 'Arnav' }, { greeting: 'Hi' }, { Execution: { Name: 'e1' } });
    const template = {
      'exec.$': '$$.Execution.Name',
      'g.$': '$greeting',
      'msg.$': "States.Format('Hello, my name is {}.', $.name)",
    };
    expect(evaluatePayloadTemplate(template, ctx)).toEqual({
      exec: 'e1',
      g: 'Hi',
      msg: 'Hello, my name is Arnav.',
    });
  });

  it('returns the matches of an indefinite path as an array', () => {
    expect(
      evaluatePayloadTemplate(
        { 'last.$': '$.vals[3:]' },
        contextFor({ vals: [0, 10, 20, 30, 40, 50] }),
      ),
    ).toEqual({
      last: [30, 40, 50],
    });
  });

  it('keeps a bare .$ key and keys that only contain .$ elsewhere as static', () => {
    expect(evaluatePayloadTemplate({ '.$': '$.a', 'a.$b': 'x' }, contextFor({ a: 1 }))).toEqual({
      '.$': '$.a',
      'a.$b': 'x',
    });
  });

  it('shares static values with the template instead of copying them', () => {
    const inner = { deep: [1, 2] };
    const output = evaluatePayloadTemplate({ inner }, contextFor({}));
    expect(output).toEqual({ inner });
  });
});

describe('evaluatePayloadTemplate failures', () => {
  it("fails with States.Runtime and AWS's Cause when a path finds nothing", () => {
    const error = failure(() =>
      evaluatePayloadTemplate({ 'x.$': '$.missing' }, contextFor({ a: 1 })),
    );
    expect(error.error).toBe('States.Runtime');
    expect(error.cause).toBe(
      "The JSONPath '$.missing' specified for the field 'x.$' could not be found in the input '{\"a\":1}'",
    );
  });

  // Review finding: a missing `$var` path quoted every variable, and a `$$` path the whole
  // context object (execution input, task token), in the Cause.
  it("never puts a variable's value in the Cause of a missing variable path", () => {
    const ctx = contextFor({}, { apiKey: 'SECRET-123', order: { id: 'SECRET-456' } });
    const undefinedVariable = failure(() => evaluatePayloadTemplate({ 'x.$': '$missing' }, ctx));
    expect(undefinedVariable.error).toBe('States.Runtime');
    expect(undefinedVariable.cause).toBe(
      "The JSONPath '$missing' specified for the field 'x.$' could not be found: the variable 'missing' is not defined in this scope",
    );
    const missingMember = failure(() =>
      evaluatePayloadTemplate({ 'x.$': '$order.customer.name' }, ctx),
    );
    expect(missingMember.cause).toBe(
      "The JSONPath '$order.customer.name' specified for the field 'x.$' could not be found in the variable 'order': Missing property in path $['customer']",
    );
    for (const cause of [undefinedVariable.cause, missingMember.cause]) {
      expect(cause).not.toContain('SECRET');
    }
  });

  it('never puts the context object (task token, execution input) in the Cause', () => {
    const ctx = contextFor(
      {},
      {},
      { Execution: { Input: { password: 'hunter2' } }, Task: { Token: 'TOKEN-SECRET' } },
    );
    const error = failure(() =>
      evaluatePayloadTemplate({ 'tok.$': '$$.Task.Token', 'x.$': '$$.Nope' }, ctx),
    );
    expect(error.cause).toBe(
      "The JSONPath '$$.Nope' specified for the field 'x.$' could not be found in the context object: No results for path: $['Nope']",
    );
    expect(error.cause).not.toMatch(/TOKEN-SECRET|hunter2/);
  });

  it('reports the same Cause for the documented Glue example with an empty input', () => {
    expect(
      failure(() => evaluatePayloadTemplate({ 'JobName.$': '$.JobName' }, contextFor({}))).cause,
    ).toBe(
      "The JSONPath '$.JobName' specified for the field 'JobName.$' could not be found in the input '{}'",
    );
  });

  it('fails when a nested .$ field finds nothing', () => {
    const error = failure(() =>
      evaluatePayloadTemplate({ a: [{ 'b.$': '$.nope' }] }, contextFor({})),
    );
    expect(error.cause).toMatch(/field 'b\.\$'/);
  });

  it.each<JsonValue>(['missing', 5, null, true, { a: 1 }, ['$.a'], 'States.Nope', ''])(
    'fails when a .$ value is %j: neither a path nor an intrinsic',
    (value) => {
      const error = failure(() => evaluatePayloadTemplate({ 'x.$': value }, contextFor({ a: 1 })));
      expect(error.error).toBe('States.Runtime');
      expect(error.cause).toMatch(/not a JSONPath or intrinsic function expression/);
    },
  );

  it('passes intrinsic failures through', () => {
    expect(
      failure(() =>
        evaluatePayloadTemplate({ 'x.$': 'States.ArrayLength($.a)' }, contextFor({ a: 1 })),
      ).error,
    ).toBe('States.IntrinsicFailure');
  });

  it('cannot pollute prototypes through __proto__ keys', () => {
    const template: JsonValue = JSON.parse(
      '{"__proto__": {"polluted": true}, "__proto__.$": "$.x"}',
    );
    const output = evaluatePayloadTemplate(template, contextFor({ x: { polluted: 'yes' } }));
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(JSON.stringify(output)).toBe('{"__proto__":{"polluted":"yes"}}');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('fails with States.Runtime on a template nested too deeply for the stack', () => {
    let template: JsonValue = { 'v.$': '$.a' };
    for (let i = 0; i < 200_000; i++) template = [template];
    expect(failure(() => evaluatePayloadTemplate(template, contextFor({ a: 1 }))).error).toBe(
      'States.Runtime',
    );
  });

  it('never throws anything but StatesError for arbitrary templates', () => {
    const dynamic = fc.dictionary(
      fc.string({ maxLength: 4 }).map((k) => `${k}.$`),
      fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom('$.a', '$$.b', '$v', 'States.Array($.a)', 'States.UUID()'),
      ),
    );
    fc.assert(
      fc.property(dynamic, fc.json(), (template, inputText) => {
        try {
          evaluatePayloadTemplate(template, contextFor(JSON.parse(inputText)));
        } catch (error: unknown) {
          expect(isStatesError(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('checkPayloadTemplate', () => {
  it('accepts valid paths and intrinsics', () => {
    expect(
      checkPayloadTemplate({
        'a.$': '$.a',
        b: { 'c.$': "States.Format('{}', $$.x)" },
        d: ['$.not-dynamic'],
      }),
    ).toEqual([]);
  });

  it('reports every bad .$ field with its JSON pointer', () => {
    const problems = checkPayloadTemplate({
      'a.$': 'missing',
      'b/c': [{ 'd.$': '$.a b' }],
      'e.$': 'States.Nope()',
      'f.$': "States.MathAdd('1', 2)",
    });
    expect(problems.map((p) => p.pointer)).toEqual(['/a.$', '/b~1c/0/d.$', '/e.$', '/f.$']);
    expect(problems[0]?.message).toMatch(/not a JSONPath or intrinsic/);
    expect(problems[1]?.message).toMatch(/position 3/);
    expect(problems[2]?.message).toMatch(/Unknown intrinsic function 'States.Nope'/);
    expect(problems[3]?.message).toMatch(/must be a number, but it is a string/);
  });
});
