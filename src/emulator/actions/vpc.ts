/**
 * VPC 2016-04-28 actions used by the Express Connect procedures (alibaba-api.md §4): route
 * tables and entries, router interfaces and their health checks, VBRs, circuits, BGP, VPCs and
 * vSwitches. Each handler checks the parameters the API marks required (`Missing<Name>`), maps
 * the wire params onto `NetworkModel` calls, and serializes with Alibaba's names and nesting
 * (`RouterTableList.RouterTableListType[]`, `RouteEntrys.RouteEntry[]`, ...).
 */
import {
  InvalidNextHopNotFound,
  InvalidPhysicalConnectionIdNotFound,
  InvalidRouteEntryNotFound,
  InvalidRouteTableNotFound,
  InvalidRouterInterfaceIdNotFound,
  InvalidVbrIdNotFound,
  InvalidVpcNotFound,
  InvalidWeight,
  MissingParameter,
  type EmulatorApiError,
} from '../errors.ts';
import type { NetworkModel } from '../model/network.ts';
import { parseDestination } from '../model/common.ts';
import type {
  BgpGroupRecord,
  BgpNetworkRecord,
  BgpPeerView,
  NextHopView,
  Page,
  PhysicalConnectionRecord,
  RouteEntryView,
  RouteTableRecord,
  RouterInterfaceView,
  VpcRecord,
  VSwitchRecord,
} from '../model/types.ts';
import type { VbrView } from '../model/vbrs.ts';
import type { RpcParams } from '../rpc/params.ts';
import { isWriteAction, type ActionContext, type ActionHandler, type ProductApi } from '../rpc/types.ts';
import type { GrantParams } from '../model/cen.ts';
import { callerOf, nest } from './common.ts';

/** Page-number fields of a model page, as the wire carries them. */
function pageFields<T>(p: Page<T>): { PageNumber: number; PageSize: number; TotalCount: number } {
  return { PageNumber: p.pageNumber, PageSize: p.pageSize, TotalCount: p.totalCount };
}

/** `PageNumber` / `PageSize` from the wire (the model checks the bounds). */
function paging(params: RpcParams): { pageNumber?: number; pageSize?: number } {
  const pageNumber = params.int('PageNumber');
  const pageSize = params.int('PageSize');
  return { ...(pageNumber !== undefined ? { pageNumber } : {}), ...(pageSize !== undefined ? { pageSize } : {}) };
}

/** `Filter.N.Key` / `Filter.N.Value.M` → `{ Key: values }`. */
function filterMap(params: RpcParams): Record<string, string[]> | undefined {
  const list = params.filters();
  if (list.length === 0) return undefined;
  const out: Record<string, string[]> = {};
  for (const f of list) out[f.key] = [...(out[f.key] ?? []), ...f.values];
  return out;
}

function opt<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

