/**
 * Engine figures on SQLite (issue 3):
 * - per-step cost of `engine.advance` (load, lease, restore + transition, commit + journal,
 *   schedule) over 10,000 steps of a no-op effect, median and p99, beside a bare xstate
 *   transition, the no-op effect alone and a bare SQLite conditional write measured in the same
 *   run, with the reads and writes one step makes;
 * - the overhead ratio (engine step − bare transition − effect) / bare write, per step and per
 *   write (`overhead` in the figures says exactly what is subtracted);
 * - the same per-step figure through the Tablestore SDK to the local stand-in (cost model);
 * - throughput of 1,000 concurrent executions × 10 steps.
 * Timings are measured with `performance.now()`; nothing is asserted. Medians are the figures to
 * read: on a shared machine p99 mostly measures preemption by other processes, hence also the p99
 * of the samples the OS did not preempt, and CPU time beside wall time for throughput.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { assign, initialTransition, setup, transition } from 'xstate';
import { createEngine } from '../src/engine/engine.ts';
import { persistSnapshot, pureTransition, restoreSnapshot } from '../src/engine/runner.ts';
import { InProcessScheduler, systemClock } from '../src/engine/scheduler.ts';
import type { EffectInput, MachineInput, ProcedureDefinition, RunnerEvent } from '../src/engine/types.ts';
import type { ExecutionRecord, ExecutionStore, JournalEntry } from '../src/store/contract.ts';
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

/** Times the process was switched out by the OS against its will so far. */
function preemptions(): number {
  return process.resourceUsage().involuntaryContextSwitches;
}

/**
 * Samples of one measurement, each flagged when the OS preempted the process while it ran: on a
 * shared machine those few samples make the p99 a measure of the machine's load, so the figures
 * also give the p99 of the samples that ran undisturbed.
 */
class Timings {
  readonly ms: number[] = [];
  readonly preempted: boolean[] = [];
  private startedAt = 0;
  private switchesAtStart = 0;

  /** Starts a sample. */
  begin(): void {
    this.switchesAtStart = preemptions();
    this.startedAt = performance.now();
  }

  /** Ends a sample; `end()` then `add(lap, n)` when the number of steps is known only later. */
  end(): { ms: number; preempted: boolean } {
    const ms = performance.now() - this.startedAt;
    return { ms, preempted: preemptions() !== this.switchesAtStart };
  }

  /** Records a lap as `steps` samples of equal length. */
  add(lap: { ms: number; preempted: boolean }, steps = 1): void {
    for (let i = 0; i < steps; i += 1) {
      this.ms.push(lap.ms / steps);
      this.preempted.push(lap.preempted);
    }
  }
}

/** Median, p99 and mean of a measurement, in µs; p99 also over the samples not preempted. */
interface Stats {
  medianUs: number;
  p99Us: number;
  meanUs: number;
  p99UsNotPreempted: number;
  preemptedPct: number;
}

function stats(t: Timings): Stats {
  const sorted = [...t.ms].sort((a, b) => a - b);
  const undisturbed = t.ms.filter((_, i) => !t.preempted[i]).sort((a, b) => a - b);
  const at = (xs: number[], q: number): number => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;
  const round = (ms: number): number => Math.round(ms * 1000 * 10) / 10;
  return {
    medianUs: round(at(sorted, 0.5)),
    p99Us: round(at(sorted, 0.99)),
    meanUs: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
    p99UsNotPreempted: round(at(undisturbed, 0.99)),
    preemptedPct: Math.round(((sorted.length - undisturbed.length) / sorted.length) * 1000) / 10,
  };
}

/**
 * Per-step timings of `engine.advance` driving one execution through `steps` steps (a fresh
 * database file per call). With `chain` > 1 one delivery runs up to that many steps; a sample
 * is then the delivery's time divided by the steps it ran.
 */
