import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { procedures } from '../../workflows/index.ts';
import { startWorld, type World } from '../../src/twin/world.ts';

const base = { regionId: 'cn-hangzhou', cenId: 'cen-vbrmig000000000000001', vbrId: 'vbr-bp1vbrmig000000000001', vpcId: 'vpc-m5evbrmig0000000000001', vpcRegionId: 'cn-qingdao' };
const flow = { name: 'idc→qingdao-app', source: '10.1.0.10', destinationIp: '192.168.1.10' };

describe('migrate-vbr-to-cen on the seed 5.2 topology', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ regionId: 'cn-hangzhou', procedures, topology: 'ch5-2-vbr-migration' });
  });
  after(async () => world.close());

  test('smooth', async () => {
    const ex = await world.engine.start('migrate-vbr-to-cen', { ...base, mode: 'smooth', acknowledgeRemainder: true, flows: [flow] }, { requestedBy: 'alice', approvalRequired: false });
    console.log(JSON.stringify(ex.context.plan).slice(0, 3000));
    const view = await world.run(ex.id);
    console.log(view.status, view.state, JSON.stringify(view.output).slice(0, 3000), view.error);
    assert.equal(view.status, 'succeeded');
  });
});