/** The VPC dispatch table over one model. `model()` is read per call so a snapshot load swaps it. */
export function vpcApi(model: () => NetworkModel): ProductApi {
  const m = model;
  const actions: Record<string, ActionHandler> = {
      DescribeRouteTableList: (ctx) => {
        const { params } = ctx;
        const page = m().routeTables.describeRouteTables({
          callerId: callerOf(m(), ctx),
          regionId: params.requireString('RegionId'),
          ...opt('routerType', params.enumValue('RouterType', ['VRouter', 'VBR'] as const)),
          ...opt('routerId', params.string('RouterId')),
          ...opt('vpcId', params.string('VpcId')),
          ...opt('routeTableId', params.string('RouteTableId')),
          ...opt('routeTableName', params.string('RouteTableName')),
          ...paging(params),
        });
        const type = params.string('RouteTableType');
        return {
          // DescribeRouteTableList also carries Success/Code/Message (VPC SDK response struct).
          Success: true,
          Code: '200',
          Message: 'successful',
          ...pageFields(page),
          ...nest('RouterTableList', 'RouterTableListType', page.items.filter((t) => !type || t.routeTableType === type).map((t) => routeTableJson(m(), t))),
        };
      },

      DescribeRouteEntryList: (ctx) => {
        const { params } = ctx;
        const page = m().routeTables.describeRouteEntries({
          regionId: params.requireString('RegionId'),
          routeTableId: params.requireString('RouteTableId'),
          ...opt('destinationCidrBlock', params.string('DestinationCidrBlock')),
          ...(params.list('DestCidrBlockList').length > 0 ? { destCidrBlockList: params.list('DestCidrBlockList') } : {}),
          ...opt('routeEntryId', params.string('RouteEntryId')),
          ...opt('routeEntryType', params.string('RouteEntryType')),
          ...opt('nextHopId', params.string('NextHopId')),
          ...opt('nextHopType', params.string('NextHopType')),
          ...opt('maxResult', params.int('MaxResult')),
          ...opt('nextToken', params.string('NextToken')),
        });
        const name = params.string('RouteEntryName');
        const ipv6Only = params.string('IpVersion')?.toLowerCase() === 'ipv6';
        const rows = page.items.filter((e) => !ipv6Only && (!name || e.routeEntryName === name));
        return { NextToken: page.nextToken ?? '', ...nest('RouteEntrys', 'RouteEntry', rows.map(routeEntryJson)) };
      },

      CreateRouteEntry: (ctx) => {
        const { params } = ctx;
        const routeTableId = params.requireString('RouteTableId');
        const destinationCidrBlock = params.requireString('DestinationCidrBlock');
        const list = params.objects('NextHopList');
        const result = m().routeTables.createRouteEntry({
          ...opt('regionId', params.string('RegionId')),
          routeTableId,
          destinationCidrBlock,
          ...opt('nextHopType', params.string('NextHopType')),
          ...opt('nextHopId', params.string('NextHopId')),
          ...(list.length > 0 ? { nextHopList: list.map((h, i) => nextHopItem(h, i, true)) } : {}),
          ...opt('routeEntryName', params.string('RouteEntryName')),
          ...opt('description', params.string('Description')),
          ...opt('clientToken', params.string('ClientToken')),
          dryRun: ctx.dryRun,
        });
        return { RouteEntryId: result.routeEntryId };
      },

      DeleteRouteEntry: (ctx) => {
        const { params } = ctx;
        const list = params.objects('NextHopList');
        m().routeTables.deleteRouteEntry({
          ...opt('regionId', params.string('RegionId')),
          ...opt('routeEntryId', params.string('RouteEntryId')),
          ...opt('routeTableId', params.string('RouteTableId')),
          ...opt('destinationCidrBlock', params.string('DestinationCidrBlock')),
          ...opt('nextHopId', params.string('NextHopId')),
          ...(list.length > 0 ? { nextHopList: list.map((h, i) => nextHopItem(h, i, false)) } : {}),
          dryRun: ctx.dryRun,
        });
        return {};
      },

      ModifyRouteEntry: (ctx) => {
        const { params } = ctx;
        const regionId = params.requireString('RegionId');
        let routeEntryId = params.string('RouteEntryId');
        const routeTableId = params.string('RouteTableId');
        const cidr = params.string('DestinationCidrBlock');
        // The entry may also be named by table + destination.
        if (routeEntryId === undefined && routeTableId !== undefined && cidr !== undefined) {
          routeEntryId = m().routeTables.entryAt(m().routeTables.requireTable(routeTableId, regionId).routeTableId, parseDestination(cidr))?.routeEntryId;
        }
        if (routeEntryId === undefined) throw new MissingParameter('RouteEntryId');
        m().routeTables.modifyRouteEntry({
          regionId,
          routeEntryId,
          ...opt('routeEntryName', params.string('RouteEntryName')),
          ...opt('description', params.string('Description')),
          ...opt('newNextHopId', params.string('NewNextHopId')),
          ...opt('newNextHopType', params.string('NewNextHopType')),
          dryRun: ctx.dryRun,
        });
        return {};
      },

      DescribeRouterInterfaces: (ctx) => {
        const { params } = ctx;
        const page = m().routerInterfaces.describeRouterInterfaces({
          callerId: callerOf(m(), ctx),
          regionId: params.requireString('RegionId'),
          ...opt('filters', filterMap(params)),
          ...paging(params),
        });
        return { ...pageFields(page), ...nest('RouterInterfaceSet', 'RouterInterfaceType', page.items.map(routerInterfaceJson)) };
      },

      ModifyRouterInterfaceAttribute: ({ params }) => {
        m().routerInterfaces.modifyRouterInterfaceAttribute({
          regionId: params.requireString('RegionId'),
          routerInterfaceId: params.requireString('RouterInterfaceId'),
          ...opt('name', params.string('Name')),
          ...opt('description', params.string('Description')),
          ...opt('healthCheckSourceIp', params.string('HealthCheckSourceIp')),
          ...opt('healthCheckTargetIp', params.string('HealthCheckTargetIp')),
          ...opt('hcRate', params.int('HcRate')),
          ...opt('hcThreshold', params.int('HcThreshold')),
          ...opt('deleteHealthCheckIp', params.bool('DeleteHealthCheckIp')),
        });
        return {};
      },

      AddBgpNetwork: ({ params }) => {
        m().vbrs.addBgpNetwork({
          regionId: params.requireString('RegionId'),
          routerId: params.requireString('RouterId'),
          dstCidrBlock: params.requireString('DstCidrBlock'),
          ...opt('vpcId', params.string('VpcId')),
          ...opt('clientToken', params.string('ClientToken')),
        });
        return {};
      },

      DeleteBgpNetwork: ({ params }) => {
        m().vbrs.deleteBgpNetwork({
          regionId: params.requireString('RegionId'),
          routerId: params.requireString('RouterId'),
          dstCidrBlock: params.requireString('DstCidrBlock'),
          ...opt('clientToken', params.string('ClientToken')),
        });
        return {};
      },

      DescribeBgpNetworks: (ctx) => {
        const { params } = ctx;
        const page = m().vbrs.describeBgpNetworks({
          callerId: callerOf(m(), ctx),
          regionId: params.requireString('RegionId'),
          ...opt('routerId', params.string('RouterId')),
          ...paging(params),
        });
        return { ...pageFields(page), ...nest('BgpNetworks', 'BgpNetwork', page.items.map(bgpNetworkJson)) };
      },

      DescribeBgpPeers: (ctx) => {
        const { params } = ctx;
        const page = m().vbrs.describeBgpPeers({
          callerId: callerOf(m(), ctx),
          regionId: params.requireString('RegionId'),
          ...opt('routerId', params.string('RouterId')),
          ...opt('bgpGroupId', params.string('BgpGroupId')),
          ...opt('bgpPeerId', params.string('BgpPeerId')),
          ...paging(params),
        });
        return { ...pageFields(page), ...nest('BgpPeers', 'BgpPeer', page.items.map(bgpPeerJson)) };
      },

      DescribeBgpGroups: (ctx) => {
        const { params } = ctx;
        const page = m().vbrs.describeBgpGroups({
          callerId: callerOf(m(), ctx),
          regionId: params.requireString('RegionId'),
          ...opt('routerId', params.string('RouterId')),
          ...opt('bgpGroupId', params.string('BgpGroupId')),
          ...paging(params),
        });
        return { ...pageFields(page), ...nest('BgpGroups', 'BgpGroup', page.items.map(bgpGroupJson)) };
      },

      DescribeVirtualBorderRouters: (ctx) => {
        const { params } = ctx;
        const page = m().vbrs.describeVirtualBorderRouters({
          callerId: callerOf(m(), ctx),
          regionId: params.requireString('RegionId'),
          ...opt('filters', filterMap(params)),
          ...paging(params),
        });
        return { ...pageFields(page), ...nest('VirtualBorderRouterSet', 'VirtualBorderRouterType', page.items.map((v) => vbrJson(m(), v))) };
      },

      TerminateVirtualBorderRouter: (ctx) => {
        const { params } = ctx;
        m().vbrs.terminateVirtualBorderRouter({
          callerId: callerOf(m(), ctx),
          regionId: params.requireString('RegionId'),
          vbrId: params.requireString('VbrId'),
          ...opt('clientToken', params.string('ClientToken')),
        });
        return {};
      },

      RecoverVirtualBorderRouter: (ctx) => {
        const { params } = ctx;
        m().vbrs.recoverVirtualBorderRouter({
          callerId: callerOf(m(), ctx),
          regionId: params.requireString('RegionId'),
          vbrId: params.requireString('VbrId'),
          ...opt('clientToken', params.string('ClientToken')),
        });
        return {};
      },

      DescribePhysicalConnections: (ctx) => {
        const { params } = ctx;
        const page = m().vbrs.describePhysicalConnections({
          callerId: callerOf(m(), ctx),
          regionId: params.requireString('RegionId'),
          ...opt('filters', filterMap(params)),
          ...paging(params),
        });
        return { ...pageFields(page), ...nest('PhysicalConnectionSet', 'PhysicalConnectionType', page.items.map(physicalConnectionJson)) };
      },

      DescribeVpcs: (ctx) => {
        const { params } = ctx;
        const page = m().vpcs.describeVpcs({
          callerId: callerOf(m(), ctx),
          regionId: params.requireString('RegionId'),
          ...opt('vpcId', params.string('VpcId')),
          ...paging(params),
        });
        const name = params.string('VpcName');
        return { ...pageFields(page), ...nest('Vpcs', 'Vpc', page.items.filter((v) => !name || v.vpcName === name).map((v) => vpcJson(m(), v))) };
      },

      DescribeVSwitches: (ctx) => {
        const { params } = ctx;
        // RegionId is optional in the API metadata, but every lookup here is per region.
        const regionId = params.string('RegionId');
        if (regionId === undefined) throw new MissingParameter('RegionId');
        const page = m().vpcs.describeVSwitches({
          callerId: callerOf(m(), ctx),
          regionId,
          ...opt('vpcId', params.string('VpcId')),
          ...opt('vSwitchId', params.string('VSwitchId')),
          ...paging(params),
        });
        const zone = params.string('ZoneId');
        const name = params.string('VSwitchName');
        const rows = page.items.filter((s) => (!zone || s.zoneId === zone) && (!name || s.vSwitchName === name));
        return { ...pageFields(page), ...nest('VSwitches', 'VSwitch', rows.map(vSwitchJson)) };
      },

      GrantInstanceToCen: (ctx) => {
        m().cens.grantInstanceToCen(grantParams(m(), ctx));
        return {};
      },

      RevokeInstanceFromCen: (ctx) => {
        m().cens.revokeInstanceFromCen(grantParams(m(), ctx));
        return {};
      },

      DescribeGrantRulesToCen: (ctx) => {
        const { params } = ctx;
        const page = m().cens.describeGrantRulesToCen({
          callerId: callerOf(m(), ctx),
          regionId: params.requireString('RegionId'),
          instanceId: params.requireString('InstanceId'),
          instanceType: params.requireString('InstanceType'),
          ...paging(params),
        });
        return {
          ...pageFields(page),
          ...nest('CenGrantRules', 'CbnGrantRule', page.items.map((g) => ({ CenInstanceId: g.cenId, CenOwnerId: Number(g.cenOwnerId), CreationTime: g.creationTime }))),
        };
      },
  };
  // Calls that name one resource: another account's resource does not exist for the caller.
  for (const [name, handler] of Object.entries(actions)) {
    if (isWriteAction(name) && !GRANT_ACTIONS.has(name)) actions[name] = (ctx) => (hideForeign(m(), ctx), handler(ctx));
    else if (name === 'DescribeRouteEntryList') actions[name] = (ctx) => (hideForeign(m(), ctx), handler(ctx));
  }
  return { product: 'Vpc', version: '2016-04-28', host: 'vpc.aliyuncs.com', actions };
}

