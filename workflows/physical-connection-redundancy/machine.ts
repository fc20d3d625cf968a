/**
 * `physical-connection-redundancy`: seed chapter 6, "Implement redundancy for physical
 * connections". Read it side by side with the seed: one state per step (`meta.step.seed`),
 * waits as Awaiting… states polled by the runner, an approval gate before the first change (and
 * before the failover test takes a line down), a verification, the failover test as the last
 * phase, and on any failure the saga's compensations replayed newest first (restore the line,
 * stop the test traffic, remove the routes and BGP networks added, restore the health checks).
 *
 *   6-prereq  Planning: the VPC, both VBRs on active circuits, their router-interface pairs
 *   6         AwaitingApproval
 *   6-1       ConfiguringHealthCheck ⇄ AwaitingHealthCheckApplied (per peering connection,
 *             on the VBR-side router interface: source IP, target IP, 2 s, 8 probes)
 *   6-2.3     AddingLoadBalancingRoute ⇄ AwaitingLoadBalancingRouteAvailable (data-center block
 *             over both router interfaces, equal weights, or 100/0 for active/standby)
 *   6-2.4/5   AddingVbrRoute ⇄ AwaitingVbrRouteAvailable (per VBR: its subnet → its interface)
 *   6-BGP-4   AddingHealthCheckSourceRoute ⇄ AwaitingHealthCheckSourceRouteAvailable (BGP only)
 *   6-BGP-5/6 AdvertisingHealthCheckSource ⇄ AwaitingHealthCheckSourceAdvertised (BGP only)
 *   6-3       DescribingDataCenterRoutes (static routes on the data-center device, per vendor)
 *   6-1       AwaitingHealthChecksSettled (interval × threshold after a change: both hops Enabled)
 *   verify    VerifyingRedundancy
 *   6-6       StartingFailoverTest → FailingLine → AwaitingFailover → RestoringLine →
 *             AwaitingTrafficSpread → JudgingFailover → Succeeded
 *   rollback  RollingBack ⇄ AwaitingCompensation → RolledBack | Failed | Cancelled | Rejected | Expired
 */
import { and, assign, not, setup } from 'xstate';
import type { Json, JsonObject, MachineInput, RunnerEvent } from '../../src/engine/types.ts';
import type { SharedCompensation } from '../shared/compensation.ts';
import { finalStates, initialSaga, outputOf, rollbackStates, sagaGuards, sagaUpdates, type SagaContext } from '../shared/saga.ts';
import type { ConnectionPlan, PlannedRoute, RedundancyPlan } from './plan.ts';

/** The procedure's own undo steps beside the shared ones. */
export type RedundancyCompensation =
  | SharedCompensation
  /** Bring back the line the failover test took down. */
  | { kind: 'restorePhysicalConnection'; regionId: string; physicalConnectionId: string; handle: JsonObject }
  /** Stop the failover test's traffic. */
  | { kind: 'stopFailoverTest'; regionId: string; handle: JsonObject };

/** Where the failover test stands. */
export interface FailoverState {
  handle: JsonObject | null;
  failedAt: number | null;
  failLine: JsonObject | null;
  recovery: JsonObject | null;
  restoredAt: number | null;
  restoreLine: JsonObject | null;
  spread: JsonObject | null;
  result: JsonObject | null;
}

/** Context of the machine (plain JSON, persisted by the engine). */
export interface RedundancyContext extends SagaContext<RedundancyCompensation> {
  plan: RedundancyPlan | null;
  /** Index within the current loop (connections, load-balancing routes). */
  index: number;
  /** When a health check was last changed (the settle wait counts from there). */
  healthChecksChangedAt: number | null;
  dataCenterRoutes: JsonObject | null;
  settled: JsonObject | null;
  verification: JsonObject | null;
  failover: FailoverState;
  /** Wait deadlines of the failover test (read by the engine through `timeoutContextKey`). */
  failoverWaitMs: number;
  spreadWaitMs: number;
}

