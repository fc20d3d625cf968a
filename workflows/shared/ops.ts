/**
 * Idempotent cloud operations shared by the procedures (route entries, VBR BGP networks, router
 * interface health checks): each `ensure…` reads first and creates only what is missing, each
 * `remove…` deletes and counts NotFound as done, each `…Reached` reads once and says whether the
 * target state is reached. Nothing here sleeps: waiting is the engine's job (wait steps).
 *
 * Every procedure uses these, the migrations included (`workflows/migration/ops.ts` adds the
 * CEN-only operations beside them).
 */
import type { CloudClients, RouteEntry, RouterInterface } from '../../src/cloud/index.ts';
import { isCloudErrorClass } from '../../src/cloud/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { ConflictError, NotFoundError } from '../../src/errors.ts';

/** What a write step reports: whether it changed anything, and the RequestIds of its writes. */
export interface OpResult extends JsonObject {
  changed: boolean;
  requestIds: string[];
}

/** One next hop of a route entry, as plain JSON. */
export interface NextHopFact {
  nextHopType: string;
  nextHopId: string;
  /** Relative weight of an ECMP / weighted hop. */
  weight?: number;
}

/** Whether a target state is reached (the result of a wait effect). */
export interface Reached extends JsonObject {
  ready: boolean;
  status: string;
}

/** The result of a write step that found everything already right. */
export const unchanged = (): OpResult => ({ changed: false, requestIds: [] });

/**
 * Runs the delete of a `remove…` step: an answer of class `not_found` means it is gone already,
 * which counts as done. @throws CloudApiError of any other class
 */
export async function runRemoval(remove: () => Promise<{ requestId: string }>): Promise<OpResult> {
  try {
    const r = await remove();
    return { changed: true, requestIds: [r.requestId] };
  } catch (err) {
    if (isCloudErrorClass(err, 'not_found')) return unchanged();
    throw err;
  }
}

/**
 * A stable key for a set of next hops: order-free, weights included only for multi-hop routes
 * (single-hop routes carry no weight on the wire).
 */
export function nextHopKey(hops: readonly NextHopFact[]): string {
  return hops
    .map((h) => `${h.nextHopType}:${h.nextHopId}${h.weight !== undefined && hops.length > 1 ? `*${h.weight}` : ''}`)
    .sort()
    .join(',');
}

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

/** The custom entries of a table at `spec`'s destination: the one with the same hops, and the others. */
export async function findRoute(cloud: CloudClients, spec: RouteSpec): Promise<{ match?: RouteEntry; others: RouteEntry[] }> {
  const entries = await cloud.vpc.describeRouteEntryList({ routeTableId: spec.routeTableId, destinationCidrBlock: spec.destinationCidrBlock });
  const want = nextHopKey(spec.nextHops);
  const own = entries.filter((e) => e.destinationCidrBlock === spec.destinationCidrBlock && e.type !== 'CEN');
  const match = own.find((e) => nextHopKey(e.nextHops) === want);
  return { ...(match ? { match } : {}), others: own.filter((e) => nextHopKey(e.nextHops) !== want) };
}

/**
 * Ensures a custom route entry exists with these next hops (CreateRouteEntry with `clientToken`;
 * one hop as `NextHopType`/`NextHopId`, several as an ECMP `NextHopList`).
 * @throws ConflictError `RouteOccupied` when the destination already routes elsewhere
 * @throws CloudApiError; a duplicate answer is accepted only after re-reading shows the route
 */
export async function ensureRoute(cloud: CloudClients, spec: RouteSpec, clientToken: string): Promise<OpResult> {
  const { match, others } = await findRoute(cloud, spec);
  if (match) return unchanged();
  if (others.length > 0) {
    const o = others[0] as RouteEntry;
    throw new ConflictError(
      `${spec.routeTableId} already has ${spec.destinationCidrBlock} toward ${nextHopKey(o.nextHops)}; refusing to add it toward ${nextHopKey(spec.nextHops)}`,
      { code: 'RouteOccupied', field: 'destinationCidrBlock' },
    );
  }
  const [first] = spec.nextHops;
  const hop =
    spec.nextHops.length === 1 && first
      ? { nextHopType: first.nextHopType, nextHopId: first.nextHopId }
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
  if (!match || match.status === 'Deleting') return unchanged();
  return runRemoval(() => cloud.vpc.deleteRouteEntry({ routeEntryId: match.routeEntryId, routeTableId: spec.routeTableId }));
}

/** Whether the route is present and Available (`present`) or gone (`absent`). */
export async function routeReached(cloud: CloudClients, spec: RouteSpec, want: 'present' | 'absent'): Promise<Reached> {
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
  return runRemoval(() => cloud.vpc.deleteBgpNetwork({ routerId: spec.vbrId, dstCidrBlock: spec.dstCidrBlock, clientToken }));
}

