/**
 * Seed chapter 5.1 by hand, through pop-core and the control API on a virtual clock: the CEN
 * route 172.16.1.0/24 is `Rejected` while the peering route 172.16.0.0/16 exists; splitting the
 * covered CEN route into two /25 peering routes, deleting the /16 and waiting for the CEN route
 * to turn `Active` loses no probe to 172.16.1.10. Deleting the /16 without the halves loses
 * probes, and more of them when the CEN carries more routes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { advance, call, client, control, type Body } from '../contract/emulator-helpers.ts';

const CEN = 'cen-mig0000000000000001';
const SH_VPC = 'vpc-uf6mig0000000000000001';
const SH_TABLE = 'vtb-uf6mig0000000000000001';
const SH_RI = 'ri-uf6mig0000000000000001';
const QD_VPC = 'vpc-m5emig000000000000001';
const QD_TABLE = 'vtb-m5emig000000000000001';
const QD_RI = 'ri-m5emig000000000000001';
const SH_APP = 'i-uf6mig000000000000001';
const QD_IP = '172.16.1.10';
const PROBE_MS = 250;

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ topology: 'ch5-1-vpc-migration' });
});
after(async () => {
  await emu.close();
});

/** The CEN's view of 172.16.1.0/24 in the Shanghai VPC's table. */
async function cenRoute(): Promise<Body | undefined> {
  const body = await call(client(emu, 'cbn'), 'DescribeCenChildInstanceRouteEntries', {
    CenId: CEN,
    ChildInstanceId: SH_VPC,
    ChildInstanceType: 'VPC',
    ChildInstanceRegionId: 'cn-shanghai',
    Status: 'All',
    PageSize: 500,
  });
  return (body.CenRouteEntries.CenRouteEntry as Body[]).find((r) => r.DestinationCidrBlock === '172.16.1.0/24' && r.Type === 'CEN');
}

/** Advances in small steps until `done` holds (at most `limitMs`). */
async function until(done: () => Promise<boolean>, limitMs = 120_000): Promise<void> {
  for (let t = 0; t <= limitMs; t += 500) {
    if (await done()) return;
    await advance(emu, 500);
  }
  assert.fail('condition not reached in time');
}

async function createAndWait(table: string, regionId: string, cidr: string, ri: string): Promise<void> {
  const vpc = client(emu, 'vpc');
  await call(vpc, 'CreateRouteEntry', { RegionId: regionId, RouteTableId: table, DestinationCidrBlock: cidr, NextHopType: 'RouterInterface', NextHopId: ri });
  await until(async () => {
    const r = await call(vpc, 'DescribeRouteEntryList', { RegionId: regionId, RouteTableId: table, DestinationCidrBlock: cidr });
    return r.RouteEntrys.RouteEntry[0]?.Status === 'Available';
  });
}

async function deleteAndWait(cidr: string): Promise<void> {
  const vpc = client(emu, 'vpc');
  await call(vpc, 'DeleteRouteEntry', { RegionId: 'cn-shanghai', RouteTableId: SH_TABLE, DestinationCidrBlock: cidr, NextHopId: SH_RI });
  await until(async () => {
    const r = await call(vpc, 'DescribeRouteEntryList', { RegionId: 'cn-shanghai', RouteTableId: SH_TABLE, DestinationCidrBlock: cidr });
    return (r.RouteEntrys.RouteEntry as Body[]).length === 0;
  });
}

async function startProbes(): Promise<void> {
  const r = await control(emu, 'POST', 'probes', { flows: [{ id: 'to-qingdao', source: SH_APP, destinationIp: QD_IP }], intervalMs: PROBE_MS, reset: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

async function lostProbes(): Promise<number> {
  const summary = (await control(emu, 'GET', 'probes')).body.summary as Body[];
  return summary.find((s) => s.flow === 'to-qingdao')!.lost as number;
}

/** Deletes the /16 with no halves in place and waits for the CEN route; returns the lost probes. */
async function intermittentMigration(): Promise<number> {
  await startProbes();
  await advance(emu, 2_000);
  await deleteAndWait('172.16.0.0/16');
  await until(async () => (await cenRoute())?.Status === 'Active');
  await advance(emu, 2_000);
  return lostProbes();
}

describe('chapter 5.1: migrate a VPC in a peering connection to a CEN instance', () => {
  test('172.16.1.0/24 is Rejected with a conflict while the peering route 172.16.0.0/16 exists', async () => {
    emu.reset();
    const route = await cenRoute();
    assert.ok(route, 'the CEN route is listed');
    assert.equal(route.Status, 'Rejected');
    const conflicts = route.Conflicts.Conflict as Body[];
    assert.equal(conflicts[0]?.Status, 'conflict');
  });

  test('adding the two /25 halves and deleting the /16 turns the CEN route Active with 0 lost probes', async () => {
    // Prepare
    emu.reset();
    await startProbes();
    // Act
    await createAndWait(SH_TABLE, 'cn-shanghai', '172.16.1.0/25', SH_RI);
    await createAndWait(SH_TABLE, 'cn-shanghai', '172.16.1.128/25', SH_RI);
    await deleteAndWait('172.16.0.0/16');
    await until(async () => (await cenRoute())?.Status === 'Active');
    await deleteAndWait('172.16.1.0/25');
    await deleteAndWait('172.16.1.128/25');
    await advance(emu, 5_000);
    // Assess
    const path = (await control(emu, 'GET', `reachability?source=${SH_APP}&destination=${QD_IP}`)).body;
    assert.equal(path.reachable, true);
    assert.ok((path.hops as Body[]).some((h) => h.node === 'cen'), 'traffic now crosses the CEN');
    const samples = ((await control(emu, 'GET', 'probes')).body.timeline as Body[]).length;
    assert.ok(samples > 40, `probes taken: ${samples}`);
    assert.equal(await lostProbes(), 0);
  });

  test('deleting the /16 without the halves loses probes, more when the CEN has more routes', async (t) => {
    // Prepare: a CEN with its topology's routes only.
    emu.reset();
    // Act
    const fewRoutes = await intermittentMigration();
    // Prepare: 30 more routes published from Qingdao, learned by the other children.
    emu.reset();
    const cbn = client(emu, 'cbn');
    for (let i = 0; i < 30; i++) {
      await createAndWait(QD_TABLE, 'cn-qingdao', `172.20.${i}.0/24`, QD_RI);
      await call(cbn, 'PublishRouteEntries', {
        CenId: CEN,
        ChildInstanceId: QD_VPC,
        ChildInstanceType: 'VPC',
        ChildInstanceRegionId: 'cn-qingdao',
        ChildInstanceRouteTableId: QD_TABLE,
        DestinationCidrBlock: `172.20.${i}.0/24`,
      });
    }
    const learned = await call(cbn, 'DescribeCenChildInstanceRouteEntries', { CenId: CEN, ChildInstanceId: SH_VPC, ChildInstanceType: 'VPC', ChildInstanceRegionId: 'cn-shanghai', PageSize: 500 });
    assert.ok((learned.CenRouteEntries.CenRouteEntry as Body[]).filter((r) => r.Type === 'CEN').length >= 30);
    // Act
    const manyRoutes = await intermittentMigration();
    // Assess
    t.diagnostic(`lost ${PROBE_MS} ms probes: ${fewRoutes} with the topology's routes, ${manyRoutes} with 30 more`);
    assert.ok(fewRoutes > 0, 'the intermittent migration loses probes');
    assert.ok(manyRoutes > fewRoutes, `more CEN routes, longer blackout: ${fewRoutes} → ${manyRoutes} lost probes`);
  });
});
