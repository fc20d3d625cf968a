/**
 * Idempotent cloud operations of the CEN migrations, shared by the forward steps and their
 * compensations: each `ensure…` reads first and creates only what is missing, each `remove…`
 * deletes and counts NotFound as done, each `state…` reads once and says whether the target
 * state is reached. Nothing here sleeps; waiting is the engine's job (wait steps).
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import { isCloudErrorClass } from '../../src/cloud/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { ConflictError, NotFoundError } from '../../src/errors.ts';
import { nextHopKey } from './planner.ts';
import type { NextHopFact } from './types.ts';

/** What a write step reports: whether it changed anything, and the RequestIds of its writes. */
export interface OpResult extends JsonObject {
  changed: boolean;
  requestIds: string[];
}

const unchanged = (): OpResult => ({ changed: false, requestIds: [] });

// ---------------------------------------------------------------------------------------------
// Route entries
// ---------------------------------------------------------------------------------------------

/** A route entry to ensure or remove: table, prefix and next hops. */
export interface RouteSpec {
  routeTableId: string;
  destinationCidrBlock: string;
  nextHops: NextHopFact[];
  routeEntryName?: string;
  description?: string;
}

async function findRoute(cloud: CloudClients, spec: RouteSpec) {
  const entries = await cloud.vpc.describeRouteEntryList({ routeTableId: spec.routeTableId, destinationCidrBlock: spec.destinationCidrBlock });
  const want = nextHopKey(spec.nextHops);
  const own = entries.filter((e) => e.destinationCidrBlock === spec.destinationCidrBlock && e.type !== 'CEN');
  return { match: own.find((e) => nextHopKey(e.nextHops) === want), others: own.filter((e) => nextHopKey(e.nextHops) !== want) };
}

/**
 * Ensures a custom route entry exists with these next hops (CreateRouteEntry with `clientToken`).
 * @throws CloudApiError; a duplicate answer is accepted only after re-reading shows the route.
 */
export async function ensureRoute(cloud: CloudClients, spec: RouteSpec, clientToken: string): Promise<OpResult> {
  const { match, others } = await findRoute(cloud, spec);
  if (match) return unchanged();
  if (others.length > 0) {
    const o = others[0];
    throw new ConflictError(`${spec.routeTableId} already has ${spec.destinationCidrBlock} toward ${nextHopKey(o.nextHops)}; refusing to add it toward ${nextHopKey(spec.nextHops)}`, { code: 'RouteOccupied' });
  }
  const hop =
    spec.nextHops.length === 1
      ? { nextHopType: spec.nextHops[0].nextHopType, nextHopId: spec.nextHops[0].nextHopId }
      : { nextHopList: spec.nextHops.map((h) => ({ nextHopType: h.nextHopType, nextHopId: h.nextHopId, ...(h.weight !== undefined ? { weight: h.weight } : {}) })) };
  try {
    const r = await cloud.vpc.createRouteEntry({
      routeTableId: spec.routeTableId,
      destinationCidrBlock: spec.destinationCidrBlock,
      ...hop,
      ...(spec.routeEntryName ? { routeEntryName: spec.routeEntryName } : {}),
      ...(spec.description ? { description: spec.description } : {}),
      clientToken,
    });
    return { changed: true, requestIds: [r.requestId], routeEntryId: r.routeEntryId };
  } catch (err) {
    if (isCloudErrorClass(err, 'duplicate')) {
      const again = await findRoute(cloud, spec);
      if (again.match) return unchanged();
    }
    throw err;
  }
}

/** Removes a custom route entry with these next hops; absent counts as done. @throws CloudApiError */
export async function removeRoute(cloud: CloudClients, spec: RouteSpec): Promise<OpResult> {
  const { match } = await findRoute(cloud, spec);
  if (!match) return unchanged();
  if (match.status === 'Deleting') return unchanged();
  try {
    const r = await cloud.vpc.deleteRouteEntry({ routeEntryId: match.routeEntryId, routeTableId: spec.routeTableId });
    return { changed: true, requestIds: [r.requestId] };
  } catch (err) {
    if (isCloudErrorClass(err, 'not_found')) return unchanged();
    throw err;
  }
}