/** Grant actions check the instance's owner themselves (the caller must own it). */
const GRANT_ACTIONS: ReadonlySet<string> = new Set(['GrantInstanceToCen', 'RevokeInstanceFromCen']);

/** Parameters that name a resource, and the error the model answers when none has that id. */
const ADDRESSED: ReadonlyArray<{ param: string; missing: (id: string) => EmulatorApiError }> = [
  { param: 'RouteTableId', missing: (id) => new InvalidRouteTableNotFound(id) },
  { param: 'RouteEntryId', missing: (id) => new InvalidRouteEntryNotFound(id) },
  { param: 'RouterInterfaceId', missing: (id) => new InvalidRouterInterfaceIdNotFound(id) },
  { param: 'RouterId', missing: (id) => (id.startsWith('vbr-') ? new InvalidVbrIdNotFound(id) : new InvalidVpcNotFound(id)) },
  { param: 'VbrId', missing: (id) => new InvalidVbrIdNotFound(id) },
  { param: 'VpcId', missing: (id) => new InvalidVpcNotFound(id) },
  { param: 'PhysicalConnectionId', missing: (id) => new InvalidPhysicalConnectionIdNotFound(id) },
  { param: 'NextHopId', missing: (id) => new InvalidNextHopNotFound(id) },
  { param: 'NewNextHopId', missing: (id) => new InvalidNextHopNotFound(id) },
];

