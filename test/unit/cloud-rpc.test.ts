import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import type { CloudCallRecord } from '../../src/engine/types.ts';
import { serializeError } from '../../src/errors.ts';
import { isCloudApiError, type CloudApiError } from '../../src/cloud/errors.ts';
import {
  RpcConnection,
  defaultEndpoint,
  flattenParams,
  scrubSecrets,
  summarizeParams,
  toCloudApiError,
} from '../../src/cloud/rpc.ts';

describe('flattenParams', () => {
  const cases: Array<{ case: string; input: Parameters<typeof flattenParams>[0]; expected: Record<string, string> }> = [
    {
      case: 'ECMP next-hop list becomes a RepeatList of objects',
      input: {
        NextHopList: [
          { NextHopType: 'RouterInterface', NextHopId: 'ri-1', Weight: 100 },
          { NextHopType: 'RouterInterface', NextHopId: 'ri-2', Weight: 100 },
        ],
      },
      expected: {
        'NextHopList.1.NextHopType': 'RouterInterface',
        'NextHopList.1.NextHopId': 'ri-1',
        'NextHopList.1.Weight': '100',
        'NextHopList.2.NextHopType': 'RouterInterface',
        'NextHopList.2.NextHopId': 'ri-2',
        'NextHopList.2.Weight': '100',
      },
    },
    {
      case: 'filters nest values one level deeper',
      input: { Filter: [{ Key: 'RouterId', Value: ['vbr-1', 'vbr-2'] }] },
      expected: { 'Filter.1.Key': 'RouterId', 'Filter.1.Value.1': 'vbr-1', 'Filter.1.Value.2': 'vbr-2' },
    },
    {
      case: 'string lists are numbered from 1',
      input: { InstanceId: ['i-1', 'i-2'] },
      expected: { 'InstanceId.1': 'i-1', 'InstanceId.2': 'i-2' },
    },
    {
      case: 'undefined and null are left out, booleans are words',
      input: { DryRun: true, KeepCommand: false, NextToken: undefined, Name: null, PageSize: 50 },
      expected: { DryRun: 'true', KeepCommand: 'false', PageSize: '50' },
    },
    {
      case: 'a hop without a weight sends no Weight',
      input: { NextHopList: [{ NextHopId: 'ri-1', Weight: undefined }] },
      expected: { 'NextHopList.1.NextHopId': 'ri-1' },
    },
  ];
  for (const c of cases) {
    test(c.case, () => {
      assert.deepEqual(flattenParams(c.input), c.expected);
    });
  }
});

describe('summarizeParams', () => {
  test('redacts secret-named keys and shortens long scripts', () => {
    // Prepare
    const script = 'x'.repeat(500);
    // Act
    const s = summarizeParams({
      RouteTableId: 'vtb-1',
      AuthKey: 'pw',
      Password: 'pw2',
      CommandContent: script,
      ClientToken: 'tok-1',
      NextHopList: [{ NextHopId: 'ri-1', Weight: 1 }],
      Skip: undefined,
    });
    // Assess
    assert.equal(s.RouteTableId, 'vtb-1');
    assert.equal(s.AuthKey, '***');
    assert.equal(s.Password, '***');
    assert.equal(s.ClientToken, 'tok-1');
    assert.ok(typeof s.CommandContent === 'string' && s.CommandContent.length < 260);
    assert.match(String(s.CommandContent), /500 chars/);
    assert.deepEqual(s.NextHopList, [{ NextHopId: 'ri-1', Weight: 1 }]);
    assert.ok(!('Skip' in s));
  });
});

describe('scrubSecrets', () => {
  test('removes pop-core URL tails, query strings and key material', () => {
    const text =
      'Specified route entry is busy, URL: http://127.0.0.1:1/?AccessKeyId=AKID&Signature=abc&SecurityToken=tok';
    const out = scrubSecrets(text);
    assert.equal(out, 'Specified route entry is busy');
    assert.ok(!scrubSecrets('see https://x.y/?AccessKeyId=AKID').includes('AKID'));
    assert.ok(!scrubSecrets('AccessKeyId=AKID&SecurityToken=T').includes('AKID'));
    const echoed = scrubSecrets('server string to sign is:POST&%2F&AccessKeyId%3DAKID%26Action%3DX%26SecurityToken%3DSTS%26Version%3D1');
    assert.ok(!echoed.includes('AKID') && !echoed.includes('STS'), echoed);
    assert.ok(echoed.includes('Action%3DX'));
  });
});

