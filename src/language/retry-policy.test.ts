import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Catcher, Retrier } from './definition/types.js';
import type { RandomSource } from './evaluation-context.js';
import { decideRetry, findCatcher, retryDelaySeconds } from './retry-policy.js';

const noRandom: RandomSource = {
  nextFloat: () => {
    throw new Error('random must not be drawn without jitter');
  },
};
const fixed = (value: number): RandomSource => ({ nextFloat: () => value });

describe('decideRetry', () => {
  it('uses AWS defaults: 3 attempts, 1 s, backoff 2.0', () => {
    const retriers: Retrier[] = [{ ErrorEquals: ['E'] }];
    expect(decideRetry(retriers, 'E', [], noRandom)).toEqual({
      kind: 'retry',
      retrierIndex: 0,
      delaySeconds: 1,
    });
    expect(decideRetry(retriers, 'E', [1], noRandom)).toEqual({
      kind: 'retry',
      retrierIndex: 0,
      delaySeconds: 2,
    });
    expect(decideRetry(retriers, 'E', [2], noRandom)).toEqual({
      kind: 'retry',
      retrierIndex: 0,
      delaySeconds: 4,
    });
    expect(decideRetry(retriers, 'E', [3], noRandom)).toEqual({ kind: 'exhausted' });
  });

  it('stops retrying after MaxAttempts', () => {
    const retriers: Retrier[] = [{ ErrorEquals: ['E'], MaxAttempts: 2 }];
    expect(decideRetry(retriers, 'E', [1], noRandom).kind).toBe('retry');
    expect(decideRetry(retriers, 'E', [2], noRandom)).toEqual({ kind: 'exhausted' });
  });

  it('never retries when MaxAttempts is 0', () => {
    expect(decideRetry([{ ErrorEquals: ['E'], MaxAttempts: 0 }], 'E', [], noRandom)).toEqual({
      kind: 'exhausted',
    });
  });

  it('skips retriers that do not match and uses the first that does', () => {
    const retriers: Retrier[] = [
      { ErrorEquals: ['A'] },
      { ErrorEquals: ['B'], IntervalSeconds: 7 },
      { ErrorEquals: ['States.ALL'] },
    ];
    expect(decideRetry(retriers, 'B', [], noRandom)).toEqual({
      kind: 'retry',
      retrierIndex: 1,
      delaySeconds: 7,
    });
  });

  it('does not fall through to a later retrier once the matching one is exhausted', () => {
    const retriers: Retrier[] = [
      { ErrorEquals: ['E'], MaxAttempts: 1 },
      { ErrorEquals: ['States.ALL'] },
    ];
    expect(decideRetry(retriers, 'E', [1, 0], noRandom)).toEqual({ kind: 'exhausted' });
  });

  it('retries States.Timeout only when it is named, as AWS documents with MaxAttempts 0', () => {
    const retriers: Retrier[] = [
      { ErrorEquals: ['States.Timeout'], MaxAttempts: 0 },
      { ErrorEquals: ['States.ALL'] },
    ];
    expect(decideRetry(retriers, 'States.Timeout', [], noRandom)).toEqual({ kind: 'exhausted' });
    expect(decideRetry(retriers, 'Other', [], noRandom)).toMatchObject({
      kind: 'retry',
      retrierIndex: 1,
    });
  });

  it('replays the AWS "complex retry scenario": counters are per retrier and survive other errors', () => {
    // concepts-error-handling, "Complex retry scenarios": ErrorA, ErrorB, ErrorC, ErrorB.
    const retriers: Retrier[] = [
      { ErrorEquals: ['ErrorA', 'ErrorB'], IntervalSeconds: 1, BackoffRate: 2.0, MaxAttempts: 2 },
      { ErrorEquals: ['ErrorC'], IntervalSeconds: 5 },
    ];
    const attempts = [0, 0];
    const delays: (number | 'exhausted')[] = [];
    for (const error of ['ErrorA', 'ErrorB', 'ErrorC', 'ErrorB']) {
      const d = decideRetry(retriers, error, attempts, noRandom);
      if (d.kind === 'retry') {
        attempts[d.retrierIndex] = (attempts[d.retrierIndex] ?? 0) + 1;
        delays.push(d.delaySeconds);
      } else delays.push('exhausted');
    }
    expect(delays).toEqual([1, 2, 5, 'exhausted']);
  });

  it('never retries States.Runtime or States.DataLimitExceeded, even when named', () => {
    for (const error of ['States.Runtime', 'States.DataLimitExceeded']) {
      expect(decideRetry([{ ErrorEquals: ['States.ALL'] }], error, [], noRandom)).toEqual({
        kind: 'exhausted',
      });
      expect(decideRetry([{ ErrorEquals: [error] }], error, [], noRandom)).toEqual({
        kind: 'exhausted',
      });
      expect(decideRetry([{ ErrorEquals: ['States.TaskFailed'] }], error, [], noRandom)).toEqual({
        kind: 'exhausted',
      });
    }
  });

  it('is exhausted when the state has no Retry field', () => {
    expect(decideRetry(undefined, 'E', [], noRandom)).toEqual({ kind: 'exhausted' });
    expect(decideRetry([], 'E', [], noRandom)).toEqual({ kind: 'exhausted' });
  });

  it('compares error names case-sensitively', () => {
    expect(decideRetry([{ ErrorEquals: ['error'] }], 'Error', [], noRandom)).toEqual({
      kind: 'exhausted',
    });
  });
});

