/**
 * `migrate-vbr-to-cen`: seed 5.2, "Migrate a VBR in a peering connection to a CEN instance".
 * Read it side by side with the seed: one state per step (`meta.step.seed`), waits as
 * Awaiting… states polled by the runner, the approval gate before the first change to a route
 * that carries traffic, a verification after each phase, and on any failure the saga's
 * compensations replayed newest first (seed 5.3) down to `RolledBack`.
 *
 *   5.2-1         DisablingVbrHealthCheck ⇄ AwaitingVbrHealthCheckDisabled
 *   prerequisite  EnablingOverlappingRouting → AwaitingOverlappingRouting
 *   5.2-4         AttachingChildInstance ⇄ AwaitingChildAttached (the VBR, then the VPC)
 *   5.2-5         AssigningBandwidth (only when params.bandwidth)
 *   5.2-6         PublishingRoutes ⇄ AwaitingRoutePublished
 *   5.2-7         (PrivateZone / OSS access: not part of this procedure)
 *   5.2-8         CheckingRoutes → VerifyingAttachment → AwaitingApproval → per conflict:
 *     smooth      AddingHalfRoute ⇄ AwaitingHalfRouteAvailable (8b) →
 *                 AdvertisingHalfNetwork ⇄ AwaitingHalfNetworkAdvertised (8c, BGP only) →
 *                 DeletingPeeringRoute → AwaitingPeeringRouteDeleted (8d) → AwaitingCenRouteActive (8e) →
 *                 DeletingHalfRoute ⇄ AwaitingHalfRouteDeleted (8f) →
 *                 WithdrawingHalfNetwork ⇄ AwaitingHalfNetworkWithdrawn (8f, BGP only) → VerifyingConflict
 *     intermittent DeletingPeeringRoute → AwaitingPeeringRouteDeleted → AwaitingCenRouteActive → VerifyingConflict
 *   5.2-8g        ConfiguringCenHealthCheck → AwaitingCenHealthCheck → AwaitingHealthCheckWindow
 *   end           VerifyingMigration → Succeeded
 *   5.3           RollingBack ⇄ AwaitingCompensation → RolledBack | Failed | Cancelled | Rejected | Expired
 */
import { not } from 'xstate';
import { DELAYS, initialContext, migrationOutput, migrationSetup } from '../migration/machine-setup.ts';
import { rollbackFinals, rollbackStates } from '../migration/machine-rollback.ts';

