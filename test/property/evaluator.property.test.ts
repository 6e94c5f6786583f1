/**
 * Property tests of the evaluator as a whole: generated state machines (every state type,
 * both query languages, templates, paths, intrinsics, JSONata, Retry and Catch) run against
 * generated inputs and mocked task outcomes. They check the contracts the rest of Baton leans
 * on: the local runner fails only with LocalRunnerError, `step` rejects only with RangeError
 * for caller misuse, snapshots are plain JSON that can be stored and resumed, and runs are
 * deterministic for a seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from '../../src/common/index.js';
import type {
  ExecutionSnapshot,
  HistoryEvent,
  StateMachineDefinition,
  StepEvent,
} from '../../src/language/index.js';
import { step } from '../../src/language/index.js';
import { validateDefinition } from '../../src/language/definition/index.js';
import type { MockOutcome, MockTable } from '../../src/local/index.js';
import { LocalRunnerError, runLocal } from '../../src/local/index.js';

// ------------------------------------------------------------------ generators

type Language = 'JSONPath' | 'JSONata';

/** Keys that trip naive object handling, mixed with the keys the generated paths read. */
const KEYS = ['a', 'n', 's', 'arr', 'm', '__proto__', 'constructor', 'toString', '', 'x.y', '$'];

const jsonLeaf: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 5 }),
  // Inputs arrive as JSON text, which has no -0.
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((x) => x + 0),
  fc.constantFrom(-1e308, 1e308, 0.1, 2 ** 53),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('a,b,c', '2026-01-01T00:00:05Z', 'not a date', '{"x":1}', 'ü€😀'),
);

const { json: jsonTree } = fc.letrec<{ json: JsonValue }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonLeaf,
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('json'), { maxKeys: 4 }),
  ),
}));

/** Values as JSON.parse makes them (own `__proto__` keys, ordinary prototypes). */
const jsonValue = jsonTree.map((value) => JSON.parse(JSON.stringify(value)) as JsonValue);

/** Inputs shaped like what the generated paths read, with any JSON in each field. */
const inputArb: fc.Arbitrary<JsonValue> = fc
  .oneof(
    { arbitrary: jsonValue, weight: 1 },
    {
      arbitrary: fc.record(
        {
          a: jsonValue,
          n: fc.oneof(fc.integer({ min: -3, max: 12 }), jsonValue),
          s: fc.oneof(fc.string({ maxLength: 5 }), jsonValue),
          arr: fc.oneof(fc.array(jsonValue, { maxLength: 4 }), jsonValue),
          m: fc.integer({ min: 0, max: 4 }),
        },
        { requiredKeys: [] },
      ),
      weight: 4,
    },
  )
  .map((value) => JSON.parse(JSON.stringify(value)) as JsonValue);

const paths = fc.constantFrom(
  '$',
  '$.a',
  '$.n',
  '$.s',
  '$.arr',
  '$.arr[0]',
  '$.arr[-1]',
  '$.arr[*]',
  '$.missing',
  '$.a.b',
  "$['a']",
  '$..n',
  '$$.Execution.Input',
  '$$.Execution.Name',
  '$$.State.Name',
  '$$.State.RetryCount',
  '$v',
  '$v.a',
);

const referencePaths = fc.constantFrom('$', '$.r', '$.a.r', '$.arr[0]', '$.s.x', '$.n');

const intrinsics = fc.constantFrom(
  "States.Format('n={} s={}', $.n, $.s)",
  'States.Array($.a, 1, $.n)',
  'States.StringToJson(\'{"x":1}\')',
  'States.StringToJson($.s)',
  'States.JsonToString($)',
  'States.MathAdd($.n, 1)',
  'States.MathAdd($.n, 9007199254740991)',
  'States.MathRandom(1, 10)',
  'States.UUID()',
  'States.ArrayLength($.arr)',
  'States.ArrayPartition($.arr, 2)',
  'States.ArrayContains($.arr, $.n)',
  'States.ArrayRange(1, $.m, 1)',
  'States.ArrayGetItem($.arr, $.m)',
  'States.ArrayUnique($.arr)',
  "States.StringSplit($.s, ',')",
  "States.Hash($.s, 'SHA-256')",
  'States.Base64Encode($.s)',
  'States.Base64Decode($.s)',
  'States.JsonMerge($.a, $$.Execution.Input, false)',
  "States.Format('{}', $v)",
);

