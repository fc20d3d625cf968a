/**
 * The data plane: where a packet from a source goes, hop by hop, and whether the reply comes
 * back. Longest-prefix match over *usable* routes of each route table (one `PrefixTrie` per
 * table, kept up to date by the model), ECMP by a 5-tuple hash (`pickEcmp`), router interfaces
 * whose health check failed removed, physical-connection link state, CEN-learned routes across
 * attached children (between regions only with inter-region bandwidth when the CEN requires it),
 * and the data center's own routes for the way back (seed chapters 1, 5, 6).
 *
 * Nodes a packet visits: a VPC (its route table), a VBR (its table, its interconnect subnet), a
 * data center (its router's routes). Edges: router-interface pairs, CEN routes, physical
 * connections. A packet is delivered in a VPC when the matching route is a vSwitch (`local`) or
 * the 100.64.0.0/10 `service` route, and in a data center when the address is its own.
 */
import { containsIp, parseCidr, parseIpv4, pickEcmp, type Cidr } from '../net/index.ts';
import { interRegionBandwidthOk } from './model/cen-bandwidth.ts';
import { maskLength, routerInterfaceUsable } from './model/common.ts';
import type { NetworkModel } from './model/network.ts';
import type { ModelCore, RouteSlot } from './model/store.ts';
import type { CenRouteRecord, NextHopSpec, RouteEntryRecord, RouterInterfaceRecord, VbrRecord } from './model/types.ts';

/** Optional 5-tuple details of a flow (defaults: ICMP, ports 0). */
export interface FlowSpec {
  protocol?: 'tcp' | 'udp' | 'icmp';
  sourcePort?: number;
  destinationPort?: number;
}

/**
 * A reachability question. `source` is an ECS instance id, a managed instance id (`mi-…`), an IP
 * address (ECS, data-center device, or any address inside a vSwitch/VPC/data-center CIDR), or a
 * VPC / vSwitch / data-center id together with `sourceIp`.
 */
export interface ReachabilityQuery {
  source: string;
  destinationIp: string;
  sourceIp?: string;
  flow?: FlowSpec;
}

/** Why a packet was dropped. */
export type DropReason =
  | 'no-route'
  | 'blackhole'
  | 'physical-connection-down'
  | 'health-check-failed'
  | 'rejected-route'
  | 'pending-route'
  | 'vbr-inactive'
  | 'no-inter-region-bandwidth'
  | 'unsupported-next-hop'
  | 'loop'
  | 'unknown-source'
  | 'invalid-address'
  | 'return-misdelivered';

/** One step of a path. */
export interface Hop {
  direction: 'forward' | 'return';
  node: 'ecs' | 'vpc' | 'vbr' | 'router-interface' | 'cen' | 'physical-connection' | 'data-center' | 'host' | 'cloud-service' | 'device';
  id: string;
  regionId?: string;
  routeTableId?: string;
  routeEntryId?: string;
  destinationCidrBlock?: string;
  routeType?: string;
  nextHopType?: string;
  nextHopId?: string;
}

/** The answer: reachable both ways, or where and why it dropped. */
export interface ReachabilityResult {
  reachable: boolean;
  sourceIp: string;
  destinationIp: string;
  hops: Hop[];
  reason?: DropReason;
  /** Which leg failed. */
  failedDirection?: 'forward' | 'return';
  /** Id of the node where the packet was dropped. */
  dropAt?: string;
}

type Node = { kind: 'vpc'; vpcId: string } | { kind: 'vbr'; vbrId: string } | { kind: 'dc'; dataCenterId: string };

interface TraceOptions {
  /** Ignore router-interface health-check verdicts (health-check probes themselves). */
  ignoreHealth?: boolean;
  /** Extra addresses owned by a VBR (CEN VBR health-check source IPs). */
  vbrLocalIps?: ReadonlyMap<string, string>;
}

interface TraceResult {
  ok: boolean;
  hops: Hop[];
  /** Where it was delivered. */
  at?: Node;
  reason?: DropReason;
  dropAt?: string;
}

