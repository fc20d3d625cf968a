/**
 * VPC / Express Connect API 2016-04-28: route tables and entries, router interfaces, VBRs,
 * BGP networks and peers, physical connections, VPCs and vSwitches (alibaba-api.md §4).
 * One method per Action; list methods read every page unless a page is asked for.
 */
import { parseCidr, parseIpv4 } from '../net/index.ts';
import { ValidationError } from '../errors.ts';
import type { RpcCall, WireParams } from './rpc.ts';
import type { CloudFilter, CloudWriteResult, DryRunnableResult, RouterType } from './types.ts';
import {
  buildFilters,
  dryRunnable,
  listTokens,
  normalizeClientToken,
  opt,
  optBoolean,
  optNumber,
  optString,
  requestIdOf,
  describeNumbered,
  wireFields,
  wireList,
  wireObject,
  wireString,
  wireStringList,
  type PageRequest,
  type Paged,
  type TokenPageRequest,
  type WireObject,
} from './wire.ts';

// ---------------------------------------------------------------------------------------------
// Domain types
// ---------------------------------------------------------------------------------------------

/** Next-hop kinds of a route entry. `RouterInterface` is the one Express Connect routes use. */
export type NextHopType =
  | 'RouterInterface'
  | 'Instance'
  | 'HaVip'
  | 'VpnGateway'
  | 'NetworkInterface'
  | 'NatGateway'
  | 'IPv6Gateway'
  | 'Attachment'
  | 'VpcPeer'
  | (string & {});

/** Route entry kinds (`RouteEntryType` filter, `Type` field). */
export type RouteEntryType = 'Custom' | 'System' | 'BGP' | 'CEN' | 'ECR' | (string & {});

/** Route entry status: Pending → Available; Modifying; Deleting → gone. */
export type RouteEntryStatus = 'Pending' | 'Available' | 'Modifying' | 'Deleting' | (string & {});

/** A route table (`DescribeRouteTableList` → `RouterTableList.RouterTableListType[]`). */
export interface RouteTable {
  routeTableId: string;
  /** `System` or `Custom`. */
  routeTableType: string;
  routerId: string;
  routerType: RouterType;
  vpcId?: string;
  routeTableName?: string;
  description?: string;
  /** Pending / Available / Deleting. */
  status: string;
}

/** One next hop of a route entry. `weight` and `enabled` are set only for router-interface hops. */
export interface NextHop {
  nextHopType: NextHopType;
  nextHopId: string;
  weight?: number;
  /** `false` when the hop is unusable (its router interface failed its health check). */
  enabled?: boolean;
  nextHopRegionId?: string;
  /** What the hop leads to (`NextHopRelatedInfo`): the VPC, VBR or physical connection. */
  relatedInstanceId?: string;
  /** `VPC`, `VBR` or `PCONN`. */
  relatedInstanceType?: string;
}

/** A route entry (`DescribeRouteEntryList` → `RouteEntrys.RouteEntry[]`). */
export interface RouteEntry {
  routeEntryId: string;
  routeTableId: string;
  destinationCidrBlock: string;
  type: RouteEntryType;
  status: RouteEntryStatus;
  /** One hop for ordinary routes, several for ECMP / weighted routes. */
  nextHops: NextHop[];
  routeEntryName?: string;
  description?: string;
  origin?: string;
  ipVersion?: string;
}

/** A router interface (`DescribeRouterInterfaces` → `RouterInterfaceSet.RouterInterfaceType[]`). */
export interface RouterInterface {
  routerInterfaceId: string;
  routerId: string;
  routerType: RouterType;
  /** `InitiatingSide` or `AcceptingSide`. */
  role: string;
  /** Idle, Connecting, AcceptingConnecting, Activating, Active, Modifying, Deactivating, Inactive, Deleting. */
  status: string;
  /** Normal, FinancialLocked, SecurityLocked. */
  businessStatus?: string;
  name?: string;
  description?: string;
  spec?: string;
  vpcInstanceId?: string;
  accessPointId?: string;
  oppositeInterfaceId?: string;
  oppositeRouterId?: string;
  oppositeRouterType?: RouterType;
  oppositeInterfaceStatus?: string;
  oppositeRegionId?: string;
  healthCheckSourceIp?: string;
  healthCheckTargetIp?: string;
  /** Health check probe interval, ms. */
  hcRate?: number;
  /** Consecutive lost probes before the interface is declared down. */
  hcThreshold?: number;
}

/** A BGP network advertised by a VBR (`DescribeBgpNetworks` → `BgpNetworks.BgpNetwork[]`). */
export interface BgpNetwork {
  dstCidrBlock: string;
  routerId: string;
  vpcId?: string;
  /** `Available` when advertised (doc samples also show `Enabled`; UNCONFIRMED). */
  status: string;
  ipVersion?: string;
}

