/**
 * Kill test: the runner runs in child processes that SIGKILL themselves at seeded points; every
 * run must still reach its final state with each effect applied exactly once as seen by the
 * ledger. Two lanes (own database and ledger each) run side by side. In each lane, child c starts
 * a batch of runs and dies at a seeded boundary of the batch's first run; the batch's other runs,
 * moving in lockstep behind it, die wherever they stand (each run's own boundary count is logged).
 * The next child recovers them (sweep after the lease lapses) and retries a start that was cut
 * short; a last child per lane finishes everything. Lane 0 runs one step per delivery, lane 1
 * chains up to five (the next step's lease taken in the commit of the previous one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { seededRandom } from '../../src/engine/retry.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { FileLedger } from '../support/test-machines.ts';
import { killRunParams, type KillChildArgs } from './kill-child.ts';

const here = dirname(fileURLToPath(import.meta.url));
const LANES = 2;
const RUNS_PER_LANE = 100;
const BATCH = 4;
/** Virtual time between children: longer than any lease or back-off. */
const GAP = 5 * 60_000;
const BASE = Date.UTC(2026, 0, 1);

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Death {
  designated: number;
  killAt: number;
  points: Record<string, number>;
}

function runChild(bundle: string, args: KillChildArgs): Promise<ChildResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bundle, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

test(`${LANES * RUNS_PER_LANE} runs SIGKILLed at seeded points all reach their final state, each effect applied once`, async (t) => {
  // Prepare: bundle the child once (fast start-up), next to a node_modules link for better-sqlite3.
  const work = mkdtempSync(join(tmpdir(), 'xcflow-kill-'));
  symlinkSync(realpathSync(resolve(here, '../../node_modules')), join(work, 'node_modules'), 'dir');
  const bundle = join(work, 'child.mjs');
  await build({
    entryPoints: [join(here, 'kill-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3'],
    outfile: bundle,
    logLevel: 'warning',
  });
  // Calibrate per lane: how many boundaries a (succeeding) run has when nothing kills it.
  const chainOf = (lane: number): number => (lane === 0 ? 1 : 5);
  const perRun: number[] = [];
  for (let lane = 0; lane < LANES; lane += 1) {
    const calibration = await runChild(bundle, {
      dbPath: join(work, `calibration-${lane}.db`),
      ledgerDir: join(work, `calibration-${lane}-ledger`),
      batch: [0],
      retry: [],
      deathLog: join(work, 'calibration-deaths.jsonl'),
      killAt: Number.MAX_SAFE_INTEGER,
      now: BASE,
      seed: 1,
      chain: chainOf(lane),
    });
    assert.equal(calibration.code, 0, calibration.stderr);
    perRun.push((JSON.parse(calibration.stdout) as { boundaries: number }).boundaries);
  }
  assert.ok(perRun.every((n) => n > 20), `runs have ${perRun.join(', ')} boundaries`);

  // Act
  const survivors: string[] = [];
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      const random = seededRandom(4242 + lane);
      const common = {
        dbPath: join(work, `lane-${lane}.db`),
        ledgerDir: join(work, `lane-${lane}-ledger`),
        deathLog: join(work, `lane-${lane}-deaths.jsonl`),
        chain: chainOf(lane),
      };
      let previous: number[] = [];
      for (let first = 0; first < RUNS_PER_LANE; first += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, RUNS_PER_LANE - first) }, (_, i) => first + i);
        // Up to a step (a chain) before the designated run's end, while the rest of the batch still runs.
        const killAt = 1 + Math.floor(random() * (perRun[lane] - (lane === 0 ? 15 : 30)));
        const result = await runChild(bundle, { ...common, batch, retry: previous, killAt, now: BASE + (first / BATCH) * GAP, seed: lane * 1000 + first });
        if (result.signal !== 'SIGKILL') {
          assert.equal(result.code, 0, result.stderr);
          survivors.push(`lane ${lane} batch ${first} (killAt ${killAt})`);
        }
        previous = batch;
      }
      const finish = await runChild(bundle, { ...common, batch: [], retry: previous, killAt: 0, now: BASE + (RUNS_PER_LANE / BATCH + 1) * GAP, seed: 7 });
      assert.equal(finish.code, 0, finish.stderr);
    }),
  );

  // Assess
  const killedAt = new Map<string, number[]>();
  let recovered = 0;
  for (let lane = 0; lane < LANES; lane += 1) {
    const deaths = readFileSync(join(work, `lane-${lane}-deaths.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Death);
    for (const d of deaths) for (const [run, point] of Object.entries(d.points)) killedAt.set(`${lane}:${run}`, [...(killedAt.get(`${lane}:${run}`) ?? []), point]);
    const store = new SqliteStore(join(work, `lane-${lane}.db`));
    const ledger = new FileLedger(join(work, `lane-${lane}-ledger`));
    const all = await store.listExecutions({}, { limit: 1000 });
    assert.equal(all.items.length, RUNS_PER_LANE, 'one execution per run (idempotent start)');
    for (const rec of all.items) {
      const run = Number(rec.idempotencyKey?.replace('run-', ''));
      const failVerify = killRunParams(run).failVerify;
      assert.equal(rec.status, failVerify ? 'rolled_back' : 'succeeded', `lane ${lane} run ${run}: ${rec.status} ${JSON.stringify(rec.error)}`);
      const seen = new Map<string, number>();
      for (const l of ledger.lines(rec.id)) seen.set(`${l.op}:${l.item ?? ''}`, (seen.get(`${l.op}:${l.item ?? ''}`) ?? 0) + 1);
      const expected = ['plan:', 'apply:p', 'apply:q', 'apply:r', ...(failVerify ? ['undo:r', 'undo:q', 'undo:p'] : [])];
      assert.deepEqual([...seen.keys()].sort(), expected.sort(), `lane ${lane} run ${run}`);
      for (const [key, n] of seen) assert.equal(n, 1, `lane ${lane} run ${run}: ${key} applied ${n} times`);
      const journal = (await store.readJournal(rec.id, { limit: 5000 })).items;
      assert.deepEqual(journal.map((e) => e.seq), journal.map((_, i) => i + 1), 'journal is gap-free');
      if (journal.some((e) => e.kind === 'lease.expired')) recovered += 1;
    }
    for (let run = 0; run < RUNS_PER_LANE; run += 1) assert.equal(await store.getLock(`route-table:vtb-${run}`), null);
    await store.close();
  }
  assert.deepEqual(survivors, [], 'every child died at its kill point');
  const points = [...killedAt.values()].map((p) => p[0]);
  assert.equal(killedAt.size, LANES * RUNS_PER_LANE, 'every run was killed mid-way at least once');
  assert.ok(new Set(points).size >= 40, `distinct kill points: ${new Set(points).size}`);
  assert.ok(recovered > 0, 'some runs were taken over after a lapsed lease');
  t.diagnostic(`${perRun.join(' / ')} boundaries per run; ${new Set(points).size} distinct first kill points; ${recovered} runs taken over after a lapsed lease`);
  rmSync(work, { recursive: true, force: true });
});
