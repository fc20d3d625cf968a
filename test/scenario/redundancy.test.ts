/**
 * `physical-connection-redundancy` (seed chapter 6) end to end on the chapter 6 topology: the
 * engine runs the procedure, its effects call the emulator through the SDK clients, the failover
 * test takes a line down through the emulator's control API, and the one virtual clock drives
 * health checks, probes and the engine's waits.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CloudClients, RouteEntry } from '../../src/cloud/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { readTopologyFile } from '../../src/emulator/topology.ts';
import { procedures } from '../../workflows/index.ts';
import { startWorld, type World } from '../../src/twin/world.ts';

const REGION = 'cn-shanghai';
const VPC = 'vpc-uf614ufdjl3n871accgzx';
const VPC_TABLE = 'vtb-uf6b2w3kq8r1n0m5x7j9a';
const VBR_1 = 'vbr-uf6vbr00000000000000001';
const VBR_2 = 'vbr-uf6vbr00000000000000002';
const VBR_RI_1 = 'ri-uf6vbr1side0000000001';
const VBR_RI_2 = 'ri-uf6vbr2side0000000001';
const VPC_RI_1 = 'ri-uf69ejgh2atodylnx8nl9';
const VPC_RI_2 = 'ri-uf6vpcside20000000001';
const LINE_1 = 'pc-uf6line0000000000000001';
const LINE_2 = 'pc-uf6line0000000000000002';

/** The seed's chapter 6 configuration table, as parameters. */
const seedParams = (over: JsonObject = {}): JsonObject => ({
  regionId: REGION,
  vpcId: VPC,
  dataCenterCidrBlocks: ['172.16.0.0/16'],
  connections: [
    { vbrId: VBR_1, healthCheckSourceIp: '192.168.10.1', healthCheckTargetIp: '10.10.10.2', routeCidrBlock: '10.10.10.0/24' },
    { vbrId: VBR_2, healthCheckSourceIp: '192.168.10.2', healthCheckTargetIp: '10.10.11.2', routeCidrBlock: '10.10.11.0/24' },
  ],
  failoverTest: { sourceInstanceId: 'i-uf6app000000000000001', targetIps: ['172.16.0.10', '172.16.0.11'] },
  ...over,
});

interface FailoverOut {
  ok: boolean;
  goalMs: number;
  failoverMs: number;
  affectedFlows: number;
  flows: number;
  spreadAfterRestore: { linesUsed: string[]; expectedLines: string[] };
}

const table = (entries: RouteEntry[]) =>
  entries
    .filter((e) => e.type === 'Custom')
    .map((e) => ({ cidr: e.destinationCidrBlock, status: e.status, hops: e.nextHops.map((h) => `${h.nextHopId}${e.nextHops.length > 1 ? `*${h.weight}` : ''}`).sort() }))
    .sort((a, b) => a.cidr.localeCompare(b.cidr));

async function healthChecks(cloud: CloudClients) {
  const out = [];
  for (const id of [VBR_RI_1, VBR_RI_2]) {
    const [ri] = await cloud.vpc.describeRouterInterfaces({ routerInterfaceId: id });
    out.push({ id, source: ri?.healthCheckSourceIp ?? null, target: ri?.healthCheckTargetIp ?? null, rate: ri?.hcRate ?? null, threshold: ri?.hcThreshold ?? null });
  }
  return out;
}

const WRITES = new Set(['CreateRouteEntry', 'DeleteRouteEntry', 'ModifyRouterInterfaceAttribute', 'AddBgpNetwork', 'DeleteBgpNetwork']);

async function writesOf(world: World, executionId: string): Promise<string[]> {
  return (await world.calls(executionId)).map((c) => c.action).filter((a) => WRITES.has(a));
}

