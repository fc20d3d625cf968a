/**
 * The xstate `setup` shared by `migrate-vpc-to-cen`, `migrate-vbr-to-cen` and
 * `rollback-migration`: context, events, guards, and the actions that move the cursors and keep
 * the saga's compensations (newest first) in context. Pure: no I/O; the runner runs the effects
 * named in each state's `meta.step` and sends `STEP.DONE` / `STEP.FAILED` back.
 */
import { assign, setup } from 'xstate';
import type { SerializedError } from '../../src/errors.ts';
import type { Json, JsonObject, MachineInput, RunnerEvent } from '../../src/engine/types.ts';
import type { Compensation } from './compensation.ts';
import type { ConflictPlan, MigrationFacts, MigrationKind, MigrationPlan } from './types.ts';

/** Why an execution stops going forward. */
export interface MigrationFailure {
  code: string;
  message: string;
  /** The step (state) that failed, when known. */
  state?: string;
  /** What verification saw, the refusal list, the error… */
  evidence?: Json;
}

/** Context of the migration machines (plain JSON, persisted by the engine). */
export interface MigrationContext {
  kind: MigrationKind | 'rollback';
  executionId: string;
  approvalRequired: boolean;
  plan: MigrationPlan | null;
  /** The facts the plan was made from (re-planning after attaching re-reads only what changed). */
  facts: MigrationFacts | null;
  /** Index of the conflict being resolved. */
  conflictIndex: number;
  /** Index within the current loop (attachments, published routes, halves, BGP networks…). */
  index: number;
  /** Saga: undo steps, newest first. */
  compensations: Compensation[];
  /** Set when applying the head compensation failed: its wait is skipped. */
  headFailed: boolean;
  compensationsApplied: number;
  compensationFailures: { compensation: Compensation; error: SerializedError }[];
  /** One summary per verification, in order. */
  verifications: JsonObject[];
  failure: MigrationFailure | null;
  /** Wait deadline for a CEN route to turn Active (the engine reads it via `timeoutContextKey`). */
  cenRouteActiveTimeoutMs: number;
}

/** Default upper bound for a CEN route to turn Active after its peering route goes. */
export const DEFAULT_CEN_ROUTE_ACTIVE_TIMEOUT_MS = 15 * 60_000;

/** Named poll intervals and deadlines of the waits (the runner's timers, in virtual time in tests). */
// The first poll of every wait is deferred by one interval (see `effects.ts`), so an interval at
// least as long as the usual delay means one status read per wait. The emulator's delays
// (route entry 3 s, attach 5 s, CEN modify 2 s, CEN route 2 s + 50 ms per route) are UNCONFIRMED
// for the real cloud, where a longer delay only costs more polls.
export const DELAYS = {
  routePollInterval: 3_000,
  routeTimeout: 5 * 60_000,
  cenModifyPollInterval: 2_000,
  cenPollInterval: 5_000,
  cenTimeout: 10 * 60_000,
  cenRoutePollInterval: 2_500,
  bgpPollInterval: 3_000,
  healthCheckPollInterval: 2_000,
  /** Longer than the slowest CEN VBR health-check detection (3 s × 8 probes). */
  healthCheckWindow: 25_000,
  approvalExpiry: 24 * 3600_000,
} as const;

/** The halves of a conflict still to create (those already in the table are reused, never touched). */
export const pendingHalves = (c: ConflictPlan): ConflictPlan['halves'] => c.halves.filter((h) => !h.existing);

/** The conflict being resolved. */
export function currentConflict(ctx: MigrationContext): ConflictPlan | undefined {
  return ctx.plan?.conflicts[ctx.conflictIndex];
}

/** Attachments the plan must make. */
export const pendingAttachments = (ctx: MigrationContext): MigrationPlan['attachments'] =>
  (ctx.plan?.attachments ?? []).filter((a) => a.attachNeeded);

/** Express Connect health checks to disable first (5.2-1). */
export const pendingHealthChecks = (ctx: MigrationContext) => ctx.plan?.vbr?.disableHealthChecks ?? [];

