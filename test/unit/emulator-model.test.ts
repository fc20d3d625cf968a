import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../src/emulator/clock.ts';
import { EmulatorApiError } from '../../src/emulator/errors.ts';
import { NetworkModel } from '../../src/emulator/model/network.ts';
import { LIFECYCLES, cenRouteActivationDelay } from '../../src/emulator/model/states.ts';
import { buildModel, listBuiltinTopologies, loadTopologyFile, readTopologyFile, validateTopology } from '../../src/emulator/topology.ts';
import { ValidationError } from '../../src/errors.ts';

// ch6-redundancy ids
const VPC_TABLE = 'vtb-uf6b2w3kq8r1n0m5x7j9a';
const VBR1_TABLE = 'vtb-uf6vbr1rt000000000001';
const RI_VPC1 = 'ri-uf69ejgh2atodylnx8nl9';
const RI_VPC2 = 'ri-uf6vpcside20000000001';
const RI_VBR1 = 'ri-uf6vbr1side0000000001';
const RI_VBR2 = 'ri-uf6vbr2side0000000001';
// ch5-1 ids
const SH_TABLE = 'vtb-uf6mig0000000000000001';
const SH_VPC = 'vpc-uf6mig0000000000000001';
const SH_RI = 'ri-uf6mig0000000000000001';
const CEN51 = 'cen-mig0000000000000001';

function ch6(): { clock: VirtualClock; m: NetworkModel } {
  const clock = new VirtualClock();
  return { clock, m: loadTopologyFile('ch6-redundancy', clock) };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof EmulatorApiError) return err.code;
    throw err;
  }
  assert.fail('expected an EmulatorApiError');
}

function entry(m: NetworkModel, table: string, cidr: string) {
  return m.routeTables.describeRouteEntries({ routeTableId: table, destinationCidrBlock: cidr }).items[0];
}