describe('physical-connection-redundancy on the chapter 6 topology', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ regionId: REGION, procedures, topology: 'ch6-redundancy' });
  });
  after(async () => world.close());
  beforeEach(() => world.emulator.reset());

  test('configures exactly what the seed lists and fails over within 2 s × 8 = 16 s', async () => {
    // Prepare
    const tableBefore = table(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VPC_TABLE }));
    // Act
    const ex = await world.engine.start('physical-connection-redundancy', seedParams(), { requestedBy: 'alice', approvalRequired: false });
    const view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'succeeded', JSON.stringify((view.output as JsonObject).failure));
    assert.deepEqual(tableBefore, []);
    assert.deepEqual(await healthChecks(world.cloud), [
      { id: VBR_RI_1, source: '192.168.10.1', target: '10.10.10.2', rate: 2000, threshold: 8 },
      { id: VBR_RI_2, source: '192.168.10.2', target: '10.10.11.2', rate: 2000, threshold: 8 },
    ]);
    assert.deepEqual(table(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VPC_TABLE })), [
      { cidr: '10.10.10.0/24', status: 'Available', hops: [VPC_RI_1] },
      { cidr: '10.10.11.0/24', status: 'Available', hops: [VPC_RI_2] },
      { cidr: '172.16.0.0/16', status: 'Available', hops: [`${VPC_RI_1}*100`, `${VPC_RI_2}*100`] },
    ]);
    const out = view.output as unknown as { failoverTest: FailoverOut; dataCenterRoutes: { snippets: Record<string, string> } };
    const cisco = out.dataCenterRoutes.snippets['cisco-ios']!.split('\n');
    const huawei = out.dataCenterRoutes.snippets['huawei-vrp']!.split('\n');
    assert.ok(cisco.includes('ip route 192.168.10.1 255.255.255.255 10.10.10.1 name alibaba-hc-1'), cisco.join('\n'));
    assert.ok(cisco.includes('ip route 192.168.10.2 255.255.255.255 10.10.11.1 name alibaba-hc-2'));
    assert.ok(huawei.includes('ip route-static 192.168.10.1 255.255.255.255 10.10.10.1 description alibaba-hc-1'), huawei.join('\n'));
    assert.ok(huawei.includes('ip route-static 192.168.10.2 255.255.255.255 10.10.11.1 description alibaba-hc-2'));
    const f = out.failoverTest;
    assert.equal(f.ok, true);
    assert.equal(f.goalMs, 16_000);
    assert.ok(f.affectedFlows > 0 && f.affectedFlows < f.flows, `flows on the failed line: ${f.affectedFlows}/${f.flows}`);
    assert.ok(f.failoverMs > 0 && f.failoverMs <= 16_000, `failover took ${f.failoverMs} ms`);
    assert.deepEqual(f.spreadAfterRestore.linesUsed, [LINE_1, LINE_2]);
  });

  test('with 2 s × 3 the failover is measured within 6 s', async () => {
    // Act
    const ex = await world.engine.start('physical-connection-redundancy', seedParams({ healthCheck: { intervalSeconds: 2, threshold: 3 } }), { requestedBy: 'alice', approvalRequired: false });
    const view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'succeeded');
    const f = (view.output as unknown as { failoverTest: FailoverOut }).failoverTest;
    assert.equal(f.goalMs, 6_000);
    assert.ok(f.failoverMs > 0 && f.failoverMs <= 6_000, `failover took ${f.failoverMs} ms`);
  });

  test('a second run changes nothing and still passes its failover test', async () => {
    // Prepare
    const first = await world.engine.start('physical-connection-redundancy', seedParams(), { requestedBy: 'alice', approvalRequired: false });
    await world.run(first.id);
    const tableBefore = table(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VPC_TABLE }));
    const checksBefore = await healthChecks(world.cloud);
    // Act
    const second = await world.engine.start('physical-connection-redundancy', seedParams(), { requestedBy: 'alice', approvalRequired: false });
    const view = await world.run(second.id);
    // Assess
    assert.equal(view.status, 'succeeded');
    assert.equal((view.output as unknown as { changes: number }).changes, 0);
    assert.deepEqual(await writesOf(world, second.id), []);
    assert.ok((await writesOf(world, first.id)).length >= 5);
    assert.deepEqual(table(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VPC_TABLE })), tableBefore);
    assert.deepEqual(await healthChecks(world.cloud), checksBefore);
    assert.equal((view.output as unknown as { failoverTest: FailoverOut }).failoverTest.ok, true);
  });

  test('active/standby sets weights 100/0 and traffic returns to the active line', async () => {
    // Act
    const ex = await world.engine.start('physical-connection-redundancy', seedParams({ mode: 'active-standby' }), { requestedBy: 'alice', approvalRequired: false });
    const view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'succeeded');
    const lb = table(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VPC_TABLE })).find((r) => r.cidr === '172.16.0.0/16');
    assert.deepEqual(lb?.hops, [`${VPC_RI_1}*100`, `${VPC_RI_2}*0`]);
    const f = (view.output as unknown as { failoverTest: FailoverOut }).failoverTest;
    assert.equal(f.affectedFlows, f.flows, 'every flow was on the active line');
    assert.ok(f.failoverMs <= 16_000);
    assert.deepEqual(f.spreadAfterRestore.linesUsed, [LINE_1]);
  });

  test('BGP: a /32 route to each health-check source on its VBR, advertised as a BGP network', async () => {
    // Act
    const ex = await world.engine.start('physical-connection-redundancy', seedParams({ routing: 'bgp' }), { requestedBy: 'alice', approvalRequired: false });
    const view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'succeeded');
    const vbr1 = table(await world.cloud.vpc.describeRouteEntryList({ routeTableId: 'vtb-uf6vbr1rt000000000001' }));
    assert.ok(vbr1.some((r) => r.cidr === '192.168.10.1/32' && r.hops[0] === VBR_RI_1 && r.status === 'Available'), JSON.stringify(vbr1));
    const networks = await world.cloud.vpc.describeBgpNetworks({ routerId: VBR_2 });
    assert.deepEqual(networks.map((n) => n.dstCidrBlock), ['192.168.10.2/32']);
  });

  test('waits at the approval gate before changing anything', async () => {
    // Act
    const ex = await world.engine.start('physical-connection-redundancy', seedParams(), { requestedBy: 'alice' });
    const view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'awaiting_approval');
    assert.deepEqual(await writesOf(world, ex.id), []);
    assert.deepEqual(table(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VPC_TABLE })), []);
  });

  test('bad input is refused with the field named before anything changes', async () => {
    const conn = (i: number, over: JsonObject) => {
      const list = (seedParams().connections as JsonObject[]).map((c) => ({ ...c }));
      list[i] = { ...list[i], ...over };
      return { connections: list };
    };
    const cases: Array<[string, JsonObject, string, string]> = [
      ['source used by an ECS instance', conn(0, { healthCheckSourceIp: '192.168.1.10' }), 'connections[0].healthCheckSourceIp', 'InvalidHealthCheckSource'],
      ['same source twice', conn(1, { healthCheckSourceIp: '192.168.10.1' }), 'connections[1].healthCheckSourceIp', 'DuplicateHealthCheckSource'],
      ['source outside every vSwitch', conn(0, { healthCheckSourceIp: '192.168.200.1' }), 'connections[0].healthCheckSourceIp', 'InvalidHealthCheckSource'],
      ['reserved vSwitch address', conn(0, { healthCheckSourceIp: '192.168.10.255' }), 'connections[0].healthCheckSourceIp', 'InvalidHealthCheckSource'],
      ['non-canonical data-center block', { dataCenterCidrBlocks: ['172.16.1.0/16'] }, 'dataCenterCidrBlocks[0]', 'InvalidCidr'],
      ['unequal ECMP weights', conn(1, { weight: 50 }), 'connections', 'UnequalWeights'],
      ['interval out of range', { healthCheck: { intervalSeconds: 1, threshold: 8 } }, 'params.healthCheck.intervalSeconds', 'InvalidParameter'],
      ['unknown VBR', conn(1, { vbrId: 'vbr-nothere' }), 'connections[1].vbrId', 'VbrNotFound'],
    ];
    for (const [label, over, field, code] of cases) {
      const err = await world.engine.start('physical-connection-redundancy', seedParams(over), { requestedBy: 'alice' }).then(() => undefined, (e: unknown) => e);
      const e = err as { field?: string; code?: string };
      assert.equal(e?.code, code, `${label}: ${String(err)}`);
      assert.equal(e.field, field, label);
    }
    assert.deepEqual(table(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VPC_TABLE })), []);
  });
});