const MAX_STEPS = 32;

/**
 * Answers whether `source` reaches `destinationIp` and the reply comes back, with the hops of
 * both legs, or the drop reason and place. Pure with respect to the model (reads only).
 */
export function reachability(model: NetworkModel, q: ReachabilityQuery): ReachabilityResult {
  const core = model.core;
  core.flush();
  let dst: number;
  try {
    dst = parseIpv4(q.destinationIp);
  } catch {
    return { reachable: false, sourceIp: q.sourceIp ?? q.source, destinationIp: q.destinationIp, hops: [], reason: 'invalid-address', failedDirection: 'forward' };
  }
  const src = resolveSource(core, q);
  if (!src) {
    return { reachable: false, sourceIp: q.sourceIp ?? q.source, destinationIp: q.destinationIp, hops: [], reason: 'unknown-source', failedDirection: 'forward' };
  }
  const flow = q.flow ?? {};
  const proto = flow.protocol ?? 'icmp';
  const sp = flow.sourcePort ?? 0;
  const dp = flow.destinationPort ?? 0;
  const fwdKey = `${proto}|${src.ip}|${sp}|${q.destinationIp}|${dp}`;
  const revKey = `${proto}|${q.destinationIp}|${dp}|${src.ip}|${sp}`;
  const startHops: Hop[] = src.instanceId ? [{ direction: 'forward', node: 'ecs', id: src.instanceId }] : [];
  const fwd = trace(core, model, src.node, src.ipNum, dst, fwdKey, 'forward', {});
  const hops = [...startHops, ...fwd.hops];
  if (!fwd.ok || !fwd.at) {
    return { reachable: false, sourceIp: src.ip, destinationIp: q.destinationIp, hops, reason: fwd.reason, failedDirection: 'forward', ...(fwd.dropAt ? { dropAt: fwd.dropAt } : {}) };
  }
  const back = trace(core, model, fwd.at, dst, src.ipNum, revKey, 'return', {});
  hops.push(...back.hops);
  if (!back.ok || !back.at) {
    return { reachable: false, sourceIp: src.ip, destinationIp: q.destinationIp, hops, reason: back.reason, failedDirection: 'return', ...(back.dropAt ? { dropAt: back.dropAt } : {}) };
  }
  if (!sameNode(back.at, src.node)) {
    return { reachable: false, sourceIp: src.ip, destinationIp: q.destinationIp, hops, reason: 'return-misdelivered', failedDirection: 'return', dropAt: nodeId(back.at) };
  }
  return { reachable: true, sourceIp: src.ip, destinationIp: q.destinationIp, hops };
}

/**
 * One probe of a router-interface health check (seed chapter 6): ping from the health-check
 * source IP, sent through this pair's VBR, to the target IP (the data center's interface), and
 * the reply must come back through the same VBR and router interface into the VPC. Replies that
 * return over another VBR count as failures, as on the real service.
 */
export function probeRouterInterfaceHealthCheck(model: NetworkModel, settingsEnd: RouterInterfaceRecord): boolean {
  const core = model.core;
  core.flush();
  const opposite = core.routerInterfaces.get(settingsEnd.oppositeInterfaceId);
  if (!opposite || !settingsEnd.healthCheckSourceIp || !settingsEnd.healthCheckTargetIp) return false;
  if (settingsEnd.status !== 'Active' || opposite.status !== 'Active') return false;
  const vbrEnd = settingsEnd.routerType === 'VBR' ? settingsEnd : opposite;
  const vpcEnd = vbrEnd === settingsEnd ? opposite : settingsEnd;
  if (vbrEnd.routerType !== 'VBR' || vpcEnd.routerType !== 'VRouter') return false;
  const vpc = vpcOfRouter(core, vpcEnd.routerId);
  if (!vpc) return false;
  const srcIp = parseIpv4(settingsEnd.healthCheckSourceIp);
  const dstIp = parseIpv4(settingsEnd.healthCheckTargetIp);
  const key = `icmp|${settingsEnd.healthCheckSourceIp}|0|${settingsEnd.healthCheckTargetIp}|0`;
  const fwd = trace(core, model, { kind: 'vbr', vbrId: vbrEnd.routerId }, srcIp, dstIp, key, 'forward', { ignoreHealth: true });
  if (!fwd.ok || !fwd.at) return false;
  const back = trace(core, model, fwd.at, dstIp, srcIp, key, 'return', { ignoreHealth: true });
  if (!back.ok || !back.at || !sameNode(back.at, { kind: 'vpc', vpcId: vpc })) return false;
  return back.hops.some((h) => h.node === 'router-interface' && h.id === vbrEnd.routerInterfaceId);
}

