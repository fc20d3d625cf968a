import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseIperf3, parseNetperf } from '../../src/perf/index.ts';
import { ValidationError } from '../../src/errors.ts';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/perf/${name}`, import.meta.url), 'utf8');

// ------------------------------------------------------------------------------------------
// netperf
// ------------------------------------------------------------------------------------------

test('netperf UDP_STREAM sample: line 2 is the receiver, pps = received messages / elapsed, loss = 828', () => {
  // Act
  const r = parseNetperf(fixture('netperf-udp-stream-texi.txt'));
  // Assess
  assert.equal(r.format, 'table');
  assert.equal(r.test, 'UDP_STREAM');
  assert.deepEqual(r.sender, { socketBytes: 124928, messageBytes: 32768, elapsedSeconds: 10, messages: 105672, errors: 0, throughput: 2770.2 });
  assert.deepEqual(r.receiver, { socketBytes: 135168, elapsedSeconds: 10, messages: 104844, throughput: 2748.5 });
  assert.equal(r.receiverPps, 10484.4);
  assert.equal(r.senderPps, 10567.2);
  assert.equal(r.lostMessages, 828);
  assert.equal(r.throughputUnits, '10^6bits/sec');
  assert.equal(r.throughputBps, 2748.5e6);
});

test('netperf -P 0 output (the two result lines alone) parses the same as the titled table', () => {
  // Prepare
  const lines = fixture('netperf-udp-stream-texi.txt').split('\n');
  const bare = `${lines[5]}\n${lines[6]}\n\n`;
  // Act
  const r = parseNetperf(bare);
  // Assess
  assert.equal(r.test, 'UDP_STREAM');
  assert.equal(r.receiver!.messages, 104844);
  assert.equal(r.receiverPps, 10484.4);
  assert.ok(r.notes.some((n) => n.includes('-P 0')));
});

test('netperf TCP_STREAM table with and without titles gives the throughput in bits/s', () => {
  // Prepare: classic TCP_STREAM layout (nettest_omni.c send_tcp_stream)
  const titled =
    'MIGRATED TCP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 172.16.0.2 (172.16.0.2) port 0 AF_INET : demo\n' +
    'Recv   Send    Send                          \n' +
    'Socket Socket  Message  Elapsed              \n' +
    'Size   Size    Size     Time     Throughput  \n' +
    'bytes  bytes   bytes    secs.    10^6bits/sec  \n\n' +
    ' 87380  16384  16384    10.00      83.33   \n';
  const cases = [
    { case: 'titled', text: titled },
    { case: '-P 0', text: ' 87380  16384  16384    10.00      83.33   \n' },
  ];
  for (const c of cases) {
    // Act
    const r = parseNetperf(c.text);
    // Assess
    assert.equal(r.test, 'TCP_STREAM', c.case);
    assert.equal(r.remoteRecvSocketBytes, 87380, c.case);
    assert.equal(r.sender!.messageBytes, 16384, c.case);
    assert.equal(r.throughputBps, 83.33e6, c.case);
    assert.equal(r.receiverPps, undefined, c.case);
  }
});

test('netperf omni -k / -o / -O samples give their selectors by name', () => {
  const cases = [
    { case: '-k', file: 'netperf-omni-keyval-texi.txt', format: 'omni-keyval', value: '59092.65' },
    { case: '-o', file: 'netperf-omni-csv-texi.txt', format: 'omni-csv', value: '60999.07' },
    { case: '-O', file: 'netperf-omni-columns-texi.txt', format: 'omni-columns', value: '60492.57' },
  ];
  for (const c of cases) {
    // Act
    const r = parseNetperf(fixture(c.file));
    // Assess
    assert.equal(r.format, c.format, c.case);
    assert.equal(r.fields.THROUGHPUT, c.value, c.case);
    assert.equal(r.fields.THROUGHPUT_UNITS, 'Trans/s', c.case);
    assert.equal(r.throughputBps, undefined, `${c.case}: Trans/s is not a bit rate`);
  }
});

test('netperf -P 0 -o CSV without titles keeps the values by position', () => {
  // Act
  const r = parseNetperf(fixture('netperf-omni-csv-p0-texi.txt'));
  // Assess
  assert.deepEqual(r.fields, { COLUMN_1: '805.26', COLUMN_2: 'Receive' });
});

test('netperf omni selectors for pps: REMOTE_RECV_CALLS / ELAPSED_TIME is the receiver rate', () => {
  // Prepare
  const k =
    'MIGRATED UDP STREAM TEST from 0.0.0.0 (0.0.0.0) port 0 AF_INET to 192.168.100.1 (192.168.100.1) port 0 AF_INET : demo\n' +
    'PROTOCOL=UDP\nELAPSED_TIME=300.00\nLOCAL_SEND_CALLS=300000000\nREMOTE_RECV_CALLS=37202370\nTHROUGHPUT=2.40\nTHROUGHPUT_UNITS=10^6bits/s\n';
  const csv = 'Elapsed Time (sec),Local Send Calls,Remote Recv Calls,Throughput,Throughput Units,Protocol\n300.00,300000000,37202370,2.40,10^6bits/s,UDP\n';
  for (const text of [k, csv]) {
    // Act
    const r = parseNetperf(text);
    // Assess
    assert.equal(r.receiverPps, 37202370 / 300);
    assert.equal(r.senderPps, 1e6);
    assert.equal(r.lostMessages, 300000000 - 37202370);
    assert.equal(r.throughputBps, 2.4e6);
  }
});

test('netperf errors name what could not be parsed', () => {
  const cases = [
    { case: 'empty', text: '\n\n', message: /empty/ },
    {
      case: 'no netserver',
      text: 'establish control: are you sure there is a netserver listening on 192.168.100.1 at port 12865?\nestablish_control could not establish the control connection from 0.0.0.0 port 0 address family AF_UNSPEC to 192.168.100.1 port 12865 address family AF_INET\n',
      message: /netserver listening/,
    },
    { case: 'udp line 2 missing', text: '124928   32768   10.00      105672      0    2770.20\n', message: /6 columns|receiver line|columns/ },
  ];
  for (const c of cases) {
    assert.throws(() => parseNetperf(c.text), (err: unknown) => err instanceof ValidationError && c.message.test(err.message), c.case);
  }
});

// ------------------------------------------------------------------------------------------
// iperf3
// ------------------------------------------------------------------------------------------

test('iperf3 text, real client UDP -P 2: per stream and [SUM] sender and receiver figures', () => {
  // Act
  const r = parseIperf3(fixture('iperf3-3.12-udp-P2-client.txt'));
  // Assess
  assert.equal(r.format, 'text');
  assert.equal(r.side, 'client');
  assert.equal(r.protocol, 'udp');
  assert.equal(r.reverse, false);
  assert.deepEqual(r.streams.map((s) => s.id), [5, 7]);
  assert.equal(r.streams[0]!.intervals.length, 2);
  assert.equal(r.streams[0]!.intervals[0]!.packets, 191);
  assert.equal(r.streams[0]!.intervals[0]!.sender, true);
  assert.equal(r.total.intervals.length, 2);
  assert.equal(r.total.sender!.packets, 764);
  assert.equal(r.total.receiver!.packets, 764);
  assert.equal(r.total.receiver!.lostPackets, 0);
  assert.equal(r.total.receiver!.jitterMs, 0.01);
  assert.equal(r.total.receiver!.bitsPerSecond, 100e6);
  assert.equal(r.total.receiver!.bytes, 23.9 * 1024 * 1024);
});

test('iperf3 text, real server sides: receiver only for a normal test, sender only for -R (detected without "Reverse mode")', () => {
  // Act
  const normal = parseIperf3(fixture('iperf3-3.12-udp-P2-server.txt'));
  const reverse = parseIperf3(fixture('iperf3-3.12-udp-R-server.txt'));
  const tcpReverse = parseIperf3(fixture('iperf3-3.12-tcp-R-P2-server.txt'));
  // Assess
  assert.equal(normal.side, 'server');
  assert.equal(normal.reverse, false);
  assert.equal(normal.total.sender, undefined);
  assert.equal(normal.total.receiver!.packets, 764);
  assert.equal(reverse.reverse, true);
  assert.equal(reverse.total.receiver, undefined);
  assert.equal(reverse.total.sender!.packets, 160364);
  assert.equal(tcpReverse.reverse, true);
  assert.equal(tcpReverse.total.sender!.retransmits, 3);
  assert.equal(tcpReverse.streams[0]!.intervals[0]!.cwndBytes, 895 * 1024);
});

test('iperf3 text, real client -R UDP: receiver loss 7308/160360 (4.6 %) and sender 160364 datagrams', () => {
  // Act
  const r = parseIperf3(fixture('iperf3-3.12-udp-R-client.txt'));
  // Assess
  assert.equal(r.reverse, true);
  assert.deepEqual(
    { packets: r.total.receiver!.packets, lost: r.total.receiver!.lostPackets, pct: r.total.receiver!.lostPercent, jitter: r.total.receiver!.jitterMs },
    { packets: 160360, lost: 7308, pct: 4.6, jitter: 0.004 },
  );
  assert.equal(r.total.sender!.packets, 160364);
  assert.equal(r.streams[0]!.intervals[0]!.sender, false);
});

test('iperf3 -J, real client UDP: new sum_sent / sum_received are read exactly', () => {
  // Prepare
  const text = fixture('iperf3-3.12-udp-client.json');
  const raw = JSON.parse(text) as { end: { sum_received: Record<string, number>; sum_sent: Record<string, number> } };
  // Act
  const r = parseIperf3(text);
  // Assess
  assert.equal(r.format, 'json');
  assert.equal(r.side, 'client');
  assert.equal(r.version, 'iperf 3.12');
  assert.equal(r.total.receiver!.bitsPerSecond, raw.end.sum_received.bits_per_second);
  assert.equal(r.total.receiver!.packets, raw.end.sum_received.packets);
  assert.equal(r.total.receiver!.jitterMs, raw.end.sum_received.jitter_ms);
  assert.equal(r.total.sender!.bytes, raw.end.sum_sent.bytes);
  assert.equal(r.streams[0]!.intervals.length, 2);
  assert.equal(r.total.intervals[0]!.packets, 191);
});

test('iperf3 -J legacy: only end.sum (iperf3 < 3.11) is read, with a note', () => {
  // Prepare: the real document with the 3.11+ objects removed, as older versions print it
  const doc = JSON.parse(fixture('iperf3-3.12-udp-client.json')) as { end: Record<string, unknown> };
  delete doc.end.sum_sent;
  delete doc.end.sum_received;
  // Act
  const r = parseIperf3(JSON.stringify(doc));
  // Assess
  const sum = doc.end.sum as Record<string, number>;
  assert.equal(r.total.receiver!.packets, sum.packets);
  assert.equal(r.total.receiver!.lostPackets, sum.lost_packets);
  assert.equal(r.total.sender!.bytes, sum.bytes);
  assert.ok(r.notes.some((n) => n.includes('legacy end.sum')));
});

test('iperf3 -J, real TCP client and server with two streams', () => {
  // Act
  const client = parseIperf3(fixture('iperf3-3.12-tcp-P2-client.json'));
  const server = parseIperf3(fixture('iperf3-3.12-tcp-P2-server.json'));
  // Assess
  assert.equal(client.protocol, 'tcp');
  assert.equal(client.streams.length, 2);
  assert.equal(client.total.sender!.retransmits, 4);
  assert.equal(client.total.receiver!.bytes, 3000238080);
  assert.equal(server.side, 'server');
  assert.equal(server.total.sender, undefined, 'the server does not know the client totals');
  assert.equal(server.total.receiver!.bytes, 3000238080);
});

test('iperf3 old text (3.0: "Bandwidth", untagged summary, "Sent N datagrams") is read', () => {
  // Prepare: hand-made in iperf 3.0's layout (as in the seed's chapter 2 sample)
  const text =
    'Connecting to host 192.168.100.1, port 16001\n' +
    '[  4] local 172.16.0.2 port 51234 connected to 192.168.100.1 port 16001\n' +
    '[ ID] Interval           Transfer     Bandwidth       Total Datagrams\n' +
    '[  4]   0.00-10.00  sec   237 MBytes   199 Mbits/sec  30352\n' +
    '- - - - - - - - - - - - - - - - - - - - - - - - -\n' +
    '[ ID] Interval           Transfer     Bandwidth       Jitter    Lost/Total Datagrams\n' +
    '[  4]   0.00-10.00  sec   237 MBytes   199 Mbits/sec  0.027 ms  500/30352 (1.6%)\n' +
    '[  4] Sent 30352 datagrams\n\niperf Done.\n';
  // Act
  const r = parseIperf3(text);
  // Assess
  assert.equal(r.total.receiver!.lostPackets, 500);
  assert.equal(r.total.receiver!.packets, 30352);
  assert.equal(r.total.receiver!.lostPercent, 1.6);
  assert.equal(r.total.sender!.packets, 30352);
  assert.ok(r.notes.some((n) => n.includes('no sender/receiver tag')));
});

test('iperf3 errors are ValidationErrors that say what went wrong', () => {
  const cases = [
    { case: 'empty', text: '  \n', code: 'InvalidIperf3Output', message: /empty/ },
    { case: 'connect refused', text: 'iperf3: error - unable to connect to server: Connection refused\n', code: 'Iperf3Error', message: /unable to connect/ },
    {
      case: 'json error',
      text: '{\n\t"start":\t{},\n\t"intervals":\t[],\n\t"end":\t{},\n\t"error":\t"unable to connect to server: Connection refused"\n}\n',
      code: 'Iperf3Error',
      message: /unable to connect/,
    },
    { case: 'truncated json', text: '{"start": {', code: 'InvalidIperf3Output', message: /could not be parsed/ },
    {
      case: 'no summary',
      text: 'Connecting to host 1.2.3.4, port 5201\n[  5] local 5.6.7.8 port 1 connected to 1.2.3.4 port 5201\n[ ID] Interval           Transfer     Bitrate         Retr  Cwnd\n[  5]   0.00-1.00   sec  9.93 MBytes  83.3 Mbits/sec    0    229 KBytes       \n',
      code: 'InvalidIperf3Output',
      message: /did not finish/,
    },
    { case: 'netperf given as iperf3', text: fixture('netperf-udp-stream-texi.txt'), code: 'InvalidIperf3Output', message: /no iperf3 report lines/ },
  ];
  for (const c of cases) {
    assert.throws(
      () => parseIperf3(c.text),
      (err: unknown) => err instanceof ValidationError && err.code === c.code && c.message.test(err.message),
      c.case,
    );
  }
});

test('iperf3 --json-stream lines and -J after warning lines are read like -J', () => {
  // Prepare: the real -J document as --json-stream events (iperf3 ≥ 3.17), and behind a warning
  const doc = JSON.parse(fixture('iperf3-3.12-udp-client.json')) as { start: unknown; intervals: unknown[]; end: { sum_received: { packets: number } } };
  const stream = [
    JSON.stringify({ event: 'start', data: doc.start }),
    ...doc.intervals.map((iv) => JSON.stringify({ event: 'interval', data: iv })),
    JSON.stringify({ event: 'end', data: doc.end }),
  ].join('\n');
  const warned = `iperf3: warning - UDP block size 1460 exceeds TCP MSS 1448, may result in fragmentation / drops\n${fixture('iperf3-3.12-udp-client.json')}`;
  for (const text of [stream, warned]) {
    // Act
    const r = parseIperf3(text);
    // Assess
    assert.equal(r.format, 'json');
    assert.equal(r.total.receiver!.packets, doc.end.sum_received.packets);
    assert.equal(r.total.intervals.length, doc.intervals.length);
  }
});
