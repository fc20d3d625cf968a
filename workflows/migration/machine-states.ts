/**
 * The states `migrate-vpc-to-cen` (seed 5.1) and `migrate-vbr-to-cen` (seed 5.2) share, phase by
 * phase. The two seed procedures run the same steps under different numbers (5.1-5 publishes
 * routes, 5.2-6 does) and, for a VBR, with steps of its own in between; so each builder takes the
 * seed step(s) of the procedure and the state that follows, and each machine lists its phases in
 * seed order. Pure config for a machine built with `migrationSetup`.
 */
import { not } from 'xstate';
import { rollbackStates } from '../shared/saga.ts';
import { approvalState, changeState, effectState, failed, verifyState, waitState } from '../shared/steps.ts';
import { DELAYS } from './machine-setup.ts';

/** `Planning`: read the cloud and plan; a refused plan rolls back (nothing has changed yet). */
export function planningState(spec: { seed: string; description: string; next: string }) {
  return effectState('Planning', {
    description: spec.description,
    effect: 'readAndPlan',
    seed: spec.seed,
    title: 'Plan the migration',
    done: [
      { guard: 'planRunnable', target: spec.next, actions: 'storePlan' },
      { target: 'RollingBack', actions: ['storePlan', failed('PlanRefused', 'the plan was refused', 'Planning')] },
    ],
    code: 'PlanningFailed',
    message: 'planning failed',
  });
}

/** Prerequisite: `EnablingOverlappingRouting` → `AwaitingOverlappingRouting` (CEN ProtectionLevel=REDUCED). */
export function overlappingRoutingStates(spec: { seed: string; next: string }) {
  return {
    EnablingOverlappingRouting: changeState('EnablingOverlappingRouting', {
      description: 'Prerequisite: the CEN must allow overlapping routes (ProtectionLevel=REDUCED).',
      effect: 'ensureOverlappingRouting',
      seed: spec.seed,
      title: 'Enable overlapping routing',
      skip: { guard: not('protectionChangeNeeded'), target: spec.next },
      next: 'AwaitingOverlappingRouting',
      compensate: 'compensateProtectionLevel',
      message: 'enabling overlapping routing failed',
    }),
    AwaitingOverlappingRouting: waitState('AwaitingOverlappingRouting', {
      effect: 'awaitOverlappingRouting',
      pollIntervalMs: DELAYS.cenModifyPollInterval,
      timeoutMs: DELAYS.cenTimeout,
      seed: spec.seed,
      title: 'CEN Active with ProtectionLevel=REDUCED',
      done: spec.next,
      message: 'the CEN did not become Active',
    }),
  } as const;
}

/**
 * `AssigningBandwidth` ⇄ `AwaitingBandwidth`: cross-region bandwidth, only when the params ask for
 * it: associate the bandwidth package with the CEN (until `InUse`), then set the bandwidth between
 * the two regions (until `Active`); one item per call, each with its compensation.
 */
export function bandwidthStates(spec: { seed: string; next: string }) {
  return {
    AssigningBandwidth: changeState('AssigningBandwidth', {
      description: `Seed ${spec.seed}: cross-region bandwidth, only when the params ask for it: associate the bandwidth package with the CEN, then set the bandwidth between the two regions.`,
      effect: 'ensureBandwidth',
      seed: spec.seed,
      title: 'Cross-region bandwidth',
      skip: { guard: not('moreBandwidthSteps'), target: spec.next, actions: 'resetItems' },
      next: 'AwaitingBandwidth',
      compensate: 'compensateBandwidth',
      message: 'assigning bandwidth failed',
    }),
    AwaitingBandwidth: waitState('AwaitingBandwidth', {
      effect: 'awaitBandwidth',
      pollIntervalMs: DELAYS.bandwidthPollInterval,
      timeoutMs: DELAYS.cenTimeout,
      seed: spec.seed,
      title: 'Bandwidth package InUse / bandwidth Active',
      done: { target: 'AssigningBandwidth', actions: 'nextItem' },
      message: 'the bandwidth did not take effect',
    }),
  } as const;
}

