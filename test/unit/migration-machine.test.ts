import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { Json, RunnerEvent, StepMeta } from '../../src/engine/types.ts';
import { migrateVpcToCenMachine } from '../../workflows/migrate-vpc-to-cen/machine.ts';
import { migrateVbrToCenMachine } from '../../workflows/migrate-vbr-to-cen/machine.ts';
import { planMigration } from '../../workflows/migration/planner.ts';
import type { MigrationContext } from '../../workflows/migration/machine-setup.ts';
import { params, seed51 } from '../support/migration-fixtures.ts';

const input = (approvalRequired = true) => ({ params: {}, executionId: 'ex-1', requestedBy: 'alice', approvalRequired });
const done = (output: Json): RunnerEvent => ({ type: 'STEP.DONE', output });
const failed = (code: string): RunnerEvent => ({ type: 'STEP.FAILED', error: { name: 'X', kind: 'cloud_permanent', code, message: code, retryable: false } });

/** The leaf state and its step. */
function at(machine: AnyStateMachine, s: AnyMachineSnapshot): { state: string; step?: StepMeta } {
  const state = String(s.value);
  const node = machine.getStateNodeById(`${machine.id}.${state}`);
  return { state, step: (node.meta as { step?: StepMeta } | undefined)?.step };
}

/** Drives the machine with `reply(state)` until it rests in a final state; returns the states visited. */
function drive(machine: AnyStateMachine, reply: (state: string, ctx: MigrationContext) => RunnerEvent, approvalRequired = true): { path: string[]; snapshot: AnyMachineSnapshot } {
  let [s] = initialTransition(machine, input(approvalRequired));
  const path: string[] = [];
  for (let i = 0; i < 200 && s.status === 'active'; i++) {
    const { state } = at(machine, s);
    path.push(state);
    [s] = transition(machine, s, reply(state, s.context as MigrationContext));
  }
  path.push(String(s.value));
  return { path, snapshot: s };
}

const smoothPlan = planMigration('migrate-vpc-to-cen', seed51(), params({ acknowledgeRemainder: true }));