const jsonataExpressions = fc.constantFrom(
  '{% $states.input %}',
  '{% $states.input.a %}',
  '{% $states.input.n + 1 %}',
  "{% $states.input.s & '!' %}",
  '{% $count($states.input.arr) %}',
  '{% $states.input.arr[0] %}',
  '{% $states.input.missing %}',
  '{% $states.context.Execution.Name %}',
  '{% $states.context.State.RetryCount %}',
  '{% $uuid() %}',
  '{% $random() %}',
  '{% $now() %}',
  '{% $millis() %}',
  '{% $partition([1, 2, 3], 2) %}',
  '{% $range(0, $states.input.m, 1) %}',
  "{% $hash($string($states.input), 'SHA-256') %}",
  '{% $parse(\'[1, {"x": 2}]\') %}',
  '{% $string($states.input) %}',
  "{% $error('Boom') %}",
  '{% $v %}',
  '{% 1 / 0 %}',
  '{% $states.input.n * -0 %}',
  '{% function($x) { $x } %}',
  '{% $merge([$states.input, {"z": 1}]) %}',
);

const jsonataConditions = fc.constantFrom(
  '{% $states.input.n > 3 %}',
  "{% $states.input.s = 'a' %}",
  '{% $exists($states.input.a) %}',
  '{% $states.input.n %}',
  '{% $v = 1 %}',
  '{% $count($states.input.arr) > 1 %}',
);

/** Payload templates: literals, `.$` paths and intrinsics (JSONPath), or `{% %}` (JSONata). */
function templateArb(language: Language): fc.Arbitrary<JsonValue> {
  if (language === 'JSONata') {
    return fc.oneof(
      jsonataExpressions,
      fc.dictionary(
        fc.constantFrom('p', 'q', 'r'),
        fc.oneof(jsonataExpressions, jsonLeaf, fc.array(jsonataExpressions, { maxLength: 2 })),
        { maxKeys: 3 },
      ),
    );
  }
  const entry = fc.oneof(
    fc.tuple(fc.constantFrom('p', 'q'), jsonLeaf),
    fc.tuple(fc.constantFrom('r.$', 't.$'), fc.oneof(paths, intrinsics)),
    fc.tuple(
      fc.constantFrom('nested'),
      fc.record({ 'x.$': paths, y: jsonLeaf }, { requiredKeys: [] }),
    ),
  );
  return fc
    .array(entry, { maxLength: 3 })
    .map((entries): JsonValue => Object.fromEntries<JsonValue>(entries));
}

function assignArb(language: Language): fc.Arbitrary<JsonObject> {
  const value =
    language === 'JSONata'
      ? fc.oneof(jsonataExpressions, jsonLeaf)
      : fc.oneof(
          jsonLeaf,
          paths.map((p) => ({ '#path': p })),
          intrinsics.map((p) => ({ '#path': p })),
        );
  return fc.record({ v: value, w: value }, { requiredKeys: [] }).map((entries) => {
    const assign: Record<string, JsonValue> = {};
    for (const [name, v] of Object.entries(entries)) {
      if (typeof v === 'object' && v !== null && !Array.isArray(v) && '#path' in v) {
        assign[`${name}.$`] = v['#path'] ?? '$';
      } else {
        assign[name] = v;
      }
    }
    return assign;
  });
}

const errorNames = fc.constantFrom(
  'States.TaskFailed',
  'States.Timeout',
  'States.Http.StatusCode.503',
  'Custom.Error',
  'Lambda.ServiceException',
);

function retryArb(): fc.Arbitrary<JsonValue[]> {
  const retrier = fc.record(
    {
      ErrorEquals: fc.oneof(
        fc.uniqueArray(errorNames, { minLength: 1, maxLength: 2 }),
        fc.constant(['States.ALL']),
      ),
      // Large intervals and rates push back-off past year 9999, where timestamps end.
      IntervalSeconds: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constant(99_999_999)),
      MaxAttempts: fc.integer({ min: 0, max: 5 }),
      BackoffRate: fc.constantFrom(1, 1.5, 2, 10),
      MaxDelaySeconds: fc.integer({ min: 1, max: 10 }),
      JitterStrategy: fc.constantFrom('FULL', 'NONE'),
    },
    { requiredKeys: ['ErrorEquals'] },
  );
  return fc.array(retrier, { maxLength: 2 }).map(allLast);
}

function catchArb(language: Language, targets: fc.Arbitrary<string>): fc.Arbitrary<JsonValue[]> {
  const errorEquals = fc.oneof(
    fc.uniqueArray(errorNames, { minLength: 1, maxLength: 2 }),
    fc.constant(['States.ALL']),
  );
  const catcher: fc.Arbitrary<JsonObject> =
    language === 'JSONata'
      ? fc.record(
          {
            ErrorEquals: errorEquals,
            Next: targets,
            Output: fc.oneof(fc.constant('{% $states.errorOutput %}'), jsonataExpressions),
            Assign: assignArb(language),
          },
          { requiredKeys: ['ErrorEquals', 'Next'] },
        )
      : fc.record(
          {
            ErrorEquals: errorEquals,
            Next: targets,
            ResultPath: fc.oneof(referencePaths, fc.constant(null)),
            Assign: assignArb(language),
          },
          { requiredKeys: ['ErrorEquals', 'Next'] },
        );
  return fc.array(catcher, { maxLength: 2 }).map(allLast);
}