async function engineSteps(dir: string, name: string, steps: number, chain = 1, given?: ExecutionStore): Promise<Timings> {
  const store = given ?? new SqliteStore(join(dir, `${name}.db`));
  const scheduler = new InProcessScheduler({ clock: systemClock });
  const engine = createEngine({ store, procedures: [loopProcedure()], deps: () => null, scheduler, maxStepsPerAdvance: chain });
  const samples = new Timings();
  const ex = await engine.start('bench-loop', { steps }, { requestedBy: 'bench', approvalRequired: false });
  let done = 0;
  for (;;) {
    const next = scheduler.take();
    if (!next) break;
    samples.begin();
    await engine.advance(next.msg);
    const lap = samples.end();
    const now = (await engine.get(ex.id)).context as { done: number };
    const ran = Math.max(1, now.done - done);
    done = now.done;
    samples.add(lap, ran);
  }
  await store.close();
  return samples;
}

/** Store operations of one step, averaged over a run. */
interface IoPerStep {
  steps: number;
  /** `getExecution` calls. */
  reads: number;
  /** `updateExecution` calls: each one conditional write (one transaction). */
  writes: number;
  /** Journal rows written with those writes. */
  journalRows: number;
  /** Messages delivered to `engine.advance`. */
  deliveries: number;
}

/** A SQLite store that counts what the engine asks of it. */
class CountingStore extends SqliteStore {
  reads = 0;
  writes = 0;
  journalRows = 0;

  override async getExecution(id: string): Promise<ExecutionRecord | null> {
    this.reads += 1;
    return super.getExecution(id);
  }

  override async updateExecution(record: ExecutionRecord, expectedSeq: number, journal: JournalEntry[] = []): Promise<boolean> {
    this.writes += 1;
    this.journalRows += journal.length;
    return super.updateExecution(record, expectedSeq, journal);
  }
}

/** Counts the reads, writes and journal rows per step of one execution (not timed). */
async function ioPerStep(dir: string, steps: number, chain: number): Promise<IoPerStep> {
  const store = new CountingStore(join(dir, `io-${chain}.db`));
  const scheduler = new InProcessScheduler({ clock: systemClock });
  const engine = createEngine({ store, procedures: [loopProcedure()], deps: () => null, scheduler, maxStepsPerAdvance: chain });
  await engine.start('bench-loop', { steps }, { requestedBy: 'bench', approvalRequired: false });
  let deliveries = 0;
  for (let next = scheduler.take(); next; next = scheduler.take()) {
    await engine.advance(next.msg);
    deliveries += 1;
  }
  await store.close();
  const per = (n: number): number => Math.round((n / steps) * 100) / 100;
  return { steps, reads: per(store.reads), writes: per(store.writes), journalRows: per(store.journalRows), deliveries: per(deliveries) };
}

/** The bench procedure's no-op effect called alone (with `await`), as the runner calls it. */
async function bareEffect(count: number): Promise<Timings> {
  const def = loopProcedure();
  const effect = def.effects.noop;
  const input: EffectInput = {
    executionId: 'ex-b',
    procedureId: def.id,
    step: 'Stepping',
    attempt: 1,
    idempotencyKey: 'ex-b:Stepping:1',
    params: { steps: count },
    context: { steps: count, done: 0, lastOutput: 0 },
    now: Date.now(),
  };
  const samples = new Timings();
  for (let i = 0; i < count; i += 1) {
    samples.begin();
    await effect(input, null);
    samples.add(samples.end());
  }
  return samples;
}

/**
 * Bare xstate: its `transition()` alone on a live snapshot (it builds a throw-away actor per
 * call); the runner's cached-scope `pureTransition` alone on a live snapshot (the cheapest way to
 * compute the same transition); `transition()` wrapped in restore-from-JSON and persist-to-JSON;
 * and that round trip with `pureTransition` (the runner's whole xstate path).
 */