/**
 * One probe of a CEN VBR health check: from the health-check source (owned by the VBR) to the
 * target IP across the circuit, and back to the same VBR (the data center needs a route to the
 * source IP through this VBR, as the CEN docs require for static routing).
 */
export function probeCenVbrHealthCheck(model: NetworkModel, vbrId: string, sourceIp: string, targetIp: string): boolean {
  const core = model.core;
  core.flush();
  if (!core.vbrs.has(vbrId)) return false;
  const srcIp = parseIpv4(sourceIp);
  const dstIp = parseIpv4(targetIp);
  const key = `icmp|${sourceIp}|0|${targetIp}|0`;
  const opts: TraceOptions = { ignoreHealth: true, vbrLocalIps: new Map([[sourceIp, vbrId]]) };
  const fwd = trace(core, model, { kind: 'vbr', vbrId }, srcIp, dstIp, key, 'forward', opts);
  if (!fwd.ok || !fwd.at) return false;
  const back = trace(core, model, fwd.at, dstIp, srcIp, key, 'return', opts);
  return back.ok && !!back.at && sameNode(back.at, { kind: 'vbr', vbrId });
}

// -------------------------------------------------------------------------------------------

interface ResolvedSource {
  node: Node;
  ip: string;
  ipNum: number;
  instanceId?: string;
}

function resolveSource(core: ModelCore, q: ReachabilityQuery): ResolvedSource | undefined {
  const s = q.source.trim();
  const ecs = core.ecsInstances.get(s);
  if (ecs) return { node: { kind: 'vpc', vpcId: ecs.vpcId }, ip: ecs.privateIpAddress, ipNum: parseIpv4(ecs.privateIpAddress), instanceId: ecs.instanceId };
  const mi = core.managedInstances.get(s);
  if (mi) return { node: { kind: 'dc', dataCenterId: mi.dataCenterId }, ip: mi.ipAddress, ipNum: parseIpv4(mi.ipAddress), instanceId: mi.instanceId };
  const withIp = (node: Node): ResolvedSource | undefined => {
    if (!q.sourceIp) return undefined;
    try {
      return { node, ip: q.sourceIp, ipNum: parseIpv4(q.sourceIp) };
    } catch {
      return undefined;
    }
  };
  if (core.vpcs.has(s)) return withIp({ kind: 'vpc', vpcId: s });
  const sw = core.vSwitches.get(s);
  if (sw) return withIp({ kind: 'vpc', vpcId: sw.vpcId });
  if (core.dataCenters.has(s)) return withIp({ kind: 'dc', dataCenterId: s });
  let ip: number;
  try {
    ip = parseIpv4(s);
  } catch {
    return undefined;
  }
  const node = locateIp(core, s, ip);
  if (!node) return undefined;
  const byIp = [...core.ecsInstances.values()].find((i) => i.privateIpAddress === s);
  return { node, ip: s, ipNum: ip, ...(byIp ? { instanceId: byIp.instanceId } : {}) };
}

