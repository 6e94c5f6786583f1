/**
 * ASL conformance suite: every cases/*.json file is one topic, each case a definition, an input,
 * mocked task results and the expected output or error. Cases are written from the ASL
 * specification and the AWS Step Functions documentation (each file and case names its source).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runLocal } from '../../src/local/index.js';
import { step } from '../../src/language/index.js';
import type { LocalRunOptions, MockTable } from '../../src/local/index.js';
import type { JsonValue } from '../../src/common/index.js';
import type { StateMachineDefinition } from '../../src/language/index.js';
import { validateDefinition } from '../../src/language/definition/index.js';
import { expectDetailsTextAsReference } from '../support/history-details.js';

/**
 * Case files hold definitions as plain JSON documents, exactly as a user would write them.
 * Each must pass the validator first, as AWS refuses an invalid definition at
 * CreateStateMachine: a case that only "works" because nothing checked it proves nothing.
 */
function validated(document: JsonValue, context: string): StateMachineDefinition {
  const result = validateDefinition(document);
  if (!result.ok) {
    const problems = result.diagnostics.map((d) => `  ${d.pointer}: ${d.message} [${d.code}]`);
    return expect.fail(`${context}\nthe case's definition is invalid:\n${problems.join('\n')}`);
  }
  return result.definition;
}

/**
 * `step` with every snapshot it is given deep-frozen first: the durable engine keeps the
 * snapshot a step returned and hands the same object to the next step (its snapshot cache), so
 * a step that wrote into its input would corrupt the cached state. In strict mode, a write to a
 * frozen object throws.
 */
const frozenStep: typeof step = (definition, snapshot, event) =>
  step(definition, snapshot === undefined ? undefined : deepFreeze(snapshot), event);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

const MINIMUM_CASES = 500;
const casesDir = join(dirname(fileURLToPath(import.meta.url)), 'cases');

type Expected =
  | { readonly kind: 'output'; readonly output: JsonValue }
  | {
      readonly kind: 'error';
      readonly error: string;
      readonly cause?: string;
      readonly causeContains?: string;
    };

interface ConformanceCase {
  readonly name: string;
  readonly source?: string;
  readonly definition: JsonValue;
  readonly input: JsonValue;
  readonly mocks?: MockTable;
  readonly options: Omit<LocalRunOptions, 'input' | 'mocks'>;
  readonly expected: Expected;
}

interface ConformanceFile {
  readonly file: string;
  readonly topic: string;
  readonly source: string;
  readonly cases: readonly ConformanceCase[];
}

const CASE_KEYS = new Set([
  'name',
  'source',
  'definition',
  'input',
  'mocks',
  'options',
  'expected',
]);
const OPTION_KEYS = new Set(['payloadLimitBytes', 'executionName', 'startTime', 'seed']);
const OUTCOME_KEYS = new Set(['result', 'error', 'cause', 'expectInput']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Narrows an untyped JSON value; the JSON parser only ever produces JSON values. */
function isJsonValue(value: unknown): value is JsonValue {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isJsonValue);
  return isRecord(value) && Object.values(value).every(isJsonValue);
}

class MalformedCaseError extends Error {
  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.name = 'MalformedCaseError';
  }
}

function requireString(value: unknown, where: string, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new MalformedCaseError(where, `"${field}" must be a non-empty string`);
  }
  return value;
}

function checkOutcome(value: unknown, where: string): void {
  if (!isRecord(value)) throw new MalformedCaseError(where, 'a mock outcome must be an object');
  for (const key of Object.keys(value)) {
    if (!OUTCOME_KEYS.has(key)) throw new MalformedCaseError(where, `unknown mock key "${key}"`);
  }
  const hasResult = 'result' in value;
  const hasError = 'error' in value;
  if (hasResult === hasError) {
    throw new MalformedCaseError(where, 'a mock outcome needs exactly one of "result" or "error"');
  }
  if (hasError) requireString(value['error'], where, 'error');
  if ('cause' in value && typeof value['cause'] !== 'string') {
    throw new MalformedCaseError(where, '"cause" must be a string');
  }
  if (hasResult && 'cause' in value) {
    throw new MalformedCaseError(where, '"cause" only goes with "error"');
  }
}

