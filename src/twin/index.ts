/**
 * The digital twin of a migration plan (issue 4): read the live state, load an in-process
 * emulator on a virtual clock with a model of it, run the *same* procedure machine through an
 * in-process engine (on a `MemoryStore`, approvals waived) against the twin with probes on the
 * flows that matter, and report the predicted lost probes and blackout per flow. Nothing in the
 * live network changes: the live cloud only sees Describe calls.
 *
 *   const plan = await planMigration('migrate-vpc-to-cen', params, { clouds });
 *   plan.refusals, plan.calls, plan.routes.diff, plan.predictedBlackout.flows
 */
import type { CloudClients } from '../cloud/index.ts';
import { ValidationError } from '../errors.ts';
import type { JsonObject, ProcedureDefinition } from '../engine/types.ts';
import type { EmulatorSnapshot } from '../emulator/model/types.ts';
import type { ProbeFlowSpec } from '../emulator/probes.ts';
import { formatIpv4, parseCidr } from '../net/index.ts';
import { readAndPlan } from '../../workflows/migration/effects.ts';
import { withReadRetries } from '../../workflows/migration/ops.ts';
import { parseMigrationParams } from '../../workflows/migration/params.ts';
import type { MigrationKind, MigrationParams, MigrationPlan } from '../../workflows/migration/types.ts';
import { migrateVbrToCen } from '../../workflows/migrate-vbr-to-cen/index.ts';
import { migrateVpcToCen } from '../../workflows/migrate-vpc-to-cen/index.ts';
import { topologyFromCloud } from './topology-from-cloud.ts';
import { startWorld, type World } from './world.ts';

export { startWorld, type World, type WorldOptions, type RunOptions } from './world.ts';
export { topologyFromCloud } from './topology-from-cloud.ts';

/** Predicted loss of one probed flow. */
export interface PredictedFlow {
  name: string;
  source: string;
  destinationIp: string;
  /** Whether the flow was named in the params or derived from a blocked CEN route. */
  derived: boolean;
  sent: number;
  lost: number;
  /** lost × probe interval. */
  blackoutMs: number;
  longestBlackoutMs: number;
}

/** What running the plan on the twin showed. */
export interface PredictedBlackout {
  /** False when the plan is refused (nothing was simulated). */
  simulated: boolean;
  /** Where the twin came from: the emulator's own snapshot, or a topology built from Describe calls. */
  source: 'snapshot' | 'describe' | 'none';
  /** The execution status the twin reached (`succeeded`, `rolled_back`…). */
  outcome: string;
  probeIntervalMs: number;
  flows: PredictedFlow[];
  totalLost: number;
  maxBlackoutMs: number;
  /** Virtual time the procedure took on the twin. */
  durationMs: number;
  /** Cloud API calls the procedure made on the twin (Vpc + Cbn), and writes among them. */
  calls: { total: number; writes: number };
  /** Why nothing was simulated, or what the twin's execution failed with. */
  reason?: string;
}

/** Options of {@link planMigration}. */
export interface PlanMigrationOptions {
  /** The live cloud (or the emulator standing in for it). Only Describe calls are made. */
  clouds: CloudClients;
  /**
   * Where the twin's state comes from. Default: a topology built from Describe calls. When the
   * live "cloud" is the local emulator, pass a function returning its snapshot (control API
   * `POST /_emulator/snapshot`) for an exact copy, in-flight transitions included.
   */
  snapshot?: () => Promise<EmulatorSnapshot>;
  /** Probe period on the twin's virtual clock. Default 100 ms. */
  probeIntervalMs?: number;
}

const PROCEDURES: Record<string, { kind: MigrationKind; def: ProcedureDefinition<CloudClients> }> = {
  'migrate-vpc-to-cen': { kind: 'vpc', def: migrateVpcToCen },
  'migrate-vbr-to-cen': { kind: 'vbr', def: migrateVbrToCen },
};

const WRITE = /^(Create|Delete|Modify|Attach|Detach|Publish|Withdraw|Add|Enable|Disable|Associate|Unassociate|Set|Terminate|Recover)/;