function failureFrom(event: RunnerEvent, fallback: { code: string; message: string; state?: string }): MigrationFailure {
  const state = fallback.state;
  const at = state ? { state } : {};
  if (event.type === 'STEP.FAILED') return { code: fallback.code, message: `${fallback.message}: ${event.error.message}`, ...at, evidence: event.error as unknown as Json };
  if (event.type === 'STEP.DONE') {
    const out = (event.output ?? {}) as JsonObject;
    return { code: fallback.code, message: typeof out.reason === 'string' ? out.reason : fallback.message, ...at, evidence: out };
  }
  if (event.type === 'APPROVAL.REJECTED') return { code: 'ApprovalRejected', message: `rejected by ${event.by}${event.comment ? `: ${event.comment}` : ''}`, ...at };
  if (event.type === 'APPROVAL.EXPIRED') return { code: 'ApprovalExpired', message: 'nobody approved before the gate expired', ...at };
  if (event.type === 'CANCEL') return { code: 'Cancelled', message: `cancelled by ${event.by}`, ...at };
  if (event.type === 'ROLLBACK') return { code: 'RollbackRequested', message: `rollback requested by ${event.by}${event.reason ? `: ${event.reason}` : ''}`, ...at };
  return { code: fallback.code, message: fallback.message, ...(state ? { state } : {}) };
}

const outputOf = (event: RunnerEvent): JsonObject => (event.type === 'STEP.DONE' && event.output && typeof event.output === 'object' && !Array.isArray(event.output) ? event.output : {});

const push = (ctx: MigrationContext, c: Compensation | null): Compensation[] => (c ? [c, ...ctx.compensations] : ctx.compensations);

