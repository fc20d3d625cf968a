/**
 * Reads iperf3 output, `-J` JSON or the text report, client or server side, TCP or UDP, into
 * numbers. JSON is exact; text figures carry iperf3's display rounding (three significant
 * digits for bytes and bits/s; packet and loss counts are exact).
 *
 * Receiver-side figures are the ones that count for pps and loss (`end.sum_received`, the
 * `receiver` lines). Before iperf3 3.11 UDP JSON had only `end.sum`, which mixes the sender's
 * bytes with the receiver's loss; that case is read and flagged in `notes`.
 */
import { ValidationError } from '../errors.ts';
import type { Iperf3IntervalRow, Iperf3Result, Iperf3StreamResult, Iperf3Summary, Protocol } from './types.ts';

function fail(message: string, code = 'InvalidIperf3Output'): never {
  throw new ValidationError(message, { code, field: 'iperf3' });
}

/**
 * Parses iperf3 output, detecting `-J` JSON (first non-blank character `{`) or text.
 * @throws ValidationError naming what could not be parsed (no report lines, an iperf3 error
 * message such as "unable to connect to server", malformed JSON, missing `end`).
 */
export function parseIperf3(text: string): Iperf3Result {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') fail('iperf3 output is empty');
  if (trimmed.startsWith('{"event":') || trimmed.startsWith('{"event" :')) return parseIperf3Json(fromJsonStream(trimmed));
  if (trimmed.startsWith('{')) return parseIperf3Json(trimmed);
  // -J output after warning lines (e.g. "iperf3: warning - …" on stderr merged into the output).
  const open = trimmed.search(/^\{\s*$/m);
  if (open > 0 && !ROW_ANYWHERE.test(trimmed.slice(0, open))) return parseIperf3Json(trimmed.slice(open, trimmed.lastIndexOf('}') + 1));
  return parseIperf3Text(text);
}

const ROW_ANYWHERE = /^\[\s*(\d+|SUM)\]\s+\d/m;

/**
 * `--json-stream` (iperf3 ≥ 3.17) prints one JSON object per line: `{"event":"start","data":…}`,
 * `{"event":"interval",…}`, `{"event":"end",…}`. Reassembles them into the `-J` document.
 */
function fromJsonStream(text: string): string {
  const doc: Record<string, unknown> = { intervals: [] as unknown[] };
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch (err) {
      fail(`iperf3 --json-stream line ${i + 1} could not be parsed: ${(err as Error).message}`);
    }
    if (!isObj(ev)) continue;
    if (ev.event === 'start') doc.start = ev.data;
    else if (ev.event === 'interval') (doc.intervals as unknown[]).push(ev.data);
    else if (ev.event === 'end') doc.end = ev.data;
    else if (ev.event === 'error') doc.error = ev.data;
  }
  return JSON.stringify(doc);
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(o: Obj, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function bool(o: Obj, key: string): boolean | undefined {
  const v = o[key];
  if (typeof v === 'boolean') return v;
  // Some versions print "sender": "false" as a string.
  if (v === 'true' || v === 1) return true;
  if (v === 'false' || v === 0) return false;
  return undefined;
}

function summaryOf(o: Obj, path: string): Iperf3Summary {
  const bytes = num(o, 'bytes');
  const bps = num(o, 'bits_per_second');
  if (bytes === undefined || bps === undefined) fail(`iperf3 JSON ${path} has no bytes/bits_per_second`);
  const start = num(o, 'start') ?? 0;
  const end = num(o, 'end') ?? start + (num(o, 'seconds') ?? 0);
  const s: Iperf3Summary = { startSeconds: start, endSeconds: end, seconds: num(o, 'seconds') ?? end - start, bytes, bitsPerSecond: bps };
  const packets = num(o, 'packets');
  if (packets !== undefined) s.packets = packets;
  const lost = num(o, 'lost_packets');
  if (lost !== undefined) s.lostPackets = lost;
  const lp = num(o, 'lost_percent');
  if (lp !== undefined) s.lostPercent = lp;
  const j = num(o, 'jitter_ms');
  if (j !== undefined) s.jitterMs = j;
  const r = num(o, 'retransmits');
  if (r !== undefined) s.retransmits = r;
  const ooo = num(o, 'out_of_order');
  if (ooo !== undefined) s.outOfOrder = ooo;
  return s;
}

function rowOf(o: Obj, streamId: number | undefined, path: string): Iperf3IntervalRow {
  const s = summaryOf(o, path);
  const row: Iperf3IntervalRow = {
    startSeconds: s.startSeconds,
    endSeconds: s.endSeconds,
    bytes: s.bytes,
    bitsPerSecond: s.bitsPerSecond,
    sender: bool(o, 'sender') ?? false,
  };
  if (streamId !== undefined) row.streamId = streamId;
  if (s.packets !== undefined) row.packets = s.packets;
  if (s.lostPackets !== undefined) row.lostPackets = s.lostPackets;
  if (s.lostPercent !== undefined) row.lostPercent = s.lostPercent;
  if (s.jitterMs !== undefined) row.jitterMs = s.jitterMs;
  if (s.retransmits !== undefined) row.retransmits = s.retransmits;
  const cwnd = num(o, 'snd_cwnd');
  if (cwnd !== undefined) row.cwndBytes = cwnd;
  const om = bool(o, 'omitted');
  if (om !== undefined) row.omitted = om;
  return row;
}

/** The receiver's bytes estimated from the sender's bytes and the loss (UDP JSON per stream). */
function receivedFromLoss(s: Iperf3Summary): number {
  if (!s.packets || s.lostPackets === undefined) return s.bytes;
  return Math.round((s.bytes * (s.packets - s.lostPackets)) / s.packets);
}

function parseIperf3Json(text: string): Iperf3Result {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    fail(`iperf3 JSON could not be parsed: ${(err as Error).message}`);
  }
  if (!isObj(doc)) fail('iperf3 JSON is not an object');
  if (typeof doc.error === 'string') fail(`iperf3 reported an error: ${doc.error}`, 'Iperf3Error');
  const start = isObj(doc.start) ? doc.start : {};
  const end = doc.end;
  if (!isObj(end) || Object.keys(end).length === 0) fail('iperf3 JSON has no "end" section (test did not finish)');
  const testStart = isObj(start.test_start) ? start.test_start : {};
  const protoRaw = typeof testStart.protocol === 'string' ? testStart.protocol.toLowerCase() : undefined;
  const endStreams = Array.isArray(end.streams) ? end.streams.filter(isObj) : [];
  const udpShaped = endStreams.some((s) => isObj(s.udp)) || (isObj(end.sum) && num(end.sum, 'jitter_ms') !== undefined);
  const protocol: Protocol = protoRaw === 'udp' || (protoRaw === undefined && udpShaped) ? 'udp' : 'tcp';
  const side = isObj(start.connecting_to) ? 'client' : isObj(start.accepted_connection) ? 'server' : 'unknown';
  const notes: string[] = [];

  const streams = new Map<number, Iperf3StreamResult>();
  const stream = (id: number): Iperf3StreamResult => {
    let s = streams.get(id);
    if (!s) {
      s = { id, intervals: [] };
      streams.set(id, s);
    }
    return s;
  };
  for (const c of Array.isArray(start.connected) ? start.connected.filter(isObj) : []) {
    const id = num(c, 'socket');
    if (id !== undefined) stream(id);
  }

  const totalIntervals: Iperf3IntervalRow[] = [];
  const intervals = Array.isArray(doc.intervals) ? doc.intervals.filter(isObj) : [];
  intervals.forEach((iv, i) => {
    for (const s of Array.isArray(iv.streams) ? iv.streams.filter(isObj) : []) {
      const id = num(s, 'socket') ?? 0;
      stream(id).intervals.push(rowOf(s, id, `intervals[${i}].streams`));
    }
    if (isObj(iv.sum)) totalIntervals.push(rowOf(iv.sum, undefined, `intervals[${i}].sum`));
  });

  let estimated = false;
  endStreams.forEach((s, i) => {
    if (isObj(s.udp)) {
      const u = summaryOf(s.udp, `end.streams[${i}].udp`);
      const id = num(s.udp, 'socket') ?? i;
      const r = stream(id);
      r.sender = { startSeconds: u.startSeconds, endSeconds: u.endSeconds, seconds: u.seconds, bytes: u.bytes, bitsPerSecond: u.bitsPerSecond };
      if (u.packets !== undefined) r.sender.packets = u.packets;
      // The udp object holds the sender's bytes (0 when this end never learnt them). When this
      // end received, its interval rows give the received bytes exactly; otherwise estimate.
      const receiverRows = r.intervals.length > 0 && r.intervals.every((row) => !row.sender);
      const receivedBytes = receiverRows ? r.intervals.reduce((a, row) => a + row.bytes, 0) : receivedFromLoss(u);
      if (!receiverRows) estimated = true;
      r.receiver = { ...u, bytes: receivedBytes, bitsPerSecond: u.seconds > 0 ? (receivedBytes * 8) / u.seconds : 0 };
    } else {
      const id = (isObj(s.sender) ? num(s.sender, 'socket') : undefined) ?? (isObj(s.receiver) ? num(s.receiver, 'socket') : undefined) ?? i;
      const r = stream(id);
      if (isObj(s.sender)) r.sender = summaryOf(s.sender, `end.streams[${i}].sender`);
      if (isObj(s.receiver)) r.receiver = summaryOf(s.receiver, `end.streams[${i}].receiver`);
    }
  });
  if (estimated) {
    notes.push('per-stream UDP receiver bytes are estimated from the loss: iperf3 JSON keeps only the sender bytes per stream');
  }

  const total: Iperf3Result['total'] = { intervals: totalIntervals };
  if (isObj(end.sum_sent)) total.sender = summaryOf(end.sum_sent, 'end.sum_sent');
  if (isObj(end.sum_received)) total.receiver = summaryOf(end.sum_received, 'end.sum_received');
  if (!total.sender && !total.receiver && isObj(end.sum)) {
    // iperf3 < 3.11 UDP: one object with the sender's bytes and the receiver's loss and jitter.
    const legacy = summaryOf(end.sum, 'end.sum');
    total.sender = { startSeconds: legacy.startSeconds, endSeconds: legacy.endSeconds, seconds: legacy.seconds, bytes: legacy.bytes, bitsPerSecond: legacy.bitsPerSecond };
    if (legacy.packets !== undefined) total.sender.packets = legacy.packets;
    const receivedBytes = receivedFromLoss(legacy);
    total.receiver = { ...legacy, bytes: receivedBytes, bitsPerSecond: legacy.seconds > 0 ? (receivedBytes * 8) / legacy.seconds : 0 };
    notes.push('only the legacy end.sum was present (iperf3 < 3.11): receiver bytes are estimated from the sender bytes and the loss');
  }
  if (!total.sender && !total.receiver) fail('iperf3 JSON "end" has neither sum_sent/sum_received nor sum');

  const reverse = num(testStart, 'reverse') === 1;
  // A server never learns the client's totals; iperf3 prints zeros for them.
  if (side === 'server') {
    const localIsSender = reverse;
    const drop = (which: 'sender' | 'receiver'): void => {
      if (total[which]?.bytes === 0) delete total[which];
      for (const s of streams.values()) if (s[which]?.bytes === 0) delete s[which];
    };
    if (localIsSender) drop('receiver');
    else drop('sender');
    notes.push('server-side output: only the server end\'s totals are known');
  }

  const result: Iperf3Result = {
    tool: 'iperf3',
    format: 'json',
    side,
    protocol,
    reverse,
    streams: [...streams.values()],
    total,
    notes,
  };
  if (typeof start.version === 'string') result.version = start.version;
  const duration = num(testStart, 'duration');
  if (duration !== undefined) result.durationSeconds = duration;
  const blk = num(testStart, 'blksize');
  if (blk !== undefined) result.blockSize = blk;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

const BYTE_SCALE: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
const BIT_SCALE: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/**
 * One report row: `[  5]` or `[SUM]`, an optional bidirectional role tag, the interval, transfer
 * and rate, then the protocol-specific rest.
 */
const ROW = /^\[\s*(\d+|SUM)\](?:\[(TX|RX)-[CS]\])?\s+(\d+\.\d+)\s*-\s*(\d+\.\d+)\s+sec\s+(\d+(?:\.\d+)?)\s+([KMGT]?)Bytes\s+(\d+(?:\.\d+)?)\s+([KMGT]?)bits\/sec(.*)$/;
const UDP_RECV_REST = /^\s+(\d+\.\d+)\s+ms\s+(\d+)\/\s*(\d+)\s+\(([^)%]*)%\)\s*(sender|receiver)?\s*(\(omitted\))?\s*$/;
const UDP_SENT_REST = /^\s+(\d+)\s*(\(omitted\))?\s*$/;
const TCP_RETR_CWND_REST = /^\s+(\d+)\s+(\d+(?:\.\d+)?)\s+([KMGT]?)Bytes\s*(\(omitted\))?\s*$/;
const TCP_RETR_REST = /^\s+(\d+)(?:\s+(sender|receiver))?\s*(\(omitted\))?\s*$/;
const PLAIN_REST = /^\s*(sender|receiver)?\s*(\(omitted\))?\s*$/;

interface TextRow extends Iperf3IntervalRow {
  role?: 'sender' | 'receiver';
}

function parseRow(line: string, lineNo: number, udpSenderRow: boolean): { id: number | 'SUM'; row: TextRow } | undefined {
  const m = ROW.exec(line);
  if (!m) return undefined;
  const [, idRaw, , st, et, tv, tu, rv, ru, rest = ''] = m;
  const row: TextRow = {
    startSeconds: Number(st),
    endSeconds: Number(et),
    bytes: Number(tv) * BYTE_SCALE[tu ?? '']!,
    bitsPerSecond: Number(rv) * BIT_SCALE[ru ?? '']!,
    sender: false,
  };
  let r: RegExpExecArray | null;
  if (udpSenderRow && (r = UDP_SENT_REST.exec(rest))) {
    row.packets = Number(r[1]);
    if (r[2]) row.omitted = true;
  } else if ((r = UDP_RECV_REST.exec(rest))) {
    row.jitterMs = Number(r[1]);
    row.lostPackets = Number(r[2]);
    row.packets = Number(r[3]);
    row.lostPercent = Number(r[4]);
    if (r[5]) row.role = r[5] as 'sender' | 'receiver';
    if (r[6]) row.omitted = true;
  } else if ((r = TCP_RETR_CWND_REST.exec(rest))) {
    row.retransmits = Number(r[1]);
    row.cwndBytes = Number(r[2]) * BYTE_SCALE[r[3] ?? '']!;
    if (r[4]) row.omitted = true;
  } else if ((r = TCP_RETR_REST.exec(rest))) {
    row.retransmits = Number(r[1]);
    if (r[2]) row.role = r[2] as 'sender' | 'receiver';
    if (r[3]) row.omitted = true;
  } else if ((r = PLAIN_REST.exec(rest))) {
    if (r[1]) row.role = r[1] as 'sender' | 'receiver';
    if (r[2]) row.omitted = true;
  } else {
    fail(`iperf3 text line ${lineNo} could not be parsed: ${line.trim()}`);
  }
  return { id: idRaw === 'SUM' ? 'SUM' : Number(idRaw), row };
}

/** Error lines iperf3 prints instead of a report. */
const ERROR_LINE = /^iperf3?:\s*error\s*-\s*(.+)$/im;

function parseIperf3Text(text: string): Iperf3Result {
  const lines = text.split(/\r?\n/);
  const err = ERROR_LINE.exec(text);
  let side = 'unknown' as Iperf3Result['side'];
  let reverse = false as boolean;
  let protocol: Protocol | undefined;
  let inSummary = false;
  let lastWasSeparator = false;
  let udpSenderHeader = false;
  let udpSenderSeen = false;
  const notes: string[] = [];
  const streams = new Map<number, Iperf3StreamResult>();
  const stream = (id: number): Iperf3StreamResult => {
    let s = streams.get(id);
    if (!s) {
      s = { id, intervals: [] };
      streams.set(id, s);
    }
    return s;
  };
  const total: Iperf3Result['total'] = { intervals: [] };
  const sentDatagrams = new Map<number | 'SUM', number>();
  let rows = 0;
  let done = false;

  lines.forEach((raw, i) => {
    if (done) return;
    const line = raw.replace(/\s+$/, '');
    const lineNo = i + 1;
    if (/^Connecting to host /.test(line)) side = 'client';
    else if (/^Server listening on /.test(line) || /^Accepted connection from /.test(line)) {
      // A long-running server prints a new banner after each test; read the first test only.
      if (rows > 0) {
        done = true;
        return;
      }
      side = 'server';
    } else if (/^Server (JSON )?output:$/.test(line)) {
      // --get-server-output appends the server's report; this result is the client's.
      notes.push('the appended server output (--get-server-output) was not read');
      done = true;
      return;
    } else if (/^Reverse mode, remote host /.test(line)) reverse = true;
    const conn = /^\[\s*(\d+)\] local \S+ port \d+ connected (?:to|with) \S+ port \d+/.exec(line);
    if (conn) {
      stream(Number(conn[1]));
      return;
    }
    if (/^- - - - /.test(line)) {
      lastWasSeparator = true;
      return;
    }
    if (/^\[ ID\]/.test(line)) {
      if (/Jitter|Datagrams/.test(line)) protocol = 'udp';
      else if (protocol === undefined) protocol = 'tcp';
      udpSenderHeader = /Total Datagrams/.test(line) && !/Lost/.test(line);
      if (udpSenderHeader) udpSenderSeen = true;
      // The final summary's header follows a separator; an interval block's does not.
      if (lastWasSeparator) inSummary = true;
      lastWasSeparator = false;
      return;
    }
    if (/^Test Complete\. Summary Results:/.test(line)) return;
    const sent = /^\[\s*(\d+|SUM)\]\s+Sent\s+(\d+)\s+datagrams/.exec(line);
    if (sent) {
      sentDatagrams.set(sent[1] === 'SUM' ? 'SUM' : Number(sent[1]), Number(sent[2]));
      return;
    }
    const parsed = parseRow(line, lineNo, udpSenderHeader && !inSummary);
    if (!parsed) {
      lastWasSeparator = false;
      return;
    }
    rows++;
    lastWasSeparator = false;
    const { id, row } = parsed;
    if (row.jitterMs !== undefined) protocol = 'udp';
    if (inSummary || row.role) {
      const role = row.role ?? (side === 'server' ? 'receiver' : row.jitterMs !== undefined ? 'receiver' : 'sender');
      if (!row.role) notes.push(`summary line ${lineNo} has no sender/receiver tag (iperf3 < 3.1); read as ${role}`);
      const summary = toSummary(row);
      if (id === 'SUM') total[role] = summary;
      else stream(id)[role] = summary;
    } else {
      row.sender = udpSenderHeader || row.cwndBytes !== undefined;
      delete row.role;
      if (id === 'SUM') total.intervals.push(row);
      else {
        row.streamId = id;
        stream(id).intervals.push(row);
      }
    }
  });

  if (rows === 0) {
    if (err) fail(`iperf3 reported an error: ${err[1]!.trim()}`, 'Iperf3Error');
    fail('no iperf3 report lines found (expected lines like "[  5]   0.00-1.00   sec ...")');
  }
  // The server does not print "Reverse mode"; it sends when its rows are sender rows.
  if (side === 'server') {
    const all = [...streams.values()];
    reverse =
      udpSenderSeen ||
      all.some((s) => s.intervals.some((r) => r.cwndBytes !== undefined)) ||
      (all.some((s) => s.sender) && !all.some((s) => s.receiver));
  }
  // Which end sends: the side, flipped by -R.
  const localSends = (side === 'client') !== reverse;
  if (side !== 'unknown') {
    for (const s of streams.values()) for (const r of s.intervals) r.sender = localSends;
    for (const r of total.intervals) r.sender = localSends;
  }
  for (const [id, n] of sentDatagrams) {
    const target = id === 'SUM' ? total : streams.get(id);
    if (target?.sender) target.sender.packets = n;
    else if (target) {
      const recv = target.receiver;
      target.sender = { startSeconds: recv?.startSeconds ?? 0, endSeconds: recv?.endSeconds ?? 0, seconds: recv?.seconds ?? 0, bytes: recv?.bytes ?? 0, bitsPerSecond: recv?.bitsPerSecond ?? 0, packets: n };
    }
  }
  const streamList = [...streams.values()].filter((s) => s.intervals.length > 0 || s.sender || s.receiver);
  // One stream and no [SUM]: the stream is the total.
  if (streamList.length === 1) {
    const only = streamList[0]!;
    if (!total.sender && only.sender) total.sender = { ...only.sender };
    if (!total.receiver && only.receiver) total.receiver = { ...only.receiver };
    if (total.intervals.length === 0) total.intervals = only.intervals.map((r) => {
      const { streamId: _drop, ...rest } = r;
      return rest;
    });
  }
  if (!total.sender && !total.receiver) {
    if (err) fail(`iperf3 reported an error: ${err[1]!.trim()}`, 'Iperf3Error');
    fail('iperf3 text has no summary (no sender/receiver lines after the "- - -" separator): the test did not finish');
  }
  return {
    tool: 'iperf3',
    format: 'text',
    side,
    protocol: protocol ?? 'tcp',
    reverse,
    streams: streamList,
    total,
    notes: [...new Set(notes)],
  };
}

function toSummary(row: TextRow): Iperf3Summary {
  const s: Iperf3Summary = {
    startSeconds: row.startSeconds,
    endSeconds: row.endSeconds,
    seconds: row.endSeconds - row.startSeconds,
    bytes: row.bytes,
    bitsPerSecond: row.bitsPerSecond,
  };
  if (row.packets !== undefined) s.packets = row.packets;
  if (row.lostPackets !== undefined) s.lostPackets = row.lostPackets;
  if (row.lostPercent !== undefined) s.lostPercent = row.lostPercent;
  if (row.jitterMs !== undefined) s.jitterMs = row.jitterMs;
  if (row.retransmits !== undefined) s.retransmits = row.retransmits;
  return s;
}
