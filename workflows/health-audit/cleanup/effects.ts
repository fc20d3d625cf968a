/**
 * Effects of `remove-migration-leftovers`, on the shared idempotent route operations
 * (`workflows/shared/ops.ts`): read first, delete / re-add only what is needed, never sleep.
 */
import { regionView, type CloudClients } from '../../../src/cloud/index.ts';
import type { Effect, EffectInput, Json, JsonObject } from '../../../src/engine/types.ts';
import { ensureRoute, nextHopKey, removeRoute, routeReached, type RouteSpec } from '../../shared/ops.ts';
import type { CleanupContext } from './machine.ts';
import { parseCleanupParams, type CleanupParams, type LeftoverRoute } from './params.ts';

type Input = EffectInput<JsonObject, JsonObject>;

const ctxOf = (input: Input): CleanupContext => input.context as unknown as CleanupContext;
const specOf = (p: CleanupParams, r: LeftoverRoute): RouteSpec => ({ routeTableId: p.routeTableId, destinationCidrBlock: r.destinationCidrBlock, nextHops: r.nextHops });

/** The covering CEN route as the child sees it, and which leftovers are still in the table. */
async function readState(cloud: CloudClients, p: CleanupParams): Promise<{ coveringStatus: string; present: string[] }> {
  const view = regionView(cloud, p.regionId);
  const [cen, entries] = await Promise.all([
    view.cbn.describeCenChildInstanceRouteEntries({ cenId: p.cenId, childInstanceId: p.childInstanceId, childInstanceType: p.childInstanceType, childInstanceRegionId: p.regionId, status: 'All' }),
    view.vpc.describeRouteEntryList({ routeTableId: p.routeTableId }),
  ]);
  const covering = cen.find((r) => r.type === 'CEN' && r.destinationCidrBlock === p.coveringCidrBlock);
  const present = p.routes
    .filter((r) => entries.some((e) => e.type !== 'CEN' && e.destinationCidrBlock === r.destinationCidrBlock && nextHopKey(e.nextHops) === nextHopKey(r.nextHops)))
    .map((r) => r.destinationCidrBlock);
  return { coveringStatus: covering?.status ?? 'Absent', present };
}

/** Effects by name. */
export const cleanupEffects: Record<string, Effect<CloudClients>> = {
  verifyLeftoversSafe: async (input: Input, cloud): Promise<Json> => {
    const p = parseCleanupParams(input.params);
    const s = await readState(cloud, p);
    const safe = s.coveringStatus === 'Active';
    return { safe, coveringCidrBlock: p.coveringCidrBlock, coveringStatus: s.coveringStatus, present: s.present, ...(safe ? {} : { reason: `the CEN route ${p.coveringCidrBlock} is ${s.coveringStatus} in ${p.routeTableId}, so the leftovers still carry traffic` }) };
  },
  removeLeftoverRoute: async (input, cloud) => {
    const p = parseCleanupParams(input.params);
    const r = p.routes[ctxOf(input).index];
    if (!r) throw new Error(`${input.step}: no route at index ${ctxOf(input).index}`);
    return removeRoute(regionView(cloud, p.regionId), specOf(p, r));
  },
  awaitLeftoverRouteRemoved: async (input, cloud) => {
    const p = parseCleanupParams(input.params);
    const r = p.routes[ctxOf(input).index];
    if (!r) throw new Error(`${input.step}: no route at index ${ctxOf(input).index}`);
    return routeReached(regionView(cloud, p.regionId), specOf(p, r), 'absent');
  },
  verifyLeftoversRemoved: async (input, cloud): Promise<Json> => {
    const p = parseCleanupParams(input.params);
    const s = await readState(cloud, p);
    const ok = s.present.length === 0 && s.coveringStatus === 'Active';
    return { ok, coveringStatus: s.coveringStatus, stillPresent: s.present, ...(ok ? {} : { reason: s.present.length > 0 ? `${s.present.join(', ')} still in ${p.routeTableId}` : `the CEN route ${p.coveringCidrBlock} is ${s.coveringStatus}` }) };
  },
  restoreLeftoverRoute: async (input, cloud) => {
    const p = parseCleanupParams(input.params);
    const r = ctxOf(input).removed[0];
    if (!r) throw new Error(`${input.step}: nothing to restore`);
    return ensureRoute(regionView(cloud, p.regionId), specOf(p, r), input.idempotencyKey);
  },
  awaitLeftoverRouteRestored: async (input, cloud) => {
    const p = parseCleanupParams(input.params);
    const r = ctxOf(input).removed[0];
    if (!r) throw new Error(`${input.step}: nothing to restore`);
    return routeReached(regionView(cloud, p.regionId), specOf(p, r), 'present');
  },
};