describe('physical-connection-redundancy when the data center lacks the health-check routes', () => {
  let world: World;
  before(async () => {
    const topology = readTopologyFile('ch6-redundancy');
    const dc = topology.dataCenters![0]!;
    dc.routes = dc.routes!.filter((r) => !r.destinationCidrBlock.endsWith('/32'));
    world = await startWorld({ regionId: REGION, procedures, topology });
  });
  after(async () => world.close());

  test('the health checks fail, verification fails, and everything it added is rolled back', async () => {
    // Act
    const ex = await world.engine.start('physical-connection-redundancy', seedParams(), { requestedBy: 'alice', approvalRequired: false });
    const view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'rolled_back');
    const out = view.output as unknown as { failure: { code: string; message: string }; compensationsApplied: number; failoverTest: JsonObject };
    assert.equal(out.failure.code, 'VerificationFailed');
    assert.match(out.failure.message, /Enabled=0/);
    assert.equal(out.compensationsApplied, 5);
    assert.deepEqual(table(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VPC_TABLE })), []);
    assert.deepEqual(await healthChecks(world.cloud), [
      { id: VBR_RI_1, source: null, target: null, rate: null, threshold: null },
      { id: VBR_RI_2, source: null, target: null, rate: null, threshold: null },
    ]);
  });
});
