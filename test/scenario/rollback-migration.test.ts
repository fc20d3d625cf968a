import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../src/engine/types.ts';
import { startWorld, type World } from '../../src/twin/world.ts';
import { procedures } from '../../workflows/index.ts';
import { rollbackParamsFromExecution } from '../../workflows/rollback-migration/index.ts';
import { probeSummary, startProbes, stateDump } from '../support/migration-scenario.ts';

const base = { regionId: 'cn-shanghai', cenId: 'cen-mig0000000000000001', vpcId: 'vpc-uf6mig0000000000000001' };
const app = { name: 'shanghai-app→qingdao-app', source: 'i-uf6mig000000000000001', destinationIp: '172.16.1.10' };
const peering = { kind: 'restoreRoute', regionId: 'cn-shanghai', routeTableId: 'vtb-uf6mig0000000000000001', destinationCidrBlock: '172.16.0.0/16', routeEntryName: 'peering-to-qingdao', nextHops: [{ nextHopType: 'RouterInterface', nextHopId: 'ri-uf6mig0000000000000001' }] };

describe('rollback-migration (seed 5.3) through the engine, the SDK clients and the emulator', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ regionId: 'cn-shanghai', procedures, topology: 'ch5-1-vpc-migration' });
  });
  beforeEach(() => world.emulator.reset());
  after(async () => world.close());

  async function migrate(mode: string): Promise<{ before: unknown; id: string }> {
    const before = await stateDump(world);
    const ex = await world.engine.start('migrate-vpc-to-cen', { ...base, mode, acknowledgeRemainder: true, flows: [app] }, { requestedBy: 'alice', approvalRequired: false });
    assert.equal((await world.run(ex.id)).status, 'succeeded');
    return { before, id: ex.id };
  }

  test('smooth, from the migration execution record: the network is back as before with 0 lost probes', async () => {
    // Prepare
    const { before, id } = await migrate('smooth');
    const record = await world.engine.get(id);
    const params = rollbackParamsFromExecution(record) as unknown as JsonObject;
    await startProbes(world, [app]);
    // Act
    const ex = await world.engine.start('rollback-migration', params, { requestedBy: 'alice', approvalRequired: true });
    let view = await world.run(ex.id);
    assert.equal(view.status, 'awaiting_approval');
    view = await world.engine.approve(ex.id, { id: 'bob', roles: ['approver'] });
    view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'succeeded', JSON.stringify(view.output).slice(0, 1500));
    const [probes] = await probeSummary(world);
    assert.equal(probes.lost, 0);
    assert.deepEqual(await stateDump(world), before);
  });

  test('from params describing the peering route to restore, in either mode; running it twice changes nothing more', async () => {
    for (const mode of ['smooth', 'intermittent']) {
      world.emulator.reset();
      const { before } = await migrate(mode);
      const params = { regionId: 'cn-shanghai', mode, compensations: [peering], flows: [app] };
      const first = await world.run((await world.engine.start('rollback-migration', params, { requestedBy: 'alice', approvalRequired: false })).id);
      assert.equal(first.status, 'succeeded', `${mode}: ${JSON.stringify(first.output).slice(0, 800)}`);
      assert.deepEqual(await stateDump(world), before, mode);
      const again = await world.run((await world.engine.start('rollback-migration', params, { requestedBy: 'alice', approvalRequired: false })).id);
      assert.equal(again.status, 'succeeded');
      assert.deepEqual(await stateDump(world), before, `${mode}, second run`);
    }
  });

  test('refuses an undo list it cannot read, before any change', async () => {
    await assert.rejects(
      world.engine.start('rollback-migration', { regionId: 'cn-shanghai', compensations: [{ kind: 'restoreRoute', regionId: 'cn-shanghai', routeTableId: 'vtb-1', destinationCidrBlock: '172.16.0.1/16', nextHops: [] }] }, { requestedBy: 'alice' }),
      (e: unknown) => e instanceof Error && /canonical|172\.16\.0\.0\/16/.test(e.message),
    );
  });
});
