/**
 * Shared types of the CEN migration procedures (seed chapter 5): the facts read from the cloud,
 * the parameters, and the plan the planner derives from both. All plain JSON so they can live in
 * a machine's context and be journaled.
 */
import type { NextHopFact } from '../shared/ops.ts';

/** Which seed procedure: 5.1 (VPC) or 5.2 (VBR). */
export type MigrationKind = 'vpc' | 'vbr';

/** Seed 5.1/5.2: smooth (split, delete, wait, remove splits) or intermittent (delete, wait). */
export type MigrationMode = 'smooth' | 'intermittent';

/** A route entry as read by DescribeRouteEntryList. */
export interface RouteEntryFact {
  routeEntryId?: string;
  destinationCidrBlock: string;
  /** Custom, System, BGP, CEN… */
  type: string;
  /** Pending, Available, Modifying, Deleting. */
  status: string;
  nextHops: NextHopFact[];
  routeEntryName?: string;
  description?: string;
}

/** A route table with all its entries. */
export interface RouteTableFact {
  routeTableId: string;
  routerId: string;
  /** VRouter (VPC) or VBR. */
  routerType: string;
  entries: RouteEntryFact[];
}

/** A route as seen by DescribeCenChildInstanceRouteEntries (Status=All) or the region domain view. */
export interface CenRouteFact {
  destinationCidrBlock: string;
  /** CEN (learned), System, Custom (the child's own). */
  type: string;
  /** Active, Candidate, Rejected, Prohibited. */
  status: string;
  nextHopType?: string;
  nextHopInstanceId?: string;
  nextHopRegionId?: string;
  publishStatus?: string;
  conflicts: { destinationCidrBlock: string; instanceId: string; instanceType: string; regionId: string; status: string }[];
}

/** A CEN child instance attachment. */
export interface AttachmentFact {
  childInstanceId: string;
  childInstanceType: string;
  childInstanceRegionId: string;
  /** Attaching, Attached, Detaching. */
  status: string;
}

/** A route of a child's table as seen by DescribePublishedRouteEntries. */
export interface PublishedRouteFact {
  destinationCidrBlock: string;
  nextHopType: string;
  nextHopId: string;
  /** Published or NonPublished. */
  publishStatus: string;
  routeType: string;
}

/** A router interface with its (Express Connect) health check settings. */
export interface RouterInterfaceFact {
  routerInterfaceId: string;
  routerId: string;
  routerType: string;
  oppositeRouterId?: string;
  oppositeRouterType?: string;
  healthCheckSourceIp?: string;
  healthCheckTargetIp?: string;
  hcRate?: number;
  hcThreshold?: number;
}

/** A CEN VBR health check as listed by DescribeCenVbrHealthCheck. */
export interface CenVbrHealthCheckFact {
  cenId: string;
  vbrInstanceId: string;
  healthCheckSourceIp?: string;
  healthCheckTargetIp: string;
  healthCheckInterval: number;
  healthyThreshold: number;
  healthCheckOnly?: boolean;
}

/** The VBR side of a 5.2 migration. */
export interface VbrFacts {
  vbrId: string;
  /** Customer-side (IDC) gateway IP of the VBR, the default CEN health check target. */
  peerGatewayIp?: string;
  /** Whether the VBR has BGP peers (then halves are advertised as BGP networks). */
  usesBgp: boolean;
  /** Advertised BGP networks (DescribeBgpNetworks). */
  bgpNetworks: { dstCidrBlock: string; status: string; vpcId?: string }[];
  /** The VBR's router interfaces (toward VPCs) with their health check settings. */
  routerInterfaces: RouterInterfaceFact[];
  /** CEN VBR health checks configured for this VBR. */
  cenHealthChecks: CenVbrHealthCheckFact[];
}

/** One child instance whose route table is migrated. */
export interface SubjectFacts {
  childInstanceId: string;
  /** VPC or VBR. */
  childInstanceType: 'VPC' | 'VBR';
  regionId: string;
  routeTable: RouteTableFact;
  /** Routes of this child as CEN sees them (Status=All); null when the child is not attached yet. */
  cenRoutes: CenRouteFact[] | null;
  /** Published-route view of the child's table; null when not attached. */
  publishedRoutes: PublishedRouteFact[] | null;
}

/** A CEN bandwidth package as DescribeCenBandwidthPackages shows it. */
export interface BandwidthPackageFact {
  cenBandwidthPackageId: string;
  /** Mbit/s. */
  bandwidth: number;
  geographicRegionAId: string;
  geographicRegionBId: string;
  /** Idle, InUse (Creating while being bought). */
  status: string;
  businessStatus?: string;
  /** CENs it serves (at most one). */
  cenIds: string[];
}

