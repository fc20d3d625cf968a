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
import type { ExecutionRecord, ExecutionStore, Signal, SignalName, StepCursor } from '../store/contract.ts';
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
}

/** Whether a commit may take the next step's lease in the same write. */
type ChainPermit = { allowed: boolean };

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
}

function asJsonObject(value: unknown): JsonObject {
  return (value && typeof value === 'object' && !Array.isArray(value) ? value : {}) as JsonObject;
}

function errorOf(code: string, message: string): SerializedError {
  return { name: 'XcflowError', kind: 'internal', code, message, retryable: false };
}

/** Persisted form of a snapshot (plain JSON; no children, since machines never invoke). */
export function persistSnapshot(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): JsonObject {
  return machine.getPersistedSnapshot(snapshot) as unknown as JsonObject;
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
      const { def, record } = this.chained;
      this.chained = undefined;
      steps += 1;
      permit.allowed = steps < this.ctx.maxStepsPerAdvance && performance.now() - started < this.ctx.chainBudgetMs;
      out = await this.runChained(def, record, permit);
    }
    return out;
  }

  /** The next step a commit has just leased for this delivery, if any. */
  private chained: Chained<D> | undefined;

  /** Runs a step whose lease the previous commit took. */
  private async runChained(def: ProcedureDefinition<D>, record: ExecutionRecord, permit: ChainPermit): Promise<AdvanceResult> {
    const result = (outcome: AdvanceOutcome, r: ExecutionRecord | null = record): AdvanceResult => ({
      executionId: record.id,
      outcome,
      ...(r ? { seq: r.seq, status: r.status } : {}),
    });
    const meta = stepMetaAt(def.machine, (record.step as StepCursor).state) as Extract<StepMeta, { kind: 'effect' }>;
    const snapshot = restoreSnapshot(def.machine, record.snapshot);
    const ledger = new Ledger(record.id, record.journalLength, this.ctx.clock.now());
    return this.effectStep(def, record, record.seq, snapshot, meta, this.ctx.clock.now(), ledger, result, permit, true);
  }

  private async advanceOnce(msg: StepMessage, permit: ChainPermit): Promise<AdvanceResult> {
    const { store, clock } = this.ctx;
    const rec = await store.getExecution(msg.executionId);
    const result = (outcome: AdvanceOutcome, r: ExecutionRecord | null = rec): AdvanceResult => ({
      executionId: msg.executionId,
      outcome,
      ...(r ? { seq: r.seq, status: r.status } : {}),
    });
    if (!rec) return result('missing');
    const now = clock.now();
    if (msg.seq === SIGNAL_SEQ) {
      // A signal follow-up: act at the current seq once no runner holds the execution.
      if (isTerminal(rec.status) || !pendingSignal(rec)) return result('stale');
      if (rec.lease && rec.lease.until > now) {
        await this.ctx.scheduler.schedule({ executionId: rec.id, seq: SIGNAL_SEQ }, { delayMs: rec.lease.until - now + 1 });
        return result('leased');
      }
    } else if (rec.seq !== msg.seq) {
      return result('stale');
    }
    if (isTerminal(rec.status)) return result('ended');
    if (rec.lease && rec.lease.until > now) return result('leased');

    const def = this.ctx.registry.get(rec.procedureId, rec.procedureVersion);
    if (!def) return this.park(rec, now);

    const ledger = new Ledger(rec.id, rec.journalLength, now);
    if (rec.lease) {
      // The previous runner took the lease and never committed: it crashed or timed out.
      ledger.add('lease.expired', rec.step?.state, { owner: rec.lease.owner, until: rec.lease.until, attempt: rec.step?.attempt ?? 0 });
    }
    const base: ExecutionRecord = { ...rec, lease: null };

    const pending = pendingSignal(rec);
    if (pending) {
      const signal = rec.signals[pending] as Signal;
      ledger.add('signal', rec.step?.state, { signal: pending, by: signal.by, ...(signal.reason ? { reason: signal.reason } : {}) });
      const handled: ExecutionRecord = { ...base, handledSignals: [...base.handledSignals, pending] };
      const plan = this.applyEvent(def, handled, SIGNAL_EVENTS[pending](signal), now, ledger);
      return this.commit(plan, rec.seq, result, permit);
    }

    const step = rec.step;
    if (!step) {
      const plan = this.forceEnd(def, base, 'failed', errorOf('NoStep', 'the execution rests on a state without a step'), now, ledger);
      return this.commit(plan, rec.seq, result);
    }
    const meta = stepMetaAt(def.machine, step.state);
    if (!meta) {
      const plan = this.forceEnd(def, base, 'failed', errorOf('NoStep', `state ${step.state} has no meta.step in version ${def.version}`), now, ledger);
      return this.commit(plan, rec.seq, result);
    }
    if (meta.kind !== 'approval' && rec.waitReason !== null && rec.nextRunAt !== null && rec.nextRunAt > now) return result('early');

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
        const committed = await this.commit({ record, ledger, scheduleMs: delay, releaseLocks: false }, rec.seq, result);
        return committed.outcome === 'committed' ? { ...committed, outcome: 'locked' } : committed;
      }
      ledger.add('lock', step.state, { acquired: rec.locks });
      base.locksHeld = true;
    }

    if (meta.kind === 'approval') return this.approvalStep(def, base, rec.seq, now, ledger, result, permit);

    const snapshot = restoreSnapshot(def.machine, rec.snapshot);
    if (meta.kind === 'wait') {
      const timeoutMs = this.waitTimeout(meta, snapshot);
      if (now >= step.enteredAt + timeoutMs) {
        const error = errorOf('WaitTimeout', `${meta.title ?? meta.effect} did not become ready within ${timeoutMs} ms`);
        return this.commit(this.applyEvent(def, base, { type: 'STEP.FAILED', error }, now, ledger, snapshot), rec.seq, result, permit);
      }
    }
    return this.effectStep(def, base, rec.seq, snapshot, meta, now, ledger, result, permit, false);
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
    result: (o: AdvanceOutcome, r?: ExecutionRecord | null) => AdvanceResult,
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
        const committed = await this.commit({ record, ledger, scheduleMs: 0, releaseLocks: false }, loadedSeq, result);
        return committed.outcome === 'committed' ? { ...committed, outcome: 'locked' } : committed;
      }
    }
    const leased: ExecutionRecord = preLeased
      ? base
      : !leaseWrite
        ? { ...base, step: { ...step, attempt: step.attempt + 1 }, updatedAt: now }
        : {
          ...base,
          seq: loadedSeq + 1,
          status: 'running',
          lease: { owner: this.ctx.runnerId, until: leaseUntil },
          step: { ...step, attempt: step.attempt + 1 },
          nextRunAt: leaseUntil,
          updatedAt: now,
          journalLength: ledger.length,
        };
    if (leaseWrite && !(await store.updateExecution(leased, loadedSeq, ledger.entries))) return result('lost', null);
    const attempt = (leased.step as StepCursor).attempt;

    const effect = def.effects[meta.effect];
    const calls: CloudCallRecord[] = [];
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
      output = await effect(input, this.ctx.deps({ onCloudCall: (c) => calls.push(c) }));
    } catch (err) {
      failure = err ?? new Error('effect threw a nullish value');
    }
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    const after = clock.now();
    // Entries not written with a lease (a poll's) ride on the commit.
    const next = leaseWrite || preLeased ? new Ledger(base.id, leased.journalLength, after) : ledger;
    const entry: JsonObject = {
      effect: meta.effect,
      attempt: input.attempt,
      idempotencyKey: input.idempotencyKey,
      input: summarize(input.context),
      durationMs,
      calls: calls as unknown as Json,
    };
    const leasedBase: ExecutionRecord = { ...leased, lease: null, updatedAt: after };

    if (failure !== undefined) {
      const error = serializeError(failure);
      const failures = step.failures + 1;
      if (isTransient(failure) && (meta.kind === 'wait' || withinBudget(this.ctx.retry, failures))) {
        const delay =
          meta.kind === 'wait'
            ? meta.pollIntervalMs
            : backoffDelay(this.ctx.retry, failures, this.ctx.random);
        next.add(meta.kind === 'wait' ? 'poll' : 'effect', step.state, { ...entry, outcome: 'transient', error: error as unknown as Json, retryInMs: delay });
        const reason =
          meta.kind === 'wait'
            ? `waiting for ${meta.title ?? meta.effect} (last poll failed: ${error.code})`
            : `retrying ${meta.effect} after ${error.code} (failure ${failures} of ${this.ctx.retry.maxFailures})`;
        const record: ExecutionRecord = {
          ...leasedBase,
          status: 'waiting',
          step: { ...leased.step!, failures },
          nextRunAt: after + delay,
          waitReason: reason,
          waitingSince: base.waitReason ? base.waitingSince : after,
          error,
        };
        const committed = await this.commit({ record, ledger: next, scheduleMs: delay, releaseLocks: false }, leased.seq, result, permit);
        return committed.outcome === 'committed' ? { ...committed, outcome: 'retrying' } : committed;
      }
      next.add(meta.kind === 'wait' ? 'poll' : 'effect', step.state, { ...entry, outcome: 'failed', error: error as unknown as Json });
      const plan = this.applyEvent(def, { ...leasedBase, error }, { type: 'STEP.FAILED', error }, after, next, snapshot, true);
      return this.commit(plan, leased.seq, result, permit);
    }

    if (meta.kind === 'wait' && !(output as WaitResult | null)?.ready) {
      const deadline = step.enteredAt + this.waitTimeout(meta, snapshot);
      const delay = Math.max(0, Math.min(meta.pollIntervalMs, deadline - after));
      next.add('poll', step.state, { ...entry, outcome: 'not-ready', output: summarize(output) });
      const record: ExecutionRecord = {
        ...leasedBase,
        status: 'waiting',
        nextRunAt: after + delay,
        waitReason: base.waitReason ?? `waiting for ${meta.title ?? meta.effect}`,
        waitingSince: base.waitingSince ?? after,
      };
      const committed = await this.commit({ record, ledger: next, scheduleMs: delay, releaseLocks: false }, leased.seq, result, permit);
      return committed.outcome === 'committed' ? { ...committed, outcome: 'polled' } : committed;
    }

    next.add(meta.kind === 'wait' ? 'poll' : 'effect', step.state, { ...entry, outcome: 'ok', output });
    const plan = this.applyEvent(def, { ...leasedBase, error: null }, { type: 'STEP.DONE', output }, after, next, snapshot, true);
    return this.commit(plan, leased.seq, result, permit);
  }

  /** Closes an approval gate when decisions or expiry decide it; otherwise does nothing. */
  private async approvalStep(
    def: ProcedureDefinition<D>,
    base: ExecutionRecord,
    loadedSeq: number,
    now: number,
    ledger: Ledger,
    result: (o: AdvanceOutcome, r?: ExecutionRecord | null) => AdvanceResult,
    permit: ChainPermit,
  ): Promise<AdvanceResult> {
    const gate = base.approval;
    if (!gate || gate.status !== 'pending') {
      const plan = this.forceEnd(def, base, 'failed', errorOf('NoApprovalGate', 'approval state without an open gate'), now, ledger);
      return this.commit(plan, loadedSeq, result);
    }
    const decisions = await this.ctx.store.listApprovalDecisions(base.id, gate.gateSeq);
    const event = evaluateGate(gate, decisions, now);
    if (!event) return result('idle');
    ledger.add('approval.decided', gate.state, {
      outcome: gateStatusAfter(event),
      decisions: decisions.map((d) => ({ principal: d.principal, decision: d.decision, at: d.at, ...(d.comment ? { comment: d.comment } : {}) })),
    });
    return this.commit(this.applyEvent(def, base, event, now, ledger), loadedSeq, result, permit);
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
    return this.settle(def, { ...base, approval }, next, now, ledger);
  }

  /**
   * Plans the record for a machine resting in `snapshot`: its status, step cursor, approval gate,
   * next due time and the delivery to schedule.
   */
  settle(def: ProcedureDefinition<D>, base: ExecutionRecord, initial: AnyMachineSnapshot, now: number, ledger: Ledger): Plan {
    const machine = def.machine;
    let snapshot = initial;
    // An approval state of an execution started without the approval gate is passed through.
    for (let guard = 0; guard < 100 && snapshot.status === 'active'; guard += 1) {
      const meta = stepMetaAt(machine, leafPath(snapshot.value));
      if (meta?.kind !== 'approval' || base.approvalRequired) break;
      const path = leafPath(snapshot.value);
      const granted: RunnerEvent = { type: 'APPROVAL.GRANTED', approvers: [] };
      if (!snapshot.can(granted)) break;
      const next = pureTransition(machine, snapshot, granted);
      ledger.add('approval.decided', path, { outcome: 'waived' });
      ledger.add('transition', path, { from: path, to: leafPath(next.value), event: 'APPROVAL.GRANTED' });
      snapshot = next;
    }
    const seq = base.seq + 1;
    const common = { ...base, seq, snapshot: persistSnapshot(machine, snapshot), lease: null, updatedAt: now };
    if (snapshot.status === 'error') {
      return this.forceEnd(def, common, 'failed', serializeError(snapshot.error), now, ledger);
    }
    if (snapshot.status === 'done') {
      const status = finalStatusOf(snapshot);
      ledger.add('ended', leafPath(snapshot.value), { status });
      const output = snapshot.output === undefined ? null : (snapshot.output as Json);
      const record: ExecutionRecord = {
        ...common,
        status,
        step: null,
        endedAt: now,
        nextRunAt: null,
        waitReason: null,
        waitingSince: null,
        output,
        journalLength: ledger.length,
      };
      return { record, ledger, scheduleMs: null, releaseLocks: true };
    }
    const state = leafPath(snapshot.value);
    const meta = stepMetaAt(machine, state);
    if (!meta) return this.forceEnd(def, common, 'failed', errorOf('NoStep', `state ${state} has no meta.step`), now, ledger);
    const step = { state, kind: meta.kind, entrySeq: seq, enteredAt: now, attempt: 0, failures: 0 };
    if (meta.kind === 'approval') {
      const gate = openGate(meta, state, seq, base.requestedBy, now);
      ledger.add('approval.requested', state, { roles: gate.roles, quorum: gate.quorum, reason: gate.reason, expiresAt: gate.expiresAt });
      const record: ExecutionRecord = {
        ...common,
        status: 'awaiting_approval',
        step,
        approval: gate,
        nextRunAt: gate.expiresAt,
        waitReason: `awaiting ${gate.quorum} approval${gate.quorum > 1 ? 's' : ''} (${gate.roles.join(' or ')}): ${gate.reason}`,
        waitingSince: now,
        journalLength: ledger.length,
      };
      return { record, ledger, scheduleMs: meta.expiresInMs, releaseLocks: false };
    }
    const record: ExecutionRecord = {
      ...common,
      status: base.status === 'pending' && meta.kind === 'effect' ? 'pending' : statusOfStep(meta.kind),
      step,
      nextRunAt: meta.kind === 'wait' ? now : now + this.ctx.dispatchGraceMs,
      waitReason: meta.kind === 'wait' ? `waiting for ${meta.title ?? meta.effect}` : null,
      waitingSince: meta.kind === 'wait' ? now : null,
      journalLength: ledger.length,
    };
    return { record, ledger, scheduleMs: 0, releaseLocks: false };
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
    result: (o: AdvanceOutcome, r?: ExecutionRecord | null) => AdvanceResult,
    permit: ChainPermit = { allowed: false },
  ): Promise<AdvanceResult> {
    const { store, scheduler } = this.ctx;
    // Every engine write bumps `seq` by exactly one; plans computed entry seqs from the same base.
    let record: ExecutionRecord = { ...plan.record, seq: expectedSeq + 1, journalLength: plan.ledger.length };
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
      record = { ...record, status: 'running', lease: { owner: this.ctx.runnerId, until }, step: { ...step, attempt: step.attempt + 1 }, nextRunAt: until };
    }
    if (!(await store.updateExecution(record, expectedSeq, plan.ledger.entries))) return result('lost', null);
    if (plan.releaseLocks && record.locks.length > 0) await releaseLocks(store, record.id, record.locks);
    if (chain) {
      this.chained = { def: this.ctx.registry.get(record.procedureId, record.procedureVersion) as ProcedureDefinition<D>, record };
    } else if (plan.scheduleMs !== null) {
      await scheduler.schedule({ executionId: record.id, seq: record.seq }, { delayMs: plan.scheduleMs });
    }
    return result('committed', record);
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
