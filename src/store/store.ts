/**
 * The store: one interface, two implementations (sqlite/ for one machine, postgres/ for several
 * nodes), checked by one contract suite (store.contract.ts). Callers see only this file.
 *
 * Time and identifiers are inputs (`now`, `revisionId`): the store never reads the clock or
 * draws randomness, so the engine and the tests decide both.
 */

export type WorkflowType = 'STANDARD' | 'EXPRESS';

/** A workflow's current (unpublished) revision. */
export interface WorkflowRecord {
  readonly name: string;
  /** The definition text exactly as submitted (JSON or YAML). */
  readonly definition: string;
  readonly roleArn: string | null;
  readonly type: WorkflowType;
  readonly description: string | null;
  /** Changes on every update; versions record the revision they were published from. */
  readonly revisionId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** An immutable, numbered snapshot of a workflow revision. */
export interface WorkflowVersion {
  readonly workflow: string;
  readonly version: number;
  readonly definition: string;
  readonly roleArn: string | null;
  readonly type: WorkflowType;
  readonly revisionId: string;
  readonly description: string | null;
  readonly createdAt: string;
}

/** One entry of an alias's routing: a version and the share of executions it gets. */
export interface AliasRoute {
  readonly version: number;
  readonly weight: number;
}

export interface WorkflowAlias {
  readonly workflow: string;
  readonly name: string;
  readonly description: string | null;
  /** One or two routes whose weights sum to 100 (as Step Functions aliases). */
  readonly routing: readonly AliasRoute[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass as `after` to get the next page; absent on the last page. */
  readonly nextToken?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly after?: string;
}

export interface CreateWorkflow {
  readonly name: string;
  readonly definition: string;
  readonly roleArn: string | null;
  readonly type: WorkflowType;
  readonly description: string | null;
  readonly revisionId: string;
  readonly now: string;
  /** Tags written with the new workflow, in the same transaction (ignored when it exists). */
  readonly tags?: readonly ResourceTag[];
}

export interface UpdateWorkflow {
  readonly definition?: string;
  readonly roleArn?: string | null;
  readonly description?: string | null;
  readonly revisionId: string;
  readonly now: string;
}

export interface PublishVersion {
  readonly description: string | null;
  /** When given, publish only if the workflow is still at this revision. */
  readonly expectedRevisionId?: string;
  readonly now: string;
}

export interface PutAlias {
  readonly description: string | null;
  readonly routing: readonly AliasRoute[];
  readonly now: string;
}

/** Workflows, their versions and aliases. */
export interface WorkflowStore {
  /**
   * Creates a workflow. Creating one that exists with the same definition, role and type
   * returns it unchanged (AWS CreateStateMachine is idempotent that way).
   * @throws StoreError ALREADY_EXISTS when it exists with different settings.
   */
  create(input: CreateWorkflow): Promise<WorkflowRecord>;
  /** @throws StoreError NOT_FOUND */
  update(name: string, changes: UpdateWorkflow): Promise<WorkflowRecord>;
  /** Deletes the workflow with its versions, aliases and tags. @throws StoreError NOT_FOUND */
  delete(name: string): Promise<void>;
  get(name: string): Promise<WorkflowRecord | undefined>;
  /** Ordered by name. */
  list(page: PageRequest): Promise<Page<WorkflowRecord>>;

  /**
   * Publishes the current revision as the next version number. Publishing a revision that
   * already has a version returns that version (idempotent).
   * @throws StoreError NOT_FOUND, CONFLICT (revision moved on), LIMIT_EXCEEDED
   */
  publishVersion(name: string, input: PublishVersion): Promise<WorkflowVersion>;
  getVersion(name: string, version: number): Promise<WorkflowVersion | undefined>;
  /** Newest first. */
  listVersions(name: string, page: PageRequest): Promise<Page<WorkflowVersion>>;
  /** @throws StoreError NOT_FOUND, IN_USE (an alias routes to it) */
  deleteVersion(name: string, version: number): Promise<void>;

  /**
   * Creates or replaces an alias.
   * @throws StoreError NOT_FOUND (workflow or a routed version), INVALID (routing)
   */
  putAlias(workflow: string, alias: string, input: PutAlias): Promise<WorkflowAlias>;
  getAlias(workflow: string, alias: string): Promise<WorkflowAlias | undefined>;
  /** Ordered by alias name. */
  listAliases(workflow: string, page: PageRequest): Promise<Page<WorkflowAlias>>;
  /** @throws StoreError NOT_FOUND */
  deleteAlias(workflow: string, alias: string): Promise<void>;
}

export type ExecutionStatus =
  'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** Every execution status, in lifecycle order. */
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
];

/** One history event as stored: its details are JSON text the store does not read. */
export interface StoredEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly type: string;
  readonly timestamp: string;
  readonly details: string;
}

