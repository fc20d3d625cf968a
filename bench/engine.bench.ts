/**
 * Engine figures on SQLite (issue 3):
 * - per-step cost of `engine.advance` (load, lease, restore + transition, commit + journal,
 *   schedule) over 10,000 steps of a no-op effect, median and p99, beside a bare xstate
 *   transition and a bare SQLite conditional write measured in the same run;
 * - the same per-step figure through the Tablestore SDK to the local stand-in (cost model);
 * - throughput of 1,000 concurrent executions × 10 steps.
 * Timings are measured with `performance.now()`; nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { assign, initialTransition, setup, transition } from 'xstate';
import { createEngine } from '../src/engine/engine.ts';
import { persistSnapshot, pureTransition, restoreSnapshot } from '../src/engine/runner.ts';
import { InProcessScheduler, systemClock } from '../src/engine/scheduler.ts';
import type { MachineInput, ProcedureDefinition, RunnerEvent } from '../src/engine/types.ts';
import type { ExecutionStore } from '../src/store/contract.ts';
import { SqliteStore } from '../src/store/sqlite.ts';
import { createTablestoreStore } from '../src/store/tablestore.ts';
import { startTablestoreStandin } from '../test/support/tablestore/server.ts';

interface LoopContext {
  steps: number;
  done: number;
  lastOutput: number;
}

/** A procedure of `steps` no-op effect steps (one state re-entered), then Succeeded. */
export function loopProcedure(): ProcedureDefinition<null> {
  const machine = setup({
    types: { context: {} as LoopContext, input: {} as MachineInput<{ steps: number }>, events: {} as RunnerEvent },
    guards: { more: ({ context }) => context.done + 1 < context.steps },
  }).createMachine({
    id: 'bench-loop',
    initial: 'Stepping',
    context: ({ input }) => ({ steps: input.params.steps, done: 0, lastOutput: 0 }),
    states: {
      Stepping: {
        meta: { step: { kind: 'effect', effect: 'noop' } },
        on: {
          'STEP.DONE': [
            {
              guard: 'more',
              target: 'Stepping',
              reenter: true,
              actions: assign({ done: ({ context }) => context.done + 1, lastOutput: ({ event }) => Number((event as { output: number }).output) }),
            },
            { target: 'Succeeded', actions: assign({ done: ({ context }) => context.done + 1 }) },
          ],
          'STEP.FAILED': 'Failed',
        },
      },
      Succeeded: { type: 'final' },
      Failed: { type: 'final' },
    },
  });
  return {
    id: 'bench-loop',
    version: 1,
    title: 'Benchmark loop',
    seedChapter: '-',
    description: 'No-op steps',
    paramsSchema: { type: 'object', required: ['steps'], properties: { steps: { type: 'integer', minimum: 1 } } },
    machine,
    effects: { noop: async (input) => input.attempt },
  };
}

function stats(samples: number[]): { medianUs: number; p99Us: number; meanUs: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const round = (ms: number): number => Math.round(ms * 1000 * 10) / 10;
  return { medianUs: round(at(0.5)), p99Us: round(at(0.99)), meanUs: round(sorted.reduce((s, x) => s + x, 0) / sorted.length) };
}

/**
 * Per-step timings of `engine.advance` driving one execution through `steps` steps (a fresh
 * database file per call). With `chain` > 1 one delivery runs up to that many steps; a sample
 * is then the delivery's time divided by the steps it ran.
 */
async function engineSteps(dir: string, name: string, steps: number, chain = 1, given?: ExecutionStore): Promise<number[]> {
  const store = given ?? new SqliteStore(join(dir, `${name}.db`));
  const scheduler = new InProcessScheduler({ clock: systemClock });
  const engine = createEngine({ store, procedures: [loopProcedure()], deps: () => null, scheduler, maxStepsPerAdvance: chain });
  const samples: number[] = [];
  const ex = await engine.start('bench-loop', { steps }, { requestedBy: 'bench', approvalRequired: false });
  let done = 0;
  for (;;) {
    const next = scheduler.take();
    if (!next) break;
    const t0 = performance.now();
    await engine.advance(next.msg);
    const elapsed = performance.now() - t0;
    const now = (await engine.get(ex.id)).context as { done: number };
    const ran = Math.max(1, now.done - done);
    done = now.done;
    for (let i = 0; i < ran; i += 1) samples.push(elapsed / ran);
  }
  await store.close();
  return samples;
}

/**
 * Bare xstate: `transition()` alone on a live snapshot; the same wrapped in restore-from-JSON and
 * persist-to-JSON; and that round trip with the runner's cached-scope `pureTransition`.
 */
function bareTransitions(count: number): { restoreTransitionPersist: number[]; transitionOnly: number[]; runnerPath: number[] } {
  const def = loopProcedure();
  const [initial] = initialTransition(def.machine, { params: { steps: count + 10 }, executionId: 'ex-b', requestedBy: 'b', approvalRequired: false });
  let persisted = JSON.stringify(persistSnapshot(def.machine, initial));
  const full: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    const snap = restoreSnapshot(def.machine, JSON.parse(persisted) as never);
    const [next] = transition(def.machine, snap, { type: 'STEP.DONE', output: i });
    persisted = JSON.stringify(persistSnapshot(def.machine, next));
    full.push(performance.now() - t0);
  }
  let live = initial;
  const only: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    [live] = transition(def.machine, live, { type: 'STEP.DONE', output: i });
    only.push(performance.now() - t0);
  }
  const runnerPath: number[] = [];
  persisted = JSON.stringify(persistSnapshot(def.machine, initial));
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    const snap = restoreSnapshot(def.machine, JSON.parse(persisted) as never);
    const done: RunnerEvent = { type: 'STEP.DONE', output: i };
    const next = pureTransition(def.machine, snap, done);
    persisted = JSON.stringify(persistSnapshot(def.machine, next));
    runnerPath.push(performance.now() - t0);
  }
  return { restoreTransitionPersist: full, transitionOnly: only, runnerPath };
}