/**
 * Refuses a call that names a resource of another account with the error for an unknown id:
 * on Alibaba Cloud another account's VPC, VBR, route table or router interface is invisible.
 */
function hideForeign(model: NetworkModel, ctx: ActionContext): void {
  // The common case, a model of one account, has nothing to hide.
  if (model.core.accounts.size < 2) return;
  const caller = callerOf(model, ctx);
  for (const { param, missing } of ADDRESSED) {
    const id = ctx.params.string(param);
    if (id !== undefined && !model.core.visibleTo(caller, id)) throw missing(id);
  }
  for (const hop of ctx.params.objects('NextHopList')) {
    if (hop.NextHopId && !model.core.visibleTo(caller, hop.NextHopId)) throw new InvalidNextHopNotFound(hop.NextHopId);
  }

}

function grantParams(model: NetworkModel, ctx: ActionContext): GrantParams {
  const { params } = ctx;
  return {
    callerId: callerOf(model, ctx),
    regionId: params.requireString('RegionId'),
    instanceId: params.requireString('InstanceId'),
    instanceType: params.requireString('InstanceType'),
    cenId: params.requireString('CenId'),
    cenOwnerId: params.requireString('CenOwnerId'),
  };
}

function nextHopItem(h: Record<string, string>, i: number, withWeight: boolean): { nextHopType?: string; nextHopId: string; weight?: number } {
  const id = h.NextHopId;
  if (id === undefined || id === '') throw new MissingParameter(`NextHopList.${i + 1}.NextHopId`);
  const weightText = h.Weight;
  let weight: number | undefined;
  if (withWeight && weightText !== undefined && weightText !== '') {
    if (!/^[0-9]+$/.test(weightText)) throw new InvalidWeight();
    weight = Number(weightText);
  }
  return { nextHopId: id, ...opt('nextHopType', h.NextHopType), ...opt('weight', weight) };
}