/** Poll intervals and deadlines (virtual in tests). */
export const REDUNDANCY_DELAYS = {
  routePollInterval: 3_000,
  routeTimeout: 5 * 60_000,
  healthCheckPollInterval: 2_000,
  healthCheckTimeout: 2 * 60_000,
  settlePollInterval: 2_000,
  settleTimeout: 5 * 60_000,
  failoverPollInterval: 1_000,
  defaultFailoverWait: 2 * 60_000,
  bgpPollInterval: 3_000,
  bgpTimeout: 5 * 60_000,
  approvalExpiry: 24 * 3_600_000,
} as const;

const connectionOf = (ctx: RedundancyContext): ConnectionPlan | undefined => ctx.plan?.connections[ctx.index];

function healthCheckCompensation(ctx: RedundancyContext): RedundancyCompensation | null {
  const c = connectionOf(ctx);
  if (!ctx.plan || !c || c.healthCheck.existing) return null;
  const p = c.healthCheck.previous;
  return {
    kind: 'restoreRouterInterfaceHealthCheck',
    regionId: ctx.plan.regionId,
    routerInterfaceId: c.vbrRouterInterfaceId,
    ...(p.healthCheckSourceIp ? { healthCheckSourceIp: p.healthCheckSourceIp } : {}),
    ...(p.healthCheckTargetIp ? { healthCheckTargetIp: p.healthCheckTargetIp } : {}),
    ...(p.hcRate !== null ? { hcRate: p.hcRate } : {}),
    ...(p.hcThreshold !== null ? { hcThreshold: p.hcThreshold } : {}),
  };
}

function removeRouteCompensation(ctx: RedundancyContext, route: PlannedRoute | undefined): RedundancyCompensation | null {
  if (!ctx.plan || !route || route.existing) return null;
  return { kind: 'removeRoute', regionId: ctx.plan.regionId, routeTableId: route.routeTableId, destinationCidrBlock: route.destinationCidrBlock, nextHops: route.nextHops };
}

function bgpNetworkCompensation(ctx: RedundancyContext): RedundancyCompensation | null {
  const c = connectionOf(ctx);
  if (!ctx.plan || !c?.bgp || c.bgp.network.existing) return null;
  return { kind: 'removeBgpNetwork', regionId: ctx.plan.regionId, vbrId: c.vbrId, dstCidrBlock: c.bgp.network.dstCidrBlock };
}

const handleOf = (event: RunnerEvent): JsonObject | null => {
  const h = outputOf(event).handle;
  return h !== null && typeof h === 'object' && !Array.isArray(h) ? h : null;
};

type FailParams = { code: string; message: string; state?: string };
const failed = (code: string, message: string, state?: string) => ({ type: 'fail' as const, params: { code, message, ...(state ? { state } : {}) } });

