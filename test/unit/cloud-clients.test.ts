import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ValidationError } from '../../src/errors.ts';
import { makeCloudApiError } from '../../src/cloud/errors.ts';
import type { RpcCall, WireBody, WireParams } from '../../src/cloud/rpc.ts';
import { createVpcClient, toRouteEntry, toRouterInterface } from '../../src/cloud/vpc.ts';
import { createCbnClient } from '../../src/cloud/cbn.ts';
import { createEcsClient } from '../../src/cloud/ecs.ts';
import { describeNumbered, normalizeClientToken, optBoolean, optNumber, optString, wireFields, wireString } from '../../src/cloud/wire.ts';
import { cloudConfigFromEnv, createCloudClients } from '../../src/cloud/index.ts';
import type { CloudCallRecord } from '../../src/engine/types.ts';

/** A fake RPC call that records requests and answers from a script (by action, in order). */
function recorder(answers: Record<string, Array<WireBody | Error>>) {
  const calls: Array<{ action: string; params: WireParams }> = [];
  const call: RpcCall = async (action, params) => {
    calls.push({ action, params });
    const queue = answers[action];
    const next = queue?.shift() ?? { RequestId: `R-${action}` };
    if (next instanceof Error) throw next;
    return next;
  };
  return { call, calls };
}

