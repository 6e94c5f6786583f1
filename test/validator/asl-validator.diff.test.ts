/**
 * Differential test: Baton's validator against the asl-validator package on thousands of
 * generated definitions, valid ones and ones with one rule broken. Where the two disagree,
 * the case's mutation must be listed in asl-validator-disagreements.json with the side that
 * is right and the AWS documentation that says so; any new disagreement fails the test.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../../src/language/definition/index.js';

const require = createRequire(import.meta.url);

/**
 * asl-validator 4.0.0 builds a new Ajv and recompiles its schemas on every call (about
 * 95 ms), which would make 3,000 runs take minutes. Its per-call setup is only addFormat with
 * the same functions for the same options, so one shared Ajv gives the same answers.
 */
function shareAjvInstance(): void {
  const ajvModule: unknown = createRequire(require.resolve('asl-validator'))('ajv');
  if (typeof ajvModule !== 'function' || !('default' in ajvModule)) return;
  const original: unknown = ajvModule.default;
  if (typeof original !== 'function') return;
  let shared: object | undefined;
  const construct = (target: typeof original, args: unknown[]): object => {
    if (shared !== undefined) return shared;
    const instance: unknown = Reflect.construct(target, args);
    if (
      typeof instance !== 'object' ||
      instance === null ||
      !('addKeyword' in instance) ||
      typeof instance.addKeyword !== 'function'
    ) {
      throw new Error('unexpected Ajv shape');
    }
    const addKeyword: (...a: unknown[]) => unknown = instance.addKeyword.bind(instance);
    // ajv-formats adds its keywords on every call; the second time they already exist.
    const tolerant = {
      addKeyword: (...a: unknown[]): unknown => {
        try {
          return addKeyword(...a);
        } catch (error: unknown) {
          if (error instanceof Error && error.message.includes('already defined')) return instance;
          throw error;
        }
      },
    };
    Object.assign(instance, tolerant);
    shared = instance;
    return instance;
  };
  Object.assign(ajvModule, { default: new Proxy(original, { construct }) });
}
shareAjvInstance();
const aslValidator: unknown = require('asl-validator');

interface Disagreement {
  readonly pattern: string;
  readonly description: string;
  readonly right: 'baton' | 'asl-validator';
  readonly reason: string;
  readonly source: string;
}

const disagreements: readonly Disagreement[] = JSON.parse(
  readFileSync(new URL('./asl-validator-disagreements.json', import.meta.url), 'utf8'),
);

function aslValidatorAccepts(definition: object): boolean {
  if (typeof aslValidator !== 'function')
    throw new Error('asl-validator did not export a function');
  // asl-validator writes QueryLanguage into the states it is given, so give it a copy. Its
  // ARN check is off: Baton resources (baton:*) are not AWS ARNs.
  const result: unknown = aslValidator(structuredClone(definition), {
    checkPaths: true,
    checkArn: false,
  });
  return (
    typeof result === 'object' && result !== null && 'isValid' in result && result.isValid === true
  );
}

type Json = Record<string, unknown>;
type Language = 'JSONPath' | 'JSONata';

const RESOURCE = 'arn:aws:states:::lambda:invoke';

