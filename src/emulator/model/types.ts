/**
 * Records, parameters and results of the emulated network model. Domain types are camelCase;
 * `src/emulator/actions` maps Alibaba's PascalCase wire params onto them and back. Field names
 * follow the wire names (`routeTableId` ↔ `RouteTableId`) so that mapping stays mechanical.
 * Status values are the wire values (`Pending`, `Available`, lower-case VBR `active`, ...).
 */

// ---------------------------------------------------------------- common

/** A region the account uses, e.g. `{ regionId: 'cn-shanghai', localName: 'China (Shanghai)' }`. */
export interface RegionRecord {
  regionId: string;
  localName: string;
}

/** An Alibaba Cloud account (a UID) whose credentials the emulator may accept. */
export interface AccountRecord {
  /** The account's UID, digits (e.g. `1234567890123456`). */
  accountId: string;
  name: string;
}

/** A resource another account may own; absent = the model's default account. */
export interface Owned {
  /** UID of the owning account; absent means the model's default account. */
  ownerId?: string;
}

/**
 * The account a call comes from. Absent: the call is the emulator's own (topology loading, the
 * twin) and sees every account; present: resources of other accounts do not exist for it.
 */
export interface Caller {
  callerId?: string;
}

/** Paging input of Describe* calls: page number style (VPC, CBN) or token style (route entries). */
export interface PageParams {
  pageNumber?: number;
  pageSize?: number;
}

/** One page of results plus totals for the wire's `TotalCount`/`PageNumber`/`PageSize`. */
export interface Page<T> {
  items: T[];
  totalCount: number;
  pageNumber: number;
  pageSize: number;
}

/** Token-paged results (`NextToken`); `nextToken` is absent on the last page. */
export interface TokenPage<T> {
  items: T[];
  totalCount: number;
  nextToken?: string;
}

/** Fields every write action may carry. */
export interface WriteOptions {
  /** Idempotency token: a repeat with the same token and params returns the first result. */
  clientToken?: string;
  /** Check only; throws `DryRunOperation` when everything would succeed. */
  dryRun?: boolean;
}

// ---------------------------------------------------------------- VPC

/** A VPC with its vRouter and system route table. */
export interface VpcRecord extends Owned {
  vpcId: string;
  regionId: string;
  vpcName: string;
  description: string;
  cidrBlock: string;
  status: 'Pending' | 'Available';
  vRouterId: string;
  /** The system route table of the vRouter. */
  routeTableId: string;
  creationTime: string;
}

/** A vSwitch; its CIDR shows up as a `System` route entry in the VPC's route table. */
export interface VSwitchRecord {
  vSwitchId: string;
  vpcId: string;
  regionId: string;
  zoneId: string;
  vSwitchName: string;
  cidrBlock: string;
  status: 'Pending' | 'Available';
  /** Route table associated with the vSwitch (the system table). */
  routeTableId: string;
  creationTime: string;
}

// ---------------------------------------------------------------- route tables

/** `VRouter` = a VPC's router, `VBR` = a virtual border router. */
export type RouterType = 'VRouter' | 'VBR';

/** A route table of a vRouter or VBR. */
export interface RouteTableRecord {
  routeTableId: string;
  regionId: string;
  routerId: string;
  routerType: RouterType;
  /** VPC id for vRouter tables. */
  vpcId?: string;
  /** VBR id for VBR tables. */
  vbrId?: string;
  routeTableType: 'System' | 'Custom';
  routeTableName: string;
  description: string;
  status: 'Pending' | 'Available' | 'Deleting';
  creationTime: string;
}

/** Route entry type as in DescribeRouteEntryList `Type`. */
export type RouteEntryType = 'Custom' | 'System' | 'CEN' | 'BGP';

/** Route entry status as in DescribeRouteEntryList `Status`. */
export type RouteEntryStatus = 'Pending' | 'Available' | 'Modifying' | 'Deleting';