describe('VpcClient', () => {
  test('createRouteEntry sends one next hop, the region and a ClientToken', async () => {
    // Prepare
    const { call, calls } = recorder({ CreateRouteEntry: [{ RequestId: 'R-1', RouteEntryId: 'rte-1' }] });
    const vpc = createVpcClient(call, 'cn-hangzhou');
    // Act
    const res = await vpc.createRouteEntry({
      routeTableId: 'vtb-vbr',
      destinationCidrBlock: '100.64.0.0/11',
      nextHopType: 'RouterInterface',
      nextHopId: 'ri-vbr',
      clientToken: 'exec-1/AddingRoute/1',
    });
    // Assess
    assert.deepEqual(res, { requestId: 'R-1', routeEntryId: 'rte-1', dryRun: false });
    assert.equal(calls[0].action, 'CreateRouteEntry');
    assert.deepEqual(
      Object.fromEntries(Object.entries(calls[0].params).filter(([, v]) => v !== undefined)),
      {
        RegionId: 'cn-hangzhou',
        RouteTableId: 'vtb-vbr',
        DestinationCidrBlock: '100.64.0.0/11',
        NextHopType: 'RouterInterface',
        NextHopId: 'ri-vbr',
        ClientToken: 'exec-1/AddingRoute/1',
      },
    );
  });

  test('createRouteEntry sends an ECMP NextHopList with RouterInterface as the default type', async () => {
    const { call, calls } = recorder({});
    const vpc = createVpcClient(call, 'cn-hangzhou');
    await vpc.createRouteEntry({
      routeTableId: 'vtb-vpc',
      destinationCidrBlock: '172.16.0.0/16',
      nextHopList: [
        { nextHopId: 'ri-1', weight: 100 },
        { nextHopId: 'ri-2', weight: 100 },
      ],
    });
    assert.deepEqual(calls[0].params.NextHopList, [
      { NextHopType: 'RouterInterface', NextHopId: 'ri-1', Weight: 100 },
      { NextHopType: 'RouterInterface', NextHopId: 'ri-2', Weight: 100 },
    ]);
    assert.equal(calls[0].params.NextHopId, undefined);
  });

  const invalid: Array<{ case: string; req: Parameters<ReturnType<typeof createVpcClient>['createRouteEntry']>[0]; code: string }> = [
    { case: 'a non-canonical CIDR', req: { routeTableId: 't', destinationCidrBlock: '172.16.1.5/24', nextHopId: 'ri', nextHopType: 'RouterInterface' }, code: 'InvalidCidr' },
    { case: 'no next hop at all', req: { routeTableId: 't', destinationCidrBlock: '10.0.0.0/8' }, code: 'InvalidNextHop' },
    { case: 'both one hop and a list', req: { routeTableId: 't', destinationCidrBlock: '10.0.0.0/8', nextHopId: 'ri', nextHopList: [{ nextHopId: 'ri' }] }, code: 'InvalidNextHop' },
    { case: 'an empty list', req: { routeTableId: 't', destinationCidrBlock: '10.0.0.0/8', nextHopList: [] }, code: 'InvalidNextHop' },
  ];
  for (const c of invalid) {
    test(`createRouteEntry refuses ${c.case} without calling the cloud`, async () => {
      const { call, calls } = recorder({});
      const vpc = createVpcClient(call, 'cn-hangzhou');
      await assert.rejects(vpc.createRouteEntry(c.req), (e: unknown) => e instanceof ValidationError && e.code === c.code);
      assert.equal(calls.length, 0);
    });
  }

  test('a dry run answered DryRunOperation resolves as dryRun', async () => {
    const dry = makeCloudApiError('dry', {
      code: 'DryRunOperation',
      requestId: 'R-dry',
      product: 'Vpc',
      action: 'DeleteRouteEntry',
      errorClass: 'dry_run',
    });
    const { call, calls } = recorder({ DeleteRouteEntry: [dry] });
    const vpc = createVpcClient(call, 'cn-hangzhou');
    const res = await vpc.deleteRouteEntry({ routeEntryId: 'rte-1', dryRun: true });
    assert.deepEqual(res, { requestId: 'R-dry', dryRun: true });
    assert.equal(calls[0].params.DryRun, true);
  });

  test('deleteRouteEntry needs an id or a table and destination', async () => {
    const vpc = createVpcClient(recorder({}).call, 'cn-hangzhou');
    await assert.rejects(vpc.deleteRouteEntry({ routeTableId: 'vtb-1' }), ValidationError);
  });

  test('describeRouteEntryList follows NextToken and converts next hops', async () => {
    // Prepare
    const page1 = {
      RequestId: 'R-1',
      NextToken: 'tok-2',
      RouteEntrys: {
        RouteEntry: [
          {
            RouteEntryId: 'rte-1',
            RouteTableId: 'vtb-1',
            DestinationCidrBlock: '172.16.0.0/16',
            Type: 'Custom',
            Status: 'Available',
            NextHops: {
              NextHop: [
                { NextHopType: 'RouterInterface', NextHopId: 'ri-1', Weight: 100, Enabled: 1, NextHopRelatedInfo: { InstanceId: 'vbr-1', InstanceType: 'VBR' } },
                { NextHopType: 'RouterInterface', NextHopId: 'ri-2', Weight: 100, Enabled: 0 },
              ],
            },
          },
        ],
      },
    };
    const page2 = {
      RequestId: 'R-2',
      NextToken: '',
      RouteEntrys: { RouteEntry: [{ RouteEntryId: 'rte-2', DestinationCidrBlock: '10.0.0.0/8', Type: 'System', Status: 'Pending', NextHops: { NextHop: [] } }] },
    };
    const { call, calls } = recorder({ DescribeRouteEntryList: [page1, page2] });
    const vpc = createVpcClient(call, 'cn-hangzhou');
    // Act
    const entries = await vpc.describeRouteEntryList({ routeTableId: 'vtb-1' });
    // Assess
    assert.equal(calls.length, 2);
    assert.equal(calls[0].params.NextToken, undefined);
    assert.equal(calls[1].params.NextToken, 'tok-2');
    assert.equal(calls[0].params.MaxResult, 100);
    assert.deepEqual(entries, [
      {
        routeEntryId: 'rte-1',
        routeTableId: 'vtb-1',
        destinationCidrBlock: '172.16.0.0/16',
        type: 'Custom',
        status: 'Available',
        nextHops: [
          { nextHopType: 'RouterInterface', nextHopId: 'ri-1', weight: 100, enabled: true, relatedInstanceId: 'vbr-1', relatedInstanceType: 'VBR' },
          { nextHopType: 'RouterInterface', nextHopId: 'ri-2', weight: 100, enabled: false },
        ],
      },
      { routeEntryId: 'rte-2', routeTableId: 'vtb-1', destinationCidrBlock: '10.0.0.0/8', type: 'System', status: 'Pending', nextHops: [] },
    ]);
  });

  test('describeRouteEntryList returns one page with its token when a page is asked for', async () => {
    const { call, calls } = recorder({ DescribeRouteEntryList: [{ RequestId: 'R', NextToken: 'more', RouteEntrys: { RouteEntry: [] } }] });
    const vpc = createVpcClient(call, 'cn-hangzhou');
    const page = await vpc.describeRouteEntryList({ routeTableId: 'vtb-1' }, { maxResults: 10 });
    assert.deepEqual(page, { items: [], nextToken: 'more' });
    assert.equal(calls.length, 1);
    assert.equal(calls[0].params.MaxResult, 10);
  });

  test('describeRouterInterfaces pages by number until TotalCount and sends filters', async () => {
    const ri = (n: number) => ({ RouterInterfaceId: `ri-${n}`, RouterId: 'vbr-1', RouterType: 'VBR', Role: 'InitiatingSide', Status: 'Active' });
    const page = (from: number, count: number) => ({
      RequestId: 'R',
      TotalCount: 120,
      RouterInterfaceSet: { RouterInterfaceType: Array.from({ length: count }, (_, i) => ri(from + i)) },
    });
    const { call, calls } = recorder({ DescribeRouterInterfaces: [page(0, 50), page(50, 50), page(100, 20)] });
    const vpc = createVpcClient(call, 'cn-hangzhou');
    const list = await vpc.describeRouterInterfaces({ routerId: 'vbr-1', routerType: 'VBR' });
    assert.equal(list.length, 120);
    assert.deepEqual(calls.map((c) => c.params.PageNumber), [1, 2, 3]);
    assert.deepEqual(calls[0].params.Filter, [
      { Key: 'RouterId', Value: ['vbr-1'] },
      { Key: 'RouterType', Value: ['VBR'] },
    ]);
  });

  test('router interfaces read flat Opposite* fields and health-check settings', () => {
    const r = toRouterInterface({
      RouterInterfaceId: 'ri-1',
      RouterId: 'vbr-1',
      RouterType: 'VBR',
      Role: 'InitiatingSide',
      Status: 'Active',
      OppositeInterfaceId: 'ri-2',
      OppositeRouterId: 'vrt-1',
      OppositeRouterType: 'VRouter',
      HealthCheckSourceIp: '192.168.10.1',
      HealthCheckTargetIp: '10.10.10.2',
      HcRate: '2000',
      HcThreshold: 8,
    });
    assert.equal(r.oppositeInterfaceId, 'ri-2');
    assert.equal(r.oppositeRouterType, 'VRouter');
    assert.equal(r.hcRate, 2000);
    assert.equal(r.hcThreshold, 8);
  });

  test('a route entry with its hop at the top level (older answers) still has one next hop', () => {
    const e = toRouteEntry({ RouteEntryId: 'rte', DestinationCidrBlock: '0.0.0.0/0', NextHopType: 'Instance', NextHopId: 'i-1', Status: 'Available', Type: 'Custom' }, 'vtb');
    assert.deepEqual(e.nextHops, [{ nextHopType: 'Instance', nextHopId: 'i-1' }]);
  });

  test('modifyRouterInterfaceAttribute refuses a source IP without a target IP', async () => {
    const vpc = createVpcClient(recorder({}).call, 'cn-hangzhou');
    await assert.rejects(
      vpc.modifyRouterInterfaceAttribute({ routerInterfaceId: 'ri-1', healthCheckSourceIp: '192.168.10.1' }),
      (e: unknown) => e instanceof ValidationError && e.field === 'healthCheckTargetIp',
    );
  });
});

