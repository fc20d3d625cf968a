/**
 * Builds an emulator topology (the documented `TopologyFile`, same ids) from what the cloud's
 * Describe calls show around a migration: the CEN and its children, the subjects and the routers
 * they peer with, their route tables, router interfaces (with health checks), VBRs with BGP, the
 * physical connections, published routes, CEN VBR health checks and the ECS instances the flows
 * start from. The data center behind each physical connection is not visible to any API: it is
 * synthesized from the VBR's routes toward the physical connection, with routes back to every VPC
 * and to the CEN health-check source range (an assumption the plan's twin result rests on).
 * Read-only.
 */
import { regionView, type CloudClients, type RouteEntry, type RouterInterface, type Vpc } from '../cloud/index.ts';
import type { TopologyFile, TopologyRoute } from '../emulator/topology.ts';
import { containsIp, parseCidr, parseIpv4 } from '../net/index.ts';
import type { FlowParam, MigrationParams } from '../../workflows/migration/types.ts';

type Vpcs = NonNullable<TopologyFile['vpcs']>;
type Vbrs = NonNullable<TopologyFile['vbrs']>;

/** Custom routes of a table as topology routes (ECMP kept). */
function customRoutes(entries: RouteEntry[]): TopologyRoute[] {
  return entries
    .filter((e) => e.type === 'Custom')
    .map((e): TopologyRoute => {
      const base = { destinationCidrBlock: e.destinationCidrBlock, ...(e.routeEntryName ? { name: e.routeEntryName } : {}), ...(e.description ? { description: e.description } : {}) };
      if (e.nextHops.length > 1) return { ...base, nextHops: e.nextHops.map((h) => ({ id: h.nextHopId, ...(h.weight !== undefined ? { weight: h.weight } : {}) })) };
      const h = e.nextHops[0];
      return h ? { ...base, nextHop: { type: h.nextHopType, id: h.nextHopId } } : base;
    });
}

/**
 * The topology of the network a migration touches, as the cloud shows it now.
 * @throws CloudApiError from the Describe calls
 */