function parseMocks(value: unknown, where: string): MockTable | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value) || !isJsonValue(value)) {
    throw new MalformedCaseError(
      where,
      '"mocks" must be an object keyed by state name or resource',
    );
  }
  for (const [key, mock] of Object.entries(value)) {
    const at = `${where} mock "${key}"`;
    if (Array.isArray(mock)) {
      if (mock.length === 0) throw new MalformedCaseError(at, 'a mock sequence must not be empty');
      mock.forEach((outcome, i) => checkOutcome(outcome, `${at}[${i}]`));
    } else {
      checkOutcome(mock, at);
    }
  }
  // Checked above: every entry is an outcome or a non-empty sequence of outcomes.
  return value as unknown as MockTable;
}

function parseOptions(value: unknown, where: string): ConformanceCase['options'] {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new MalformedCaseError(where, '"options" must be an object');
  const options: {
    -readonly [K in keyof ConformanceCase['options']]: ConformanceCase['options'][K];
  } = {};
  for (const [key, option] of Object.entries(value)) {
    if (!OPTION_KEYS.has(key)) throw new MalformedCaseError(where, `unknown option "${key}"`);
    if (key === 'payloadLimitBytes' || key === 'seed') {
      if (typeof option !== 'number' || !Number.isInteger(option)) {
        throw new MalformedCaseError(where, `option "${key}" must be an integer`);
      }
      options[key] = option;
    } else {
      const text = requireString(option, where, key);
      if (key === 'startTime' && Number.isNaN(Date.parse(text))) {
        throw new MalformedCaseError(where, 'option "startTime" must be an ISO-8601 timestamp');
      }
      if (key === 'startTime') options.startTime = text;
      else options.executionName = text;
    }
  }
  return options;
}

function parseExpected(value: unknown, where: string): Expected {
  if (!isRecord(value)) throw new MalformedCaseError(where, '"expected" must be an object');
  const keys = Object.keys(value);
  if ('output' in value) {
    if (keys.length !== 1 || !isJsonValue(value['output'])) {
      throw new MalformedCaseError(where, '"expected" with "output" must have no other keys');
    }
    return { kind: 'output', output: value['output'] };
  }
  const error = requireString(value['error'], where, 'expected.error');
  for (const key of keys) {
    if (!['error', 'cause', 'causeContains'].includes(key)) {
      throw new MalformedCaseError(where, `unknown key "expected.${key}"`);
    }
  }
  if ('cause' in value && 'causeContains' in value) {
    throw new MalformedCaseError(where, 'use either "cause" or "causeContains", not both');
  }
  const cause = value['cause'];
  const causeContains = value['causeContains'];
  if (cause !== undefined && typeof cause !== 'string') {
    throw new MalformedCaseError(where, '"expected.cause" must be a string');
  }
  if (causeContains !== undefined) requireString(causeContains, where, 'expected.causeContains');
  return {
    kind: 'error',
    error,
    ...(typeof cause === 'string' ? { cause } : {}),
    ...(typeof causeContains === 'string' ? { causeContains } : {}),
  };
}

