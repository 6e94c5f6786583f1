import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../common/index.js';
import type { WaitState } from '../definition/types.js';
import { StatesError } from '../errors.js';
import type { EvaluationContext } from '../evaluation-context.js';
import { computeJsonataWaitDue, computeWaitDue } from './wait-time.js';

const NOW = '2024-03-14T01:00:00.250Z';
const nowMs = Date.UTC(2024, 2, 14, 1, 0, 0, 250);

function ctxOf(input: JsonValue): EvaluationContext {
  return { input, context: {}, variables: { pause: 7 }, random: { nextFloat: () => 0 }, now: NOW };
}

const wait = (fields: Partial<WaitState>): WaitState => ({ Type: 'Wait', Next: 'N', ...fields });

function causeOf(fn: () => unknown): { error: string; cause: string } {
  try {
    fn();
  } catch (e: unknown) {
    if (e instanceof StatesError) return { error: e.error, cause: e.cause };
    throw e;
  }
  throw new Error('expected a StatesError');
}

describe('computeWaitDue (JSONPath)', () => {
  it('adds Seconds to now', () => {
    expect(computeWaitDue(wait({ Seconds: 10 }), ctxOf({}))).toEqual({
      dueEpochMs: nowMs + 10_000,
      dueTimestamp: '2024-03-14T01:00:10.250Z',
    });
    expect(computeWaitDue(wait({ Seconds: 0 }), ctxOf({})).dueEpochMs).toBe(nowMs);
  });

  it('reads SecondsPath from the input or a variable', () => {
    expect(computeWaitDue(wait({ SecondsPath: '$.s' }), ctxOf({ s: 3 })).dueEpochMs).toBe(
      nowMs + 3000,
    );
    expect(computeWaitDue(wait({ SecondsPath: '$pause' }), ctxOf({})).dueEpochMs).toBe(
      nowMs + 7000,
    );
  });

  it('waits until Timestamp, truncating milliseconds as AWS does', () => {
    const due = computeWaitDue(wait({ Timestamp: '2024-03-14T01:59:00.999Z' }), ctxOf({}));
    expect(due.dueTimestamp).toBe('2024-03-14T01:59:00.000Z');
  });

  it('honours the offset of TimestampPath', () => {
    const due = computeWaitDue(
      wait({ TimestampPath: '$.t' }),
      ctxOf({ t: '2024-03-14T03:59:00+02:00' }),
    );
    expect(due.dueTimestamp).toBe('2024-03-14T01:59:00.000Z');
  });

  it('returns a past timestamp unchanged, so the timer fires at once', () => {
    expect(computeWaitDue(wait({ Timestamp: '2000-01-01T00:00:00Z' }), ctxOf({})).dueEpochMs).toBe(
      Date.UTC(2000, 0, 1),
    );
  });

  it('fails when SecondsPath selects nothing', () => {
    expect(causeOf(() => computeWaitDue(wait({ SecondsPath: '$.s' }), ctxOf({})))).toEqual({
      error: 'States.Runtime',
      cause: 'The SecondsPath parameter does not reference an input value: $.s',
    });
  });

  it.each([
    ['a string', '10', '10'],
    ['a fraction', 1.5, '1.5'],
    ['null', null, 'null'],
    ['an object', { n: 1 }, '{"n":1}'],
  ])('fails when SecondsPath selects %s', (_label, value, shown) => {
    expect(
      causeOf(() => computeWaitDue(wait({ SecondsPath: '$.s' }), ctxOf({ s: value }))),
    ).toEqual({
      error: 'States.Runtime',
      cause: `The SecondsPath parameter cannot be parsed as a long value: $.s == ${shown}`,
    });
  });

  it('fails when SecondsPath selects a negative number', () => {
    expect(causeOf(() => computeWaitDue(wait({ SecondsPath: '$.s' }), ctxOf({ s: -1 })))).toEqual({
      error: 'States.Runtime',
      cause: 'The SecondsPath parameter references a negative value: $.s == -1',
    });
  });

  it('fails when TimestampPath selects nothing', () => {
    expect(causeOf(() => computeWaitDue(wait({ TimestampPath: '$.t' }), ctxOf({})))).toEqual({
      error: 'States.Runtime',
      cause: 'The TimestampPath parameter does not reference an input value: $.t',
    });
  });

  it.each([
    ['a date only', '2024-03-14'],
    ['lowercase t', '2024-03-14t01:59:00Z'],
    ['a number', 1710381540],
    ['nonsense', 'tomorrow'],
  ])('fails when TimestampPath selects %s', (_label, value) => {
    const result = causeOf(() =>
      computeWaitDue(wait({ TimestampPath: '$.t' }), ctxOf({ t: value })),
    );
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toBe(
      `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.t == ${String(value)}`,
    );
  });

  it('fails for an invalid literal Timestamp or Seconds', () => {
    expect(causeOf(() => computeWaitDue(wait({ Timestamp: 'soon' }), ctxOf({}))).error).toBe(
      'States.Runtime',
    );
    expect(causeOf(() => computeWaitDue(wait({ Seconds: -5 }), ctxOf({}))).error).toBe(
      'States.Runtime',
    );
    expect(causeOf(() => computeWaitDue(wait({ Seconds: 100_000_000 }), ctxOf({}))).error).toBe(
      'States.Runtime',
    );
  });

  it('fails for a Wait state without any wait field', () => {
    expect(causeOf(() => computeWaitDue(wait({}), ctxOf({}))).error).toBe('States.Runtime');
  });
});

