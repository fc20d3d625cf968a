/**
 * Effects of the CEN migration procedures: one per `meta.step.effect` of the machines. Each reads
 * the cloud first and changes only what is missing (`ensure…`/`remove…`, ClientToken = the
 * engine's idempotency key), or checks once (`await…` → `{ ready }`), or verifies without
 * changing anything (`verify…` → `{ ok, checks, flows }`). None sleeps: the engine polls.
 */
import type { CloudClients, FlowProbeResult } from '../../src/cloud/index.ts';
import { regionView } from '../../src/cloud/index.ts';
import type { Effect, EffectInput, Json, JsonObject } from '../../src/engine/types.ts';
import { contextReaders } from '../shared/context.ts';
import {
  bgpNetworkReached,
  ensureBgpNetwork,
  ensureRoute,
  ensureRouterInterfaceHealthCheck,
  removeBgpNetwork,
  removeRoute,
  routeReached,
  routerInterfaceHealthCheckReached,
} from '../shared/ops.ts';
import { checkProblems, phaseVerdict, probeTrace, type Check } from '../shared/verify.ts';
import { bandwidthStepReached, ensureBandwidthStep } from './bandwidth.ts';
import { applyCompensation, compensationReached, type Compensation } from './compensation.ts';
import { currentConflict, pendingAttachments, pendingHalves, pendingHealthChecks, type MigrationContext } from './machine-setup.ts';
import {
  attachmentReached,
  cenHealthCheckReached,
  ensureAttached,
  ensureCenHealthCheck,
  ensureProtectionLevel,
  ensurePublished,
  protectionLevelReached,
  publishedReached,
  withReadRetries,
  type PublishSpec,
} from './ops.ts';
import { parseMigrationParams } from './params.ts';
import { assertRunnable, planMigration } from './planner.ts';
import { readMigrationFacts, refreshMigrationFacts } from './read-state.ts';
import type { BandwidthStep, ConflictPlan, FlowParam, MigrationKind, MigrationParams, MigrationPlan } from './types.ts';

type Input = EffectInput<JsonObject, JsonObject>;

const { ctxOf, planOf } = contextReaders<MigrationContext>();

function conflictOf(input: Input): ConflictPlan {
  const c = currentConflict(ctxOf(input));
  if (!c) throw new Error(`${input.step}: no conflict at index ${ctxOf(input).conflictIndex}`);
  return c;
}

const json = (v: unknown): Json => v as Json;

/** The bandwidth step being made (seed 5.1-4 / 5.2-5). */
function bandwidthStepOf(input: Input): BandwidthStep {
  const step = planOf(input).bandwidth.steps[ctxOf(input).index];
  if (!step) throw new Error(`${input.step}: no bandwidth step at index ${ctxOf(input).index}`);
  return step;
}

/** Probes the flows of the params; a flow list that is empty verifies trivially. */
async function probeFlows(cloud: CloudClients, flows: FlowParam[] | undefined): Promise<{ ok: boolean; flows: JsonObject[] }> {
  if (!flows || flows.length === 0) return { ok: true, flows: [] };
  const results: FlowProbeResult[] = await cloud.prober.probe(flows.map((f) => ({ name: f.name, source: f.source, destinationIp: f.destinationIp })));
  return {
    ok: results.every((r) => r.reachable),
    flows: results.map((r) => ({
      name: r.flow.name ?? r.flow.destinationIp,
      reachable: r.reachable,
      ...probeTrace(r),
    })),
  };
}

