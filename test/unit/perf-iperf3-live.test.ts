/**
 * Real iperf3 runs on loopback: for every run, one end prints text and the other end prints -J,
 * and the client receives the server's report through --get-server-output, so both formats
 * describe the same run. The parsed text must equal iperf3's own JSON: packets and lost packets
 * exactly, bits/s as iperf3 displays them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { iperfUnit, general } from '../../src/perf/cformat.ts';
import { parseIperf3, renderIperf3Text } from '../../src/perf/index.ts';
import type { Iperf3IntervalCounts, Iperf3Result, Iperf3Run } from '../../src/perf/index.ts';
import { lineKinds } from '../fixtures/perf/shape.ts';

const HAS_IPERF3 = spawnSync('iperf3', ['--version']).status === 0;
const SKIP = HAS_IPERF3 ? false : 'iperf3 is not installed (apt-get install iperf3; .ci/run installs it)';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('iperf3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `iperf3 -s -1` on a free loopback port and runs one client against it (retrying while
 * the server is not yet listening). Both formats of the run reach the client through
 * `--get-server-output`, so the server's own stdout is not needed: iperf3 servers can hang after
 * a reverse test (esnet/iperf#1735), and one that has not exited shortly after the client is
 * stopped.
 */
async function clientOf(serverArgs: string[], clientArgs: string[]): Promise<string> {
  const port = String(await freePort());
  const server = spawn('iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', port, ...serverArgs], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => server.on('close', () => resolve()));
  try {
    for (let attempt = 0; ; attempt++) {
      const c = await run(['-c', '127.0.0.1', '-p', port, '--get-server-output', ...clientArgs], 10000);
      // With -J a refused connection still exits 0 (iperf 3.12), with an "error" in the document.
      const refused = /unable to connect|Connection refused/i.test(c.stdout + c.stderr);
      if (c.code === 0 && !refused) return c.stdout;
      if (!refused || attempt > 100) throw new Error(`iperf3 client failed (${c.code}): ${c.stdout}${c.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    const grace = new Promise<void>((r) => setTimeout(r, 2000).unref());
    await Promise.race([exited, grace]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
}

/** Splits a text client output into the client's report and the server's appended -J document. */
function splitServerJson(text: string): { clientText: string; serverJson: Obj } {
  const at = text.indexOf('\nServer JSON output:\n');
  assert.ok(at >= 0, 'the client output carries the server JSON');
  const json = text.slice(at + '\nServer JSON output:\n'.length, text.lastIndexOf('}') + 1);
  // `at` is the blank line before "Server JSON output:"; the report itself ends one line earlier.
  return { clientText: `${text.slice(0, at)}\niperf Done.\n`, serverJson: JSON.parse(json) as Obj };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => v as Obj;
const n = (o: Obj, k: string): number => o[k] as number;

/** bits/s shown the way iperf3 shows them ("50.1 Mbit"). */
const shownBps = (bps: number): string => iperfUnit(bps / 8, 'a');

/** A run with the same ends, streams and interval count as a parsed real output, for shape checks. */
function twinOf(r: Iperf3Result): Iperf3Run {
  const rowsToCounts = (rows: Iperf3Result['streams'][number]['intervals']): Iperf3IntervalCounts[] =>
    rows.map((row) => ({
      seconds: Math.max(row.endSeconds - row.startSeconds, 1e-4),
      bytes: Math.round(row.bytes),
      packets: row.packets ?? 0,
      lostPackets: row.lostPackets ?? 0,
      jitterMs: row.jitterMs ?? 0,
      retransmits: row.retransmits ?? 0,
      cwndBytes: row.cwndBytes ?? 0,
    }));
  return {
    side: r.side === 'server' ? 'server' : 'client',
    protocol: r.protocol,
    reverse: r.reverse,
    clientHost: '127.0.0.1',
    serverHost: '127.0.0.1',
    serverPort: 5201,
    controlPort: 40000,
    durationSeconds: 1,
    intervalSeconds: 1,
    blockSize: 1400,
    targetBitrate: 0,
    streams: r.streams.map((s, k) => ({
      clientSocket: 5 + 2 * k,
      serverSocket: 5 + k,
      clientPort: 40001 + k,
      sender: rowsToCounts(s.intervals),
      receiver: rowsToCounts(s.intervals),
    })),
  };
}

function sameShape(real: string, parsed: Iperf3Result): void {
  const realKinds = lineKinds(real);
  let rendered = lineKinds(renderIperf3Text(twinOf(parsed)));
  // --get-server-output carries the server's report from "Accepted connection" on.
  if (realKinds[0] === 'accepted') rendered = rendered.slice(rendered.indexOf('accepted'));
  assert.deepEqual(rendered, realKinds);
}

test('TCP: the server text of a run equals the client -J of the same run (bits/s, bytes)', { skip: SKIP }, async () => {
  // Prepare / Act: server prints text, client prints -J with the server's text embedded
  const client = await clientOf([], ['-t', '1', '-J']);
  const json = obj(JSON.parse(client));
  const sumReceived = obj(obj(json.end).sum_received);
  const serverText = String(json.server_output_text);
  const fromServerText = parseIperf3(serverText);
  const fromJson = parseIperf3(client);
  // Assess
  assert.equal(fromServerText.side, 'server');
  const r = fromServerText.total.receiver!;
  assert.equal(shownBps(r.bitsPerSecond), shownBps(n(sumReceived, 'bits_per_second')));
  assert.equal(iperfUnit(r.bytes, 'A'), iperfUnit(n(sumReceived, 'bytes'), 'A'));
  assert.equal(fromJson.total.receiver!.bitsPerSecond, n(sumReceived, 'bits_per_second'));
  assert.equal(fromJson.total.sender!.retransmits, n(obj(obj(json.end).sum_sent), 'retransmits'));
  sameShape(serverText, fromServerText);
});

test('UDP -P 2: the client text of a run equals the server -J of the same run (packets, loss, bits/s)', { skip: SKIP }, async () => {
  // Prepare / Act: client prints text, server prints -J (appended to the client's output)
  const { clientText: client, serverJson } = splitServerJson(await clientOf(['-J'], ['-t', '1', '-u', '-b', '50M', '-P', '2']));
  const end = obj(serverJson.end);
  const sumReceived = obj(end.sum_received);
  const parsed = parseIperf3(client);
  // Assess: totals
  const r = parsed.total.receiver!;
  assert.equal(parsed.protocol, 'udp');
  assert.equal(r.packets, n(sumReceived, 'packets'));
  assert.equal(r.lostPackets, n(sumReceived, 'lost_packets'));
  assert.equal(String(r.lostPercent), general(n(sumReceived, 'lost_percent'), 2));
  assert.equal(shownBps(r.bitsPerSecond), shownBps(n(sumReceived, 'bits_per_second')));
  // Per stream, in connection order
  const jsonStreams = (end.streams as Obj[]).map((s) => obj(s.udp));
  assert.equal(parsed.streams.length, jsonStreams.length);
  parsed.streams.forEach((s, k) => {
    assert.equal(s.receiver!.packets, n(jsonStreams[k]!, 'packets'));
    assert.equal(s.receiver!.lostPackets, n(jsonStreams[k]!, 'lost_packets'));
  });
  sameShape(client, parsed);
});

test('UDP -R -l 16: the client text of a run equals the sending server\'s -J (datagrams sent, bits/s)', { skip: SKIP }, async () => {
  // Prepare / Act
  const { clientText: client, serverJson } = splitServerJson(await clientOf(['-J'], ['-t', '1', '-u', '-R', '-l', '16', '-b', '20M']));
  const sumSent = obj(obj(serverJson.end).sum_sent);
  const parsed = parseIperf3(client);
  // Assess
  assert.equal(parsed.reverse, true);
  const s = parsed.total.sender!;
  assert.equal(s.packets, n(sumSent, 'packets'));
  assert.equal(shownBps(s.bitsPerSecond), shownBps(n(sumSent, 'bits_per_second')));
  // The receiver side is there too: loss is receiver-counted, so total = received + lost
  const r = parsed.total.receiver!;
  assert.ok(r.packets! >= r.lostPackets!);
  sameShape(client, parsed);
});

test('TCP -R -P 2: the sending server\'s text (via --get-server-output) equals the client -J of the same run (bits/s, retransmits)', { skip: SKIP }, async () => {
  // Prepare / Act
  const client = await clientOf([], ['-t', '1', '-R', '-P', '2', '-J']);
  const json = obj(JSON.parse(client));
  const sumSent = obj(obj(json.end).sum_sent);
  const server = String(json.server_output_text);
  const parsed = parseIperf3(server);
  // Assess
  assert.equal(parsed.side, 'server');
  assert.equal(parsed.reverse, true);
  const s = parsed.total.sender!;
  assert.equal(shownBps(s.bitsPerSecond), shownBps(n(sumSent, 'bits_per_second')));
  assert.equal(s.retransmits, n(sumSent, 'retransmits'));
  sameShape(server, parsed);
});
