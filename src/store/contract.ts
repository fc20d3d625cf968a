/**
 * The `ExecutionStore` contract: the primitives every state backend (SQLite, Tablestore) offers the
 * durable engine. Backends implement primitives only — create-once, get, compare-and-set on `seq`,
 * append-only journal, due lookup, approvals, locks, tokens and idempotency keys; all engine logic
 * (leases, retries, approvals, status) lives in `src/engine` on top of them (powertools style).
 *
 * Every value is plain JSON (numbers are milliseconds since the epoch where they are times), so a
 * backend may keep the non-indexed fields of a record in one JSON column. The shared contract suite
 * `test/contract/store.case.ts` runs against every backend.
 */
import type { SerializedError } from '../errors.ts';
import type { ExecutionStatus, Json, JsonObject, Role } from '../engine/types.ts';

/** A runner's claim on an execution while it performs a step's I/O. */
export interface Lease {
  /** Runner instance id (diagnostics only: correctness comes from `seq`). */
  owner: string;
  /** The lease lapses at this time; afterwards the sweep may hand the step to another runner. */
  until: number;
}

/** Where an execution stands inside its current step. */
export interface StepCursor {
  /** Name of the active state (the leaf state that carries `meta.step`). */
  state: string;
  kind: 'effect' | 'wait' | 'approval';
  /** `seq` of the commit that entered this state: part of the effect's idempotency key. */
  entrySeq: number;
  /** When the state was entered (waits time out relative to this). */
  enteredAt: number;
  /** Runs of the effect so far in this entry (crash re-runs included). */
  attempt: number;
  /** Transient failures so far in this entry: counted against the retry budget. */
  failures: number;
}

/** Status of one approval gate. */
export type ApprovalGateStatus = 'pending' | 'granted' | 'rejected' | 'expired' | 'closed';

/** The approval request persisted when an execution enters an approval state. */
export interface ApprovalGate {
  /** `entrySeq` of the approval state entry: identifies the gate among several. */
  gateSeq: number;
  state: string;
  roles: Role[];
  quorum: number;
  reason: string;
  /** The execution's requester, who may not approve. */
  requestedBy: string;
  openedAt: number;
  expiresAt: number;
  status: ApprovalGateStatus;
}

/** One approver's decision at one gate. Keyed by (executionId, gateSeq, principal). */
export interface ApprovalDecision {
  executionId: string;
  gateSeq: number;
  principal: string;
  decision: 'approve' | 'reject';
  /** Roles the principal held when deciding. */
  roles: Role[];
  comment?: string;
  at: number;
}

/** Out-of-band requests to an execution, written without touching `seq`. */
export type SignalName = 'cancel' | 'rollback';

/** Who asked for a signal, when and why. */
export interface Signal {
  by: string;
  at: number;
  reason?: string;
}

/** An execution as persisted. */
export interface ExecutionRecord {
  /** Time-ordered id (`ex-…`): sorting by id sorts by creation time. */
  id: string;
  procedureId: string;
  procedureVersion: number;
  status: ExecutionStatus;
  /** Compare-and-set counter; every engine write bumps it by one. */
  seq: number;
  requestedBy: string;
  createdAt: number;
  updatedAt: number;
  /** Ended (final status) at, or null while active. */
  endedAt: number | null;
  /**
   * When the sweep must (re)dispatch this execution if nothing else has: the next poll or retry,
   * a lease's end, an approval's expiry, or a grace period after an immediate schedule.
   * Null once final. Backends must find due executions by it without scanning every row.
   */
  nextRunAt: number | null;
  /** The start idempotency key, if the caller gave one. */
  idempotencyKey: string | null;
  params: JsonObject;
  approvalRequired: boolean;
  /** The persisted xstate snapshot (`machine.getPersistedSnapshot`), restored with `resolveState`. */
  snapshot: JsonObject;
  /** The active step, or null in a final state. */
  step: StepCursor | null;
  lease: Lease | null;
  /** The current (or last) approval gate. */
  approval: ApprovalGate | null;
  /** Resources this execution locks while active (`route-table:vtb-…`). */
  locks: string[];
  /** Whether all `locks` are held. */
  locksHeld: boolean;
  /** Why the execution is not progressing right now (wait, retry back-off, lock, approval). */
  waitReason: string | null;
  /** Since when `waitReason` holds. */
  waitingSince: number | null;
  /** Output of the final state, if any. */
  output: Json;
  /** The error that ended or last failed the execution. */
  error: SerializedError | null;
  /** Number of journal entries written so far; the next entry gets `journalLength + 1`. */
  journalLength: number;
  /** Signals the engine has already acted on. */
  handledSignals: SignalName[];
  /** Signals requested by users; written only by `putSignal`, never by `updateExecution`. */
  signals: Partial<Record<SignalName, Signal>>;
}

