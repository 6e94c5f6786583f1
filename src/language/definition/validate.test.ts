import { describe, expect, it } from 'vitest';
import { ALL_DIAGNOSTIC_CODES, DIAGNOSTIC_CODES } from './diagnostic-codes.js';
import type { DiagnosticCode } from './diagnostic-codes.js';
import { parseJsonDefinition } from './parse.js';
import { validateDefinition } from './validate.js';

const pass = { Type: 'Pass', End: true };
const task = (extra: object = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::http:invoke',
  End: true,
  ...extra,
});
const machine = (states: object, extra: object = {}) => ({
  StartAt: Object.keys(states)[0],
  States: states,
  ...extra,
});
const distributed = {
  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
  StartAt: 'I',
  States: { I: pass },
};

function codes(definition: unknown): string[] {
  const result = validateDefinition(definition);
  return result.ok ? [] : result.diagnostics.map((d) => d.code);
}

function diagnostics(definition: unknown) {
  const result = validateDefinition(definition);
  return result.ok ? [] : result.diagnostics;
}

/** One definition per diagnostic code, each breaking one rule, with where it should point. */
const CASES: ReadonlyArray<{
  code: DiagnosticCode;
  name: string;
  definition: unknown;
  pointer: string;
}> = [
  {
    code: 'WRONG_TYPE',
    name: 'rejects a document that is not an object',
    definition: [1],
    pointer: '',
  },
  {
    code: 'WRONG_TYPE',
    name: 'rejects a numeric Resource',
    definition: machine({ T: task({ Resource: 5 }) }),
    pointer: '/States/T/Resource',
  },
  {
    code: 'MISSING_FIELD',
    name: 'rejects a machine without StartAt',
    definition: { States: { A: pass } },
    pointer: '',
  },
  {
    code: 'MISSING_FIELD',
    name: 'rejects a Task without Resource',
    definition: machine({ T: { Type: 'Task', End: true } }),
    pointer: '/States/T',
  },
  {
    code: 'UNKNOWN_FIELD',
    name: 'rejects an unknown field on a state',
    definition: machine({ A: { ...pass, Foo: 1 } }),
    pointer: '/States/A/Foo',
  },
  {
    code: 'UNKNOWN_FIELD',
    name: 'rejects Next on a Succeed state',
    definition: machine({ A: { Type: 'Succeed', Next: 'A' } }),
    pointer: '/States/A/Next',
  },
  {
    code: 'FIELD_NOT_IN_QUERY_LANGUAGE',
    name: 'rejects InputPath in a JSONata state',
    definition: machine({ A: { ...pass, InputPath: '$.a' } }, { QueryLanguage: 'JSONata' }),
    pointer: '/States/A/InputPath',
  },
  {
    code: 'FIELD_NOT_IN_QUERY_LANGUAGE',
    name: 'rejects Arguments in a JSONPath Task',
    definition: machine({ T: task({ Arguments: {} }) }),
    pointer: '/States/T/Arguments',
  },
  {
    code: 'FIELD_NOT_IN_QUERY_LANGUAGE',
    name: 'rejects Result in a JSONata Pass state',
    definition: machine({ A: { ...pass, Result: 1 } }, { QueryLanguage: 'JSONata' }),
    pointer: '/States/A/Result',
  },
  {
    code: 'INVALID_VALUE',
    name: 'rejects an unknown QueryLanguage',
    definition: machine({ A: pass }, { QueryLanguage: 'JsonPath' }),
    pointer: '/QueryLanguage',
  },
  {
    code: 'INVALID_VALUE',
    name: 'rejects "End": false',
    definition: machine({ A: { Type: 'Pass', End: false } }),
    pointer: '/States/A/End',
  },
  {
    code: 'OUT_OF_RANGE',
    name: 'rejects a zero TimeoutSeconds',
    definition: machine({ T: task({ TimeoutSeconds: 0 }) }),
    pointer: '/States/T/TimeoutSeconds',
  },
  {
    code: 'OUT_OF_RANGE',
    name: 'rejects a BackoffRate below 1',
    definition: machine({ T: task({ Retry: [{ ErrorEquals: ['X'], BackoffRate: 0.5 }] }) }),
    pointer: '/States/T/Retry/0/BackoffRate',
  },
  {
    code: 'EMPTY_ARRAY',
    name: 'rejects an empty Branches',
    definition: machine({ P: { Type: 'Parallel', Branches: [], End: true } }),
    pointer: '/States/P/Branches',
  },
  {
    code: 'EMPTY_ARRAY',
    name: 'rejects an empty And',
    definition: machine({ C: { Type: 'Choice', Choices: [{ And: [], Next: 'E' }] }, E: pass }),
    pointer: '/States/C/Choices/0/And',
  },
  {
    code: 'MUTUALLY_EXCLUSIVE_FIELDS',
    name: 'rejects both Next and End',
    definition: machine({ A: { ...pass, Next: 'A' } }),
    pointer: '/States/A/End',
  },
  {
    code: 'MUTUALLY_EXCLUSIVE_FIELDS',
    name: 'rejects TimeoutSeconds with TimeoutSecondsPath',
    definition: machine({ T: task({ TimeoutSeconds: 5, TimeoutSecondsPath: '$.t' }) }),
    pointer: '/States/T/TimeoutSecondsPath',
  },
  {
    code: 'MUTUALLY_EXCLUSIVE_FIELDS',
    name: 'rejects Error with ErrorPath on Fail',
    definition: machine({ F: { Type: 'Fail', Error: 'E', ErrorPath: '$.e' } }),
    pointer: '/States/F/ErrorPath',
  },
  {
    code: 'ONE_OF_REQUIRED',
    name: 'rejects a Wait without a duration',
    definition: machine({ W: { Type: 'Wait', End: true } }),
    pointer: '/States/W',
  },
  {
    code: 'INVALID_STATE_TYPE',
    name: 'rejects an unknown state Type',
    definition: machine({ A: { Type: 'Passs', End: true } }),
    pointer: '/States/A/Type',
  },
  {
    code: 'EMPTY_STATES',
    name: 'rejects an empty States',
    definition: { StartAt: 'A', States: {} },
    pointer: '/States',
  },
  {
    code: 'STATE_NAME_TOO_LONG',
    name: 'rejects a state name of 81 characters',
    definition: machine({ ['x'.repeat(81)]: pass }),
    pointer: `/States/${'x'.repeat(81)}`,
  },
  {
    code: 'DUPLICATE_STATE_NAME',
    name: 'rejects a state name reused inside a Parallel branch',
    definition: machine({
      A: { Type: 'Parallel', End: true, Branches: [{ StartAt: 'A', States: { A: pass } }] },
    }),
    pointer: '/States/A/Branches/0/States/A',
  },
  {
    code: 'UNKNOWN_START_AT',
    name: 'rejects a StartAt that names no state',
    definition: { StartAt: 'B', States: { A: pass } },
    pointer: '/StartAt',
  },
  {
    code: 'UNKNOWN_TARGET',
    name: 'rejects a Next that names no state',
    definition: machine({ A: { Type: 'Pass', Next: 'B' } }),
    pointer: '/States/A/Next',
  },
  {
    code: 'UNKNOWN_TARGET',
    name: 'rejects a Catcher Next that names no state',
    definition: machine({ T: task({ Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Nope' }] }) }),
    pointer: '/States/T/Catch/0/Next',
  },
  {
    code: 'TARGET_OUT_OF_SCOPE',
    name: 'rejects a branch state that jumps out of its branch',
    definition: machine({
      P: {
        Type: 'Parallel',
        Next: 'Z',
        Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', Next: 'Z' } } }],
      },
      Z: pass,
    }),
    pointer: '/States/P/Branches/0/States/B/Next',
  },
  {
    code: 'MISSING_TRANSITION',
    name: 'rejects a Pass state with neither Next nor End',
    definition: machine({ A: { Type: 'Pass' } }),
    pointer: '/States/A',
  },
  {
    code: 'UNREACHABLE_STATE',
    name: 'rejects a state no path reaches',
    definition: machine({ A: pass, B: pass }),
    pointer: '/States/B',
  },
  {
    code: 'NO_TERMINAL_STATE',
    name: 'rejects a machine that can never end',
    definition: machine({ A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'A' } }),
    pointer: '/States',
  },
  {
    code: 'JSONPATH_IN_JSONATA_MACHINE',
    name: 'rejects a JSONPath state in a JSONata machine',
    definition: machine(
      { A: { ...pass, QueryLanguage: 'JSONPath' } },
      { QueryLanguage: 'JSONata' },
    ),
    pointer: '/States/A/QueryLanguage',
  },
  {
    code: 'INVALID_PATH',
    name: 'rejects an InputPath without "$"',
    definition: machine({ A: { ...pass, InputPath: 'a.b' } }),
    pointer: '/States/A/InputPath',
  },
  {
    code: 'INVALID_PATH',
    name: 'rejects a payload template path without "$"',
    definition: machine({ A: { ...pass, Parameters: { 'x.$': 'x' } } }),
    pointer: '/States/A/Parameters/x.$',
  },
  {
    code: 'INVALID_REFERENCE_PATH',
    name: 'rejects a wildcard in ResultPath',
    definition: machine({ A: { ...pass, ResultPath: '$.a[*]' } }),
    pointer: '/States/A/ResultPath',
  },
  {
    code: 'INVALID_REFERENCE_PATH',
    name: 'rejects a context-object ResultPath',
    definition: machine({ A: { ...pass, ResultPath: '$$.Execution' } }),
    pointer: '/States/A/ResultPath',
  },
  {
    code: 'INVALID_INTRINSIC',
    name: 'rejects an unknown intrinsic function',
    definition: machine({ A: { ...pass, Parameters: { 'x.$': 'States.Frobnicate(1)' } } }),
    pointer: '/States/A/Parameters/x.$',
  },
  {
    code: 'INVALID_INTRINSIC',
    name: 'rejects an unclosed intrinsic call',
    definition: machine({ A: { ...pass, Parameters: { 'x.$': "States.Format('{}', $.a" } } }),
    pointer: '/States/A/Parameters/x.$',
  },
  {
    code: 'INVALID_JSONATA',
    name: 'rejects a broken JSONata expression',
    definition: machine(
      { A: { ...pass, Output: '{% $states.input + %}' } },
      { QueryLanguage: 'JSONata' },
    ),
    pointer: '/States/A/Output',
  },
  {
    code: 'INVALID_TIMESTAMP',
    name: 'rejects a Wait Timestamp without a time zone',
    definition: machine({ W: { Type: 'Wait', Timestamp: '2024-01-31T12:00:00', End: true } }),
    pointer: '/States/W/Timestamp',
  },
  {
    code: 'INVALID_TIMESTAMP',
    name: 'rejects a TimestampEquals on February 30th',
    definition: machine({
      C: {
        Type: 'Choice',
        Choices: [{ Variable: '$.t', TimestampEquals: '2024-02-30T00:00:00Z', Next: 'E' }],
      },
      E: pass,
    }),
    pointer: '/States/C/Choices/0/TimestampEquals',
  },
  {
    code: 'DUPLICATE_TEMPLATE_FIELD',
    name: 'rejects "x" and "x.$" in one template',
    definition: machine({ A: { ...pass, Parameters: { x: 1, 'x.$': '$.x' } } }),
    pointer: '/States/A/Parameters/x.$',
  },
  {
    code: 'HEARTBEAT_NOT_BELOW_TIMEOUT',
    name: 'rejects a heartbeat as long as the timeout',
    definition: machine({ T: task({ TimeoutSeconds: 10, HeartbeatSeconds: 10 }) }),
    pointer: '/States/T/HeartbeatSeconds',
  },
  {
    code: 'CHOICE_RULE_OPERATOR_COUNT',
    name: 'rejects a rule with two operators',
    definition: machine({
      C: {
        Type: 'Choice',
        Choices: [{ Variable: '$.a', StringEquals: 'x', StringMatches: 'y', Next: 'E' }],
      },
      E: pass,
    }),
    pointer: '/States/C/Choices/0/StringMatches',
  },
  {
    code: 'CHOICE_RULE_OPERATOR_COUNT',
    name: 'rejects a rule with no operator',
    definition: machine({
      C: { Type: 'Choice', Choices: [{ Variable: '$.a', Next: 'E' }] },
      E: pass,
    }),
    pointer: '/States/C/Choices/0',
  },
  {
    code: 'CHOICE_RULE_NEXT_NOT_ALLOWED',
    name: 'rejects Next on a nested rule',
    definition: machine({
      C: {
        Type: 'Choice',
        Choices: [{ Not: { Variable: '$.a', IsPresent: true, Next: 'E' }, Next: 'E' }],
      },
      E: pass,
    }),
    pointer: '/States/C/Choices/0/Not/Next',
  },
  {
    code: 'STATES_ALL_NOT_ALONE',
    name: 'rejects States.ALL next to another name',
    definition: machine({ T: task({ Retry: [{ ErrorEquals: ['States.ALL', 'X'] }] }) }),
    pointer: '/States/T/Retry/0/ErrorEquals/0',
  },
  {
    code: 'STATES_ALL_NOT_LAST',
    name: 'rejects a Catcher after the States.ALL one',
    definition: machine({
      T: task({
        Catch: [
          { ErrorEquals: ['States.ALL'], Next: 'E' },
          { ErrorEquals: ['X'], Next: 'E' },
        ],
      }),
      E: pass,
    }),
    pointer: '/States/T/Catch/0/ErrorEquals',
  },
  {
    code: 'INVALID_VARIABLE_NAME',
    name: 'rejects a variable name starting with a digit',
    definition: machine({ A: { ...pass, Assign: { '1x': 1 } } }),
    pointer: '/States/A/Assign/1x',
  },
  {
    code: 'INVALID_VARIABLE_NAME',
    name: 'rejects a variable name of 81 characters',
    definition: machine({ A: { ...pass, Assign: { ['v'.repeat(81)]: 1 } } }),
    pointer: `/States/A/Assign/${'v'.repeat(81)}`,
  },
  {
    code: 'RESERVED_VARIABLE_NAME',
    name: 'rejects assigning $states',
    definition: machine({ A: { ...pass, Assign: { states: 1 } } }),
    pointer: '/States/A/Assign/states',
  },
  {
    code: 'MAP_FIELD_REQUIRES_DISTRIBUTED',
    name: 'rejects ItemReader on an inline Map',
    definition: machine({
      M: {
        Type: 'Map',
        End: true,
        ItemProcessor: { StartAt: 'I', States: { I: pass } },
        ItemReader: { Resource: 'arn:aws:states:::s3:getObject' },
      },
    }),
    pointer: '/States/M/ItemReader',
  },
  {
    code: 'PAYLOAD_TOO_LARGE',
    name: 'rejects a Pass Result over 256 KiB',
    definition: machine({ A: { ...pass, Result: 'x'.repeat(262_145) } }),
    pointer: '/States/A/Result',
  },
];

describe('validateDefinition: one rule broken at a time', () => {
  it.each(CASES)('$name ($code)', ({ code, definition, pointer }) => {
    const found = diagnostics(definition);
    expect(found.map((d) => ({ code: d.code, pointer: d.pointer }))).toContainEqual({
      code,
      pointer,
    });
  });

  it('has a test case for every validator code (parser and CLI codes are tested beside them)', () => {
    const elsewhere: readonly string[] = [
      'JSON_SYNTAX',
      'YAML_SYNTAX',
      'DUPLICATE_KEY',
      'UNSUPPORTED_VALUE',
      'FILE_UNREADABLE',
    ];
    const covered = new Set(CASES.map((c) => c.code));
    expect(
      ALL_DIAGNOSTIC_CODES.filter((code) => !covered.has(code) && !elsewhere.includes(code)),
    ).toEqual([]);
    expect([...ALL_DIAGNOSTIC_CODES].sort()).toEqual(Object.keys(DIAGNOSTIC_CODES).sort());
  });
});

describe('validateDefinition: messages and positions', () => {
  it('suggests the closest state name for a misspelt Next', () => {
    const [first] = diagnostics(machine({ Deploy: { Type: 'Pass', Next: 'Deplyo' } }));
    expect(first?.message).toBe(
      'State "Deploy" has "Next": "Deplyo", which is not a state in this machine; did you mean "Deploy"?',
    );
  });

  it('reports every problem at once instead of stopping at the first', () => {
    const found = codes(
      machine({ A: { Type: 'Pass', Next: 'Nope', Foo: 1 }, B: { Type: 'Wait', End: true } }),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'UNKNOWN_TARGET',
        'UNKNOWN_FIELD',
        'ONE_OF_REQUIRED',
        'UNREACHABLE_STATE',
      ]),
    );
  });

  it('takes line and column from the source map, and 0:0 without one', () => {
    const text =
      '{\n  "StartAt": "A",\n  "States": {\n    "A": { "Type": "Pass", "Next": "B" }\n  }\n}';
    const parsed = parseJsonDefinition(text);
    if (!parsed.ok) throw new Error('fixture must parse');
    const withMap = validateDefinition(parsed.value, parsed.sourceMap);
    expect(withMap.ok ? [] : withMap.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'UNKNOWN_TARGET', line: 4, column: 28 }),
    );
    const withoutMap = validateDefinition(parsed.value);
    expect(withoutMap.ok ? [] : withoutMap.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'UNKNOWN_TARGET', line: 0, column: 0 }),
    );
  });

  it('points a missing field at the object that lacks it', () => {
    const text = '{"StartAt": "T",\n "States": {\n  "T": {"Type": "Task", "End": true}}}';
    const parsed = parseJsonDefinition(text);
    if (!parsed.ok) throw new Error('fixture must parse');
    const result = validateDefinition(parsed.value, parsed.sourceMap);
    expect(result.ok ? [] : result.diagnostics).toEqual([
      expect.objectContaining({ code: 'MISSING_FIELD', pointer: '/States/T', line: 3, column: 3 }),
    ]);
  });

  it('rejects values that are not JSON data, such as undefined members', () => {
    expect(
      codes({ StartAt: 'A', States: { A: { Type: 'Pass', End: true, Comment: undefined } } }),
    ).toEqual(['WRONG_TYPE']);
  });

  it('never lets "Next" on Choice rules skip target checks in nested branches', () => {
    const definition = machine({
      P: {
        Type: 'Parallel',
        End: true,
        Branches: [
          {
            StartAt: 'C',
            States: {
              C: {
                Type: 'Choice',
                Choices: [{ Variable: '$.a', IsNull: true, Next: 'Out' }],
                Default: 'D',
              },
              D: pass,
            },
          },
        ],
      },
      Out: pass,
    });
    expect(codes(definition)).toContain('TARGET_OUT_OF_SCOPE');
  });

  it('checks states inside Map processors recursively', () => {
    const definition = machine({
      M: {
        Type: 'Map',
        End: true,
        ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass' } } },
      },
    });
    expect(codes(definition)).toEqual(['MISSING_TRANSITION', 'NO_TERMINAL_STATE']);
  });

  it('requires ExecutionType for a Distributed Map', () => {
    const definition = machine({
      M: {
        Type: 'Map',
        End: true,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED' },
          StartAt: 'I',
          States: { I: pass },
        },
      },
    });
    expect(diagnostics(definition)).toContainEqual(
      expect.objectContaining({
        code: 'MISSING_FIELD',
        pointer: '/States/M/ItemProcessor/ProcessorConfig',
      }),
    );
  });

  it('rejects a JSONata Choice rule written with Variable', () => {
    const definition = machine(
      { C: { Type: 'Choice', Choices: [{ Variable: '$.a', IsNull: true, Next: 'E' }] }, E: pass },
      { QueryLanguage: 'JSONata' },
    );
    expect(codes(definition)).toEqual(
      expect.arrayContaining(['FIELD_NOT_IN_QUERY_LANGUAGE', 'MISSING_FIELD']),
    );
  });

  it('rejects a numeric operand given to a string comparison', () => {
    const definition = machine({
      C: { Type: 'Choice', Choices: [{ Variable: '$.a', StringEquals: 5, Next: 'E' }] },
      E: pass,
    });
    expect(codes(definition)).toEqual(['WRONG_TYPE']);
  });

  it('rejects an ItemBatcher without any batch limit', () => {
    const definition = machine({
      M: { Type: 'Map', End: true, ItemProcessor: distributed, ItemBatcher: { BatchInput: {} } },
    });
    expect(codes(definition)).toEqual(['ONE_OF_REQUIRED']);
  });
});

