import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  iperf3RunFromOutcomes,
  netperfRunFromOutcome,
  parseIperf3,
  parseNetperf,
  renderIperf3Json,
  renderIperf3Text,
  renderNetperf,
  simulateFlows,
} from '../../src/perf/index.ts';
import type { FlowOutcome, Iperf3IntervalCounts, Iperf3Run, Iperf3Side, Protocol } from '../../src/perf/index.ts';
import { ValidationError } from '../../src/errors.ts';
import { lineKinds, skeleton } from '../fixtures/perf/shape.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/perf/${name}`, import.meta.url), 'utf8');

function counts(bytes: number, packets: number, extra: Partial<Iperf3IntervalCounts> = {}): Iperf3IntervalCounts {
  return { seconds: 1, bytes, packets, lostPackets: 0, jitterMs: 0, retransmits: 0, cwndBytes: 0, ...extra };
}

/** The numbers behind the real `iperf3 -u -b 50M -t 2 -P 2` run in the fixtures. */
function udpP2Run(side: Iperf3Side): Iperf3Run {
  return {
    side,
    protocol: 'udp',
    reverse: false,
    clientHost: '127.0.0.1',
    serverHost: '127.0.0.1',
    serverPort: 5302,
    controlPort: 40134,
    durationSeconds: 2,
    intervalSeconds: 1,
    blockSize: 32768,
    targetBitrate: 50e6,
    streams: [
      {
        clientSocket: 5,
        serverSocket: 5,
        clientPort: 58755,
        sender: [counts(6258688, 191), counts(6258688, 191)],
        receiver: [counts(6258688, 191, { jitterMs: 0.022 }), counts(6258688, 191, { jitterMs: 0.012 })],
      },
      {
        clientSocket: 7,
        serverSocket: 6,
        clientPort: 56439,
        sender: [counts(6258688, 191), counts(6258688, 191)],
        receiver: [counts(6258688, 191, { jitterMs: 0.014 }), counts(6258688, 191, { jitterMs: 0.008 })],
      },
    ],
  };
}

test('iperf3 UDP text is byte-for-byte what iperf 3.12 printed on the client and on the server', () => {
  // Prepare
  const realClient = fixture('iperf3-3.12-udp-P2-client.txt');
  const realServer = fixture('iperf3-3.12-udp-P2-server.txt');
  // Act
  const client = renderIperf3Text(udpP2Run('client'));
  const server = renderIperf3Text(udpP2Run('server'));
  // Assess
  assert.equal(client, realClient);
  assert.equal(server, realServer);
});

test('iperf3 TCP client text is byte-for-byte what iperf 3.12 printed', () => {
  // Prepare: bytes and windows chosen to display as the real run did
  const g = 1024 ** 3;
  const i1 = Math.round(2.78 * g);
  const i2 = Math.round(2.65 * g);
  const run: Iperf3Run = {
    side: 'client',
    protocol: 'tcp',
    reverse: false,
    clientHost: '127.0.0.1',
    serverHost: '127.0.0.1',
    serverPort: 5301,
    controlPort: 33892,
    durationSeconds: 2,
    intervalSeconds: 1,
    blockSize: 131072,
    targetBitrate: 0,
    streams: [
      {
        clientSocket: 5,
        serverSocket: 5,
        clientPort: 33904,
        sender: [counts(i1, 0, { retransmits: 4, cwndBytes: 895 * 1024 }), counts(i2, 0, { retransmits: 4, cwndBytes: 1023 * 1024 })],
        receiver: [counts(i1, 0), counts(i2, 0)],
      },
    ],
  };
  // Act
  const text = renderIperf3Text(run);
  // Assess
  assert.equal(text, fixture('iperf3-3.12-tcp-client.txt'));
});

