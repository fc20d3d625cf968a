/**
 * Effects of `cloud-service-access` (seed chapter 1), one per `meta.step.effect` of the machine.
 * Each reads the cloud first and changes only what is missing (ClientToken = the engine's
 * idempotency key), or checks once (`await…` → `{ ready }`), or verifies without changing
 * anything (`verify…` → `{ ok, checks, flows }`). None sleeps: the engine polls.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import { isCloudApiError, isCloudErrorClass, regionView } from '../../src/cloud/index.ts';
import type { Effect, EffectInput, Json, JsonObject } from '../../src/engine/types.ts';
import { ConflictError, ValidationError } from '../../src/errors.ts';
import { parseSinglePingOutput, pingLoss, readPing, startPing } from '../shared/assistant.ts';
import { applySharedCompensation, describeSharedCompensation, sharedCompensationReached, type SharedCompensation } from '../shared/compensation.ts';
import { contextReaders } from '../shared/context.ts';
import { renderStaticRouteSnippets } from '../shared/dc-routes.ts';
import { ensureRoute, findRoute, nextHopKey, routeReached, type RouteSpec } from '../shared/ops.ts';
import { readRouterInterfacePair, readVbr, readVpc, vbrUsable } from '../shared/read.ts';
import { createCompensationEffects } from '../shared/saga.ts';
import { checkProblems, probeTrace, type Check } from '../shared/verify.ts';
import type { CloudAccessContext, CloudAccessPlan } from './machine.ts';
import { CLOUD_SERVICE_CIDR, parseCloudAccessParams, type CloudAccessParams } from './params.ts';

type Input = EffectInput<JsonObject, JsonObject>;

const { ctxOf, planOf } = contextReaders<CloudAccessContext>();

function routeSpec(plan: CloudAccessPlan, destinationCidrBlock: string, params?: CloudAccessParams): RouteSpec {
  return {
    routeTableId: plan.vbrRouteTableId,
    destinationCidrBlock,
    nextHops: [{ nextHopType: 'RouterInterface', nextHopId: plan.vbrRouterInterfaceId }],
    ...(params?.routeEntryName ? { routeEntryName: params.routeEntryName } : {}),
    description: `xcflow cloud-service-access: ${CLOUD_SERVICE_CIDR} toward ${plan.vpcId}`,
  };
}

/**
 * Reads the VBR, its route table and its router interface toward the VPC, and which of the routes
 * exist already (seed 1-3).
 * @throws NotFoundError for a missing VBR/VPC/peering; ValidationError when the VBR or its
 * circuit cannot carry routes; ConflictError `RouteOccupied` when a destination routes elsewhere
 */
export async function planServiceRoutes(cloud: CloudClients, params: CloudAccessParams): Promise<CloudAccessPlan> {
  const cl = regionView(cloud, params.regionId);
  const vbr = await readVbr(cl, params.vbrId);
  const usable = vbrUsable(vbr);
  if (!usable.ok) throw new ValidationError(`${usable.reason}; routes cannot be added to it`, { code: 'VbrNotUsable', field: 'vbrId' });
  const vpc = await readVpc(cl, params.vpcId);
  const pair = await readRouterInterfacePair(cl, vbr.vbrId, vpc);
  if (pair.vbrSide.status !== 'Active') {
    throw new ValidationError(`router interface ${pair.vbrSide.routerInterfaceId} of ${vbr.vbrId} is ${pair.vbrSide.status}, not Active`, { code: 'RouterInterfaceNotActive', field: 'vbrId' });
  }
  const partial = { vbrRouteTableId: vbr.routeTableId, vbrRouterInterfaceId: pair.vbrSide.routerInterfaceId, vpcId: vpc.vpcId } as CloudAccessPlan;
  const routes = [];
  for (const [i, cidr] of params.destinationCidrBlocks.entries()) {
    const { match, others } = await findRoute(cl, routeSpec(partial, cidr));
    if (!match && others.length > 0) {
      throw new ConflictError(`${vbr.routeTableId} already routes ${cidr} toward ${nextHopKey(others[0]?.nextHops ?? [])}, not toward the VPC's router interface ${pair.vbrSide.routerInterfaceId}`, {
        code: 'RouteOccupied',
        field: `destinationCidrBlocks[${i}]`,
      });
    }
    routes.push({ destinationCidrBlock: cidr, existing: match !== undefined });
  }
  return {
    regionId: params.regionId,
    vbrId: vbr.vbrId,
    vpcId: vpc.vpcId,
    vbrRouteTableId: vbr.routeTableId,
    vbrRouterInterfaceId: pair.vbrSide.routerInterfaceId,
    vpcRouterInterfaceId: pair.vpcSide.routerInterfaceId,
    localGatewayIp: vbr.localGatewayIp ?? null,
    routes,
    changes: routes.filter((r) => !r.existing).length,
  };
}

