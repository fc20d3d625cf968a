/**
 * Reads the facts the migration planner needs through the typed cloud clients (every list call
 * follows all pages). Read-only: never changes anything.
 */
import type { CloudClients, CenRegionRouteEntry, CenRouteEntry, RouteEntry } from '../../src/cloud/index.ts';
import { regionView } from '../../src/cloud/index.ts';
import { NotFoundError } from '../../src/errors.ts';
import { healthCheckSettings } from '../shared/ops.ts';
import { bandwidthFactsAfter, readBandwidthFacts } from './bandwidth.ts';
import type {
  AttachmentFact,
  CenRouteFact,
  MigrationFacts,
  MigrationKind,
  MigrationParams,
  MigrationPlan,
  RouteEntryFact,
  SubjectFacts,
  VbrFacts,
} from './types.ts';

const toEntry = (e: RouteEntry): RouteEntryFact => ({
  routeEntryId: e.routeEntryId,
  destinationCidrBlock: e.destinationCidrBlock,
  type: e.type,
  status: e.status,
  nextHops: e.nextHops.map((h) => ({ nextHopType: h.nextHopType, nextHopId: h.nextHopId, ...(h.weight !== undefined && e.nextHops.length > 1 ? { weight: h.weight } : {}) })),
  ...(e.routeEntryName ? { routeEntryName: e.routeEntryName } : {}),
  ...(e.description ? { description: e.description } : {}),
});

/** What a CEN route fact takes from either CEN route view (a child's table, the region's). */
const cenRouteBasics = (r: CenRouteEntry | CenRegionRouteEntry) => ({
  destinationCidrBlock: r.destinationCidrBlock,
  type: r.type,
  status: r.status,
  ...(r.nextHopType ? { nextHopType: r.nextHopType } : {}),
  ...(r.nextHopInstanceId ? { nextHopInstanceId: r.nextHopInstanceId } : {}),
  ...(r.nextHopRegionId ? { nextHopRegionId: r.nextHopRegionId } : {}),
});

const toCenRoute = (r: CenRouteEntry): CenRouteFact => ({
  ...cenRouteBasics(r),
  ...(r.publishStatus ? { publishStatus: r.publishStatus } : {}),
  conflicts: r.conflicts.map((c) => ({ destinationCidrBlock: c.destinationCidrBlock, instanceId: c.instanceId, instanceType: c.instanceType, regionId: c.regionId, status: c.status })),
});

/** Reads a child's CEN route view (Status=All) when it is attached, else null. */
async function cenView(cloud: CloudClients, cenId: string, child: { id: string; type: 'VPC' | 'VBR'; regionId: string; routeTableId: string }, attached: boolean) {
  if (!attached) return { cenRoutes: null, publishedRoutes: null };
  const cenRoutes = (
    await cloud.cbn.describeCenChildInstanceRouteEntries({
      cenId,
      childInstanceId: child.id,
      childInstanceType: child.type,
      childInstanceRegionId: child.regionId,
      childInstanceRouteTableId: child.routeTableId,
      status: 'All',
    })
  ).map(toCenRoute);
  if (child.type !== 'VPC') return { cenRoutes, publishedRoutes: null };
  const published = await cloud.cbn.describePublishedRouteEntries({
    cenId,
    childInstanceId: child.id,
    childInstanceType: child.type,
    childInstanceRegionId: child.regionId,
    childInstanceRouteTableId: child.routeTableId,
  });
  return {
    cenRoutes,
    publishedRoutes: published.map((p) => ({
      destinationCidrBlock: p.destinationCidrBlock,
      nextHopType: p.nextHopType ?? '',
      nextHopId: p.nextHopId ?? '',
      publishStatus: p.publishStatus,
      routeType: p.routeType ?? '',
    })),
  };
}

const isAttached = (attachments: AttachmentFact[], id: string): boolean =>
  attachments.some((a) => a.childInstanceId === id && (a.status === 'Attached' || a.status === 'Attaching'));

