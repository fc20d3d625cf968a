/**
 * Effects of `rollback-migration` (seed 5.3): order the undo steps, apply them one by one
 * (shared with the migrations' automatic rollback), verify the flows.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import { regionView } from '../../src/cloud/index.ts';
import type { Effect, EffectInput, Json, JsonObject } from '../../src/engine/types.ts';
import { containsCidr, formatCidr, parseCidr, splitHalves } from '../../src/net/index.ts';
import type { Compensation } from '../migration/compensation.ts';
import { compensationEffects, withRetryingReads } from '../migration/effects.ts';
import { parseRollbackParams } from './params.ts';

type RestoreRoute = Extract<Compensation, { kind: 'restoreRoute' }>;

/**
 * Smooth mode (seed 5.3: "re-add the deleted detailed routes"): before re-adding a peering
 * route S, add the halves of every CEN route now Active inside S (traffic keeps flowing over
 * CEN until the halves take it back to the peering path), then re-add S, then remove the halves.
 * A /32 CEN route has no halves and is re-blocked directly.
 */
export async function orderRollback(cloud: CloudClients, mode: 'smooth' | 'intermittent', list: Compensation[]): Promise<{ compensations: Compensation[]; notes: string[] }> {
  if (mode === 'intermittent') return { compensations: list, notes: [] };
  const out: Compensation[] = [];
  const notes: string[] = [];
  const restoring = new Set(list.filter((c) => c.kind === 'restoreRoute').map((c) => `${(c as RestoreRoute).routeTableId}|${(c as RestoreRoute).destinationCidrBlock}`));
  for (const c of list) {
    if (c.kind !== 'restoreRoute') {
      out.push(c);
      continue;
    }
    const view = regionView(cloud, c.regionId);
    const s = parseCidr(c.destinationCidrBlock);
    const entries = await view.vpc.describeRouteEntryList({ routeTableId: c.routeTableId });
    const own = new Set(entries.filter((e) => e.type !== 'CEN').map((e) => e.destinationCidrBlock));
    const halves: string[] = [];
    for (const e of entries.filter((x) => x.type === 'CEN')) {
      const r = parseCidr(e.destinationCidrBlock);
      if (!containsCidr(s, r) || r.length === s.length) continue;
      if (r.length === 32) {
        notes.push(`${e.destinationCidrBlock} is a /32: it has no halves, its traffic moves back when ${c.destinationCidrBlock} is re-added`);
        continue;
      }
      for (const h of splitHalves(r).map(formatCidr)) {
        if (!own.has(h) && !restoring.has(`${c.routeTableId}|${h}`)) halves.push(h);
      }
    }
    for (const h of halves) out.push({ kind: 'restoreRoute', regionId: c.regionId, routeTableId: c.routeTableId, destinationCidrBlock: h, nextHops: c.nextHops });
    out.push(c);
    for (const h of halves) out.push({ kind: 'removeRoute', regionId: c.regionId, routeTableId: c.routeTableId, destinationCidrBlock: h, nextHops: c.nextHops });
  }
  return { compensations: out, notes };
}

/** Effects by name. */
export const effects: Record<string, Effect<CloudClients>> = withRetryingReads({
  planRollback: async (input: EffectInput<JsonObject, JsonObject>, cloud: CloudClients): Promise<Json> => {
    const p = parseRollbackParams(input.params);
    const r = await orderRollback(cloud, p.mode, p.compensations);
    return { compensations: r.compensations as unknown as Json, notes: r.notes };
  },
  verifyFlows: async (input: EffectInput<JsonObject, JsonObject>, cloud: CloudClients): Promise<Json> => {
    const p = parseRollbackParams(input.params);
    if (!p.flows || p.flows.length === 0) return { ok: true, flows: [] };
    const results = await cloud.prober.probe(p.flows.map((f) => ({ name: f.name, source: f.source, destinationIp: f.destinationIp })));
    const flows = results.map((r) => ({ name: r.flow.name ?? r.flow.destinationIp, reachable: r.reachable, ...(r.reason ? { reason: r.reason } : {}) }));
    const bad = flows.filter((f) => !f.reachable);
    return { ok: bad.length === 0, flows, ...(bad.length ? { reason: `after the rollback: ${bad.map((f) => `flow ${f.name} unreachable`).join('; ')}` } : {}) };
  },
  ...compensationEffects(),
});
