/**
 * Prints iperf3 output from numbers, in the shape iperf 3.12 (Debian 12) prints it: the text
 * report of `src/iperf_locale.c` / `iperf_print_intermediate` / `iperf_print_results` and the
 * `-J` document as cJSON formats it (tabs, `"key":\t`, `[{ ... }, { ... }]`). Used by the
 * emulator's Cloud Assistant to answer `iperf3` command lines.
 *
 * What each end knows follows iperf3: the client has both ends' totals (the server sends its
 * results back), the server has only its own; a missing time falls back to the other end's.
 */
import { ValidationError } from '../errors.ts';
import { cjsonNumber, fixedWidth, general, intWidth, iperfUnit } from './cformat.ts';
import type { Iperf3IntervalCounts, Iperf3Run, Iperf3StreamRun } from './types.ts';

/** Version string iperf3 prints in JSON `start.version` unless the run says otherwise. */
export const DEFAULT_IPERF3_VERSION = 'iperf 3.12';

const SEPARATOR = '- - - - - - - - - - - - - - - - - - - - - - - - -\n';
const SERVER_RULE = '-----------------------------------------------------------\n';
const HDR_BW = '[ ID] Interval           Transfer     Bitrate\n';
const HDR_RETR = '[ ID] Interval           Transfer     Bitrate         Retr\n';
const HDR_RETR_CWND = '[ ID] Interval           Transfer     Bitrate         Retr  Cwnd\n';
const HDR_UDP = '[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total Datagrams\n';
const HDR_UDP_SENDER = '[ ID] Interval           Transfer     Bitrate         Total Datagrams\n';

interface TimedCounts extends Iperf3IntervalCounts {
  start: number;
  end: number;
}

interface StreamView {
  localSocket: number;
  run: Iperf3StreamRun;
  local: TimedCounts[];
  bytesSent: number;
  bytesReceived: number;
  senderPackets: number;
  receiverPackets: number;
  lost: number;
  jitterMs: number;
  retransmits: number;
  outOfOrder: number;
  maxCwnd: number;
}

interface View {
  run: Iperf3Run;
  client: boolean;
  localIsSender: boolean;
  /** Whether this end reports TCP retransmits (Linux sender side, as iperf3 decides). */
  hasRetr: boolean;
  streams: StreamView[];
  senderTime: number;
  receiverTime: number;
  localEndTime: number;
}

function timed(counts: Iperf3IntervalCounts[]): TimedCounts[] {
  let t = 0;
  return counts.map((c) => {
    const start = t;
    t = start + c.seconds;
    return { ...c, start, end: t };
  });
}

const sum = <T>(xs: T[], f: (x: T) => number): number => xs.reduce((a, x) => a + f(x), 0);

function check(run: Iperf3Run): void {
  if (run.streams.length === 0) {
    throw new ValidationError('an iperf3 run needs at least one stream', { code: 'InvalidIperf3Run', field: 'streams' });
  }
  const n = run.streams[0]!.sender.length;
  for (const [i, s] of run.streams.entries()) {
    if (s.sender.length !== n || s.receiver.length !== n) {
      throw new ValidationError(`stream ${i}: every stream needs the same number of sender and receiver intervals`, {
        code: 'InvalidIperf3Run',
        field: `streams[${i}]`,
      });
    }
    for (const c of [...s.sender, ...s.receiver]) {
      if (!(c.seconds > 0)) {
        throw new ValidationError(`stream ${i}: interval seconds must be > 0`, { code: 'InvalidIperf3Run', field: `streams[${i}]` });
      }
    }
  }
}