/** A BGP peer (`DescribeBgpPeers` → `BgpPeers.BgpPeer[]`). The auth key is never read. */
export interface BgpPeer {
  bgpPeerId: string;
  bgpGroupId: string;
  routerId: string;
  peerIpAddress?: string;
  peerAsn?: string;
  localAsn?: string;
  /** Session state, e.g. `Established`. */
  bgpStatus?: string;
  /** Resource status, e.g. `Available`. */
  status: string;
  name?: string;
  ipVersion?: string;
  enableBfd?: boolean;
}

/** A VBR (`DescribeVirtualBorderRouters` → `VirtualBorderRouterSet.VirtualBorderRouterType[]`). */
export interface VirtualBorderRouter {
  vbrId: string;
  name?: string;
  /** Lower case: unconfirmed, active, terminating, terminated, recovering, deleting. */
  status: string;
  /** The VBR's route table; where its routes toward the VPC go. */
  routeTableId: string;
  physicalConnectionId?: string;
  physicalConnectionStatus?: string;
  physicalConnectionBusinessStatus?: string;
  localGatewayIp?: string;
  peerGatewayIp?: string;
  peeringSubnetMask?: string;
  vlanId?: number;
  accessPointId?: string;
}

/** A physical connection (leased line) (`DescribePhysicalConnections` → `PhysicalConnectionSet.PhysicalConnectionType[]`). */
export interface PhysicalConnection {
  physicalConnectionId: string;
  name?: string;
  /** Initial … Enabled … Terminated. Healthy = `Enabled` with business status `Normal`. */
  status: string;
  /** Normal, FinancialLocked, SecurityLocked. */
  businessStatus: string;
  accessPointId?: string;
  /** Port bandwidth, Mbit/s. */
  bandwidth?: number;
  lineOperator?: string;
  type?: string;
  portType?: string;
  spec?: string;
}

/** A VPC (`DescribeVpcs` → `Vpcs.Vpc[]`). */
export interface Vpc {
  vpcId: string;
  vpcName?: string;
  cidrBlock: string;
  secondaryCidrBlocks: string[];
  /** The VPC's vRouter (the `RouterId` of its route tables). */
  vRouterId: string;
  /** Pending / Available. */
  status: string;
  vSwitchIds: string[];
  routeTableIds: string[];
  regionId?: string;
}

