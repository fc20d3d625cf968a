/**
 * CEN (product code `Cbn`) API 2017-09-12: instances, child instances, published routes, route
 * views and VBR health checks (alibaba-api.md §5). CEN is a central service: regions travel as
 * parameters (`ChildInstanceRegionId`, `CenRegionId`), defaulting to the client's region.
 */
import { parseCidr, parseIpv4 } from '../net/index.ts';
import type { RpcCall, WireParams } from './rpc.ts';
import type { CenChildInstanceType, CloudWriteResult } from './types.ts';
import {
  buildFilters,
  listNumbered,
  numberedPage,
  opt,
  optBoolean,
  optNumber,
  optString,
  requestIdOf,
  wireList,
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

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

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
  return wireList(w, 'Conflicts', 'Conflict').map((c) => ({
    destinationCidrBlock: wireString(c, 'DestinationCidrBlock'),
    instanceId: wireString(c, 'InstanceId'),
    instanceType: wireString(c, 'InstanceType'),
    regionId: wireString(c, 'RegionId'),
    status: wireString(c, 'Status'),
  }));
}

function toChild(w: WireObject, cenId: string): CenChildInstance {
  return {
    cenId: optString(w, 'CenId') ?? cenId,
    childInstanceId: wireString(w, 'ChildInstanceId'),
    childInstanceType: wireString(w, 'ChildInstanceType'),
    childInstanceRegionId: wireString(w, 'ChildInstanceRegionId'),
    status: wireString(w, 'Status'),
    ...opt('childInstanceOwnerId', optString(w, 'ChildInstanceOwnerId')),
    ...opt('childInstanceAttachTime', optString(w, 'ChildInstanceAttachTime')),
  };
}

/** Converts a wire `CenRouteEntry` of DescribeCenChildInstanceRouteEntries (exported for unit tests). */
export function toCenRouteEntry(w: WireObject): CenRouteEntry {
  return {
    destinationCidrBlock: wireString(w, 'DestinationCidrBlock'),
    type: wireString(w, 'Type'),
    status: wireString(w, 'Status'),
    conflicts: toConflicts(w),
    ...opt('nextHopType', optString(w, 'NextHopType')),
    ...opt('nextHopInstanceId', optString(w, 'NextHopInstanceId')),
    ...opt('nextHopRegionId', optString(w, 'NextHopRegionId')),
    ...opt('routeTableId', optString(w, 'RouteTableId')),
    ...opt('publishStatus', optString(w, 'PublishStatus')),
    ...opt('operationalMode', optBoolean(w, 'OperationalMode')),
    ...opt('preference', optNumber(w, 'Preference')),
  };
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
    return listNumbered(page, PAGE_SIZE, async (n, size) => {
      const body = await this.call('DescribeCens', { Filter: filter, PageNumber: n, PageSize: size });
      const items = wireList(body, 'Cens', 'Cen').map(
        (w): Cen => ({
          cenId: wireString(w, 'CenId'),
          status: wireString(w, 'Status'),
          ...opt('name', optString(w, 'Name')),
          ...opt('description', optString(w, 'Description')),
          ...opt('protectionLevel', optString(w, 'ProtectionLevel')),
          ...opt('ipv6Level', optString(w, 'Ipv6Level')),
        }),
      );
      return numberedPage(body, items, n, size);
    });
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
    return listNumbered(page, PAGE_SIZE, async (n, size) => {
      const body = await this.call('DescribeCenAttachedChildInstances', { ...params, PageNumber: n, PageSize: size });
      const items = wireList(body, 'ChildInstances', 'ChildInstance').map((w) => toChild(w, req.cenId));
      return numberedPage(body, items, n, size);
    });
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
    return listNumbered(page, PAGE_SIZE, async (n, size) => {
      const body = await this.call('DescribePublishedRouteEntries', { ...params, PageNumber: n, PageSize: size });
      const items = wireList(body, 'PublishedRouteEntries', 'PublishedRouteEntry').map(
        (w): PublishedRouteEntry => ({
          destinationCidrBlock: wireString(w, 'DestinationCidrBlock'),
          publishStatus: wireString(w, 'PublishStatus'),
          conflicts: toConflicts(w),
          ...opt('childInstanceRouteTableId', optString(w, 'ChildInstanceRouteTableId')),
          ...opt('nextHopType', optString(w, 'NextHopType')),
          ...opt('nextHopId', optString(w, 'NextHopId')),
          ...opt('routeType', optString(w, 'RouteType')),
          ...opt('operationalMode', optBoolean(w, 'OperationalMode')),
        }),
      );
      return numberedPage(body, items, n, size);
    });
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
    return listNumbered(page, ROUTE_PAGE_SIZE, async (n, size) => {
      const body = await this.call('DescribeCenChildInstanceRouteEntries', { ...params, PageNumber: n, PageSize: size });
      const items = wireList(body, 'CenRouteEntries', 'CenRouteEntry').map(toCenRouteEntry);
      return numberedPage(body, items, n, size);
    });
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
    return listNumbered(page, ROUTE_PAGE_SIZE, async (n, size) => {
      const body = await this.call('DescribeCenRegionDomainRouteEntries', { ...params, PageNumber: n, PageSize: size });
      const items = wireList(body, 'CenRouteEntries', 'CenRouteEntry').map(
        (w): CenRegionRouteEntry => ({
          destinationCidrBlock: wireString(w, 'DestinationCidrBlock'),
          status: wireString(w, 'Status'),
          type: wireString(w, 'Type'),
          ...opt('nextHopType', optString(w, 'NextHopType')),
          ...opt('nextHopInstanceId', optString(w, 'NextHopInstanceId')),
          ...opt('nextHopRegionId', optString(w, 'NextHopRegionId')),
          ...opt('preference', optNumber(w, 'Preference')),
          ...opt('toOtherRegionStatus', optString(w, 'ToOtherRegionStatus')),
        }),
      );
      return numberedPage(body, items, n, size);
    });
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
    return listNumbered(page, PAGE_SIZE, async (n, size) => {
      const body = await this.call('DescribeCenVbrHealthCheck', { ...params, PageNumber: n, PageSize: size });
      const items = wireList(body, 'VbrHealthChecks', 'VbrHealthCheck').map(
        (w): CenVbrHealthCheck => ({
          cenId: wireString(w, 'CenId'),
          vbrInstanceId: wireString(w, 'VbrInstanceId'),
          healthCheckTargetIp: wireString(w, 'HealthCheckTargetIp'),
          ...opt('vbrInstanceRegionId', optString(w, 'VbrInstanceRegionId') ?? params.VbrInstanceRegionId?.toString()),
          ...opt('healthCheckSourceIp', optString(w, 'HealthCheckSourceIp')),
          ...opt('healthCheckInterval', optNumber(w, 'HealthCheckInterval')),
          ...opt('healthyThreshold', optNumber(w, 'HealthyThreshold')),
          ...opt('healthCheckOnly', optBoolean(w, 'HealthCheckOnly')),
        }),
      );
      return numberedPage(body, items, n, size);
    });
  }
}