/**
 * Next hop types. API ones (`RouterInterface`, `Instance`, `HaVip`, ...) plus what the emulator
 * shows on entries the user did not create: `local` (vSwitch route), `service` (100.64.0.0/10),
 * `PhysicalConnection` (VBR route toward the data center; UNCONFIRMED wire value), `CEN`
 * (a CEN-learned route; UNCONFIRMED wire value).
 */
export type NextHopType =
  | 'RouterInterface'
  | 'Instance'
  | 'HaVip'
  | 'NetworkInterface'
  | 'VpnGateway'
  | 'IPv6Gateway'
  | 'NatGateway'
  | 'PhysicalConnection'
  | 'local'
  | 'service'
  | 'CEN';

/** A next hop as stored on an entry. */
export interface NextHopSpec {
  nextHopType: NextHopType;
  nextHopId: string;
  /** ECMP weight (RouterInterface hops of VPC tables only). */
  weight?: number;
}

/** A next hop as described: with `enabled` (health check) and the related instance. */
export interface NextHopView extends NextHopSpec {
  /** `false` when the hop's router interface health check has failed (wire `Enabled=0`). */
  enabled?: boolean;
  nextHopRegionId: string;
  nextHopRelatedInfo?: { instanceId: string; instanceType: 'VPC' | 'VBR' | 'PCONN'; regionId: string };
}

/** A custom/system/BGP route entry of a route table (CEN-learned routes are `CenRouteRecord`). */
export interface RouteEntryRecord {
  routeEntryId: string;
  routeTableId: string;
  regionId: string;
  destinationCidrBlock: string;
  type: 'Custom' | 'System' | 'BGP';
  status: RouteEntryStatus;
  nextHops: NextHopSpec[];
  routeEntryName: string;
  description: string;
  creationTime: string;
}

/** A route entry as DescribeRouteEntryList shows it (CEN routes included, as `Type=CEN`). */
export interface RouteEntryView {
  routeEntryId: string;
  routeTableId: string;
  destinationCidrBlock: string;
  type: RouteEntryType;
  status: RouteEntryStatus;
  routeEntryName: string;
  description: string;
  creationTime: string;
  ipVersion: 'ipv4';
  /** `ECMP` when more than one next hop (wire has no such field; convenience). */
  nextHops: NextHopView[];
  /** Where the route came from (`Custom`, `System`, `CEN`, `BGP`); wire `Origin`. */
  origin: string;
}

/** CreateRouteEntry. Give either `nextHopType`+`nextHopId` or `nextHopList`. */
export interface CreateRouteEntryParams extends WriteOptions {
  regionId?: string;
  routeTableId: string;
  destinationCidrBlock: string;
  nextHopType?: string;
  nextHopId?: string;
  nextHopList?: Array<{ nextHopType?: string; nextHopId: string; weight?: number }>;
  routeEntryName?: string;
  description?: string;
}

/** DeleteRouteEntry: by `routeEntryId`, or by table + CIDR (+ next hop for non-ECMP). */
export interface DeleteRouteEntryParams extends WriteOptions {
  regionId?: string;
  routeEntryId?: string;
  routeTableId?: string;
  destinationCidrBlock?: string;
  nextHopId?: string;
  nextHopList?: Array<{ nextHopType?: string; nextHopId: string }>;
}

/** ModifyRouteEntry: rename, describe, or change the next hop of a non-ECMP custom entry. */
export interface ModifyRouteEntryParams extends WriteOptions {
  regionId?: string;
  routeEntryId: string;
  routeEntryName?: string;
  description?: string;
  newNextHopId?: string;
  newNextHopType?: string;
}

/** DescribeRouteEntryList filter. */
export interface DescribeRouteEntriesFilter {
  regionId?: string;
  routeTableId: string;
  destinationCidrBlock?: string;
  destCidrBlockList?: string[];
  routeEntryId?: string;
  routeEntryType?: string;
  nextHopId?: string;
  nextHopType?: string;
  /** 1..100, default 10. */
  maxResult?: number;
  nextToken?: string;
}

