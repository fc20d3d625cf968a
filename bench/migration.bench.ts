/**
 * Migration figures (issue 4), each procedure run through the engine, the SDK clients and the
 * emulator on a virtual clock:
 * - lost probes during the smooth migration of each seed example (5.1, 5.2; goal 0);
 * - cloud API calls (Vpc + Cbn) per migration against the plan's minimum (goal ≤ 1.2× without faults),
 *   and the same with 30% throttling + TaskConflict injected;
 * - virtual seconds to complete and the share spent in wait steps (cloud status);
 * - intermittent 5.1: measured blackout against the digital twin's prediction.
 */
import type { AnyStateMachine } from 'xstate';
import type { JsonObject, StepMeta } from '../src/engine/types.ts';
import { planMigration } from '../src/twin/index.ts';
import { startWorld, type World } from '../src/twin/world.ts';
import { readAndPlan } from '../workflows/migration/effects.ts';
import type { MigrationKind } from '../workflows/migration/types.ts';
import { procedures } from '../workflows/index.ts';

const WRITE = /^(Create|Delete|Modify|Attach|Detach|Publish|Withdraw|Add|Enable|Disable)/;
const round = (x: number, d = 3): number => Number(x.toFixed(d));

interface Example {
  name: string;
  procedureId: 'migrate-vpc-to-cen' | 'migrate-vbr-to-cen';
  kind: MigrationKind;
  topology: string;
  regionId: string;
  params: JsonObject;
  flows: { name: string; source: string; destinationIp: string }[];
}

const seed51: Example = {
  name: 'seed 5.1 (ch5-1-vpc-migration)',
  procedureId: 'migrate-vpc-to-cen',
  kind: 'vpc',
  topology: 'ch5-1-vpc-migration',
  regionId: 'cn-shanghai',
  params: { regionId: 'cn-shanghai', cenId: 'cen-mig0000000000000001', vpcId: 'vpc-uf6mig0000000000000001', acknowledgeRemainder: true },
  flows: [{ name: 'shanghai-app→qingdao-app', source: 'i-uf6mig000000000000001', destinationIp: '172.16.1.10' }],
};
const seed52: Example = {
  name: 'seed 5.2 (scenario-vbr-health-check)',
  procedureId: 'migrate-vbr-to-cen',
  kind: 'vbr',
  topology: 'scenario-vbr-health-check',
  regionId: 'cn-hangzhou',
  params: { regionId: 'cn-hangzhou', cenId: 'cen-vbrmig000000000000001', vbrId: 'vbr-bp1vbrmig000000000001', vpcId: 'vpc-m5evbrmig0000000000001', vpcRegionId: 'cn-qingdao', acknowledgeRemainder: true },
  flows: [
    { name: 'idc→qingdao-app', source: '10.1.0.10', destinationIp: '192.168.1.10' },
    { name: 'qingdao-app→idc', source: 'i-m5evbrmig00000000001', destinationIp: '10.1.0.10' },
  ],
};

/** Virtual ms spent in each kind of step, from the journal's transitions. */
async function timeByStepKind(world: World, id: string, machine: AnyStateMachine, startedAt: number, endedAt: number): Promise<Record<string, number>> {
  const entries = (await world.engine.journal(id, { limit: 10_000 })).items.filter((e) => e.kind === 'transition');
  const out: Record<string, number> = { effect: 0, wait: 0, approval: 0 };
  let state = 'Planning';
  let since = startedAt;
  const kindOf = (s: string): string => {
    try {
      const meta = machine.getStateNodeById(`${machine.id}.${s}`).meta as { step?: StepMeta } | undefined;
      return meta?.step?.kind ?? 'effect';
    } catch {
      return 'effect';
    }
  };
  for (const e of entries) {
    out[kindOf(state)] = (out[kindOf(state)] ?? 0) + (e.at - since);
    state = String(e.data.to);
    since = e.at;
  }
  out[kindOf(state)] = (out[kindOf(state)] ?? 0) + (endedAt - since);
  return out;
}

async function runExample(ex: Example, mode: 'smooth' | 'intermittent', faults?: JsonObject): Promise<Record<string, unknown>> {
  const world = await startWorld({ regionId: ex.regionId, procedures, topology: ex.topology, ...(faults ? { retry: { maxFailures: 40, baseMs: 500, capMs: 8000 } } : {}) });
  try {
    const params = { ...ex.params, mode, flows: ex.flows };
    const plan = await readAndPlan(world.cloud, ex.procedureId, ex.kind, params);
    const predicted = mode === 'intermittent' ? await planMigration(ex.procedureId, params, { clouds: world.cloud }) : undefined;
    const recorder = world.emulator.model.probes;
    for (const f of ex.flows) recorder.addFlow({ id: f.name, source: f.source, destinationIp: f.destinationIp });
    recorder.start({ intervalMs: 100 });
    const startedAt = world.clock.now();
    const wallStart = performance.now();
    const started = await world.engine.start(ex.procedureId, params, { requestedBy: 'bench', approvalRequired: false });
    if (faults) world.emulator.faults.set(faults);
    const view = await world.run(started.id);
    const endedAt = world.clock.now();
    const wallMs = performance.now() - wallStart;
    recorder.stop();
    world.emulator.faults.clear();
    const calls = (await world.calls(started.id)).filter((c) => c.product !== 'Ecs');
    const writes = calls.filter((c) => WRITE.test(c.action) && !c.errorCode);
    const def = procedures.find((p) => p.id === ex.procedureId);
    const byKind = def ? await timeByStepKind(world, started.id, def.machine, startedAt, endedAt) : {};
    const total = endedAt - startedAt;
    return {
      status: view.status,
      lostProbes: Object.fromEntries(recorder.summary().map((s) => [s.flow, s.lost])),
      blackoutMs: Object.fromEntries(recorder.summary().map((s) => [s.flow, s.blackoutMs])),
      ...(predicted ? { predictedBlackoutMs: Object.fromEntries(predicted.predictedBlackout.flows.map((f) => [f.name, f.blackoutMs])) } : {}),
      cloudCalls: calls.length,
      planMinimumCalls: plan.callCounts.total,
      callsVsMinimum: round(calls.length / plan.callCounts.total),
      writeCalls: writes.length,
      planMinimumWrites: plan.callCounts.write,
      failedCalls: calls.filter((c) => c.errorCode).length,
      virtualSeconds: round(total / 1000),
      shareWaitingOnCloudStatus: round((byKind.wait ?? 0) / total),
      virtualMsByStepKind: byKind,
      // Effects take no virtual time (the clock moves only between deliveries); this is the real
      // time the whole run took, loopback calls to the emulator and SQLite commits included.
      wallMs: round(wallMs, 1),
    };
  } finally {
    await world.close();
  }
}

/** Runs every figure. */
export default async function run(): Promise<Record<string, unknown>> {
  const faults = { seed: 7, throttlingRate: 0.3, taskConflictRate: 0.3 };
  return {
    smooth51: await runExample(seed51, 'smooth'),
    smooth52: await runExample(seed52, 'smooth'),
    intermittent51: await runExample(seed51, 'intermittent'),
    smooth52WithFaults: await runExample(seed52, 'smooth', faults),
  };
}
