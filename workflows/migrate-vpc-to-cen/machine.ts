/**
 * `migrate-vpc-to-cen`: seed 5.1, "Migrate a VPC in a peering connection to a CEN instance".
 * Read it side by side with the seed: one state per step (`meta.step.seed`), waits as
 * Awaiting… states polled by the runner, the approval gate before the first change to a route
 * that carries traffic, a verification after each phase, and on any failure the saga's
 * compensations replayed newest first (seed 5.3) down to `RolledBack`.
 *
 *   prerequisite  EnablingOverlappingRouting → AwaitingOverlappingRouting
 *   5.1-3         AttachingVpc ⇄ AwaitingVpcAttached
 *   5.1-4         AssigningBandwidth ⇄ AwaitingBandwidth (only when params.bandwidth: associate the package, set the bandwidth)
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
import { finalStates, rollBackOnSignals } from '../shared/saga.ts';
import { changeState, waitState } from '../shared/steps.ts';
import { DELAYS, initialContext, migrationOutput, migrationSetup } from '../migration/machine-setup.ts';
import * as phases from '../migration/machine-states.ts';

/** The machine of `migrate-vpc-to-cen`. */
export const migrateVpcToCenMachine = migrationSetup.createMachine({
  id: 'migrate-vpc-to-cen',
  context: ({ input }) => initialContext(input, 'vpc'),
  initial: 'Planning',
  output: ({ context }) => migrationOutput(context),
  on: rollBackOnSignals,
  states: {
    Planning: phases.planningState({
      seed: '5.1',
      description: 'Read the CEN, the VPC route table and the CEN route view; plan; refuse what would cut traffic unannounced.',
      next: 'EnablingOverlappingRouting',
    }),
    ...phases.overlappingRoutingStates({ seed: '5.1-prereq', next: 'AttachingVpc' }),
    AttachingVpc: changeState('AttachingVpc', {
      description: 'Seed 5.1-3: attach the VPC to the CEN instance.',
      effect: 'ensureChildAttached',
      seed: '5.1-3',
      title: 'Attach the VPC',
      skip: { guard: not('moreAttachments'), target: 'AssigningBandwidth', actions: 'resetItems' },
      next: 'AwaitingVpcAttached',
      compensate: 'compensateAttachment',
      message: 'attaching the VPC failed',
    }),
    AwaitingVpcAttached: waitState('AwaitingVpcAttached', {
      effect: 'awaitChildAttached',
      pollIntervalMs: DELAYS.cenPollInterval,
      timeoutMs: DELAYS.cenTimeout,
      seed: '5.1-3',
      title: 'VPC Attached',
      done: { target: 'AttachingVpc', actions: 'nextItem' },
      message: 'the VPC did not become Attached',
    }),
    ...phases.bandwidthStates({ seed: '5.1-4', next: 'PublishingRoutes' }),
    ...phases.publishingStates({ seed: '5.1-5', next: 'CheckingRoutes' }),
    ...phases.checkingStates({
      seed: '5.1-6',
      description: 'Seed 5.1-6: check the routes now that the VPC is attached: which CEN routes the peering routes block.',
      afterConflicts: 'VerifyingMigration',
    }),
    ...phases.halfRouteStates({
      seed: '5.1-6b',
      description: 'Seed 5.1-6b: add the halves of the blocked CEN route toward the same router interface.',
      next: 'DeletingPeeringRoute',
    }),
    ...phases.peeringRouteStates({ deleteSeed: '5.1-6c', activeSeed: '5.1-6d' }),
    ...phases.halfRouteRemovalStates({
      seed: '5.1-6e',
      description: 'Seed 5.1-6e: after the CEN route takes effect, delete the two half routes.',
      next: 'VerifyingConflict',
    }),
    VerifyingConflict: phases.verifyingConflictState({ seed: '5.1-6' }),
    VerifyingMigration: phases.verifyingMigrationState({ seed: '5.1' }),
    ...phases.migrationRollbackStates,
    ...finalStates,
  },
});