describe('Route entries', () => {
  test('a created entry is Pending, then Available after routeEntryCreateMs', () => {
    // Prepare
    const { clock, m } = ch6();
    // Act
    const { routeEntryId } = m.routeTables.createRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopType: 'RouterInterface', nextHopId: RI_VPC1 });
    // Assess
    assert.equal(entry(m, VPC_TABLE, '172.16.0.0/16')?.status, 'Pending');
    clock.advance(m.timings.routeEntryCreateMs - 1);
    assert.equal(entry(m, VPC_TABLE, '172.16.0.0/16')?.status, 'Pending');
    clock.advance(1);
    assert.equal(entry(m, VPC_TABLE, '172.16.0.0/16')?.routeEntryId, routeEntryId);
    assert.equal(entry(m, VPC_TABLE, '172.16.0.0/16')?.status, 'Available');
    m.dispose();
  });

  test('a deleted entry is Deleting, then gone after routeEntryDeleteMs', () => {
    const { clock, m } = ch6();
    m.routeTables.createRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopType: 'RouterInterface', nextHopId: RI_VPC1 });
    clock.advance(m.timings.routeEntryCreateMs);
    m.routeTables.deleteRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopId: RI_VPC1 });
    assert.equal(entry(m, VPC_TABLE, '172.16.0.0/16')?.status, 'Deleting');
    clock.advance(m.timings.routeEntryDeleteMs);
    assert.equal(entry(m, VPC_TABLE, '172.16.0.0/16'), undefined);
    m.dispose();
  });

  test('a second change on a table with a Pending entry fails with IncorrectRouteEntryStatus, with a Deleting one with TaskConflict', () => {
    const { clock, m } = ch6();
    m.routeTables.createRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '10.10.10.0/24', nextHopType: 'RouterInterface', nextHopId: RI_VPC1 });
    assert.equal(code(() => m.routeTables.createRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '10.10.11.0/24', nextHopType: 'RouterInterface', nextHopId: RI_VPC2 })), 'IncorrectRouteEntryStatus');
    clock.advance(m.timings.routeEntryCreateMs);
    m.routeTables.deleteRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '10.10.10.0/24' });
    assert.equal(code(() => m.routeTables.createRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '10.10.11.0/24', nextHopType: 'RouterInterface', nextHopId: RI_VPC2 })), 'TaskConflict');
    clock.advance(m.timings.routeEntryDeleteMs);
    m.routeTables.createRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '10.10.11.0/24', nextHopType: 'RouterInterface', nextHopId: RI_VPC2 });
    m.dispose();
  });

  const refusals: Array<{ case: string; params: Record<string, unknown>; code: string }> = [
    { case: '100.64.0.0/10 itself', params: { routeTableId: VPC_TABLE, destinationCidrBlock: '100.64.0.0/10', nextHopType: 'RouterInterface', nextHopId: RI_VPC1 }, code: 'InvalidCidrBlock' },
    { case: 'a subset of 100.64.0.0/10 in a VPC table', params: { routeTableId: VPC_TABLE, destinationCidrBlock: '100.64.0.0/11', nextHopType: 'RouterInterface', nextHopId: RI_VPC1 }, code: 'InvalidCidrBlock' },
    { case: '100.64.0.0/10 in a VBR table', params: { routeTableId: VBR1_TABLE, destinationCidrBlock: '100.64.0.0/10', nextHopType: 'RouterInterface', nextHopId: RI_VBR1 }, code: 'InvalidCidrBlock' },
    { case: 'inside a vSwitch CIDR', params: { routeTableId: VPC_TABLE, destinationCidrBlock: '192.168.1.128/25', nextHopType: 'RouterInterface', nextHopId: RI_VPC1 }, code: 'InvalidCidrBlock' },
    { case: 'a non-canonical CIDR', params: { routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.1.5/24', nextHopType: 'RouterInterface', nextHopId: RI_VPC1 }, code: 'InvalidCidrBlock.Malformed' },
    { case: 'an unknown table', params: { routeTableId: 'vtb-nope', destinationCidrBlock: '172.16.0.0/16', nextHopType: 'RouterInterface', nextHopId: RI_VPC1 }, code: 'InvalidRouteTableId.NotFound' },
    { case: 'NextHopList on a VBR table', params: { routeTableId: VBR1_TABLE, destinationCidrBlock: '172.17.0.0/16', nextHopList: [{ nextHopId: RI_VBR1 }, { nextHopId: RI_VBR2 }] }, code: 'InvalidRouterType' },
    { case: 'a VBR route via another VBR\'s router interface', params: { routeTableId: VBR1_TABLE, destinationCidrBlock: '172.17.0.0/16', nextHopType: 'RouterInterface', nextHopId: RI_VBR2 }, code: 'InvalidRouterInterface' },
    { case: 'both a next hop and a list', params: { routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopType: 'RouterInterface', nextHopId: RI_VPC1, nextHopList: [{ nextHopId: RI_VPC1 }, { nextHopId: RI_VPC2 }] }, code: 'InvalidNexthopTypeAndList.BothNotNull' },
    { case: 'an ECMP list of one', params: { routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopList: [{ nextHopId: RI_VPC1 }] }, code: 'InvalidNexthopListSize' },
    { case: 'an ECMP weight above 255', params: { routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopList: [{ nextHopId: RI_VPC1, weight: 256 }, { nextHopId: RI_VPC2 }] }, code: 'INVALID_WEIGHT_PARAM' },
    { case: 'an unknown next hop', params: { routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopType: 'RouterInterface', nextHopId: 'ri-nope' }, code: 'InvalidNextHop.NotFound' },
    { case: 'a missing destination', params: { routeTableId: VPC_TABLE, nextHopType: 'RouterInterface', nextHopId: RI_VPC1 }, code: 'MissingParameter' },
  ];
  for (const r of refusals) {
    test(`CreateRouteEntry refuses ${r.case} with ${r.code}`, () => {
      const { m } = ch6();
      assert.equal(code(() => m.routeTables.createRouteEntry(r.params as never)), r.code);
      assert.equal(m.core.entriesOf(VPC_TABLE).filter((e) => e.type === 'Custom').length, 0, 'nothing was created');
      m.dispose();
    });
  }

  test('the VBR table accepts the chapter 1 halves 100.64.0.0/11 and 100.96.0.0/11', () => {
    const { clock, m } = ch6();
    m.routeTables.createRouteEntry({ routeTableId: VBR1_TABLE, destinationCidrBlock: '100.64.0.0/11', nextHopType: 'RouterInterface', nextHopId: RI_VBR1 });
    clock.advance(m.timings.routeEntryCreateMs);
    m.routeTables.createRouteEntry({ routeTableId: VBR1_TABLE, destinationCidrBlock: '100.96.0.0/11', nextHopType: 'RouterInterface', nextHopId: RI_VBR1 });
    clock.advance(m.timings.routeEntryCreateMs);
    assert.equal(entry(m, VBR1_TABLE, '100.96.0.0/11')?.status, 'Available');
    m.dispose();
  });

  test('a duplicate destination fails with RouterEntryConflict.Duplicated (same hop) or InvalidCIDRBlock.Duplicate (other hop)', () => {
    const { clock, m } = ch6();
    m.routeTables.createRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopType: 'RouterInterface', nextHopId: RI_VPC1 });
    clock.advance(m.timings.routeEntryCreateMs);
    assert.equal(code(() => m.routeTables.createRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopType: 'RouterInterface', nextHopId: RI_VPC1 })), 'RouterEntryConflict.Duplicated');
    assert.equal(code(() => m.routeTables.createRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopType: 'RouterInterface', nextHopId: RI_VPC2 })), 'InvalidCIDRBlock.Duplicate');
    m.dispose();
  });

  test('the 201st custom route fails with QuotaExceeded', () => {
    const clock = new VirtualClock();
    const t = readTopologyFile('ch6-redundancy');
    t.vpcs![0]!.routes = Array.from({ length: 200 }, (_, i) => ({ destinationCidrBlock: `10.${i}.0.0/16`, nextHop: { type: 'RouterInterface', id: RI_VPC1 } }));
    const m = buildModel(t, clock);
    assert.equal(code(() => m.routeTables.createRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopType: 'RouterInterface', nextHopId: RI_VPC1 })), 'QuotaExceeded');
    m.dispose();
  });

  test('a repeated ClientToken returns the first RouteEntryId; different params with it are refused', () => {
    const { clock, m } = ch6();
    const p = { routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopType: 'RouterInterface', nextHopId: RI_VPC1, clientToken: 'tok-1' };
    const first = m.routeTables.createRouteEntry(p);
    const again = m.routeTables.createRouteEntry(p);
    clock.advance(m.timings.routeEntryCreateMs);
    const later = m.routeTables.createRouteEntry(p);
    assert.equal(again.routeEntryId, first.routeEntryId);
    assert.equal(later.routeEntryId, first.routeEntryId);
    assert.equal(code(() => m.routeTables.createRouteEntry({ ...p, destinationCidrBlock: '172.17.0.0/16' })), 'IdempotentParameterMismatch');
    m.dispose();
  });

  test('DryRun reports DryRunOperation and changes nothing', () => {
    const { m } = ch6();
    assert.equal(code(() => m.routeTables.createRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopType: 'RouterInterface', nextHopId: RI_VPC1, dryRun: true })), 'DryRunOperation');
    assert.equal(entry(m, VPC_TABLE, '172.16.0.0/16'), undefined);
    m.dispose();
  });

  test('an ECMP entry shows both router-interface hops with Weight and Enabled', () => {
    const { clock, m } = ch6();
    m.routeTables.createRouteEntry({ routeTableId: VPC_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopList: [{ nextHopId: RI_VPC1, weight: 100 }, { nextHopId: RI_VPC2, weight: 100 }] });
    clock.advance(m.timings.routeEntryCreateMs);
    const hops = entry(m, VPC_TABLE, '172.16.0.0/16')!.nextHops;
    assert.deepEqual(hops.map((h) => [h.nextHopId, h.weight, h.enabled, h.nextHopRelatedInfo?.instanceType]), [
      [RI_VPC1, 100, true, 'VBR'],
      [RI_VPC2, 100, true, 'VBR'],
    ]);
    m.dispose();
  });

  test('DescribeRouteEntryList pages with NextToken', () => {
    const { m } = ch6();
    const first = m.routeTables.describeRouteEntries({ routeTableId: VPC_TABLE, maxResult: 2 });
    assert.equal(first.items.length, 2);
    assert.ok(first.nextToken);
    const second = m.routeTables.describeRouteEntries({ routeTableId: VPC_TABLE, maxResult: 2, nextToken: first.nextToken });
    assert.equal(second.items.length, 1);
    assert.equal(second.nextToken, undefined);
    m.dispose();
  });
});

