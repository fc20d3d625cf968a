import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '../../src/engine/types.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { startWorld } from '../../src/twin/world.ts';
import { procedures } from '../../workflows/index.ts';
import { stateDump } from '../support/migration-scenario.ts';
import { buildRunner, LEASE_MS, RunnerProcess, type RunnerBundle } from './support/runner-process.ts';

const TOPOLOGY = 'scenario-vbr-health-check';
const params: JsonObject = {
  regionId: 'cn-hangzhou',
  cenId: 'cen-vbrmig000000000000001',
  vbrId: 'vbr-bp1vbrmig000000000001',
  vpcId: 'vpc-m5evbrmig0000000000001',
  vpcRegionId: 'cn-qingdao',
  mode: 'smooth',
  acknowledgeRemainder: true,
  flows: [{ name: 'idc→qingdao-app', source: '10.1.0.10', destinationIp: '192.168.1.10' }],
};
describe('migrate-vbr-to-cen under faults', () => {
  let cleanFinal: unknown;
  let runner: RunnerBundle;
  before(async () => {
    runner = await buildRunner('migration-faults');
    const clean = await startWorld({ regionId: 'cn-hangzhou', procedures, topology: TOPOLOGY });
    try {
      const view = await clean.run((await clean.engine.start('migrate-vbr-to-cen', params, { requestedBy: 'alice', approvalRequired: false })).id);
      assert.equal(view.status, 'succeeded');
      cleanFinal = await stateDump(clean);
    } finally {
      await clean.close();
    }
  });

  test('30% throttling plus TaskConflict on writes: converges to the same final state', async () => {
    // Prepare
    const world = await startWorld({ regionId: 'cn-hangzhou', procedures, topology: TOPOLOGY, retry: { maxFailures: 40, baseMs: 500, capMs: 8000 }, random: () => 0.5 });
    try {
      const ex = await world.engine.start('migrate-vbr-to-cen', params, { requestedBy: 'alice', approvalRequired: false });
      const res = await fetch(`${world.emulator.endpoint}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ seed: 7, throttlingRate: 0.3, taskConflictRate: 0.3 }),
      });
      assert.ok(res.ok);
      // Act
      const view = await world.run(ex.id);
      // Assess
      assert.equal(view.status, 'succeeded', JSON.stringify(view.output).slice(0, 1500));
      const injected = ((await (await fetch(`${world.emulator.endpoint}/_emulator/faults`)).json()) as { injected: Record<string, number> }).injected;
      assert.ok((injected['Throttling.User'] ?? 0) > 10 && (injected.TaskConflict ?? 0) > 3, JSON.stringify(injected));
      const calls = await world.calls(ex.id);
      assert.ok(calls.some((c) => c.errorCode === 'TaskConflict'), 'the journal shows the TaskConflict answers');
      await fetch(`${world.emulator.endpoint}/_emulator/faults`, { method: 'DELETE' });
      assert.deepEqual(await stateDump(world), cleanFinal);
    } finally {
      await world.close();
    }
  });

  test('SIGKILL of the runner at every step boundary: converges to the same final state', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'xcflow-kill-'));
    const dbPath = join(dir, 'xcflow.db');
    const store = new SqliteStore({ path: dbPath });
    const world = await startWorld({ regionId: 'cn-hangzhou', procedures, topology: TOPOLOGY, store });
    const killed: string[] = [];
    let child = new RunnerProcess(world, runner.path, { dbPath, killAfter: 1, killAtReadyWaits: false });
    try {
      const ex = await world.engine.start('migrate-vbr-to-cen', params, { requestedBy: 'alice', approvalRequired: false });
      // Act: every runner process dies right after its second effect (the first redoes the step
      // the previous process died in), so each effect step of the procedure sees one kill.
      await child.ready;
      for (let i = 0; i < 5000; i++) {
        const view = await world.engine.get(ex.id);
        if (view.endedAt !== null) break;
        const next = world.scheduler.take();
        if (!next) {
          // The killed runner's lease lapses; the sweep re-dispatches the execution.
          world.clock.advance(LEASE_MS + 1);
          await world.engine.sweep(world.clock.now());
          continue;
        }
        if (next.dueAt > world.clock.now()) world.clock.advanceTo(next.dueAt);
        if ((await child.advance(next.msg, world.clock.now())) === 'died') {
          killed.push(child.dyingAt ?? '?');
          child = new RunnerProcess(world, runner.path, { dbPath, killAfter: 2, killAtReadyWaits: false });
          await child.ready;
        }
      }
      // Assess
      const view = await world.engine.get(ex.id);
      assert.equal(view.status, 'succeeded', JSON.stringify(view.output).slice(0, 1500));
      const effectSteps = new Set((await world.engine.journal(ex.id, { limit: 5000 })).items.filter((e) => e.kind === 'effect').map((e) => e.state));
      assert.ok(killed.length >= 20, `killed ${killed.length} times: ${killed.join(', ')}`);
      for (const s of effectSteps) if (s && s !== 'VerifyingMigration') assert.ok(killed.includes(s), `a kill at ${s}`);
      assert.deepEqual(await stateDump(world), cleanFinal);
    } finally {
      child.close();
      await world.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  after(() => runner?.remove());
});
