/**
 * Parameters of `migrate-vpc-to-cen` and `migrate-vbr-to-cen`: JSON schemas for the engine and
 * the API, and a strict parser that refuses bad input (unknown fields, non-canonical CIDRs)
 * before anything is read or changed.
 */
import { ValidationError } from '../../src/errors.ts';
import type { JsonObject, JsonSchema } from '../../src/engine/types.ts';
import { parseCidr, parseIpv4 } from '../../src/net/index.ts';
import type { FlowParam, MigrationKind, MigrationParams } from './types.ts';

const cidrList: JsonSchema = { type: 'array', items: { type: 'string' } };

const common: Record<string, JsonSchema> = {
  regionId: { type: 'string', minLength: 1, description: 'Region of the VPC/VBR, e.g. cn-hangzhou' },
  cenId: { type: 'string', pattern: '^cen-', description: 'CEN instance to migrate to' },
  routeTableId: { type: 'string', description: 'VPC route table (default: the system route table)' },
  mode: { enum: ['smooth', 'intermittent'], default: 'smooth', description: 'seed 5.1/5.2: smooth (split first) or intermittent' },
  publishRoutes: { ...cidrList, description: 'Custom routes (next hop ECS/VPN/HaVip) to publish; default all of them' },
  peeringRoutes: { ...cidrList, description: 'Only these static peering routes (default: every one blocking a CEN route)' },
  acknowledgeRemainder: {
    oneOf: [{ type: 'boolean' }, cidrList],
    description: 'Acknowledge the addresses that lose their path when a peering route is deleted',
  },
  bandwidth: {
    type: 'object',
    required: ['peerRegionId', 'bandwidthMbps'],
    additionalProperties: false,
    properties: {
      peerRegionId: { type: 'string' },
      bandwidthMbps: { type: 'integer', minimum: 1 },
      bandwidthPackageId: { type: 'string' },
    },
  },
  flows: {
    type: 'array',
    items: {
      type: 'object',
      required: ['name', 'source', 'destinationIp'],
      additionalProperties: false,
      properties: { name: { type: 'string' }, source: { type: 'string' }, destinationIp: { type: 'string' } },
    },
  },
  cenRouteActiveTimeoutMs: { type: 'integer', minimum: 1000 },
};

/** JSON schema of `migrate-vpc-to-cen` params (seed 5.1). */
export const vpcParamsSchema: JsonSchema = {
  type: 'object',
  required: ['regionId', 'cenId', 'vpcId'],
  additionalProperties: false,
  properties: { ...common, vpcId: { type: 'string', pattern: '^vpc-' } },
};

/** JSON schema of `migrate-vbr-to-cen` params (seed 5.2). */
export const vbrParamsSchema: JsonSchema = {
  type: 'object',
  required: ['regionId', 'cenId', 'vbrId'],
  additionalProperties: false,
  properties: {
    ...common,
    vbrId: { type: 'string', pattern: '^vbr-' },
    vpcId: { type: 'string', pattern: '^vpc-', description: 'The VPC peered with the VBR, attached too (seed 5.2-4)' },
    vpcRegionId: { type: 'string', description: 'Region of vpcId when it differs from regionId' },
    cenHealthCheck: {
      type: 'object',
      additionalProperties: false,
      properties: {
        targetIp: { type: 'string' },
        sourceIp: { type: 'string' },
        interval: { type: 'integer', minimum: 2, maximum: 3 },
        threshold: { type: 'integer', minimum: 3, maximum: 8 },
        skip: { type: 'boolean' },
      },
    },
  },
};

function fail(message: string, field: string, code = 'InvalidParameter'): never {
  throw new ValidationError(message, { code, field });
}

function str(o: JsonObject, key: string, required: boolean, prefix?: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) fail(`${key} is required`, key, 'MissingParameter');
    return undefined;
  }
  if (typeof v !== 'string' || v.length === 0) fail(`${key} must be a non-empty string`, key);
  if (prefix && !v.startsWith(prefix)) fail(`${key} ${JSON.stringify(v)} is not a ${prefix}… id`, key);
  return v;
}

function cidrs(o: JsonObject, key: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(`${key} must be a list of CIDR blocks`, key);
  return v.map((x, i) => {
    if (typeof x !== 'string') fail(`${key}[${i}] must be a string`, `${key}[${i}]`);
    parseCidr(x, `${key}[${i}]`);
    return x;
  });
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${field} must be an integer from ${min} to ${max}`, field);
  return v;
}

function obj(v: unknown, field: string): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${field} must be an object`, field);
  return v as JsonObject;
}

