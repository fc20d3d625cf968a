/**
 * The fault suite every procedure of chapters 1, 2 and 6 runs (`procedures-*.test.ts`), through
 * the engine, the SDK clients and the emulator on one virtual clock, against a fault-free run:
 * - cloud faults (throttling, TaskConflict, OperationConflict) injected by the emulator;
 * - every async delivery duplicated by the in-process scheduler;
 * - the runner SIGKILLed at step boundaries (runner processes on a shared SQLite file);
 * - for procedures that roll back: a permanent error on each write in turn.
 * Each run must end as the fault-free run ended (or where it started, after a rollback), with
 * every change applied exactly once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionView } from '../../../src/engine/engine.ts';
import type { JsonObject } from '../../../src/engine/types.ts';
import { SqliteStore } from '../../../src/store/sqlite.ts';
import { startWorld, type World } from '../../../src/twin/world.ts';
import { WriteRecorder, clearFaults, networkDump, setFaults, startCase, worldOptions, type ProcedureCase } from './procedure-faults.ts';
import { boundariesOf, permanentCodeFor, runClean, runWithPermanentErrorAt, type CleanRun } from './procedure-runs.ts';
import { buildRunner, runWithKills, type RunnerBundle } from './runner-process.ts';

/** How one procedure is put under faults. */
export interface FaultSuiteSpec {
  case: ProcedureCase;
  /** `POST /_emulator/faults` body of the cloud-fault test. */
  faults: JsonObject;
  /** Engine retry policy of the cloud-fault test (default: 500 failures, 0.5–8 s back-off). */
  retry?: { maxFailures: number; baseMs: number; capMs: number };
  /** What the cloud-fault test must have seen injected, as a description and a check. */
  injected: [string, (injected: Record<string, number>) => boolean];
  /** Which step boundaries (1-based, of the fault-free run) kill the runner, and how to name them. */
  kills: { label: string; select: (boundaries: readonly string[]) => number[] };
  /** Whether the procedure rolls back on a failed write (then each write gets a permanent error in turn). */
  rollsBack: boolean;
  /** Further checks that a faulted run ended like the fault-free one (beyond state and writes). */
  sameOutcome?: (clean: CleanRun, world: World, view: ExecutionView) => void | Promise<void>;
}

// Throttling on every call: a step of n calls succeeds with 0.7^n per attempt (13 reads: ~1%),
// so the budget must let the runner try a few hundred times.
const PATIENT = { maxFailures: 500, baseMs: 500, capMs: 8000 };

/** Defines the suite (call at the top level of a test file). */
export function runProcedureFaultSuite(spec: FaultSuiteSpec): void {
  const c = spec.case;

  describe(`${c.procedureId} under faults`, () => {
    let clean: CleanRun;
    let runner: RunnerBundle;
    before(async () => {
      [clean, runner] = await Promise.all([runClean(c), buildRunner(c.procedureId)]);
    });
    after(() => runner?.remove());

    const assertSameEnd = async (world: World, view: ExecutionView, writes: WriteRecorder, what: string): Promise<void> => {
      assert.equal(view.status, clean.view.status, `${what}: ${JSON.stringify(view.output).slice(0, 1500)}`);
      assert.deepEqual(await networkDump(world), clean.final, `${what}: final network state`);
      assert.deepEqual(writes.applied(), clean.applied, `${what}: each change applied once`);
      await spec.sameOutcome?.(clean, world, view);
    };

    test(`${spec.injected[0]}: the same final state, each change applied once`, async () => {
      // Prepare
      const world = await startWorld(worldOptions(c, { retry: spec.retry ?? PATIENT, random: () => 0.5 }));
      const writes = new WriteRecorder(world);
      try {
        const id = await startCase(world, c);
        await setFaults(world, spec.faults);
        // Act
        const view = await world.run(id);
        // Assess
        const injected = await clearFaults(world);
        assert.ok(spec.injected[1](injected), `injected: ${JSON.stringify(injected)}`);
        const journaled = new Set((await world.calls(id)).map((call) => call.errorCode).filter((code) => code !== undefined));
        for (const code of Object.keys(injected)) assert.ok(journaled.has(code), `the journal shows the ${code} answers`);
        await assertSameEnd(world, view, writes, 'with cloud faults');
      } finally {
        await world.close();
      }
    });

    test('every async delivery duplicated: the same final state and journal length', async () => {
      // Prepare
      const world = await startWorld(worldOptions(c, { deliveryCopies: 2 }));
      const writes = new WriteRecorder(world);
      try {
        const id = await startCase(world, c);
        // Act
        const view = await world.run(id);
        // Assess
        assert.equal(view.journalLength, clean.view.journalLength, 'no step ran twice');
        await assertSameEnd(world, view, writes, 'with duplicated deliveries');
      } finally {
        await world.close();
      }
    });

    test(`SIGKILL of the runner at ${spec.kills.label}: converges, each change applied once`, async () => {
      // Prepare
      const dir = mkdtempSync(join(tmpdir(), `xcflow-kill-${c.procedureId}-`));
      const dbPath = join(dir, 'xcflow.db');
      const store = new SqliteStore({ path: dbPath });
      const world = await startWorld(worldOptions(c, { store }));
      const writes = new WriteRecorder(world);
      const boundaries = boundariesOf(clean);
      const killAt = spec.kills.select(boundaries);
      try {
        const id = await startCase(world, c);
        // Act
        const run = await runWithKills(world, id, { bundle: runner.path, dbPath, killAt, killAtReadyWaits: true });
        // Assess
        assert.deepEqual(run.killedAt, killAt.map((k) => boundaries[k - 1]), 'a runner died at each chosen boundary');
        await assertSameEnd(world, run.view, writes, `killed at ${run.killedAt.join(', ')}`);
      } finally {
        await world.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    if (spec.rollsBack) {
      test('a permanent error on the N-th write, for each N: everything added is rolled back', async () => {
        await assertRollbackOnEachWrite(c, clean);
      });
    }
  });
}

/**
 * Runs `c` once per write of its fault-free run (`clean`, run here when not given), the N-th
 * write meeting a permanent error: each run must roll back to the initial network state, no
 * change applied twice.
 */
export async function assertRollbackOnEachWrite(c: ProcedureCase, clean?: CleanRun): Promise<void> {
  const reference = clean ?? (await runClean(c));
  const world = await startWorld(worldOptions(c));
  try {
    const initial = await networkDump(world);
    assert.ok(reference.writeSequence.length > 0);
    for (const [i, write] of reference.writeSequence.entries()) {
      // Prepare
      world.emulator.reset();
      const writes = new WriteRecorder(world);
      // Act
      const view = await runWithPermanentErrorAt(world, c, writes, i + 1, write.action);
      writes.detach();
      // Assess
      const what = `permanent error on write ${i + 1} (${write.action} ${write.target})`;
      assert.equal(view.status, 'rolled_back', `${what}: ${JSON.stringify(view.output).slice(0, 1500)}`);
      assert.equal(writes.errors()[permanentCodeFor(write.action)], 1, what);
      assert.deepEqual(await networkDump(world), initial, `${what}: back to the initial state`);
      for (const [key, n] of writes.applied()) assert.equal(n, 1, `${what}: ${key} applied ${n} times`);
    }
  } finally {
    await world.close();
  }
}
