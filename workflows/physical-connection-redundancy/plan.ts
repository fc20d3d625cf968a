/**
 * The plan of `physical-connection-redundancy` (seed chapter 6): what the cloud holds now, and
 * what the procedure will set: the health check of each VBR-to-VPC peering connection, the
 * load-balancing (or active/standby) route to the data center over the VPC's router interfaces,
 * the per-VBR routes, for BGP the /32 route to each health-check source and its advertisement,
 * the static routes the data-center device needs, and the failover test. Everything that is
 * already right is marked `existing` and left alone (a second run changes nothing).
 */
import type { CloudClients, RouteEntry } from '../../src/cloud/index.ts';
import { ConflictError, ValidationError } from '../../src/errors.ts';
import { containsCidr, containsIp, parseCidr, parseIpv4, range } from '../../src/net/index.ts';
import type { StaticRoute } from '../shared/dc-routes.ts';
import { nextHopKey, routerInterfaceHealthCheckMatches, type NextHopFact } from '../shared/ops.ts';
import { interconnectSubnet, readRouterInterfacePair, readVbr, readVpc, readVpcRouteTable, vbrUsable } from '../shared/read.ts';
import { DEFAULT_WEIGHT, type RedundancyMode, type RedundancyParams, type RoutingMode } from './params.ts';

/** A route the procedure ensures, and whether it was already there. */
export interface PlannedRoute {
  routeTableId: string;
  destinationCidrBlock: string;
  nextHops: NextHopFact[];
  existing: boolean;
}

/** Health check settings of a router interface (no target = none). */
export interface HealthCheckSettings {
  healthCheckSourceIp: string | null;
  healthCheckTargetIp: string | null;
  hcRate: number | null;
  hcThreshold: number | null;
}

/** One protected VBR-to-VPC peering connection. */
export interface ConnectionPlan {
  vbrId: string;
  physicalConnectionId: string;
  vbrRouteTableId: string;
  /** The VBR's end: carries the health check; next hop of VBR routes toward the VPC. */
  vbrRouterInterfaceId: string;
  /** The VPC's end: next hop of VPC routes toward this VBR. */
  vpcRouterInterfaceId: string;
  /** Alibaba-side IP (next hop on the data-center device). */
  localGatewayIp: string;
  weight: number;
  healthCheck: HealthCheckSettings & { existing: boolean; previous: HealthCheckSettings };
  /** Seed 6-2.4/2.5: route in the VPC table toward this VBR (its interconnect subnet). */
  vbrRoute: PlannedRoute;
  /** BGP only: the /32 route to the health-check source on the VBR, and its advertisement. */
  bgp: { sourceRoute: PlannedRoute; network: { dstCidrBlock: string; existing: boolean } } | null;
}

/** The failover test as planned. */
export interface FailoverPlan {
  sourceInstanceId: string;
  targetIps: string[];
  /** The line taken down. */
  physicalConnectionId: string;
  vbrId: string;
  flows: number;
  sampleIntervalMs: number;
  /** Longest a failover may take: health-check interval × threshold. */
  goalMs: number;
  /** Wait deadlines of the failover and of the spread after restoring. */
  failoverWaitMs: number;
  spreadWaitMs: number;
  /** How long the traffic may have to run. */
  windowMs: number;
}

/** The plan. */
export interface RedundancyPlan {
  regionId: string;
  vpcId: string;
  vpcCidrBlock: string;
  routeTableId: string;
  mode: RedundancyMode;
  routing: RoutingMode;
  hcRate: number;
  hcThreshold: number;
  connections: ConnectionPlan[];
  /** Seed 6-2.3: one load-balancing route per data-center CIDR block. */
  loadBalancingRoutes: PlannedRoute[];
  /** Seed 6-3: what the data-center device needs (static routing), or is told by BGP. */
  dataCenterRoutes: StaticRoute[];
  failover: FailoverPlan | null;
  /** Writes the procedure will make. */
  changes: number;
}

/** Sample interval of the failover test, ms. */
export const FAILOVER_SAMPLE_INTERVAL_MS = 1000;

const settingsOf = (ri: { healthCheckSourceIp?: string; healthCheckTargetIp?: string; hcRate?: number; hcThreshold?: number }): HealthCheckSettings => ({
  healthCheckSourceIp: ri.healthCheckSourceIp ?? null,
  healthCheckTargetIp: ri.healthCheckTargetIp ?? null,
  hcRate: ri.hcRate ?? null,
  hcThreshold: ri.hcThreshold ?? null,
});