/** `PublishingRoutes` ⇄ `AwaitingRoutePublished`: publish the VPC's custom routes to the CEN. */
export function publishingStates(spec: { seed: string; next: string }) {
  return {
    PublishingRoutes: changeState('PublishingRoutes', {
      description: `Seed ${spec.seed}: publish the custom routes to ECS, VPN gateways and HaVips.`,
      effect: 'ensureRoutePublished',
      seed: spec.seed,
      title: 'Publish a route',
      skip: { guard: not('morePublished'), target: spec.next, actions: 'resetItems' },
      next: 'AwaitingRoutePublished',
      compensate: 'compensatePublish',
      message: 'publishing a route failed',
    }),
    AwaitingRoutePublished: waitState('AwaitingRoutePublished', {
      effect: 'awaitRoutePublished',
      pollIntervalMs: DELAYS.cenPollInterval,
      timeoutMs: DELAYS.cenTimeout,
      seed: spec.seed,
      title: 'Route Published',
      done: { target: 'PublishingRoutes', actions: 'nextItem' },
      message: 'a route did not become Published',
    }),
  } as const;
}

/**
 * `CheckingRoutes` → `VerifyingAttachment` → `AwaitingApproval` → `ResolvingConflict` (one
 * conflict after the other: smooth or intermittent), then `afterConflicts`.
 */
export function checkingStates(spec: { seed: string; description: string; afterConflicts: string }) {
  return {
    CheckingRoutes: effectState('CheckingRoutes', {
      description: spec.description,
      effect: 'checkRoutes',
      seed: spec.seed,
      title: 'Check the routes for conflicts',
      done: [
        { guard: 'planRunnable', target: 'VerifyingAttachment', actions: 'storePlan' },
        { target: 'RollingBack', actions: ['storePlan', failed('PlanRefused', 'the plan was refused after attaching', 'CheckingRoutes')] },
      ],
      message: 'checking the routes failed',
    }),
    VerifyingAttachment: verifyState('VerifyingAttachment', {
      description: 'Verification after attaching and publishing: the flows still reach their destinations.',
      effect: 'verifyFlows',
      seed: spec.seed,
      title: 'Verify the flows',
      next: 'AwaitingApproval',
      record: 'recordVerification',
      message: 'verification after attaching failed',
    }),
    AwaitingApproval: approvalState({
      description: 'Approval gate before the first change to a route that carries traffic.',
      expiresInMs: DELAYS.approvalExpiry,
      reason: 'the migration changes peering routes that carry traffic (see the plan in the context)',
      seed: spec.seed,
      title: 'Approve the route changes',
      skip: { guard: not('hasConflicts'), target: spec.afterConflicts },
      granted: 'ResolvingConflict',
    }),
    ResolvingConflict: {
      always: [
        { guard: not('moreConflicts'), target: spec.afterConflicts },
        { guard: 'smooth', target: 'AddingHalfRoute' },
        { target: 'DeletingPeeringRoute' },
      ],
    },
  } as const;
}

/** Smooth mode: `AddingHalfRoute` ⇄ `AwaitingHalfRouteAvailable`, the halves of the blocked CEN routes. */
export function halfRouteStates(spec: { seed: string; description: string; next: string }) {
  return {
    AddingHalfRoute: changeState('AddingHalfRoute', {
      description: spec.description,
      effect: 'ensureHalfRoute',
      seed: spec.seed,
      title: 'Add a half route',
      skip: { guard: not('moreHalves'), target: spec.next, actions: 'resetItems' },
      next: 'AwaitingHalfRouteAvailable',
      compensate: 'compensateHalfRoute',
      message: 'adding a half route failed',
    }),
    AwaitingHalfRouteAvailable: waitState('AwaitingHalfRouteAvailable', {
      effect: 'awaitHalfRouteAvailable',
      pollIntervalMs: DELAYS.routePollInterval,
      timeoutMs: DELAYS.routeTimeout,
      seed: spec.seed,
      title: 'Half route Available',
      done: { target: 'AddingHalfRoute', actions: 'nextItem' },
      message: 'a half route did not become Available',
    }),
  } as const;
}

/**
 * `DeletingPeeringRoute` → `AwaitingPeeringRouteDeleted` → `AwaitingCenRouteActive` →
 * `DeletingHalfRoute` (which, in intermittent mode, has nothing to delete).
 */