/** `States.ALL` must be alone and in the last Retrier or Catcher: keep at most one, last. */
function allLast<T extends JsonValue>(items: T[]): T[] {
  const isAll = (item: T): boolean =>
    typeof item === 'object' &&
    item !== null &&
    !Array.isArray(item) &&
    JSON.stringify((item as JsonObject)['ErrorEquals']) === '["States.ALL"]';
  const all = items.find(isAll);
  return [...items.filter((item) => !isAll(item)), ...(all === undefined ? [] : [all])];
}

/** JSONPath input/output fields, each present or not. */
function ioArb(withResult: boolean): fc.Arbitrary<JsonObject> {
  return fc.record(
    {
      InputPath: fc.oneof(paths, fc.constant(null)),
      Parameters: templateArb('JSONPath'),
      ...(withResult
        ? {
            ResultSelector: templateArb('JSONPath'),
            ResultPath: fc.oneof(referencePaths, fc.constant(null)),
          }
        : {}),
      OutputPath: fc.oneof(paths, fc.constant(null)),
      Assign: assignArb('JSONPath'),
    },
    { requiredKeys: [] },
  );
}

function jsonataIoArb(field: 'Arguments' | 'none'): fc.Arbitrary<JsonObject> {
  return fc.record(
    {
      ...(field === 'Arguments' ? { Arguments: templateArb('JSONata') } : {}),
      Output: templateArb('JSONata'),
      Assign: assignArb('JSONata'),
    },
    { requiredKeys: [] },
  );
}

interface GeneratedBranch {
  readonly branch: JsonObject;
  /** Names of every Task state inside, at any depth. */
  readonly tasks: readonly string[];
}

type StateKind = 'Pass' | 'Task' | 'Wait' | 'Choice' | 'Parallel' | 'Map' | 'Succeed' | 'Fail';

/**
 * A chain of states S0 -> S1 -> ... -> S(n-1), so every state is reachable; Choice rules and
 * Catchers jump to any state of the chain (loops included: the history limit ends them).
 */
function branchArb(
  prefix: string,
  language: Language,
  depth: number,
): fc.Arbitrary<GeneratedBranch> {
  return fc.integer({ min: 1, max: depth === 0 ? 5 : 3 }).chain((count) => {
    const names = Array.from({ length: count }, (_, i) => `${prefix}S${i}`);
    const targets = fc.constantFrom(...names);
    const states = names.map((name, i) => {
      const last = i === count - 1;
      const kinds: StateKind[] = ['Pass', 'Task', 'Wait', 'Task'];
      if (!last) kinds.push('Choice');
      else kinds.push('Succeed', 'Fail');
      if (depth < 2) kinds.push('Parallel', 'Map');
      const transition: JsonObject = last ? { End: true } : { Next: names[i + 1] ?? name };
      return fc
        .constantFrom(...kinds)
        .chain((kind) =>
          stateArb(kind, name, language, depth, transition, targets, names[i + 1] ?? name),
        );
    });
    return fc.tuple(...states).map((built): GeneratedBranch => {
      const stateMap: Record<string, JsonValue> = {};
      const tasks: string[] = [];
      built.forEach((entry, i) => {
        stateMap[names[i] ?? ''] = entry.state;
        tasks.push(...entry.tasks);
      });
      return { branch: { StartAt: names[0] ?? '', States: stateMap }, tasks };
    });
  });
}

interface GeneratedState {
  readonly state: JsonObject;
  readonly tasks: readonly string[];
}