function routeTableJson(model: NetworkModel, t: RouteTableRecord): Record<string, unknown> {
  const vSwitchIds = [...model.core.vSwitches.values()].filter((s) => s.routeTableId === t.routeTableId).map((s) => s.vSwitchId);
  return {
    RouteTableId: t.routeTableId,
    RouteTableName: t.routeTableName,
    RouteTableType: t.routeTableType,
    RouterId: t.routerId,
    RouterType: t.routerType,
    VpcId: t.vpcId ?? '',
    Status: t.status,
    Description: t.description,
    CreationTime: t.creationTime,
    OwnerId: Number(model.core.resourceOwner(t.routeTableId) ?? model.accountId),
    ResourceGroupId: '',
    AssociateType: t.routerType === 'VRouter' ? 'VSwitch' : '',
    VSwitchIds: { VSwitchId: vSwitchIds },
  };
}

function nextHopJson(h: NextHopView): Record<string, unknown> {
  const ri = h.nextHopType === 'RouterInterface';
  return {
    NextHopId: h.nextHopId,
    NextHopType: h.nextHopType,
    NextHopRegionId: h.nextHopRegionId,
    // Weight and Enabled describe router-interface hops only (alibaba-api.md §4).
    ...(ri ? { Weight: h.weight ?? 100, Enabled: h.enabled === false ? 0 : 1 } : {}),
    ...(h.nextHopRelatedInfo
      ? { NextHopRelatedInfo: { InstanceId: h.nextHopRelatedInfo.instanceId, InstanceType: h.nextHopRelatedInfo.instanceType, RegionId: h.nextHopRelatedInfo.regionId } }
      : {}),
  };
}

