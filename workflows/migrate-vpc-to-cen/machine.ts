/**
 * `migrate-vpc-to-cen`: seed 5.1, "Migrate a VPC in a peering connection to a CEN instance".
 * Read it side by side with the seed: one state per step (`meta.step.seed`), waits as
 * Awaiting… states polled by the runner, the approval gate before the first change to a route
 * that carries traffic, a verification after each phase, and on any failure the saga's
 * compensations replayed newest first (seed 5.3) down to `RolledBack`.
 *
 *   prerequisite  EnablingOverlappingRouting → AwaitingOverlappingRouting
 *   5.1-3         AttachingVpc ⇄ AwaitingVpcAttached
 *   5.1-4         AssigningBandwidth (only when params.bandwidth)
 *   5.1-5         PublishingRoutes ⇄ AwaitingRoutePublished
 *   5.1-6         CheckingRoutes → VerifyingAttachment → AwaitingApproval → per conflict:
 *     smooth      AddingHalfRoute ⇄ AwaitingHalfRouteAvailable (6b) → DeletingPeeringRoute →
 *                 AwaitingPeeringRouteDeleted (6c) → AwaitingCenRouteActive (6d) →
 *                 DeletingHalfRoute ⇄ AwaitingHalfRouteDeleted (6e) → VerifyingConflict
 *     intermittent DeletingPeeringRoute → AwaitingPeeringRouteDeleted → AwaitingCenRouteActive → VerifyingConflict
 *   end           VerifyingMigration → Succeeded
 *   5.3           RollingBack ⇄ AwaitingCompensation → RolledBack | Failed | Cancelled | Rejected | Expired
 */
import { not } from 'xstate';
import { DELAYS, initialContext, migrationOutput, migrationSetup } from '../migration/machine-setup.ts';
import { rollbackFinals, rollbackStates } from '../migration/machine-rollback.ts';

