/**
 * Idempotent cloud operations of the CEN migrations that only the migrations need (CEN
 * protection level, child instances, published routes, CEN VBR health checks), in the style of
 * `workflows/shared/ops.ts`, which holds the route entry, BGP network and router interface ops
 * the forward steps and their compensations also use. Each `ensure…` reads first and creates
 * only what is missing, each `remove…` deletes and counts NotFound as done, each `…Reached` reads
 * once and says whether the target state is reached. Nothing here sleeps; waiting is the
 * engine's job (wait steps).
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import { isCloudErrorClass } from '../../src/cloud/index.ts';
import { NotFoundError } from '../../src/errors.ts';
import { runRemoval, unchanged, type OpResult, type Reached } from '../shared/ops.ts';

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
export async function protectionLevelReached(cloud: CloudClients, cenId: string, protectionLevel: string): Promise<Reached> {
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
  return runRemoval(() => cloud.cbn.detachCenChildInstance(spec));
}

/** Whether the child is Attached (`present`) or gone (`absent`). */
export async function attachmentReached(cloud: CloudClients, spec: ChildSpec, want: 'present' | 'absent'): Promise<Reached> {
  const c = await findChild(cloud, spec);
  if (want === 'present') return { ready: c?.status === 'Attached', status: c?.status ?? 'NotAttached' };
  return { ready: c === undefined, status: c?.status ?? 'NotAttached' };
}

/** A route of a child's table published to (or withdrawn from) the CEN. */
export interface PublishSpec extends ChildSpec {
  routeTableId: string;
  destinationCidrBlock: string;
}

const routeRequest = (spec: PublishSpec) => ({
  cenId: spec.cenId,
  childInstanceId: spec.childInstanceId,
  childInstanceType: spec.childInstanceType,
  childInstanceRegionId: spec.childInstanceRegionId,
  childInstanceRouteTableId: spec.routeTableId,
  destinationCidrBlock: spec.destinationCidrBlock,
});

async function publishStatus(cloud: CloudClients, spec: PublishSpec): Promise<string> {
  const list = await cloud.cbn.describePublishedRouteEntries(routeRequest(spec));
  return list.find((p) => p.destinationCidrBlock === spec.destinationCidrBlock)?.publishStatus ?? 'Absent';
}

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
  return runRemoval(() => cloud.cbn.withdrawPublishedRouteEntries(routeRequest(spec)));
}

/** Whether the route is Published (`present`) or not (`absent`). */
export async function publishedReached(cloud: CloudClients, spec: PublishSpec, want: 'present' | 'absent'): Promise<Reached> {
  const status = await publishStatus(cloud, spec);
  return { ready: want === 'present' ? status === 'Published' : status !== 'Published', status };
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
  if (!spec.targetIp) return runRemoval(() => cloud.cbn.disableCenVbrHealthCheck({ cenId: spec.cenId, vbrInstanceId: spec.vbrId, vbrInstanceRegionId: spec.vbrRegionId }));
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
export async function cenHealthCheckReached(cloud: CloudClients, spec: CenHealthCheckSpec): Promise<Reached> {
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
