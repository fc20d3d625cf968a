/**
 * `link-performance-test` (seed chapter 2) end to end on the chapter 2 topology (eight ECS
 * instances, the data-center device as a Cloud Assistant managed instance, a 1 Gbit/s line): the
 * engine runs the procedure, its effects start netperf/iperf3 through Cloud Assistant on the
 * emulator, the outputs come back as PlainText and are parsed by `src/perf`; the figures are
 * compared with the link model the emulator used.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../src/engine/types.ts';
import { readTopologyFile } from '../../src/emulator/topology.ts';
import { simulateFlows, type FlowDirection, type PerfReport } from '../../src/perf/index.ts';
import { procedures } from '../../workflows/index.ts';
import { startWorld, type World } from '../../src/twin/world.ts';

const REGION = 'cn-hangzhou';
const DEVICE = 'mi-bp1perfdevice000000001';
const DEVICE_IP = '192.168.100.1';
const ECS = Array.from({ length: 8 }, (_, i) => `i-bp1perf0000000000000${i + 2}`);
const LINE = 'pc-bp1perfline0000000001';
const SECONDS = 10;

const params = (over: JsonObject = {}): JsonObject => ({
  regionId: REGION,
  instanceIds: ECS,
  dataCenterDevice: { instanceId: DEVICE, ip: DEVICE_IP },
  physicalConnectionId: LINE,
  durationSeconds: SECONDS,
  ...over,
});

interface RoundOut {
  direction: 'inbound' | 'outbound';
  mode: 'pps' | 'bps';
  tool: string;
  report: PerfReport;
  text: string;
  svg: string;
}

/** What the link model gives each of `n` identical flows sharing the 1 Gbit/s line. */
function model(n: number, payloadBytes: number, direction: FlowDirection, offeredBps?: number) {
  const flows = Array.from({ length: n }, (_, i) => ({ id: `f${i}`, protocol: 'udp' as const, payloadBytes, durationSeconds: SECONDS, direction, ...(offeredBps ? { offeredBps } : {}) }));
  return simulateFlows({ bandwidthBps: 1e9 }, flows)[0]!.totals;
}

async function runPerf(world: World, over: JsonObject) {
  const ex = await world.engine.start('link-performance-test', params(over), { requestedBy: 'alice', approvalRequired: false });
  const view = await world.run(ex.id);
  return { view, rounds: (view.output as unknown as { reports: RoundOut[] }).reports };
}

