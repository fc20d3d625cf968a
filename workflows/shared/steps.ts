/**
 * Builders of the state shapes every procedure machine repeats, so that a machine says only what
 * is its own (the seed step, the effect, where to go next, what to record) and reads side by side
 * with the seed. Each returns a plain state config (`as const`, so action and guard names stay
 * checked against the machine's `setup`); nothing here runs or remembers anything.
 *
 * The shapes (see `src/engine/types.ts` for `meta.step`):
 * - effect state: run one effect; `STEP.DONE` → next, `STEP.FAILED` → roll back recording why;
 * - change state: an effect state that changes the cloud, so its compensation is pushed whatever
 *   the outcome (a call that failed may still have been applied; every compensation is idempotent);
 * - wait state: the runner polls a wait effect until it is ready or times out;
 * - verdict: after a verification, `verified` → next, otherwise roll back recording what was seen;
 * - approval state: the gate before the first change that matters.
 *
 * The states that fail record the failure with the `fail` action (params {@link FailParams}) every
 * procedure's `setup` defines; `name` is the state's own name, recorded with the failure.
 */
import type { JsonObject, MachineInput, RunnerEvent } from '../../src/engine/types.ts';

/** The `types` of a procedure machine's `setup`: its context `C`, the runner's events, the engine's input. */
export function procedureTypes<C>() {
  return { context: {} as C, events: {} as RunnerEvent, input: {} as MachineInput<JsonObject> };
}

/** Params of the `fail` action: why the execution stops going forward, and where. */
export interface FailParams {
  code: string;
  message: string;
  state?: string;
}

/** The `fail` action with its params. */
export interface FailAction {
  type: 'fail';
  params: FailParams;
}

/** The `fail` action recording `code` and `message` (and the state, when given). */
export function failed(code: string, message: string, state?: string): FailAction {
  return { type: 'fail', params: { code, message, ...(state ? { state } : {}) } };
}

/** The machine-level `on` of a procedure that does not roll back: CANCEL ends it in `Cancelled`. */
export const endOnCancel = {
  CANCEL: { target: '.Cancelled', actions: failed('Cancelled', 'cancelled') },
} as const;

/** Where a failed step goes: the rollback, or straight to `Failed` for a procedure that changes nothing. */
export type FailTarget = 'RollingBack' | 'Failed';

/** What every step state names: its effect and the seed step it implements. */
export interface StepHead {
  effect: string;
  seed: string;
  title: string;
  description?: string;
}

/** How a failed step is recorded: `code` (default `StepFailed`), `message`, where it goes (default `RollingBack`). */
export interface StepFailure<F extends FailTarget> {
  code?: string;
  message: string;
  failTo?: F;
}

const describe = (d: string | undefined) => (d ? { description: d } : {});

/**
 * The `always` of a state that may be skipped. `S` is the skip's own type, or `unknown` when
 * there is none. (`S` has no default on purpose: with one, TypeScript fixes it before reading a
 * skip whose guard is built by a call such as `not('moreRoutes')`.)
 */
type Skipping<S> = unknown extends S ? { readonly always?: undefined } : { readonly always: S };

const skipping = <S>(skip: S | undefined): Skipping<S> => (skip !== undefined ? { always: skip } : {}) as Skipping<S>;

/**
 * An effect state: `STEP.DONE` → `done` (a target or transitions), `STEP.FAILED` → `failTo`,
 * recording the failure. `skip` (an `always` transition) leaves at once when there is nothing to do.
 */
export function effectState<const D, const S, const F extends FailTarget = 'RollingBack'>(
  name: string,
  spec: StepHead & StepFailure<F> & { done: D; skip?: S },
) {
  return {
    ...describe(spec.description),
    meta: { step: { kind: 'effect', effect: spec.effect, seed: spec.seed, title: spec.title } },
    ...skipping(spec.skip),
    on: {
      'STEP.DONE': spec.done,
      'STEP.FAILED': { target: spec.failTo ?? ('RollingBack' as F), actions: failed(spec.code ?? 'StepFailed', spec.message, name) },
    },
  } as const;
}

/**
 * A state whose effect changes the cloud: `compensate` (the action pushing its undo step) runs on
 * `STEP.DONE` (before `also`, when given) and on `STEP.FAILED`, then the execution goes to `next`
 * or rolls back recording the failure.
 */
export function changeState<const T extends string, const C extends string, const S, const A extends string = never>(
  name: string,
  spec: StepHead & StepFailure<'RollingBack'> & { next: T; compensate: C; also?: A; skip?: S },
) {
  return {
    ...describe(spec.description),
    meta: { step: { kind: 'effect', effect: spec.effect, seed: spec.seed, title: spec.title } },
    ...skipping(spec.skip),
    on: {
      // `NoInfer` (here and in `verdict`): else TypeScript infers a missing `also` / `then` from the
      // machine config the state is placed in, as `string`, which no action name matches.
      'STEP.DONE': { target: spec.next, actions: spec.also !== undefined ? ([spec.compensate, spec.also as NoInfer<A>] as const) : spec.compensate },
      'STEP.FAILED': { target: 'RollingBack', actions: [spec.compensate, failed(spec.code ?? 'StepFailed', spec.message, name)] },
    },
  } as const;
}

