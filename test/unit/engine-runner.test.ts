import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from 'xstate';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../src/errors.ts';
import { createEngine } from '../../src/engine/engine.ts';
import type { ProcedureDefinition } from '../../src/engine/types.ts';
import { alice, bob, carol, createHarness, createTestProcedure, testDeps, testParams, victor, type TestDeps } from '../support/test-machines.ts';

const approverAlice = { id: 'alice', roles: ['approver' as const] };

describe('engine: a run end to end', () => {
  test('an approved execution applies every item once, then succeeds, with a full journal', async () => {
    // Prepare
    const h = createHarness();
    const started = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice' });
    await h.run();
    const waiting = await h.engine.get(started.id);
    // Act
    await h.engine.approve(started.id, bob, 'ok');
    await h.run();
    // Assess
    const done = await h.engine.get(started.id);
    assert.equal(waiting.status, 'awaiting_approval');
    assert.equal(waiting.step?.kind, 'approval');
    assert.match(waiting.waiting?.reason ?? '', /awaiting 1 approval/);
    assert.equal(waiting.waiting?.until, waiting.approval?.expiresAt);
    assert.equal(done.status, 'succeeded');
    assert.deepEqual(done.output, { applied: ['a', 'b', 'c'], failure: null });
    assert.deepEqual(h.ledger.all.map((l) => `${l.op}:${l.item ?? ''}`), ['plan:', 'apply:a', 'apply:b', 'apply:c']);
    const journal = (await h.engine.journal(started.id, { limit: 500 })).items;
    assert.deepEqual(journal.map((e) => e.seq), journal.map((_, i) => i + 1));
    const effect = journal.find((e) => e.kind === 'effect' && e.state === 'Applying');
    assert.equal(effect?.data.outcome, 'ok');
    assert.match(String(effect?.data.idempotencyKey), new RegExp(`^${started.id}:Applying:\\d+$`));
    assert.deepEqual((effect?.data.calls as { action: string; requestId: string }[]).map((c) => c.action), ['Write']);
    assert.equal(journal.at(-1)?.kind, 'ended');
    await h.close();
  });

  test('bad parameters are refused before anything is stored', async () => {
    // Prepare
    const h = createHarness();
    // Act
    const attempt = h.engine.start('test-ledger', { ...testParams(), routeTable: 'route table 1' }, { requestedBy: 'alice' });
    // Assess
    await assert.rejects(attempt, (err: unknown) => err instanceof ValidationError && err.field === 'params.routeTable');
    assert.equal((await h.engine.list({}, { limit: 10 })).items.length, 0);
    await assert.rejects(h.engine.start('nope', {}, { requestedBy: 'alice' }), NotFoundError);
    await h.close();
  });

  test('starting twice with one idempotency key returns the first execution; other params conflict', async () => {
    // Prepare
    const h = createHarness();
    // Act
    const first = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice', idempotencyKey: 'k1' });
    const second = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice', idempotencyKey: 'k1' });
    const other = h.engine.start('test-ledger', testParams({ items: ['z'] }), { requestedBy: 'alice', idempotencyKey: 'k1' });
    // Assess
    assert.equal(second.id, first.id);
    await assert.rejects(other, (err: unknown) => err instanceof ConflictError && err.code === 'IdempotencyKeyReused');
    assert.equal((await h.engine.list({}, { limit: 10 })).items.length, 1);
    await h.close();
  });

  test('a wait that never becomes ready fails with WaitTimeout and the rollback path runs', async () => {
    // Prepare
    const h = createHarness();
    const ex = await h.engine.start('test-ledger', testParams({ settleMs: 120_000 }), { requestedBy: 'alice', approvalRequired: false });
    // Act
    await h.run();
    // Assess
    const done = await h.engine.get(ex.id);
    assert.equal(done.status, 'rolled_back');
    assert.deepEqual(done.output, { applied: ['a', 'b', 'c'], failure: 'WaitTimeout' });
    assert.deepEqual(h.ledger.all.filter((l) => l.op === 'undo').map((l) => l.item), ['c', 'b', 'a']);
    const polls = (await h.engine.journal(ex.id, { limit: 500 })).items.filter((e) => e.kind === 'poll');
    assert.ok(polls.length >= 55 && polls.length <= 62, `polls: ${polls.length}`);
    await h.close();
  });

  test('a lost message is recovered by the sweep', async () => {
    // Prepare
    const h = createHarness();
    const ex = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice', approvalRequired: false });
    h.scheduler.clear();
    // Act
    const early = await h.engine.sweep();
    h.clock.advance(61_000);
    const late = await h.engine.sweep();
    await h.run();
    // Assess
    assert.equal(early.dispatched, 0);
    assert.equal(late.dispatched, 1);
    assert.equal((await h.engine.get(ex.id)).status, 'succeeded');
    await h.close();
  });

  test('list filters and pages, and unknown executions are not found', async () => {
    // Prepare
    const h = createHarness({ procedures: [createTestProcedure({ locks: false })] });
    for (let i = 0; i < 5; i += 1) {
      await h.engine.start('test-ledger', testParams(), { requestedBy: i < 2 ? 'bob' : 'alice' });
      h.clock.advance(1);
    }
    // Act
    const page1 = await h.engine.list({ requestedBy: 'alice' }, { limit: 2 });
    const page2 = await h.engine.list({ requestedBy: 'alice' }, { limit: 2, cursor: page1.cursor });
    // Assess
    assert.equal(page1.items.length, 2);
    assert.equal(page2.items.length, 1);
    assert.equal(page2.cursor, null);
    assert.ok(page1.items[0].createdAt > page1.items[1].createdAt);
    await assert.rejects(h.engine.get('ex-missing'), NotFoundError);
    await assert.rejects(h.engine.journal('ex-missing', { limit: 1 }), NotFoundError);
    await h.close();
  });
});

