/**
 * Parameters of `link-performance-test` (seed chapter 2): the JSON schema the engine checks and a
 * parser into typed values. The seed's names are kept: "inbound" = ECS instances → data center
 * (servers on the data-center device), "outbound" = data center → ECS instances.
 */
import type { JsonObject, JsonSchema } from '../../src/engine/types.ts';
import { ValidationError } from '../../src/errors.ts';
import type { FlowDirection } from '../../src/perf/index.ts';
import { ipv4 } from '../shared/read.ts';

/** Seed direction names. */
export type Direction = 'inbound' | 'outbound';
/** pps (1-byte netperf messages / 16-byte iperf3 datagrams) or bps (1400-byte). */
export type PerfMode = 'pps' | 'bps';
/** The test tool. */
export type PerfTool = 'netperf' | 'iperf3';

/** Which way the data flows for a seed direction. */
export const FLOW_DIRECTION: Readonly<Record<Direction, FlowDirection>> = { inbound: 'vpc-to-idc', outbound: 'idc-to-vpc' };

/** Payload per packet for each mode and tool (seed chapter 2: netperf `-m 1`/`-m 1400`, iperf3 `-l 16`/`-l 1400`). */
export const PAYLOAD_BYTES: Readonly<Record<PerfTool, Record<PerfMode, number>>> = {
  netperf: { pps: 1, bps: 1400 },
  iperf3: { pps: 16, bps: 1400 },
};

/** The seed's first ports: netserver 11256…, iperf3 16001…. */
export const BASE_PORT: Readonly<Record<PerfTool, number>> = { netperf: 11256, iperf3: 16001 };

/** Typed parameters. */
export interface PerfParams {
  regionId: string;
  /** ECS instances in the VPC (one stream each). */
  instanceIds: string[];
  /** The data-center device: a Cloud Assistant managed instance and its address. */
  dataCenterDevice: { instanceId: string; ip: string };
  directions: Direction[];
  modes: PerfMode[];
  tool: PerfTool;
  durationSeconds: number;
  /** iperf3 `-b` per stream, e.g. `100M` (the seed's `100m`). */
  iperf3Bitrate: string;
  /** Port bandwidth: read from the physical connection, or given. */
  physicalConnectionId?: string;
  bandwidthMbps?: number;
  /** Size the parallel flows needed to carry this much (default the port bandwidth). */
  sizingTargetMbps?: number;
}

/** JSON schema of the parameters. */
export const perfParamsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['regionId', 'instanceIds', 'dataCenterDevice'],
  properties: {
    regionId: { type: 'string', minLength: 1 },
    instanceIds: { type: 'array', items: { type: 'string', pattern: '^i-[a-z0-9]+$' }, minItems: 1, maxItems: 16, uniqueItems: true, description: 'ECS instances in the VPC (the seed uses eight)' },
    dataCenterDevice: {
      type: 'object',
      additionalProperties: false,
      required: ['instanceId', 'ip'],
      properties: {
        instanceId: { type: 'string', pattern: '^mi-[a-z0-9]+$', description: 'The network access device as a Cloud Assistant managed instance' },
        ip: { type: 'string', description: 'Its address on the leased line side (seed: 192.168.100.1)' },
      },
    },
    directions: { type: 'array', items: { enum: ['inbound', 'outbound'] }, minItems: 1, uniqueItems: true, default: ['inbound', 'outbound'] },
    modes: { type: 'array', items: { enum: ['pps', 'bps'] }, minItems: 1, uniqueItems: true, default: ['pps', 'bps'] },
    tool: { enum: ['netperf', 'iperf3'], default: 'netperf' },
    durationSeconds: { type: 'integer', minimum: 5, maximum: 3600, default: 60, description: 'netperf -l / iperf3 -t (seed: 300 / 120)' },
    iperf3Bitrate: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?[KMGkmg]?$', default: '100M', description: 'iperf3 -b per stream (seed: 100m)' },
    physicalConnectionId: { type: 'string', pattern: '^pc-[a-z0-9]+$', description: 'The leased line (its bandwidth is read)' },
    bandwidthMbps: { type: 'integer', minimum: 1, description: 'Port bandwidth when no physical connection is named' },
    sizingTargetMbps: { type: 'integer', minimum: 1, description: 'Size the parallel flows for this rate (default: the port bandwidth)' },
  },
};

/**
 * Reads the parameters (after the schema check).
 * @throws ValidationError naming the field: bad device IP, neither a physical connection nor a bandwidth
 */
export function parsePerfParams(raw: JsonObject): PerfParams {
  const dev = raw.dataCenterDevice as JsonObject;
  if (typeof raw.physicalConnectionId !== 'string' && typeof raw.bandwidthMbps !== 'number') {
    throw new ValidationError('name the leased line (physicalConnectionId) or give its bandwidth (bandwidthMbps): the report judges against it', {
      code: 'MissingBandwidth',
      field: 'physicalConnectionId',
    });
  }
  return {
    regionId: String(raw.regionId),
    instanceIds: (raw.instanceIds as unknown[]).map(String),
    dataCenterDevice: { instanceId: String(dev.instanceId), ip: ipv4(String(dev.ip), 'dataCenterDevice.ip') },
    directions: Array.isArray(raw.directions) ? (raw.directions as Direction[]) : ['inbound', 'outbound'],
    modes: Array.isArray(raw.modes) ? (raw.modes as PerfMode[]) : ['pps', 'bps'],
    tool: raw.tool === 'iperf3' ? 'iperf3' : 'netperf',
    durationSeconds: typeof raw.durationSeconds === 'number' ? raw.durationSeconds : 60,
    iperf3Bitrate: typeof raw.iperf3Bitrate === 'string' ? raw.iperf3Bitrate : '100M',
    ...(typeof raw.physicalConnectionId === 'string' ? { physicalConnectionId: raw.physicalConnectionId } : {}),
    ...(typeof raw.bandwidthMbps === 'number' ? { bandwidthMbps: raw.bandwidthMbps } : {}),
    ...(typeof raw.sizingTargetMbps === 'number' ? { sizingTargetMbps: raw.sizingTargetMbps } : {}),
  };
}
