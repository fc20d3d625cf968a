import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../src/emulator/clock.ts';
import { NetworkModel } from '../../src/emulator/model/network.ts';
import { buildModel, loadTopologyFile, readTopologyFile } from '../../src/emulator/topology.ts';

// ch5-1-vpc-migration
const SH_TABLE = 'vtb-uf6mig0000000000000001';
const SH_RI = 'ri-uf6mig0000000000000001';
const SH_ECS = 'i-uf6mig000000000000001';
// ch6-redundancy
const VPC_TABLE = 'vtb-uf6b2w3kq8r1n0m5x7j9a';
const RI_VPC1 = 'ri-uf69ejgh2atodylnx8nl9';
const RI_VPC2 = 'ri-uf6vpcside20000000001';
const RI_VBR1 = 'ri-uf6vbr1side0000000001';
const RI_VBR2 = 'ri-uf6vbr2side0000000001';
const PC1 = 'pc-uf6line0000000000000001';
const APP = 'i-uf6app000000000000001';

/** Creates an entry and waits until it is Available. */
function addRoute(clock: VirtualClock, m: NetworkModel, p: Parameters<NetworkModel['routeTables']['createRouteEntry']>[0]): void {
  m.routeTables.createRouteEntry(p);
  clock.advance(m.timings.routeEntryCreateMs);
}

/** Deletes an entry and waits until it is gone. */
function removeRoute(clock: VirtualClock, m: NetworkModel, cidr: string): void {
  m.routeTables.deleteRouteEntry({ routeTableId: SH_TABLE, destinationCidrBlock: cidr });
  clock.advance(m.timings.routeEntryDeleteMs);
}

function cenStatus(m: NetworkModel, cidr: string): string | undefined {
  return [...m.core.cenRoutes.values()].find((r) => r.routeTableId === SH_TABLE && r.destinationCidrBlock === cidr)?.status;
}

/** Chapter 5.1 world, optionally with `extraVbrRoutes` more IDC routes on the Beijing VBR (more CEN routes). */
function ch51(extraVbrRoutes = 0): { clock: VirtualClock; m: NetworkModel } {
  const clock = new VirtualClock();
  const t = readTopologyFile('ch5-1-vpc-migration');
  for (let i = 0; i < extraVbrRoutes; i++) {
    t.vbrs![0]!.routes!.push({ destinationCidrBlock: `10.${(i >> 8) + 100}.${i & 255}.0/24`, nextHop: { type: 'PhysicalConnection', id: 'pc-2zemig000000000000001' } });
  }
  return { clock, m: buildModel(t, clock) };
}

describe('Reachability', () => {
  test('answers with hops both ways and which route each table used', () => {
    const clock = new VirtualClock();
    const m = loadTopologyFile('ch5-1-vpc-migration', clock);
    const r = m.reachability({ source: SH_ECS, destinationIp: '172.16.1.10' });
    assert.equal(r.reachable, true);
    const fwdVpc = r.hops.find((h) => h.direction === 'forward' && h.node === 'vpc');
    assert.deepEqual([fwdVpc?.destinationCidrBlock, fwdVpc?.routeType, fwdVpc?.nextHopId], ['172.16.0.0/16', 'Custom', SH_RI]);
    assert.ok(r.hops.some((h) => h.direction === 'return' && h.node === 'router-interface'));
    m.dispose();
  });

  test('an address nobody routes is dropped with no-route where the lookup failed', () => {
    const clock = new VirtualClock();
    const m = loadTopologyFile('ch5-1-vpc-migration', clock);
    const r = m.reachability({ source: SH_ECS, destinationIp: '8.8.8.8' });
    assert.deepEqual([r.reachable, r.reason, r.failedDirection, r.dropAt], [false, 'no-route', 'forward', 'vpc-uf6mig0000000000000001']);
    m.dispose();
  });

  test('a destination only covered by a Rejected CEN route is dropped with rejected-route', () => {
    const clock = new VirtualClock();
    const m = loadTopologyFile('ch5-1-vpc-migration', clock);
    m.routeTables.deleteRouteEntry({ routeTableId: SH_TABLE, destinationCidrBlock: '172.16.0.0/16' });
    const r = m.reachability({ source: SH_ECS, destinationIp: '172.16.1.10' });
    assert.deepEqual([r.reachable, r.reason], [false, 'rejected-route']);
    m.dispose();
  });

  test('a data-center device reaches cloud services once the VBR has the chapter 1 routes', () => {
    const clock = new VirtualClock();
    const m = loadTopologyFile('ch1-cloud-service-access', clock);
    const q = { source: '10.100.0.10', destinationIp: '100.100.2.136' };
    assert.equal(m.reachability(q).reason, 'no-route');
    for (const cidr of ['100.64.0.0/11', '100.96.0.0/11']) {
      m.routeTables.createRouteEntry({ routeTableId: 'vtb-bp1vbrrt0000000000001', destinationCidrBlock: cidr, nextHopType: 'RouterInterface', nextHopId: 'ri-bp1vbrside00000000001' });
      clock.advance(m.timings.routeEntryCreateMs);
    }
    const r = m.reachability(q);
    assert.equal(r.reachable, true);
    assert.ok(r.hops.some((h) => h.node === 'cloud-service'));
    m.dispose();
  });
});