/** The machine setup shared by the three migration procedures. */
export const migrationSetup = setup({
  types: {
    context: {} as MigrationContext,
    events: {} as RunnerEvent,
    input: {} as MachineInput<JsonObject>,
  },
  guards: {
    planRunnable: ({ event }) => (outputOf(event).plan as unknown as MigrationPlan | undefined)?.runnable === true,
    verified: ({ event }) => outputOf(event).ok === true,
    protectionChangeNeeded: ({ context }) => context.plan?.protectionLevel.changeNeeded === true,
    moreHealthChecks: ({ context }) => context.index < pendingHealthChecks(context).length,
    moreAttachments: ({ context }) => context.index < pendingAttachments(context).length,
    bandwidthRequested: ({ context }) => context.plan?.bandwidth.requested === true,
    morePublished: ({ context }) => context.index < (context.plan?.publish.length ?? 0),
    hasConflicts: ({ context }) => (context.plan?.conflicts.length ?? 0) > 0,
    moreConflicts: ({ context }) => context.conflictIndex < (context.plan?.conflicts.length ?? 0),
    smooth: ({ context }) => context.plan?.mode === 'smooth',
    moreHalves: ({ context }) => {
      const c = currentConflict(context);
      return context.plan?.mode === 'smooth' && c !== undefined && context.index < pendingHalves(c).length;
    },
    moreBgpNetworks: ({ context }) => {
      const c = currentConflict(context);
      return context.plan?.mode === 'smooth' && c !== undefined && context.index < c.bgpNetworks.length;
    },
    cenRoutesTurnActive: ({ context }) => currentConflict(context)?.blocked.some((b) => b.activeAfter) === true,
    cenHealthCheckNeeded: ({ context }) => {
      const hc = context.plan?.vbr?.cenHealthCheck;
      return hc !== null && hc !== undefined && !hc.existing;
    },
    hasCompensations: ({ context }) => context.compensations.length > 0,
    cancelled: ({ context }) => context.failure?.code === 'Cancelled',
    approvalRejected: ({ context }) => context.failure?.code === 'ApprovalRejected',
    approvalExpired: ({ context }) => context.failure?.code === 'ApprovalExpired',
    rollbackIncomplete: ({ context }) => context.compensationFailures.length > 0,
    somethingRolledBack: ({ context }) => context.compensationsApplied > 0,
    rollbackRequested: ({ context }) => context.failure?.code === 'RollbackRequested',
  },
  actions: {
    storeCompensations: assign({ compensations: ({ event }) => (outputOf(event).compensations as unknown as Compensation[] | undefined) ?? [] }),
    storePlan: assign({
      plan: ({ event }) => (outputOf(event).plan as unknown as MigrationPlan | undefined) ?? null,
      facts: ({ event, context }) => (outputOf(event).facts as unknown as MigrationFacts | undefined) ?? context.facts,
    }),
    nextItem: assign({ index: ({ context }) => context.index + 1 }),
    resetItems: assign({ index: 0 }),
    nextConflict: assign({ conflictIndex: ({ context }) => context.conflictIndex + 1, index: 0 }),
    recordVerification: assign({
      verifications: ({ context, event }) => [...context.verifications, outputOf(event)],
    }),
    fail: assign({
      failure: ({ context, event }, params: { code: string; message: string; state?: string }) => context.failure ?? failureFrom(event, params),
    }),
    // Compensations: pushed when the step's effect reports (done or failed), since a failed call
    // may still have been applied; every compensation is idempotent.
    compensateProtectionLevel: assign({
      compensations: ({ context }) => {
        const p = context.plan as MigrationPlan;
        return push(context, p.protectionLevel.current === 'unknown' ? null : { kind: 'restoreProtectionLevel', regionId: p.regionId, cenId: p.cenId, protectionLevel: p.protectionLevel.current });
      },
    }),
    compensateHealthCheck: assign({
      compensations: ({ context }) => {
        const ri = pendingHealthChecks(context)[context.index];
        return push(context, ri ? {
          kind: 'restoreRouterInterfaceHealthCheck',
          regionId: (context.plan as MigrationPlan).regionId,
          routerInterfaceId: ri.routerInterfaceId,
          ...(ri.healthCheckSourceIp ? { healthCheckSourceIp: ri.healthCheckSourceIp } : {}),
          ...(ri.healthCheckTargetIp ? { healthCheckTargetIp: ri.healthCheckTargetIp } : {}),
          ...(ri.hcRate !== undefined ? { hcRate: ri.hcRate } : {}),
          ...(ri.hcThreshold !== undefined ? { hcThreshold: ri.hcThreshold } : {}),
        } : null);
      },
    }),
    compensateAttachment: assign({
      compensations: ({ context }) => {
        const a = pendingAttachments(context)[context.index];
        const p = context.plan as MigrationPlan;
        return push(context, a ? { kind: 'detachChild', regionId: a.childInstanceRegionId, cenId: p.cenId, childInstanceId: a.childInstanceId, childInstanceType: a.childInstanceType } : null);
      },
    }),
    compensatePublish: assign({
      compensations: ({ context }) => {
        const p = context.plan as MigrationPlan;
        const r = p.publish[context.index];
        return push(context, r ? { kind: 'withdrawPublishedRoute', regionId: r.regionId, cenId: p.cenId, childInstanceId: r.childInstanceId, childInstanceType: 'VPC', routeTableId: r.routeTableId, destinationCidrBlock: r.destinationCidrBlock } : null);
      },
    }),
    compensateHalfRoute: assign({
      compensations: ({ context }) => {
        const c = currentConflict(context) as ConflictPlan;
        const h = pendingHalves(c)[context.index];
        return push(context, h ? { kind: 'removeRoute', regionId: c.regionId, routeTableId: c.routeTableId, destinationCidrBlock: h.destinationCidrBlock, nextHops: c.peeringRoute.nextHops } : null);
      },
    }),
    compensateBgpNetwork: assign({
      compensations: ({ context }) => {
        const c = currentConflict(context) as ConflictPlan;
        const n = c.bgpNetworks[context.index];
        return push(context, n ? { kind: 'removeBgpNetwork', regionId: c.regionId, vbrId: c.childInstanceId, dstCidrBlock: n } : null);
      },
    }),
    compensatePeeringRoute: assign({
      compensations: ({ context }) => {
        const c = currentConflict(context) as ConflictPlan;
        return push(context, {
          kind: 'restoreRoute',
          regionId: c.regionId,
          routeTableId: c.routeTableId,
          destinationCidrBlock: c.peeringRoute.destinationCidrBlock,
          nextHops: c.peeringRoute.nextHops,
          ...(c.peeringRoute.routeEntryName ? { routeEntryName: c.peeringRoute.routeEntryName } : {}),
          ...(c.peeringRoute.description ? { description: c.peeringRoute.description } : {}),
        });
      },
    }),
    compensateHalfRouteRemoval: assign({
      compensations: ({ context }) => {
        const c = currentConflict(context) as ConflictPlan;
        const h = pendingHalves(c)[context.index];
        return push(context, h ? { kind: 'restoreRoute', regionId: c.regionId, routeTableId: c.routeTableId, destinationCidrBlock: h.destinationCidrBlock, nextHops: c.peeringRoute.nextHops } : null);
      },
    }),
    compensateBgpWithdrawal: assign({
      compensations: ({ context }) => {
        const c = currentConflict(context) as ConflictPlan;
        const n = c.bgpNetworks[context.index];
        return push(context, n ? { kind: 'restoreBgpNetwork', regionId: c.regionId, vbrId: c.childInstanceId, dstCidrBlock: n } : null);
      },
    }),
    compensateCenHealthCheck: assign({
      compensations: ({ context }) => {
        const p = context.plan as MigrationPlan;
        const v = p.vbr;
        if (!v?.cenHealthCheck) return context.compensations;
        const prev = v.cenHealthCheck.previous;
        return push(context, {
          kind: 'restoreCenVbrHealthCheck',
          regionId: p.regionId,
          cenId: p.cenId,
          vbrId: v.vbrId,
          ...(prev ? { targetIp: prev.targetIp, ...(prev.sourceIp ? { sourceIp: prev.sourceIp } : {}), interval: prev.interval, threshold: prev.threshold } : {}),
        });
      },
    }),
    // Rollback bookkeeping.
    ignoreSignal: assign({}),
    compensationApplied: assign({ headFailed: false }),
    compensationFailed: assign({
      headFailed: true,
      compensationFailures: ({ context, event }) =>
        event.type === 'STEP.FAILED' && context.compensations[0]
          ? [...context.compensationFailures, { compensation: context.compensations[0], error: event.error }]
          : context.compensationFailures,
    }),
    popCompensation: assign({
      compensations: ({ context }) => context.compensations.slice(1),
      compensationsApplied: ({ context }) => context.compensationsApplied + (context.headFailed ? 0 : 1),
      headFailed: false,
    }),
    waitFailed: assign({
      compensationFailures: ({ context, event }) =>
        event.type === 'STEP.FAILED' && context.compensations[0] && !context.headFailed
          ? [...context.compensationFailures, { compensation: context.compensations[0], error: event.error }]
          : context.compensationFailures,
      headFailed: true,
    }),
  },
});

