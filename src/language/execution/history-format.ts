/**
 * Step Functions' wire shape of history events: AWS carries inputs, outputs, parameters and
 * assigned variable values as JSON *strings* (API_HistoryEvent). Baton keeps JSON values in
 * memory and serialises at the edge with this one function.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { isJsonObject } from '../../common/index.js';
import type { HistoryEvent } from './model.js';

/** Detail members whose values AWS sends as JSON text. */
const STRING_ENCODED = new Set(['input', 'output', 'parameters']);

/** Converts one history event to the exact shape `GetExecutionHistory` returns. */
export function toAwsHistoryEvent(event: HistoryEvent): JsonObject {
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(event)) {
    out[key] = key.endsWith('EventDetails') && isJsonObject(value) ? encodeDetails(value) : value;
  }
  return out;
}

/** The `*Details` companion AWS sends with a serialised payload (Baton never truncates). */
const DETAILS_OF: Readonly<Record<string, string>> = {
  input: 'inputDetails',
  output: 'outputDetails',
  assignedVariables: 'assignedVariablesDetails',
};
const COMPANIONS = new Set(Object.values(DETAILS_OF));

/** The members every event has; the rest are its `*EventDetails`. */
const EVENT_FIELDS = new Set(['id', 'previousEventId', 'timestamp', 'type']);

/** `"key":` for member names, which come from a small fixed set (plus variable names). */
const quotedKeys = new Map<string, string>();
function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < 1000) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/**
 * The JSON text of an event's members other than id, previousEventId, timestamp and type, in
 * the shape `toAwsHistoryEvent` gives them: exactly `JSON.stringify` of those members of
 * `toAwsHistoryEvent(event)`, written in one pass without the intermediate objects (the durable
 * engine stores every event this way).
 */
export function awsEventDetailsJson(event: HistoryEvent): string {
  let text = '{';
  for (const key in event) {
    const value = event[key];
    if (EVENT_FIELDS.has(key) || value === undefined) continue;
    if (text.length > 1) text += ',';
    text += quotedKey(key);
    text +=
      key.endsWith('EventDetails') && isJsonObject(value)
        ? detailsJson(value)
        : JSON.stringify(value);
  }
  return `${text}}`;
}

/** `JSON.stringify(encodeDetails(details))`, in one pass. */
function detailsJson(details: JsonObject): string {
  // A companion (inputDetails...) goes right after its payload, unless the details already
  // carry it: then it stays where it was, as encodeDetails's assignment leaves it.
  for (const key in details) {
    if (COMPANIONS.has(key)) return JSON.stringify(encodeDetails(details));
  }
  let text = '{';
  for (const key in details) {
    const value = details[key];
    const companion = DETAILS_OF[key];
    // A member whose value is undefined is left out, as JSON.stringify leaves it out; its
    // companion is still written, as encodeDetails sets it.
    if (value !== undefined) {
      if (text.length > 1) text += ',';
      text += quotedKey(key);
      if (STRING_ENCODED.has(key)) {
        text += JSON.stringify(JSON.stringify(value));
      } else if (key === 'assignedVariables' && isJsonObject(value)) {
        text += variablesJson(value);
      } else {
        text += JSON.stringify(value);
      }
    }
    if (companion !== undefined) {
      if (text.length > 1) text += ',';
      text += `${quotedKey(companion)}{"truncated":false}`;
    }
  }
  return `${text}}`;
}

function variablesJson(variables: JsonObject): string {
  let text = '{';
  for (const name in variables) {
    const value = variables[name];
    if (value === undefined) continue;
    if (text.length > 1) text += ',';
    text += quotedKey(name) + JSON.stringify(JSON.stringify(value));
  }
  return `${text}}`;
}

function encodeDetails(details: JsonObject): JsonObject {
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(details)) {
    if (STRING_ENCODED.has(key)) {
      out[key] = JSON.stringify(value);
    } else if (key === 'assignedVariables' && isJsonObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, v]) => [name, JSON.stringify(v)]),
      );
    } else {
      out[key] = value;
    }
    const companion = DETAILS_OF[key];
    if (companion !== undefined) out[companion] = { truncated: false };
  }
  return out;
}
