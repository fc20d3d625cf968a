import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { CloudApiPermanentError, CloudApiTransientError, createCloudClients } from '../../src/cloud/index.ts';
import { cloudError, startCloudFixture, type CloudFixture } from './cloud-fixture.ts';

// Seed chapter 1 topology: VBR vbr-bp1vbr… with its router interface toward the VPC.
const VBR = 'vbr-bp1vbr000000000000001';
const VBR_TABLE = 'vtb-bp1vbrrt0000000000001';
const VBR_RI = 'ri-bp1vbrside00000000001';
const VPC_RI = 'ri-bp1vpcside00000000001';
const VPC = 'vpc-bp1cloudsvc00000000001';
const PCONN = 'pc-bp1line00000000000001';

describe('VpcClient against the emulator (chapter 1)', () => {
  let fx: CloudFixture;
  before(async () => {
    fx = await startCloudFixture('ch1-cloud-service-access', 'cn-hangzhou');
  });
  after(() => fx.close());

  test('describeVirtualBorderRouters finds the VBR and its route table', async () => {
    const vbrs = await fx.cloud.vpc.describeVirtualBorderRouters({ vbrId: VBR });
    assert.equal(vbrs.length, 1);
    assert.equal(vbrs[0].routeTableId, VBR_TABLE);
    assert.equal(vbrs[0].status, 'active');
    assert.equal(vbrs[0].physicalConnectionId, PCONN);
    assert.equal(vbrs[0].localGatewayIp, '10.0.0.1');
    assert.equal(vbrs[0].vlanId, 10);
  });

  test('describeRouterInterfaces filters by router and reads the opposite end', async () => {
    const ris = await fx.cloud.vpc.describeRouterInterfaces({ routerId: VBR });
    assert.deepEqual(ris.map((r) => r.routerInterfaceId), [VBR_RI]);
    assert.equal(ris[0].routerType, 'VBR');
    assert.equal(ris[0].oppositeInterfaceId, VPC_RI);
    assert.equal(ris[0].status, 'Active');
  });

  test('describeRouteTableList finds the VBR table and the VPC system table', async () => {
    const vbrTables = await fx.cloud.vpc.describeRouteTableList({ routerType: 'VBR', routerId: VBR });
    assert.deepEqual(vbrTables.map((t) => t.routeTableId), [VBR_TABLE]);
    const vpcTables = await fx.cloud.vpc.describeRouteTableList({ vpcId: VPC });
    assert.equal(vpcTables.length, 1);
    assert.equal(vpcTables[0].routerType, 'VRouter');
  });

  test('describePhysicalConnections, describeVpcs and describeVSwitches read the inventory', async () => {
    const [pc] = await fx.cloud.vpc.describePhysicalConnections({ physicalConnectionId: PCONN });
    assert.equal(pc.status, 'Enabled');
    assert.equal(pc.businessStatus, 'Normal');
    assert.equal(pc.bandwidth, 1000);
    const [vpc] = await fx.cloud.vpc.describeVpcs({ vpcId: VPC });
    assert.equal(vpc.cidrBlock, '192.168.0.0/16');
    assert.ok(vpc.vRouterId.startsWith('vrt-'));
    const vsws = await fx.cloud.vpc.describeVSwitches({ vpcId: VPC });
    assert.deepEqual(vsws.map((s) => s.cidrBlock), ['192.168.1.0/24']);
  });

  test('createRouteEntry adds the /11s one at a time: Pending, then Available; a second write meanwhile is a conflict', async () => {
    // Act: first route
    const first = await fx.cloud.vpc.createRouteEntry({
      routeTableId: VBR_TABLE,
      destinationCidrBlock: '100.64.0.0/11',
      nextHopType: 'RouterInterface',
      nextHopId: VBR_RI,
      clientToken: 'contract-ch1-first',
    });
    const [pending] = await fx.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE, destinationCidrBlock: '100.64.0.0/11' });
    // Act: second route while the first is Pending
    const busy = await cloudError(() =>
      fx.cloud.vpc.createRouteEntry({
        routeTableId: VBR_TABLE,
        destinationCidrBlock: '100.96.0.0/11',
        nextHopType: 'RouterInterface',
        nextHopId: VBR_RI,
      }),
    );
    fx.advance(3_000);
    const [available] = await fx.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE, destinationCidrBlock: '100.64.0.0/11' });
    const second = await fx.cloud.vpc.createRouteEntry({
      routeTableId: VBR_TABLE,
      destinationCidrBlock: '100.96.0.0/11',
      nextHopType: 'RouterInterface',
      nextHopId: VBR_RI,
    });
    fx.advance(3_000);
    // Assess
    assert.ok(first.routeEntryId);
    assert.ok(first.requestId);
    assert.equal(pending.routeEntryId, first.routeEntryId);
    assert.equal(pending.status, 'Pending');
    assert.ok(busy instanceof CloudApiTransientError);
    assert.equal(busy.errorClass, 'conflict');
    assert.ok(['IncorrectRouteEntryStatus', 'TaskConflict'].includes(busy.code), busy.code);
    assert.ok(busy.requestId);
    assert.equal(available.status, 'Available');
    assert.deepEqual(available.nextHops.map((h) => [h.nextHopType, h.nextHopId]), [['RouterInterface', VBR_RI]]);
    const all = await fx.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE, destinationCidrBlocks: ['100.64.0.0/11', '100.96.0.0/11'] });
    assert.deepEqual(all.map((e) => [e.destinationCidrBlock, e.status]).sort(), [
      ['100.64.0.0/11', 'Available'],
      ['100.96.0.0/11', 'Available'],
    ]);
    assert.ok(all.some((e) => e.routeEntryId === second.routeEntryId));
  });

  test('createRouteEntry repeated with the same ClientToken returns the same route entry', async () => {
    const again = await fx.cloud.vpc.createRouteEntry({
      routeTableId: VBR_TABLE,
      destinationCidrBlock: '100.64.0.0/11',
      nextHopType: 'RouterInterface',
      nextHopId: VBR_RI,
      clientToken: 'contract-ch1-first',
    });
    const [entry] = await fx.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE, destinationCidrBlock: '100.64.0.0/11' });
    assert.equal(again.routeEntryId, entry.routeEntryId);
  });

  test('the same route without the ClientToken is a duplicate', async () => {
    const dup = await cloudError(() =>
      fx.cloud.vpc.createRouteEntry({
        routeTableId: VBR_TABLE,
        destinationCidrBlock: '100.64.0.0/11',
        nextHopType: 'RouterInterface',
        nextHopId: VBR_RI,
      }),
    );
    assert.equal(dup.errorClass, 'duplicate', dup.code);
    assert.ok(dup instanceof CloudApiPermanentError);
  });

  test('100.64.0.0/10 itself is refused by the API with a permanent error', async () => {
    const err = await cloudError(() =>
      fx.cloud.vpc.createRouteEntry({
        routeTableId: VBR_TABLE,
        destinationCidrBlock: '100.64.0.0/10',
        nextHopType: 'RouterInterface',
        nextHopId: VBR_RI,
      }),
    );
    assert.ok(err instanceof CloudApiPermanentError);
    assert.ok(err.code.length > 0);
  });

  test('describeRouteEntryList pages with NextToken when asked for one page', async () => {
    const all = await fx.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE });
    const first = await fx.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE }, { maxResults: 1 });
    const second = await fx.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE }, { maxResults: 1, nextToken: first.nextToken });
    assert.ok(all.length >= 4, `expected the topology's routes and the two /11s, got ${all.length}`);
    assert.equal(first.items.length, 1);
    assert.ok(first.nextToken);
    assert.notEqual(second.items[0].routeEntryId, first.items[0].routeEntryId);
  });

  test('deleteRouteEntry: a dry run changes nothing; the delete goes Deleting, then the entry is gone; again is not_found', async () => {
    const [entry] = await fx.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE, destinationCidrBlock: '100.96.0.0/11' });
    const dry = await fx.cloud.vpc.deleteRouteEntry({ routeEntryId: entry.routeEntryId, dryRun: true });
    const [still] = await fx.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE, destinationCidrBlock: '100.96.0.0/11' });
    const del = await fx.cloud.vpc.deleteRouteEntry({
      routeTableId: VBR_TABLE,
      destinationCidrBlock: '100.96.0.0/11',
      nextHopId: VBR_RI,
    });
    const [deleting] = await fx.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE, destinationCidrBlock: '100.96.0.0/11' });
    fx.advance(3_000);
    const gone = await fx.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE, destinationCidrBlock: '100.96.0.0/11' });
    const again = await cloudError(() => fx.cloud.vpc.deleteRouteEntry({ routeEntryId: entry.routeEntryId }));
    assert.equal(dry.dryRun, true);
    assert.equal(still.status, 'Available');
    assert.equal(del.dryRun, false);
    assert.ok(del.requestId);
    assert.equal(deleting.status, 'Deleting');
    assert.deepEqual(gone, []);
    assert.equal(again.errorClass, 'not_found', again.code);
  });

  test('every call was reported with its RequestId, errors with their code', () => {
    assert.ok(fx.calls.length > 10);
    for (const c of fx.calls) assert.ok(c.requestId, `${c.action} has no RequestId`);
    assert.ok(fx.calls.some((c) => c.action === 'CreateRouteEntry' && c.errorCode));
    assert.ok(fx.calls.some((c) => c.errorCode === 'DryRunOperation'));
    const create = fx.calls.find((c) => c.action === 'CreateRouteEntry');
    assert.equal(create?.params?.RouteTableId, VBR_TABLE);
  });

  test('an injected Throttling.User is a retryable throttled error', async () => {
    await fx.control('POST', 'faults', { failures: [{ action: 'DescribeVpcs', code: 'Throttling.User', times: 1 }] });
    const err = await cloudError(() => fx.cloud.vpc.describeVpcs());
    const ok = await fx.cloud.vpc.describeVpcs();
    await fx.control('DELETE', 'faults');
    assert.equal(err.code, 'Throttling.User');
    assert.equal(err.errorClass, 'throttled');
    assert.equal(err.retryable, true);
    assert.equal(ok.length, 1);
  });

  test('a wrong secret is SignatureDoesNotMatch, terminal, with no key material in the error', async () => {
    const [cred] = fx.emu.credentials;
    const bad = createCloudClients({
      regionId: 'cn-hangzhou',
      endpoint: fx.emu.endpoint,
      credentials: { accessKeyId: cred.accessKeyId, accessKeySecret: 'wrong', securityToken: 'STS-TOKEN-VALUE' },
    });
    const err = await cloudError(() => bad.vpc.describeVpcs());
    bad.close();
    assert.equal(err.code, 'SignatureDoesNotMatch');
    assert.equal(err.errorClass, 'terminal');
    const text = inspect(err, { depth: 5 });
    assert.ok(!text.includes('STS-TOKEN-VALUE'));
    assert.ok(!text.includes(cred.accessKeyId), text);
  });
});

