/**
 * The check that the engine's one-pass history writer (`awsEventDetailsJson`) gives exactly
 * the text of `JSON.stringify` over the details of `toAwsHistoryEvent`, the reference shape.
 */
import { expect } from 'vitest';
import { awsEventDetailsJson, toAwsHistoryEvent } from '../../src/language/index.js';

type HistoryEvent = Parameters<typeof toAwsHistoryEvent>[0];

/** Fails (saying `context`) unless `event`'s details are written as the reference writes them. */
export function expectDetailsTextAsReference(event: HistoryEvent, context?: string): void {
  const { id, previousEventId, timestamp, type, ...details } = toAwsHistoryEvent(event);
  expect([id, previousEventId, timestamp, type]).toEqual([
    event.id,
    event.previousEventId,
    event.timestamp,
    event.type,
  ]);
  expect(awsEventDetailsJson(event), context).toBe(JSON.stringify(details));
}
