import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../common/index.js';
import type { EvaluationContext } from '../evaluation-context.js';
import { applyInputPath, applyOutputPath, applyResultPath } from './input-output.js';
import { contextFor as baseContext, statesFailure as failure } from '../test-support.js';

function contextFor(input: JsonValue): EvaluationContext {
  return baseContext(input, { v: 7 }, { Execution: { Name: 'e' } });
}

const input = {
  comment: 'Example for InputPath.',
  dataset1: { val1: 1, val2: 2, val3: 3 },
  dataset2: { val1: 'a', val2: 'b', val3: 'c' },
};

describe('applyInputPath', () => {
  it('passes the whole input when InputPath is absent', () => {
    expect(applyInputPath(undefined, contextFor(input))).toBe(input);
  });

  it('selects part of the input (AWS input-output-inputpath-params)', () => {
    expect(applyInputPath('$.dataset2', contextFor(input))).toEqual({
      val1: 'a',
      val2: 'b',
      val3: 'c',
    });
  });

  it('gives {} when InputPath is null', () => {
    expect(applyInputPath(null, contextFor(input))).toEqual({});
  });

  it('can read the context object and variables', () => {
    expect(applyInputPath('$$.Execution', contextFor(input))).toEqual({ Name: 'e' });
    expect(applyInputPath('$v', contextFor(input))).toBe(7);
  });

  it('fails with States.Runtime when the path finds nothing', () => {
    const error = failure(() => applyInputPath('$.dataset3', contextFor(input)));
    expect(error.error).toBe('States.Runtime');
    expect(error.cause).toBe("Invalid path '$.dataset3' : No results for path: $['dataset3']");
  });
});

describe('applyResultPath', () => {
  it('replaces the input with the result when ResultPath is absent ($)', () => {
    expect(applyResultPath(undefined, input, 'Hello')).toBe('Hello');
    expect(applyResultPath('$', input, 'Hello')).toBe('Hello');
  });

  it('discards the result and keeps the input when ResultPath is null', () => {
    expect(applyResultPath(null, input, 'Hello')).toBe(input);
  });

  it('places the result inside the input', () => {
    expect(applyResultPath('$.taskresult', { a: 1 }, 'Hello')).toEqual({
      a: 1,
      taskresult: 'Hello',
    });
  });

  it('includes the error output with the input in a Catch (AWS example)', () => {
    expect(applyResultPath('$.error', { foo: 'bar' }, { Error: 'Error here' })).toEqual({
      foo: 'bar',
      error: { Error: 'Error here' },
    });
  });

  it('fails with States.ResultPathMatchFailure when the input is not an object', () => {
    expect(failure(() => applyResultPath('$.a', 'text', 1)).error).toBe(
      'States.ResultPathMatchFailure',
    );
  });
});

describe('applyOutputPath', () => {
  it('passes the value when OutputPath is absent and gives {} when it is null', () => {
    expect(applyOutputPath(undefined, contextFor(input))).toBe(input);
    expect(applyOutputPath(null, contextFor(input))).toEqual({});
  });

  it('selects part of the value', () => {
    expect(applyOutputPath('$.dataset1.val2', contextFor(input))).toBe(2);
  });

  it("fails with AWS's Cause when the path finds nothing", () => {
    expect(failure(() => applyOutputPath('$.Payload', contextFor({ StatusCode: 200 }))).cause).toBe(
      "Invalid path '$.Payload' : No results for path: $['Payload']",
    );
  });
});
