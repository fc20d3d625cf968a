/**
 * The report of a leased-line performance test (seed chapter 2): per stream and in total the
 * receiver-side pps, bps, loss and jitter, judged against the port bandwidth and the
 * single-hash-stream limit (1/12 of the bandwidth), with the number of parallel flows needed to
 * fill the line. Instances whose run failed (no Cloud Assistant agent, exit 127, timeout,
 * unreadable output) are listed with their error; the rest of the report is still produced.
 */
import { XcflowError } from '../errors.ts';
import { fixed } from './cformat.ts';
import { parseIperf3 } from './iperf3-parse.ts';
import { SINGLE_HASH_STREAM_FRACTION } from './link-model.ts';
import { parseNetperf } from './netperf-parse.ts';
import type { FlowDirection, Iperf3Result, Iperf3Summary, NetperfResult } from './types.ts';

/** A stream at or above this share of the single-hash-stream limit is "capped by the limit". */
export const HASH_LIMIT_CAP_SHARE = 0.9;

/** A total at or above this share of the port bandwidth "fills the line". */
export const LINE_FILLED_SHARE = 0.95;

/** One instance's (ECS instance or data-center device) run, as the procedure collected it. */
export interface PerfInstanceInput {
  /** ECS instance id or device name. */
  instanceId: string;
  /** Free text shown with the instance, e.g. "172.16.0.2 → 192.168.100.1:16001". */
  label?: string;
  tool: 'iperf3' | 'netperf';
  /** Raw tool output (Cloud Assistant `Output`, PlainText). */
  output?: string;
  /** Already parsed output; used instead of `output`. */
  result?: Iperf3Result | NetperfResult;
  /** Process exit code when known. 127 = command not found. */
  exitCode?: number;
  /** Why the run failed, when it did (agent missing, timeout, …). */
  error?: { code: string; message: string };
}

/** Input of `buildPerfReport`. */
export interface PerfReportInput {
  /** Express Connect bandwidth, bits/s. */
  bandwidthBps: number;
  /** Default 1/12 (seed chapter 2). */
  singleStreamFraction?: number;
  /** Packet-rate ceiling to judge pps against, when known. */
  maxPps?: number;
  /** 'pps' (1-byte netperf / 16-byte iperf3 packets) or 'bps' (1400-byte). */
  mode?: 'pps' | 'bps';
  direction?: FlowDirection;
  instances: PerfInstanceInput[];
  /** Size the parallel flows needed to carry `targetBps` (default: the whole bandwidth). */
  sizing?: { targetBps?: number; payloadBytes?: number };
}

/** One point of a throughput series. */
export interface PerfSeriesPoint {
  startSeconds: number;
  endSeconds: number;
  bitsPerSecond: number;
}

/** Receiver-side figures of one stream. */
export interface PerfStreamReport {
  instanceId: string;
  label?: string;
  tool: 'iperf3' | 'netperf';
  /** iperf3 stream id, or undefined for netperf (one stream per process). */
  streamId?: number;
  /** Which end's figures these are; 'sender' when the output held no receiver figures. */
  side: 'receiver' | 'sender';
  seconds: number;
  bitsPerSecond: number;
  /** Packets (UDP datagrams / netperf messages) received per second; undefined for TCP. */
  packetsPerSecond?: number;
  sentPackets?: number;
  receivedPackets?: number;
  lostPackets?: number;
  lossPercent?: number;
  jitterMs?: number;
  /** Per-interval throughput (iperf3 intervals; one point for netperf). */
  series: PerfSeriesPoint[];
  /** Which end the series was measured at. */
  seriesSide: 'receiver' | 'sender';
  /** Stream runs at ≥ 90 % of the single-hash-stream limit. */
  cappedByHashLimit: boolean;
}

/** A run that produced no figures. */
export interface PerfInstanceError {
  instanceId: string;
  label?: string;
  code: string;
  message: string;
  exitCode?: number;
}

/** Parallel-flow sizing to fill the line. */
export interface PerfSizing {
  targetBps: number;
  flows: number;
  perFlowBps: number;
  payloadBytes: number;
  perFlowPps: number;
  /** iperf3 client options for each flow (each flow needs its own port, hence its own hash stream). */
  iperf3Options: string;
}