test('every real iperf 3.12 text fixture and its rendered twin have the same sequence of line shapes', () => {
  const cases: Array<{ file: string; protocol: Protocol; side: Iperf3Side; reverse: boolean; streams: number; seconds: number }> = [
    { file: 'iperf3-3.12-udp-P2-client.txt', protocol: 'udp', side: 'client', reverse: false, streams: 2, seconds: 2 },
    { file: 'iperf3-3.12-udp-P2-server.txt', protocol: 'udp', side: 'server', reverse: false, streams: 2, seconds: 2 },
    { file: 'iperf3-3.12-udp-R-client.txt', protocol: 'udp', side: 'client', reverse: true, streams: 1, seconds: 1 },
    { file: 'iperf3-3.12-udp-R-server.txt', protocol: 'udp', side: 'server', reverse: true, streams: 1, seconds: 1 },
    { file: 'iperf3-3.12-tcp-client.txt', protocol: 'tcp', side: 'client', reverse: false, streams: 1, seconds: 2 },
    { file: 'iperf3-3.12-tcp-R-P2-client.txt', protocol: 'tcp', side: 'client', reverse: true, streams: 2, seconds: 1 },
    { file: 'iperf3-3.12-tcp-R-P2-server.txt', protocol: 'tcp', side: 'server', reverse: true, streams: 2, seconds: 1 },
  ];
  for (const c of cases) {
    // Prepare
    const outcomes = simulateFlows(
      { bandwidthBps: 1e9 },
      Array.from({ length: c.streams }, (_, k) => ({ id: `s${k}`, protocol: c.protocol, payloadBytes: 1400, offeredBps: 50e6, durationSeconds: c.seconds })),
    );
    const run = iperf3RunFromOutcomes(outcomes, { side: c.side, reverse: c.reverse, clientHost: '127.0.0.1', serverHost: '127.0.0.1', serverPort: 5201 });
    // Act
    const rendered = renderIperf3Text(run);
    // Assess
    assert.deepEqual(lineKinds(rendered), lineKinds(fixture(c.file)), c.file);
  }
});

test('rendered -J documents have the key order of real iperf 3.12 JSON for each end and protocol', () => {
  const cases: Array<{ file: string; protocol: Protocol; side: Iperf3Side; reverse: boolean; streams: number }> = [
    { file: 'iperf3-3.12-udp-client.json', protocol: 'udp', side: 'client', reverse: false, streams: 1 },
    { file: 'iperf3-3.12-tcp-P2-client.json', protocol: 'tcp', side: 'client', reverse: false, streams: 2 },
    { file: 'iperf3-3.12-tcp-P2-server.json', protocol: 'tcp', side: 'server', reverse: false, streams: 2 },
    { file: 'iperf3-3.12-udp-R-server.json', protocol: 'udp', side: 'server', reverse: true, streams: 1 },
    { file: 'iperf3-3.12-udp-P2-server.json', protocol: 'udp', side: 'server', reverse: false, streams: 2 },
  ];
  for (const c of cases) {
    // Prepare
    const real = JSON.parse(fixture(c.file)) as Record<string, unknown>;
    delete real.server_output_text; // present only with --get-server-output
    const outcomes = simulateFlows(
      { bandwidthBps: 1e9 },
      Array.from({ length: c.streams }, (_, k) => ({ id: `s${k}`, protocol: c.protocol, payloadBytes: 1400, offeredBps: 50e6, durationSeconds: 2 })),
    );
    const run = iperf3RunFromOutcomes(outcomes, { side: c.side, reverse: c.reverse, clientHost: '127.0.0.1', serverHost: '127.0.0.1' });
    // Act
    const rendered = renderIperf3Json(run);
    // Assess
    const realSkeleton = skeleton(real).filter((k) => !k.includes('congestion'));
    const renderedSkeleton = skeleton(JSON.parse(rendered)).filter((k) => !k.includes('congestion'));
    assert.deepEqual(renderedSkeleton, realSkeleton, c.file);
  }
});