describe('validateDefinition: accepted definitions', () => {
  it('accepts a JSONPath machine using most fields', () => {
    const definition = machine(
      {
        Start: {
          Type: 'Pass',
          Parameters: { 'a.$': '$.x', 'b.$': "States.Format('{}', $.y)", c: [1] },
          ResultPath: '$.p',
          Assign: { count: 1, 'who.$': '$.user' },
          Next: 'Work',
        },
        Work: {
          Type: 'Task',
          Resource: 'arn:aws:states:::http:invoke',
          Next: 'Decide',
          TimeoutSeconds: 60,
          HeartbeatSeconds: 10,
          ResultSelector: { 'r.$': '$.body' },
          Retry: [
            {
              ErrorEquals: ['Http.ServerError'],
              IntervalSeconds: 2,
              MaxAttempts: 3,
              BackoffRate: 2,
              JitterStrategy: 'FULL',
            },
            { ErrorEquals: ['States.ALL'] },
          ],
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
        },
        Decide: {
          Type: 'Choice',
          Choices: [
            {
              And: [
                { Variable: '$.a', NumericGreaterThan: 1 },
                { Not: { Variable: '$$.Execution.Name', StringMatches: 'test-*' } },
              ],
              Next: 'Wait',
            },
          ],
          Default: 'Fan',
        },
        Wait: { Type: 'Wait', Timestamp: '2030-01-01T00:00:00Z', Next: 'Fan' },
        Fan: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'B1', States: { B1: pass } }],
          ResultPath: null,
          Next: 'Each',
        },
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemSelector: { 'v.$': '$$.Map.Item.Value' },
          MaxConcurrency: 2,
          ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'I', States: { I: pass } },
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
        Failed: { Type: 'Fail', Error: 'Deploy.Failed', CausePath: '$.error.Cause' },
      },
      { Comment: 'all of it', TimeoutSeconds: 3600, Version: '1.0' },
    );
    expect(validateDefinition(definition)).toEqual({ ok: true, definition });
  });

  it('accepts a JSONata machine with Arguments, Output, Condition and Items', () => {
    const definition = machine(
      {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::http:invoke',
          Arguments: { url: '{% $states.input.url %}' },
          Output: '{% $states.result.body %}',
          Assign: { body: '{% $states.result %}' },
          TimeoutSeconds: '{% 30 %}',
          Next: 'Check',
        },
        Check: {
          Type: 'Choice',
          Choices: [{ Condition: '{% $body.ok %}', Next: 'Each', Output: { ok: true } }],
          Default: 'Each',
        },
        Each: {
          Type: 'Map',
          Items: '{% [1, 2] %}',
          ItemProcessor: {
            StartAt: 'I',
            States: { I: { Type: 'Pass', Output: '{% $states.input * 2 %}', End: true } },
          },
          End: true,
        },
      },
      { QueryLanguage: 'JSONata' },
    );
    expect(validateDefinition(definition).ok).toBe(true);
  });

  it('accepts reference paths that read the context object or a variable', () => {
    const definition = machine({
      M: {
        Type: 'Map',
        ItemsPath: '$$.Execution.Input.items',
        ItemProcessor: { StartAt: 'I', States: { I: pass } },
        Next: 'W',
      },
      W: { Type: 'Wait', SecondsPath: '$delay', End: true },
    });
    expect(validateDefinition(definition).ok).toBe(true);
  });

  it('accepts a Distributed Map with reader, batcher, writer and tolerated failures', () => {
    const definition = machine({
      M: {
        Type: 'Map',
        End: true,
        ItemProcessor: distributed,
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW', MaxItems: 10 },
          Parameters: { Bucket: 'b', Key: 'k' },
        },
        ItemBatcher: { MaxItemsPerBatch: 10 },
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'b', Prefix: 'p' },
        },
        ToleratedFailurePercentage: 5,
        Label: 'batch',
      },
    });
    expect(validateDefinition(definition).ok).toBe(true);
  });
});

describe('validateDefinition: variable roots in paths', () => {
  it('accepts a Unicode variable name as a path root, as Assign accepts the name', () => {
    const result = validateDefinition({
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { café: [1, 2] }, Next: 'Each' },
        Each: {
          Type: 'Map',
          ItemsPath: '$café',
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    });
    expect(result.ok).toBe(true);
  });

  it('still rejects a variable root that is not a name', () => {
    const result = validateDefinition({
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemsPath: '$1abc',
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    });
    expect(result.ok).toBe(false);
  });
});
