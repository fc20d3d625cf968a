/**
 * CBN (CEN) 2017-09-12 actions of the peering → CEN migration and the CEN VBR health check
 * (alibaba-api.md §5): CEN instances, child attachment, route publication, the route views that
 * reveal `Rejected` routes and their `Conflicts`, and VBR health checks. CBN is a central
 * product: no `RegionId`; regions travel in `ChildInstanceRegionId` / `CenRegionId`.
 */
import type { NetworkModel } from '../model/network.ts';
import type { CenRegionRouteView } from '../model/cen.ts';
import type { CenChildInstanceRecord, CenChildRouteView, CenRecord, CenRouteConflict, CenVbrHealthCheckRecord, Page } from '../model/types.ts';
import type { RpcParams } from '../rpc/params.ts';
import type { ProductApi } from '../rpc/types.ts';
import { callerOf, nest } from './common.ts';

function pageFields<T>(p: Page<T>): { PageNumber: number; PageSize: number; TotalCount: number } {
  return { PageNumber: p.pageNumber, PageSize: p.pageSize, TotalCount: p.totalCount };
}

function paging(params: RpcParams): { pageNumber?: number; pageSize?: number } {
  const pageNumber = params.int('PageNumber');
  const pageSize = params.int('PageSize');
  return { ...(pageNumber !== undefined ? { pageNumber } : {}), ...(pageSize !== undefined ? { pageSize } : {}) };
}

function opt<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

/** The four ids every child-instance call carries, all required. */
function childRef(params: RpcParams): { cenId: string; childInstanceId: string; childInstanceType: string; childInstanceRegionId: string } {
  return {
    cenId: params.requireString('CenId'),
    childInstanceId: params.requireString('ChildInstanceId'),
    childInstanceType: params.requireString('ChildInstanceType'),
    childInstanceRegionId: params.requireString('ChildInstanceRegionId'),
  };
}

