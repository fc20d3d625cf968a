import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildPerfReport,
  iperf3RunFromOutcomes,
  netperfRunFromOutcome,
  renderIperf3Json,
  renderIperf3Text,
  renderNetperf,
  renderPerfReportText,
  renderThroughputSvg,
  simulateFlows,
  sizeFlows,
} from '../../src/perf/index.ts';
import type { FlowOutcome, PerfInstanceInput } from '../../src/perf/index.ts';

const GBIT = 1e9;
const ECS = Array.from({ length: 8 }, (_, i) => `172.16.0.${i + 2}`);

/** Seed chapter 2, iperf3 inbound: eight ECS clients, one server per port on the IDC device. */
function iperfInstances(outcomes: FlowOutcome[], format: 'text' | 'json'): PerfInstanceInput[] {
  return outcomes.map((o, i) => {
    const run = iperf3RunFromOutcomes([o], {
      side: 'server',
      clientHost: ECS[i]!,
      serverHost: '192.168.100.1',
      serverPort: 16001 + i,
      targetBitrate: 100e6,
    });
    return { instanceId: `idc-16001+${i}`, label: `${ECS[i]} → 192.168.100.1:${16001 + i}`, tool: 'iperf3', output: format === 'text' ? renderIperf3Text(run) : renderIperf3Json(run) };
  });
}

test('one flow on 1 Gbit/s: the report shows it capped near 83–85 Mbit/s by the 1/12 limit and says 12 flows are needed', () => {
  // Prepare
  const outcomes = simulateFlows({ bandwidthBps: GBIT }, [{ id: 'a', protocol: 'tcp', payloadBytes: 1400, durationSeconds: 10 }]);
  // Act
  const report = buildPerfReport({ bandwidthBps: GBIT, mode: 'bps', instances: iperfInstances(outcomes, 'text') });
  const text = renderPerfReportText(report);
  // Assess
  const s = report.streams[0]!;
  assert.ok(s.bitsPerSecond >= 83e6 && s.bitsPerSecond <= 85e6, `${s.bitsPerSecond}`);
  assert.equal(s.cappedByHashLimit, true);
  assert.equal(report.judgement.fillsLine, false);
  assert.equal(report.judgement.flowsNeededAtHashLimit, 12);
  assert.equal(report.judgement.flowsNeededAtMeasuredRate, 12);
  assert.match(text, /single-hash-stream limit \(1\/12 of 1 Gbit\/s/);
  assert.match(text, /at least 12 parallel flows/);
});

test('eight UDP flows at 100 Mbit/s: receiver pps, bps and loss equal the model within rounding, text and JSON alike', () => {
  // Prepare
  const outcomes = simulateFlows(
    { bandwidthBps: GBIT },
    ECS.map((_, i) => ({ id: `ecs${i}`, protocol: 'udp' as const, payloadBytes: 1400, offeredBps: 100e6, durationSeconds: 10 })),
    { seed: 5 },
  );
  const received = outcomes.reduce((a, o) => a + o.totals.receivedPackets, 0);
  const lost = outcomes.reduce((a, o) => a + o.totals.lostPackets, 0);
  const bps = outcomes.reduce((a, o) => a + o.totals.receivedBps, 0);
  for (const format of ['text', 'json'] as const) {
    // Act
    const report = buildPerfReport({ bandwidthBps: GBIT, mode: 'bps', instances: iperfInstances(outcomes, format) });
    // Assess
    assert.equal(report.streams.length, 8, format);
    assert.equal(report.errors.length, 0, format);
    assert.equal(report.total.lostPackets, lost, format);
    assert.ok(Math.abs(report.total.packetsPerSecond! - received / 10) < 1e-6, `${format}: ${report.total.packetsPerSecond}`);
    assert.ok(Math.abs(report.total.bitsPerSecond - bps) <= bps * 0.005, `${format}: ${report.total.bitsPerSecond} vs ${bps}`);
    assert.equal(report.judgement.streamsAtHashLimit, 8);
    assert.ok(report.total.jitterMs! > 0);
    assert.equal(report.total.series.length, 10);
  }
});

test('netperf pps run (1-byte UDP_STREAM, -l 300): pps from the receiver line, loss from line 1 − line 2', () => {
  // Prepare: seed chapter 2 outbound pps test, eight netperf processes
  const outcomes = simulateFlows(
    { bandwidthBps: GBIT },
    ECS.map((_, i) => ({ id: `n${i}`, protocol: 'udp' as const, payloadBytes: 1, durationSeconds: 300, direction: 'idc-to-vpc' as const })),
  );
  const instances: PerfInstanceInput[] = outcomes.map((o, i) => ({
    instanceId: `i-ecs${i}`,
    tool: 'netperf',
    output: renderNetperf(netperfRunFromOutcome(o, { remoteHost: ECS[i]! })),
  }));
  // Act
  const report = buildPerfReport({ bandwidthBps: GBIT, mode: 'pps', direction: 'idc-to-vpc', maxPps: GBIT / 672, instances });
  // Assess
  const expectedPps = outcomes.reduce((a, o) => a + o.totals.receivedPackets, 0) / 300;
  assert.ok(Math.abs(report.total.packetsPerSecond! - expectedPps) < 1e-6);
  assert.equal(report.total.lostPackets, outcomes.reduce((a, o) => a + o.totals.lostPackets, 0));
  assert.equal(report.judgement.ppsAtCeiling, false);
  assert.match(renderPerfReportText(report), /pps ceiling/);
});

test('instances without the agent, without the binary (127), timed out or with garbage are reported; the rest still is', () => {
  // Prepare
  const outcomes = simulateFlows({ bandwidthBps: GBIT }, [
    { id: 'ok1', protocol: 'udp', payloadBytes: 16, offeredBps: 20e6, durationSeconds: 5 },
    { id: 'ok2', protocol: 'udp', payloadBytes: 16, offeredBps: 20e6, durationSeconds: 5 },
  ]);
  const instances: PerfInstanceInput[] = [
    ...iperfInstances(outcomes, 'text'),
    { instanceId: 'i-noagent', tool: 'iperf3', error: { code: 'InvalidInstance.CloudAssistantNotRunning', message: 'Cloud Assistant agent is not running' } },
    { instanceId: 'i-nobinary', tool: 'iperf3', exitCode: 127, output: 'bash: iperf3: command not found\n' },
    { instanceId: 'i-slow', tool: 'netperf', error: { code: 'Timeout', message: 'invocation did not finish within 400 s' } },
    { instanceId: 'i-garbage', tool: 'netperf', output: 'Segmentation fault\n', exitCode: 139 },
  ];
  // Act
  const report = buildPerfReport({ bandwidthBps: GBIT, mode: 'pps', instances });
  const text = renderPerfReportText(report);
  // Assess
  assert.equal(report.streams.length, 2);
  assert.deepEqual(
    report.errors.map((e) => [e.instanceId, e.code]),
    [
      ['i-noagent', 'InvalidInstance.CloudAssistantNotRunning'],
      ['i-nobinary', 'CommandNotFound'],
      ['i-slow', 'Timeout'],
      ['i-garbage', 'InvalidNetperfOutput'],
    ],
  );
  assert.equal(report.errors[1]!.exitCode, 127);
  assert.match(text, /i-nobinary: CommandNotFound \[exit 127\]/);
  assert.ok(report.total.packetsPerSecond! > 0);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(report)));
});