/** Finds `spec` in `entries`: existing when the hops match; ConflictError when the destination routes elsewhere. */
function planRoute(entries: RouteEntry[], spec: Omit<PlannedRoute, 'existing'>, field: string): PlannedRoute {
  const own = entries.filter((e) => e.destinationCidrBlock === spec.destinationCidrBlock && e.type !== 'CEN' && e.type !== 'System');
  const want = nextHopKey(spec.nextHops);
  const match = own.find((e) => nextHopKey(e.nextHops) === want);
  const other = own.find((e) => nextHopKey(e.nextHops) !== want);
  if (!match && other) {
    throw new ConflictError(
      `${spec.routeTableId} already routes ${spec.destinationCidrBlock} toward ${nextHopKey(other.nextHops)}; the procedure would set ${want}. Remove or change that route first (replacing it would interrupt traffic).`,
      { code: 'RouteOccupied', field },
    );
  }
  return { ...spec, existing: match !== undefined };
}

/** Whether `ip` is one of the addresses Alibaba reserves in a vSwitch: the first and the last three. */
function reservedInVSwitch(ip: number, cidrBlock: string): boolean {
  const { first, last } = range(parseCidr(cidrBlock));
  return ip === first || ip >= last - 2;
}

/**
 * Reads the cloud and plans. @throws ValidationError / NotFoundError / ConflictError with the
 * field named: unusable VBRs, a health-check source that is not a free vSwitch address, a route
 * that already goes elsewhere, a failover test that cannot run
 */
