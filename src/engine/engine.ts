/**
 * The engine facade: start executions, feed them approvals and signals, advance them one step per
 * message, and show where each stands (status, current step, why and since when it waits).
 *
 *   const engine = createEngine({ store, procedures, deps, scheduler });
 *   const ex = await engine.start('migrate-vpc-to-cen', params, { requestedBy: 'alice' });
 *   // functions/runner: await engine.advance({ executionId, seq });
 */
import { randomBytes } from 'node:crypto';
import { initialTransition } from 'xstate';
import { ConflictError, NotFoundError } from '../errors.ts';
import {
  blankExecution,
  type ApprovalDecision,
  type ApprovalGate,
  type ExecutionFilter,
  type ExecutionRecord,
  type ExecutionStore,
  type JournalEntry,
  type Page,
  type PageRequest,
  type SignalName,
  type StepCursor,
} from '../store/contract.ts';
import { gateForDecision } from './approvals.ts';
import { Ledger, summarize } from './ledger.ts';
import { acquireLocks, lockConflict, normalizeLocks, type LockPolicy } from './locks.ts';
import { isTerminal, leafPath, ProcedureRegistry, stepMetaAt } from './registry.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import { StepRunner, type AdvanceResult, type CloudCallObserver, type DepsFactory } from './runner.ts';
import { SIGNAL_SEQ, systemClock, type Clock, type StepMessage, type StepScheduler } from './scheduler.ts';
import { assertMatchesSchema } from './schema.ts';
import type { ExecutionStatus, Json, JsonObject, MachineInput, Principal, ProcedureDefinition } from './types.ts';
import { stableJson } from '../json.ts';

/** How to build an engine. */
export interface EngineOptions<D> {
  store: ExecutionStore;
  /** Every procedure version this engine may run (old versions keep their running executions going). */
  procedures: Iterable<ProcedureDefinition<D>> | ProcedureRegistry<D>;
  /** Effect dependencies around a per-run cloud-call observer (e.g. `createCloudClients(...).withObserver`). */
  deps: DepsFactory<D>;
  scheduler: StepScheduler;
  clock?: Clock;
  /** Longest time one effect may run before another runner may take the step over. Default 60 s. */
  leaseMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Jitter source (seed it in tests). */
  random?: () => number;
  runnerId?: string;
  /** Default when a needed resource is locked: wait for it, or refuse the start. Default `wait`. */
  lockPolicy?: LockPolicy;
  /** A lock outlives its execution's next due time by this much unless renewed. Default 10 min. */
  lockTtlMs?: number;
  /** Interval between tries of an execution waiting for a lock. Default 5 s (plus jitter). */
  lockRetryMs?: number;
  /** Re-dispatch by the sweep when a step scheduled for now has not started within this. Default `leaseMs`. */
  dispatchGraceMs?: number;
  /** How long a start idempotency key is remembered. Default 24 h. */
  idempotencyTtlMs?: number;
  /**
   * Most steps one delivery runs back to back (default 1: one step per message). Above 1, a step
   * that can run at once is leased in the same write that commits the previous one.
   */
  maxStepsPerAdvance?: number;
  /** Wall-time budget of one chained delivery. Default a quarter of `leaseMs`. */
  chainBudgetMs?: number;
}

/** Options of `start`. */
export interface StartOptions {
  requestedBy: string;
  /** Starting twice with the same key (same requester) returns the first execution. */
  idempotencyKey?: string;
  /** Whether approval gates apply; default true (only an admin may turn them off — checked by the API). */
  approvalRequired?: boolean;
  /** Overrides the engine's lock policy for this start. */
  lockPolicy?: LockPolicy;
}

/** Where an execution stands, as users see it. */
export interface ExecutionView {
  id: string;
  procedureId: string;
  procedureVersion: number;
  title: string;
  status: ExecutionStatus;
  seq: number;
  /** Active state (dotted path), or the final state. */
  state: string;
  step: {
    state: string;
    kind: StepCursor['kind'];
    effect?: string;
    title?: string;
    seed?: string;
    attempt: number;
    failures: number;
    since: number;
  } | null;
  /** Why the execution is not progressing now, since when, and when it is next due. */
  waiting: { reason: string; since: number | null; until: number | null } | null;
  approval: (ApprovalGate & { decisions: ApprovalDecision[] }) | null;
  params: JsonObject;
  context: JsonObject;
  output: Json;
  error: ExecutionRecord['error'];
  requestedBy: string;
  approvalRequired: boolean;
  locks: string[];
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
  journalLength: number;
}

