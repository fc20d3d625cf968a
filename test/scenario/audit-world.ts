/**
 * Harness of the health-audit scenarios: the twin world (emulator + SDK clients + engine on one
 * virtual clock) with every procedure and the audit registered, the emulator's control API, and
 * the chapter 6 configuration done through the cloud clients (what the redundancy procedure of
 * seed chapter 6 sets: health checks 2 s × 8 on both VBR-side router interfaces, an ECMP route
 * with equal weights).
 */
import assert from 'node:assert/strict';
import { startWorld, type World } from '../../src/twin/world.ts';
import type { ExecutionView } from '../../src/engine/engine.ts';
import type { JsonObject, ProcedureDefinition } from '../../src/engine/types.ts';
import type { CloudClients } from '../../src/cloud/index.ts';
import type { EmulatorSnapshot } from '../../src/emulator/model/types.ts';
import type { TopologyFile } from '../../src/emulator/index.ts';
import { procedures } from '../../workflows/index.ts';
import { createHealthAudit, getLatestAuditRun, HEALTH_AUDIT, type AuditRunView, type FindingState } from '../../workflows/health-audit/index.ts';

/** Ids of the chapter 6 topology (`ch6-redundancy`, also in `default`). */
export const CH6 = {
  region: 'cn-shanghai',
  vpc: 'vpc-uf614ufdjl3n871accgzx',
  vpcTable: 'vtb-uf6b2w3kq8r1n0m5x7j9a',
  idcCidr: '172.16.0.0/16',
  server: '172.16.0.10',
  app: 'i-uf6app000000000000001',
  lines: [
    { vbr: 'vbr-uf6vbr00000000000000001', table: 'vtb-uf6vbr1rt000000000001', pc: 'pc-uf6line0000000000000001', vbrRi: 'ri-uf6vbr1side0000000001', vpcRi: 'ri-uf69ejgh2atodylnx8nl9', source: '192.168.10.1', target: '10.10.10.2' },
    { vbr: 'vbr-uf6vbr00000000000000002', table: 'vtb-uf6vbr2rt000000000001', pc: 'pc-uf6line0000000000000002', vbrRi: 'ri-uf6vbr2side0000000001', vpcRi: 'ri-uf6vpcside20000000001', source: '192.168.10.2', target: '10.10.11.2' },
  ],
  cen: 'cen-default00000000000001',
} as const;

/** A world with the audit registered. */
export interface AuditWorld {
  world: World;
  cloud: CloudClients;
  /** Runs an audit to its end (remediation executions it starts stay at their approval gates). */
  audit(params?: JsonObject, requestedBy?: string): Promise<ExecutionView>;
  latest(): Promise<AuditRunView>;
  /** Open findings of the latest run of one check. */
  open(checkId: string): Promise<FindingState[]>;
  /** Emulator control API. */
  control(method: string, path: string, body?: unknown): Promise<{ status: number; body: JsonObject }>;
  /** Changes the emulator's model through a snapshot round trip (POST/PUT /_emulator/snapshot). */
  editModel(edit: (s: EmulatorSnapshot) => void): Promise<void>;
  /** Advances the virtual clock (route entries settle, CEN routes activate, health checks probe). */
  advance(ms: number): Promise<void>;
  /** Runs an execution to its approval gate, approves it (as `bob`, an approver) and runs it to its end. */
  approveAndRun(executionId: string, approver?: string): Promise<ExecutionView>;
  /** Delivers what is queued for an execution resting at its gate (a decision, a cancel), then runs it on. */
  runFromGate(executionId: string): Promise<ExecutionView>;
  reset(): void;
  close(): Promise<void>;
}

/** Starts a world on `topology` (clients in `regionId`, default cn-shanghai) with every procedure, the audit and `extra` procedures. */
export async function startAuditWorld(topology: string | TopologyFile, opts: { regionId?: string; extra?: ProcedureDefinition<CloudClients>[] } = {}): Promise<AuditWorld> {
  const late: { world?: World } = {};
  const audit = createHealthAudit(() => ({ store: late.world!.store, engine: () => late.world!.engine }));
  const world = await startWorld({ regionId: opts.regionId ?? CH6.region, procedures: [...procedures, audit, ...(opts.extra ?? [])], topology });
  late.world = world;
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${world.emulator.endpoint}/_emulator/${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: res.status, body: (await res.json()) as JsonObject };
  };
  const aw: AuditWorld = {
    world,
    cloud: world.cloud,
    async audit(params = {}, requestedBy = 'alice') {
      const ex = await world.engine.start(HEALTH_AUDIT, params, { requestedBy });
      const view = await world.run(ex.id);
      assert.equal(view.status, 'succeeded', `audit ended ${view.status}: ${JSON.stringify(view.error ?? view.output)}`);
      return view;
    },
    async latest() {
      const v = await getLatestAuditRun(world.store);
      assert.ok(v, 'no audit run recorded');
      return v;
    },
    async open(checkId) {
      return (await aw.latest()).open.filter((f) => f.checkId === checkId);
    },
    control,
    async editModel(edit) {
      const snap = await control('POST', 'snapshot');
      assert.equal(snap.status, 200);
      const s = snap.body as unknown as EmulatorSnapshot;
      edit(s);
      const put = await control('PUT', 'snapshot', s);
      assert.equal(put.status, 200, JSON.stringify(put.body));
    },
    async advance(ms) {
      world.clock.advance(ms);
    },
    async approveAndRun(executionId, approver = 'bob') {
      // First to its gate (steps before it, e.g. planning), then the decision.
      const atGate = await world.run(executionId);
      assert.equal(atGate.status, 'awaiting_approval', `${executionId} is ${atGate.status}: ${JSON.stringify(atGate.error)}`);
      await world.engine.approve(executionId, { id: approver, roles: ['approver'] });
      return aw.runFromGate(executionId);
    },
    async runFromGate(executionId) {
      // World.run stops at an approval gate: deliver until the decision or signal is taken in.
      for (let n = 0; n < 100 && (await world.engine.get(executionId)).status === 'awaiting_approval'; n += 1) {
        const next = world.scheduler.take();
        if (!next) break;
        if (next.dueAt > world.clock.now()) world.clock.advanceTo(next.dueAt);
        await world.engine.advance(next.msg);
      }
      return world.run(executionId);
    },
    reset() {
      world.emulator.reset();
    },
    close: () => world.close(),
  };
  return aw;
}

/** Seed chapter 6 through the SDK clients: health checks on both lines, ECMP route with equal weights (or the given weights). */
export async function configureRedundancy(aw: AuditWorld, opts: { weights?: [number, number]; healthChecks?: boolean; hcRate?: number; hcThreshold?: number } = {}): Promise<void> {
  const vpc = aw.cloud.vpc;
  if (opts.healthChecks !== false) {
    for (const l of CH6.lines) {
      await vpc.modifyRouterInterfaceAttribute({
        routerInterfaceId: l.vbrRi,
        healthCheckSourceIp: l.source,
        healthCheckTargetIp: l.target,
        hcRate: opts.hcRate ?? 2000,
        hcThreshold: opts.hcThreshold ?? 8,
      });
    }
  }
  const [w1, w2] = opts.weights ?? [100, 100];
  await vpc.createRouteEntry({
    routeTableId: CH6.vpcTable,
    destinationCidrBlock: CH6.idcCidr,
    nextHopList: [
      { nextHopType: 'RouterInterface', nextHopId: CH6.lines[0].vpcRi, weight: w1 },
      { nextHopType: 'RouterInterface', nextHopId: CH6.lines[1].vpcRi, weight: w2 },
    ],
  });
  await aw.advance(10_000);
}
