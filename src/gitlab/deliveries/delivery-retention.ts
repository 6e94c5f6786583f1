/**
 * Retention of GitLab webhook deliveries and trigger runs (setting `deliveryRetention`, default
 * 7 days): what finished longer ago than that is removed, in batches so that no transaction
 * holds many rows (a delivery body can be 25 MB). Deliveries still received or processing, and
 * trigger runs still queued or running, are never removed, however old: the processor and the
 * QUEUED/SUPERSEDED coordination still need them. main.ts runs this in its hourly purge loop.
 */
import type { Clock } from '../../common/index.js';
import { formatTimestamp } from '../../language/index.js';
import type { Store } from '../../store/index.js';

/** Rows per transaction. */
const DEFAULT_BATCH = 100;

export interface DeliveryRetentionOptions {
  readonly store: Pick<Store, 'deliveries' | 'triggers'>;
  readonly clock: Clock;
  /** How long finished deliveries and done trigger runs are kept, in milliseconds. */
  readonly retentionMs: number;
  readonly batch?: number;
}

/** How many of each were removed. */
export interface DeliveryPurgeCounts {
  readonly deliveries: number;
  readonly triggerRuns: number;
}

/** Removes every finished delivery and done trigger run past retention, batch by batch. */
export async function purgeFinishedDeliveries(
  options: DeliveryRetentionOptions,
): Promise<DeliveryPurgeCounts> {
  const batch = options.batch ?? DEFAULT_BATCH;
  const cutoff = formatTimestamp(options.clock.nowMs() - options.retentionMs);
  const deliveries = await inBatches(batch, (limit) =>
    options.store.deliveries.purge(cutoff, limit),
  );
  const triggerRuns = await inBatches(batch, (limit) =>
    options.store.triggers.purgeRuns(cutoff, limit),
  );
  return { deliveries, triggerRuns };
}

/** Calls `purge` until a batch comes back short; returns the total removed. */
async function inBatches(
  batch: number,
  purge: (limit: number) => Promise<number>,
): Promise<number> {
  let removed = 0;
  for (;;) {
    const count = await purge(batch);
    removed += count;
    if (count < batch) return removed;
  }
}