async function vpcSubject(cloud: CloudClients, params: MigrationParams, vpcId: string, attachments: AttachmentFact[]): Promise<SubjectFacts> {
  const regionId = params.vpcRegionId ?? params.regionId;
  const view = regionView(cloud, regionId);
  const tables = await view.vpc.describeRouteTableList({ vpcId });
  if (tables.length === 0) {
    throw new NotFoundError(`VPC ${vpcId} was not found in ${regionId} (no route table lists it)`, { code: 'VpcNotFound', field: 'vpcId' });
  }
  const table = params.routeTableId
    ? tables.find((t) => t.routeTableId === params.routeTableId)
    : (tables.find((t) => t.routeTableType === 'System') ?? tables[0]);
  if (!table) {
    throw new NotFoundError(`route table ${params.routeTableId} is not a route table of ${vpcId}`, { code: 'RouteTableNotFound', field: 'routeTableId' });
  }
  const entries = (await view.vpc.describeRouteEntryList({ routeTableId: table.routeTableId })).map(toEntry);
  const cen = await cenView(view, params.cenId, { id: vpcId, type: 'VPC', regionId, routeTableId: table.routeTableId }, isAttached(attachments, vpcId));
  return {
    childInstanceId: vpcId,
    childInstanceType: 'VPC',
    regionId,
    routeTable: { routeTableId: table.routeTableId, routerId: table.routerId, routerType: table.routerType, entries },
    ...cen,
  };
}

/**
 * Gathers the facts of a migration: the CEN, its attachments, the route tables of the subjects
 * with their CEN route views, the region domain routes and, for 5.2, the VBR's BGP and health checks.
 * @throws NotFoundError (`CenNotFound`, `VpcNotFound`, `VbrNotFound`, `RouteTableNotFound`) with the field named
 * @throws CloudApiError from the cloud (e.g. a permission error for a CEN of another account)
 */
export async function readMigrationFacts(cloud: CloudClients, kind: MigrationKind, params: MigrationParams): Promise<MigrationFacts> {
  const [cen] = await cloud.cbn.describeCens({ cenId: params.cenId });
  if (!cen) {
    throw new NotFoundError(
      `CEN ${params.cenId} was not found or is not visible to this account: it does not exist, or another account owns it. ` +
        `A CEN of another account is never visible to this account's AccessKey, even after GrantInstanceToCen; ` +
        `migrate into a CEN of the account that owns the ${kind === 'vpc' ? 'VPC' : 'VBR'}`,
      { code: 'CenNotFound', field: 'cenId' },
    );
  }
  const attachments: AttachmentFact[] = (await cloud.cbn.describeCenAttachedChildInstances({ cenId: params.cenId })).map((c) => ({
    childInstanceId: c.childInstanceId,
    childInstanceType: c.childInstanceType,
    childInstanceRegionId: c.childInstanceRegionId,
    status: c.status,
  }));

  const subjects: SubjectFacts[] = [];
  let vbr: VbrFacts | undefined;
  if (kind === 'vbr') {
    const vbrId = params.vbrId as string;
    const [v] = await cloud.vpc.describeVirtualBorderRouters({ vbrId });
    if (!v) throw new NotFoundError(`VBR ${vbrId} was not found in ${params.regionId}`, { code: 'VbrNotFound', field: 'vbrId' });
    const peers = await cloud.vpc.describeBgpPeers({ routerId: vbrId });
    const networks = await cloud.vpc.describeBgpNetworks({ routerId: vbrId });
    const ris = await cloud.vpc.describeRouterInterfaces({ routerId: vbrId });
    const hcs = await cloud.cbn.describeCenVbrHealthCheck({ vbrInstanceRegionId: params.regionId, vbrInstanceId: vbrId });
    vbr = {
      vbrId,
      ...(v.peerGatewayIp ? { peerGatewayIp: v.peerGatewayIp } : {}),
      usesBgp: peers.length > 0,
      bgpNetworks: networks.map((n) => ({ dstCidrBlock: n.dstCidrBlock, status: n.status, ...(n.vpcId ? { vpcId: n.vpcId } : {}) })),
      routerInterfaces: ris.map((ri) => ({
        routerInterfaceId: ri.routerInterfaceId,
        routerId: ri.routerId,
        routerType: ri.routerType,
        ...(ri.oppositeRouterId ? { oppositeRouterId: ri.oppositeRouterId } : {}),
        ...(ri.oppositeRouterType ? { oppositeRouterType: ri.oppositeRouterType } : {}),
        ...healthCheckSettings(ri),
      })),
      cenHealthChecks: hcs.map((h) => ({
        cenId: h.cenId,
        vbrInstanceId: h.vbrInstanceId,
        ...(h.healthCheckSourceIp ? { healthCheckSourceIp: h.healthCheckSourceIp } : {}),
        healthCheckTargetIp: h.healthCheckTargetIp,
        healthCheckInterval: h.healthCheckInterval ?? 2,
        healthyThreshold: h.healthyThreshold ?? 8,
        ...(h.healthCheckOnly !== undefined ? { healthCheckOnly: h.healthCheckOnly } : {}),
      })),
    };
    const entries = (await cloud.vpc.describeRouteEntryList({ routeTableId: v.routeTableId })).map(toEntry);
    const view = await cenView(cloud, params.cenId, { id: vbrId, type: 'VBR', regionId: params.regionId, routeTableId: v.routeTableId }, isAttached(attachments, vbrId));
    subjects.push({
      childInstanceId: vbrId,
      childInstanceType: 'VBR',
      regionId: params.regionId,
      routeTable: { routeTableId: v.routeTableId, routerId: vbrId, routerType: 'VBR', entries },
      ...view,
    });
  }
  if (params.vpcId) subjects.push(await vpcSubject(cloud, params, params.vpcId, attachments));

  const regionDomainRoutes: CenRouteFact[] = (await cloud.cbn.describeCenRegionDomainRouteEntries({ cenId: params.cenId, cenRegionId: params.regionId })).map((r) => ({
    ...cenRouteBasics(r),
    conflicts: [],
  }));

  // Seed 5.1-4 / 5.2-5: only when the params ask for cross-region bandwidth.
  const bandwidth = params.bandwidth ? await readBandwidthFacts(cloud, params.cenId) : undefined;

  return {
    kind,
    regionId: params.regionId,
    cen: { cenId: cen.cenId, status: cen.status, protectionLevel: cen.protectionLevel ?? 'unknown' },
    attachments,
    subjects,
    regionDomainRoutes,
    ...(vbr ? { vbr } : {}),
    ...(bandwidth ? { bandwidth } : {}),
  };
}

