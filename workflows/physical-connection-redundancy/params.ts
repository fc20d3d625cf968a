/**
 * Parameters of `physical-connection-redundancy` (seed chapter 6): the JSON schema the engine
 * checks and a parser into typed values (canonical CIDRs, IPv4 addresses, ranges) that refuses
 * bad input with the field named, before anything is read or changed.
 */
import type { JsonObject, JsonSchema } from '../../src/engine/types.ts';
import { ValidationError } from '../../src/errors.ts';
import { canonicalCidr, ipv4 } from '../shared/read.ts';

/** Load balancing (equal weights) or active/standby (100/0). */
export type RedundancyMode = 'ecmp' | 'active-standby';

/** Static routes to the data center (the seed's case) or BGP. */
export type RoutingMode = 'static' | 'bgp';

/** Health-check interval limits, seconds (console: "Send Packet Every"). UNCONFIRMED for the router-interface check; the CEN VBR health check documents 2–3. */
export const HEALTH_CHECK_INTERVAL = { min: 2, max: 3, default: 2 } as const;
/** Health-check threshold limits, probes (console: "Packets Detected"). UNCONFIRMED for the router-interface check; the CEN VBR health check documents 3–8. */
export const HEALTH_CHECK_THRESHOLD = { min: 3, max: 8, default: 8 } as const;
/** Default weight of every hop of the load-balancing route (seed: 100, range 1–255). */
export const DEFAULT_WEIGHT = 100;

/** One VBR-to-VPC peering connection to protect. */
export interface ConnectionParams {
  vbrId: string;
  /** An unused IP of the VPC (a vSwitch address), different per connection (seed 6-1). */
  healthCheckSourceIp: string;
  /** The data-center interface IP; default the VBR's peer gateway IP. */
  healthCheckTargetIp?: string;
  /** Weight of this connection's hop; default 100 (ECMP) or 100/0 (active/standby, first active). */
  weight?: number;
  /** Destination of the per-VBR route in the VPC table (seed 6-2.4); default the VBR's interconnect subnet. */
  routeCidrBlock?: string;
}

/** The failover test (last phase). */
export interface FailoverTestParams {
  enabled: boolean;
  /** ECS instance in the VPC the test traffic (or, in the cloud, the ping series) starts from. */
  sourceInstanceId: string;
  /** Data-center addresses to reach. */
  targetIps: string[];
  /** Which line to take down; default the first connection's (the active one for active/standby). */
  physicalConnectionId?: string;
  /** Emulator: number of probe flows (distinct UDP source ports, so ECMP spreads them). */
  flows: number;
  /** Cloud: how long the ping series runs while the operator takes the line down and up, seconds. */
  operatorWindowSeconds: number;
}

/** Typed parameters. */
export interface RedundancyParams {
  regionId: string;
  vpcId: string;
  routeTableId?: string;
  dataCenterCidrBlocks: string[];
  connections: ConnectionParams[];
  mode: RedundancyMode;
  routing: RoutingMode;
  healthCheck: { intervalSeconds: number; threshold: number };
  failoverTest: FailoverTestParams | null;
  routeEntryName?: string;
}

/** JSON schema of the parameters. */
export const redundancyParamsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['regionId', 'vpcId', 'dataCenterCidrBlocks', 'connections'],
  properties: {
    regionId: { type: 'string', minLength: 1, description: 'Region of the VPC and the VBRs' },
    vpcId: { type: 'string', pattern: '^vpc-[a-z0-9]+$' },
    routeTableId: { type: 'string', pattern: '^vtb-[a-z0-9]+$', description: 'VPC route table (default: the system table)' },
    dataCenterCidrBlocks: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 20, uniqueItems: true, description: 'The data center CIDR blocks (seed: 172.16.0.0/16)' },
    connections: {
      type: 'array',
      minItems: 2,
      maxItems: 8,
      description: 'The VBR-to-VPC peering connections (2–8 hops per load-balancing route)',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['vbrId', 'healthCheckSourceIp'],
        properties: {
          vbrId: { type: 'string', pattern: '^vbr-[a-z0-9]+$' },
          healthCheckSourceIp: { type: 'string', description: 'Unused IP of a vSwitch of the VPC, different per connection' },
          healthCheckTargetIp: { type: 'string', description: "Data-center interface IP (default: the VBR's peer gateway IP)" },
          weight: { type: 'integer', minimum: 0, maximum: 255 },
          routeCidrBlock: { type: 'string', description: "Per-VBR route destination (default: the VBR's interconnect subnet)" },
        },
      },
    },
    mode: { enum: ['ecmp', 'active-standby'], default: 'ecmp' },
    routing: { enum: ['static', 'bgp'], default: 'static' },
    healthCheck: {
      type: 'object',
      additionalProperties: false,
      properties: {
        intervalSeconds: { type: 'integer', minimum: HEALTH_CHECK_INTERVAL.min, maximum: HEALTH_CHECK_INTERVAL.max, default: HEALTH_CHECK_INTERVAL.default },
        threshold: { type: 'integer', minimum: HEALTH_CHECK_THRESHOLD.min, maximum: HEALTH_CHECK_THRESHOLD.max, default: HEALTH_CHECK_THRESHOLD.default },
      },
    },
    failoverTest: {
      type: 'object',
      additionalProperties: false,
      required: ['sourceInstanceId', 'targetIps'],
      properties: {
        enabled: { type: 'boolean', default: true },
        sourceInstanceId: { type: 'string', pattern: '^i-[a-z0-9]+$' },
        targetIps: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 8, uniqueItems: true },
        physicalConnectionId: { type: 'string', pattern: '^pc-[a-z0-9]+$' },
        flows: { type: 'integer', minimum: 2, maximum: 64, default: 16 },
        operatorWindowSeconds: { type: 'integer', minimum: 60, maximum: 3600, default: 900 },
      },
    },
    routeEntryName: { type: 'string', maxLength: 128 },
  },
};