/** Initial context from the engine's input. */
export function initialContext(input: MachineInput<JsonObject>, kind: MigrationKind | 'rollback'): MigrationContext {
  const timeout = input.params.cenRouteActiveTimeoutMs;
  return {
    kind,
    executionId: input.executionId,
    approvalRequired: input.approvalRequired,
    plan: null,
    facts: null,
    conflictIndex: 0,
    index: 0,
    compensations: [],
    headFailed: false,
    compensationsApplied: 0,
    compensationFailures: [],
    verifications: [],
    failure: null,
    cenRouteActiveTimeoutMs: typeof timeout === 'number' ? timeout : DEFAULT_CEN_ROUTE_ACTIVE_TIMEOUT_MS,
  };
}

/** What a finished migration reports (the execution's output). */
export function migrationOutput(context: MigrationContext): JsonObject {
  return {
    outcome: context.failure ? context.failure.code : 'Succeeded',
    ...(context.failure ? { failure: context.failure as unknown as Json } : {}),
    conflictsResolved: context.failure ? context.conflictIndex : (context.plan?.conflicts.length ?? 0),
    compensationsApplied: context.compensationsApplied,
    compensationFailures: context.compensationFailures as unknown as Json,
    verifications: context.verifications as unknown as Json,
    ...(context.plan ? { routesAfter: context.plan.routes.after as unknown as Json } : {}),
  };
}
