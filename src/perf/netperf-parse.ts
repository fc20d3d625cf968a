/**
 * Reads netperf client output into numbers: the classic UDP_STREAM table (sender line, then the
 * receiver line, which is the one that counts for pps), the classic TCP_STREAM table, both with
 * or without titles (`-P 0`) and with or without the CPU columns, and the omni output styles
 * `-o` (CSV), `-O` (columns) and `-k` (KEY=value). Formats per `doc/netperf.texi` and
 * `src/nettest_omni.c` of HewlettPackard/netperf 2.5.0.
 */
import { ValidationError } from '../errors.ts';
import type { NetperfResult, NetperfSideResult } from './types.ts';

function fail(message: string): never {
  throw new ValidationError(message, { code: 'InvalidNetperfOutput', field: 'netperf' });
}

/**
 * Column titles of omni output selectors (the words of each selector's header lines joined by
 * one space), used to read `-o` CSV headers and `-O` column headers back to selector names.
 */
export const OMNI_SELECTOR_TITLES: Readonly<Record<string, string>> = {
  THROUGHPUT: 'Throughput',
  THROUGHPUT_UNITS: 'Throughput Units',
  ELAPSED_TIME: 'Elapsed Time (sec)',
  DIRECTION: 'Direction',
  PROTOCOL: 'Protocol',
  SOCKET_TYPE: 'Socket Type',
  LOCAL_SEND_CALLS: 'Local Send Calls',
  LOCAL_RECV_CALLS: 'Local Recv Calls',
  REMOTE_SEND_CALLS: 'Remote Send Calls',
  REMOTE_RECV_CALLS: 'Remote Recv Calls',
  LOCAL_BYTES_SENT: 'Local Bytes Sent',
  LOCAL_BYTES_RECVD: 'Local Bytes Received',
  REMOTE_BYTES_SENT: 'Remote Bytes Sent',
  REMOTE_BYTES_RECVD: 'Remote Bytes Received',
  LOCAL_BYTES_XFERD: 'Local Bytes Xferred',
  REMOTE_BYTES_XFERD: 'Remote Bytes Xferred',
  LOCAL_SEND_SIZE: 'Local Send Size',
  LOCAL_RECV_SIZE: 'Local Recv Size',
  REMOTE_SEND_SIZE: 'Remote Send Size',
  REMOTE_RECV_SIZE: 'Remote Recv Size',
  LOCAL_SEND_THROUGHPUT: 'Local Send Throughput',
  LOCAL_RECV_THROUGHPUT: 'Local Recv Throughput',
  REMOTE_SEND_THROUGHPUT: 'Remote Send Throughput',
  REMOTE_RECV_THROUGHPUT: 'Remote Recv Throughput',
  LSS_SIZE_END: 'Local Send Socket Size Final',
  LSR_SIZE_END: 'Local Recv Socket Size Final',
  RSS_SIZE_END: 'Remote Send Socket Size Final',
  RSR_SIZE_END: 'Remote Recv Socket Size Final',
  LOCAL_CPU_UTIL: 'Local CPU Util %',
  REMOTE_CPU_UTIL: 'Remote CPU Util %',
  TRANSACTION_RATE: 'Transaction Rate Tran/s',
  RESULT_BRAND: 'Result Tag',
};

const KEY_BY_TITLE = new Map(Object.entries(OMNI_SELECTOR_TITLES).map(([k, t]) => [t.toLowerCase(), k]));

/** Bits per throughput unit as netperf names them (`-f`); K/M/G bytes are 1024-based. */
const UNIT_BITS: Record<string, number> = {
  '10^0bits': 1,
  '10^3bits': 1e3,
  '10^6bits': 1e6,
  '10^9bits': 1e9,
  Bytes: 8,
  KBytes: 8 * 1024,
  MBytes: 8 * 1024 ** 2,
  GBytes: 8 * 1024 ** 3,
};

/** Bits/s of a throughput in a unit such as `10^6bits/sec`, `10^6bits/s` or `KBytes/s`. */
function toBps(value: number, units: string | undefined): number | undefined {
  if (units === undefined) return undefined;
  const base = units.replace(/\/s(ec)?$/, '');
  const factor = UNIT_BITS[base];
  return factor === undefined ? undefined : value * factor;
}