/** One valid state of each kind, for either query language; `next` is where it goes on. */
function stateArbitrary(language: Language, next: string, depth: number): fc.Arbitrary<Json> {
  const jp = language === 'JSONPath';
  const go = { Next: next };
  const pass = fc
    .record({
      extra: jp
        ? fc.constantFrom<Json>(
            {},
            { Result: { a: 1 }, ResultPath: '$.r' },
            { Parameters: { 'x.$': '$.x', y: 2 } },
            { InputPath: '$.in', OutputPath: '$' },
            { Assign: { v: 1, 'w.$': '$.a' } },
          )
        : fc.constantFrom<Json>(
            {},
            { Output: { a: '{% $states.input.a %}' } },
            { Assign: { v: '{% 1 + 1 %}' } },
          ),
    })
    .map(({ extra }) => ({ Type: 'Pass', ...go, ...extra }));
  const task = fc
    .record({
      timeout: fc.option(fc.integer({ min: 2, max: 1000 }), { nil: undefined }),
      retry: fc.boolean(),
      extra: jp
        ? fc.constantFrom<Json>(
            {},
            { Parameters: { 'FunctionName.$': '$.fn' } },
            { ResultSelector: { 'b.$': '$.Payload' }, ResultPath: '$.res' },
          )
        : fc.constantFrom<Json>(
            {},
            { Arguments: { FunctionName: '{% $states.input.fn %}' } },
            { Output: '{% $states.result %}' },
          ),
    })
    .map(({ timeout, retry, extra }) => ({
      Type: 'Task',
      Resource: RESOURCE,
      ...go,
      ...(timeout === undefined ? {} : { TimeoutSeconds: timeout, HeartbeatSeconds: 1 }),
      ...(retry
        ? {
            Retry: [
              {
                ErrorEquals: ['Lambda.ServiceException'],
                IntervalSeconds: 2,
                MaxAttempts: 3,
                BackoffRate: 2,
              },
              { ErrorEquals: ['States.ALL'] },
            ],
          }
        : {}),
      ...extra,
    }));
  const wait = fc.constantFrom<Json>(
    { Type: 'Wait', Seconds: 5, ...go },
    { Type: 'Wait', Timestamp: '2030-01-01T00:00:00Z', ...go },
    jp ? { Type: 'Wait', SecondsPath: '$.s', ...go } : { Type: 'Wait', Seconds: '{% 3 %}', ...go },
  );
  const choice = fc.constantFrom<Json>(
    jp
      ? {
          Type: 'Choice',
          Choices: [
            { Variable: '$.a', NumericGreaterThan: 1, Next: next },
            {
              And: [
                { Variable: '$.b', IsPresent: true },
                { Not: { Variable: '$.c', StringEquals: 'x' } },
              ],
              Next: next,
            },
          ],
          Default: next,
        }
      : {
          Type: 'Choice',
          Choices: [{ Condition: '{% $states.input.a > 1 %}', Next: next }],
          Default: next,
        },
  );
  const branchState: Json = { Type: 'Pass', End: true };
  const parallel = fc.integer({ min: 1, max: 3 }).map((count) => ({
    Type: 'Parallel',
    ...go,
    Branches: Array.from({ length: count }, (_, i) => ({
      StartAt: `B${depth}_${i}_${next}`,
      States: { [`B${depth}_${i}_${next}`]: branchState },
    })),
  }));
  const map = fc.constantFrom<Json>({
    Type: 'Map',
    ...go,
    ...(jp ? { ItemsPath: '$.items' } : { Items: '{% $states.input.items %}' }),
    MaxConcurrency: 2,
    ItemProcessor: {
      ProcessorConfig: { Mode: 'INLINE' },
      StartAt: `M_${next}`,
      States: { [`M_${next}`]: branchState },
    },
  });
  return fc.oneof(pass, task, wait, choice, parallel, map);
}

interface Case {
  readonly tag: string;
  readonly definition: Json;
}

/** A valid machine: a chain of states S0 -> S1 -> ... ending in Succeed, Fail or End. */
const validMachine: fc.Arbitrary<{ definition: Json; language: Language }> = fc
  .record({
    language: fc.constantFrom<Language>('JSONPath', 'JSONata'),
    length: fc.integer({ min: 1, max: 5 }),
    last: fc.constantFrom('Succeed', 'Fail', 'End'),
  })
  .chain(({ language, length, last }) =>
    fc
      .tuple(...Array.from({ length }, (_, i) => stateArbitrary(language, `S${i + 1}`, i)))
      .map((states) => {
        const all: Json = {};
        states.forEach((state, i) => (all[`S${i}`] = state));
        all[`S${length}`] =
          last === 'Succeed'
            ? { Type: 'Succeed' }
            : last === 'Fail'
              ? { Type: 'Fail', Error: 'E', Cause: 'c' }
              : { Type: 'Pass', End: true };
        return {
          language,
          definition: {
            ...(language === 'JSONata' ? { QueryLanguage: 'JSONata' } : {}),
            StartAt: 'S0',
            States: all,
          },
        };
      }),
  );