function parseCase(value: unknown, where: string): ConformanceCase {
  if (!isRecord(value)) throw new MalformedCaseError(where, 'a case must be an object');
  for (const key of Object.keys(value)) {
    if (!CASE_KEYS.has(key)) throw new MalformedCaseError(where, `unknown case key "${key}"`);
  }
  const name = requireString(value['name'], where, 'name');
  const at = `${where} "${name}"`;
  const definition = value['definition'];
  if (!isRecord(definition) || !isJsonValue(definition)) {
    throw new MalformedCaseError(at, '"definition" must be an object');
  }
  if (typeof definition['StartAt'] !== 'string' || !isRecord(definition['States'])) {
    throw new MalformedCaseError(at, '"definition" needs "StartAt" and "States"');
  }
  if (!('input' in value) || !isJsonValue(value['input'])) {
    throw new MalformedCaseError(at, '"input" must be present and be JSON');
  }
  const source = value['source'];
  if (source !== undefined) requireString(source, at, 'source');
  const mocks = parseMocks(value['mocks'], at);
  return {
    name,
    ...(typeof source === 'string' ? { source } : {}),
    definition,
    input: value['input'],
    ...(mocks === undefined ? {} : { mocks }),
    options: parseOptions(value['options'], at),
    expected: parseExpected(value['expected'], at),
  };
}

function loadFile(file: string): ConformanceFile {
  const raw: unknown = JSON.parse(readFileSync(join(casesDir, file), 'utf8'));
  if (!isRecord(raw)) throw new MalformedCaseError(file, 'the file must hold an object');
  const topic = requireString(raw['topic'], file, 'topic');
  const source = requireString(raw['source'], file, 'source');
  if (!Array.isArray(raw['cases']) || raw['cases'].length === 0) {
    throw new MalformedCaseError(file, '"cases" must be a non-empty array');
  }
  const cases = raw['cases'].map((c: unknown, i: number) => parseCase(c, `${file} case #${i}`));
  const seen = new Set<string>();
  for (const c of cases) {
    if (seen.has(c.name)) throw new MalformedCaseError(file, `duplicate case name "${c.name}"`);
    seen.add(c.name);
  }
  return { file, topic, source, cases };
}

const files = readdirSync(casesDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map(loadFile);

describe('conformance suite', () => {
  it(`has at least ${MINIMUM_CASES} cases`, () => {
    const total = files.reduce((sum, f) => sum + f.cases.length, 0);
    expect(total).toBeGreaterThanOrEqual(MINIMUM_CASES);
  });
});

for (const file of files) {
  describe(`${file.topic} (${file.file})`, () => {
    for (const c of file.cases) {
      it(c.name, async () => {
        const context = `source: ${c.source ?? file.source}`;
        const options = {
          input: c.input,
          ...(c.mocks === undefined ? {} : { mocks: c.mocks }),
          ...c.options,
        };
        const result = await runLocal(validated(c.definition, context), options);
        // The same run with frozen snapshots ends the same way: step never writes its input.
        const frozen = await runLocal(validated(c.definition, context), {
          ...options,
          step: frozenStep,
        });
        expect(frozen, `${context}\nstep() wrote into the snapshot it was given`).toStrictEqual(
          result,
        );
        // The engine stores each event's details with the one-pass writer: same text.
        for (const event of result.history) {
          expectDetailsTextAsReference(event, `${context}\nevent ${event.id} ${event.type}`);
        }
        if (c.expected.kind === 'output') {
          if (result.status !== 'SUCCEEDED') {
            expect.fail(
              `${context}\nexpected SUCCEEDED but got ${result.status}: ${result.error}: ${result.cause}`,
            );
          }
          expect(result.output, context).toStrictEqual(c.expected.output);
          return;
        }
        if (result.status === 'SUCCEEDED') {
          expect.fail(
            `${context}\nexpected ${c.expected.error} but SUCCEEDED with ${JSON.stringify(result.output)}`,
          );
        }
        expect(result.status, context).toBe('FAILED');
        expect(result.error, `${context}\ncause: ${result.cause}`).toBe(c.expected.error);
        if (c.expected.cause !== undefined) expect(result.cause, context).toBe(c.expected.cause);
        if (c.expected.causeContains !== undefined) {
          expect(result.cause, context).toContain(c.expected.causeContains);
        }
      });
    }
  });
}