/** Whether the route is present and Available (`present`) or gone (`absent`). */
export async function routeReached(cloud: CloudClients, spec: RouteSpec, want: 'present' | 'absent'): Promise<{ ready: boolean; status: string }> {
  const { match } = await findRoute(cloud, spec);
  if (want === 'present') return { ready: match?.status === 'Available', status: match?.status ?? 'Absent' };
  return { ready: match === undefined, status: match?.status ?? 'Absent' };
}

// ---------------------------------------------------------------------------------------------
// BGP networks (VBR)
// ---------------------------------------------------------------------------------------------

/** A BGP network advertised by a VBR. */
export interface BgpNetworkSpec {
  vbrId: string;
  dstCidrBlock: string;
  vpcId?: string;
}

async function findNetwork(cloud: CloudClients, spec: BgpNetworkSpec) {
  const list = await cloud.vpc.describeBgpNetworks({ routerId: spec.vbrId });
  return list.find((n) => n.dstCidrBlock === spec.dstCidrBlock);
}

/** Ensures the VBR advertises the network (AddBgpNetwork). @throws CloudApiError */
export async function ensureBgpNetwork(cloud: CloudClients, spec: BgpNetworkSpec, clientToken: string): Promise<OpResult> {
  if (await findNetwork(cloud, spec)) return unchanged();
  try {
    const r = await cloud.vpc.addBgpNetwork({ routerId: spec.vbrId, dstCidrBlock: spec.dstCidrBlock, ...(spec.vpcId ? { vpcId: spec.vpcId } : {}), clientToken });
    return { changed: true, requestIds: [r.requestId] };
  } catch (err) {
    if (isCloudErrorClass(err, 'duplicate') && (await findNetwork(cloud, spec))) return unchanged();
    throw err;
  }
}

/** Withdraws the network (DeleteBgpNetwork); absent counts as done. @throws CloudApiError */
export async function removeBgpNetwork(cloud: CloudClients, spec: BgpNetworkSpec, clientToken: string): Promise<OpResult> {
  const n = await findNetwork(cloud, spec);
  if (!n || n.status === 'Deleting') return unchanged();
  try {
    const r = await cloud.vpc.deleteBgpNetwork({ routerId: spec.vbrId, dstCidrBlock: spec.dstCidrBlock, clientToken });
    return { changed: true, requestIds: [r.requestId] };
  } catch (err) {
    if (isCloudErrorClass(err, 'not_found')) return unchanged();
    throw err;
  }
}

/** Whether the network is advertised (Available) or gone. */
export async function bgpNetworkReached(cloud: CloudClients, spec: BgpNetworkSpec, want: 'present' | 'absent'): Promise<{ ready: boolean; status: string }> {
  const n = await findNetwork(cloud, spec);
  if (want === 'present') return { ready: n !== undefined && n.status !== 'Pending' && n.status !== 'Deleting', status: n?.status ?? 'Absent' };
  return { ready: n === undefined, status: n?.status ?? 'Absent' };
}

// ---------------------------------------------------------------------------------------------
// CEN: protection level, attachments, published routes, VBR health checks
// ---------------------------------------------------------------------------------------------

async function describeCen(cloud: CloudClients, cenId: string) {
  const [cen] = await cloud.cbn.describeCens({ cenId });
  if (!cen) throw new NotFoundError(`CEN ${cenId} is not visible to this account`, { code: 'CenNotFound', field: 'cenId' });
  return cen;
}

/** Ensures the CEN's ProtectionLevel (ModifyCenAttribute). @throws CloudApiError */
export async function ensureProtectionLevel(cloud: CloudClients, cenId: string, protectionLevel: string): Promise<OpResult> {
  const cen = await describeCen(cloud, cenId);
  if (cen.protectionLevel === protectionLevel) return unchanged();
  const r = await cloud.cbn.modifyCenAttribute({ cenId, protectionLevel });
  return { changed: true, requestIds: [r.requestId] };
}

/** Whether the CEN has the ProtectionLevel and is Active again. */
export async function protectionLevelReached(cloud: CloudClients, cenId: string, protectionLevel: string): Promise<{ ready: boolean; status: string }> {
  const cen = await describeCen(cloud, cenId);
  return { ready: cen.status === 'Active' && cen.protectionLevel === protectionLevel, status: `${cen.status} ${cen.protectionLevel ?? ''}`.trim() };
}