const BANNER = /^(MIGRATED |OMNI )?.*TEST from .* port \d+ AF_INET6? to .* port \d+ AF_INET6?/;
const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Parses netperf output (classic table or omni `-o` / `-O` / `-k`).
 * @throws ValidationError naming what could not be read (no result lines, a table line with the
 * wrong number of columns, a netperf error such as "establish control: are you sure there is a
 * netserver listening").
 */
export function parseNetperf(text: string): NetperfResult {
  const all = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let test: string | undefined;
  const lines: string[] = [];
  for (const raw of all) {
    const line = raw.replace(/\s+$/, '');
    const b = BANNER.exec(line);
    if (b) {
      const name = /^(?:MIGRATED )?(.*?) TEST from/.exec(line)?.[1];
      if (name) test = name.replace(/ /g, '_');
      continue;
    }
    if (line.trim() !== '') lines.push(line);
  }
  const errorLine = lines.find((l) => /^(netperf|establish|send_|recv_).*(error|failed|are you sure)/i.test(l) || /^netperf: /.test(l));
  if (lines.length === 0) fail('netperf output is empty (no result lines)');

  if (lines.some((l) => /^[A-Z][A-Z0-9_]*=/.test(l))) return parseKeyval(lines, test);
  const titleIdx = lines.findIndex((l) => /^Socket\s+Message\s+Elapsed/.test(l) || /^Recv\s+Send\s+Send/.test(l));
  if (titleIdx >= 0) return parseTable(lines.slice(titleIdx), test, true);
  const numericLines = lines.filter((l) => l.trim().split(/\s+/).every((t) => NUMBER.test(t)));
  if (numericLines.length === lines.length) return parseTable(lines, test, false);
  if (errorLine) fail(`netperf reported an error: ${errorLine.trim()}`);
  if (lines.some((l) => l.includes(','))) return parseCsv(lines, test);
  return parseColumns(all.filter((l) => !BANNER.test(l)), test);
}

function parseTable(lines: string[], test: string | undefined, titled: boolean): NetperfResult {
  const notes: string[] = [];
  let units: string | undefined;
  let kind: 'UDP_STREAM' | 'TCP_STREAM' | undefined;
  const data: number[][] = [];
  for (const line of lines) {
    if (/^Socket\s+Message\s+Elapsed/.test(line)) kind = 'UDP_STREAM';
    else if (/^Recv\s+Send\s+Send/.test(line)) kind = 'TCP_STREAM';
    const u = /(\S+)\/sec\b/.exec(line) ?? /(\S+)\/s\b/.exec(line);
    if (/^bytes\s/.test(line) && u) {
      units = `${u[1]}/sec`;
      continue;
    }
    const tokens = line.trim().split(/\s+/);
    if (tokens.every((t) => NUMBER.test(t))) data.push(tokens.map(Number));
  }
  if (data.length === 0) fail('netperf table has no result lines');
  if (!titled) {
    // -P 0: tell the tests apart by the column counts of the classic formats.
    const first = data[0]!;
    if ((first.length === 6 || first.length === 8) && data.length >= 2) kind = 'UDP_STREAM';
    else if (first.length === 5 || first.length === 9) kind = 'TCP_STREAM';
    else fail(`netperf result line has ${first.length} columns; expected 6 (UDP_STREAM sender), 5 (TCP_STREAM) or their CPU variants`);
    notes.push('no column titles (-P 0): throughput read as 10^6bits/sec, netperf\'s default');
  }
  units ??= '10^6bits/sec';
  const result: NetperfResult = { tool: 'netperf', format: 'table', test: kind ?? test, throughputUnits: units, fields: {}, notes };
  if (kind === 'UDP_STREAM') {
    const [l1, l2] = data;
    if (!l1 || (l1.length !== 6 && l1.length !== 8)) fail('netperf UDP_STREAM sender line must have 6 columns (8 with CPU)');
    if (!l2 || (l2.length !== 4 && l2.length !== 6)) fail('netperf UDP_STREAM receiver line (second line) is missing or does not have 4 columns (6 with CPU)');
    const sender: NetperfSideResult = { socketBytes: l1[0]!, messageBytes: l1[1]!, elapsedSeconds: l1[2]!, messages: l1[3]!, errors: l1[4]!, throughput: l1[5]! };
    const receiver: NetperfSideResult = { socketBytes: l2[0]!, elapsedSeconds: l2[1]!, messages: l2[2]!, throughput: l2[3]! };
    result.sender = sender;
    result.receiver = receiver;
    result.elapsedSeconds = receiver.elapsedSeconds;
    const bps = toBps(receiver.throughput, units);
    if (bps !== undefined) result.throughputBps = bps;
    if (receiver.elapsedSeconds > 0) result.receiverPps = receiver.messages! / receiver.elapsedSeconds;
    if (sender.elapsedSeconds > 0) result.senderPps = sender.messages! / sender.elapsedSeconds;
    result.lostMessages = sender.messages! - receiver.messages!;
  } else {
    const l = data[0]!;
    if (l.length !== 5 && l.length !== 9) fail('netperf TCP_STREAM result line must have 5 columns (9 with CPU)');
    result.remoteRecvSocketBytes = l[0]!;
    result.sender = { socketBytes: l[1]!, messageBytes: l[2]!, elapsedSeconds: l[3]!, throughput: l[4]! };
    result.elapsedSeconds = l[3]!;
    const bps = toBps(l[4]!, units);
    if (bps !== undefined) result.throughputBps = bps;
  }
  return result;
}

function omniResult(format: NetperfResult['format'], fields: Record<string, string>, test: string | undefined, notes: string[]): NetperfResult {
  const result: NetperfResult = { tool: 'netperf', format, fields, notes };
  if (test) result.test = test;
  const n = (k: string): number | undefined => {
    const v = fields[k];
    return v !== undefined && NUMBER.test(v.trim()) ? Number(v) : undefined;
  };
  const units = fields.THROUGHPUT_UNITS;
  if (units !== undefined) result.throughputUnits = units;
  const elapsed = n('ELAPSED_TIME');
  if (elapsed !== undefined) result.elapsedSeconds = elapsed;
  const tput = n('THROUGHPUT');
  if (tput !== undefined) {
    const bps = toBps(tput, units ?? '10^6bits/s');
    if (bps !== undefined) result.throughputBps = bps;
    if (units === undefined) notes.push('THROUGHPUT_UNITS not selected: throughput read as 10^6bits/s, netperf\'s default');
  }
  const rrc = n('REMOTE_RECV_CALLS');
  const lsc = n('LOCAL_SEND_CALLS');
  if (elapsed !== undefined && elapsed > 0) {
    if (rrc !== undefined) result.receiverPps = rrc / elapsed;
    if (lsc !== undefined) result.senderPps = lsc / elapsed;
  }
  const udp = /udp/i.test(fields.PROTOCOL ?? '') || /UDP/.test(test ?? '');
  if (udp && rrc !== undefined && lsc !== undefined) result.lostMessages = lsc - rrc;
  if (result.receiverPps === undefined) notes.push('no REMOTE_RECV_CALLS and ELAPSED_TIME selected: receiver pps unknown');
  return result;
}

function parseKeyval(lines: string[], test: string | undefined): NetperfResult {
  const fields: Record<string, string> = {};
  for (const line of lines) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) fields[m[1]!] = m[2]!;
  }
  return omniResult('omni-keyval', fields, test, []);
}