export async function planRedundancy(cloud: CloudClients, params: RedundancyParams, proberKind: string): Promise<RedundancyPlan> {
  const vpc = await readVpc(cloud, params.vpcId);
  const table = await readVpcRouteTable(cloud, vpc, params.routeTableId);
  const entries = await cloud.vpc.describeRouteEntryList({ routeTableId: table.routeTableId });
  const vSwitches = await cloud.vpc.describeVSwitches({ vpcId: vpc.vpcId });
  const instances = await cloud.ecs.describeInstances({ vpcId: vpc.vpcId });
  const usedIps = new Map<string, string>();
  for (const i of instances) for (const ip of i.privateIpAddresses) usedIps.set(ip, i.instanceId);
  const allInterfaces = await cloud.vpc.describeRouterInterfaces();
  const hcRate = params.healthCheck.intervalSeconds * 1000;
  const hcThreshold = params.healthCheck.threshold;

  const connections: ConnectionPlan[] = [];
  for (const [i, c] of params.connections.entries()) {
    const field = `connections[${i}]`;
    const vbr = await readVbr(cloud, c.vbrId, `${field}.vbrId`);
    const usable = vbrUsable(vbr);
    if (!usable.ok) throw new ValidationError(usable.reason ?? `${vbr.vbrId} is not usable`, { code: 'VbrNotUsable', field: `${field}.vbrId` });
    if (!vbr.physicalConnectionId) throw new ValidationError(`${vbr.vbrId} reports no physical connection`, { code: 'VbrNotUsable', field: `${field}.vbrId` });
    const pair = await readRouterInterfacePair(cloud, vbr.vbrId, vpc, `${field}.vbrId`);
    for (const ri of [pair.vbrSide, pair.vpcSide]) {
      if (ri.status !== 'Active') throw new ValidationError(`router interface ${ri.routerInterfaceId} is ${ri.status}, not Active`, { code: 'RouterInterfaceNotActive', field: `${field}.vbrId` });
    }

    // Seed 6-1: "Any idle private IP address in the connected VPC" / "Enter an unused VSwitch IP address".
    const src = parseIpv4(c.healthCheckSourceIp, `${field}.healthCheckSourceIp`);
    const vsw = vSwitches.find((s) => containsIp(parseCidr(s.cidrBlock), src));
    if (!vsw) {
      throw new ValidationError(`health-check source ${c.healthCheckSourceIp} is not in any vSwitch of ${vpc.vpcId} (${vSwitches.map((s) => s.cidrBlock).join(', ')})`, {
        code: 'InvalidHealthCheckSource',
        field: `${field}.healthCheckSourceIp`,
      });
    }
    if (reservedInVSwitch(src, vsw.cidrBlock)) {
      throw new ValidationError(`health-check source ${c.healthCheckSourceIp} is reserved in vSwitch ${vsw.vSwitchId} (${vsw.cidrBlock}: the first and last three addresses)`, {
        code: 'InvalidHealthCheckSource',
        field: `${field}.healthCheckSourceIp`,
      });
    }
    const holder = usedIps.get(c.healthCheckSourceIp);
    if (holder) {
      throw new ValidationError(`health-check source ${c.healthCheckSourceIp} is in use by ${holder}; it must be an unused address`, { code: 'InvalidHealthCheckSource', field: `${field}.healthCheckSourceIp` });
    }
    const other = allInterfaces.find(
      (ri) => ri.healthCheckSourceIp === c.healthCheckSourceIp && ri.routerInterfaceId !== pair.vbrSide.routerInterfaceId && ri.routerInterfaceId !== pair.vpcSide.routerInterfaceId,
    );
    if (other) {
      throw new ValidationError(`health-check source ${c.healthCheckSourceIp} is already the source of the health check of ${other.routerInterfaceId}`, {
        code: 'InvalidHealthCheckSource',
        field: `${field}.healthCheckSourceIp`,
      });
    }
    const target = c.healthCheckTargetIp ?? vbr.peerGatewayIp;
    if (!target) throw new ValidationError(`${vbr.vbrId} reports no peer gateway IP: give healthCheckTargetIp`, { code: 'MissingHealthCheckTarget', field: `${field}.healthCheckTargetIp` });
    if (!vbr.localGatewayIp) throw new ValidationError(`${vbr.vbrId} reports no local gateway IP`, { code: 'VbrNotUsable', field: `${field}.vbrId` });

    const desired: HealthCheckSettings = { healthCheckSourceIp: c.healthCheckSourceIp, healthCheckTargetIp: target, hcRate, hcThreshold };
    const routeCidr = c.routeCidrBlock ?? interconnectSubnet(vbr);
    if (!routeCidr) throw new ValidationError(`${vbr.vbrId} reports no interconnect subnet: give routeCidrBlock`, { code: 'MissingRouteCidrBlock', field: `${field}.routeCidrBlock` });
    const weight = c.weight ?? (params.mode === 'ecmp' ? DEFAULT_WEIGHT : i === 0 ? DEFAULT_WEIGHT : 0);

    let bgp: ConnectionPlan['bgp'] = null;
    if (params.routing === 'bgp') {
      const vbrEntries = await cloud.vpc.describeRouteEntryList({ routeTableId: vbr.routeTableId });
      const dst = `${c.healthCheckSourceIp}/32`;
      const networks = await cloud.vpc.describeBgpNetworks({ routerId: vbr.vbrId });
      bgp = {
        sourceRoute: planRoute(
          vbrEntries,
          { routeTableId: vbr.routeTableId, destinationCidrBlock: dst, nextHops: [{ nextHopType: 'RouterInterface', nextHopId: pair.vbrSide.routerInterfaceId }] },
          `${field}.healthCheckSourceIp`,
        ),
        network: { dstCidrBlock: dst, existing: networks.some((n) => n.dstCidrBlock === dst) },
      };
    }

    connections.push({
      vbrId: vbr.vbrId,
      physicalConnectionId: vbr.physicalConnectionId,
      vbrRouteTableId: vbr.routeTableId,
      vbrRouterInterfaceId: pair.vbrSide.routerInterfaceId,
      vpcRouterInterfaceId: pair.vpcSide.routerInterfaceId,
      localGatewayIp: vbr.localGatewayIp,
      weight,
      healthCheck: {
        ...desired,
        existing: routerInterfaceHealthCheckMatches(pair.vbrSide, { routerInterfaceId: pair.vbrSide.routerInterfaceId, healthCheckSourceIp: c.healthCheckSourceIp, healthCheckTargetIp: target, hcRate, hcThreshold }),
        previous: settingsOf(pair.vbrSide),
      },
      vbrRoute: planRoute(
        entries,
        { routeTableId: table.routeTableId, destinationCidrBlock: routeCidr, nextHops: [{ nextHopType: 'RouterInterface', nextHopId: pair.vpcSide.routerInterfaceId }] },
        `${field}.routeCidrBlock`,
      ),
      bgp,
    });
  }

  const hops: NextHopFact[] = connections.map((c) => ({ nextHopType: 'RouterInterface', nextHopId: c.vpcRouterInterfaceId, weight: c.weight }));
  if (params.mode === 'active-standby' && !hops.some((h) => (h.weight ?? 0) > 0)) {
    throw new ValidationError('active/standby needs one connection with a weight above 0', { code: 'NoActiveConnection', field: 'connections' });
  }
  const vpcCidr = parseCidr(vpc.cidrBlock);
  const loadBalancingRoutes = params.dataCenterCidrBlocks.map((cidr, i) => {
    if (containsCidr(vpcCidr, parseCidr(cidr)) || containsCidr(parseCidr(cidr), vpcCidr)) {
      throw new ValidationError(`data-center block ${cidr} overlaps the VPC ${vpc.cidrBlock}`, { code: 'InvalidParameter', field: `dataCenterCidrBlocks[${i}]` });
    }
    return planRoute(entries, { routeTableId: table.routeTableId, destinationCidrBlock: cidr, nextHops: hops }, `dataCenterCidrBlocks[${i}]`);
  });

  // Seed 6-3: on the data-center device, a /32 route to each health-check source through its
  // VBR (static routing only; with BGP the VBRs advertise them). The VPC block over every line is
  // the prerequisite the seed assumes, listed so the device's configuration can be checked whole.
  const active = Math.max(...connections.map((c) => c.weight));
  const dataCenterRoutes: StaticRoute[] = [
    ...(params.routing === 'static'
      ? connections.map((c, i) => ({ destinationCidrBlock: `${c.healthCheck.healthCheckSourceIp}/32`, nextHopIp: c.localGatewayIp, name: `alibaba-hc-${i + 1}` }))
      : []),
    ...connections.map((c, i) => ({
      destinationCidrBlock: vpc.cidrBlock,
      nextHopIp: c.localGatewayIp,
      name: `alibaba-vpc-line-${i + 1}`,
      ...(params.mode === 'active-standby' && c.weight < active ? { preference: 200 } : {}),
    })),
  ];

  let failover: FailoverPlan | null = null;
  const ft = params.failoverTest;
  if (ft?.enabled) {
    const [source] = await cloud.ecs.describeInstances({ instanceIds: [ft.sourceInstanceId] });
    if (!source || (source.vpcId !== undefined && source.vpcId !== vpc.vpcId)) {
      throw new ValidationError(`${ft.sourceInstanceId} is not an ECS instance of ${vpc.vpcId}`, { code: 'InvalidFailoverSource', field: 'failoverTest.sourceInstanceId' });
    }
    ft.targetIps.forEach((t, i) => {
      if (!params.dataCenterCidrBlocks.some((c) => containsIp(parseCidr(c), parseIpv4(t)))) {
        throw new ValidationError(`failover target ${t} is not in the data-center blocks, so its traffic would not use the load-balancing route`, { code: 'InvalidParameter', field: `failoverTest.targetIps[${i}]` });
      }
    });
    const activeConn = connections.find((c) => c.weight === active) ?? connections[0];
    const failed = ft.physicalConnectionId ? connections.find((c) => c.physicalConnectionId === ft.physicalConnectionId) : activeConn;
    if (!failed) {
      throw new ValidationError(`${ft.physicalConnectionId} is not the physical connection of any of the connections`, { code: 'InvalidParameter', field: 'failoverTest.physicalConnectionId' });
    }
    const goalMs = hcRate * hcThreshold;
    const operator = proberKind !== 'emulator';
    const machineWaitMs = 3 * goalMs + 30_000;
    const windowMs = operator ? ft.operatorWindowSeconds * 1000 : 2 * machineWaitMs;
    failover = {
      sourceInstanceId: ft.sourceInstanceId,
      targetIps: ft.targetIps,
      physicalConnectionId: failed.physicalConnectionId,
      vbrId: failed.vbrId,
      flows: operator ? ft.targetIps.length : ft.flows,
      sampleIntervalMs: FAILOVER_SAMPLE_INTERVAL_MS,
      goalMs,
      failoverWaitMs: operator ? windowMs : machineWaitMs,
      spreadWaitMs: operator ? windowMs : machineWaitMs,
      windowMs,
    };
  }

  const changes =
    connections.filter((c) => !c.healthCheck.existing).length +
    loadBalancingRoutes.filter((r) => !r.existing).length +
    connections.filter((c) => !c.vbrRoute.existing).length +
    connections.filter((c) => c.bgp && !c.bgp.sourceRoute.existing).length +
    connections.filter((c) => c.bgp && !c.bgp.network.existing).length;

  return {
    regionId: params.regionId,
    vpcId: vpc.vpcId,
    vpcCidrBlock: vpc.cidrBlock,
    routeTableId: table.routeTableId,
    mode: params.mode,
    routing: params.routing,
    hcRate,
    hcThreshold,
    connections,
    loadBalancingRoutes,
    dataCenterRoutes,
    failover,
    changes,
  };
}
