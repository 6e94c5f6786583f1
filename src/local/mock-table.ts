/**
 * Checks a mock table read from a file: every entry a `{"result": ...}`, an
 * `{"error": "...", "cause": "..."}`, or a non-empty array of those. Problems name the JSON
 * pointer of the bad entry and what to write instead.
 */
import type { JsonValue } from '../common/index.js';
import { isJsonArray, isJsonObject } from '../common/index.js';
import { LocalRunnerError } from './errors.js';
import type { Mock, MockOutcome, MockTable } from './types.js';

const OUTCOME_KEYS = new Set(['result', 'error', 'cause', 'expectInput']);

/** Narrows parsed JSON to a MockTable. @throws LocalRunnerError('BAD_MOCK_FILE') naming the entry. */
export function parseMockTable(value: JsonValue, source = 'mock file'): MockTable {
  if (!isJsonObject(value)) {
    throw bad(source, '', 'must be an object keyed by state name or resource ARN');
  }
  const table: Record<string, Mock> = {};
  for (const [key, entry] of Object.entries(value)) {
    const pointer = `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    let mock: Mock;
    if (isJsonArray(entry)) {
      if (entry.length === 0)
        throw bad(source, pointer, 'is an empty sequence; give at least one outcome');
      mock = entry.map((item, i) => parseOutcome(item, source, `${pointer}/${i}`));
    } else {
      mock = parseOutcome(entry, source, pointer);
    }
    // defineProperty: `table["__proto__"] = mock` would set the table's prototype instead of
    // adding an entry (a state may be named "__proto__").
    Object.defineProperty(table, key, {
      value: mock,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return table;
}

/** Narrows one outcome. @throws LocalRunnerError('BAD_MOCK_FILE') */
export function parseOutcome(entry: JsonValue, source: string, pointer: string): MockOutcome {
  if (!isJsonObject(entry)) {
    throw bad(source, pointer, 'must be {"result": ...} or {"error": "Name", "cause": "..."}');
  }
  for (const key of Object.keys(entry)) {
    if (!OUTCOME_KEYS.has(key)) {
      throw bad(
        source,
        `${pointer}/${key}`,
        'is not a mock field; use result, error, cause or expectInput',
      );
    }
  }
  const expect = entry['expectInput'];
  const expectInput = expect === undefined ? {} : { expectInput: expect };
  const hasResult = Object.hasOwn(entry, 'result');
  const error = entry['error'];
  if (hasResult && error !== undefined)
    throw bad(source, pointer, 'has both result and error; keep one');
  if (hasResult) return { result: entry['result'] ?? null, ...expectInput };
  if (typeof error !== 'string' || error === '') {
    throw bad(source, pointer, 'needs "result" or a non-empty string "error"');
  }
  const cause = entry['cause'];
  if (cause !== undefined && typeof cause !== 'string')
    throw bad(source, `${pointer}/cause`, 'must be a string');
  return { error, ...(cause === undefined ? {} : { cause }), ...expectInput };
}

function bad(source: string, pointer: string, problem: string): LocalRunnerError {
  return new LocalRunnerError(
    'BAD_MOCK_FILE',
    `${source}${pointer === '' ? '' : ` at ${pointer}`}: the entry ${problem}.`,
  );
}
