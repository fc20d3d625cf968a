/**
 * `xcflow perf parse --tool iperf3|netperf FILE [--json]`: reads one iperf3 or netperf output
 * file and prints its figures (receiver-side pps, bps, loss, jitter) as text, or the parsed
 * result as JSON. The CLI's main dispatcher calls `perfParseCommand` with the arguments after
 * `perf`.
 */
import { readFile } from 'node:fs/promises';
import { XcflowError } from '../errors.ts';
import { fixed } from '../perf/cformat.ts';
import { parseIperf3 } from '../perf/iperf3-parse.ts';
import { parseNetperf } from '../perf/netperf-parse.ts';
import type { Iperf3Result, Iperf3Summary, NetperfResult } from '../perf/types.ts';

/** Streams the command writes to. */
export interface PerfCommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = `Usage: xcflow perf parse --tool iperf3|netperf FILE [--json]

Reads the output of one iperf3 run (text or -J JSON, client or server side) or one netperf run
(UDP_STREAM / TCP_STREAM table, with or without -P 0, or omni -o / -O / -k output) and prints
the receiver-side figures: bits/s, packets/s, lost packets, loss %, jitter.

Options:
  --tool iperf3|netperf   which tool wrote FILE (required)
  --json                  print the parsed result as JSON
  -h, --help              show this help

Exit codes: 0 parsed, 1 the file could not be read or parsed, 2 usage error.
`;

/**
 * Runs `xcflow perf …`. `args` are the words after `perf` (e.g. `['parse', '--tool', 'iperf3',
 * 'out.txt']`). Returns the exit code: 0 ok, 1 read/parse error, 2 usage error.
 */
export async function perfParseCommand(args: string[], io: PerfCommandIo): Promise<number> {
  const rest = args[0] === 'parse' ? args.slice(1) : args;
  if (rest.includes('--help') || rest.includes('-h') || args[0] === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (args[0] !== 'parse') {
    io.stderr(`xcflow perf: unknown subcommand ${args[0] === undefined ? '(none)' : `"${args[0]}"`}\n\n${USAGE}`);
    return 2;
  }
  let tool: string | undefined;
  let json = false;
  const files: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--tool') {
      tool = rest[++i];
      if (tool === undefined) return usage(io, '--tool needs a value');
    } else if (a.startsWith('--tool=')) tool = a.slice('--tool='.length);
    else if (a === '--json') json = true;
    else if (a.startsWith('-') && a !== '-') return usage(io, `unknown option ${a}`);
    else files.push(a);
  }
  if (tool !== 'iperf3' && tool !== 'netperf') return usage(io, tool === undefined ? '--tool is required' : `--tool must be iperf3 or netperf, not "${tool}"`);
  if (files.length !== 1) return usage(io, files.length === 0 ? 'FILE is required' : 'exactly one FILE is expected');
  const file = files[0]!;
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    io.stderr(`xcflow perf parse: cannot read ${file}: ${(err as Error).message}\n`);
    return 1;
  }
  let result: Iperf3Result | NetperfResult;
  try {
    result = tool === 'iperf3' ? parseIperf3(text) : parseNetperf(text);
  } catch (err) {
    const code = err instanceof XcflowError ? ` [${err.code}]` : '';
    io.stderr(`xcflow perf parse: ${file}: ${(err as Error).message}${code}\n`);
    return 1;
  }
  io.stdout(json ? `${JSON.stringify(result, null, 2)}\n` : summarize(result));
  return 0;
}

function usage(io: PerfCommandIo, message: string): number {
  io.stderr(`xcflow perf parse: ${message}\n\n${USAGE}`);
  return 2;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function line(label: string, s: Iperf3Summary | undefined, udp: boolean): string | undefined {
  if (!s) return undefined;
  const parts = [`${label}: ${fixed(s.bitsPerSecond / 1e6, 2)} Mbit/s over ${fixed(s.seconds, 2)} s`];
  if (udp && s.packets !== undefined) {
    const lost = s.lostPackets ?? 0;
    if (label.includes('receiver')) {
      parts.push(`${fixed(s.seconds > 0 ? (s.packets - lost) / s.seconds : 0, 0)} pps received`);
      parts.push(`lost ${lost}/${s.packets} (${fixed(s.lostPercent ?? (s.packets ? (100 * lost) / s.packets : 0), 3)} %)`);
      if (s.jitterMs !== undefined) parts.push(`jitter ${fixed(s.jitterMs, 3)} ms`);
    } else parts.push(`${s.packets} datagrams sent`);
  }
  if (s.retransmits !== undefined) parts.push(`${s.retransmits} retransmits`);
  return parts.join(', ');
}

function summarize(r: Iperf3Result | NetperfResult): string {
  const out: string[] = [];
  if (r.tool === 'iperf3') {
    const udp = r.protocol === 'udp';
    out.push(`iperf3 ${r.format} output, ${r.side} side, ${r.protocol.toUpperCase()}${r.reverse ? ', reverse (-R)' : ''}, ${r.streams.length} stream(s)`);
    for (const s of r.streams) {
      for (const l of [line(`  [${s.id}] sender`, s.sender, udp), line(`  [${s.id}] receiver`, s.receiver, udp)]) if (l) out.push(l);
    }
    for (const l of [line('total sender', r.total.sender, udp), line('total receiver', r.total.receiver, udp)]) if (l) out.push(l);
  } else {
    out.push(`netperf ${r.format} output${r.test ? `, ${r.test}` : ''}`);
    if (r.throughputBps !== undefined) out.push(`throughput: ${fixed(r.throughputBps / 1e6, 2)} Mbit/s${r.receiver ? ' (receiver line)' : ''}`);
    else if (r.fields.THROUGHPUT !== undefined) out.push(`throughput: ${r.fields.THROUGHPUT} ${r.throughputUnits ?? ''}`.trimEnd());
    if (r.receiverPps !== undefined) out.push(`receiver pps: ${fixed(r.receiverPps, 1)}`);
    if (r.senderPps !== undefined) out.push(`sender pps: ${fixed(r.senderPps, 1)}`);
    if (r.lostMessages !== undefined) out.push(`lost messages: ${r.lostMessages}`);
    if (r.format !== 'table') for (const [k, v] of Object.entries(r.fields)) out.push(`  ${k}=${v}`);
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  return `${out.join('\n')}\n`;
}
