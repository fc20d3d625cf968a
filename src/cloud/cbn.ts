/**
 * CEN (product code `Cbn`) API 2017-09-12: instances, child instances, published routes, route
 * views, VBR health checks (alibaba-api.md §5), and the bandwidth packages and inter-region
 * bandwidth of seed 5.1-4 / 5.2-5. CEN is a central service: regions travel as
 * parameters (`ChildInstanceRegionId`, `CenRegionId`), defaulting to the client's region.
 */
import { parseCidr, parseIpv4 } from '../net/index.ts';
import { ValidationError } from '../errors.ts';
import type { RpcCall, WireParams } from './rpc.ts';
import type { CenChildInstanceType, CloudWriteResult } from './types.ts';
import {
  buildFilters,
  describeNumbered,
  normalizeClientToken,
  opt,
  optBoolean,
  optNumber,
  optString,
  requestIdOf,
  wireFields,
  wireList,
  wireStringList,
  wireString,
  type PageRequest,
  type Paged,
  type WireObject,
} from './wire.ts';

// ---------------------------------------------------------------------------------------------
// Domain types
// ---------------------------------------------------------------------------------------------

/** A CEN instance (`DescribeCens` → `Cens.Cen[]`). */
export interface Cen {
  cenId: string;
  name?: string;
  description?: string;
  /** Creating / Active / Modifying / Deleting. */
  status: string;
  /** `REDUCED` allows overlapping (not identical) CIDRs; the migration needs it. */
  protectionLevel?: string;
  ipv6Level?: string;
}

/** A child instance attached to a CEN. */
export interface CenChildInstance {
  cenId: string;
  childInstanceId: string;
  childInstanceType: CenChildInstanceType;
  childInstanceRegionId: string;
  childInstanceOwnerId?: string;
  /** Attaching / Attached / Detaching. */
  status: string;
  childInstanceAttachTime?: string;
}

/** Why a CEN route is not used: `conflict` (same CIDR) or `overflow` (peer table full). */
export interface CenRouteConflict {
  destinationCidrBlock: string;
  instanceId: string;
  instanceType: string;
  regionId: string;
  status: string;
}

/** A route of a child instance as CEN sees it (`DescribePublishedRouteEntries`). */
export interface PublishedRouteEntry {
  destinationCidrBlock: string;
  childInstanceRouteTableId?: string;
  nextHopType?: string;
  nextHopId?: string;
  routeType?: string;
  /** `Published` / `NonPublished`. */
  publishStatus: string;
  /** Whether the route can be published or withdrawn. */
  operationalMode?: boolean;
  conflicts: CenRouteConflict[];
}

/** A route in a child instance's table, learned or local (`DescribeCenChildInstanceRouteEntries`). */
export interface CenRouteEntry {
  destinationCidrBlock: string;
  /** CEN / System / Custom. */
  type: string;
  /** Active / Candidate / Rejected / Prohibited. */
  status: string;
  nextHopType?: string;
  nextHopInstanceId?: string;
  nextHopRegionId?: string;
  routeTableId?: string;
  publishStatus?: string;
  operationalMode?: boolean;
  preference?: number;
  conflicts: CenRouteConflict[];
}

/** A route in a CEN's region-wide table (`DescribeCenRegionDomainRouteEntries`). */
export interface CenRegionRouteEntry {
  destinationCidrBlock: string;
  status: string;
  type: string;
  /** VPC / VBR / CCN / local_service. */
  nextHopType?: string;
  nextHopInstanceId?: string;
  nextHopRegionId?: string;
  preference?: number;
  toOtherRegionStatus?: string;
}

/** A CEN VBR health check (`DescribeCenVbrHealthCheck` → `VbrHealthChecks.VbrHealthCheck[]`). */
export interface CenVbrHealthCheck {
  cenId: string;
  vbrInstanceId: string;
  vbrInstanceRegionId?: string;
  healthCheckSourceIp?: string;
  healthCheckTargetIp: string;
  /** Seconds between probes. */
  healthCheckInterval?: number;
  /** Lost probes before the route is withdrawn. */
  healthyThreshold?: number;
  healthCheckOnly?: boolean;
}

/**
 * A CEN bandwidth package (`DescribeCenBandwidthPackages` → `CenBandwidthPackages.CenBandwidthPackage[]`):
 * bandwidth between two areas (China, North-America, Asia-Pacific, Europe, Australia).
 */
