/**
 * Every diagnostic code the parser and validator emit, with a one-line summary. Codes are a
 * stable contract (CLI output, API responses, tests): add new ones, never rename.
 */
export const DIAGNOSTIC_CODES = Object.freeze({
  // Reading the text (src/language/definition/parse.ts, src/definition-source/).
  JSON_SYNTAX: 'The text is not valid JSON.',
  YAML_SYNTAX: 'The text is not valid YAML.',
  DUPLICATE_KEY: 'An object has the same key twice.',
  UNSUPPORTED_VALUE:
    'A YAML value has no JSON equivalent (tags, non-finite numbers, keys that are not scalars).',
  FILE_UNREADABLE: 'The CLI could not read the file.',
  // Shape of fields.
  WRONG_TYPE: 'A field has the wrong JSON type.',
  MISSING_FIELD: 'A required field is absent.',
  UNKNOWN_FIELD: 'A field is not allowed here.',
  FIELD_NOT_IN_QUERY_LANGUAGE: 'A field exists only in the other query language.',
  INVALID_VALUE: 'A field has a value outside its allowed set.',
  OUT_OF_RANGE: 'A number is outside its allowed range.',
  EMPTY_ARRAY: 'An array that needs at least one element is empty.',
  MUTUALLY_EXCLUSIVE_FIELDS: 'Two fields that exclude each other are both present.',
  ONE_OF_REQUIRED: 'None of a set of fields, one of which is required, is present.',
  // States and transitions.
  INVALID_STATE_TYPE: 'A state has an unknown Type.',
  EMPTY_STATES: 'A States object has no states.',
  STATE_NAME_TOO_LONG: 'A state name is longer than 80 characters.',
  DUPLICATE_STATE_NAME: 'Two states in one machine (including nested branches) share a name.',
  UNKNOWN_START_AT: 'StartAt names no state of its States object.',
  UNKNOWN_TARGET: 'Next, Default or a Catcher names no state of the machine.',
  TARGET_OUT_OF_SCOPE: 'A transition leaves its branch, or enters another one.',
  MISSING_TRANSITION: 'A state has neither Next nor End.',
  UNREACHABLE_STATE: 'No path from StartAt leads to a state.',
  NO_TERMINAL_STATE: 'A machine or branch has no state that can end it.',
  JSONPATH_IN_JSONATA_MACHINE: 'A state asks for JSONPath while the machine is JSONata.',
  // Expressions.
  INVALID_PATH: 'A Path has invalid syntax.',
  INVALID_REFERENCE_PATH: 'A Reference Path has invalid syntax or uses operators it may not.',
  INVALID_INTRINSIC: 'An intrinsic function call has invalid syntax.',
  INVALID_JSONATA: 'A {% %} JSONata expression has invalid syntax.',
  INVALID_TIMESTAMP: 'A timestamp is not an RFC 3339 date-time.',
  DUPLICATE_TEMPLATE_FIELD: 'A payload template has both "x" and "x.$".',
  // Timeouts.
  HEARTBEAT_NOT_BELOW_TIMEOUT: 'HeartbeatSeconds is not smaller than TimeoutSeconds.',
  // Choice.
  CHOICE_RULE_OPERATOR_COUNT: 'A Choice rule does not have exactly one comparison.',
  CHOICE_RULE_NEXT_NOT_ALLOWED: 'A nested Choice rule has Next (or Assign/Output).',
  // Retry and Catch.
  STATES_ALL_NOT_ALONE: 'States.ALL shares an ErrorEquals with other names.',
  STATES_ALL_NOT_LAST: 'A Retrier or Catcher with States.ALL is not the last one.',
  // Variables.
  INVALID_VARIABLE_NAME: 'An Assign key is not a valid variable name.',
  RESERVED_VARIABLE_NAME: 'An Assign key uses the reserved name "states".',
  // Map.
  MAP_FIELD_REQUIRES_DISTRIBUTED: 'A Map field exists only in Distributed mode.',
  // Limits.
  PAYLOAD_TOO_LARGE: 'A literal value is larger than the 256 KiB payload limit.',
});

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** All codes, in declaration order. */
export const ALL_DIAGNOSTIC_CODES: readonly DiagnosticCode[] = [
  'JSON_SYNTAX',
  'YAML_SYNTAX',
  'DUPLICATE_KEY',
  'UNSUPPORTED_VALUE',
  'FILE_UNREADABLE',
  'WRONG_TYPE',
  'MISSING_FIELD',
  'UNKNOWN_FIELD',
  'FIELD_NOT_IN_QUERY_LANGUAGE',
  'INVALID_VALUE',
  'OUT_OF_RANGE',
  'EMPTY_ARRAY',
  'MUTUALLY_EXCLUSIVE_FIELDS',
  'ONE_OF_REQUIRED',
  'INVALID_STATE_TYPE',
  'EMPTY_STATES',
  'STATE_NAME_TOO_LONG',
  'DUPLICATE_STATE_NAME',
  'UNKNOWN_START_AT',
  'UNKNOWN_TARGET',
  'TARGET_OUT_OF_SCOPE',
  'MISSING_TRANSITION',
  'UNREACHABLE_STATE',
  'NO_TERMINAL_STATE',
  'JSONPATH_IN_JSONATA_MACHINE',
  'INVALID_PATH',
  'INVALID_REFERENCE_PATH',
  'INVALID_INTRINSIC',
  'INVALID_JSONATA',
  'INVALID_TIMESTAMP',
  'DUPLICATE_TEMPLATE_FIELD',
  'HEARTBEAT_NOT_BELOW_TIMEOUT',
  'CHOICE_RULE_OPERATOR_COUNT',
  'CHOICE_RULE_NEXT_NOT_ALLOWED',
  'STATES_ALL_NOT_ALONE',
  'STATES_ALL_NOT_LAST',
  'INVALID_VARIABLE_NAME',
  'RESERVED_VARIABLE_NAME',
  'MAP_FIELD_REQUIRES_DISTRIBUTED',
  'PAYLOAD_TOO_LARGE',
];
