/**
 * The durable runner: advances one execution by one step per message (`DESIGN.md`, "The durable
 * step model").
 *
 * 1. Load the row; the message's `seq` must match (a stale or duplicate delivery does nothing).
 * 2. Before any I/O, take a lease with a compare-and-set that bumps `seq` and records the intent
 *    (state, attempt): this commit happens before the effect runs, so a racing or duplicate runner
 *    loses at once and a crash leaves a lease that lapses into a re-dispatch by the sweep.
 * 3. Restore the machine with `machine.resolveState(snapshot)` and read the active state's
 *    `meta.step`; run the effect (or poll, or evaluate the approval gate) with a stable
 *    idempotency key `executionId:state:entrySeq`.
 * 4. Feed the result to xstate's pure `transition()`, commit the new snapshot with `seq + 1`
 *    (conditional on the lease's `seq`) together with the journal entries.
 * 5. Schedule the next delivery: now, or at `nextRunAt` for polls, retries and approval expiry.
 *
 * Machines never `invoke` or use `after` (see `types.ts`): the runner owns all I/O and timers.
 */
import { createActor, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine, type EventObject } from 'xstate';
import { serializeError, XcflowError, type SerializedError } from '../errors.ts';
import type { ApprovalGate, ExecutionRecord, ExecutionStore, Signal, SignalName, StepCursor } from '../store/contract.ts';
import { evaluateGate, gateStatusAfter, openGate } from './approvals.ts';
import { Ledger, summarize } from './ledger.ts';
import { acquireLocks, releaseLocks } from './locks.ts';
import { finalStatusOf, isTerminal, leafPath, stepMetaAt, type ProcedureRegistry } from './registry.ts';
import { backoffDelay, isTransient, withinBudget, type RetryPolicy } from './retry.ts';
import { SIGNAL_SEQ, type Clock, type StepMessage, type StepScheduler } from './scheduler.ts';
import type {
  CloudCallRecord,
  EffectInput,
  ExecutionStatus,
  Json,
  JsonObject,
  ProcedureDefinition,
  RunnerEvent,
  StepMeta,
  WaitResult,
} from './types.ts';

/** Receives every cloud call an effect makes, for the journal. */
export interface CloudCallObserver {
  onCloudCall(call: CloudCallRecord): void;
}

/** Builds an effect's dependencies around a per-run cloud-call observer. */
export type DepsFactory<D> = (observer: CloudCallObserver) => D;

/** Everything the runner needs; built once per process by `createEngine`. */
export interface RunnerContext<D> {
  store: ExecutionStore;
  registry: ProcedureRegistry<D>;
  deps: DepsFactory<D>;
  scheduler: StepScheduler;
  clock: Clock;
  /** How long a runner may hold an execution while running one effect. */
  leaseMs: number;
  retry: RetryPolicy;
  /** Source of jitter. */
  random: () => number;
  /** Identifies this runner instance in leases. */
  runnerId: string;
  /** A lock lives this long past the execution's next due time unless renewed. */
  lockTtlMs: number;
  /** How soon an execution waiting for a lock tries again. */
  lockRetryMs: number;
  /** After scheduling a step for now, the sweep re-dispatches it if nothing ran it within this. */
  dispatchGraceMs: number;
  /**
   * Most steps one delivery may run back to back (1 = strictly one step per message). A chained
   * step's lease is taken in the same write that commits the previous step, saving a load, a
   * write and a scheduled message per step; signals are read again only when the chain ends.
   */
  maxStepsPerAdvance: number;
  /** A chain stops starting new steps after this much wall time (stays well inside the lease). */
  chainBudgetMs: number;
}

/** What one delivery did. */
export type AdvanceOutcome =
  /** No such execution. */
  | 'missing'
  /** The message's `seq` is not the row's: a duplicate or stale delivery. Nothing done. */
  | 'stale'
  /** The execution has ended. */
  | 'ended'
  /** Another runner holds an unexpired lease. */
  | 'leased'
  /** The execution is waiting (poll, retry, lock) and not due yet. */
  | 'early'
  /** An approval gate is still open and not expired. */
  | 'idle'
  /** Another writer moved `seq` on between load and write; this runner's work was discarded. */
  | 'lost'
  /** A transition was committed. */
  | 'committed'
  /** A transient failure was committed and a retry scheduled. */
  | 'retrying'
  /** A wait polled "not ready" and the next poll was scheduled. */
  | 'polled'
  /** A resource is locked by another execution; a retry was scheduled. */
  | 'locked'
  /** The execution's procedure version is not registered here. */
  | 'parked';

/** Result of `advance`. */
export interface AdvanceResult {
  executionId: string;
  outcome: AdvanceOutcome;
  /** The row's `seq` after this delivery, when known. */
  seq?: number;
  status?: ExecutionStatus;
}

