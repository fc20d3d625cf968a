/**
 * Argument parsing for the programs the emulated instances can run: the seed's test tools
 * (`netserver`, `netperf`, `iperf3`, chapter 2), `ping` (every Linux image has it; `ping.ts`),
 * and a few shell builtins a test script uses (`echo`, `sleep`, `true`, `false`, `hostname`,
 * `pkill`/`killall`). Defaults follow the tools:
 * netperf control port 12865, TCP_STREAM, 10 s; iperf3 port 5201, 10 s, 1 s intervals, UDP
 * 1 Mbit/s and 1460-byte datagrams, TCP 128 KiB blocks.
 */
import { parsePing, type PingCommand } from './ping.ts';

/** `netserver [-p port] [-D] [-4|-6]`. */
export interface NetserverCommand {
  readonly tool: 'netserver';
  readonly port: number;
  /** `-D`: stay in the foreground (the invocation then runs until its timeout). */
  readonly foreground: boolean;
}

/** `netperf -H host [-p port] [-t test] [-l secs] [-P 0|1] [-- -m bytes]`. */
export interface NetperfCommand {
  readonly tool: 'netperf';
  readonly host: string;
  readonly port: number;
  readonly test: 'UDP_STREAM' | 'TCP_STREAM';
  readonly lengthSeconds: number;
  /** `-- -m`; default 65507 would be netperf's UDP default, we take the socket-size default below. */
  readonly messageBytes: number;
  readonly printHeaders: boolean;
}

/** `iperf3 -s [-p port] [-i secs] [-D] [-1] [-J]`. */
export interface Iperf3ServerCommand {
  readonly tool: 'iperf3-server';
  readonly port: number;
  readonly intervalSeconds: number;
  readonly daemon: boolean;
  readonly oneOff: boolean;
  readonly json: boolean;
}

/** `iperf3 -c host [-p port] [-u] [-l len] [-b rate] [-t secs] [-i secs] [-P n] [-R] [-A cpu] [-J]`. */
export interface Iperf3ClientCommand {
  readonly tool: 'iperf3-client';
  readonly host: string;
  readonly port: number;
  readonly udp: boolean;
  readonly blockSize: number;
  /** Target bits/s; 0 = unlimited (TCP default). */
  readonly bitrateBps: number;
  readonly durationSeconds: number;
  readonly intervalSeconds: number;
  readonly parallel: number;
  readonly reverse: boolean;
  readonly json: boolean;
  readonly cpu?: string;
}

/** A shell builtin or small utility. */
export interface BuiltinCommand {
  readonly tool: 'builtin';
  readonly name: 'echo' | 'sleep' | 'true' | 'false' | 'hostname' | 'pkill' | 'killall' | 'exit' | 'cd' | 'wait' | 'which';
  readonly args: readonly string[];
}

/** A command line the program itself rejects: printed to the output with its exit code. */
export interface UsageError {
  readonly tool: 'usage-error';
  readonly program: string;
  readonly message: string;
  readonly exitCode: number;
}

/** What a simple command turns into. */
export type ToolCommand =
  | NetserverCommand
  | NetperfCommand
  | Iperf3ServerCommand
  | Iperf3ClientCommand
  | PingCommand
  | BuiltinCommand
  | UsageError;

/** Program names an emulated instance knows (whether installed is per instance). */
export const TOOL_PROGRAMS = ['netserver', 'netperf', 'iperf3'] as const;

/** Programs of the base image: present on every Linux instance, whatever `installedBinaries` says. */
export const SYSTEM_PROGRAMS = ['ping'] as const;

const BUILTINS = new Set(['echo', 'sleep', 'true', 'false', 'hostname', 'pkill', 'killall', 'exit', 'cd', 'wait', 'which']);

/** netperf's default control port. */
export const NETPERF_PORT = 12865;
/** iperf3's default port. */
export const IPERF3_PORT = 5201;
/** netperf UDP_STREAM default send size when `-m` is absent (the socket buffer size, capped by UDP). */
export const NETPERF_UDP_DEFAULT_MESSAGE = 65507;
/** netperf TCP_STREAM default send size (the send socket buffer). */
export const NETPERF_TCP_DEFAULT_MESSAGE = 16384;