function stateArb(
  kind: StateKind,
  name: string,
  outer: Language,
  depth: number,
  transition: JsonObject,
  targets: fc.Arbitrary<string>,
  following: string,
): fc.Arbitrary<GeneratedState> {
  // A JSONPath machine may hold JSONata states; a JSONata machine only JSONata ones.
  const languages: Language[] =
    outer === 'JSONata' ? ['JSONata'] : ['JSONPath', 'JSONPath', 'JSONata'];
  return fc.constantFrom(...languages).chain((language) => {
    const own: JsonObject = language === outer ? {} : { QueryLanguage: language };
    const plain = (extra: fc.Arbitrary<JsonObject>, tasks: readonly string[] = []) =>
      extra.map((fields): GeneratedState => ({
        state: { Type: kind, ...own, ...fields, ...transition },
        tasks,
      }));
    const jsonata = language === 'JSONata';
    switch (kind) {
      case 'Pass':
        return plain(
          jsonata
            ? jsonataIoArb('none')
            : fc
                .tuple(
                  ioArb(false),
                  fc.option(jsonValue, { nil: undefined }),
                  fc.option(referencePaths, { nil: undefined }),
                )
                .map(([io, result, resultPath]) => ({
                  ...io,
                  ...(result === undefined ? {} : { Result: result }),
                  ...(resultPath === undefined ? {} : { ResultPath: resultPath }),
                })),
        );
      case 'Task':
        return fc
          .record({
            io: jsonata ? jsonataIoArb('Arguments') : ioArb(true),
            resource: fc.constantFrom(
              'arn:aws:states:::lambda:invoke',
              'arn:aws:lambda:us-east-1:123456789012:function:work',
              'arn:aws:states:::http:invoke',
            ),
            timeout: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
            retry: retryArb(),
            catchers: catchArb(language, targets),
          })
          .map(({ io, resource, timeout, retry, catchers }): GeneratedState => ({
            state: {
              Type: 'Task',
              ...own,
              Resource: resource,
              ...io,
              ...(timeout === undefined ? {} : { TimeoutSeconds: timeout }),
              ...(retry.length > 0 ? { Retry: retry } : {}),
              ...(catchers.length > 0 ? { Catch: catchers } : {}),
              ...transition,
            },
            tasks: [name],
          }));
      case 'Wait': {
        const how = jsonata
          ? fc.oneof(
              fc.record({ Seconds: fc.integer({ min: 0, max: 1_000_000 }) }),
              fc.record({
                Seconds: fc.constantFrom('{% $states.input.n %}', '{% $states.input.m %}'),
              }),
              fc.record({
                Timestamp: fc.constantFrom(
                  '2026-01-01T00:00:05Z',
                  '2025-12-31T23:59:59Z',
                  '{% $states.input.s %}',
                ),
              }),
            )
          : fc.oneof(
              fc.record({ Seconds: fc.integer({ min: 0, max: 99_999_999 }) }),
              fc.record({ SecondsPath: fc.constantFrom('$.n', '$.m', '$.s', '$.missing') }),
              fc.record({
                Timestamp: fc.constantFrom('2026-01-01T00:00:05Z', '2025-06-01T00:00:00.5Z'),
              }),
              fc.record({ TimestampPath: fc.constantFrom('$.s', '$.a', '$$.Execution.StartTime') }),
            );
        const io = jsonata
          ? jsonataIoArb('none')
          : fc.record(
              { InputPath: paths, OutputPath: paths, Assign: assignArb('JSONPath') },
              { requiredKeys: [] },
            );
        return plain(fc.tuple(how, io).map(([h, i]) => ({ ...h, ...i })));
      }
      case 'Choice': {
        const jsonPathRule = fc.oneof(
          fc.record({
            Variable: fc.constantFrom('$.n', '$.m', '$.a'),
            NumericGreaterThan: fc.integer({ min: 0, max: 5 }),
          }),
          fc.record({
            Variable: fc.constantFrom('$.s', '$.a'),
            StringEquals: fc.constantFrom('a', ''),
          }),
          fc.record({
            Variable: fc.constantFrom('$.a', '$.missing', '$v'),
            IsPresent: fc.boolean(),
          }),
          fc.record({
            Variable: fc.constantFrom('$.n'),
            NumericLessThanPath: fc.constantFrom('$.m', '$.s'),
          }),
          fc.record({
            Variable: fc.constantFrom('$.s'),
            StringMatches: fc.constantFrom('a*', '*\\*'),
          }),
          fc.record({
            Variable: fc.constantFrom('$.s'),
            TimestampLessThan: fc.constant('2026-01-01T00:00:00Z'),
          }),
          fc.record({ Variable: fc.constantFrom('$.a', '$.arr'), IsNull: fc.boolean() }),
          fc.record({ Variable: fc.constantFrom('$.a', '$.s'), IsString: fc.boolean() }),
        );
        const combined = fc.oneof(
          { arbitrary: jsonPathRule, weight: 3 },
          jsonPathRule.map((r) => ({ Not: r })),
          fc.array(jsonPathRule, { minLength: 1, maxLength: 2 }).map((rs) => ({ And: rs })),
          fc.array(jsonPathRule, { minLength: 1, maxLength: 2 }).map((rs) => ({ Or: rs })),
        );
        const rule: fc.Arbitrary<JsonObject> = jsonata
          ? fc.record(
              {
                Condition: jsonataConditions,
                Next: targets,
                Assign: assignArb('JSONata'),
                Output: templateArb('JSONata'),
              },
              { requiredKeys: ['Condition', 'Next'] },
            )
          : fc.tuple(combined, targets, assignArb('JSONPath')).map(([r, next, assign]) => ({
              ...r,
              Next: next,
              ...(Object.keys(assign).length > 0 ? { Assign: assign } : {}),
            }));
        return fc
          .record({
            rules: fc.array(rule, { minLength: 1, maxLength: 3 }),
            withoutDefault: fc.boolean(),
            paths: jsonata
              ? fc.constant({})
              : fc.record({ InputPath: paths, OutputPath: paths }, { requiredKeys: [] }),
          })
          .map(({ rules, withoutDefault, paths: io }): GeneratedState => ({
            state: {
              Type: 'Choice',
              ...own,
              ...io,
              Choices: rules,
              // Without a Default, States.NoChoiceMatched may end the run; keep the chain's
              // next state reachable through a rule then.
              ...(withoutDefault && rules.some((r) => r['Next'] === following)
                ? {}
                : { Default: following }),
            },
            tasks: [],
          }));
      }
      case 'Succeed':
        return plain(
          jsonata
            ? fc.record({ Output: templateArb('JSONata') }, { requiredKeys: [] })
            : fc.record({ InputPath: paths, OutputPath: paths }, { requiredKeys: [] }),
        ).map((s) => ({ ...s, state: withoutEnd(s.state) }));
      case 'Fail':
        return plain(
          jsonata
            ? fc.record(
                {
                  Error: fc.constantFrom('Custom.Error', '{% $states.input.s %}'),
                  Cause: fc.constantFrom('why', '{% $string($states.input) %}'),
                },
                { requiredKeys: [] },
              )
            : fc.oneof(
                fc.record(
                  {
                    Error: fc.constantFrom('Custom.Error', 'States.TaskFailed'),
                    Cause: fc.constant('why'),
                  },
                  { requiredKeys: [] },
                ),
                fc.record(
                  {
                    ErrorPath: fc.constantFrom('$.s', '$.a', "States.Format('E{}', $.n)"),
                    CausePath: fc.constantFrom('$.s', 'States.JsonToString($)'),
                  },
                  { requiredKeys: [] },
                ),
              ),
        ).map((s) => ({ ...s, state: withoutEnd(s.state) }));
      case 'Parallel':
        return fc
          .record({
            branches: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }),
            io: jsonata ? jsonataIoArb('Arguments') : ioArb(true),
            retry: retryArb(),
            catchers: catchArb(language, targets),
          })
          .chain(({ branches, io, retry, catchers }) =>
            fc
              .tuple(...branches.map((_, b) => branchArb(`${name}b${b}`, language, depth + 1)))
              .map((inner): GeneratedState => ({
                state: {
                  Type: 'Parallel',
                  ...own,
                  Branches: inner.map((g) => ({ QueryLanguage: language, ...g.branch })),
                  ...io,
                  ...(retry.length > 0 ? { Retry: retry } : {}),
                  ...(catchers.length > 0 ? { Catch: catchers } : {}),
                  ...transition,
                },
                tasks: inner.flatMap((g) => g.tasks),
              })),
          );
      case 'Map':
        return fc
          .record({
            inner: branchArb(`${name}i`, language, depth + 1),
            items: jsonata
              ? fc.record(
                  {
                    Items: fc.constantFrom(
                      '{% $states.input.arr %}',
                      '{% [1, 2, 3] %}',
                      '{% $states.input %}',
                    ),
                  },
                  { requiredKeys: [] },
                )
              : fc.record(
                  { ItemsPath: fc.constantFrom('$.arr', '$', '$.a') },
                  { requiredKeys: [] },
                ),
            selector: jsonata
              ? fc.record(
                  {
                    ItemSelector: fc.constant({
                      item: '{% $states.context.Map.Item.Value %}',
                      i: '{% $states.context.Map.Item.Index %}',
                    }),
                  },
                  { requiredKeys: [] },
                )
              : fc.record(
                  {
                    ItemSelector: fc.constant({
                      'item.$': '$$.Map.Item.Value',
                      'i.$': '$$.Map.Item.Index',
                      'n.$': '$.n',
                    }),
                  },
                  { requiredKeys: [] },
                ),
            limits: fc.record(
              {
                MaxConcurrency: fc.integer({ min: 0, max: 2 }),
                ToleratedFailureCount: fc.integer({ min: 0, max: 2 }),
                ToleratedFailurePercentage: fc.integer({ min: 0, max: 100 }),
              },
              { requiredKeys: [] },
            ),
            io: jsonata ? jsonataIoArb('none') : ioArb(true),
            retry: retryArb(),
            catchers: catchArb(language, targets),
          })
          .map(({ inner, items, selector, limits, io, retry, catchers }): GeneratedState => {
            const fields: Record<string, JsonValue> = { ...io };
            delete fields['Parameters']; // Map takes ItemSelector instead
            const tolerates =
              'ToleratedFailureCount' in limits || 'ToleratedFailurePercentage' in limits;
            return {
              state: {
                Type: 'Map',
                ...own,
                ItemProcessor: {
                  QueryLanguage: language,
                  ...inner.branch,
                  ProcessorConfig: tolerates
                    ? { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }
                    : { Mode: 'INLINE' },
                },
                ...items,
                ...selector,
                ...limits,
                ...fields,
                ...(retry.length > 0 ? { Retry: retry } : {}),
                ...(catchers.length > 0 ? { Catch: catchers } : {}),
                ...transition,
              },
              tasks: inner.tasks,
            };
          });
    }
  });
}

