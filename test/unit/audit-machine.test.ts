import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { Json, JsonObject, RunnerEvent, StepMeta } from '../../src/engine/types.ts';
import { healthAuditMachine } from '../../workflows/health-audit/machine.ts';
import { cleanupMachine } from '../../workflows/health-audit/cleanup/machine.ts';

const done = (output: Json): RunnerEvent => ({ type: 'STEP.DONE', output });
const failed = (code: string): RunnerEvent => ({ type: 'STEP.FAILED', error: { name: 'X', kind: 'cloud_permanent', code, message: code, retryable: false } });

function stepOf(machine: AnyStateMachine, s: AnyMachineSnapshot): StepMeta | undefined {
  const node = machine.getStateNodeById(`${machine.id}.${String(s.value)}`);
  return (node.meta as { step?: StepMeta } | undefined)?.step;
}

/** Drives a machine with `reply(state, n)` until final; returns the states visited. */
function drive(machine: AnyStateMachine, params: JsonObject, reply: (state: string, n: number) => RunnerEvent): { path: string[]; snapshot: AnyMachineSnapshot } {
  let [s] = initialTransition(machine, { params, executionId: 'ex-1', requestedBy: 'alice', approvalRequired: true });
  const path: string[] = [];
  for (let n = 0; n < 100 && s.status === 'active'; n++) {
    const state = String(s.value);
    path.push(state);
    assert.ok(stepOf(machine, s), `${state} names a step`);
    [s] = transition(machine, s, reply(state, n));
  }
  path.push(String(s.value));
  return { path, snapshot: s };
}

describe('health-audit machine (transition level)', () => {
  test('audits, then proposes remediations, then succeeds with both summaries as output', () => {
    // Act
    const { path, snapshot } = drive(healthAuditMachine, {}, (state) => (state === 'Auditing' ? done({ runId: 'ex-1', counts: { critical: 1 } }) : done({ proposed: 1 })));
    // Assess
    assert.deepEqual(path, ['Auditing', 'ProposingRemediations', 'Succeeded']);
    assert.deepEqual(snapshot.output, { runId: 'ex-1', summary: { runId: 'ex-1', counts: { critical: 1 } }, remediations: { proposed: 1 }, failure: null });
  });

  test('skips the proposals when the audit says not to propose', () => {
    const { path } = drive(healthAuditMachine, {}, () => done({ proposeRemediations: false }));
    assert.deepEqual(path, ['Auditing', 'Succeeded']);
  });

  test('a failed read ends in Failed with the cause', () => {
    // Act
    const { path, snapshot } = drive(healthAuditMachine, {}, () => failed('Forbidden.RAM'));
    // Assess
    assert.deepEqual(path, ['Auditing', 'Failed']);
    assert.equal((snapshot.context as { failure: { code: string; message: string } }).failure.code, 'AuditFailed');
    assert.match((snapshot.context as { failure: { message: string } }).failure.message, /Forbidden\.RAM/);
  });
});

describe('remove-migration-leftovers machine (transition level)', () => {
  const routes = [
    { destinationCidrBlock: '172.16.1.0/25', nextHops: [{ nextHopType: 'RouterInterface', nextHopId: 'ri-1' }] },
    { destinationCidrBlock: '172.16.1.128/25', nextHops: [{ nextHopType: 'RouterInterface', nextHopId: 'ri-1' }] },
  ];
  const params = { routes } as unknown as JsonObject;
  const happy = (state: string): RunnerEvent =>
    state === 'CheckingSafety' ? done({ safe: true })
      : state === 'AwaitingApproval' ? { type: 'APPROVAL.GRANTED', approvers: ['bob'] }
      : state === 'VerifyingRemoval' ? done({ ok: true })
      : state.startsWith('Awaiting') ? done({ ready: true })
      : done({ changed: true, requestIds: ['r'] });

  test('checks safety, waits for approval, removes one half at a time, verifies', () => {
    const { path } = drive(cleanupMachine, params, happy);
    assert.deepEqual(path, ['CheckingSafety', 'AwaitingApproval', 'RemovingRoute', 'AwaitingRouteRemoved', 'RemovingRoute', 'AwaitingRouteRemoved', 'VerifyingRemoval', 'Succeeded']);
  });

  test('refuses to remove anything while the covering CEN route is not Active', () => {
    const { path, snapshot } = drive(cleanupMachine, params, () => done({ safe: false, reason: 'the CEN route is Rejected' }));
    assert.deepEqual(path, ['CheckingSafety', 'Failed']);
    assert.match((snapshot.context as { failure: { message: string } }).failure.message, /Rejected/);
  });

  test('a failed verification re-adds what was removed, newest first, and ends RolledBack', () => {
    // Act
    const { path, snapshot } = drive(cleanupMachine, params, (state) => (state === 'VerifyingRemoval' ? done({ ok: false, reason: 'still there' }) : happy(state)));
    // Assess
    assert.deepEqual(path.slice(6), ['VerifyingRemoval', 'RestoringRoute', 'AwaitingRouteRestored', 'RestoringRoute', 'AwaitingRouteRestored', 'RolledBack']);
    assert.equal((snapshot.context as { removed: unknown[] }).removed.length, 0);
  });

  test('a rejected approval ends Rejected without touching a route', () => {
    const { path } = drive(cleanupMachine, params, (state) => (state === 'AwaitingApproval' ? { type: 'APPROVAL.REJECTED', by: 'bob' } : happy(state)));
    assert.deepEqual(path, ['CheckingSafety', 'AwaitingApproval', 'Rejected']);
  });
});
