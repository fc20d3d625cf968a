/**
 * The emulator's POP RPC protocol, driven only through `@alicloud/pop-core` (and HTTP for the
 * control API): signatures, gateway errors with the real codes, RepeatList parameters, paging,
 * ClientToken, DryRun, concurrent writes to one route table, and injected faults.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { advance, call, callFails, client, control, type Body } from './emulator-helpers.ts';

const REGION = 'cn-shanghai';
const VPC_TABLE = 'vtb-uf6b2w3kq8r1n0m5x7j9a';
const VPC_RI_1 = 'ri-uf69ejgh2atodylnx8nl9';
const VPC_RI_2 = 'ri-uf6vpcside20000000001';
const VBR_1 = 'vbr-uf6vbr00000000000000001';

let emu: RunningEmulator;

before(async () => {
  emu = await startEmulator({ topology: 'ch6-redundancy' });
});
after(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.reset();
});

async function entryCount(): Promise<number> {
  const snap = await control(emu, 'POST', 'snapshot');
  return (snap.body.routeEntries as unknown[]).length;
}

const createParams = { RegionId: REGION, RouteTableId: VPC_TABLE, DestinationCidrBlock: '172.16.0.0/16', NextHopType: 'RouterInterface', NextHopId: VPC_RI_1 };

describe('signature', () => {
  test('a correctly signed call passes by GET and by POST, and every answer carries an upper-case RequestId', async () => {
    // Prepare
    const vpc = client(emu, 'vpc');
    // Act
    const byGet = await call(vpc, 'DescribeVpcs', { RegionId: REGION }, 'GET');
    const byPost = await call(vpc, 'DescribeVpcs', { RegionId: REGION }, 'POST');
    // Assess
    for (const body of [byGet, byPost]) {
      assert.match(body.RequestId as string, /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
      assert.equal(body.Vpcs.Vpc[0].VpcId, 'vpc-uf614ufdjl3n871accgzx');
      assert.equal(body.Code, undefined);
    }
  });

  const refusals: Array<{ case: string; code: string; make: () => { c: ReturnType<typeof client>; extra: Record<string, unknown> } }> = [
    { case: 'wrong secret', code: 'SignatureDoesNotMatch', make: () => ({ c: client(emu, 'vpc', { accessKeySecret: 'not-the-secret' }), extra: {} }) },
    { case: 'unknown AccessKeyId', code: 'InvalidAccessKeyId.NotFound', make: () => ({ c: client(emu, 'vpc', { accessKeyId: 'LTAI-nobody' }), extra: {} }) },
    { case: 'timestamp 20 minutes old', code: 'InvalidTimeStamp.Expired', make: () => ({ c: client(emu, 'vpc'), extra: { Timestamp: new Date(Date.now() - 20 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') } }) },
    { case: 'timestamp 20 minutes ahead', code: 'InvalidTimeStamp.Expired', make: () => ({ c: client(emu, 'vpc'), extra: { Timestamp: new Date(Date.now() + 20 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') } }) },
  ];
  for (const r of refusals) {
    test(`a call with ${r.case} is refused with ${r.code} and the model does not change`, async () => {
      // Prepare
      const before = await entryCount();
      const { c, extra } = r.make();
      // Act
      const err = await callFails(c, 'CreateRouteEntry', { ...createParams, ...extra });
      // Assess
      assert.equal(err.code, r.code);
      assert.deepEqual(Object.keys(err.data).sort(), ['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
      assert.equal(err.data.HostId, 'vpc.aliyuncs.com');
      assert.equal(await entryCount(), before);
    });
  }

  test('a reused SignatureNonce is refused with SignatureNonceUsed and the second write does not happen', async () => {
    // Prepare
    const vpc = client(emu, 'vpc');
    const nonce = { SignatureNonce: 'xcflow-test-nonce-1' };
    await call(vpc, 'DescribeVpcs', { RegionId: REGION, ...nonce });
    const before = await entryCount();
    // Act
    const err = await callFails(vpc, 'CreateRouteEntry', { ...createParams, ...nonce });
    // Assess
    assert.equal(err.code, 'SignatureNonceUsed');
    assert.equal(await entryCount(), before);
  });

  test('values with spaces, reserved characters and non-ASCII sign and round-trip by GET and by POST', async () => {
    // Prepare
    const vpc = client(emu, 'vpc');
    const name = "peering a+b*c ~x/y?z=1&w=(é) 路由'!";
    // Act
    const created = await call(vpc, 'CreateRouteEntry', { ...createParams, RouteEntryName: name }, 'GET');
    await advance(emu, 10_000);
    await call(vpc, 'ModifyRouteEntry', { RegionId: REGION, RouteEntryId: created.RouteEntryId, Description: name }, 'POST');
    const listed = await call(vpc, 'DescribeRouteEntryList', { RegionId: REGION, RouteTableId: VPC_TABLE, RouteEntryId: created.RouteEntryId });
    // Assess
    assert.equal(listed.RouteEntrys.RouteEntry[0].RouteEntryName, name);
    assert.equal(listed.RouteEntrys.RouteEntry[0].Description, name);
  });

  test('SignatureDoesNotMatch tells the client the string the server signed', async () => {
    const err = await callFails(client(emu, 'vpc', { accessKeySecret: 'x' }), 'DescribeVpcs', { RegionId: REGION }, 'GET');
    assert.match(err.data.Message as string, /server string to sign is:GET&%2F&AccessKeyId%3D/);
  });
});

describe('gateway errors', () => {
  test('an unknown action is InvalidAction.NotFound and an unknown Version is InvalidVersion', async () => {
    assert.equal((await callFails(client(emu, 'vpc'), 'DescribeEverything', { RegionId: REGION })).code, 'InvalidAction.NotFound');
    assert.equal((await callFails(client(emu, 'vpc', { apiVersion: '2099-01-01' }), 'DescribeVpcs', { RegionId: REGION })).code, 'InvalidVersion');
  });

  test('an action of another product is not found under this Version', async () => {
    assert.equal((await callFails(client(emu, 'vpc'), 'DescribeCens', {})).code, 'InvalidAction.NotFound');
  });

  test('a missing required parameter is Missing<Name> and a bad integer is InvalidParameter', async () => {
    const vpc = client(emu, 'vpc');
    const missing = await callFails(vpc, 'DescribeRouteEntryList', { RegionId: REGION });
    assert.equal(missing.code, 'MissingRouteTableId');
    assert.equal(missing.data.Message, 'RouteTableId is mandatory for this action.');
    assert.equal((await callFails(vpc, 'DescribeVpcs', {})).code, 'MissingRegionId');
    assert.equal((await callFails(vpc, 'DescribeVpcs', { RegionId: REGION, PageSize: 'ten' })).code, 'InvalidParameter');
    assert.equal((await callFails(vpc, 'DescribeVpcs', { RegionId: REGION, PageSize: 51 })).code, 'InvalidParameter');
  });
});

describe('parameters and responses', () => {
  test('an ECMP NextHopList (RepeatList) creates one entry with both router-interface hops, Pending then Available', async () => {
    // Prepare
    const vpc = client(emu, 'vpc');
    // Act
    const created = await call(vpc, 'CreateRouteEntry', {
      RegionId: REGION,
      RouteTableId: VPC_TABLE,
      DestinationCidrBlock: '172.16.0.0/16',
      NextHopList: [
        { NextHopType: 'RouterInterface', NextHopId: VPC_RI_1, Weight: 100 },
        { NextHopType: 'RouterInterface', NextHopId: VPC_RI_2, Weight: 100 },
      ],
    });
    const pending = await call(vpc, 'DescribeRouteEntryList', { RegionId: REGION, RouteTableId: VPC_TABLE, RouteEntryId: created.RouteEntryId });
    await advance(emu, 10_000);
    const available = await call(vpc, 'DescribeRouteEntryList', { RegionId: REGION, RouteTableId: VPC_TABLE, DestinationCidrBlock: '172.16.0.0/16' });
    // Assess
    assert.match(created.RouteEntryId as string, /^rte-/);
    assert.equal(pending.RouteEntrys.RouteEntry[0].Status, 'Pending');
    const entry = available.RouteEntrys.RouteEntry[0] as Body;
    assert.equal(entry.Status, 'Available');
    assert.equal(entry.Type, 'Custom');
    const hops = entry.NextHops.NextHop as Body[];
    assert.deepEqual(hops.map((h) => h.NextHopId).sort(), [VPC_RI_1, VPC_RI_2].sort());
    for (const h of hops) {
      assert.equal(h.NextHopType, 'RouterInterface');
      assert.equal(h.Weight, 100);
      assert.equal(h.Enabled, 1);
      assert.equal(h.NextHopRelatedInfo.InstanceType, 'VBR');
    }
  });

  test('Filter.N.Key with Filter.N.Value.M selects router interfaces', async () => {
    const body = await call(client(emu, 'vpc'), 'DescribeRouterInterfaces', { RegionId: REGION, Filter: [{ Key: 'RouterId', Value: [VBR_1] }] });
    assert.equal(body.TotalCount, 1);
    const ri = body.RouterInterfaceSet.RouterInterfaceType[0] as Body;
    assert.equal(ri.RouterType, 'VBR');
    assert.equal(ri.OppositeRouterType, 'VRouter');
    assert.equal(ri.Status, 'Active');
  });

  test('route tables are listed as RouterTableList.RouterTableListType with page fields', async () => {
    const body = await call(client(emu, 'vpc'), 'DescribeRouteTableList', { RegionId: REGION, RouterType: 'VBR' });
    assert.equal(body.TotalCount, 2);
    assert.deepEqual((body.RouterTableList.RouterTableListType as Body[]).map((t) => t.RouterType), ['VBR', 'VBR']);
    assert.equal(body.PageNumber, 1);
  });
});

describe('paging', () => {
  test('MaxResult/NextToken walks every route entry exactly once', async () => {
    // Prepare
    const vpc = client(emu, 'vpc');
    const all = await call(vpc, 'DescribeRouteEntryList', { RegionId: REGION, RouteTableId: VPC_TABLE, MaxResult: 100 });
    const expected = (all.RouteEntrys.RouteEntry as Body[]).map((e) => e.RouteEntryId);
    // Act
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await call(vpc, 'DescribeRouteEntryList', { RegionId: REGION, RouteTableId: VPC_TABLE, MaxResult: 1, ...(token ? { NextToken: token } : {}) });
      seen.push(...(page.RouteEntrys.RouteEntry as Body[]).map((e) => e.RouteEntryId as string));
      token = page.NextToken as string;
      pages++;
    } while (token && pages < 50);
    // Assess
    assert.ok(expected.length >= 3);
    assert.equal(pages, expected.length);
    assert.deepEqual(seen, expected);
  });

  test('PageNumber/PageSize return the requested page and the TotalCount', async () => {
    const vpc = client(emu, 'vpc');
    const p1 = await call(vpc, 'DescribeVSwitches', { RegionId: REGION, PageSize: 1, PageNumber: 1 });
    const p2 = await call(vpc, 'DescribeVSwitches', { RegionId: REGION, PageSize: 1, PageNumber: 2 });
    const p3 = await call(vpc, 'DescribeVSwitches', { RegionId: REGION, PageSize: 1, PageNumber: 3 });
    assert.equal(p1.TotalCount, 2);
    assert.notEqual(p1.VSwitches.VSwitch[0].VSwitchId, p2.VSwitches.VSwitch[0].VSwitchId);
    assert.deepEqual(p3.VSwitches.VSwitch, []);
  });
});

describe('ClientToken and DryRun', () => {
  test('a retry with the same ClientToken returns the first RouteEntryId and creates nothing new', async () => {
    // Prepare
    const vpc = client(emu, 'vpc');
    const before = await entryCount();
    // Act
    const first = await call(vpc, 'CreateRouteEntry', { ...createParams, ClientToken: 'step-42' });
    const retry = await call(vpc, 'CreateRouteEntry', { ...createParams, ClientToken: 'step-42' });
    // Assess
    assert.equal(retry.RouteEntryId, first.RouteEntryId);
    assert.notEqual(retry.RequestId, first.RequestId);
    assert.equal(await entryCount(), before + 1);
  });

  test('the same ClientToken with other parameters is IdempotentParameterMismatch', async () => {
    const vpc = client(emu, 'vpc');
    await call(vpc, 'CreateRouteEntry', { ...createParams, ClientToken: 'step-43' });
    const err = await callFails(vpc, 'CreateRouteEntry', { ...createParams, DestinationCidrBlock: '172.17.0.0/16', ClientToken: 'step-43' });
    assert.equal(err.code, 'IdempotentParameterMismatch');
  });

  test('DryRun answers DryRunOperation when the call would succeed, and changes nothing', async () => {
    const before = await entryCount();
    const err = await callFails(client(emu, 'vpc'), 'CreateRouteEntry', { ...createParams, DryRun: true });
    assert.equal(err.code, 'DryRunOperation');
    assert.equal(await entryCount(), before);
  });

  test('DryRun of a call that would fail answers the failure, not DryRunOperation', async () => {
    const err = await callFails(client(emu, 'vpc'), 'CreateRouteEntry', { ...createParams, DestinationCidrBlock: '100.64.0.0/10', DryRun: true });
    assert.notEqual(err.code, 'DryRunOperation');
  });
});

describe('concurrency', () => {
  test('two concurrent CreateRouteEntry on one table: one succeeds, the other fails with the real code', async () => {
    // Prepare
    const a = client(emu, 'vpc');
    const b = client(emu, 'vpc');
    // Act
    const results = await Promise.allSettled([
      call(a, 'CreateRouteEntry', { ...createParams, DestinationCidrBlock: '172.16.0.0/17' }),
      call(b, 'CreateRouteEntry', { ...createParams, DestinationCidrBlock: '172.16.128.0/17' }),
    ]);
    // Assess
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(ok.length, 1);
    assert.equal(failed.length, 1);
    assert.ok(['IncorrectRouteEntryStatus', 'TaskConflict'].includes((failed[0]!.reason as { code: string }).code), String(failed[0]!.reason));
  });
});

describe('faults', () => {
  test('one action fails N times with the chosen code, then passes', async () => {
    // Prepare
    const vpc = client(emu, 'vpc');
    const set = await control(emu, 'POST', 'faults', { failures: [{ action: 'DescribeVpcs', code: 'Throttling.User', times: 2 }] });
    assert.equal(set.status, 200);
    // Act
    const first = await callFails(vpc, 'DescribeVpcs', { RegionId: REGION });
    const second = await callFails(vpc, 'DescribeVpcs', { RegionId: REGION });
    const third = await call(vpc, 'DescribeVpcs', { RegionId: REGION });
    // Assess
    assert.equal(first.code, 'Throttling.User');
    assert.equal(second.code, 'Throttling.User');
    assert.equal(third.Vpcs.Vpc.length, 1);
  });

  test('seeded random faults repeat exactly for the same seed', async () => {
    const vpc = client(emu, 'vpc');
    const run = async (): Promise<string[]> => {
      await control(emu, 'POST', 'faults', { seed: 7, throttlingRate: 0.3, serverErrorRate: 0.2 });
      const out: string[] = [];
      for (let i = 0; i < 20; i++) {
        try {
          await call(vpc, 'DescribeVpcs', { RegionId: REGION });
          out.push('ok');
        } catch (err) {
          out.push((err as { code: string }).code);
        }
      }
      return out;
    };
    const a = await run();
    const b = await run();
    assert.deepEqual(a, b);
    assert.ok(a.includes('Throttling.User') && a.includes('ServiceUnavailable') && a.includes('ok'), a.join(','));
  });

  test('a TaskConflict rate hits writes only, and DELETE faults clears it', async () => {
    const vpc = client(emu, 'vpc');
    await control(emu, 'POST', 'faults', { taskConflictRate: 1 });
    await call(vpc, 'DescribeVpcs', { RegionId: REGION });
    assert.equal((await callFails(vpc, 'CreateRouteEntry', createParams)).code, 'TaskConflict');
    await control(emu, 'DELETE', 'faults');
    assert.match((await call(vpc, 'CreateRouteEntry', createParams)).RouteEntryId as string, /^rte-/);
  });

  test('a bad fault setting is a 400 with a clear message', async () => {
    const r = await control(emu, 'POST', 'faults', { throttlingRate: 2 });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message as string, /throttlingRate/);
  });
});