describe('CEN', () => {
  test('chapter 5.1 figure: 172.16.1.0/24 from Qingdao is Rejected with a conflict entry, 10.0.0.0/8 from Beijing Active', () => {
    const clock = new VirtualClock();
    const m = loadTopologyFile('ch5-1-vpc-migration', clock);
    const rows = m.cens.describeCenChildInstanceRouteEntries({ cenId: CEN51, childInstanceId: SH_VPC, childInstanceType: 'VPC', childInstanceRegionId: 'cn-shanghai', pageSize: 100 }).items;
    const by = (cidr: string) => rows.find((r) => r.destinationCidrBlock === cidr);
    assert.equal(by('172.16.1.0/24')?.type, 'CEN');
    assert.equal(by('172.16.1.0/24')?.status, 'Rejected');
    assert.equal(by('172.16.1.0/24')?.nextHopRegionId, 'cn-qingdao');
    assert.deepEqual(by('172.16.1.0/24')?.conflicts.map((c) => [c.destinationCidrBlock, c.status]), [['172.16.0.0/16', 'conflict']]);
    assert.equal(by('10.0.0.0/8')?.status, 'Active');
    assert.equal(by('100.64.0.0/10')?.type, 'System');
    assert.equal(by('172.16.0.0/16')?.type, 'Custom');
    m.dispose();
  });

  test('deleting the static route turns the CEN route Active after base + k × routes', () => {
    const clock = new VirtualClock();
    const m = loadTopologyFile('ch5-1-vpc-migration', clock);
    const routeCount = m.core.cenRoutes.size;
    const delay = cenRouteActivationDelay(m.timings, routeCount);
    const status = () => [...m.core.cenRoutes.values()].find((r) => r.routeTableId === SH_TABLE && r.destinationCidrBlock === '172.16.1.0/24')!.status;
    m.routeTables.deleteRouteEntry({ routeTableId: SH_TABLE, destinationCidrBlock: '172.16.0.0/16' });
    clock.advance(delay - 1);
    assert.equal(status(), 'Rejected');
    clock.advance(1);
    assert.equal(status(), 'Active');
    assert.equal(entry(m, SH_TABLE, '172.16.1.0/24')?.type, 'CEN');
    m.dispose();
  });

  test('re-adding the static route rejects the CEN route again (rollback of an intermittent migration)', () => {
    const clock = new VirtualClock();
    const m = loadTopologyFile('ch5-1-vpc-migration', clock);
    m.routeTables.deleteRouteEntry({ routeTableId: SH_TABLE, destinationCidrBlock: '172.16.0.0/16' });
    clock.advance(60_000);
    m.routeTables.createRouteEntry({ routeTableId: SH_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopType: 'RouterInterface', nextHopId: SH_RI });
    const r = [...m.core.cenRoutes.values()].find((x) => x.routeTableId === SH_TABLE && x.destinationCidrBlock === '172.16.1.0/24')!;
    assert.equal(r.status, 'Rejected');
    m.dispose();
  });

  test('a child attaches Attaching → Attached after cenAttachMs and then learns routes', () => {
    const clock = new VirtualClock();
    const m = loadTopologyFile('default', clock);
    const cenId = 'cen-default00000000000001';
    m.cens.attachCenChildInstance({ cenId, childInstanceId: 'vpc-uf614ufdjl3n871accgzx', childInstanceType: 'VPC', childInstanceRegionId: 'cn-shanghai' });
    m.cens.attachCenChildInstance({ cenId, childInstanceId: 'vbr-uf6vbr00000000000000001', childInstanceType: 'VBR', childInstanceRegionId: 'cn-shanghai' });
    const st = () => m.cens.describeCenAttachedChildInstances({ cenId }).items.map((c) => c.status);
    assert.deepEqual(st(), ['Attaching', 'Attaching']);
    clock.advance(m.timings.cenAttachMs);
    assert.deepEqual(st(), ['Attached', 'Attached']);
    // The VBR's IDC route 172.16.0.0/16 is learned into the VPC, which has no static route for it.
    assert.equal(entry(m, VPC_TABLE, '172.16.0.0/16')?.type, 'CEN');
    assert.equal(code(() => m.cens.attachCenChildInstance({ cenId, childInstanceId: 'vpc-uf614ufdjl3n871accgzx', childInstanceType: 'VPC', childInstanceRegionId: 'cn-shanghai' })), 'InvalidOperation.ChildInstanceAlreadyAttached');
    m.dispose();
  });

  test('a CEN VBR health check needs the VBR attached, and is listed only after it is enabled', () => {
    const clock = new VirtualClock();
    const m = loadTopologyFile('default', clock);
    const cenId = 'cen-default00000000000001';
    const p = { cenId, vbrInstanceId: 'vbr-uf6vbr00000000000000001', vbrInstanceRegionId: 'cn-shanghai', healthCheckTargetIp: '10.10.10.2' };
    assert.equal(code(() => m.cens.enableCenVbrHealthCheck(p)), 'InvalidOperation.VbrNotAttachedToCen');
    m.cens.attachCenChildInstance({ cenId, childInstanceId: p.vbrInstanceId, childInstanceType: 'VBR', childInstanceRegionId: 'cn-shanghai' });
    clock.advance(m.timings.cenAttachMs);
    m.cens.enableCenVbrHealthCheck(p);
    assert.equal(m.cens.describeCenVbrHealthCheck({ vbrInstanceRegionId: 'cn-shanghai' }).items.length, 0);
    clock.advance(m.timings.cenVbrHealthCheckEnableMs);
    const [hc] = m.cens.describeCenVbrHealthCheck({ vbrInstanceRegionId: 'cn-shanghai' }).items;
    assert.deepEqual([hc?.healthCheckInterval, hc?.healthyThreshold, hc?.healthCheckSourceIp.startsWith('100.96.')], [2, 8, true]);
    m.dispose();
  });

  test('publishing a custom route advertises it to the other children; withdrawing stops it', () => {
    const clock = new VirtualClock();
    const m = loadTopologyFile('ch5-1-vpc-migration', clock);
    const QD_TABLE = 'vtb-m5emig000000000000001';
    const ref = { cenId: CEN51, childInstanceId: SH_VPC, childInstanceType: 'VPC', childInstanceRegionId: 'cn-shanghai', childInstanceRouteTableId: SH_TABLE, destinationCidrBlock: '172.16.0.0/16' };
    m.cens.publishRouteEntries(ref);
    const published = m.cens.describePublishedRouteEntries({ ...ref }).items[0];
    assert.deepEqual([published?.publishStatus, published?.operationalMode], ['Published', true]);
    // QD has its own vSwitch 172.16.1.0/24 inside 172.16.0.0/16: the learned /16 is less specific, so it is not rejected.
    assert.ok([...m.core.cenRoutes.values()].some((r) => r.routeTableId === QD_TABLE && r.destinationCidrBlock === '172.16.0.0/16'));
    m.cens.withdrawPublishedRouteEntries(ref);
    assert.ok(![...m.core.cenRoutes.values()].some((r) => r.routeTableId === QD_TABLE && r.destinationCidrBlock === '172.16.0.0/16'));
    assert.equal(code(() => m.cens.withdrawPublishedRouteEntries(ref)), 'InvalidOperation.NotFoundRoute');
    m.dispose();
  });
});

