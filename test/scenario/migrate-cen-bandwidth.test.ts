import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../src/errors.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { planMigration } from '../../src/twin/index.ts';
import { readTopologyFile, type TopologyFile } from '../../src/emulator/topology.ts';
import { startWorld, type World } from '../../src/twin/world.ts';
import { readAndPlan } from '../../workflows/migration/effects.ts';
import { procedures } from '../../workflows/index.ts';
import { emulatorWrites, probeSummary, startProbes, stateDump, writesOf } from '../support/migration-scenario.ts';

// Seed 5.1-4 ("to communicate with resources in other regions, buy a bandwidth package and set
// the bandwidth") on the chapter 5.1 network, with a CEN that carries traffic between regions only
// when inter-region bandwidth is set, and a China–China package bought but idle.
const CEN = 'cen-mig0000000000000001';
const PKG = 'cenbwp-mig0000000000000001';
const base = { regionId: 'cn-shanghai', cenId: CEN, vpcId: 'vpc-uf6mig0000000000000001', mode: 'smooth', acknowledgeRemainder: true };
const app = { name: 'shanghai-app→qingdao-app', source: 'i-uf6mig000000000000001', destinationIp: '172.16.1.10' };
const idc = { name: 'shanghai-app→beijing-idc', source: 'i-uf6mig000000000000001', destinationIp: '10.1.0.10' };
const bandwidth = { peerRegionId: 'cn-qingdao', bandwidthMbps: 20 };
const start = (world: World, params: JsonObject) => world.engine.start('migrate-vpc-to-cen', params, { requestedBy: 'alice', approvalRequired: false });

async function bandwidthState(world: World) {
  const packages = await world.cloud.cbn.describeCenBandwidthPackages({ cenBandwidthPackageId: PKG });
  const limits = await world.cloud.cbn.describeCenInterRegionBandwidthLimits({ cenId: CEN });
  return { package: packages.map((p) => [p.status, p.cenIds]), limits: limits.map((l) => [l.localRegionId, l.oppositeRegionId, l.bandwidthLimit, l.status]) };
}