/** The machine of `migrate-vbr-to-cen`. */
export const migrateVbrToCenMachine = migrationSetup.createMachine({
  id: 'migrate-vbr-to-cen',
  context: ({ input }) => initialContext(input, 'vbr'),
  initial: 'Planning',
  output: ({ context }) => migrationOutput(context),
  on: {
    CANCEL: { target: '.RollingBack', actions: { type: 'fail', params: { code: 'Cancelled', message: 'cancelled' } } },
    ROLLBACK: { target: '.RollingBack', actions: { type: 'fail', params: { code: 'RollbackRequested', message: 'rollback requested' } } },
  },
  states: {
    Planning: {
      description: 'Read the CEN, the VBR (BGP, health checks) and the route tables with their CEN route views; plan; refuse what would cut traffic unannounced.',
      meta: { step: { kind: 'effect', effect: 'readAndPlan', seed: '5.2', title: 'Plan the migration' } },
      on: {
        'STEP.DONE': [
          { guard: 'planRunnable', target: 'DisablingVbrHealthCheck', actions: 'storePlan' },
          { target: 'RollingBack', actions: ['storePlan', { type: 'fail', params: { code: 'PlanRefused', message: 'the plan was refused', state: 'Planning' } }] },
        ],
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'PlanningFailed', message: 'planning failed', state: 'Planning' } } },
      },
    },
    DisablingVbrHealthCheck: {
      description: 'Seed 5.2-1: disable the (Express Connect) health check of the VBR first.',
      meta: { step: { kind: 'effect', effect: 'disableVbrHealthCheck', seed: '5.2-1', title: 'Disable the VBR health check' } },
      always: { guard: not('moreHealthChecks'), target: 'EnablingOverlappingRouting', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingVbrHealthCheckDisabled', actions: 'compensateHealthCheck' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateHealthCheck', { type: 'fail', params: { code: 'StepFailed', message: 'disabling the VBR health check failed', state: 'DisablingVbrHealthCheck' } }] },
      },
    },
    AwaitingVbrHealthCheckDisabled: {
      meta: { step: { kind: 'wait', effect: 'awaitVbrHealthCheckDisabled', pollIntervalMs: DELAYS.healthCheckPollInterval, timeoutMs: DELAYS.routeTimeout, seed: '5.2-1', title: 'VBR health check removed' } },
      on: {
        'STEP.DONE': { target: 'DisablingVbrHealthCheck', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'the VBR health check was not removed', state: 'AwaitingVbrHealthCheckDisabled' } } },
      },
    },
    EnablingOverlappingRouting: {
      description: 'Prerequisite: the CEN must allow overlapping routes (ProtectionLevel=REDUCED).',
      meta: { step: { kind: 'effect', effect: 'ensureOverlappingRouting', seed: '5.2-prereq', title: 'Enable overlapping routing' } },
      always: { guard: not('protectionChangeNeeded'), target: 'AttachingChildInstance' },
      on: {
        'STEP.DONE': { target: 'AwaitingOverlappingRouting', actions: 'compensateProtectionLevel' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateProtectionLevel', { type: 'fail', params: { code: 'StepFailed', message: 'enabling overlapping routing failed', state: 'EnablingOverlappingRouting' } }] },
      },
    },
    AwaitingOverlappingRouting: {
      meta: { step: { kind: 'wait', effect: 'awaitOverlappingRouting', pollIntervalMs: DELAYS.cenModifyPollInterval, timeoutMs: DELAYS.cenTimeout, seed: '5.2-prereq', title: 'CEN Active with ProtectionLevel=REDUCED' } },
      on: {
        'STEP.DONE': 'AttachingChildInstance',
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'the CEN did not become Active', state: 'AwaitingOverlappingRouting' } } },
      },
    },
    AttachingChildInstance: {
      description: 'Seed 5.2-4: attach the VBR and the VPC to the CEN instance.',
      meta: { step: { kind: 'effect', effect: 'ensureChildAttached', seed: '5.2-4', title: 'Attach a child instance' } },
      always: { guard: not('moreAttachments'), target: 'AssigningBandwidth', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingChildAttached', actions: 'compensateAttachment' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateAttachment', { type: 'fail', params: { code: 'StepFailed', message: 'attaching a child instance failed', state: 'AttachingChildInstance' } }] },
      },
    },
    AwaitingChildAttached: {
      meta: { step: { kind: 'wait', effect: 'awaitChildAttached', pollIntervalMs: DELAYS.cenPollInterval, timeoutMs: DELAYS.cenTimeout, seed: '5.2-4', title: 'Child instance Attached' } },
      on: {
        'STEP.DONE': { target: 'AttachingChildInstance', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'a child instance did not become Attached', state: 'AwaitingChildAttached' } } },
      },
    },
    AssigningBandwidth: {
      description: 'Seed 5.2-5: cross-region bandwidth, only when the params ask for it.',
      meta: { step: { kind: 'effect', effect: 'ensureBandwidth', seed: '5.2-5', title: 'Cross-region bandwidth' } },
      always: { guard: not('bandwidthRequested'), target: 'PublishingRoutes' },
      on: {
        'STEP.DONE': 'PublishingRoutes',
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'assigning bandwidth failed', state: 'AssigningBandwidth' } } },
      },
    },
    PublishingRoutes: {
      description: 'Seed 5.2-6: publish the custom routes to ECS, VPN gateways and HaVips.',
      meta: { step: { kind: 'effect', effect: 'ensureRoutePublished', seed: '5.2-6', title: 'Publish a route' } },
      always: { guard: not('morePublished'), target: 'CheckingRoutes', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingRoutePublished', actions: 'compensatePublish' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensatePublish', { type: 'fail', params: { code: 'StepFailed', message: 'publishing a route failed', state: 'PublishingRoutes' } }] },
      },
    },
    AwaitingRoutePublished: {
      meta: { step: { kind: 'wait', effect: 'awaitRoutePublished', pollIntervalMs: DELAYS.cenPollInterval, timeoutMs: DELAYS.cenTimeout, seed: '5.2-6', title: 'Route Published' } },
      on: {
        'STEP.DONE': { target: 'PublishingRoutes', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'a route did not become Published', state: 'AwaitingRoutePublished' } } },
      },
    },
    CheckingRoutes: {
      description: 'Seed 5.2-8: check the routes now that the VBR and VPC are attached: which CEN routes the peering routes block.',
      meta: { step: { kind: 'effect', effect: 'checkRoutes', seed: '5.2-8', title: 'Check the routes for conflicts' } },
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
      meta: { step: { kind: 'effect', effect: 'verifyFlows', seed: '5.2-8', title: 'Verify the flows' } },
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
      meta: { step: { kind: 'approval', roles: ['approver', 'admin'], quorum: 1, expiresInMs: DELAYS.approvalExpiry, reason: 'the migration changes peering routes that carry traffic (see the plan in the context)', seed: '5.2-8', title: 'Approve the route changes' } },
      always: { guard: not('hasConflicts'), target: 'ConfiguringCenHealthCheck' },
      on: {
        'APPROVAL.GRANTED': 'ResolvingConflict',
        'APPROVAL.REJECTED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'ApprovalRejected', message: 'rejected' } } },
        'APPROVAL.EXPIRED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'ApprovalExpired', message: 'expired' } } },
      },
    },
    ResolvingConflict: {
      always: [
        { guard: not('moreConflicts'), target: 'ConfiguringCenHealthCheck' },
        { guard: 'smooth', target: 'AddingHalfRoute' },
        { target: 'DeletingPeeringRoute' },
      ],
    },
    AddingHalfRoute: {
      description: 'Seed 5.2-8b: add the halves of the blocked CEN route toward the VPC (same router interface).',
      meta: { step: { kind: 'effect', effect: 'ensureHalfRoute', seed: '5.2-8b', title: 'Add a half route' } },
      always: { guard: not('moreHalves'), target: 'AdvertisingHalfNetwork', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingHalfRouteAvailable', actions: 'compensateHalfRoute' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateHalfRoute', { type: 'fail', params: { code: 'StepFailed', message: 'adding a half route failed', state: 'AddingHalfRoute' } }] },
      },
    },
    AwaitingHalfRouteAvailable: {
      meta: { step: { kind: 'wait', effect: 'awaitHalfRouteAvailable', pollIntervalMs: DELAYS.routePollInterval, timeoutMs: DELAYS.routeTimeout, seed: '5.2-8b', title: 'Half route Available' } },
      on: {
        'STEP.DONE': { target: 'AddingHalfRoute', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'a half route did not become Available', state: 'AwaitingHalfRouteAvailable' } } },
      },
    },
    AdvertisingHalfNetwork: {
      description: 'Seed 5.2-8c: for BGP routing, advertise the halves as BGP networks.',
      meta: { step: { kind: 'effect', effect: 'ensureHalfNetwork', seed: '5.2-8c', title: 'Advertise a half as a BGP network' } },
      always: { guard: not('moreBgpNetworks'), target: 'DeletingPeeringRoute', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingHalfNetworkAdvertised', actions: 'compensateBgpNetwork' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateBgpNetwork', { type: 'fail', params: { code: 'StepFailed', message: 'advertising a BGP network failed', state: 'AdvertisingHalfNetwork' } }] },
      },
    },
    AwaitingHalfNetworkAdvertised: {
      meta: { step: { kind: 'wait', effect: 'awaitHalfNetworkAdvertised', pollIntervalMs: DELAYS.bgpPollInterval, timeoutMs: DELAYS.routeTimeout, seed: '5.2-8c', title: 'BGP network advertised' } },
      on: {
        'STEP.DONE': { target: 'AdvertisingHalfNetwork', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'a BGP network was not advertised', state: 'AwaitingHalfNetworkAdvertised' } } },
      },
    },
    DeletingPeeringRoute: {
      description: 'Seed 5.2-8d: delete the peering route (intermittent mode: directly, traffic stops until the CEN route is Active).',
      meta: { step: { kind: 'effect', effect: 'removePeeringRoute', seed: '5.2-8d', title: 'Delete the peering route' } },
      on: {
        'STEP.DONE': { target: 'AwaitingPeeringRouteDeleted', actions: 'compensatePeeringRoute' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensatePeeringRoute', { type: 'fail', params: { code: 'StepFailed', message: 'deleting the peering route failed', state: 'DeletingPeeringRoute' } }] },
      },
    },
    AwaitingPeeringRouteDeleted: {
      meta: { step: { kind: 'wait', effect: 'awaitPeeringRouteDeleted', pollIntervalMs: DELAYS.routePollInterval, timeoutMs: DELAYS.routeTimeout, seed: '5.2-8d', title: 'Peering route gone' } },
      on: {
        'STEP.DONE': 'AwaitingCenRouteActive',
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'the peering route was not deleted', state: 'AwaitingPeeringRouteDeleted' } } },
      },
    },
    AwaitingCenRouteActive: {
      description: 'Seed 5.2-8e: refresh until the CEN route takes effect.',
      meta: { step: { kind: 'wait', effect: 'awaitCenRoutesActive', pollIntervalMs: DELAYS.cenRoutePollInterval, timeoutMs: DELAYS.cenTimeout, timeoutContextKey: 'cenRouteActiveTimeoutMs', seed: '5.2-8e', title: 'CEN route Active' } },
      always: [
        { guard: not('cenRoutesTurnActive'), target: 'DeletingHalfRoute' },
      ],
      on: {
        'STEP.DONE': 'DeletingHalfRoute',
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'CenRouteNotActive', message: 'the CEN route did not become Active', state: 'AwaitingCenRouteActive' } } },
      },
    },
    DeletingHalfRoute: {
      description: 'Seed 5.2-8f: delete the two half routes from the VBR route table.',
      meta: { step: { kind: 'effect', effect: 'removeHalfRoute', seed: '5.2-8f', title: 'Delete a half route' } },
      always: { guard: not('moreHalves'), target: 'WithdrawingHalfNetwork', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingHalfRouteDeleted', actions: 'compensateHalfRouteRemoval' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateHalfRouteRemoval', { type: 'fail', params: { code: 'StepFailed', message: 'deleting a half route failed', state: 'DeletingHalfRoute' } }] },
      },
    },
    AwaitingHalfRouteDeleted: {
      meta: { step: { kind: 'wait', effect: 'awaitHalfRouteDeleted', pollIntervalMs: DELAYS.routePollInterval, timeoutMs: DELAYS.routeTimeout, seed: '5.2-8f', title: 'Half route gone' } },
      on: {
        'STEP.DONE': { target: 'DeletingHalfRoute', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'a half route was not deleted', state: 'AwaitingHalfRouteDeleted' } } },
      },
    },
    WithdrawingHalfNetwork: {
      description: 'Seed 5.2-8f: delete the advertised BGP networks of the halves.',
      meta: { step: { kind: 'effect', effect: 'removeHalfNetwork', seed: '5.2-8f', title: 'Withdraw a half BGP network' } },
      always: { guard: not('moreBgpNetworks'), target: 'VerifyingConflict', actions: 'resetItems' },
      on: {
        'STEP.DONE': { target: 'AwaitingHalfNetworkWithdrawn', actions: 'compensateBgpWithdrawal' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateBgpWithdrawal', { type: 'fail', params: { code: 'StepFailed', message: 'withdrawing a BGP network failed', state: 'WithdrawingHalfNetwork' } }] },
      },
    },
    AwaitingHalfNetworkWithdrawn: {
      meta: { step: { kind: 'wait', effect: 'awaitHalfNetworkWithdrawn', pollIntervalMs: DELAYS.bgpPollInterval, timeoutMs: DELAYS.routeTimeout, seed: '5.2-8f', title: 'BGP network withdrawn' } },
      on: {
        'STEP.DONE': { target: 'WithdrawingHalfNetwork', actions: 'nextItem' },
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'a BGP network was not withdrawn', state: 'AwaitingHalfNetworkWithdrawn' } } },
      },
    },
    VerifyingConflict: {
      description: 'Verification after each conflict: statuses of the table and the CEN view, and the flows.',
      meta: { step: { kind: 'effect', effect: 'verifyConflict', seed: '5.2-8', title: 'Verify the conflict is resolved' } },
      on: {
        'STEP.DONE': [
          { guard: 'verified', target: 'ResolvingConflict', actions: ['recordVerification', 'nextConflict'] },
          { target: 'RollingBack', actions: ['recordVerification', { type: 'fail', params: { code: 'VerificationFailed', message: 'verification after resolving a conflict failed', state: 'VerifyingConflict' } }] },
        ],
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'VerificationFailed', message: 'verification after resolving a conflict failed', state: 'VerifyingConflict' } } },
      },
    },
    ConfiguringCenHealthCheck: {
      description: 'Seed 5.2-8g: configure the CEN health check of the migrated VBR.',
      meta: { step: { kind: 'effect', effect: 'ensureCenHealthCheck', seed: '5.2-8g', title: 'Configure the CEN VBR health check' } },
      always: { guard: not('cenHealthCheckNeeded'), target: 'VerifyingMigration' },
      on: {
        'STEP.DONE': { target: 'AwaitingCenHealthCheck', actions: 'compensateCenHealthCheck' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['compensateCenHealthCheck', { type: 'fail', params: { code: 'StepFailed', message: 'configuring the CEN health check failed', state: 'ConfiguringCenHealthCheck' } }] },
      },
    },
    AwaitingCenHealthCheck: {
      meta: { step: { kind: 'wait', effect: 'awaitCenHealthCheck', pollIntervalMs: DELAYS.healthCheckPollInterval, timeoutMs: DELAYS.cenTimeout, seed: '5.2-8g', title: 'CEN VBR health check listed' } },
      on: {
        'STEP.DONE': 'AwaitingHealthCheckWindow',
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'the CEN health check was not configured', state: 'AwaitingCenHealthCheck' } } },
      },
    },
    AwaitingHealthCheckWindow: {
      description: 'Let the new CEN health check run one full detection window (interval × threshold) before the final verification, so a health check that fails (and withdraws the VBR routes) is seen.',
      meta: { step: { kind: 'wait', effect: 'awaitHealthCheckWindow', pollIntervalMs: DELAYS.healthCheckWindow, timeoutMs: DELAYS.cenTimeout, seed: '5.2-8g', title: 'One health-check window' } },
      on: {
        'STEP.DONE': 'VerifyingMigration',
        'STEP.FAILED': { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'waiting for the health-check window failed', state: 'AwaitingHealthCheckWindow' } } },
      },
    },
    VerifyingMigration: {
      meta: { step: { kind: 'effect', effect: 'verifyMigration', seed: '5.2', title: 'Verify the migration' } },
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