export interface CenBandwidthPackage {
  cenBandwidthPackageId: string;
  name?: string;
  description?: string;
  /** Peak bandwidth, Mbit/s. */
  bandwidth: number;
  /** `PREPAY` / `POSTPAY`. */
  bandwidthPackageChargeType?: string;
  geographicRegionAId: string;
  geographicRegionBId: string;
  /** e.g. `china_china`. */
  geographicSpanId?: string;
  /** `Idle` (not associated) or `InUse`. */
  status: string;
  /** `Normal`, `FinancialLocked`, `SecurityLocked`. */
  businessStatus?: string;
  /** CENs it is associated with (one at most). */
  cenIds: string[];
  creationTime?: string;
  expiredTime?: string;
}

/** Inter-region bandwidth of a CEN (`DescribeCenInterRegionBandwidthLimits`). */
export interface CenInterRegionBandwidthLimit {
  cenId: string;
  localRegionId: string;
  oppositeRegionId: string;
  /** Mbit/s. */
  bandwidthLimit: number;
  /** `Active` or `Modifying`. */
  status: string;
  geographicSpanId?: string;
  bandwidthPackageId?: string;
}

/** The areas a bandwidth package connects (`GeographicRegionAId` / `GeographicRegionBId`). */
export type GeographicRegionId = 'China' | 'North-America' | 'Asia-Pacific' | 'Europe' | 'Australia';

/**
 * The area of a region for CEN bandwidth packages: mainland `cn-*` China; Hong Kong, the rest of
 * Asia and the Middle East Asia-Pacific; Sydney (`ap-southeast-2`) Australia; `us-*`
 * North-America; `eu-*` Europe; `undefined` otherwise. The placement of Hong Kong and the Middle
 * East is UNCONFIRMED (the purchase page groups regions into areas; no API lists them).
 */
export function geographicRegionOf(regionId: string): GeographicRegionId | undefined {
  if (regionId === 'cn-hongkong') return 'Asia-Pacific';
  if (regionId.startsWith('cn-')) return 'China';
  if (regionId === 'ap-southeast-2') return 'Australia';
  if (regionId.startsWith('ap-') || regionId.startsWith('me-')) return 'Asia-Pacific';
  if (regionId.startsWith('us-')) return 'North-America';
  if (regionId.startsWith('eu-')) return 'Europe';
  return undefined;
}

