/**
 * Parallel and Map specifics (AWS state-parallel, state-map, state-map-inline,
 * state-map-distributed): branches, ItemProcessor/Iterator, ProcessorConfig, and the
 * Distributed-only fields ItemReader, ItemBatcher, ResultWriter, Label and ToleratedFailure*.
 */
import type { JsonObject } from '../../common/index.js';
import { getOwn, isJsonObject } from '../../common/index.js';
import { childPointer } from './diagnostics.js';
import type { LanguageFieldTables } from './field-sets.js';
import { atMostOne, checkFields, requireFields, sameInBoth } from './field-sets.js';
import type { FieldCheck, StateContext } from './state-context.js';
import {
  checkEnum,
  checkInteger,
  checkJsonataObjectOrExpression,
  checkNonEmptyString,
  checkPath,
  checkPayloadTemplate,
  MAX_PAYLOAD_BYTES,
  nonEmptyArray,
  orJsonata,
  typeName,
  where,
} from './value-checks.js';

export const checkBranches: FieldCheck = (ctx, value, pointer) => {
  const branches = nonEmptyArray(ctx, value, pointer, {
    what: where(ctx),
    field: 'Branches',
    elements: 'branches',
    whenEmpty: 'a Parallel state needs at least one branch',
  });
  branches?.forEach((branch, index) =>
    ctx.validateBranch(branch, childPointer(pointer, index), 'Branch'),
  );
};

export const checkItemProcessor: FieldCheck = (ctx, value, pointer) =>
  ctx.validateBranch(value, pointer, 'ItemProcessor');
export const checkIterator: FieldCheck = (ctx, value, pointer) =>
  ctx.validateBranch(value, pointer, 'Iterator');

const PROCESSOR_CONFIG_FIELDS = sameInBoth({
  Mode: checkEnum(['INLINE', 'DISTRIBUTED']),
  ExecutionType: checkEnum(['STANDARD', 'EXPRESS']),
});

/** ProcessorConfig of an ItemProcessor; ExecutionType is required in DISTRIBUTED mode. */
export const checkProcessorConfig: FieldCheck = (ctx, value, pointer) => {
  const what = `${where(ctx)} ProcessorConfig`;
  if (!isJsonObject(value)) {
    ctx.report('WRONG_TYPE', pointer, `${what} must be an object, but it is ${typeName(value)}.`);
    return;
  }
  checkFields(ctx, value, pointer, what, PROCESSOR_CONFIG_FIELDS);
  if (getOwn(value, 'Mode') === 'DISTRIBUTED')
    requireFields(ctx, value, pointer, what, ['ExecutionType']);
};

/** An object field with its own field table and required fields. */
function objectWith(
  name: string,
  tables: LanguageFieldTables,
  required: readonly string[],
  extra?: (ctx: StateContext, value: JsonObject, pointer: string, what: string) => void,
): FieldCheck {
  return (ctx, value, pointer) => {
    const what = `${where(ctx)} ${name}`;
    if (!isJsonObject(value)) {
      ctx.report('WRONG_TYPE', pointer, `${what} must be an object, but it is ${typeName(value)}.`);
      return;
    }
    checkFields(ctx, value, pointer, what, tables);
    requireFields(ctx, value, pointer, what, required);
    extra?.(ctx, value, pointer, what);
  };
}

const MAX_ITEMS = 100_000_000;

const READER_CONFIG_COMMON = {
  InputType: checkEnum(['CSV', 'JSON', 'JSONL', 'MANIFEST', 'PARQUET']),
  CSVHeaderLocation: checkEnum(['FIRST_ROW', 'GIVEN']),
  CSVHeaders: checkStringArray,
  CSVDelimiter: checkEnum(['COMMA', 'PIPE', 'SEMICOLON', 'SPACE', 'TAB']),
  ManifestType: checkEnum(['ATHENA_DATA', 'S3_INVENTORY', 'CSV']),
  MaxItems: orJsonata(checkInteger(0, MAX_ITEMS)),
};

const checkReaderConfig = objectWith(
  'ItemReader.ReaderConfig',
  {
    JSONPath: { ...READER_CONFIG_COMMON, MaxItemsPath: checkPath('ReferencePath') },
    JSONata: READER_CONFIG_COMMON,
  },
  [],
  (ctx, value, pointer, what) => {
    atMostOne(ctx, value, pointer, what, ['MaxItems', 'MaxItemsPath']);
    if (getOwn(value, 'CSVHeaderLocation') === 'GIVEN')
      requireFields(ctx, value, pointer, what, ['CSVHeaders']);
  },
);

const RESOURCE_FIELDS = {
  JSONPath: { Resource: checkNonEmptyString, Parameters: checkPayloadTemplate },
  JSONata: { Resource: checkNonEmptyString, Arguments: checkJsonataObjectOrExpression },
};

const checkItemReader = objectWith(
  'ItemReader',
  {
    JSONPath: { ...RESOURCE_FIELDS.JSONPath, ReaderConfig: checkReaderConfig },
    JSONata: { ...RESOURCE_FIELDS.JSONata, ReaderConfig: checkReaderConfig },
  },
  ['Resource'],
);

const BATCHER_COMMON = {
  MaxItemsPerBatch: orJsonata(checkInteger(1, MAX_ITEMS)),
  MaxInputBytesPerBatch: orJsonata(checkInteger(1, MAX_PAYLOAD_BYTES)),
};

