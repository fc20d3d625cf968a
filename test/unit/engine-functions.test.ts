import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { handler as runner } from '../../functions/runner.ts';
import { handler as sweep } from '../../functions/sweep.ts';
import { ValidationError } from '../../src/errors.ts';
import type { AdvanceResult } from '../../src/engine/runner.ts';
import { createRuntime, runtimeConfigFromEnv, setInstanceRuntime, type Runtime } from '../../src/engine/runtime.ts';
import { InProcessScheduler, ManualClock } from '../../src/engine/scheduler.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { MemoryLedger, createTestProcedure, testDeps, testParams, type TestDeps } from '../support/test-machines.ts';

function install(): { runtime: Runtime; scheduler: InProcessScheduler; clock: ManualClock } {
  const clock = new ManualClock();
  const scheduler = new InProcessScheduler({ clock });
  const runtime = createRuntime<TestDeps>(runtimeConfigFromEnv({}), {}, {
    store: new SqliteStore(':memory:'),
    scheduler,
    clock,
    procedures: [createTestProcedure()],
    deps: testDeps(new MemoryLedger()),
  });
  setInstanceRuntime(runtime);
  return { runtime, scheduler, clock };
}

describe('FC handlers', () => {
  test('the runner advances an execution from a Buffer event, awaited or with a callback', async () => {
    // Prepare
    const { runtime, scheduler } = install();
    const ex = await runtime.engine.start('test-ledger', testParams(), { requestedBy: 'alice', approvalRequired: false });
    scheduler.clear();
    // Act
    const awaited = (await runner(Buffer.from(JSON.stringify({ executionId: ex.id, seq: 0 })), { requestId: 'r1' })) as AdvanceResult;
    const viaCallback = await new Promise<AdvanceResult>((resolve, reject) => {
      void runner(Buffer.from(JSON.stringify({ executionId: ex.id, seq: 0 })), { requestId: 'r2' }, (err, result) =>
        err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result as AdvanceResult),
      );
    });
    // Assess
    assert.equal(awaited.outcome, 'committed');
    assert.equal(viaCallback.outcome, 'stale', 'a duplicate delivery does nothing');
    assert.equal(scheduler.size, 1, 'the next step was scheduled');
    await runtime.close();
    setInstanceRuntime(undefined);
  });

  test('a malformed event is refused, through the promise or the callback', async () => {
    // Prepare
    const { runtime } = install();
    // Act
    const rejected = runner(Buffer.from('{"executionId": 5, "seq": 0}'));
    const callbackError = await new Promise<unknown>((resolve) => void runner(Buffer.from('not json'), {}, (err) => resolve(err)));
    // Assess
    await assert.rejects(rejected, (err: unknown) => err instanceof ValidationError && err.field === 'event.executionId');
    assert.ok(callbackError instanceof ValidationError && callbackError.code === 'InvalidEvent');
    await runtime.close();
    setInstanceRuntime(undefined);
  });

  test('the sweep dispatches executions whose step message was lost', async () => {
    // Prepare
    const { runtime, scheduler, clock } = install();
    await runtime.engine.start('test-ledger', testParams(), { requestedBy: 'alice' });
    scheduler.clear();
    clock.advance(120_000);
    // Act
    const result = (await sweep(Buffer.from('{"kind":"sweep"}'), {})) as { dispatched: number };
    // Assess
    assert.deepEqual(result, { dispatched: 1 });
    assert.equal(scheduler.size, 1);
    await runtime.close();
    setInstanceRuntime(undefined);
  });
});

describe('runtime configuration', () => {
  test('defaults to SQLite under .xcflow and an in-process timer', () => {
    assert.deepEqual(runtimeConfigFromEnv({}), { store: { kind: 'sqlite', path: '.xcflow/xcflow.db' }, scheduler: { kind: 'timer' } });
  });

  test('reads Tablestore, the FC runner function and the lease from the environment', () => {
    const config = runtimeConfigFromEnv({
      XCFLOW_STORE: 'tablestore',
      XCFLOW_FC_SERVICE: 'xcflow',
      XCFLOW_RUNNER_FUNCTION: 'runner',
      XCFLOW_FC_ENDPOINT: 'http://127.0.0.1:9000',
      XCFLOW_LEASE_MS: '30000',
      XCFLOW_CHAIN_STEPS: '5',
    });
    assert.deepEqual(config, {
      store: { kind: 'tablestore' },
      scheduler: { kind: 'fc', serviceName: 'xcflow', functionName: 'runner', endpoint: 'http://127.0.0.1:9000' },
      leaseMs: 30000,
      chainSteps: 5,
    });
  });

  test('refuses an unknown store kind', () => {
    assert.throws(() => runtimeConfigFromEnv({ XCFLOW_STORE: 'redis' }), (err: unknown) => err instanceof ValidationError && err.field === 'XCFLOW_STORE');
  });
});
