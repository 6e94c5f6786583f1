/**
 * Prometheus metrics on a registry of the server's own (never prom-client's global one, so
 * several servers in one process, as in tests, do not share counters).
 *
 * | metric | type | labels |
 * | --- | --- | --- |
 * | baton_executions | gauge, read from the store at scrape time | status |
 * | baton_queue_depth | gauge, read from the store at scrape time: work due now that no lease holds | |
 * | baton_store_up | gauge: 1 when the scrape could read the store | |
 * | baton_state_transitions_total | counter of `*StateEntered` events this node committed | |
 * | baton_history_events_total | counter of history events this node committed | type |
 * | baton_task_duration_seconds | histogram of task invocations on this node | resource, outcome |
 * | baton_http_request_duration_seconds | histogram of API requests | method, route, status_code |
 * | process_*, nodejs_* | prom-client's default process metrics | |
 */
import type { Engine, EngineEvent } from '../../engine/index.js';
import { formatTimestamp } from '../../language/index.js';
import type { ExecutionStore } from '../../store/index.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

type Stats = Awaited<ReturnType<ExecutionStore['stats']>>;

export interface MetricsOptions {
  /** prom-client's process metrics (CPU, memory, event loop lag, ...). Default true. */
  readonly defaultMetrics?: boolean;
  /** Told when the store cannot be read at scrape time. */
  readonly onError?: (error: unknown) => void;
}

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const TASK_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly transitions: Counter;
  private readonly historyEvents: Counter<'type'>;
  private readonly taskDuration: Histogram<'resource' | 'outcome'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly detach: (() => void)[] = [];
  /**
   * Commits counted since the last scrape, added to the counters when they are collected: a
   * start of a 10-state workflow commits 22 events, and prom-client validates and hashes the
   * labels on every `inc`, so counting each event there cost more than the rest of the
   * metrics together. A scrape sees the same totals.
   */
  private pendingTransitions = 0;
  private readonly pendingEvents = new Map<string, number>();
  private statsSource: ((now: string) => Promise<Stats>) | undefined;
  /** During `render`, the one store read the gauges share. */
  private scrape: Promise<Stats | undefined> | undefined;

  constructor(private readonly options: MetricsOptions = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const flushTransitions = (): void => this.flushTransitions();
    const flushEvents = (): void => this.flushEvents();
    this.transitions = new Counter({
      name: 'baton_state_transitions_total',
      help: 'States entered (*StateEntered history events) committed by this node',
      registers,
      collect: flushTransitions,
    });
    this.historyEvents = new Counter({
      name: 'baton_history_events_total',
      help: 'History events committed by this node, by event type',
      labelNames: ['type'],
      registers,
      collect: flushEvents,
    });
    this.taskDuration = new Histogram({
      name: 'baton_task_duration_seconds',
      help: 'Task invocations run by this node, by resource and outcome (success or failure)',
      labelNames: ['resource', 'outcome'],
      buckets: TASK_BUCKETS,
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'baton_http_request_duration_seconds',
      help: 'API requests, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    const stats = (): Promise<Stats | undefined> => this.readStats();
    new Gauge({
      name: 'baton_executions',
      help: 'Executions in the store, by status (read at scrape time)',
      labelNames: ['status'],
      registers,
      async collect() {
        const current = await stats();
        this.reset();
        for (const [status, count] of Object.entries(current?.executions ?? {}))
          this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'baton_queue_depth',
      help: 'Timers and tasks due now that no node holds (read at scrape time)',
      registers,
      async collect() {
        const current = await stats();
        this.reset();
        if (current !== undefined) this.set(current.dueWork);
      },
    });
    new Gauge({
      name: 'baton_store_up',
      help: '1 when the last scrape could read the store, 0 otherwise',
      registers,
      async collect() {
        this.set((await stats()) === undefined ? 0 : 1);
      },
    });
  }

  /** Counts the engine's commits and task latencies until `close`. */
  observeEngine(engine: Pick<Engine, 'subscribe'>): void {
    this.detach.push(engine.subscribe((event) => this.onEngineEvent(event)));
  }

  /** Where the gauges read executions by status and the queue depth at scrape time. */
  observeStore(executions: Pick<ExecutionStore, 'stats'>): void {
    this.statsSource = (now) => executions.stats(now);
  }

  /** Records one API request. `route` is the route template, never the raw URL. */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  /** The metrics in Prometheus' text format, with the store read once for the scrape. */
  async render(): Promise<string> {
    this.scrape = this.fetchStats();
    try {
      return await this.registry.metrics();
    } finally {
      this.scrape = undefined;
    }
  }

  /** Stops observing the engine. */
  close(): void {
    for (const detach of this.detach.splice(0)) detach();
  }

  private onEngineEvent(event: EngineEvent): void {
    if (event.kind === 'task') {
      this.taskDuration.observe(
        { resource: event.resource, outcome: event.ok ? 'success' : 'failure' },
        event.ms / 1000,
      );
      return;
    }
    for (const { type } of event.events) {
      this.pendingEvents.set(type, (this.pendingEvents.get(type) ?? 0) + 1);
      if (type.endsWith('StateEntered')) this.pendingTransitions++;
    }
  }

  private flushTransitions(): void {
    if (this.pendingTransitions > 0) this.transitions.inc(this.pendingTransitions);
    this.pendingTransitions = 0;
  }

  private flushEvents(): void {
    for (const [type, count] of this.pendingEvents) this.historyEvents.inc({ type }, count);
    this.pendingEvents.clear();
  }

  private readStats(): Promise<Stats | undefined> {
    return this.scrape ?? this.fetchStats();
  }

  private fetchStats(): Promise<Stats | undefined> {
    const source = this.statsSource;
    if (source === undefined) return Promise.resolve(undefined);
    return source(formatTimestamp(Date.now())).catch((error: unknown) => {
      this.options.onError?.(error);
      return undefined;
    });
  }
}
