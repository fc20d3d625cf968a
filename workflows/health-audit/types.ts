/**
 * Types of the health audit (issue 7): what the audit reads (the inventory), what a check returns
 * (findings), and the ids of the fifteen checks (network-anchors.md §2.3).
 */
import type {
  BgpPeer,
  Cen,
  CenChildInstance,
  CenRouteEntry,
  CenVbrHealthCheck,
  PhysicalConnection,
  RouteEntry,
  RouteTable,
  RouterInterface,
  VirtualBorderRouter,
  Vpc,
} from '../../src/cloud/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';

/** How bad a finding is. `critical`: traffic is lost or will be on the next failure; `warning`: a deviation from the design or the seed; `info`: worth knowing, nothing to fix now. */
export type Severity = 'info' | 'warning' | 'critical';

/** Severities from least to most severe. */
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

/** The ids of the fifteen checks, in the order of network-anchors.md §2.3. */
export const CHECK_IDS = [
  'physical-connection-state',
  'vbr-status',
  'cen-attachment',
  'health-check-present',
  'health-check-parameters',
  'health-check-return-path',
  'ecmp-symmetry',
  'active-standby-intent',
  'migration-leftovers',
  'cen-route-status',
  'longest-prefix-intent',
  'cloud-service-routes',
  'bgp-peers',
  'flow-reachability',
  'performance-drift',
] as const;

/** One check id. */
export type CheckId = (typeof CHECK_IDS)[number];

/**
 * An execution of another procedure that would fix a finding safely, with its parameters derived
 * from the finding. The audit proposes it; it then waits at that procedure's approval gate.
 */
export interface RemediationSpec {
  procedureId: string;
  params: JsonObject;
  /** Why this fix is safe, shown to approvers. */
  reason: string;
}

/**
 * What a check reports. Route-level findings also carry the batfish row key
 * (`routeTableId`, `destinationCidrBlock`).
 */
export interface Finding {
  checkId: CheckId;
  severity: Severity;
  /** One line: what is wrong. */
  title: string;
  /**
   * The resources involved as `kind:id` (`vbr:vbr-1`, `route:vtb-1|172.16.0.0/16`,
   * `router-interface:ri-1`); with the check id they make the finding's stable key.
   */
  resources: string[];
  /** The facts read that show it (statuses, weights, hops), plain JSON. */
  evidence: JsonObject;
  /** What to do about it. */
  fix: string;
  routeTableId?: string;
  destinationCidrBlock?: string;
  /** A safe automatic fix, when there is one. */
  remediation?: RemediationSpec;
}

/** A route table with its entries (DescribeRouteTableList + DescribeRouteEntryList). */
export interface TableInventory {
  regionId: string;
  table: RouteTable;
  /** `VPC` for a vRouter table, `VBR` for a VBR's table. */
  ownerType: 'VPC' | 'VBR';
  /** VPC id or VBR id. */
  ownerId: string;
  entries: RouteEntry[];
}

/** The routes one CEN child sees (DescribeCenChildInstanceRouteEntries, Status=All). */
export interface CenChildRoutes {
  cenId: string;
  childInstanceId: string;
  childInstanceType: 'VPC' | 'VBR';
  regionId: string;
  /** The child's route table these routes are in (from the routes, or the VBR / VPC). */
  routeTableId: string | null;
  routes: CenRouteEntry[];
}

/** Why a probe was run: the return leg of a health check, or a flow declared in the intent. */
export type ProbePurpose = 'return-path' | 'flow';

/** One reachability probe and what it found (or why it could not be run). */
export interface ProbeRecord {
  purpose: ProbePurpose;
  /** `vbr-1|192.168.10.1` for a return path, the flow name for a flow. */
  key: string;
  flow: { name: string; source: string; destinationIp: string; protocol?: 'icmp' | 'tcp' | 'udp'; port?: number };
  result?: { reachable: boolean; hops?: string[]; reason?: string };
  /** The prober could not answer (unsupported source, no Cloud Assistant…). */
  error?: { code: string; message: string };
}

/** The last `link-performance-test` report found in the store. */
export interface PerformanceBaseline {
  executionId: string;
  endedAt: number;
  params: JsonObject;
  /** Every report object found in the execution's output (one per direction/mode). */
  reports: Array<{ path: string; report: JsonObject }>;
}

/** An execution that is changing the network right now (pending, running, waiting, awaiting approval). */
export interface ActiveChange {
  executionId: string;
  procedureId: string;
  status: string;
  locks: string[];
}

/** A resource with the region it was read in. */
export type InRegion<T> = T & { regionId: string };

/**
 * Everything one audit read: a snapshot of the network through the Describe APIs, the probes it
 * ran, the last performance report and the changes in flight. Checks are pure functions of it.
 */
export interface Inventory {
  regionIds: string[];
  /** Clock time of the read. */
  readAt: number;
  physicalConnections: InRegion<PhysicalConnection>[];
  vbrs: InRegion<VirtualBorderRouter>[];
  routerInterfaces: InRegion<RouterInterface>[];
  vpcs: InRegion<Vpc>[];
  routeTables: TableInventory[];
  bgpPeers: InRegion<BgpPeer>[];
  cens: Cen[];
  cenChildren: CenChildInstance[];
  cenVbrHealthChecks: InRegion<CenVbrHealthCheck>[];
  cenRoutes: CenChildRoutes[];
  probes: ProbeRecord[];
  performance: PerformanceBaseline | null;
  activeChanges: ActiveChange[];
}