/** Checks the table and the CEN view after one or all conflicts: peering routes gone, halves gone, CEN routes Active. */
async function checkConflicts(cloud: CloudClients, plan: MigrationPlan, conflicts: ConflictPlan[]): Promise<Check[]> {
  const checks: Check[] = [];
  const bySubject = new Map<string, ConflictPlan[]>();
  for (const c of conflicts) bySubject.set(c.childInstanceId, [...(bySubject.get(c.childInstanceId) ?? []), c]);
  for (const [childId, list] of bySubject) {
    const first = list[0];
    const view = regionView(cloud, first.regionId);
    const entries = await view.vpc.describeRouteEntryList({ routeTableId: first.routeTableId });
    const cen = await view.cbn.describeCenChildInstanceRouteEntries({
      cenId: plan.cenId,
      childInstanceId: childId,
      childInstanceType: first.childInstanceType,
      childInstanceRegionId: first.regionId,
      childInstanceRouteTableId: first.routeTableId,
      status: 'All',
    });
    for (const c of list) {
      const s = entries.find((e) => e.destinationCidrBlock === c.peeringRoute.destinationCidrBlock && e.type !== 'CEN');
      checks.push({ check: `peering route ${c.peeringRoute.destinationCidrBlock} deleted from ${c.routeTableId}`, ok: s === undefined, seen: s ? s.status : 'absent' });
      if (plan.mode === 'smooth') {
        for (const h of pendingHalves(c)) {
          const e = entries.find((x) => x.destinationCidrBlock === h.destinationCidrBlock && x.type !== 'CEN');
          checks.push({ check: `half route ${h.destinationCidrBlock} deleted`, ok: e === undefined, seen: e ? e.status : 'absent' });
        }
      }
      for (const b of c.blocked.filter((x) => x.activeAfter)) {
        const r = cen.find((x) => x.destinationCidrBlock === b.destinationCidrBlock && x.type === 'CEN');
        checks.push({ check: `CEN route ${b.destinationCidrBlock} Active in ${c.routeTableId}`, ok: r?.status === 'Active', seen: r?.status ?? 'absent' });
      }
    }
  }
  return checks;
}

function verdict(checks: Check[], probes: { ok: boolean; flows: JsonObject[] }, phase: string): JsonObject {
  const failedFlows = probes.flows.filter((f) => f.reachable !== true).map((f) => `flow ${String(f.name)} unreachable${f.reason ? `: ${String(f.reason)}` : ''}`);
  return phaseVerdict(phase, [...checkProblems(checks), ...failedFlows], { checks, flows: probes.flows });
}

function publishSpec(plan: MigrationPlan, index: number): PublishSpec {
  const p = plan.publish[index];
  return { cenId: plan.cenId, childInstanceId: p.childInstanceId, childInstanceType: 'VPC', childInstanceRegionId: p.regionId, routeTableId: p.routeTableId, destinationCidrBlock: p.destinationCidrBlock };
}

function attachSpec(input: Input) {
  const ctx = ctxOf(input);
  const a = pendingAttachments(ctx)[ctx.index];
  return { cenId: planOf(input).cenId, childInstanceId: a.childInstanceId, childInstanceType: a.childInstanceType, childInstanceRegionId: a.childInstanceRegionId };
}

function halfSpec(input: Input) {
  const c = conflictOf(input);
  const h = pendingHalves(c)[ctxOf(input).index];
  return { routeTableId: c.routeTableId, destinationCidrBlock: h.destinationCidrBlock, nextHops: c.peeringRoute.nextHops, description: `xcflow ${input.executionId}: temporary half of ${c.blocked.map((b) => b.destinationCidrBlock).join(',')}` };
}

const peeringSpec = (input: Input) => {
  const c = conflictOf(input);
  return { routeTableId: c.routeTableId, destinationCidrBlock: c.peeringRoute.destinationCidrBlock, nextHops: c.peeringRoute.nextHops };
};

function networkSpec(input: Input, params: MigrationParams) {
  const c = conflictOf(input);
  return { vbrId: c.childInstanceId, dstCidrBlock: c.bgpNetworks[ctxOf(input).index], ...(params.vpcId ? { vpcId: params.vpcId } : {}) };
}

function cenHealthCheckSpec(plan: MigrationPlan) {
  const hc = plan.vbr?.cenHealthCheck;
  if (!plan.vbr || !hc) throw new Error('no CEN health check in the plan');
  return { cenId: plan.cenId, vbrId: plan.vbr.vbrId, vbrRegionId: plan.regionId, targetIp: hc.targetIp, ...(hc.sourceIp ? { sourceIp: hc.sourceIp } : {}), interval: hc.interval, threshold: hc.threshold };
}

/** Reads the live state and plans: the `Planning` step. Also used by the digital twin and `POST /v1/plans`. */
export async function readAndPlan(cloud: CloudClients, procedureId: string, kind: MigrationKind, rawParams: unknown): Promise<MigrationPlan> {
  const params = parseMigrationParams(kind, rawParams);
  const facts = await readMigrationFacts(cloud, kind, params);
  return planMigration(procedureId, facts, params);
}

