/**
 * The failover test of `physical-connection-redundancy` (seed chapter 6, step 6: "Ping an instance
 * in the VPC when one physical connection fails") with the line switched by API
 * (TerminateVirtualBorderRouter / RecoverVirtualBorderRouter), and the cloud path — a Cloud
 * Assistant ping series from the ECS instance — run against the emulator, both with the API
 * switching the line and with an operator (played here through the emulator's control API).
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../src/engine/types.ts';
import { startWorld, type World } from '../../src/twin/world.ts';
import { procedures } from '../../workflows/index.ts';

const REGION = 'cn-shanghai';
const VBR_1 = 'vbr-uf6vbr00000000000000001';
const VBR_2 = 'vbr-uf6vbr00000000000000002';
const LINE_1 = 'pc-uf6line0000000000000001';
const LINE_2 = 'pc-uf6line0000000000000002';

const params = (failoverTest: JsonObject): JsonObject => ({
  regionId: REGION,
  vpcId: 'vpc-uf614ufdjl3n871accgzx',
  dataCenterCidrBlocks: ['172.16.0.0/16'],
  connections: [
    { vbrId: VBR_1, healthCheckSourceIp: '192.168.10.1', healthCheckTargetIp: '10.10.10.2', routeCidrBlock: '10.10.10.0/24' },
    { vbrId: VBR_2, healthCheckSourceIp: '192.168.10.2', healthCheckTargetIp: '10.10.11.2', routeCidrBlock: '10.10.11.0/24' },
  ],
  failoverTest: { sourceInstanceId: 'i-uf6app000000000000001', targetIps: ['172.16.0.10', '172.16.0.11'], ...failoverTest },
});

interface FailoverOut {
  ok: boolean;
  tester: string;
  physicalConnectionId: string;
  goalMs: number;
  failoverMs: number;
  affectedFlows: number;
  flows: number;
  reason?: string;
}

const run = async (world: World, p: JsonObject) => {
  const ex = await world.engine.start('physical-connection-redundancy', p, { requestedBy: 'alice', approvalRequired: false });
  return { id: ex.id, view: await world.run(ex.id) };
};

const vbrStatus = async (world: World, vbrId: string): Promise<string> => (await world.cloud.vpc.describeVirtualBorderRouters({ vbrId }))[0].status;

describe('failover test with the line switched by TerminateVirtualBorderRouter (emulator data-plane probes)', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ regionId: REGION, procedures, topology: 'ch6-redundancy' });
  });
  after(async () => world.close());

  test('terminates the line 1 VBR, fails over within 2 s × 8, recovers it, and traffic spreads over both lines again', async () => {
    // Act
    const { id, view } = await run(world, params({ lineSwitch: 'terminate-vbr' }));
    // Assess
    assert.equal(view.status, 'succeeded', JSON.stringify((view.output as JsonObject).failure ?? view.output).slice(0, 1500));
    const f = (view.output as unknown as { failoverTest: FailoverOut & { spreadAfterRestore: { linesUsed: string[] } } }).failoverTest;
    assert.equal(f.ok, true);
    assert.equal(f.tester, 'emulator');
    assert.ok(f.affectedFlows > 0, 'some flows crossed line 1');
    assert.ok(f.failoverMs > 0 && f.failoverMs <= 16_000, `failover took ${f.failoverMs} ms`);
    assert.deepEqual(f.spreadAfterRestore.linesUsed, [LINE_1, LINE_2]);
    const switches = (await world.calls(id)).filter((c) => c.action === 'TerminateVirtualBorderRouter' || c.action === 'RecoverVirtualBorderRouter');
    assert.deepEqual(switches.map((c) => c.action), ['TerminateVirtualBorderRouter', 'RecoverVirtualBorderRouter']);
    assert.ok(switches.every((c) => typeof c.requestId === 'string' && c.requestId.length > 0 && !c.errorCode));
    assert.equal(await vbrStatus(world, VBR_1), 'active');
  });
});

describe('failover test through Cloud Assistant ping against the emulator (the cloud path)', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ regionId: REGION, procedures, topology: 'ch6-redundancy', prober: 'cloud-assistant' });
  });
  beforeEach(() => world.emulator.reset());
  after(async () => world.close());

  test('terminate-vbr: the ping series loses requests while line 1 is down, recovers within 2 s × 8, and the VBR ends active', async () => {
    // Act
    const { id, view } = await run(world, params({ lineSwitch: 'terminate-vbr' }));
    // Assess
    assert.equal(view.status, 'succeeded', JSON.stringify((view.output as JsonObject).failure ?? view.output).slice(0, 1500));
    const f = (view.output as unknown as { failoverTest: FailoverOut }).failoverTest;
    assert.equal(f.tester, 'cloud-assistant');
    assert.equal(f.flows, 2, 'one ping series per target');
    assert.ok(f.affectedFlows > 0, 'a ping series crossed line 1');
    assert.ok(f.failoverMs > 0 && f.failoverMs <= 16_000, `failover took ${f.failoverMs} ms`);
    const actions = (await world.calls(id)).map((c) => c.action);
    assert.equal(actions.filter((a) => a === 'RunCommand').length, 3, 'the verification probe, then one ping series per target');
    assert.ok(actions.includes('TerminateVirtualBorderRouter') && actions.includes('RecoverVirtualBorderRouter'));
    assert.equal(await vbrStatus(world, VBR_1), 'active');
  });

  test('operator: the procedure says when to cut and restore line 1; the operator does (control API), and the ping series judges the failover', async () => {
    // Prepare: the operator watches the execution and acts on its instructions.
    const { id } = await (async () => {
      const ex = await world.engine.start('physical-connection-redundancy', params({ lineSwitch: 'operator', operatorWindowSeconds: 180 }), { requestedBy: 'alice', approvalRequired: false });
      return { id: ex.id };
    })();
    let cut = false;
    let restored = false;
    const operator = async (): Promise<void> => {
      const v = await world.engine.get(id);
      const state = String(v.state);
      if (!cut && state === 'AwaitingFailover') {
        cut = true;
        await fetch(`${world.emulator.endpoint}/_emulator/physical-connections/${LINE_1}/down`, { method: 'POST' });
      }
      if (!restored && state === 'AwaitingTrafficSpread') {
        restored = true;
        await fetch(`${world.emulator.endpoint}/_emulator/physical-connections/${LINE_1}/up`, { method: 'POST' });
      }
    };
    // Act
    const view = await world.run(id, { beforeDelivery: operator });
    // Assess
    assert.equal(view.status, 'succeeded', JSON.stringify((view.output as JsonObject).failure ?? view.output).slice(0, 1500));
    assert.ok(cut && restored, 'the operator was asked to cut and to restore the line');
    const context = view.context as { failover: { failLine: { performed: boolean; instruction: string } } };
    assert.equal(context.failover.failLine.performed, false);
    assert.match(context.failover.failLine.instruction, /take physical connection pc-uf6line0000000000000001 down now/);
    const f = (view.output as unknown as { failoverTest: FailoverOut }).failoverTest;
    assert.equal(f.tester, 'cloud-assistant');
    assert.ok(f.affectedFlows > 0);
    assert.ok(f.failoverMs > 0 && f.failoverMs <= 16_000, `failover took ${f.failoverMs} ms`);
    const actions = (await world.calls(id)).map((c) => c.action);
    assert.ok(!actions.includes('TerminateVirtualBorderRouter'), 'no API touched the line');
  });
});
