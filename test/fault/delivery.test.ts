/**
 * At-least-once delivery and cloud faults: duplicated deliveries, two runners racing, 30% transient
 * errors, permanent errors and an exhausted retry budget.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import { seededRandom } from '../../src/engine/retry.ts';
import type { AdvanceResult } from '../../src/engine/runner.ts';
import { InProcessScheduler, ManualClock } from '../../src/engine/scheduler.ts';
import type { JournalEntry } from '../../src/store/contract.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { bob, createHarness, createTestProcedure, MemoryLedger, testDeps, testParams, type Harness, type LedgerLine, type TestFaults } from '../support/test-machines.ts';

/** Starts `count` executions (every fifth fails verification), approves them all and runs to the end. */
async function runBatch(h: Harness, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const ex = await h.engine.start('test-ledger', testParams({ items: ['x', 'y'], failVerify: i % 5 === 4, routeTable: `vtb-${i}` }), { requestedBy: 'alice' });
    ids.push(ex.id);
  }
  await h.run();
  for (const id of ids) await h.engine.approve(id, bob);
  await h.run();
  return ids;
}

/** The journal without timings: what happened, in order. */
async function shape(engine: Engine, id: string): Promise<string[]> {
  const journal = (await engine.journal(id, { limit: 1000 })).items;
  return journal.map((e: JournalEntry) => `${e.seq}:${e.kind}:${e.state ?? ''}:${String(e.data.outcome ?? e.data.event ?? e.data.status ?? '')}`);
}

/** Each (op, item) pair the ledger holds for one execution, with its count. */
function counts(lines: LedgerLine[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const l of lines) out.set(`${l.op}:${l.item ?? ''}`, (out.get(`${l.op}:${l.item ?? ''}`) ?? 0) + 1);
  return out;
}

function assertExactlyOnce(h: Harness, id: string, status: string): void {
  const c = counts(h.ledger.lines(id));
  for (const [key, n] of c) assert.equal(n, 1, `${id}: ${key} applied ${n} times`);
  assert.equal(c.get('apply:x'), 1);
  assert.equal(c.get('apply:y'), 1);
  if (status === 'rolled_back') assert.deepEqual([c.get('undo:x'), c.get('undo:y')], [1, 1]);
  else assert.equal(c.has('undo:x'), false);
}