/** The machine of `migrate-vpc-to-cen`. */
export const migrateVpcToCenMachine = migrationSetup.createMachine({
  id: 'migrate-vpc-to-cen',
  context: ({ input }) => initialContext(input, 'vpc'),
  initial: 'Planning',
  output: ({ context }) => migrationOutput(context),
  on: {
    CANCEL: { target: '.RollingBack', actions: { type: 'fail', params: { code: 'Cancelled', message: 'cancelled' } } },
    ROLLBACK: { target: '.RollingBack', actions: { type: 'fail', params: { code: 'RollbackRequested', message: 'rollback requested' } } },
  },
  states: {
    Planning: {
      description: 'Read the CEN, the VPC route table and the CEN route view; plan; refuse what would cut traffic unannounced.',
      meta: { step: { kind: 'effect', effect: 'readAndPlan', seed: '5.1', title: 'Plan the migration' } },
      on: {
        'STEP.DONE': [
          { guard: 'planRunnable', target: 'EnablingOverlappingRouting', actions: 'storePlan' },
          { target: 'RollingBack', actions: ['storePlan', { type: 'fail', params: { code: 'PlanRefused', message: 'the plan was refused', state: 'Planning' } }] },
        ],
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'PlanningFailed', message: 'planning failed', state: 'Planning' } } },
      },
    },
    EnablingOverlappingRouting: {
      description: 'Prerequisite: the CEN must allow overlapping routes (ProtectionLevel=REDUCED).',
      meta: { step: { kind: 'effect', effect: 'ensureOverlappingRouting', seed: '5.1-prereq', title: 'Enable overlapping routing' } },
      always: { guard: not('protectionChangeNeeded'), target: 'AttachingVpc' },
      on: {
        'STEP.DONE': { target: 'AwaitingOverlappingRouting', actions: 'compensateProtectionLevel' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateProtectionLevel', { type: 'fail', params: { code: 'StepFailed', message: 'enabling overlapping routing failed', state: 'EnablingOverlappingRouting' } }] },
      },
    },
    AwaitingOverlappingRouting: {
      meta: { step: { kind: 'wait', effect: 'awaitOverlappingRouting', pollIntervalMs: DELAYS.cenModifyPollInterval, timeoutMs: DELAYS.cenTimeout, seed: '5.1-prereq', title: 'CEN Active with ProtectionLevel=REDUCED' } },
      on: {
        'STEP.DONE': 'AttachingVpc',
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'the CEN did not become Active', state: 'AwaitingOverlappingRouting' } } },
      },
    },
    AttachingVpc: {
      description: 'Seed 5.1-3: attach the VPC to the CEN instance.',
      meta: { step: { kind: 'effect', effect: 'ensureChildAttached', seed: '5.1-3', title: 'Attach the VPC' } },
      always: { guard: not('moreAttachments'), target: 'AssigningBandwidth', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingVpcAttached', actions: 'compensateAttachment' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateAttachment', { type: 'fail', params: { code: 'StepFailed', message: 'attaching the VPC failed', state: 'AttachingVpc' } }] },
      },
    },
    AwaitingVpcAttached: {
      meta: { step: { kind: 'wait', effect: 'awaitChildAttached', pollIntervalMs: DELAYS.cenPollInterval, timeoutMs: DELAYS.cenTimeout, seed: '5.1-3', title: 'VPC Attached' } },
      on: {
        'STEP.DONE': { target: 'AttachingVpc', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'the VPC did not become Attached', state: 'AwaitingVpcAttached' } } },
      },
    },
    AssigningBandwidth: {
      description: 'Seed 5.1-4: cross-region bandwidth, only when the params ask for it.',
      meta: { step: { kind: 'effect', effect: 'ensureBandwidth', seed: '5.1-4', title: 'Cross-region bandwidth' } },
      always: { guard: not('bandwidthRequested'), target: 'PublishingRoutes' },
      on: {
        'STEP.DONE': 'PublishingRoutes',
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'assigning bandwidth failed', state: 'AssigningBandwidth' } } },
      },
    },
    PublishingRoutes: {
      description: 'Seed 5.1-5: publish the custom routes to ECS, VPN gateways and HaVips.',
      meta: { step: { kind: 'effect', effect: 'ensureRoutePublished', seed: '5.1-5', title: 'Publish a route' } },
      always: { guard: not('morePublished'), target: 'CheckingRoutes', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingRoutePublished', actions: 'compensatePublish' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensatePublish', { type: 'fail', params: { code: 'StepFailed', message: 'publishing a route failed', state: 'PublishingRoutes' } }] },
      },
    },
    AwaitingRoutePublished: {
      meta: { step: { kind: 'wait', effect: 'awaitRoutePublished', pollIntervalMs: DELAYS.cenPollInterval, timeoutMs: DELAYS.cenTimeout, seed: '5.1-5', title: 'Route Published' } },
      on: {
        'STEP.DONE': { target: 'PublishingRoutes', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'a route did not become Published', state: 'AwaitingRoutePublished' } } },
      },
    },
    CheckingRoutes: {
      description: 'Seed 5.1-6: check the routes now that the VPC is attached: which CEN routes the peering routes block.',
      meta: { step: { kind: 'effect', effect: 'checkRoutes', seed: '5.1-6', title: 'Check the routes for conflicts' } },
      on: {
        'STEP.DONE': [
          { guard: 'planRunnable', target: 'VerifyingAttachment', actions: 'storePlan' },
          { target: 'RollingBack', actions: ['storePlan', { type: 'fail', params: { code: 'PlanRefused', message: 'the plan was refused after attaching', state: 'CheckingRoutes' } }] },
        ],
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'checking the routes failed', state: 'CheckingRoutes' } } },
      },
    },
    VerifyingAttachment: {
      description: 'Verification after attaching and publishing: the flows still reach their destinations.',
      meta: { step: { kind: 'effect', effect: 'verifyFlows', seed: '5.1-6', title: 'Verify the flows' } },
      on: {
        'STEP.DONE': [
          { guard: 'verified', target: 'AwaitingApproval', actions: 'recordVerification' },
          { target: 'RollingBack', actions: ['recordVerification', { type: 'fail', params: { code: 'VerificationFailed', message: 'verification after attaching failed', state: 'VerifyingAttachment' } }] },
        ],
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'VerificationFailed', message: 'verification after attaching failed', state: 'VerifyingAttachment' } } },
      },
    },
    AwaitingApproval: {
      description: 'Approval gate before the first change to a route that carries traffic.',
      meta: { step: { kind: 'approval', roles: ['approver', 'admin'], quorum: 1, expiresInMs: DELAYS.approvalExpiry, reason: 'the migration changes peering routes that carry traffic (see the plan in the context)', seed: '5.1-6', title: 'Approve the route changes' } },
      always: { guard: not('hasConflicts'), target: 'VerifyingMigration' },
      on: {
        'APPROVAL.GRANTED': 'ResolvingConflict',
        'APPROVAL.REJECTED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'ApprovalRejected', message: 'rejected' } } },
        'APPROVAL.EXPIRED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'ApprovalExpired', message: 'expired' } } },
      },
    },
    ResolvingConflict: {
      always: [
        { guard: not('moreConflicts'), target: 'VerifyingMigration' },
        { guard: 'smooth', target: 'AddingHalfRoute' },
        { target: 'DeletingPeeringRoute' },
      ],
    },
    AddingHalfRoute: {
      description: 'Seed 5.1-6b: add the halves of the blocked CEN route toward the same router interface.',
      meta: { step: { kind: 'effect', effect: 'ensureHalfRoute', seed: '5.1-6b', title: 'Add a half route' } },
      always: { guard: not('moreHalves'), target: 'DeletingPeeringRoute', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingHalfRouteAvailable', actions: 'compensateHalfRoute' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateHalfRoute', { type: 'fail', params: { code: 'StepFailed', message: 'adding a half route failed', state: 'AddingHalfRoute' } }] },
      },
    },
    AwaitingHalfRouteAvailable: {
      meta: { step: { kind: 'wait', effect: 'awaitHalfRouteAvailable', pollIntervalMs: DELAYS.routePollInterval, timeoutMs: DELAYS.routeTimeout, seed: '5.1-6b', title: 'Half route Available' } },
      on: {
        'STEP.DONE': { target: 'AddingHalfRoute', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'a half route did not become Available', state: 'AwaitingHalfRouteAvailable' } } },
      },
    },
    DeletingPeeringRoute: {
      description: 'Seed 5.1-6c: delete the peering route (intermittent mode: directly, traffic stops until the CEN route is Active).',
      meta: { step: { kind: 'effect', effect: 'removePeeringRoute', seed: '5.1-6c', title: 'Delete the peering route' } },
      on: {
        'STEP.DONE': { target: 'AwaitingPeeringRouteDeleted', actions: 'compensatePeeringRoute' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensatePeeringRoute', { type: 'fail', params: { code: 'StepFailed', message: 'deleting the peering route failed', state: 'DeletingPeeringRoute' } }] },
      },
    },
    AwaitingPeeringRouteDeleted: {
      meta: { step: { kind: 'wait', effect: 'awaitPeeringRouteDeleted', pollIntervalMs: DELAYS.routePollInterval, timeoutMs: DELAYS.routeTimeout, seed: '5.1-6c', title: 'Peering route gone' } },
      on: {
        'STEP.DONE': 'AwaitingCenRouteActive',
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'the peering route was not deleted', state: 'AwaitingPeeringRouteDeleted' } } },
      },
    },
    AwaitingCenRouteActive: {
      description: 'Seed 5.1-6d: refresh until the CEN route takes effect.',
      meta: { step: { kind: 'wait', effect: 'awaitCenRoutesActive', pollIntervalMs: DELAYS.cenRoutePollInterval, timeoutMs: DELAYS.cenTimeout, timeoutContextKey: 'cenRouteActiveTimeoutMs', seed: '5.1-6d', title: 'CEN route Active' } },
      always: [
        { guard: not('cenRoutesTurnActive'), target: 'DeletingHalfRoute' },
      ],
      on: {
        'STEP.DONE': 'DeletingHalfRoute',
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'CenRouteNotActive', message: 'the CEN route did not become Active', state: 'AwaitingCenRouteActive' } } },
      },
    },
    DeletingHalfRoute: {
      description: 'Seed 5.1-6e: after the CEN route takes effect, delete the two half routes.',
      meta: { step: { kind: 'effect', effect: 'removeHalfRoute', seed: '5.1-6e', title: 'Delete a half route' } },
      always: { guard: not('moreHalves'), target: 'VerifyingConflict', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingHalfRouteDeleted', actions: 'compensateHalfRouteRemoval' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateHalfRouteRemoval', { type: 'fail', params: { code: 'StepFailed', message: 'deleting a half route failed', state: 'DeletingHalfRoute' } }] },
      },
    },
    AwaitingHalfRouteDeleted: {
      meta: { step: { kind: 'wait', effect: 'awaitHalfRouteDeleted', pollIntervalMs: DELAYS.routePollInterval, timeoutMs: DELAYS.routeTimeout, seed: '5.1-6e', title: 'Half route gone' } },
      on: {
        'STEP.DONE': { target: 'DeletingHalfRoute', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'a half route was not deleted', state: 'AwaitingHalfRouteDeleted' } } },
      },
    },
    VerifyingConflict: {
      description: 'Verification after each conflict: statuses of the table and the CEN view, and the flows.',
      meta: { step: { kind: 'effect', effect: 'verifyConflict', seed: '5.1-6', title: 'Verify the conflict is resolved' } },
      on: {
        'STEP.DONE': [
          { guard: 'verified', target: 'ResolvingConflict', actions: ['recordVerification', 'nextConflict'] },
          { target: 'RollingBack', actions: ['recordVerification', { type: 'fail', params: { code: 'VerificationFailed', message: 'verification after resolving a conflict failed', state: 'VerifyingConflict' } }] },
        ],
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'VerificationFailed', message: 'verification after resolving a conflict failed', state: 'VerifyingConflict' } } },
      },
    },
    VerifyingMigration: {
      meta: { step: { kind: 'effect', effect: 'verifyMigration', seed: '5.1', title: 'Verify the migration' } },
      on: {
        'STEP.DONE': [
          { guard: 'verified', target: 'Succeeded', actions: 'recordVerification' },
          { target: 'RollingBack', actions: ['recordVerification', { type: 'fail', params: { code: 'VerificationFailed', message: 'final verification failed', state: 'VerifyingMigration' } }] },
        ],
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'VerificationFailed', message: 'final verification failed', state: 'VerifyingMigration' } } },
      },
    },
    ...rollbackStates,
    Succeeded: { type: 'final' },
    ...rollbackFinals,
  },
});
