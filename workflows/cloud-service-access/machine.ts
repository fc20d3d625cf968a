/**
 * `cloud-service-access`: seed chapter 1, "Access cloud services through physical connections".
 * Read it side by side with the seed: one state per step (`meta.step.seed`), waits as
 * Awaiting… states polled by the runner, an approval gate before the first route is added, and
 * on any failure the saga's compensations (remove the routes this run added) replayed newest first.
 *
 *   1-prereq  Planning: the VBR, its route table, its router interface toward the VPC
 *   1-4       AwaitingApproval → AddingServiceRoute ⇄ AwaitingServiceRouteAvailable
 *             (100.64.0.0/11, then 100.96.0.0/11: one at a time, each Available before the next)
 *   1-cust    DescribingCustomerRoute: `ip route 100.64.0.0/10 {Alibaba Cloud-side IP}` per vendor
 *   1-verify  VerifyingServiceAccess (→ AwaitingAccessProbe in the cloud): a 100.64.x address
 *             answers from the data center through the VBR
 *   rollback  RollingBack ⇄ AwaitingCompensation → RolledBack | Failed | Cancelled | Rejected | Expired
 */
import { assign, not, setup } from 'xstate';
import type { JsonObject } from '../../src/engine/types.ts';
import type { SharedCompensation } from '../shared/compensation.ts';
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
import { approvalState, changeState, effectState, procedureTypes, verdict, verifyState, waitState } from '../shared/steps.ts';

/** One VBR route toward the VPC, and whether it was there before the run. */
export interface ServiceRoutePlan extends JsonObject {
  destinationCidrBlock: string;
  existing: boolean;
}

/** What `Planning` found and decided. */
export interface CloudAccessPlan extends JsonObject {
  regionId: string;
  vbrId: string;
  vpcId: string;
  vbrRouteTableId: string;
  /** The VBR's end of the peering connection: next hop of the routes. */
  vbrRouterInterfaceId: string;
  vpcRouterInterfaceId: string;
  /** Alibaba Cloud-side IP of the VBR (next hop of the customer-side route). */
  localGatewayIp: string | null;
  routes: ServiceRoutePlan[];
  /** Routes to add. */
  changes: number;
}

/** Context of the machine (plain JSON, persisted by the engine). */
export interface CloudAccessContext extends SagaContext<SharedCompensation> {
  plan: CloudAccessPlan | null;
  /** Index of the route being added. */
  index: number;
  customerRoutes: JsonObject | null;
  /** The cloud's ping run, while it is pending. */
  probe: JsonObject | null;
  verification: JsonObject | null;
}

/** Poll intervals and deadlines (virtual in tests). */
export const CLOUD_ACCESS_DELAYS = {
  routePollInterval: 3_000,
  routeTimeout: 5 * 60_000,
  probePollInterval: 2_000,
  probeTimeout: 2 * 60_000,
  approvalExpiry: 24 * 3_600_000,
} as const;

const routeOf = (ctx: CloudAccessContext): ServiceRoutePlan | undefined => ctx.plan?.routes[ctx.index];

/** The undo of adding the current route: nothing when it was there before the run. */
function routeCompensation(ctx: CloudAccessContext): SharedCompensation | null {
  const plan = ctx.plan;
  const r = routeOf(ctx);
  if (!plan || !r || r.existing) return null;
  return {
    kind: 'removeRoute',
    regionId: plan.regionId,
    routeTableId: plan.vbrRouteTableId,
    destinationCidrBlock: r.destinationCidrBlock,
    nextHops: [{ nextHopType: 'RouterInterface', nextHopId: plan.vbrRouterInterfaceId }],
  };
}