function withoutEnd(state: JsonObject): JsonObject {
  const copy: Record<string, JsonValue> = { ...state };
  delete copy['End'];
  return copy;
}

const outcomeArb: fc.Arbitrary<MockOutcome> = fc.oneof(
  { arbitrary: jsonValue.map((result): MockOutcome => ({ result })), weight: 3 },
  {
    arbitrary: fc
      .record({
        error: errorNames,
        cause: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
      })
      .map(({ error, cause }): MockOutcome => (cause === undefined ? { error } : { error, cause })),
    weight: 2,
  },
);

interface Scenario {
  readonly document: JsonObject;
  readonly input: JsonValue;
  readonly mocks: MockTable;
  readonly seed: number;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .constantFrom<Language>('JSONPath', 'JSONata')
  .chain((language) =>
    fc.record({
      generated: branchArb('', language, 0),
      language: fc.constant(language),
      timeout: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: undefined }),
    }),
  )
  .chain(({ generated, language, timeout }) =>
    fc.record({
      // As JSON.parse would give it: generated records may have null prototypes.
      document: fc.constant(
        JSON.parse(
          JSON.stringify({
            QueryLanguage: language,
            ...generated.branch,
            ...(timeout === undefined ? {} : { TimeoutSeconds: timeout }),
          }),
        ) as JsonObject,
      ),
      input: inputArb,
      mocks: fc
        .tuple(
          ...generated.tasks.map((task) =>
            fc.tuple(
              fc.constant(task),
              fc.oneof(outcomeArb, fc.array(outcomeArb, { minLength: 1, maxLength: 4 })),
            ),
          ),
        )
        .map((entries) => JSON.parse(JSON.stringify(Object.fromEntries(entries))) as MockTable),
      seed: fc.integer(),
    }),
  );