function noUnknown(o: JsonObject, allowed: string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) fail(`unknown parameter ${where}${k}`, `${where}${k}`);
  }
}

/**
 * Checks and normalizes the params of a migration procedure.
 * @throws ValidationError naming the field: missing ids, unknown fields, non-canonical CIDRs, bad IPs.
 */
export function parseMigrationParams(kind: MigrationKind, raw: unknown): MigrationParams {
  const o = obj(raw, 'params');
  const allowed = Object.keys((kind === 'vpc' ? vpcParamsSchema : vbrParamsSchema).properties as JsonObject);
  noUnknown(o, allowed, '');
  const mode = o.mode ?? 'smooth';
  if (mode !== 'smooth' && mode !== 'intermittent') fail('mode must be "smooth" or "intermittent"', 'mode');
  const p: MigrationParams = {
    regionId: str(o, 'regionId', true) as string,
    cenId: str(o, 'cenId', true, 'cen-') as string,
    mode,
  };
  const vpcId = str(o, 'vpcId', kind === 'vpc', 'vpc-');
  if (vpcId) p.vpcId = vpcId;
  if (kind === 'vbr') {
    p.vbrId = str(o, 'vbrId', true, 'vbr-');
    const vpcRegionId = str(o, 'vpcRegionId', false);
    if (vpcRegionId) p.vpcRegionId = vpcRegionId;
  }
  const routeTableId = str(o, 'routeTableId', false, 'vtb-');
  if (routeTableId) p.routeTableId = routeTableId;
  const publish = cidrs(o, 'publishRoutes');
  if (publish) p.publishRoutes = publish;
  const peering = cidrs(o, 'peeringRoutes');
  if (peering) p.peeringRoutes = peering;
  if (o.acknowledgeRemainder !== undefined) {
    if (typeof o.acknowledgeRemainder === 'boolean') p.acknowledgeRemainder = o.acknowledgeRemainder;
    else p.acknowledgeRemainder = cidrs(o, 'acknowledgeRemainder');
  }
  if (o.bandwidth !== undefined) {
    const b = obj(o.bandwidth, 'bandwidth');
    noUnknown(b, ['peerRegionId', 'bandwidthMbps', 'bandwidthPackageId'], 'bandwidth.');
    p.bandwidth = {
      peerRegionId: str(b, 'peerRegionId', true) as string,
      bandwidthMbps: int(b.bandwidthMbps, 'bandwidth.bandwidthMbps', 1, 100000),
      ...(typeof b.bandwidthPackageId === 'string' ? { bandwidthPackageId: b.bandwidthPackageId } : {}),
    };
  }
  if (o.flows !== undefined) {
    if (!Array.isArray(o.flows)) fail('flows must be a list', 'flows');
    p.flows = o.flows.map((f, i): FlowParam => {
      const fo = obj(f, `flows[${i}]`);
      noUnknown(fo, ['name', 'source', 'destinationIp'], `flows[${i}].`);
      const destinationIp = str(fo, 'destinationIp', true) as string;
      parseIpv4(destinationIp, `flows[${i}].destinationIp`);
      return { name: str(fo, 'name', true) as string, source: str(fo, 'source', true) as string, destinationIp };
    });
  }
  if (kind === 'vbr' && o.cenHealthCheck !== undefined) {
    const h = obj(o.cenHealthCheck, 'cenHealthCheck');
    noUnknown(h, ['targetIp', 'sourceIp', 'interval', 'threshold', 'skip'], 'cenHealthCheck.');
    const hc: NonNullable<MigrationParams['cenHealthCheck']> = {};
    if (h.targetIp !== undefined) hc.targetIp = formatIp(h.targetIp, 'cenHealthCheck.targetIp');
    if (h.sourceIp !== undefined) hc.sourceIp = formatIp(h.sourceIp, 'cenHealthCheck.sourceIp');
    if (h.interval !== undefined) hc.interval = int(h.interval, 'cenHealthCheck.interval', 2, 3);
    if (h.threshold !== undefined) hc.threshold = int(h.threshold, 'cenHealthCheck.threshold', 3, 8);
    if (h.skip !== undefined) hc.skip = h.skip === true;
    p.cenHealthCheck = hc;
  }
  if (o.cenRouteActiveTimeoutMs !== undefined) {
    p.cenRouteActiveTimeoutMs = int(o.cenRouteActiveTimeoutMs, 'cenRouteActiveTimeoutMs', 1000, 86_400_000);
  }
  return p;
}

function formatIp(v: unknown, field: string): string {
  if (typeof v !== 'string') fail(`${field} must be an IPv4 address`, field);
  parseIpv4(v, field);
  return v;
}