/** Whether a package connects the areas of two regions (in either order). */
export function bandwidthPackageServes(p: { geographicRegionAId: string; geographicRegionBId: string }, regionA: string, regionB: string): boolean {
  const a = geographicRegionOf(regionA);
  const b = geographicRegionOf(regionB);
  if (!a || !b) return false;
  return (p.geographicRegionAId === a && p.geographicRegionBId === b) || (p.geographicRegionAId === b && p.geographicRegionBId === a);
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/** CreateCenBandwidthPackage: buys a package (a billing action). Asynchronous: poll until `Idle`. */
export interface CreateCenBandwidthPackageRequest {
  /** Mbit/s, at least 2. */
  bandwidth: number;
  geographicRegionAId: string;
  geographicRegionBId: string;
  /** `PREPAY` / `POSTPAY`. */
  bandwidthPackageChargeType?: string;
  period?: number;
  /** `Month` / `Year`. */
  pricingCycle?: string;
  autoPay?: boolean;
  name?: string;
  description?: string;
  clientToken?: string;
}

/** Associate / unassociate a package with a CEN. */
export interface CenBandwidthPackageRef {
  cenId: string;
  cenBandwidthPackageId: string;
}

/** DescribeCenBandwidthPackages filters (each a `Filter.N.Key`). */
export interface DescribeCenBandwidthPackagesRequest {
  cenId?: string;
  cenBandwidthPackageId?: string | string[];
  status?: string;
  name?: string;
  /** OR the filters instead of AND. */
  isOrKey?: boolean;
}

/** SetCenInterRegionBandwidthLimit: set, change, or (0) remove the bandwidth between two regions. */
export interface SetCenInterRegionBandwidthLimitRequest {
  cenId: string;
  localRegionId: string;
  oppositeRegionId: string;
  /** Mbit/s; 0 removes it. */
  bandwidthLimit: number;
}

/** DescribeCens filters. */
export interface DescribeCensRequest {
  cenId?: string | string[];
  name?: string;
}

/** ModifyCenAttribute. Asynchronous: `Modifying` → `Active`. */
export interface ModifyCenAttributeRequest {
  cenId: string;
  /** `REDUCED`. */
  protectionLevel?: string;
  name?: string;
  description?: string;
}

/** Identifies one child instance of a CEN. `childInstanceRegionId` defaults to the client's region. */
export interface CenChildInstanceRef {
  cenId: string;
  childInstanceId: string;
  childInstanceType: CenChildInstanceType;
  childInstanceRegionId?: string;
  /** Cross-account attachments only. */
  childInstanceOwnerId?: string;
}

/** DescribeCenAttachedChildInstances filters. */
export interface DescribeCenAttachedChildInstancesRequest {
  cenId: string;
  childInstanceRegionId?: string;
  childInstanceType?: CenChildInstanceType;
}

/** Publish / withdraw one route of a child instance's table to / from CEN. */
export interface CenRouteRequest {
  cenId: string;
  childInstanceId: string;
  childInstanceType: CenChildInstanceType;
  childInstanceRegionId?: string;
  childInstanceRouteTableId: string;
  destinationCidrBlock: string;
}

/** DescribePublishedRouteEntries. */
export interface DescribePublishedRouteEntriesRequest {
  cenId: string;
  childInstanceId: string;
  childInstanceType: CenChildInstanceType;
  childInstanceRegionId?: string;
  childInstanceRouteTableId?: string;
  destinationCidrBlock?: string;
}

/** DescribeCenChildInstanceRouteEntries. `status` defaults to `All` (conflict detection needs Rejected routes). */
export interface DescribeCenChildInstanceRouteEntriesRequest {
  cenId: string;
  childInstanceId: string;
  childInstanceType: CenChildInstanceType;
  childInstanceRegionId?: string;
  childInstanceRouteTableId?: string;
  status?: 'All' | 'Active' | 'Candidate' | 'Rejected' | 'Prohibited' | (string & {});
}

/** DescribeCenRegionDomainRouteEntries. `cenRegionId` defaults to the client's region; `status` to Alibaba's default (Active). */
export interface DescribeCenRegionDomainRouteEntriesRequest {
  cenId: string;
  cenRegionId?: string;
  status?: string;
  destinationCidrBlock?: string;
}

/** EnableCenVbrHealthCheck (also used to modify one). The VBR must be attached. */
export interface EnableCenVbrHealthCheckRequest {
  cenId: string;
  vbrInstanceId: string;
  vbrInstanceRegionId?: string;
  /** Customer-side VBR IP. */
  healthCheckTargetIp: string;
  /** Omit for an automatic address from 100.96.0.0/16. */
  healthCheckSourceIp?: string;
  /** Seconds, 2–3 (default 2). */
  healthCheckInterval?: number;
  /** Packets, 3–8 (default 8). */
  healthyThreshold?: number;
  /** Probe only, never switch routes. */
  healthCheckOnly?: boolean;
  vbrInstanceOwnerId?: string;
  description?: string;
}

/** DisableCenVbrHealthCheck. */
export interface DisableCenVbrHealthCheckRequest {
  cenId: string;
  vbrInstanceId: string;
  vbrInstanceRegionId?: string;
  vbrInstanceOwnerId?: string;
}

/** DescribeCenVbrHealthCheck. `vbrInstanceRegionId` defaults to the client's region. */
export interface DescribeCenVbrHealthCheckRequest {
  vbrInstanceRegionId?: string;
  cenId?: string;
  vbrInstanceId?: string;
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

/**
 * CEN client. Every method throws `CloudApiError` on failure (busy CEN codes such as
 * `Operation.Blocking` are class `conflict`) and `ValidationError` for inputs it rejects
 * without calling the cloud.
 */
export interface CbnClient {
  /** Default region for `ChildInstanceRegionId` / `CenRegionId` / `VbrInstanceRegionId`. */
  readonly regionId: string;

  /** DescribeCens; all pages unless `page` is given (PageSize ≤ 50). */
  describeCens(req?: DescribeCensRequest): Promise<Cen[]>;
  describeCens(req: DescribeCensRequest, page: PageRequest): Promise<Paged<Cen>>;

  /** ModifyCenAttribute. Asynchronous: poll {@link CbnClient.describeCens} until `Active`. */
  modifyCenAttribute(req: ModifyCenAttributeRequest): Promise<CloudWriteResult>;

  /** AttachCenChildInstance. Asynchronous: `Attaching` → `Attached`. */
  attachCenChildInstance(req: CenChildInstanceRef): Promise<CloudWriteResult>;
  /** DetachCenChildInstance. Asynchronous: `Detaching` → gone. */
  detachCenChildInstance(req: CenChildInstanceRef): Promise<CloudWriteResult>;

  /** DescribeCenAttachedChildInstances; all pages unless `page` is given (PageSize ≤ 50). */
  describeCenAttachedChildInstances(req: DescribeCenAttachedChildInstancesRequest): Promise<CenChildInstance[]>;
  describeCenAttachedChildInstances(
    req: DescribeCenAttachedChildInstancesRequest,
    page: PageRequest,
  ): Promise<Paged<CenChildInstance>>;

  /**
   * DescribeCenAttachedChildInstanceAttribute: one child instance.
   * @throws CloudApiError class `not_found` when it is not attached
   */
  describeCenAttachedChildInstanceAttribute(req: CenChildInstanceRef): Promise<CenChildInstance>;

  /** PublishRouteEntries: advertise a child-table route to CEN. Asynchronous: `PublishStatus` → `Published`. */
  publishRouteEntries(req: CenRouteRequest): Promise<CloudWriteResult>;
  /** WithdrawPublishedRouteEntries. `InvalidOperation.NotFoundRoute` (class `not_found`) when not published. */
  withdrawPublishedRouteEntries(req: CenRouteRequest): Promise<CloudWriteResult>;
  /** DescribePublishedRouteEntries; all pages unless `page` is given (PageSize ≤ 50). */
  describePublishedRouteEntries(req: DescribePublishedRouteEntriesRequest): Promise<PublishedRouteEntry[]>;
  describePublishedRouteEntries(
    req: DescribePublishedRouteEntriesRequest,
    page: PageRequest,
  ): Promise<Paged<PublishedRouteEntry>>;

  /**
   * DescribeCenChildInstanceRouteEntries with `Status=All` unless told otherwise: the main
   * conflict detector (a `Rejected` route with a `conflict` entry). All pages unless `page` is given (PageSize ≤ 500).
   */
  describeCenChildInstanceRouteEntries(req: DescribeCenChildInstanceRouteEntriesRequest): Promise<CenRouteEntry[]>;
  describeCenChildInstanceRouteEntries(
    req: DescribeCenChildInstanceRouteEntriesRequest,
    page: PageRequest,
  ): Promise<Paged<CenRouteEntry>>;

  /** DescribeCenRegionDomainRouteEntries; all pages unless `page` is given (PageSize ≤ 500). */
  describeCenRegionDomainRouteEntries(req: DescribeCenRegionDomainRouteEntriesRequest): Promise<CenRegionRouteEntry[]>;
  describeCenRegionDomainRouteEntries(
    req: DescribeCenRegionDomainRouteEntriesRequest,
    page: PageRequest,
  ): Promise<Paged<CenRegionRouteEntry>>;

  /** EnableCenVbrHealthCheck. Asynchronous: done when {@link CbnClient.describeCenVbrHealthCheck} lists it. */
  enableCenVbrHealthCheck(req: EnableCenVbrHealthCheckRequest): Promise<CloudWriteResult>;
  /** DisableCenVbrHealthCheck. Asynchronous: done when no longer listed. */
  disableCenVbrHealthCheck(req: DisableCenVbrHealthCheckRequest): Promise<CloudWriteResult>;
  /** DescribeCenVbrHealthCheck; all pages unless `page` is given (PageSize ≤ 50). */
  describeCenVbrHealthCheck(req?: DescribeCenVbrHealthCheckRequest): Promise<CenVbrHealthCheck[]>;
  describeCenVbrHealthCheck(req: DescribeCenVbrHealthCheckRequest, page: PageRequest): Promise<Paged<CenVbrHealthCheck>>;

  /**
   * CreateCenBandwidthPackage: buys a package (billed). Asynchronous: ready when
   * {@link CbnClient.describeCenBandwidthPackages} shows it `Idle`.
   */
  createCenBandwidthPackage(req: CreateCenBandwidthPackageRequest): Promise<CloudWriteResult & { cenBandwidthPackageId: string; orderId?: string }>;
  /**
   * AssociateCenBandwidthPackage: the package serves the CEN (`InUse`). One package per pair of areas.
   * @throws CloudApiError `InvalidOperation.BwpInstanceStatus` (class `conflict`), `InvalidOperation.BwpForGeoSpanAlreadyAssociated` (terminal)
   */
  associateCenBandwidthPackage(req: CenBandwidthPackageRef): Promise<CloudWriteResult>;
  /**
   * UnassociateCenBandwidthPackage: back to `Idle`.
   * @throws CloudApiError `InvalidOperation.CenBandwidthLimitsNotZero` (class `dependency`) while bandwidth is set from it
   */
  unassociateCenBandwidthPackage(req: CenBandwidthPackageRef): Promise<CloudWriteResult>;
  /** DescribeCenBandwidthPackages; all pages unless `page` is given (PageSize ≤ 50). */
  describeCenBandwidthPackages(req?: DescribeCenBandwidthPackagesRequest): Promise<CenBandwidthPackage[]>;
  describeCenBandwidthPackages(req: DescribeCenBandwidthPackagesRequest, page: PageRequest): Promise<Paged<CenBandwidthPackage>>;
  /**
   * SetCenInterRegionBandwidthLimit. Asynchronous: `Modifying` → `Active` (0: the row goes).
   * The CEN needs an associated package for the two regions' areas.
   */
  setCenInterRegionBandwidthLimit(req: SetCenInterRegionBandwidthLimitRequest): Promise<CloudWriteResult>;
  /** DescribeCenInterRegionBandwidthLimits; all pages unless `page` is given (PageSize ≤ 50). */
  describeCenInterRegionBandwidthLimits(req?: { cenId?: string }): Promise<CenInterRegionBandwidthLimit[]>;
  describeCenInterRegionBandwidthLimits(req: { cenId?: string }, page: PageRequest): Promise<Paged<CenInterRegionBandwidthLimit>>;
}

// ---------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------

const PAGE_SIZE = 50;
const ROUTE_PAGE_SIZE = 500;

/** Builds the CEN client over a bound RPC call; `regionId` is the default for region parameters. */
export function createCbnClient(call: RpcCall, regionId: string): CbnClient {
  return new CbnApi(call, regionId);
}

function toConflicts(w: WireObject): CenRouteConflict[] {
  return wireList(w, 'Conflicts', 'Conflict').map((c) =>
    wireFields(c, { destinationCidrBlock: wireString, instanceId: wireString, instanceType: wireString, regionId: wireString, status: wireString }),
  );
}

function toChild(w: WireObject, cenId: string): CenChildInstance {
  return {
    cenId: optString(w, 'CenId') ?? cenId,
    ...wireFields(w, {
      childInstanceId: wireString,
      childInstanceType: wireString,
      childInstanceRegionId: wireString,
      status: wireString,
      childInstanceOwnerId: optString,
      childInstanceAttachTime: optString,
    }),
  };
}

/** Converts a wire `CenRouteEntry` of DescribeCenChildInstanceRouteEntries (exported for unit tests). */
export function toCenRouteEntry(w: WireObject): CenRouteEntry {
  return {
    ...wireFields(w, { destinationCidrBlock: wireString, type: wireString, status: wireString }),
    conflicts: toConflicts(w),
    ...wireFields(w, {
      nextHopType: optString,
      nextHopInstanceId: optString,
      nextHopRegionId: optString,
      routeTableId: optString,
      publishStatus: optString,
      operationalMode: optBoolean,
      preference: optNumber,
    }),
  };
}

function toCen(w: WireObject): Cen {
  return wireFields(w, { cenId: wireString, status: wireString, name: optString, description: optString, protectionLevel: optString, ipv6Level: optString });
}

function toPublishedRouteEntry(w: WireObject): PublishedRouteEntry {
  return {
    ...wireFields(w, { destinationCidrBlock: wireString, publishStatus: wireString }),
    conflicts: toConflicts(w),
    ...wireFields(w, { childInstanceRouteTableId: optString, nextHopType: optString, nextHopId: optString, routeType: optString, operationalMode: optBoolean }),
  };
}

function toCenRegionRouteEntry(w: WireObject): CenRegionRouteEntry {
  return wireFields(w, {
    destinationCidrBlock: wireString,
    status: wireString,
    type: wireString,
    nextHopType: optString,
    nextHopInstanceId: optString,
    nextHopRegionId: optString,
    preference: optNumber,
    toOtherRegionStatus: optString,
  });
}

class CbnApi implements CbnClient {
  constructor(
    private readonly call: RpcCall,
    readonly regionId: string,
  ) {}

  private child(req: CenChildInstanceRef): WireParams {
    return {
      CenId: req.cenId,
      ChildInstanceId: req.childInstanceId,
      ChildInstanceType: req.childInstanceType,
      ChildInstanceRegionId: req.childInstanceRegionId ?? this.regionId,
      ChildInstanceOwnerId: req.childInstanceOwnerId,
    };
  }

  private async write(action: string, params: WireParams): Promise<CloudWriteResult> {
    return { requestId: requestIdOf(await this.call(action, params)) };
  }

  describeCens(req?: DescribeCensRequest): Promise<Cen[]>;
  describeCens(req: DescribeCensRequest, page: PageRequest): Promise<Paged<Cen>>;
  describeCens(req: DescribeCensRequest = {}, page?: PageRequest): Promise<Cen[] | Paged<Cen>> {
    const filter = buildFilters([
      ['CenId', req.cenId],
      ['Name', req.name],
    ]);
    return describeNumbered(this.call, 'DescribeCens', { Filter: filter }, { outer: 'Cens', inner: 'Cen', convert: toCen }, page, PAGE_SIZE);
  }

  modifyCenAttribute(req: ModifyCenAttributeRequest): Promise<CloudWriteResult> {
    return this.write('ModifyCenAttribute', {
      CenId: req.cenId,
      ProtectionLevel: req.protectionLevel,
      Name: req.name,
      Description: req.description,
    });
  }

  attachCenChildInstance(req: CenChildInstanceRef): Promise<CloudWriteResult> {
    return this.write('AttachCenChildInstance', this.child(req));
  }

  detachCenChildInstance(req: CenChildInstanceRef): Promise<CloudWriteResult> {
    return this.write('DetachCenChildInstance', this.child(req));
  }

  describeCenAttachedChildInstances(req: DescribeCenAttachedChildInstancesRequest): Promise<CenChildInstance[]>;
  describeCenAttachedChildInstances(
    req: DescribeCenAttachedChildInstancesRequest,
    page: PageRequest,
  ): Promise<Paged<CenChildInstance>>;
  describeCenAttachedChildInstances(
    req: DescribeCenAttachedChildInstancesRequest,
    page?: PageRequest,
  ): Promise<CenChildInstance[] | Paged<CenChildInstance>> {
    const params: WireParams = {
      CenId: req.cenId,
      ChildInstanceRegionId: req.childInstanceRegionId,
      ChildInstanceType: req.childInstanceType,
    };
    const items = { outer: 'ChildInstances', inner: 'ChildInstance', convert: (w: WireObject) => toChild(w, req.cenId) };
    return describeNumbered(this.call, 'DescribeCenAttachedChildInstances', params, items, page, PAGE_SIZE);
  }

  async describeCenAttachedChildInstanceAttribute(req: CenChildInstanceRef): Promise<CenChildInstance> {
    const body = await this.call('DescribeCenAttachedChildInstanceAttribute', this.child(req));
    return toChild(body, req.cenId);
  }

  publishRouteEntries(req: CenRouteRequest): Promise<CloudWriteResult> {
    parseCidr(req.destinationCidrBlock, 'destinationCidrBlock');
    return this.write('PublishRouteEntries', {
      ...this.child(req),
      ChildInstanceRouteTableId: req.childInstanceRouteTableId,
      DestinationCidrBlock: req.destinationCidrBlock,
    });
  }

  withdrawPublishedRouteEntries(req: CenRouteRequest): Promise<CloudWriteResult> {
    parseCidr(req.destinationCidrBlock, 'destinationCidrBlock');
    return this.write('WithdrawPublishedRouteEntries', {
      ...this.child(req),
      ChildInstanceRouteTableId: req.childInstanceRouteTableId,
      DestinationCidrBlock: req.destinationCidrBlock,
    });
  }

  describePublishedRouteEntries(req: DescribePublishedRouteEntriesRequest): Promise<PublishedRouteEntry[]>;
  describePublishedRouteEntries(
    req: DescribePublishedRouteEntriesRequest,
    page: PageRequest,
  ): Promise<Paged<PublishedRouteEntry>>;
  describePublishedRouteEntries(
    req: DescribePublishedRouteEntriesRequest,
    page?: PageRequest,
  ): Promise<PublishedRouteEntry[] | Paged<PublishedRouteEntry>> {
    if (req.destinationCidrBlock !== undefined) parseCidr(req.destinationCidrBlock, 'destinationCidrBlock');
    const params: WireParams = {
      ...this.child(req),
      ChildInstanceRouteTableId: req.childInstanceRouteTableId,
      DestinationCidrBlock: req.destinationCidrBlock,
    };
    const items = { outer: 'PublishedRouteEntries', inner: 'PublishedRouteEntry', convert: toPublishedRouteEntry };
    return describeNumbered(this.call, 'DescribePublishedRouteEntries', params, items, page, PAGE_SIZE);
  }

  describeCenChildInstanceRouteEntries(req: DescribeCenChildInstanceRouteEntriesRequest): Promise<CenRouteEntry[]>;
  describeCenChildInstanceRouteEntries(
    req: DescribeCenChildInstanceRouteEntriesRequest,
    page: PageRequest,
  ): Promise<Paged<CenRouteEntry>>;
  describeCenChildInstanceRouteEntries(
    req: DescribeCenChildInstanceRouteEntriesRequest,
    page?: PageRequest,
  ): Promise<CenRouteEntry[] | Paged<CenRouteEntry>> {
    const params: WireParams = {
      ...this.child(req),
      ChildInstanceRouteTableId: req.childInstanceRouteTableId,
      Status: req.status ?? 'All',
    };
    const items = { outer: 'CenRouteEntries', inner: 'CenRouteEntry', convert: toCenRouteEntry };
    return describeNumbered(this.call, 'DescribeCenChildInstanceRouteEntries', params, items, page, ROUTE_PAGE_SIZE);
  }

  describeCenRegionDomainRouteEntries(req: DescribeCenRegionDomainRouteEntriesRequest): Promise<CenRegionRouteEntry[]>;
  describeCenRegionDomainRouteEntries(
    req: DescribeCenRegionDomainRouteEntriesRequest,
    page: PageRequest,
  ): Promise<Paged<CenRegionRouteEntry>>;
  describeCenRegionDomainRouteEntries(
    req: DescribeCenRegionDomainRouteEntriesRequest,
    page?: PageRequest,
  ): Promise<CenRegionRouteEntry[] | Paged<CenRegionRouteEntry>> {
    if (req.destinationCidrBlock !== undefined) parseCidr(req.destinationCidrBlock, 'destinationCidrBlock');
    const params: WireParams = {
      CenId: req.cenId,
      CenRegionId: req.cenRegionId ?? this.regionId,
      Status: req.status,
      DestinationCidrBlock: req.destinationCidrBlock,
    };
    const items = { outer: 'CenRouteEntries', inner: 'CenRouteEntry', convert: toCenRegionRouteEntry };
    return describeNumbered(this.call, 'DescribeCenRegionDomainRouteEntries', params, items, page, ROUTE_PAGE_SIZE);
  }

  enableCenVbrHealthCheck(req: EnableCenVbrHealthCheckRequest): Promise<CloudWriteResult> {
    parseIpv4(req.healthCheckTargetIp, 'healthCheckTargetIp');
    if (req.healthCheckSourceIp !== undefined) parseIpv4(req.healthCheckSourceIp, 'healthCheckSourceIp');
    return this.write('EnableCenVbrHealthCheck', {
      CenId: req.cenId,
      VbrInstanceId: req.vbrInstanceId,
      VbrInstanceRegionId: req.vbrInstanceRegionId ?? this.regionId,
      VbrInstanceOwnerId: req.vbrInstanceOwnerId,
      HealthCheckTargetIp: req.healthCheckTargetIp,
      HealthCheckSourceIp: req.healthCheckSourceIp,
      HealthCheckInterval: req.healthCheckInterval,
      HealthyThreshold: req.healthyThreshold,
      HealthCheckOnly: req.healthCheckOnly,
      Description: req.description,
    });
  }

  disableCenVbrHealthCheck(req: DisableCenVbrHealthCheckRequest): Promise<CloudWriteResult> {
    return this.write('DisableCenVbrHealthCheck', {
      CenId: req.cenId,
      VbrInstanceId: req.vbrInstanceId,
      VbrInstanceRegionId: req.vbrInstanceRegionId ?? this.regionId,
      VbrInstanceOwnerId: req.vbrInstanceOwnerId,
    });
  }

  describeCenVbrHealthCheck(req?: DescribeCenVbrHealthCheckRequest): Promise<CenVbrHealthCheck[]>;
  describeCenVbrHealthCheck(req: DescribeCenVbrHealthCheckRequest, page: PageRequest): Promise<Paged<CenVbrHealthCheck>>;
  describeCenVbrHealthCheck(
    req: DescribeCenVbrHealthCheckRequest = {},
    page?: PageRequest,
  ): Promise<CenVbrHealthCheck[] | Paged<CenVbrHealthCheck>> {
    const params: WireParams = {
      VbrInstanceRegionId: req.vbrInstanceRegionId ?? this.regionId,
      CenId: req.cenId,
      VbrInstanceId: req.vbrInstanceId,
    };
    const convert = (w: WireObject): CenVbrHealthCheck => ({
      ...wireFields(w, { cenId: wireString, vbrInstanceId: wireString, healthCheckTargetIp: wireString }),
      ...opt('vbrInstanceRegionId', optString(w, 'VbrInstanceRegionId') ?? params.VbrInstanceRegionId?.toString()),
      ...wireFields(w, { healthCheckSourceIp: optString, healthCheckInterval: optNumber, healthyThreshold: optNumber, healthCheckOnly: optBoolean }),
    });
    return describeNumbered(this.call, 'DescribeCenVbrHealthCheck', params, { outer: 'VbrHealthChecks', inner: 'VbrHealthCheck', convert }, page, PAGE_SIZE);
  }
  async createCenBandwidthPackage(req: CreateCenBandwidthPackageRequest): Promise<CloudWriteResult & { cenBandwidthPackageId: string; orderId?: string }> {
    const body = await this.call('CreateCenBandwidthPackage', {
      Bandwidth: req.bandwidth,
      GeographicRegionAId: req.geographicRegionAId,
      GeographicRegionBId: req.geographicRegionBId,
      BandwidthPackageChargeType: req.bandwidthPackageChargeType,
      Period: req.period,
      PricingCycle: req.pricingCycle,
      AutoPay: req.autoPay,
      Name: req.name,
      Description: req.description,
      ClientToken: normalizeClientToken(req.clientToken),
    });
    return {
      requestId: requestIdOf(body),
      cenBandwidthPackageId: wireString(body, 'CenBandwidthPackageId'),
      ...opt('orderId', optString(body, 'CenBandwidthPackageOrderId')),
    };
  }

  associateCenBandwidthPackage(req: CenBandwidthPackageRef): Promise<CloudWriteResult> {
    return this.write('AssociateCenBandwidthPackage', { CenId: req.cenId, CenBandwidthPackageId: req.cenBandwidthPackageId });
  }

  unassociateCenBandwidthPackage(req: CenBandwidthPackageRef): Promise<CloudWriteResult> {
    return this.write('UnassociateCenBandwidthPackage', { CenId: req.cenId, CenBandwidthPackageId: req.cenBandwidthPackageId });
  }

  describeCenBandwidthPackages(req?: DescribeCenBandwidthPackagesRequest): Promise<CenBandwidthPackage[]>;
  describeCenBandwidthPackages(req: DescribeCenBandwidthPackagesRequest, page: PageRequest): Promise<Paged<CenBandwidthPackage>>;
  describeCenBandwidthPackages(
    req: DescribeCenBandwidthPackagesRequest = {},
    page?: PageRequest,
  ): Promise<CenBandwidthPackage[] | Paged<CenBandwidthPackage>> {
    const filter = buildFilters([
      ['CenId', req.cenId],
      ['CenBandwidthPackageId', req.cenBandwidthPackageId],
      ['Status', req.status],
      ['Name', req.name],
    ]);
    const convert = (w: WireObject): CenBandwidthPackage => ({
      ...wireFields(w, { cenBandwidthPackageId: wireString }),
      bandwidth: optNumber(w, 'Bandwidth') ?? 0,
      ...wireFields(w, { geographicRegionAId: wireString, geographicRegionBId: wireString, status: wireString }),
      cenIds: wireStringList(w, 'CenIds', 'CenId'),
      ...wireFields(w, {
        name: optString,
        description: optString,
        bandwidthPackageChargeType: optString,
        geographicSpanId: optString,
        businessStatus: optString,
        creationTime: optString,
        expiredTime: optString,
      }),
    });
    const params = { Filter: filter, IsOrKey: req.isOrKey };
    return describeNumbered(this.call, 'DescribeCenBandwidthPackages', params, { outer: 'CenBandwidthPackages', inner: 'CenBandwidthPackage', convert }, page, PAGE_SIZE);
  }

  setCenInterRegionBandwidthLimit(req: SetCenInterRegionBandwidthLimitRequest): Promise<CloudWriteResult> {
    if (!Number.isInteger(req.bandwidthLimit) || req.bandwidthLimit < 0) {
      throw new ValidationError(`bandwidthLimit must be an integer >= 0, got ${req.bandwidthLimit}`, { code: 'InvalidParameter', field: 'bandwidthLimit' });
    }
    return this.write('SetCenInterRegionBandwidthLimit', {
      CenId: req.cenId,
      LocalRegionId: req.localRegionId,
      OppositeRegionId: req.oppositeRegionId,
      BandwidthLimit: req.bandwidthLimit,
    });
  }

  describeCenInterRegionBandwidthLimits(req?: { cenId?: string }): Promise<CenInterRegionBandwidthLimit[]>;
  describeCenInterRegionBandwidthLimits(req: { cenId?: string }, page: PageRequest): Promise<Paged<CenInterRegionBandwidthLimit>>;
  describeCenInterRegionBandwidthLimits(
    req: { cenId?: string } = {},
    page?: PageRequest,
  ): Promise<CenInterRegionBandwidthLimit[] | Paged<CenInterRegionBandwidthLimit>> {
    const convert = (w: WireObject): CenInterRegionBandwidthLimit => ({
      ...wireFields(w, { cenId: wireString, localRegionId: wireString, oppositeRegionId: wireString }),
      bandwidthLimit: optNumber(w, 'BandwidthLimit') ?? 0,
      ...wireFields(w, { status: wireString, geographicSpanId: optString, bandwidthPackageId: optString }),
    });
    const params = { CenId: req.cenId };
    return describeNumbered(
      this.call,
      'DescribeCenInterRegionBandwidthLimits',
      params,
      { outer: 'CenInterRegionBandwidthLimits', inner: 'CenInterRegionBandwidthLimit', convert },
      page,
      PAGE_SIZE,
    );
  }
}