/** The CBN dispatch table over one model. */
export function cbnApi(model: () => NetworkModel): ProductApi {
  const m = model;
  return {
    product: 'Cbn',
    version: '2017-09-12',
    host: 'cbn.aliyuncs.com',
    actions: {
      DescribeCens: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        const filters: Record<string, string[]> = {};
        for (const f of params.filters()) filters[f.key] = [...(filters[f.key] ?? []), ...f.values];
        const page = m().cens.describeCens({ callerId, ...(Object.keys(filters).length > 0 ? { filters } : {}), ...paging(params) });
        return { ...pageFields(page), ...nest('Cens', 'Cen', page.items.map(cenJson)) };
      },

      ModifyCenAttribute: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        m().cens.modifyCenAttribute({
          callerId,
          cenId: params.requireString('CenId'),
          ...opt('protectionLevel', params.string('ProtectionLevel')),
          ...opt('name', params.string('Name')),
          ...opt('description', params.string('Description')),
        });
        return {};
      },

      AttachCenChildInstance: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        m().cens.attachCenChildInstance({ callerId, ...childRef(params), ...opt('childInstanceOwnerId', params.string('ChildInstanceOwnerId')) });
        return {};
      },

      DetachCenChildInstance: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        m().cens.detachCenChildInstance({ callerId, ...childRef(params) });
        return {};
      },

      DescribeCenAttachedChildInstances: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        const page = m().cens.describeCenAttachedChildInstances({
          callerId,
          cenId: params.requireString('CenId'),
          ...opt('childInstanceRegionId', params.string('ChildInstanceRegionId')),
          ...opt('childInstanceType', params.string('ChildInstanceType')),
          ...paging(params),
        });
        return { ...pageFields(page), ...nest('ChildInstances', 'ChildInstance', page.items.map(childJson)) };
      },

      DescribeCenAttachedChildInstanceAttribute: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        const ch = m().cens.describeCenAttachedChildInstanceAttribute({ callerId, ...childRef(params) });
        const model = m();
        const vpc = ch.childInstanceType === 'VPC' ? model.core.vpcs.get(ch.childInstanceId) : undefined;
        const vbr = ch.childInstanceType === 'VBR' ? model.core.vbrs.get(ch.childInstanceId) : undefined;
        return {
          ...childJson(ch),
          ChildInstanceName: vpc?.vpcName ?? vbr?.name ?? '',
          Ipv6StatusInCen: 'Disabled',
          ChildInstanceRouteTables: { ChildInstanceRouteTable: [{ RouteTableId: ch.routeTableId, RouteTableType: 'System' }] },
          ChildInstanceAttributes: { CidrBlock: vpc?.cidrBlock ?? '', Ipv6CidrBlock: '' },
        };
      },

      PublishRouteEntries: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        m().cens.publishRouteEntries({
          callerId,
          ...childRef(params),
          childInstanceRouteTableId: params.requireString('ChildInstanceRouteTableId'),
          destinationCidrBlock: params.requireString('DestinationCidrBlock'),
        });
        return {};
      },

      WithdrawPublishedRouteEntries: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        m().cens.withdrawPublishedRouteEntries({
          callerId,
          ...childRef(params),
          childInstanceRouteTableId: params.requireString('ChildInstanceRouteTableId'),
          destinationCidrBlock: params.requireString('DestinationCidrBlock'),
        });
        return {};
      },

      DescribePublishedRouteEntries: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        const page = m().cens.describePublishedRouteEntries({
          callerId,
          ...childRef(params),
          ...opt('childInstanceRouteTableId', params.string('ChildInstanceRouteTableId')),
          ...opt('destinationCidrBlock', params.string('DestinationCidrBlock')),
          ...paging(params),
        });
        return { ...pageFields(page), ...nest('PublishedRouteEntries', 'PublishedRouteEntry', page.items.map(publishedJson)) };
      },

      DescribeCenChildInstanceRouteEntries: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        const page = m().cens.describeCenChildInstanceRouteEntries({
          callerId,
          cenId: params.requireString('CenId'),
          childInstanceId: params.requireString('ChildInstanceId'),
          childInstanceType: params.requireString('ChildInstanceType'),
          // Optional in this action's metadata; the child is found by id when it is absent.
          childInstanceRegionId: params.string('ChildInstanceRegionId') ?? '',
          ...opt('childInstanceRouteTableId', params.string('ChildInstanceRouteTableId')),
          ...opt('status', params.string('Status')),
          ...paging(params),
        });
        return { ...pageFields(page), ...nest('CenRouteEntries', 'CenRouteEntry', page.items.map(childRouteJson)) };
      },

      DescribeCenRegionDomainRouteEntries: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        const page = m().cens.describeCenRegionDomainRouteEntries({
          callerId,
          cenId: params.requireString('CenId'),
          cenRegionId: params.requireString('CenRegionId'),
          ...opt('status', params.string('Status')),
          ...paging(params),
        });
        return { ...pageFields(page), ...nest('CenRouteEntries', 'CenRouteEntry', page.items.map(regionRouteJson)) };
      },

      EnableCenVbrHealthCheck: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        m().cens.enableCenVbrHealthCheck({
          callerId,
          cenId: params.requireString('CenId'),
          vbrInstanceId: params.requireString('VbrInstanceId'),
          vbrInstanceRegionId: params.requireString('VbrInstanceRegionId'),
          healthCheckTargetIp: params.requireString('HealthCheckTargetIp'),
          ...opt('healthCheckSourceIp', params.string('HealthCheckSourceIp')),
          ...opt('healthCheckInterval', params.int('HealthCheckInterval')),
          ...opt('healthyThreshold', params.int('HealthyThreshold')),
          ...opt('healthCheckOnly', params.bool('HealthCheckOnly')),
          ...opt('vbrInstanceOwnerId', params.string('VbrInstanceOwnerId')),
          ...opt('description', params.string('Description')),
        });
        return {};
      },

      DisableCenVbrHealthCheck: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        m().cens.disableCenVbrHealthCheck({
          callerId,
          cenId: params.requireString('CenId'),
          vbrInstanceId: params.requireString('VbrInstanceId'),
          vbrInstanceRegionId: params.requireString('VbrInstanceRegionId'),
        });
        return {};
      },

      DescribeCenVbrHealthCheck: (ctx) => {
        const { params } = ctx;
        const callerId = callerOf(m(), ctx);
        const page = m().cens.describeCenVbrHealthCheck({
          callerId,
          vbrInstanceRegionId: params.requireString('VbrInstanceRegionId'),
          ...opt('cenId', params.string('CenId')),
          ...opt('vbrInstanceId', params.string('VbrInstanceId')),
          ...paging(params),
        });
        return { ...pageFields(page), ...nest('VbrHealthChecks', 'VbrHealthCheck', page.items.map(healthCheckJson)) };
      },
    },
  };
}