describe('migrate-vpc-to-cen with cross-region bandwidth (seed 5.1-4) through the engine and the emulator', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ regionId: 'cn-shanghai', procedures, topology: 'scenario-cen-bandwidth' });
  });
  beforeEach(() => world.emulator.reset());
  after(async () => world.close());

  test('the package is associated and 20 Mbit/s set before any route changes: 0 lost probes, the calls the plan lists, a second run changes nothing', async () => {
    // Prepare
    const params = { ...base, flows: [app], bandwidth };
    const plan = await readAndPlan(world.cloud, 'migrate-vpc-to-cen', 'vpc', params);
    assert.deepEqual(plan.bandwidth.steps, [
      { kind: 'associate', cenBandwidthPackageId: PKG },
      { kind: 'limit', localRegionId: 'cn-shanghai', oppositeRegionId: 'cn-qingdao', bandwidthMbps: 20, previousMbps: 0 },
    ]);
    assert.deepEqual(
      plan.calls.filter((c) => c.seed === '5.1-4').map((c) => `${c.kind} ${c.action}`),
      [
        'read DescribeCenBandwidthPackages',
        'write AssociateCenBandwidthPackage',
        'read DescribeCenBandwidthPackages',
        'read DescribeCenInterRegionBandwidthLimits',
        'write SetCenInterRegionBandwidthLimit',
        'read DescribeCenInterRegionBandwidthLimits',
      ],
    );
    const twin = await planMigration('migrate-vpc-to-cen', params, { clouds: world.cloud });
    assert.equal(twin.predictedBlackout.outcome, 'succeeded');
    assert.equal(twin.predictedBlackout.totalLost, 0);
    await startProbes(world, [app]);
    // Act
    const ex = await start(world, params);
    const view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'succeeded', JSON.stringify(view.output).slice(0, 1500));
    const [probes] = await probeSummary(world);
    assert.ok(probes.sent > 100);
    assert.equal(probes.lost, 0);
    assert.deepEqual(await bandwidthState(world), { package: [['InUse', [CEN]]], limits: [['cn-shanghai', 'cn-qingdao', 20, 'Active']] });
    const calls = await world.calls(ex.id);
    assert.deepEqual(
      writesOf(calls).map((c) => c.action),
      plan.calls.filter((c) => c.kind === 'write').map((c) => c.action),
    );
    const journal = (await world.engine.journal(ex.id, { limit: 500 })).items;
    const order = journal.filter((e) => e.kind === 'effect').map((e) => String(e.data.effect));
    assert.ok(order.indexOf('ensureBandwidth') < order.indexOf('removePeeringRoute'), 'bandwidth first, then the route changes');
    // Act again: everything is in place
    const again = await readAndPlan(world.cloud, 'migrate-vpc-to-cen', 'vpc', params);
    assert.deepEqual(again.bandwidth.steps, []);
    assert.equal(again.bandwidth.bandwidthPackageId, PKG);
  });

  test('without bandwidth on such a CEN the flow breaks once the peering route is gone: verification fails and rollback restores the state', async () => {
    // Prepare
    const before = await stateDump(world);
    await startProbes(world, [app]);
    // Act
    const view = await world.run((await start(world, { ...base, flows: [app] })).id);
    // Assess
    assert.equal(view.status, 'rolled_back', JSON.stringify(view.output).slice(0, 1500));
    const out = view.output as { failure: { code: string; state: string; evidence: { reason: string } } };
    assert.equal(out.failure.code, 'VerificationFailed');
    assert.equal(out.failure.state, 'VerifyingConflict');
    assert.match(out.failure.evidence.reason, /shanghai-app→qingdao-app unreachable: no-inter-region-bandwidth/);
    assert.deepEqual(await stateDump(world), before);
  });

  test('a failed verification after the bandwidth steps rolls them back: bandwidth removed, package idle again, state as before', async () => {
    // Prepare: the Beijing data center needs Shanghai–Beijing bandwidth too, which the params do not ask for.
    const before = await stateDump(world);
    // Act
    const ex = await start(world, { ...base, flows: [app, idc], bandwidth });
    const view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'rolled_back', JSON.stringify(view.output).slice(0, 1500));
    const out = view.output as { failure: { code: string; state: string; evidence: { reason: string } }; compensationsApplied: number };
    assert.equal(out.failure.state, 'VerifyingAttachment');
    assert.match(out.failure.evidence.reason, /shanghai-app→beijing-idc unreachable: no-inter-region-bandwidth/);
    assert.equal(out.compensationsApplied, 2, 'bandwidth removed, then the package taken off the CEN');
    const undo = writesOf(await world.calls(ex.id)).map((c) => c.action);
    assert.deepEqual(undo.slice(-2), ['SetCenInterRegionBandwidthLimit', 'UnassociateCenBandwidthPackage']);
    assert.deepEqual(await bandwidthState(world), { package: [['Idle', []]], limits: [] });
    assert.deepEqual(await stateDump(world), before);
  });

  test('no package for the two regions: refused before any change, saying what to buy', async () => {
    // Prepare: the plain chapter 5.1 network has no bandwidth package at all
    const plain = await startWorld({ regionId: 'cn-shanghai', procedures, topology: 'ch5-1-vpc-migration' });
    try {
      const before = await stateDump(plain);
      // Act / Assess
      await assert.rejects(start(plain, { ...base, bandwidth }), (e: unknown) => {
        assert.ok(e instanceof ValidationError);
        assert.equal(e.code, 'BandwidthPackageMissing');
        assert.match(e.message, /CreateCenBandwidthPackage GeographicRegionAId=China GeographicRegionBId=China Bandwidth≥20/);
        return true;
      });
      const cases: { case: string; b: JsonObject; code: string }[] = [
        { case: 'same region', b: { peerRegionId: 'cn-shanghai', bandwidthMbps: 20 }, code: 'BandwidthSameRegion' },
        { case: 'unknown package', b: { ...bandwidth, bandwidthPackageId: 'cenbwp-nothere00000000001' }, code: 'BandwidthPackageNotFound' },
      ];
      for (const k of cases) await assert.rejects(start(plain, { ...base, bandwidth: k.b }), (e: unknown) => e instanceof ValidationError && e.code === k.code, k.case);
      assert.deepEqual(await emulatorWrites(plain), []);
      assert.deepEqual(await stateDump(plain), before);
    } finally {
      await plain.close();
    }
  });

  test('more bandwidth than the named package has is refused before any change; an idle package too small is not picked', async () => {
    const more = { ...bandwidth, bandwidthMbps: 101 };
    await assert.rejects(start(world, { ...base, bandwidth: { ...more, bandwidthPackageId: PKG } }), (e: unknown) => e instanceof ValidationError && e.code === 'BandwidthExceeded' && /100 of its 100 Mbit\/s left/.test(e.message));
    await assert.rejects(start(world, { ...base, bandwidth: more }), (e: unknown) => e instanceof ValidationError && e.code === 'BandwidthPackageMissing');
    assert.deepEqual(await emulatorWrites(world), []);
  });

  test('seed 5.2-5: the VBR migration sets Hangzhou–Qingdao bandwidth first, then migrates with 0 lost probes', async () => {
    // Prepare: the seed 5.2 network (with the VBR health check) on a CEN that needs inter-region bandwidth, with an idle package
    const topology: TopologyFile = readTopologyFile('scenario-vbr-health-check');
    topology.cens = (topology.cens ?? []).map((c) => ({ ...c, requireInterRegionBandwidth: true }));
    topology.cenBandwidthPackages = [{ id: 'cenbwp-vbrmig00000000000001', bandwidthMbps: 50, geographicRegionAId: 'China', geographicRegionBId: 'China' }];
    const vbrWorld = await startWorld({ regionId: 'cn-hangzhou', procedures, topology });
    try {
      const flows = [{ name: 'idc→qingdao-app', source: '10.1.0.10', destinationIp: '192.168.1.10' }];
      const params = {
        regionId: 'cn-hangzhou', cenId: 'cen-vbrmig000000000000001', vbrId: 'vbr-bp1vbrmig000000000001', vpcId: 'vpc-m5evbrmig0000000000001', vpcRegionId: 'cn-qingdao',
        mode: 'smooth', acknowledgeRemainder: true, flows, bandwidth: { peerRegionId: 'cn-qingdao', bandwidthMbps: 10 },
      };
      const plan = await readAndPlan(vbrWorld.cloud, 'migrate-vbr-to-cen', 'vbr', params);
      assert.deepEqual(plan.bandwidth.steps.map((s) => s.kind), ['associate', 'limit']);
      await startProbes(vbrWorld, flows);
      // Act
      const ex = await vbrWorld.engine.start('migrate-vbr-to-cen', params, { requestedBy: 'alice', approvalRequired: false });
      const view = await vbrWorld.run(ex.id);
      // Assess
      assert.equal(view.status, 'succeeded', JSON.stringify(view.output).slice(0, 1500));
      const [probes] = await probeSummary(vbrWorld);
      assert.equal(probes.lost, 0);
      const [limit] = await vbrWorld.cloud.cbn.describeCenInterRegionBandwidthLimits({ cenId: 'cen-vbrmig000000000000001' });
      assert.deepEqual([limit.localRegionId, limit.oppositeRegionId, limit.bandwidthLimit, limit.status], ['cn-hangzhou', 'cn-qingdao', 10, 'Active']);
      assert.deepEqual(
        writesOf(await vbrWorld.calls(ex.id)).map((c) => c.action),
        plan.calls.filter((c) => c.kind === 'write').map((c) => c.action),
      );
    } finally {
      await vbrWorld.close();
    }
  });
});
