/**
 * The xstate `setup` shared by `migrate-vpc-to-cen`, `migrate-vbr-to-cen` and
 * `rollback-migration`: context, events, guards, and the actions that move the cursors and keep
 * the saga's compensations (newest first) in context. Pure: no I/O; the runner runs the effects
 * named in each state's `meta.step` and sends `STEP.DONE` / `STEP.FAILED` back.
 */
import { assign, setup } from 'xstate';
import type { Json, JsonObject, MachineInput } from '../../src/engine/types.ts';
import { healthCheckSettings } from '../shared/ops.ts';
import { initialSaga, outcomeOf, outputOf, rollbackReport, sagaActions, sagaGuards, sagaUpdates, type SagaContext } from '../shared/saga.ts';
import { procedureTypes } from '../shared/steps.ts';
import type { Compensation } from './compensation.ts';
import type { ConflictPlan, MigrationFacts, MigrationKind, MigrationPlan } from './types.ts';

/**
 * Context of the migration machines (plain JSON, persisted by the engine). The saga's fields
 * (compensations newest first, the failure) are the procedures' shared ones.
 */
export interface MigrationContext extends SagaContext<Compensation> {
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
  /** One summary per verification, in order. */
  verifications: JsonObject[];
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
  bandwidthPollInterval: 3_000,
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

// The undo step of each change, from the plan and the cursors (null: nothing to undo).

function protectionLevelUndo(ctx: MigrationContext): Compensation | null {
  const p = ctx.plan as MigrationPlan;
  return p.protectionLevel.current === 'unknown' ? null : { kind: 'restoreProtectionLevel', regionId: p.regionId, cenId: p.cenId, protectionLevel: p.protectionLevel.current };
}

function healthCheckUndo(ctx: MigrationContext): Compensation | null {
  const ri = pendingHealthChecks(ctx)[ctx.index];
  if (!ri) return null;
  return {
    kind: 'restoreRouterInterfaceHealthCheck',
    regionId: (ctx.plan as MigrationPlan).regionId,
    routerInterfaceId: ri.routerInterfaceId,
    ...healthCheckSettings(ri),
  };
}

function attachmentUndo(ctx: MigrationContext): Compensation | null {
  const a = pendingAttachments(ctx)[ctx.index];
  const p = ctx.plan as MigrationPlan;
  return a ? { kind: 'detachChild', regionId: a.childInstanceRegionId, cenId: p.cenId, childInstanceId: a.childInstanceId, childInstanceType: a.childInstanceType } : null;
}

/** Undoes the current bandwidth step: unassociate the package, or put the previous limit back. */
function bandwidthUndo(ctx: MigrationContext): Compensation | null {
  const p = ctx.plan as MigrationPlan;
  const step = p.bandwidth.steps[ctx.index];
  if (!step) return null;
  return step.kind === 'associate'
    ? { kind: 'unassociateBandwidthPackage', regionId: p.regionId, cenId: p.cenId, cenBandwidthPackageId: step.cenBandwidthPackageId }
    : { kind: 'restoreBandwidthLimit', regionId: p.regionId, cenId: p.cenId, localRegionId: step.localRegionId, oppositeRegionId: step.oppositeRegionId, bandwidthMbps: step.previousMbps };
}

function publishUndo(ctx: MigrationContext): Compensation | null {
  const p = ctx.plan as MigrationPlan;
  const r = p.publish[ctx.index];
  return r
    ? { kind: 'withdrawPublishedRoute', regionId: r.regionId, cenId: p.cenId, childInstanceId: r.childInstanceId, childInstanceType: 'VPC', routeTableId: r.routeTableId, destinationCidrBlock: r.destinationCidrBlock }
    : null;
}

/** Undoes adding (`removeRoute`) or deleting (`restoreRoute`) the current half route. */
function halfRouteUndo(ctx: MigrationContext, kind: 'removeRoute' | 'restoreRoute'): Compensation | null {
  const c = currentConflict(ctx) as ConflictPlan;
  const h = pendingHalves(c)[ctx.index];
  return h ? { kind, regionId: c.regionId, routeTableId: c.routeTableId, destinationCidrBlock: h.destinationCidrBlock, nextHops: c.peeringRoute.nextHops } : null;
}

/** Undoes advertising (`removeBgpNetwork`) or withdrawing (`restoreBgpNetwork`) the current half as a BGP network. */
function halfNetworkUndo(ctx: MigrationContext, kind: 'removeBgpNetwork' | 'restoreBgpNetwork'): Compensation | null {
  const c = currentConflict(ctx) as ConflictPlan;
  const n = c.bgpNetworks[ctx.index];
  return n ? { kind, regionId: c.regionId, vbrId: c.childInstanceId, dstCidrBlock: n } : null;
}

function peeringRouteUndo(ctx: MigrationContext): Compensation {
  const c = currentConflict(ctx) as ConflictPlan;
  return {
    kind: 'restoreRoute',
    regionId: c.regionId,
    routeTableId: c.routeTableId,
    destinationCidrBlock: c.peeringRoute.destinationCidrBlock,
    nextHops: c.peeringRoute.nextHops,
    ...(c.peeringRoute.routeEntryName ? { routeEntryName: c.peeringRoute.routeEntryName } : {}),
    ...(c.peeringRoute.description ? { description: c.peeringRoute.description } : {}),
  };
}

function cenHealthCheckUndo(ctx: MigrationContext): Compensation | null {
  const p = ctx.plan as MigrationPlan;
  const v = p.vbr;
  if (!v?.cenHealthCheck) return null;
  const prev = v.cenHealthCheck.previous;
  return {
    kind: 'restoreCenVbrHealthCheck',
    regionId: p.regionId,
    cenId: p.cenId,
    vbrId: v.vbrId,
    ...(prev ? { targetIp: prev.targetIp, ...(prev.sourceIp ? { sourceIp: prev.sourceIp } : {}), interval: prev.interval, threshold: prev.threshold } : {}),
  };
}

/** The machine setup shared by the three migration procedures. */
export const migrationSetup = setup({
  types: procedureTypes<MigrationContext>(),
  guards: {
    planRunnable: ({ event }) => (outputOf(event).plan as unknown as MigrationPlan | undefined)?.runnable === true,
    verified: ({ event }) => outputOf(event).ok === true,
    protectionChangeNeeded: ({ context }) => context.plan?.protectionLevel.changeNeeded === true,
    moreHealthChecks: ({ context }) => context.index < pendingHealthChecks(context).length,
    moreAttachments: ({ context }) => context.index < pendingAttachments(context).length,
    moreBandwidthSteps: ({ context }) => context.index < (context.plan?.bandwidth.steps?.length ?? 0),
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
    ...sagaGuards,
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
    ...sagaActions<MigrationContext>(),
    // Compensations: pushed when the step's effect reports (done or failed), since a failed call
    // may still have been applied; every compensation is idempotent.
    compensateProtectionLevel: assign(({ context }) => sagaUpdates.push(context, protectionLevelUndo(context))),
    compensateHealthCheck: assign(({ context }) => sagaUpdates.push(context, healthCheckUndo(context))),
    compensateAttachment: assign(({ context }) => sagaUpdates.push(context, attachmentUndo(context))),
    compensateBandwidth: assign(({ context }) => sagaUpdates.push(context, bandwidthUndo(context))),
    compensatePublish: assign(({ context }) => sagaUpdates.push(context, publishUndo(context))),
    compensateHalfRoute: assign(({ context }) => sagaUpdates.push(context, halfRouteUndo(context, 'removeRoute'))),
    compensateBgpNetwork: assign(({ context }) => sagaUpdates.push(context, halfNetworkUndo(context, 'removeBgpNetwork'))),
    compensatePeeringRoute: assign(({ context }) => sagaUpdates.push(context, peeringRouteUndo(context))),
    compensateHalfRouteRemoval: assign(({ context }) => sagaUpdates.push(context, halfRouteUndo(context, 'restoreRoute'))),
    compensateBgpWithdrawal: assign(({ context }) => sagaUpdates.push(context, halfNetworkUndo(context, 'restoreBgpNetwork'))),
    compensateCenHealthCheck: assign(({ context }) => sagaUpdates.push(context, cenHealthCheckUndo(context))),
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
    ...initialSaga<Compensation>(),
    verifications: [],
    cenRouteActiveTimeoutMs: typeof timeout === 'number' ? timeout : DEFAULT_CEN_ROUTE_ACTIVE_TIMEOUT_MS,
  };
}

/** What a finished migration reports (the execution's output). */
export function migrationOutput(context: MigrationContext): JsonObject {
  return {
    ...outcomeOf(context),
    conflictsResolved: context.failure ? context.conflictIndex : (context.plan?.conflicts.length ?? 0),
    ...rollbackReport(context),
    verifications: context.verifications as unknown as Json,
    ...(context.plan ? { routesAfter: context.plan.routes.after as unknown as Json } : {}),
  };
}
