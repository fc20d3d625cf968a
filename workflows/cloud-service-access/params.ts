/**
 * Parameters of `cloud-service-access` (seed chapter 1): the JSON schema the engine checks, and
 * a parser that turns them into typed values with canonical CIDRs and clear errors.
 */
import type { JsonObject, JsonSchema } from '../../src/engine/types.ts';
import { ValidationError } from '../../src/errors.ts';
import { containsCidr, parseCidr } from '../../src/net/index.ts';
import { canonicalCidr, ipv4 } from '../shared/read.ts';

/** The reserved cloud-service range of every VPC (AnyTunnel VIPs, DNS, YUM, NTP, OSS, SLS…). */
export const CLOUD_SERVICE_CIDR = '100.64.0.0/10';

/** The two halves the seed adds, because 100.64.0.0/10 itself is refused (seed chapter 1, note). */
export const DEFAULT_SERVICE_ROUTES = ['100.64.0.0/11', '100.96.0.0/11'] as const;

/** Alibaba Cloud's DNS resolver inside every VPC: a 100.64.0.0/10 address to verify with. UNCONFIRMED as reachable over a leased line without the VBR routes only. */
export const DEFAULT_SERVICE_TARGET_IP = '100.100.2.136';

/** Typed parameters. */
export interface CloudAccessParams {
  regionId: string;
  vbrId: string;
  vpcId: string;
  destinationCidrBlocks: string[];
  verification: {
    /** Where the check starts in the data center: a device IP, or a Cloud Assistant managed instance (`mi-…`). */
    source: string;
    /** A 100.64.0.0/10 address to reach. */
    targetIp: string;
  };
  routeEntryName?: string;
}

/** JSON schema of the parameters. */
export const cloudAccessParamsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['regionId', 'vbrId', 'vpcId', 'verification'],
  properties: {
    regionId: { type: 'string', minLength: 1, description: 'Region of the VBR and the VPC, e.g. cn-hangzhou' },
    vbrId: { type: 'string', pattern: '^vbr-[a-z0-9]+$', description: 'The VBR of the physical connection' },
    vpcId: { type: 'string', pattern: '^vpc-[a-z0-9]+$', description: 'The VPC peered with the VBR (its router interface is the next hop)' },
    destinationCidrBlocks: {
      type: 'array',
      items: { type: 'string' },
      minItems: 1,
      maxItems: 8,
      uniqueItems: true,
      default: [...DEFAULT_SERVICE_ROUTES],
      description: 'Parts of 100.64.0.0/10 to route toward the VPC (default 100.64.0.0/11 and 100.96.0.0/11)',
    },
    verification: {
      type: 'object',
      additionalProperties: false,
      required: ['source'],
      properties: {
        source: { type: 'string', minLength: 1, description: 'A data-center device IP or managed instance id (mi-…) to check from' },
        targetIp: { type: 'string', default: DEFAULT_SERVICE_TARGET_IP, description: 'A 100.64.0.0/10 address to reach (default 100.100.2.136)' },
      },
    },
    routeEntryName: { type: 'string', maxLength: 128, description: 'Name of the VBR route entries' },
  },
};

/**
 * Reads the parameters (after the schema check): canonical CIDRs inside 100.64.0.0/10, an IPv4
 * target inside it. 100.64.0.0/10 itself passes here so that the API's own refusal is what the
 * user sees (the dry run in `validate`).
 * @throws ValidationError naming the field
 */
export function parseCloudAccessParams(raw: JsonObject): CloudAccessParams {
  const service = parseCidr(CLOUD_SERVICE_CIDR);
  const list = Array.isArray(raw.destinationCidrBlocks) ? raw.destinationCidrBlocks : [...DEFAULT_SERVICE_ROUTES];
  const destinationCidrBlocks = list.map((v, i) => {
    const field = `destinationCidrBlocks[${i}]`;
    const cidr = canonicalCidr(String(v), field);
    if (!containsCidr(service, parseCidr(cidr))) {
      throw new ValidationError(`${cidr} is not inside ${CLOUD_SERVICE_CIDR}, the cloud-service range this procedure routes`, { code: 'InvalidParameter', field });
    }
    return cidr;
  });
  const v = (raw.verification ?? {}) as JsonObject;
  const targetIp = ipv4(typeof v.targetIp === 'string' ? v.targetIp : DEFAULT_SERVICE_TARGET_IP, 'verification.targetIp');
  if (!containsCidr(service, parseCidr(`${targetIp}/32`))) {
    throw new ValidationError(`verification.targetIp ${targetIp} is not a cloud-service address (${CLOUD_SERVICE_CIDR})`, { code: 'InvalidParameter', field: 'verification.targetIp' });
  }
  return {
    regionId: String(raw.regionId),
    vbrId: String(raw.vbrId),
    vpcId: String(raw.vpcId),
    destinationCidrBlocks,
    verification: { source: String(v.source), targetIp },
    ...(typeof raw.routeEntryName === 'string' ? { routeEntryName: raw.routeEntryName } : {}),
  };
}
