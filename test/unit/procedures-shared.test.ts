/**
 * Pure helpers of the procedures: data-center route snippets per vendor, the Cloud Assistant
 * ping script and its parser, loss counting, the failover tester's sample summary and its Cloud
 * Assistant implementation (against a fake ECS client), parameter parsing, and the pieces every
 * procedure machine and effect is built from (state builders, removals, health-check settings).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EcsClient, InvocationResult, RunCommandRequest, VpcClient } from '../../src/cloud/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { makeCloudApiError } from '../../src/cloud/errors.ts';
import { CloudTransientError, ValidationError } from '../../src/errors.ts';
import { parseCloudAccessParams } from '../../workflows/cloud-service-access/params.ts';
import { parsePerfParams } from '../../workflows/link-performance-test/params.ts';
import { clientCommand, serverCommand } from '../../workflows/link-performance-test/plan.ts';
import { createCloudAssistantFailoverTester, pingSamples, summarizeSamples, switchVbr } from '../../workflows/physical-connection-redundancy/failover.ts';
import { parseRedundancyParams } from '../../workflows/physical-connection-redundancy/params.ts';
import { parseSinglePingOutput, pingCommand, pingLoss } from '../../workflows/shared/assistant.ts';
import { renderStaticRoutes, renderStaticRouteSnippets } from '../../workflows/shared/dc-routes.ts';
import { healthCheckSettings, nextHopKey, runRemoval } from '../../workflows/shared/ops.ts';
import { compensationStates } from '../../workflows/shared/saga.ts';
import { approvalState, changeState, waitState } from '../../workflows/shared/steps.ts';
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

  test('one plain ping per target: no pipe, no background job, a series with timestamps', () => {
    assert.equal(pingCommand('172.16.0.10', { count: 300, intervalSeconds: 1, series: true }), 'ping -n -W 1 -i 1 -c 300 -D -O 172.16.0.10\n');
    assert.equal(pingCommand('100.100.2.136', { count: 5, intervalSeconds: 1 }), 'ping -n -W 1 -i 1 -c 5 100.100.2.136\n');
    assert.throws(() => pingCommand('172.16.0.10; rm -rf /', { count: 1, intervalSeconds: 1 }), ValidationError);
  });

  test('one ping’s plain output: replies, unanswered requests and the summary', () => {
    // Prepare
    const plain = [
      'PING 100.100.2.136 (100.100.2.136) 56(84) bytes of data.',
      '64 bytes from 100.100.2.136: icmp_seq=1 ttl=62 time=1.20 ms',
      '64 bytes from 100.100.2.136: icmp_seq=3 ttl=62 time=1.10 ms',
      '',
      '--- 100.100.2.136 ping statistics ---',
      '3 packets transmitted, 2 received, 33% packet loss, time 2003ms',
    ].join('\n');
    // Act
    const s = parseSinglePingOutput('100.100.2.136', plain);
    // Assess
    assert.deepEqual(s.replies.map((r) => r.seq), [1, 3]);
    assert.equal(s.summary?.received, 2);
    assert.deepEqual(pingLoss(s), { sent: 3, lost: 1, longestLossRun: 1, lastOk: true, lastSeq: 3 });
  });

  test('an older invocation’s tagged output is read per target; losses are the unanswered sequence numbers', () => {
    const series = new Map(['172.16.0.10', '172.16.0.11'].map((t) => [t, parseSinglePingOutput(t, output)]));
    const a = series.get('172.16.0.10')!;
    assert.deepEqual(a.replies.map((r) => r.seq), [1, 4]);
    assert.deepEqual(a.unanswered.map((r) => r.seq), [2, 3]);
    assert.equal(a.summary?.lossPercent, 50);
    assert.deepEqual(pingLoss(a), { sent: 4, lost: 2, longestLossRun: 2, lastOk: true, lastSeq: 4 });
    assert.deepEqual(pingLoss(series.get('172.16.0.11')!), { sent: 2, lost: 0, longestLossRun: 0, lastOk: true, lastSeq: 2 });
  });

  test('ping series become timed samples; the longest loss run is the blackout', () => {
    const a = parseSinglePingOutput('172.16.0.10', output);
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

  test('observes the blackout from the partial output of the running series (one plain ping per target)', async () => {
    // Prepare
    const lines = ['[1767225600.000000] 64 bytes from 172.16.0.10: icmp_seq=1 ttl=62 time=1 ms'];
    for (let seq = 2; seq <= 9; seq++) lines.push(`[${1767225599 + seq}.000000] no answer yet for icmp_seq=${seq}`);
    lines.push('[1767225609.000000] 64 bytes from 172.16.0.10: icmp_seq=10 ttl=62 time=1 ms');
    const { ecs } = fakeEcs(() => lines.join('\n'));
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

describe('line switch by TerminateVirtualBorderRouter / RecoverVirtualBorderRouter', () => {
  function fakeVpc(status: string) {
    const calls: string[] = [];
    const vpc = {
      regionId: 'cn-shanghai',
      describeVirtualBorderRouters: async () => [{ vbrId: 'vbr-1', status, routeTableId: 'vtb-1' }],
      terminateVirtualBorderRouter: async () => (calls.push('Terminate'), { requestId: 'r-t' }),
      recoverVirtualBorderRouter: async () => (calls.push('Recover'), { requestId: 'r-r' }),
    } as unknown as VpcClient;
    return { vpc, calls };
  }
  const cases: { case: string; status: string; to: 'down' | 'up'; calls: string[]; error?: typeof CloudTransientError | typeof ValidationError }[] = [
    { case: 'down from active terminates', status: 'active', to: 'down', calls: ['Terminate'] },
    { case: 'down when terminating or terminated does nothing', status: 'terminated', to: 'down', calls: [] },
    { case: 'down while recovering waits (transient)', status: 'recovering', to: 'down', calls: [], error: CloudTransientError },
    { case: 'up from terminated recovers', status: 'terminated', to: 'up', calls: ['Recover'] },
    { case: 'up when recovering or active does nothing', status: 'active', to: 'up', calls: [] },
    { case: 'up while terminating waits (transient)', status: 'terminating', to: 'up', calls: [], error: CloudTransientError },
    { case: 'an unconfirmed VBR cannot be switched', status: 'unconfirmed', to: 'down', calls: [], error: ValidationError },
  ];
  for (const k of cases) {
    test(k.case, async () => {
      // Prepare
      const { vpc, calls } = fakeVpc(k.status);
      // Act
      const act = switchVbr(vpc, 'vbr-1', 'pc-1', k.to, 1000, 'tok');
      // Assess
      if (k.error) await assert.rejects(act, (e: unknown) => e instanceof (k.error as new (...a: never[]) => Error));
      else assert.equal((await act).performed, true);
      assert.deepEqual(calls, k.calls);
    });
  }

  test('the Cloud Assistant tester switches the line itself with terminate-vbr', async () => {
    // Prepare
    const { vpc, calls } = fakeVpc('active');
    const ecs = {
      describeCloudAssistantStatus: async (req: { instanceIds: string[] }) => req.instanceIds.map((instanceId) => ({ instanceId, cloudAssistantStatus: true })),
      runCommand: async () => ({ requestId: 'req-1', commandId: 'c-1', invokeId: 't-1' }),
    } as unknown as EcsClient;
    const tester = createCloudAssistantFailoverTester(ecs, { vpc, lineSwitch: 'terminate-vbr' });
    const spec = { testId: 'ex-1', sourceInstanceId: 'i-1', targetIps: ['172.16.0.10'], flows: 1, sampleIntervalMs: 1000, windowMs: 60_000, lines: ['pc-1'], lineSwitch: 'terminate-vbr' as const, vbrByLine: { 'pc-1': 'vbr-1' } };
    // Act
    const handle = await tester.start(spec, { now: 0, clientToken: 'tok' });
    const down = await tester.failLine(handle, 'pc-1', { now: 5 });
    // Assess
    assert.equal(tester.switchesLines, true);
    assert.equal(down.performed, true);
    assert.deepEqual(down.requestIds, ['r-t']);
    assert.deepEqual(calls, ['Terminate']);
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

describe('shared pieces of the procedures', () => {
  const cloudError = (code: string, errorClass: 'not_found' | 'conflict') =>
    makeCloudApiError(code, { code, requestId: 'R-1', product: 'Vpc', action: 'DeleteRouteEntry', errorClass });

  test('a removal counts NotFound as done and lets every other failure through', async () => {
    // Prepare
    const cases = [
      { case: 'deleted', remove: async () => ({ requestId: 'R-del' }), want: { changed: true, requestIds: ['R-del'] } },
      { case: 'gone already', remove: async () => Promise.reject(cloudError('InvalidRouteEntry.NotFound', 'not_found')), want: { changed: false, requestIds: [] } },
    ];
    // Act + Assess
    for (const c of cases) assert.deepEqual(await runRemoval(c.remove), c.want, c.case);
    await assert.rejects(runRemoval(async () => Promise.reject(cloudError('TaskConflict', 'conflict'))), /TaskConflict/);
  });

  test('health-check settings keep only what is set', () => {
    const cases = [
      { case: 'all set', x: { healthCheckSourceIp: '10.0.0.1', healthCheckTargetIp: '10.0.0.2', hcRate: 2000, hcThreshold: 8 }, want: { healthCheckSourceIp: '10.0.0.1', healthCheckTargetIp: '10.0.0.2', hcRate: 2000, hcThreshold: 8 } },
      { case: 'none (a plan’s nulls)', x: { healthCheckSourceIp: null, healthCheckTargetIp: null, hcRate: null, hcThreshold: null }, want: {} },
      { case: 'empty strings and absent numbers', x: { healthCheckSourceIp: '', healthCheckTargetIp: '10.0.0.2' }, want: { healthCheckTargetIp: '10.0.0.2' } },
    ];
    for (const c of cases) assert.deepEqual(healthCheckSettings(c.x), c.want, c.case);
  });

  test('a change state pushes its compensation whatever the outcome and rolls back recording its own name', () => {
    // Act
    const s = changeState('AddingRoute', { effect: 'ensureRoute', seed: '6-2', title: 'Add', next: 'AwaitingRoute', compensate: 'compensateRoute', message: 'adding failed' });
    // Assess
    assert.deepEqual(s.meta, { step: { kind: 'effect', effect: 'ensureRoute', seed: '6-2', title: 'Add' } });
    assert.deepEqual(s.on['STEP.DONE'], { target: 'AwaitingRoute', actions: 'compensateRoute' });
    assert.deepEqual(s.on['STEP.FAILED'], {
      target: 'RollingBack',
      actions: ['compensateRoute', { type: 'fail', params: { code: 'StepFailed', message: 'adding failed', state: 'AddingRoute' } }],
    });
    assert.equal('always' in s, false);
  });

  test('a wait state carries its polling; a deadline that is not a failure goes on', () => {
    // Act
    const failing = waitState('AwaitingRoute', { effect: 'awaitRoute', seed: '6-2', title: 'Available', pollIntervalMs: 3000, timeoutMs: 60_000, done: 'Next', message: 'not Available' });
    const lenient = waitState('AwaitingClients', { effect: 'awaitClients', seed: '2-2', title: 'Done', pollIntervalMs: 5000, timeoutMs: 60_000, timeoutContextKey: 'clientWaitMs', done: 'Collect', onTimeout: 'Collect' });
    // Assess
    assert.deepEqual(failing.meta.step, { kind: 'wait', effect: 'awaitRoute', pollIntervalMs: 3000, timeoutMs: 60_000, seed: '6-2', title: 'Available' });
    assert.deepEqual(failing.on['STEP.FAILED'], { target: 'RollingBack', actions: { type: 'fail', params: { code: 'StepFailed', message: 'not Available', state: 'AwaitingRoute' } } });
    assert.equal(lenient.meta.step.timeoutContextKey, 'clientWaitMs');
    assert.equal(lenient.on['STEP.FAILED'], 'Collect');
  });

  test('an approval rolls back on refusal, or ends in Rejected / Expired when asked', () => {
    const base = { seed: '2', title: 'Approve', reason: 'floods the line', expiresInMs: 1000, granted: 'Starting' };
    const rollingBack = approvalState(base);
    const ending = approvalState({ ...base, endOnRefusal: true, state: 'AwaitingApproval' });
    assert.deepEqual(rollingBack.on['APPROVAL.REJECTED'], { target: 'RollingBack', actions: { type: 'fail', params: { code: 'ApprovalRejected', message: 'rejected' } } });
    assert.deepEqual(ending.on['APPROVAL.EXPIRED'], { target: 'Expired', actions: { type: 'fail', params: { code: 'ApprovalExpired', message: 'expired', state: 'AwaitingApproval' } } });
    assert.deepEqual(ending.meta.step.roles, ['approver', 'admin']);
  });

  test('the compensation loop ignores only the signals it is told to', () => {
    const loop = compensationStates({ pollIntervalMs: 1, timeoutMs: 2, seed: '5.3', then: 'Verifying', ignore: ['CANCEL'] });
    assert.deepEqual(Object.keys(loop.RollingBack.on), ['STEP.DONE', 'STEP.FAILED', 'CANCEL']);
    assert.equal(loop.RollingBack.always.target, 'Verifying');
  });
});