describe('fault: at-least-once delivery', () => {
  test('every delivery duplicated gives the same final states, journals and ledger', async () => {
    // Prepare
    const faults = (): TestFaults => ({ transientRate: 0.2, random: seededRandom(99) });
    const once = createHarness({ faults: faults(), seed: 5 });
    const twice = createHarness({ faults: faults(), seed: 5, copies: 2 });
    // Act
    const a = await runBatch(once, 10);
    const b = await runBatch(twice, 10);
    // Assess
    for (let i = 0; i < a.length; i += 1) {
      const [va, vb] = [await once.engine.get(a[i]), await twice.engine.get(b[i])];
      assert.equal(vb.status, va.status);
      assert.deepEqual(vb.context, va.context);
      assert.equal(vb.journalLength, va.journalLength);
      assert.deepEqual(await shape(twice.engine, b[i]), await shape(once.engine, a[i]));
      assert.equal(twice.ledger.lines(b[i]).length, once.ledger.lines(a[i]).length);
      assertExactlyOnce(twice, b[i], vb.status);
    }
    assert.deepEqual(
      (await Promise.all(a.map((id) => once.engine.get(id)))).map((v) => v.status),
      ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'rolled_back', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'rolled_back'],
    );
    await once.close();
    await twice.close();
  });

  test('chaining several steps per delivery gives the same final states, journals and ledger', async () => {
    // Prepare
    const single = createHarness({ seed: 5 });
    const chained = createHarness({ seed: 5, copies: 2, engine: { maxStepsPerAdvance: 20 } });
    let deliveries = 0;
    const countingRun = async (): Promise<void> => {
      deliveries += await chained.scheduler.drain((m) => chained.engine.advance(m), { until: chained.clock.now() + 600_000 });
    };
    // Act
    const a = await runBatch(single, 5);
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const ex = await chained.engine.start('test-ledger', testParams({ items: ['x', 'y'], failVerify: i % 5 === 4, routeTable: `vtb-${i}` }), { requestedBy: 'alice' });
      ids.push(ex.id);
    }
    await countingRun();
    for (const id of ids) await chained.engine.approve(id, bob);
    await countingRun();
    // Assess
    for (let i = 0; i < a.length; i += 1) {
      const [va, vb] = [await single.engine.get(a[i]), await chained.engine.get(ids[i])];
      assert.equal(vb.status, va.status);
      assert.deepEqual(vb.context, va.context);
      assert.deepEqual(await shape(chained.engine, ids[i]), await shape(single.engine, a[i]));
      assertExactlyOnce(chained, ids[i], vb.status);
    }
    const stepsCommitted = (await Promise.all(a.map((id) => single.engine.journal(id, { limit: 1000 })))).flatMap((p) => p.items).filter((e) => e.kind === 'effect' || e.kind === 'poll').length;
    assert.ok(deliveries < stepsCommitted * 2, `${deliveries} deliveries (duplicated) for ${stepsCommitted} effect and poll steps`);
    await single.close();
    await chained.close();
  });

  test('two runners racing on every delivery commit each step once', async () => {
    // Prepare: two engines (two runner ids, two database connections) over one SQLite file.
    const dir = mkdtempSync(join(tmpdir(), 'xcflow-race-'));
    const clock = new ManualClock();
    const scheduler = new InProcessScheduler({ clock });
    const ledger = new MemoryLedger();
    const procedures = [createTestProcedure()];
    const stores = [new SqliteStore(join(dir, 'race.db')), new SqliteStore(join(dir, 'race.db'))];
    const [one, two] = stores.map((store, i) =>
      createEngine({ store, procedures, deps: testDeps(ledger), scheduler, clock, random: seededRandom(i + 1), runnerId: `runner-${i}` }),
    );
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await one.start('test-ledger', testParams({ routeTable: `vtb-${i}` }), { requestedBy: 'alice', approvalRequired: false })).id);
    const outcomes: AdvanceResult[] = [];
    // Act
    await scheduler.drain(async (msg) => {
      const results = await Promise.all([one.advance(msg), two.advance(msg)]);
      outcomes.push(...results);
    });
    // Assess
    for (const id of ids) {
      assert.equal((await one.get(id)).status, 'succeeded');
      const journal = (await one.journal(id, { limit: 1000 })).items;
      const keys = journal.filter((e) => e.kind === 'effect').map((e) => String(e.data.idempotencyKey));
      assert.equal(new Set(keys).size, keys.length, 'each step entry committed once');
      assert.deepEqual(journal.map((e) => e.seq), journal.map((_, i) => i + 1));
      const c = counts(ledger.lines(id));
      assert.deepEqual([...c.values()], [1, 1, 1, 1]);
    }
    assert.ok(outcomes.some((o) => o.outcome === 'lost'), 'the runners really raced');
    const lostOrLeased = outcomes.filter((o) => o.outcome === 'lost' || o.outcome === 'leased' || o.outcome === 'stale').length;
    assert.ok(lostOrLeased >= outcomes.length / 2, `${lostOrLeased} of ${outcomes.length} deliveries lost the race`);
    for (const s of stores) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('fault: cloud errors', () => {
  test('30% transient errors on effect calls: every execution converges, each effect once', async () => {
    // Prepare
    const h = createHarness({ faults: { transientRate: 0.3, random: seededRandom(2026) }, seed: 3 });
    // Act
    const ids = await runBatch(h, 20);
    // Assess
    let transient = 0;
    for (const [i, id] of ids.entries()) {
      const v = await h.engine.get(id);
      assert.equal(v.status, i % 5 === 4 ? 'rolled_back' : 'succeeded', `${id}: ${v.status} ${JSON.stringify(v.error)}`);
      assertExactlyOnce(h, id, v.status);
      const journal = (await h.engine.journal(id, { limit: 1000 })).items;
      transient += journal.filter((e) => e.data.outcome === 'transient').length;
    }
    assert.ok(transient > 10, `transient failures journaled: ${transient}`);
    await h.close();
  });

  test('a permanent error reaches the machine as STEP.FAILED and the rollback path runs', async () => {
    // Prepare
    const h = createHarness();
    const ex = await h.engine.start('test-ledger', testParams({ failVerify: true }), { requestedBy: 'alice', approvalRequired: false });
    // Act
    await h.run();
    // Assess
    const done = await h.engine.get(ex.id);
    assert.equal(done.status, 'rolled_back');
    assert.equal((done.output as { failure: string }).failure, 'VerificationFailed');
    const journal = (await h.engine.journal(ex.id, { limit: 1000 })).items;
    const verify = journal.filter((e) => e.state === 'Verifying' && e.kind === 'effect');
    assert.equal(verify.length, 1, 'a permanent error is not retried');
    assert.equal(verify[0].data.outcome, 'failed');
    assert.equal(verify[0].data.event, 'STEP.FAILED');
    assert.equal(verify[0].data.to, 'RollingBack');
    assert.deepEqual(h.ledger.all.filter((l) => l.op === 'undo').map((l) => l.item), ['c', 'b', 'a']);
    await h.close();
  });

  test('a transient error that outlasts the retry budget becomes STEP.FAILED', async () => {
    // Prepare
    const h = createHarness({ faults: { alwaysTransient: ['Verifying'] }, engine: { retry: { maxFailures: 4 } } });
    const ex = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice', approvalRequired: false });
    // Act
    await h.run();
    // Assess
    const done = await h.engine.get(ex.id);
    const verify = (await h.engine.journal(ex.id, { limit: 1000 })).items.filter((e) => e.state === 'Verifying' && e.kind === 'effect');
    assert.deepEqual(verify.map((e) => e.data.outcome), ['transient', 'transient', 'transient', 'failed']);
    assert.equal(done.status, 'rolled_back');
    assert.equal((done.output as { failure: string }).failure, 'Throttling.User');
    await h.close();
  });

  test('while retrying, the execution shows why and since when it waits', async () => {
    // Prepare
    const h = createHarness({ faults: { alwaysTransient: ['Preparing'] } });
    const ex = await h.engine.start('test-ledger', testParams(), { requestedBy: 'alice' });
    // Act
    await h.scheduler.drain((m) => h.engine.advance(m), { maxDeliveries: 2 });
    // Assess
    const v = await h.engine.get(ex.id);
    assert.equal(v.status, 'waiting');
    assert.match(v.waiting?.reason ?? '', /retrying recordPlan after Throttling.User \(failure 2 of 8\)/);
    assert.equal(v.waiting?.since, ex.createdAt);
    assert.ok((v.waiting?.until ?? 0) >= h.clock.now());
    assert.equal(v.step?.attempt, 2);
    await h.close();
  });
});