/** Inter-region bandwidth of the CEN as DescribeCenInterRegionBandwidthLimits shows it. */
export interface BandwidthLimitFact {
  localRegionId: string;
  oppositeRegionId: string;
  /** Mbit/s. */
  bandwidthLimit: number;
  /** Active or Modifying. */
  status: string;
  bandwidthPackageId?: string;
}

/** Everything the planner needs, as read by `readMigrationFacts`. */
export interface MigrationFacts {
  kind: MigrationKind;
  regionId: string;
  cen: { cenId: string; status: string; protectionLevel: string };
  attachments: AttachmentFact[];
  /** The tables to migrate: the VPC's (5.1), or the VBR's and then the VPC's (5.2). */
  subjects: SubjectFacts[];
  /**
   * Active routes of the CEN region domain of the subjects' region (DescribeCenRegionDomainRouteEntries):
   * what a child not yet attached will learn.
   */
  regionDomainRoutes: CenRouteFact[];
  vbr?: VbrFacts;
  /** Seed 5.1-4/5.2-5, read only when the params ask for bandwidth: the account's packages and the CEN's inter-region bandwidth. */
  bandwidth?: { packages: BandwidthPackageFact[]; limits: BandwidthLimitFact[] };
}

/** A flow whose reachability proves the migration works (verification and the twin's probes). */
export interface FlowParam {
  name: string;
  /** Where the probe starts: an ECS instance id, a VPC id or an IDC address, as the prober understands it. */
  source: string;
  /** Destination IPv4 address. */
  destinationIp: string;
}

/** Parameters shared by both migration procedures. */
export interface MigrationParams {
  regionId: string;
  cenId: string;
  /** 5.1: the VPC to migrate. 5.2: the VPC peered with the VBR (attached too, seed 5.2-4); optional there. */
  vpcId?: string;
  /** 5.2 only: the VBR to migrate. */
  vbrId?: string;
  /** 5.2 only: region of `vpcId` when it differs from the VBR's `regionId`. */
  vpcRegionId?: string;
  /** VPC route table to migrate; default the VPC's system route table. */
  routeTableId?: string;
  mode: MigrationMode;
  /**
   * CIDRs of custom routes (next hop ECS, VPN gateway, HaVip) to publish to the CEN (seed 5.1-5/5.2-6).
   * Default: every such route of the VPC table not yet published.
   */
  publishRoutes?: string[];
  /** Restrict the migration to these static peering routes (default: every one that blocks a CEN route). */
  peeringRoutes?: string[];
  /**
   * Acknowledge that the addresses of a peering route not covered by any CEN route lose their path:
   * `true` for all, or the exact remainder blocks.
   */
  acknowledgeRemainder?: boolean | string[];
  /**
   * Cross-region bandwidth (seed 5.1-4/5.2-5); only when asked: at least `bandwidthMbps` between
   * `regionId` and `peerRegionId`, drawn on `bandwidthPackageId` or on the package the CEN (or,
   * failing that, the account's idle inventory) has for the two regions' areas.
   */
  bandwidth?: { peerRegionId: string; bandwidthMbps: number; bandwidthPackageId?: string };
  /** Flows that must stay reachable; checked after every phase. */
  flows?: FlowParam[];
  /** 5.2: CEN VBR health check to configure at the end (seed 5.2-8g). Default: target = the old health check target. */
  cenHealthCheck?: { targetIp?: string; sourceIp?: string; interval?: number; threshold?: number; skip?: boolean };
  /** Upper bound for a CEN route to turn Active after its peering route is deleted. */
  cenRouteActiveTimeoutMs?: number;
}

/** A problem that stops the plan from running; becomes a ValidationError. */
export interface Refusal {
  code: string;
  message: string;
  field?: string;
}

/** A CEN route blocked by a peering route. */
export interface BlockedCenRoute {
  destinationCidrBlock: string;
  status: string;
  nextHopType?: string;
  nextHopInstanceId?: string;
  nextHopRegionId?: string;
  /** `observed` from the child's CEN route view, `predicted` from the region domain (child not attached yet). */
  source: 'observed' | 'predicted';
  /** Whether the route turns Active once this conflict's peering route is deleted (no outer blocker left). */
  activeAfter: boolean;
}

/** A block of a peering route that no CEN route covers. */
export interface RemainderBlock {
  cidr: string;
  /** The route that carries the block after the migration, or null when nothing does. */
  fallback: { destinationCidrBlock: string; via: string } | null;
  /** True unless the fallback still goes to the same next hop. */
  losesPath: boolean;
}