/** DescribeRouteTableList filter. */
export interface DescribeRouteTablesFilter extends PageParams, Caller {
  regionId: string;
  routerType?: RouterType;
  routerId?: string;
  vpcId?: string;
  routeTableId?: string;
  routeTableName?: string;
}

// ---------------------------------------------------------------- physical connections and VBRs

/** A physical connection (Express Connect circuit). */
export interface PhysicalConnectionRecord extends Owned {
  physicalConnectionId: string;
  regionId: string;
  name: string;
  description: string;
  accessPointId: string;
  type: 'VPC';
  lineOperator: string;
  portType: string;
  /** Lifecycle status; a working circuit is `Enabled`. */
  status: string;
  /** `Normal`, `FinancialLocked` or `SecurityLocked`. */
  businessStatus: string;
  /** Port bandwidth in Mbit/s. */
  bandwidth: number;
  /**
   * Operational link state set by the control API (`/physical-connections/{id}/down|up`). Not an
   * Alibaba field: a fiber cut leaves `Status=Enabled`; only traffic (and health checks) notice.
   */
  linkStatus: 'Up' | 'Down';
  /** Data center at the far end (emulator wiring, not an Alibaba field). */
  dataCenterId: string;
  creationTime: string;
}

/** VBR status (lower-case on the wire). */
export type VbrStatus = 'unconfirmed' | 'active' | 'terminating' | 'terminated' | 'recovering' | 'deleting';

/** A virtual border router on a physical connection. */
export interface VbrRecord extends Owned {
  vbrId: string;
  regionId: string;
  name: string;
  description: string;
  status: VbrStatus;
  routeTableId: string;
  physicalConnectionId: string;
  accessPointId: string;
  vlanId: number;
  /** Alibaba-side IP on the interconnect subnet, e.g. 10.10.10.1. */
  localGatewayIp: string;
  /** Customer-side IP on the interconnect subnet, e.g. 10.10.10.2. */
  peerGatewayIp: string;
  /** Mask of the interconnect subnet, e.g. 255.255.255.252. */
  peeringSubnetMask: string;
  creationTime: string;
}

/** A BGP group of a VBR. */
export interface BgpGroupRecord {
  bgpGroupId: string;
  regionId: string;
  routerId: string;
  name: string;
  description: string;
  peerAsn: number;
  localAsn: number;
  authKey?: string;
  status: 'Pending' | 'Available' | 'Modifying' | 'Deleting';
}

/** A BGP peer of a group; `bgpStatus` is computed from the link (Established when up). */
export interface BgpPeerRecord {
  bgpPeerId: string;
  bgpGroupId: string;
  regionId: string;
  routerId: string;
  name: string;
  peerIpAddress: string;
  status: 'Pending' | 'Available' | 'Modifying' | 'Deleting';
}

/** A BGP peer as described, with the session state. */
export interface BgpPeerView extends BgpPeerRecord {
  peerAsn: number;
  localAsn: number;
  bgpStatus: 'Established' | 'Idle';
}

/** A BGP network (advertised CIDR) of a VBR. */
export interface BgpNetworkRecord {
  routerId: string;
  regionId: string;
  dstCidrBlock: string;
  vpcId?: string;
  status: 'Pending' | 'Available' | 'Deleting';
}

// ---------------------------------------------------------------- router interfaces

/** Router interface status (VPC 2016-04-28). */
export type RouterInterfaceStatus =
  | 'Idle'
  | 'Connecting'
  | 'AcceptingConnecting'
  | 'Activating'
  | 'Active'
  | 'Modifying'
  | 'Deactivating'
  | 'Inactive'
  | 'Deleting';