describe('retryDelaySeconds', () => {
  it('grows as IntervalSeconds × BackoffRate^(n-1)', () => {
    const r: Retrier = { ErrorEquals: ['E'], IntervalSeconds: 3, BackoffRate: 1.5 };
    expect([0, 1, 2].map((n) => retryDelaySeconds(r, n, noRandom))).toEqual([3, 4.5, 6.75]);
  });

  it('caps the delay at MaxDelaySeconds', () => {
    const r: Retrier = {
      ErrorEquals: ['E'],
      IntervalSeconds: 10,
      BackoffRate: 3,
      MaxDelaySeconds: 25,
    };
    expect([0, 1, 2].map((n) => retryDelaySeconds(r, n, noRandom))).toEqual([10, 25, 25]);
  });

  it('keeps BackoffRate 1.0 constant', () => {
    expect(
      retryDelaySeconds({ ErrorEquals: ['E'], IntervalSeconds: 4, BackoffRate: 1 }, 9, noRandom),
    ).toBe(4);
  });

  it('draws FULL jitter from [0, capped delay]', () => {
    const r: Retrier = {
      ErrorEquals: ['E'],
      IntervalSeconds: 10,
      BackoffRate: 2,
      MaxDelaySeconds: 15,
      JitterStrategy: 'FULL',
    };
    expect(retryDelaySeconds(r, 0, fixed(0))).toBe(0);
    expect(retryDelaySeconds(r, 0, fixed(0.5))).toBe(5);
    expect(retryDelaySeconds(r, 3, fixed(0.5))).toBe(7.5);
  });

  it('does not draw randomness with JitterStrategy NONE', () => {
    expect(retryDelaySeconds({ ErrorEquals: ['E'], JitterStrategy: 'NONE' }, 0, noRandom)).toBe(1);
  });

  it('never exceeds the capped delay nor goes negative under jitter', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 1, max: 5, noNaN: true }),
        fc.integer({ min: 1, max: 3600 }),
        fc.integer({ min: 0, max: 30 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (interval, rate, maxDelay, n, draw) => {
          const r: Retrier = {
            ErrorEquals: ['E'],
            IntervalSeconds: interval,
            BackoffRate: rate,
            MaxDelaySeconds: maxDelay,
            JitterStrategy: 'FULL',
          };
          const d = retryDelaySeconds(r, n, fixed(draw));
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(maxDelay);
        },
      ),
    );
  });
});

describe('findCatcher', () => {
  const catchers: Catcher[] = [
    { ErrorEquals: ['java.lang.Exception'], Next: 'Recovery' },
    { ErrorEquals: ['States.TaskFailed'], Next: 'Task' },
    { ErrorEquals: ['States.ALL'], Next: 'End' },
  ];

  it('picks the first catcher in array order whose ErrorEquals matches', () => {
    expect(findCatcher(catchers, 'java.lang.Exception')).toEqual({
      kind: 'caught',
      catcherIndex: 0,
    });
    expect(findCatcher(catchers, 'Lambda.Unknown')).toEqual({ kind: 'caught', catcherIndex: 1 });
    expect(findCatcher(catchers, 'States.Timeout')).toEqual({ kind: 'caught', catcherIndex: 2 });
  });

  it('leaves States.Runtime and States.DataLimitExceeded uncaught by wildcards', () => {
    expect(findCatcher(catchers, 'States.Runtime')).toEqual({ kind: 'uncaught' });
    expect(findCatcher(catchers, 'States.DataLimitExceeded')).toEqual({ kind: 'uncaught' });
  });

  it('is uncaught without a Catch field', () => {
    expect(findCatcher(undefined, 'E')).toEqual({ kind: 'uncaught' });
  });
});