/** One static peering route S with the CEN routes it blocks and how to resolve it. */
export interface ConflictPlan {
  /** Region of the child and its route table. */
  regionId: string;
  childInstanceId: string;
  childInstanceType: 'VPC' | 'VBR';
  routeTableId: string;
  peeringRoute: { destinationCidrBlock: string; routeEntryId?: string; nextHops: NextHopFact[]; routeEntryName?: string; description?: string };
  blocked: BlockedCenRoute[];
  /**
   * Smooth mode: the temporary routes (the halves of each blocked route, split further where a
   * half would itself contain a blocked route) that keep traffic on the peering path meanwhile.
   */
  halves: { destinationCidrBlock: string; existing: boolean }[];
  /** 5.2 with BGP: halves advertised as BGP networks meanwhile (those not advertised already). */
  bgpNetworks: string[];
  remainder: RemainderBlock[];
}

/** One cloud API call in the order the procedure makes it. */
export interface PlannedCall {
  product: 'Vpc' | 'Cbn';
  action: string;
  kind: 'read' | 'write';
  /** Short description of the target. */
  target: string;
  /** The seed step. */
  seed: string;
}

/**
 * One change of the bandwidth phase (seed 5.1-4/5.2-5), in order: associate the package with the
 * CEN (AssociateCenBandwidthPackage), then set the bandwidth between the two regions
 * (SetCenInterRegionBandwidthLimit). `previousMbps` is what rollback restores (0: none).
 */
export type BandwidthStep =
  | { kind: 'associate'; cenBandwidthPackageId: string }
  | { kind: 'limit'; localRegionId: string; oppositeRegionId: string; bandwidthMbps: number; previousMbps: number };

/** The value columns of a route row (batfish TableDiff style, key = routeTableId + destinationCidrBlock). */
export interface RouteRowValues {
  /** Type of the non-CEN entry at this key (Custom, System, BGP), null if none. */
  entryType: string | null;
  /** Its next hops, `Type:id` joined by `,`. */
  nextHop: string | null;
  /** Status of the CEN-learned route at this key, null if none. */
  cenStatus: string | null;
  /** Where the CEN route goes, `Type:instance@region`. */
  cenNextHop: string | null;
}

/** A route table row. */
export interface RouteRow extends RouteRowValues {
  routeTableId: string;
  destinationCidrBlock: string;
}

/** A row of the before/after diff. */
export interface RouteDiffRow {
  routeTableId: string;
  destinationCidrBlock: string;
  presence: 'both' | 'before' | 'after';
  before: RouteRowValues | null;
  after: RouteRowValues | null;
  /** Value columns that differ (empty when unchanged). */
  changed: (keyof RouteRowValues)[];
}

/** The plan of a migration: what will change, in what order, and why it may be refused. */
export interface MigrationPlan {
  procedureId: string;
  kind: MigrationKind;
  mode: MigrationMode;
  cenId: string;
  regionId: string;
  protectionLevel: { current: string; changeNeeded: boolean };
  attachments: { childInstanceId: string; childInstanceType: 'VPC' | 'VBR'; childInstanceRegionId: string; status: string; attachNeeded: boolean }[];
  publish: { regionId: string; childInstanceId: string; routeTableId: string; destinationCidrBlock: string; nextHopType: string; nextHopId: string }[];
  bandwidth: {
    requested: boolean;
    localRegionId?: string;
    peerRegionId?: string;
    bandwidthMbps?: number;
    /** The package the bandwidth is drawn on. */
    bandwidthPackageId?: string;
    /** The changes to make (none when everything is in place already). */
    steps: BandwidthStep[];
  };
  conflicts: ConflictPlan[];
  vbr?: {
    vbrId: string;
    usesBgp: boolean;
    /** Express Connect health checks to disable first (seed 5.2-1); restored on rollback. */
    disableHealthChecks: RouterInterfaceFact[];
    /** CEN VBR health check to configure at the end (seed 5.2-8g), or null when skipped. */
    cenHealthCheck: {
      targetIp: string;
      sourceIp?: string;
      interval: number;
      threshold: number;
      /** Already configured exactly so: no call. */
      existing: boolean;
      /** The CEN health check of this VBR before the migration (restored on rollback), or null. */
      previous: { targetIp: string; sourceIp?: string; interval: number; threshold: number } | null;
    } | null;
  };
  calls: PlannedCall[];
  callCounts: { read: number; write: number; total: number };
  routes: { before: RouteRow[]; after: RouteRow[]; diff: RouteDiffRow[] };
  /** Addresses that lose their path when the peering routes are deleted (all conflicts). */
  remainder: { blocks: RemainderBlock[]; acknowledged: boolean };
  warnings: string[];
  refusals: Refusal[];
  /** True when there are no refusals. */
  runnable: boolean;
}