function view(run: Iperf3Run): View {
  check(run);
  const client = run.side === 'client';
  const localIsSender = client !== run.reverse;
  const streams = run.streams.map((s): StreamView => {
    const sender = timed(s.sender);
    const receiver = timed(s.receiver);
    // The server never learns the client's counts (iperf3 3.12 prints zeros for them).
    const knowsSender = client || localIsSender;
    const knowsReceiver = client || !localIsSender;
    return {
      localSocket: client ? s.clientSocket : s.serverSocket,
      run: s,
      local: localIsSender ? sender : receiver,
      bytesSent: knowsSender ? sum(sender, (c) => c.bytes) : 0,
      bytesReceived: knowsReceiver ? sum(receiver, (c) => c.bytes) : 0,
      senderPackets: knowsSender ? sum(sender, (c) => c.packets) : 0,
      receiverPackets: knowsReceiver ? sum(receiver, (c) => c.packets) : 0,
      lost: knowsReceiver ? sum(receiver, (c) => c.lostPackets) : 0,
      jitterMs: knowsReceiver ? (receiver[receiver.length - 1]?.jitterMs ?? 0) : 0,
      retransmits: knowsSender ? sum(sender, (c) => c.retransmits) : 0,
      outOfOrder: knowsReceiver ? (s.outOfOrder ?? 0) : 0,
      maxCwnd: Math.max(0, ...s.sender.map((c) => c.cwndBytes)),
    };
  });
  // iperf3 takes both times from the first stream; an end it does not know falls back.
  const first = run.streams[0]!;
  const localEnd = sum(localIsSender ? first.sender : first.receiver, (c) => c.seconds);
  let senderTime = client || localIsSender ? sum(first.sender, (c) => c.seconds) : 0;
  let receiverTime = client || !localIsSender ? sum(first.receiver, (c) => c.seconds) : 0;
  if (senderTime === 0) senderTime = receiverTime;
  if (receiverTime === 0) receiverTime = senderTime;
  return {
    run,
    client,
    localIsSender,
    hasRetr: run.protocol === 'tcp' && (client || run.reverse),
    streams,
    senderTime,
    receiverTime,
    localEndTime: localEnd,
  };
}

function id(n: number): string {
  return `[${intWidth(n, 3)}]`;
}

function span(start: number, end: number): string {
  return `${fixedWidth(start, 6, 2)}-${fixedWidth(end, 6, 2, true)} sec`;
}

function pct(lost: number, total: number): number {
  return total > 0 ? (100 * lost) / total : 0;
}

/**
 * Renders the text report one end of an iperf3 test prints (client: from "Connecting to host"
 * to "iperf Done."; server: from the "Server listening" banner to the last summary line).
 * @throws ValidationError when the run has no streams or streams of unequal length.
 */
