/**
 * Effects of `physical-connection-redundancy` (seed chapter 6), one per `meta.step.effect` of
 * the machine. Each reads the cloud first and changes only what is missing (ClientToken = the
 * engine's idempotency key), or checks once (`await…` → `{ ready }`), or verifies without
 * changing anything (`verify…`/`judge…` → `{ ok, … }`). None sleeps: the engine polls.
 */
import type { CloudClients, RouteEntry } from '../../src/cloud/index.ts';
import { regionView } from '../../src/cloud/index.ts';
import type { Effect, EffectInput, Json, JsonObject } from '../../src/engine/types.ts';
import { applySharedCompensation, describeSharedCompensation, isSharedCompensation, sharedCompensationReached } from '../shared/compensation.ts';
import { contextReaders } from '../shared/context.ts';
import { renderStaticRouteSnippets } from '../shared/dc-routes.ts';
import {
  bgpNetworkReached,
  describeRouterInterface,
  ensureBgpNetwork,
  ensureRoute,
  ensureRouterInterfaceHealthCheck,
  findRoute,
  healthCheckSettings,
  routeReached,
  routerInterfaceHealthCheckMatches,
  routerInterfaceHealthCheckReached,
  type RouteSpec,
  type RouterInterfaceHealthCheck,
} from '../shared/ops.ts';
import { createCompensationEffects } from '../shared/saga.ts';
import { checkProblems, phaseVerdict, probeTrace, type Check } from '../shared/verify.ts';
import { failoverTesterFor, type FailoverHandle, type FailoverObservation } from './failover.ts';
import type { RedundancyCompensation, RedundancyContext } from './machine.ts';
import { parseRedundancyParams, type RedundancyParams } from './params.ts';
import { planRedundancy, type ConnectionPlan, type PlannedRoute, type RedundancyPlan } from './plan.ts';

type Input = EffectInput<JsonObject, JsonObject>;

const { ctxOf, planOf } = contextReaders<RedundancyContext>();

function connectionOf(input: Input): ConnectionPlan {
  const c = planOf(input).connections[ctxOf(input).index];
  if (!c) throw new Error(`${input.step}: no connection at index ${ctxOf(input).index}`);
  return c;
}

function routeSpec(r: PlannedRoute, params?: RedundancyParams, description?: string): RouteSpec {
  return {
    routeTableId: r.routeTableId,
    destinationCidrBlock: r.destinationCidrBlock,
    nextHops: r.nextHops,
    ...(params?.routeEntryName ? { routeEntryName: params.routeEntryName } : {}),
    ...(description ? { description } : {}),
  };
}

function healthCheckSpec(c: ConnectionPlan): RouterInterfaceHealthCheck {
  return { routerInterfaceId: c.vbrRouterInterfaceId, ...healthCheckSettings(c.healthCheck) };
}

/** The hops of the load-balancing routes as the cloud shows them now (with `Enabled`). */
async function loadBalancingHops(cloud: CloudClients, plan: RedundancyPlan): Promise<Array<{ route: PlannedRoute; entry?: RouteEntry }>> {
  const out: Array<{ route: PlannedRoute; entry?: RouteEntry }> = [];
  for (const route of plan.loadBalancingRoutes) {
    const { match } = await findRoute(cloud, routeSpec(route));
    out.push({ route, ...(match ? { entry: match } : {}) });
  }
  return out;
}

/** Whether every router-interface hop of the load-balancing routes is Enabled (its health check passes). */
async function hopsEnabled(cloud: CloudClients, plan: RedundancyPlan): Promise<{ ok: boolean; checks: Check[] }> {
  const checks: Check[] = [];
  for (const { route, entry } of await loadBalancingHops(cloud, plan)) {
    if (!entry) {
      checks.push({ check: `${route.destinationCidrBlock} in ${route.routeTableId}`, ok: false, seen: 'absent' });
      continue;
    }
    for (const h of entry.nextHops) {
      const conn = plan.connections.find((c) => c.vpcRouterInterfaceId === h.nextHopId);
      checks.push({
        check: `${route.destinationCidrBlock} hop ${h.nextHopId}${conn ? ` (${conn.vbrId})` : ''} Enabled`,
        ok: h.enabled !== false,
        seen: h.enabled === false ? 'Enabled=0 (health check failing)' : 'Enabled=1',
      });
    }
  }
  return { ok: checks.every((c) => c.ok), checks };
}