/** Whether `name` is a program this module can parse (a tool or a builtin). */
export function isKnownProgram(name: string): boolean {
  return (TOOL_PROGRAMS as readonly string[]).includes(name) || (SYSTEM_PROGRAMS as readonly string[]).includes(name) || BUILTINS.has(name);
}

/** Parses one command's argv. `argv[0]` must be a known program. */
export function parseTool(argv: readonly string[], cpu?: string): ToolCommand {
  const [program, ...args] = argv;
  switch (program) {
    case 'netserver':
      return parseNetserver(args);
    case 'netperf':
      return parseNetperf(args);
    case 'iperf3':
      return parseIperf3(args, cpu);
    case 'ping':
      return parsePing(args);
    default:
      return { tool: 'builtin', name: program as BuiltinCommand['name'], args };
  }
}

function usage(program: string, message: string, exitCode = 1): UsageError {
  return { tool: 'usage-error', program, message, exitCode };
}

function parseNetserver(args: readonly string[]): ToolCommand {
  let port = NETPERF_PORT;
  let foreground = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-p') {
      const p = portArg(args[++i]);
      if (p === undefined) return usage('netserver', 'netserver: option requires an argument -- \'p\'\n');
      port = p;
    } else if (a === '-D' || a === '-f') {
      foreground = true;
    } else if (a === '-4' || a === '-6' || a === '-v' || a === '-d') {
      continue;
    } else if (a === '-L') {
      i++;
    } else {
      return usage('netserver', `netserver: invalid option -- '${a.replace(/^-+/, '')}'\n`);
    }
  }
  return { tool: 'netserver', port, foreground };
}

function parseNetperf(args: readonly string[]): ToolCommand {
  let host: string | undefined;
  let port = NETPERF_PORT;
  let test = 'TCP_STREAM';
  let lengthSeconds = 10;
  let printHeaders = true;
  let messageBytes: number | undefined;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      i++;
      break;
    }
    const value = args[i + 1];
    switch (a) {
      case '-H':
        host = value;
        i++;
        break;
      case '-p': {
        const p = portArg(value);
        if (p === undefined) return usage('netperf', `netperf: invalid port "${value ?? ''}"\n`);
        port = p;
        i++;
        break;
      }
      case '-t':
        test = value ?? '';
        i++;
        break;
      case '-l': {
        const n = Number(value);
        if (!Number.isFinite(n) || n <= 0) return usage('netperf', `netperf: test length must be a positive number of seconds, got "${value ?? ''}"\n`);
        lengthSeconds = n;
        i++;
        break;
      }
      case '-P':
        printHeaders = value !== '0';
        i++;
        break;
      case '-4':
      case '-6':
      case '-v':
        break;
      case '-T':
      case '-L':
      case '-i':
      case '-I':
        i++;
        break;
      default:
        return usage('netperf', `netperf: invalid option -- '${a.replace(/^-+/, '')}'\n`);
    }
  }
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-m' || a === '-M') {
      const n = sizeArg(args[i + 1]);
      if (n === undefined || n < 1) return usage('netperf', `netperf: invalid message size "${args[i + 1] ?? ''}"\n`);
      if (a === '-m') messageBytes = n;
      i++;
    } else if (a === '-s' || a === '-S' || a === '-P' || a === '-R') {
      i++;
    }
  }
  if (host === undefined) host = 'localhost';
  if (test !== 'UDP_STREAM' && test !== 'TCP_STREAM') {
    return usage('netperf', `netperf: test "${test}" is not supported by the emulator (UDP_STREAM, TCP_STREAM)\n`, 1);
  }
  const defaultMessage = test === 'UDP_STREAM' ? NETPERF_UDP_DEFAULT_MESSAGE : NETPERF_TCP_DEFAULT_MESSAGE;
  return {
    tool: 'netperf',
    host,
    port,
    test,
    lengthSeconds,
    messageBytes: Math.min(messageBytes ?? defaultMessage, test === 'UDP_STREAM' ? NETPERF_UDP_DEFAULT_MESSAGE : Number.MAX_SAFE_INTEGER),
    printHeaders,
  };
}

