/**
 * Signed POP RPC calls per second through `@alicloud/pop-core` against the emulator on loopback
 * (issue 2 target: ≥ 2,000/s). Two set-ups: the emulator in its own process, started the way
 * `xcflow emulator` starts it (the usual deployment; client and server get a core each), and the
 * emulator inside the client's process (as the tests run it). Each of `CONCURRENCY` workers owns
 * one client (pop-core's keep-alive agent) and calls back to back for `SECONDS`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import RPCClient from '@alicloud/pop-core';
import { DEFAULT_CREDENTIALS, startEmulator } from '../src/emulator/index.ts';

const SECONDS = 3;
const CONCURRENCY = 16;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Figures {
  calls: number;
  errors: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function measure(makeCall: (c: RPCClient) => Promise<unknown>, clients: RPCClient[]): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await makeCall(c);
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) * 100) / 100;
  return { calls: latencies.length, errors, callsPerSecond: Math.round(latencies.length / elapsed), p50Ms: pct(0.5), p99Ms: pct(0.99) };
}

async function suite(endpoint: string): Promise<Record<string, Figures>> {
  const cred = DEFAULT_CREDENTIALS[0]!;
  const clients = Array.from(
    { length: CONCURRENCY },
    () => new RPCClient({ endpoint, apiVersion: '2016-04-28', accessKeyId: cred.accessKeyId, accessKeySecret: cred.accessKeySecret }),
  );
  // Warm up sockets and JIT.
  for (let i = 0; i < 20; i++) await Promise.all(clients.map((c) => c.request('DescribeVpcs', { RegionId: 'cn-shanghai' })));
  return {
    describeVpcsGet: await measure((c) => c.request('DescribeVpcs', { RegionId: 'cn-shanghai' }), clients),
    describeRouteEntryListPost: await measure(
      (c) => c.request('DescribeRouteEntryList', { RegionId: 'cn-shanghai', RouteTableId: 'vtb-uf6b2w3kq8r1n0m5x7j9a', MaxResult: 100 }, { method: 'POST' }),
      clients,
    ),
  };
}

/** Starts `xcflow emulator` in a child process and resolves with its endpoint. */
function spawnEmulator(): Promise<{ child: ChildProcess; endpoint: string }> {
  const code = `import('./src/cli/emulator.ts').then((m) => m.emulatorCommand(['--port', '0', '--clock', 'virtual', '--topology', 'ch6-redundancy'], { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) })).then((rc) => process.exit(rc));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve({ child, endpoint: m[1]! });
    });
    child.once('exit', (rc) => reject(new Error(`emulator process exited with ${rc}: ${out}`)));
  });
}

/** Runs the benchmark and returns its figures. */
export default async function run(): Promise<Record<string, unknown>> {
  const { child, endpoint } = await spawnEmulator();
  let separateProcess: Record<string, Figures>;
  try {
    separateProcess = await suite(endpoint);
  } finally {
    child.kill('SIGTERM');
  }
  const emu = await startEmulator({ topology: 'ch6-redundancy' });
  let sameProcess: Record<string, Figures>;
  try {
    sameProcess = await suite(emu.endpoint);
  } finally {
    await emu.close();
  }
  return { concurrency: CONCURRENCY, secondsPerCase: SECONDS, targetCallsPerSecond: 2000, separateProcess, sameProcess };
}