// ---------------------------------------------------------------------- driving

const HISTORY_LIMIT = 300;
const START = '2026-01-01T00:00:00Z';

function accepted(document: JsonObject): StateMachineDefinition {
  const result = validateDefinition(document);
  if (!result.ok) {
    const problems = result.diagnostics.map((d) => `${d.pointer}: ${d.message}`);
    return expect.fail(`the generator made an invalid machine:\n${problems.join('\n')}`);
  }
  return result.definition;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Fails unless `value` is plain JSON: null, booleans, finite numbers other than -0, strings,
 * arrays and ordinary objects of those, with no undefined members. (toStrictEqual cannot
 * judge this: it compares own `constructor` keys, which JSON inputs may well have.)
 */
function expectPlainJson(value: unknown, path: string): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value) || Object.is(value, -0)) expect.fail(`${path} is ${value}`);
      return;
    case 'object': {
      if (value === null) return;
      const proto: unknown = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        if (proto !== Array.prototype) expect.fail(`${path} is an exotic array`);
        value.forEach((item, i) => expectPlainJson(item, `${path}/${i}`));
        return;
      }
      if (proto !== Object.prototype && proto !== null) {
        expect.fail(
          `${path} is a ${String((value as { constructor?: { name?: string } }).constructor?.name)}`,
        );
      }
      if (Object.getOwnPropertySymbols(value).length > 0) expect.fail(`${path} has symbol keys`);
      for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(value))) {
        if (!('value' in descriptor) || !descriptor.enumerable) {
          expect.fail(`${path}/${key} is not a plain data property`);
        }
        expectPlainJson(descriptor.value, `${path}/${key}`);
      }
      return;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      expect.fail(`${path} is ${typeof value}`);
  }
}

/** Equality as JSON sees it: same text, same key order. */
function expectSameJson(actual: unknown, expected: unknown, what: string): void {
  expect(JSON.stringify(actual), what).toBe(JSON.stringify(expected));
}

interface Drive {
  /** Store and reload the snapshot as JSON text between steps, as a durable engine does. */
  readonly roundTrip: boolean;
  /** Called after each step with what it returned. */
  readonly afterStep?: (snapshot: ExecutionSnapshot, history: readonly HistoryEvent[]) => void;
  /** Called before each real event with the current snapshot, to try events that do not fit. */
  readonly beforeStep?: (snapshot: ExecutionSnapshot) => Promise<void>;
}

interface Driven {
  readonly snapshot: ExecutionSnapshot;
  readonly history: readonly HistoryEvent[];
}

/**
 * Runs a scenario with runLocal, driving a wrapped `step` that freezes what goes in and comes
 * out (a mutation would throw), reports each call, and optionally hands back every snapshot
 * round-tripped through JSON text.
 */
