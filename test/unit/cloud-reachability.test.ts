import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudTransientError, ValidationError } from '../../src/errors.ts';
import type { RpcCall, WireBody, WireParams } from '../../src/cloud/rpc.ts';
import { createEcsClient } from '../../src/cloud/ecs.ts';
import {
  buildProbeScript,
  createCloudAssistantProber,
  parsePingSummary,
  splitProbeOutput,
} from '../../src/cloud/reachability.ts';
import { parsePing, pingStatistics, type PingCommand } from '../../src/emulator/ecs/ping.ts';

const IPUTILS_OK = `PING 172.16.1.10 (172.16.1.10) 56(84) bytes of data.
64 bytes from 172.16.1.10: icmp_seq=1 ttl=64 time=0.512 ms

--- 172.16.1.10 ping statistics ---
5 packets transmitted, 4 received, 20% packet loss, time 4005ms
rtt min/avg/max/mdev = 0.401/0.512/0.634/0.081 ms`;

const IPUTILS_LOST = `PING 10.0.0.9 (10.0.0.9) 56(84) bytes of data.
From 172.16.0.1 icmp_seq=1 Destination Host Unreachable

--- 10.0.0.9 ping statistics ---
5 packets transmitted, 0 received, +5 errors, 100% packet loss, time 4087ms
`;

const BUSYBOX = `--- 192.168.100.1 ping statistics ---
3 packets transmitted, 3 packets received, 0% packet loss
round-trip min/avg/max = 0.057/0.071/0.091 ms`;

describe('parsePingSummary', () => {
  const cases = [
    { case: 'iputils with partial loss and rtt', output: IPUTILS_OK, expected: { transmitted: 5, received: 4, lossPercent: 20, rttMinMs: 0.401, rttAvgMs: 0.512, rttMaxMs: 0.634 } },
    { case: 'iputils with errors and total loss', output: IPUTILS_LOST, expected: { transmitted: 5, received: 0, lossPercent: 100 } },
    { case: 'busybox', output: BUSYBOX, expected: { transmitted: 3, received: 3, lossPercent: 0, rttMinMs: 0.057, rttAvgMs: 0.071, rttMaxMs: 0.091 } },
  ];
  for (const c of cases) test(`reads ${c.case}`, () => assert.deepEqual(parsePingSummary(c.output), c.expected));
  test("reads every statistics block the emulator's ping prints (reachable, partial, unreachable with errors)", () => {
    // Prepare: the emulator renders iputils' block; the prober must read each shape.
    const cmd = parsePing(['-c', '4', '10.0.0.9']) as PingCommand;
    const blocks = [
      { case: 'all replies', tally: { transmitted: 4, received: 4, errors: 0, rttsUs: [1100, 1200, 1300, 1400], elapsedMs: 3001 }, want: [4, 4, 0, true] },
      { case: 'partial', tally: { transmitted: 4, received: 1, errors: 0, rttsUs: [1100], elapsedMs: 3000 }, want: [4, 1, 75, true] },
      { case: 'none, host unreachable', tally: { transmitted: 4, received: 0, errors: 4, rttsUs: [], elapsedMs: 3000 }, want: [4, 0, 100, false] },
    ];
    for (const b of blocks) {
      // Act
      const s = parsePingSummary(`PING 10.0.0.9 (10.0.0.9) 56(84) bytes of data.\n${pingStatistics(cmd, b.tally)}`);
      // Assess
      assert.deepEqual([s?.transmitted, s?.received, s?.lossPercent, s?.rttAvgMs !== undefined], b.want, b.case);
    }
  });
  test('returns undefined when ping printed no summary', () => {
    assert.equal(parsePingSummary('sh: ping: not found'), undefined);
  });
});

describe('probe script', () => {
  test('marks each flow so that its output can be cut back out', () => {
    // Prepare
    const script = buildProbeScript(
      [
        { index: 0, flow: { source: 'i-1', destinationIp: '172.16.1.10' } },
        { index: 3, flow: { source: 'i-1', destinationIp: '10.0.0.9', protocol: 'tcp', port: 443 } },
      ],
      5,
    );
    const output = `@@xcflow-probe 0\n${IPUTILS_OK}\n@@xcflow-probe-end 0\n@@xcflow-probe 3\n5 packets transmitted, 0 received, 100% packet loss\n@@xcflow-probe-end 3\n`;
    // Act
    const sections = splitProbeOutput(output);
    // Assess
    assert.match(script, /ping -c 5 -W 1 172\.16\.1\.10/);
    assert.match(script, /\/dev\/tcp\/10\.0\.0\.9\/443/);
    assert.deepEqual([...sections.keys()], [0, 3]);
    assert.equal(parsePingSummary(sections.get(3) ?? '')?.lossPercent, 100);
  });
});