/** One end of a router interface pair. Health-check settings live on the VBR end. */
export interface RouterInterfaceRecord {
  routerInterfaceId: string;
  regionId: string;
  routerId: string;
  routerType: RouterType;
  role: 'InitiatingSide' | 'AcceptingSide';
  spec: string;
  name: string;
  description: string;
  status: RouterInterfaceStatus;
  businessStatus: 'Normal' | 'FinancialLocked' | 'SecurityLocked';
  oppositeInterfaceId: string;
  oppositeRouterId: string;
  oppositeRouterType: RouterType;
  oppositeRegionId: string;
  /** The VPC this pair connects (for a VBR end: the VPC on the other side). */
  vpcInstanceId?: string;
  accessPointId?: string;
  healthCheckSourceIp?: string;
  healthCheckTargetIp?: string;
  /** Probe interval in ms (recommended 2000). */
  hcRate?: number;
  /** Consecutive misses before the hop is disabled (recommended 8). */
  hcThreshold?: number;
  creationTime: string;
}

/** A router interface as described: the record plus the opposite end's status. */
export interface RouterInterfaceView extends RouterInterfaceRecord {
  oppositeInterfaceStatus: RouterInterfaceStatus;
  /** Emulator extension: current health-check verdict of this pair. */
  healthCheckStatus: 'Disabled' | 'Healthy' | 'Failed';
}

/** ModifyRouterInterfaceAttribute. */
export interface ModifyRouterInterfaceParams {
  regionId?: string;
  routerInterfaceId: string;
  name?: string;
  description?: string;
  healthCheckSourceIp?: string;
  healthCheckTargetIp?: string;
  hcRate?: number;
  hcThreshold?: number;
  deleteHealthCheckIp?: boolean;
}

/** Filter of DescribeRouterInterfaces (`Filter.N.Key` → values). */
export interface RouterInterfaceFilter extends PageParams, Caller {
  regionId: string;
  filters?: Record<string, string[]>;
}

// ---------------------------------------------------------------- CEN

/** A CEN instance. */
export interface CenRecord extends Owned {
  cenId: string;
  name: string;
  description: string;
  status: 'Creating' | 'Active' | 'Modifying' | 'Deleting';
  /** `REDUCED` = overlapping routes allowed (identical ones not); `FULL` = no overlap. */
  protectionLevel: 'REDUCED' | 'FULL';
  ipv6Level: string;
  creationTime: string;
}

/** A network attached to a CEN instance. */
export interface CenChildInstanceRecord {
  cenId: string;
  childInstanceId: string;
  childInstanceType: 'VPC' | 'VBR';
  childInstanceRegionId: string;
  childInstanceOwnerId: string;
  status: 'Attaching' | 'Attached' | 'Detaching';
  childInstanceAttachTime: string;
  /** Route table of the child (the VPC's system table or the VBR's table). */
  routeTableId: string;
}

/**
 * A grant by the owner of a VPC or VBR to a CEN of another account (VPC GrantInstanceToCen):
 * without it, that CEN cannot attach the instance (`Forbbiden.AttachChildInstanceAcrossUid`).
 */
export interface CenGrantRecord {
  cenId: string;
  /** UID of the account that owns the CEN. */
  cenOwnerId: string;
  childInstanceId: string;
  childInstanceType: 'VPC' | 'VBR';
  childInstanceRegionId: string;
  /** UID of the account that owns the instance (and granted). */
  childInstanceOwnerId: string;
  creationTime: string;
}

/** A route a CEN published explicitly (PublishRouteEntries). */
export interface PublishedRouteRecord {
  cenId: string;
  childInstanceId: string;
  routeTableId: string;
  destinationCidrBlock: string;
}

/** A conflict reported on a CEN route (`conflict` = static route wins; `overflow` = table full). */
export interface CenRouteConflict {
  destinationCidrBlock: string;
  instanceId: string;
  instanceType: 'VPC' | 'VBR';
  regionId: string;
  status: 'conflict' | 'overflow';
}