/** A vSwitch (`DescribeVSwitches` → `VSwitches.VSwitch[]`). */
export interface VSwitch {
  vSwitchId: string;
  vpcId: string;
  cidrBlock: string;
  zoneId?: string;
  status: string;
  vSwitchName?: string;
  availableIpAddressCount?: number;
  routeTableId?: string;
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/** Filters of DescribeRouteTableList; all optional. */
export interface DescribeRouteTableListRequest {
  routerType?: RouterType;
  routerId?: string;
  vpcId?: string;
  routeTableId?: string;
  routeTableName?: string;
  routeTableType?: string;
}

/** DescribeRouteEntryList: one table, optional filters. */
export interface DescribeRouteEntryListRequest {
  routeTableId: string;
  destinationCidrBlock?: string;
  /** `DestCidrBlockList.N`: any of these destinations. */
  destinationCidrBlocks?: string[];
  routeEntryId?: string;
  routeEntryType?: RouteEntryType;
  nextHopId?: string;
  nextHopType?: NextHopType;
  ipVersion?: string;
}

/** One hop of an ECMP / weighted `NextHopList`. */
export interface NextHopSpec {
  /** Default `RouterInterface` (the only kind allowed in a list). */
  nextHopType?: NextHopType;
  nextHopId: string;
  /** Relative weight; equal weights = ECMP, unequal = active/standby (UNCONFIRMED range). */
  weight?: number;
}

/**
 * CreateRouteEntry. Give either `nextHopType` + `nextHopId` (one hop; VBR tables allow only
 * this) or `nextHopList` (ECMP / weighted, VPC tables only, up to 16 router-interface hops).
 */
export interface CreateRouteEntryRequest {
  routeTableId: string;
  destinationCidrBlock: string;
  nextHopType?: NextHopType;
  nextHopId?: string;
  nextHopList?: NextHopSpec[];
  routeEntryName?: string;
  description?: string;
  /** Idempotency token; reuse it across retries (long keys are hashed to 64 chars). */
  clientToken?: string;
  dryRun?: boolean;
}

/** CreateRouteEntry result. `routeEntryId` is `''` for a dry run. */
export interface CreateRouteEntryResult extends DryRunnableResult {
  routeEntryId: string;
}

/**
 * DeleteRouteEntry: by `routeEntryId`, or by `routeTableId` + `destinationCidrBlock` with the
 * `nextHopId` (one hop) or `nextHopList` (ECMP). Only `Available` entries can be deleted.
 */
export interface DeleteRouteEntryRequest {
  routeEntryId?: string;
  routeTableId?: string;
  destinationCidrBlock?: string;
  nextHopId?: string;
  nextHopList?: Array<Pick<NextHopSpec, 'nextHopType' | 'nextHopId'>>;
  dryRun?: boolean;
}

/** DescribeRouterInterfaces: convenience filters (ANDed) plus raw `Filter.N` pairs. */
export interface DescribeRouterInterfacesRequest {
  routerInterfaceId?: string | string[];
  routerId?: string | string[];
  routerType?: RouterType;
  oppositeInterfaceId?: string;
  oppositeRouterId?: string;
  oppositeRouterType?: RouterType;
  status?: string;
  /** Extra raw filters, e.g. `{ key: 'AccessPointId', values: ['ap-…'] }`. */
  filters?: CloudFilter[];
}

/**
 * ModifyRouterInterfaceAttribute. The health check is set on the VBR-side interface; source and
 * target IPs go together (source: an unused VPC address; target: the data-center gateway).
 */
export interface ModifyRouterInterfaceAttributeRequest {
  routerInterfaceId: string;
  healthCheckSourceIp?: string;
  healthCheckTargetIp?: string;
  /** Probe interval, ms (recommended 2000). */
  hcRate?: number;
  /** Lost probes before failover (recommended 8). */
  hcThreshold?: number;
  /** Remove the health check IPs. */
  deleteHealthCheckIp?: boolean;
  name?: string;
  description?: string;
}

/** AddBgpNetwork: advertise a VPC/vSwitch CIDR from a VBR. */
export interface AddBgpNetworkRequest {
  /** The VBR id. */
  routerId: string;
  dstCidrBlock: string;
  vpcId?: string;
  clientToken?: string;
}

/** DeleteBgpNetwork: stop advertising. */
export interface DeleteBgpNetworkRequest {
  routerId: string;
  dstCidrBlock: string;
  clientToken?: string;
}

/** TerminateVirtualBorderRouter / RecoverVirtualBorderRouter: one VBR. */
export interface VirtualBorderRouterRequest {
  vbrId: string;
  clientToken?: string;
}

/** DescribeBgpNetworks filters. */
export interface DescribeBgpNetworksRequest {
  routerId?: string;
}

/** DescribeBgpPeers filters. */
export interface DescribeBgpPeersRequest {
  routerId?: string;
  bgpGroupId?: string;
  bgpPeerId?: string;
}

/** DescribeVirtualBorderRouters: convenience filters plus raw `Filter.N` pairs. */
export interface DescribeVirtualBorderRoutersRequest {
  vbrId?: string | string[];
  physicalConnectionId?: string;
  status?: string;
  accessPointId?: string;
  filters?: CloudFilter[];
}

/** DescribePhysicalConnections: convenience filters plus raw `Filter.N` pairs. */
export interface DescribePhysicalConnectionsRequest {
  physicalConnectionId?: string | string[];
  accessPointId?: string;
  status?: string;
  filters?: CloudFilter[];
}

/** DescribeVpcs filters. */
export interface DescribeVpcsRequest {
  /** One id or up to 20. */
  vpcId?: string | string[];
  vpcName?: string;
}

/** DescribeVSwitches filters. */
export interface DescribeVSwitchesRequest {
  vpcId?: string;
  vSwitchId?: string;
  zoneId?: string;
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/**
 * VPC / Express Connect client for one region (`RegionId` is added to every call).
 * Every method throws `CloudApiError` (see `src/cloud/errors.ts`) on failure and
 * `ValidationError` for inputs it can reject without calling the cloud (bad CIDR, bad IP,
 * conflicting fields).
 */
export interface VpcClient {
  readonly regionId: string;

  /** DescribeRouteTableList (spelled `RouterTableList` on the wire); all pages unless `page` is given (PageSize ≤ 50). */
  describeRouteTableList(req?: DescribeRouteTableListRequest): Promise<RouteTable[]>;
  describeRouteTableList(req: DescribeRouteTableListRequest, page: PageRequest): Promise<Paged<RouteTable>>;

  /** DescribeRouteEntryList; follows `NextToken` through every page unless `page` is given (MaxResult ≤ 100). */
  describeRouteEntryList(req: DescribeRouteEntryListRequest): Promise<RouteEntry[]>;
  describeRouteEntryList(req: DescribeRouteEntryListRequest, page: TokenPageRequest): Promise<Paged<RouteEntry>>;

  /**
   * CreateRouteEntry. Asynchronous: the entry appears `Pending`, then `Available`.
   * @throws ValidationError for a non-canonical CIDR, or neither / both of one hop and a hop list
   * @throws CloudApiError e.g. `TaskConflict` (class `conflict`) while the table is changing,
   *   `RouterEntryConflict.Duplicated` (class `duplicate`)
   */
  createRouteEntry(req: CreateRouteEntryRequest): Promise<CreateRouteEntryResult>;

