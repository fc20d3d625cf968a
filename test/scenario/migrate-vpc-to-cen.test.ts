import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import RPCClient from '@alicloud/pop-core';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { planMigration } from '../../src/twin/index.ts';
import { startWorld, type World } from '../../src/twin/world.ts';
import { readAndPlan } from '../../workflows/migration/effects.ts';
import { procedures } from '../../workflows/index.ts';
import { emulatorWrites, liveRows, probeSummary, setTimings, startProbes, stateDump, writesOf } from '../support/migration-scenario.ts';

const CEN = 'cen-mig0000000000000001';
const VPC = 'vpc-uf6mig0000000000000001';
const base = { regionId: 'cn-shanghai', cenId: CEN, vpcId: VPC };
const app = { name: 'shanghai-app→qingdao-app', source: 'i-uf6mig000000000000001', destinationIp: '172.16.1.10' };
const db = { name: 'shanghai-app→qingdao-db', source: 'i-uf6mig000000000000001', destinationIp: '172.16.40.7' };
const cache = { name: 'shanghai-app→qingdao-cache', source: 'i-uf6mig000000000000001', destinationIp: '172.16.200.20' };
const start = (world: World, params: JsonObject) => world.engine.start('migrate-vpc-to-cen', params, { requestedBy: 'alice', approvalRequired: false });