/** What kind of thing a journal entry records. */
export type JournalKind =
  | 'created'
  | 'transition'
  | 'effect'
  | 'poll'
  | 'retry'
  | 'lease.expired'
  | 'approval.requested'
  | 'approval.decided'
  | 'lock'
  | 'signal'
  | 'ended';

/** One append-only journal entry. Keyed by (executionId, seq). */
export interface JournalEntry {
  executionId: string;
  /** Position in the execution's journal, from 1, gap-free. */
  seq: number;
  at: number;
  kind: JournalKind;
  /** The state the entry is about, when there is one. */
  state?: string;
  /** Kind-specific details (transition from/to/event, effect input summary, output, duration, outcome, cloud calls…). */
  data: JsonObject;
}

/** A held per-resource lock. */
export interface LockRecord {
  /** `route-table:vtb-…`, `vbr:vbr-…`, `cen:cen-…`, `physical-connection:pc-…`. */
  resource: string;
  /** Execution id of the holder. */
  owner: string;
  /** The lock lapses at this time unless renewed. */
  until: number;
}

/** An API token, stored by hash only. */
export interface TokenRecord {
  /** Hex SHA-256 of the token. */
  hash: string;
  principal: string;
  roles: Role[];
  createdAt: number;
  expiresAt: number | null;
  label?: string;
  /** Who created the token (an admin principal, or `cli:direct` for a token written straight to the store). */
  createdBy?: string;
}

/** A generic idempotency record: `key` → a JSON value, until `expiresAt`. */
export interface IdempotencyRecord {
  key: string;
  value: JsonObject;
  createdAt: number;
  expiresAt: number;
}

/** An execution that is due for dispatch. */
export interface DueExecution {
  id: string;
  seq: number;
  nextRunAt: number;
}

/** One page of results; `cursor` is opaque and null on the last page. */
export interface Page<T> {
  items: T[];
  cursor: string | null;
}

/** Paging request: at most `limit` items after `cursor`. */
export interface PageRequest {
  limit: number;
  cursor?: string | null;
}

/** Filters for `listExecutions`; all given fields must match. */
export interface ExecutionFilter {
  status?: ExecutionStatus[];
  procedureId?: string;
  requestedBy?: string;
}

/** One health-audit run (issue 7), keyed by `runId` (the audit's execution id, so time-ordered). */
export interface AuditRunRecord {
  runId: string;
  /** When the run read the network. */
  at: number;
  /** The rest of the run (counts, changes since the previous run, calls), shaped by `workflows/health-audit`. */
  data: JsonObject;
}

/** Where an audit finding stands: open until an audit no longer sees it. */
export type AuditFindingStatus = 'open' | 'resolved';

/** The lifecycle record of one audit finding, keyed by its stable `key` (check id + resources). */
export interface AuditFindingRecord {
  key: string;
  status: AuditFindingStatus;
  /** When the record last changed. */
  updatedAt: number;
  /** The rest of the finding (severity, evidence, first/last seen, remediation), shaped by `workflows/health-audit`. */
  data: JsonObject;
}

/** Filter of `listAuditFindings`. */
export interface AuditFindingFilter {
  status?: AuditFindingStatus;
}

/**
 * The primitives of a state backend. All methods are atomic on their own; `updateExecution` also
 * writes its journal entries atomically with the record, or (where the backend cannot) in a way
 * that readers never see entries of a write that lost its compare-and-set.
 */
export interface ExecutionStore {
  /**
   * Creates an execution (create-once) together with its first journal entries.
   * @throws ConflictError code `ExecutionExists` when the id is taken.
   */
  createExecution(record: ExecutionRecord, journal?: JournalEntry[]): Promise<void>;

  /** The execution, or null. */
  getExecution(id: string): Promise<ExecutionRecord | null>;

  /**
   * Compare-and-set: replaces the stored record — all fields except `signals` — with `record`
   * if and only if the stored `seq` equals `expectedSeq`, and appends `journal`. `id`,
   * `procedureId`, `procedureVersion`, `requestedBy` and `createdAt` never change after create;
   * a backend may skip rewriting them.
   * @returns false (and changes nothing) when the execution is missing or `seq` moved on.
   */
  updateExecution(record: ExecutionRecord, expectedSeq: number, journal?: JournalEntry[]): Promise<boolean>;