test('rendered -J uses cJSON layout: tabs, "key":<TAB>value, [{ … }, { … }] and a final newline', () => {
  // Prepare
  const outcomes = simulateFlows({ bandwidthBps: 1e9 }, [
    { id: 'a', protocol: 'tcp', payloadBytes: 1400, durationSeconds: 1 },
    { id: 'b', protocol: 'tcp', payloadBytes: 1400, durationSeconds: 1 },
  ]);
  // Act
  const text = renderIperf3Json(iperf3RunFromOutcomes(outcomes, { side: 'client', clientHost: '10.0.0.1', serverHost: '10.0.0.2' }));
  // Assess
  const real = fixture('iperf3-3.12-tcp-P2-client.json');
  const shape = (s: string): string[] => s.split('\n').slice(0, 16).map((l) => l.replace(/:\t.*$/, ':\t…'));
  assert.deepEqual(shape(text), shape(real));
  assert.ok(text.endsWith('}\n'));
  assert.match(text, /\n\t\t\t}, {\n/);
});

function flows(protocol: Protocol, n: number, offeredBps?: number): FlowOutcome[] {
  return simulateFlows(
    { bandwidthBps: 1e9 },
    Array.from({ length: n }, (_, k) => ({
      id: `f${k}`,
      protocol,
      payloadBytes: protocol === 'udp' ? 1400 : 1448,
      ...(offeredBps !== undefined ? { offeredBps } : {}),
      durationSeconds: 3.5,
    })),
    { seed: 3 },
  );
}

/** |a − b| within iperf3's display rounding (three significant digits) of b. */
function nearDisplay(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= Math.abs(b) * 0.0051 + 1e-9, `${what}: ${a} vs ${b}`);
}

test('parse(render(run)) gives back the run numbers: exact from JSON, within display rounding from text', () => {
  const cases = [
    { protocol: 'udp' as const, n: 3, offered: 120e6 },
    { protocol: 'udp' as const, n: 1, offered: 20e6 },
    { protocol: 'tcp' as const, n: 2, offered: undefined },
  ];
  for (const c of cases) {
    for (const side of ['client', 'server'] as const) {
      for (const reverse of [false, true]) {
        // Prepare
        const outcomes = flows(c.protocol, c.n, c.offered);
        const run = iperf3RunFromOutcomes(outcomes, { side, reverse, clientHost: '172.16.0.2', serverHost: '192.168.100.1', serverPort: 16001 });
        const label = `${c.protocol} ×${c.n} ${side}${reverse ? ' -R' : ''}`;
        const receivedBytes = outcomes.reduce((a, o) => a + o.totals.receivedBytes, 0);
        const sentPackets = outcomes.reduce((a, o) => a + o.totals.sentPackets, 0);
        const lost = outcomes.reduce((a, o) => a + o.totals.lostPackets, 0);
        const receiverKnown = side === 'client' || !reverse;
        for (const format of ['json', 'text'] as const) {
          // Act
          const parsed = parseIperf3(format === 'json' ? renderIperf3Json(run) : renderIperf3Text(run));
          // Assess
          assert.equal(parsed.format, format);
          assert.equal(parsed.side, side, label);
          assert.equal(parsed.protocol, c.protocol, label);
          assert.equal(parsed.reverse, reverse, label);
          assert.equal(parsed.streams.length, c.n, label);
          if (receiverKnown) {
            const r = parsed.total.receiver!;
            assert.ok(r, `${label} ${format}: receiver totals`);
            if (format === 'json') assert.equal(r.bytes, receivedBytes, label);
            else nearDisplay(r.bytes, receivedBytes, `${label} text bytes`);
            nearDisplay(r.bitsPerSecond, (receivedBytes * 8) / 3.5, `${label} ${format} bps`);
            if (c.protocol === 'udp') {
              assert.equal(r.packets, sentPackets, `${label} ${format} packets`);
              assert.equal(r.lostPackets, lost, `${label} ${format} lost`);
            }
          } else {
            const s = parsed.total.sender!;
            assert.ok(s, `${label} ${format}: sender totals`);
            if (c.protocol === 'udp') assert.equal(s.packets, sentPackets, `${label} ${format} sent packets`);
          }
        }
      }
    }
  }
});