export interface ExecutionRecord {
  /** The execution ARN. */
  readonly id: string;
  readonly workflow: string;
  /** The version it runs; null when started on the unpublished revision. */
  readonly version: number | null;
  /** The alias it was started through, if any. */
  readonly alias: string | null;
  readonly revisionId: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  /** JSON text. */
  readonly input: string;
  readonly output: string | null;
  readonly error: string | null;
  readonly cause: string | null;
  readonly startedAt: string;
  readonly stoppedAt: string | null;
  readonly redriveCount: number;
  /** Bumped by every commit; a commit names the revision it builds on. */
  readonly revision: number;
  readonly eventCount: number;
  /** For a child execution of a Distributed Map: its Map Run's ARN. */
  readonly mapRun: string | null;
}

export interface NewExecution {
  readonly id: string;
  readonly workflow: string;
  readonly version: number | null;
  readonly alias: string | null;
  readonly revisionId: string;
  readonly name: string;
  readonly input: string;
  /** The definition text it runs, kept with it for its whole life. */
  readonly definition: string;
  readonly startedAt: string;
  /** The result of the first step: snapshot, status and the events it recorded. */
  readonly first: StepCommit;
  /** For a child execution of a Distributed Map: its Map Run's ARN. */
  readonly mapRun?: string;
}

/** Work to do when `dueAt` comes: fire a timer, or start a task. */
export interface DueWork {
  /** Unique within the execution (the step's timer or task id). */
  readonly key: string;
  readonly kind: 'timer' | 'task';
  readonly dueAt: string;
  /** JSON text for whoever carries it out. */
  readonly payload: string;
  /**
   * For a task of an activity: its ARN. Such work is not claimed by `claimDue`; workers take it
   * (see `activityTasks`).
   */
  readonly activity?: string;
}

/** Due work handed to one node until `leaseUntil`. */
export interface ClaimedWork extends DueWork {
  readonly execution: string;
  readonly leaseOwner: string;
  readonly leaseUntil: string;
  /** How many times it has been claimed, this claim included (1 the first time). */
  readonly claims: number;
}

/** What one step changes, committed atomically. */
export interface StepCommit {
  readonly status: ExecutionStatus;
  /** JSON text of the step snapshot. */
  readonly snapshot: string;
  /** New events; their ids must continue the execution's history (1, 2, ... with no gap). */
  readonly events: readonly StoredEvent[];
  readonly output?: string | null;
  readonly error?: string | null;
  readonly cause?: string | null;
  /** When it stopped; `null` clears it (a redrive), leaving it out keeps it. */
  readonly stoppedAt?: string | null;
  /** Set by a redrive; leaving it out keeps the count. */
  readonly redriveCount?: number;
  /** Work this step schedules. */
  readonly schedule?: readonly DueWork[];
  /** Keys of work this step consumes or cancels; removed in the same transaction. */
  readonly retire?: readonly string[];
  /**
   * Work for other executions, written in the same transaction unless a row with its key is
   * there already (a child execution's end, due on its parent).
   */
  readonly notify?: readonly (DueWork & { readonly execution: string })[];
  /** Map Runs this step started or advanced, applied in order in the same transaction. */
  readonly mapRuns?: readonly MapRunChange[];
  /**
   * A redrive's client token, recorded with the redrive (`at` is the redrive's date); the
   * execution keeps its last 10 (see `redriveToken`).
   */
  readonly redriveToken?: { readonly token: string; readonly at: string };
}

export type MapRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/** Items of a Map Run by status (DescribeMapRun itemCounts, without the S3 members). */
export interface MapRunCounts {
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly aborted: number;
  readonly total: number;
}

export type MapRunChange =
  | {
      readonly kind: 'start';
      readonly arn: string;
      readonly stateName: string;
      readonly machineName: string;
      /** JSON text of the child state machine. */
      readonly definition: string;
      readonly maxConcurrency: number;
      readonly toleratedFailureCount: number | null;
      readonly toleratedFailurePercentage: number | null;
      readonly counts: MapRunCounts;
      readonly at: string;
    }
  | {
      readonly kind: 'update';
      readonly arn: string;
      readonly status: MapRunStatus;
      readonly counts: MapRunCounts;
      readonly maxConcurrency: number;
      readonly toleratedFailureCount: number | null;
      readonly toleratedFailurePercentage: number | null;
      readonly at: string;
      /** Counts a redrive (redriveCount, redriveDate) and clears the stop date. */
      readonly redriven: boolean;
    };