describe('Chapter 5.1 by hand: migrating a VPC from a peering route to CEN', () => {
  test('smooth: split into /25 halves, delete the /16, wait for Active, delete the halves — 0 probes lost', () => {
    // Prepare
    const { clock, m } = ch51();
    m.probes.addFlow({ id: 'sh->qd', source: SH_ECS, destinationIp: '172.16.1.10' });
    m.probes.start({ intervalMs: 500 });
    assert.equal(cenStatus(m, '172.16.1.0/24'), 'Rejected');
    // Act
    addRoute(clock, m, { routeTableId: SH_TABLE, destinationCidrBlock: '172.16.1.0/25', nextHopType: 'RouterInterface', nextHopId: SH_RI, routeEntryName: 'test2' });
    addRoute(clock, m, { routeTableId: SH_TABLE, destinationCidrBlock: '172.16.1.128/25', nextHopType: 'RouterInterface', nextHopId: SH_RI, routeEntryName: 'test1' });
    removeRoute(clock, m, '172.16.0.0/16');
    while (cenStatus(m, '172.16.1.0/24') !== 'Active') clock.advance(500);
    removeRoute(clock, m, '172.16.1.0/25');
    removeRoute(clock, m, '172.16.1.128/25');
    clock.advance(5000);
    // Assess
    const [s] = m.probes.summary();
    assert.ok(s!.sent > 20);
    assert.equal(s!.lost, 0);
    const last = m.reachability({ source: SH_ECS, destinationIp: '172.16.1.10' });
    assert.equal(last.hops.find((h) => h.direction === 'forward' && h.node === 'vpc')?.routeType, 'CEN');
    m.dispose();
  });

  test('intermittent: deleting the /16 without halves loses probes until the CEN route is Active', () => {
    const { clock, m } = ch51();
    m.probes.addFlow({ id: 'sh->qd', source: SH_ECS, destinationIp: '172.16.1.10' });
    m.probes.start({ intervalMs: 500 });
    clock.advance(2000);
    m.routeTables.deleteRouteEntry({ routeTableId: SH_TABLE, destinationCidrBlock: '172.16.0.0/16' });
    clock.advance(60_000);
    const [s] = m.probes.summary();
    assert.ok(s!.lost > 0, `lost ${s!.lost}`);
    assert.equal(cenStatus(m, '172.16.1.0/24'), 'Active');
    assert.ok(m.probes.timeline().some((x) => !x.ok && x.reason === 'rejected-route'));
    m.dispose();
  });

  test('the intermittent blackout grows with the number of CEN routes', () => {
    const lost = (extra: number): number => {
      const { clock, m } = ch51(extra);
      m.probes.addFlow({ id: 'sh->qd', source: SH_ECS, destinationIp: '172.16.1.10' });
      m.probes.start({ intervalMs: 500 });
      m.routeTables.deleteRouteEntry({ routeTableId: SH_TABLE, destinationCidrBlock: '172.16.0.0/16' });
      clock.advance(120_000);
      const n = m.probes.summary()[0]!.lost;
      m.dispose();
      return n;
    };
    const few = lost(0);
    const many = lost(150);
    assert.ok(many > few, `few=${few} many=${many}`);
  });
});