export function renderIperf3Text(run: Iperf3Run): string {
  const v = view(run);
  const out: string[] = [];
  const p = (s: string): void => {
    out.push(s);
  };
  const udp = run.protocol === 'udp';
  const multi = run.streams.length > 1;

  if (v.client) {
    p(`Connecting to host ${run.serverHost}, port ${run.serverPort}\n`);
    if (run.reverse) p(`Reverse mode, remote host ${run.serverHost} is sending\n`);
    for (const s of v.streams) {
      p(`${id(s.localSocket)} local ${run.clientHost} port ${s.run.clientPort} connected to ${run.serverHost} port ${run.serverPort}\n`);
    }
  } else {
    p(SERVER_RULE);
    p(`Server listening on ${run.serverPort} (test #${run.testNumber ?? 1})\n`);
    p(SERVER_RULE);
    p(`Accepted connection from ${run.clientHost}, port ${run.controlPort}\n`);
    for (const s of v.streams) {
      p(`${id(s.localSocket)} local ${run.serverHost} port ${run.serverPort} connected to ${run.clientHost} port ${s.run.clientPort}\n`);
    }
  }

  // Interval reports.
  const intervals = v.streams[0]!.local.length;
  for (let i = 0; i < intervals; i++) {
    for (const [k, s] of v.streams.entries()) {
      if (k === 0) {
        if (i === 0) {
          if (!udp) p(v.hasRetr ? HDR_RETR_CWND : HDR_BW);
          else p(v.localIsSender ? HDR_UDP_SENDER : HDR_UDP);
        } else if (multi) p(SEPARATOR);
      }
      p(intervalLine(id(s.localSocket), s.local[i]!, v, udp));
    }
    if (multi) {
      const rows = v.streams.map((s) => s.local[i]!);
      const firstRow = rows[0]!;
      const merged: TimedCounts = {
        ...firstRow,
        bytes: sum(rows, (r) => r.bytes),
        packets: sum(rows, (r) => r.packets),
        lostPackets: sum(rows, (r) => r.lostPackets),
        retransmits: sum(rows, (r) => r.retransmits),
        jitterMs: sum(rows, (r) => r.jitterMs) / run.streams.length,
      };
      p(sumIntervalLine(merged, v, udp));
    }
  }

  // Summary.
  p(SEPARATOR);
  if (!udp) p(v.hasRetr ? HDR_RETR : HDR_BW);
  else p(HDR_UDP);
  const showSender = v.client || v.localIsSender;
  const showReceiver = v.client || !v.localIsSender;
  const st = v.senderTime;
  const rt = v.receiverTime;
  for (const s of v.streams) {
    const sid = id(s.localSocket);
    if (!udp) {
      if (showSender) {
        p(`${sid} ${span(0, st)}  ${iperfUnit(s.bytesSent, 'A')}s  ${iperfUnit(st > 0 ? s.bytesSent / st : 0, 'a')}s/sec  ${intWidth(s.retransmits, 3)}             sender\n`);
      }
      if (showReceiver) {
        p(`${sid} ${span(0, rt)}  ${iperfUnit(s.bytesReceived, 'A')}s  ${iperfUnit(rt > 0 ? s.bytesReceived / rt : 0, 'a')}s/sec                  receiver\n`);
      }
    } else {
      if (showSender) {
        p(udpLine(sid, 0, st, s.bytesSent, st, 0, 0, s.senderPackets, 0, 'sender'));
      }
      if (s.outOfOrder > 0) {
        p(`[SUM] ${fixedWidth(0, 4, 1)}-${fixedWidth(st, 4, 1)} sec  ${s.outOfOrder} datagrams received out-of-order\n`);
      }
      if (showReceiver) {
        p(udpLine(sid, 0, rt, s.bytesReceived, rt, s.jitterMs, s.lost, s.receiverPackets, pct(s.lost, s.receiverPackets), 'receiver'));
      }
    }
  }
  if (multi) {
    const totalSent = sum(v.streams, (s) => s.bytesSent);
    const totalReceived = sum(v.streams, (s) => s.bytesReceived);
    if (!udp) {
      if (showSender) {
        const retr = sum(v.streams, (s) => s.retransmits);
        p(`[SUM] ${span(0, st)}  ${iperfUnit(totalSent, 'A')}s  ${iperfUnit(st > 0 ? totalSent / st : 0, 'a')}s/sec  ${intWidth(retr, 3)}             sender\n`);
      }
      if (showReceiver) {
        p(`[SUM] ${span(0, rt)}  ${iperfUnit(totalReceived, 'A')}s  ${iperfUnit(rt > 0 ? totalReceived / rt : 0, 'a')}s/sec                  receiver\n`);
      }
    } else {
      const t = udpTotals(v);
      if (showSender) p(udpLine('[SUM]', 0, st, totalSent, st, 0, 0, t.senderTotal, 0, 'sender'));
      if (showReceiver) {
        p(udpLine('[SUM]', 0, rt, totalReceived, rt, t.avgJitter, t.lost, t.receiverTotal, t.lostPercent, 'receiver'));
      }
    }
  }
  if (v.client) p('\niperf Done.\n');
  else if (run.serverKeepsListening) {
    p(SERVER_RULE);
    p(`Server listening on ${run.serverPort} (test #${(run.testNumber ?? 1) + 1})\n`);
    p(SERVER_RULE);
  }
  return out.join('');
}

/** Sums iperf3 makes for the UDP `[SUM]` lines and `end.sum*` (loss % over the sender's count). */
function udpTotals(v: View): { senderTotal: number; receiverTotal: number; total: number; lost: number; avgJitter: number; lostPercent: number } {
  const senderTotal = sum(v.streams, (s) => s.senderPackets);
  const receiverTotal = sum(v.streams, (s) => s.receiverPackets);
  const total = sum(v.streams, (s) => (s.senderPackets ? s.senderPackets : s.receiverPackets));
  const lost = sum(v.streams, (s) => s.lost);
  const avgJitter = sum(v.streams, (s) => s.jitterMs) / v.streams.length;
  return { senderTotal, receiverTotal, total, lost, avgJitter, lostPercent: pct(lost, total) };
}

function udpLine(
  sid: string,
  start: number,
  end: number,
  bytes: number,
  seconds: number,
  jitterMs: number,
  lost: number,
  total: number,
  lostPercent: number,
  role: string,
): string {
  const rate = seconds > 0 ? bytes / seconds : 0;
  return `${sid} ${span(start, end)}  ${iperfUnit(bytes, 'A')}s  ${iperfUnit(rate, 'a')}s/sec  ${fixedWidth(jitterMs, 5, 3)} ms  ${lost}/${total} (${general(lostPercent, 2)}%)  ${role}\n`;
}