/** The machine of `physical-connection-redundancy`. */
export const redundancyMachine = setup({
  types: {
    context: {} as RedundancyContext,
    events: {} as RunnerEvent,
    input: {} as MachineInput<JsonObject>,
  },
  guards: {
    ...sagaGuards,
    nothingToDo: ({ context }) => (context.plan?.changes ?? 0) === 0 && !context.plan?.failover,
    moreConnections: ({ context }) => context.index < (context.plan?.connections.length ?? 0),
    moreLoadBalancingRoutes: ({ context }) => context.index < (context.plan?.loadBalancingRoutes.length ?? 0),
    bgp: ({ context }) => context.plan?.routing === 'bgp',
    failoverPlanned: ({ context }) => context.plan?.failover != null,
    verified: ({ event }) => outputOf(event).ok === true,
  },
  actions: {
    storePlan: assign(({ event }) => {
      const plan = (outputOf(event).plan as unknown as RedundancyPlan | undefined) ?? null;
      return {
        plan,
        failoverWaitMs: plan?.failover?.failoverWaitMs ?? REDUNDANCY_DELAYS.defaultFailoverWait,
        spreadWaitMs: plan?.failover?.spreadWaitMs ?? REDUNDANCY_DELAYS.defaultFailoverWait,
      };
    }),
    nextItem: assign({ index: ({ context }) => context.index + 1 }),
    resetItems: assign({ index: 0 }),
    noteHealthCheckChange: assign({
      healthChecksChangedAt: ({ context, event }) => {
        const out = outputOf(event);
        return out.changed === true && typeof out.at === 'number' ? out.at : context.healthChecksChangedAt;
      },
    }),
    compensateHealthCheck: assign(({ context }) => sagaUpdates.push(context, healthCheckCompensation(context))),
    compensateLoadBalancingRoute: assign(({ context }) => sagaUpdates.push(context, removeRouteCompensation(context, context.plan?.loadBalancingRoutes[context.index]))),
    compensateVbrRoute: assign(({ context }) => sagaUpdates.push(context, removeRouteCompensation(context, connectionOf(context)?.vbrRoute))),
    compensateSourceRoute: assign(({ context }) => sagaUpdates.push(context, removeRouteCompensation(context, connectionOf(context)?.bgp?.sourceRoute))),
    compensateBgpNetwork: assign(({ context }) => sagaUpdates.push(context, bgpNetworkCompensation(context))),
    storeDataCenterRoutes: assign({ dataCenterRoutes: ({ event }) => outputOf(event) }),
    storeSettled: assign({ settled: ({ event }) => outputOf(event) }),
    recordVerification: assign({ verification: ({ event }) => outputOf(event) }),
    startedFailoverTest: assign(({ context, event }) => {
      const handle = handleOf(event);
      if (!handle || !context.plan) return {};
      return {
        failover: { ...context.failover, handle },
        ...sagaUpdates.push<RedundancyCompensation>(context, { kind: 'stopFailoverTest', regionId: context.plan.regionId, handle }),
      };
    }),
    tookLineDown: assign(({ context, event }) => {
      const out = outputOf(event);
      const plan = context.plan;
      const handle = context.failover.handle;
      // A failed call may still have taken the line down: restoring an up line changes nothing.
      const mayBeDown = event.type === 'STEP.FAILED' || out.performed === true;
      return {
        failover: { ...context.failover, failLine: event.type === 'STEP.DONE' ? out : null, failedAt: typeof out.at === 'number' ? out.at : context.failover.failedAt },
        ...(mayBeDown && plan?.failover && handle
          ? sagaUpdates.push<RedundancyCompensation>(context, { kind: 'restorePhysicalConnection', regionId: plan.regionId, physicalConnectionId: plan.failover.physicalConnectionId, handle })
          : {}),
      };
    }),
    storeRecovery: assign({ failover: ({ context, event }) => ({ ...context.failover, recovery: outputOf(event) }) }),
    broughtLineBack: assign(({ context, event }) => {
      const out = outputOf(event);
      return {
        failover: { ...context.failover, restoreLine: out, restoredAt: typeof out.at === 'number' ? out.at : context.failover.restoredAt },
        compensations: context.compensations.filter((c) => c.kind !== 'restorePhysicalConnection'),
      };
    }),
    storeSpread: assign({ failover: ({ context, event }) => ({ ...context.failover, spread: outputOf(event) }) }),
    judgedFailover: assign(({ context, event }) => ({
      failover: { ...context.failover, result: outputOf(event) },
      compensations: context.compensations.filter((c) => c.kind !== 'stopFailoverTest'),
    })),
    fail: assign((args, params: FailParams) => sagaUpdates.fail(args, params)),
    compensationApplied: assign((args) => sagaUpdates.compensationApplied(args)),
    compensationFailed: assign((args) => sagaUpdates.compensationFailed(args)),
    popCompensation: assign((args) => sagaUpdates.popCompensation(args)),
    waitFailed: assign((args) => sagaUpdates.waitFailed(args)),
    ignoreSignal: assign({}),
  },
}).createMachine({
  id: 'physical-connection-redundancy',
  initial: 'Planning',
  context: () => ({
    ...initialSaga<RedundancyCompensation>(),
    plan: null,
    index: 0,
    healthChecksChangedAt: null,
    dataCenterRoutes: null,
    settled: null,
    verification: null,
    failover: { handle: null, failedAt: null, failLine: null, recovery: null, restoredAt: null, restoreLine: null, spread: null, result: null },
    failoverWaitMs: REDUNDANCY_DELAYS.defaultFailoverWait,
    spreadWaitMs: REDUNDANCY_DELAYS.defaultFailoverWait,
  }),
  output: ({ context }) => redundancyOutput(context),
  on: {
    CANCEL: { target: '.RollingBack', actions: failed('Cancelled', 'cancelled') },
    ROLLBACK: { target: '.RollingBack', actions: failed('RollbackRequested', 'rollback requested') },
  },
  states: {
    Planning: {
      description: 'Prerequisites: two VBR-to-VPC peering connections on active circuits; free health-check source IPs; no conflicting route.',
      meta: { step: { kind: 'effect', effect: 'planRedundancy', seed: '6-prereq', title: 'Read the peering connections and plan' } },
      on: {
        'STEP.DONE': { target: 'AwaitingApproval', actions: 'storePlan' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('PlanningFailed', 'planning failed', 'Planning') },
      },
    },
    AwaitingApproval: {
      description: 'Approval gate before the health checks and routes change, and before the failover test takes a line down.',
      meta: {
        step: {
          kind: 'approval',
          roles: ['approver', 'admin'],
          quorum: 1,
          expiresInMs: REDUNDANCY_DELAYS.approvalExpiry,
          reason: 'sets health checks and routes toward the data center; with a failover test, then takes one physical connection down for up to interval × threshold (see the plan in the context)',
          seed: '6',
          title: 'Approve the redundancy changes and the failover test',
        },
      },
      always: { guard: 'nothingToDo', target: 'DescribingDataCenterRoutes' },
      on: {
        'APPROVAL.GRANTED': 'ConfiguringHealthCheck',
        'APPROVAL.REJECTED': { target: 'RollingBack', actions: failed('ApprovalRejected', 'rejected', 'AwaitingApproval') },
        'APPROVAL.EXPIRED': { target: 'RollingBack', actions: failed('ApprovalExpired', 'expired', 'AwaitingApproval') },
      },
    },
    ConfiguringHealthCheck: {
      description: 'Seed 6-1: health check of one VBR-to-VPC peering connection (VBR-side router interface): source IP, destination IP, every 2 s, 8 packets.',
      meta: { step: { kind: 'effect', effect: 'ensureHealthCheck', seed: '6-1', title: 'Configure a health check' } },
      always: { guard: not('moreConnections'), target: 'AddingLoadBalancingRoute', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingHealthCheckApplied', actions: ['compensateHealthCheck', 'noteHealthCheckChange'] },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateHealthCheck', failed('StepFailed', 'configuring a health check failed', 'ConfiguringHealthCheck')] },
      },
    },
    AwaitingHealthCheckApplied: {
      meta: { step: { kind: 'wait', effect: 'awaitHealthCheck', pollIntervalMs: REDUNDANCY_DELAYS.healthCheckPollInterval, timeoutMs: REDUNDANCY_DELAYS.healthCheckTimeout, seed: '6-1', title: 'Health check applied' } },
      on: {
        'STEP.DONE': { target: 'ConfiguringHealthCheck', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('StepFailed', 'a health check was not applied', 'AwaitingHealthCheckApplied') },
      },
    },
    AddingLoadBalancingRoute: {
      description: 'Seed 6-2.3: the load-balancing route to the data-center block over both VBRs’ router interfaces, equal weights (or active/standby).',
      meta: { step: { kind: 'effect', effect: 'ensureLoadBalancingRoute', seed: '6-2.3', title: 'Add the load-balancing route' } },
      always: { guard: not('moreLoadBalancingRoutes'), target: 'AddingVbrRoute', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingLoadBalancingRouteAvailable', actions: 'compensateLoadBalancingRoute' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateLoadBalancingRoute', failed('StepFailed', 'adding the load-balancing route failed', 'AddingLoadBalancingRoute')] },
      },
    },
    AwaitingLoadBalancingRouteAvailable: {
      meta: { step: { kind: 'wait', effect: 'awaitLoadBalancingRoute', pollIntervalMs: REDUNDANCY_DELAYS.routePollInterval, timeoutMs: REDUNDANCY_DELAYS.routeTimeout, seed: '6-2.3', title: 'Load-balancing route Available' } },
      on: {
        'STEP.DONE': { target: 'AddingLoadBalancingRoute', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('StepFailed', 'the load-balancing route did not become Available', 'AwaitingLoadBalancingRouteAvailable') },
      },
    },
    AddingVbrRoute: {
      description: 'Seed 6-2.4/2.5: a general route from the VPC to one VBR (its interconnect subnet), then to the other.',
      meta: { step: { kind: 'effect', effect: 'ensureVbrRoute', seed: '6-2.4', title: 'Add the route toward one VBR' } },
      always: [
        { guard: and([not('moreConnections'), 'bgp']), target: 'AddingHealthCheckSourceRoute', actions: 'resetItems' },
        { guard: not('moreConnections'), target: 'DescribingDataCenterRoutes', actions: 'resetItems' },
      ],
      on: {
        'STEP.DONE': { target: 'AwaitingVbrRouteAvailable', actions: 'compensateVbrRoute' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateVbrRoute', failed('StepFailed', 'adding a route toward a VBR failed', 'AddingVbrRoute')] },
      },
    },
    AwaitingVbrRouteAvailable: {
      meta: { step: { kind: 'wait', effect: 'awaitVbrRoute', pollIntervalMs: REDUNDANCY_DELAYS.routePollInterval, timeoutMs: REDUNDANCY_DELAYS.routeTimeout, seed: '6-2.5', title: 'Route toward the VBR Available' } },
      on: {
        'STEP.DONE': { target: 'AddingVbrRoute', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('StepFailed', 'a route toward a VBR did not become Available', 'AwaitingVbrRouteAvailable') },
      },
    },
    AddingHealthCheckSourceRoute: {
      description: 'Seed 6, BGP step 4: on each VBR, a route to its health-check source IP (/32) toward the VPC.',
      meta: { step: { kind: 'effect', effect: 'ensureHealthCheckSourceRoute', seed: '6-BGP-4', title: 'Route the health-check source on the VBR' } },
      always: { guard: not('moreConnections'), target: 'AdvertisingHealthCheckSource', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingHealthCheckSourceRouteAvailable', actions: 'compensateSourceRoute' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateSourceRoute', failed('StepFailed', 'adding the health-check source route failed', 'AddingHealthCheckSourceRoute')] },
      },
    },
    AwaitingHealthCheckSourceRouteAvailable: {
      meta: { step: { kind: 'wait', effect: 'awaitHealthCheckSourceRoute', pollIntervalMs: REDUNDANCY_DELAYS.routePollInterval, timeoutMs: REDUNDANCY_DELAYS.routeTimeout, seed: '6-BGP-4', title: 'Health-check source route Available' } },
      on: {
        'STEP.DONE': { target: 'AddingHealthCheckSourceRoute', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('StepFailed', 'the health-check source route did not become Available', 'AwaitingHealthCheckSourceRouteAvailable') },
      },
    },
    AdvertisingHealthCheckSource: {
      description: 'Seed 6, BGP steps 5–7: advertise each health-check source IP (/32) as a BGP network of its VBR.',
      meta: { step: { kind: 'effect', effect: 'ensureHealthCheckSourceAdvertised', seed: '6-BGP-6', title: 'Advertise the health-check source' } },
      always: { guard: not('moreConnections'), target: 'DescribingDataCenterRoutes', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingHealthCheckSourceAdvertised', actions: 'compensateBgpNetwork' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateBgpNetwork', failed('StepFailed', 'advertising the health-check source failed', 'AdvertisingHealthCheckSource')] },
      },
    },
    AwaitingHealthCheckSourceAdvertised: {
      meta: { step: { kind: 'wait', effect: 'awaitHealthCheckSourceAdvertised', pollIntervalMs: REDUNDANCY_DELAYS.bgpPollInterval, timeoutMs: REDUNDANCY_DELAYS.bgpTimeout, seed: '6-BGP-6', title: 'BGP network advertised' } },
      on: {
        'STEP.DONE': { target: 'AdvertisingHealthCheckSource', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('StepFailed', 'a BGP network was not advertised', 'AwaitingHealthCheckSourceAdvertised') },
      },
    },
    DescribingDataCenterRoutes: {
      description: 'Seed 6-3: the static routes the data-center device needs (health-check sources through their VBR), per vendor.',
      meta: { step: { kind: 'effect', effect: 'describeDataCenterRoutes', seed: '6-3', title: 'Static routes for the data-center device' } },
      on: {
        'STEP.DONE': { target: 'AwaitingHealthChecksSettled', actions: 'storeDataCenterRoutes' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('StepFailed', 'describing the data-center routes failed', 'DescribingDataCenterRoutes') },
      },
    },
    AwaitingHealthChecksSettled: {
      description: 'Seed 6-1 (context): after a change, interval × threshold passes before a failing check shows; then every hop must be Enabled.',
      meta: { step: { kind: 'wait', effect: 'awaitHealthChecksSettled', pollIntervalMs: REDUNDANCY_DELAYS.settlePollInterval, timeoutMs: REDUNDANCY_DELAYS.settleTimeout, seed: '6-1', title: 'Health checks passing' } },
      on: {
        'STEP.DONE': { target: 'VerifyingRedundancy', actions: 'storeSettled' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('VerificationFailed', 'the health checks did not settle', 'AwaitingHealthChecksSettled') },
      },
    },
    VerifyingRedundancy: {
      description: 'Verification: health checks as set and passing, routes Available with their weights, the data center reachable.',
      meta: { step: { kind: 'effect', effect: 'verifyRedundancy', seed: '6-verify', title: 'Verify the redundancy' } },
      on: {
        'STEP.DONE': [
          { guard: and(['verified', 'failoverPlanned']), target: 'StartingFailoverTest', actions: 'recordVerification' },
          { guard: 'verified', target: 'Succeeded', actions: 'recordVerification' },
          { target: 'RollingBack', actions: ['recordVerification', failed('VerificationFailed', 'verification failed', 'VerifyingRedundancy')] },
        ],
        'STEP.FAILED': { target: 'RollingBack', actions: failed('VerificationFailed', 'verification failed', 'VerifyingRedundancy') },
      },
    },
    StartingFailoverTest: {
      description: 'Seed 6-6: traffic from an instance in the VPC to the data center (emulator: probe flows; cloud: a Cloud Assistant ping series).',
      meta: { step: { kind: 'effect', effect: 'startFailoverTest', seed: '6-6', title: 'Start the test traffic' } },
      on: {
        'STEP.DONE': { target: 'FailingLine', actions: 'startedFailoverTest' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('FailoverTestFailed', 'the failover test could not start', 'StartingFailoverTest') },
      },
    },
    FailingLine: {
      description: 'Seed 6-6: one physical connection fails (emulator: taken down; cloud: the operator takes it down).',
      meta: { step: { kind: 'effect', effect: 'failLine', seed: '6-6', title: 'Take one physical connection down' } },
      on: {
        'STEP.DONE': { target: 'AwaitingFailover', actions: 'tookLineDown' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['tookLineDown', failed('FailoverTestFailed', 'taking the line down failed', 'FailingLine')] },
      },
    },
    AwaitingFailover: {
      description: 'Seed 6-6: until every flow gets through again (the health check moved the traffic to the other line).',
      meta: {
        step: {
          kind: 'wait',
          effect: 'awaitFailover',
          pollIntervalMs: REDUNDANCY_DELAYS.failoverPollInterval,
          timeoutMs: REDUNDANCY_DELAYS.defaultFailoverWait,
          timeoutContextKey: 'failoverWaitMs',
          seed: '6-6',
          title: 'Traffic recovered over the other line',
        },
      },
      on: {
        'STEP.DONE': { target: 'RestoringLine', actions: 'storeRecovery' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('FailoverTestFailed', 'traffic did not recover over the other line', 'AwaitingFailover') },
      },
    },
    RestoringLine: {
      description: 'Seed 6-6: the failed physical connection comes back.',
      meta: { step: { kind: 'effect', effect: 'restoreLine', seed: '6-6', title: 'Bring the physical connection back' } },
      on: {
        'STEP.DONE': { target: 'AwaitingTrafficSpread', actions: 'broughtLineBack' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('FailoverTestFailed', 'bringing the line back failed', 'RestoringLine') },
      },
    },
    AwaitingTrafficSpread: {
      description: 'Seed 6-6: the health check passes again and traffic spreads over both lines (or returns to the active one).',
      meta: {
        step: {
          kind: 'wait',
          effect: 'awaitTrafficSpread',
          pollIntervalMs: REDUNDANCY_DELAYS.failoverPollInterval,
          timeoutMs: REDUNDANCY_DELAYS.defaultFailoverWait,
          timeoutContextKey: 'spreadWaitMs',
          seed: '6-6',
          title: 'Traffic over both lines again',
        },
      },
      on: {
        'STEP.DONE': { target: 'JudgingFailover', actions: 'storeSpread' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('FailoverTestFailed', 'traffic did not spread over both lines again', 'AwaitingTrafficSpread') },
      },
    },
    JudgingFailover: {
      description: 'Seed 6-6: failover time ≤ interval × threshold, every flow recovered, traffic spread again.',
      meta: { step: { kind: 'effect', effect: 'judgeFailover', seed: '6-6', title: 'Judge the failover' } },
      on: {
        'STEP.DONE': [
          { guard: 'verified', target: 'Succeeded', actions: 'judgedFailover' },
          { target: 'RollingBack', actions: ['judgedFailover', failed('FailoverTestFailed', 'the failover test failed', 'JudgingFailover')] },
        ],
        'STEP.FAILED': { target: 'RollingBack', actions: failed('FailoverTestFailed', 'judging the failover failed', 'JudgingFailover') },
      },
    },
    ...rollbackStates({ pollIntervalMs: REDUNDANCY_DELAYS.routePollInterval, timeoutMs: REDUNDANCY_DELAYS.routeTimeout, seed: '6-rollback' }),
    ...finalStates,
  },
});