/**
 * The procedure's `validate`: the plan's checks, then a DryRun CreateRouteEntry of every route
 * still to add, so that the API's own refusal (e.g. `InvalidCidrBlock` for 100.64.0.0/10 itself)
 * is reported before anything changes.
 * @throws ValidationError (code = the API's Code when the API refuses), NotFoundError, ConflictError
 */
export async function validateCloudAccess(raw: JsonObject, cloud: CloudClients): Promise<void> {
  const params = parseCloudAccessParams(raw);
  const plan = await planServiceRoutes(cloud, params);
  const cl = regionView(cloud, params.regionId);
  for (const [i, r] of plan.routes.entries()) {
    if (r.existing) continue;
    try {
      await cl.vpc.createRouteEntry({
        routeTableId: plan.vbrRouteTableId,
        destinationCidrBlock: r.destinationCidrBlock,
        nextHopType: 'RouterInterface',
        nextHopId: plan.vbrRouterInterfaceId,
        dryRun: true,
      });
    } catch (err) {
      if (isCloudErrorClass(err, 'throttled', 'conflict', 'network')) throw err;
      if (!isCloudApiError(err)) throw err;
      const hint = r.destinationCidrBlock === CLOUD_SERVICE_CIDR ? ' The seed (chapter 1) splits it into 100.64.0.0/11 and 100.96.0.0/11.' : '';
      throw new ValidationError(`CreateRouteEntry refuses ${r.destinationCidrBlock} in ${plan.vbrRouteTableId}: ${err.code}: ${err.message}.${hint}`, {
        code: err.code,
        field: `destinationCidrBlocks[${i}]`,
        ...(err.requestId ? { requestId: err.requestId } : {}),
        cause: err,
      });
    }
  }
}

const isInstanceId = (s: string): boolean => /^(i|mi)-[a-z0-9]+$/i.test(s);

/** Probes from the data center through the emulator's data plane, or starts a Cloud Assistant ping in the cloud. */
async function probeServiceAccess(cloud: CloudClients, plan: CloudAccessPlan, params: CloudAccessParams, token: string): Promise<JsonObject> {
  const { source, targetIp } = params.verification;
  if (cloud.prober.kind !== 'emulator' && isInstanceId(source)) {
    // One plain ping (no pipe, no background job): what any Cloud Assistant shell runs.
    const started = await startPing(cloud.ecs, source, targetIp, { count: 5, intervalSeconds: 1, field: 'verification.targetIp' }, token);
    return { pending: true, invokeId: started.invokeId, instanceId: source, targetIp, requestIds: [started.requestId] };
  }
  const [result] = await cloud.prober.probe([{ name: 'data center → cloud service', source, destinationIp: targetIp }]);
  if (!result) throw new Error('the prober returned no result');
  // Hops are labelled `<node>:<id>` (or plain ids); either way the VBR's id must be among them.
  const throughVbr = result.hops === undefined ? null : result.hops.some((h) => h === plan.vbrId || h.endsWith(`:${plan.vbrId}`));
  return {
    pending: false,
    flow: {
      source,
      destinationIp: targetIp,
      reachable: result.reachable,
      throughVbr,
      ...probeTrace(result),
    },
  };
}

function verdict(checks: Check[], flow: JsonObject | null): JsonObject {
  const problems = checkProblems(checks);
  if (flow) {
    if (flow.reachable !== true) problems.push(`${String(flow.destinationIp)} is not reachable from ${String(flow.source)}${flow.reason ? `: ${String(flow.reason)}` : ''}`);
    else if (flow.throughVbr === false) problems.push(`${String(flow.destinationIp)} is reached from ${String(flow.source)}, but not through the VBR`);
  }
  return { ok: problems.length === 0, ...(problems.length > 0 ? { reason: `verification: ${problems.join('; ')}` } : {}), checks, ...(flow ? { flow } : {}) };
}

