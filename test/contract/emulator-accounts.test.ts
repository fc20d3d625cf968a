/**
 * Several accounts through pop-core, on `scenario-cross-account-cen`: each AccessKey pair acts for
 * its account; another account's CEN, VPCs, route tables and instances are invisible; attaching a
 * VPC of another account to a CEN needs the VPC owner's grant (VPC GrantInstanceToCen), with the
 * real error codes when it is missing; DescribeGrantRulesToCen and RevokeInstanceFromCen.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { validateTopology, readTopologyFile } from '../../src/emulator/topology.ts';
import { advance, call, callFails, client, control, type Body } from './emulator-helpers.ts';

const APP = '1688000000000001';
const SHARED = '1688000000000002';
const CEN = 'cen-xacct00000000000001';
const SHANGHAI_VPC = 'vpc-uf6mig0000000000000001';
const SHANGHAI_TABLE = 'vtb-uf6mig0000000000000001';
const QINGDAO_VPC = 'vpc-m5emig000000000000001';
const QINGDAO_TABLE = 'vtb-m5emig000000000000001';
const QINGDAO_RI = 'ri-m5emig000000000000001';
const SHANGHAI_ECS = 'i-uf6mig000000000000001';
const QINGDAO_ECS = 'i-m5emig00000000000001';

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ topology: 'scenario-cross-account-cen' });
});
after(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

// Account UIDs have 16 digits: pop-core's JSON parser (json-bigint) hands them back as big-number
// objects, as it does with the real API, so the tests compare them as strings.

/** A client of `product` acting for `account`. */
function as(account: string, product: 'vpc' | 'cbn' | 'ecs') {
  const cred = emu.credentialsFor(account);
  assert.ok(cred, `no credentials for ${account}`);
  return client(emu, product, { accessKeyId: cred.accessKeyId, accessKeySecret: cred.accessKeySecret });
}

const attach = (extra: Record<string, unknown> = {}) => ({
  CenId: CEN,
  ChildInstanceId: SHANGHAI_VPC,
  ChildInstanceType: 'VPC',
  ChildInstanceRegionId: 'cn-shanghai',
  ...extra,
});
const grant = { RegionId: 'cn-shanghai', InstanceId: SHANGHAI_VPC, InstanceType: 'VPC', CenId: CEN, CenOwnerId: SHARED };

