/**
 * Store records to the response shapes of the Step Functions API (API_DescribeExecution,
 * API_ExecutionListItem, API_HistoryEvent...). Timestamps go out as epoch seconds (numbers
 * with a fraction for milliseconds), as the AWS JSON protocol encodes them.
 */
import type { JsonObject, JsonValue } from '../../common/index.js';
import { isJsonObject } from '../../common/index.js';
import { parseTimestamp } from '../../language/index.js';
import type {
  ExecutionRecord,
  StoredEvent,
  WorkflowAlias,
  WorkflowRecord,
} from '../../store/index.js';
import type { Arns } from './arns.js';

/** ISO-8601 text (as the store keeps instants) to epoch seconds. */
export function epochSeconds(iso: string): number {
  const ms = parseTimestamp(iso);
  if (ms === undefined) throw new TypeError(`stored timestamp ${iso} is not ISO-8601`);
  return ms / 1000;
}

/** Optional members: present only when defined (AWS omits absent members). */
export function defined(members: Readonly<Record<string, JsonValue | undefined>>): JsonObject {
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(members)) if (value !== undefined) out[key] = value;
  return out;
}

export function stateMachineListItem(arns: Arns, workflow: WorkflowRecord): JsonObject {
  return {
    stateMachineArn: arns.stateMachine(workflow.name),
    name: workflow.name,
    type: workflow.type,
    creationDate: epochSeconds(workflow.createdAt),
  };
}

/** The version and alias an execution was started through, as ARNs. */
function qualifiers(arns: Arns, execution: ExecutionRecord): JsonObject {
  return defined({
    stateMachineVersionArn:
      execution.version === null ? undefined : arns.version(execution.workflow, execution.version),
    stateMachineAliasArn:
      execution.alias === null ? undefined : arns.alias(execution.workflow, execution.alias),
  });
}

export function executionListItem(arns: Arns, execution: ExecutionRecord): JsonObject {
  return defined({
    executionArn: execution.id,
    stateMachineArn: arns.stateMachine(execution.workflow),
    name: execution.name,
    status: execution.status,
    startDate: epochSeconds(execution.startedAt),
    stopDate: execution.stoppedAt === null ? undefined : epochSeconds(execution.stoppedAt),
    ...qualifiers(arns, execution),
    redriveCount: execution.redriveCount,
  });
}

/** Whether RedriveExecution would take the execution, and AWS's reason when not. */
export type RedriveStatus =
  { readonly redrivable: true } | { readonly redrivable: false; readonly reason: string };

export function describeExecution(
  arns: Arns,
  execution: ExecutionRecord,
  includeData: boolean,
  redrive: RedriveStatus,
): JsonObject {
  return defined({
    executionArn: execution.id,
    stateMachineArn: arns.stateMachine(execution.workflow),
    name: execution.name,
    status: execution.status,
    startDate: epochSeconds(execution.startedAt),
    stopDate: execution.stoppedAt === null ? undefined : epochSeconds(execution.stoppedAt),
    input: includeData ? execution.input : undefined,
    inputDetails: { included: includeData },
    output: includeData && execution.output !== null ? execution.output : undefined,
    outputDetails: execution.output === null ? undefined : { included: includeData },
    error: execution.error ?? undefined,
    cause: execution.cause ?? undefined,
    ...qualifiers(arns, execution),
    redriveCount: execution.redriveCount,
    redriveStatus: redrive.redrivable ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
    redriveStatusReason: redrive.redrivable ? undefined : redrive.reason,
    // A Distributed Map's child execution names its Map Run (API_DescribeExecution).
    mapRunArn: execution.mapRun ?? undefined,
  });
}

/** Detail members that carry execution data (dropped when includeExecutionData is false). */
const DATA_MEMBERS = new Set(['input', 'output', 'inputDetails', 'outputDetails', 'parameters']);

/** A stored history event in GetExecutionHistory's shape. */
export function historyEvent(event: StoredEvent, includeData: boolean): JsonObject {
  const parsed: unknown = JSON.parse(event.details);
  const details: JsonObject = isJsonObject(parsed) ? parsed : {};
  const out: Record<string, JsonValue> = {
    timestamp: epochSeconds(event.timestamp),
    type: event.type,
    id: event.id,
    previousEventId: event.previousEventId,
  };
  for (const [key, value] of Object.entries(details)) {
    out[key] = includeData || !isJsonObject(value) ? value : withoutData(value);
  }
  return out;
}

function withoutData(details: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(details).filter(([key]) => !DATA_MEMBERS.has(key)));
}

export function describeAlias(arns: Arns, alias: WorkflowAlias): JsonObject {
  return defined({
    stateMachineAliasArn: arns.alias(alias.workflow, alias.name),
    name: alias.name,
    description: alias.description ?? undefined,
    routingConfiguration: alias.routing.map((route) => ({
      stateMachineVersionArn: arns.version(alias.workflow, route.version),
      weight: route.weight,
    })),
    creationDate: epochSeconds(alias.createdAt),
    updateDate: epochSeconds(alias.updatedAt),
  });
}