export function peeringRouteStates(spec: { deleteSeed: string; activeSeed: string }) {
  return {
    DeletingPeeringRoute: changeState('DeletingPeeringRoute', {
      description: `Seed ${spec.deleteSeed}: delete the peering route (intermittent mode: directly, traffic stops until the CEN route is Active).`,
      effect: 'removePeeringRoute',
      seed: spec.deleteSeed,
      title: 'Delete the peering route',
      next: 'AwaitingPeeringRouteDeleted',
      compensate: 'compensatePeeringRoute',
      message: 'deleting the peering route failed',
    }),
    AwaitingPeeringRouteDeleted: waitState('AwaitingPeeringRouteDeleted', {
      effect: 'awaitPeeringRouteDeleted',
      pollIntervalMs: DELAYS.routePollInterval,
      timeoutMs: DELAYS.routeTimeout,
      seed: spec.deleteSeed,
      title: 'Peering route gone',
      done: 'AwaitingCenRouteActive',
      message: 'the peering route was not deleted',
    }),
    AwaitingCenRouteActive: waitState('AwaitingCenRouteActive', {
      description: `Seed ${spec.activeSeed}: refresh until the CEN route takes effect.`,
      effect: 'awaitCenRoutesActive',
      pollIntervalMs: DELAYS.cenRoutePollInterval,
      timeoutMs: DELAYS.cenTimeout,
      timeoutContextKey: 'cenRouteActiveTimeoutMs',
      seed: spec.activeSeed,
      title: 'CEN route Active',
      skip: [{ guard: not('cenRoutesTurnActive'), target: 'DeletingHalfRoute' }],
      done: 'DeletingHalfRoute',
      code: 'CenRouteNotActive',
      message: 'the CEN route did not become Active',
    }),
  } as const;
}

/** Smooth mode, once the CEN route is Active: `DeletingHalfRoute` ⇄ `AwaitingHalfRouteDeleted`. */
export function halfRouteRemovalStates(spec: { seed: string; description: string; next: string }) {
  return {
    DeletingHalfRoute: changeState('DeletingHalfRoute', {
      description: spec.description,
      effect: 'removeHalfRoute',
      seed: spec.seed,
      title: 'Delete a half route',
      skip: { guard: not('moreHalves'), target: spec.next, actions: 'resetItems' },
      next: 'AwaitingHalfRouteDeleted',
      compensate: 'compensateHalfRouteRemoval',
      message: 'deleting a half route failed',
    }),
    AwaitingHalfRouteDeleted: waitState('AwaitingHalfRouteDeleted', {
      effect: 'awaitHalfRouteDeleted',
      pollIntervalMs: DELAYS.routePollInterval,
      timeoutMs: DELAYS.routeTimeout,
      seed: spec.seed,
      title: 'Half route gone',
      done: { target: 'DeletingHalfRoute', actions: 'nextItem' },
      message: 'a half route was not deleted',
    }),
  } as const;
}

/** `VerifyingConflict`: after each conflict, the table and CEN view statuses and the flows; then the next conflict. */
export function verifyingConflictState(spec: { seed: string }) {
  return verifyState('VerifyingConflict', {
    description: 'Verification after each conflict: statuses of the table and the CEN view, and the flows.',
    effect: 'verifyConflict',
    seed: spec.seed,
    title: 'Verify the conflict is resolved',
    next: 'ResolvingConflict',
    record: 'recordVerification',
    then: 'nextConflict',
    message: 'verification after resolving a conflict failed',
  });
}

/** `VerifyingMigration`: the final verification → `Succeeded`. */
export function verifyingMigrationState(spec: { seed: string }) {
  return verifyState('VerifyingMigration', {
    effect: 'verifyMigration',
    seed: spec.seed,
    title: 'Verify the migration',
    next: 'Succeeded',
    record: 'recordVerification',
    message: 'final verification failed',
  });
}

/** Seed 5.3 inside each migration: `RollingBack` ⇄ `AwaitingCompensation` → `Concluding`. */
export const migrationRollbackStates = rollbackStates({
  pollIntervalMs: DELAYS.routePollInterval,
  timeoutMs: DELAYS.cenTimeout,
  seed: '5.3',
  description: 'Seed 5.3: undo the newest change still recorded (re-add what was deleted, remove what was added, re-advertise BGP networks, restore health checks).',
});