export interface MapRunRecord {
  readonly arn: string;
  /** The parent execution's ARN. */
  readonly execution: string;
  readonly stateName: string;
  readonly machineName: string;
  readonly definition: string;
  readonly status: MapRunStatus;
  readonly maxConcurrency: number;
  readonly toleratedFailureCount: number | null;
  readonly toleratedFailurePercentage: number | null;
  readonly counts: MapRunCounts;
  readonly startedAt: string;
  readonly stoppedAt: string | null;
  readonly redriveCount: number;
  readonly redriveDate: string | null;
}

/** Map Runs (written through ExecutionStore.commit, read here). */
export interface MapRunStore {
  get(arn: string): Promise<MapRunRecord | undefined>;
  /** The Map Runs an execution started, oldest first. */
  list(execution: string, page: PageRequest): Promise<Page<MapRunRecord>>;
}

export interface ExecutionFilter {
  readonly workflow?: string;
  readonly status?: ExecutionStatus;
  readonly version?: number;
  readonly alias?: string;
  /** Started at or after this instant. */
  readonly startedFrom?: string;
  /** Started before this instant. */
  readonly startedBefore?: string;
  /** true: only executions redriven at least once; false: only those never redriven. */
  readonly redriven?: boolean;
  /** Only the child executions of this Map Run. */
  readonly mapRun?: string;
}

export interface PendingActivityTask {
  readonly execution: string;
  readonly key: string;
  readonly dueAt: string;
  readonly payload: string;
}

export interface ActivityRecord {
  readonly name: string;
  readonly createdAt: string;
}

/** Activities: named queues that workers poll (CreateActivity, ListActivities...). */
export interface ActivityStore {
  /** Creates the activity, or returns it unchanged when it exists (CreateActivity is idempotent). */
  create(name: string, now: string): Promise<ActivityRecord>;
  get(name: string): Promise<ActivityRecord | undefined>;
  /** Ordered by name. */
  list(page: PageRequest): Promise<Page<ActivityRecord>>;
  /** Returns whether it existed. Tasks already waiting for it stay until they time out. */
  delete(name: string): Promise<boolean>;
}

export interface ExecutionStats {
  /** Every status, zero included. */
  readonly executions: Readonly<Record<ExecutionStatus, number>>;
  /** Work due at the given instant that no live lease holds: the queue a node would claim. */
  readonly dueWork: number;
}

/** Executions and their histories. */
export interface ExecutionStore {
  /**
   * Records a new execution with its first step. Starting one whose workflow and name are
   * taken returns the existing execution when it is still RUNNING with the same input
   * (`created: false`), as StartExecution is idempotent that way.
   * @throws StoreError ALREADY_EXISTS otherwise (the name is taken), INVALID (event ids)
   */
  start(
    execution: NewExecution,
  ): Promise<{ readonly record: ExecutionRecord; readonly created: boolean }>;
  get(id: string): Promise<ExecutionRecord | undefined>;
  /** The snapshot text with the revision it belongs to. */
  /** The snapshot text with the revision it belongs to, and the definition it runs. */
  snapshot(
    id: string,
  ): Promise<
    | { readonly snapshot: string; readonly revision: number; readonly definition: string }
    | undefined
  >;
  /**
   * Commits one step on top of `expectedRevision`: snapshot, status and events together, or
   * nothing. Returns the new revision.
   * @throws StoreError CONFLICT when another commit came first (re-read and step again),
   *   NOT_FOUND, INVALID (event ids that do not continue the history)
   */
  commit(id: string, expectedRevision: number, step: StepCommit): Promise<number>;
  /** Newest first. */
  list(filter: ExecutionFilter, page: PageRequest): Promise<Page<ExecutionRecord>>;
  /** Events in order (or newest first with `reverse`). @throws StoreError NOT_FOUND */
  history(
    id: string,
    page: PageRequest & { readonly reverse?: boolean },
  ): Promise<Page<StoredEvent>>;

  /**
   * Leases up to `limit` items due at `now` that nobody holds (or whose lease ran out), oldest
   * first, to `owner` until `leaseUntil`. Two nodes claiming at once never get the same item.
   */
  claimDue(
    now: string,
    owner: string,
    leaseUntil: string,
    limit: number,
  ): Promise<readonly ClaimedWork[]>;
  /** One item of an execution's due work, with who holds it (null: nobody). */
  dueWork(
    execution: string,
    key: string,
  ): Promise<(DueWork & { readonly leaseOwner: string | null }) | undefined>;
  /** The earliest time work can next be claimed: a due time, or a lease running out. */
  nextDueAt(): Promise<string | undefined>;