describe('BGP', () => {
  test('a VBR BGP network is Pending, then Available; deletion goes Deleting then gone', () => {
    const clock = new VirtualClock();
    const m = loadTopologyFile('ch5-2-vbr-migration', clock);
    const vbr = 'vbr-bp1vbrmig000000000001';
    m.vbrs.addBgpNetwork({ routerId: vbr, dstCidrBlock: '192.168.1.0/25' });
    const st = () => m.vbrs.describeBgpNetworks({ regionId: 'cn-hangzhou', routerId: vbr }).items.find((n) => n.dstCidrBlock === '192.168.1.0/25')?.status;
    assert.equal(st(), 'Pending');
    clock.advance(m.timings.bgpNetworkAddMs);
    assert.equal(st(), 'Available');
    m.vbrs.deleteBgpNetwork({ routerId: vbr, dstCidrBlock: '192.168.1.0/25' });
    assert.equal(st(), 'Deleting');
    clock.advance(m.timings.bgpNetworkDeleteMs);
    assert.equal(st(), undefined);
    m.dispose();
  });

  test('a BGP peer is Established while the circuit is up and Idle while it is down', () => {
    const clock = new VirtualClock();
    const m = loadTopologyFile('ch5-2-vbr-migration', clock);
    const peer = () => m.vbrs.describeBgpPeers({ regionId: 'cn-hangzhou' }).items[0]?.bgpStatus;
    assert.equal(peer(), 'Established');
    m.vbrs.setPhysicalConnectionLink('pc-bp1vbrmig000000000001', 'Down');
    assert.equal(peer(), 'Idle');
    m.dispose();
  });
});