/** The report. Its JSON form is the object itself. */
export interface PerfReport {
  bandwidthBps: number;
  singleStreamLimitBps: number;
  maxPps?: number;
  mode?: 'pps' | 'bps';
  direction?: FlowDirection;
  streams: PerfStreamReport[];
  total: {
    streams: number;
    bitsPerSecond: number;
    packetsPerSecond?: number;
    sentPackets?: number;
    lostPackets?: number;
    lossPercent?: number;
    /** Mean of the streams' jitter. */
    jitterMs?: number;
    /** Share of the port bandwidth carried. */
    utilisation: number;
    /** Per-interval sum over streams, by interval index. */
    series: PerfSeriesPoint[];
  };
  judgement: {
    fillsLine: boolean;
    /** Streams at the single-hash-stream limit. */
    streamsAtHashLimit: number;
    /** Flows needed to fill the line when each is held to the hash-stream limit (1 / fraction). */
    flowsNeededAtHashLimit: number;
    /** Flows needed at the rate the streams actually reached (mean per stream). */
    flowsNeededAtMeasuredRate?: number;
    /** Whether the pps total reached the packet-rate ceiling (when known). */
    ppsAtCeiling?: boolean;
    findings: string[];
  };
  sizing?: PerfSizing;
  errors: PerfInstanceError[];
}

const sum = (xs: number[]): number => xs.reduce((a, x) => a + x, 0);

function mbps(bps: number): string {
  return `${fixed(bps / 1e6, 1)} Mbit/s`;
}

function bandwidthText(bps: number): string {
  if (bps >= 1e9 && bps % 1e8 === 0) return `${bps / 1e9} Gbit/s`;
  return mbps(bps);
}

function errorOf(inst: PerfInstanceInput, code: string, message: string): PerfInstanceError {
  const e: PerfInstanceError = { instanceId: inst.instanceId, code, message };
  if (inst.label !== undefined) e.label = inst.label;
  if (inst.exitCode !== undefined) e.exitCode = inst.exitCode;
  return e;
}

function iperfStreams(inst: PerfInstanceInput, r: Iperf3Result, limit: number): PerfStreamReport[] {
  const out: PerfStreamReport[] = [];
  const udp = r.protocol === 'udp';
  // The printing end's interval rows: receiver rows when it received.
  const streams = r.streams.length > 0 ? r.streams : [{ id: 0, ...r.total, intervals: r.total.intervals }];
  for (const s of streams) {
    const summary: Iperf3Summary | undefined = s.receiver ?? s.sender;
    if (!summary) continue;
    const side = s.receiver ? 'receiver' : 'sender';
    const rep: PerfStreamReport = {
      instanceId: inst.instanceId,
      tool: 'iperf3',
      streamId: s.id,
      side,
      seconds: summary.seconds,
      bitsPerSecond: summary.bitsPerSecond,
      series: s.intervals.map((i) => ({ startSeconds: i.startSeconds, endSeconds: i.endSeconds, bitsPerSecond: i.bitsPerSecond })),
      seriesSide: s.intervals[0]?.sender ? 'sender' : 'receiver',
      cappedByHashLimit: summary.bitsPerSecond >= HASH_LIMIT_CAP_SHARE * limit,
    };
    if (inst.label !== undefined) rep.label = inst.label;
    if (udp && s.receiver?.packets !== undefined) {
      const lost = s.receiver.lostPackets ?? 0;
      const received = s.receiver.packets - lost;
      rep.receivedPackets = received;
      rep.lostPackets = lost;
      rep.sentPackets = s.sender?.packets ?? s.receiver.packets;
      rep.packetsPerSecond = s.receiver.seconds > 0 ? received / s.receiver.seconds : 0;
      rep.lossPercent = s.receiver.packets > 0 ? (100 * lost) / s.receiver.packets : 0;
      if (s.receiver.jitterMs !== undefined) rep.jitterMs = s.receiver.jitterMs;
    } else if (udp && s.sender?.packets !== undefined) {
      rep.sentPackets = s.sender.packets;
    }
    out.push(rep);
  }
  return out;
}