  /**
   * Up to `limit` tasks waiting for a worker of `activity` (an activity ARN), oldest first. A
   * worker takes one by committing its ActivityStarted step, which retires the row; two workers
   * racing for the same row are separated by that commit's compare-and-set.
   */
  activityTasks(activity: string, limit: number): Promise<readonly PendingActivityTask[]>;

  /** Counts for monitoring: executions by status, and work due at `now` that nobody holds. */
  stats(now: string): Promise<ExecutionStats>;

  /**
   * Removes up to `limit` executions that finished (SUCCEEDED, FAILED, TIMED_OUT, ABORTED)
   * before `finishedBefore`, with their history. Running executions, and those waiting for a
   * redrive, are never removed. Returns how many were removed.
   */
  purge(finishedBefore: string, limit: number): Promise<number>;

  /**
   * The date of the redrive a client token made for this execution (recorded by the redrive's
   * commit), if it is among the execution's last 10; undefined otherwise.
   */
  redriveToken(execution: string, token: string): Promise<string | undefined>;
}

/** A tag: a key (1 to 128 characters) and a value (0 to 256), as AWS resource tags. */
export interface ResourceTag {
  readonly key: string;
  readonly value: string;
}

/** What can carry tags: a workflow today; activities when they exist. */
export interface TaggedResource {
  readonly kind: 'workflow';
  readonly name: string;
}

/** Most tags one resource may carry (AWS: 50 per resource). */
export const MAX_TAGS_PER_RESOURCE = 50;

/** Tags of resources. Each call is one transaction: all of it happens, or none. */
export interface TagStore {
  /**
   * Adds tags, replacing the values of keys the resource already has.
   * @throws StoreError NOT_FOUND (no such resource), LIMIT_EXCEEDED (the resource would carry
   *   more than MAX_TAGS_PER_RESOURCE tags; nothing is written)
   */
  tag(resource: TaggedResource, tags: readonly ResourceTag[]): Promise<void>;
  /** Removes the tags with these keys; keys it does not have are ignored. @throws NOT_FOUND */
  untag(resource: TaggedResource, keys: readonly string[]): Promise<void>;
  /** The resource's tags ordered by key. @throws StoreError NOT_FOUND */
  list(resource: TaggedResource): Promise<readonly ResourceTag[]>;
}

export type AccessKeyStatus = 'ACTIVE' | 'DISABLED';

/** An access key as stored: its secret only in sealed form (see identity/access-keys.ts). */
export interface AccessKeyRecord {
  /** `BKIA...`. */
  readonly id: string;
  /** Who it was issued to (a user, or `admin`). */
  readonly name: string;
  /** The secret encrypted under the master key; the store cannot read it. */
  readonly secretSealed: string;
  readonly status: AccessKeyStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** When a request it signed last verified; null if never (recorded at a bounded rate). */
  readonly lastUsedAt: string | null;
}

export interface NewAccessKey {
  readonly id: string;
  readonly name: string;
  readonly secretSealed: string;
  readonly now: string;
}

/** Baton-issued access keys. */
export interface AccessKeyStore {
  /** Records a new, active key. @throws StoreError ALREADY_EXISTS when the id is taken. */
  create(key: NewAccessKey): Promise<AccessKeyRecord>;
  /**
   * Records `key` only when the database has never had a first key made this way and holds no
   * key at all: the first start's admin key. Of several nodes starting at once on an empty
   * database exactly one creates it; the others get undefined.
   */
  createFirst(key: NewAccessKey): Promise<AccessKeyRecord | undefined>;
  get(id: string): Promise<AccessKeyRecord | undefined>;
  /** Oldest first. */
  list(page: PageRequest): Promise<Page<AccessKeyRecord>>;
  /** Enables or disables a key. @throws StoreError NOT_FOUND */
  setStatus(id: string, status: AccessKeyStatus, now: string): Promise<AccessKeyRecord>;
  /** @throws StoreError NOT_FOUND */
  delete(id: string): Promise<void>;
  /** Moves `lastUsedAt` forward to `at` (never back); a key that is gone is ignored. */
  recordUse(id: string, at: string): Promise<void>;
}

// ---- GitLab status reports (part D: src/gitlab/reports/) ----

/** An execution to report to GitLab, as a trigger or `baton ci start` asks for it. */
export interface NewGitLabReport {
  readonly executionArn: string;
  /** The connection's name. */
  readonly connection: string;
  /** Numeric project id or full path. */
  readonly projectId: string;
  readonly sha: string;
  readonly ref: string;
  /** The merge request the note goes to; null for a commit without one. */
  readonly mergeRequestIid: number | null;
  /** The commit status name; null means `baton/<workflow>`. */
  readonly statusName: string | null;
  readonly commitStatus: boolean;
  readonly mergeRequestNote: boolean;
  readonly now: string;
}

