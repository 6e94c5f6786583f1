/**
 * Activities (API_CreateActivity, API_GetActivityTask...): named queues of tasks that workers
 * long-poll. A worker's GetActivityTask waits up to 60 seconds for a task and answers with no
 * token when none came; the task token it gets is answered with SendTaskSuccess/Failure/Heartbeat.
 */
import { EngineError } from '../../engine/index.js';
import type { ActivityRecord } from '../../store/index.js';
import type { SfnAction } from './context.js';
import { nowText } from './context.js';
import { activityDoesNotExist } from './errors.js';
import { epochSeconds, defined } from './shapes.js';
import { ARN_RULE, PAGE_SIZE_RULE, pageSize } from './state-machine-actions.js';
import { fromEngineError, requireValidName } from './translate.js';

const NAME_RULE = { required: true, min: 1, max: 80 } as const;
const TOKEN_RULE = { min: 1, max: 1024 } as const;

export const createActivity: SfnAction = async (context, request) => {
  const name = request.string('name', NAME_RULE);
  request.list('tags', { max: 50 }, () => undefined);
  request.object('encryptionConfiguration');
  request.check();
  if (name === undefined) return {};
  requireValidName('workflow', name);
  const activity = await context.store.activities.create(name, nowText(context));
  return {
    activityArn: context.arns.activity(activity.name),
    creationDate: epochSeconds(activity.createdAt),
  };
};

export const deleteActivity: SfnAction = async (context, request) => {
  const arn = request.string('activityArn', ARN_RULE);
  request.check();
  if (arn === undefined) return {};
  const { activity } = context.arns.parse(arn, ['activity']);
  await context.store.activities.delete(activity);
  return {};
};

export const describeActivity: SfnAction = async (context, request) => {
  const arn = request.string('activityArn', ARN_RULE);
  request.check();
  if (arn === undefined) return {};
  const { activity } = context.arns.parse(arn, ['activity']);
  const record = await context.store.activities.get(activity);
  if (!record) throw activityDoesNotExist(arn);
  return listItem(context.arns.activity(record.name), record);
};

export const listActivities: SfnAction = async (context, request) => {
  const maxResults = request.integer('maxResults', PAGE_SIZE_RULE);
  const nextToken = request.string('nextToken', TOKEN_RULE);
  request.check();
  const page = await context.tokens.page(
    ['ListActivities'],
    nextToken,
    pageSize(maxResults),
    (request) => context.store.activities.list(request),
  );
  return defined({
    activities: page.items.map((a) => listItem(context.arns.activity(a.name), a)),
    nextToken: page.nextToken,
  });
};

export const getActivityTask: SfnAction = async (context, request, call) => {
  const arn = request.string('activityArn', ARN_RULE);
  const workerName = request.string('workerName', { min: 1, max: 80 });
  request.check();
  if (arn === undefined) return {};
  context.arns.parse(arn, ['activity']);
  try {
    const task = await context.engine.getActivityTask(arn, {
      ...(workerName === undefined ? {} : { workerName }),
      waitMs: context.activityPollMs,
      signal: call.signal,
      sleep: context.sleep,
    });
    // No task within the wait: an empty answer, and the worker polls again.
    if (task === undefined) return {};
    return { taskToken: task.taskToken, input: JSON.stringify(task.input) };
  } catch (error: unknown) {
    if (error instanceof EngineError) throw fromEngineError(error, arn);
    throw error;
  }
};

function listItem(activityArn: string, activity: ActivityRecord) {
  return { activityArn, name: activity.name, creationDate: epochSeconds(activity.createdAt) };
}