/** Where an address lives: an ECS/vSwitch/VPC, or a data center (device, CIDR, interconnect IP). */
function locateIp(core: ModelCore, text: string, ip: number): Node | undefined {
  for (const i of core.ecsInstances.values()) if (i.privateIpAddress === text) return { kind: 'vpc', vpcId: i.vpcId };
  for (const i of core.managedInstances.values()) if (i.ipAddress === text) return { kind: 'dc', dataCenterId: i.dataCenterId };
  for (const dc of core.dataCenters.values()) {
    if (dc.devices.some((d) => d.ip === text)) return { kind: 'dc', dataCenterId: dc.dataCenterId };
  }
  for (const sw of core.vSwitches.values()) if (containsIp(parseCidr(sw.cidrBlock), ip)) return { kind: 'vpc', vpcId: sw.vpcId };
  for (const v of core.vpcs.values()) if (containsIp(parseCidr(v.cidrBlock), ip)) return { kind: 'vpc', vpcId: v.vpcId };
  for (const dc of core.dataCenters.values()) {
    if (dc.cidrBlocks.some((c) => containsIp(parseCidr(c), ip))) return { kind: 'dc', dataCenterId: dc.dataCenterId };
  }
  for (const vbr of core.vbrs.values()) {
    if (vbr.peerGatewayIp === text) {
      const pc = core.physicalConnections.get(vbr.physicalConnectionId);
      if (pc) return { kind: 'dc', dataCenterId: pc.dataCenterId };
    }
  }
  return undefined;
}

function sameNode(a: Node, b: Node): boolean {
  return nodeId(a) === nodeId(b);
}

function nodeId(n: Node): string {
  return n.kind === 'vpc' ? n.vpcId : n.kind === 'vbr' ? n.vbrId : n.dataCenterId;
}

function vpcOfRouter(core: ModelCore, routerId: string): string | undefined {
  for (const v of core.vpcs.values()) if (v.vRouterId === routerId) return v.vpcId;
  return undefined;
}

