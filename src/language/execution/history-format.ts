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