/** The machine of `cloud-service-access`. */
export const cloudAccessMachine = setup({
  types: procedureTypes<CloudAccessContext>(),
  guards: {
    ...sagaGuards,
    moreRoutes: ({ context }) => context.index < (context.plan?.routes.length ?? 0),
    nothingToAdd: ({ context }) => (context.plan?.changes ?? 0) === 0,
    verified: ({ event }) => outputOf(event).ok === true,
    probePending: ({ event }) => outputOf(event).pending === true,
  },
  actions: {
    storePlan: assign({ plan: ({ event }) => (outputOf(event).plan as unknown as CloudAccessPlan | undefined) ?? null }),
    nextItem: assign({ index: ({ context }) => context.index + 1 }),
    compensateRoute: assign(({ context }) => sagaUpdates.push(context, routeCompensation(context))),
    storeCustomerRoutes: assign({ customerRoutes: ({ event }) => outputOf(event) }),
    storeProbe: assign({ probe: ({ event }) => outputOf(event) }),
    recordVerification: assign({ verification: ({ event }) => outputOf(event), probe: null }),
    ...sagaActions<CloudAccessContext>(),
  },
}).createMachine({
  id: 'cloud-service-access',
  initial: 'Planning',
  context: () => ({ ...initialSaga<SharedCompensation>(), plan: null, index: 0, customerRoutes: null, probe: null, verification: null }),
  output: ({ context }) => cloudAccessOutput(context),
  on: rollBackOnSignals,
  states: {
    Planning: effectState('Planning', {
      description: 'Prerequisites: the VBR is active on an enabled circuit and peered with the VPC; find its route table and its router interface toward the VPC.',
      effect: 'planServiceRoutes',
      seed: '1-3',
      title: 'Find the VBR, its route table and its router interface',
      done: { target: 'AwaitingApproval', actions: 'storePlan' },
      code: 'PlanningFailed',
      message: 'planning failed',
    }),
    AwaitingApproval: approvalState({
      description: 'Approval gate before routes are added to the VBR route table.',
      expiresInMs: CLOUD_ACCESS_DELAYS.approvalExpiry,
      reason: 'adds VBR routes toward the VPC for the cloud-service range 100.64.0.0/10 (see the plan in the context)',
      seed: '1-4',
      title: 'Approve the VBR routes',
      skip: { guard: 'nothingToAdd', target: 'DescribingCustomerRoute' },
      granted: 'AddingServiceRoute',
      state: 'AwaitingApproval',
    }),
    AddingServiceRoute: changeState('AddingServiceRoute', {
      description: 'Seed 1-4: Add Route Entry on the VBR: destination 100.64.0.0/11 (then 100.96.0.0/11), next hop the router interface toward the VPC.',
      effect: 'ensureServiceRoute',
      seed: '1-4',
      title: 'Add a VBR route toward the VPC',
      skip: { guard: not('moreRoutes'), target: 'DescribingCustomerRoute' },
      next: 'AwaitingServiceRouteAvailable',
      compensate: 'compensateRoute',
      message: 'adding a VBR route failed',
    }),
    AwaitingServiceRouteAvailable: waitState('AwaitingServiceRouteAvailable', {
      effect: 'awaitServiceRoute',
      pollIntervalMs: CLOUD_ACCESS_DELAYS.routePollInterval,
      timeoutMs: CLOUD_ACCESS_DELAYS.routeTimeout,
      seed: '1-5',
      title: 'VBR route Available',
      done: { target: 'AddingServiceRoute', actions: 'nextItem' },
      message: 'a VBR route did not become Available',
    }),
    DescribingCustomerRoute: effectState('DescribingCustomerRoute', {
      description: 'Seed 1, customer side: the static route 100.64.0.0/10 toward the Alibaba Cloud-side IP, in each vendor’s syntax.',
      effect: 'describeCustomerRoute',
      seed: '1-customer',
      title: 'Customer-side route',
      done: { target: 'VerifyingServiceAccess', actions: 'storeCustomerRoutes' },
      message: 'describing the customer-side route failed',
    }),
    VerifyingServiceAccess: verifyState('VerifyingServiceAccess', {
      description: 'Verification: the routes are Available and a 100.64.x address answers from the data center through the VBR.',
      effect: 'verifyServiceAccess',
      seed: '1-verify',
      title: 'Verify access to cloud services',
      before: [{ guard: 'probePending', target: 'AwaitingAccessProbe', actions: 'storeProbe' }],
      next: 'Succeeded',
      record: 'recordVerification',
      message: 'cloud services are not reachable from the data center',
      failedMessage: 'verification failed',
    }),
    AwaitingAccessProbe: waitState('AwaitingAccessProbe', {
      description: 'In the cloud: the ping run by Cloud Assistant on the data-center server finished.',
      effect: 'awaitAccessProbe',
      pollIntervalMs: CLOUD_ACCESS_DELAYS.probePollInterval,
      timeoutMs: CLOUD_ACCESS_DELAYS.probeTimeout,
      seed: '1-verify',
      title: 'Ping from the data center finished',
      done: verdict('AwaitingAccessProbe', { next: 'Succeeded', record: 'recordVerification', message: 'cloud services are not reachable from the data center' }),
      code: 'VerificationFailed',
      message: 'the ping from the data center did not finish',
    }),
    ...rollbackStates({ pollIntervalMs: CLOUD_ACCESS_DELAYS.routePollInterval, timeoutMs: CLOUD_ACCESS_DELAYS.routeTimeout, seed: '1-rollback' }),
    ...finalStates,
  },
});

/** What a finished execution reports (its output). */
export function cloudAccessOutput(context: CloudAccessContext): JsonObject {
  const plan = context.plan;
  return {
    ...outcomeOf(context),
    ...(plan
      ? {
          vbrId: plan.vbrId,
          vbrRouteTableId: plan.vbrRouteTableId,
          routes: plan.routes.map((r) => ({ destinationCidrBlock: r.destinationCidrBlock, nextHopId: plan.vbrRouterInterfaceId, addedByThisRun: !r.existing })),
        }
      : {}),
    customerRoutes: context.customerRoutes,
    verification: context.verification,
    ...rollbackReport(context),
  };
}
