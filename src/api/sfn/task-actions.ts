/**
 * Callbacks of `.waitForTaskToken` tasks: SendTaskSuccess, SendTaskFailure and
 * SendTaskHeartbeat (connect-to-resource, "Wait for a Callback with Task Token").
 */
import { EngineError } from '../../engine/index.js';
import { parseJsonText } from '../../language/index.js';
import type { SfnAction } from './context.js';
import { invalidOutput } from './errors.js';
import type { RequestFields } from './fields.js';
import { fromEngineError } from './translate.js';

const TOKEN_RULE = { required: true, min: 1, max: 2048 } as const;

function readToken(request: RequestFields): string | undefined {
  return request.string('taskToken', TOKEN_RULE);
}

async function callEngine(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error: unknown) {
    if (error instanceof EngineError) throw fromEngineError(error, '');
    throw error;
  }
}

export const sendTaskSuccess: SfnAction = async (context, request) => {
  const token = readToken(request);
  const output = request.string('output', { required: true, max: 262_144, sensitive: true });
  request.check();
  if (token === undefined || output === undefined) return {};
  const parsed = parseJsonText(output);
  if (!parsed.ok) throw invalidOutput(`The output is not valid JSON: ${parsed.problem}`);
  await callEngine(() => context.engine.sendTaskSuccess(token, parsed.value));
  return {};
};

export const sendTaskFailure: SfnAction = async (context, request) => {
  const token = readToken(request);
  const error = request.string('error', { min: 0, max: 256, sensitive: true });
  const cause = request.string('cause', { min: 0, max: 32_768, sensitive: true });
  request.check();
  if (token === undefined) return {};
  await callEngine(() => context.engine.sendTaskFailure(token, error ?? '', cause ?? ''));
  return {};
};

export const sendTaskHeartbeat: SfnAction = async (context, request) => {
  const token = readToken(request);
  request.check();
  if (token === undefined) return {};
  await callEngine(() => context.engine.sendTaskHeartbeat(token));
  return {};
};