function int(v: unknown, dflt: number): number {
  return typeof v === 'number' ? v : dflt;
}

/**
 * Reads the parameters (after the schema check).
 * @throws ValidationError naming the field: non-canonical CIDRs, bad IPs, duplicate VBRs or
 * health-check sources, unequal ECMP weights
 */
export function parseRedundancyParams(raw: JsonObject): RedundancyParams {
  const mode: RedundancyMode = raw.mode === 'active-standby' ? 'active-standby' : 'ecmp';
  const dataCenterCidrBlocks = (raw.dataCenterCidrBlocks as unknown[]).map((c, i) => canonicalCidr(String(c), `dataCenterCidrBlocks[${i}]`));
  const list = raw.connections as JsonObject[];
  const connections: ConnectionParams[] = list.map((c, i) => ({
    vbrId: String(c.vbrId),
    healthCheckSourceIp: ipv4(String(c.healthCheckSourceIp), `connections[${i}].healthCheckSourceIp`),
    ...(typeof c.healthCheckTargetIp === 'string' ? { healthCheckTargetIp: ipv4(c.healthCheckTargetIp, `connections[${i}].healthCheckTargetIp`) } : {}),
    ...(typeof c.weight === 'number' ? { weight: c.weight } : {}),
    ...(typeof c.routeCidrBlock === 'string' ? { routeCidrBlock: canonicalCidr(c.routeCidrBlock, `connections[${i}].routeCidrBlock`) } : {}),
  }));
  const seen = { vbr: new Map<string, number>(), src: new Map<string, number>() };
  connections.forEach((c, i) => {
    const v = seen.vbr.get(c.vbrId);
    if (v !== undefined) throw new ValidationError(`${c.vbrId} is listed twice (connections[${v}] and connections[${i}])`, { code: 'DuplicateVbr', field: `connections[${i}].vbrId` });
    seen.vbr.set(c.vbrId, i);
    const s = seen.src.get(c.healthCheckSourceIp);
    if (s !== undefined) {
      throw new ValidationError(`the health-check source IP ${c.healthCheckSourceIp} of connections[${i}] is that of connections[${s}]; each connection needs its own (seed 6-1)`, {
        code: 'DuplicateHealthCheckSource',
        field: `connections[${i}].healthCheckSourceIp`,
      });
    }
    seen.src.set(c.healthCheckSourceIp, i);
  });
  if (mode === 'ecmp') {
    const weights = new Set(connections.map((c) => c.weight ?? DEFAULT_WEIGHT));
    if (weights.size > 1 || weights.has(0)) {
      throw new ValidationError('load balancing needs the same weight (1–255) on every hop so traffic spreads evenly (seed 6-2); use mode active-standby for unequal weights', {
        code: 'UnequalWeights',
        field: 'connections',
      });
    }
  }
  const hc = (raw.healthCheck ?? {}) as JsonObject;
  const ft = raw.failoverTest as JsonObject | undefined;
  const failoverTest: FailoverTestParams | null = ft
    ? {
        enabled: ft.enabled !== false,
        sourceInstanceId: String(ft.sourceInstanceId),
        targetIps: (ft.targetIps as unknown[]).map((t, i) => ipv4(String(t), `failoverTest.targetIps[${i}]`)),
        ...(typeof ft.physicalConnectionId === 'string' ? { physicalConnectionId: ft.physicalConnectionId } : {}),
        flows: int(ft.flows, 16),
        operatorWindowSeconds: int(ft.operatorWindowSeconds, 900),
      }
    : null;
  return {
    regionId: String(raw.regionId),
    vpcId: String(raw.vpcId),
    ...(typeof raw.routeTableId === 'string' ? { routeTableId: raw.routeTableId } : {}),
    dataCenterCidrBlocks,
    connections,
    mode,
    routing: raw.routing === 'bgp' ? 'bgp' : 'static',
    healthCheck: { intervalSeconds: int(hc.intervalSeconds, HEALTH_CHECK_INTERVAL.default), threshold: int(hc.threshold, HEALTH_CHECK_THRESHOLD.default) },
    failoverTest,
    ...(typeof raw.routeEntryName === 'string' ? { routeEntryName: raw.routeEntryName } : {}),
  };
}