/**
 * Seed "check the routes" after attaching and publishing: re-reads only what those steps change
 * for the planner — each subject's route table and CEN route view — and takes the rest from the
 * facts read at planning time, updated with what this execution did (ProtectionLevel REDUCED,
 * subjects attached, routes published, bandwidth package associated and bandwidth set).
 * @throws CloudApiError from the cloud
 */
export async function refreshMigrationFacts(
  cloud: CloudClients,
  facts: MigrationFacts,
  done: { published: { childInstanceId: string; destinationCidrBlock: string }[]; bandwidth?: MigrationPlan['bandwidth'] },
): Promise<MigrationFacts> {
  const subjects: SubjectFacts[] = [];
  for (const s of facts.subjects) {
    const view = regionView(cloud, s.regionId);
    const entries = (await view.vpc.describeRouteEntryList({ routeTableId: s.routeTable.routeTableId })).map(toEntry);
    const cenRoutes = (
      await view.cbn.describeCenChildInstanceRouteEntries({
        cenId: facts.cen.cenId,
        childInstanceId: s.childInstanceId,
        childInstanceType: s.childInstanceType,
        childInstanceRegionId: s.regionId,
        childInstanceRouteTableId: s.routeTable.routeTableId,
        status: 'All',
      })
    ).map(toCenRoute);
    let publishedRoutes = s.publishedRoutes;
    if (s.childInstanceType === 'VPC') {
      const mine = done.published.filter((p) => p.childInstanceId === s.childInstanceId).map((p) => p.destinationCidrBlock);
      const known = new Map((publishedRoutes ?? []).map((p) => [p.destinationCidrBlock, p]));
      for (const cidr of mine) {
        const e = entries.find((x) => x.destinationCidrBlock === cidr);
        const hop = e?.nextHops[0];
        known.set(cidr, { destinationCidrBlock: cidr, nextHopType: hop?.nextHopType ?? '', nextHopId: hop?.nextHopId ?? '', publishStatus: 'Published', routeType: 'Custom' });
      }
      publishedRoutes = [...known.values()];
    }
    subjects.push({ ...s, routeTable: { ...s.routeTable, entries }, cenRoutes, publishedRoutes });
  }
  const attachments = [...facts.attachments];
  for (const s of facts.subjects) {
    const i = attachments.findIndex((a) => a.childInstanceId === s.childInstanceId);
    const attached = { childInstanceId: s.childInstanceId, childInstanceType: s.childInstanceType, childInstanceRegionId: s.regionId, status: 'Attached' };
    if (i < 0) attachments.push(attached);
    else attachments[i] = attached;
  }
  const bandwidth = facts.bandwidth && done.bandwidth ? bandwidthFactsAfter(facts.bandwidth, facts.cen.cenId, done.bandwidth.bandwidthPackageId, done.bandwidth.steps) : facts.bandwidth;
  return { ...facts, cen: { ...facts.cen, protectionLevel: 'REDUCED' }, attachments, subjects, ...(bandwidth ? { bandwidth } : {}) };
}