function bareTransitions(count: number): {
  restoreTransitionPersist: Timings;
  transitionOnly: Timings;
  cachedScopeTransition: Timings;
  runnerPath: Timings;
} {
  const def = loopProcedure();
  const [initial] = initialTransition(def.machine, { params: { steps: count + 10 }, executionId: 'ex-b', requestedBy: 'b', approvalRequired: false });
  let persisted = JSON.stringify(persistSnapshot(def.machine, initial));
  const full = new Timings();
  for (let i = 0; i < count; i += 1) {
    full.begin();
    const snap = restoreSnapshot(def.machine, JSON.parse(persisted) as never);
    const [next] = transition(def.machine, snap, { type: 'STEP.DONE', output: i });
    persisted = JSON.stringify(persistSnapshot(def.machine, next));
    full.add(full.end());
  }
  let live = initial;
  const only = new Timings();
  for (let i = 0; i < count; i += 1) {
    only.begin();
    [live] = transition(def.machine, live, { type: 'STEP.DONE', output: i });
    only.add(only.end());
  }
  live = initial;
  const cached = new Timings();
  for (let i = 0; i < count; i += 1) {
    cached.begin();
    live = pureTransition(def.machine, live, { type: 'STEP.DONE', output: i });
    cached.add(cached.end());
  }
  const runnerPath = new Timings();
  persisted = JSON.stringify(persistSnapshot(def.machine, initial));
  for (let i = 0; i < count; i += 1) {
    runnerPath.begin();
    const snap = restoreSnapshot(def.machine, JSON.parse(persisted) as never);
    const done: RunnerEvent = { type: 'STEP.DONE', output: i };
    const next = pureTransition(def.machine, snap, done);
    persisted = JSON.stringify(persistSnapshot(def.machine, next));
    runnerPath.add(runnerPath.end());
  }
  return { restoreTransitionPersist: full, transitionOnly: only, cachedScopeTransition: cached, runnerPath };
}

/** A bare conditional write of a record of similar size on the same kind of file. */
function bareWrites(dir: string, count: number, payloadBytes: number): Timings {
  // The same settings as `SqliteStore`.
  const db = new Database(join(dir, 'bare.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 4000');
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL)');
  const data = 'x'.repeat(payloadBytes);
  db.prepare('INSERT INTO t VALUES (?, 0, ?)').run('ex-1', data);
  const update = db.prepare('UPDATE t SET seq = ?, data = ? WHERE id = ? AND seq = ?');
  const samples = new Timings();
  for (let i = 0; i < count; i += 1) {
    samples.begin();
    const r = update.run(i + 1, data, 'ex-1', i);
    samples.add(samples.end());
    if (r.changes !== 1) throw new Error('bare write lost its compare-and-set');
  }
  db.close();
  return samples;
}

/**
 * 1,000 executions × 10 steps, all in flight at once, on one SQLite file (starts included). Wall
 * time depends on what else the machine runs; the process's CPU time (all its threads) does not,
 * so steps per CPU-second is given beside steps per second.
 */
async function throughput(
  dir: string,
  executions: number,
  stepsEach: number,
  chain = 1,
): Promise<{ steps: number; deliveries: number; seconds: number; stepsPerSecond: number; cpuSeconds: number; stepsPerCpuSecond: number }> {
  const store = new SqliteStore(join(dir, `throughput-${chain}.db`));
  const scheduler = new InProcessScheduler({ clock: systemClock });
  const engine = createEngine({ store, procedures: [loopProcedure()], deps: () => null, scheduler, maxStepsPerAdvance: chain });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const done = await store.listExecutions({ status: ['succeeded'] }, { limit: executions + 1 });
  if (done.items.length !== executions) throw new Error(`only ${done.items.length} executions succeeded`);
  await store.close();
  return {
    steps,
    deliveries,
    seconds: Math.round(seconds * 1000) / 1000,
    stepsPerSecond: Math.round(steps / seconds),
    cpuSeconds: Math.round(cpuSeconds * 1000) / 1000,
    stepsPerCpuSecond: Math.round(steps / cpuSeconds),
  };
}