async function drive(
  definition: StateMachineDefinition,
  scenario: Scenario,
  how: Drive,
): Promise<Driven> {
  let last: ExecutionSnapshot | undefined;
  const observed: typeof step = async (machine, snapshot, event) => {
    if (snapshot !== undefined && how.beforeStep) await how.beforeStep(snapshot);
    const result = deepFreeze(await step(machine, snapshot, deepFreeze(event)));
    how.afterStep?.(result.snapshot, result.history);
    last = how.roundTrip
      ? deepFreeze(JSON.parse(JSON.stringify(result.snapshot)) as ExecutionSnapshot)
      : result.snapshot;
    return { ...result, snapshot: last };
  };
  const run = await runLocal(definition, {
    input: scenario.input,
    mocks: scenario.mocks,
    seed: scenario.seed,
    startTime: START,
    stateMachineName: 'property',
    executionName: 'run',
    historyEventLimit: HISTORY_LIMIT,
    step: observed,
  });
  if (last === undefined) return expect.fail('runLocal never called step');
  return { snapshot: last, history: run.history };
}

/** Events that cannot fit `snapshot`: unknown ids, or any event once the execution ended. */
function misfits(snapshot: ExecutionSnapshot): StepEvent[] {
  const now = START;
  const known = new Set<string>();
  for (const run of snapshot.runs) {
    if (run.position.kind === 'task') known.add(run.position.taskId);
    if (run.position.kind === 'timer') known.add(run.position.timerId);
  }
  const events: StepEvent[] = [
    { type: 'TaskSucceeded', now, taskId: 'no-such-task', output: {} },
    { type: 'TaskFailed', now, taskId: 'no-such-task', error: 'E', cause: '' },
    { type: 'TaskTimedOut', now, taskId: 't0', error: 'States.Timeout', cause: '' },
    { type: 'TimerFired', now, timerId: 'no-such-timer' },
  ];
  if (snapshot.status !== 'RUNNING') {
    events.push({ type: 'ExecutionStopped', now });
    for (const id of known) events.push({ type: 'TimerFired', now, timerId: id });
  }
  return events.filter((e) => !('taskId' in e && known.has(e.taskId)));
}

async function expectRangeError(promise: Promise<unknown>, what: string): Promise<void> {
  const outcome = await promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
  if (!(outcome instanceof RangeError)) {
    expect.fail(`${what}: expected a RangeError, got ${String(outcome)}`);
  }
}

// ------------------------------------------------------------------ properties

describe('the local runner on generated machines', () => {
  it('fails only with LocalRunnerError, and a failed run always names an error and a cause', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const definition = accepted(scenario.document);
        let result;
        try {
          result = await runLocal(definition, {
            input: scenario.input,
            mocks: scenario.mocks,
            seed: scenario.seed,
            historyEventLimit: HISTORY_LIMIT,
            waits: 'virtual',
          });
        } catch (error: unknown) {
          if (error instanceof LocalRunnerError) return;
          throw error;
        }
        // The limit-th event fails the execution; ExecutionFailed follows it (as in step.test.ts).
        expect(result.history.length).toBeLessThanOrEqual(HISTORY_LIMIT + 1);
        const ends = result.history.filter((e) =>
          /^Execution(Succeeded|Failed|TimedOut|Aborted)$/.test(e.type),
        );
        expect(ends).toHaveLength(1);
        expect(result.history.at(-1)).toBe(ends[0]);
        if (result.status === 'SUCCEEDED') {
          expectPlainJson(result.output, 'output');
        } else {
          expect(typeof result.error).toBe('string');
          // A Fail state may name no error (Error is optional, or ErrorPath may select "").
          if (result.error === '') {
            expect(result.history.some((e) => e.type === 'FailStateEntered')).toBe(true);
          }
          expect(typeof result.cause).toBe('string');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives identical histories for the same definition, input, mocks and seed', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const definition = accepted(scenario.document);
        const run = () =>
          runLocal(definition, {
            input: scenario.input,
            mocks: scenario.mocks,
            seed: scenario.seed,
            historyEventLimit: HISTORY_LIMIT,
          });
        const first = await run();
        expectPlainJson(first, 'first run');
        expectSameJson(await run(), first, 'second run');
      }),
      { numRuns: 300 },
    );
  });
});

describe('step on generated machines', () => {
  it('resolves for every event that fits, and rejects only with RangeError for events that do not', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const definition = deepFreeze(accepted(scenario.document));
        const tryMisfits = async (snapshot: ExecutionSnapshot): Promise<void> => {
          for (const event of misfits(snapshot)) {
            await expectRangeError(step(definition, snapshot, event), `${event.type} misfit`);
          }
        };
        await expectRangeError(
          step(definition, undefined, { type: 'TimerFired', now: START, timerId: 'w1' }),
          'an event before ExecutionStarted',
        );
        const { snapshot } = await drive(definition, scenario, {
          roundTrip: false,
          beforeStep: tryMisfits,
        });
        await tryMisfits(snapshot);
        await expectRangeError(
          step(definition, snapshot, { type: 'ExecutionStopped', now: START }),
          'ExecutionStopped after the end',
        );
      }),
      { numRuns: 300 },
    );
    // 300 generated machines, each stepped through every misfitting event: about 2 s alone, but
    // CPU-bound, and it once took 46 s beside the crash tests' child processes in CI.
  }, 120_000);

  it('keeps snapshots and history plain JSON, and resumes identically from a stored snapshot', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const definition = accepted(scenario.document);
        const direct = await drive(definition, scenario, {
          roundTrip: false,
          afterStep: (snapshot, history) => {
            expectPlainJson(snapshot, 'snapshot');
            expectPlainJson(history, 'history');
          },
        });
        const stored = await drive(definition, scenario, { roundTrip: true });
        expectSameJson(stored.history, direct.history, 'history');
        expectSameJson(stored.snapshot, direct.snapshot, 'final snapshot');
      }),
      { numRuns: 300 },
    );
  });
});

