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

// Seed 5.1-4: cross-region bandwidth. The chapter 5.1 network on a CEN that needs inter-region
// bandwidth, with a China–China package bought but not associated.
describe('CbnClient bandwidth packages and inter-region bandwidth against the emulator (seed 5.1-4)', () => {
  const PKG = 'cenbwp-mig0000000000000001';
  let fx: CloudFixture;
  before(async () => {
    fx = await startCloudFixture('scenario-cen-bandwidth', 'cn-shanghai');
  });
  after(() => fx.close());

  /** Whether the Shanghai app reaches the Qingdao app over the CEN (peering route removed). */
  const crossRegion = async (): Promise<{ reachable: boolean; reason?: string }> =>
    (await fx.control('GET', 'reachability?source=i-uf6mig000000000000001&destination=172.16.1.10')).body as { reachable: boolean; reason?: string };

  test('without inter-region bandwidth a CEN route between regions is learned but carries nothing', async () => {
    // Prepare: take the peering route away so that the CEN route to Qingdao is used
    const [s] = await fx.cloud.vpc.describeRouteEntryList({ routeTableId: SH_TABLE, destinationCidrBlock: '172.16.0.0/16' });
    await fx.cloud.vpc.deleteRouteEntry({ routeEntryId: s.routeEntryId });
    fx.advance(10_000);
    // Act
    const routes = await fx.cloud.cbn.describeCenChildInstanceRouteEntries({ cenId: CEN, childInstanceId: SH_VPC, childInstanceType: 'VPC' });
    const trace = await crossRegion();
    // Assess
    assert.equal(routes.find((r) => r.destinationCidrBlock === '172.16.1.0/24')?.status, 'Active');
    assert.equal(trace.reachable, false);
    assert.equal(trace.reason, 'no-inter-region-bandwidth');
  });

  test('setCenInterRegionBandwidthLimit needs an associated package for the two regions', async () => {
    const e = await cloudError(() => fx.cloud.cbn.setCenInterRegionBandwidthLimit({ cenId: CEN, localRegionId: 'cn-shanghai', oppositeRegionId: 'cn-qingdao', bandwidthLimit: 20 }));
    assert.equal(e.code, 'InvalidOperation.BandwidthPackageNotFound');
  });

  test('associate the package, set 20 Mbit/s Shanghai–Qingdao: Modifying, then Active, and traffic crosses', async () => {
    // Act
    await fx.cloud.cbn.associateCenBandwidthPackage({ cenId: CEN, cenBandwidthPackageId: PKG });
    const [pkg] = await fx.cloud.cbn.describeCenBandwidthPackages({ cenId: CEN });
    const [cen] = await fx.cloud.cbn.describeCens({ cenId: CEN });
    await fx.cloud.cbn.setCenInterRegionBandwidthLimit({ cenId: CEN, localRegionId: 'cn-shanghai', oppositeRegionId: 'cn-qingdao', bandwidthLimit: 20 });
    const [during] = await fx.cloud.cbn.describeCenInterRegionBandwidthLimits({ cenId: CEN });
    const traceDuring = await crossRegion();
    fx.advance(3_000);
    const [done] = await fx.cloud.cbn.describeCenInterRegionBandwidthLimits({ cenId: CEN });
    // Assess
    assert.equal(pkg.cenBandwidthPackageId, PKG);
    assert.equal(pkg.status, 'InUse');
    assert.deepEqual(pkg.cenIds, [CEN]);
    assert.equal(pkg.geographicSpanId, 'china_china');
    assert.equal(pkg.bandwidth, 100);
    assert.deepEqual(await fx.cloud.cbn.describeCenBandwidthPackages({ status: 'Idle' }), []);
    assert.ok(cen.status === 'Active');
    assert.equal(during.status, 'Modifying');
    assert.equal(traceDuring.reachable, false);
    assert.deepEqual(
      { cenId: done.cenId, localRegionId: done.localRegionId, oppositeRegionId: done.oppositeRegionId, bandwidthLimit: done.bandwidthLimit, status: done.status, geographicSpanId: done.geographicSpanId, bandwidthPackageId: done.bandwidthPackageId },
      { cenId: CEN, localRegionId: 'cn-shanghai', oppositeRegionId: 'cn-qingdao', bandwidthLimit: 20, status: 'Active', geographicSpanId: 'china_china', bandwidthPackageId: PKG },
    );
    assert.equal((await crossRegion()).reachable, true);
  });

  test('the limits on one package cannot add up to more than its bandwidth', async () => {
    const e = await cloudError(() => fx.cloud.cbn.setCenInterRegionBandwidthLimit({ cenId: CEN, localRegionId: 'cn-qingdao', oppositeRegionId: 'cn-beijing', bandwidthLimit: 81 }));
    assert.equal(e.code, 'InvalidOperation.BandwidthLimitExceed');
  });

  test('unassociating needs the bandwidth removed first; 0 removes it and traffic stops at once', async () => {
    // Act
    const blocked = await cloudError(() => fx.cloud.cbn.unassociateCenBandwidthPackage({ cenId: CEN, cenBandwidthPackageId: PKG }));
    await fx.cloud.cbn.setCenInterRegionBandwidthLimit({ cenId: CEN, localRegionId: 'cn-qingdao', oppositeRegionId: 'cn-shanghai', bandwidthLimit: 0 });
    const traceAfter = await crossRegion();
    fx.advance(3_000);
    const limits = await fx.cloud.cbn.describeCenInterRegionBandwidthLimits({ cenId: CEN });
    await fx.cloud.cbn.unassociateCenBandwidthPackage({ cenId: CEN, cenBandwidthPackageId: PKG });
    const [pkg] = await fx.cloud.cbn.describeCenBandwidthPackages({ cenBandwidthPackageId: PKG });
    // Assess
    assert.equal(blocked.code, 'InvalidOperation.CenBandwidthLimitsNotZero');
    assert.equal(blocked.errorClass, 'dependency');
    assert.equal(traceAfter.reason, 'no-inter-region-bandwidth');
    assert.deepEqual(limits, []);
    assert.equal(pkg.status, 'Idle');
    assert.deepEqual(pkg.cenIds, []);
  });

  test('createCenBandwidthPackage buys a package: Creating, then Idle; a CEN takes one package per pair of areas', async () => {
    // Act
    const bought = await fx.cloud.cbn.createCenBandwidthPackage({ bandwidth: 10, geographicRegionAId: 'China', geographicRegionBId: 'China', bandwidthPackageChargeType: 'POSTPAY', name: 'extra', clientToken: 'buy-1' });
    const again = await fx.cloud.cbn.createCenBandwidthPackage({ bandwidth: 10, geographicRegionAId: 'China', geographicRegionBId: 'China', bandwidthPackageChargeType: 'POSTPAY', name: 'extra', clientToken: 'buy-1' });
    const [creating] = await fx.cloud.cbn.describeCenBandwidthPackages({ cenBandwidthPackageId: bought.cenBandwidthPackageId });
    const early = await cloudError(() => fx.cloud.cbn.associateCenBandwidthPackage({ cenId: CEN, cenBandwidthPackageId: bought.cenBandwidthPackageId }));
    fx.advance(3_000);
    await fx.cloud.cbn.associateCenBandwidthPackage({ cenId: CEN, cenBandwidthPackageId: PKG });
    const second = await cloudError(() => fx.cloud.cbn.associateCenBandwidthPackage({ cenId: CEN, cenBandwidthPackageId: bought.cenBandwidthPackageId }));
    const tooSmall = await cloudError(() => fx.cloud.cbn.createCenBandwidthPackage({ bandwidth: 1, geographicRegionAId: 'China', geographicRegionBId: 'China' }));
    // Assess
    assert.match(bought.cenBandwidthPackageId, /^cenbwp-/);
    assert.equal(again.cenBandwidthPackageId, bought.cenBandwidthPackageId);
    assert.equal(creating.status, 'Creating');
    assert.equal(early.code, 'InvalidOperation.BwpInstanceStatus');
    assert.equal(early.errorClass, 'conflict');
    assert.equal(second.code, 'InvalidOperation.BwpForGeoSpanAlreadyAssociated');
    assert.equal(tooSmall.code, 'InvalidParameter');
    const idle = await fx.cloud.cbn.describeCenBandwidthPackages({ status: 'Idle' });
    assert.deepEqual(idle.map((p) => [p.cenBandwidthPackageId, p.bandwidthPackageChargeType, p.name]), [[bought.cenBandwidthPackageId, 'POSTPAY', 'extra']]);
  });
});