/** One line of an execution listing. */
export interface ExecutionSummary {
  id: string;
  procedureId: string;
  procedureVersion: number;
  status: ExecutionStatus;
  seq: number;
  state: string;
  requestedBy: string;
  waitReason: string | null;
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
}

/** The engine's operations. */
export interface Engine {
  readonly registry: ProcedureRegistry<unknown>;
  /**
   * Validates `params` and starts an execution of the latest version of a procedure.
   * @throws NotFoundError `ProcedureNotFound`; ValidationError `InvalidParameter` (schema) or from
   * the procedure's own `validate`; ConflictError `ResourceLocked` (lock policy `refuse`) or
   * `IdempotencyKeyReused` (same key, different request).
   */
  start(procedureId: string, params: JsonObject, opts: StartOptions): Promise<ExecutionView>;
  /** Handles one step message (what `functions/runner` calls). */
  advance(msg: StepMessage): Promise<AdvanceResult>;
  /** Records an approval at the open gate. @throws see `gateForDecision`; ConflictError `AlreadyDecided`. */
  approve(id: string, principal: Principal, comment?: string): Promise<ExecutionView>;
  /** Records a rejection at the open gate; one rejection closes it. */
  reject(id: string, principal: Principal, comment?: string): Promise<ExecutionView>;
  /** Asks the execution to cancel (the machine may roll back first). @throws ConflictError `ExecutionEnded`. */
  cancel(id: string, principal: Principal, reason?: string): Promise<ExecutionView>;
  /** Asks the execution to roll back (sends `ROLLBACK`). @throws ConflictError `ExecutionEnded`. */
  rollback(id: string, principal: Principal, reason?: string): Promise<ExecutionView>;
  /** @throws NotFoundError `ExecutionNotFound`. */
  get(id: string): Promise<ExecutionView>;
  list(filter: ExecutionFilter, page: PageRequest): Promise<Page<ExecutionSummary>>;
  /** @throws NotFoundError `ExecutionNotFound`. */
  journal(id: string, page: PageRequest): Promise<Page<JournalEntry>>;
  /** Dispatches due executions (polls, retries, expiries, lapsed leases, lost messages). */
  sweep(now?: number, limit?: number): Promise<{ dispatched: number }>;
}

const noObserver: CloudCallObserver = { onCloudCall: () => undefined };

/** A time-ordered execution id: `ex-` + 9 base-36 digits of milliseconds + 10 random characters. */
export function newExecutionId(now: number): string {
  const time = Math.max(0, Math.floor(now)).toString(36).padStart(9, '0');
  const rand = [...randomBytes(10)].map((b) => (b % 36).toString(36)).join('');
  return `ex-${time}${rand}`;
}

/** The active or final state of a record, from its snapshot's value. */
function stateOf(rec: ExecutionRecord): string {
  const value = (rec.snapshot as { value?: unknown }).value;
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    try {
      return leafPath(value as Parameters<typeof leafPath>[0]);
    } catch {
      return '';
    }
  }
  return '';
}