function netperfStream(inst: PerfInstanceInput, r: NetperfResult, limit: number): PerfStreamReport {
  const elapsed = r.elapsedSeconds ?? r.receiver?.elapsedSeconds ?? r.sender?.elapsedSeconds ?? 0;
  const bps = r.throughputBps ?? 0;
  const rep: PerfStreamReport = {
    instanceId: inst.instanceId,
    tool: 'netperf',
    side: r.receiver || r.receiverPps !== undefined ? 'receiver' : 'sender',
    seconds: elapsed,
    bitsPerSecond: bps,
    series: elapsed > 0 ? [{ startSeconds: 0, endSeconds: elapsed, bitsPerSecond: bps }] : [],
    seriesSide: 'receiver',
    cappedByHashLimit: bps >= HASH_LIMIT_CAP_SHARE * limit,
  };
  if (inst.label !== undefined) rep.label = inst.label;
  if (r.receiverPps !== undefined) rep.packetsPerSecond = r.receiverPps;
  const sent = r.sender?.messages ?? (r.senderPps !== undefined && elapsed > 0 ? Math.round(r.senderPps * elapsed) : undefined);
  const received = r.receiver?.messages ?? (r.receiverPps !== undefined && elapsed > 0 ? Math.round(r.receiverPps * elapsed) : undefined);
  if (sent !== undefined) rep.sentPackets = sent;
  if (received !== undefined) rep.receivedPackets = received;
  if (r.lostMessages !== undefined) {
    rep.lostPackets = r.lostMessages;
    if (sent) rep.lossPercent = (100 * r.lostMessages) / sent;
  }
  return rep;
}

/**
 * Builds the report from the instances' outputs. Never throws for one bad instance: a missing
 * agent, exit code 127, a timeout or unreadable output becomes an entry in `errors`.
 */
