/**
 * The plan of `link-performance-test` (seed chapter 2): one round per direction × mode, each
 * with one stream per ECS instance, and the exact server and client commands the seed gives —
 * servers on distinct ports (`netserver -p 11256…`, `iperf3 -s -p 16001…`), clients with CPU
 * affinity (`iperf3 … -A n`), 1-byte/16-byte packets for pps and 1400-byte ones for bps.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import type { FlowDirection } from '../../src/perf/index.ts';
import { BASE_PORT, FLOW_DIRECTION, PAYLOAD_BYTES, type Direction, type PerfMode, type PerfParams, type PerfTool } from './params.ts';

/** One command on one instance. */
export interface CommandPlan {
  instanceId: string;
  command: string;
  /** Cloud Assistant `Timeout`, seconds: longer than the test (the API's default 60 s is too short). */
  timeoutSeconds: number;
}

/** One stream: its server, its client, and the ECS instance it measures. */
export interface StreamPlan {
  index: number;
  /** The ECS instance at the VPC end (the stream's name in the report). */
  ecsInstanceId: string;
  ecsIp: string;
  port: number;
  label: string;
  server: CommandPlan;
  client: CommandPlan;
}

/** One round: a direction and a mode, all streams at once. */
export interface RoundPlan {
  direction: Direction;
  flowDirection: FlowDirection;
  mode: PerfMode;
  tool: PerfTool;
  payloadBytes: number;
  streams: StreamPlan[];
}

/** The plan. */
export interface PerfPlan {
  regionId: string;
  tool: PerfTool;
  durationSeconds: number;
  /** Port bandwidth the report judges against, bits/s. */
  bandwidthBps: number;
  physicalConnectionId: string | null;
  device: { instanceId: string; ip: string };
  instances: Array<{ instanceId: string; ip: string }>;
  rounds: RoundPlan[];
  /** Deadline of the wait for servers to listen, and for clients to finish (> their Timeout). */
  serverWaitMs: number;
  clientWaitMs: number;
  sizingTargetBps: number | null;
}

/** Margin of a client's Cloud Assistant Timeout over the test, seconds. */
export const CLIENT_TIMEOUT_MARGIN_SECONDS = 60;
/** Margin of a server's Timeout over the test (servers start first and wait for their client), seconds. */
export const SERVER_TIMEOUT_MARGIN_SECONDS = 180;

/** The server command of a stream (foreground, so it ends with its invocation's Timeout or its one test). */
export function serverCommand(tool: PerfTool, port: number): string {
  return tool === 'netperf' ? `netserver -D -p ${port}` : `iperf3 -s -1 -i 1 -p ${port}`;
}

/** The client command of a stream, as the seed writes it (plus `-J` for exact iperf3 figures). */
export function clientCommand(tool: PerfTool, o: { host: string; port: number; durationSeconds: number; payloadBytes: number; bitrate: string; cpu: number }): string {
  return tool === 'netperf'
    ? `netperf -H ${o.host} -p ${o.port} -t UDP_STREAM -l ${o.durationSeconds} -- -m ${o.payloadBytes}`
    : `iperf3 -u -l ${o.payloadBytes} -b ${o.bitrate} -t ${o.durationSeconds} -c ${o.host} -i 1 -p ${o.port} -A ${o.cpu} -J`;
}

/**
 * Reads the instances' addresses and the line's bandwidth, and plans the rounds.
 * @throws NotFoundError for an unknown instance or physical connection; ValidationError for an
 * instance without a private address
 */
export async function planPerfTest(cloud: CloudClients, params: PerfParams): Promise<PerfPlan> {
  const found = await cloud.ecs.describeInstances({ instanceIds: params.instanceIds });
  const instances = params.instanceIds.map((id, i) => {
    const inst = found.find((f) => f.instanceId === id);
    if (!inst) throw new NotFoundError(`ECS instance ${id} does not exist in ${cloud.regionId}`, { code: 'InstanceNotFound', field: `instanceIds[${i}]` });
    const ip = inst.privateIpAddresses[0];
    if (!ip) throw new ValidationError(`${id} has no private IP address`, { code: 'InvalidInstance', field: `instanceIds[${i}]` });
    return { instanceId: id, ip };
  });
  let bandwidthMbps = params.bandwidthMbps;
  if (params.physicalConnectionId) {
    const [pc] = await cloud.vpc.describePhysicalConnections({ physicalConnectionId: params.physicalConnectionId });
    if (!pc) throw new NotFoundError(`physical connection ${params.physicalConnectionId} does not exist`, { code: 'PhysicalConnectionNotFound', field: 'physicalConnectionId' });
    bandwidthMbps = params.bandwidthMbps ?? pc.bandwidth;
    if (bandwidthMbps === undefined) throw new ValidationError(`${pc.physicalConnectionId} reports no bandwidth: give bandwidthMbps`, { code: 'MissingBandwidth', field: 'bandwidthMbps' });
  }
  const device = params.dataCenterDevice;
  const d = params.durationSeconds;
  const rounds: RoundPlan[] = [];
  for (const direction of params.directions) {
    for (const mode of params.modes) {
      const r = rounds.length;
      const payloadBytes = PAYLOAD_BYTES[params.tool][mode];
      // Each round gets its own ports: netservers of an earlier round run until their Timeout.
      const base = BASE_PORT[params.tool] + r * 100;
      const streams = instances.map((inst, k): StreamPlan => {
        // Seed: inbound, a server per port on the device and one client per ECS instance;
        // outbound, one server per ECS instance (same port) and all clients on the device.
        const port = direction === 'inbound' ? base + k : base;
        const serverHost = direction === 'inbound' ? device.instanceId : inst.instanceId;
        const clientHost = direction === 'inbound' ? inst.instanceId : device.instanceId;
        const target = direction === 'inbound' ? device.ip : inst.ip;
        return {
          index: k,
          ecsInstanceId: inst.instanceId,
          ecsIp: inst.ip,
          port,
          label: direction === 'inbound' ? `${inst.instanceId} (${inst.ip}) → ${device.ip}:${port}` : `${device.ip} → ${inst.instanceId} (${inst.ip}):${port}`,
          server: { instanceId: serverHost, command: serverCommand(params.tool, port), timeoutSeconds: d + SERVER_TIMEOUT_MARGIN_SECONDS },
          client: {
            instanceId: clientHost,
            command: clientCommand(params.tool, { host: target, port, durationSeconds: d, payloadBytes, bitrate: params.iperf3Bitrate, cpu: k + 1 }),
            timeoutSeconds: d + CLIENT_TIMEOUT_MARGIN_SECONDS,
          },
        };
      });
      rounds.push({ direction, flowDirection: FLOW_DIRECTION[direction], mode, tool: params.tool, payloadBytes, streams });
    }
  }
  return {
    regionId: params.regionId,
    tool: params.tool,
    durationSeconds: d,
    bandwidthBps: (bandwidthMbps ?? 0) * 1e6,
    physicalConnectionId: params.physicalConnectionId ?? null,
    device,
    instances,
    rounds,
    serverWaitMs: 60_000,
    clientWaitMs: (d + CLIENT_TIMEOUT_MARGIN_SECONDS + 30) * 1000,
    sizingTargetBps: params.sizingTargetMbps !== undefined ? params.sizingTargetMbps * 1e6 : null,
  };
}