  /**
   * DeleteRouteEntry. Asynchronous: `Deleting`, then gone.
   * @throws CloudApiError `InvalidRouteEntry.NotFound` (class `not_found`) when already gone
   */
  deleteRouteEntry(req: DeleteRouteEntryRequest): Promise<DryRunnableResult>;

  /** DescribeRouterInterfaces; all pages unless `page` is given (PageSize ≤ 50). */
  describeRouterInterfaces(req?: DescribeRouterInterfacesRequest): Promise<RouterInterface[]>;
  describeRouterInterfaces(req: DescribeRouterInterfacesRequest, page: PageRequest): Promise<Paged<RouterInterface>>;

  /**
   * ModifyRouterInterfaceAttribute (health check settings, name, description).
   * @throws ValidationError when only one of the health-check IPs is given, or one is not an IPv4 address
   */
  modifyRouterInterfaceAttribute(req: ModifyRouterInterfaceAttributeRequest): Promise<CloudWriteResult>;

  /** AddBgpNetwork. Asynchronous: poll {@link VpcClient.describeBgpNetworks} until `Available`. */
  addBgpNetwork(req: AddBgpNetworkRequest): Promise<CloudWriteResult>;
  /** DeleteBgpNetwork. Asynchronous: poll until the network is no longer listed. */
  deleteBgpNetwork(req: DeleteBgpNetworkRequest): Promise<CloudWriteResult>;
  /** DescribeBgpNetworks; all pages unless `page` is given (PageSize ≤ 50). */
  describeBgpNetworks(req?: DescribeBgpNetworksRequest): Promise<BgpNetwork[]>;
  describeBgpNetworks(req: DescribeBgpNetworksRequest, page: PageRequest): Promise<Paged<BgpNetwork>>;
  /** DescribeBgpPeers; all pages unless `page` is given (PageSize ≤ 50). */
  describeBgpPeers(req?: DescribeBgpPeersRequest): Promise<BgpPeer[]>;
  describeBgpPeers(req: DescribeBgpPeersRequest, page: PageRequest): Promise<Paged<BgpPeer>>;

  /** DescribeVirtualBorderRouters; all pages unless `page` is given (PageSize ≤ 50). */
  describeVirtualBorderRouters(req?: DescribeVirtualBorderRoutersRequest): Promise<VirtualBorderRouter[]>;
  describeVirtualBorderRouters(
    req: DescribeVirtualBorderRoutersRequest,
    page: PageRequest,
  ): Promise<Paged<VirtualBorderRouter>>;

  /**
   * TerminateVirtualBorderRouter: the VBR goes `active` → `terminating` → `terminated` and
   * carries no traffic meanwhile. Only the physical connection's owner may call it.
   * @throws CloudApiError `InvalidOperation.OperationNotAllowedInState` (class `conflict`) when not `active`
   */
  terminateVirtualBorderRouter(req: VirtualBorderRouterRequest): Promise<CloudWriteResult>;
  /**
   * RecoverVirtualBorderRouter: `terminated` → `recovering` → `active`; the physical connection
   * must be `Enabled`. @throws CloudApiError `InvalidOperation.OperationNotAllowedInState` when not `terminated`
   */
  recoverVirtualBorderRouter(req: VirtualBorderRouterRequest): Promise<CloudWriteResult>;

  /** DescribePhysicalConnections; all pages unless `page` is given (PageSize ≤ 50). */
  describePhysicalConnections(req?: DescribePhysicalConnectionsRequest): Promise<PhysicalConnection[]>;
  describePhysicalConnections(
    req: DescribePhysicalConnectionsRequest,
    page: PageRequest,
  ): Promise<Paged<PhysicalConnection>>;

  /** DescribeVpcs; all pages unless `page` is given (PageSize ≤ 50). */
  describeVpcs(req?: DescribeVpcsRequest): Promise<Vpc[]>;
  describeVpcs(req: DescribeVpcsRequest, page: PageRequest): Promise<Paged<Vpc>>;