/**
 * The effects of `migrate-vpc-to-cen` / `migrate-vbr-to-cen` by name.
 * Every effect throws CloudApiError from the cloud (the engine retries transient ones).
 */
export function createMigrationEffects(kind: MigrationKind): Record<string, Effect<CloudClients>> {
  const params = (input: Input): MigrationParams => parseMigrationParams(kind, input.params);
  const effects: Record<string, (input: Input, cloud: CloudClients) => Promise<Json>> = {
    readAndPlan: async (input, cloud) => {
      const p = params(input);
      const facts = await readMigrationFacts(cloud, kind, p);
      return { plan: json(planMigration(input.procedureId, facts, p)), facts: json(facts) };
    },
    checkRoutes: async (input, cloud) => {
      const ctx = ctxOf(input);
      const p = params(input);
      if (!ctx.facts) throw new Error(`${input.step}: no facts in context`);
      const facts = await refreshMigrationFacts(cloud, ctx.facts, { published: planOf(input).publish, bandwidth: planOf(input).bandwidth });
      return { plan: json(planMigration(input.procedureId, facts, p)), facts: json(facts) };
    },

    disableVbrHealthCheck: async (input, cloud) => {
      const ri = pendingHealthChecks(ctxOf(input))[ctxOf(input).index];
      return ensureRouterInterfaceHealthCheck(cloud, { routerInterfaceId: ri.routerInterfaceId });
    },
    awaitVbrHealthCheckDisabled: async (input, cloud) => {
      const ri = pendingHealthChecks(ctxOf(input))[ctxOf(input).index];
      return routerInterfaceHealthCheckReached(cloud, { routerInterfaceId: ri.routerInterfaceId });
    },

    ensureOverlappingRouting: async (input, cloud) => ensureProtectionLevel(cloud, planOf(input).cenId, 'REDUCED'),
    awaitOverlappingRouting: async (input, cloud) => protectionLevelReached(cloud, planOf(input).cenId, 'REDUCED'),

    ensureChildAttached: async (input, cloud) => ensureAttached(cloud, attachSpec(input)),
    awaitChildAttached: async (input, cloud) => attachmentReached(cloud, attachSpec(input), 'present'),

    // Seed 5.1-4 / 5.2-5: associate the bandwidth package, then set the inter-region bandwidth.
    ensureBandwidth: async (input, cloud) => ensureBandwidthStep(cloud, planOf(input), bandwidthStepOf(input)),
    awaitBandwidth: async (input, cloud) => bandwidthStepReached(cloud, planOf(input), bandwidthStepOf(input)),

    ensureRoutePublished: async (input, cloud) => ensurePublished(cloud, publishSpec(planOf(input), ctxOf(input).index)),
    awaitRoutePublished: async (input, cloud) => publishedReached(cloud, publishSpec(planOf(input), ctxOf(input).index), 'present'),

    verifyFlows: async (input, cloud) => verdict([], await probeFlows(cloud, params(input).flows), 'after attaching and publishing'),

    ensureHalfRoute: async (input, cloud) => ensureRoute(regionView(cloud, conflictOf(input).regionId), halfSpec(input), input.idempotencyKey),
    awaitHalfRouteAvailable: async (input, cloud) => routeReached(regionView(cloud, conflictOf(input).regionId), halfSpec(input), 'present'),
    ensureHalfNetwork: async (input, cloud) => ensureBgpNetwork(cloud, networkSpec(input, params(input)), input.idempotencyKey),
    awaitHalfNetworkAdvertised: async (input, cloud) => bgpNetworkReached(cloud, networkSpec(input, params(input)), 'present'),
    removePeeringRoute: async (input, cloud) => removeRoute(regionView(cloud, conflictOf(input).regionId), peeringSpec(input)),
    awaitPeeringRouteDeleted: async (input, cloud) => routeReached(regionView(cloud, conflictOf(input).regionId), peeringSpec(input), 'absent'),
    awaitCenRoutesActive: async (input, cloud) => {
      const plan = planOf(input);
      const c = conflictOf(input);
      const cen = await regionView(cloud, c.regionId).cbn.describeCenChildInstanceRouteEntries({
        cenId: plan.cenId,
        childInstanceId: c.childInstanceId,
        childInstanceType: c.childInstanceType,
        childInstanceRegionId: c.regionId,
        childInstanceRouteTableId: c.routeTableId,
        status: 'All',
      });
      const statuses = c.blocked
        .filter((b) => b.activeAfter)
        .map((b) => ({ cidr: b.destinationCidrBlock, status: cen.find((x) => x.destinationCidrBlock === b.destinationCidrBlock && x.type === 'CEN')?.status ?? 'absent' }));
      return { ready: statuses.every((s) => s.status === 'Active'), routes: statuses };
    },
    removeHalfRoute: async (input, cloud) => removeRoute(regionView(cloud, conflictOf(input).regionId), halfSpec(input)),
    awaitHalfRouteDeleted: async (input, cloud) => routeReached(regionView(cloud, conflictOf(input).regionId), halfSpec(input), 'absent'),
    removeHalfNetwork: async (input, cloud) => removeBgpNetwork(cloud, networkSpec(input, params(input)), input.idempotencyKey),
    awaitHalfNetworkWithdrawn: async (input, cloud) => bgpNetworkReached(cloud, networkSpec(input, params(input)), 'absent'),

    verifyConflict: async (input, cloud) => {
      const c = conflictOf(input);
      const checks = await checkConflicts(cloud, planOf(input), [c]);
      return verdict(checks, await probeFlows(cloud, params(input).flows), `after resolving ${c.peeringRoute.destinationCidrBlock} in ${c.routeTableId}`);
    },

    ensureCenHealthCheck: async (input, cloud) => ensureCenHealthCheck(cloud, cenHealthCheckSpec(planOf(input))),
    awaitCenHealthCheck: async (input, cloud) => cenHealthCheckReached(cloud, cenHealthCheckSpec(planOf(input))),
    // A pure timer: the first poll is deferred, the second comes one window later.
    awaitHealthCheckWindow: async () => ({ ready: true }),

    verifyMigration: async (input, cloud) => {
      const plan = planOf(input);
      const checks = await checkConflicts(cloud, plan, plan.conflicts);
      return verdict(checks, await probeFlows(cloud, params(input).flows), 'after the migration');
    },

    ...compensationEffects(),
  };
  for (const name of Object.keys(effects)) {
    if (name.startsWith('await')) effects[name] = deferFirstPoll(effects[name]);
  }
  return withRetryingReads(effects);
}