/** A CEN child instance. */
export interface ChildSpec {
  cenId: string;
  childInstanceId: string;
  childInstanceType: 'VPC' | 'VBR';
  childInstanceRegionId: string;
}

async function findChild(cloud: CloudClients, spec: ChildSpec) {
  const list = await cloud.cbn.describeCenAttachedChildInstances({ cenId: spec.cenId, childInstanceRegionId: spec.childInstanceRegionId, childInstanceType: spec.childInstanceType });
  return list.find((c) => c.childInstanceId === spec.childInstanceId);
}

/** Ensures the child is attached (AttachCenChildInstance). @throws CloudApiError */
export async function ensureAttached(cloud: CloudClients, spec: ChildSpec): Promise<OpResult> {
  if (await findChild(cloud, spec)) return unchanged();
  const r = await cloud.cbn.attachCenChildInstance(spec);
  return { changed: true, requestIds: [r.requestId] };
}

/** Detaches the child (DetachCenChildInstance); absent counts as done. @throws CloudApiError */
export async function removeAttachment(cloud: CloudClients, spec: ChildSpec): Promise<OpResult> {
  const c = await findChild(cloud, spec);
  if (!c || c.status === 'Detaching') return unchanged();
  try {
    const r = await cloud.cbn.detachCenChildInstance(spec);
    return { changed: true, requestIds: [r.requestId] };
  } catch (err) {
    if (isCloudErrorClass(err, 'not_found')) return unchanged();
    throw err;
  }
}

/** Whether the child is Attached (`present`) or gone (`absent`). */
export async function attachmentReached(cloud: CloudClients, spec: ChildSpec, want: 'present' | 'absent'): Promise<{ ready: boolean; status: string }> {
  const c = await findChild(cloud, spec);
  if (want === 'present') return { ready: c?.status === 'Attached', status: c?.status ?? 'NotAttached' };
  return { ready: c === undefined, status: c?.status ?? 'NotAttached' };
}

/** A route of a child's table published to (or withdrawn from) the CEN. */
export interface PublishSpec extends ChildSpec {
  routeTableId: string;
  destinationCidrBlock: string;
}

async function publishStatus(cloud: CloudClients, spec: PublishSpec): Promise<string> {
  const list = await cloud.cbn.describePublishedRouteEntries({
    cenId: spec.cenId,
    childInstanceId: spec.childInstanceId,
    childInstanceType: spec.childInstanceType,
    childInstanceRegionId: spec.childInstanceRegionId,
    childInstanceRouteTableId: spec.routeTableId,
    destinationCidrBlock: spec.destinationCidrBlock,
  });
  return list.find((p) => p.destinationCidrBlock === spec.destinationCidrBlock)?.publishStatus ?? 'Absent';
}

const routeRequest = (spec: PublishSpec) => ({
  cenId: spec.cenId,
  childInstanceId: spec.childInstanceId,
  childInstanceType: spec.childInstanceType,
  childInstanceRegionId: spec.childInstanceRegionId,
  childInstanceRouteTableId: spec.routeTableId,
  destinationCidrBlock: spec.destinationCidrBlock,
});

/** Ensures the route is published (PublishRouteEntries). @throws CloudApiError */
export async function ensurePublished(cloud: CloudClients, spec: PublishSpec): Promise<OpResult> {
  if ((await publishStatus(cloud, spec)) === 'Published') return unchanged();
  const r = await cloud.cbn.publishRouteEntries(routeRequest(spec));
  return { changed: true, requestIds: [r.requestId] };
}

/** Withdraws a published route; not published or gone counts as done. @throws CloudApiError */
export async function removePublished(cloud: CloudClients, spec: PublishSpec): Promise<OpResult> {
  const status = await publishStatus(cloud, spec);
  if (status !== 'Published') return unchanged();
  try {
    const r = await cloud.cbn.withdrawPublishedRouteEntries(routeRequest(spec));
    return { changed: true, requestIds: [r.requestId] };
  } catch (err) {
    if (isCloudErrorClass(err, 'not_found')) return unchanged();
    throw err;
  }
}