  /**
   * Records a signal unless one of that name is already set; does not touch `seq`.
   * @returns whether this call set it.
   * @throws NotFoundError when the execution does not exist.
   */
  putSignal(id: string, name: SignalName, signal: Signal): Promise<boolean>;

  /** Journal entries of an execution in `seq` order, paged. */
  readJournal(executionId: string, page: PageRequest): Promise<Page<JournalEntry>>;

  /** Executions whose `nextRunAt` ≤ `now`, earliest first, at most `limit`. */
  listDue(now: number, limit: number): Promise<DueExecution[]>;

  /** Executions matching `filter`, newest first (by id), paged. */
  listExecutions(filter: ExecutionFilter, page: PageRequest): Promise<Page<ExecutionRecord>>;

  /**
   * Records a decision (create-once per executionId, gateSeq, principal).
   * @returns `created: false` and the stored decision when the principal already decided.
   */
  putApprovalDecision(decision: ApprovalDecision): Promise<{ created: boolean; decision: ApprovalDecision }>;

  /** Decisions at one gate, oldest first. */
  listApprovalDecisions(executionId: string, gateSeq: number): Promise<ApprovalDecision[]>;

  /**
   * Takes or renews a lock: succeeds when the resource is free, its lock lapsed (`until` ≤ `now`),
   * or `lock.owner` already holds it (then `until` is extended).
   * @returns `acquired` and the lock as stored after the call (the holder when refused).
   */
  tryLock(lock: LockRecord, now: number): Promise<{ acquired: boolean; holder: LockRecord }>;

  /** Releases a lock if `owner` holds it. @returns whether a lock was removed. */
  releaseLock(resource: string, owner: string): Promise<boolean>;

  /** The lock on a resource, lapsed or not, or null. */
  getLock(resource: string): Promise<LockRecord | null>;

  /** Stores a token (create-once). @throws ConflictError code `TokenExists`. */
  putToken(token: TokenRecord): Promise<void>;

  /** The token with this hash, or null. */
  getToken(hash: string): Promise<TokenRecord | null>;

  /** Deletes a token. @returns whether it existed. */
  deleteToken(hash: string): Promise<boolean>;

  /** All tokens (an admin listing; expected to be small). */
  listTokens(): Promise<TokenRecord[]>;

  /**
   * Claims an idempotency key: stores `record` when the key is absent or its record expired
   * (`expiresAt` ≤ `now`); otherwise returns the stored record.
   */
  claimIdempotencyKey(record: IdempotencyRecord, now: number): Promise<{ created: boolean; record: IdempotencyRecord }>;

  /** Creates or replaces a health-audit run (idempotent: a retried audit step writes the same run). */
  putAuditRun(run: AuditRunRecord): Promise<void>;

  /** The run, or null. */
  getAuditRun(runId: string): Promise<AuditRunRecord | null>;

  /** Runs, newest first (by `runId`), paged. */
  listAuditRuns(page: PageRequest): Promise<Page<AuditRunRecord>>;

  /**
   * Creates or replaces finding records by key. Each record is written atomically; the batch as a
   * whole is not (the audit's reconciliation is idempotent, so a retry completes a partial batch).
   */
  putAuditFindings(findings: AuditFindingRecord[]): Promise<void>;

  /** The records of those `keys` that exist, in key order. */
  getAuditFindings(keys: string[]): Promise<AuditFindingRecord[]>;

  /** Findings matching `filter`, in key order, paged. */
  listAuditFindings(filter: AuditFindingFilter, page: PageRequest): Promise<Page<AuditFindingRecord>>;

  /** Releases resources (file handles, sockets). */
  close(): Promise<void>;
}

/** An empty execution record with the given identity, for backends' and tests' convenience. */
export function blankExecution(fields: Pick<ExecutionRecord, 'id' | 'procedureId' | 'procedureVersion' | 'requestedBy' | 'createdAt'>): ExecutionRecord {
  return {
    ...fields,
    status: 'pending',
    seq: 0,
    updatedAt: fields.createdAt,
    endedAt: null,
    nextRunAt: null,
    idempotencyKey: null,
    params: {},
    approvalRequired: true,
    snapshot: {},
    step: null,
    lease: null,
    approval: null,
    locks: [],
    locksHeld: false,
    waitReason: null,
    waitingSince: null,
    output: null,
    error: null,
    journalLength: 0,
    handledSignals: [],
    signals: {},
  };
}