/** A route learned through a CEN into a child's route table. */
export interface CenRouteRecord {
  routeEntryId: string;
  cenId: string;
  /** Table the route was learned into. */
  routeTableId: string;
  destinationCidrBlock: string;
  /** Child that advertises it. */
  sourceInstanceId: string;
  sourceInstanceType: 'VPC' | 'VBR';
  sourceRegionId: string;
  status: 'Active' | 'Rejected';
  conflicts: CenRouteConflict[];
  /** Clock time at which a Rejected route (whose conflict is gone) turns Active; absent otherwise. */
  activatesAt?: number;
}

/** A row of DescribeCenChildInstanceRouteEntries / DescribePublishedRouteEntries. */
export interface CenChildRouteView {
  destinationCidrBlock: string;
  /** `CEN` (learned), `Custom` or `System` (the child's own). */
  type: 'CEN' | 'Custom' | 'System' | 'BGP';
  status: 'Active' | 'Candidate' | 'Rejected' | 'Prohibited';
  nextHopType: string;
  nextHopInstanceId: string;
  nextHopRegionId: string;
  routeTableId: string;
  publishStatus: 'Published' | 'NonPublished';
  /** Whether PublishRouteEntries/Withdraw may be used on it. */
  operationalMode: boolean;
  conflicts: CenRouteConflict[];
  routeType: string;
}

/** A CEN VBR health check. */
export interface CenVbrHealthCheckRecord {
  cenId: string;
  vbrInstanceId: string;
  vbrInstanceRegionId: string;
  vbrInstanceOwnerId?: string;
  healthCheckSourceIp: string;
  healthCheckTargetIp: string;
  /** Seconds, 2-3. */
  healthCheckInterval: number;
  /** Probes, 3-8. */
  healthyThreshold: number;
  healthCheckOnly: boolean;
  description: string;
  /** `Enabling` until listed; `Disabling` until gone (async, emulator-internal). */
  state: 'Enabling' | 'Enabled' | 'Disabling';
}

/** EnableCenVbrHealthCheck. */
export interface EnableCenVbrHealthCheckParams {
  cenId: string;
  vbrInstanceId: string;
  vbrInstanceRegionId: string;
  healthCheckTargetIp: string;
  healthCheckSourceIp?: string;
  healthCheckInterval?: number;
  healthyThreshold?: number;
  healthCheckOnly?: boolean;
  vbrInstanceOwnerId?: string;
  description?: string;
}

// ---------------------------------------------------------------- inventory

/** An ECS instance (inventory only; Cloud Assistant behaviour lives in `src/emulator/ecs`). */
export interface EcsInstanceRecord extends Owned {
  instanceId: string;
  regionId: string;
  zoneId: string;
  vpcId: string;
  vSwitchId: string;
  privateIpAddress: string;
  instanceName: string;
  instanceType: string;
  status: 'Running' | 'Stopped';
  cpu: number;
  memoryMb: number;
  osType: 'linux' | 'windows';
  /** Cloud Assistant agent installed and online. */
  cloudAssistant: boolean;
  cloudAssistantVersion: string;
  /** Binaries on the PATH that commands may run (`netperf`, `netserver`, `iperf3`). */
  installedBinaries: string[];
}

/** A data-center server registered as a Cloud Assistant managed instance (`mi-…`). */
export interface ManagedInstanceRecord extends Owned {
  instanceId: string;
  regionId: string;
  instanceName: string;
  hostname: string;
  ipAddress: string;
  dataCenterId: string;
  osType: 'linux' | 'windows';
  cpu: number;
  cloudAssistant: boolean;
  cloudAssistantVersion: string;
  installedBinaries: string[];
}

/** A static (or BGP-learned) route of the data center's own router. */
export interface DataCenterRouteRecord {
  destinationCidrBlock: string;
  /** Next-hop IPs: VBR local gateway IPs (e.g. 10.10.10.1); several = ECMP over the usable ones. */
  nextHopIps: string[];
  /** `static` from the topology / control API, `bgp` learned from a VBR's BGP networks. */
  origin: 'static' | 'bgp';
}

