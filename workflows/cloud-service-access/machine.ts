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
import type { Json, JsonObject, MachineInput, RunnerEvent } from '../../src/engine/types.ts';
import type { SharedCompensation } from '../shared/compensation.ts';
import { finalStates, initialSaga, outputOf, rollbackStates, sagaGuards, sagaUpdates, type SagaContext } from '../shared/saga.ts';

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

type FailParams = { code: string; message: string; state?: string };
const failed = (code: string, message: string, state?: string) => ({ type: 'fail' as const, params: { code, message, ...(state ? { state } : {}) } });

/** The machine of `cloud-service-access`. */
export const cloudAccessMachine = setup({
  types: {
    context: {} as CloudAccessContext,
    events: {} as RunnerEvent,
    input: {} as MachineInput<JsonObject>,
  },
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
    fail: assign((args, params: FailParams) => sagaUpdates.fail(args, params)),
    compensationApplied: assign((args) => sagaUpdates.compensationApplied(args)),
    compensationFailed: assign((args) => sagaUpdates.compensationFailed(args)),
    popCompensation: assign((args) => sagaUpdates.popCompensation(args)),
    waitFailed: assign((args) => sagaUpdates.waitFailed(args)),
    ignoreSignal: assign({}),
  },
}).createMachine({
  id: 'cloud-service-access',
  initial: 'Planning',
  context: () => ({ ...initialSaga<SharedCompensation>(), plan: null, index: 0, customerRoutes: null, probe: null, verification: null }),
  output: ({ context }) => cloudAccessOutput(context),
  on: {
    CANCEL: { target: '.RollingBack', actions: failed('Cancelled', 'cancelled') },
    ROLLBACK: { target: '.RollingBack', actions: failed('RollbackRequested', 'rollback requested') },
  },
  states: {
    Planning: {
      description: 'Prerequisites: the VBR is active on an enabled circuit and peered with the VPC; find its route table and its router interface toward the VPC.',
      meta: { step: { kind: 'effect', effect: 'planServiceRoutes', seed: '1-3', title: 'Find the VBR, its route table and its router interface' } },
      on: {
        'STEP.DONE': { target: 'AwaitingApproval', actions: 'storePlan' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('PlanningFailed', 'planning failed', 'Planning') },
      },
    },
    AwaitingApproval: {
      description: 'Approval gate before routes are added to the VBR route table.',
      meta: {
        step: {
          kind: 'approval',
          roles: ['approver', 'admin'],
          quorum: 1,
          expiresInMs: CLOUD_ACCESS_DELAYS.approvalExpiry,
          reason: 'adds VBR routes toward the VPC for the cloud-service range 100.64.0.0/10 (see the plan in the context)',
          seed: '1-4',
          title: 'Approve the VBR routes',
        },
      },
      always: { guard: 'nothingToAdd', target: 'DescribingCustomerRoute' },
      on: {
        'APPROVAL.GRANTED': 'AddingServiceRoute',
        'APPROVAL.REJECTED': { target: 'RollingBack', actions: failed('ApprovalRejected', 'rejected', 'AwaitingApproval') },
        'APPROVAL.EXPIRED': { target: 'RollingBack', actions: failed('ApprovalExpired', 'expired', 'AwaitingApproval') },
      },
    },
    AddingServiceRoute: {
      description: 'Seed 1-4: Add Route Entry on the VBR: destination 100.64.0.0/11 (then 100.96.0.0/11), next hop the router interface toward the VPC.',
      meta: { step: { kind: 'effect', effect: 'ensureServiceRoute', seed: '1-4', title: 'Add a VBR route toward the VPC' } },
      always: { guard: not('moreRoutes'), target: 'DescribingCustomerRoute' },
      on: {
        'STEP.DONE': { target: 'AwaitingServiceRouteAvailable', actions: 'compensateRoute' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateRoute', failed('StepFailed', 'adding a VBR route failed', 'AddingServiceRoute')] },
      },
    },
    AwaitingServiceRouteAvailable: {
      meta: {
        step: { kind: 'wait', effect: 'awaitServiceRoute', pollIntervalMs: CLOUD_ACCESS_DELAYS.routePollInterval, timeoutMs: CLOUD_ACCESS_DELAYS.routeTimeout, seed: '1-5', title: 'VBR route Available' },
      },
      on: {
        'STEP.DONE': { target: 'AddingServiceRoute', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('StepFailed', 'a VBR route did not become Available', 'AwaitingServiceRouteAvailable') },
      },
    },
    DescribingCustomerRoute: {
      description: 'Seed 1, customer side: the static route 100.64.0.0/10 toward the Alibaba Cloud-side IP, in each vendor’s syntax.',
      meta: { step: { kind: 'effect', effect: 'describeCustomerRoute', seed: '1-customer', title: 'Customer-side route' } },
      on: {
        'STEP.DONE': { target: 'VerifyingServiceAccess', actions: 'storeCustomerRoutes' },
        'STEP.FAILED': { target: 'RollingBack', actions: failed('StepFailed', 'describing the customer-side route failed', 'DescribingCustomerRoute') },
      },
    },
    VerifyingServiceAccess: {
      description: 'Verification: the routes are Available and a 100.64.x address answers from the data center through the VBR.',
      meta: { step: { kind: 'effect', effect: 'verifyServiceAccess', seed: '1-verify', title: 'Verify access to cloud services' } },
      on: {
        'STEP.DONE': [
          { guard: 'probePending', target: 'AwaitingAccessProbe', actions: 'storeProbe' },
          { guard: 'verified', target: 'Succeeded', actions: 'recordVerification' },
          { target: 'RollingBack', actions: ['recordVerification', failed('VerificationFailed', 'cloud services are not reachable from the data center', 'VerifyingServiceAccess')] },
        ],
        'STEP.FAILED': { target: 'RollingBack', actions: failed('VerificationFailed', 'verification failed', 'VerifyingServiceAccess') },
      },
    },
    AwaitingAccessProbe: {
      description: 'In the cloud: the ping run by Cloud Assistant on the data-center server finished.',
      meta: {
        step: { kind: 'wait', effect: 'awaitAccessProbe', pollIntervalMs: CLOUD_ACCESS_DELAYS.probePollInterval, timeoutMs: CLOUD_ACCESS_DELAYS.probeTimeout, seed: '1-verify', title: 'Ping from the data center finished' },
      },
      on: {
        'STEP.DONE': [
          { guard: 'verified', target: 'Succeeded', actions: 'recordVerification' },
          { target: 'RollingBack', actions: ['recordVerification', failed('VerificationFailed', 'cloud services are not reachable from the data center', 'AwaitingAccessProbe')] },
        ],
        'STEP.FAILED': { target: 'RollingBack', actions: failed('VerificationFailed', 'the ping from the data center did not finish', 'AwaitingAccessProbe') },
      },
    },
    ...rollbackStates({ pollIntervalMs: CLOUD_ACCESS_DELAYS.routePollInterval, timeoutMs: CLOUD_ACCESS_DELAYS.routeTimeout, seed: '1-rollback' }),
    ...finalStates,
  },
});

/** What a finished execution reports (its output). */
export function cloudAccessOutput(context: CloudAccessContext): JsonObject {
  const plan = context.plan;
  return {
    outcome: context.failure ? context.failure.code : 'Succeeded',
    ...(context.failure ? { failure: context.failure as unknown as Json } : {}),
    ...(plan
      ? {
          vbrId: plan.vbrId,
          vbrRouteTableId: plan.vbrRouteTableId,
          routes: plan.routes.map((r) => ({ destinationCidrBlock: r.destinationCidrBlock, nextHopId: plan.vbrRouterInterfaceId, addedByThisRun: !r.existing })),
        }
      : {}),
    customerRoutes: context.customerRoutes,
    verification: context.verification,
    compensationsApplied: context.compensationsApplied,
    compensationFailures: context.compensationFailures as unknown as Json,
  };
}