export interface GitLabReportRecord {
  readonly executionArn: string;
  readonly connection: string;
  readonly projectId: string;
  readonly sha: string;
  readonly ref: string;
  readonly mergeRequestIid: number | null;
  readonly statusName: string | null;
  readonly commitStatus: boolean;
  readonly mergeRequestNote: boolean;
  /** The note Baton created; updated from then on. */
  readonly noteId: number | null;
  /** The commit status state GitLab last accepted. */
  readonly reportedState: string | null;
  /** A hash of the note body GitLab last accepted. */
  readonly reportedHash: string | null;
  /** The execution's event count the last finished report was rendered from. */
  readonly reportedEventCount: number;
  /** Bumped by every change noticed. */
  readonly generation: number;
  /** When to report next; null when nothing waits. */
  readonly nextAttemptAt: string | null;
  /** Earliest next write to GitLab for this execution. */
  readonly notBefore: string | null;
  /** Failed attempts in a row. */
  readonly attempts: number;
  readonly lastError: string | null;
  readonly leaseOwner: string | null;
  readonly leaseUntil: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** How one report attempt ended; absent members keep what the row had. */
export interface GitLabReportOutcome {
  readonly noteId?: number;
  readonly reportedState?: string;
  readonly reportedHash?: string;
  readonly reportedEventCount?: number;
  /** Failed attempts in a row after this one (0 after a success). */
  readonly attempts: number;
  /** Null clears it. */
  readonly lastError: string | null;
  readonly notBefore?: string;
  /** Try again then (a failure's back-off); otherwise the row is due again only if it changed. */
  readonly retryAt?: string;
  /** When a change arrived during the attempt (a newer generation), report it then. */
  readonly nextIfChanged: string;
  readonly now: string;
}

/** Durable bookkeeping of GitLab status reports, claimed with a lease by one node at a time. */
export interface GitLabReportStore {
  /**
   * Records a report, due at once. Tracking an execution twice keeps the first request
   * (`created: false`).
   */
  track(
    report: NewGitLabReport,
  ): Promise<{ readonly record: GitLabReportRecord; readonly created: boolean }>;
  get(executionArn: string): Promise<GitLabReportRecord | undefined>;
  /**
   * Notes that these executions changed: bumps their generation and makes each due at `dueAt`
   * (or its `notBefore`, if later) unless it is due already. Executions without a report are
   * ignored. Returns how many rows it touched.
   */
  markChanged(executionArns: readonly string[], dueAt: string): Promise<number>;
  /**
   * Makes due, at `dueAt`, up to `limit` reports that nothing waits on although their
   * execution's history moved on since the last finished report (a node stopped between a
   * commit and its report), or whose execution was reported once and is gone (purged: the
   * reporter then removes them). Returns how many.
   */
  markStale(dueAt: string, limit: number): Promise<number>;
  /**
   * Leases up to `limit` reports due at `now` that nobody holds (or whose lease ran out),
   * earliest first, to `owner` until `leaseUntil`. Two nodes never get the same row.
   */
  claimDue(
    now: string,
    owner: string,
    leaseUntil: string,
    limit: number,
  ): Promise<readonly GitLabReportRecord[]>;
  /**
   * Records how an attempt claimed at `generation` ended and releases the lease. Returns false
   * (writing nothing) when `owner` no longer holds the lease.
   */
  finish(
    executionArn: string,
    owner: string,
    generation: number,
    outcome: GitLabReportOutcome,
  ): Promise<boolean>;
  /** Removes the report (its execution is gone). */
  delete(executionArn: string): Promise<void>;
}

// --- GitLab waits (part A, migration 0009) ---------------------------------------------------

/** What a GitLab `.sync` task waits on: a pipeline or a job of one project of one connection. */
export interface GitLabWaitTarget {
  readonly connection: string;
  readonly projectId: number;
  readonly kind: 'pipeline' | 'job';
  readonly objectId: number;
}

/** The task that waits: the engine's `pollNow(executionId, taskId)` wakes it. */
export interface GitLabWaiter {
  readonly executionId: string;
  readonly taskId: string;
}

/** The pipeline one createPipeline task attempt created. */
export interface GitLabCreatedPipeline {
  readonly connection: string;
  readonly projectId: number;
  readonly pipelineId: number;
}

/**
 * Which tasks wait on which GitLab pipelines and jobs (so webhooks can wake them), and which
 * pipeline each createPipeline attempt created (so a redelivered attempt does not create another).
 */
export interface GitLabWaitStore {
  /** Records that `waiter` waits on `target`; recording it twice is harmless. */
  record(target: GitLabWaitTarget, waiter: GitLabWaiter, now: string): Promise<void>;
  /** The tasks waiting on `target`, oldest first. */
  find(target: GitLabWaitTarget): Promise<readonly GitLabWaiter[]>;
  /** Removes one wait; a wait that is gone is ignored. */
  forget(target: GitLabWaitTarget, waiter: GitLabWaiter): Promise<void>;
  /** Removes every wait of an execution (it ended). */
  forgetExecution(executionId: string): Promise<void>;
  /**
   * Remembers the pipeline an attempt created. The first pipeline recorded under a key stays:
   * returns the one stored (which may be an earlier one).
   */
  rememberCreatedPipeline(
    idempotencyKey: string,
    pipeline: GitLabCreatedPipeline,
    now: string,
  ): Promise<GitLabCreatedPipeline>;
  /** The pipeline created under `idempotencyKey`, if any. */
  findCreatedPipeline(idempotencyKey: string): Promise<GitLabCreatedPipeline | undefined>;
}
// --- end GitLab waits -------------------------------------------------------------------------
// --- GitLab connections (part B) ---------------------------------------------------------

/** A GitLab connection as stored: its secrets only sealed (see api/gitlab-connections). */
export interface GitLabConnectionRecord {
  /** `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`. */
  readonly name: string;
  /** Normalised: https (http only on loopback), no trailing slash. */
  readonly baseUrl: string;
  /** The API access token, sealed. */
  readonly tokenSealed: string;
  /** The webhook secret token (`X-Gitlab-Token`), sealed; null when none. */
  readonly webhookSecretSealed: string | null;
  /** The webhook signing token (`whsec_...`), sealed; null when none. */
  readonly signingTokenSealed: string | null;
  /** The exact `iss` of this instance's CI ID tokens. */
  readonly idTokenIssuer: string;
  readonly jwksUrl: string;
  /** The CI access rules as JSON text (an array; `[]` denies every CI job). */
  readonly ciRules: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type NewGitLabConnection = Omit<GitLabConnectionRecord, 'createdAt' | 'updatedAt'> & {
  readonly now: string;
};

/** What an update changes; absent members stay as they are (null clears a secret). */
export interface GitLabConnectionChange {
  readonly baseUrl?: string;
  readonly tokenSealed?: string;
  readonly webhookSecretSealed?: string | null;
  readonly signingTokenSealed?: string | null;
  readonly idTokenIssuer?: string;
  readonly jwksUrl?: string;
  readonly ciRules?: string;
  readonly now: string;
}

/** An execution a GitLab CI job started through the CI API. */
export interface CiExecutionRecord {
  readonly executionArn: string;
  readonly connection: string;
  readonly projectId: string;
  readonly projectPath: string;
  readonly ref: string;
  readonly pipelineId: string;
  readonly jobId: string;
  readonly userLogin: string | null;
  readonly createdAt: string;
}

export interface GitLabConnectionStore {
  /** @throws StoreError ALREADY_EXISTS when the name is taken. */
  create(connection: NewGitLabConnection): Promise<GitLabConnectionRecord>;
  get(name: string): Promise<GitLabConnectionRecord | undefined>;
  /** By name. */
  list(page: PageRequest): Promise<Page<GitLabConnectionRecord>>;
  /** Every connection whose ID-token issuer is exactly `issuer`, by name. */
  listByIssuer(issuer: string): Promise<readonly GitLabConnectionRecord[]>;
  /** @throws StoreError NOT_FOUND */
  update(name: string, change: GitLabConnectionChange): Promise<GitLabConnectionRecord>;
  /** @throws StoreError NOT_FOUND */
  delete(name: string): Promise<void>;
  /**
   * Records who starts an execution through the CI API, unless someone already did: the first
   * claim on an execution ARN stays. Returns the record stored (the caller's, or the earlier).
   */
  claimCiExecution(record: CiExecutionRecord): Promise<CiExecutionRecord>;
  getCiExecution(executionArn: string): Promise<CiExecutionRecord | undefined>;
}
// --- end GitLab connections ---------------------------------------------------------------

export interface MigrationReport {
  /** Migration ids applied by this call (empty when the schema was current). */
  readonly applied: readonly string[];
  readonly current: string;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Applies pending numbered migrations. Safe when several nodes start at once: one applies,
   * the others wait and find the schema current.
   * @throws StoreError UNSUPPORTED_SERVER, MIGRATION_FAILED
   */
  migrate(): Promise<MigrationReport>;
  readonly workflows: WorkflowStore;
  readonly executions: ExecutionStore;
  readonly tags: TagStore;
  readonly activities: ActivityStore;
  readonly mapRuns: MapRunStore;
  /**
   * Calls `onWork` soon after another node commits due work (PostgreSQL LISTEN/NOTIFY), so idle
   * nodes wake at once instead of at their next poll. `topic` is `''` for work `claimDue` hands
   * out, or `activity:<ARN>` for a task waiting for an activity's workers. Absent where one
   * process owns the database (SQLite). Resolves once listening; call the result to stop.
   */
  listenForWork?(onWork: (topic: string) => void): Promise<() => Promise<void>>;
  readonly keys: AccessKeyStore;
  /** GitLab status reports (part D). */
  readonly gitlabReports: GitLabReportStore;
  /** GitLab `.sync` waits and createPipeline idempotency (part A). */
  readonly gitlabWaits: GitLabWaitStore;
  /** GitLab connections and CI-started executions (part B). */
  readonly gitlabConnections: GitLabConnectionStore;
  // --- GitLab webhook deliveries and triggers (issue 5, part C) ---
  readonly deliveries: WebhookDeliveryStore;
  readonly triggers: TriggerStore;
  // --- end part C ---
  close(): Promise<void>;
}

/** Most versions one workflow may have (AWS: 1,000). */
export const MAX_VERSIONS_PER_WORKFLOW = 1000;

// --- GitLab webhook deliveries and triggers (issue 5, part C) ---------------------------------

export type DeliveryStatus = 'received' | 'processing' | 'processed' | 'ignored' | 'failed';

/** A webhook delivery as received: what GitLab sent, minus its secret headers. */
export interface NewWebhookDelivery {
  readonly id: string;
  readonly connection: string;
  readonly receivedAt: string;
  /** `X-Gitlab-Event`. */
  readonly event: string;
  /** The body's `object_kind` (absent for member, subgroup and project events). */
  readonly objectKind: string | null;
  /** What redeliveries share (see gitlab/deliveries/delivery-key.ts). */
  readonly dedupeKey: string;
  readonly keySource: string;
  readonly contentKey: string;
  /** JSON text: the kept headers by lower-case name. */
  readonly headers: string;
  /** The body exactly as received. */
  readonly body: string;
}

/** A delivery without its headers and body, as lists show it. */
export interface WebhookDeliverySummary {
  readonly id: string;
  readonly connection: string;
  readonly receivedAt: string;
  readonly event: string;
  readonly objectKind: string | null;
  readonly dedupeKey: string;
  readonly keySource: string;
  readonly contentKey: string;
  readonly status: DeliveryStatus;
  /** Times it was claimed for processing. */
  readonly attempts: number;
  /** JSON text: what it started, or why nothing (see gitlab/deliveries). */
  readonly outcome: string | null;
  /** The last processing error, for one that failed or waits for a retry. */
  readonly error: string | null;
  readonly processedAt: string | null;
}

export interface WebhookDeliveryRecord extends WebhookDeliverySummary {
  readonly headers: string;
  readonly body: string;
  readonly leaseOwner: string | null;
  readonly leaseUntil: string | null;
}

export interface DeliveryFilter {
  readonly connection?: string;
  readonly status?: DeliveryStatus;
  readonly event?: string;
}

export interface FinishDelivery {
  readonly status: 'processed' | 'ignored' | 'failed';
  readonly outcome: string;
  readonly error?: string | null;
  readonly now: string;
}

/** Webhook deliveries: recorded on receipt, then claimed and finished by the processor. */
export interface WebhookDeliveryStore {
  /**
   * Records a delivery, or finds the one already recorded with the same connection and dedupe
   * key (`duplicate: true`; nothing is written then).
   */
  record(
    delivery: NewWebhookDelivery,
  ): Promise<{ readonly record: WebhookDeliverySummary; readonly duplicate: boolean }>;
  get(id: string): Promise<WebhookDeliveryRecord | undefined>;
  /** Newest first. */
  list(filter: DeliveryFilter, page: PageRequest): Promise<Page<WebhookDeliverySummary>>;
  /**
   * Leases up to `limit` deliveries that wait for processing (received, or processing with a
   * lease that ran out), oldest first, to `owner` until `leaseUntil`. Two nodes claiming at
   * once never get the same delivery.
   */
  claim(
    now: string,
    owner: string,
    leaseUntil: string,
    limit: number,
  ): Promise<readonly WebhookDeliveryRecord[]>;
  /** Ends processing. Returns false (and writes nothing) when `owner` no longer holds it. */
  finish(id: string, owner: string, result: FinishDelivery): Promise<boolean>;
  /**
   * Gives a delivery back after a transient failure: claimable again at `retryAt`. Returns
   * false when `owner` no longer holds it.
   */
  postpone(id: string, owner: string, retryAt: string, error: string): Promise<boolean>;
  /** The earliest instant a delivery can next be claimed, if any waits. */
  nextClaimAt(): Promise<string | undefined>;
  /**
   * Retention: removes up to `limit` deliveries that finished (processed, ignored or failed)
   * before `finishedBefore` (their `processedAt`), oldest first, and returns how many. A
   * delivery still received or processing is never removed, however old.
   */
  purge(finishedBefore: string, limit: number): Promise<number>;
}

export type TriggerSource = 'file' | 'api';

export interface TriggerRecord {
  readonly name: string;
  readonly source: TriggerSource;
  /** JSON text of the rule (validated by gitlab/triggers before it is stored). */
  readonly definition: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type TriggerRunStatus = 'queued' | 'running' | 'done';

export interface NewTriggerRun {
  readonly trigger: string;
  readonly executionName: string;
  readonly concurrencyKey: string;
  readonly mode: 'QUEUED' | 'SUPERSEDED';
  /** Orders runs by arrival; compared as text. */
  readonly seq: string;
  readonly status: 'queued' | 'running';
  /** JSON text: everything needed to start the execution later. */
  readonly request: string;
  readonly deliveryId: string;
  readonly now: string;
}

export interface TriggerRunRecord extends Omit<NewTriggerRun, 'status' | 'now'> {
  readonly status: TriggerRunStatus;
  readonly executionArn: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Triggers, and the runs QUEUED and SUPERSEDED triggers coordinate. */
export interface TriggerStore {
  /** Creates or replaces a trigger. */
  put(trigger: {
    readonly name: string;
    readonly source: TriggerSource;
    readonly definition: string;
    readonly now: string;
  }): Promise<{ readonly record: TriggerRecord; readonly created: boolean }>;
  get(name: string): Promise<TriggerRecord | undefined>;
  /** Ordered by name. */
  list(page: PageRequest): Promise<Page<TriggerRecord>>;
  /** Returns whether it existed. Its runs stay until they end. */
  delete(name: string): Promise<boolean>;
  /**
   * Makes the file's triggers exactly `triggers`, in one transaction: each is created or
   * replaced (a trigger of the same name made through the API included), and file triggers
   * no longer listed are removed. API triggers of other names are untouched.
   */
  replaceFileTriggers(
    triggers: readonly { readonly name: string; readonly definition: string }[],
    now: string,
  ): Promise<{ readonly created: number; readonly updated: number; readonly removed: number }>;