  /** DescribeVSwitches; all pages unless `page` is given (PageSize ≤ 50). */
  describeVSwitches(req?: DescribeVSwitchesRequest): Promise<VSwitch[]>;
  describeVSwitches(req: DescribeVSwitchesRequest, page: PageRequest): Promise<Paged<VSwitch>>;
}

// ---------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------

const PAGE_SIZE = 50;
const ROUTE_ENTRY_PAGE = 100;

/** Builds the VPC client over a bound RPC call for `regionId`. */
export function createVpcClient(call: RpcCall, regionId: string): VpcClient {
  return new VpcApi(call, regionId);
}

/** Checks a canonical CIDR (net's rules), naming the field on failure. */
function checkCidr(text: string, field: string): void {
  parseCidr(text, field);
}

function checkIp(text: string, field: string): void {
  parseIpv4(text, field);
}

/** Converts a wire `RouteEntry` to the domain type (exported for unit tests). */
export function toRouteEntry(w: WireObject, routeTableId: string): RouteEntry {
  let nextHops = wireList(w, 'NextHops', 'NextHop').map(toNextHop);
  // Older answers put a single hop at the top level.
  if (nextHops.length === 0 && optString(w, 'NextHopId')) {
    nextHops = [{ nextHopType: wireString(w, 'NextHopType'), nextHopId: wireString(w, 'NextHopId') }];
  }
  return {
    routeEntryId: wireString(w, 'RouteEntryId'),
    routeTableId: optString(w, 'RouteTableId') ?? routeTableId,
    ...wireFields(w, { destinationCidrBlock: wireString, type: wireString, status: wireString }),
    nextHops,
    ...wireFields(w, { routeEntryName: optString, description: optString, origin: optString, ipVersion: optString }),
  };
}

function toNextHop(w: WireObject): NextHop {
  const related = wireObject(w, 'NextHopRelatedInfo');
  return {
    ...wireFields(w, { nextHopType: wireString, nextHopId: wireString, weight: optNumber, enabled: optBoolean, nextHopRegionId: optString }),
    ...opt('relatedInstanceId', optString(related, 'InstanceId')),
    ...opt('relatedInstanceType', optString(related, 'InstanceType')),
  };
}

/** Converts a wire `RouterInterfaceType`; accepts flat `Opposite*` fields and a nested `Opposite` object. */
export function toRouterInterface(w: WireObject): RouterInterface {
  const nested = wireObject(w, 'Opposite');
  const opposite = (flat: string, inner: string): string | undefined => optString(w, flat) ?? optString(nested, inner);
  return {
    ...wireFields(w, { routerInterfaceId: wireString, routerId: wireString, routerType: wireString, role: wireString, status: wireString }),
    ...wireFields(w, { businessStatus: optString, name: optString, description: optString, spec: optString, vpcInstanceId: optString, accessPointId: optString }),
    ...opt('oppositeInterfaceId', opposite('OppositeInterfaceId', 'InterfaceId')),
    ...opt('oppositeRouterId', opposite('OppositeRouterId', 'RouterId')),
    ...opt('oppositeRouterType', opposite('OppositeRouterType', 'RouterType')),
    ...opt('oppositeInterfaceStatus', opposite('OppositeInterfaceStatus', 'InterfaceStatus')),
    ...opt('oppositeRegionId', opposite('OppositeRegionId', 'RegionId')),
    ...wireFields(w, { healthCheckSourceIp: optString, healthCheckTargetIp: optString, hcRate: optNumber, hcThreshold: optNumber }),
  };
}

function toRouteTable(w: WireObject): RouteTable {
  return wireFields(w, {
    routeTableId: wireString,
    routeTableType: wireString,
    routerId: wireString,
    routerType: wireString,
    status: wireString,
    vpcId: optString,
    routeTableName: optString,
    description: optString,
  });
}

function toBgpNetwork(w: WireObject): BgpNetwork {
  return wireFields(w, { dstCidrBlock: wireString, routerId: wireString, status: wireString, vpcId: optString, ipVersion: optString });
}

function toBgpPeer(w: WireObject): BgpPeer {
  return wireFields(w, {
    bgpPeerId: wireString,
    bgpGroupId: wireString,
    routerId: wireString,
    status: wireString,
    peerIpAddress: optString,
    peerAsn: optString,
    localAsn: optString,
    bgpStatus: optString,
    name: optString,
    ipVersion: optString,
    enableBfd: optBoolean,
  });
}

function toVbr(w: WireObject): VirtualBorderRouter {
  return wireFields(w, {
    vbrId: wireString,
    status: wireString,
    routeTableId: wireString,
    name: optString,
    physicalConnectionId: optString,
    physicalConnectionStatus: optString,
    physicalConnectionBusinessStatus: optString,
    localGatewayIp: optString,
    peerGatewayIp: optString,
    peeringSubnetMask: optString,
    vlanId: optNumber,
    accessPointId: optString,
  });
}

function toPhysicalConnection(w: WireObject): PhysicalConnection {
  return wireFields(w, {
    physicalConnectionId: wireString,
    status: wireString,
    businessStatus: wireString,
    name: optString,
    accessPointId: optString,
    bandwidth: optNumber,
    lineOperator: optString,
    type: optString,
    portType: optString,
    spec: optString,
  });
}

function toVpc(w: WireObject): Vpc {
  return {
    ...wireFields(w, { vpcId: wireString, cidrBlock: wireString }),
    secondaryCidrBlocks: wireStringList(w, 'SecondaryCidrBlocks', 'SecondaryCidrBlock'),
    ...wireFields(w, { vRouterId: wireString, status: wireString }),
    vSwitchIds: wireStringList(w, 'VSwitchIds', 'VSwitchId'),
    routeTableIds: wireStringList(w, 'RouterTableIds', 'RouterTableIds'),
    ...wireFields(w, { vpcName: optString, regionId: optString }),
  };
}

function toVSwitch(w: WireObject): VSwitch {
  return {
    ...wireFields(w, { vSwitchId: wireString, vpcId: wireString, cidrBlock: wireString, status: wireString }),
    ...wireFields(w, { zoneId: optString, vSwitchName: optString, availableIpAddressCount: optNumber }),
    ...opt('routeTableId', optString(wireObject(w, 'RouteTable'), 'RouteTableId')),
  };
}

class VpcApi implements VpcClient {
  constructor(
    private readonly call: RpcCall,
    readonly regionId: string,
  ) {}

