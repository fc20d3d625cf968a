/**
 * `rollback-migration`: seed 5.3, "Roll back the migration", as its own procedure (manual
 * trigger). The undo list comes from a migration execution's record or from the params; in
 * smooth mode every peering route to re-add is preceded by the halves of the CEN routes it will
 * block again ("re-add the deleted detailed routes") so traffic keeps its path, and the halves go
 * once the peering route is back; in intermittent mode the peering route is re-added directly.
 *
 *   PlanningRollback → AwaitingApproval → RollingBack ⇄ AwaitingCompensation → VerifyingRollback → Succeeded
 */
import { compensationStates, endStates } from '../shared/saga.ts';
import { approvalState, effectState, endOnCancel, failed, verifyState } from '../shared/steps.ts';
import { DELAYS, initialContext, migrationOutput, migrationSetup } from '../migration/machine-setup.ts';

/** The machine of `rollback-migration`. */
export const rollbackMigrationMachine = migrationSetup.createMachine({
  id: 'rollback-migration',
  context: ({ input }) => initialContext(input, 'rollback'),
  initial: 'PlanningRollback',
  output: ({ context }) => migrationOutput(context),
  on: endOnCancel,
  states: {
    PlanningRollback: effectState('PlanningRollback', {
      description: 'Seed 5.3: order the undo steps; in smooth mode surround each re-added peering route with the halves of the CEN routes it blocks.',
      effect: 'planRollback',
      seed: '5.3',
      title: 'Plan the rollback',
      done: { target: 'AwaitingApproval', actions: 'storeCompensations' },
      code: 'PlanningFailed',
      message: 'planning the rollback failed',
      failTo: 'Failed',
    }),
    AwaitingApproval: approvalState({
      expiresInMs: DELAYS.approvalExpiry,
      reason: 'the rollback changes routes that carry traffic (see the undo list in the context)',
      seed: '5.3',
      title: 'Approve the rollback',
      granted: 'RollingBack',
      endOnRefusal: true,
    }),
    // While undoing, CANCEL is ignored; ROLLBACK is no event of this procedure.
    ...compensationStates({
      pollIntervalMs: DELAYS.routePollInterval,
      timeoutMs: DELAYS.cenTimeout,
      seed: '5.3',
      description: 'Seed 5.3: re-add what was deleted, remove what was added, re-advertise BGP networks, restore health checks.',
      titles: { apply: 'Undo one change', await: 'Undone change in effect' },
      then: 'VerifyingRollback',
      ignore: ['CANCEL'],
    }),
    VerifyingRollback: verifyState('VerifyingRollback', {
      effect: 'verifyFlows',
      seed: '5.3',
      title: 'Verify the flows',
      before: [
        { guard: 'rollbackIncomplete', target: 'Failed', actions: ['recordVerification', failed('RollbackIncomplete', 'some undo steps failed')] },
      ],
      next: 'Succeeded',
      record: 'recordVerification',
      message: 'verification after the rollback failed',
      failTo: 'Failed',
    }),
    ...endStates,
  },
});
