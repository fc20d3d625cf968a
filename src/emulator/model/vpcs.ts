/**
 * VPCs and vSwitches. A VPC comes with a vRouter and a system route table holding a `System`
 * entry per vSwitch (next hop `local`) and the 100.64.0.0/10 cloud-service route (next hop
 * `service`), as in the seed's chapter 5.1 figure.
 */
import { containsCidr, overlaps, parseCidr } from '../../net/index.ts';
import { InvalidParameter, InvalidVpcNotFound } from '../errors.ts';
import { paginate } from './common.ts';
import { CLOUD_SERVICE_CIDR } from './route-tables.ts';
import type { ModelCore } from './store.ts';
import type { Caller, Page, PageParams, VpcRecord, VSwitchRecord } from './types.ts';

/** Input of `Vpcs.addVpc` (topology seeding). */
export interface VpcSpec {
  vpcId?: string;
  regionId: string;
  cidrBlock: string;
  vpcName?: string;
  description?: string;
  vRouterId?: string;
  routeTableId?: string;
  /** Owning account; absent = the default account. */
  ownerId?: string;
}

/** Input of `Vpcs.addVSwitch`. */
export interface VSwitchSpec {
  vSwitchId?: string;
  vpcId: string;
  zoneId?: string;
  cidrBlock: string;
  vSwitchName?: string;
}

/** VPC and vSwitch inventory. */
export class Vpcs {
  constructor(private readonly core: ModelCore) {}

  /** Creates an `Available` VPC with its vRouter, system route table and 100.64.0.0/10 route. */
  addVpc(s: VpcSpec): VpcRecord {
    const c = this.core;
    parseCidr(s.cidrBlock, 'cidrBlock');
    const vpc: VpcRecord = {
      vpcId: s.vpcId ?? c.ids.next('vpc', s.regionId),
      regionId: s.regionId,
      vpcName: s.vpcName ?? '',
      description: s.description ?? '',
      cidrBlock: s.cidrBlock,
      status: 'Available',
      vRouterId: s.vRouterId ?? c.ids.next('vrt', s.regionId),
      routeTableId: s.routeTableId ?? c.ids.next('vtb', s.regionId),
      creationTime: c.isoNow(),
      ...c.ownerField(s.ownerId),
    };
    c.vpcs.set(vpc.vpcId, vpc);
    c.routeTables.set(vpc.routeTableId, {
      routeTableId: vpc.routeTableId,
      regionId: vpc.regionId,
      routerId: vpc.vRouterId,
      routerType: 'VRouter',
      vpcId: vpc.vpcId,
      routeTableType: 'System',
      routeTableName: '',
      description: '',
      status: 'Available',
      creationTime: vpc.creationTime,
    });
    c.addRouteEntry({
      routeEntryId: c.ids.next('rte', vpc.regionId),
      routeTableId: vpc.routeTableId,
      regionId: vpc.regionId,
      destinationCidrBlock: CLOUD_SERVICE_CIDR,
      type: 'System',
      status: 'Available',
      nextHops: [{ nextHopType: 'service', nextHopId: '' }],
      routeEntryName: '',
      description: '',
      creationTime: vpc.creationTime,
    });
    return vpc;
  }

  /**
   * Creates an `Available` vSwitch and its `System` route entry.
   * @throws InvalidParameter when the CIDR is outside the VPC or overlaps another vSwitch
   */
  addVSwitch(s: VSwitchSpec): VSwitchRecord {
    const c = this.core;
    const vpc = this.requireVpc(s.vpcId);
    const cidr = parseCidr(s.cidrBlock, 'cidrBlock');
    if (!containsCidr(parseCidr(vpc.cidrBlock), cidr)) throw new InvalidParameter('CidrBlock', `${s.cidrBlock} is not inside the VPC CIDR ${vpc.cidrBlock}.`);
    for (const other of c.vSwitches.values()) {
      if (other.vpcId === vpc.vpcId && overlaps(parseCidr(other.cidrBlock), cidr)) {
        throw new InvalidParameter('CidrBlock', `${s.cidrBlock} overlaps vSwitch ${other.vSwitchId} (${other.cidrBlock}).`);
      }
    }
    const sw: VSwitchRecord = {
      vSwitchId: s.vSwitchId ?? c.ids.next('vsw', vpc.regionId),
      vpcId: vpc.vpcId,
      regionId: vpc.regionId,
      zoneId: s.zoneId ?? `${vpc.regionId}-a`,
      vSwitchName: s.vSwitchName ?? '',
      cidrBlock: s.cidrBlock,
      status: 'Available',
      routeTableId: vpc.routeTableId,
      creationTime: c.isoNow(),
    };
    c.vSwitches.set(sw.vSwitchId, sw);
    c.addRouteEntry({
      routeEntryId: c.ids.next('rte', vpc.regionId),
      routeTableId: vpc.routeTableId,
      regionId: vpc.regionId,
      destinationCidrBlock: sw.cidrBlock,
      type: 'System',
      status: 'Available',
      nextHops: [{ nextHopType: 'local', nextHopId: '' }],
      routeEntryName: '',
      description: '',
      creationTime: sw.creationTime,
    });
    return sw;
  }

  /** The VPC or `InvalidVpc.NotFound`. */
  requireVpc(vpcId: string, regionId?: string): VpcRecord {
    const v = this.core.vpcs.get(vpcId);
    if (!v || (regionId && v.regionId !== regionId)) throw new InvalidVpcNotFound(vpcId);
    return v;
  }

  /** DescribeVpcs. */
  describeVpcs(f: { regionId: string; vpcId?: string } & PageParams & Caller): Page<VpcRecord> {
    const ids = f.vpcId ? new Set(f.vpcId.split(',').map((s) => s.trim())) : undefined;
    const rows = [...this.core.vpcs.values()].filter((v) => v.regionId === f.regionId && (!ids || ids.has(v.vpcId)) && this.core.seenBy(f, v.vpcId));
    return paginate(rows.map((v) => ({ ...v })), f);
  }

  /** DescribeVSwitches. */
  describeVSwitches(f: { regionId: string; vpcId?: string; vSwitchId?: string } & PageParams & Caller): Page<VSwitchRecord> {
    const rows = [...this.core.vSwitches.values()].filter(
      (s) => s.regionId === f.regionId && (!f.vpcId || s.vpcId === f.vpcId) && (!f.vSwitchId || s.vSwitchId === f.vSwitchId) && this.core.seenBy(f, s.vpcId),
    );
    return paginate(rows.map((s) => ({ ...s })), f);
  }
}