/** Whether the route is Published (`present`) or not (`absent`). */
export async function publishedReached(cloud: CloudClients, spec: PublishSpec, want: 'present' | 'absent'): Promise<{ ready: boolean; status: string }> {
  const status = await publishStatus(cloud, spec);
  return { ready: want === 'present' ? status === 'Published' : status !== 'Published', status };
}

/** Express Connect (router interface) health check settings. */
export interface RouterInterfaceHealthCheck {
  routerInterfaceId: string;
  healthCheckSourceIp?: string;
  healthCheckTargetIp?: string;
  hcRate?: number;
  hcThreshold?: number;
}

async function findRouterInterface(cloud: CloudClients, id: string) {
  const [ri] = await cloud.vpc.describeRouterInterfaces({ routerInterfaceId: id });
  if (!ri) throw new NotFoundError(`router interface ${id} not found`, { code: 'RouterInterfaceNotFound' });
  return ri;
}

/**
 * Sets a router interface's health check to `hc` (source+target+rate+threshold), or removes it
 * when `hc.healthCheckTargetIp` is undefined (DeleteHealthCheckIp). @throws CloudApiError
 */
export async function ensureRouterInterfaceHealthCheck(cloud: CloudClients, hc: RouterInterfaceHealthCheck): Promise<OpResult> {
  const ri = await findRouterInterface(cloud, hc.routerInterfaceId);
  if (routerInterfaceHealthCheckMatches(ri, hc)) return unchanged();
  const r = hc.healthCheckTargetIp
    ? await cloud.vpc.modifyRouterInterfaceAttribute({
        routerInterfaceId: hc.routerInterfaceId,
        healthCheckSourceIp: hc.healthCheckSourceIp,
        healthCheckTargetIp: hc.healthCheckTargetIp,
        ...(hc.hcRate !== undefined ? { hcRate: hc.hcRate } : {}),
        ...(hc.hcThreshold !== undefined ? { hcThreshold: hc.hcThreshold } : {}),
      })
    : await cloud.vpc.modifyRouterInterfaceAttribute({ routerInterfaceId: hc.routerInterfaceId, deleteHealthCheckIp: true });
  return { changed: true, requestIds: [r.requestId] };
}

function routerInterfaceHealthCheckMatches(ri: { healthCheckSourceIp?: string; healthCheckTargetIp?: string; hcRate?: number; hcThreshold?: number }, hc: RouterInterfaceHealthCheck): boolean {
  if (!hc.healthCheckTargetIp) return !ri.healthCheckTargetIp;
  return (
    ri.healthCheckTargetIp === hc.healthCheckTargetIp &&
    (hc.healthCheckSourceIp === undefined || ri.healthCheckSourceIp === hc.healthCheckSourceIp) &&
    (hc.hcRate === undefined || ri.hcRate === hc.hcRate) &&
    (hc.hcThreshold === undefined || ri.hcThreshold === hc.hcThreshold)
  );
}

/** Whether the router interface's health check matches `hc` and the interface is not Modifying. */
export async function routerInterfaceHealthCheckReached(cloud: CloudClients, hc: RouterInterfaceHealthCheck): Promise<{ ready: boolean; status: string }> {
  const ri = await findRouterInterface(cloud, hc.routerInterfaceId);
  return { ready: ri.status !== 'Modifying' && routerInterfaceHealthCheckMatches(ri, hc), status: ri.status };
}

/** A CEN VBR health check. */
export interface CenHealthCheckSpec {
  cenId: string;
  vbrId: string;
  vbrRegionId: string;
  targetIp?: string;
  sourceIp?: string;
  interval?: number;
  threshold?: number;
}

async function findCenHealthCheck(cloud: CloudClients, spec: CenHealthCheckSpec) {
  const list = await cloud.cbn.describeCenVbrHealthCheck({ vbrInstanceRegionId: spec.vbrRegionId, cenId: spec.cenId, vbrInstanceId: spec.vbrId });
  return list.find((h) => h.vbrInstanceId === spec.vbrId && h.cenId === spec.cenId);
}