/** A scripted ECS API: instances by IP, agent status, and invocations that finish after `pollsBeforeDone` polls. */
function fakeEcs(opts: { pollsBeforeDone?: number; finalStatus?: string; output?: (script: string) => string; agent?: boolean }) {
  const calls: Array<{ action: string; params: WireParams }> = [];
  let script = '';
  let polls = 0;
  const call: RpcCall = async (action, params): Promise<WireBody> => {
    calls.push({ action, params });
    switch (action) {
      case 'DescribeInstances':
        return { RequestId: 'R', TotalCount: 1, Instances: { Instance: [{ InstanceId: 'i-src', Status: 'Running', VpcAttributes: { PrivateIpAddress: { IpAddress: ['172.16.0.2'] } } }] } };
      case 'DescribeCloudAssistantStatus':
        return {
          RequestId: 'R',
          InstanceCloudAssistantStatusSet: {
            InstanceCloudAssistantStatus: (params.InstanceId as string[]).map((id) => ({ InstanceId: id, CloudAssistantStatus: String(opts.agent ?? true) })),
          },
        };
      case 'RunCommand':
        script = String(params.CommandContent);
        return { RequestId: 'R', CommandId: 'c-1', InvokeId: 't-1' };
      case 'DescribeInvocationResults': {
        polls++;
        const done = polls > (opts.pollsBeforeDone ?? 1);
        const result = {
          InvokeId: 't-1',
          InstanceId: params.InstanceId,
          InvocationStatus: done ? (opts.finalStatus ?? 'Success') : 'Running',
          Output: done ? (opts.output ?? defaultOutput)(script) : '',
          ExitCode: 0,
        };
        return { RequestId: 'R', Invocation: { NextToken: '', InvocationResults: { InvocationResult: [result] } } };
      }
    }
    throw new Error(`unexpected ${action}`);
  };
  return { ecs: createEcsClient(call, 'cn-hangzhou'), calls };
}

/** Answers every ping in the script: 172.16.x replies, anything else is lost. */
function defaultOutput(script: string): string {
  const out: string[] = [];
  for (const m of script.matchAll(/echo "@@xcflow-probe (\d+)"\nping -c (\d+) -W 1 (\S+)/g)) {
    const [, index, count, ip] = m;
    const received = ip.startsWith('172.16.') ? count : '0';
    out.push(`@@xcflow-probe ${index}`, `${count} packets transmitted, ${received} received, ${received === '0' ? 100 : 0}% packet loss, time 4000ms`, `@@xcflow-probe-end ${index}`);
  }
  return out.join('\n');
}

describe('Cloud Assistant prober', () => {
  test('pings from the instance behind a source IP and judges by packet loss', async () => {
    // Prepare
    const { ecs, calls } = fakeEcs({ pollsBeforeDone: 2 });
    const slept: number[] = [];
    const prober = createCloudAssistantProber(ecs, { regionId: 'cn-hangzhou', sleep: async (ms) => void slept.push(ms) });
    // Act
    const results = await prober.probe([
      { name: 'to vpc', source: '172.16.0.2', destinationIp: '172.16.1.10' },
      { name: 'to idc', source: 'i-src', destinationIp: '192.168.100.1' },
    ]);
    // Assess
    assert.deepEqual(results.map((r) => [r.flow.name, r.reachable, r.reason]), [
      ['to vpc', true, undefined],
      ['to idc', false, '100% packet loss'],
    ]);
    assert.equal(results[0].evidence.invokeId, 't-1');
    assert.equal(results[0].evidence.received, 5);
    assert.equal(calls.filter((c) => c.action === 'RunCommand').length, 1, 'one invocation per source instance');
    assert.deepEqual(slept, [1000, 1000]);
  });

  test('refuses a source that is not an ECS instance', async () => {
    const { ecs } = fakeEcs({});
    const prober = createCloudAssistantProber(ecs, { regionId: 'cn-hangzhou', sleep: async () => {} });
    await assert.rejects(
      prober.probe([{ source: '192.168.100.1', destinationIp: '172.16.1.10' }]),
      (e: unknown) => e instanceof ValidationError && e.code === 'UnsupportedProbeSource',
    );
  });

  test('refuses an instance without a running agent', async () => {
    const { ecs } = fakeEcs({ agent: false });
    const prober = createCloudAssistantProber(ecs, { regionId: 'cn-hangzhou', sleep: async () => {} });
    await assert.rejects(
      prober.probe([{ source: 'i-src', destinationIp: '172.16.1.10' }]),
      (e: unknown) => e instanceof ValidationError && e.code === 'CloudAssistantUnavailable',
    );
  });

  test('an invocation that ends without ping output is a retryable failure, not "unreachable"', async () => {
    const { ecs } = fakeEcs({ finalStatus: 'Failed', output: () => 'sh: ping: command not found' });
    const prober = createCloudAssistantProber(ecs, { regionId: 'cn-hangzhou', sleep: async () => {} });
    await assert.rejects(
      prober.probe([{ source: 'i-src', destinationIp: '172.16.1.10' }]),
      (e: unknown) => e instanceof CloudTransientError && e.code === 'ProbeFailed',
    );
  });

  test('gives up with ProbeTimeout when the invocation never finishes', async () => {
    let clock = 0;
    const { ecs } = fakeEcs({ pollsBeforeDone: Number.POSITIVE_INFINITY });
    const prober = createCloudAssistantProber(ecs, {
      regionId: 'cn-hangzhou',
      timeoutMs: 10_000,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    });
    await assert.rejects(
      prober.probe([{ source: 'i-src', destinationIp: '172.16.1.10' }]),
      (e: unknown) => e instanceof CloudTransientError && e.code === 'ProbeTimeout',
    );
    assert.ok(clock >= 10_000);
  });

  test('refuses a destination that is not an IPv4 address before running anything', async () => {
    const { ecs, calls } = fakeEcs({});
    const prober = createCloudAssistantProber(ecs, { regionId: 'cn-hangzhou' });
    await assert.rejects(prober.probe([{ source: 'i-src', destinationIp: '1.2.3.4; rm -rf /' }]), ValidationError);
    assert.equal(calls.length, 0);
  });
});
