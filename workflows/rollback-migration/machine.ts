/**
 * `rollback-migration`: seed 5.3, "Roll back the migration", as its own procedure (manual
 * trigger). The undo list comes from a migration execution's record or from the params; in
 * smooth mode every peering route to re-add is preceded by the halves of the CEN routes it will
 * block again ("re-add the deleted detailed routes") so traffic keeps its path, and the halves go
 * once the peering route is back; in intermittent mode the peering route is re-added directly.
 *
 *   PlanningRollback → AwaitingApproval → RollingBack ⇄ AwaitingCompensation → VerifyingRollback → Succeeded
 */
import { not } from 'xstate';
import { DELAYS, initialContext, migrationOutput, migrationSetup } from '../migration/machine-setup.ts';

/** The machine of `rollback-migration`. */
export const rollbackMigrationMachine = migrationSetup.createMachine({
  id: 'rollback-migration',
  context: ({ input }) => initialContext(input, 'rollback'),
  initial: 'PlanningRollback',
  output: ({ context }) => migrationOutput(context),
  on: {
    CANCEL: { target: '.Cancelled', actions: { type: 'fail', params: { code: 'Cancelled', message: 'cancelled' } } },
  },
  states: {
    PlanningRollback: {
      description: 'Seed 5.3: order the undo steps; in smooth mode surround each re-added peering route with the halves of the CEN routes it blocks.',
      meta: { step: { kind: 'effect', effect: 'planRollback', seed: '5.3', title: 'Plan the rollback' } },
      on: {
        'STEP.DONE': { target: 'AwaitingApproval', actions: 'storeCompensations' },
        'STEP.FAILED': { target: 'Failed', actions: { type: 'fail', params: { code: 'PlanningFailed', message: 'planning the rollback failed', state: 'PlanningRollback' } } },
      },
    },
    AwaitingApproval: {
      meta: { step: { kind: 'approval', roles: ['approver', 'admin'], quorum: 1, expiresInMs: DELAYS.approvalExpiry, reason: 'the rollback changes routes that carry traffic (see the undo list in the context)', seed: '5.3', title: 'Approve the rollback' } },
      on: {
        'APPROVAL.GRANTED': 'RollingBack',
        'APPROVAL.REJECTED': { target: 'Rejected', actions: { type: 'fail', params: { code: 'ApprovalRejected', message: 'rejected' } } },
        'APPROVAL.EXPIRED': { target: 'Expired', actions: { type: 'fail', params: { code: 'ApprovalExpired', message: 'expired' } } },
      },
    },
    RollingBack: {
      description: 'Seed 5.3: re-add what was deleted, remove what was added, re-advertise BGP networks, restore health checks.',
      meta: { step: { kind: 'effect', effect: 'applyCompensation', seed: '5.3', title: 'Undo one change' } },
      always: { guard: not('hasCompensations'), target: 'VerifyingRollback' },
      on: {
        'STEP.DONE': { target: 'AwaitingCompensation', actions: 'compensationApplied' },
        'STEP.FAILED': { target: 'AwaitingCompensation', actions: 'compensationFailed' },
        CANCEL: { actions: 'ignoreSignal' },
      },
    },
    AwaitingCompensation: {
      meta: { step: { kind: 'wait', effect: 'awaitCompensation', pollIntervalMs: DELAYS.routePollInterval, timeoutMs: DELAYS.cenTimeout, seed: '5.3', title: 'Undone change in effect' } },
      on: {
        'STEP.DONE': { target: 'RollingBack', actions: 'popCompensation' },
        'STEP.FAILED': { target: 'RollingBack', actions: ['waitFailed', 'popCompensation'] },
        CANCEL: { actions: 'ignoreSignal' },
      },
    },
    VerifyingRollback: {
      meta: { step: { kind: 'effect', effect: 'verifyFlows', seed: '5.3', title: 'Verify the flows' } },
      on: {
        'STEP.DONE': [
          { guard: 'rollbackIncomplete', target: 'Failed', actions: ['recordVerification', { type: 'fail', params: { code: 'RollbackIncomplete', message: 'some undo steps failed' } }] },
          { guard: 'verified', target: 'Succeeded', actions: 'recordVerification' },
          { target: 'Failed', actions: ['recordVerification', { type: 'fail', params: { code: 'VerificationFailed', message: 'verification after the rollback failed', state: 'VerifyingRollback' } }] },
        ],
        'STEP.FAILED': { target: 'Failed', actions: { type: 'fail', params: { code: 'VerificationFailed', message: 'verification after the rollback failed', state: 'VerifyingRollback' } } },
      },
    },
    Succeeded: { type: 'final' },
    Failed: { type: 'final' },
    Cancelled: { type: 'final' },
    Rejected: { type: 'final' },
    Expired: { type: 'final' },
  },
});