/** What a finished execution reports (its output). */
export function redundancyOutput(context: RedundancyContext): JsonObject {
  const plan = context.plan;
  return {
    outcome: context.failure ? context.failure.code : 'Succeeded',
    ...(context.failure ? { failure: context.failure as unknown as Json } : {}),
    ...(plan
      ? {
          vpcId: plan.vpcId,
          routeTableId: plan.routeTableId,
          mode: plan.mode,
          routing: plan.routing,
          changes: plan.changes,
          healthChecks: plan.connections.map((c) => ({
            vbrId: c.vbrId,
            routerInterfaceId: c.vbrRouterInterfaceId,
            sourceIp: c.healthCheck.healthCheckSourceIp,
            targetIp: c.healthCheck.healthCheckTargetIp,
            hcRate: c.healthCheck.hcRate,
            hcThreshold: c.healthCheck.hcThreshold,
            addedByThisRun: !c.healthCheck.existing,
          })) as unknown as Json,
          routes: [...plan.loadBalancingRoutes, ...plan.connections.map((c) => c.vbrRoute), ...plan.connections.flatMap((c) => (c.bgp ? [c.bgp.sourceRoute] : []))].map((r) => ({
            routeTableId: r.routeTableId,
            destinationCidrBlock: r.destinationCidrBlock,
            nextHops: r.nextHops,
            addedByThisRun: !r.existing,
          })) as unknown as Json,
        }
      : {}),
    dataCenterRoutes: context.dataCenterRoutes,
    verification: context.verification,
    failoverTest: (plan?.failover ? { ...context.failover.result, failLine: context.failover.failLine, restoreLine: context.failover.restoreLine } : { run: false }) as Json,
    compensationsApplied: context.compensationsApplied,
    compensationFailures: context.compensationFailures as unknown as Json,
  };
}