describe('engine: approvals', () => {
  test('the requester cannot approve, and a principal without an approver role cannot either', async () => {
    // Prepare
    const h = createHarness();
    const ex = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice' });
    await h.run();
    // Act / Assess
    await assert.rejects(h.engine.approve(ex.id, approverAlice), (err: unknown) => err instanceof ForbiddenError && err.code === 'SelfApproval');
    await assert.rejects(h.engine.approve(ex.id, victor), (err: unknown) => err instanceof ForbiddenError && err.code === 'ApproverRoleRequired');
    await h.run();
    assert.equal((await h.engine.get(ex.id)).status, 'awaiting_approval');
    await h.close();
  });

  test('a quorum of two needs two distinct approvers; a repeated approval counts once', async () => {
    // Prepare
    const h = createHarness({ procedures: [createTestProcedure({ quorum: 2 })] });
    const ex = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice' });
    await h.run();
    // Act
    await h.engine.approve(ex.id, bob);
    await h.engine.approve(ex.id, bob);
    await h.run();
    const afterBob = await h.engine.get(ex.id);
    await h.engine.approve(ex.id, carol);
    await h.run();
    // Assess
    assert.equal(afterBob.status, 'awaiting_approval');
    assert.deepEqual(afterBob.approval?.decisions.map((d) => d.principal), ['bob']);
    const done = await h.engine.get(ex.id);
    assert.equal(done.status, 'succeeded');
    assert.deepEqual((done.context as { approvers: string[] }).approvers, ['bob', 'carol']);
    assert.equal(done.approval?.status, 'granted');
    await h.close();
  });

  test('an approval before the gate is reached is refused', async () => {
    // Prepare
    const h = createHarness();
    const ex = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice' });
    // Act
    const early = h.engine.approve(ex.id, bob);
    // Assess
    await assert.rejects(early, (err: unknown) => err instanceof ConflictError && err.code === 'ApprovalNotPending');
    await h.close();
  });

  test('expiry ends the execution as expired without applying anything', async () => {
    // Prepare
    const h = createHarness({ procedures: [createTestProcedure({ expiresInMs: 30 * 60_000 })] });
    const ex = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice' });
    await h.run();
    // Act
    await h.run(60 * 60_000);
    // Assess
    const done = await h.engine.get(ex.id);
    assert.equal(done.status, 'expired');
    assert.equal(done.approval?.status, 'expired');
    assert.deepEqual(h.ledger.all.map((l) => l.op), ['plan']);
    await assert.rejects(h.engine.approve(ex.id, bob), (err: unknown) => err instanceof ConflictError && err.code === 'ExecutionEnded');
    await h.close();
  });

  test('one rejection ends the execution as rejected; the same approver cannot then approve', async () => {
    // Prepare
    const h = createHarness({ procedures: [createTestProcedure({ quorum: 2 })] });
    const ex = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice' });
    await h.run();
    // Act
    await h.engine.reject(ex.id, bob, 'wrong VBR');
    const flip = h.engine.approve(ex.id, bob);
    await h.run();
    // Assess
    await assert.rejects(flip, (err: unknown) => err instanceof ConflictError && err.code === 'AlreadyDecided');
    assert.equal((await h.engine.get(ex.id)).status, 'rejected');
    await h.close();
  });

  test('an execution started without the approval gate passes it and journals the waiver', async () => {
    // Prepare
    const h = createHarness();
    // Act
    const ex = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice', approvalRequired: false });
    await h.run();
    // Assess
    assert.equal((await h.engine.get(ex.id)).status, 'succeeded');
    const journal = (await h.engine.journal(ex.id, { limit: 500 })).items;
    assert.ok(journal.some((e) => e.kind === 'approval.decided' && e.data.outcome === 'waived'));
    await h.close();
  });
});