function parseIperf3(args: readonly string[], cpuFromTaskset?: string): ToolCommand {
  let server = false;
  let host: string | undefined;
  let port = IPERF3_PORT;
  let udp = false;
  let blockSize: number | undefined;
  let bitrate: number | undefined;
  let duration = 10;
  let interval = 1;
  let parallel = 1;
  let reverse = false;
  let json = false;
  let daemon = false;
  let oneOff = false;
  let cpu = cpuFromTaskset;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const value = args[i + 1];
    switch (a) {
      case '-s':
      case '--server':
        server = true;
        break;
      case '-c':
      case '--client':
        if (value === undefined) return iperfError("option requires an argument -- 'c'");
        host = value;
        i++;
        break;
      case '-p':
      case '--port': {
        const p = portArg(value);
        if (p === undefined) return iperfError(`parameter error - invalid port "${value ?? ''}"`);
        port = p;
        i++;
        break;
      }
      case '-u':
      case '--udp':
        udp = true;
        break;
      case '-l':
      case '--length': {
        const n = sizeArg(value);
        if (n === undefined || n < 1) return iperfError('parameter error - block size too small or too large');
        blockSize = n;
        i++;
        break;
      }
      case '-b':
      case '--bitrate':
      case '--bandwidth': {
        const n = rateArg(value);
        if (n === undefined) return iperfError(`parameter error - invalid bitrate "${value ?? ''}"`);
        bitrate = n;
        i++;
        break;
      }
      case '-t':
      case '--time': {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0) return iperfError(`parameter error - invalid duration "${value ?? ''}"`);
        duration = n;
        i++;
        break;
      }
      case '-i':
      case '--interval': {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0) return iperfError(`parameter error - invalid report interval "${value ?? ''}"`);
        interval = n;
        i++;
        break;
      }
      case '-P':
      case '--parallel': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 128) return iperfError('parameter error - number of parallel streams must be 1–128');
        parallel = n;
        i++;
        break;
      }
      case '-A':
      case '--affinity':
        cpu = value;
        i++;
        break;
      case '-R':
      case '--reverse':
        reverse = true;
        break;
      case '-J':
      case '--json':
        json = true;
        break;
      case '-D':
      case '--daemon':
        daemon = true;
        break;
      case '-1':
      case '--one-off':
        oneOff = true;
        break;
      case '-V':
      case '--verbose':
      case '-4':
      case '-6':
      case '--forceflush':
        break;
      case '-f':
      case '--format':
      case '-B':
      case '--bind':
      case '-w':
      case '--window':
      case '-O':
      case '--omit':
      case '-T':
      case '--title':
      case '--logfile':
        i++;
        break;
      default:
        return iperfError(`parameter error - unrecognized option "${a}"`);
    }
  }
  if (server && host !== undefined) return iperfError('parameter error - cannot be both server and client');
  if (server) return { tool: 'iperf3-server', port, intervalSeconds: interval, daemon, oneOff, json };
  if (host === undefined) return iperfError('parameter error - must either be a client (-c) or server (-s)');
  return {
    tool: 'iperf3-client',
    host,
    port,
    udp,
    blockSize: blockSize ?? (udp ? 1460 : 131072),
    bitrateBps: bitrate ?? (udp ? 1_000_000 : 0),
    durationSeconds: duration === 0 ? 10 : duration,
    intervalSeconds: interval,
    parallel,
    reverse,
    json,
    ...(cpu !== undefined ? { cpu } : {}),
  };
}

function iperfError(message: string): UsageError {
  return usage('iperf3', `iperf3: ${message}\n\nUsage: iperf3 [-s|-c host] [options]\nTry \`iperf3 --help' for more information.\n`);
}

function portArg(v: string | undefined): number | undefined {
  if (v === undefined || !/^[0-9]+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** Sizes with iperf3's binary suffixes (K = 1024). */
function sizeArg(v: string | undefined): number | undefined {
  const m = v === undefined ? null : /^([0-9]+(?:\.[0-9]+)?)([kKmMgG]?)$/.exec(v);
  if (!m) return undefined;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Math.floor(Number(m[1]) * mult);
}

/** Rates with iperf3's decimal suffixes (`100m` = 100,000,000 bit/s); `/burst` ignored. */
function rateArg(v: string | undefined): number | undefined {
  const m = v === undefined ? null : /^([0-9]+(?:\.[0-9]+)?)([kKmMgGtT]?)(?:\/[0-9]+)?$/.exec(v);
  if (!m) return undefined;
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return Number(m[1]) * mult;
}
