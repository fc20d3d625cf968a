import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { perfParseCommand } from '../../src/cli/perf.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/perf/${name}`, import.meta.url));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await perfParseCommand(args, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

test('perf parse prints the receiver figures of an iperf3 text file', async () => {
  // Act
  const r = await run(['parse', '--tool', 'iperf3', fixture('iperf3-3.12-udp-R-client.txt')]);
  // Assess
  assert.equal(r.code, 0);
  assert.equal(r.err, '');
  assert.match(r.out, /client side, UDP, reverse/);
  assert.match(r.out, /total receiver: 19\.60 Mbit\/s over 1\.00 s, 153052 pps received, lost 7308\/160360 \(4\.600 %\), jitter 0\.004 ms/);
});

test('perf parse --json prints the parsed result of a netperf table', async () => {
  // Act
  const r = await run(['parse', '--tool=netperf', fixture('netperf-udp-stream-texi.txt'), '--json']);
  // Assess
  assert.equal(r.code, 0);
  const parsed = JSON.parse(r.out) as { receiverPps: number; lostMessages: number; tool: string };
  assert.equal(parsed.tool, 'netperf');
  assert.equal(parsed.receiverPps, 10484.4);
  assert.equal(parsed.lostMessages, 828);
});

test('perf parse exit codes: 0 for --help, 2 for usage errors, 1 for unreadable or unparsable files', async () => {
  const cases = [
    { case: 'help', args: ['parse', '--help'], code: 0, out: /Usage: xcflow perf parse/ },
    { case: 'no tool', args: ['parse', fixture('netperf-udp-stream-texi.txt')], code: 2, err: /--tool is required/ },
    { case: 'bad tool', args: ['parse', '--tool', 'ping', 'x'], code: 2, err: /iperf3 or netperf/ },
    { case: 'no file', args: ['parse', '--tool', 'iperf3'], code: 2, err: /FILE is required/ },
    { case: 'two files', args: ['parse', '--tool', 'iperf3', 'a', 'b'], code: 2, err: /exactly one FILE/ },
    { case: 'unknown option', args: ['parse', '--tool', 'iperf3', '--fast', 'a'], code: 2, err: /unknown option --fast/ },
    { case: 'unknown subcommand', args: ['plot'], code: 2, err: /unknown subcommand "plot"/ },
    { case: 'missing file', args: ['parse', '--tool', 'iperf3', '/nonexistent/out.txt'], code: 1, err: /cannot read/ },
    { case: 'wrong tool for file', args: ['parse', '--tool', 'iperf3', fixture('netperf-udp-stream-texi.txt')], code: 1, err: /no iperf3 report lines found.*\[InvalidIperf3Output\]/ },
  ];
  for (const c of cases) {
    const r = await run(c.args);
    assert.equal(r.code, c.code, c.case);
    if (c.out) assert.match(r.out, c.out, c.case);
    if (c.err) assert.match(r.err, c.err, c.case);
  }
});
