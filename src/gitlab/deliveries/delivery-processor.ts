/**
 * Processing recorded webhook deliveries, asynchronously and durably: claim (with a lease, so a
 * node that dies mid-delivery leaves it to another), tell the `.sync` wake-up hooks, evaluate
 * every trigger, start executions through TriggerRuns, and record per delivery what started or
 * why nothing did. Processing again (a lease ran out, a retry) is safe: execution names are
 * deterministic, so nothing starts twice. Transient failures (the compare API, the database)
 * put the delivery back with a growing delay; after `maxAttempts` it is marked failed.
 */
import type { Clock, JsonObject, JsonValue } from '../../common/index.js';
import { Napper, isJsonObject } from '../../common/index.js';
import type { Engine } from '../../engine/index.js';
import { formatTimestamp, parseJsonText, parseTimestamp } from '../../language/index.js';
import type { Store, TriggerRecord, WebhookDeliveryRecord } from '../../store/index.js';
import type { EventFacts } from '../triggers/event-facts.js';
import { readEventFacts } from '../triggers/event-facts.js';
import type { BotUsername, ComparePaths } from '../triggers/match-trigger.js';
import { matchTrigger } from '../triggers/match-trigger.js';
import type { TemplateScope } from '../triggers/templates.js';
import {
  TemplateError,
  evaluateExpression,
  renderTemplate,
  toExecutionName,
} from '../triggers/templates.js';
import type { TriggerRule } from '../triggers/trigger-rule.js';
import { parseTriggerRule } from '../triggers/trigger-rule.js';
import type { OnExecutionStarted, StartOutcome, StartPlan } from '../triggers/trigger-runs.js';
import { TriggerRuns } from '../triggers/trigger-runs.js';

/** One processed delivery, as the `.sync` wake-up hooks see it. */
export interface GitLabEvent {
  readonly deliveryId: string;
  /** `X-Gitlab-Event`. */
  readonly event: string;
  readonly objectKind: string | null;
  readonly body: JsonObject;
  readonly facts: EventFacts;
}

/** Called for every processed delivery (the lead wires part A's waits to it). */
export type OnGitLabEvent = (connection: string, event: GitLabEvent) => Promise<void>;

/** What a delivery's `outcome` column holds (JSON). */
export interface DeliveryOutcome {
  readonly summary: string;
  readonly started: readonly {
    readonly trigger: string;
    readonly workflow: string;
    readonly status: StartOutcome['status'];
    readonly executionName: string;
    readonly executionArn?: string;
    readonly reason?: string;
  }[];
  readonly skipped: readonly { readonly trigger: string; readonly reason: string }[];
}

export interface DeliveryProcessorOptions {
  readonly store: Pick<Store, 'deliveries' | 'triggers' | 'executions'>;
  readonly engine: Pick<Engine, 'start' | 'stop' | 'subscribe'>;
  readonly clock: Clock;
  /** Names this node in leases. */
  readonly nodeId: string;
  /** The engine's region and account (execution ARNs). */
  readonly region: string;
  readonly account: string;
  readonly compare: ComparePaths;
  readonly botUsername: BotUsername;
  readonly onGitLabEvent?: readonly OnGitLabEvent[];
  readonly onExecutionStarted?: readonly OnExecutionStarted[];
  /** How long a claim holds a delivery (default 60 s). */
  readonly leaseMs?: number;
  /** Attempts before a delivery is marked failed (default 5). */
  readonly maxAttempts?: number;
  /** How often `run` reconciles QUEUED and SUPERSEDED runs with their executions (default 10 s). */
  readonly reconcileMs?: number;
  /** How long the list of triggers is reused before it is read again (default 1 s; 0: never). */
  readonly triggerCacheMs?: number;
  readonly onError?: (error: unknown) => void;
}

const MAX_RETRY_DELAY_MS = 5 * 60_000;
/** A delivery recorded this recently means intake is busy (see processDue). */
const BUSY_MS = 100;

export class DeliveryProcessor {
  readonly runs: TriggerRuns;
  private readonly onError: (error: unknown) => void;
  private readonly napper = new Napper();
  /** When this node last recorded a delivery (wake): processing yields to intake after it. */
  private lastRecordedMs = -Infinity;
  private readonly rules = new Map<string, { definition: string; rule: TriggerRule | string }>();
  private triggerCache:
    { readonly at: number; readonly triggers: Promise<readonly TriggerRecord[]> } | undefined;

