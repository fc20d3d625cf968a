/**
 * The rollback states shared by the migration machines (seed 5.3): apply the newest compensation,
 * wait until it has taken effect, pop it, repeat; then end in the final state that says why the
 * execution went back (`RolledBack`, `Cancelled`, `Rejected`, `Expired`, or `Failed` when nothing
 * could be undone or an undo step failed). Compensation failures are recorded, not fatal.
 */
import { not } from 'xstate';
import { DELAYS } from './machine-setup.ts';

/** `RollingBack` ⇄ `AwaitingCompensation` → `Concluding`. Spread into a machine built with `migrationSetup`. */
export const rollbackStates = {
  RollingBack: {
    description: 'Seed 5.3: undo the newest change still recorded (re-add what was deleted, remove what was added, re-advertise BGP networks, restore health checks).',
    meta: { step: { kind: 'effect', effect: 'applyCompensation', seed: '5.3', title: 'Roll back one change' } },
    always: { guard: not('hasCompensations'), target: 'Concluding' },
    on: {
      'STEP.DONE': { target: 'AwaitingCompensation', actions: 'compensationApplied' },
      'STEP.FAILED': { target: 'AwaitingCompensation', actions: 'compensationFailed' },
      CANCEL: { actions: 'ignoreSignal' },
      ROLLBACK: { actions: 'ignoreSignal' },
    },
  },
  AwaitingCompensation: {
    meta: { step: { kind: 'wait', effect: 'awaitCompensation', pollIntervalMs: DELAYS.routePollInterval, timeoutMs: DELAYS.cenTimeout, seed: '5.3', title: 'Rolled-back change in effect' } },
    on: {
      'STEP.DONE': { target: 'RollingBack', actions: 'popCompensation' },
      'STEP.FAILED': { target: 'RollingBack', actions: ['waitFailed', 'popCompensation'] },
      CANCEL: { actions: 'ignoreSignal' },
      ROLLBACK: { actions: 'ignoreSignal' },
    },
  },
  Concluding: {
    always: [
      { guard: 'cancelled', target: 'Cancelled' },
      { guard: 'approvalRejected', target: 'Rejected' },
      { guard: 'approvalExpired', target: 'Expired' },
      { guard: 'rollbackIncomplete', target: 'Failed' },
      { guard: 'somethingRolledBack', target: 'RolledBack' },
      { target: 'Failed' },
    ],
  },
} as const;

/** The final states a rollback can end in. */
export const rollbackFinals = {
  RolledBack: { type: 'final' },
  Failed: { type: 'final' },
  Cancelled: { type: 'final' },
  Rejected: { type: 'final' },
  Expired: { type: 'final' },
} as const;