test('netperf UDP_STREAM rendering lines up with the texi sample column for column', () => {
  // Prepare: the sample's numbers (elapsed just under 10 s, as netperf measured it)
  const sample = fixture('netperf-udp-stream-texi.txt').split('\n');
  const run = {
    test: 'UDP_STREAM' as const,
    remoteHost: '192.168.2.125',
    elapsedSeconds: (105672 * 32768 * 8) / 2770.2e6,
    messageBytes: 32768,
    localSendSocketBytes: 124928,
    remoteRecvSocketBytes: 135168,
    sentMessages: 105672,
    receivedMessages: 104844,
  };
  // Act
  const lines = renderNetperf(run).split('\n');
  // Assess: titles equal up to trailing blanks, sender line equal, receiver line equal in its columns
  assert.deepEqual(lines.slice(1, 6).map((l) => l.trimEnd()), sample.slice(1, 6));
  assert.equal(lines[5], sample[5]);
  assert.equal(lines[6]!.slice(0, 40), sample[6]!.slice(0, 40));
  assert.match(lines[0]!, /^MIGRATED UDP STREAM TEST from 0\.0\.0\.0 \(0\.0\.0\.0\) port 0 AF_INET to 192\.168\.2\.125 \(192\.168\.2\.125\) port 0 AF_INET : demo$/);
});

test('parse(renderNetperf(run)) gives back messages, pps and loss; -P 0 drops banner and titles', () => {
  // Prepare
  const [o] = simulateFlows({ bandwidthBps: 1e9 }, [{ id: 'n', protocol: 'udp', payloadBytes: 1, durationSeconds: 300 }]);
  for (const printHeaders of [true, false]) {
    const run = netperfRunFromOutcome(o!, { remoteHost: '192.168.100.1', printHeaders });
    // Act
    const text = renderNetperf(run);
    const parsed = parseNetperf(text);
    // Assess
    assert.equal(parsed.test, 'UDP_STREAM');
    assert.equal(parsed.sender!.messages, o!.totals.sentPackets);
    assert.equal(parsed.receiver!.messages, o!.totals.receivedPackets);
    assert.equal(parsed.lostMessages, o!.totals.lostPackets);
    assert.equal(parsed.receiverPps, o!.totals.receivedPps);
    assert.equal(text.includes('MIGRATED'), printHeaders);
  }
});

test('netperf TCP_STREAM renders one result line that parses back to the throughput', () => {
  // Prepare
  const [o] = simulateFlows({ bandwidthBps: 1e9 }, [{ id: 't', protocol: 'tcp', payloadBytes: 16384, durationSeconds: 10 }]);
  // Act
  const text = renderNetperf(netperfRunFromOutcome(o!, { remoteHost: '172.16.0.2', remoteRecvSocketBytes: 87380, localSendSocketBytes: 16384 }));
  const parsed = parseNetperf(text);
  // Assess
  assert.match(text, /\n 87380 {2}16384 {2}16384 {4}10\.00 {4}\s*\d+\.\d\d {3}\n$/);
  assert.equal(parsed.test, 'TCP_STREAM');
  assert.ok(Math.abs(parsed.throughputBps! - o!.totals.receivedBps) < 0.01e6);
});

test('renderers refuse runs they cannot print', () => {
  const run = udpP2Run('client');
  assert.throws(() => renderIperf3Text({ ...run, streams: [] }), ValidationError);
  assert.throws(() => renderIperf3Json({ ...run, streams: [{ ...run.streams[0]!, receiver: [] }] }), ValidationError);
  assert.throws(
    () => renderNetperf({ test: 'UDP_STREAM', remoteHost: 'h', elapsedSeconds: 0, messageBytes: 1, localSendSocketBytes: 1, remoteRecvSocketBytes: 1, sentMessages: 1, receivedMessages: 1 }),
    ValidationError,
  );
});
