/**
 * `ping` as Linux iputils runs it on the emulated instances: the command line
 * (`ping [-c count] [-i interval] [-W timeout] [-w deadline] [-s size] [-q] <ipv4>`, options in
 * any order, `-c4` or `-c 4`), and its output, line by line in iputils' own format:
 *
 *   PING 172.16.1.10 (172.16.1.10) 56(84) bytes of data.
 *   64 bytes from 172.16.1.10: icmp_seq=1 ttl=64 time=0.512 ms
 *   From 192.168.1.10 icmp_seq=2 Destination Host Unreachable
 *
 *   --- 172.16.1.10 ping statistics ---
 *   3 packets transmitted, 1 received, +1 errors, 66.6667% packet loss, time 2001ms
 *   rtt min/avg/max/mdev = 0.512/0.512/0.512/0.000 ms
 *
 * Formats follow iputils' `ping_common.c`: reply times with 3, 2, 1 or 0 decimals by size, the
 * loss with C's `%g`, the rtt line always with 3 decimals (microseconds truncated), and a blank
 * line closing the statistics when nothing was received. Exit code 0 when any reply came, 1 when
 * none came (or fewer than `-c` before a `-w` deadline), 2 for usage errors. What the packets
 * meet on the way is the emulator's data plane; `assistant.ts` sends them on the clock.
 */
import { parseIpv4 } from '../../net/index.ts';
import type { Hop } from '../dataplane.ts';

/** A parsed `ping` command line. */
export interface PingCommand {
  readonly tool: 'ping';
  /** The destination as written (an IPv4 address; the emulator has no DNS). */
  readonly host: string;
  /** `-c`: stop after this many echo requests; absent = until killed or `-w`. */
  readonly count?: number;
  /** `-i`: seconds between requests (default 1). */
  readonly intervalSeconds: number;
  /** `-W`: seconds to wait for the last reply before giving up (iputils' linger, default 10). */
  readonly timeoutSeconds: number;
  /** `-w`: stop after this many seconds whatever was sent or received. */
  readonly deadlineSeconds?: number;
  /** `-s`: ICMP payload bytes (default 56). */
  readonly packetSize: number;
  /** `-q`: only the first line and the statistics. */
  readonly quiet: boolean;
}

/** What `ping` prints and exits with when its command line is wrong. */
export interface PingUsageError {
  readonly tool: 'usage-error';
  readonly program: 'ping';
  readonly message: string;
  readonly exitCode: number;
}

/** Options that take a value (iputils' getopt string, the ones the emulator reads or skips). */
const WITH_VALUE = new Set(['c', 'i', 'W', 'w', 's', 't', 'I', 'l', 'p', 'Q', 'M', 'm', 'F', 'T']);
/** Flags without a value that change nothing in the emulator's output. */
const FLAGS = new Set(['q', 'n', 'v', '4', 'D', 'O', 'a', 'A', 'U', 'd', 'L', 'R', 'r', 'b', 'B']);

// iputils answers `-h` and a bad option with its usage text; the emulator prints its first lines.
const USAGE = '\nUsage\n  ping [options] <destination>\n';

function usageError(message: string, exitCode = 2): PingUsageError {
  return { tool: 'usage-error', program: 'ping', message, exitCode };
}

function invalidArgument(v: string, range?: string): PingUsageError {
  return usageError(`ping: invalid argument: '${v}'${range ? `: out of range: ${range}` : ''}\n`);
}

