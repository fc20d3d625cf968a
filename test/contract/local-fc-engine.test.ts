/**
 * The engine driven through Function Compute semantics: its FC step scheduler self-invokes a runner
 * hosted by the local FC stand-in (real fc2 client, signed requests, persisted async queue), with
 * every async delivery duplicated, on one virtual clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../src/engine/engine.ts';
import { createFcClient, createFcStepScheduler } from '../../src/engine/fc-scheduler.ts';
import { seededRandom } from '../../src/engine/retry.ts';
import { ManualClock, startLocalFc } from '../../src/local/fc/index.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { useEngine } from '../support/fc-functions/engine-runner.ts';
import { MemoryLedger, createTestProcedure, testDeps, testParams } from '../support/test-machines.ts';

const fnDir = join(dirname(fileURLToPath(import.meta.url)), '../support/fc-functions');

test('an execution advanced by FC async self-invocation with every delivery duplicated applies each effect once', async () => {
  // Prepare
  const clock = new ManualClock();
  const fc = await startLocalFc({
    clock,
    log: () => undefined,
    accessKeyId: 'k',
    accessKeySecret: 's',
    faults: { duplicateRate: 1, seed: 11 },
    functions: [{ name: 'runner', module: join(fnDir, 'engine-runner.ts'), kind: 'event' }],
  });
  const store = new SqliteStore(':memory:');
  const ledger = new MemoryLedger();
  const client = createFcClient({ accountId: '1234567890123456', region: 'cn-hangzhou', credentials: { accessKeyId: 'k', accessKeySecret: 's' }, endpoint: fc.endpoint });
  const engine = createEngine({
    store,
    procedures: [createTestProcedure()],
    deps: testDeps(ledger),
    scheduler: createFcStepScheduler({ client, serviceName: 'xcflow', functionName: 'runner' }),
    clock,
    random: seededRandom(1),
  });
  useEngine(engine);
  try {
    // Act: deliver whatever is due, then move the clock to the next delayed delivery
    const started = await engine.start('test-ledger', testParams(), { requestedBy: 'alice', approvalRequired: false });
    let view = await engine.get(started.id);
    for (let round = 0; round < 500 && !['succeeded', 'failed', 'rolled_back'].includes(view.status); round++) {
      await fc.idle();
      view = await engine.get(started.id);
      const next = clock.nextDue();
      if (next !== undefined) await clock.advanceToAsync(next);
    }
    await fc.drain();
    // Assess
    assert.equal(view.status, 'succeeded');
    assert.deepEqual(ledger.all.map((l) => `${l.op}:${l.item ?? ''}`), ['plan:', 'apply:a', 'apply:b', 'apply:c']);
    const runs = fc.invocations();
    assert.ok(runs.some((r) => r.duplicate), 'duplicates were delivered');
    assert.ok(runs.every((r) => r.ok), 'no delivery failed');
  } finally {
    useEngine(undefined);
    await fc.close();
    await store.close();
  }
});