/*
 * Regressions found by the properties above. Each was a legal definition and input on which
 * `step` threw (or wrote something that is not JSON) instead of ending the execution.
 */
describe('regressions', () => {
  const machine = (document: JsonObject): StateMachineDefinition => accepted(document);

  it('ends with States.Runtime, never a thrown error, wherever the history limit falls', async () => {
    const definition = machine({
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Each',
              States: {
                Each: {
                  Type: 'Map',
                  ItemsPath: '$.items',
                  MaxConcurrency: 1,
                  ItemProcessor: {
                    StartAt: 'Work',
                    States: {
                      Work: {
                        Type: 'Task',
                        Resource: 'arn:aws:states:::lambda:invoke',
                        Retry: [{ ErrorEquals: ['Flaky'], MaxAttempts: 1 }],
                        End: true,
                      },
                    },
                  },
                  End: true,
                },
              },
            },
            { StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 5, End: true } } },
          ],
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });
    const options = {
      input: { items: [1, 2] },
      mocks: { Work: [{ error: 'Flaky' }, { result: 'ok' }] } satisfies MockTable,
    };
    const full = await runLocal(definition, options);
    expect(full.status).toBe('SUCCEEDED');
    for (let limit = 1; limit < full.history.length; limit++) {
      const result = await runLocal(definition, { ...options, historyEventLimit: limit });
      expect(result, `limit ${limit}`).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
      expect(result.history.at(-1)?.type, `limit ${limit}`).toBe('ExecutionFailed');
      expect(result.history.length, `limit ${limit}`).toBeLessThanOrEqual(limit + 1);
    }
  });

  it('keeps per-Retrier attempt counts dense when a later Retrier matches', async () => {
    const definition = machine({
      StartAt: 'Work',
      States: {
        Work: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Retry: [{ ErrorEquals: ['Other'] }, { ErrorEquals: ['States.ALL'] }],
          End: true,
        },
      },
    });
    const started = await step(definition, undefined, {
      type: 'ExecutionStarted',
      now: START,
      execution: { id: 'e', name: 'e', input: {}, stateMachineId: 'm', stateMachineName: 'm' },
    });
    const task = started.commands.find((c) => c.type === 'ScheduleTask');
    if (task?.type !== 'ScheduleTask') return expect.fail('no task was scheduled');
    const failed = await step(definition, started.snapshot, {
      type: 'TaskFailed',
      now: START,
      taskId: task.taskId,
      error: 'Boom',
      cause: '',
    });
    const position = failed.snapshot.runs.find((run) => run.id === 'r0')?.position;
    expect(position?.kind === 'timer' && position.attempts.perRetrier).toStrictEqual([0, 1]);
    expectPlainJson(failed.snapshot, 'snapshot');
  });

  it('caps a retry back-off that runs past year 9999 instead of throwing', async () => {
    const definition = machine({
      StartAt: 'Work',
      States: {
        Work: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Retry: [
            {
              ErrorEquals: ['States.ALL'],
              IntervalSeconds: 99_999_999,
              BackoffRate: 10,
              MaxAttempts: 8,
            },
          ],
          End: true,
        },
      },
    });
    const result = await runLocal(definition, { mocks: { Work: { error: 'Boom', cause: 'c' } } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Boom', cause: 'c' });
    expect(result.history.at(-1)?.timestamp).toBe('9999-12-31T23:59:59.999Z');
  });

  it('waits until the last instant for a SecondsPath past year 9999 instead of throwing', async () => {
    const definition = machine({
      StartAt: 'Nap',
      States: { Nap: { Type: 'Wait', SecondsPath: '$.seconds', End: true } },
    });
    const result = await runLocal(definition, { input: { seconds: 2 ** 53 } });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.history.at(-1)?.timestamp).toBe('9999-12-31T23:59:59.999Z');
  });

  it('writes -0 from a JSONata expression as 0, which JSON can hold', async () => {
    const definition = machine({
      QueryLanguage: 'JSONata',
      StartAt: 'Negate',
      States: { Negate: { Type: 'Pass', Output: { zero: '{% 0 * -1 %}' }, End: true } },
    });
    const result = await runLocal(definition);
    if (result.status !== 'SUCCEEDED') return expect.fail(result.status);
    expectPlainJson(result.output, 'output');
  });
});