/** Parses `ping`'s arguments (without `ping` itself). */
export function parsePing(args: readonly string[]): PingCommand | PingUsageError {
  let count: number | undefined;
  let interval = 1;
  let timeout = 10;
  let deadline: number | undefined;
  let size = 56;
  let quiet = false;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      operands.push(a);
      continue;
    }
    // A cluster of short options: `-qc4`, `-c4`, `-c 4`.
    for (let k = 1; k < a.length; k++) {
      const opt = a[k] as string;
      if (opt === 'h') return usageError(USAGE.slice(1));
      if (opt === '6') return usageError(`ping: ${operands[0] ?? args.at(-1) ?? ''}: Address family for hostname not supported\n`);
      if (FLAGS.has(opt)) {
        if (opt === 'q') quiet = true;
        continue;
      }
      if (!WITH_VALUE.has(opt)) return usageError(`ping: invalid option -- '${opt}'${USAGE}`);
      let value = a.slice(k + 1);
      if (value === '') {
        const next = args[i + 1];
        if (next === undefined) return usageError(`ping: option requires an argument -- '${opt}'${USAGE}`);
        value = next;
        i += 1;
      }
      switch (opt) {
        case 'c': {
          if (!/^[0-9]+$/.test(value)) return invalidArgument(value);
          const n = Number(value);
          if (n < 1) return invalidArgument(value, '1 <= value <= 9223372036854775807');
          count = n;
          break;
        }
        case 'i': {
          const n = Number(value);
          if (value === '' || !Number.isFinite(n) || n < 0) return usageError(`ping: bad timing interval: ${value}\n`);
          interval = n;
          break;
        }
        case 'W': {
          const n = Number(value);
          if (value === '' || !Number.isFinite(n) || n < 0) return usageError(`ping: bad linger time: ${value}\n`);
          timeout = n;
          break;
        }
        case 'w': {
          if (!/^[0-9]+$/.test(value)) return invalidArgument(value);
          deadline = Number(value);
          break;
        }
        case 's': {
          if (!/^[0-9]+$/.test(value)) return invalidArgument(value);
          const n = Number(value);
          if (n > 65507) return invalidArgument(value, '0 <= value <= 65507');
          size = n;
          break;
        }
        default:
          break;
      }
      break;
    }
  }
  const host = operands.at(-1);
  if (host === undefined) return usageError('ping: usage error: Destination address required\n');
  try {
    parseIpv4(host);
  } catch {
    // No name service in the emulator: a name never resolves.
    return usageError(`ping: ${host}: Name or service not known\n`);
  }
  return {
    tool: 'ping',
    host,
    ...(count !== undefined ? { count } : {}),
    intervalSeconds: interval,
    timeoutSeconds: timeout,
    ...(deadline !== undefined ? { deadlineSeconds: deadline } : {}),
    packetSize: size,
    quiet,
  };
}

/** What one echo request met (decided by the data plane when it is sent). */
export type EchoVerdict =
  | { readonly kind: 'reply'; readonly rttUs: number; readonly ttl: number }
  /** The sender's own stack found no host on its subnet (ARP failed): an error, reported locally. */
  | { readonly kind: 'host-unreachable'; readonly from: string }
  /** Dropped on the way there or back: nothing is printed for it. */
  | { readonly kind: 'lost'; readonly reason: string };

/** `PING host (host) 56(84) bytes of data.` */
export function pingHeader(cmd: PingCommand): string {
  return `PING ${cmd.host} (${cmd.host}) ${cmd.packetSize}(${cmd.packetSize + 28}) bytes of data.\n`;
}

/** One reply line. */
export function pingReplyLine(cmd: PingCommand, seq: number, ttl: number, rttUs: number): string {
  return `${cmd.packetSize + 8} bytes from ${cmd.host}: icmp_seq=${seq} ttl=${ttl} time=${formatTripTime(rttUs)} ms\n`;
}

/** One `Destination Host Unreachable` line. */
export function pingUnreachableLine(from: string, seq: number): string {
  return `From ${from} icmp_seq=${seq} Destination Host Unreachable\n`;
}

/** Counters of a finished (or interrupted) run. */
export interface PingTally {
  transmitted: number;
  received: number;
  errors: number;
  /** Round-trip times of the replies, microseconds. */
  rttsUs: number[];
  /** Milliseconds from the first request to the last event iputils counts. */
  elapsedMs: number;
}

