/**
 * `xcflow emulator`: starts the local Alibaba Cloud network emulator and prints the endpoint and
 * the credentials to give `@alicloud/pop-core`. Runs until interrupted (SIGINT/SIGTERM) or until
 * `io.signal` aborts.
 */
import { DEFAULT_CREDENTIALS, DEFAULT_EMULATOR_PORT, startEmulator, type RunningEmulator } from '../emulator/index.ts';
import { listBuiltinTopologies } from '../emulator/topology.ts';
import { XcflowError } from '../errors.ts';

/** Streams the command writes to, and an optional stop signal (tests). */
export interface EmulatorCommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Aborting stops the emulator and makes the command return 0. */
  signal?: AbortSignal;
  /** Called once the emulator listens (tests read the endpoint from here). */
  onReady?: (emulator: RunningEmulator) => void;
}

const USAGE = `Usage: xcflow emulator [options]

Starts a local emulator of the Alibaba Cloud VPC (2016-04-28), CEN (2017-09-12) and ECS Cloud
Assistant (2014-05-26) APIs: real POP RPC with signature 1.0, so @alicloud/pop-core talks to it.

Options:
  --port N                 TCP port (default ${DEFAULT_EMULATOR_PORT}; 0 = any free port)
  --host ADDR              listen address (default 127.0.0.1)
  --topology FILE|NAME     topology JSON file, or a shipped one (see --list-topologies)
  --clock real|virtual     real: wall time × speed (default); virtual: moves only via
                           POST /_emulator/clock/advance
  --speed N                speed factor of the real clock (default 1)
  --access-key-id ID       accept this AccessKeyId instead of the default
  --access-key-secret S    ... with this secret (give both)
  --list-topologies        print the shipped topology names and exit
  -h, --help               show this help

Default credentials: AccessKeyId ${DEFAULT_CREDENTIALS[0]?.accessKeyId}, AccessKeySecret ${DEFAULT_CREDENTIALS[0]?.accessKeySecret}
Control API (unsigned JSON): <endpoint>/_emulator/state, /faults, /clock, /reachability, /probes, ...
Exit codes: 0 stopped normally, 1 could not start, 2 usage error.
`;

interface Parsed {
  port: number;
  host: string;
  topology?: string;
  clock: 'real' | 'virtual';
  speed: number;
  accessKeyId?: string;
  accessKeySecret?: string;
  list: boolean;
  help: boolean;
}

function parse(args: readonly string[]): Parsed | string {
  const out: Parsed = { port: DEFAULT_EMULATOR_PORT, host: '127.0.0.1', clock: 'real', speed: 1, list: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    switch (flag) {
      case '-h':
      case '--help':
        out.help = true;
        break;
      case '--list-topologies':
        out.list = true;
        break;
      case '--port': {
        const v = value();
        const n = Number(v);
        if (v === undefined || !Number.isInteger(n) || n < 0 || n > 65535) return `--port needs a port number 0-65535, got ${v ?? 'nothing'}`;
        out.port = n;
        break;
      }
      case '--host': {
        const v = value();
        if (!v) return '--host needs an address';
        out.host = v;
        break;
      }
      case '--topology': {
        const v = value();
        if (!v) return '--topology needs a file or a name';
        out.topology = v;
        break;
      }
      case '--clock': {
        const v = value();
        if (v !== 'real' && v !== 'virtual') return `--clock must be real or virtual, got ${v ?? 'nothing'}`;
        out.clock = v;
        break;
      }
      case '--speed': {
        const v = value();
        const n = Number(v);
        if (v === undefined || !Number.isFinite(n) || n <= 0) return `--speed needs a positive number, got ${v ?? 'nothing'}`;
        out.speed = n;
        break;
      }
      case '--access-key-id': {
        const v = value();
        if (!v) return '--access-key-id needs a value';
        out.accessKeyId = v;
        break;
      }
      case '--access-key-secret': {
        const v = value();
        if (!v) return '--access-key-secret needs a value';
        out.accessKeySecret = v;
        break;
      }
      default:
        return `unknown option ${a}`;
    }
  }
  if ((out.accessKeyId === undefined) !== (out.accessKeySecret === undefined)) return '--access-key-id and --access-key-secret go together';
  if (out.clock === 'virtual' && out.speed !== 1) return '--speed applies to --clock real only';
  return out;
}

/**
 * Runs `xcflow emulator …`. `args` are the words after `emulator`. Resolves with the exit code
 * once the emulator stops: 0 after SIGINT/SIGTERM or `io.signal`, 1 when it cannot start, 2 on
 * a usage error.
 */
export async function emulatorCommand(args: string[], io: EmulatorCommandIo): Promise<number> {
  const p = parse(args);
  if (typeof p === 'string') {
    io.stderr(`xcflow emulator: ${p}\n\n${USAGE}`);
    return 2;
  }
  if (p.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (p.list) {
    io.stdout(`${listBuiltinTopologies().join('\n')}\n`);
    return 0;
  }
  let emulator: RunningEmulator;
  try {
    emulator = await startEmulator({
      port: p.port,
      host: p.host,
      clock: p.clock,
      speed: p.speed,
      ...(p.topology !== undefined ? { topology: p.topology } : {}),
      ...(p.accessKeyId !== undefined && p.accessKeySecret !== undefined
        ? { credentials: [{ accessKeyId: p.accessKeyId, accessKeySecret: p.accessKeySecret }] }
        : {}),
    });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why =
      code === 'EADDRINUSE' ? `port ${p.port} is already in use (try --port 0)` : err instanceof XcflowError || err instanceof Error ? err.message : String(err);
    io.stderr(`xcflow emulator: cannot start: ${why}\n`);
    return 1;
  }
  const cred = emulator.credentials[0];
  io.stdout(
    [
      `xcflow emulator listening on ${emulator.endpoint}`,
      `  topology        ${emulator.topologyName}`,
      `  clock           ${p.clock}${p.clock === 'real' && p.speed !== 1 ? ` ×${p.speed}` : ''}`,
      `  endpoint        ${emulator.endpoint}   (VPC 2016-04-28, CBN 2017-09-12, ECS 2014-05-26)`,
      `  AccessKeyId     ${cred?.accessKeyId ?? ''}`,
      `  AccessKeySecret ${cred?.accessKeySecret ?? ''}`,
      ...emulator.credentials
        .slice(1)
        .filter((c) => c.accountId !== undefined)
        .map((c) => `  account ${c.accountId}   AccessKeyId ${c.accessKeyId}, AccessKeySecret ${c.accessKeySecret}`),
      `  control API     ${emulator.endpoint}/_emulator/state`,
      '',
      `  new RPCClient({ endpoint: '${emulator.endpoint}', apiVersion: '2016-04-28', accessKeyId: '${cred?.accessKeyId ?? ''}', accessKeySecret: '${cred?.accessKeySecret ?? ''}' })`,
      '',
    ].join('\n'),
  );
  io.onReady?.(emulator);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop);
  });
  await emulator.close();
  io.stdout('xcflow emulator stopped\n');
  return 0;
}