describe('Snapshots', () => {
  test('snapshot → fromSnapshot → snapshot is equal, in-flight transitions included', () => {
    // Prepare: a model mid-change (pending entry, activation scheduled, health checks running).
    const clock = new VirtualClock();
    const m = loadTopologyFile('ch5-1-vpc-migration', clock);
    m.routeTables.deleteRouteEntry({ routeTableId: SH_TABLE, destinationCidrBlock: '172.16.0.0/16', clientToken: 'del-1' });
    clock.advance(500);
    // Act
    const snap = m.snapshot();
    const clock2 = new VirtualClock(clock.now());
    const twin = NetworkModel.fromSnapshot(JSON.parse(JSON.stringify(snap)), clock2);
    // Assess
    assert.deepEqual(twin.snapshot(), snap);
    assert.ok(snap.pendingTransitions.some((t) => t.kind === 'routeEntry.deleted'));
    clock.advance(60_000);
    clock2.advance(60_000);
    assert.deepEqual(twin.snapshot(), m.snapshot(), 'both run on to the same state');
    m.dispose();
    twin.dispose();
  });
});

describe('Topologies', () => {
  for (const name of listBuiltinTopologies()) {
    test(`shipped topology ${name} loads`, () => {
      const m = loadTopologyFile(name, new VirtualClock());
      assert.ok(m.core.vpcs.size > 0);
      m.dispose();
    });
  }

  const bad: Array<{ case: string; mutate: (t: Record<string, unknown>) => void; message: RegExp }> = [
    { case: 'a non-canonical CIDR', mutate: (t) => ((t.vpcs as Array<Record<string, unknown>>)[0]!.cidrBlock = '192.168.1.0/16'), message: /vpcs\[0\]\.cidrBlock/ },
    { case: 'an unknown router interface in a route', mutate: (t) => (((t.vbrs as Array<Record<string, unknown>>)[0]!.routes as Array<Record<string, unknown>>)[1]!.nextHop = { type: 'RouterInterface', id: 'ri-missing' }), message: /vbrs\[0\]\.routes\[1\]\.nextHop\.id: no router interface ri-missing/ },
    { case: 'an undeclared region', mutate: (t) => ((t.vpcs as Array<Record<string, unknown>>)[0]!.regionId = 'cn-mars'), message: /unknown region cn-mars/ },
    { case: 'a physical connection to an unknown data center', mutate: (t) => ((t.physicalConnections as Array<Record<string, unknown>>)[0]!.dataCenterId = 'idc-x'), message: /physicalConnections\[0\]\.dataCenterId: no data center idc-x/ },
  ];
  for (const b of bad) {
    test(`a topology with ${b.case} is refused with a clear error`, () => {
      const t = JSON.parse(JSON.stringify(readTopologyFile('ch6-redundancy'))) as Record<string, unknown>;
      b.mutate(t);
      assert.throws(() => validateTopology(t), (err: unknown) => err instanceof ValidationError && b.message.test(err.message));
    });
  }

  test('a topology route the model refuses names the route', () => {
    const t = readTopologyFile('ch6-redundancy');
    t.vpcs![0]!.routes = [{ destinationCidrBlock: '100.64.0.0/10', nextHop: { type: 'RouterInterface', id: RI_VPC1 } }];
    assert.throws(() => buildModel(t, new VirtualClock()), /vpcs\[0\]\.routes\[0\]: InvalidCidrBlock/);
  });

  test('every declared lifecycle names a timing', () => {
    const { m } = ch6();
    for (const row of LIFECYCLES) assert.ok(row.delay === 'formula' || typeof m.timings[row.delay] === 'number', row.kind);
    m.dispose();
  });
});