describe('link-performance-test on the chapter 2 topology', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ regionId: REGION, procedures, topology: 'ch2-link-performance' });
  });
  after(async () => world.close());
  beforeEach(() => world.emulator.reset());

  test('netperf pps and bps, inbound and outbound: receiver-side figures equal the link model within rounding', async () => {
    // Act
    const { view, rounds } = await runPerf(world, { tool: 'netperf' });
    // Assess
    assert.equal(view.status, 'succeeded');
    assert.deepEqual(rounds.map((r) => `${r.direction}/${r.mode}`), ['inbound/pps', 'inbound/bps', 'outbound/pps', 'outbound/bps']);
    for (const r of rounds) {
      const m = model(8, r.mode === 'pps' ? 1 : 1400, r.direction === 'inbound' ? 'vpc-to-idc' : 'idc-to-vpc');
      assert.equal(r.report.streams.length, 8, `${r.direction}/${r.mode}`);
      assert.deepEqual(r.report.errors, []);
      for (const s of r.report.streams) {
        assert.equal(s.side, 'receiver');
        // netperf prints 10^6bits/sec with two decimals, and counts messages exactly.
        assert.ok(Math.abs(s.bitsPerSecond - m.receivedBps) <= 0.005e6 + 1, `${r.mode} bps ${s.bitsPerSecond} vs model ${m.receivedBps}`);
        assert.ok(Math.abs(s.packetsPerSecond! - m.receivedPps) <= 1, `${r.mode} pps ${s.packetsPerSecond} vs model ${m.receivedPps}`);
        assert.equal(s.lostPackets, m.sentPackets - m.receivedPackets);
      }
      assert.ok(Math.abs(r.report.total.packetsPerSecond! - 8 * m.receivedPps) <= 8);
      assert.match(r.svg, /^<svg/);
      assert.match(r.text, /TOTAL/);
    }
    const bps = rounds.find((r) => r.mode === 'bps')!.report;
    assert.equal(bps.judgement.streamsAtHashLimit, 8);
    assert.equal(bps.judgement.flowsNeededAtHashLimit, 12);
  });

  test('a single iperf3 flow on the 1 Gbit/s line is capped near 85 Mbit/s and the report says so', async () => {
    // Act
    const { view, rounds } = await runPerf(world, { tool: 'iperf3', instanceIds: [ECS[0]!], modes: ['bps'], iperf3Bitrate: '1000M', sizingTargetMbps: 1000 });
    // Assess
    assert.equal(view.status, 'succeeded');
    for (const r of rounds) {
      const m = model(1, 1400, r.direction === 'inbound' ? 'vpc-to-idc' : 'idc-to-vpc', 1e9);
      const [s] = r.report.streams;
      assert.ok(Math.abs(s!.bitsPerSecond - m.receivedBps) / m.receivedBps < 1e-6, `${s!.bitsPerSecond} vs model ${m.receivedBps}`);
      assert.ok(s!.bitsPerSecond > 83e6 && s!.bitsPerSecond < 85.5e6);
      assert.equal(s!.cappedByHashLimit, true);
      assert.equal(s!.receivedPackets, m.receivedPackets);
      assert.ok(r.report.judgement.findings.some((f) => /capped near 83\.3 Mbit\/s, the single-hash-stream limit \(1\/12 of 1 Gbit\/s/.test(f)), r.report.judgement.findings.join('\n'));
      assert.equal(r.report.sizing?.flows, 12);
      assert.match(r.text, /at hash-stream limit/);
    }
  });

  test('iperf3 pps uses 16-byte datagrams; its JSON figures equal the model exactly', async () => {
    // Act
    const { rounds } = await runPerf(world, { tool: 'iperf3', directions: ['outbound'], modes: ['pps'] });
    // Assess
    const [r] = rounds;
    const m = model(8, 16, 'idc-to-vpc', 100e6);
    assert.equal(r!.report.streams.length, 8);
    for (const s of r!.report.streams) {
      assert.equal(s.receivedPackets, m.receivedPackets);
      assert.ok(Math.abs(s.packetsPerSecond! - m.receivedPps) < 0.01, `${s.packetsPerSecond} vs ${m.receivedPps}`);
    }
  });

  test('starts servers first on distinct ports, clients with CPU affinity, with Cloud Assistant timeouts longer than the test', async () => {
    // Act
    await runPerf(world, { tool: 'iperf3', directions: ['inbound'], modes: ['bps'] });
    // Assess
    const invocations = world.emulator.assistant.list().reverse();
    const servers = invocations.filter((i) => i.content.startsWith('iperf3 -s'));
    const clients = invocations.filter((i) => i.content.startsWith('iperf3 -u'));
    assert.deepEqual(servers.map((s) => s.content), Array.from({ length: 8 }, (_, k) => `iperf3 -s -1 -i 1 -p ${16001 + k}`));
    assert.ok(servers.every((s) => s.instances[0]!.instanceId === DEVICE));
    assert.deepEqual(clients.map((c) => c.content), ECS.map((_, k) => `iperf3 -u -l 1400 -b 100M -t ${SECONDS} -c ${DEVICE_IP} -i 1 -p ${16001 + k} -A ${k + 1} -J`));
    assert.deepEqual(clients.map((c) => c.instances[0]!.instanceId), ECS);
    assert.ok(Math.max(...servers.map((s) => s.creationTime)) < Math.min(...clients.map((c) => c.creationTime)), 'servers before clients');
    assert.ok([...servers, ...clients].every((i) => i.timeoutSeconds > SECONDS && i.timeoutSeconds !== 60), 'Timeout longer than the test');
  });
});

describe('link-performance-test with failing instances', () => {
  let world: World;
  const ISOLATED = 'i-bp1isolated0000000001';
  before(async () => {
    const topology = readTopologyFile('ch2-link-performance');
    topology.ecsInstances![0]!.cloudAssistant = false;
    topology.ecsInstances![1]!.installedBinaries = ['netperf', 'netserver'];
    // An instance in a VPC with no way to the data center: its client waits for a connection until its Timeout.
    topology.vpcs!.push({ id: 'vpc-bp1isolated0000000001', regionId: REGION, cidrBlock: '10.9.0.0/16', vSwitches: [{ id: 'vsw-bp1isolated0000000001', zoneId: 'cn-hangzhou-h', cidrBlock: '10.9.0.0/24' }] });
    topology.ecsInstances!.push({ id: ISOLATED, vSwitchId: 'vsw-bp1isolated0000000001', privateIpAddress: '10.9.0.10' });
    world = await startWorld({ regionId: REGION, procedures, topology });
  });
  after(async () => world.close());

  test('no agent, a missing binary (127) and a timeout are reported per instance; the other streams are measured', async () => {
    // Act
    const { view, rounds } = await runPerf(world, { tool: 'iperf3', instanceIds: [ECS[0]!, ECS[1]!, ISOLATED, ECS[2]!, ECS[3]!, ECS[4]!], directions: ['inbound'], modes: ['bps'] });
    // Assess
    assert.equal(view.status, 'succeeded');
    const report = rounds[0]!.report;
    const errors = Object.fromEntries(report.errors.map((e) => [e.instanceId, e.code]));
    assert.deepEqual(errors, { [ECS[0]!]: 'CloudAssistantUnavailable', [ECS[1]!]: 'CommandNotFound', [ISOLATED]: 'Timeout' });
    assert.deepEqual(report.streams.map((s) => s.instanceId), [ECS[2], ECS[3], ECS[4]]);
    assert.ok(report.streams.every((s) => s.bitsPerSecond > 80e6));
    assert.ok(report.judgement.findings.some((f) => f.includes('3 instance(s) produced no figures')));
    assert.match(rounds[0]!.text, /TOTAL/);
  });
});