export function buildPerfReport(input: PerfReportInput): PerfReport {
  const fraction = input.singleStreamFraction ?? SINGLE_HASH_STREAM_FRACTION;
  const limit = input.bandwidthBps * fraction;
  const streams: PerfStreamReport[] = [];
  const errors: PerfInstanceError[] = [];

  for (const inst of input.instances) {
    if (inst.error) {
      errors.push(errorOf(inst, inst.error.code, inst.error.message));
      continue;
    }
    if (inst.exitCode === 127) {
      errors.push(errorOf(inst, 'CommandNotFound', `${inst.tool} is not installed on ${inst.instanceId} (exit code 127)`));
      continue;
    }
    let result = inst.result;
    if (!result) {
      if (inst.output === undefined || inst.output.trim() === '') {
        errors.push(errorOf(inst, 'NoOutput', `${inst.tool} on ${inst.instanceId} produced no output${inst.exitCode !== undefined ? ` (exit code ${inst.exitCode})` : ''}`));
        continue;
      }
      try {
        result = inst.tool === 'iperf3' ? parseIperf3(inst.output) : parseNetperf(inst.output);
      } catch (err) {
        const code = err instanceof XcflowError ? err.code : 'ParseError';
        errors.push(errorOf(inst, code, err instanceof Error ? err.message : String(err)));
        continue;
      }
    }
    if (result.tool === 'iperf3') streams.push(...iperfStreams(inst, result, limit));
    else streams.push(netperfStream(inst, result, limit));
  }

  const bps = sum(streams.map((s) => s.bitsPerSecond));
  const ppsStreams = streams.filter((s) => s.packetsPerSecond !== undefined);
  const lossStreams = streams.filter((s) => s.lostPackets !== undefined && s.sentPackets !== undefined);
  const jitterStreams = streams.filter((s) => s.jitterMs !== undefined);
  const total: PerfReport['total'] = {
    streams: streams.length,
    bitsPerSecond: bps,
    utilisation: input.bandwidthBps > 0 ? bps / input.bandwidthBps : 0,
    series: sumSeries(streams),
  };
  if (ppsStreams.length > 0) total.packetsPerSecond = sum(ppsStreams.map((s) => s.packetsPerSecond!));
  if (lossStreams.length > 0) {
    total.sentPackets = sum(lossStreams.map((s) => s.sentPackets!));
    total.lostPackets = sum(lossStreams.map((s) => s.lostPackets!));
    total.lossPercent = total.sentPackets > 0 ? (100 * total.lostPackets) / total.sentPackets : 0;
  }
  if (jitterStreams.length > 0) total.jitterMs = sum(jitterStreams.map((s) => s.jitterMs!)) / jitterStreams.length;

  const capped = streams.filter((s) => s.cappedByHashLimit).length;
  const flowsAtLimit = Math.ceil(1 / fraction - 1e-9);
  const findings: string[] = [];
  const judgement: PerfReport['judgement'] = {
    fillsLine: bps >= LINE_FILLED_SHARE * input.bandwidthBps,
    streamsAtHashLimit: capped,
    flowsNeededAtHashLimit: flowsAtLimit,
    findings,
  };
  if (streams.length > 0) {
    // A stream at the cap counts as carrying the full limit (its display rounding aside).
    const meanPerStream = bps / streams.length;
    const rate = meanPerStream >= HASH_LIMIT_CAP_SHARE * limit ? limit : meanPerStream;
    if (rate > 0) judgement.flowsNeededAtMeasuredRate = Math.ceil(input.bandwidthBps / rate - 1e-9);
  }
  const bw = bandwidthText(input.bandwidthBps);
  findings.push(
    `Total ${mbps(bps)} over ${streams.length} stream(s) = ${fixed(total.utilisation * 100, 1)} % of the ${bw} port` +
      (judgement.fillsLine ? ': the line is filled.' : ': the line is not filled.'),
  );
  if (capped > 0) {
    findings.push(
      `${capped} stream(s) capped near ${mbps(limit)}, the single-hash-stream limit (1/${fixed(1 / fraction, 0)} of ${bw}, seed chapter 2); ` +
        `this is Alibaba Cloud's per-flow limit, not a fault of the line.`,
    );
  }
  if (!judgement.fillsLine) {
    findings.push(
      `At most ${mbps(limit)} per hash stream: at least ${flowsAtLimit} parallel flows with distinct 5-tuples (ports) are needed to fill ${bw}` +
        (judgement.flowsNeededAtMeasuredRate !== undefined && judgement.flowsNeededAtMeasuredRate !== flowsAtLimit
          ? `; at the measured ${mbps(bps / Math.max(1, streams.length))} per stream, ${judgement.flowsNeededAtMeasuredRate} flows.`
          : '.'),
    );
  }
  if (total.lossPercent !== undefined && total.lossPercent > 0) {
    findings.push(`Loss ${fixed(total.lossPercent, 2)} % (${total.lostPackets} of ${total.sentPackets} packets), taken at the receivers.`);
  }
  if (input.maxPps !== undefined && total.packetsPerSecond !== undefined) {
    judgement.ppsAtCeiling = total.packetsPerSecond >= LINE_FILLED_SHARE * input.maxPps;
    findings.push(`Received ${fixed(total.packetsPerSecond, 0)} pps of a ${fixed(input.maxPps, 0)} pps ceiling.`);
  }
  const senderOnly = streams.filter((s) => s.side === 'sender').length;
  if (senderOnly > 0) findings.push(`${senderOnly} stream(s) had only sender-side figures in their output; pps and loss for them are not receiver-side.`);
  if (errors.length > 0) findings.push(`${errors.length} instance(s) produced no figures: ${errors.map((e) => `${e.instanceId} (${e.code})`).join(', ')}.`);

  const report: PerfReport = {
    bandwidthBps: input.bandwidthBps,
    singleStreamLimitBps: limit,
    streams,
    total,
    judgement,
    errors,
  };
  if (input.maxPps !== undefined) report.maxPps = input.maxPps;
  if (input.mode !== undefined) report.mode = input.mode;
  if (input.direction !== undefined) report.direction = input.direction;
  if (input.sizing) report.sizing = sizeFlows(input.bandwidthBps, fraction, input.sizing.targetBps ?? input.bandwidthBps, input.sizing.payloadBytes ?? (input.mode === 'pps' ? 16 : 1400));
  return report;
}

/**
 * How many parallel flows carry `targetBps` when each is held to the single-hash-stream limit,
 * and how to size each one (iperf3 `-b` per flow).
 */
export function sizeFlows(bandwidthBps: number, fraction: number, targetBps: number, payloadBytes: number): PerfSizing {
  const limit = bandwidthBps * fraction;
  const flows = Math.max(1, Math.ceil(targetBps / limit - 1e-9));
  const perFlowBps = Math.floor(targetBps / flows);
  const perFlowPps = perFlowBps / (payloadBytes * 8);
  return {
    targetBps,
    flows,
    perFlowBps,
    payloadBytes,
    perFlowPps,
    iperf3Options: `-u -l ${payloadBytes} -b ${perFlowBps}`,
  };
}