/** Walks from `start` toward `dst` until delivered or dropped. */
function trace(core: ModelCore, model: NetworkModel, start: Node, src: number, dst: number, flowKey: string, direction: 'forward' | 'return', opts: TraceOptions): TraceResult {
  const hops: Hop[] = [];
  let node: Node = start;
  for (let step = 0; step < MAX_STEPS; step++) {
    if (node.kind === 'vpc') {
      const vpc = core.vpcs.get(node.vpcId);
      if (!vpc) return drop(hops, 'blackhole', node.vpcId);
      const r = forwardInTable(core, vpc.routeTableId, dst, flowKey, opts);
      if (r.kind === 'drop') {
        hops.push({ direction, node: 'vpc', id: vpc.vpcId, regionId: vpc.regionId, routeTableId: vpc.routeTableId });
        return drop(hops, r.reason, vpc.vpcId);
      }
      hops.push({ direction, node: 'vpc', id: vpc.vpcId, regionId: vpc.regionId, ...r.hop });
      if (r.kind === 'deliver') {
        hops.push({ direction, node: r.to, id: r.id });
        return { ok: true, hops, at: node };
      }
      if (r.kind === 'next') {
        hops.push(...r.via.map((v) => ({ ...v, direction })));
        node = r.node;
        continue;
      }
      return drop(hops, 'unsupported-next-hop', vpc.vpcId);
    }
    if (node.kind === 'vbr') {
      const vbr = core.vbrs.get(node.vbrId);
      if (!vbr) return drop(hops, 'blackhole', node.vbrId);
      const here: Hop = { direction, node: 'vbr', id: vbr.vbrId, regionId: vbr.regionId, routeTableId: vbr.routeTableId };
      if (vbr.status !== 'active') {
        hops.push(here);
        return drop(hops, 'vbr-inactive', vbr.vbrId);
      }
      if (dst === parseIpv4(vbr.localGatewayIp) || opts.vbrLocalIps?.get(ipText(dst)) === vbr.vbrId) {
        hops.push(here, { direction, node: 'device', id: vbr.vbrId });
        return { ok: true, hops, at: node };
      }
      const interconnect = interconnectOf(vbr);
      if (interconnect && containsIp(interconnect, dst)) {
        hops.push({ ...here, destinationCidrBlock: `${ipText(interconnect.network)}/${interconnect.length}`, routeType: 'Connected', nextHopType: 'PhysicalConnection', nextHopId: vbr.physicalConnectionId });
        const out = egressToDataCenter(core, model, vbr, direction);
        hops.push(...out.hops);
        if (!out.node) return drop(hops, 'physical-connection-down', vbr.physicalConnectionId);
        node = out.node;
        continue;
      }
      const r = forwardInTable(core, vbr.routeTableId, dst, flowKey, opts);
      if (r.kind === 'drop') {
        hops.push(here);
        return drop(hops, r.reason, vbr.vbrId);
      }
      hops.push({ ...here, ...r.hop });
      if (r.kind === 'deliver') {
        hops.push({ direction, node: r.to, id: r.id });
        return { ok: true, hops, at: node };
      }
      if (r.kind === 'next') {
        hops.push(...r.via.map((v) => ({ ...v, direction })));
        node = r.node;
        continue;
      }
      // Toward the data center over this VBR's circuit.
      const out = egressToDataCenter(core, model, vbr, direction);
      hops.push(...out.hops);
      if (!out.node) return drop(hops, 'physical-connection-down', vbr.physicalConnectionId);
      node = out.node;
      continue;
    }
    // Data center.
    const dc = core.dataCenters.get(node.dataCenterId);
    if (!dc) return drop(hops, 'blackhole', node.dataCenterId);
    const text = ipText(dst);
    const device = dc.devices.find((d) => d.ip === text);
    const own = device || dc.cidrBlocks.some((c) => containsIp(parseCidr(c), dst)) || isDcInterconnectIp(core, dc.dataCenterId, text);
    if (own) {
      hops.push({ direction, node: 'data-center', id: dc.dataCenterId }, { direction, node: device ? 'device' : 'host', id: text });
      return { ok: true, hops, at: node };
    }
    const trie = core.dataCenterTries.get(dc.dataCenterId);
    const usableVbr = (ip: string): VbrRecord | undefined => {
      for (const v of core.vbrs.values()) {
        if (v.localGatewayIp !== ip) continue;
        const pc = core.physicalConnections.get(v.physicalConnectionId);
        if (pc && pc.dataCenterId === dc.dataCenterId && model.vbrs.vbrForwarding(v)) return v;
      }
      return undefined;
    };
    const hit = trie?.lookup(dst, (ips) => ips.some((ip) => usableVbr(ip) !== undefined));
    if (!hit) {
      const any = trie?.lookup(dst);
      hops.push({ direction, node: 'data-center', id: dc.dataCenterId });
      return drop(hops, any ? 'physical-connection-down' : 'no-route', dc.dataCenterId);
    }
    const candidates = hit.value.filter((ip) => usableVbr(ip) !== undefined).map((ip) => ({ id: ip }));
    const chosen = pickEcmp(candidates, flowKey) ?? candidates[0]!;
    const vbr = usableVbr(chosen.id)!;
    hops.push(
      { direction, node: 'data-center', id: dc.dataCenterId, destinationCidrBlock: `${ipText(hit.prefix.network)}/${hit.prefix.length}`, routeType: 'Static', nextHopType: 'IpAddress', nextHopId: chosen.id },
      { direction, node: 'physical-connection', id: vbr.physicalConnectionId },
    );
    node = { kind: 'vbr', vbrId: vbr.vbrId };
  }
  return drop(hops, 'loop', nodeId(node));
}

function drop(hops: Hop[], reason: DropReason, at: string): TraceResult {
  return { ok: false, hops, reason, dropAt: at };
}

function egressToDataCenter(core: ModelCore, model: NetworkModel, vbr: VbrRecord, direction: 'forward' | 'return'): { hops: Hop[]; node?: Node } {
  const pc = core.physicalConnections.get(vbr.physicalConnectionId);
  const hop: Hop = { direction, node: 'physical-connection', id: vbr.physicalConnectionId };
  if (!pc || !model.vbrs.vbrForwarding(vbr)) return { hops: [hop] };
  return { hops: [hop], node: { kind: 'dc', dataCenterId: pc.dataCenterId } };
}

