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
import type { Json, JsonObject, RunnerEvent } from '../../src/engine/types.ts';
import type { SharedCompensation } from '../shared/compensation.ts';
import { healthCheckSettings } from '../shared/ops.ts';
import {
  finalStates,
  initialSaga,
  outcomeOf,
  outputOf,
  rollBackOnSignals,
  rollbackReport,
  rollbackStates,
  sagaActions,
  sagaGuards,
  sagaUpdates,
  type SagaContext,
} from '../shared/saga.ts';
import { approvalState, changeState, effectState, procedureTypes, verifyState, waitState } from '../shared/steps.ts';
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
  return {
    kind: 'restoreRouterInterfaceHealthCheck',
    regionId: ctx.plan.regionId,
    routerInterfaceId: c.vbrRouterInterfaceId,
    ...healthCheckSettings(c.healthCheck.previous),
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

/** The machine of `physical-connection-redundancy`. */
export const redundancyMachine = setup({
  types: procedureTypes<RedundancyContext>(),
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
    ...sagaActions<RedundancyContext>(),
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
  on: rollBackOnSignals,
  states: {
    Planning: effectState('Planning', {
      description: 'Prerequisites: two VBR-to-VPC peering connections on active circuits; free health-check source IPs; no conflicting route.',
      effect: 'planRedundancy',
      seed: '6-prereq',
      title: 'Read the peering connections and plan',
      done: { target: 'AwaitingApproval', actions: 'storePlan' },
      code: 'PlanningFailed',
      message: 'planning failed',
    }),
    AwaitingApproval: approvalState({
      description: 'Approval gate before the health checks and routes change, and before the failover test takes a line down.',
      expiresInMs: REDUNDANCY_DELAYS.approvalExpiry,
      reason: 'sets health checks and routes toward the data center; with a failover test, then takes one physical connection down for up to interval × threshold (see the plan in the context)',
      seed: '6',
      title: 'Approve the redundancy changes and the failover test',
      skip: { guard: 'nothingToDo', target: 'DescribingDataCenterRoutes' },
      granted: 'ConfiguringHealthCheck',
      state: 'AwaitingApproval',
    }),
    ConfiguringHealthCheck: changeState('ConfiguringHealthCheck', {
      description: 'Seed 6-1: health check of one VBR-to-VPC peering connection (VBR-side router interface): source IP, destination IP, every 2 s, 8 packets.',
      effect: 'ensureHealthCheck',
      seed: '6-1',
      title: 'Configure a health check',
      skip: { guard: not('moreConnections'), target: 'AddingLoadBalancingRoute', actions: 'resetItems' },
      next: 'AwaitingHealthCheckApplied',
      compensate: 'compensateHealthCheck',
      also: 'noteHealthCheckChange',
      message: 'configuring a health check failed',
    }),
    AwaitingHealthCheckApplied: waitState('AwaitingHealthCheckApplied', {
      effect: 'awaitHealthCheck',
      pollIntervalMs: REDUNDANCY_DELAYS.healthCheckPollInterval,
      timeoutMs: REDUNDANCY_DELAYS.healthCheckTimeout,
      seed: '6-1',
      title: 'Health check applied',
      done: { target: 'ConfiguringHealthCheck', actions: 'nextItem' },
      message: 'a health check was not applied',
    }),
    AddingLoadBalancingRoute: changeState('AddingLoadBalancingRoute', {
      description: 'Seed 6-2.3: the load-balancing route to the data-center block over both VBRs’ router interfaces, equal weights (or active/standby).',
      effect: 'ensureLoadBalancingRoute',
      seed: '6-2.3',
      title: 'Add the load-balancing route',
      skip: { guard: not('moreLoadBalancingRoutes'), target: 'AddingVbrRoute', actions: 'resetItems' },
      next: 'AwaitingLoadBalancingRouteAvailable',
      compensate: 'compensateLoadBalancingRoute',
      message: 'adding the load-balancing route failed',
    }),
    AwaitingLoadBalancingRouteAvailable: waitState('AwaitingLoadBalancingRouteAvailable', {
      effect: 'awaitLoadBalancingRoute',
      pollIntervalMs: REDUNDANCY_DELAYS.routePollInterval,
      timeoutMs: REDUNDANCY_DELAYS.routeTimeout,
      seed: '6-2.3',
      title: 'Load-balancing route Available',
      done: { target: 'AddingLoadBalancingRoute', actions: 'nextItem' },
      message: 'the load-balancing route did not become Available',
    }),
    AddingVbrRoute: changeState('AddingVbrRoute', {
      description: 'Seed 6-2.4/2.5: a general route from the VPC to one VBR (its interconnect subnet), then to the other.',
      effect: 'ensureVbrRoute',
      seed: '6-2.4',
      title: 'Add the route toward one VBR',
      skip: [
        { guard: and([not('moreConnections'), 'bgp']), target: 'AddingHealthCheckSourceRoute', actions: 'resetItems' },
        { guard: not('moreConnections'), target: 'DescribingDataCenterRoutes', actions: 'resetItems' },
      ],
      next: 'AwaitingVbrRouteAvailable',
      compensate: 'compensateVbrRoute',
      message: 'adding a route toward a VBR failed',
    }),
    AwaitingVbrRouteAvailable: waitState('AwaitingVbrRouteAvailable', {
      effect: 'awaitVbrRoute',
      pollIntervalMs: REDUNDANCY_DELAYS.routePollInterval,
      timeoutMs: REDUNDANCY_DELAYS.routeTimeout,
      seed: '6-2.5',
      title: 'Route toward the VBR Available',
      done: { target: 'AddingVbrRoute', actions: 'nextItem' },
      message: 'a route toward a VBR did not become Available',
    }),
    AddingHealthCheckSourceRoute: changeState('AddingHealthCheckSourceRoute', {
      description: 'Seed 6, BGP step 4: on each VBR, a route to its health-check source IP (/32) toward the VPC.',
      effect: 'ensureHealthCheckSourceRoute',
      seed: '6-BGP-4',
      title: 'Route the health-check source on the VBR',
      skip: { guard: not('moreConnections'), target: 'AdvertisingHealthCheckSource', actions: 'resetItems' },
      next: 'AwaitingHealthCheckSourceRouteAvailable',
      compensate: 'compensateSourceRoute',
      message: 'adding the health-check source route failed',
    }),
    AwaitingHealthCheckSourceRouteAvailable: waitState('AwaitingHealthCheckSourceRouteAvailable', {
      effect: 'awaitHealthCheckSourceRoute',
      pollIntervalMs: REDUNDANCY_DELAYS.routePollInterval,
      timeoutMs: REDUNDANCY_DELAYS.routeTimeout,
      seed: '6-BGP-4',
      title: 'Health-check source route Available',
      done: { target: 'AddingHealthCheckSourceRoute', actions: 'nextItem' },
      message: 'the health-check source route did not become Available',
    }),
    AdvertisingHealthCheckSource: changeState('AdvertisingHealthCheckSource', {
      description: 'Seed 6, BGP steps 5–7: advertise each health-check source IP (/32) as a BGP network of its VBR.',
      effect: 'ensureHealthCheckSourceAdvertised',
      seed: '6-BGP-6',
      title: 'Advertise the health-check source',
      skip: { guard: not('moreConnections'), target: 'DescribingDataCenterRoutes', actions: 'resetItems' },
      next: 'AwaitingHealthCheckSourceAdvertised',
      compensate: 'compensateBgpNetwork',
      message: 'advertising the health-check source failed',
    }),
    AwaitingHealthCheckSourceAdvertised: waitState('AwaitingHealthCheckSourceAdvertised', {
      effect: 'awaitHealthCheckSourceAdvertised',
      pollIntervalMs: REDUNDANCY_DELAYS.bgpPollInterval,
      timeoutMs: REDUNDANCY_DELAYS.bgpTimeout,
      seed: '6-BGP-6',
      title: 'BGP network advertised',
      done: { target: 'AdvertisingHealthCheckSource', actions: 'nextItem' },
      message: 'a BGP network was not advertised',
    }),
    DescribingDataCenterRoutes: effectState('DescribingDataCenterRoutes', {
      description: 'Seed 6-3: the static routes the data-center device needs (health-check sources through their VBR), per vendor.',
      effect: 'describeDataCenterRoutes',
      seed: '6-3',
      title: 'Static routes for the data-center device',
      done: { target: 'AwaitingHealthChecksSettled', actions: 'storeDataCenterRoutes' },
      message: 'describing the data-center routes failed',
    }),
    AwaitingHealthChecksSettled: waitState('AwaitingHealthChecksSettled', {
      description: 'Seed 6-1 (context): after a change, interval × threshold passes before a failing check shows; then every hop must be Enabled.',
      effect: 'awaitHealthChecksSettled',
      pollIntervalMs: REDUNDANCY_DELAYS.settlePollInterval,
      timeoutMs: REDUNDANCY_DELAYS.settleTimeout,
      seed: '6-1',
      title: 'Health checks passing',
      done: { target: 'VerifyingRedundancy', actions: 'storeSettled' },
      code: 'VerificationFailed',
      message: 'the health checks did not settle',
    }),
    VerifyingRedundancy: verifyState('VerifyingRedundancy', {
      description: 'Verification: health checks as set and passing, routes Available with their weights, the data center reachable.',
      effect: 'verifyRedundancy',
      seed: '6-verify',
      title: 'Verify the redundancy',
      before: [{ guard: and(['verified', 'failoverPlanned']), target: 'StartingFailoverTest', actions: 'recordVerification' }],
      next: 'Succeeded',
      record: 'recordVerification',
      message: 'verification failed',
    }),
    StartingFailoverTest: effectState('StartingFailoverTest', {
      description: 'Seed 6-6: traffic from an instance in the VPC to the data center (emulator: probe flows; cloud: a Cloud Assistant ping series).',
      effect: 'startFailoverTest',
      seed: '6-6',
      title: 'Start the test traffic',
      done: { target: 'FailingLine', actions: 'startedFailoverTest' },
      code: 'FailoverTestFailed',
      message: 'the failover test could not start',
    }),
    FailingLine: changeState('FailingLine', {
      description: 'Seed 6-6: one physical connection fails (emulator: taken down; cloud: the operator takes it down).',
      effect: 'failLine',
      seed: '6-6',
      title: 'Take one physical connection down',
      next: 'AwaitingFailover',
      compensate: 'tookLineDown',
      code: 'FailoverTestFailed',
      message: 'taking the line down failed',
    }),
    AwaitingFailover: waitState('AwaitingFailover', {
      description: 'Seed 6-6: until every flow gets through again (the health check moved the traffic to the other line).',
      effect: 'awaitFailover',
      pollIntervalMs: REDUNDANCY_DELAYS.failoverPollInterval,
      timeoutMs: REDUNDANCY_DELAYS.defaultFailoverWait,
      timeoutContextKey: 'failoverWaitMs',
      seed: '6-6',
      title: 'Traffic recovered over the other line',
      done: { target: 'RestoringLine', actions: 'storeRecovery' },
      code: 'FailoverTestFailed',
      message: 'traffic did not recover over the other line',
    }),
    RestoringLine: effectState('RestoringLine', {
      description: 'Seed 6-6: the failed physical connection comes back.',
      effect: 'restoreLine',
      seed: '6-6',
      title: 'Bring the physical connection back',
      done: { target: 'AwaitingTrafficSpread', actions: 'broughtLineBack' },
      code: 'FailoverTestFailed',
      message: 'bringing the line back failed',
    }),
    AwaitingTrafficSpread: waitState('AwaitingTrafficSpread', {
      description: 'Seed 6-6: the health check passes again and traffic spreads over both lines (or returns to the active one).',
      effect: 'awaitTrafficSpread',
      pollIntervalMs: REDUNDANCY_DELAYS.failoverPollInterval,
      timeoutMs: REDUNDANCY_DELAYS.defaultFailoverWait,
      timeoutContextKey: 'spreadWaitMs',
      seed: '6-6',
      title: 'Traffic over both lines again',
      done: { target: 'JudgingFailover', actions: 'storeSpread' },
      code: 'FailoverTestFailed',
      message: 'traffic did not spread over both lines again',
    }),
    JudgingFailover: verifyState('JudgingFailover', {
      description: 'Seed 6-6: failover time ≤ interval × threshold, every flow recovered, traffic spread again.',
      effect: 'judgeFailover',
      seed: '6-6',
      title: 'Judge the failover',
      next: 'Succeeded',
      record: 'judgedFailover',
      code: 'FailoverTestFailed',
      message: 'the failover test failed',
      failedMessage: 'judging the failover failed',
    }),
    ...rollbackStates({ pollIntervalMs: REDUNDANCY_DELAYS.routePollInterval, timeoutMs: REDUNDANCY_DELAYS.routeTimeout, seed: '6-rollback' }),
    ...finalStates,
  },
});

/** What a finished execution reports (its output). */
export function redundancyOutput(context: RedundancyContext): JsonObject {
  const plan = context.plan;
  return {
    ...outcomeOf(context),
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
    ...rollbackReport(context),
  };
}