function sumSeries(streams: PerfStreamReport[]): PerfSeriesPoint[] {
  const out: PerfSeriesPoint[] = [];
  const n = Math.max(0, ...streams.map((s) => s.series.length));
  for (let i = 0; i < n; i++) {
    const pts = streams.map((s) => s.series[i] ?? s.series[s.series.length - 1]).filter((p): p is PerfSeriesPoint => p !== undefined);
    const withI = streams.map((s) => s.series[i]).filter((p): p is PerfSeriesPoint => p !== undefined);
    const ref = withI[0] ?? pts[0]!;
    out.push({ startSeconds: ref.startSeconds, endSeconds: ref.endSeconds, bitsPerSecond: sum(pts.map((p) => p.bitsPerSecond)) });
  }
  return out;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function lpad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

/** Renders the report as a plain-text table with the findings below it. */
export function renderPerfReportText(report: PerfReport): string {
  const lines: string[] = [];
  lines.push(
    `Leased-line performance test — port ${bandwidthText(report.bandwidthBps)}, single-hash-stream limit ${mbps(report.singleStreamLimitBps)}` +
      (report.mode ? `, mode ${report.mode}` : '') +
      (report.direction ? `, ${report.direction}` : ''),
  );
  lines.push('');
  const head = [pad('instance', 22), pad('stream', 7), lpad('Mbit/s', 10), lpad('pps', 12), lpad('lost/sent', 22), lpad('loss %', 8), lpad('jitter ms', 10), '  note'];
  lines.push(head.join(' '));
  for (const s of report.streams) {
    const lostSent = s.lostPackets !== undefined && s.sentPackets !== undefined ? `${s.lostPackets}/${s.sentPackets}` : '-';
    lines.push(
      [
        pad(s.instanceId, 22),
        pad(s.streamId !== undefined ? String(s.streamId) : '-', 7),
        lpad(fixed(s.bitsPerSecond / 1e6, 2), 10),
        lpad(s.packetsPerSecond !== undefined ? fixed(s.packetsPerSecond, 0) : '-', 12),
        lpad(lostSent, 22),
        lpad(s.lossPercent !== undefined ? fixed(s.lossPercent, 2) : '-', 8),
        lpad(s.jitterMs !== undefined ? fixed(s.jitterMs, 3) : '-', 10),
        '  ' + [s.cappedByHashLimit ? 'at hash-stream limit' : '', s.side === 'sender' ? 'sender side' : ''].filter(Boolean).join(', '),
      ].join(' ').trimEnd(),
    );
  }
  const t = report.total;
  lines.push(
    [
      pad('TOTAL', 22),
      pad(String(t.streams), 7),
      lpad(fixed(t.bitsPerSecond / 1e6, 2), 10),
      lpad(t.packetsPerSecond !== undefined ? fixed(t.packetsPerSecond, 0) : '-', 12),
      lpad(t.lostPackets !== undefined ? `${t.lostPackets}/${t.sentPackets}` : '-', 22),
      lpad(t.lossPercent !== undefined ? fixed(t.lossPercent, 2) : '-', 8),
      lpad(t.jitterMs !== undefined ? fixed(t.jitterMs, 3) : '-', 10),
      `  ${fixed(t.utilisation * 100, 1)} % of port`,
    ].join(' '),
  );
  lines.push('');
  for (const f of report.judgement.findings) lines.push(`- ${f}`);
  if (report.sizing) {
    const z = report.sizing;
    lines.push('');
    lines.push(
      `Sizing: ${z.flows} parallel flows × ${mbps(z.perFlowBps)} (${fixed(z.perFlowPps, 0)} pps of ${z.payloadBytes}-byte packets) carry ${mbps(z.targetBps)}; ` +
        `per flow: iperf3 ${z.iperf3Options} on its own port.`,
    );
  }
  if (report.errors.length > 0) {
    lines.push('');
    lines.push('Errors:');
    for (const e of report.errors) {
      lines.push(`- ${e.instanceId}${e.label ? ` (${e.label})` : ''}: ${e.code}${e.exitCode !== undefined ? ` [exit ${e.exitCode}]` : ''} — ${e.message}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