  /** A numbered Describe action of this region (every page unless `page` is given). */
  private list<T>(action: string, params: WireParams, items: { outer: string; inner: string; convert: (w: WireObject) => T }, page: PageRequest | undefined) {
    return describeNumbered(this.call, action, { RegionId: this.regionId, ...params }, items, page, PAGE_SIZE);
  }

  describeRouteTableList(req?: DescribeRouteTableListRequest): Promise<RouteTable[]>;
  describeRouteTableList(req: DescribeRouteTableListRequest, page: PageRequest): Promise<Paged<RouteTable>>;
  describeRouteTableList(req: DescribeRouteTableListRequest = {}, page?: PageRequest): Promise<RouteTable[] | Paged<RouteTable>> {
    const params: WireParams = {
      RouterType: req.routerType,
      RouterId: req.routerId,
      VpcId: req.vpcId,
      RouteTableId: req.routeTableId,
      RouteTableName: req.routeTableName,
      RouteTableType: req.routeTableType,
    };
    return this.list('DescribeRouteTableList', params, { outer: 'RouterTableList', inner: 'RouterTableListType', convert: toRouteTable }, page);
  }

  describeRouteEntryList(req: DescribeRouteEntryListRequest): Promise<RouteEntry[]>;
  describeRouteEntryList(req: DescribeRouteEntryListRequest, page: TokenPageRequest): Promise<Paged<RouteEntry>>;
  describeRouteEntryList(req: DescribeRouteEntryListRequest, page?: TokenPageRequest): Promise<RouteEntry[] | Paged<RouteEntry>> {
    if (req.destinationCidrBlock !== undefined) checkCidr(req.destinationCidrBlock, 'destinationCidrBlock');
    req.destinationCidrBlocks?.forEach((c, i) => checkCidr(c, `destinationCidrBlocks[${i}]`));
    const params: WireParams = {
      RegionId: this.regionId,
      RouteTableId: req.routeTableId,
      DestinationCidrBlock: req.destinationCidrBlock,
      DestCidrBlockList: req.destinationCidrBlocks,
      RouteEntryId: req.routeEntryId,
      RouteEntryType: req.routeEntryType,
      NextHopId: req.nextHopId,
      NextHopType: req.nextHopType,
      IpVersion: req.ipVersion,
    };
    return listTokens(page, ROUTE_ENTRY_PAGE, async (token, max) => {
      const body = await this.call('DescribeRouteEntryList', { ...params, MaxResult: max, NextToken: token });
      const items = wireList(body, 'RouteEntrys', 'RouteEntry').map((w) => toRouteEntry(w, req.routeTableId));
      return { items, ...opt('nextToken', optString(body, 'NextToken')) };
    });
  }

  async createRouteEntry(req: CreateRouteEntryRequest): Promise<CreateRouteEntryResult> {
    checkCidr(req.destinationCidrBlock, 'destinationCidrBlock');
    const single = req.nextHopId !== undefined || req.nextHopType !== undefined;
    const list = req.nextHopList !== undefined;
    if (single === list) {
      throw new ValidationError('give either nextHopType + nextHopId or nextHopList', {
        code: 'InvalidNextHop',
        field: 'nextHopList',
      });
    }
    if (list && (req.nextHopList ?? []).length === 0) {
      throw new ValidationError('nextHopList must not be empty', { code: 'InvalidNextHop', field: 'nextHopList' });
    }
    const { body, dryRun } = await dryRunnable(
      this.call,
      'CreateRouteEntry',
      {
        RegionId: this.regionId,
        RouteTableId: req.routeTableId,
        DestinationCidrBlock: req.destinationCidrBlock,
        NextHopType: req.nextHopType,
        NextHopId: req.nextHopId,
        NextHopList: req.nextHopList?.map((h) => ({
          NextHopType: h.nextHopType ?? 'RouterInterface',
          NextHopId: h.nextHopId,
          Weight: h.weight,
        })),
        RouteEntryName: req.routeEntryName,
        Description: req.description,
        ClientToken: normalizeClientToken(req.clientToken),
      },
      req.dryRun,
    );
    return { requestId: requestIdOf(body), routeEntryId: wireString(body, 'RouteEntryId'), dryRun };
  }