function intervalLine(sid: string, c: TimedCounts, v: View, udp: boolean): string {
  const rate = c.seconds > 0 ? c.bytes / c.seconds : 0;
  const head = `${sid} ${span(c.start, c.end)}  ${iperfUnit(c.bytes, 'A')}s  ${iperfUnit(rate, 'a')}s/sec`;
  if (!udp) {
    if (v.hasRetr && v.localIsSender) return `${head}  ${intWidth(c.retransmits, 3)}   ${iperfUnit(c.cwndBytes, 'A')}s       \n`;
    return `${head}                  \n`;
  }
  if (v.localIsSender) return `${head}  ${c.packets}  \n`;
  return `${head}  ${fixedWidth(c.jitterMs, 5, 3)} ms  ${c.lostPackets}/${c.packets} (${general(pct(c.lostPackets, c.packets), 2)}%)  \n`;
}

function sumIntervalLine(c: TimedCounts, v: View, udp: boolean): string {
  const rate = c.seconds > 0 ? c.bytes / c.seconds : 0;
  const head = `[SUM] ${span(c.start, c.end)}  ${iperfUnit(c.bytes, 'A')}s  ${iperfUnit(rate, 'a')}s/sec`;
  if (!udp) {
    if (v.hasRetr && v.localIsSender) return `${head}  ${intWidth(c.retransmits, 3)}             \n`;
    return `${head}                  \n`;
  }
  if (v.localIsSender) return `${head}  ${c.packets}  \n`;
  return `${head}  ${fixedWidth(c.jitterMs, 5, 3)} ms  ${c.lostPackets}/${c.packets} (${general(pct(c.lostPackets, c.packets), 2)}%)  \n`;
}

// ---------------------------------------------------------------------------------------------
// JSON (-J)
// ---------------------------------------------------------------------------------------------

/** A JSON value kept in insertion order, printed the way cJSON prints it. */
type JValue = number | string | boolean | JValue[] | JObject;
interface JObject {
  [key: string]: JValue;
}