// Seed chapter 6 topology: two VBR-to-VPC peerings into one VPC.
describe('VpcClient against the emulator (chapter 6)', () => {
  let fx: CloudFixture;
  before(async () => {
    fx = await startCloudFixture('ch6-redundancy', 'cn-shanghai');
  });
  after(() => fx.close());

  test('modifyRouterInterfaceAttribute sets the VBR-side health check', async () => {
    const vbrSide = (await fx.cloud.vpc.describeRouterInterfaces({ routerType: 'VBR' })).sort((a, b) =>
      a.routerId.localeCompare(b.routerId),
    );
    assert.equal(vbrSide.length, 2);
    await fx.cloud.vpc.modifyRouterInterfaceAttribute({
      routerInterfaceId: vbrSide[0].routerInterfaceId,
      healthCheckSourceIp: '192.168.10.1',
      healthCheckTargetIp: '10.10.10.2',
      hcRate: 2000,
      hcThreshold: 8,
    });
    fx.advance(3_000);
    const [after] = await fx.cloud.vpc.describeRouterInterfaces({ routerInterfaceId: vbrSide[0].routerInterfaceId });
    assert.equal(after.healthCheckSourceIp, '192.168.10.1');
    assert.equal(after.healthCheckTargetIp, '10.10.10.2');
    assert.equal(after.hcRate, 2000);
    assert.equal(after.hcThreshold, 8);
  });

  test('createRouteEntry with a NextHopList makes one ECMP route with both weighted hops', async () => {
    const [vpc] = await fx.cloud.vpc.describeVpcs();
    const vpcSide = await fx.cloud.vpc.describeRouterInterfaces({ routerId: vpc.vRouterId });
    assert.equal(vpcSide.length, 2);
    const [table] = await fx.cloud.vpc.describeRouteTableList({ vpcId: vpc.vpcId });
    const res = await fx.cloud.vpc.createRouteEntry({
      routeTableId: table.routeTableId,
      destinationCidrBlock: '172.16.0.0/16',
      nextHopList: vpcSide.map((ri) => ({ nextHopId: ri.routerInterfaceId, weight: 100 })),
    });
    fx.advance(3_000);
    const [entry] = await fx.cloud.vpc.describeRouteEntryList({ routeTableId: table.routeTableId, destinationCidrBlock: '172.16.0.0/16' });
    assert.equal(entry.routeEntryId, res.routeEntryId);
    assert.equal(entry.status, 'Available');
    assert.deepEqual(
      entry.nextHops.map((h) => [h.nextHopType, h.weight, h.enabled]),
      [
        ['RouterInterface', 100, true],
        ['RouterInterface', 100, true],
      ],
    );
    assert.deepEqual(entry.nextHops.map((h) => h.nextHopId).sort(), vpcSide.map((r) => r.routerInterfaceId).sort());
  });
});

