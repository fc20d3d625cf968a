/**
 * Reads the procedures share: a VPC and its system route table, a VBR, the router-interface pair
 * between a VBR and a VPC, a VBR's interconnect subnet; and parameter checks that give a clear
 * error before any change (canonical CIDRs, IPv4 addresses).
 */
import type { CloudClients, RouteTable, RouterInterface, VirtualBorderRouter, Vpc } from '../../src/cloud/index.ts';
import { NotFoundError, ValidationError } from '../../src/errors.ts';
import { formatCidr, maskOf, parseCidr, parseIpv4 } from '../../src/net/index.ts';

/** Reads a VPC. @throws NotFoundError `VpcNotFound` */
export async function readVpc(cloud: CloudClients, vpcId: string): Promise<Vpc> {
  const [vpc] = await cloud.vpc.describeVpcs({ vpcId });
  if (!vpc) throw new NotFoundError(`VPC ${vpcId} does not exist in ${cloud.regionId}`, { code: 'VpcNotFound', field: 'vpcId' });
  return vpc;
}

/**
 * The VPC's route table: `routeTableId` when given (it must belong to the VPC), else the system
 * table. @throws NotFoundError `RouteTableNotFound`
 */
export async function readVpcRouteTable(cloud: CloudClients, vpc: Vpc, routeTableId?: string): Promise<RouteTable> {
  const tables = await cloud.vpc.describeRouteTableList({ vpcId: vpc.vpcId });
  const own = tables.filter((t) => t.routerId === vpc.vRouterId || t.vpcId === vpc.vpcId);
  const table = routeTableId ? own.find((t) => t.routeTableId === routeTableId) : (own.find((t) => t.routeTableType === 'System') ?? own[0]);
  if (!table) {
    throw new NotFoundError(routeTableId ? `route table ${routeTableId} is not a table of ${vpc.vpcId}` : `${vpc.vpcId} has no route table`, {
      code: 'RouteTableNotFound',
      field: 'routeTableId',
    });
  }
  return table;
}

/** Reads a VBR. @throws NotFoundError `VbrNotFound` */
export async function readVbr(cloud: CloudClients, vbrId: string, field = 'vbrId'): Promise<VirtualBorderRouter> {
  const [vbr] = await cloud.vpc.describeVirtualBorderRouters({ vbrId });
  if (!vbr) throw new NotFoundError(`VBR ${vbrId} does not exist in ${cloud.regionId}`, { code: 'VbrNotFound', field });
  return vbr;
}

/** The two ends of a VBR-to-VPC peering connection. */
export interface RouterInterfacePair {
  /** The VBR's end: where Express Connect health checks are set, next hop of VBR routes toward the VPC. */
  vbrSide: RouterInterface;
  /** The VPC's end: next hop of VPC routes toward the VBR (and the data center behind it). */
  vpcSide: RouterInterface;
}

/**
 * The router-interface pair connecting `vbrId` and the VPC.
 * @throws NotFoundError `RouterInterfaceNotFound` when the VBR has no interface toward the VPC
 */
export async function readRouterInterfacePair(cloud: CloudClients, vbrId: string, vpc: Vpc, field = 'vbrId'): Promise<RouterInterfacePair> {
  const onVbr = await cloud.vpc.describeRouterInterfaces({ routerId: vbrId });
  const vbrSide = onVbr.find((ri) => ri.oppositeRouterId === vpc.vRouterId || ri.vpcInstanceId === vpc.vpcId);
  if (!vbrSide?.oppositeInterfaceId) {
    throw new NotFoundError(`VBR ${vbrId} has no router interface toward ${vpc.vpcId} (a VBR-to-VPC peering connection is a prerequisite)`, {
      code: 'RouterInterfaceNotFound',
      field,
    });
  }
  const [vpcSide] = await cloud.vpc.describeRouterInterfaces({ routerInterfaceId: vbrSide.oppositeInterfaceId });
  if (!vpcSide) {
    throw new NotFoundError(`the VPC end ${vbrSide.oppositeInterfaceId} of ${vbrSide.routerInterfaceId} does not exist`, { code: 'RouterInterfaceNotFound', field });
  }
  return { vbrSide, vpcSide };
}

/** Prefix length of a dotted mask such as `255.255.255.252`. @throws ValidationError for a non-contiguous mask */
export function maskLength(mask: string): number {
  const m = parseIpv4(mask, 'peeringSubnetMask');
  for (let len = 0; len <= 32; len++) if (maskOf(len) === m) return len;
  throw new ValidationError(`${mask} is not a contiguous subnet mask`, { code: 'InvalidMask', field: 'peeringSubnetMask' });
}

/** The VBR's interconnect subnet (local gateway IP + peering mask), e.g. `10.10.10.0/30`; undefined when unknown. */
export function interconnectSubnet(vbr: VirtualBorderRouter): string | undefined {
  if (!vbr.localGatewayIp || !vbr.peeringSubnetMask) return undefined;
  const len = maskLength(vbr.peeringSubnetMask);
  const ip = parseIpv4(vbr.localGatewayIp, 'localGatewayIp');
  return formatCidr({ network: (ip & maskOf(len)) >>> 0, length: len });
}

/** A canonical CIDR or a ValidationError naming the field and the canonical form. */
export function canonicalCidr(text: string, field: string): string {
  return formatCidr(parseCidr(text, field));
}

/** An IPv4 address or a ValidationError naming the field. */
export function ipv4(text: string, field: string): string {
  parseIpv4(text, field);
  return text;
}

/** Whether a VBR and its circuit can carry routes (`active`, circuit `Enabled`/`Normal` when reported). */
export function vbrUsable(vbr: VirtualBorderRouter): { ok: boolean; reason?: string } {
  if (vbr.status !== 'active') return { ok: false, reason: `VBR ${vbr.vbrId} is ${vbr.status}, not active` };
  if (vbr.physicalConnectionStatus && vbr.physicalConnectionStatus !== 'Enabled') {
    return { ok: false, reason: `the physical connection of ${vbr.vbrId} is ${vbr.physicalConnectionStatus}, not Enabled` };
  }
  if (vbr.physicalConnectionBusinessStatus && vbr.physicalConnectionBusinessStatus !== 'Normal') {
    return { ok: false, reason: `the physical connection of ${vbr.vbrId} is ${vbr.physicalConnectionBusinessStatus}` };
  }
  return { ok: true };
}