const SIGNAL_EVENTS: Record<SignalName, (s: Signal) => RunnerEvent> = {
  cancel: (s) => ({ type: 'CANCEL', by: s.by }),
  rollback: (s) => ({ type: 'ROLLBACK', by: s.by, ...(s.reason ? { reason: s.reason } : {}) }),
};

/** Where a chained delivery goes on: the next step, already leased by the last commit. */
interface Chained<D> {
  def: ProcedureDefinition<D>;
  record: ExecutionRecord;
  /** The machine snapshot `record.snapshot` persists (no need to restore it). */
  snapshot: AnyMachineSnapshot;
}

/** The result of one delivery, with the row's `seq` and status when known. */
function outcomeOf(executionId: string, outcome: AdvanceOutcome, r: ExecutionRecord | null): AdvanceResult {
  return r ? { executionId, outcome, seq: r.seq, status: r.status } : { executionId, outcome };
}

/** Collects the cloud calls of one effect run for its journal entry. */
class CallLog implements CloudCallObserver {
  readonly calls: CloudCallRecord[] = [];

  onCloudCall(call: CloudCallRecord): void {
    this.calls.push(call);
  }
}

/** Whether a commit may take the next step's lease in the same write. */
type ChainPermit = { allowed: boolean };

const NO_CHAIN: ChainPermit = Object.freeze({ allowed: false });

/** The first signal a user requested that the engine has not acted on yet. */
function pendingSignal(rec: ExecutionRecord): SignalName | undefined {
  return (Object.keys(SIGNAL_EVENTS) as SignalName[]).find((n) => rec.signals[n] && !rec.handledSignals.includes(n));
}

/** A record about to be written, and what to do once the write wins. */
interface Plan {
  record: ExecutionRecord;
  ledger: Ledger;
  /** Delay of the next delivery, or null for none. */
  scheduleMs: number | null;
  releaseLocks: boolean;
  /** The live snapshot `record.snapshot` persists, when the plan moved the machine. */
  snapshot?: AnyMachineSnapshot;
}

/**
 * A shallow copy of a record, to complete for the next write. Spelled out rather than spread:
 * records arrive in several hidden classes (parsed JSON, built here), which sends `{ ...r, x }`
 * down V8's generic copy, several times slower than this literal (measured in the engine bench).
 */
function copyRecord(r: ExecutionRecord): ExecutionRecord {
  return {
    id: r.id,
    procedureId: r.procedureId,
    procedureVersion: r.procedureVersion,
    requestedBy: r.requestedBy,
    createdAt: r.createdAt,
    status: r.status,
    seq: r.seq,
    updatedAt: r.updatedAt,
    endedAt: r.endedAt,
    nextRunAt: r.nextRunAt,
    idempotencyKey: r.idempotencyKey,
    params: r.params,
    approvalRequired: r.approvalRequired,
    snapshot: r.snapshot,
    step: r.step,
    lease: r.lease,
    approval: r.approval,
    locks: r.locks,
    locksHeld: r.locksHeld,
    waitReason: r.waitReason,
    waitingSince: r.waitingSince,
    output: r.output,
    error: r.error,
    journalLength: r.journalLength,
    handledSignals: r.handledSignals,
    signals: r.signals,
  };
}

/** A step cursor with new counters. */
function stepWith(step: StepCursor, attempt: number, failures: number): StepCursor {
  return { state: step.state, kind: step.kind, entrySeq: step.entrySeq, enteredAt: step.enteredAt, attempt, failures };
}

