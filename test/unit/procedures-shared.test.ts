/**
 * Pure helpers of the procedures: data-center route snippets per vendor, the Cloud Assistant
 * ping script and its parser, loss counting, the failover tester's sample summary and its Cloud
 * Assistant implementation (against a fake ECS client), parameter parsing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EcsClient, InvocationResult, RunCommandRequest } from '../../src/cloud/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { ValidationError } from '../../src/errors.ts';
import { parseCloudAccessParams } from '../../workflows/cloud-service-access/params.ts';
import { parsePerfParams } from '../../workflows/link-performance-test/params.ts';
import { clientCommand, serverCommand } from '../../workflows/link-performance-test/plan.ts';
import { createCloudAssistantFailoverTester, pingSamples, summarizeSamples } from '../../workflows/physical-connection-redundancy/failover.ts';
import { parseRedundancyParams } from '../../workflows/physical-connection-redundancy/params.ts';
import { buildPingScript, parsePingOutput, pingLoss } from '../../workflows/shared/assistant.ts';
import { renderStaticRoutes, renderStaticRouteSnippets } from '../../workflows/shared/dc-routes.ts';
import { nextHopKey } from '../../workflows/shared/ops.ts';
import { interconnectSubnet, maskLength } from '../../workflows/shared/read.ts';

describe('data-center static routes', () => {
  const seed6 = [
    { destinationCidrBlock: '192.168.10.1/32', nextHopIp: '10.10.10.1', name: 'hc-1' },
    { destinationCidrBlock: '192.168.0.0/16', nextHopIp: '10.10.10.1' },
    { destinationCidrBlock: '192.168.0.0/16', nextHopIp: '10.10.11.1' },
  ];

  test('prints each vendor’s syntax, with masks in dotted form where the vendor wants them', () => {
    const cases: Array<{ case: string; vendor: Parameters<typeof renderStaticRoutes>[1]; lines: string[] }> = [
      { case: 'Cisco IOS', vendor: 'cisco-ios', lines: ['ip route 192.168.10.1 255.255.255.255 10.10.10.1 name hc-1', 'ip route 192.168.0.0 255.255.0.0 10.10.10.1', 'ip route 192.168.0.0 255.255.0.0 10.10.11.1'] },
      { case: 'Huawei VRP', vendor: 'huawei-vrp', lines: ['ip route-static 192.168.10.1 255.255.255.255 10.10.10.1 description hc-1', 'ip route-static 192.168.0.0 255.255.0.0 10.10.10.1', 'ip route-static 192.168.0.0 255.255.0.0 10.10.11.1'] },
      { case: 'Junos', vendor: 'juniper-junos', lines: ['set routing-options static route 192.168.10.1/32 next-hop 10.10.10.1', 'set routing-options static route 192.168.0.0/16 next-hop 10.10.10.1', 'set routing-options static route 192.168.0.0/16 next-hop 10.10.11.1'] },
      { case: 'Linux groups equal-cost hops', vendor: 'linux-iproute2', lines: ['ip route replace 192.168.10.1/32 via 10.10.10.1', 'ip route replace 192.168.0.0/16 nexthop via 10.10.10.1 weight 1 nexthop via 10.10.11.1 weight 1'] },
    ];
    for (const c of cases) assert.deepEqual(renderStaticRoutes(seed6, c.vendor), c.lines, c.case);
  });

  test('a standby route carries its preference; the seed-1 route is 100.64.0.0/10 with mask 255.192.0.0', () => {
    const standby = [{ destinationCidrBlock: '192.168.0.0/16', nextHopIp: '10.10.11.1', preference: 200 }];
    assert.deepEqual(renderStaticRoutes(standby, 'cisco-ios'), ['ip route 192.168.0.0 255.255.0.0 10.10.11.1 200']);
    assert.deepEqual(renderStaticRoutes(standby, 'huawei-vrp'), ['ip route-static 192.168.0.0 255.255.0.0 10.10.11.1 preference 200']);
    assert.equal(renderStaticRouteSnippets([{ destinationCidrBlock: '100.64.0.0/10', nextHopIp: '10.0.0.1' }])['cisco-ios'], 'ip route 100.64.0.0 255.192.0.0 10.0.0.1');
  });

  test('refuses a malformed destination', () => {
    assert.throws(() => renderStaticRoutes([{ destinationCidrBlock: '192.168.0.1/16', nextHopIp: '10.0.0.1' }], 'cisco-ios'), ValidationError);
  });
});

describe('Cloud Assistant ping', () => {
  const output = [
    '@@xcflow-ping 172.16.0.10 PING 172.16.0.10 (172.16.0.10) 56(84) bytes of data.',
    '@@xcflow-ping 172.16.0.10 [1767225600.000000] 64 bytes from 172.16.0.10: icmp_seq=1 ttl=62 time=1.10 ms',
    '@@xcflow-ping 172.16.0.11 [1767225600.010000] 64 bytes from 172.16.0.11: icmp_seq=1 ttl=62 time=1.00 ms',
    '@@xcflow-ping 172.16.0.10 [1767225602.000000] no answer yet for icmp_seq=2',
    '@@xcflow-ping 172.16.0.10 [1767225603.000000] no answer yet for icmp_seq=3',
    '@@xcflow-ping 172.16.0.10 [1767225603.000000] 64 bytes from 172.16.0.10: icmp_seq=4 ttl=62 time=1.30 ms',
    '@@xcflow-ping 172.16.0.11 [1767225601.010000] 64 bytes from 172.16.0.11: icmp_seq=2 ttl=62 time=1.00 ms',
    '@@xcflow-ping 172.16.0.10 --- 172.16.0.10 ping statistics ---',
    '@@xcflow-ping 172.16.0.10 4 packets transmitted, 2 received, 50% packet loss, time 3004ms',
  ].join('\n');

  test('the script pings every target in parallel, tagged, with a series’ timestamps', () => {
    const script = buildPingScript(['172.16.0.10', '172.16.0.11'], { count: 300, intervalSeconds: 1, series: true });
    assert.match(script, /\( ping -n -W 1 -i 1 -c 300 -D -O 172\.16\.0\.10 2>&1 \| sed -u "s\/\^\/@@xcflow-ping 172\.16\.0\.10 \/" \) &/);
    assert.match(script, /\nwait\n$/);
    assert.throws(() => buildPingScript(['172.16.0.10; rm -rf /'], { count: 1, intervalSeconds: 1 }), ValidationError);
  });

  test('the output splits by target; losses are the unanswered sequence numbers', () => {
    const series = parsePingOutput(output, ['172.16.0.10', '172.16.0.11']);
    const a = series.get('172.16.0.10')!;
    assert.deepEqual(a.replies.map((r) => r.seq), [1, 4]);
    assert.deepEqual(a.unanswered.map((r) => r.seq), [2, 3]);
    assert.equal(a.summary?.lossPercent, 50);
    assert.deepEqual(pingLoss(a), { sent: 4, lost: 2, longestLossRun: 2, lastOk: true, lastSeq: 4 });
    assert.deepEqual(pingLoss(series.get('172.16.0.11')!), { sent: 2, lost: 0, longestLossRun: 0, lastOk: true, lastSeq: 2 });
  });

  test('ping series become timed samples; the longest loss run is the blackout', () => {
    const a = parsePingOutput(output, ['172.16.0.10']).get('172.16.0.10')!;
    const samples = pingSamples(a, 1767225600000, 1000);
    assert.deepEqual(samples.map((s) => [s.t - 1767225600000, s.ok]), [[0, true], [2000, false], [3000, false], [3000, true]]);
    const o = summarizeSamples('f', samples, 1000);
    assert.equal(o.longestLossRunMs, 2000);
    assert.equal(o.lost, 2);
    assert.equal(o.lastOk, true);
  });
});

describe('Cloud Assistant failover tester', () => {
  function fakeEcs(output: () => string, status = 'Running') {
    const runs: RunCommandRequest[] = [];
    const ecs = {
      regionId: 'cn-shanghai',
      describeCloudAssistantStatus: async (req: { instanceIds: string[] }) => req.instanceIds.map((instanceId) => ({ instanceId, cloudAssistantStatus: instanceId !== 'i-noagent' })),
      runCommand: async (req: RunCommandRequest) => {
        runs.push(req);
        return { requestId: 'req-1', commandId: 'c-1', invokeId: 't-1' };
      },
      describeInvocationResults: async (): Promise<InvocationResult[]> => [{ invokeId: 't-1', instanceId: 'i-1', invocationStatus: status, output: output() }],
    } as unknown as EcsClient;
    return { ecs, runs };
  }
  const spec = { testId: 'ex-1', sourceInstanceId: 'i-1', targetIps: ['172.16.0.10'], flows: 1, sampleIntervalMs: 1000, windowMs: 600_000, lines: ['pc-1', 'pc-2'] };

  test('starts a ping series as long as the operator window, and leaves the line to the operator', async () => {
    // Prepare
    const { ecs, runs } = fakeEcs(() => '');
    const tester = createCloudAssistantFailoverTester(ecs);
    // Act
    const handle = await tester.start(spec, { now: 1767225600000, clientToken: 'tok' });
    const down = await tester.failLine(handle, 'pc-1', { now: 1767225610000 });
    // Assess
    assert.equal(tester.switchesLines, false);
    assert.equal(runs.length, 1);
    assert.match(runs[0]!.commandContent, /-c 600 -D -O 172\.16\.0\.10/);
    assert.ok(runs[0]!.timeoutSeconds! > 600);
    assert.equal(down.performed, false);
    assert.match(down.instruction, /take physical connection pc-1 down now/);
  });

  test('observes the blackout from the partial output of the running series', async () => {
    // Prepare
    const lines = ['[1767225600.000000] 64 bytes from 172.16.0.10: icmp_seq=1 ttl=62 time=1 ms'];
    for (let seq = 2; seq <= 9; seq++) lines.push(`[${1767225599 + seq}.000000] no answer yet for icmp_seq=${seq}`);
    lines.push('[1767225609.000000] 64 bytes from 172.16.0.10: icmp_seq=10 ttl=62 time=1 ms');
    const { ecs } = fakeEcs(() => lines.map((l) => `@@xcflow-ping 172.16.0.10 ${l}`).join('\n'));
    const tester = createCloudAssistantFailoverTester(ecs);
    const handle = await tester.start(spec, { now: 1767225599000, clientToken: 'tok' });
    // Act
    const obs = await tester.observe(handle, { since: 1767225600000 }, { now: 1767225610000 });
    // Assess
    assert.equal(obs.finished, false);
    assert.equal(obs.flows[0]!.longestLossRunMs, 8000);
    assert.equal(obs.flows[0]!.lastOk, true);
    assert.deepEqual(obs.flows[0]!.lines, []);
  });

  test('refuses to start where Cloud Assistant is not running', async () => {
    const tester = createCloudAssistantFailoverTester(fakeEcs(() => '').ecs);
    await assert.rejects(tester.start({ ...spec, sourceInstanceId: 'i-noagent' }, { now: 0, clientToken: 't' }), (e: unknown) => e instanceof ValidationError && e.code === 'CloudAssistantUnavailable');
  });
});

describe('parameters', () => {
  const red = (over: JsonObject = {}): JsonObject => ({
    regionId: 'cn-shanghai',
    vpcId: 'vpc-1',
    dataCenterCidrBlocks: ['172.16.0.0/16'],
    connections: [
      { vbrId: 'vbr-1', healthCheckSourceIp: '192.168.10.1' },
      { vbrId: 'vbr-2', healthCheckSourceIp: '192.168.10.2' },
    ],
    ...over,
  });

  test('redundancy: defaults are the seed’s (2 s × 8, load balancing, static); duplicates and bad addresses are refused by field', () => {
    const p = parseRedundancyParams(red());
    assert.deepEqual([p.healthCheck, p.mode, p.routing, p.failoverTest], [{ intervalSeconds: 2, threshold: 8 }, 'ecmp', 'static', null]);
    const refused = (over: JsonObject) => {
      try {
        parseRedundancyParams(red(over));
      } catch (e) {
        return e instanceof ValidationError ? `${e.code} ${e.field}` : String(e);
      }
      return 'accepted';
    };
    assert.equal(refused({ connections: [{ vbrId: 'vbr-1', healthCheckSourceIp: '192.168.10.1' }, { vbrId: 'vbr-1', healthCheckSourceIp: '192.168.10.2' }] }), 'DuplicateVbr connections[1].vbrId');
    assert.equal(refused({ connections: [{ vbrId: 'vbr-1', healthCheckSourceIp: '192.168.10.300' }, { vbrId: 'vbr-2', healthCheckSourceIp: '192.168.10.2' }] }), 'InvalidIpAddress connections[0].healthCheckSourceIp');
    assert.equal(refused({ mode: 'active-standby', connections: [{ vbrId: 'vbr-1', healthCheckSourceIp: '192.168.10.1', weight: 100 }, { vbrId: 'vbr-2', healthCheckSourceIp: '192.168.10.2', weight: 0 }] }), 'accepted');
  });

  test('cloud access: defaults to the two /11 halves; refuses blocks outside 100.64.0.0/10', () => {
    const base = { regionId: 'cn-hangzhou', vbrId: 'vbr-1', vpcId: 'vpc-1', verification: { source: '10.100.0.10' } };
    assert.deepEqual(parseCloudAccessParams(base).destinationCidrBlocks, ['100.64.0.0/11', '100.96.0.0/11']);
    assert.equal(parseCloudAccessParams(base).verification.targetIp, '100.100.2.136');
    assert.throws(() => parseCloudAccessParams({ ...base, destinationCidrBlocks: ['100.128.0.0/11'] }), /not inside 100\.64\.0\.0\/10/);
  });

  test('performance test: needs the line or its bandwidth; seed commands per tool and mode', () => {
    assert.throws(() => parsePerfParams({ regionId: 'r', instanceIds: ['i-1'], dataCenterDevice: { instanceId: 'mi-1', ip: '192.168.100.1' } }), (e: unknown) => e instanceof ValidationError && e.code === 'MissingBandwidth');
    assert.equal(serverCommand('netperf', 11256), 'netserver -D -p 11256');
    assert.equal(clientCommand('netperf', { host: '192.168.100.1', port: 11257, durationSeconds: 300, payloadBytes: 1, bitrate: '100M', cpu: 2 }), 'netperf -H 192.168.100.1 -p 11257 -t UDP_STREAM -l 300 -- -m 1');
    assert.equal(clientCommand('iperf3', { host: '192.168.100.1', port: 16002, durationSeconds: 120, payloadBytes: 16, bitrate: '100m', cpu: 2 }), 'iperf3 -u -l 16 -b 100m -t 120 -c 192.168.100.1 -i 1 -p 16002 -A 2 -J');
  });

  test('helpers: a VBR’s interconnect subnet from its mask; next-hop keys ignore order and keep ECMP weights', () => {
    assert.equal(maskLength('255.255.255.252'), 30);
    assert.throws(() => maskLength('255.0.255.0'), ValidationError);
    assert.equal(interconnectSubnet({ vbrId: 'vbr-1', status: 'active', routeTableId: 'vtb-1', localGatewayIp: '10.10.10.1', peeringSubnetMask: '255.255.255.252' }), '10.10.10.0/30');
    const a = [{ nextHopType: 'RouterInterface', nextHopId: 'ri-2', weight: 100 }, { nextHopType: 'RouterInterface', nextHopId: 'ri-1', weight: 100 }];
    assert.equal(nextHopKey(a), nextHopKey([...a].reverse()));
    assert.notEqual(nextHopKey(a), nextHopKey([{ ...a[0]!, weight: 0 }, a[1]!]));
  });
});