describe('CbnClient', () => {
  test('child-instance route entries ask for Status=All and read conflicts', async () => {
    const { call, calls } = recorder({
      DescribeCenChildInstanceRouteEntries: [
        {
          RequestId: 'R',
          TotalCount: 1,
          CenRouteEntries: {
            CenRouteEntry: [
              {
                DestinationCidrBlock: '172.16.1.0/24',
                Type: 'CEN',
                Status: 'Rejected',
                NextHopType: 'VPC',
                NextHopInstanceId: 'vpc-qd',
                NextHopRegionId: 'cn-qingdao',
                Conflicts: { Conflict: [{ DestinationCidrBlock: '172.16.0.0/16', InstanceId: 'vpc-1', InstanceType: 'VPC', RegionId: 'cn-hangzhou', Status: 'conflict' }] },
              },
            ],
          },
        },
      ],
    });
    const cbn = createCbnClient(call, 'cn-hangzhou');
    const routes = await cbn.describeCenChildInstanceRouteEntries({ cenId: 'cen-1', childInstanceId: 'vpc-1', childInstanceType: 'VPC' });
    assert.equal(calls[0].params.Status, 'All');
    assert.equal(calls[0].params.ChildInstanceRegionId, 'cn-hangzhou');
    assert.equal(calls[0].params.PageSize, 500);
    assert.equal(routes[0].status, 'Rejected');
    assert.deepEqual(routes[0].conflicts, [
      { destinationCidrBlock: '172.16.0.0/16', instanceId: 'vpc-1', instanceType: 'VPC', regionId: 'cn-hangzhou', status: 'conflict' },
    ]);
  });

  test('attach sends the child instance with the default region', async () => {
    const { call, calls } = recorder({});
    const cbn = createCbnClient(call, 'cn-hangzhou');
    const res = await cbn.attachCenChildInstance({ cenId: 'cen-1', childInstanceId: 'vbr-1', childInstanceType: 'VBR' });
    assert.equal(res.requestId, 'R-AttachCenChildInstance');
    assert.equal(calls[0].params.ChildInstanceRegionId, 'cn-hangzhou');
  });
});