/** Effects by the name `meta.step.effect` uses. */
export function createCloudAccessEffects(): Record<string, Effect<CloudClients>> {
  const params = (input: Input): CloudAccessParams => parseCloudAccessParams(input.params);
  const cloudOf = (input: Input, cloud: CloudClients): CloudClients => regionView(cloud, String(input.params.regionId));
  const current = (input: Input) => {
    const ctx = ctxOf(input);
    const r = planOf(input).routes[ctx.index];
    if (!r) throw new Error(`${input.step}: no route at index ${ctx.index}`);
    return r;
  };
  const effects: Record<string, (input: Input, cloud: CloudClients) => Promise<Json>> = {
    planServiceRoutes: async (input, cloud) => ({ plan: await planServiceRoutes(cloud, params(input)) }),
    ensureServiceRoute: async (input, cloud) => {
      const plan = planOf(input);
      const r = current(input);
      return { destinationCidrBlock: r.destinationCidrBlock, ...(await ensureRoute(cloudOf(input, cloud), routeSpec(plan, r.destinationCidrBlock, params(input)), input.idempotencyKey)) };
    },
    awaitServiceRoute: async (input, cloud) => ({ destinationCidrBlock: current(input).destinationCidrBlock, ...(await routeReached(cloudOf(input, cloud), routeSpec(planOf(input), current(input).destinationCidrBlock), 'present')) }),
    describeCustomerRoute: async (input) => {
      const plan = planOf(input);
      const nextHopIp = plan.localGatewayIp;
      if (!nextHopIp) {
        return { routes: [], snippets: {}, note: `${plan.vbrId} reports no Alibaba Cloud-side IP: route ${CLOUD_SERVICE_CIDR} toward the VBR's local gateway IP on the customer-side device` };
      }
      const routes = [{ destinationCidrBlock: CLOUD_SERVICE_CIDR, nextHopIp, name: 'alibaba-cloud-services' }];
      return { routes, snippets: renderStaticRouteSnippets(routes), note: `on the customer-side access device of the leased line: ${CLOUD_SERVICE_CIDR} toward the Alibaba Cloud-side IP ${nextHopIp} (seed chapter 1)` };
    },
    verifyServiceAccess: async (input, cloud) => {
      const plan = planOf(input);
      const cl = cloudOf(input, cloud);
      const checks: Check[] = [];
      for (const r of plan.routes) {
        const reached = await routeReached(cl, routeSpec(plan, r.destinationCidrBlock), 'present');
        checks.push({ check: `${r.destinationCidrBlock} → ${plan.vbrRouterInterfaceId} Available in ${plan.vbrRouteTableId}`, ok: reached.ready, seen: reached.status });
      }
      const probe = await probeServiceAccess(cl, plan, params(input), input.idempotencyKey);
      if (probe.pending === true) return { ...probe, checks };
      return { pending: false, ...verdict(checks, probe.flow as JsonObject) };
    },
    awaitAccessProbe: async (input, cloud) => {
      const probe = ctxOf(input).probe ?? {};
      const instanceId = String(probe.instanceId);
      const targetIp = String(probe.targetIp);
      const { done, result } = await readPing(cloudOf(input, cloud).ecs, String(probe.invokeId), instanceId);
      if (!done || !result) return { ready: false, status: result?.invocationStatus ?? 'Pending' } as JsonObject;
      const series = parseSinglePingOutput(targetIp, result.output);
      const loss = pingLoss(series);
      const received = series.summary?.received ?? loss.sent - loss.lost;
      const printed = series.summary !== undefined || loss.sent > 0;
      const flow: JsonObject = {
        source: instanceId,
        destinationIp: targetIp,
        reachable: received > 0,
        throughVbr: null,
        invokeId: String(probe.invokeId),
        invocationStatus: result.invocationStatus,
        ...(series.summary ? { ping: series.summary as unknown as JsonObject } : {}),
        ...(received > 0 ? {} : { reason: printed ? 'no echo reply' : `no ping output (${result.invocationStatus}${result.errorInfo ? `: ${result.errorInfo}` : ''})` }),
      };
      const checks = (Array.isArray(probe.checks) ? probe.checks : []) as Check[];
      return { ready: true, ...verdict(checks, flow) };
    },
    ...createCompensationEffects<SharedCompensation, CloudClients>({
      apply: (cloud, c, { clientToken }) => applySharedCompensation(cloud, c, clientToken),
      reached: (cloud, c) => sharedCompensationReached(cloud, c),
      describe: describeSharedCompensation,
    }),
  };
  return effects;
}