  async deleteRouteEntry(req: DeleteRouteEntryRequest): Promise<DryRunnableResult> {
    if (req.routeEntryId === undefined && (req.routeTableId === undefined || req.destinationCidrBlock === undefined)) {
      throw new ValidationError('give routeEntryId, or routeTableId + destinationCidrBlock', {
        code: 'MissingRouteEntry',
        field: 'routeEntryId',
      });
    }
    if (req.destinationCidrBlock !== undefined) checkCidr(req.destinationCidrBlock, 'destinationCidrBlock');
    const { body, dryRun } = await dryRunnable(
      this.call,
      'DeleteRouteEntry',
      {
        RegionId: this.regionId,
        RouteEntryId: req.routeEntryId,
        RouteTableId: req.routeTableId,
        DestinationCidrBlock: req.destinationCidrBlock,
        NextHopId: req.nextHopId,
        NextHopList: req.nextHopList?.map((h) => ({
          NextHopType: h.nextHopType ?? 'RouterInterface',
          NextHopId: h.nextHopId,
        })),
      },
      req.dryRun,
    );
    return { requestId: requestIdOf(body), dryRun };
  }

  describeRouterInterfaces(req?: DescribeRouterInterfacesRequest): Promise<RouterInterface[]>;
  describeRouterInterfaces(req: DescribeRouterInterfacesRequest, page: PageRequest): Promise<Paged<RouterInterface>>;
  describeRouterInterfaces(
    req: DescribeRouterInterfacesRequest = {},
    page?: PageRequest,
  ): Promise<RouterInterface[] | Paged<RouterInterface>> {
    const filter = buildFilters(
      [
        ['RouterInterfaceId', req.routerInterfaceId],
        ['RouterId', req.routerId],
        ['RouterType', req.routerType],
        ['OppositeInterfaceId', req.oppositeInterfaceId],
        ['OppositeRouterId', req.oppositeRouterId],
        ['OppositeRouterType', req.oppositeRouterType],
        ['Status', req.status],
      ],
      req.filters,
    );
    return this.list('DescribeRouterInterfaces', { Filter: filter }, { outer: 'RouterInterfaceSet', inner: 'RouterInterfaceType', convert: toRouterInterface }, page);
  }

  async modifyRouterInterfaceAttribute(req: ModifyRouterInterfaceAttributeRequest): Promise<CloudWriteResult> {
    if ((req.healthCheckSourceIp === undefined) !== (req.healthCheckTargetIp === undefined)) {
      throw new ValidationError('healthCheckSourceIp and healthCheckTargetIp must be given together', {
        code: 'InvalidHealthCheck',
        field: req.healthCheckSourceIp === undefined ? 'healthCheckSourceIp' : 'healthCheckTargetIp',
      });
    }
    if (req.healthCheckSourceIp !== undefined) checkIp(req.healthCheckSourceIp, 'healthCheckSourceIp');
    if (req.healthCheckTargetIp !== undefined) checkIp(req.healthCheckTargetIp, 'healthCheckTargetIp');
    const body = await this.call('ModifyRouterInterfaceAttribute', {
      RegionId: this.regionId,
      RouterInterfaceId: req.routerInterfaceId,
      HealthCheckSourceIp: req.healthCheckSourceIp,
      HealthCheckTargetIp: req.healthCheckTargetIp,
      HcRate: req.hcRate,
      HcThreshold: req.hcThreshold,
      DeleteHealthCheckIp: req.deleteHealthCheckIp,
      Name: req.name,
      Description: req.description,
    });
    return { requestId: requestIdOf(body) };
  }

  async addBgpNetwork(req: AddBgpNetworkRequest): Promise<CloudWriteResult> {
    checkCidr(req.dstCidrBlock, 'dstCidrBlock');
    const body = await this.call('AddBgpNetwork', {
      RegionId: this.regionId,
      RouterId: req.routerId,
      DstCidrBlock: req.dstCidrBlock,
      VpcId: req.vpcId,
      ClientToken: normalizeClientToken(req.clientToken),
    });
    return { requestId: requestIdOf(body) };
  }

  async deleteBgpNetwork(req: DeleteBgpNetworkRequest): Promise<CloudWriteResult> {
    checkCidr(req.dstCidrBlock, 'dstCidrBlock');
    const body = await this.call('DeleteBgpNetwork', {
      RegionId: this.regionId,
      RouterId: req.routerId,
      DstCidrBlock: req.dstCidrBlock,
      ClientToken: normalizeClientToken(req.clientToken),
    });
    return { requestId: requestIdOf(body) };
  }

  async terminateVirtualBorderRouter(req: VirtualBorderRouterRequest): Promise<CloudWriteResult> {
    const body = await this.call('TerminateVirtualBorderRouter', { RegionId: this.regionId, VbrId: req.vbrId, ClientToken: normalizeClientToken(req.clientToken) });
    return { requestId: requestIdOf(body) };
  }