describe('Chapter 6: redundant physical connections', () => {
  const FLOWS = 32;

  function setUp(withHealthChecks: boolean): { clock: VirtualClock; m: NetworkModel; viaLine1: Set<string> } {
    const clock = new VirtualClock();
    const m = loadTopologyFile('ch6-redundancy', clock);
    if (withHealthChecks) {
      m.routerInterfaces.modifyRouterInterfaceAttribute({ routerInterfaceId: RI_VBR1, healthCheckSourceIp: '192.168.10.1', healthCheckTargetIp: '10.10.10.2', hcRate: 2000, hcThreshold: 8 });
      m.routerInterfaces.modifyRouterInterfaceAttribute({ routerInterfaceId: RI_VBR2, healthCheckSourceIp: '192.168.10.2', healthCheckTargetIp: '10.10.11.2', hcRate: 2000, hcThreshold: 8 });
    }
    m.routeTables.createRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopList: [{ nextHopId: RI_VPC1, weight: 100 }, { nextHopId: RI_VPC2, weight: 100 }] });
    clock.advance(m.timings.routeEntryCreateMs);
    const viaLine1 = new Set<string>();
    for (let i = 0; i < FLOWS; i++) {
      const flow = { protocol: 'tcp' as const, sourcePort: 40000 + i, destinationPort: 443 };
      const id = m.probes.addFlow({ id: `flow-${i}`, source: APP, destinationIp: '172.16.0.10', flow });
      const r = m.reachability({ source: APP, destinationIp: '172.16.0.10', flow });
      assert.equal(r.reachable, true);
      if (r.hops.some((h) => h.direction === 'forward' && h.id === RI_VPC1)) viaLine1.add(id);
    }
    m.probes.start({ intervalMs: 500 });
    clock.advance(10_000);
    return { clock, m, viaLine1 };
  }

  test('ECMP spreads flows over both lines', () => {
    const { m, viaLine1 } = setUp(true);
    assert.ok(viaLine1.size > 0 && viaLine1.size < FLOWS, `flows on line 1: ${viaLine1.size}`);
    m.dispose();
  });

  test('with health checks 2 s × 8, failing one line loses flows for at most 16 s, then none', () => {
    // Prepare
    const { clock, m, viaLine1 } = setUp(true);
    const failedAt = clock.now();
    // Act
    m.vbrs.setPhysicalConnectionLink(PC1, 'Down');
    clock.advance(40_000);
    // Assess
    const summary = m.probes.summary({ since: failedAt });
    for (const s of summary) {
      if (viaLine1.has(s.flow)) {
        assert.ok(s.lost > 0, `${s.flow} on the failed line lost probes`);
        assert.ok(s.lastLossAt! - failedAt < 16_000, `${s.flow} recovered within 16 s (last loss at +${s.lastLossAt! - failedAt} ms)`);
      } else {
        assert.equal(s.lost, 0, `${s.flow} on the healthy line lost nothing`);
      }
    }
    const late = m.probes.timeline({ since: failedAt + 16_000 });
    assert.ok(late.length > 0 && late.every((x) => x.ok), 'no loss after 16 s');
    const hops = m.routeTables.describeRouteEntries({ routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16' }).items[0]!.nextHops;
    assert.deepEqual(hops.map((h) => [h.nextHopId, h.enabled]), [[RI_VPC1, false], [RI_VPC2, true]]);
    m.dispose();
  });

  test('the line comes back into the ECMP set after it is restored and the health check succeeds again', () => {
    const { clock, m } = setUp(true);
    m.vbrs.setPhysicalConnectionLink(PC1, 'Down');
    clock.advance(30_000);
    m.vbrs.setPhysicalConnectionLink(PC1, 'Up');
    clock.advance(30_000);
    const hops = m.routeTables.describeRouteEntries({ routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16' }).items[0]!.nextHops;
    assert.deepEqual(hops.map((h) => h.enabled), [true, true]);
    m.dispose();
  });

  test('without health checks the flows hashed onto the failed line stay black', () => {
    const { clock, m, viaLine1 } = setUp(false);
    const failedAt = clock.now();
    m.vbrs.setPhysicalConnectionLink(PC1, 'Down');
    clock.advance(60_000);
    const late = m.probes.timeline({ since: failedAt + 30_000 });
    const black = new Set(late.filter((x) => !x.ok).map((x) => x.flow));
    assert.deepEqual([...black].sort(), [...viaLine1].sort());
    assert.ok(late.filter((x) => !x.ok).every((x) => x.reason === 'physical-connection-down'));
    m.dispose();
  });

  test('a reply that can only return over the other line fails the health check', () => {
    // The data center loses its /32 back to the line-1 health-check source: replies take line 2.
    const clock = new VirtualClock();
    const m = loadTopologyFile('ch6-redundancy', clock);
    m.inventory.deleteDataCenterRoute('idc-shanghai', '192.168.10.1/32');
    m.inventory.setDataCenterRoute('idc-shanghai', '192.168.0.0/16', ['10.10.11.1']);
    m.routerInterfaces.modifyRouterInterfaceAttribute({ routerInterfaceId: RI_VBR1, healthCheckSourceIp: '192.168.10.1', healthCheckTargetIp: '10.10.10.2', hcRate: 2000, hcThreshold: 8 });
    clock.advance(20_000);
    assert.equal(m.routerInterfaces.view(m.core.routerInterfaces.get(RI_VBR1)!).healthCheckStatus, 'Failed');
    m.dispose();
  });
});

describe('CEN VBR health checks', () => {
  test('a failed VBR health check withdraws its routes from the CEN, and the other VBR takes over', () => {
    // Prepare: VPC and both VBRs of the default network attached to its CEN.
    const clock = new VirtualClock();
    const m = loadTopologyFile('default', clock);
    const cenId = 'cen-default00000000000001';
    const vbr1 = 'vbr-uf6vbr00000000000000001';
    const vbr2 = 'vbr-uf6vbr00000000000000002';
    for (const [id, type] of [['vpc-uf614ufdjl3n871accgzx', 'VPC'], [vbr1, 'VBR'], [vbr2, 'VBR']] as const) {
      m.cens.attachCenChildInstance({ cenId, childInstanceId: id, childInstanceType: type, childInstanceRegionId: 'cn-shanghai' });
    }
    clock.advance(m.timings.cenAttachMs);
    m.inventory.setDataCenterRoute('idc-shanghai', '100.96.0.1/32', ['10.10.10.1']);
    m.cens.enableCenVbrHealthCheck({ cenId, vbrInstanceId: vbr1, vbrInstanceRegionId: 'cn-shanghai', healthCheckTargetIp: '10.10.10.2', healthCheckSourceIp: '100.96.0.1' });
    clock.advance(m.timings.cenVbrHealthCheckEnableMs + 10_000);
    const learnedFrom = () => [...m.core.cenRoutes.values()].find((r) => r.routeTableId === VPC_TABLE && r.destinationCidrBlock === '172.16.0.0/16')?.sourceInstanceId;
    assert.equal(learnedFrom(), vbr1);
    assert.equal(m.reachability({ source: APP, destinationIp: '172.16.0.10' }).reachable, true);
    // Act
    m.vbrs.setPhysicalConnectionLink(PC1, 'Down');
    clock.advance(2000 * 8);
    // Assess
    assert.equal(learnedFrom(), vbr2);
    assert.equal(m.reachability({ source: APP, destinationIp: '172.16.0.10' }).reachable, true);
    m.dispose();
  });
});