const checkItemBatcher = objectWith(
  'ItemBatcher',
  {
    JSONPath: {
      ...BATCHER_COMMON,
      MaxItemsPerBatchPath: checkPath('ReferencePath'),
      MaxInputBytesPerBatchPath: checkPath('ReferencePath'),
      BatchInput: checkPayloadTemplate,
    },
    JSONata: { ...BATCHER_COMMON, BatchInput: checkJsonataObjectOrExpression },
  },
  [],
  (ctx, value, pointer, what) => {
    atMostOne(ctx, value, pointer, what, ['MaxItemsPerBatch', 'MaxItemsPerBatchPath']);
    atMostOne(ctx, value, pointer, what, ['MaxInputBytesPerBatch', 'MaxInputBytesPerBatchPath']);
    const limits = [
      'MaxItemsPerBatch',
      'MaxItemsPerBatchPath',
      'MaxInputBytesPerBatch',
      'MaxInputBytesPerBatchPath',
    ];
    if (!limits.some((field) => getOwn(value, field) !== undefined)) {
      ctx.report(
        'ONE_OF_REQUIRED',
        pointer,
        `${what} needs "MaxItemsPerBatch" or "MaxInputBytesPerBatch" (or both), but has neither.`,
      );
    }
  },
);

const WRITER_CONFIG_FIELDS = sameInBoth({
  OutputType: checkEnum(['JSON', 'JSONL']),
  Transformation: checkEnum(['NONE', 'COMPACT', 'FLATTEN']),
});

const checkResultWriter = objectWith(
  'ResultWriter',
  {
    JSONPath: {
      ...RESOURCE_FIELDS.JSONPath,
      WriterConfig: objectWith('ResultWriter.WriterConfig', WRITER_CONFIG_FIELDS, []),
    },
    JSONata: {
      ...RESOURCE_FIELDS.JSONata,
      WriterConfig: objectWith('ResultWriter.WriterConfig', WRITER_CONFIG_FIELDS, []),
    },
  },
  [],
  (ctx, value, pointer, what) => {
    if (getOwn(value, 'Resource') === undefined && getOwn(value, 'WriterConfig') === undefined) {
      ctx.report(
        'ONE_OF_REQUIRED',
        pointer,
        `${what} needs "Resource" (with "Parameters"/"Arguments") or "WriterConfig".`,
      );
    }
  },
);

function checkStringArray(ctx: StateContext, value: unknown, pointer: string): void {
  if (!Array.isArray(value) || !value.every((item: unknown) => typeof item === 'string')) {
    ctx.report('WRONG_TYPE', pointer, `${where(ctx)}: CSVHeaders must be an array of strings.`);
  }
}

/** Label: up to 40 characters, none of them whitespace or special (state-map-distributed). */
const checkLabel: FieldCheck = (ctx, value, pointer) => {
  if (typeof value !== 'string') {
    ctx.report(
      'WRONG_TYPE',
      pointer,
      `${where(ctx)}: "Label" must be a string, but it is ${typeName(value)}.`,
    );
  } else if ([...value].length > 40 || value === '' || /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/.test(value)) {
    ctx.report(
      'INVALID_VALUE',
      pointer,
      `${where(ctx)}: "Label" must be 1 to 40 characters without whitespace, brackets, wildcards or special characters, but it is "${value}".`,
    );
  }
};

export const MAP_DISTRIBUTED_CHECKS = {
  ItemReader: checkItemReader,
  ItemBatcher: checkItemBatcher,
  ResultWriter: checkResultWriter,
  Label: checkLabel,
};

/** The fields AWS accepts only when ItemProcessor.ProcessorConfig.Mode is DISTRIBUTED. */
const DISTRIBUTED_ONLY = [
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'Label',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
];

/** Cross-field rules of a Map state. */
export function checkMapRelations(ctx: StateContext): void {
  const { state, statePointer } = ctx;
  const what = where(ctx);
  const processor = getOwn(state, 'ItemProcessor');
  const hasProcessor = processor !== undefined;
  const hasIterator = getOwn(state, 'Iterator') !== undefined;
  if (!hasProcessor && !hasIterator) {
    ctx.report(
      'MISSING_FIELD',
      statePointer,
      `${what} is missing the required field "ItemProcessor" (the states that process each item).`,
    );
  } else if (hasProcessor && hasIterator) {
    ctx.report(
      'MUTUALLY_EXCLUSIVE_FIELDS',
      childPointer(statePointer, 'Iterator'),
      `${what} has both "ItemProcessor" and the deprecated "Iterator"; keep only "ItemProcessor".`,
    );
  }
  for (const pair of [
    ['ItemSelector', 'Parameters'],
    ['Items', 'ItemsPath'],
    ['MaxConcurrency', 'MaxConcurrencyPath'],
    ['ToleratedFailureCount', 'ToleratedFailureCountPath'],
    ['ToleratedFailurePercentage', 'ToleratedFailurePercentagePath'],
  ]) {
    atMostOne(ctx, state, statePointer, what, pair);
  }
  const config = isJsonObject(processor) ? getOwn(processor, 'ProcessorConfig') : undefined;
  const isDistributed = isJsonObject(config) && getOwn(config, 'Mode') === 'DISTRIBUTED';
  if (isDistributed) return;
  for (const field of DISTRIBUTED_ONLY) {
    if (getOwn(state, field) !== undefined) {
      ctx.report(
        'MAP_FIELD_REQUIRES_DISTRIBUTED',
        childPointer(statePointer, field),
        `${what} has "${field}", which only a Distributed Map accepts; set "ItemProcessor": { "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" } } or remove "${field}".`,
      );
    }
  }
}