  constructor(private readonly options: DeliveryProcessorOptions) {
    this.onError = options.onError ?? (() => undefined);
    this.runs = new TriggerRuns({
      triggers: options.store.triggers,
      executions: options.store.executions,
      engine: options.engine,
      clock: options.clock,
      region: options.region,
      account: options.account,
      onExecutionStarted: options.onExecutionStarted ?? [],
      onError: this.onError,
    });
  }

  /** A delivery was recorded on this node: a napping `run` looks at once. */
  wake(): void {
    this.lastRecordedMs = this.options.clock.nowMs();
    this.napper.wake();
  }

  /**
   * Follows the engine: an execution a trigger coordinates that ends lets its queue go on.
   * Returns the function that stops following.
   */
  followEngine(): () => void {
    return this.options.engine.subscribe((event) => {
      if (event.kind !== 'committed' || event.status === 'RUNNING') return;
      this.runs.executionEnded(event.executionId).catch(this.onError);
    });
  }

  /**
   * Processes deliveries until `signal` aborts: at once when woken, else every `pollMs`;
   * reconciles trigger runs every `reconcileMs` (and once at the start, for leftovers).
   */
  async run(
    signal: AbortSignal,
    sleep: (ms: number, signal: AbortSignal) => Promise<void>,
    pollMs = 1000,
  ): Promise<void> {
    const unfollow = this.followEngine();
    const reconcileMs = this.options.reconcileMs ?? 10_000;
    let reconciledAt = -Infinity;
    try {
      while (!signal.aborted) {
        const now = this.options.clock.nowMs();
        if (now - reconciledAt >= reconcileMs) {
          reconciledAt = now;
          await this.runs.reconcile().catch(this.onError);
        }
        const processed = await this.processDue().catch((error: unknown) => {
          this.onError(error);
          return 0;
        });
        if (processed > 0) continue;
        const next = await this.options.store.deliveries.nextClaimAt().catch(() => undefined);
        const dueMs = next === undefined ? undefined : parseTimestamp(next);
        const wait =
          dueMs === undefined ? pollMs : Math.min(pollMs, dueMs - this.options.clock.nowMs());
        if (wait > 0) await this.napper.nap(wait, signal, sleep);
      }
    } finally {
      unfollow();
    }
  }

  /**
   * Claims and processes the deliveries waiting now. Returns how many it claimed. While
   * deliveries are arriving (one recorded in the last BUSY_MS), batches are small so the event
   * loop stays free to acknowledge them (GitLab waits on those; nobody waits on processing):
   * at 500/s, batches of 20 gave an ack p99 of 11-13 ms, of 5 9-10 ms, of 2 9.1-9.5 ms
   * (BENCHMARKS.md). When quiet, larger batches drain a backlog faster.
   */
  async processDue(
    limit = this.options.clock.nowMs() - this.lastRecordedMs < BUSY_MS ? 2 : 20,
  ): Promise<number> {
    const nowMs = this.options.clock.nowMs();
    const claimed = await this.options.store.deliveries.claim(
      formatTimestamp(nowMs),
      this.options.nodeId,
      formatTimestamp(nowMs + (this.options.leaseMs ?? 60_000)),
      limit,
    );
    // Deliveries of one project are processed in arrival order (QUEUED and SUPERSEDED compare
    // arrival); different projects side by side, so SQLite commits them together.
    const groups = new Map<string, WebhookDeliveryRecord[]>();
    for (const delivery of claimed) {
      const key = `${delivery.connection}\u0000${projectKeyOf(delivery)}`;
      groups.set(key, [...(groups.get(key) ?? []), delivery]);
    }
    await Promise.all(
      [...groups.values()].map(async (group) => {
        for (const delivery of group) {
          // Lets requests waiting on the event loop (new deliveries to acknowledge) go first:
          // GitLab waits on those, nobody waits on processing.
          await new Promise((resolve) => setImmediate(resolve));
          await this.processClaimed(delivery);
        }
      }),
    );
    return claimed.length;
  }

