import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { procedures } from '../../workflows/index.ts';
import { startWorld, type World } from '../../src/twin/world.ts';

const CEN = 'cen-mig0000000000000001';
const VPC = 'vpc-uf6mig0000000000000001';
const base = { regionId: 'cn-shanghai', cenId: CEN, vpcId: VPC };
const flowToQingdao = { name: 'shanghai-app→qingdao-app', source: 'i-uf6mig000000000000001', destinationIp: '172.16.1.10' };

describe('migrate-vpc-to-cen on the seed 5.1 topology', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ regionId: 'cn-shanghai', procedures, topology: 'ch5-1-vpc-migration' });
  });
  after(async () => world.close());

  test('smooth: the CEN route takes over with 0 lost probes', async () => {
    const ex = await world.engine.start('migrate-vpc-to-cen', { ...base, mode: 'smooth', acknowledgeRemainder: true, flows: [flowToQingdao] }, { requestedBy: 'alice', approvalRequired: false });
    const view = await world.run(ex.id);
    console.log(view.status, JSON.stringify(view.output).slice(0, 2000), view.error);
    assert.equal(view.status, 'succeeded');
  });
});