/** Polling of a wait state (`timeoutContextKey` names a number in context overriding `timeoutMs`). */
export interface WaitTiming {
  pollIntervalMs: number;
  timeoutMs: number;
  timeoutContextKey?: string;
}

/**
 * A wait state: the runner polls `effect` until it says ready (`STEP.DONE` → `done`) or the
 * deadline passes (`STEP.FAILED` → `failTo`, recording the failure; or `onTimeout` instead, for a
 * wait whose deadline is not a failure).
 */
export function waitState<const D, const S, const F extends FailTarget = 'RollingBack', const O = never>(
  name: string,
  spec: StepHead & WaitTiming & { done: D; skip?: S } & (StepFailure<F> | { onTimeout: O }),
) {
  return {
    ...describe(spec.description),
    meta: {
      step: {
        kind: 'wait',
        effect: spec.effect,
        pollIntervalMs: spec.pollIntervalMs,
        timeoutMs: spec.timeoutMs,
        ...(spec.timeoutContextKey !== undefined ? { timeoutContextKey: spec.timeoutContextKey } : {}),
        seed: spec.seed,
        title: spec.title,
      },
    },
    ...skipping(spec.skip),
    on: {
      'STEP.DONE': spec.done,
      'STEP.FAILED':
        'onTimeout' in spec
          ? spec.onTimeout
          : { target: spec.failTo ?? ('RollingBack' as F), actions: failed(spec.code ?? 'StepFailed', spec.message, name) },
    },
  } as const;
}

/**
 * The `STEP.DONE` transitions of a verification: the `before` transitions first (say, a pending
 * probe), then `guard` (default `verified`) → `next` with `record` (and `then`), otherwise
 * `failTo` with `record`, recording the failure (code default `VerificationFailed`).
 */
export function verdict<
  const T extends string,
  const R extends string,
  const N extends string = never,
  const B extends readonly unknown[] = [],
  const G = 'verified',
  const F extends FailTarget = 'RollingBack',
>(name: string, spec: { next: T; record: R; then?: N; before?: B; guard?: G; code?: string; message: string; failTo?: F }) {
  return [
    ...(spec.before ?? ([] as unknown as B)),
    { guard: spec.guard ?? ('verified' as G), target: spec.next, actions: spec.then !== undefined ? ([spec.record, spec.then as NoInfer<N>] as const) : spec.record },
    { target: spec.failTo ?? ('RollingBack' as F), actions: [spec.record, failed(spec.code ?? 'VerificationFailed', spec.message, name)] },
  ] as const;
}

/**
 * A verification state: its effect checks without changing anything; `STEP.DONE` is the
 * {@link verdict}; `STEP.FAILED` (the check itself failed) records `failedMessage` (default
 * `message`) under the same code.
 */
export function verifyState<
  const T extends string,
  const R extends string,
  const N extends string = never,
  const B extends readonly unknown[] = [],
  const F extends FailTarget = 'RollingBack',
>(name: string, spec: StepHead & { next: T; record: R; then?: N; before?: B; code?: string; message: string; failedMessage?: string; failTo?: F }) {
  const code = spec.code ?? 'VerificationFailed';
  return effectState(name, {
    ...spec,
    code,
    message: spec.failedMessage ?? spec.message,
    done: verdict(name, { next: spec.next, record: spec.record, before: spec.before, code, message: spec.message, failTo: spec.failTo, then: spec.then }),
  });
}

/**
 * The approval gate (an approver or an admin, one is enough): `APPROVAL.GRANTED` → `granted`; a
 * rejection or expiry rolls back (or, with `endOnRefusal`, ends in `Rejected` / `Expired`),
 * recording it (with `state`, when given).
 */
export function approvalState<const T extends string, const S, const E extends boolean = false>(spec: {
  seed: string;
  title: string;
  reason: string;
  expiresInMs: number;
  description?: string;
  granted: T;
  skip?: S;
  endOnRefusal?: E;
  state?: string;
}) {
  const end = spec.endOnRefusal === true;
  return {
    ...describe(spec.description),
    meta: { step: { kind: 'approval', roles: ['approver', 'admin'], quorum: 1, expiresInMs: spec.expiresInMs, reason: spec.reason, seed: spec.seed, title: spec.title } },
    ...skipping(spec.skip),
    on: {
      'APPROVAL.GRANTED': spec.granted,
      'APPROVAL.REJECTED': { target: (end ? 'Rejected' : 'RollingBack') as E extends true ? 'Rejected' : 'RollingBack', actions: failed('ApprovalRejected', 'rejected', spec.state) },
      'APPROVAL.EXPIRED': { target: (end ? 'Expired' : 'RollingBack') as E extends true ? 'Expired' : 'RollingBack', actions: failed('ApprovalExpired', 'expired', spec.state) },
    },
  } as const;
}