/** Prints a value exactly as cJSON_Print (formatted) does. */
export function cjsonPrint(value: JValue, depth = 0): string {
  if (typeof value === 'number') return cjsonNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${value.map((x) => cjsonPrint(x, depth + 1)).join(', ')}]`;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return '{\n' + '\t'.repeat(depth) + '}';
  const inner = '\t'.repeat(depth + 1);
  const lines = keys.map((k) => `${inner}${JSON.stringify(k)}:\t${cjsonPrint(value[k]!, depth + 1)}`);
  return `{\n${lines.join(',\n')}\n${'\t'.repeat(depth)}}`;
}

function cookieOf(run: Iperf3Run): string {
  if (run.cookie) return run.cookie;
  // Deterministic 36-character cookie in iperf3's alphabet (a-z, 2-7).
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let h = 0x811c9dc5;
  const seed = `${run.clientHost}:${run.controlPort}>${run.serverHost}:${run.serverPort}@${run.timestamp ?? 0}`;
  let out = '';
  for (let i = 0; out.length < 36; i++) {
    h ^= seed.charCodeAt(i % seed.length) + i;
    h = Math.imul(h, 0x01000193) >>> 0;
    out += alphabet[h % 32];
  }
  return out;
}

/**
 * Renders the `-J` document one end of an iperf3 test prints, key order and number format as
 * iperf 3.12 (including the trailing newline).
 * @throws ValidationError when the run has no streams or streams of unequal length.
 */
export function renderIperf3Json(run: Iperf3Run): string {
  const v = view(run);
  const udp = run.protocol === 'udp';
  const ts = run.timestamp ?? 0;
  const timestamp: JObject = { time: new Date(ts * 1000).toUTCString(), timesecs: ts };
  const connected: JObject[] = v.streams.map((s) =>
    v.client
      ? { socket: s.localSocket, local_host: run.clientHost, local_port: s.run.clientPort, remote_host: run.serverHost, remote_port: run.serverPort }
      : { socket: s.localSocket, local_host: run.serverHost, local_port: run.serverPort, remote_host: run.clientHost, remote_port: s.run.clientPort },
  );
  const version = run.version ?? DEFAULT_IPERF3_VERSION;
  const systemInfo = run.systemInfo ?? 'Linux localhost 6.1.0-13-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29) x86_64';
  const sockbuf = { sock_bufsize: 0, sndbuf_actual: run.sndbufActual ?? 212992, rcvbuf_actual: run.rcvbufActual ?? 212992 };
  const testStart: JObject = {
    protocol: udp ? 'UDP' : 'TCP',
    num_streams: run.streams.length,
    blksize: run.blockSize,
    omit: 0,
    duration: run.durationSeconds,
    bytes: 0,
    blocks: 0,
    reverse: run.reverse ? 1 : 0,
    tos: 0,
    target_bitrate: run.targetBitrate,
  };
  const mss = run.tcpMssDefault ?? 1448;
  let start: JObject;
  if (v.client) {
    start = { connected, version, system_info: systemInfo, timestamp, connecting_to: { host: run.serverHost, port: run.serverPort }, cookie: cookieOf(run) };
    if (!udp) start.tcp_mss_default = mss;
    Object.assign(start, { target_bitrate: run.targetBitrate }, sockbuf, { test_start: testStart });
  } else if (udp) {
    start = {
      connected,
      version,
      system_info: systemInfo,
      target_bitrate: run.targetBitrate,
      timestamp,
      accepted_connection: { host: run.clientHost, port: run.controlPort },
      cookie: cookieOf(run),
      ...sockbuf,
      test_start: testStart,
    };
  } else {
    start = {
      connected,
      version,
      system_info: systemInfo,
      ...sockbuf,
      timestamp,
      accepted_connection: { host: run.clientHost, port: run.controlPort },
      cookie: cookieOf(run),
      tcp_mss_default: mss,
      target_bitrate: run.targetBitrate,
      test_start: testStart,
    };
  }

  const rttUs = Math.round((run.rttMs ?? 2) * 1000);
  const sender = v.localIsSender;
  const intervals: JObject[] = [];
  const n = v.streams[0]!.local.length;
  for (let i = 0; i < n; i++) {
    const streams = v.streams.map((s) => intervalJson(s.localSocket, s.local[i]!, v, udp, rttUs));
    const rows = v.streams.map((s) => s.local[i]!);
    const f = rows[0]!;
    const bytes = sum(rows, (r) => r.bytes);
    const bps = (bytes / f.seconds) * 8;
    let total: JObject;
    if (!udp) {
      total = { start: f.start, end: f.end, seconds: f.seconds, bytes, bits_per_second: bps };
      if (v.hasRetr && sender) total.retransmits = sum(rows, (r) => r.retransmits);
      Object.assign(total, { omitted: false, sender });
    } else if (sender) {
      total = { start: f.start, end: f.end, seconds: f.seconds, bytes, bits_per_second: bps, packets: sum(rows, (r) => r.packets), omitted: false, sender };
    } else {
      const packets = sum(rows, (r) => r.packets);
      const lost = sum(rows, (r) => r.lostPackets);
      total = {
        start: f.start,
        end: f.end,
        seconds: f.seconds,
        bytes,
        bits_per_second: bps,
        jitter_ms: sum(rows, (r) => r.jitterMs) / rows.length,
        lost_packets: lost,
        packets,
        lost_percent: pct(lost, packets),
        omitted: false,
        sender,
      };
    }
    intervals.push({ streams, sum: total });
  }

  const st = v.senderTime;
  const rt = v.receiverTime;
  const endStreams: JObject[] = [];
  for (const s of v.streams) {
    if (!udp) {
      const snd: JObject = { socket: s.localSocket, start: 0, end: st, seconds: st, bytes: s.bytesSent, bits_per_second: st > 0 ? (s.bytesSent / st) * 8 : 0 };
      if (v.hasRetr) {
        Object.assign(snd, { retransmits: s.retransmits, max_snd_cwnd: s.maxCwnd, max_snd_wnd: s.maxCwnd * 4, max_rtt: rttUs, min_rtt: rttUs, mean_rtt: rttUs });
      }
      snd.sender = sender;
      const rcv: JObject = {
        socket: s.localSocket,
        start: 0,
        end: rt,
        seconds: v.localEndTime,
        bytes: s.bytesReceived,
        bits_per_second: rt > 0 ? (s.bytesReceived / rt) * 8 : 0,
        sender,
      };
      endStreams.push({ sender: snd, receiver: rcv });
    } else {
      const packets = s.senderPackets ? s.senderPackets : s.receiverPackets;
      endStreams.push({
        udp: {
          socket: s.localSocket,
          start: 0,
          end: st,
          seconds: st,
          bytes: s.bytesSent,
          bits_per_second: st > 0 ? (s.bytesSent / st) * 8 : 0,
          jitter_ms: s.jitterMs,
          lost_packets: s.lost,
          packets,
          lost_percent: pct(s.lost, s.senderPackets),
          out_of_order: s.outOfOrder,
          sender,
        },
      });
    }
  }
  const totalSent = sum(v.streams, (s) => s.bytesSent);
  const totalReceived = sum(v.streams, (s) => s.bytesReceived);
  const end: JObject = { streams: endStreams };
  if (!udp) {
    const sumSent: JObject = { start: 0, end: st, seconds: st, bytes: totalSent, bits_per_second: st > 0 ? (totalSent / st) * 8 : 0 };
    if (v.hasRetr) sumSent.retransmits = sum(v.streams, (s) => s.retransmits);
    sumSent.sender = sender;
    end.sum_sent = sumSent;
    end.sum_received = { start: 0, end: rt, seconds: rt, bytes: totalReceived, bits_per_second: rt > 0 ? (totalReceived / rt) * 8 : 0, sender };
  } else {
    const t = udpTotals(v);
    end.sum = {
      start: 0,
      end: rt,
      seconds: rt,
      bytes: totalSent,
      bits_per_second: st > 0 ? (totalSent / st) * 8 : 0,
      jitter_ms: t.avgJitter,
      lost_packets: t.lost,
      packets: t.total,
      lost_percent: t.lostPercent,
      sender,
    };
    end.sum_sent = {
      start: 0,
      end: st,
      seconds: st,
      bytes: totalSent,
      bits_per_second: st > 0 ? (totalSent * 8) / st : 0,
      jitter_ms: 0,
      lost_packets: 0,
      packets: t.senderTotal,
      lost_percent: 0,
      sender: true,
    };
    end.sum_received = {
      start: 0,
      end: rt,
      seconds: rt,
      bytes: totalReceived,
      bits_per_second: rt > 0 ? (totalReceived * 8) / rt : 0,
      jitter_ms: t.avgJitter,
      lost_packets: t.lost,
      packets: t.receiverTotal,
      lost_percent: t.lostPercent,
      sender: false,
    };
  }
  const cpu = run.cpu ?? { hostTotal: 0, hostUser: 0, hostSystem: 0, remoteTotal: 0, remoteUser: 0, remoteSystem: 0 };
  end.cpu_utilization_percent = {
    host_total: cpu.hostTotal,
    host_user: cpu.hostUser,
    host_system: cpu.hostSystem,
    remote_total: v.client ? cpu.remoteTotal : 0,
    remote_user: v.client ? cpu.remoteUser : 0,
    remote_system: v.client ? cpu.remoteSystem : 0,
  };
  if (!udp) {
    const cc = run.congestion ?? 'cubic';
    if (v.client || sender) end.sender_tcp_congestion = cc;
    if (v.client || !sender) end.receiver_tcp_congestion = cc;
  }
  return `${cjsonPrint({ start, intervals, end })}\n`;
}

function intervalJson(socket: number, c: TimedCounts, v: View, udp: boolean, rttUs: number): JObject {
  const bps = c.seconds > 0 ? (c.bytes / c.seconds) * 8 : 0;
  const base: JObject = { socket, start: c.start, end: c.end, seconds: c.seconds, bytes: c.bytes, bits_per_second: bps };
  if (!udp) {
    if (v.hasRetr && v.localIsSender) {
      Object.assign(base, { retransmits: c.retransmits, snd_cwnd: c.cwndBytes, snd_wnd: c.cwndBytes * 4, rtt: rttUs, rttvar: Math.round(rttUs / 4), pmtu: 1500 });
    }
  } else if (v.localIsSender) {
    base.packets = c.packets;
  } else {
    Object.assign(base, { jitter_ms: c.jitterMs, lost_packets: c.lostPackets, packets: c.packets, lost_percent: pct(c.lostPackets, c.packets) });
  }
  Object.assign(base, { omitted: false, sender: v.localIsSender });
  return base;
}