describe('engine: cancel, rollback and versions', () => {
  test('cancel at the approval gate ends the execution cancelled', async () => {
    // Prepare
    const h = createHarness();
    const ex = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice' });
    await h.run();
    // Act
    await h.engine.cancel(ex.id, alice, 'not today');
    await h.run();
    // Assess
    const done = await h.engine.get(ex.id);
    assert.equal(done.status, 'cancelled');
    assert.equal(done.approval?.status, 'closed');
    await assert.rejects(h.engine.cancel(ex.id, alice), (err: unknown) => err instanceof ConflictError && err.code === 'ExecutionEnded');
    await h.close();
  });

  test('cancel while applying undoes what was applied, then ends cancelled', async () => {
    // Prepare
    const h = createHarness();
    const ex = await h.engine.start('test-ledger', testParams({ items: ['a', 'b', 'c', 'd'] }), { requestedBy: 'alice', approvalRequired: false });
    // Run until the third item is next (a and b applied).
    while ((await h.engine.get(ex.id)).context.index !== 2) await h.scheduler.drain((m) => h.engine.advance(m), { maxDeliveries: 1 });
    // Act
    await h.engine.cancel(ex.id, alice);
    await h.run();
    // Assess
    assert.equal((await h.engine.get(ex.id)).status, 'cancelled');
    assert.deepEqual(h.ledger.all.filter((l) => l.op !== 'plan').map((l) => `${l.op}:${l.item}`), ['apply:a', 'apply:b', 'undo:b', 'undo:a']);
    await h.close();
  });

  test('a cancel requested while a runner holds the execution is acted on once the lease is gone', async () => {
    // Prepare: the first effect blocks, holding the lease; its commit leads to the approval gate.
    let release: () => void = () => undefined;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const h = createHarness({ faults: { holdPreparing: hold } });
    const ex = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice' });
    const first = h.scheduler.take();
    const running = h.engine.advance(first?.msg ?? { executionId: ex.id, seq: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    // Act
    await h.engine.cancel(ex.id, alice, 'stop');
    await h.scheduler.drain((m) => h.engine.advance(m), { maxDeliveries: 1 });
    release();
    await running;
    await h.run();
    // Assess
    const done = await h.engine.get(ex.id);
    assert.equal(done.status, 'cancelled');
    assert.ok((await h.engine.journal(ex.id, { limit: 100 })).items.some((e) => e.kind === 'signal' && e.data.signal === 'cancel'));
    await h.close();
  });

  test('a machine that ignores CANCEL ends cancelled anyway', async () => {
    // Prepare
    const machine = setup({}).createMachine({
      id: 'stubborn',
      initial: 'Waiting',
      states: {
        Waiting: { meta: { step: { kind: 'wait', effect: 'never', pollIntervalMs: 1000, timeoutMs: 3_600_000 } }, on: { 'STEP.DONE': 'Succeeded' } },
        Succeeded: { type: 'final' },
      },
    });
    const stubborn: ProcedureDefinition<TestDeps> = {
      ...createTestProcedure(),
      id: 'stubborn',
      machine,
      paramsSchema: { type: 'object' },
      effects: { never: async () => ({ ready: false }) },
      locks: undefined,
    };
    const h = createHarness({ procedures: [stubborn] });
    const ex = await h.engine.start('stubborn', {}, { requestedBy: 'alice' });
    await h.run(5000);
    // Act
    await h.engine.cancel(ex.id, alice);
    await h.run(5000);
    // Assess
    const done = await h.engine.get(ex.id);
    assert.equal(done.status, 'cancelled');
    assert.equal(done.state, 'Waiting');
    await h.close();
  });

  test('a ROLLBACK request during the wait runs the rollback path', async () => {
    // Prepare
    const h = createHarness();
    const ex = await h.engine.start('test-ledger', testParams({ settleMs: 30_000 }), { requestedBy: 'alice', approvalRequired: false });
    await h.run(10_000);
    const waiting = await h.engine.get(ex.id);
    // Act
    await h.engine.rollback(ex.id, alice, 'changed my mind');
    await h.run();
    // Assess
    assert.equal(waiting.status, 'waiting');
    assert.equal(waiting.state, 'AwaitingSettled');
    assert.equal((await h.engine.get(ex.id)).status, 'rolled_back');
    await h.close();
  });

  test('a running execution keeps its procedure version after a newer one is deployed', async () => {
    // Prepare
    const h = createHarness({ procedures: [createTestProcedure({ version: 1, locks: false })] });
    const old = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice' });
    await h.run();
    const upgraded = createEngine<TestDeps>({
      store: h.store,
      procedures: [createTestProcedure({ version: 1, locks: false }), createTestProcedure({ version: 2, locks: false, quorum: 2 })],
      deps: testDeps(h.ledger),
      scheduler: h.scheduler,
      clock: h.clock,
    });
    const onlyNew = createEngine<TestDeps>({
      store: h.store,
      procedures: [createTestProcedure({ version: 2, locks: false })],
      deps: testDeps(h.ledger),
      scheduler: h.scheduler,
      clock: h.clock,
    });
    // Act
    const fresh = await upgraded.start('test-ledger', testParams(), { requestedBy: 'alice' });
    await upgraded.approve(old.id, bob);
    const parked = await onlyNew.advance({ executionId: old.id, seq: (await h.engine.get(old.id)).seq });
    h.clock.advance(5 * 60_000);
    await upgraded.sweep();
    await h.scheduler.drain((m) => upgraded.advance(m), { until: h.clock.now() + 600_000 });
    // Assess
    assert.equal(parked.outcome, 'parked');
    assert.equal((await upgraded.get(old.id)).procedureVersion, 1);
    assert.equal((await upgraded.get(old.id)).status, 'succeeded');
    assert.equal(fresh.procedureVersion, 2);
    assert.equal((await upgraded.get(fresh.id)).approval?.quorum, 2);
    await h.close();
  });
});