/** What one step costs beyond the transition and the effect, in bare writes. */
function overheadOf(step: Stats, transition: Stats, effect: Stats, write: Stats, io: IoPerStep): Record<string, number> {
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const overheadUs = Math.round((step.medianUs - transition.medianUs - effect.medianUs) * 10) / 10;
  return {
    stepMedianUs: step.medianUs,
    minusBareTransitionUs: transition.medianUs,
    minusEffectUs: effect.medianUs,
    overheadUs,
    bareWriteUs: write.medianUs,
    writesPerStep: io.writes,
    readsPerStep: io.reads,
    overheadToBareWrite: r2(overheadUs / write.medianUs),
    overheadToBareWritePerWrite: r2(overheadUs / write.medianUs / io.writes),
  };
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
    await bareEffect(500);
    const step = stats(await engineSteps(dir, 'steps', STEPS));
    const chained = stats(await engineSteps(dir, 'steps-chained', STEPS, 10));
    const bare = bareTransitions(STEPS);
    const effect = stats(await bareEffect(STEPS));
    const recordBytes = await (async () => {
      const store = new SqliteStore(':memory:');
      const engine = createEngine({ store, procedures: [loopProcedure()], deps: () => null, scheduler: new InProcessScheduler({ clock: systemClock }) });
      const ex = await engine.start('bench-loop', { steps: 5 }, { requestedBy: 'bench', approvalRequired: false });
      const rec = await store.getExecution(ex.id);
      await store.close();
      return JSON.stringify(rec).length;
    })();
    const write = stats(bareWrites(dir, STEPS, recordBytes));
    const io = await ioPerStep(dir, 1000, 1);
    const ioChained = await ioPerStep(dir, 1000, 10);
    const transitionApi = stats(bare.transitionOnly);
    const transitionCached = stats(bare.cachedScopeTransition);
    const transitionFull = stats(bare.restoreTransitionPersist);
    const runnerXstate = stats(bare.runnerPath);
    // The same per-step figure through the Tablestore SDK to the local stand-in (cost model only).
    const creds = { accessKeyId: 'LTAI-bench', accessKeySecret: 'bench-secret', instanceName: 'bench' };
    const standin = await startTablestoreStandin(creds);
    let tablestore: Stats;
    try {
      await engineSteps(dir, 'ots-warm', 100, 1, createTablestoreStore({ ...creds, endpoint: standin.endpoint }));
      tablestore = stats(await engineSteps(dir, 'ots', 1000, 1, createTablestoreStore({ ...creds, endpoint: standin.endpoint })));
    } finally {
      await standin.close();
    }
    const tp = await throughput(dir, 1000, 10);
    const tpChained = await throughput(dir, 1000, 10, 10);
    return {
      perStep: {
        steps: STEPS,
        engineAdvance: step,
        engineAdvanceChained10: chained,
        bareXstateTransition: transitionApi,
        bareXstateTransitionCachedScope: transitionCached,
        bareXstateRestoreTransitionPersist: transitionFull,
        runnerXstatePath: runnerXstate,
        bareEffect: effect,
        bareSqliteConditionalWrite: { ...write, recordBytes },
        ioPerStep: { oneStepPerMessage: io, chained10: ioChained },
      },
      overhead: {
        definition:
          '(engine step − bare transition − effect) / bare write, on medians. Bare transition: xstate transition of a live snapshot ' +
          "through the runner's cached scope (the cheapest way to compute it, so nothing of the engine hides in it; restoring and " +
          "persisting the snapshot count as overhead). xstate's own transition() builds an actor per call and is slower " +
          '(bareXstateTransition). Bare write: one UPDATE … WHERE id = ? AND seq = ? of a record of the same size on the same kind of ' +
          'file; a step makes writesPerStep such writes (lease, then commit with its journal row; chained: one commit that also takes ' +
          'the next lease), so overheadToBareWritePerWrite is the cost of each engine write against a bare one.',
        oneStepPerMessage: overheadOf(step, transitionCached, effect, write, io),
        chained10: overheadOf(chained, transitionCached, effect, write, ioChained),
      },
      tablestoreStandinPerStep: { steps: 1000, engineAdvance: tablestore },
      throughput: { executions: 1000, stepsPerExecution: 10, oneStepPerDelivery: tp, chained10: tpChained },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