function interconnectOf(vbr: VbrRecord): Cidr | undefined {
  try {
    const len = maskLength(vbr.peeringSubnetMask);
    const ip = parseIpv4(vbr.localGatewayIp);
    const network = len === 0 ? 0 : (ip & (~0 << (32 - len))) >>> 0;
    return { network, length: len };
  } catch {
    return undefined;
  }
}

function isDcInterconnectIp(core: ModelCore, dataCenterId: string, ip: string): boolean {
  for (const v of core.vbrs.values()) {
    if (v.peerGatewayIp !== ip) continue;
    if (core.physicalConnections.get(v.physicalConnectionId)?.dataCenterId === dataCenterId) return true;
  }
  return false;
}

function ipText(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

type TableStep =
  | { kind: 'drop'; reason: DropReason }
  | { kind: 'deliver'; hop: Partial<Hop>; to: 'host' | 'cloud-service' | 'ecs'; id: string }
  | { kind: 'next'; hop: Partial<Hop>; node: Node; via: Array<Omit<Hop, 'direction'>> }
  | { kind: 'egress'; hop: Partial<Hop> };

/** LPM in one table over usable routes, then what the chosen route does with the packet. */
function forwardInTable(core: ModelCore, routeTableId: string, dst: number, flowKey: string, opts: TraceOptions): TableStep {
  const idx = core.tables.get(routeTableId);
  if (!idx) return { kind: 'drop', reason: 'no-route' };
  const hit = idx.trie.lookup(dst, (slot) => pickInSlot(core, slot, opts) !== undefined);
  if (!hit) return { kind: 'drop', reason: diagnose(core, idx.trie.lookup(dst)?.value, opts) };
  const chosen = pickInSlot(core, hit.value, opts)!;
  const cidr = `${ipText(hit.prefix.network)}/${hit.prefix.length}`;
  if ('cenId' in chosen) {
    const r = chosen;
    // A CEN that needs inter-region bandwidth drops what crosses regions without it (seed 5.1-4).
    const here = core.routeTables.get(routeTableId)?.regionId;
    if (here !== undefined && !interRegionBandwidthOk(core, r.cenId, here, r.sourceRegionId)) return { kind: 'drop', reason: 'no-inter-region-bandwidth' };
    const hop: Partial<Hop> = { routeTableId, routeEntryId: r.routeEntryId, destinationCidrBlock: cidr, routeType: 'CEN', nextHopType: r.sourceInstanceType, nextHopId: r.sourceInstanceId };
    const via = [{ node: 'cen' as const, id: r.cenId, regionId: r.sourceRegionId }];
    if (r.sourceInstanceType === 'VPC') return { kind: 'next', hop, node: { kind: 'vpc', vpcId: r.sourceInstanceId }, via };
    return { kind: 'next', hop, node: { kind: 'vbr', vbrId: r.sourceInstanceId }, via };
  }
  const e = chosen;
  const hops = usableHops(core, e, opts);
  const base: Partial<Hop> = { routeTableId, routeEntryId: e.routeEntryId, destinationCidrBlock: cidr, routeType: e.type };
  const first = hops[0]!;
  if (first.nextHopType === 'local') {
    const host = [...core.ecsInstances.values()].find((i) => i.privateIpAddress === ipText(dst));
    return { kind: 'deliver', hop: { ...base, nextHopType: 'local' }, to: host ? 'ecs' : 'host', id: host?.instanceId ?? ipText(dst) };
  }
  if (first.nextHopType === 'service') return { kind: 'deliver', hop: { ...base, nextHopType: 'service' }, to: 'cloud-service', id: ipText(dst) };
  if (first.nextHopType === 'Instance') return { kind: 'deliver', hop: { ...base, nextHopType: 'Instance', nextHopId: first.nextHopId }, to: 'ecs', id: first.nextHopId };
  if (first.nextHopType === 'PhysicalConnection') return { kind: 'egress', hop: { ...base, nextHopType: 'PhysicalConnection', nextHopId: first.nextHopId } };
  if (first.nextHopType === 'RouterInterface') {
    const positive = hops.filter((h) => (h.weight ?? 1) > 0);
    const pool = (positive.length > 0 ? positive : hops).map((h) => ({ id: h.nextHopId, weight: h.weight ?? 1 }));
    const pick = pool.length === 1 ? pool[0]! : (pickEcmp(pool, flowKey) ?? pool[0]!);
    const ri = core.routerInterfaces.get(pick.id)!;
    const opposite = core.routerInterfaces.get(ri.oppositeInterfaceId)!;
    const hop = { ...base, nextHopType: 'RouterInterface', nextHopId: ri.routerInterfaceId };
    const via = [{ node: 'router-interface' as const, id: ri.routerInterfaceId, regionId: ri.regionId }, { node: 'router-interface' as const, id: opposite.routerInterfaceId, regionId: opposite.regionId }];
    if (opposite.routerType === 'VBR') return { kind: 'next', hop, node: { kind: 'vbr', vbrId: opposite.routerId }, via };
    const vpcId = vpcOfRouter(core, opposite.routerId);
    if (!vpcId) return { kind: 'drop', reason: 'blackhole' };
    return { kind: 'next', hop, node: { kind: 'vpc', vpcId }, via };
  }
  return { kind: 'drop', reason: 'unsupported-next-hop' };
}

/** The route a slot forwards with: an own usable entry first, else an Active CEN route. */
function pickInSlot(core: ModelCore, slot: RouteSlot, opts: TraceOptions): RouteEntryRecord | CenRouteRecord | undefined {
  for (const e of slot.entries) {
    if ((e.status === 'Available' || e.status === 'Modifying') && usableHops(core, e, opts).length > 0) return e;
  }
  for (const r of slot.cen) if (r.status === 'Active') return r;
  return undefined;
}

/** The next hops of an entry that can carry traffic now. */
function usableHops(core: ModelCore, e: RouteEntryRecord, opts: TraceOptions): NextHopSpec[] {
  if (e.nextHops.length === 1 && e.nextHops[0]!.nextHopType !== 'RouterInterface') {
    const h = e.nextHops[0]!;
    if (h.nextHopType === 'Instance') return core.ecsInstances.get(h.nextHopId)?.status === 'Running' ? e.nextHops : [];
    return e.nextHops;
  }
  return e.nextHops.filter((h) => h.nextHopType === 'RouterInterface' && (opts.ignoreHealth ? riActive(core, h.nextHopId) : routerInterfaceUsable(core, h.nextHopId)));
}

function riActive(core: ModelCore, id: string): boolean {
  const ri = core.routerInterfaces.get(id);
  return !!ri && ri.status === 'Active' && core.routerInterfaces.get(ri.oppositeInterfaceId)?.status === 'Active';
}

/** Why the longest matching prefix (ignoring usability) could not be used. */
function diagnose(core: ModelCore, slot: RouteSlot | undefined, opts: TraceOptions): DropReason {
  if (!slot) return 'no-route';
  if (slot.cen.some((r) => r.status === 'Rejected')) return 'rejected-route';
  if (slot.entries.some((e) => e.status === 'Pending')) return 'pending-route';
  const riEntries = slot.entries.filter((e) => e.nextHops.some((h) => h.nextHopType === 'RouterInterface'));
  if (riEntries.length > 0) {
    const allActive = riEntries.every((e) => e.nextHops.every((h) => riActive(core, h.nextHopId)));
    if (allActive && !opts.ignoreHealth) return 'health-check-failed';
    return 'blackhole';
  }
  if (slot.entries.some((e) => e.status === 'Deleting')) return 'no-route';
  return 'blackhole';
}
