/**
 * The saga part of the procedure machines: the context fields that keep compensations (newest
 * first) and the failure that stopped the execution, the guards and context updates every
 * machine's `setup` plugs in under the same names, the rollback states (`RollingBack` ⇄
 * `AwaitingCompensation` → `Concluding`) and the final states. Pure: no I/O.
 *
 * Every procedure that changes the cloud rolls back the same way (the migrations too, seed 5.3):
 * apply the newest compensation, wait until it has taken effect, pop it, repeat; then end in the
 * final state that says why the execution went back. Compensation failures are recorded, not fatal.
 */
import { assign, not } from 'xstate';
import type { SerializedError } from '../../src/errors.ts';
import type { Effect, EffectInput, Json, JsonObject, RunnerEvent } from '../../src/engine/types.ts';
import { failed, type FailParams } from './steps.ts';

/** Why an execution stopped going forward. */
export interface ProcedureFailure {
  code: string;
  message: string;
  /** The state that failed, when known. */
  state?: string;
  /** What verification saw, the error… */
  evidence?: Json;
}

/** A compensation that could not be applied, and why. */
export interface CompensationFailure<C> {
  compensation: C;
  error: SerializedError;
}

/** Context fields of the saga (plain JSON, persisted by the engine). */
export interface SagaContext<C> {
  /** Undo steps, newest first. */
  compensations: C[];
  /** Set when applying the head compensation failed: its wait is skipped. */
  headFailed: boolean;
  compensationsApplied: number;
  compensationFailures: CompensationFailure<C>[];
  failure: ProcedureFailure | null;
}

/** Initial saga fields. */
export function initialSaga<C>(): SagaContext<C> {
  return { compensations: [], headFailed: false, compensationsApplied: 0, compensationFailures: [], failure: null };
}

/** How an execution ended, first in every procedure's output: the failure's code or `Succeeded`, and the failure. */
export function outcomeOf(context: { failure: ProcedureFailure | null }): JsonObject {
  return {
    outcome: context.failure ? context.failure.code : 'Succeeded',
    ...(context.failure ? { failure: context.failure as unknown as Json } : {}),
  };
}

/** What the rollback did, in a procedure's output: compensations applied, and those that failed. */
export function rollbackReport(context: SagaContext<unknown>): JsonObject {
  return { compensationsApplied: context.compensationsApplied, compensationFailures: context.compensationFailures as unknown as Json };
}

/** The output of a `STEP.DONE` event as an object (`{}` otherwise). */
export function outputOf(event: RunnerEvent): JsonObject {
  return event.type === 'STEP.DONE' && event.output !== null && typeof event.output === 'object' && !Array.isArray(event.output) ? event.output : {};
}

/** The failure an event stands for, `fallback` filling what the event does not say. */
export function failureFrom(event: RunnerEvent, fallback: FailParams): ProcedureFailure {
  const at = fallback.state ? { state: fallback.state } : {};
  switch (event.type) {
    case 'STEP.FAILED':
      return { code: fallback.code, message: `${fallback.message}: ${event.error.message}`, ...at, evidence: event.error as unknown as Json };
    case 'STEP.DONE': {
      const out = outputOf(event);
      return { code: fallback.code, message: typeof out.reason === 'string' ? out.reason : fallback.message, ...at, evidence: out };
    }
    case 'APPROVAL.REJECTED':
      return { code: 'ApprovalRejected', message: `rejected by ${event.by}${event.comment ? `: ${event.comment}` : ''}`, ...at };
    case 'APPROVAL.EXPIRED':
      return { code: 'ApprovalExpired', message: 'nobody approved before the gate expired', ...at };
    case 'CANCEL':
      return { code: 'Cancelled', message: `cancelled by ${event.by}`, ...at };
    case 'ROLLBACK':
      return { code: 'RollbackRequested', message: `rollback requested by ${event.by}${event.reason ? `: ${event.reason}` : ''}`, ...at };
    default:
      return { code: fallback.code, message: fallback.message, ...at };
  }
}

type Args<C> = { context: SagaContext<C> };
type EventArgs<C> = { context: SagaContext<C>; event: RunnerEvent };