  async recoverVirtualBorderRouter(req: VirtualBorderRouterRequest): Promise<CloudWriteResult> {
    const body = await this.call('RecoverVirtualBorderRouter', { RegionId: this.regionId, VbrId: req.vbrId, ClientToken: normalizeClientToken(req.clientToken) });
    return { requestId: requestIdOf(body) };
  }

  describeBgpNetworks(req?: DescribeBgpNetworksRequest): Promise<BgpNetwork[]>;
  describeBgpNetworks(req: DescribeBgpNetworksRequest, page: PageRequest): Promise<Paged<BgpNetwork>>;
  describeBgpNetworks(req: DescribeBgpNetworksRequest = {}, page?: PageRequest): Promise<BgpNetwork[] | Paged<BgpNetwork>> {
    return this.list('DescribeBgpNetworks', { RouterId: req.routerId }, { outer: 'BgpNetworks', inner: 'BgpNetwork', convert: toBgpNetwork }, page);
  }

  describeBgpPeers(req?: DescribeBgpPeersRequest): Promise<BgpPeer[]>;
  describeBgpPeers(req: DescribeBgpPeersRequest, page: PageRequest): Promise<Paged<BgpPeer>>;
  describeBgpPeers(req: DescribeBgpPeersRequest = {}, page?: PageRequest): Promise<BgpPeer[] | Paged<BgpPeer>> {
    const params: WireParams = { RouterId: req.routerId, BgpGroupId: req.bgpGroupId, BgpPeerId: req.bgpPeerId };
    return this.list('DescribeBgpPeers', params, { outer: 'BgpPeers', inner: 'BgpPeer', convert: toBgpPeer }, page);
  }

  describeVirtualBorderRouters(req?: DescribeVirtualBorderRoutersRequest): Promise<VirtualBorderRouter[]>;
  describeVirtualBorderRouters(
    req: DescribeVirtualBorderRoutersRequest,
    page: PageRequest,
  ): Promise<Paged<VirtualBorderRouter>>;
  describeVirtualBorderRouters(
    req: DescribeVirtualBorderRoutersRequest = {},
    page?: PageRequest,
  ): Promise<VirtualBorderRouter[] | Paged<VirtualBorderRouter>> {
    const filter = buildFilters(
      [
        ['VbrId', req.vbrId],
        ['PhysicalConnectionId', req.physicalConnectionId],
        ['Status', req.status],
        ['AccessPointId', req.accessPointId],
      ],
      req.filters,
    );
    return this.list('DescribeVirtualBorderRouters', { Filter: filter }, { outer: 'VirtualBorderRouterSet', inner: 'VirtualBorderRouterType', convert: toVbr }, page);
  }

  describePhysicalConnections(req?: DescribePhysicalConnectionsRequest): Promise<PhysicalConnection[]>;
  describePhysicalConnections(
    req: DescribePhysicalConnectionsRequest,
    page: PageRequest,
  ): Promise<Paged<PhysicalConnection>>;
  describePhysicalConnections(
    req: DescribePhysicalConnectionsRequest = {},
    page?: PageRequest,
  ): Promise<PhysicalConnection[] | Paged<PhysicalConnection>> {
    const filter = buildFilters(
      [
        ['PhysicalConnectionId', req.physicalConnectionId],
        ['AccessPointId', req.accessPointId],
        ['Status', req.status],
      ],
      req.filters,
    );
    return this.list('DescribePhysicalConnections', { Filter: filter }, { outer: 'PhysicalConnectionSet', inner: 'PhysicalConnectionType', convert: toPhysicalConnection }, page);
  }

  describeVpcs(req?: DescribeVpcsRequest): Promise<Vpc[]>;
  describeVpcs(req: DescribeVpcsRequest, page: PageRequest): Promise<Paged<Vpc>>;
  describeVpcs(req: DescribeVpcsRequest = {}, page?: PageRequest): Promise<Vpc[] | Paged<Vpc>> {
    const vpcId = Array.isArray(req.vpcId) ? req.vpcId.join(',') : req.vpcId;
    return this.list('DescribeVpcs', { VpcId: vpcId, VpcName: req.vpcName }, { outer: 'Vpcs', inner: 'Vpc', convert: toVpc }, page);
  }

  describeVSwitches(req?: DescribeVSwitchesRequest): Promise<VSwitch[]>;
  describeVSwitches(req: DescribeVSwitchesRequest, page: PageRequest): Promise<Paged<VSwitch>>;
  describeVSwitches(req: DescribeVSwitchesRequest = {}, page?: PageRequest): Promise<VSwitch[] | Paged<VSwitch>> {
    const params: WireParams = { VpcId: req.vpcId, VSwitchId: req.vSwitchId, ZoneId: req.zoneId };
    return this.list('DescribeVSwitches', params, { outer: 'VSwitches', inner: 'VSwitch', convert: toVSwitch }, page);
  }
}