function verdict(checks: Check[], flows: JsonObject[], phase: string): JsonObject {
  const failedFlows = flows.filter((f) => f.reachable !== true).map((f) => `${String(f.source)} → ${String(f.destinationIp)} unreachable${f.reason ? `: ${String(f.reason)}` : ''}`);
  return phaseVerdict(phase, [...checkProblems(checks), ...failedFlows], { checks, flows });
}

const handleOf = (input: Input): FailoverHandle => {
  const h = ctxOf(input).failover.handle;
  if (!h) throw new Error(`${input.step}: no failover test running`);
  return h as FailoverHandle;
};

/** Lines the flows crossed in an observation (over flows that report lines). */
function linesUsed(obs: FailoverObservation): Set<string> {
  return new Set(obs.flows.flatMap((f) => f.lines));
}

/** Effects by the name `meta.step.effect` uses. */
export function createRedundancyEffects(): Record<string, Effect<CloudClients>> {
  const params = (input: Input): RedundancyParams => parseRedundancyParams(input.params);
  const cloudOf = (input: Input, cloud: CloudClients): CloudClients => regionView(cloud, String(input.params.regionId));
  /** The failover tester, switching lines as the plan says (a running test's handle says so too). */
  const testerOf = (input: Input, cloud: CloudClients) => failoverTesterFor(cloudOf(input, cloud), ctxOf(input).plan?.failover?.lineSwitch);
  const description = (input: Input) => `xcflow physical-connection-redundancy ${input.executionId}`;

  const effects: Record<string, (input: Input, cloud: CloudClients) => Promise<Json>> = {
    planRedundancy: async (input, cloud) => {
      const cl = cloudOf(input, cloud);
      return { plan: (await planRedundancy(cl, params(input), cl.prober.kind)) as unknown as Json };
    },

    ensureHealthCheck: async (input, cloud) => {
      const c = connectionOf(input);
      return { vbrId: c.vbrId, routerInterfaceId: c.vbrRouterInterfaceId, at: input.now, ...(await ensureRouterInterfaceHealthCheck(cloudOf(input, cloud), healthCheckSpec(c))) };
    },
    awaitHealthCheck: async (input, cloud) => routerInterfaceHealthCheckReached(cloudOf(input, cloud), healthCheckSpec(connectionOf(input))),

    ensureLoadBalancingRoute: async (input, cloud) => {
      const r = planOf(input).loadBalancingRoutes[ctxOf(input).index];
      if (!r) throw new Error(`${input.step}: no load-balancing route at index ${ctxOf(input).index}`);
      return { destinationCidrBlock: r.destinationCidrBlock, ...(await ensureRoute(cloudOf(input, cloud), routeSpec(r, params(input), description(input)), input.idempotencyKey)) };
    },
    awaitLoadBalancingRoute: async (input, cloud) => {
      const r = planOf(input).loadBalancingRoutes[ctxOf(input).index];
      if (!r) throw new Error(`${input.step}: no load-balancing route at index ${ctxOf(input).index}`);
      return routeReached(cloudOf(input, cloud), routeSpec(r), 'present');
    },

    ensureVbrRoute: async (input, cloud) => {
      const c = connectionOf(input);
      return { vbrId: c.vbrId, destinationCidrBlock: c.vbrRoute.destinationCidrBlock, ...(await ensureRoute(cloudOf(input, cloud), routeSpec(c.vbrRoute, params(input), description(input)), input.idempotencyKey)) };
    },
    awaitVbrRoute: async (input, cloud) => routeReached(cloudOf(input, cloud), routeSpec(connectionOf(input).vbrRoute), 'present'),

    ensureHealthCheckSourceRoute: async (input, cloud): Promise<JsonObject> => {
      const c = connectionOf(input);
      if (!c.bgp) return { changed: false, requestIds: [], skipped: 'static routing' };
      return { vbrId: c.vbrId, ...(await ensureRoute(cloudOf(input, cloud), routeSpec(c.bgp.sourceRoute, params(input), description(input)), input.idempotencyKey)) };
    },
    awaitHealthCheckSourceRoute: async (input, cloud) => {
      const c = connectionOf(input);
      if (!c.bgp) return { ready: true, status: 'skipped' };
      return routeReached(cloudOf(input, cloud), routeSpec(c.bgp.sourceRoute), 'present');
    },
    ensureHealthCheckSourceAdvertised: async (input, cloud): Promise<JsonObject> => {
      const c = connectionOf(input);
      if (!c.bgp) return { changed: false, requestIds: [], skipped: 'static routing' };
      return { vbrId: c.vbrId, ...(await ensureBgpNetwork(cloudOf(input, cloud), { vbrId: c.vbrId, dstCidrBlock: c.bgp.network.dstCidrBlock, vpcId: planOf(input).vpcId }, input.idempotencyKey)) };
    },
    awaitHealthCheckSourceAdvertised: async (input, cloud) => {
      const c = connectionOf(input);
      if (!c.bgp) return { ready: true, status: 'skipped' };
      return bgpNetworkReached(cloudOf(input, cloud), { vbrId: c.vbrId, dstCidrBlock: c.bgp.network.dstCidrBlock }, 'present');
    },

    describeDataCenterRoutes: async (input) => {
      const plan = planOf(input);
      const routes = plan.dataCenterRoutes;
      return {
        routing: plan.routing,
        routes: routes as unknown as Json,
        snippets: renderStaticRouteSnippets(routes),
        notes:
          plan.routing === 'static'
            ? [
                'Seed 6-3: the /32 routes send each health check reply back through the VBR it came from; without them the checks fail and the hops are disabled.',
                `The ${plan.vpcCidrBlock} routes over every line are the prerequisite the seed assumes (static routes between the VBRs and the data center).`,
                'Lift control-plane policing (Cisco CoPP) or local attack defense (Huawei) limits for the health-check pings, or the checks flap (seed 6, note).',
              ]
            : ['BGP: the VBRs advertise the health-check source /32s; the data-center device learns them and needs no static route for them.'],
      };
    },

    awaitHealthChecksSettled: async (input, cloud): Promise<JsonObject> => {
      const plan = planOf(input);
      const ctx = ctxOf(input);
      const settleAt = ctx.healthChecksChangedAt === null ? input.now : ctx.healthChecksChangedAt + plan.hcRate * (plan.hcThreshold + 1);
      if (input.now < settleAt) return { ready: false, settleAt };
      const enabled = await hopsEnabled(cloudOf(input, cloud), plan);
      return { ready: true, ok: enabled.ok, checks: enabled.checks };
    },

    verifyRedundancy: async (input, cloud) => {
      const plan = planOf(input);
      const cl = cloudOf(input, cloud);
      const checks: Check[] = [];
      for (const c of plan.connections) {
        const ri = await describeRouterInterface(cl, c.vbrRouterInterfaceId);
        const ok = routerInterfaceHealthCheckMatches(ri, healthCheckSpec(c));
        checks.push({
          check: `health check of ${c.vbrRouterInterfaceId} (${c.vbrId}): ${c.healthCheck.healthCheckSourceIp} → ${c.healthCheck.healthCheckTargetIp}, ${c.healthCheck.hcRate} ms × ${c.healthCheck.hcThreshold}`,
          ok,
          seen: `${ri.healthCheckSourceIp ?? '-'} → ${ri.healthCheckTargetIp ?? '-'}, ${ri.hcRate ?? '-'} ms × ${ri.hcThreshold ?? '-'}`,
        });
      }
      const routes = [...plan.loadBalancingRoutes, ...plan.connections.map((c) => c.vbrRoute), ...plan.connections.flatMap((c) => (c.bgp ? [c.bgp.sourceRoute] : []))];
      for (const r of routes) {
        const reached = await routeReached(cl, routeSpec(r), 'present');
        const hops = r.nextHops.map((h) => `${h.nextHopId}${r.nextHops.length > 1 ? `*${h.weight ?? '-'}` : ''}`).join(',');
        checks.push({ check: `${r.destinationCidrBlock} → ${hops} Available in ${r.routeTableId}`, ok: reached.ready, seen: reached.status });
      }
      for (const c of plan.connections) {
        if (!c.bgp) continue;
        const n = await bgpNetworkReached(cl, { vbrId: c.vbrId, dstCidrBlock: c.bgp.network.dstCidrBlock }, 'present');
        checks.push({ check: `${c.vbrId} advertises ${c.bgp.network.dstCidrBlock}`, ok: n.ready, seen: n.status });
      }
      checks.push(...(await hopsEnabled(cl, plan)).checks);
      const flows: JsonObject[] = [];
      if (plan.failover) {
        const results = await cl.prober.probe(plan.failover.targetIps.map((t) => ({ name: `${plan.failover?.sourceInstanceId} → ${t}`, source: plan.failover?.sourceInstanceId ?? '', destinationIp: t })));
        for (const r of results) {
          flows.push({ source: r.flow.source, destinationIp: r.flow.destinationIp, reachable: r.reachable, ...probeTrace(r) });
        }
      }
      return verdict(checks, flows, 'verification');
    },

    startFailoverTest: async (input, cloud) => {
      const plan = planOf(input);
      const f = plan.failover;
      if (!f) throw new Error('no failover test planned');
      const tester = testerOf(input, cloud);
      const handle = await tester.start(
        {
          testId: input.executionId,
          sourceInstanceId: f.sourceInstanceId,
          targetIps: f.targetIps,
          flows: f.flows,
          sampleIntervalMs: f.sampleIntervalMs,
          windowMs: f.windowMs,
          lines: plan.connections.map((c) => c.physicalConnectionId),
          lineSwitch: f.lineSwitch ?? 'operator',
          vbrByLine: Object.fromEntries(plan.connections.map((c) => [c.physicalConnectionId, c.vbrId])),
        },
        { now: input.now, clientToken: input.idempotencyKey },
      );
      return { tester: tester.kind, switchesLines: tester.switchesLines, handle };
    },
    failLine: async (input, cloud) => {
      const f = planOf(input).failover;
      if (!f) throw new Error('no failover test planned');
      const handle = handleOf(input);
      const down = await testerOf(input, cloud).failLine(handle, f.physicalConnectionId, { now: input.now });
      // A retry may follow an attempt that took the line down and died before its result was kept:
      // the line then went down at some time since the test started, so measure from there.
      return input.attempt > 1 ? { ...down, at: Math.min(down.at, handle.startedAt) } : down;
    },
    awaitFailover: async (input, cloud) => {
      const f = planOf(input).failover;
      const failedAt = ctxOf(input).failover.failedAt;
      if (!f || failedAt === null) throw new Error(`${input.step}: the line was not taken down`);
      const tester = testerOf(input, cloud);
      const obs = await tester.observe(handleOf(input), { since: failedAt }, { now: input.now });
      const affected = obs.flows.filter((fl) => fl.lost > 0);
      // Recovered: every flow's newest samples get through, the newest loss at least two samples ago.
      const settled = obs.flows.every((fl) => fl.lastOk && (fl.lastLossAt === null || (fl.lastSampleAt ?? 0) - fl.lastLossAt >= 2 * obs.sampleIntervalMs));
      const waitedOut = obs.at >= failedAt + f.goalMs + 3 * obs.sampleIntervalMs;
      const ready = settled && (affected.length > 0 || (tester.switchesLines && waitedOut));
      return { ready, at: obs.at, affectedFlows: affected.length, flows: obs.flows.length, longestLossRunMs: Math.max(0, ...obs.flows.map((fl) => fl.longestLossRunMs)) };
    },
    restoreLine: async (input, cloud) => {
      const f = planOf(input).failover;
      if (!f) throw new Error('no failover test planned');
      const up = await testerOf(input, cloud).restoreLine(handleOf(input), f.physicalConnectionId, { now: input.now });
      // Likewise the line may have come back before this retry: the failover had been observed
      // complete by then, so the judged window ends there and leaves out what the restore did.
      const recoveredAt = ctxOf(input).failover.recovery?.at;
      return input.attempt > 1 && typeof recoveredAt === 'number' ? { ...up, at: Math.min(up.at, recoveredAt) } : up;
    },
    awaitTrafficSpread: async (input, cloud): Promise<JsonObject> => {
      const plan = planOf(input);
      const f = plan.failover;
      const restoredAt = ctxOf(input).failover.restoredAt;
      if (!f || restoredAt === null) throw new Error(`${input.step}: the line was not brought back`);
      const cl = cloudOf(input, cloud);
      const enabled = await hopsEnabled(cl, plan);
      if (!enabled.ok) return { ready: false, hopsEnabled: false };
      const tester = testerOf(input, cloud);
      const obs = await tester.observe(handleOf(input), { since: Math.max(restoredAt, input.now - 3 * f.sampleIntervalMs) }, { now: input.now });
      const used = linesUsed(obs);
      const active = Math.max(...plan.connections.map((c) => c.weight));
      const expected = plan.connections.filter((c) => plan.mode === 'ecmp' || c.weight === active).map((c) => c.physicalConnectionId);
      const tellsLines = obs.flows.some((fl) => fl.lines.length > 0);
      const spreadOk = !tellsLines || (expected.every((l) => used.has(l)) && [...used].every((l) => expected.includes(l)));
      const allOk = obs.flows.every((fl) => fl.lastOk);
      if (!allOk || !spreadOk) return { ready: false, hopsEnabled: true, linesUsed: [...used].sort(), expectedLines: expected, linesKnown: tellsLines, at: obs.at };
      // The evidence the judgement needs, taken now: judging stops the test traffic (which drops
      // the samples), so a judgement redone after a crash must not have to observe again.
      const failedAt = ctxOf(input).failover.failedAt ?? restoredAt;
      const during = await tester.observe(handleOf(input), { since: failedAt, until: restoredAt }, { now: input.now });
      return { ready: true, hopsEnabled: true, linesUsed: [...used].sort(), expectedLines: expected, linesKnown: tellsLines, at: obs.at, during };
    },
    judgeFailover: async (input, cloud) => {
      const plan = planOf(input);
      const f = plan.failover;
      const st = ctxOf(input).failover;
      if (!f || st.failedAt === null || st.restoredAt === null) throw new Error(`${input.step}: the failover test did not run through`);
      const tester = testerOf(input, cloud);
      const handle = handleOf(input);
      const seen = st.spread?.during as FailoverObservation | undefined;
      const during = seen ?? (await tester.observe(handle, { since: st.failedAt, until: st.restoredAt }, { now: input.now }));
      await tester.stop(handle);
      const affected = during.flows.filter((fl) => fl.lost > 0);
      const failoverMs = Math.max(0, ...during.flows.map((fl) => fl.longestLossRunMs));
      const lastLoss = Math.max(st.failedAt, ...during.flows.map((fl) => fl.lastLossAt ?? st.failedAt ?? 0));
      const problems: string[] = [];
      if (affected.length === 0) problems.push(`no flow crossed ${f.physicalConnectionId}: the failover was not exercised`);
      if (failoverMs > f.goalMs) problems.push(`flows were black for ${failoverMs} ms, more than interval × threshold = ${f.goalMs} ms`);
      if (!during.flows.every((fl) => fl.lastOk)) problems.push('not every flow recovered before the line came back');
      const spread = st.spread ?? {};
      return {
        ok: problems.length === 0,
        ...(problems.length > 0 ? { reason: `failover test: ${problems.join('; ')}` } : {}),
        tester: tester.kind,
        physicalConnectionId: f.physicalConnectionId,
        vbrId: f.vbrId,
        goalMs: f.goalMs,
        failoverMs,
        // Upper bound on when traffic flowed again: one sample after the newest loss.
        recoveredWithinMs: affected.length > 0 ? lastLoss + during.sampleIntervalMs - st.failedAt : 0,
        sampleIntervalMs: during.sampleIntervalMs,
        flows: during.flows.length,
        affectedFlows: affected.length,
        lostSamples: affected.reduce((a, fl) => a + fl.lost, 0),
        spreadAfterRestore: { linesUsed: spread.linesUsed ?? null, expectedLines: spread.expectedLines ?? null, linesKnown: spread.linesKnown ?? null },
        perFlow: during.flows as unknown as Json,
      };
    },

    ...createCompensationEffects<RedundancyCompensation, CloudClients>({
      apply: async (cloud, c, { clientToken, now }) => {
        if (isSharedCompensation(c)) return applySharedCompensation(cloud, c, clientToken);
        const tester = failoverTesterFor(regionView(cloud, c.regionId));
        if (c.kind === 'restorePhysicalConnection') return { ...(await tester.restoreLine(c.handle as FailoverHandle, c.physicalConnectionId, { now })) };
        await tester.stop(c.handle as FailoverHandle);
        return { changed: true, requestIds: [] };
      },
      reached: async (cloud, c) => {
        if (isSharedCompensation(c)) return sharedCompensationReached(cloud, c);
        // A line brought back by RecoverVirtualBorderRouter carries traffic once its VBR is active.
        if (c.kind === 'restorePhysicalConnection') return failoverTesterFor(regionView(cloud, c.regionId)).lineRestored(c.handle as FailoverHandle, c.physicalConnectionId);
        return { ready: true, status: 'done' };
      },
      describe: (c) =>
        isSharedCompensation(c) ? describeSharedCompensation(c) : c.kind === 'restorePhysicalConnection' ? `bring physical connection ${c.physicalConnectionId} back up` : 'stop the failover test traffic',
    }),
  };
  return effects;
}