  private async processClaimed(delivery: WebhookDeliveryRecord): Promise<void> {
    const { deliveries } = this.options.store;
    const now = () => formatTimestamp(this.options.clock.nowMs());
    try {
      const outcome = await this.process(delivery);
      const begun = outcome.started.some((s) => s.status !== 'failed' && s.status !== 'superseded');
      const failed = outcome.started.filter((s) => s.status === 'failed');
      await deliveries.finish(delivery.id, this.options.nodeId, {
        // A trigger wanted it but could not start anything: failed, so it shows up.
        status: begun ? 'processed' : failed.length > 0 ? 'failed' : 'ignored',
        outcome: JSON.stringify(outcome),
        error:
          begun || failed.length === 0
            ? null
            : failed.map((s) => `trigger ${s.trigger}: ${s.reason ?? ''}`).join('; '),
        now: now(),
      });
    } catch (error: unknown) {
      this.onError(error);
      const message = error instanceof Error ? error.message : String(error);
      if (delivery.attempts >= (this.options.maxAttempts ?? 5)) {
        await deliveries.finish(delivery.id, this.options.nodeId, {
          status: 'failed',
          outcome: JSON.stringify({
            summary: `gave up after ${delivery.attempts} attempts`,
            started: [],
            skipped: [],
          }),
          error: message,
          now: now(),
        });
        return;
      }
      const delay = Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** delivery.attempts);
      await deliveries.postpone(
        delivery.id,
        this.options.nodeId,
        formatTimestamp(this.options.clock.nowMs() + delay),
        message,
      );
    }
  }

  /** Everything one delivery causes. @throws on failures worth a retry. */
  private async process(delivery: WebhookDeliveryRecord): Promise<DeliveryOutcome> {
    const parsed = parseJsonText(delivery.body);
    const body: JsonObject = parsed.ok && isJsonObject(parsed.value) ? parsed.value : {};
    const headers = parseJsonText(delivery.headers);
    const instance =
      headers.ok &&
      isJsonObject(headers.value) &&
      typeof headers.value['x-gitlab-instance'] === 'string'
        ? headers.value['x-gitlab-instance']
        : null;
    const facts = readEventFacts(delivery.event, body);
    const event: GitLabEvent = {
      deliveryId: delivery.id,
      event: delivery.event,
      objectKind: delivery.objectKind,
      body,
      facts,
    };
    for (const hook of this.options.onGitLabEvent ?? []) {
      try {
        await hook(delivery.connection, event);
      } catch (error: unknown) {
        // A wake-up is an optimisation: `.sync` tasks poll on their own as well.
        this.onError(error);
      }
    }
    const scope: TemplateScope = {
      event: body,
      headers: { event: delivery.event, instance },
      connection: delivery.connection,
    };
    const started: DeliveryOutcome['started'][number][] = [];
    const skipped: DeliveryOutcome['skipped'][number][] = [];
    for (const record of await this.allTriggers()) {
      const rule = this.ruleOf(record);
      if (typeof rule === 'string') {
        skipped.push({ trigger: record.name, reason: `the stored rule is invalid: ${rule}` });
        continue;
      }
      const match = await matchTrigger(rule, delivery.connection, facts, this.options);
      if (!match.matched) {
        skipped.push({ trigger: rule.name, reason: match.reason });
        continue;
      }
      const workflow = rule.workflow.name;
      let plan: StartPlan;
      try {
        plan = await this.planOf(rule, delivery, facts, scope, body);
      } catch (error: unknown) {
        if (!(error instanceof TemplateError)) throw error;
        started.push({
          trigger: rule.name,
          workflow,
          status: 'failed',
          executionName: '',
          reason: error.message,
        });
        continue;
      }
      const outcome = await this.runs.begin(plan);
      started.push({
        trigger: rule.name,
        workflow,
        status: outcome.status,
        executionName: outcome.executionName,
        ...('executionArn' in outcome ? { executionArn: outcome.executionArn } : {}),
        ...('reason' in outcome ? { reason: outcome.reason } : {}),
        ...(outcome.status === 'queued'
          ? { reason: `waiting for ${outcome.waitingFor} earlier run(s)` }
          : {}),
      });
    }
    return { summary: summaryOf(delivery, facts, started, skipped), started, skipped };
  }

  private async planOf(
    rule: TriggerRule,
    delivery: WebhookDeliveryRecord,
    facts: EventFacts,
    scope: TemplateScope,
    body: JsonObject,
  ): Promise<StartPlan> {
    let input: JsonValue = body;
    if (rule.input !== undefined) {
      const value = await evaluateExpression(rule.input, scope);
      if (value === undefined) {
        throw new TemplateError(
          `The input expression ${JSON.stringify(rule.input)} returned nothing.`,
        );
      }
      input = value;
    }
    const fallback = `${rule.name}-${delivery.contentKey.slice(0, 20)}`;
    const executionName = toExecutionName(
      rule.nameTemplate === undefined ? fallback : await renderTemplate(rule.nameTemplate, scope),
      fallback,
    );
    const concurrencyKey =
      rule.concurrency.key === undefined
        ? `${(facts.projectPath ?? String(facts.projectId ?? '')).toLowerCase()}@${facts.ref ?? ''}`
        : await renderTemplate(rule.concurrency.key, scope);
    const mergeRequestIid = facts.mergeRequest?.iid;
    return {
      trigger: rule.name,
      workflow: rule.workflow,
      executionName,
      input,
      mode: rule.concurrency.mode,
      concurrencyKey,
      seq: `${delivery.receivedAt}|${delivery.id}`,
      deliveryId: delivery.id,
      started: {
        trigger: rule.name,
        connection: delivery.connection,
        projectId: facts.projectId,
        sha: facts.sha,
        ref: facts.ref,
        ...(mergeRequestIid === undefined ? {} : { mergeRequestIid }),
        report: rule.report,
      },
    };
  }

  /**
   * Every trigger, read at most once per `triggerCacheMs` (default 1 s): a change made through
   * the API or on another node applies to deliveries processed after that.
   */
  private async allTriggers(): Promise<readonly TriggerRecord[]> {
    const nowMs = this.options.clock.nowMs();
    const cached = this.triggerCache;
    if (cached !== undefined && nowMs - cached.at < (this.options.triggerCacheMs ?? 1000)) {
      return cached.triggers;
    }
    const triggers = this.readTriggers();
    this.triggerCache = { at: nowMs, triggers };
    try {
      return await triggers;
    } catch (error: unknown) {
      this.triggerCache = undefined;
      throw error;
    }
  }

  private async readTriggers(): Promise<readonly TriggerRecord[]> {
    const all: TriggerRecord[] = [];
    let after: string | undefined;
    do {
      const page = await this.options.store.triggers.list(
        after === undefined ? { limit: 500 } : { limit: 500, after },
      );
      all.push(...page.items);
      after = page.nextToken;
    } while (after !== undefined);
    return all;
  }

  /** The rule of a stored trigger (parsed once per definition), or why it is invalid. */
  private ruleOf(record: TriggerRecord): TriggerRule | string {
    const cached = this.rules.get(record.name);
    if (cached?.definition === record.definition) return cached.rule;
    const parsed = parseJsonText(record.definition);
    const result = parsed.ok ? parseTriggerRule(parsed.value) : undefined;
    const rule =
      result === undefined
        ? 'not JSON'
        : result.ok
          ? result.rule
          : result.problems.map((p) => `${p.pointer} ${p.message}`).join('; ');
    this.rules.set(record.name, { definition: record.definition, rule });
    return rule;
  }
}

/** The project a delivery is about, from its body (cheaply: no full parse of its facts). */
function projectKeyOf(delivery: WebhookDeliveryRecord): string {
  const parsed = parseJsonText(delivery.body);
  if (!parsed.ok || !isJsonObject(parsed.value)) return '';
  const facts = readEventFacts(delivery.event, parsed.value);
  return String(facts.projectId ?? facts.projectPath ?? '');
}

function summaryOf(
  delivery: WebhookDeliveryRecord,
  facts: EventFacts,
  started: DeliveryOutcome['started'],
  skipped: DeliveryOutcome['skipped'],
): string {
  const where = facts.projectPath === undefined ? '' : ` on project ${facts.projectPath}`;
  if (started.length > 0) {
    return started
      .map(
        (s) =>
          `trigger ${s.trigger}: ${s.status} ${s.executionName}${s.reason === undefined ? '' : ` (${s.reason})`}`,
      )
      .join('; ');
  }
  if (
    skipped.length === 0 ||
    skipped.every((s) => s.reason.startsWith('event ') || s.reason.startsWith('listens to'))
  ) {
    return `no trigger for event ${delivery.event}${where}`;
  }
  return skipped.map((s) => `trigger ${s.trigger}: ${s.reason}`).join('; ');
}