function cenHealthCheckMatches(h: { healthCheckTargetIp: string; healthCheckSourceIp?: string; healthCheckInterval?: number; healthyThreshold?: number } | undefined, spec: CenHealthCheckSpec): boolean {
  if (!spec.targetIp) return h === undefined;
  return (
    h !== undefined &&
    h.healthCheckTargetIp === spec.targetIp &&
    (spec.sourceIp === undefined || h.healthCheckSourceIp === spec.sourceIp) &&
    (spec.interval === undefined || h.healthCheckInterval === spec.interval) &&
    (spec.threshold === undefined || h.healthyThreshold === spec.threshold)
  );
}

/** Ensures the CEN VBR health check is configured as `spec`, or disabled when `spec.targetIp` is undefined. @throws CloudApiError */
export async function ensureCenHealthCheck(cloud: CloudClients, spec: CenHealthCheckSpec): Promise<OpResult> {
  const h = await findCenHealthCheck(cloud, spec);
  if (cenHealthCheckMatches(h, spec)) return unchanged();
  if (!spec.targetIp) {
    try {
      const r = await cloud.cbn.disableCenVbrHealthCheck({ cenId: spec.cenId, vbrInstanceId: spec.vbrId, vbrInstanceRegionId: spec.vbrRegionId });
      return { changed: true, requestIds: [r.requestId] };
    } catch (err) {
      if (isCloudErrorClass(err, 'not_found')) return unchanged();
      throw err;
    }
  }
  const r = await cloud.cbn.enableCenVbrHealthCheck({
    cenId: spec.cenId,
    vbrInstanceId: spec.vbrId,
    vbrInstanceRegionId: spec.vbrRegionId,
    healthCheckTargetIp: spec.targetIp,
    ...(spec.sourceIp ? { healthCheckSourceIp: spec.sourceIp } : {}),
    ...(spec.interval !== undefined ? { healthCheckInterval: spec.interval } : {}),
    ...(spec.threshold !== undefined ? { healthyThreshold: spec.threshold } : {}),
  });
  return { changed: true, requestIds: [r.requestId] };
}

/** Whether the CEN VBR health check is as `spec` (or gone when `spec.targetIp` is undefined). */
export async function cenHealthCheckReached(cloud: CloudClients, spec: CenHealthCheckSpec): Promise<{ ready: boolean; status: string }> {
  const h = await findCenHealthCheck(cloud, spec);
  return { ready: cenHealthCheckMatches(h, spec), status: h ? `→ ${h.healthCheckTargetIp}` : 'Absent' };
}

// ---------------------------------------------------------------------------------------------
// Reads that ride out throttling
// ---------------------------------------------------------------------------------------------

/** Back-off of one read after a throttled answer (real ms). */
const READ_RETRY_DELAYS_MS = [25, 50, 100, 200];

function retryingReads<T extends object>(client: T, delays: readonly number[]): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => Promise<unknown>;
      if (typeof prop !== 'string' || !prop.startsWith('describe')) return fn.bind(target);
      return async (...args: unknown[]): Promise<unknown> => {
        for (let i = 0; ; i++) {
          try {
            return await fn.apply(target, args);
          } catch (err) {
            if (i >= delays.length || !isCloudErrorClass(err, 'throttled', 'network')) throw err;
            await new Promise((r) => setTimeout(r, delays[i]));
          }
        }
      };
    },
  });
}

/**
 * A view of the clients whose Describe calls retry a throttled or network failure a few times
 * at once (25–200 ms apart). A step reads many things; without this, one throttled read in ten
 * fails the whole step and the engine's back-off repeats all of them. Writes are never retried
 * here (the engine retries the step, and ClientTokens keep that safe).
 */
export function withReadRetries(cloud: CloudClients, delays: readonly number[] = READ_RETRY_DELAYS_MS): CloudClients {
  return {
    regionId: cloud.regionId,
    vpc: retryingReads(cloud.vpc, delays),
    cbn: retryingReads(cloud.cbn, delays),
    ecs: retryingReads(cloud.ecs, delays),
    prober: cloud.prober,
    withObserver: (observer) => withReadRetries(cloud.withObserver(observer), delays),
    forRegion: (regionId) => withReadRetries(cloud.forRegion(regionId), delays),
    close: () => cloud.close(),
  };
}
