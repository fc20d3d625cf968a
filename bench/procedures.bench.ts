/**
 * Figures of the chapter 1, 2 and 6 procedures, each run through the engine, the SDK clients and
 * the emulator on a virtual clock:
 * - physical-connection-redundancy: failover measured against interval × threshold (2 s × 8 and
 *   2 s × 3, ECMP and active/standby), flows affected, cloud calls, virtual and wall time;
 * - cloud-service-access: cloud calls and virtual time of adding both /11 routes one at a time;
 * - link-performance-test: totals of the four netperf rounds on eight instances, and wall time.
 */
import type { JsonObject } from '../src/engine/types.ts';
import type { PerfReport } from '../src/perf/index.ts';
import { startWorld, type World } from '../src/twin/world.ts';
import { procedures } from '../workflows/index.ts';

const WRITE = /^(Create|Delete|Modify|Add|RunCommand)/;

async function timed(world: World, procedureId: string, params: JsonObject) {
  const startedVirtual = world.clock.now();
  const started = performance.now();
  const ex = await world.engine.start(procedureId, params, { requestedBy: 'bench', approvalRequired: false });
  const view = await world.run(ex.id);
  const calls = await world.calls(ex.id);
  return {
    view,
    figures: {
      status: view.status,
      wallMs: Math.round(performance.now() - started),
      virtualSeconds: (world.clock.now() - startedVirtual) / 1000,
      cloudCalls: calls.length,
      writeCalls: calls.filter((c) => WRITE.test(c.action)).length,
    },
  };
}

const ch6 = (over: JsonObject = {}): JsonObject => ({
  regionId: 'cn-shanghai',
  vpcId: 'vpc-uf614ufdjl3n871accgzx',
  dataCenterCidrBlocks: ['172.16.0.0/16'],
  connections: [
    { vbrId: 'vbr-uf6vbr00000000000000001', healthCheckSourceIp: '192.168.10.1' },
    { vbrId: 'vbr-uf6vbr00000000000000002', healthCheckSourceIp: '192.168.10.2' },
  ],
  failoverTest: { sourceInstanceId: 'i-uf6app000000000000001', targetIps: ['172.16.0.10', '172.16.0.11'] },
  ...over,
});

/** Runs the benchmarks and returns their figures. */
export default async function run(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};

  const redundancy = await startWorld({ regionId: 'cn-shanghai', procedures, topology: 'ch6-redundancy' });
  try {
    for (const [name, over] of [
      ['ecmp 2s x 8', {}],
      ['ecmp 2s x 3', { healthCheck: { intervalSeconds: 2, threshold: 3 } }],
      ['active-standby 2s x 8', { mode: 'active-standby' }],
    ] as Array<[string, JsonObject]>) {
      redundancy.emulator.reset();
      const { view, figures } = await timed(redundancy, 'physical-connection-redundancy', ch6(over));
      const f = (view.output as unknown as { failoverTest: { failoverMs: number; goalMs: number; affectedFlows: number; flows: number } }).failoverTest;
      out[`redundancy ${name}`] = { ...figures, failoverMs: f.failoverMs, goalMs: f.goalMs, affectedFlows: `${f.affectedFlows}/${f.flows}` };
    }
    const again = await timed(redundancy, 'physical-connection-redundancy', ch6({ mode: 'active-standby' }));
    out['redundancy second run'] = again.figures;
  } finally {
    await redundancy.close();
  }

  const access = await startWorld({ regionId: 'cn-hangzhou', procedures, topology: 'ch1-cloud-service-access' });
  try {
    const { figures } = await timed(access, 'cloud-service-access', { regionId: 'cn-hangzhou', vbrId: 'vbr-bp1vbr000000000000001', vpcId: 'vpc-bp1cloudsvc00000000001', verification: { source: '10.100.0.10' } });
    out['cloud-service-access'] = figures;
  } finally {
    await access.close();
  }

  const perf = await startWorld({ regionId: 'cn-hangzhou', procedures, topology: 'ch2-link-performance' });
  try {
    const { view, figures } = await timed(perf, 'link-performance-test', {
      regionId: 'cn-hangzhou',
      instanceIds: Array.from({ length: 8 }, (_, i) => `i-bp1perf0000000000000${i + 2}`),
      dataCenterDevice: { instanceId: 'mi-bp1perfdevice000000001', ip: '192.168.100.1' },
      physicalConnectionId: 'pc-bp1perfline0000000001',
      durationSeconds: 60,
    });
    const reports = (view.output as unknown as { reports: Array<{ direction: string; mode: string; report: PerfReport }> }).reports;
    out['link-performance-test netperf 8 instances 60 s'] = {
      ...figures,
      rounds: reports.map((r) => ({
        round: `${r.direction}/${r.mode}`,
        totalMbps: Number((r.report.total.bitsPerSecond / 1e6).toFixed(2)),
        totalPps: Math.round(r.report.total.packetsPerSecond ?? 0),
        streamsAtHashLimit: r.report.judgement.streamsAtHashLimit,
      })),
    };
  } finally {
    await perf.close();
  }
  return out;
}
