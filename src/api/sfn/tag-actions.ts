/**
 * Tags of state machines: TagResource, UntagResource and ListTagsForResource (at most 50 tags
 * per resource; keys of 1 to 128 characters, values of 0 to 256).
 */
import type { TaggedResource } from '../../store/index.js';
import { MAX_TAGS_PER_RESOURCE } from '../../store/index.js';
import type { SfnAction, SfnContext } from './context.js';
import { resourceNotFound, tooManyTags } from './errors.js';
import { ARN_RULE, readTags } from './state-machine-actions.js';
import { isStoreError } from './translate.js';

/** Only state machines carry tags here (activities are not served yet). */
function resourceOf(context: SfnContext, arn: string): TaggedResource {
  const { stateMachine } = context.arns.parse(arn, ['stateMachine']);
  return { kind: 'workflow', name: stateMachine };
}

async function withResource<T>(arn: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error: unknown) {
    if (isStoreError(error, 'NOT_FOUND')) throw resourceNotFound(arn);
    if (isStoreError(error, 'LIMIT_EXCEEDED')) {
      throw tooManyTags(
        arn,
        `Too many tags: a resource may carry at most ${MAX_TAGS_PER_RESOURCE} tags. ${error.message}`,
      );
    }
    throw error;
  }
}

export const tagResource: SfnAction = async (context, request) => {
  const arn = request.string('resourceArn', ARN_RULE);
  const tags = readTags(request, 'tags', true);
  request.check();
  if (arn === undefined || tags === undefined) return {};
  const resource = resourceOf(context, arn);
  await withResource(arn, () => context.store.tags.tag(resource, tags));
  return {};
};

export const untagResource: SfnAction = async (context, request) => {
  const arn = request.string('resourceArn', ARN_RULE);
  const keys = request.list('tagKeys', { required: true }, (element, path) =>
    request.stringElement(element, path, { min: 1, max: 128 }),
  );
  request.check();
  if (arn === undefined || keys === undefined) return {};
  const resource = resourceOf(context, arn);
  await withResource(arn, () => context.store.tags.untag(resource, keys));
  return {};
};

export const listTagsForResource: SfnAction = async (context, request) => {
  const arn = request.string('resourceArn', ARN_RULE);
  request.check();
  if (arn === undefined) return {};
  const resource = resourceOf(context, arn);
  const tags = await withResource(arn, () => context.store.tags.list(resource));
  return { tags: tags.map((t) => ({ key: t.key, value: t.value })) };
};