function statesOf(definition: Json): Json {
  const states = definition.States;
  if (typeof states !== 'object' || states === null)
    throw new Error('generated machine without States');
  return states as Json;
}

function firstOfType(definition: Json, type: string): Json | undefined {
  return Object.values(statesOf(definition)).find(
    (s): s is Json => typeof s === 'object' && s !== null && (s as Json).Type === type,
  );
}

/** Mutations that each break one rule; `undefined` when the machine has nothing to break. */
const MUTATIONS: Readonly<Record<string, (d: Json, language: Language) => boolean>> = {
  'remove-start-at': (d) => delete d.StartAt,
  'unknown-start-at': (d) => ((d.StartAt = 'Nowhere'), true),
  'unknown-next': (d) => (
    (statesOf(d).S0 = { ...(statesOf(d).S0 as Json), Next: 'Nowhere', End: undefined }),
    delete (statesOf(d).S0 as Json).End
  ),
  'remove-type': (d) => delete (statesOf(d).S0 as Json).Type,
  'unknown-type': (d) => (((statesOf(d).S0 as Json).Type = 'Paas'), true),
  'unknown-field': (d) => (((statesOf(d).S0 as Json).Foo = 1), true),
  'next-and-end': (d) => {
    const s = statesOf(d).S0 as Json;
    if (s.Next === undefined) return false;
    s.End = true;
    return true;
  },
  'no-next-no-end': (d) => {
    const s = statesOf(d).S0 as Json;
    if (s.Type === 'Choice') return false;
    return delete s.Next;
  },
  'empty-states': (d) => ((d.States = {}), true),
  'task-without-resource': (d) => {
    const t = firstOfType(d, 'Task');
    return t !== undefined && delete t.Resource;
  },
  'wait-two-durations': (d) => {
    const w = firstOfType(d, 'Wait');
    if (!w) return false;
    w.Seconds = 1;
    w.Timestamp = '2030-01-01T00:00:00Z';
    return true;
  },
  'wait-no-duration': (d) => {
    const w = firstOfType(d, 'Wait');
    if (!w) return false;
    for (const f of ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath']) delete w[f];
    return true;
  },
  'choice-rule-without-next': (d) => {
    const c = firstOfType(d, 'Choice');
    if (!c || !Array.isArray(c.Choices)) return false;
    delete (c.Choices[0] as Json).Next;
    return true;
  },
  'choice-empty': (d) => {
    const c = firstOfType(d, 'Choice');
    if (!c) return false;
    c.Choices = [];
    return true;
  },
  'choice-two-operators': (d, l) => {
    const c = firstOfType(d, 'Choice');
    if (!c || l !== 'JSONPath' || !Array.isArray(c.Choices)) return false;
    (c.Choices[0] as Json).NumericLessThan = 9;
    return true;
  },
  'choice-operand-type': (d, l) => {
    const c = firstOfType(d, 'Choice');
    if (!c || l !== 'JSONPath' || !Array.isArray(c.Choices)) return false;
    (c.Choices[0] as Json).NumericGreaterThan = 'one';
    return true;
  },
  'retry-all-not-alone': (d) => {
    const t = firstOfType(d, 'Task');
    if (!t) return false;
    t.Retry = [{ ErrorEquals: ['States.ALL', 'X'] }];
    return true;
  },
  'retry-all-not-last': (d) => {
    const t = firstOfType(d, 'Task');
    if (!t) return false;
    t.Retry = [{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['X'] }];
    return true;
  },
  'retry-negative-attempts': (d) => {
    const t = firstOfType(d, 'Task');
    if (!t) return false;
    t.Retry = [{ ErrorEquals: ['X'], MaxAttempts: -1 }];
    return true;
  },
  'catch-unknown-next': (d) => {
    const t = firstOfType(d, 'Task');
    if (!t) return false;
    t.Catch = [{ ErrorEquals: ['States.ALL'], Next: 'Nowhere' }];
    return true;
  },
  'timeout-and-timeout-path': (d, l) => {
    const t = firstOfType(d, 'Task');
    if (!t || l !== 'JSONPath') return false;
    t.TimeoutSeconds = 10;
    t.TimeoutSecondsPath = '$.t';
    return true;
  },
  'heartbeat-not-below-timeout': (d) => {
    const t = firstOfType(d, 'Task');
    if (!t) return false;
    t.TimeoutSeconds = 5;
    t.HeartbeatSeconds = 5;
    return true;
  },
  'fail-error-and-error-path': (d, l) => {
    const f = firstOfType(d, 'Fail');
    if (!f || l !== 'JSONPath') return false;
    f.ErrorPath = '$.e';
    return true;
  },
  'map-without-processor': (d) => {
    const m = firstOfType(d, 'Map');
    return m !== undefined && delete m.ItemProcessor;
  },
  'parallel-empty-branches': (d) => {
    const p = firstOfType(d, 'Parallel');
    if (!p) return false;
    p.Branches = [];
    return true;
  },
  'branch-next-out-of-scope': (d) => {
    const p = firstOfType(d, 'Parallel');
    if (!p || !Array.isArray(p.Branches)) return false;
    const b = p.Branches[0] as Json;
    const [name] = Object.keys(b.States as Json);
    (b.States as Json)[name ?? ''] = { Type: 'Pass', Next: 'S0' };
    return true;
  },
  'jsonpath-field-in-jsonata': (d, l) => {
    if (l !== 'JSONata') return false;
    (statesOf(d).S0 as Json).InputPath = '$.a';
    return true;
  },
  'jsonata-field-in-jsonpath': (d, l) => {
    if (l !== 'JSONPath') return false;
    (statesOf(d).S0 as Json).Output = { a: 1 };
    return true;
  },
  'jsonpath-state-in-jsonata-machine': (d, l) => {
    if (l !== 'JSONata') return false;
    const s = statesOf(d)[`S${Object.keys(statesOf(d)).length - 1}`] as Json;
    if (s.Type !== 'Succeed') return false;
    s.QueryLanguage = 'JSONPath';
    return true;
  },
  'result-in-jsonata-pass': (d, l) => {
    const p = firstOfType(d, 'Pass');
    if (!p || l !== 'JSONata') return false;
    p.Result = { a: 1 };
    return true;
  },
  'unreachable-state': (d) => ((statesOf(d).Orphan = { Type: 'Succeed' }), true),
  'duplicate-name-in-branch': (d) => {
    const p = firstOfType(d, 'Parallel');
    if (!p || !Array.isArray(p.Branches)) return false;
    (p.Branches[0] as Json).StartAt = 'S0';
    (p.Branches[0] as Json).States = { S0: { Type: 'Pass', End: true } };
    return true;
  },
  'state-name-too-long': (d) => {
    const states = statesOf(d);
    const long = 'L'.repeat(81);
    states[long] = states.S0;
    delete states.S0;
    d.StartAt = long;
    return true;
  },
  'reserved-variable': (d) => (((statesOf(d).S0 as Json).Assign = { states: 1 }), true),
  'invalid-variable-name': (d) => (((statesOf(d).S0 as Json).Assign = { '1x': 1 }), true),
  'result-path-wildcard': (d, l) => {
    const t = firstOfType(d, 'Pass');
    if (!t || l !== 'JSONPath') return false;
    t.ResultPath = '$.a[*]';
    return true;
  },
  'input-path-not-a-path': (d, l) => {
    const t = firstOfType(d, 'Pass');
    if (!t || l !== 'JSONPath') return false;
    t.InputPath = 'a.b';
    return true;
  },
  'invalid-jsonata': (d, l) => {
    const t = firstOfType(d, 'Pass');
    if (!t || l !== 'JSONata') return false;
    t.Output = '{% $states.input + %}';
    return true;
  },
  'wait-bad-timestamp': (d) => {
    const w = firstOfType(d, 'Wait');
    if (!w) return false;
    for (const f of ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath']) delete w[f];
    w.Timestamp = 'tomorrow';
    return true;
  },
  'map-reader-inline': (d) => {
    const m = firstOfType(d, 'Map');
    if (!m) return false;
    m.ItemReader = {
      Resource: 'arn:aws:states:::s3:getObject',
      Parameters: { Bucket: 'b', Key: 'k' },
    };
    return true;
  },
  'end-false': (d) => {
    const s = statesOf(d).S0 as Json;
    if (s.Type === 'Choice') return false;
    delete s.Next;
    s.End = false;
    return true;
  },
};

const caseArbitrary: fc.Arbitrary<Case> = fc
  .record({
    machine: validMachine,
    mutation: fc.option(fc.constantFrom(...Object.keys(MUTATIONS)), { freq: 3, nil: undefined }),
  })
  .map(({ machine, mutation }) => {
    const definition = structuredClone(machine.definition);
    const mutate = mutation === undefined ? undefined : MUTATIONS[mutation];
    if (mutation === undefined || mutate === undefined || !mutate(definition, machine.language))
      return { tag: 'valid', definition: machine.definition };
    return { tag: mutation, definition: JSON.parse(JSON.stringify(definition)) as Json };
  });

describe('Baton validator vs asl-validator', () => {
  it('agrees on valid/invalid for 3,000 generated definitions, except listed disagreements', () => {
    const cases = fc.sample(caseArbitrary, { numRuns: 3000, seed: 20250101 });
    const listed = new Map(disagreements.map((d) => [d.pattern, d]));
    const unexpected: string[] = [];
    const seen = new Set<string>();
    const brokenBaton: string[] = [];
    const answers = new Map<string, boolean>();
    for (const { tag, definition } of cases) {
      const baton = validateDefinition(definition);
      // Many generated cases repeat; ask asl-validator (~7 ms a call) once per distinct text.
      const text = JSON.stringify(definition);
      const other = answers.get(text) ?? aslValidatorAccepts(definition);
      answers.set(text, other);
      if (tag !== 'valid' && baton.ok) brokenBaton.push(tag);
      if (baton.ok === other) continue;
      const known = listed.get(tag);
      if (known === undefined) {
        unexpected.push(
          `${tag}: baton ${baton.ok ? 'accepts' : `rejects (${baton.diagnostics.map((x) => x.code).join(',')})`}, asl-validator ${other ? 'accepts' : 'rejects'}: ${JSON.stringify(definition)}`,
        );
      } else seen.add(tag);
    }
    // The unlisted patterns first (short), then a few full examples to investigate.
    expect([...new Set(unexpected.map((line) => line.slice(0, line.indexOf(':'))))]).toEqual([]);
    expect(unexpected.slice(0, 3)).toEqual([]);
    // Every mutation breaks a rule AWS enforces, so Baton must reject all of them.
    expect([...new Set(brokenBaton)]).toEqual([]);
    // A listed disagreement that no longer happens should leave the fixture.
    expect(disagreements.map((d) => d.pattern).filter((p) => !seen.has(p))).toEqual([]);
  });

  it('documents each listed disagreement with the side that is right and an AWS source', () => {
    for (const entry of disagreements) {
      expect(entry.right === 'baton' || entry.right === 'asl-validator').toBe(true);
      expect(entry.source).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|states-language\.net)\//);
      expect(entry.reason.length).toBeGreaterThan(20);
    }
  });
});
