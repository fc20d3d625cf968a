import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../src/engine/types.ts';
import { startWorld, type World } from '../../src/twin/world.ts';
import { readAndPlan } from '../../workflows/migration/effects.ts';
import { procedures } from '../../workflows/index.ts';
import { emulatorWrites, liveRows, probeSummary, setTimings, startProbes, stateDump, writesOf } from '../support/migration-scenario.ts';
import { planMigration } from '../../src/twin/index.ts';

const VBR = 'vbr-bp1vbrmig000000000001';
const base = { regionId: 'cn-hangzhou', cenId: 'cen-vbrmig000000000000001', vbrId: VBR, vpcId: 'vpc-m5evbrmig0000000000001', vpcRegionId: 'cn-qingdao' };
const toApp = { name: 'idc→qingdao-app', source: '10.1.0.10', destinationIp: '192.168.1.10' };
const toIdc = { name: 'qingdao-app→idc', source: 'i-m5evbrmig00000000001', destinationIp: '10.1.0.10' };
const start = (world: World, params: JsonObject) => world.engine.start('migrate-vbr-to-cen', params, { requestedBy: 'alice', approvalRequired: false });

describe('migrate-vbr-to-cen (seed 5.2) through the engine, the SDK clients and the emulator', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ regionId: 'cn-hangzhou', procedures, topology: 'scenario-vbr-health-check' });
  });
  beforeEach(() => world.emulator.reset());
  after(async () => world.close());

  test('smooth: VBR health check off first, halves advertised over BGP then withdrawn, CEN health check last, 0 lost probes', async () => {
    // Prepare
    const params = { ...base, mode: 'smooth', acknowledgeRemainder: true, flows: [toApp, toIdc] };
    const plan = await readAndPlan(world.cloud, 'migrate-vbr-to-cen', 'vbr', params);
    assert.deepEqual(plan.conflicts.map((c) => [c.routeTableId, c.peeringRoute.destinationCidrBlock, c.bgpNetworks]), [
      ['vtb-bp1vbrmigrt0000000001', '192.168.0.0/16', ['192.168.1.0/25', '192.168.1.128/25']],
      ['vtb-m5evbrmig0000000000001', '10.0.0.0/8', []],
    ]);
    await startProbes(world, [toApp, toIdc]);
    // Act
    const ex = await start(world, params);
    const view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'succeeded', JSON.stringify(view.output).slice(0, 1500));
    assert.deepEqual((await probeSummary(world)).map((s) => [s.flow, s.lost]), [[toApp.name, 0], [toIdc.name, 0]]);
    assert.deepEqual(await liveRows(world, 'vbr', params), plan.routes.after);
    const calls = await world.calls(ex.id);
    assert.ok(calls.every((c) => typeof c.requestId === 'string' && c.requestId.length > 0));
    const writes = writesOf(calls).map((c) => c.action);
    assert.deepEqual(writes, plan.calls.filter((c) => c.kind === 'write').map((c) => c.action));
    assert.equal(writes[0], 'ModifyRouterInterfaceAttribute', 'seed 5.2-1: the VBR health check goes first');
    assert.equal(writes.at(-1), 'EnableCenVbrHealthCheck', 'seed 5.2-8g: the CEN health check comes last');
    const networks = await world.cloud.vpc.describeBgpNetworks({ routerId: VBR });
    assert.deepEqual(networks.map((n) => n.dstCidrBlock), ['192.168.0.0/16'], 'the halves were withdrawn');
    const [hc] = await world.cloud.cbn.describeCenVbrHealthCheck({ vbrInstanceRegionId: 'cn-hangzhou', vbrInstanceId: VBR });
    assert.equal(hc.healthCheckTargetIp, '172.31.255.2');
  });

  test('the digital twin built from Describe calls predicts the smooth run: succeeds with 0 lost probes, live network untouched', async () => {
    // Prepare
    const before = await stateDump(world);
    // Act
    const plan = await planMigration('migrate-vbr-to-cen', { ...base, mode: 'smooth', acknowledgeRemainder: true, flows: [toApp, toIdc] }, { clouds: world.cloud });
    // Assess
    assert.equal(plan.runnable, true);
    assert.equal(plan.predictedBlackout.source, 'describe');
    assert.equal(plan.predictedBlackout.outcome, 'succeeded', plan.predictedBlackout.reason);
    assert.deepEqual(plan.predictedBlackout.flows.map((f) => [f.name, f.lost]), [[toApp.name, 0], [toIdc.name, 0]]);
    assert.equal(plan.predictedBlackout.calls.writes, plan.callCounts.write);
    assert.deepEqual(await emulatorWrites(world), []);
    assert.deepEqual(await stateDump(world), before);
  });

  test('a failure after the peering route is deleted rolls back routes, BGP networks and health checks exactly', async () => {
    // Prepare
    const before = await stateDump(world);
    const timings = world.emulator.model.timings;
    await setTimings(world, { cenRouteActivateBaseMs: 10 * 60_000 });
    await startProbes(world, [toApp, toIdc]);
    // Act
    const view = await world.run((await start(world, { ...base, mode: 'smooth', acknowledgeRemainder: true, flows: [toApp, toIdc], cenRouteActiveTimeoutMs: 30_000 })).id);
    // Assess
    assert.equal(view.status, 'rolled_back', JSON.stringify(view.output).slice(0, 1500));
    assert.deepEqual((await probeSummary(world)).map((s) => [s.flow, s.lost]), [[toApp.name, 0], [toIdc.name, 0]]);
    await setTimings(world, { cenRouteActivateBaseMs: timings.cenRouteActivateBaseMs });
    assert.deepEqual(await stateDump(world), before);
  });
});