describe('migrate-vpc-to-cen machine (transition level)', () => {
  test('smooth mode follows seed 5.1 step by step: halves, delete, wait Active, delete halves', () => {
    // Prepare
    const reply = (state: string): RunnerEvent =>
      state === 'AwaitingApproval' ? { type: 'APPROVAL.GRANTED', approvers: ['bob'] }
        : state === 'Planning' || state === 'CheckingRoutes' ? done({ plan: smoothPlan as unknown as Json })
        : state.startsWith('Verifying') ? done({ ok: true })
        : state.startsWith('Awaiting') ? done({ ready: true })
        : done({ changed: true, requestIds: ['r'] });
    // Act
    const { path, snapshot } = drive(migrateVpcToCenMachine, reply);
    // Assess
    assert.deepEqual(path, [
      'Planning',
      'CheckingRoutes',
      'VerifyingAttachment',
      'AwaitingApproval',
      'AddingHalfRoute',
      'AwaitingHalfRouteAvailable',
      'AddingHalfRoute',
      'AwaitingHalfRouteAvailable',
      'DeletingPeeringRoute',
      'AwaitingPeeringRouteDeleted',
      'AwaitingCenRouteActive',
      'DeletingHalfRoute',
      'AwaitingHalfRouteDeleted',
      'DeletingHalfRoute',
      'AwaitingHalfRouteDeleted',
      'VerifyingConflict',
      'VerifyingMigration',
      'Succeeded',
    ]);
    assert.equal((snapshot.output as { outcome: string }).outcome, 'Succeeded');
  });

  test('every resting state names its effect and seed step in meta', () => {
    for (const machine of [migrateVpcToCenMachine, migrateVbrToCenMachine]) {
      for (const [key, node] of Object.entries(machine.root.states)) {
        if (node.type === 'final' || node.always?.length && !node.meta) continue;
        const step = (node.meta as { step?: StepMeta } | undefined)?.step;
        assert.ok(step, `${machine.id}.${key} has meta.step`);
        assert.ok(step.seed, `${machine.id}.${key} names its seed step`);
      }
    }
  });

  test('a failed verification after the peering route is deleted replays the compensations newest first', () => {
    // Prepare: verification fails after the conflict; record which compensation each RollingBack sees.
    const seen: string[] = [];
    const reply = (state: string, ctx: MigrationContext): RunnerEvent => {
      if (state === 'RollingBack') {
        const c = ctx.compensations[0];
        seen.push(`${c.kind} ${'destinationCidrBlock' in c ? c.destinationCidrBlock : ''}`.trim());
      }
      return state === 'AwaitingApproval' ? { type: 'APPROVAL.GRANTED', approvers: ['bob'] }
        : state === 'Planning' || state === 'CheckingRoutes' ? done({ plan: smoothPlan as unknown as Json })
        : state === 'VerifyingConflict' ? done({ ok: false, reason: 'flow db unreachable' })
        : state.startsWith('Verifying') ? done({ ok: true })
        : state.startsWith('Awaiting') ? done({ ready: true })
        : done({ changed: true, requestIds: [] });
    };
    // Act
    const { snapshot } = drive(migrateVpcToCenMachine, reply);
    // Assess
    assert.equal(String(snapshot.value), 'RolledBack');
    assert.deepEqual(seen, [
      'restoreRoute 172.16.1.128/25',
      'restoreRoute 172.16.1.0/25',
      'restoreRoute 172.16.0.0/16',
      'removeRoute 172.16.1.128/25',
      'removeRoute 172.16.1.0/25',
    ]);
    const out = snapshot.output as { outcome: string; failure: { message: string; state: string } };
    assert.equal(out.outcome, 'VerificationFailed');
    assert.equal(out.failure.message, 'flow db unreachable');
    assert.equal(out.failure.state, 'VerifyingConflict');
  });

  test('outcomes by final state', () => {
    const cases: { case: string; reply: (state: string) => RunnerEvent; final: string }[] = [
      {
        case: 'refused plan: nothing to undo → Failed',
        reply: () => done({ plan: { ...smoothPlan, runnable: false } as unknown as Json }),
        final: 'Failed',
      },
      {
        case: 'approval rejected → Rejected',
        reply: (s) => (s === 'AwaitingApproval' ? { type: 'APPROVAL.REJECTED', by: 'bob' } : s === 'Planning' || s === 'CheckingRoutes' ? done({ plan: smoothPlan as unknown as Json }) : done({ ok: true })),
        final: 'Rejected',
      },
      {
        case: 'approval expired → Expired',
        reply: (s) => (s === 'AwaitingApproval' ? { type: 'APPROVAL.EXPIRED' } : s === 'Planning' || s === 'CheckingRoutes' ? done({ plan: smoothPlan as unknown as Json }) : done({ ok: true })),
        final: 'Expired',
      },
      {
        case: 'cancel while waiting for approval → Cancelled',
        reply: (s) => (s === 'AwaitingApproval' ? { type: 'CANCEL', by: 'alice' } : s === 'Planning' || s === 'CheckingRoutes' ? done({ plan: smoothPlan as unknown as Json }) : done({ ok: true })),
        final: 'Cancelled',
      },
      {
        case: 'a compensation that fails → Failed (rollback incomplete)',
        reply: (s) =>
          s === 'AwaitingApproval' ? { type: 'APPROVAL.GRANTED', approvers: [] }
            : s === 'Planning' || s === 'CheckingRoutes' ? done({ plan: smoothPlan as unknown as Json })
            : s === 'DeletingPeeringRoute' ? failed('Forbidden.RAM')
            : s === 'RollingBack' ? failed('InternalError')
            : s.startsWith('Verifying') ? done({ ok: true })
            : s.startsWith('Awaiting') ? done({ ready: true })
            : done({ changed: true }),
        final: 'Failed',
      },
    ];
    for (const k of cases) {
      const { snapshot } = drive(migrateVpcToCenMachine, k.reply);
      assert.equal(String(snapshot.value), k.final, k.case);
    }
  });

  test('intermittent mode skips the halves', () => {
    const plan = planMigration('migrate-vpc-to-cen', seed51(), params({ mode: 'intermittent', acknowledgeRemainder: true }));
    const reply = (state: string): RunnerEvent =>
      state === 'AwaitingApproval' ? { type: 'APPROVAL.GRANTED', approvers: [] }
        : state === 'Planning' || state === 'CheckingRoutes' ? done({ plan: plan as unknown as Json })
        : state.startsWith('Verifying') ? done({ ok: true })
        : state.startsWith('Awaiting') ? done({ ready: true })
        : done({ changed: true });
    const { path } = drive(migrateVpcToCenMachine, reply);
    assert.deepEqual(path.slice(3), ['AwaitingApproval', 'DeletingPeeringRoute', 'AwaitingPeeringRouteDeleted', 'AwaitingCenRouteActive', 'VerifyingConflict', 'VerifyingMigration', 'Succeeded']);
  });
});