function cenJson(c: CenRecord): Record<string, unknown> {
  return {
    CenId: c.cenId,
    Name: c.name,
    Description: c.description,
    Status: c.status,
    ProtectionLevel: c.protectionLevel,
    Ipv6Level: c.ipv6Level,
    CreationTime: c.creationTime,
    ResourceGroupId: '',
    CenBandwidthPackageIds: { CenBandwidthPackageId: [] },
    Tags: { Tag: [] },
  };
}

function childJson(c: CenChildInstanceRecord): Record<string, unknown> {
  return {
    CenId: c.cenId,
    ChildInstanceId: c.childInstanceId,
    ChildInstanceType: c.childInstanceType,
    ChildInstanceRegionId: c.childInstanceRegionId,
    ChildInstanceOwnerId: Number(c.childInstanceOwnerId),
    Status: c.status,
    ChildInstanceAttachTime: c.childInstanceAttachTime,
  };
}

function conflictsJson(list: readonly CenRouteConflict[]): { Conflict: Array<Record<string, unknown>> } {
  return {
    Conflict: list.map((c) => ({
      DestinationCidrBlock: c.destinationCidrBlock,
      InstanceId: c.instanceId,
      InstanceType: c.instanceType,
      RegionId: c.regionId,
      Status: c.status,
    })),
  };
}

function publishedJson(r: CenChildRouteView): Record<string, unknown> {
  return {
    DestinationCidrBlock: r.destinationCidrBlock,
    ChildInstanceRouteTableId: r.routeTableId,
    NextHopType: r.nextHopType,
    NextHopId: r.nextHopInstanceId,
    RouteType: r.routeType,
    PublishStatus: r.publishStatus,
    OperationalMode: r.operationalMode,
    Conflicts: conflictsJson(r.conflicts),
  };
}

function childRouteJson(r: CenChildRouteView): Record<string, unknown> {
  return {
    DestinationCidrBlock: r.destinationCidrBlock,
    Type: r.type,
    Status: r.status,
    NextHopType: r.nextHopType,
    NextHopInstanceId: r.nextHopInstanceId,
    NextHopRegionId: r.nextHopRegionId,
    RouteTableId: r.routeTableId,
    PublishStatus: r.publishStatus,
    OperationalMode: r.operationalMode,
    Conflicts: conflictsJson(r.conflicts),
    AsPaths: { AsPath: [] },
    Communities: { Community: [] },
    CenRouteMapRecords: { CenRouteMapRecord: [] },
    CenOutRouteMapRecords: { CenOutRouteMapRecord: [] },
  };
}

function regionRouteJson(r: CenRegionRouteView): Record<string, unknown> {
  return {
    DestinationCidrBlock: r.destinationCidrBlock,
    Type: r.type,
    Status: r.status,
    NextHopType: r.nextHopType,
    NextHopInstanceId: r.nextHopInstanceId,
    NextHopRegionId: r.nextHopRegionId,
    Preference: r.preference,
    ToOtherRegionStatus: r.toOtherRegionStatus,
    AsPaths: { AsPath: [] },
    Communities: { Community: [] },
    CenRouteMapRecords: { CenRouteMapRecord: [] },
    CenOutRouteMapRecords: { CenOutRouteMapRecord: [] },
  };
}

function healthCheckJson(h: CenVbrHealthCheckRecord): Record<string, unknown> {
  return {
    CenId: h.cenId,
    VbrInstanceId: h.vbrInstanceId,
    VbrInstanceRegionId: h.vbrInstanceRegionId,
    HealthCheckSourceIp: h.healthCheckSourceIp,
    HealthCheckTargetIp: h.healthCheckTargetIp,
    HealthCheckInterval: h.healthCheckInterval,
    HealthyThreshold: h.healthyThreshold,
    HealthCheckOnly: h.healthCheckOnly,
    Description: h.description,
  };
}
