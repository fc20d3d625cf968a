/**
 * Signed POP RPC calls per second through `@alicloud/pop-core` against the emulator on loopback
 * (issue 2 target: ≥ 2,000/s). Two set-ups: the emulator in its own process, started the way
 * `xcflow emulator` starts it (the usual deployment; client and server get a core each), and the
 * emulator inside the client's process (as the tests run it). Each of `CONCURRENCY` workers owns
 * one client (pop-core's keep-alive agent) and calls back to back for `SECONDS`.
 *
 * Calls per second depend on what else the machine runs; CPU time per call much less. So the
 * figures also give the CPU microseconds per call of the in-process set-up (client and emulator
 * together) and of the emulator alone: pre-signed requests sent over raw keep-alive sockets by a
 * client that does almost nothing, so nearly all of that CPU is the emulator's HTTP and gateway
 * work. `largeTable` pages through DescribeRouteEntryList on a table of 100,000 routes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import RPCClient from '@alicloud/pop-core';
import { DEFAULT_CREDENTIALS, startEmulator } from '../src/emulator/index.ts';
import { signParams } from '../src/emulator/rpc/signature.ts';
import { readTopologyFile } from '../src/emulator/topology.ts';

const SECONDS = 3;
const CONCURRENCY = 16;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const TABLE = 'vtb-uf6b2w3kq8r1n0m5x7j9a';

interface Figures {
  calls: number;
  errors: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU of this process per call (user + system); in-process this is client and emulator together. */
  cpuUsPerCall: number;
}

async function measure(makeCall: (c: RPCClient) => Promise<unknown>, clients: RPCClient[]): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpu0);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) * 100) / 100;
  return {
    calls: latencies.length,
    errors,
    callsPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    cpuUsPerCall: Math.round((cpu.user + cpu.system) / Math.max(1, latencies.length)),
  };
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
      (c) => c.request('DescribeRouteEntryList', { RegionId: 'cn-shanghai', RouteTableId: TABLE, MaxResult: 100 }, { method: 'POST' }),
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

/** Pre-signed requests (each with its own nonce) as raw HTTP/1.1 bytes. */
function signedRequests(count: number, action: string, extra: Record<string, string>, method: 'GET' | 'POST'): Buffer[] {
  const cred = DEFAULT_CREDENTIALS[0]!;
  const timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const form = (o: Record<string, string>): string =>
    Object.keys(o)
      .sort()
      .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(o[k]!)}`)
      .join('&');
  return Array.from({ length: count }, (_, i) => {
    const p = signParams(
      method,
      { Format: 'JSON', SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: `bench-${action}-${i}-${Math.random()}`, Timestamp: timestamp, AccessKeyId: cred.accessKeyId, Version: '2016-04-28', Action: action, ...extra },
      cred.accessKeySecret,
    );
    const q = form(p);
    return Buffer.from(
      method === 'GET'
        ? `GET /?${q} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`
        : `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(q)}\r\nConnection: keep-alive\r\n\r\n${q}`,
    );
  });
}

/** Sends `requests` over `CONCURRENCY` raw keep-alive sockets, one at a time each; CPU µs per call. */
async function rawCpuPerCall(port: number, requests: Buffer[]): Promise<number> {
  let next = 0;
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from(
      { length: CONCURRENCY },
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1');
          let pending = '';
          const send = (): void => {
            if (next >= requests.length) {
              socket.end();
              resolve();
            } else socket.write(requests[next++]!);
          };
          socket.on('connect', send);
          socket.on('error', reject);
          socket.on('data', (chunk: Buffer) => {
            pending += chunk.toString('latin1');
            for (;;) {
              const head = pending.indexOf('\r\n\r\n');
              if (head < 0) return;
              const length = Number(/content-length: (\d+)/i.exec(pending.slice(0, head))?.[1] ?? 0);
              if (pending.length < head + 4 + length) return;
              if (!pending.startsWith('HTTP/1.1 200')) reject(new Error(pending.slice(0, 300)));
              pending = pending.slice(head + 4 + length);
              send();
            }
          });
        }),
    ),
  );
  const cpu = process.cpuUsage(cpu0);
  return Math.round((cpu.user + cpu.system) / requests.length);
}

/** CPU per call of the emulator alone (HTTP server, gateway, action), per case. */
async function emulatorCpu(): Promise<Record<string, number>> {
  const emu = await startEmulator({ topology: 'ch6-redundancy' });
  try {
    const cases = {
      describeVpcsGet: signedRequests(12_000, 'DescribeVpcs', { RegionId: 'cn-shanghai' }, 'GET'),
      describeRouteEntryListPost: signedRequests(12_000, 'DescribeRouteEntryList', { RegionId: 'cn-shanghai', RouteTableId: TABLE, MaxResult: '100' }, 'POST'),
    };
    const out: Record<string, number> = {};
    for (const [name, list] of Object.entries(cases)) {
      await rawCpuPerCall(emu.port, list.slice(0, 2_000));
      out[name] = await rawCpuPerCall(emu.port, list.slice(2_000));
    }
    return out;
  } finally {
    await emu.close();
  }
}

/** Pages of 100 through DescribeRouteEntryList on a table of 100,000 custom routes, in process. */
async function largeTable(): Promise<Record<string, number>> {
  const routes = 100_000;
  const t = readTopologyFile('ch6-redundancy');
  t.quotas = { customRoutesPerTable: routes + 10 };
  t.vpcs![0]!.routes = Array.from({ length: routes }, (_, i) => {
    const net = ((i * 16 * 37 + 0x0a000000) >>> 0) & 0xfffffff0;
    return { destinationCidrBlock: `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/28`, nextHop: { type: 'RouterInterface', id: i % 2 ? 'ri-uf69ejgh2atodylnx8nl9' : 'ri-uf6vpcside20000000001' } };
  });
  const emu = await startEmulator({ topology: t });
  try {
    const cred = DEFAULT_CREDENTIALS[0]!;
    const client = new RPCClient({ endpoint: emu.endpoint, apiVersion: '2016-04-28', accessKeyId: cred.accessKeyId, accessKeySecret: cred.accessKeySecret });
    let token = '';
    const pages = 40;
    const started = performance.now();
    for (let i = 0; i < pages; i++) {
      const body = await client.request<{ NextToken: string }>('DescribeRouteEntryList', { RegionId: 'cn-shanghai', RouteTableId: TABLE, MaxResult: 100, ...(token ? { NextToken: token } : {}) }, { method: 'POST' });
      token = body.NextToken;
    }
    return { routesInTable: routes, pageSize: 100, pages, msPerPage: Math.round(((performance.now() - started) / pages) * 10) / 10 };
  } finally {
    await emu.close();
  }
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
  return {
    concurrency: CONCURRENCY,
    secondsPerCase: SECONDS,
    targetCallsPerSecond: 2000,
    separateProcess,
    sameProcess,
    emulatorCpuUsPerCall: await emulatorCpu(),
    largeTable: await largeTable(),
  };
}