/** Creates an engine over a store, a scheduler and a set of procedures. */
export function createEngine<D>(options: EngineOptions<D>): Engine {
  const registry = options.procedures instanceof ProcedureRegistry ? options.procedures : new ProcedureRegistry<D>(options.procedures);
  const clock = options.clock ?? systemClock;
  const leaseMs = options.leaseMs ?? 60_000;
  const store = options.store;
  const defaultLockPolicy = options.lockPolicy ?? 'wait';
  const lockTtlMs = options.lockTtlMs ?? 10 * 60_000;
  const idempotencyTtlMs = options.idempotencyTtlMs ?? 24 * 3_600_000;
  const runner = new StepRunner<D>({
    store,
    registry,
    deps: options.deps,
    scheduler: options.scheduler,
    clock,
    leaseMs,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    random: options.random ?? Math.random,
    runnerId: options.runnerId ?? `runner-${process.pid}-${randomBytes(3).toString('hex')}`,
    lockTtlMs,
    lockRetryMs: options.lockRetryMs ?? 5000,
    dispatchGraceMs: options.dispatchGraceMs ?? leaseMs,
    maxStepsPerAdvance: Math.max(1, options.maxStepsPerAdvance ?? 1),
    chainBudgetMs: options.chainBudgetMs ?? leaseMs / 4,
  });

  async function load(id: string): Promise<ExecutionRecord> {
    const rec = await store.getExecution(id);
    if (!rec) throw new NotFoundError(`execution ${id} does not exist`, { code: 'ExecutionNotFound', field: 'executionId' });
    return rec;
  }

  async function view(rec: ExecutionRecord): Promise<ExecutionView> {
    const def = registry.get(rec.procedureId, rec.procedureVersion);
    const state = rec.step?.state ?? stateOf(rec);
    const meta = def && rec.step ? stepMetaAt(def.machine, rec.step.state) : undefined;
    const decisions = rec.approval ? await store.listApprovalDecisions(rec.id, rec.approval.gateSeq) : [];
    return {
      id: rec.id,
      procedureId: rec.procedureId,
      procedureVersion: rec.procedureVersion,
      title: def?.title ?? rec.procedureId,
      status: rec.status,
      seq: rec.seq,
      state,
      step: rec.step
        ? {
            state: rec.step.state,
            kind: rec.step.kind,
            ...(meta && meta.kind !== 'approval' ? { effect: meta.effect } : {}),
            ...(meta?.title ? { title: meta.title } : {}),
            ...(meta?.seed ? { seed: meta.seed } : {}),
            attempt: rec.step.attempt,
            failures: rec.step.failures,
            since: rec.step.enteredAt,
          }
        : null,
      waiting: rec.waitReason ? { reason: rec.waitReason, since: rec.waitingSince, until: rec.nextRunAt } : null,
      approval: rec.approval ? { ...rec.approval, decisions } : null,
      params: rec.params,
      context: ((rec.snapshot as { context?: JsonObject }).context ?? {}) as JsonObject,
      output: rec.output,
      error: rec.error,
      requestedBy: rec.requestedBy,
      approvalRequired: rec.approvalRequired,
      locks: rec.locks,
      createdAt: rec.createdAt,
      updatedAt: rec.updatedAt,
      endedAt: rec.endedAt,
      journalLength: rec.journalLength,
    };
  }

  async function decide(id: string, principal: Principal, decision: 'approve' | 'reject', comment?: string): Promise<ExecutionView> {
    const rec = await load(id);
    if (isTerminal(rec.status)) throw new ConflictError(`execution ${id} has ended (${rec.status})`, { code: 'ExecutionEnded' });
    const now = clock.now();
    const gate = gateForDecision(rec, principal, now);
    const stored = await store.putApprovalDecision({
      executionId: id,
      gateSeq: gate.gateSeq,
      principal: principal.id,
      decision,
      roles: principal.roles,
      at: now,
      ...(comment ? { comment } : {}),
    });
    if (!stored.created && stored.decision.decision !== decision) {
      throw new ConflictError(`${principal.id} already decided "${stored.decision.decision}" on execution ${id}`, { code: 'AlreadyDecided' });
    }
    // The runner closes the gate (under compare-and-set) once the decisions settle it.
    await options.scheduler.schedule({ executionId: id, seq: rec.seq }, { delayMs: 0 });
    return view(await load(id));
  }

  async function signal(id: string, name: SignalName, principal: Principal, reason?: string): Promise<ExecutionView> {
    const rec = await load(id);
    if (isTerminal(rec.status)) throw new ConflictError(`execution ${id} has ended (${rec.status})`, { code: 'ExecutionEnded' });
    await store.putSignal(id, name, { by: principal.id, at: clock.now(), ...(reason ? { reason } : {}) });
    // Follows the execution until a runner acts on the signal, even if one holds it right now.
    await options.scheduler.schedule({ executionId: id, seq: SIGNAL_SEQ }, { delayMs: 0 });
    return view(await load(id));
  }

  return {
    registry: registry as ProcedureRegistry<unknown>,

    async start(procedureId, params, opts) {
      const def = registry.latest(procedureId);
      assertMatchesSchema(def.paramsSchema, params);
      if (def.validate) await def.validate(params, options.deps(noObserver));
      const now = clock.now();
      let id = newExecutionId(now);
      if (opts.idempotencyKey) {
        const fingerprint = `${procedureId}\n${stableJson(params)}`;
        const claim = await store.claimIdempotencyKey(
          { key: `start:${opts.requestedBy}:${opts.idempotencyKey}`, value: { executionId: id, fingerprint }, createdAt: now, expiresAt: now + idempotencyTtlMs },
          now,
        );
        if (!claim.created) {
          if (claim.record.value.fingerprint !== fingerprint) {
            throw new ConflictError('this idempotency key was used for a different start request', { code: 'IdempotencyKeyReused', field: 'idempotencyKey' });
          }
          id = String(claim.record.value.executionId);
          const existing = await store.getExecution(id);
          if (existing) return view(existing);
          // The first start claimed the key and stopped before creating the execution: finish it.
        }
      }
      const locks = normalizeLocks(def.locks?.(params) ?? []);
      let locksHeld = false;
      if (locks.length > 0) {
        const got = await acquireLocks(store, id, locks, now + lockTtlMs, now);
        if (!got.ok && (opts.lockPolicy ?? defaultLockPolicy) === 'refuse') throw lockConflict(got.resource, got.holder);
        locksHeld = got.ok;
      }
      const approvalRequired = opts.approvalRequired ?? true;
      const input: MachineInput = { params, executionId: id, requestedBy: opts.requestedBy, approvalRequired };
      const [snapshot] = initialTransition(def.machine, input);
      const ledger = new Ledger(id, 0, now);
      ledger.add('created', undefined, {
        procedureId,
        version: def.version,
        requestedBy: opts.requestedBy,
        params: summarize(params, 1000),
        approvalRequired,
        ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
        ...(locks.length > 0 ? { locks, locksHeld } : {}),
      });
      const base: ExecutionRecord = {
        ...blankExecution({ id, procedureId, procedureVersion: def.version, requestedBy: opts.requestedBy, createdAt: now }),
        seq: -1,
        params,
        approvalRequired,
        idempotencyKey: opts.idempotencyKey ?? null,
        locks,
        locksHeld,
      };
      const plan = runner.settle(def, base, snapshot, now, ledger);
      const record = { ...plan.record, seq: 0, journalLength: ledger.length };
      try {
        await store.createExecution(record, ledger.entries);
      } catch (err) {
        if (err instanceof ConflictError && err.code === 'ExecutionExists' && opts.idempotencyKey) return view(await load(id));
        throw err;
      }
      if (plan.scheduleMs !== null) await options.scheduler.schedule({ executionId: id, seq: 0 }, { delayMs: plan.scheduleMs });
      return view(record);
    },

    advance: (msg) => runner.advance(msg),
    approve: (id, principal, comment) => decide(id, principal, 'approve', comment),
    reject: (id, principal, comment) => decide(id, principal, 'reject', comment),
    cancel: (id, principal, reason) => signal(id, 'cancel', principal, reason),
    rollback: (id, principal, reason) => signal(id, 'rollback', principal, reason),

    async get(id) {
      return view(await load(id));
    },

    async list(filter, page) {
      const result = await store.listExecutions(filter, page);
      return {
        cursor: result.cursor,
        items: result.items.map((rec) => ({
          id: rec.id,
          procedureId: rec.procedureId,
          procedureVersion: rec.procedureVersion,
          status: rec.status,
          seq: rec.seq,
          state: rec.step?.state ?? stateOf(rec),
          requestedBy: rec.requestedBy,
          waitReason: rec.waitReason,
          createdAt: rec.createdAt,
          updatedAt: rec.updatedAt,
          endedAt: rec.endedAt,
        })),
      };
    },

    async journal(id, page) {
      await load(id);
      return store.readJournal(id, page);
    },

    async sweep(now = clock.now(), limit = 1000) {
      const due = await store.listDue(now, limit);
      for (const d of due) await options.scheduler.schedule({ executionId: d.id, seq: d.seq }, { delayMs: 0 });
      return { dispatched: due.length };
    },
  };
}