/** Guards every procedure setup registers under these names (the rollback states use them). */
export const sagaGuards = {
  hasCompensations: ({ context }: Args<unknown>): boolean => context.compensations.length > 0,
  cancelled: ({ context }: Args<unknown>): boolean => context.failure?.code === 'Cancelled',
  approvalRejected: ({ context }: Args<unknown>): boolean => context.failure?.code === 'ApprovalRejected',
  approvalExpired: ({ context }: Args<unknown>): boolean => context.failure?.code === 'ApprovalExpired',
  rollbackIncomplete: ({ context }: Args<unknown>): boolean => context.compensationFailures.length > 0,
  somethingRolledBack: ({ context }: Args<unknown>): boolean => context.compensationsApplied > 0,
};

/** Context updates behind the saga's actions (wrap each in `assign`). */
export const sagaUpdates = {
  /** Records the failure unless one is recorded already (the first cause wins). */
  fail<C>({ context, event }: EventArgs<C>, params: FailParams): Partial<SagaContext<C>> {
    return { failure: context.failure ?? failureFrom(event, params) };
  },
  /** Pushes a compensation (newest first). */
  push<C>(context: SagaContext<C>, c: C | null | undefined): Partial<SagaContext<C>> {
    return c ? { compensations: [c, ...context.compensations] } : {};
  },
  compensationApplied<C>(_args: Args<C>): Partial<SagaContext<C>> {
    return { headFailed: false };
  },
  compensationFailed<C>({ context, event }: EventArgs<C>): Partial<SagaContext<C>> {
    const head = context.compensations[0];
    return {
      headFailed: true,
      compensationFailures: event.type === 'STEP.FAILED' && head !== undefined ? [...context.compensationFailures, { compensation: head, error: event.error }] : context.compensationFailures,
    };
  },
  popCompensation<C>({ context }: Args<C>): Partial<SagaContext<C>> {
    return {
      compensations: context.compensations.slice(1),
      compensationsApplied: context.compensationsApplied + (context.headFailed ? 0 : 1),
      headFailed: false,
    };
  },
  waitFailed<C>({ context, event }: EventArgs<C>): Partial<SagaContext<C>> {
    const head = context.compensations[0];
    return {
      compensationFailures:
        event.type === 'STEP.FAILED' && head !== undefined && !context.headFailed
          ? [...context.compensationFailures, { compensation: head, error: event.error }]
          : context.compensationFailures,
      headFailed: true,
    };
  },
};

/**
 * The saga's actions, for a machine's `setup` (`fail` records the first failure; the others keep
 * the rollback's bookkeeping; `ignoreSignal` swallows a CANCEL / ROLLBACK that comes too late).
 */
export function sagaActions<TContext extends SagaContext<unknown>>() {
  type Update = Partial<TContext>;
  return {
    fail: assign<TContext, RunnerEvent, FailParams, RunnerEvent, never>((args, params) => sagaUpdates.fail(args, params) as Update),
    compensationApplied: assign<TContext, RunnerEvent, undefined, RunnerEvent, never>((args) => sagaUpdates.compensationApplied(args) as Update),
    compensationFailed: assign<TContext, RunnerEvent, undefined, RunnerEvent, never>((args) => sagaUpdates.compensationFailed(args) as Update),
    popCompensation: assign<TContext, RunnerEvent, undefined, RunnerEvent, never>((args) => sagaUpdates.popCompensation(args) as Update),
    waitFailed: assign<TContext, RunnerEvent, undefined, RunnerEvent, never>((args) => sagaUpdates.waitFailed(args) as Update),
    ignoreSignal: assign<TContext, RunnerEvent, undefined, RunnerEvent, never>({}),
  };
}

/** The machine-level `on` of a procedure that rolls back: CANCEL and ROLLBACK both start the rollback. */
export const rollBackOnSignals = {
  CANCEL: { target: '.RollingBack', actions: failed('Cancelled', 'cancelled') },
  ROLLBACK: { target: '.RollingBack', actions: failed('RollbackRequested', 'rollback requested') },
} as const;

/** Timing of the wait after each compensation, and the seed step the rollback implements. */
export interface RollbackTiming {
  pollIntervalMs: number;
  timeoutMs: number;
  /** Seed step the rollback implements (shown with the step). */
  seed: string;
  /** What `RollingBack` does, in the procedure's words. */
  description?: string;
}

/** Signals a rollback ignores (it is already going back). */
export type IgnoredSignal = 'CANCEL' | 'ROLLBACK';

/**
 * `RollingBack` ⇄ `AwaitingCompensation`, then `then` once no compensation is left; `ignore`
 * lists the signals that do nothing meanwhile (the others stay unhandled). Needs the guard
 * `hasCompensations` and the actions of {@link sagaActions}; effects named `applyCompensation`
 * and `awaitCompensation` (see {@link createCompensationEffects}).
 */
