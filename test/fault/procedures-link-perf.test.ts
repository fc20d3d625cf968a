/**
 * `link-performance-test` (seed chapter 2) under faults. It changes nothing in the network but
 * starts commands through Cloud Assistant, so "each change once" means each server and client
 * command started once (RunCommand with a ClientToken per stream), and "the same end" means the
 * same figures as a fault-free run. Throttling and TaskConflict on every call, every delivery
 * duplicated, the runner SIGKILLed at a sample of step boundaries (servers and clients started,
 * results collected, the report), and a permanent RunCommand error (reported for its stream,
 * the others measured, nothing started twice).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutionView } from '../../src/engine/engine.ts';
import type { PerfReport } from '../../src/perf/index.ts';
import { startWorld, type World } from '../../src/twin/world.ts';
import { LINK_PERF, WriteRecorder, commandsRun, networkDump, worldOptions } from './support/procedure-faults.ts';
import { runProcedureFaultSuite } from './support/procedure-faults.case.ts';
import { permanentCodeFor, runClean, runWithPermanentErrorAt, type CleanRun } from './support/procedure-runs.ts';

/** Each round's figures per stream and its errors: what a run measured. */
function figures(view: ExecutionView): unknown[] {
  const reports = (view.output as unknown as { reports: Array<{ direction: string; mode: string; report: PerfReport }> }).reports;
  return reports.map((r) => ({
    round: `${r.direction}/${r.mode}`,
    streams: r.report.streams.map((s) => [s.instanceId, s.bitsPerSecond, s.receivedPackets ?? null]),
    errors: r.report.errors.map((e) => [e.instanceId, e.code]),
  }));
}

/** The 1-based indexes of the n-th boundary at each of `states`. */
function nth(boundaries: readonly string[], picks: Array<[string, number]>): number[] {
  return picks.map(([state, n]) => boundaries.map((b, i) => (b === state ? i + 1 : 0)).filter((i) => i > 0)[n - 1] ?? 0).sort((a, b) => a - b);
}

runProcedureFaultSuite({
  case: LINK_PERF,
  faults: { seed: 7, throttlingRate: 0.3, taskConflictRate: 0.3 },
  // Servers wait for their client at most the test + 180 s (their Timeout): a round whose steps
  // retry with back-offs of up to 8 s can outlast that (StartingClients makes 2 calls per stream
  // per attempt, ~0.7^8 × 0.7^4 ≈ 4% of attempts get through), so retries here back off ≤ 2 s.
  retry: { maxFailures: 500, baseMs: 500, capMs: 2000 },
  injected: ['30% throttling on every call plus 30% TaskConflict on RunCommand', (n) => (n['Throttling.User'] ?? 0) >= 30 && (n.TaskConflict ?? 0) >= 5],
  kills: {
    label: 'a sample of step boundaries (servers started, clients started, results collected, the report)',
    select: (b) => nth(b, [['StartingServers', 1], ['StartingClients', 1], ['CollectingResults', 1], ['StartingClients', 2], ['Reporting', 1]]),
  },
  rollsBack: false,
  sameOutcome: (clean, world, view) => {
    assert.deepEqual(commandsRun(world), clean.commands, 'each server and client started once');
    assert.deepEqual(figures(view), figures(clean.view), 'the same figures');
  },
});

let clean: CleanRun;
let world: World;
before(async () => {
  clean = await runClean(LINK_PERF);
  world = await startWorld(worldOptions(LINK_PERF));
});
after(() => world.close());

test('link-performance-test: a permanent RunCommand error is reported for its stream, the others are measured, nothing starts twice', async () => {
  // Prepare: the second command of the first round is the second stream's server.
  const initial = await networkDump(world);
  const second = clean.writeSequence[1];
  assert.equal(second?.action, 'RunCommand');
  const instance = (second?.target ?? '').split(' ')[0];
  const writes = new WriteRecorder(world);
  // Act
  const view = await runWithPermanentErrorAt(world, LINK_PERF, writes, 2, 'RunCommand');
  // Assess
  assert.equal(view.status, 'succeeded', JSON.stringify(view.output).slice(0, 1500));
  const [first, ...rest] = figures(view) as Array<{ streams: unknown[][]; errors: unknown[][] }>;
  const [cleanFirst, ...cleanRest] = figures(clean.view) as Array<{ streams: unknown[][]; errors: unknown[][] }>;
  assert.equal(writes.errors()[permanentCodeFor('RunCommand')], 1);
  assert.equal(first?.errors.length, 1, JSON.stringify(first?.errors));
  assert.equal(first?.errors[0]?.[1], permanentCodeFor('RunCommand'));
  assert.deepEqual(first?.streams, cleanFirst?.streams.filter((s) => s[0] !== first?.errors[0]?.[0]), 'the other streams of the round measured as without the fault');
  assert.deepEqual(rest, cleanRest, 'the next round is not affected');
  assert.ok(instance, 'the refused command names its instance');
  for (const [key, n] of writes.applied()) assert.equal(n, 1, `${key} started ${n} times`);
  assert.deepEqual(await networkDump(world), initial, 'the network is as it was');
});