  /** Records a run unless one of that trigger and execution name exists (then returns it). */
  addRun(
    run: NewTriggerRun,
  ): Promise<{ readonly record: TriggerRunRecord; readonly created: boolean }>;
  getRun(trigger: string, executionName: string): Promise<TriggerRunRecord | undefined>;
  /** The runs of one key, in arrival order, optionally of one status. */
  runsOfKey(
    trigger: string,
    concurrencyKey: string,
    status?: TriggerRunStatus,
  ): Promise<readonly TriggerRunRecord[]>;
  /** The run that started `executionArn`, if a trigger coordinates it. */
  runOfExecution(executionArn: string): Promise<TriggerRunRecord | undefined>;
  /**
   * For a QUEUED key: marks its oldest queued run running and returns it, unless a run of the
   * key is running already (then undefined). Two nodes racing get at most one run.
   */
  startNextRun(
    trigger: string,
    concurrencyKey: string,
    now: string,
  ): Promise<TriggerRunRecord | undefined>;
  /** Updates a run's status and execution ARN. */
  updateRun(
    trigger: string,
    executionName: string,
    change: {
      readonly status: TriggerRunStatus;
      readonly executionArn?: string;
      readonly now: string;
    },
  ): Promise<void>;
  /** Runs that are running, and the first queued run of each key with none running. */
  pendingRuns(limit: number): Promise<readonly TriggerRunRecord[]>;
  /**
   * Retention: removes up to `limit` runs that are done and last changed before
   * `finishedBefore`, oldest first, and returns how many. Queued and running runs are never
   * removed (they hold a key's queue and its one running slot).
   */
  purgeRuns(finishedBefore: string, limit: number): Promise<number>;
  /**
   * Creates or replaces every trigger given, with source `api`, in one transaction: all are
   * written or none. A trigger whose source is `api` and whose definition is the same text is
   * left as it is (`unchanged`, its `updatedAt` kept); one from the triggers file becomes an
   * API trigger (`updated`). Triggers not given are untouched. Results are in the given order.
   */
  applyApiTriggers(
    triggers: readonly { readonly name: string; readonly definition: string }[],
    now: string,
  ): Promise<readonly AppliedTrigger[]>;
}

/** What `applyApiTriggers` did with one trigger. */
export interface AppliedTrigger {
  readonly record: TriggerRecord;
  readonly result: 'created' | 'updated' | 'unchanged';
}
// --- end part C --------------------------------------------------------------------------------
