/**
 * Runs of a procedure case that the fault tests compare against: the fault-free reference run
 * (final state, writes, journal, step boundaries) and a run whose N-th write meets a permanent
 * error (the emulator's scripted "one action failing" fault, set just before that write).
 */
import type { ExecutionView } from '../../../src/engine/engine.ts';
import type { JournalEntry } from '../../../src/store/contract.ts';
import { startWorld, type World } from '../../../src/twin/world.ts';
import { WriteRecorder, clearFaults, commandsRun, networkDump, setFaults, startCase, worldOptions, type ProcedureCase } from './procedure-faults.ts';

/** What a fault-free run did. */
export interface CleanRun {
  view: ExecutionView;
  /** `networkDump` at the end. */
  final: unknown;
  /** Writes that changed something, `action target` → count. */
  applied: Map<string, number>;
  /** Those writes in order. */
  writeSequence: Array<{ action: string; target: string }>;
  /** Cloud Assistant commands run (`commandsRun`). */
  commands: string[];
  journal: JournalEntry[];
}

/** Runs the case once without faults on a fresh world. */
export async function runClean(c: ProcedureCase): Promise<CleanRun> {
  const world = await startWorld(worldOptions(c));
  const writes = new WriteRecorder(world);
  try {
    const id = await startCase(world, c);
    const view = await world.run(id);
    if (view.status !== 'succeeded') throw new Error(`the fault-free run of ${c.procedureId} ended ${view.status}: ${JSON.stringify(view.output).slice(0, 1000)}`);
    return {
      view,
      final: await networkDump(world),
      applied: writes.applied(),
      writeSequence: writes.calls.filter((w) => !w.code && !w.replay).map((w) => ({ action: w.action, target: w.target })),
      commands: commandsRun(world),
      journal: (await world.engine.journal(id, { limit: 5000 })).items,
    };
  } finally {
    await world.close();
  }
}

/**
 * The step boundaries of a run, in order, by state: each effect that returned and each wait poll
 * that found its target reached (where the kill runner counts them with `killAtReadyWaits`).
 */
export function boundariesOf(run: CleanRun): string[] {
  return run.journal.filter((e) => (e.kind === 'effect' || e.kind === 'poll') && e.data.outcome === 'ok').map((e) => e.state ?? '?');
}

/** A permanent (non-retryable) error code the real API gives for the action. */
export function permanentCodeFor(action: string): string {
  // CreateRouteEntry: the table's custom-route quota is used up; RunCommand: the instance's Cloud
  // Assistant agent is too old (alibaba-api.md §6); otherwise a RAM policy denies the action.
  if (action === 'CreateRouteEntry') return 'QuotaExceeded';
  if (action === 'RunCommand') return 'ClientNeedUpgrade';
  return 'Forbidden.RAM';
}

/**
 * Runs the case with a permanent error on its `n`-th applied write (of `action`): the emulator's
 * scripted "action fails the next N times" fault (N = 1, a permanent code) is set right after the
 * (n−1)-th write is answered, so it fires on the next call of `action`.
 */
export async function runWithPermanentErrorAt(world: World, c: ProcedureCase, writes: WriteRecorder, n: number, action: string): Promise<ExecutionView> {
  const fault = { failures: [{ action, code: permanentCodeFor(action), times: 1 }] };
  // Started first: the start's validation may call the action with DryRun, which must pass.
  const id = await startCase(world, c);
  // The same as POST /_emulator/faults, set in process so that it lands between two writes of one step.
  if (n === 1) await setFaults(world, fault);
  else writes.afterApplied(n - 1, () => world.emulator.faults.set(fault));
  try {
    return await world.run(id);
  } finally {
    await clearFaults(world);
  }
}
