/**
 * Map Runs of Distributed Map states: ListMapRuns and DescribeMapRun (API_ListMapRuns,
 * API_DescribeMapRun, API_MapRunListItem). Records are written by the engine with the parent
 * execution's commits; these actions only read them.
 */
import type { JsonObject } from '../../common/index.js';
import type { MapRunCounts, MapRunRecord } from '../../store/index.js';
import type { SfnAction } from './context.js';
import { executionDoesNotExist, resourceNotFound, validationError } from './errors.js';
import { defined, epochSeconds } from './shapes.js';
import { ARN_RULE, PAGE_SIZE_RULE, pageSize } from './state-machine-actions.js';

const MAP_RUN_ARN_RULE = { required: true, min: 1, max: 2000 } as const;

export const listMapRuns: SfnAction = async (context, request) => {
  const arn = request.string('executionArn', ARN_RULE);
  const maxResults = request.integer('maxResults', PAGE_SIZE_RULE);
  const nextToken = request.string('nextToken', { min: 1, max: 1024 });
  request.check();
  if (arn === undefined) return {};
  context.arns.parse(arn, ['execution']);
  const execution = await context.store.executions.get(arn);
  if (!execution) throw executionDoesNotExist(arn);
  const page = await context.tokens.page(
    ['ListMapRuns', arn],
    nextToken,
    pageSize(maxResults),
    (request) => context.store.mapRuns.list(arn, request),
  );
  const stateMachineArn = context.arns.stateMachine(execution.workflow);
  return defined({
    mapRuns: page.items.map((mapRun) =>
      defined({
        executionArn: mapRun.execution,
        mapRunArn: mapRun.arn,
        stateMachineArn,
        startDate: epochSeconds(mapRun.startedAt),
        stopDate: mapRun.stoppedAt === null ? undefined : epochSeconds(mapRun.stoppedAt),
      }),
    ),
    nextToken: page.nextToken,
  });
};

export const describeMapRun: SfnAction = async (context, request) => {
  const arn = request.string('mapRunArn', MAP_RUN_ARN_RULE);
  request.check();
  if (arn === undefined) return {};
  context.arns.parse(arn, ['mapRun']);
  const mapRun = await context.store.mapRuns.get(arn);
  if (!mapRun) throw mapRunNotFound(arn);
  return describedMapRun(mapRun);
};

/**
 * UpdateMapRun: new MaxConcurrency, ToleratedFailureCount or ToleratedFailurePercentage for a
 * running Map Run (API_UpdateMapRun); the parent's next step applies them.
 */
export const updateMapRun: SfnAction = async (context, request) => {
  const arn = request.string('mapRunArn', MAP_RUN_ARN_RULE);
  const maxConcurrency = request.integer('maxConcurrency', { min: 0 });
  const toleratedFailurePercentage = request.float('toleratedFailurePercentage', {
    min: 0,
    max: 100,
  });
  const toleratedFailureCount = request.integer('toleratedFailureCount', { min: 0 });
  request.check();
  if (arn === undefined) return {};
  context.arns.parse(arn, ['mapRun']);
  const changes = {
    ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
    ...(toleratedFailureCount === undefined ? {} : { toleratedFailureCount }),
    ...(toleratedFailurePercentage === undefined ? {} : { toleratedFailurePercentage }),
  };
  if (Object.keys(changes).length === 0) {
    throw validationError(
      'Specify at least one of maxConcurrency, toleratedFailureCount and toleratedFailurePercentage.',
    );
  }
  const mapRun = await context.store.mapRuns.get(arn);
  if (!mapRun) throw mapRunNotFound(arn);
  if (!(await context.engine.updateMapRun(arn, changes))) {
    throw validationError(
      `The Map Run is ${mapRun.status}; only a running Map Run can be updated.`,
    );
  }
  return {};
};

/** ResourceNotFound, as AWS answers for a Map Run it does not have. */
export function mapRunNotFound(arn: string): ReturnType<typeof resourceNotFound> {
  return resourceNotFound(arn, `Map Run not found: '${arn}'`);
}

function describedMapRun(mapRun: MapRunRecord): JsonObject {
  // Baton runs one item per child execution (a batch counts as one item here), so item and
  // execution counts agree; nothing is written to S3 (no ResultWriter), so resultsWritten is 0.
  const counts = countsShape(mapRun.counts);
  return defined({
    mapRunArn: mapRun.arn,
    executionArn: mapRun.execution,
    status: mapRun.status,
    startDate: epochSeconds(mapRun.startedAt),
    stopDate: mapRun.stoppedAt === null ? undefined : epochSeconds(mapRun.stoppedAt),
    maxConcurrency: mapRun.maxConcurrency,
    toleratedFailurePercentage: mapRun.toleratedFailurePercentage ?? 0,
    toleratedFailureCount: mapRun.toleratedFailureCount ?? 0,
    itemCounts: counts,
    executionCounts: counts,
    redriveCount: mapRun.redriveCount,
    redriveDate: mapRun.redriveDate === null ? undefined : epochSeconds(mapRun.redriveDate),
  });
}

function countsShape(counts: MapRunCounts): JsonObject {
  return {
    pending: counts.pending,
    running: counts.running,
    succeeded: counts.succeeded,
    failed: counts.failed,
    timedOut: counts.timedOut,
    aborted: counts.aborted,
    total: counts.total,
    resultsWritten: 0,
    failuresNotRedrivable: 0,
    pendingRedrive: 0,
  };
}