describe('defaultEndpoint', () => {
  const cases = [
    { case: 'VPC in a shared-endpoint region', product: 'Vpc' as const, region: 'cn-hangzhou', expected: 'https://vpc.aliyuncs.com' },
    { case: 'VPC elsewhere is regional', product: 'Vpc' as const, region: 'cn-zhangjiakou', expected: 'https://vpc.cn-zhangjiakou.aliyuncs.com' },
    { case: 'CEN is central', product: 'Cbn' as const, region: 'eu-central-1', expected: 'https://cbn.aliyuncs.com' },
    { case: 'ECS in cn-hangzhou', product: 'Ecs' as const, region: 'cn-hangzhou', expected: 'https://ecs-cn-hangzhou.aliyuncs.com' },
    { case: 'ECS elsewhere is regional', product: 'Ecs' as const, region: 'eu-central-1', expected: 'https://ecs.eu-central-1.aliyuncs.com' },
  ];
  for (const c of cases) test(c.case, () => assert.equal(defaultEndpoint(c.product, c.region), c.expected));
});

describe('toCloudApiError', () => {
  test('a pop-core error keeps Code, RequestId, HostId and status but not the signed URL', () => {
    // Prepare: the shape pop-core 1.8 throws
    const url = 'https://vpc.aliyuncs.com/?AccessKeyId=AKID-LEAK&SecurityToken=STS-LEAK&Signature=x';
    const popErr = Object.assign(new Error(`Operation conflicts, URL: ${url}`), {
      name: 'TaskConflictError',
      code: 'TaskConflict',
      url,
      data: { RequestId: 'R-1', HostId: 'vpc.aliyuncs.com', Code: 'TaskConflict', Message: 'Operation conflicts', Recommend: 'https://r' },
      entry: { url, response: { statusCode: 400 } },
    });
    // Act
    const err = toCloudApiError('Vpc', 'CreateRouteEntry', popErr);
    // Assess
    assert.equal(err.code, 'TaskConflict');
    assert.equal(err.requestId, 'R-1');
    assert.equal(err.hostId, 'vpc.aliyuncs.com');
    assert.equal(err.recommend, 'https://r');
    assert.equal(err.httpStatus, 400);
    assert.equal(err.errorClass, 'conflict');
    assert.equal(err.retryable, true);
    for (const text of [err.message, inspect(err, { depth: 5 }), JSON.stringify(serializeError(err))]) {
      assert.ok(!text.includes('AKID-LEAK'), text);
      assert.ok(!text.includes('STS-LEAK'), text);
    }
  });

  const network: Array<{ case: string; err: unknown; code: string; errorClass: string }> = [
    {
      case: 'a timeout',
      err: Object.assign(new Error('ReadTimeout(100). POST http://127.0.0.1:9/ failed.'), { name: 'RequestTimeoutError' }),
      code: 'RequestTimeout',
      errorClass: 'network',
    },
    {
      case: 'a refused connection',
      err: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      code: 'NetworkError',
      errorClass: 'network',
    },
    { case: 'a body that is not JSON', err: new SyntaxError('Unexpected token <'), code: 'InvalidResponse', errorClass: 'network' },
    { case: 'a request pop-core cannot build', err: new Error('must pass "config.endpoint"'), code: 'ClientError', errorClass: 'terminal' },
  ];
  for (const c of network) {
    test(`converts ${c.case}`, () => {
      const err = toCloudApiError('Ecs', 'RunCommand', c.err);
      assert.equal(err.code, c.code);
      assert.equal(err.errorClass, c.errorClass);
    });
  }
});