/** Flows to probe: the params' flows, else one per blocked CEN route from its subject. */
function probeFlows(world: World, plan: MigrationPlan, params: MigrationParams): (ProbeFlowSpec & { name: string; derived: boolean })[] {
  if (params.flows && params.flows.length > 0) {
    return params.flows.map((f) => ({ id: f.name, name: f.name, source: f.source, destinationIp: f.destinationIp, derived: false }));
  }
  const core = world.emulator.model.core;
  const out: (ProbeFlowSpec & { name: string; derived: boolean })[] = [];
  for (const c of plan.conflicts) {
    let source: { source: string; sourceIp?: string } | undefined;
    if (c.childInstanceType === 'VPC') {
      const ecs = [...core.ecsInstances.values()].find((i) => i.vpcId === c.childInstanceId);
      const sw = [...core.vSwitches.values()].find((x) => x.vpcId === c.childInstanceId);
      source = ecs ? { source: ecs.instanceId } : sw ? { source: c.childInstanceId, sourceIp: formatIpv4(parseCidr(sw.cidrBlock).network + 1) } : undefined;
    } else {
      const vbr = core.vbrs.get(c.childInstanceId);
      const pc = vbr ? core.physicalConnections.get(vbr.physicalConnectionId) : undefined;
      const dc = pc ? core.dataCenters.get(pc.dataCenterId) : undefined;
      const ip = dc?.devices[0]?.ip ?? (dc?.cidrBlocks[0] ? formatIpv4(parseCidr(dc.cidrBlocks[0]).network + 1) : undefined);
      source = dc && ip ? { source: dc.dataCenterId, sourceIp: ip } : undefined;
    }
    if (!source) continue;
    for (const b of c.blocked) {
      const r = parseCidr(b.destinationCidrBlock);
      const destinationIp = formatIpv4(r.length >= 31 ? r.network : r.network + 1);
      const name = `${c.childInstanceId}→${destinationIp}`;
      if (out.some((f) => f.name === name)) continue;
      out.push({ id: name, name, ...source, destinationIp, derived: true });
    }
  }
  return out;
}

/**
 * Plans a migration and predicts its blackout on a digital twin.
 * @throws ValidationError for an unknown procedure or bad params; NotFoundError for unknown
 *   CEN/VPC/VBR ids; CloudApiError from the live Describe calls. A refused plan is returned
 *   (with `refusals`), not thrown.
 */
export async function planMigration(
  procedureId: string,
  params: JsonObject,
  opts: PlanMigrationOptions,
): Promise<MigrationPlan & { predictedBlackout: PredictedBlackout }> {
  const proc = PROCEDURES[procedureId];
  if (!proc) throw new ValidationError(`${procedureId} is not a migration procedure (use migrate-vpc-to-cen or migrate-vbr-to-cen)`, { code: 'UnknownProcedure', field: 'procedureId' });
  const parsed = parseMigrationParams(proc.kind, params);
  const live = withReadRetries(opts.clouds);
  const plan = await readAndPlan(live, procedureId, proc.kind, params);
  const interval = opts.probeIntervalMs ?? 100;
  const none = (reason: string, source: PredictedBlackout['source'] = 'none'): PredictedBlackout => ({
    simulated: false, source, outcome: 'not-run', probeIntervalMs: interval, flows: [], totalLost: 0, maxBlackoutMs: 0, durationMs: 0, calls: { total: 0, writes: 0 }, reason,
  });
  if (!plan.runnable) return { ...plan, predictedBlackout: none('the plan is refused: nothing to simulate') };

  const source: PredictedBlackout['source'] = opts.snapshot ? 'snapshot' : 'describe';
  const snapshot = opts.snapshot ? await opts.snapshot() : undefined;
  const topology = snapshot ? undefined : await topologyFromCloud(live, parsed);
  const world = await startWorld({
    regionId: parsed.regionId,
    procedures: [proc.def],
    ...(snapshot ? { snapshot, startAt: snapshot.takenAt } : { topology }),
  });
  try {
    const flows = probeFlows(world, plan, parsed);
    const recorder = world.emulator.model.probes;
    for (const f of flows) recorder.addFlow({ id: f.id, source: f.source, destinationIp: f.destinationIp, ...(f.sourceIp ? { sourceIp: f.sourceIp } : {}) });
    const calls = { total: 0, writes: 0 };
    const started = world.clock.now();
    if (flows.length > 0) recorder.start({ intervalMs: interval });
    const ex = await world.engine.start(procedureId, params, { requestedBy: 'digital-twin', approvalRequired: false });
    const view = await world.run(ex.id);
    recorder.stop();
    const durationMs = world.clock.now() - started;
    for (const c of await world.calls(ex.id)) {
      if (c.product === 'Ecs') continue;
      calls.total++;
      if (WRITE.test(c.action)) calls.writes++;
    }
    const summary = recorder.summary();
    const predicted: PredictedFlow[] = flows.map((f) => {
      const s = summary.find((x) => x.flow === f.id);
      return {
        name: f.name,
        source: f.source,
        destinationIp: f.destinationIp,
        derived: f.derived,
        sent: s?.sent ?? 0,
        lost: s?.lost ?? 0,
        blackoutMs: s?.blackoutMs ?? 0,
        longestBlackoutMs: s?.longestBlackoutMs ?? 0,
      };
    });
    return {
      ...plan,
      predictedBlackout: {
        simulated: true,
        source,
        outcome: view.status,
        probeIntervalMs: interval,
        flows: predicted,
        totalLost: predicted.reduce((a, f) => a + f.lost, 0),
        maxBlackoutMs: Math.max(0, ...predicted.map((f) => f.blackoutMs)),
        durationMs,
        calls,
        ...(view.status !== 'succeeded' ? { reason: `on the twin the execution ended ${view.status}: ${JSON.stringify((view.output as JsonObject | null)?.failure ?? view.error)}` } : {}),
      },
    };
  } finally {
    await world.close();
  }
}