export function compensationStates<const T extends string, const I extends readonly IgnoredSignal[]>(
  spec: RollbackTiming & { then: T; ignore: I; titles?: { apply: string; await: string } },
) {
  const titles = spec.titles ?? { apply: 'Roll back one change', await: 'Rolled-back change in effect' };
  const ignored = Object.fromEntries(spec.ignore.map((s) => [s, { actions: 'ignoreSignal' }])) as { [K in I[number]]: { readonly actions: 'ignoreSignal' } };
  return {
    RollingBack: {
      description: spec.description ?? 'Undo the newest change still recorded (remove what was added, restore what was changed).',
      meta: { step: { kind: 'effect', effect: 'applyCompensation', seed: spec.seed, title: titles.apply } },
      always: { guard: not('hasCompensations'), target: spec.then },
      on: {
        'STEP.DONE': { target: 'AwaitingCompensation', actions: 'compensationApplied' },
        'STEP.FAILED': { target: 'AwaitingCompensation', actions: 'compensationFailed' },
        ...ignored,
      },
    },
    AwaitingCompensation: {
      meta: {
        step: { kind: 'wait', effect: 'awaitCompensation', pollIntervalMs: spec.pollIntervalMs, timeoutMs: spec.timeoutMs, seed: spec.seed, title: titles.await },
      },
      on: {
        'STEP.DONE': { target: 'RollingBack', actions: 'popCompensation' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['waitFailed', 'popCompensation'] },
        ...ignored,
      },
    },
  } as const;
}

/**
 * `RollingBack` ⇄ `AwaitingCompensation` → `Concluding` → the final state that says why the
 * execution went back, to spread into a machine's `states` (with {@link finalStates}). Needs the
 * guards of {@link sagaGuards} besides what {@link compensationStates} needs.
 */
export function rollbackStates(timing: RollbackTiming) {
  return {
    ...compensationStates({ ...timing, then: 'Concluding', ignore: ['CANCEL', 'ROLLBACK'] }),
    Concluding: {
      always: [
        { guard: 'cancelled', target: 'Cancelled' },
        { guard: 'approvalRejected', target: 'Rejected' },
        { guard: 'approvalExpired', target: 'Expired' },
        { guard: 'rollbackIncomplete', target: 'Failed' },
        { guard: 'somethingRolledBack', target: 'RolledBack' },
        { target: 'Failed' },
      ],
    },
  } as const;
}

/** The final states of a procedure that has no rollback of its own to end in `RolledBack`. */
export const endStates = {
  Succeeded: { type: 'final' },
  Failed: { type: 'final' },
  Cancelled: { type: 'final' },
  Rejected: { type: 'final' },
  Expired: { type: 'final' },
} as const;

const { Succeeded, ...unsuccessful } = endStates;

/** The final states of a procedure that rolls back: {@link endStates} and `RolledBack`. */
export const finalStates = { Succeeded, RolledBack: { type: 'final' }, ...unsuccessful } as const;

/** How a procedure applies, checks and describes its compensation kinds. */
export interface CompensationHandler<C, D> {
  apply(deps: D, c: C, opts: { clientToken: string; now: number }): Promise<JsonObject>;
  reached(deps: D, c: C): Promise<JsonObject & { ready: boolean }>;
  describe(c: C): string;
}

/**
 * The `applyCompensation` / `awaitCompensation` effects over the head of
 * `context.compensations`. The wait after a failed apply reports ready at once (the failure is
 * recorded; the rollback goes on).
 */
export function createCompensationEffects<C, D>(handler: CompensationHandler<C, D>): Record<'applyCompensation' | 'awaitCompensation', Effect<D>> {
  const head = (input: EffectInput): C => {
    const ctx = input.context as unknown as SagaContext<C>;
    const c = ctx.compensations[0];
    if (c === undefined) throw new Error(`${input.step}: no compensation left`);
    return c;
  };
  return {
    applyCompensation: async (input, deps) => {
      const c = head(input);
      const result = await handler.apply(deps, c, { clientToken: input.idempotencyKey, now: input.now });
      return { ...result, compensation: handler.describe(c) };
    },
    awaitCompensation: async (input, deps) => {
      const ctx = input.context as unknown as SagaContext<C>;
      if (ctx.headFailed) return { ready: true, status: 'skipped: applying it failed' };
      return handler.reached(deps, head(input));
    },
  };
}