function asJsonObject(value: unknown): JsonObject {
  return (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as JsonObject;
}

function errorOf(code: string, message: string): SerializedError {
  return { name: 'XcflowError', kind: 'internal', code, message, retryable: false };
}

/** The error a wait ends with when its deadline passes. */
function waitTimeoutError(meta: StepMeta & { effect: string }, timeoutMs: number): SerializedError {
  return errorOf('WaitTimeout', `${meta.title ?? meta.effect} did not become ready within ${timeoutMs} ms`);
}

/** The fields of a machine snapshot that its persisted form keeps. */
interface SnapshotFields {
  status: string;
  output: unknown;
  error: unknown;
  value: unknown;
  historyValue: Record<string, { id: string }[]> | undefined;
  context: unknown;
  children: Record<string, unknown>;
}

/**
 * Persisted form of a snapshot (plain JSON), identical to `machine.getPersistedSnapshot`. Without
 * children (machines never invoke or spawn) and without history, it is built directly: xstate's
 * version copies every other field of the snapshot generically and walks the whole context looking
 * for actor references, which only children can put there.
 */
export function persistSnapshot(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): JsonObject {
  const s = snapshot as unknown as SnapshotFields;
  for (const _child in s.children) return machine.getPersistedSnapshot(snapshot) as unknown as JsonObject;
  for (const _history in s.historyValue) return machine.getPersistedSnapshot(snapshot) as unknown as JsonObject;
  // Same keys in the same order as xstate's (undefined `output` / `error` vanish in JSON).
  return { status: s.status, output: s.output, error: s.error, value: s.value, historyValue: {}, context: s.context, children: {} } as unknown as JsonObject;
}

/** Restores a persisted snapshot without re-running entry actions (`resolveState`). */
export function restoreSnapshot(machine: AnyStateMachine, persisted: JsonObject): AnyMachineSnapshot {
  return machine.resolveState(persisted as unknown as Parameters<AnyStateMachine['resolveState']>[0]);
}

const scopes = new WeakMap<AnyStateMachine, AnyActorScope>();

/**
 * xstate's pure `transition(machine, snapshot, event)` without its per-call cost: that helper
 * builds a throw-away actor — which eagerly computes the machine's initial state — on every call.
 * The inert scope is built once per machine instead (machines here spawn no children, so one
 * scope never collects state across calls); actions are collected, never executed.
 */
export function pureTransition(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: RunnerEvent | EventObject): AnyMachineSnapshot {
  let scope = scopes.get(machine);
  if (!scope) {
    const self = createActor(machine);
    scope = {
      self,
      id: '',
      sessionId: '',
      logger: () => undefined,
      defer: () => undefined,
      emit: () => undefined,
      system: self.system,
      stopChild: () => undefined,
      actionExecutor: () => undefined,
    };
    scopes.set(machine, scope);
  }
  return machine.transition(snapshot, event, scope) as AnyMachineSnapshot;
}

/** The status an execution resting on a step of this kind shows. */
function statusOfStep(kind: StepMeta['kind']): ExecutionStatus {
  return kind === 'approval' ? 'awaiting_approval' : kind === 'wait' ? 'waiting' : 'running';
}

/** Advances executions one step per message. */
export class StepRunner<D> {
  constructor(private readonly ctx: RunnerContext<D>) {}

  /** Handles one delivery of `{executionId, seq}`. Safe to call any number of times. */
  async advance(msg: StepMessage): Promise<AdvanceResult> {
    const started = performance.now();
    let steps = 1;
    const permit: ChainPermit = { allowed: this.ctx.maxStepsPerAdvance > 1 };
    let out = await this.advanceOnce(msg, permit);
    while (this.chained) {
      const chained = this.chained;
      this.chained = undefined;
      steps += 1;
      permit.allowed = steps < this.ctx.maxStepsPerAdvance && performance.now() - started < this.ctx.chainBudgetMs;
      out = await this.runChained(chained, permit);
    }
    return out;
  }

  /** The next step a commit has just leased for this delivery, if any. */
  private chained: Chained<D> | undefined;

  /** Runs a step whose lease the previous commit took. */
  private async runChained({ def, record, snapshot }: Chained<D>, permit: ChainPermit): Promise<AdvanceResult> {
    const meta = stepMetaAt(def.machine, (record.step as StepCursor).state) as Extract<StepMeta, { kind: 'effect' }>;
    const now = this.ctx.clock.now();
    const ledger = new Ledger(record.id, record.journalLength, now);
    return this.effectStep(def, record, record.seq, snapshot, meta, now, ledger, permit, true);
  }

  private async advanceOnce(msg: StepMessage, permit: ChainPermit): Promise<AdvanceResult> {
    const { store, clock } = this.ctx;
    const rec = await store.getExecution(msg.executionId);
    if (!rec) return outcomeOf(msg.executionId, 'missing', rec);
    const now = clock.now();
    if (msg.seq === SIGNAL_SEQ) {
      // A signal follow-up: act at the current seq once no runner holds the execution.
      if (isTerminal(rec.status) || !pendingSignal(rec)) return outcomeOf(msg.executionId, 'stale', rec);
      if (rec.lease && rec.lease.until > now) {
        await this.ctx.scheduler.schedule({ executionId: rec.id, seq: SIGNAL_SEQ }, { delayMs: rec.lease.until - now + 1 });
        return outcomeOf(msg.executionId, 'leased', rec);
      }
    } else if (rec.seq !== msg.seq) {
      return outcomeOf(msg.executionId, 'stale', rec);
    }
    if (isTerminal(rec.status)) return outcomeOf(msg.executionId, 'ended', rec);
    if (rec.lease && rec.lease.until > now) return outcomeOf(msg.executionId, 'leased', rec);

    const def = this.ctx.registry.get(rec.procedureId, rec.procedureVersion);
    if (!def) return this.park(rec, now);

    const ledger = new Ledger(rec.id, rec.journalLength, now);
    if (rec.lease) {
      // The previous runner took the lease and never committed: it crashed or timed out.
      ledger.add('lease.expired', rec.step?.state, { owner: rec.lease.owner, until: rec.lease.until, attempt: rec.step?.attempt ?? 0 });
    }
    const base = copyRecord(rec);
    base.lease = null;

    const pending = pendingSignal(rec);
    if (pending) {
      const signal = rec.signals[pending] as Signal;
      ledger.add('signal', rec.step?.state, { signal: pending, by: signal.by, ...(signal.reason ? { reason: signal.reason } : {}) });
      const handled: ExecutionRecord = { ...base, handledSignals: [...base.handledSignals, pending] };
      const plan = this.applyEvent(def, handled, SIGNAL_EVENTS[pending](signal), now, ledger);
      return this.commit(plan, rec.seq, permit);
    }

    const step = rec.step;
    if (!step) {
      const plan = this.forceEnd(def, base, 'failed', errorOf('NoStep', 'the execution rests on a state without a step'), now, ledger);
      return this.commit(plan, rec.seq);
    }
    const meta = stepMetaAt(def.machine, step.state);
    if (!meta) {
      const plan = this.forceEnd(def, base, 'failed', errorOf('NoStep', `state ${step.state} has no meta.step in version ${def.version}`), now, ledger);
      return this.commit(plan, rec.seq);
    }
    if (meta.kind !== 'approval' && rec.waitReason !== null && rec.nextRunAt !== null && rec.nextRunAt > now) return outcomeOf(msg.executionId, 'early', rec);

    if (!rec.locksHeld && rec.locks.length > 0) {
      const got = await acquireLocks(store, rec.id, rec.locks, now + this.ctx.lockTtlMs, now);
      if (!got.ok) {
        const delay = this.ctx.lockRetryMs + Math.floor(this.ctx.random() * this.ctx.lockRetryMs);
        const reason = `waiting for lock ${got.resource}, held by execution ${got.holder.owner}`;
        const changed = rec.waitReason !== reason;
        if (changed) ledger.add('lock', step.state, { waiting: got.resource, holder: got.holder.owner });
        const record: ExecutionRecord = {
          ...base,
          status: rec.status === 'pending' ? 'pending' : 'waiting',
          waitReason: reason,
          waitingSince: changed ? now : rec.waitingSince,
          nextRunAt: now + delay,
        };
        const committed = await this.commit({ record, ledger, scheduleMs: delay, releaseLocks: false }, rec.seq);
        return committed.outcome === 'committed' ? { ...committed, outcome: 'locked' } : committed;
      }
      ledger.add('lock', step.state, { acquired: rec.locks });
      base.locksHeld = true;
    }

    if (meta.kind === 'approval') return this.approvalStep(def, base, rec.seq, now, ledger, permit);

    const snapshot = restoreSnapshot(def.machine, rec.snapshot);
    return this.effectStep(def, base, rec.seq, snapshot, meta, now, ledger, permit, false);
  }

  /**
   * Runs an effect (under a lease taken first, unless `preLeased` by a chained commit) or a wait
   * poll (no lease: it only reads), then commits the outcome.
   */
  private async effectStep(
    def: ProcedureDefinition<D>,
    base: ExecutionRecord,
    loadedSeq: number,
    snapshot: AnyMachineSnapshot,
    meta: Extract<StepMeta, { kind: 'effect' | 'wait' }>,
    now: number,
    ledger: Ledger,
    permit: ChainPermit,
    preLeased: boolean,
  ): Promise<AdvanceResult> {
    const { store, clock } = this.ctx;
    const step = base.step as NonNullable<ExecutionRecord['step']>;
    const leaseUntil = now + this.ctx.leaseMs;
    // A wait poll only reads, so running it twice is harmless: it needs no lease, only effects do.
    const leaseWrite = !preLeased && meta.kind === 'effect';
    if (leaseWrite && base.locksHeld && base.locks.length > 0) {
      // Renew the locks past the lease before any I/O; a lock lost meanwhile means no effect runs.
      const got = await acquireLocks(store, base.id, base.locks, leaseUntil + this.ctx.lockTtlMs, now);
      if (!got.ok) {
        ledger.add('lock', step.state, { lost: got.resource, holder: got.holder.owner });
        const record: ExecutionRecord = { ...base, locksHeld: false, nextRunAt: now + this.ctx.dispatchGraceMs, updatedAt: now };
        const committed = await this.commit({ record, ledger, scheduleMs: 0, releaseLocks: false }, loadedSeq);
        return committed.outcome === 'committed' ? { ...committed, outcome: 'locked' } : committed;
      }
    }
    let leased = base;
    if (!preLeased) {
      leased = copyRecord(base);
      leased.step = stepWith(step, step.attempt + 1, step.failures);
      leased.updatedAt = now;
      if (leaseWrite) {
        leased.seq = loadedSeq + 1;
        leased.status = 'running';
        leased.lease = { owner: this.ctx.runnerId, until: leaseUntil };
        leased.nextRunAt = leaseUntil;
        leased.journalLength = ledger.length;
      }
    }
    if (leaseWrite && !(await store.updateExecution(leased, loadedSeq, ledger.entries))) return outcomeOf(base.id, 'lost', null);
    const attempt = (leased.step as StepCursor).attempt;

    const effect = def.effects[meta.effect];
    const log = new CallLog();
    const input: EffectInput = {
      executionId: base.id,
      procedureId: base.procedureId,
      step: step.state,
      attempt,
      idempotencyKey: `${base.id}:${step.state}:${step.entrySeq}`,
      params: base.params,
      context: asJsonObject(snapshot.context),
      now,
    };
    const started = performance.now();
    let output: Json = null;
    let failure: unknown = undefined;
    try {
      output = await effect(input, this.ctx.deps(log));
    } catch (err) {
      failure = err ?? new Error('effect threw a nullish value');
    }
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    const after = clock.now();
    // Entries not written with a lease (a poll's) ride on the commit.
    const next = leaseWrite || preLeased ? new Ledger(base.id, leased.journalLength, after) : ledger;
    // The journal entry of this run; its outcome fields are added below.
    const entry: JsonObject = {
      effect: meta.effect,
      attempt: input.attempt,
      idempotencyKey: input.idempotencyKey,
      input: summarize(input.context),
      durationMs,
      calls: log.calls as unknown as Json,
    };
    const entryKind = meta.kind === 'wait' ? 'poll' : 'effect';
    // The record of the commit: the lease ends with it.
    const leasedBase = copyRecord(leased);
    leasedBase.lease = null;
    leasedBase.updatedAt = after;

    // A wait past its deadline has had its last poll (this one): a delivery that came late (a lost
    // message re-driven by the sweep, a crashed runner) still sees a target reached meanwhile.
    const waitLimit = meta.kind === 'wait' ? this.waitTimeout(meta, snapshot) : Number.POSITIVE_INFINITY;
    const timedOut = after >= step.enteredAt + waitLimit;

    if (failure !== undefined) {
      const error = serializeError(failure);
      const failures = step.failures + 1;
      if (isTransient(failure) && !timedOut && (meta.kind === 'wait' || withinBudget(this.ctx.retry, failures))) {
        const delay =
          meta.kind === 'wait'
            ? meta.pollIntervalMs
            : backoffDelay(this.ctx.retry, failures, this.ctx.random);
        entry.outcome = 'transient';
        entry.error = error as unknown as Json;
        entry.retryInMs = delay;
        next.add(entryKind, step.state, entry);
        const reason =
          meta.kind === 'wait'
            ? `waiting for ${meta.title ?? meta.effect} (last poll failed: ${error.code})`
            : `retrying ${meta.effect} after ${error.code} (failure ${failures} of ${this.ctx.retry.maxFailures})`;
        const record = leasedBase;
        const leasedStep = leased.step as StepCursor;
        record.status = 'waiting';
        record.step = stepWith(leasedStep, leasedStep.attempt, failures);
        record.nextRunAt = after + delay;
        record.waitReason = reason;
        record.waitingSince = base.waitReason ? base.waitingSince : after;
        record.error = error;
        const committed = await this.commit({ record, ledger: next, scheduleMs: delay, releaseLocks: false }, leased.seq, permit);
        return committed.outcome === 'committed' ? { ...committed, outcome: 'retrying' } : committed;
      }
      entry.outcome = timedOut && isTransient(failure) ? 'transient' : 'failed';
      entry.error = error as unknown as Json;
      next.add(entryKind, step.state, entry);
      if (timedOut && isTransient(failure)) {
        const timeout = waitTimeoutError(meta, waitLimit);
        leasedBase.error = timeout;
        return this.commit(this.applyEvent(def, leasedBase, { type: 'STEP.FAILED', error: timeout }, after, next, snapshot), leased.seq, permit);
      }
      leasedBase.error = error;
      const plan = this.applyEvent(def, leasedBase, { type: 'STEP.FAILED', error }, after, next, snapshot, true);
      return this.commit(plan, leased.seq, permit);
    }

    if (timedOut && !(output as WaitResult | null)?.ready) {
      // The last poll, then the timeout as its own transition (as when no poll is made).
      entry.outcome = 'not-ready';
      entry.output = summarize(output);
      next.add('poll', step.state, entry);
      const timeout = waitTimeoutError(meta, waitLimit);
      leasedBase.error = timeout;
      return this.commit(this.applyEvent(def, leasedBase, { type: 'STEP.FAILED', error: timeout }, after, next, snapshot), leased.seq, permit);
    }

    if (meta.kind === 'wait' && !(output as WaitResult | null)?.ready) {
      const deadline = step.enteredAt + this.waitTimeout(meta, snapshot);
      const delay = Math.max(0, Math.min(meta.pollIntervalMs, deadline - after));
      entry.outcome = 'not-ready';
      entry.output = summarize(output);
      next.add('poll', step.state, entry);
      const record = leasedBase;
      record.status = 'waiting';
      record.nextRunAt = after + delay;
      record.waitReason = base.waitReason ?? `waiting for ${meta.title ?? meta.effect}`;
      record.waitingSince = base.waitingSince ?? after;
      const committed = await this.commit({ record, ledger: next, scheduleMs: delay, releaseLocks: false }, leased.seq, permit);
      return committed.outcome === 'committed' ? { ...committed, outcome: 'polled' } : committed;
    }

    entry.outcome = 'ok';
    entry.output = output;
    next.add(entryKind, step.state, entry);
    leasedBase.error = null;
    const plan = this.applyEvent(def, leasedBase, { type: 'STEP.DONE', output }, after, next, snapshot, true);
    return this.commit(plan, leased.seq, permit);
  }

  /** Closes an approval gate when decisions or expiry decide it; otherwise does nothing. */
  private async approvalStep(
    def: ProcedureDefinition<D>,
    base: ExecutionRecord,
    loadedSeq: number,
    now: number,
    ledger: Ledger,
    permit: ChainPermit,
  ): Promise<AdvanceResult> {
    const gate = base.approval;
    if (!gate || gate.status !== 'pending') {
      const plan = this.forceEnd(def, base, 'failed', errorOf('NoApprovalGate', 'approval state without an open gate'), now, ledger);
      return this.commit(plan, loadedSeq);
    }
    const decisions = await this.ctx.store.listApprovalDecisions(base.id, gate.gateSeq);
    const event = evaluateGate(gate, decisions, now);
    if (!event) return outcomeOf(base.id, 'idle', base);
    ledger.add('approval.decided', gate.state, {
      outcome: gateStatusAfter(event),
      decisions: decisions.map((d) => ({ principal: d.principal, decision: d.decision, at: d.at, ...(d.comment ? { comment: d.comment } : {}) })),
    });
    return this.commit(this.applyEvent(def, base, event, now, ledger), loadedSeq, permit);
  }

  private waitTimeout(meta: Extract<StepMeta, { kind: 'wait' }>, snapshot: AnyMachineSnapshot): number {
    const override = meta.timeoutContextKey ? asJsonObject(snapshot.context)[meta.timeoutContextKey] : undefined;
    return typeof override === 'number' ? override : meta.timeoutMs;
  }

  /**
   * Sends `event` into the machine and plans the write of where it comes to rest. `restored` is
   * `base.snapshot` already restored; `intoLast` records the transition on the ledger's last entry
   * (the effect that caused it) instead of a separate entry.
   */
  applyEvent(
    def: ProcedureDefinition<D>,
    base: ExecutionRecord,
    event: RunnerEvent,
    now: number,
    ledger: Ledger,
    restored?: AnyMachineSnapshot,
    intoLast = false,
  ): Plan {
    const snapshot = restored ?? restoreSnapshot(def.machine, base.snapshot);
    const from = leafPath(snapshot.value);
    const next = pureTransition(def.machine, snapshot, event);
    // `transition` returns the same snapshot when nothing is enabled; `can` settles the rare
    // enabled-but-unchanged case.
    if (next === snapshot && !snapshot.can(event)) {
      // The machine has no transition for the event in this state (or only a forbidden one).
      ledger.add('transition', from, { from, to: from, event: event.type, ignored: true });
      switch (event.type) {
        case 'CANCEL':
          return this.forceEnd(def, base, 'cancelled', null, now, ledger);
        case 'ROLLBACK':
          return this.stay(base, now, ledger);
        case 'APPROVAL.EXPIRED':
          return this.forceEnd(def, base, 'expired', null, now, ledger);
        case 'APPROVAL.REJECTED':
          return this.forceEnd(def, base, 'rejected', null, now, ledger);
        case 'STEP.FAILED':
          return this.forceEnd(def, base, 'failed', event.error, now, ledger);
        default:
          return this.forceEnd(def, base, 'failed', errorOf('EventIgnored', `state ${from} does not handle ${event.type}`), now, ledger);
      }
    }
    const approval = base.approval && base.approval.status === 'pending' ? { ...base.approval, status: gateStatusAfter(event) } : base.approval;
    const to = leafPath(next.value);
    if (intoLast) ledger.annotateLast({ to, event: event.type });
    else ledger.add('transition', from, { from, to, event: event.type });
    return this.settle(def, base, next, now, ledger, approval);
  }

  /**
   * Plans the record for a machine resting in `snapshot`: its status, step cursor, approval gate,
   * next due time and the delivery to schedule. `approval` replaces `base.approval` (a gate the
   * event just closed).
   */
  settle(
    def: ProcedureDefinition<D>,
    base: ExecutionRecord,
    initial: AnyMachineSnapshot,
    now: number,
    ledger: Ledger,
    approval: ApprovalGate | null = base.approval,
  ): Plan {
    const machine = def.machine;
    let snapshot = initial;
    // An approval state of an execution started without the approval gate is passed through.
    for (let guard = 0; guard < 100 && snapshot.status === 'active' && !base.approvalRequired; guard += 1) {
      const path = leafPath(snapshot.value);
      if (stepMetaAt(machine, path)?.kind !== 'approval') break;
      const granted: RunnerEvent = { type: 'APPROVAL.GRANTED', approvers: [] };
      if (!snapshot.can(granted)) break;
      const next = pureTransition(machine, snapshot, granted);
      ledger.add('approval.decided', path, { outcome: 'waived' });
      ledger.add('transition', path, { from: path, to: leafPath(next.value), event: 'APPROVAL.GRANTED' });
      snapshot = next;
    }
    const seq = base.seq + 1;
    // One fresh record for this write, completed below (forceEnd copies it).
    const record = copyRecord(base);
    record.seq = seq;
    record.snapshot = persistSnapshot(machine, snapshot);
    record.lease = null;
    record.updatedAt = now;
    record.approval = approval;
    if (snapshot.status === 'error') {
      return this.forceEnd(def, record, 'failed', serializeError(snapshot.error), now, ledger);
    }
    if (snapshot.status === 'done') {
      const status = finalStatusOf(snapshot);
      ledger.add('ended', leafPath(snapshot.value), { status });
      record.status = status;
      record.step = null;
      record.endedAt = now;
      record.nextRunAt = null;
      record.waitReason = null;
      record.waitingSince = null;
      record.output = snapshot.output === undefined ? null : (snapshot.output as Json);
      record.journalLength = ledger.length;
      return { record, ledger, scheduleMs: null, releaseLocks: true, snapshot };
    }
    const state = leafPath(snapshot.value);
    const meta = stepMetaAt(machine, state);
    if (!meta) return this.forceEnd(def, record, 'failed', errorOf('NoStep', `state ${state} has no meta.step`), now, ledger);
    record.step = { state, kind: meta.kind, entrySeq: seq, enteredAt: now, attempt: 0, failures: 0 };
    if (meta.kind === 'approval') {
      const gate = openGate(meta, state, seq, base.requestedBy, now);
      ledger.add('approval.requested', state, { roles: gate.roles, quorum: gate.quorum, reason: gate.reason, expiresAt: gate.expiresAt });
      record.status = 'awaiting_approval';
      record.approval = gate;
      record.nextRunAt = gate.expiresAt;
      record.waitReason = `awaiting ${gate.quorum} approval${gate.quorum > 1 ? 's' : ''} (${gate.roles.join(' or ')}): ${gate.reason}`;
      record.waitingSince = now;
      record.journalLength = ledger.length;
      return { record, ledger, scheduleMs: meta.expiresInMs, releaseLocks: false, snapshot };
    }
    record.status = base.status === 'pending' && meta.kind === 'effect' ? 'pending' : statusOfStep(meta.kind);
    record.nextRunAt = meta.kind === 'wait' ? now : now + this.ctx.dispatchGraceMs;
    record.waitReason = meta.kind === 'wait' ? `waiting for ${meta.title ?? meta.effect}` : null;
    record.waitingSince = meta.kind === 'wait' ? now : null;
    record.journalLength = ledger.length;
    return { record, ledger, scheduleMs: 0, releaseLocks: false, snapshot };
  }

  /** Keeps the execution where it is (an ignored ROLLBACK), re-dispatching its current step. */
  private stay(base: ExecutionRecord, now: number, ledger: Ledger): Plan {
    const record: ExecutionRecord = { ...base, seq: base.seq + 1, updatedAt: now, journalLength: ledger.length };
    const due = base.nextRunAt === null ? 0 : Math.max(0, base.nextRunAt - now);
    const scheduleMs = base.step?.kind === 'effect' && base.waitReason === null ? 0 : due;
    if (base.step?.kind === 'effect' && base.waitReason === null) record.nextRunAt = now + this.ctx.dispatchGraceMs;
    return { record, ledger, scheduleMs, releaseLocks: false };
  }

  /** Ends an execution with `status` without the machine reaching a final state. */
  private forceEnd(
    def: ProcedureDefinition<D>,
    base: ExecutionRecord,
    status: ExecutionStatus,
    error: SerializedError | null,
    now: number,
    ledger: Ledger,
  ): Plan {
    ledger.add('ended', base.step?.state, { status, ...(error ? { error: error as unknown as Json } : {}), forced: true, version: def.version });
    const approval = base.approval && base.approval.status === 'pending' ? { ...base.approval, status: 'closed' as const } : base.approval;
    const record: ExecutionRecord = {
      ...base,
      status,
      step: null,
      lease: null,
      approval,
      endedAt: now,
      updatedAt: now,
      nextRunAt: null,
      waitReason: null,
      waitingSince: null,
      error: error ?? base.error,
      journalLength: ledger.length,
    };
    return { record, ledger, scheduleMs: null, releaseLocks: true };
  }

  /**
   * Writes a plan with compare-and-set on `expectedSeq`, then schedules and releases locks. When
   * `permit` allows and the plan rests on an effect to run now, the same write takes that step's
   * lease and the delivery goes on with it (`advance`) instead of scheduling a message.
   */
  async commit(
    plan: Plan,
    expectedSeq: number,
    permit: ChainPermit = NO_CHAIN,
  ): Promise<AdvanceResult> {
    const { store, scheduler } = this.ctx;
    // Every engine write bumps `seq` by exactly one; plans computed entry seqs from the same base.
    // The plan's record is its own (built for this write), so it is completed in place.
    let record = plan.record;
    record.seq = expectedSeq + 1;
    record.journalLength = plan.ledger.length;
    const now = this.ctx.clock.now();
    const wantsChain = permit.allowed && plan.scheduleMs === 0 && record.step?.kind === 'effect' && record.waitReason === null;
    if (!isTerminal(record.status) && record.locksHeld && record.locks.length > 0) {
      // Renew past the next lease when chaining, past the next due time otherwise.
      await this.renewLocks(record, Math.max(record.nextRunAt ?? 0, now + (wantsChain ? this.ctx.leaseMs : 0)), now);
    }
    const chain = wantsChain && (record.locksHeld || record.locks.length === 0);
    if (chain) {
      const until = now + this.ctx.leaseMs;
      const step = record.step as StepCursor;
      record = copyRecord(record);
      record.status = 'running';
      record.lease = { owner: this.ctx.runnerId, until };
      record.step = stepWith(step, step.attempt + 1, step.failures);
      record.nextRunAt = until;
    }
    if (!(await store.updateExecution(record, expectedSeq, plan.ledger.entries))) return outcomeOf(record.id, 'lost', null);
    if (plan.releaseLocks && record.locks.length > 0) await releaseLocks(store, record.id, record.locks);
    if (chain) {
      const def = this.ctx.registry.get(record.procedureId, record.procedureVersion) as ProcedureDefinition<D>;
      this.chained = { def, record, snapshot: plan.snapshot ?? restoreSnapshot(def.machine, record.snapshot) };
    } else if (plan.scheduleMs !== null) {
      await scheduler.schedule({ executionId: record.id, seq: record.seq }, { delayMs: plan.scheduleMs });
    }
    return outcomeOf(record.id, 'committed', record);
  }

  /**
   * Extends every lock of `record` to `from + lockTtlMs`. A lock lost to another execution (it
   * lapsed and was taken) marks the record as not holding its locks, so no effect runs unlocked.
   */
  private async renewLocks(record: ExecutionRecord, from: number, now: number): Promise<void> {
    const got = await acquireLocks(this.ctx.store, record.id, record.locks, from + this.ctx.lockTtlMs, now);
    if (!got.ok) record.locksHeld = false;
  }

  /** Leaves an execution whose procedure version is unknown here untouched but visible. */
  private async park(rec: ExecutionRecord, now: number): Promise<AdvanceResult> {
    const reason = `procedure ${rec.procedureId} version ${rec.procedureVersion} is not registered in this runner`;
    if (rec.waitReason === reason) return { executionId: rec.id, outcome: 'parked', seq: rec.seq, status: rec.status };
    const record: ExecutionRecord = { ...rec, seq: rec.seq + 1, waitReason: reason, waitingSince: now, updatedAt: now, nextRunAt: now + 5 * 60_000 };
    const ok = await this.ctx.store.updateExecution(record, rec.seq);
    return { executionId: rec.id, outcome: ok ? 'parked' : 'lost', seq: ok ? record.seq : rec.seq, status: rec.status };
  }
}

/** Whether an error is one of ours (for callers that map errors to responses). */
export function isXcflowError(err: unknown): err is XcflowError {
  return err instanceof XcflowError;
}
