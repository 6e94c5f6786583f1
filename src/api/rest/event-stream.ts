/**
 * `GET /executions/{executionArn}/events`: a server-sent-events stream of an execution's
 * history. It replays the events after `Last-Event-ID` (all of them without it), then follows
 * new ones as they are committed: woken by this node's engine (Engine.subscribe), and reading
 * the store every `pollMs` for commits made by other nodes. Each event is `id: <eventId>` and
 * `data: <json>`; a comment line every `heartbeatMs` keeps proxies from closing an idle
 * stream; `event: end` follows the last event of an execution that is no longer RUNNING.
 * The stream stops when the client hangs up or the server closes.
 */
import type { ServerResponse } from 'node:http';
import type { ExecutionRecord, StoredEvent } from '../../store/index.js';
import { invalid } from './errors.js';
import { ARN_PARAM, eventShape, existingExecution } from './execution-routes.js';
import type { RestContext, RestRoute } from './route.js';
import { HISTORY_EVENT_SCHEMA } from './schemas.js';

/** Events read from the store at once while catching up. */
const BATCH = 500;
const EVENT_ID = /^(0|[1-9]\d{0,9})$/;

export const EVENT_STREAM_ROUTE: RestRoute = {
  method: 'GET',
  path: '/executions/:executionArn/events',
  operationId: 'streamExecutionEvents',
  summary:
    'Server-sent events: the history, then new events as they happen; `event: end` once the execution is no longer running.',
  params: ARN_PARAM,
  headers: {
    'Last-Event-ID': {
      description: 'Resume after this event id (what EventSource sends on reconnect).',
      schema: { type: 'string', pattern: EVENT_ID.source },
    },
  },
  responses: {
    200: {
      description:
        'text/event-stream: `id: <eventId>` + `data: <history event JSON>` per event, `: heartbeat` comments, then `event: end` with `data: {"status": ...}`.',
      mediaType: 'text/event-stream',
      schema: HISTORY_EVENT_SCHEMA,
    },
  },
  handle: async (call) => {
    const header = call.request.headers['last-event-id'];
    let after = 0;
    if (header !== undefined) {
      if (typeof header !== 'string' || !EVENT_ID.test(header.trim())) {
        throw invalid([
          {
            location: 'header',
            pointer: '/Last-Event-ID',
            message: 'must be a history event id (a non-negative integer)',
          },
        ]);
      }
      after = Number(header.trim());
    }
    const execution = await existingExecution(call);
    const { reply, request } = call;
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // A stream holds its connection to the end; closing it then lets a shutting-down server
      // finish at once instead of waiting for an idle keep-alive connection to time out.
      connection: 'close',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    const stop = new AbortController();
    const onClose = () => stop.abort();
    reply.raw.once('close', onClose);
    call.context.closing.addEventListener('abort', onClose, { once: true });
    try {
      await follow(call.context, execution.id, after, reply.raw, stop.signal);
    } catch (error: unknown) {
      // The response has started: the stream just ends; the log keeps why.
      request.log.warn({ err: error }, 'event stream ended by an error');
    } finally {
      call.context.closing.removeEventListener('abort', onClose);
      reply.raw.off('close', onClose);
      if (!reply.raw.writableEnded) reply.raw.end();
    }
    return { streamed: true };
  },
};

async function follow(
  context: RestContext,
  id: string,
  startAfter: number,
  out: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  let last = startAfter;
  let wake: (() => void) | undefined;
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wake = undefined;
        resolve();
      }
      wake = done;
      signal.addEventListener('abort', done, { once: true });
    });
  const unsubscribe = context.engine.subscribe((event) => {
    if (event.kind === 'committed' && event.executionId === id) wake?.();
  });
  const heartbeat = setInterval(
    () => void write(out, ': heartbeat\n\n'),
    context.streamTiming.heartbeatMs,
  );
  try {
    while (!signal.aborted) {
      const record = await context.store.executions.get(id);
      if (record === undefined) return; // purged while watched
      for (const event of await eventsAfter(context, record, last)) {
        if (signal.aborted) return;
        await write(out, `id: ${event.id}\ndata: ${JSON.stringify(eventShape(event))}\n\n`);
        last = event.id;
      }
      if (record.status !== 'RUNNING' && last >= record.eventCount) {
        await write(out, `event: end\ndata: ${JSON.stringify({ status: record.status })}\n\n`);
        return;
      }
      // Events committed after `record` was read wake us at once (this node) or by the poll.
      if (last >= record.eventCount) await nap(context.streamTiming.pollMs);
    }
  } finally {
    clearInterval(heartbeat);
    unsubscribe();
  }
}

/**
 * Up to BATCH events after `last`, in order. Event ids run 1..eventCount without gaps, so
 * reading newest first with the right limit lands exactly after `last`; events committed
 * meanwhile only add to the front, which is why the result is checked to start at last + 1.
 */
async function eventsAfter(
  context: RestContext,
  record: ExecutionRecord,
  last: number,
): Promise<StoredEvent[]> {
  const missing = record.eventCount - last;
  if (missing <= 0) return [];
  if (missing <= BATCH) {
    const page = await context.store.executions.history(record.id, {
      limit: missing + 50,
      reverse: true,
    });
    const events = page.items.filter((e) => e.id > last).reverse();
    if (events[0]?.id === last + 1) return events;
  }
  // Far behind (a long history replayed from the start): page forward.
  let after: string | undefined;
  for (;;) {
    const page = await context.store.executions.history(
      record.id,
      after === undefined ? { limit: BATCH } : { limit: BATCH, after },
    );
    const events = page.items.filter((e) => e.id > last);
    if (events.length > 0 || page.nextToken === undefined) return events;
    after = page.nextToken;
  }
}

/** Writes, waiting for the socket to drain when its buffer is full. */
function write(out: ServerResponse, text: string): Promise<void> {
  if (out.writableEnded || out.destroyed) return Promise.resolve();
  if (out.write(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
  });
}