test('sizing: flows needed to carry a target at the hash-stream limit, with per-flow iperf3 options', () => {
  const cases = [
    { case: 'fill 1 Gbit/s', target: GBIT, flows: 12, perFlow: 83333333 },
    { case: '500 Mbit/s', target: 500e6, flows: 6, perFlow: 83333333 },
    { case: '100 Mbit/s', target: 100e6, flows: 2, perFlow: 50e6 },
  ];
  for (const c of cases) {
    const z = sizeFlows(GBIT, 1 / 12, c.target, 1400);
    assert.equal(z.flows, c.flows, c.case);
    assert.equal(z.perFlowBps, c.perFlow, c.case);
    assert.equal(z.iperf3Options, `-u -l 1400 -b ${c.perFlow}`, c.case);
  }
  const report = buildPerfReport({ bandwidthBps: GBIT, instances: [], sizing: {} });
  assert.equal(report.sizing!.flows, 12);
  assert.equal(report.streams.length, 0);
});

test('the SVG plot has one line per stream, the total, and the two reference lines', () => {
  // Prepare
  const outcomes = simulateFlows(
    { bandwidthBps: GBIT },
    [0, 1, 2].map((i) => ({ id: `s${i}`, protocol: 'udp' as const, payloadBytes: 1400, offeredBps: 60e6 + i * 20e6, durationSeconds: 5 })),
  );
  const report = buildPerfReport({ bandwidthBps: GBIT, instances: iperfInstances(outcomes, 'json') });
  // Act
  const svg = renderThroughputSvg(report);
  // Assess
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal(svg.match(/<polyline /g)!.length, 4);
  assert.match(svg, /hash-stream limit 83\.33 Mbit\/s/);
  assert.match(svg, /port 1000 Mbit\/s/);
  assert.equal(svg.match(/<polyline[^>]*points="([^"]*)"/)![1]!.split(' ').length, 5);
  assert.doesNotMatch(svg, /NaN|undefined/);
});