function routeEntryJson(e: RouteEntryView): Record<string, unknown> {
  return {
    RouteEntryId: e.routeEntryId,
    RouteTableId: e.routeTableId,
    DestinationCidrBlock: e.destinationCidrBlock,
    Type: e.type,
    Status: e.status,
    RouteEntryName: e.routeEntryName,
    Description: e.description,
    IpVersion: 'IPv4',
    Origin: e.origin,
    GmtModified: e.creationTime,
    NextHops: { NextHop: e.nextHops.map(nextHopJson) },
  };
}

function routerInterfaceJson(ri: RouterInterfaceView): Record<string, unknown> {
  return {
    RouterInterfaceId: ri.routerInterfaceId,
    RouterId: ri.routerId,
    RouterType: ri.routerType,
    Role: ri.role,
    Spec: ri.spec,
    Name: ri.name,
    Description: ri.description,
    Status: ri.status,
    BusinessStatus: ri.businessStatus,
    OppositeInterfaceId: ri.oppositeInterfaceId,
    OppositeRouterId: ri.oppositeRouterId,
    OppositeRouterType: ri.oppositeRouterType,
    OppositeRegionId: ri.oppositeRegionId,
    OppositeInterfaceStatus: ri.oppositeInterfaceStatus,
    OppositeInterfaceBusinessStatus: 'Normal',
    VpcInstanceId: ri.vpcInstanceId ?? '',
    AccessPointId: ri.accessPointId ?? '',
    HealthCheckSourceIp: ri.healthCheckSourceIp ?? '',
    HealthCheckTargetIp: ri.healthCheckTargetIp ?? '',
    ...(ri.hcRate !== undefined ? { HcRate: ri.hcRate } : {}),
    ...(ri.hcThreshold !== undefined ? { HcThreshold: ri.hcThreshold } : {}),
    CreationTime: ri.creationTime,
    ChargeType: 'AfterPay',
    CrossBorder: false,
    HasReservationData: 'false',
  };
}

function bgpNetworkJson(n: BgpNetworkRecord): Record<string, unknown> {
  return { DstCidrBlock: n.dstCidrBlock, RouterId: n.routerId, VpcId: n.vpcId ?? '', Status: n.status, IpVersion: 'IPv4' };
}

function bgpPeerJson(p: BgpPeerView): Record<string, unknown> {
  return {
    BgpPeerId: p.bgpPeerId,
    BgpGroupId: p.bgpGroupId,
    RouterId: p.routerId,
    RegionId: p.regionId,
    Name: p.name,
    PeerIpAddress: p.peerIpAddress,
    PeerAsn: String(p.peerAsn),
    LocalAsn: String(p.localAsn),
    BgpStatus: p.bgpStatus,
    Status: p.status,
    IpVersion: 'IPv4',
    EnableBfd: false,
    IsFake: false,
  };
}

