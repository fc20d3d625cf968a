/**
 * The saga part of the procedure machines: the context fields that keep compensations (newest
 * first) and the failure that stopped the execution, the guards and context updates every
 * machine's `setup` plugs in under the same names, the rollback states (`RollingBack` ⇄
 * `AwaitingCompensation` → `Concluding`) and the final states. Pure: no I/O.
 *
 * Same shape as the migrations' rollback (`workflows/migration/machine-rollback.ts`): apply the
 * newest compensation, wait until it has taken effect, pop it, repeat; then end in the final
 * state that says why the execution went back. Compensation failures are recorded, not fatal.
 */
import type { SerializedError } from '../../src/errors.ts';
import type { Effect, EffectInput, Json, JsonObject, RunnerEvent } from '../../src/engine/types.ts';

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

/** The output of a `STEP.DONE` event as an object (`{}` otherwise). */
export function outputOf(event: RunnerEvent): JsonObject {
  return event.type === 'STEP.DONE' && event.output !== null && typeof event.output === 'object' && !Array.isArray(event.output) ? event.output : {};
}

/** The failure an event stands for, `fallback` filling what the event does not say. */
export function failureFrom(event: RunnerEvent, fallback: { code: string; message: string; state?: string }): ProcedureFailure {
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
  fail<C>({ context, event }: EventArgs<C>, params: { code: string; message: string; state?: string }): Partial<SagaContext<C>> {
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

/** Timing of the wait after each compensation. */
export interface RollbackTiming {
  pollIntervalMs: number;
  timeoutMs: number;
  /** Seed step the rollback implements (shown with the step). */
  seed: string;
}

/**
 * `RollingBack` ⇄ `AwaitingCompensation` → `Concluding`, to spread into a machine's `states`.
 * Needs the guards of {@link sagaGuards} and actions named `compensationApplied`,
 * `compensationFailed`, `popCompensation`, `waitFailed`, `ignoreSignal`; effects named
 * `applyCompensation` and `awaitCompensation` (see {@link createCompensationEffects}).
 */
export function rollbackStates(timing: RollbackTiming) {
  return {
    RollingBack: {
      description: 'Undo the newest change still recorded (remove what was added, restore what was changed).',
      meta: { step: { kind: 'effect', effect: 'applyCompensation', seed: timing.seed, title: 'Roll back one change' } },
      always: { guard: ({ context }: Args<unknown>) => context.compensations.length === 0, target: 'Concluding' },
      on: {
        'STEP.DONE': { target: 'AwaitingCompensation', actions: 'compensationApplied' },
        'STEP.FAILED': { target: 'AwaitingCompensation', actions: 'compensationFailed' },
        CANCEL: { actions: 'ignoreSignal' },
        ROLLBACK: { actions: 'ignoreSignal' },
      },
    },
    AwaitingCompensation: {
      meta: {
        step: { kind: 'wait', effect: 'awaitCompensation', pollIntervalMs: timing.pollIntervalMs, timeoutMs: timing.timeoutMs, seed: timing.seed, title: 'Rolled-back change in effect' },
      },
      on: {
        'STEP.DONE': { target: 'RollingBack', actions: 'popCompensation' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['waitFailed', 'popCompensation'] },
        CANCEL: { actions: 'ignoreSignal' },
        ROLLBACK: { actions: 'ignoreSignal' },
      },
    },
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

/** The final states every procedure machine has. */
export const finalStates = {
  Succeeded: { type: 'final' },
  RolledBack: { type: 'final' },
  Failed: { type: 'final' },
  Cancelled: { type: 'final' },
  Rejected: { type: 'final' },
  Expired: { type: 'final' },
} as const;

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