describe('computeJsonataWaitDue', () => {
  it('accepts a literal number or an expression for Seconds', async () => {
    expect((await computeJsonataWaitDue(wait({ Seconds: 5 }), ctxOf({}))).dueEpochMs).toBe(
      nowMs + 5000,
    );
    expect(
      (await computeJsonataWaitDue(wait({ Seconds: '{% $pause * 2 %}' }), ctxOf({}))).dueEpochMs,
    ).toBe(nowMs + 14_000);
  });

  it('accepts a literal timestamp or an expression for Timestamp', async () => {
    const due = await computeJsonataWaitDue(
      wait({ Timestamp: '{% $states.input.t %}' }),
      ctxOf({ t: '2024-03-14T01:59:00.5Z' }),
    );
    expect(due.dueTimestamp).toBe('2024-03-14T01:59:00.000Z');
    expect(
      (await computeJsonataWaitDue(wait({ Timestamp: '2024-03-14T01:59:00Z' }), ctxOf({})))
        .dueTimestamp,
    ).toBe('2024-03-14T01:59:00.000Z');
  });

  it.each([
    ['a fraction', '{% 1.5 %}'],
    ['a negative number', '{% -1 %}'],
    ['too many seconds', '{% 100000000 %}'],
    ['a string', "{% '10' %}"],
  ])(
    'fails with States.QueryEvaluationError when Seconds evaluates to %s',
    async (_label, seconds) => {
      await expect(
        computeJsonataWaitDue(wait({ Seconds: seconds }), ctxOf({})),
      ).rejects.toMatchObject({
        error: 'States.QueryEvaluationError',
        cause: expect.stringContaining("specified for the field 'Seconds'"),
      });
    },
  );

  it("fails with AWS's Cause when Seconds returns nothing", async () => {
    await expect(
      computeJsonataWaitDue(wait({ Seconds: '{% $states.input.nope %}' }), ctxOf({})),
    ).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
      cause:
        "The JSONata expression '$states.input.nope' specified for the field 'Seconds' returned nothing (undefined).",
    });
  });

  it('fails when Timestamp is not a timestamp', async () => {
    await expect(
      computeJsonataWaitDue(wait({ Timestamp: "{% 'later' %}" }), ctxOf({})),
    ).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
    });
    await expect(
      computeJsonataWaitDue(wait({ Timestamp: 'later' }), ctxOf({})),
    ).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
    });
  });

  it('fails for a Seconds string that is not an expression', async () => {
    await expect(computeJsonataWaitDue(wait({ Seconds: '10' }), ctxOf({}))).rejects.toMatchObject({
      error: 'States.QueryEvaluationError',
    });
  });
});
