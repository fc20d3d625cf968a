import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cloudError, startCloudFixture, type CloudFixture } from './cloud-fixture.ts';

// Seed chapter 5.1 topology: Shanghai VPC with a static peering route 172.16.0.0/16 toward
// Qingdao; both VPCs and a Beijing VBR attached to a REDUCED CEN.
const CEN = 'cen-mig0000000000000001';
const SH_VPC = 'vpc-uf6mig0000000000000001';
const SH_TABLE = 'vtb-uf6mig0000000000000001';
const SH_RI = 'ri-uf6mig0000000000000001';
const QD_VPC = 'vpc-m5emig000000000000001';
const BJ_VBR = 'vbr-2zemig000000000000001';

describe('CbnClient against the emulator (chapter 5.1)', () => {
  let fx: CloudFixture;
  before(async () => {
    fx = await startCloudFixture('ch5-1-vpc-migration', 'cn-shanghai');
  });
  after(() => fx.close());

  test('describeCens reads the CEN with overlapping routes allowed', async () => {
    const cens = await fx.cloud.cbn.describeCens({ cenId: CEN });
    assert.equal(cens.length, 1);
    assert.equal(cens[0].status, 'Active');
    assert.equal(cens[0].protectionLevel, 'REDUCED');
  });

  test('modifyCenAttribute changes the CEN, which is Active again after the delay', async () => {
    await fx.cloud.cbn.modifyCenAttribute({ cenId: CEN, protectionLevel: 'REDUCED', description: 'migration' });
    const [during] = await fx.cloud.cbn.describeCens({ cenId: CEN });
    fx.advance(2_000);
    const [done] = await fx.cloud.cbn.describeCens({ cenId: CEN });
    assert.ok(['Modifying', 'Active'].includes(during.status), during.status);
    assert.equal(done.status, 'Active');
    assert.equal(done.description, 'migration');
  });

  test('describeCenAttachedChildInstances lists the three attached children across regions', async () => {
    const children = await fx.cloud.cbn.describeCenAttachedChildInstances({ cenId: CEN });
    assert.deepEqual(
      children.map((c) => [c.childInstanceId, c.childInstanceType, c.childInstanceRegionId, c.status]).sort(),
      [
        [QD_VPC, 'VPC', 'cn-qingdao', 'Attached'],
        [SH_VPC, 'VPC', 'cn-shanghai', 'Attached'],
        [BJ_VBR, 'VBR', 'cn-beijing', 'Attached'],
      ].sort(),
    );
    const one = await fx.cloud.cbn.describeCenAttachedChildInstanceAttribute({ cenId: CEN, childInstanceId: SH_VPC, childInstanceType: 'VPC' });
    assert.equal(one.status, 'Attached');
    assert.equal(one.childInstanceRegionId, 'cn-shanghai');
  });

  test('the CEN route more specific than the peering route is Rejected with a conflict, and turns Active once the peering route is split and removed', async () => {
    // Prepare: the conflict as the seed shows it
    const before = await fx.cloud.cbn.describeCenChildInstanceRouteEntries({ cenId: CEN, childInstanceId: SH_VPC, childInstanceType: 'VPC' });
    const rejected = before.find((r) => r.destinationCidrBlock === '172.16.1.0/24');
    // Act: split the peering route into halves covering the CEN route, then delete it
    for (const half of ['172.16.1.0/25', '172.16.1.128/25']) {
      await fx.cloud.vpc.createRouteEntry({ routeTableId: SH_TABLE, destinationCidrBlock: half, nextHopType: 'RouterInterface', nextHopId: SH_RI });
      fx.advance(3_000);
    }
    await fx.cloud.vpc.deleteRouteEntry({ routeTableId: SH_TABLE, destinationCidrBlock: '172.16.0.0/16', nextHopId: SH_RI });
    fx.advance(3_000);
    fx.advance(10_000);
    const after = await fx.cloud.cbn.describeCenChildInstanceRouteEntries({ cenId: CEN, childInstanceId: SH_VPC, childInstanceType: 'VPC' });
    const activeOnly = await fx.cloud.cbn.describeCenChildInstanceRouteEntries({ cenId: CEN, childInstanceId: SH_VPC, childInstanceType: 'VPC', status: 'Active' });
    // Assess
    assert.ok(rejected, 'the CEN route 172.16.1.0/24 is listed with Status=All');
    assert.equal(rejected.status, 'Rejected');
    assert.equal(rejected.type, 'CEN');
    assert.ok(rejected.conflicts.some((c) => c.status === 'conflict'), JSON.stringify(rejected.conflicts));
    const now = after.find((r) => r.destinationCidrBlock === '172.16.1.0/24');
    assert.equal(now?.status, 'Active');
    assert.ok(activeOnly.every((r) => r.status === 'Active'));
  });

  test('describeCenRegionDomainRouteEntries shows the region-wide view', async () => {
    const routes = await fx.cloud.cbn.describeCenRegionDomainRouteEntries({ cenId: CEN });
    assert.ok(routes.length > 0);
    assert.ok(routes.some((r) => r.destinationCidrBlock === '172.16.1.0/24' && r.nextHopInstanceId === QD_VPC), JSON.stringify(routes));
  });

  test('publishRouteEntries and withdrawPublishedRouteEntries move PublishStatus; withdrawing again is not_found or terminal', async () => {
    const route = { cenId: CEN, childInstanceId: SH_VPC, childInstanceType: 'VPC', childInstanceRouteTableId: SH_TABLE, destinationCidrBlock: '172.16.1.0/25' };
    const before = await fx.cloud.cbn.describePublishedRouteEntries({ ...route });
    await fx.cloud.cbn.publishRouteEntries(route);
    fx.advance(5_000);
    const published = await fx.cloud.cbn.describePublishedRouteEntries({ ...route });
    await fx.cloud.cbn.withdrawPublishedRouteEntries(route);
    fx.advance(5_000);
    const withdrawn = await fx.cloud.cbn.describePublishedRouteEntries({ ...route });
    assert.equal(before[0]?.publishStatus, 'NonPublished');
    assert.equal(published[0]?.publishStatus, 'Published');
    assert.equal(withdrawn[0]?.publishStatus, 'NonPublished');
    const again = await cloudError(() => fx.cloud.cbn.withdrawPublishedRouteEntries(route));
    assert.ok(['not_found', 'terminal'].includes(again.errorClass), `${again.code} ${again.errorClass}`);
  });

  test('detach then attach the VBR: Detaching → gone, Attaching → Attached', async () => {
    const ref = { cenId: CEN, childInstanceId: BJ_VBR, childInstanceType: 'VBR', childInstanceRegionId: 'cn-beijing' };
    await fx.cloud.cbn.detachCenChildInstance(ref);
    const detaching = await fx.cloud.cbn.describeCenAttachedChildInstanceAttribute(ref);
    fx.advance(5_000);
    const gone = await fx.cloud.cbn.describeCenAttachedChildInstances({ cenId: CEN, childInstanceType: 'VBR' });
    const missing = await cloudError(() => fx.cloud.cbn.describeCenAttachedChildInstanceAttribute(ref));
    await fx.cloud.cbn.attachCenChildInstance(ref);
    const attaching = await fx.cloud.cbn.describeCenAttachedChildInstanceAttribute(ref);
    fx.advance(5_000);
    const attached = await fx.cloud.cbn.describeCenAttachedChildInstanceAttribute(ref);
    assert.equal(detaching.status, 'Detaching');
    assert.deepEqual(gone, []);
    assert.ok(['not_found', 'terminal'].includes(missing.errorClass), missing.code);
    assert.equal(attaching.status, 'Attaching');
    assert.equal(attached.status, 'Attached');
  });

  test('CEN VBR health check: enable, listed after the delay, disable, gone', async () => {
    const ref = { cenId: CEN, vbrInstanceId: BJ_VBR, vbrInstanceRegionId: 'cn-beijing' };
    await fx.cloud.cbn.enableCenVbrHealthCheck({ ...ref, healthCheckTargetIp: '172.31.255.2', healthCheckInterval: 2, healthyThreshold: 8 });
    fx.advance(2_000);
    const listed = await fx.cloud.cbn.describeCenVbrHealthCheck({ vbrInstanceRegionId: 'cn-beijing', cenId: CEN });
    await fx.cloud.cbn.disableCenVbrHealthCheck(ref);
    fx.advance(2_000);
    const after = await fx.cloud.cbn.describeCenVbrHealthCheck({ vbrInstanceRegionId: 'cn-beijing', cenId: CEN });
    assert.equal(listed.length, 1);
    assert.equal(listed[0].vbrInstanceId, BJ_VBR);
    assert.equal(listed[0].healthCheckTargetIp, '172.31.255.2');
    assert.equal(listed[0].healthCheckInterval, 2);
    assert.equal(listed[0].healthyThreshold, 8);
    assert.deepEqual(after, []);
  });
});
