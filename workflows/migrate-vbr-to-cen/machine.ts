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
 *   5.2-5         AssigningBandwidth ⇄ AwaitingBandwidth (only when params.bandwidth: associate the package, set the bandwidth)
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
import { finalStates, rollBackOnSignals } from '../shared/saga.ts';
import { changeState, waitState } from '../shared/steps.ts';
import { DELAYS, initialContext, migrationOutput, migrationSetup } from '../migration/machine-setup.ts';
import * as phases from '../migration/machine-states.ts';

/** The machine of `migrate-vbr-to-cen`. */
export const migrateVbrToCenMachine = migrationSetup.createMachine({
  id: 'migrate-vbr-to-cen',
  context: ({ input }) => initialContext(input, 'vbr'),
  initial: 'Planning',
  output: ({ context }) => migrationOutput(context),
  on: rollBackOnSignals,
  states: {
    Planning: phases.planningState({
      seed: '5.2',
      description: 'Read the CEN, the VBR (BGP, health checks) and the route tables with their CEN route views; plan; refuse what would cut traffic unannounced.',
      next: 'DisablingVbrHealthCheck',
    }),
    DisablingVbrHealthCheck: changeState('DisablingVbrHealthCheck', {
      description: 'Seed 5.2-1: disable the (Express Connect) health check of the VBR first.',
      effect: 'disableVbrHealthCheck',
      seed: '5.2-1',
      title: 'Disable the VBR health check',
      skip: { guard: not('moreHealthChecks'), target: 'EnablingOverlappingRouting', actions: 'resetItems' },
      next: 'AwaitingVbrHealthCheckDisabled',
      compensate: 'compensateHealthCheck',
      message: 'disabling the VBR health check failed',
    }),
    AwaitingVbrHealthCheckDisabled: waitState('AwaitingVbrHealthCheckDisabled', {
      effect: 'awaitVbrHealthCheckDisabled',
      pollIntervalMs: DELAYS.healthCheckPollInterval,
      timeoutMs: DELAYS.routeTimeout,
      seed: '5.2-1',
      title: 'VBR health check removed',
      done: { target: 'DisablingVbrHealthCheck', actions: 'nextItem' },
      message: 'the VBR health check was not removed',
    }),
    ...phases.overlappingRoutingStates({ seed: '5.2-prereq', next: 'AttachingChildInstance' }),
    AttachingChildInstance: changeState('AttachingChildInstance', {
      description: 'Seed 5.2-4: attach the VBR and the VPC to the CEN instance.',
      effect: 'ensureChildAttached',
      seed: '5.2-4',
      title: 'Attach a child instance',
      skip: { guard: not('moreAttachments'), target: 'AssigningBandwidth', actions: 'resetItems' },
      next: 'AwaitingChildAttached',
      compensate: 'compensateAttachment',
      message: 'attaching a child instance failed',
    }),
    AwaitingChildAttached: waitState('AwaitingChildAttached', {
      effect: 'awaitChildAttached',
      pollIntervalMs: DELAYS.cenPollInterval,
      timeoutMs: DELAYS.cenTimeout,
      seed: '5.2-4',
      title: 'Child instance Attached',
      done: { target: 'AttachingChildInstance', actions: 'nextItem' },
      message: 'a child instance did not become Attached',
    }),
    ...phases.bandwidthStates({ seed: '5.2-5', next: 'PublishingRoutes' }),
    ...phases.publishingStates({ seed: '5.2-6', next: 'CheckingRoutes' }),
    ...phases.checkingStates({
      seed: '5.2-8',
      description: 'Seed 5.2-8: check the routes now that the VBR and VPC are attached: which CEN routes the peering routes block.',
      afterConflicts: 'ConfiguringCenHealthCheck',
    }),
    ...phases.halfRouteStates({
      seed: '5.2-8b',
      description: 'Seed 5.2-8b: add the halves of the blocked CEN route toward the VPC (same router interface).',
      next: 'AdvertisingHalfNetwork',
    }),
    AdvertisingHalfNetwork: changeState('AdvertisingHalfNetwork', {
      description: 'Seed 5.2-8c: for BGP routing, advertise the halves as BGP networks.',
      effect: 'ensureHalfNetwork',
      seed: '5.2-8c',
      title: 'Advertise a half as a BGP network',
      skip: { guard: not('moreBgpNetworks'), target: 'DeletingPeeringRoute', actions: 'resetItems' },
      next: 'AwaitingHalfNetworkAdvertised',
      compensate: 'compensateBgpNetwork',
      message: 'advertising a BGP network failed',
    }),
    AwaitingHalfNetworkAdvertised: waitState('AwaitingHalfNetworkAdvertised', {
      effect: 'awaitHalfNetworkAdvertised',
      pollIntervalMs: DELAYS.bgpPollInterval,
      timeoutMs: DELAYS.routeTimeout,
      seed: '5.2-8c',
      title: 'BGP network advertised',
      done: { target: 'AdvertisingHalfNetwork', actions: 'nextItem' },
      message: 'a BGP network was not advertised',
    }),
    ...phases.peeringRouteStates({ deleteSeed: '5.2-8d', activeSeed: '5.2-8e' }),
    ...phases.halfRouteRemovalStates({
      seed: '5.2-8f',
      description: 'Seed 5.2-8f: delete the two half routes from the VBR route table.',
      next: 'WithdrawingHalfNetwork',
    }),
    WithdrawingHalfNetwork: changeState('WithdrawingHalfNetwork', {
      description: 'Seed 5.2-8f: delete the advertised BGP networks of the halves.',
      effect: 'removeHalfNetwork',
      seed: '5.2-8f',
      title: 'Withdraw a half BGP network',
      skip: { guard: not('moreBgpNetworks'), target: 'VerifyingConflict', actions: 'resetItems' },
      next: 'AwaitingHalfNetworkWithdrawn',
      compensate: 'compensateBgpWithdrawal',
      message: 'withdrawing a BGP network failed',
    }),
    AwaitingHalfNetworkWithdrawn: waitState('AwaitingHalfNetworkWithdrawn', {
      effect: 'awaitHalfNetworkWithdrawn',
      pollIntervalMs: DELAYS.bgpPollInterval,
      timeoutMs: DELAYS.routeTimeout,
      seed: '5.2-8f',
      title: 'BGP network withdrawn',
      done: { target: 'WithdrawingHalfNetwork', actions: 'nextItem' },
      message: 'a BGP network was not withdrawn',
    }),
    VerifyingConflict: phases.verifyingConflictState({ seed: '5.2-8' }),
    ConfiguringCenHealthCheck: changeState('ConfiguringCenHealthCheck', {
      description: 'Seed 5.2-8g: configure the CEN health check of the migrated VBR.',
      effect: 'ensureCenHealthCheck',
      seed: '5.2-8g',
      title: 'Configure the CEN VBR health check',
      skip: { guard: not('cenHealthCheckNeeded'), target: 'VerifyingMigration' },
      next: 'AwaitingCenHealthCheck',
      compensate: 'compensateCenHealthCheck',
      message: 'configuring the CEN health check failed',
    }),
    AwaitingCenHealthCheck: waitState('AwaitingCenHealthCheck', {
      effect: 'awaitCenHealthCheck',
      pollIntervalMs: DELAYS.healthCheckPollInterval,
      timeoutMs: DELAYS.cenTimeout,
      seed: '5.2-8g',
      title: 'CEN VBR health check listed',
      done: 'AwaitingHealthCheckWindow',
      message: 'the CEN health check was not configured',
    }),
    AwaitingHealthCheckWindow: waitState('AwaitingHealthCheckWindow', {
      description:
        'Let the new CEN health check run one full detection window (interval × threshold) before the final verification, so a health check that fails (and withdraws the VBR routes) is seen.',
      effect: 'awaitHealthCheckWindow',
      pollIntervalMs: DELAYS.healthCheckWindow,
      timeoutMs: DELAYS.cenTimeout,
      seed: '5.2-8g',
      title: 'One health-check window',
      done: 'VerifyingMigration',
      message: 'waiting for the health-check window failed',
    }),
    VerifyingMigration: phases.verifyingMigrationState({ seed: '5.2' }),
    ...phases.migrationRollbackStates,
    ...finalStates,
  },
});