describe('accounts', () => {
  test('the default pair acts for the default account; every further account gets its own pair', () => {
    assert.equal(emu.credentials.length, 2);
    assert.equal(emu.credentials[0]!.accountId, undefined);
    assert.equal(emu.credentialsFor(APP), emu.credentials[0]);
    assert.equal(emu.credentialsFor(SHARED)?.accessKeyId, `LTAI-xcflow-${SHARED}`);
  });

  test("a CEN of another account is invisible: DescribeCens lists only the caller's, and naming it answers ParameterCenInstanceId", async () => {
    // Act
    const mine = await call(as(APP, 'cbn'), 'DescribeCens', {});
    const theirs = await call(as(SHARED, 'cbn'), 'DescribeCens', {});
    const byId = await call(as(APP, 'cbn'), 'DescribeCens', { Filter: [{ Key: 'CenId', Value: [CEN] }] });
    const errors = await Promise.all([
      callFails(as(APP, 'cbn'), 'DescribeCenAttachedChildInstances', { CenId: CEN }),
      callFails(as(APP, 'cbn'), 'ModifyCenAttribute', { CenId: CEN, ProtectionLevel: 'REDUCED' }),
      callFails(as(APP, 'cbn'), 'AttachCenChildInstance', attach()),
      callFails(as(APP, 'cbn'), 'DescribeCenChildInstanceRouteEntries', { CenId: CEN, ChildInstanceId: QINGDAO_VPC, ChildInstanceType: 'VPC', ChildInstanceRegionId: 'cn-qingdao' }),
    ]);
    // Assess
    assert.equal(mine.TotalCount, 0);
    assert.deepEqual(theirs.Cens.Cen.map((c: Body) => c.CenId), [CEN]);
    assert.equal(byId.TotalCount, 0);
    assert.deepEqual(errors.map((e) => e.code), ['ParameterCenInstanceId', 'ParameterCenInstanceId', 'ParameterCenInstanceId', 'ParameterCenInstanceId']);
  });

  test("VPC and ECS resources of another account are invisible, and naming them answers the unknown-id code", async () => {
    // Act
    const vpcs = await call(as(SHARED, 'vpc'), 'DescribeVpcs', { RegionId: 'cn-shanghai' });
    const tables = await call(as(SHARED, 'vpc'), 'DescribeRouteTableList', { RegionId: 'cn-shanghai' });
    const own = await call(as(SHARED, 'vpc'), 'DescribeRouteTableList', { RegionId: 'cn-qingdao' });
    const create = await callFails(as(SHARED, 'vpc'), 'CreateRouteEntry', { RegionId: 'cn-shanghai', RouteTableId: SHANGHAI_TABLE, DestinationCidrBlock: '10.9.0.0/16', NextHopType: 'RouterInterface', NextHopId: QINGDAO_RI });
    const list = await callFails(as(APP, 'vpc'), 'DescribeRouteEntryList', { RegionId: 'cn-qingdao', RouteTableId: QINGDAO_TABLE });
    const instances = await call(as(APP, 'ecs'), 'DescribeInstances', { RegionId: 'cn-qingdao' });
    const run = await callFails(as(APP, 'ecs'), 'RunCommand', { RegionId: 'cn-qingdao', Type: 'RunShellScript', CommandContent: 'echo hi', InstanceId: [QINGDAO_ECS] });
    const mineToo = await call(as(APP, 'ecs'), 'DescribeInstances', { RegionId: 'cn-shanghai' });
    // Assess
    assert.equal(vpcs.TotalCount, 0);
    assert.equal(tables.TotalCount, 0);
    assert.deepEqual(own.RouterTableList.RouterTableListType.map((t: Body) => [t.RouteTableId, String(t.OwnerId)]), [[QINGDAO_TABLE, SHARED]]);
    assert.equal(create.code, 'InvalidRouteTableId.NotFound');
    assert.equal(list.code, 'InvalidRouteTableId.NotFound');
    assert.equal(instances.TotalCount, 0);
    assert.equal(run.code, 'InvalidInstance.NotFound');
    assert.deepEqual(mineToo.Instances.Instance.map((i: Body) => i.InstanceId), [SHANGHAI_ECS]);
  });

  test('attaching a VPC of another account needs its grant: refused with Forbbiden.AttachChildInstanceAcrossUid until GrantInstanceToCen', async () => {
    // Prepare
    const before = await control(emu, 'GET', 'state');
    // Act: without ChildInstanceOwnerId the VPC is looked up in the CEN's own account; with it, the grant is missing.
    const unnamed = await callFails(as(SHARED, 'cbn'), 'AttachCenChildInstance', attach());
    const ungranted = await callFails(as(SHARED, 'cbn'), 'AttachCenChildInstance', attach({ ChildInstanceOwnerId: APP }));
    const after = await control(emu, 'GET', 'state');
    // Assess: refused, and nothing changed
    assert.equal(unnamed.code, 'InvalidInstanceId.NotFound');
    assert.equal(ungranted.code, 'Forbbiden.AttachChildInstanceAcrossUid');
    assert.match(ungranted.message, /not authorized to CEN/);
    assert.deepEqual(after.body.model.cenChildInstances, before.body.model.cenChildInstances);
  });

  test('after the owner grants, the CEN attaches the VPC and the VPC learns its routes; revoke waits for the detach', async () => {
    // Prepare: only the VPC's owner may grant it.
    const stranger = await callFails(as(SHARED, 'vpc'), 'GrantInstanceToCen', grant);
    await call(as(APP, 'vpc'), 'GrantInstanceToCen', grant);
    await call(as(APP, 'vpc'), 'GrantInstanceToCen', grant);
    const rules = await call(as(APP, 'vpc'), 'DescribeGrantRulesToCen', { RegionId: 'cn-shanghai', InstanceId: SHANGHAI_VPC, InstanceType: 'VPC' });
    // Act
    await call(as(SHARED, 'cbn'), 'AttachCenChildInstance', attach({ ChildInstanceOwnerId: APP }));
    await advance(emu, 6_000);
    const children = await call(as(SHARED, 'cbn'), 'DescribeCenAttachedChildInstances', { CenId: CEN, ChildInstanceRegionId: 'cn-shanghai' });
    const learned = await call(as(APP, 'vpc'), 'DescribeRouteEntryList', { RegionId: 'cn-shanghai', RouteTableId: SHANGHAI_TABLE, RouteEntryType: 'CEN', MaxResult: 100 });
    const cenView = await call(as(SHARED, 'cbn'), 'DescribeCenChildInstanceRouteEntries', { ...attach(), Status: 'Rejected' });
    const inUse = await callFails(as(APP, 'vpc'), 'RevokeInstanceFromCen', grant);
    await call(as(SHARED, 'cbn'), 'DetachCenChildInstance', attach());
    await advance(emu, 6_000);
    await call(as(APP, 'vpc'), 'RevokeInstanceFromCen', grant);
    const none = await call(as(APP, 'vpc'), 'DescribeGrantRulesToCen', { RegionId: 'cn-shanghai', InstanceId: SHANGHAI_VPC, InstanceType: 'VPC' });
    // Assess
    assert.equal(stranger.code, 'InvalidInstanceId.NotFound');
    assert.equal(rules.TotalCount, 1, 'a repeated grant is one rule');
    assert.deepEqual(rules.CenGrantRules.CbnGrantRule.map((r: Body) => [r.CenInstanceId, String(r.CenOwnerId)]), [[CEN, SHARED]]);
    assert.deepEqual(children.ChildInstances.ChildInstance.map((c: Body) => [c.ChildInstanceId, c.Status, String(c.ChildInstanceOwnerId)]), [[SHANGHAI_VPC, 'Attached', APP]]);
    // The data center's route from the other account's VBR is learned; the Qingdao vSwitch route is
    // blocked by the peering route, as in seed 5.1, and the CEN owner sees why.
    assert.deepEqual((learned.RouteEntrys.RouteEntry as Body[]).map((e) => [e.DestinationCidrBlock, e.Status]), [['10.0.0.0/8', 'Available']]);
    assert.deepEqual((cenView.CenRouteEntries.CenRouteEntry as Body[]).map((e) => [e.DestinationCidrBlock, e.Conflicts.Conflict[0]?.DestinationCidrBlock]), [['172.16.1.0/24', '172.16.0.0/16']]);
    assert.equal(inUse.code, 'IncorrectStatus');
    assert.equal(none.TotalCount, 0);
  });

  test('a topology names owners only among its accounts', () => {
    const t = readTopologyFile('scenario-cross-account-cen');
    const bad = { ...t, cens: [{ ...t.cens![0]!, ownerId: '1688000000000099' }] };
    assert.throws(() => validateTopology(bad), /cens\[0\]\.ownerId: unknown account 1688000000000099/);
  });
});