describe('EcsClient', () => {
  test('runCommand sends the script as PlainText to each instance with the timeout', async () => {
    const { call, calls } = recorder({ RunCommand: [{ RequestId: 'R', CommandId: 'c-1', InvokeId: 't-1' }] });
    const ecs = createEcsClient(call, 'cn-hangzhou');
    const res = await ecs.runCommand({ instanceIds: ['i-1', 'i-2'], commandContent: 'iperf3 -s', timeoutSeconds: 600 });
    assert.deepEqual(res, { requestId: 'R', commandId: 'c-1', invokeId: 't-1' });
    const p = calls[0].params;
    assert.equal(p.ContentEncoding, 'PlainText');
    assert.equal(p.Type, 'RunShellScript');
    assert.deepEqual(p.InstanceId, ['i-1', 'i-2']);
    assert.equal(p.Timeout, 600);
  });

  test('describeInvocationResults reads the nested token and results', async () => {
    const { call, calls } = recorder({
      DescribeInvocationResults: [
        { RequestId: 'R1', Invocation: { NextToken: 'n2', InvocationResults: { InvocationResult: [{ InvokeId: 't-1', InstanceId: 'i-1', InvocationStatus: 'Success', Output: 'ok', ExitCode: 0 }] } } },
        { RequestId: 'R2', Invocation: { NextToken: '', InvocationResults: { InvocationResult: [{ InvokeId: 't-1', InstanceId: 'i-2', InvocationStatus: 'Failed', Output: '', ExitCode: 127, ErrorCode: 'InstanceExitCodeNonzero' }] } } },
      ],
    });
    const ecs = createEcsClient(call, 'cn-hangzhou');
    const results = await ecs.describeInvocationResults({ invokeId: 't-1' });
    assert.equal(calls[0].params.ContentEncoding, 'PlainText');
    assert.equal(calls[1].params.NextToken, 'n2');
    assert.deepEqual(
      results.map((r) => [r.instanceId, r.invocationStatus, r.exitCode, r.output]),
      [
        ['i-1', 'Success', 0, 'ok'],
        ['i-2', 'Failed', 127, ''],
      ],
    );
  });

  test('describeInstances sends id and IP filters as JSON arrays and reads private IPs', async () => {
    const { call, calls } = recorder({
      DescribeInstances: [
        { RequestId: 'R', TotalCount: 1, Instances: { Instance: [{ InstanceId: 'i-1', Status: 'Running', VpcAttributes: { VpcId: 'vpc-1', PrivateIpAddress: { IpAddress: ['172.16.0.2'] } } }] } },
      ],
    });
    const ecs = createEcsClient(call, 'cn-hangzhou');
    const list = await ecs.describeInstances({ privateIpAddresses: ['172.16.0.2'] });
    assert.equal(calls[0].params.PrivateIpAddresses, '["172.16.0.2"]');
    assert.deepEqual(list, [{ instanceId: 'i-1', status: 'Running', privateIpAddresses: ['172.16.0.2'], vpcId: 'vpc-1' }]);
  });
});

describe('wire helpers', () => {
  test('wireFields reads each field from its PascalCase name and leaves out what is missing', () => {
    // Prepare
    const w = { VSwitchId: 'vsw-1', HcRate: '2000', EnableBfd: 'true', Name: '' };
    // Act
    const out = wireFields(w, { vSwitchId: wireString, routeTableId: wireString, hcRate: optNumber, enableBfd: optBoolean, name: optString, vpcId: optString });
    // Assess
    assert.deepEqual(out, { vSwitchId: 'vsw-1', routeTableId: '', hcRate: 2000, enableBfd: true });
    assert.deepEqual(Object.keys(out), ['vSwitchId', 'routeTableId', 'hcRate', 'enableBfd']);
  });

  test('describeNumbered reads every page with the params, or only the page asked for', async () => {
    // Prepare
    const page = (ids: string[]) => ({ RequestId: 'R', TotalCount: 3, Items: { Item: ids.map((Id) => ({ Id })) } });
    const items = { outer: 'Items', inner: 'Item', convert: (w: Record<string, unknown>) => wireString(w, 'Id') };
    const all = recorder({ DescribeItems: [page(['a', 'b']), page(['c'])] });
    const one = recorder({ DescribeItems: [page(['c'])] });
    // Act
    const everything = await describeNumbered(all.call, 'DescribeItems', { RegionId: 'cn-hangzhou' }, items, undefined, 2);
    const second = await describeNumbered(one.call, 'DescribeItems', { RegionId: 'cn-hangzhou' }, items, { pageNumber: 2, pageSize: 5 }, 2);
    // Assess
    assert.deepEqual(everything, ['a', 'b', 'c']);
    assert.deepEqual(all.calls.map((c) => c.params), [
      { RegionId: 'cn-hangzhou', PageNumber: 1, PageSize: 2 },
      { RegionId: 'cn-hangzhou', PageNumber: 2, PageSize: 2 },
    ]);
    assert.deepEqual(second, { items: ['c'], pageNumber: 2, pageSize: 2, totalCount: 3 });
  });
});