describe('migrate-vpc-to-cen (seed 5.1) through the engine, the SDK clients and the emulator', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ regionId: 'cn-shanghai', procedures, topology: 'ch5-1-vpc-migration' });
  });
  beforeEach(() => world.emulator.reset());
  after(async () => world.close());

  test('smooth: 0 lost probes, final tables match the plan, every call journaled with its RequestId', async () => {
    // Prepare
    const params = { ...base, mode: 'smooth', acknowledgeRemainder: true, flows: [app] };
    const plan = await readAndPlan(world.cloud, 'migrate-vpc-to-cen', 'vpc', params);
    assert.deepEqual(await liveRows(world, 'vpc', params), plan.routes.before);
    await startProbes(world, [app]);
    // Act
    const ex = await start(world, params);
    const view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'succeeded', JSON.stringify(view.output));
    const [probes] = await probeSummary(world);
    assert.ok(probes.sent > 100, `probed ${probes.sent} times`);
    assert.equal(probes.lost, 0);
    assert.deepEqual(await liveRows(world, 'vpc', params), plan.routes.after);
    const calls = await world.calls(ex.id);
    assert.ok(calls.every((c) => typeof c.requestId === 'string' && c.requestId.length > 0), 'every call has a RequestId');
    assert.deepEqual(
      writesOf(calls).map((c) => c.action),
      plan.calls.filter((c) => c.kind === 'write').map((c) => c.action),
    );
  });

  test('the approval gate holds before the first route change; an approver releases it', async () => {
    // Prepare
    const before = await stateDump(world);
    const ex = await world.engine.start('migrate-vpc-to-cen', { ...base, mode: 'smooth', acknowledgeRemainder: true, flows: [app] }, { requestedBy: 'alice', approvalRequired: true });
    // Act
    let view = await world.run(ex.id);
    // Assess: waiting at the gate with the plan to look at, and no route changed yet
    assert.equal(view.status, 'awaiting_approval');
    assert.equal(view.state, 'AwaitingApproval');
    assert.equal((view.context.plan as { conflicts: unknown[] }).conflicts.length, 1);
    assert.deepEqual(await stateDump(world), before);
    await world.engine.approve(ex.id, { id: 'bob', roles: ['approver'] });
    view = await world.run(ex.id);
    assert.equal(view.status, 'succeeded');
  });

  test('three blocked CEN routes of different lengths: each split into its halves, 0 lost probes', async () => {
    // Prepare
    const three = await startWorld({ regionId: 'cn-shanghai', procedures, topology: 'scenario-three-conflicts' });
    try {
      const params = { ...base, mode: 'smooth', acknowledgeRemainder: true, flows: [app, db, cache] };
      const plan = await readAndPlan(three.cloud, 'migrate-vpc-to-cen', 'vpc', params);
      assert.deepEqual(plan.conflicts[0].blocked.map((b) => b.destinationCidrBlock), ['172.16.1.0/24', '172.16.32.0/20', '172.16.200.16/28']);
      await startProbes(three, [app, db, cache]);
      // Act
      const view = await three.run((await start(three, params)).id);
      // Assess
      assert.equal(view.status, 'succeeded', JSON.stringify(view.output));
      const summary = await probeSummary(three);
      assert.deepEqual(summary.map((s) => [s.flow, s.lost]), [[app.name, 0], [db.name, 0], [cache.name, 0]]);
      assert.deepEqual(await liveRows(three, 'vpc', params), plan.routes.after);
    } finally {
      await three.close();
    }
  });

  test('a /32 CEN route: smooth mode is refused with the reason before any change', async () => {
    const host = await startWorld({ regionId: 'cn-shanghai', procedures, topology: 'scenario-host-route' });
    try {
      const before = await stateDump(host);
      await assert.rejects(
        start(host, { ...base, mode: 'smooth', acknowledgeRemainder: true }),
        (e: unknown) => e instanceof ValidationError && e.code === 'CannotSplitHostRoute' && /172\.16\.9\.9\/32 is a \/32/.test(e.message),
      );
      assert.deepEqual(await emulatorWrites(host), []);
      assert.deepEqual(await stateDump(host), before);
    } finally {
      await host.close();
    }
  });

  test('a non-empty remainder is refused until acknowledged', async () => {
    // Act: without acknowledgement
    const before = await stateDump(world);
    await assert.rejects(start(world, { ...base, mode: 'smooth' }), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.code, 'UnacknowledgedRemainder');
      assert.match(e.message, /172\.16\.0\.0\/24 \(then no route\)/);
      assert.match(e.message, /acknowledgeRemainder/);
      return true;
    });
    assert.deepEqual(await emulatorWrites(world), []);
    assert.deepEqual(await stateDump(world), before);
    // Act: acknowledged with exactly the blocks the plan shows
    const plan = await readAndPlan(world.cloud, 'migrate-vpc-to-cen', 'vpc', { ...base, mode: 'smooth' });
    const view = await world.run((await start(world, { ...base, mode: 'smooth', acknowledgeRemainder: plan.remainder.blocks.map((b) => b.cidr) })).id);
    assert.equal(view.status, 'succeeded');
  });

  test('intermittent: the blackout is measured and the twin predicted it within 20%', async () => {
    // Prepare
    const params = { ...base, mode: 'intermittent', acknowledgeRemainder: true, flows: [app] };
    const predicted = await planMigration('migrate-vpc-to-cen', params, { clouds: world.cloud });
    assert.equal(predicted.predictedBlackout.simulated, true);
    assert.deepEqual(await emulatorWrites(world), [], 'the twin changed nothing in the live network');
    await startProbes(world, [app]);
    // Act
    const view = await world.run((await start(world, params)).id);
    // Assess
    assert.equal(view.status, 'succeeded');
    const [measured] = await probeSummary(world);
    const predictedMs = predicted.predictedBlackout.flows[0].blackoutMs;
    assert.ok(measured.blackoutMs > 0, 'intermittent mode loses probes');
    assert.ok(Math.abs(predictedMs - measured.blackoutMs) <= 0.2 * measured.blackoutMs, `predicted ${predictedMs} ms, measured ${measured.blackoutMs} ms`);
  });

  test('verification fails after the peering route is deleted: automatic rollback restores the exact state', async () => {
    // Prepare: the CEN route will not turn Active within the deadline once 172.16.0.0/16 is gone.
    const before = await stateDump(world);
    const timings = world.emulator.model.timings;
    await setTimings(world, { cenRouteActivateBaseMs: 10 * 60_000 });
    await startProbes(world, [app]);
    // Act
    const ex = await start(world, { ...base, mode: 'smooth', acknowledgeRemainder: true, flows: [app], cenRouteActiveTimeoutMs: 30_000 });
    const view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'rolled_back', JSON.stringify(view.output).slice(0, 1500));
    const out = view.output as { failure: { code: string; state: string; message: string; evidence: { code: string } }; compensationsApplied: number };
    assert.equal(out.failure.code, 'CenRouteNotActive');
    assert.equal(out.failure.state, 'AwaitingCenRouteActive');
    assert.equal(out.failure.evidence.code, 'WaitTimeout');
    assert.equal(out.compensationsApplied, 3, 're-add 172.16.0.0/16, remove both halves');
    const [probes] = await probeSummary(world);
    assert.equal(probes.lost, 0, 'the app flow never lost a probe, rollback included');
    const journal = (await world.engine.journal(ex.id, { limit: 1000 })).items;
    assert.ok(journal.some((e) => e.kind === 'transition' && e.data.to === 'RollingBack'), 'the journal shows the rollback');
    await setTimings(world, { cenRouteActivateBaseMs: timings.cenRouteActivateBaseMs });
    assert.deepEqual(await stateDump(world), before);
  });

  test('a named flow into the acknowledged remainder fails verification once S is gone: automatic rollback restores the exact state', async () => {
    // Prepare: 172.16.8.0/24 is reached only over the peering route (the Qingdao VPC routes it to an
    // appliance and does not publish it), so it lies in the remainder of 172.16.0.0/16. The user
    // acknowledges the remainder but names a flow into it that must keep working.
    const rem = await startWorld({ regionId: 'cn-shanghai', procedures, topology: 'scenario-remainder-flow' });
    try {
      const partner = { name: 'shanghai-app→partner', source: 'i-uf6mig000000000000001', destinationIp: '172.16.8.8' };
      const params = { ...base, mode: 'smooth', acknowledgeRemainder: true, flows: [app, partner] };
      const plan = await readAndPlan(rem.cloud, 'migrate-vpc-to-cen', 'vpc', params);
      assert.ok(
        plan.remainder.blocks.some((b) => b.cidr === '172.16.8.0/21' && b.fallback === null),
        `172.16.8.8 is in an acknowledged block with no route after S: ${JSON.stringify(plan.remainder.blocks.map((b) => b.cidr))}`,
      );
      const before = await stateDump(rem);
      const rowsBefore = await liveRows(rem, 'vpc', params);
      await startProbes(rem, [app, partner]);
      // Act
      const ex = await start(rem, params);
      const view = await rem.run(ex.id);
      // Assess: the flow check after S was deleted failed, and the rollback put everything back.
      assert.equal(view.status, 'rolled_back', JSON.stringify(view.output).slice(0, 1500));
      const out = view.output as { failure: { code: string; state: string; message: string; evidence: { reason: string; flows: { name: string; reachable: boolean; reason?: string }[] } } };
      assert.equal(out.failure.code, 'VerificationFailed');
      assert.equal(out.failure.state, 'VerifyingConflict');
      assert.match(out.failure.evidence.reason, /flow shanghai-app→partner unreachable: no-route/);
      assert.deepEqual(out.failure.evidence.flows.map((f) => [f.name, f.reachable]), [[app.name, true], [partner.name, false]]);
      const deleted = (await rem.calls(ex.id)).filter((c) => c.action === 'DeleteRouteEntry' && !c.errorCode);
      assert.ok(deleted.length >= 1, 'S was deleted before the verification');
      const [appProbes, partnerProbes] = await probeSummary(rem);
      assert.equal(appProbes.lost, 0, 'the app flow never lost a probe, rollback included');
      assert.ok(partnerProbes.lost > 0, 'the partner flow was cut while S was gone');
      assert.deepEqual(await liveRows(rem, 'vpc', params), rowsBefore);
      assert.deepEqual(await stateDump(rem), before);
    } finally {
      await rem.close();
    }
  });

  test('bad input is refused with a clear error before any change', async () => {
    const cases: { case: string; params: JsonObject; check: (e: unknown) => boolean }[] = [
      { case: 'unknown VPC', params: { ...base, vpcId: 'vpc-doesnotexist0000000000' }, check: (e) => e instanceof NotFoundError && e.code === 'VpcNotFound' && e.field === 'vpcId' },
      { case: 'unknown CEN', params: { ...base, cenId: 'cen-doesnotexist00000000' }, check: (e) => e instanceof NotFoundError && e.code === 'CenNotFound' && /not visible to this account/.test(e.message) },
      { case: 'non-canonical CIDR', params: { ...base, peeringRoutes: ['172.16.1.5/16'] }, check: (e) => e instanceof ValidationError && e.code === 'InvalidCidr' && /did you mean 172\.16\.0\.0\/16/.test(e.message) },
      { case: 'unknown field', params: { ...base, force: true }, check: (e) => e instanceof ValidationError && /force/.test(e.message) },
    ];
    for (const k of cases) {
      await assert.rejects(start(world, k.params), k.check, k.case);
    }
    assert.deepEqual(await emulatorWrites(world), []);
  });

  test('a CEN of another account, without a grant: refused with a clear error before any change', async () => {
    // Prepare: the CEN exists, owned by the shared-services account; this world's clients act for
    // the application team, which owns the VPC and has granted nothing.
    const xacct = await startWorld({ regionId: 'cn-shanghai', procedures, topology: 'scenario-cross-account-cen' });
    try {
      const cenId = 'cen-xacct00000000000001';
      const owner = xacct.emulator.credentialsFor('1688000000000002');
      assert.ok(owner);
      const ownersView = new RPCClient({ endpoint: xacct.emulator.endpoint, apiVersion: '2017-09-12', accessKeyId: owner.accessKeyId, accessKeySecret: owner.accessKeySecret });
      const listed = await ownersView.request<{ Cens: { Cen: { CenId: string }[] } }>('DescribeCens', {}, { method: 'POST' });
      assert.deepEqual(listed.Cens.Cen.map((c) => c.CenId), [cenId], 'the CEN exists for its owner');
      const before = await stateDump(xacct);
      // Act / Assess
      await assert.rejects(start(xacct, { ...base, cenId, mode: 'smooth', acknowledgeRemainder: true }), (e: unknown) => {
        assert.ok(e instanceof NotFoundError);
        assert.equal(e.code, 'CenNotFound');
        assert.equal(e.field, 'cenId');
        assert.match(e.message, /not visible to this account: it does not exist, or another account owns it/);
        assert.match(e.message, /GrantInstanceToCen/);
        return true;
      });
      assert.deepEqual(await emulatorWrites(xacct), []);
      assert.deepEqual(await stateDump(xacct), before);
    } finally {
      await xacct.close();
    }
  });
});