function keyOfTitle(title: string, i: number, notes: string[]): string {
  const k = KEY_BY_TITLE.get(title.trim().replace(/\s+/g, ' ').toLowerCase());
  if (k) return k;
  notes.push(`unknown omni column title "${title.trim()}" kept as column ${i + 1}`);
  return title.trim() === '' ? `COLUMN_${i + 1}` : title.trim();
}

function parseCsv(lines: string[], test: string | undefined): NetperfResult {
  const notes: string[] = [];
  const rows = lines.map((l) => l.split(','));
  const last = rows[rows.length - 1]!;
  const header = rows.length >= 2 ? rows[rows.length - 2]! : undefined;
  const headerIsTitles = header !== undefined && header.length === last.length && header.some((h) => !NUMBER.test(h.trim()));
  const fields: Record<string, string> = {};
  last.forEach((v, i) => {
    const key = headerIsTitles ? keyOfTitle(header[i]!, i, notes) : `COLUMN_${i + 1}`;
    fields[key] = v.trim();
  });
  if (!headerIsTitles) notes.push('CSV without a title line (-P 0): columns are named COLUMN_1, COLUMN_2, … in selector order');
  return omniResult('omni-csv', fields, test, notes);
}

function parseColumns(raw: string[], test: string | undefined): NetperfResult {
  const notes: string[] = [];
  const lines = raw.map((l) => l.replace(/\s+$/, ''));
  let v = lines.length - 1;
  while (v >= 0 && lines[v]!.trim() === '') v--;
  if (v < 0) fail('netperf output has no values line');
  const valueLine = lines[v]!;
  const starts: number[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(valueLine))) starts.push(m.index);
  const headerLines = lines.slice(0, v).filter((l) => l.trim() !== '');
  const fields: Record<string, string> = {};
  starts.forEach((s, i) => {
    const e = starts[i + 1] ?? Infinity;
    const value = valueLine.slice(s, e === Infinity ? undefined : e).trim();
    const title = headerLines.map((h) => h.slice(s, e === Infinity ? undefined : e).trim()).filter((x) => x !== '').join(' ');
    fields[headerLines.length > 0 ? keyOfTitle(title, i, notes) : `COLUMN_${i + 1}`] = value;
  });
  if (headerLines.length === 0) notes.push('columns without titles (-P 0): named COLUMN_1, COLUMN_2, … in selector order');
  if (!Object.values(fields).some((x) => NUMBER.test(x))) {
    fail(`netperf output could not be read as a table, CSV, columns or KEY=value: ${lines.filter((l) => l.trim() !== '').slice(0, 2).join(' / ').trim()}`);
  }
  return omniResult('omni-columns', fields, test, notes);
}