/** Gives every effect clients whose reads ride out throttling (see `withReadRetries`). */
export function withRetryingReads(effects: Record<string, (input: Input, cloud: CloudClients) => Promise<Json>>): Record<string, Effect<CloudClients>> {
  const out: Record<string, Effect<CloudClients>> = {};
  for (const [name, effect] of Object.entries(effects)) out[name] = (input, cloud) => effect(input, withReadRetries(cloud));
  return out;
}

/**
 * The engine polls a wait at once when the state is entered, right after the change it waits
 * for; an asynchronous change is never done by then, so the first poll answers "not ready"
 * without a cloud call and the first real status read comes one poll interval later.
 */
function deferFirstPoll(effect: (input: Input, cloud: CloudClients) => Promise<Json>): (input: Input, cloud: CloudClients) => Promise<Json> {
  return async (input, cloud) => (input.attempt <= 1 ? { ready: false, deferred: true } : effect(input, cloud));
}

/** `applyCompensation` / `awaitCompensation`: the rollback loop's effects (all three procedures). */
export function compensationEffects(): Record<string, (input: Input, cloud: CloudClients) => Promise<Json>> {
  const head = (input: Input): Compensation => {
    const c = ctxOf(input).compensations[0];
    if (!c) throw new Error(`${input.step}: no compensation left`);
    return c;
  };
  return {
    applyCompensation: async (input, cloud) => applyCompensation(cloud, head(input), input.idempotencyKey),
    awaitCompensation: async (input, cloud): Promise<Json> => {
      if (ctxOf(input).headFailed) return { ready: true, skipped: true };
      if (input.attempt <= 1) return { ready: false, deferred: true };
      return compensationReached(cloud, head(input));
    },
  };
}

/**
 * `validate` of the migration procedures: params, ids and the plan's refusals, checked before
 * the execution starts (nothing has changed yet).
 * @throws ValidationError (bad params, refused plan) or NotFoundError (unknown CEN/VPC/VBR)
 */
export async function validateMigration(kind: MigrationKind, procedureId: string, params: JsonObject, cloud: CloudClients): Promise<void> {
  assertRunnable(await readAndPlan(withReadRetries(cloud), procedureId, kind, params));
}
