import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError } from '../../src/errors.ts';
import { createHarness, createTestProcedure, testParams, type LedgerLine } from '../support/test-machines.ts';

/** Number of times the ledger switches from one execution's writes to another's. */
function switches(lines: LedgerLine[]): number {
  let n = 0;
  for (let i = 1; i < lines.length; i += 1) if (lines[i].executionId !== lines[i - 1].executionId) n += 1;
  return n;
}

describe('engine: per-resource locks', () => {
  test('two executions on one route table never interleave their effects', async () => {
    // Prepare
    const h = createHarness({ engine: { lockPolicy: 'wait' } });
    const a = await h.engine.start('test-ledger', testParams({ items: ['a1', 'a2', 'a3'] }), { requestedBy: 'alice', approvalRequired: false });
    const b = await h.engine.start('test-ledger', testParams({ items: ['b1', 'b2', 'b3'] }), { requestedBy: 'alice', approvalRequired: false });
    // Act
    await h.run(2000);
    const whileA = await h.engine.get(b.id);
    await h.run();
    // Assess
    assert.equal(whileA.status, 'pending');
    assert.equal(whileA.waiting?.reason, `waiting for lock route-table:vtb-1, held by execution ${a.id}`);
    assert.equal((await h.engine.get(a.id)).status, 'succeeded');
    assert.equal((await h.engine.get(b.id)).status, 'succeeded');
    assert.equal(h.ledger.all.length, 8);
    assert.equal(switches(h.ledger.all), 1, h.ledger.all.map((l) => `${l.executionId.slice(-3)}:${l.op}`).join(' '));
    assert.equal(await h.store.getLock('route-table:vtb-1'), null);
    await h.close();
  });

  test('without locks the same two executions do interleave (the check above can fail)', async () => {
    // Prepare
    const h = createHarness({ procedures: [createTestProcedure({ locks: false })] });
    await h.engine.start('test-ledger', testParams({ items: ['a1', 'a2', 'a3'] }), { requestedBy: 'alice', approvalRequired: false });
    await h.engine.start('test-ledger', testParams({ items: ['b1', 'b2', 'b3'] }), { requestedBy: 'alice', approvalRequired: false });
    // Act
    await h.run();
    // Assess
    assert.ok(switches(h.ledger.all) > 1);
    await h.close();
  });

  test('with the refuse policy a second start fails naming the holder; it succeeds once the lock is free', async () => {
    // Prepare
    const h = createHarness({ engine: { lockPolicy: 'refuse' } });
    const a = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice', approvalRequired: false });
    // Act
    const refused = h.engine.start('test-ledger', testParams(), { requestedBy: 'bob' });
    const otherTable = await h.engine.start('test-ledger', testParams({ routeTable: 'vtb-2' }), { requestedBy: 'bob' });
    await h.run();
    const later = await h.engine.start('test-ledger', testParams(), { requestedBy: 'bob' });
    // Assess
    await assert.rejects(
      refused,
      (err: unknown) => err instanceof ConflictError && err.code === 'ResourceLocked' && err.message.includes(a.id) && err.message.includes('route-table:vtb-1'),
    );
    assert.equal(otherTable.status, 'pending');
    assert.equal(later.locks[0], 'route-table:vtb-1');
    await h.close();
  });

  test('a lock lapses when its holder is no longer driven', async () => {
    // Prepare
    const h = createHarness({ engine: { lockPolicy: 'refuse', lockTtlMs: 60_000 } });
    const a = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice' });
    h.scheduler.clear();
    const lock = await h.store.getLock('route-table:vtb-1');
    // Act
    h.clock.advanceTo((lock?.until ?? 0) + 1);
    const b = await h.engine.start('test-ledger', testParams(), { requestedBy: 'bob' });
    // Assess
    assert.equal(lock?.owner, a.id);
    assert.equal((await h.store.getLock('route-table:vtb-1'))?.owner, b.id);
    await h.close();
  });

  test('a lock held by an execution that already ended is taken over at once', async () => {
    // Prepare
    const h = createHarness({ engine: { lockPolicy: 'refuse' } });
    const a = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice', approvalRequired: false });
    await h.run();
    // The holder ended but crashed before releasing: put its lock back.
    await h.store.tryLock({ resource: 'route-table:vtb-1', owner: a.id, until: h.clock.now() + 3_600_000 }, h.clock.now());
    // Act
    const b = await h.engine.start('test-ledger', testParams(), { requestedBy: 'bob' });
    // Assess
    assert.equal((await h.store.getLock('route-table:vtb-1'))?.owner, b.id);
    await h.close();
  });
});