function bgpGroupJson(g: BgpGroupRecord): Record<string, unknown> {
  return {
    BgpGroupId: g.bgpGroupId,
    RouterId: g.routerId,
    RegionId: g.regionId,
    Name: g.name,
    Description: g.description,
    PeerAsn: String(g.peerAsn),
    LocalAsn: String(g.localAsn),
    AuthKey: g.authKey ?? '',
    Status: g.status,
    IpVersion: 'IPv4',
    IsFake: false,
  };
}

function vbrJson(model: NetworkModel, v: VbrView): Record<string, unknown> {
  const pc = model.core.physicalConnections.get(v.physicalConnectionId);
  return {
    VbrId: v.vbrId,
    Name: v.name,
    Description: v.description,
    Status: v.status,
    RouteTableId: v.routeTableId,
    PhysicalConnectionId: v.physicalConnectionId,
    PhysicalConnectionStatus: v.physicalConnectionStatus,
    PhysicalConnectionBusinessStatus: v.physicalConnectionBusinessStatus,
    PhysicalConnectionOwnerUid: v.physicalConnectionOwnerUid,
    AccessPointId: v.accessPointId,
    VlanId: v.vlanId,
    LocalGatewayIp: v.localGatewayIp,
    PeerGatewayIp: v.peerGatewayIp,
    PeeringSubnetMask: v.peeringSubnetMask,
    CreationTime: v.creationTime,
    ActivationTime: v.creationTime,
    Type: 'pconnVBR',
    ...(pc ? { Bandwidth: pc.bandwidth } : {}),
  };
}

function physicalConnectionJson(p: PhysicalConnectionRecord): Record<string, unknown> {
  return {
    PhysicalConnectionId: p.physicalConnectionId,
    Name: p.name,
    Description: p.description,
    AccessPointId: p.accessPointId,
    Type: p.type,
    LineOperator: p.lineOperator,
    PortType: p.portType,
    Status: p.status,
    BusinessStatus: p.businessStatus,
    Bandwidth: p.bandwidth,
    Spec: p.bandwidth >= 1000 ? `${p.bandwidth / 1000}G` : `${p.bandwidth}M`,
    CreationTime: p.creationTime,
    ChargeType: 'Prepaid',
    HasReservationData: 'false',
  };
}

function vpcJson(model: NetworkModel, v: VpcRecord): Record<string, unknown> {
  const vSwitchIds = [...model.core.vSwitches.values()].filter((s) => s.vpcId === v.vpcId).map((s) => s.vSwitchId);
  const tables = [...model.core.routeTables.values()].filter((t) => t.vpcId === v.vpcId).map((t) => t.routeTableId);
  return {
    VpcId: v.vpcId,
    RegionId: v.regionId,
    VpcName: v.vpcName,
    Description: v.description,
    CidrBlock: v.cidrBlock,
    Status: v.status,
    VRouterId: v.vRouterId,
    CreationTime: v.creationTime,
    IsDefault: false,
    OwnerId: Number(model.core.ownerOf(v)),
    ResourceGroupId: '',
    VSwitchIds: { VSwitchId: vSwitchIds },
    RouterTableIds: { RouterTableIds: tables },
    UserCidrs: { UserCidr: [] },
    SecondaryCidrBlocks: { SecondaryCidrBlock: [] },
  };
}

function vSwitchJson(s: VSwitchRecord): Record<string, unknown> {
  return {
    VSwitchId: s.vSwitchId,
    VpcId: s.vpcId,
    ZoneId: s.zoneId,
    VSwitchName: s.vSwitchName,
    Description: '',
    CidrBlock: s.cidrBlock,
    Status: s.status,
    CreationTime: s.creationTime,
    IsDefault: false,
    RouteTable: { RouteTableId: s.routeTableId, RouteTableType: 'System' },
  };
}