/** A bare conditional write of a record of similar size on the same kind of file. */
function bareWrites(dir: string, count: number, payloadBytes: number): number[] {
  // The same settings as `SqliteStore`.
  const db = new Database(join(dir, 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 4000');
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL)');
  const data = 'x'.repeat(payloadBytes);
  db.prepare('INSERT INTO t VALUES (?, 0, ?)').run('ex-1', data);
  const update = db.prepare('UPDATE t SET seq = ?, data = ? WHERE id = ? AND seq = ?');
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const t0 = performance.now();
    const r = update.run(i + 1, data, 'ex-1', i);
    samples.push(performance.now() - t0);
    if (r.changes !== 1) throw new Error('bare write lost its compare-and-set');
  }
  db.close();
  return samples;
}

/** 1,000 executions × 10 steps, all in flight at once, on one SQLite file. */
async function throughput(
  dir: string,
  executions: number,
  stepsEach: number,
  chain = 1,
): Promise<{ steps: number; deliveries: number; seconds: number; stepsPerSecond: number }> {
  const store = new SqliteStore(join(dir, `throughput-${chain}.db`));
  const scheduler = new InProcessScheduler({ clock: systemClock });
  const engine = createEngine({ store, procedures: [loopProcedure()], deps: () => null, scheduler, maxStepsPerAdvance: chain });
  const t0 = performance.now();
  for (let i = 0; i < executions; i += 1) await engine.start('bench-loop', { steps: stepsEach }, { requestedBy: 'bench', approvalRequired: false });
  let deliveries = 0;
  for (;;) {
    const next = scheduler.take();
    if (!next) break;
    await engine.advance(next.msg);
    deliveries += 1;
  }
  const steps = executions * stepsEach;
  const seconds = (performance.now() - t0) / 1000;
  const done = await store.listExecutions({ status: ['succeeded'] }, { limit: executions + 1 });
  if (done.items.length !== executions) throw new Error(`only ${done.items.length} executions succeeded`);
  await store.close();
  return { steps, deliveries, seconds: Math.round(seconds * 1000) / 1000, stepsPerSecond: Math.round(steps / seconds) };
}

/** Runs every measurement and returns the figures. */
export default async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'xcflow-bench-'));
  try {
    const STEPS = 10_000;
    // Warm-up so the JIT has seen every path before anything is timed.
    await engineSteps(dir, 'warm', 500);
    await engineSteps(dir, 'warm-chained', 500, 10);
    bareTransitions(500);
    const step = stats(await engineSteps(dir, 'steps', STEPS));
    const chained = stats(await engineSteps(dir, 'steps-chained', STEPS, 10));
    const bare = bareTransitions(STEPS);
    const recordBytes = await (async () => {
      const store = new SqliteStore(':memory:');
      const engine = createEngine({ store, procedures: [loopProcedure()], deps: () => null, scheduler: new InProcessScheduler({ clock: systemClock }) });
      const ex = await engine.start('bench-loop', { steps: 5 }, { requestedBy: 'bench', approvalRequired: false });
      const rec = await store.getExecution(ex.id);
      await store.close();
      return JSON.stringify(rec).length;
    })();
    const write = stats(bareWrites(dir, STEPS, recordBytes));
    const transitionFull = stats(bare.restoreTransitionPersist);
    const transitionOnly = stats(bare.transitionOnly);
    const runnerXstate = stats(bare.runnerPath);
    // The same per-step figure through the Tablestore SDK to the local stand-in (cost model only).
    const creds = { accessKeyId: 'LTAI-bench', accessKeySecret: 'bench-secret', instanceName: 'bench' };
    const standin = await startTablestoreStandin(creds);
    let tablestore: ReturnType<typeof stats>;
    try {
      await engineSteps(dir, 'ots-warm', 100, 1, createTablestoreStore({ ...creds, endpoint: standin.endpoint }));
      tablestore = stats(await engineSteps(dir, 'ots', 1000, 1, createTablestoreStore({ ...creds, endpoint: standin.endpoint })));
    } finally {
      await standin.close();
    }
    const tp = await throughput(dir, 1000, 10);
    const tpChained = await throughput(dir, 1000, 10, 10);
    const r2 = (x: number): number => Math.round(x * 100) / 100;
    const floor = transitionFull.medianUs + write.medianUs;
    return {
      perStep: {
        steps: STEPS,
        engineAdvance: step,
        engineAdvanceChained10: chained,
        bareXstateTransition: transitionOnly,
        bareXstateRestoreTransitionPersist: transitionFull,
        runnerXstatePath: runnerXstate,
        bareSqliteConditionalWrite: { ...write, recordBytes },
        medianRatios: {
          engineToBareWrite: r2(step.medianUs / write.medianUs),
          engineToBareTransitionPlusWrite: r2(step.medianUs / floor),
          engineExcludingXstateToBareWrite: r2((step.medianUs - runnerXstate.medianUs) / write.medianUs),
          chainedToBareWrite: r2(chained.medianUs / write.medianUs),
          chainedToBareTransitionPlusWrite: r2(chained.medianUs / floor),
          chainedExcludingXstateToBareWrite: r2((chained.medianUs - runnerXstate.medianUs) / write.medianUs),
        },
      },
      tablestoreStandinPerStep: { steps: 1000, engineAdvance: tablestore },
      throughput: { executions: 1000, stepsPerExecution: 10, oneStepPerDelivery: tp, chained10: tpChained },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