/** The statistics block, from the blank line before `---` to the final newline. */
export function pingStatistics(cmd: PingCommand, t: PingTally): string {
  let out = `\n--- ${cmd.host} ping statistics ---\n`;
  out += `${t.transmitted} packets transmitted, ${t.received} received`;
  if (t.errors > 0) out += `, +${t.errors} errors`;
  if (t.transmitted > 0) {
    out += `, ${formatG(((t.transmitted - t.received) * 100) / t.transmitted)}% packet loss, time ${Math.round(t.elapsedMs)}ms`;
  }
  out += '\n';
  if (t.received > 0 && t.rttsUs.length > 0) {
    const n = t.rttsUs.length;
    const min = Math.min(...t.rttsUs);
    const max = Math.max(...t.rttsUs);
    const sum = t.rttsUs.reduce((a, b) => a + b, 0);
    const sum2 = t.rttsUs.reduce((a, b) => a + b * b, 0);
    const avg = Math.floor(sum / n);
    const mdev = Math.floor(Math.sqrt(Math.max(0, sum2 / n - (sum / n) ** 2)));
    out += `rtt min/avg/max/mdev = ${ms3(min)}/${ms3(avg)}/${ms3(max)}/${ms3(mdev)} ms`;
  }
  return `${out}\n`;
}

/** iputils' exit status: 0 with any reply, 1 without (or short of `-c` by a `-w` deadline). */
export function pingExitCode(cmd: PingCommand, t: PingTally): number {
  if (cmd.deadlineSeconds !== undefined && cmd.count !== undefined && t.received < cmd.count) return 1;
  return t.received > 0 ? 0 : 1;
}

/** A reply time as iputils prints it: 0.512, 1.23, 12.3, 123 (microseconds truncated). */
export function formatTripTime(us: number): string {
  const t = Math.max(0, Math.floor(us));
  if (t >= 100_000 - 50) return `${Math.floor(t / 1000)}`;
  if (t >= 10_000 - 5) return `${Math.floor(t / 1000)}.${Math.floor((t % 1000) / 100)}`;
  if (t >= 1000) return `${Math.floor(t / 1000)}.${String(Math.floor((t % 1000) / 10)).padStart(2, '0')}`;
  return `0.${String(t).padStart(3, '0')}`;
}

function ms3(us: number): string {
  const t = Math.max(0, Math.floor(us));
  return `${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, '0')}`;
}

/** C's `%g` for the loss percentage (six significant digits, no trailing zeros). */
export function formatG(x: number): string {
  return String(Number(x.toPrecision(6)));
}

// ------------------------------------------------------------------ round trip of a path

/** One-way time of each kind of hop, microseconds (emulator figures, not measured on Alibaba Cloud). */
const HOP_US: Readonly<Partial<Record<Hop['node'], number>>> = {
  vpc: 20,
  vbr: 30,
  'data-center': 40,
  'physical-connection': 450,
  device: 25,
  host: 25,
  ecs: 25,
  'cloud-service': 200,
};
/** One-way time added each time a path changes region (cross-region CEN or peering). */
const CROSS_REGION_US = 10_000;

/**
 * The round trip and reply TTL of an echo along a data-plane path (both legs): a fixed cost per
 * hop, 0.45 ms per physical-connection crossing, 10 ms per region change, and a deterministic
 * ±8% wobble per sequence number. The reply starts at TTL 64 (Linux; 255 from a VBR's own
 * gateway address) and loses one per VBR or data-center router it crosses on the way back.
 */
export function echoTiming(hops: readonly Hop[], seq: number, salt: string): { rttUs: number; ttl: number } {
  let us = 0;
  let region: string | undefined;
  for (const h of hops) {
    us += HOP_US[h.node] ?? 0;
    if (h.regionId !== undefined) {
      if (region !== undefined && h.regionId !== region) us += CROSS_REGION_US;
      region = h.regionId;
    }
  }
  const wobble = 0.92 + 0.16 * unitHash(`${salt}#${seq}`);
  const back = hops.filter((h) => h.direction === 'return');
  const routers = back.filter((h) => h.node === 'vbr' || h.node === 'data-center').length;
  const target = hops.filter((h) => h.direction === 'forward').at(-1);
  const base = target?.node === 'device' && target.id.startsWith('vbr-') ? 255 : 64;
  return { rttUs: Math.max(1, Math.round(us * wobble)), ttl: Math.max(1, base - routers) };
}

/** A number in [0, 1) from a string: FNV-1a, then a murmur3 finaliser so near strings spread. */
function unitHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}