export async function topologyFromCloud(cloud: CloudClients, params: MigrationParams): Promise<TopologyFile> {
  const cenId = params.cenId;
  const [cen] = await cloud.cbn.describeCens({ cenId });
  const children = cen ? await cloud.cbn.describeCenAttachedChildInstances({ cenId }) : [];

  // Which routers, in which region.
  const vpcRegion = new Map<string, string>();
  const vbrRegion = new Map<string, string>();
  for (const c of children) {
    if (c.childInstanceType === 'VPC') vpcRegion.set(c.childInstanceId, c.childInstanceRegionId);
    if (c.childInstanceType === 'VBR') vbrRegion.set(c.childInstanceId, c.childInstanceRegionId);
  }
  if (params.vbrId) vbrRegion.set(params.vbrId, params.regionId);
  if (params.vpcId) vpcRegion.set(params.vpcId, params.vbrId ? (params.vpcRegionId ?? params.regionId) : params.regionId);

  // Router interfaces of every known router, and the routers at their other ends (one hop).
  const ris = new Map<string, RouterInterface & { regionId: string }>();
  const vRouterToVpc = new Map<string, string>();
  const vpcInfo = new Map<string, Vpc>();
  const loadVpcs = async (): Promise<void> => {
    for (const [vpcId, regionId] of vpcRegion) {
      if (vpcInfo.has(vpcId)) continue;
      const [v] = await regionView(cloud, regionId).vpc.describeVpcs({ vpcId });
      if (!v) continue;
      vpcInfo.set(vpcId, v);
      vRouterToVpc.set(v.vRouterId, vpcId);
    }
  };
  await loadVpcs();
  const routersByRegion = (): Map<string, string[]> => {
    const m = new Map<string, string[]>();
    for (const [vpcId, r] of vpcRegion) {
      const v = vpcInfo.get(vpcId);
      if (v) m.set(r, [...(m.get(r) ?? []), v.vRouterId]);
    }
    for (const [vbrId, r] of vbrRegion) m.set(r, [...(m.get(r) ?? []), vbrId]);
    return m;
  };
  for (let round = 0; round < 2; round++) {
    for (const [regionId, routerIds] of routersByRegion()) {
      const list = await regionView(cloud, regionId).vpc.describeRouterInterfaces({ routerId: routerIds });
      for (const ri of list) {
        ris.set(ri.routerInterfaceId, { ...ri, regionId });
        const oppRegion = ri.oppositeRegionId ?? regionId;
        if (ri.oppositeRouterType === 'VBR' && ri.oppositeRouterId && !vbrRegion.has(ri.oppositeRouterId)) vbrRegion.set(ri.oppositeRouterId, oppRegion);
        if (ri.oppositeRouterType === 'VRouter' && ri.oppositeRouterId && !vRouterToVpc.has(ri.oppositeRouterId)) {
          const all = await regionView(cloud, oppRegion).vpc.describeVpcs({});
          const found = all.find((x) => x.vRouterId === ri.oppositeRouterId);
          if (found) vpcRegion.set(found.vpcId, oppRegion);
        }
      }
    }
    await loadVpcs();
  }

  // VPCs with vSwitches and custom routes.
  const vpcs: Vpcs = [];
  for (const [vpcId, regionId] of vpcRegion) {
    const v = vpcInfo.get(vpcId);
    if (!v) continue;
    const view = regionView(cloud, regionId);
    const switches = await view.vpc.describeVSwitches({ vpcId });
    const tables = await view.vpc.describeRouteTableList({ vpcId });
    const system = tables.find((t) => t.routeTableType === 'System') ?? tables[0];
    const entries = system ? await view.vpc.describeRouteEntryList({ routeTableId: system.routeTableId }) : [];
    vpcs.push({
      id: vpcId,
      regionId,
      cidrBlock: v.cidrBlock,
      ...(v.vpcName ? { name: v.vpcName } : {}),
      vRouterId: v.vRouterId,
      ...(system ? { routeTableId: system.routeTableId } : {}),
      vSwitches: switches.map((s) => ({ id: s.vSwitchId, cidrBlock: s.cidrBlock, ...(s.zoneId ? { zoneId: s.zoneId } : {}), ...(s.vSwitchName ? { name: s.vSwitchName } : {}) })),
      routes: customRoutes(entries),
    });
  }

  // VBRs, their physical connections and a data center behind each.
  const vbrs: Vbrs = [];
  const physicalConnections: NonNullable<TopologyFile['physicalConnections']> = [];
  const dataCenters: NonNullable<TopologyFile['dataCenters']> = [];
  const flowSources = (params.flows ?? []).map((f: FlowParam) => f.source);
  for (const [vbrId, regionId] of vbrRegion) {
    const view = regionView(cloud, regionId);
    const [vbr] = await view.vpc.describeVirtualBorderRouters({ vbrId });
    if (!vbr || !vbr.physicalConnectionId) continue;
    const entries = await view.vpc.describeRouteEntryList({ routeTableId: vbr.routeTableId });
    const peers = await view.vpc.describeBgpPeers({ routerId: vbrId });
    const networks = await view.vpc.describeBgpNetworks({ routerId: vbrId });
    const groups = new Map<string, { id: string; peerAsn: number; peers: { id: string; peerIpAddress: string }[] }>();
    for (const p of peers) {
      const g = groups.get(p.bgpGroupId) ?? { id: p.bgpGroupId, peerAsn: Number(p.peerAsn ?? 65000), peers: [] };
      if (p.peerIpAddress) g.peers.push({ id: p.bgpPeerId, peerIpAddress: p.peerIpAddress });
      groups.set(p.bgpGroupId, g);
    }
    vbrs.push({
      id: vbrId,
      regionId,
      physicalConnectionId: vbr.physicalConnectionId,
      ...(vbr.name ? { name: vbr.name } : {}),
      vlanId: vbr.vlanId ?? 1,
      localGatewayIp: vbr.localGatewayIp ?? '',
      peerGatewayIp: vbr.peerGatewayIp ?? '',
      peeringSubnetMask: vbr.peeringSubnetMask ?? '255.255.255.252',
      routeTableId: vbr.routeTableId,
      routes: customRoutes(entries),
      bgpGroups: [...groups.values()],
      bgpNetworks: networks.map((n) => ({ dstCidrBlock: n.dstCidrBlock, ...(n.vpcId ? { vpcId: n.vpcId } : {}) })),
    });
    if (physicalConnections.some((p) => p.id === vbr.physicalConnectionId)) continue;
    const [pc] = await view.vpc.describePhysicalConnections({ physicalConnectionId: vbr.physicalConnectionId });
    const dcId = `idc-${vbr.physicalConnectionId}`;
    const cidrBlocks = entries.filter((e) => e.type === 'Custom' && e.nextHops.some((h) => h.nextHopType === 'PhysicalConnection')).map((e) => e.destinationCidrBlock);
    const devices = flowSources.filter((s) => {
      try {
        const ip = parseIpv4(s);
        return cidrBlocks.some((c) => containsIp(parseCidr(c), ip));
      } catch {
        return false;
      }
    });
    dataCenters.push({
      id: dcId,
      cidrBlocks,
      devices: devices.map((ip) => ({ ip })),
      // The data center's own routes are invisible to the APIs. Assume it routes back everything
      // the migration relies on: the VPCs, and the CEN health-check source range (100.96.0.0/16,
      // or the configured source) that the seed's health-check configuration requires.
      routes: [
        ...vpcs.map((v) => ({ destinationCidrBlock: v.cidrBlock, nextHopIps: [vbr.localGatewayIp ?? ''] })),
        { destinationCidrBlock: params.cenHealthCheck?.sourceIp ? `${params.cenHealthCheck.sourceIp}/32` : '100.96.0.0/16', nextHopIps: [vbr.localGatewayIp ?? ''] },
      ],
    });
    physicalConnections.push({
      id: vbr.physicalConnectionId,
      regionId,
      dataCenterId: dcId,
      ...(pc?.name ? { name: pc.name } : {}),
      ...(pc?.accessPointId ? { accessPointId: pc.accessPointId } : {}),
      ...(pc?.bandwidth ? { bandwidthMbps: pc.bandwidth } : {}),
    });
  }

  // Router interface pairs (both ends known), with the health check of the VBR-side end.
  const routerInterfaces: NonNullable<TopologyFile['routerInterfaces']> = [];
  const seen = new Set<string>();
  const endOf = (ri: RouterInterface): { id: string; vpcId?: string; vbrId?: string } | null => {
    if (ri.routerType === 'VBR') return vbrRegion.has(ri.routerId) ? { id: ri.routerInterfaceId, vbrId: ri.routerId } : null;
    const vpcId = ri.vpcInstanceId ?? vRouterToVpc.get(ri.routerId);
    return vpcId && vpcInfo.has(vpcId) ? { id: ri.routerInterfaceId, vpcId } : null;
  };
  for (const ri of ris.values()) {
    if (seen.has(ri.routerInterfaceId) || !ri.oppositeInterfaceId) continue;
    const other = ris.get(ri.oppositeInterfaceId);
    if (!other) continue;
    const a = endOf(ri);
    const b = endOf(other);
    if (!a || !b) continue;
    seen.add(ri.routerInterfaceId);
    seen.add(other.routerInterfaceId);
    const hcEnd = [ri, other].find((x) => x.healthCheckTargetIp && x.healthCheckSourceIp);
    routerInterfaces.push({
      ends: [a, b],
      ...(ri.name ? { name: ri.name } : {}),
      ...(hcEnd
        ? { healthCheck: { sourceIp: hcEnd.healthCheckSourceIp as string, targetIp: hcEnd.healthCheckTargetIp as string, ...(hcEnd.hcRate ? { hcRate: hcEnd.hcRate } : {}), ...(hcEnd.hcThreshold ? { hcThreshold: hcEnd.hcThreshold } : {}) } }
        : {}),
    });
  }

  // ECS instances the flows start from.
  const ecsInstances: NonNullable<TopologyFile['ecsInstances']> = [];
  const instanceIds = flowSources.filter((s) => s.startsWith('i-'));
  for (const regionId of new Set([...vpcRegion.values()])) {
    if (instanceIds.length === 0) break;
    const found = await regionView(cloud, regionId).ecs.describeInstances({ instanceIds });
    for (const i of found) {
      if (!i.vSwitchId || !i.privateIpAddresses[0] || ecsInstances.some((x) => x.id === i.instanceId)) continue;
      ecsInstances.push({ id: i.instanceId, vSwitchId: i.vSwitchId, privateIpAddress: i.privateIpAddresses[0], ...(i.instanceName ? { name: i.instanceName } : {}) });
    }
  }

  // The CEN: children, published custom routes, VBR health checks.
  const cens: NonNullable<TopologyFile['cens']> = [];
  if (cen) {
    const publishedRoutes: { childInstanceId: string; destinationCidrBlock: string }[] = [];
    for (const c of children.filter((x) => x.childInstanceType === 'VPC')) {
      const pub = await regionView(cloud, c.childInstanceRegionId).cbn.describePublishedRouteEntries({ cenId, childInstanceId: c.childInstanceId, childInstanceType: 'VPC', childInstanceRegionId: c.childInstanceRegionId });
      for (const p of pub) if (p.publishStatus === 'Published' && p.routeType === 'Custom') publishedRoutes.push({ childInstanceId: c.childInstanceId, destinationCidrBlock: p.destinationCidrBlock });
    }
    const vbrHealthChecks: { vbrId: string; targetIp: string; sourceIp?: string; interval?: number; threshold?: number; healthCheckOnly?: boolean }[] = [];
    for (const [vbrId, regionId] of vbrRegion) {
      const hcs = await regionView(cloud, regionId).cbn.describeCenVbrHealthCheck({ vbrInstanceRegionId: regionId, cenId, vbrInstanceId: vbrId });
      for (const h of hcs.filter((x) => x.cenId === cenId)) {
        vbrHealthChecks.push({ vbrId, targetIp: h.healthCheckTargetIp, ...(h.healthCheckSourceIp ? { sourceIp: h.healthCheckSourceIp } : {}), ...(h.healthCheckInterval ? { interval: h.healthCheckInterval } : {}), ...(h.healthyThreshold ? { threshold: h.healthyThreshold } : {}), ...(h.healthCheckOnly !== undefined ? { healthCheckOnly: h.healthCheckOnly } : {}) });
      }
    }
    cens.push({
      id: cen.cenId,
      ...(cen.name ? { name: cen.name } : {}),
      ...(cen.protectionLevel === 'REDUCED' || cen.protectionLevel === 'FULL' ? { protectionLevel: cen.protectionLevel } : {}),
      children: children.map((c) => ({ instanceId: c.childInstanceId })),
      publishedRoutes,
      vbrHealthChecks,
    });
  }

  const regionIds = new Set([...vpcRegion.values(), ...vbrRegion.values(), params.regionId]);
  // Seed 5.1-4 / 5.2-5: when the migration sets cross-region bandwidth, the twin gets the
  // account's packages and the CEN's bandwidth, and needs bandwidth between regions as the cloud does.
  let cenBandwidthPackages: TopologyFile['cenBandwidthPackages'];
  if (cen && params.bandwidth) {
    regionIds.add(params.bandwidth.peerRegionId);
    const packages = (await cloud.cbn.describeCenBandwidthPackages({})).filter((p) => p.cenIds.length === 0 || p.cenIds.includes(cenId));
    cenBandwidthPackages = packages
      .filter((p) => p.status === 'Idle' || p.status === 'InUse')
      .map((p) => ({
        id: p.cenBandwidthPackageId,
        bandwidthMbps: p.bandwidth,
        geographicRegionAId: p.geographicRegionAId,
        geographicRegionBId: p.geographicRegionBId,
        ...(p.bandwidthPackageChargeType === 'PREPAY' || p.bandwidthPackageChargeType === 'POSTPAY' ? { chargeType: p.bandwidthPackageChargeType } : {}),
        ...(p.cenIds.includes(cenId) ? { cenId } : {}),
      }));
    const limits = await cloud.cbn.describeCenInterRegionBandwidthLimits({ cenId });
    cens[0].requireInterRegionBandwidth = true;
    cens[0].interRegionBandwidthLimits = limits
      .filter((l) => l.bandwidthLimit > 0 && regionIds.has(l.localRegionId) && regionIds.has(l.oppositeRegionId))
      .map((l) => ({ localRegionId: l.localRegionId, oppositeRegionId: l.oppositeRegionId, bandwidthMbps: l.bandwidthLimit }));
  }
  const regions = [...regionIds].map((regionId) => ({ regionId }));
  return {
    name: `twin-of-${cenId}`,
    description: 'digital twin built from Describe calls',
    regions,
    vpcs,
    dataCenters,
    physicalConnections,
    vbrs,
    routerInterfaces,
    ecsInstances,
    cens,
    ...(cenBandwidthPackages ? { cenBandwidthPackages } : {}),
  };
}