/** The on-premises side: address space, devices and its router's routes (the return path). */
export interface DataCenterRecord {
  dataCenterId: string;
  name: string;
  cidrBlocks: string[];
  devices: Array<{ ip: string; name: string; managedInstanceId?: string }>;
  routes: DataCenterRouteRecord[];
  /** CIDRs the DC announces to VBRs over BGP (become `BGP` entries in the VBR table). */
  bgpAdvertisedCidrs: string[];
}

// ---------------------------------------------------------------- health-check state

/** Runtime state of a health check (router-interface pair or CEN VBR health check). */
export interface HealthCheckState {
  consecutiveMisses: number;
  consecutiveSuccesses: number;
  failed: boolean;
  lastProbeAt?: number;
  lastOk?: boolean;
  /** Clock time the verdict last changed. */
  changedAt?: number;
}

// ---------------------------------------------------------------- snapshot

/** A scheduled lifecycle transition, as data (so snapshots can carry in-flight changes). */
export interface PendingTransition {
  kind: TransitionKind;
  /** Id of the resource (route entry id, `cenId/childId`, ...). */
  ref: string;
  /** Remaining ms until it fires, relative to the snapshot's `takenAt`. */
  dueInMs: number;
}

/** Kinds of declared lifecycle transitions (see `states.ts`). */
export type TransitionKind =
  | 'routeEntry.created'
  | 'routeEntry.modified'
  | 'routeEntry.deleted'
  | 'cen.modified'
  | 'cenChild.attached'
  | 'cenChild.detached'
  | 'cenRoute.activated'
  | 'bgpNetwork.added'
  | 'bgpNetwork.deleted'
  | 'cenVbrHealthCheck.enabled'
  | 'cenVbrHealthCheck.disabled';

/** Tunable limits. */
export interface ModelQuotas {
  /** Custom route entries per route table (Alibaba default 200). */
  customRoutesPerTable: number;
  /** CEN-learned routes a table accepts before new ones are `Rejected` with `overflow`. UNCONFIRMED. */
  cenRoutesPerTable: number;
  /** ECMP next hops per entry (API docs: up to 16; console text says 2-8 — UNCONFIRMED). */
  maxEcmpNextHops: number;
}

/** Complete, JSON-serialisable state of a `NetworkModel`. */
export interface EmulatorSnapshot {
  version: 1;
  /** The default account: owner of every resource without an `ownerId`. */
  accountId: string;
  /** Every account of the model, the default one included (absent in older snapshots). */
  accounts?: AccountRecord[];
  /** Clock time the snapshot was taken. */
  takenAt: number;
  /** Base added to virtual clock ms for wire timestamps. */
  epochOffsetMs: number;
  idSeed: number;
  idCounter: number;
  timings: import('./states.ts').LifecycleTimings;
  quotas: ModelQuotas;
  regions: RegionRecord[];
  vpcs: VpcRecord[];
  vSwitches: VSwitchRecord[];
  routeTables: RouteTableRecord[];
  routeEntries: RouteEntryRecord[];
  physicalConnections: PhysicalConnectionRecord[];
  vbrs: VbrRecord[];
  bgpGroups: BgpGroupRecord[];
  bgpPeers: BgpPeerRecord[];
  bgpNetworks: BgpNetworkRecord[];
  routerInterfaces: RouterInterfaceRecord[];
  routerInterfaceHealth: Array<{ routerInterfaceId: string } & HealthCheckState>;
  cens: CenRecord[];
  cenChildInstances: CenChildInstanceRecord[];
  publishedRoutes: PublishedRouteRecord[];
  cenRoutes: CenRouteRecord[];
  cenVbrHealthChecks: Array<CenVbrHealthCheckRecord & { health: HealthCheckState }>;
  /** Cross-account grants (absent in older snapshots). */
  cenGrants?: CenGrantRecord[];
  ecsInstances: EcsInstanceRecord[];
  managedInstances: ManagedInstanceRecord[];
  dataCenters: DataCenterRecord[];
  clientTokens: Array<{ key: string; paramsHash: string; result: unknown }>;
  pendingTransitions: PendingTransition[];
}