/** Whether the network is advertised (not Pending/Deleting) or gone. */
export async function bgpNetworkReached(cloud: CloudClients, spec: BgpNetworkSpec, want: 'present' | 'absent'): Promise<Reached> {
  const n = await findNetwork(cloud, spec);
  if (want === 'present') return { ready: n !== undefined && n.status !== 'Pending' && n.status !== 'Deleting', status: n?.status ?? 'Absent' };
  return { ready: n === undefined, status: n?.status ?? 'Absent' };
}

// ---------------------------------------------------------------------------------------------
// Router interface (Express Connect) health checks
// ---------------------------------------------------------------------------------------------

/** Health check settings of a router interface; no target = no health check. */
export interface RouterInterfaceHealthCheck {
  routerInterfaceId: string;
  healthCheckSourceIp?: string;
  healthCheckTargetIp?: string;
  /** Probe interval, ms. */
  hcRate?: number;
  /** Consecutive lost probes before the interface is declared down. */
  hcThreshold?: number;
}

/** Health-check settings as a router interface, a plan or a compensation holds them (unset: absent, null or empty). */
export interface HealthCheckFields {
  healthCheckSourceIp?: string | null;
  healthCheckTargetIp?: string | null;
  hcRate?: number | null;
  hcThreshold?: number | null;
}

/** The settings of `x` that are set, for a health check to ensure, restore or record (JSON-clean). */
export function healthCheckSettings(x: HealthCheckFields): Omit<RouterInterfaceHealthCheck, 'routerInterfaceId'> {
  return {
    ...(x.healthCheckSourceIp ? { healthCheckSourceIp: x.healthCheckSourceIp } : {}),
    ...(x.healthCheckTargetIp ? { healthCheckTargetIp: x.healthCheckTargetIp } : {}),
    ...(x.hcRate !== undefined && x.hcRate !== null ? { hcRate: x.hcRate } : {}),
    ...(x.hcThreshold !== undefined && x.hcThreshold !== null ? { hcThreshold: x.hcThreshold } : {}),
  };
}

/** Reads one router interface. @throws NotFoundError `RouterInterfaceNotFound` */
export async function describeRouterInterface(cloud: CloudClients, id: string): Promise<RouterInterface> {
  const [ri] = await cloud.vpc.describeRouterInterfaces({ routerInterfaceId: id });
  if (!ri) throw new NotFoundError(`router interface ${id} not found`, { code: 'RouterInterfaceNotFound', field: 'routerInterfaceId' });
  return ri;
}

/** Whether a router interface's settings equal `hc` (fields `hc` leaves out are not compared). */
export function routerInterfaceHealthCheckMatches(
  ri: Pick<RouterInterface, 'healthCheckSourceIp' | 'healthCheckTargetIp' | 'hcRate' | 'hcThreshold'>,
  hc: RouterInterfaceHealthCheck,
): boolean {
  if (!hc.healthCheckTargetIp) return !ri.healthCheckTargetIp;
  return (
    ri.healthCheckTargetIp === hc.healthCheckTargetIp &&
    (hc.healthCheckSourceIp === undefined || ri.healthCheckSourceIp === hc.healthCheckSourceIp) &&
    (hc.hcRate === undefined || ri.hcRate === hc.hcRate) &&
    (hc.hcThreshold === undefined || ri.hcThreshold === hc.hcThreshold)
  );
}

/**
 * Sets a router interface's health check to `hc` (source + target + rate + threshold), or removes
 * it when `hc.healthCheckTargetIp` is undefined (`DeleteHealthCheckIp`).
 * @throws NotFoundError, CloudApiError
 */
export async function ensureRouterInterfaceHealthCheck(cloud: CloudClients, hc: RouterInterfaceHealthCheck): Promise<OpResult> {
  const ri = await describeRouterInterface(cloud, hc.routerInterfaceId);
  if (routerInterfaceHealthCheckMatches(ri, hc)) return unchanged();
  const r = hc.healthCheckTargetIp
    ? await cloud.vpc.modifyRouterInterfaceAttribute({ routerInterfaceId: hc.routerInterfaceId, ...healthCheckSettings(hc) })
    : await cloud.vpc.modifyRouterInterfaceAttribute({ routerInterfaceId: hc.routerInterfaceId, deleteHealthCheckIp: true });
  return { changed: true, requestIds: [r.requestId] };
}

/** Whether the router interface's health check matches `hc` and the interface is not Modifying. */
export async function routerInterfaceHealthCheckReached(cloud: CloudClients, hc: RouterInterfaceHealthCheck): Promise<Reached> {
  const ri = await describeRouterInterface(cloud, hc.routerInterfaceId);
  return { ready: ri.status !== 'Modifying' && routerInterfaceHealthCheckMatches(ri, hc), status: ri.status };
}