// Seed chapter 5.2 topology: a VBR with a BGP peer and an advertised BGP network.
describe('VpcClient against the emulator (chapter 5.2, BGP)', () => {
  let fx: CloudFixture;
  const vbr = 'vbr-bp1vbrmig000000000001';
  before(async () => {
    fx = await startCloudFixture('ch5-2-vbr-migration', 'cn-hangzhou');
  });
  after(() => fx.close());

  test('describeBgpPeers reads the VBR peer', async () => {
    const peers = await fx.cloud.vpc.describeBgpPeers({ routerId: vbr });
    assert.equal(peers.length, 1);
    assert.equal(peers[0].peerIpAddress, '172.31.255.2');
    assert.equal(peers[0].peerAsn, '65001');
    assert.equal(peers[0].routerId, vbr);
  });

  test('deleteBgpNetwork then addBgpNetwork: gone after the delay, then Available again', async () => {
    const before = await fx.cloud.vpc.describeBgpNetworks({ routerId: vbr });
    await fx.cloud.vpc.deleteBgpNetwork({ routerId: vbr, dstCidrBlock: '192.168.0.0/16' });
    fx.advance(3_000);
    const afterDelete = await fx.cloud.vpc.describeBgpNetworks({ routerId: vbr });
    await fx.cloud.vpc.addBgpNetwork({ routerId: vbr, dstCidrBlock: '192.168.0.0/16', vpcId: 'vpc-m5evbrmig0000000000001', clientToken: 'bgp-add-1' });
    fx.advance(3_000);
    const afterAdd = await fx.cloud.vpc.describeBgpNetworks({ routerId: vbr });
    assert.deepEqual(before.map((n) => [n.dstCidrBlock, n.status]), [['192.168.0.0/16', 'Available']]);
    assert.deepEqual(afterDelete, []);
    assert.deepEqual(afterAdd.map((n) => [n.dstCidrBlock, n.status, n.vpcId]), [['192.168.0.0/16', 'Available', 'vpc-m5evbrmig0000000000001']]);
  });
});