describe('RpcConnection over loopback', () => {
  const seen: Array<{ method: string; contentType: string; params: URLSearchParams }> = [];
  let server: http.Server;
  let endpoint: string;

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const params = new URLSearchParams(body);
        seen.push({ method: req.method ?? '', contentType: String(req.headers['content-type']), params });
        const action = params.get('Action');
        const send = (status: number, payload: unknown, type = 'application/json') => {
          res.writeHead(status, { 'content-type': type });
          res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
        };
        if (action === 'DescribeThings') send(200, { RequestId: 'R-ok', Things: { Thing: [{ Id: 1 }] } });
        else if (action === 'CreateRouteEntry')
          send(400, { RequestId: 'R-err', HostId: 'h', Code: 'TaskConflict', Message: 'busy' });
        else if (action === 'NoCode') send(502, { RequestId: 'R-5' });
        else if (action === 'Html') send(502, '<html>bad gateway</html>', 'text/html');
        else if (action === 'Slow') setTimeout(() => send(200, { RequestId: 'late' }), 1500).unref();
        else send(404, { RequestId: 'R-404', Code: 'InvalidAction.NotFound', Message: 'no such api' });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  function connect(timeoutMs?: number): RpcConnection {
    return new RpcConnection({
      endpoints: { Vpc: endpoint, Cbn: endpoint, Ecs: endpoint },
      credentials: { accessKeyId: 'AKID-LEAK', accessKeySecret: 'secret', securityToken: 'STS-LEAK' },
      ...(timeoutMs ? { timeoutMs } : {}),
    });
  }

  test('posts signed, flattened form parameters and reports the call', async () => {
    // Prepare
    const conn = connect();
    const records: CloudCallRecord[] = [];
    const call = conn.caller('Vpc', [{ onCloudCall: (c) => records.push(c) }]);
    // Act
    const body = await call('DescribeThings', { RegionId: 'cn-hangzhou', Filter: [{ Key: 'K', Value: ['v'] }], Skip: undefined });
    conn.close();
    // Assess
    assert.deepEqual(JSON.parse(JSON.stringify(body.Things)), { Thing: [{ Id: 1 }] });
    const req = seen.at(-1)!;
    assert.equal(req.method, 'POST');
    assert.match(req.contentType, /application\/x-www-form-urlencoded/);
    assert.equal(req.params.get('Version'), '2016-04-28');
    assert.equal(req.params.get('Filter.1.Value.1'), 'v');
    assert.equal(req.params.get('SignatureVersion'), '1.0');
    assert.ok(req.params.get('Signature'));
    assert.equal(req.params.get('SecurityToken'), 'STS-LEAK');
    assert.ok(!req.params.has('Skip'));
    assert.equal(records.length, 1);
    assert.equal(records[0].product, 'Vpc');
    assert.equal(records[0].action, 'DescribeThings');
    assert.equal(records[0].requestId, 'R-ok');
    assert.equal(records[0].errorCode, undefined);
    assert.ok(records[0].durationMs >= 0);
    assert.deepEqual(records[0].params, { RegionId: 'cn-hangzhou', Filter: [{ Key: 'K', Value: ['v'] }] });
  });

  test('an error answer becomes a classified CloudApiError with no credentials in it, and is reported', async () => {
    const conn = connect();
    const records: CloudCallRecord[] = [];
    const call = conn.caller('Vpc', [{ onCloudCall: (c) => records.push(c) }]);
    const err = await call('CreateRouteEntry', { RouteTableId: 'vtb-1' }).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e as CloudApiError,
    );
    conn.close();
    assert.ok(isCloudApiError(err));
    assert.equal(err.code, 'TaskConflict');
    assert.equal(err.requestId, 'R-err');
    assert.equal(err.errorClass, 'conflict');
    assert.equal(err.httpStatus, 400);
    assert.ok(!inspect(err, { depth: 5 }).includes('AKID-LEAK'));
    assert.ok(!inspect(err, { depth: 5 }).includes('STS-LEAK'));
    assert.equal(records[0].errorCode, 'TaskConflict');
    assert.equal(records[0].requestId, 'R-err');
  });

  const failures = [
    { case: 'a 5xx answer without a Code is still an error', action: 'NoCode', code: 'Http502', errorClass: 'throttled' },
    { case: 'an HTML error page is a network failure', action: 'Html', code: 'InvalidResponse', errorClass: 'network' },
    { case: 'an unknown action is terminal', action: 'Nope', code: 'InvalidAction.NotFound', errorClass: 'terminal' },
  ];
  for (const c of failures) {
    test(c.case, async () => {
      const conn = connect();
      const err = await conn.call('Ecs', c.action, {}).then(
        () => assert.fail('expected an error'),
        (e: unknown) => e as CloudApiError,
      );
      conn.close();
      assert.equal(err.code, c.code);
      assert.equal(err.errorClass, c.errorClass);
    });
  }

  test('a call that outlives the timeout fails as a retryable network error', async () => {
    const conn = connect(100);
    const err = await conn.call('Cbn', 'Slow', {}).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e as CloudApiError,
    );
    conn.close();
    assert.equal(err.code, 'RequestTimeout');
    assert.equal(err.retryable, true);
  });

  test('an observer that throws does not fail the call', async () => {
    const conn = connect();
    const body = await conn.call('Vpc', 'DescribeThings', {}, [
      {
        onCloudCall: () => {
          throw new Error('journal down');
        },
      },
    ]);
    conn.close();
    assert.equal(body.RequestId, 'R-ok');
  });
});