describe('normalizeClientToken', () => {
  test('keeps short tokens and hashes long ones to a stable 64-character token', () => {
    assert.equal(normalizeClientToken('abc'), 'abc');
    const long = 'exec-' + 'x'.repeat(100);
    const a = normalizeClientToken(long);
    assert.equal(a?.length, 64);
    assert.equal(normalizeClientToken(long), a);
    assert.equal(normalizeClientToken(undefined), undefined);
  });
});

describe('cloudConfigFromEnv', () => {
  test('reads the emulator endpoint, keys, region and prober', () => {
    const cfg = cloudConfigFromEnv({
      XCFLOW_CLOUD_ENDPOINT: 'http://127.0.0.1:8790',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'sts',
      XCFLOW_REGION: 'cn-qingdao',
      XCFLOW_PROBER: 'emulator',
      XCFLOW_CLOUD_TIMEOUT_MS: '5000',
    });
    assert.deepEqual(cfg, {
      regionId: 'cn-qingdao',
      credentials: { accessKeyId: 'id', accessKeySecret: 'secret', securityToken: 'sts' },
      endpoint: 'http://127.0.0.1:8790',
      timeoutMs: 5000,
      prober: { kind: 'emulator' },
    });
  });

  const bad = [
    { case: 'missing secret', env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id' }, field: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET' },
    { case: 'endpoint without scheme', env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'i', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's', XCFLOW_CLOUD_ENDPOINT: '127.0.0.1:1' }, field: 'XCFLOW_CLOUD_ENDPOINT' },
    { case: 'unknown prober', env: { ALIBABA_CLOUD_ACCESS_KEY_ID: 'i', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's', XCFLOW_PROBER: 'magic' }, field: 'XCFLOW_PROBER' },
  ];
  for (const c of bad) {
    test(`refuses ${c.case}`, () => {
      assert.throws(() => cloudConfigFromEnv(c.env), (e: unknown) => e instanceof ValidationError && e.field === c.field);
    });
  }

  test('defaults to cn-hangzhou and public endpoints', () => {
    const cfg = cloudConfigFromEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'i', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's' });
    assert.equal(cfg.regionId, 'cn-hangzhou');
    assert.equal(cfg.endpoint, undefined);
    const clients = createCloudClients(cfg);
    assert.equal(clients.prober.kind, 'cloud-assistant');
    clients.close();
  });
});

describe('CloudClients views', () => {
  let server: http.Server;
  let endpoint: string;
  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ RequestId: 'R-view', Vpcs: { Vpc: [] }, TotalCount: 0 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('withObserver views report to their own observers and stack, the base to none', async () => {
    // Prepare
    const base = createCloudClients({ regionId: 'cn-hangzhou', endpoint, credentials: { accessKeyId: 'i', accessKeySecret: 's' } });
    const outer: CloudCallRecord[] = [];
    const inner: CloudCallRecord[] = [];
    const view1 = base.withObserver({ onCloudCall: (c) => outer.push(c) });
    const view2 = view1.withObserver({ onCloudCall: (c) => inner.push(c) });
    // Act
    await base.vpc.describeVpcs();
    await view1.vpc.describeVpcs();
    await view2.cbn.describeCens();
    await view2.forRegion('cn-qingdao').ecs.describeInstances();
    base.close();
    // Assess
    assert.deepEqual(outer.map((c) => `${c.product}.${c.action}`), ['Vpc.DescribeVpcs', 'Cbn.DescribeCens', 'Ecs.DescribeInstances']);
    assert.deepEqual(inner.map((c) => `${c.product}.${c.action}`), ['Cbn.DescribeCens', 'Ecs.DescribeInstances']);
    assert.equal(inner[1].params?.RegionId, 'cn-qingdao');
    assert.equal(view2.prober.kind, 'emulator');
  });
});
