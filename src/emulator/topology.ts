/**
 * Topology files: JSON that seeds a `NetworkModel` (format in docs/topology.md; examples in
 * `topologies/`). Credentials and the account's access keys are never part of a topology.
 * Input is validated with errors that name the offending field (`vpcs[0].cidrBlock: ...`) and
 * unknown references (`routes[1].nextHop.id: no router interface ri-x`). Route entries go
 * through the same rules as CreateRouteEntry, then start `Available`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCidr, parseCidr, parseIpv4, containsIp } from '../net/index.ts';
import { ValidationError } from '../errors.ts';
import type { Clock } from './clock.ts';
import { EmulatorApiError } from './errors.ts';
import { NetworkModel } from './model/network.ts';
import type { LifecycleTimings } from './model/states.ts';
import { DEFAULT_ACCOUNT_ID } from './model/store.ts';
import type { ModelQuotas, RouterInterfaceRecord } from './model/types.ts';

/** A route in a topology (VPC or VBR table). Give `nextHop` or ECMP `nextHops`. */
export interface TopologyRoute {
  destinationCidrBlock: string;
  name?: string;
  description?: string;
  nextHop?: { type: string; id: string };
  nextHops?: Array<{ id: string; weight?: number }>;
}

/** The JSON document. Every list is optional; ids are optional unless something refers to them. */
export interface TopologyFile {
  name?: string;
  description?: string;
  /** Load another topology file (relative to this one) instead; the other fields are ignored. */
  include?: string;
  /** UID of the default account: it owns every resource without an `ownerId`. */
  accountId?: string;
  /** Further accounts; resources name theirs with `ownerId`. */
  accounts?: Array<{ accountId: string; name?: string }>;
  /** Grants to CENs of other accounts (GrantInstanceToCen) that exist already. */
  cenGrants?: Array<{ instanceId: string; cenId: string; cenOwnerId?: string }>;
  seed?: number;
  timings?: Partial<LifecycleTimings>;
  quotas?: Partial<ModelQuotas>;
  regions: Array<{ regionId: string; localName?: string }>;
  vpcs?: Array<{
    id?: string;
    ownerId?: string;
    regionId: string;
    cidrBlock: string;
    name?: string;
    description?: string;
    vRouterId?: string;
    routeTableId?: string;
    vSwitches?: Array<{ id?: string; zoneId?: string; cidrBlock: string; name?: string }>;
    routes?: TopologyRoute[];
  }>;
  dataCenters?: Array<{
    id: string;
    name?: string;
    cidrBlocks: string[];
    devices?: Array<{
      ip: string;
      name?: string;
      managedInstance?: { id?: string; ownerId?: string; regionId: string; hostname?: string; cpu?: number; cloudAssistantVersion?: string; installedBinaries?: string[] };
    }>;
    routes?: Array<{ destinationCidrBlock: string; nextHopIps: string[] }>;
    bgpAdvertisedCidrs?: string[];
  }>;
  physicalConnections?: Array<{
    id?: string;
    ownerId?: string;
    regionId: string;
    dataCenterId: string;
    name?: string;
    accessPointId?: string;
    bandwidthMbps?: number;
    lineOperator?: string;
    portType?: string;
    linkStatus?: 'Up' | 'Down';
  }>;
  vbrs?: Array<{
    id?: string;
    ownerId?: string;
    regionId: string;
    physicalConnectionId: string;
    name?: string;
    vlanId: number;
    localGatewayIp: string;
    peerGatewayIp: string;
    peeringSubnetMask: string;
    routeTableId?: string;
    routes?: TopologyRoute[];
    bgpGroups?: Array<{ id?: string; name?: string; peerAsn: number; localAsn?: number; peers?: Array<{ id?: string; peerIpAddress: string }> }>;
    bgpNetworks?: Array<{ dstCidrBlock: string; vpcId?: string }>;
  }>;
  routerInterfaces?: Array<{
    ends: [{ id?: string; vpcId?: string; vbrId?: string }, { id?: string; vpcId?: string; vbrId?: string }];
    name?: string;
    healthCheck?: { sourceIp: string; targetIp: string; hcRate?: number; hcThreshold?: number };
  }>;
  ecsInstances?: Array<{
    id?: string;
    /** Default: the owner of the vSwitch's VPC. */
    ownerId?: string;
    vSwitchId: string;
    privateIpAddress: string;
    name?: string;
    instanceType?: string;
    cpu?: number;
    memoryMb?: number;
    cloudAssistant?: boolean;
    cloudAssistantVersion?: string;
    installedBinaries?: string[];
  }>;
  cens?: Array<{
    id?: string;
    ownerId?: string;
    name?: string;
    description?: string;
    protectionLevel?: 'REDUCED' | 'FULL';
    children?: Array<{ instanceId: string }>;
    publishedRoutes?: Array<{ childInstanceId: string; destinationCidrBlock: string }>;
    vbrHealthChecks?: Array<{ vbrId: string; targetIp: string; sourceIp?: string; interval?: number; threshold?: number; healthCheckOnly?: boolean }>;
  }>;
}

/** Directory of the shipped example topologies. */
export const TOPOLOGY_DIR = join(dirname(fileURLToPath(import.meta.url)), 'topologies');

/** The topology `xcflow emulator` loads without `--topology`. */
export const DEFAULT_TOPOLOGY_FILE = join(TOPOLOGY_DIR, 'default.json');

/** Names of the shipped topologies (`ch6-redundancy`, ...). */
export function listBuiltinTopologies(): string[] {
  return readdirSync(TOPOLOGY_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

/**
 * Reads a topology file (a path, or the name of a shipped one such as `ch6-redundancy`),
 * following `include`. @throws ValidationError for unreadable or invalid JSON
 */
export function readTopologyFile(pathOrName: string, depth = 0): TopologyFile {
  const path = /[\\/]|\.json$/.test(pathOrName) ? resolve(pathOrName) : join(TOPOLOGY_DIR, `${pathOrName}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ValidationError(`topology ${path}: ${(err as Error).message}`, { code: 'InvalidTopology', cause: err });
  }
  if (raw && typeof raw === 'object' && typeof (raw as { include?: unknown }).include === 'string') {
    if (depth > 4) throw new ValidationError(`topology ${path}: include nesting too deep`, { code: 'InvalidTopology' });
    const inc = (raw as { include: string }).include;
    return readTopologyFile(isAbsolute(inc) ? inc : join(dirname(path), inc), depth + 1);
  }
  return validateTopology(raw);
}

/** Loads a topology file into a new model on `clock`. */
export function loadTopologyFile(pathOrName: string, clock: Clock): NetworkModel {
  return buildModel(readTopologyFile(pathOrName), clock);
}

// ------------------------------------------------------------------------------ validation

class Check {
  constructor(private readonly path: string) {}
  fail(msg: string, sub = ''): never {
    throw new ValidationError(`topology: ${this.path}${sub}: ${msg}`, { code: 'InvalidTopology', field: `${this.path}${sub}` });
  }
  at(sub: string | number): Check {
    return new Check(typeof sub === 'number' ? `${this.path}[${sub}]` : this.path ? `${this.path}.${sub}` : sub);
  }
}

function obj(v: unknown, c: Check): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) c.fail('expected an object');
  return v as Record<string, unknown>;
}
function list(v: unknown, c: Check, optional = true): unknown[] {
  if (v === undefined && optional) return [];
  if (!Array.isArray(v)) c.fail('expected an array');
  return v;
}
function str(v: unknown, c: Check, optional = false): string | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v === '') c.fail('expected a non-empty string');
  return v;
}
function num(v: unknown, c: Check, optional = false): number | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) c.fail('expected a number');
  return v;
}
function cidr(v: unknown, c: Check): string {
  const s = str(v, c)!;
  if (!isCidr(s)) {
    try {
      parseCidr(s);
    } catch (err) {
      c.fail((err as Error).message);
    }
    c.fail(`${s} is not a canonical IPv4 CIDR block`);
  }
  return s;
}
function ip(v: unknown, c: Check): string {
  const s = str(v, c)!;
  try {
    parseIpv4(s);
  } catch {
    c.fail(`${s} is not an IPv4 address`);
  }
  return s;
}

/**
 * Checks shapes, CIDRs, IPs and that every reference names something defined in the file.
 * @throws ValidationError (code `InvalidTopology`, `field` = the JSON path)
 */
export function validateTopology(raw: unknown): TopologyFile {
  const root = new Check('');
  const t = obj(raw, root) as unknown as TopologyFile & Record<string, unknown>;
  const regions = new Set<string>();
  list(t.regions, root.at('regions'), false).forEach((r, i) => regions.add(str(obj(r, root.at('regions').at(i)).regionId, root.at('regions').at(i).at('regionId'))!));
  if (regions.size === 0) root.at('regions').fail('at least one region is required');
  const region = (v: unknown, c: Check): void => {
    const r = str(v, c)!;
    if (!regions.has(r)) c.fail(`unknown region ${r} (declare it in regions)`);
  };
  const uid = (v: unknown, c: Check): string => {
    const s = str(v, c)!;
    if (!/^[0-9]{1,20}$/.test(s)) c.fail(`${s} is not an account UID (digits)`);
    return s;
  };
  const accounts = new Set<string>([t.accountId === undefined ? DEFAULT_ACCOUNT_ID : uid(t.accountId, root.at('accountId'))]);
  list(t.accounts, root.at('accounts')).forEach((a, i) => accounts.add(uid(obj(a, root.at('accounts').at(i)).accountId, root.at('accounts').at(i).at('accountId'))));
  const owner = (v: unknown, c: Check): void => {
    if (v === undefined) return;
    const id = uid(v, c);
    if (!accounts.has(id)) c.fail(`unknown account ${id} (declare it in accounts)`);
  };
  const ids = { vpc: new Set<string>(), vsw: new Set<string>(), dc: new Set<string>(), pc: new Set<string>(), vbr: new Set<string>(), ri: new Set<string>(), ecs: new Set<string>() };
  const vpcCidrs = new Map<string, string>();
  const cenIds = new Set<string>();
  list(t.vpcs, root.at('vpcs')).forEach((v, i) => {
    const c = root.at('vpcs').at(i);
    const o = obj(v, c);
    region(o.regionId, c.at('regionId'));
    owner(o.ownerId, c.at('ownerId'));
    const block = cidr(o.cidrBlock, c.at('cidrBlock'));
    const id = str(o.id, c.at('id'), true);
    if (id) {
      ids.vpc.add(id);
      vpcCidrs.set(id, block);
    }
    list(o.vSwitches, c.at('vSwitches')).forEach((s, j) => {
      const sc = c.at('vSwitches').at(j);
      const so = obj(s, sc);
      const sb = cidr(so.cidrBlock, sc.at('cidrBlock'));
      const p = parseCidr(sb);
      const vp = parseCidr(block);
      if (!(vp.length <= p.length && containsIp(vp, p.network))) sc.at('cidrBlock').fail(`${sb} is not inside the VPC CIDR ${block}`);
      const sid = str(so.id, sc.at('id'), true);
      if (sid) ids.vsw.add(sid);
    });
  });
  list(t.dataCenters, root.at('dataCenters')).forEach((d, i) => {
    const c = root.at('dataCenters').at(i);
    const o = obj(d, c);
    ids.dc.add(str(o.id, c.at('id'))!);
    list(o.cidrBlocks, c.at('cidrBlocks'), false).forEach((x, j) => cidr(x, c.at('cidrBlocks').at(j)));
    list(o.devices, c.at('devices')).forEach((x, j) => {
      const dc = c.at('devices').at(j);
      const dobj = obj(x, dc);
      ip(dobj.ip, dc.at('ip'));
      if (dobj.managedInstance !== undefined) {
        const mi = obj(dobj.managedInstance, dc.at('managedInstance'));
        region(mi.regionId, dc.at('managedInstance').at('regionId'));
        owner(mi.ownerId, dc.at('managedInstance').at('ownerId'));
      }
    });
    list(o.routes, c.at('routes')).forEach((x, j) => {
      const rc = c.at('routes').at(j);
      const ro = obj(x, rc);
      cidr(ro.destinationCidrBlock, rc.at('destinationCidrBlock'));
      const hops = list(ro.nextHopIps, rc.at('nextHopIps'), false);
      if (hops.length === 0) rc.at('nextHopIps').fail('at least one next-hop IP is required');
      hops.forEach((h, k) => ip(h, rc.at('nextHopIps').at(k)));
    });
    list(o.bgpAdvertisedCidrs, c.at('bgpAdvertisedCidrs')).forEach((x, j) => cidr(x, c.at('bgpAdvertisedCidrs').at(j)));
  });
  list(t.physicalConnections, root.at('physicalConnections')).forEach((p, i) => {
    const c = root.at('physicalConnections').at(i);
    const o = obj(p, c);
    region(o.regionId, c.at('regionId'));
    owner(o.ownerId, c.at('ownerId'));
    const dc = str(o.dataCenterId, c.at('dataCenterId'))!;
    if (!ids.dc.has(dc)) c.at('dataCenterId').fail(`no data center ${dc}`);
    num(o.bandwidthMbps, c.at('bandwidthMbps'), true);
    const id = str(o.id, c.at('id'), true);
    if (id) ids.pc.add(id);
  });
  list(t.vbrs, root.at('vbrs')).forEach((v, i) => {
    const c = root.at('vbrs').at(i);
    const o = obj(v, c);
    region(o.regionId, c.at('regionId'));
    owner(o.ownerId, c.at('ownerId'));
    const pc = str(o.physicalConnectionId, c.at('physicalConnectionId'))!;
    if (!ids.pc.has(pc)) c.at('physicalConnectionId').fail(`no physical connection ${pc}`);
    num(o.vlanId, c.at('vlanId'));
    ip(o.localGatewayIp, c.at('localGatewayIp'));
    ip(o.peerGatewayIp, c.at('peerGatewayIp'));
    ip(o.peeringSubnetMask, c.at('peeringSubnetMask'));
    const id = str(o.id, c.at('id'), true);
    if (id) ids.vbr.add(id);
    list(o.bgpGroups, c.at('bgpGroups')).forEach((g, j) => {
      const gc = c.at('bgpGroups').at(j);
      const go = obj(g, gc);
      num(go.peerAsn, gc.at('peerAsn'));
      list(go.peers, gc.at('peers')).forEach((p, k) => ip(obj(p, gc.at('peers').at(k)).peerIpAddress, gc.at('peers').at(k).at('peerIpAddress')));
    });
    list(o.bgpNetworks, c.at('bgpNetworks')).forEach((n, j) => cidr(obj(n, c.at('bgpNetworks').at(j)).dstCidrBlock, c.at('bgpNetworks').at(j).at('dstCidrBlock')));
  });
  list(t.routerInterfaces, root.at('routerInterfaces')).forEach((r, i) => {
    const c = root.at('routerInterfaces').at(i);
    const o = obj(r, c);
    const ends = list(o.ends, c.at('ends'), false);
    if (ends.length !== 2) c.at('ends').fail('a router interface pair has exactly two ends');
    ends.forEach((e, j) => {
      const ec = c.at('ends').at(j);
      const eo = obj(e, ec);
      const vpc = str(eo.vpcId, ec.at('vpcId'), true);
      const vbr = str(eo.vbrId, ec.at('vbrId'), true);
      if (Boolean(vpc) === Boolean(vbr)) ec.fail('give exactly one of vpcId or vbrId');
      if (vpc && !ids.vpc.has(vpc)) ec.at('vpcId').fail(`no VPC ${vpc}`);
      if (vbr && !ids.vbr.has(vbr)) ec.at('vbrId').fail(`no VBR ${vbr}`);
      const id = str(eo.id, ec.at('id'), true);
      if (id) ids.ri.add(id);
    });
    if (ends.every((e) => (e as { vbrId?: string }).vbrId)) c.at('ends').fail('two VBRs cannot be paired');
    if (o.healthCheck !== undefined) {
      const hc = obj(o.healthCheck, c.at('healthCheck'));
      ip(hc.sourceIp, c.at('healthCheck').at('sourceIp'));
      ip(hc.targetIp, c.at('healthCheck').at('targetIp'));
      num(hc.hcRate, c.at('healthCheck').at('hcRate'), true);
      num(hc.hcThreshold, c.at('healthCheck').at('hcThreshold'), true);
    }
  });
  const checkRoutes = (routes: unknown, c: Check): void => {
    list(routes, c).forEach((r, j) => {
      const rc = c.at(j);
      const ro = obj(r, rc);
      cidr(ro.destinationCidrBlock, rc.at('destinationCidrBlock'));
      if (Boolean(ro.nextHop) === Boolean(ro.nextHops)) rc.fail('give exactly one of nextHop or nextHops');
      if (ro.nextHop) {
        const h = obj(ro.nextHop, rc.at('nextHop'));
        const type = str(h.type, rc.at('nextHop').at('type'))!;
        const id = str(h.id, rc.at('nextHop').at('id'))!;
        if (type === 'RouterInterface' && !ids.ri.has(id)) rc.at('nextHop').at('id').fail(`no router interface ${id}`);
        if (type === 'PhysicalConnection' && !ids.pc.has(id)) rc.at('nextHop').at('id').fail(`no physical connection ${id}`);
      } else {
        list(ro.nextHops, rc.at('nextHops'), false).forEach((h, k) => {
          const id = str(obj(h, rc.at('nextHops').at(k)).id, rc.at('nextHops').at(k).at('id'))!;
          if (!ids.ri.has(id)) rc.at('nextHops').at(k).at('id').fail(`no router interface ${id}`);
        });
      }
    });
  };
  list(t.vpcs, root.at('vpcs')).forEach((v, i) => checkRoutes((v as Record<string, unknown>).routes, root.at('vpcs').at(i).at('routes')));
  list(t.vbrs, root.at('vbrs')).forEach((v, i) => checkRoutes((v as Record<string, unknown>).routes, root.at('vbrs').at(i).at('routes')));
  list(t.ecsInstances, root.at('ecsInstances')).forEach((e, i) => {
    const c = root.at('ecsInstances').at(i);
    const o = obj(e, c);
    const sw = str(o.vSwitchId, c.at('vSwitchId'))!;
    if (!ids.vsw.has(sw)) c.at('vSwitchId').fail(`no vSwitch ${sw}`);
    owner(o.ownerId, c.at('ownerId'));
    ip(o.privateIpAddress, c.at('privateIpAddress'));
  });
  list(t.cens, root.at('cens')).forEach((x, i) => {
    const c = root.at('cens').at(i);
    const o = obj(x, c);
    owner(o.ownerId, c.at('ownerId'));
    const cenId = str(o.id, c.at('id'), true);
    if (cenId) cenIds.add(cenId);
    if (o.protectionLevel !== undefined && o.protectionLevel !== 'REDUCED' && o.protectionLevel !== 'FULL') c.at('protectionLevel').fail('expected REDUCED or FULL');
    list(o.children, c.at('children')).forEach((ch, j) => {
      const id = str(obj(ch, c.at('children').at(j)).instanceId, c.at('children').at(j).at('instanceId'))!;
      if (!ids.vpc.has(id) && !ids.vbr.has(id)) c.at('children').at(j).at('instanceId').fail(`no VPC or VBR ${id}`);
    });
    list(o.publishedRoutes, c.at('publishedRoutes')).forEach((p, j) => cidr(obj(p, c.at('publishedRoutes').at(j)).destinationCidrBlock, c.at('publishedRoutes').at(j).at('destinationCidrBlock')));
    list(o.vbrHealthChecks, c.at('vbrHealthChecks')).forEach((h, j) => {
      const hc = c.at('vbrHealthChecks').at(j);
      const ho = obj(h, hc);
      const vbr = str(ho.vbrId, hc.at('vbrId'))!;
      if (!ids.vbr.has(vbr)) hc.at('vbrId').fail(`no VBR ${vbr}`);
      ip(ho.targetIp, hc.at('targetIp'));
    });
  });
  list(t.cenGrants, root.at('cenGrants')).forEach((g, i) => {
    const c = root.at('cenGrants').at(i);
    const o = obj(g, c);
    const inst = str(o.instanceId, c.at('instanceId'))!;
    if (!ids.vpc.has(inst) && !ids.vbr.has(inst)) c.at('instanceId').fail(`no VPC or VBR ${inst}`);
    const cen = str(o.cenId, c.at('cenId'))!;
    if (o.cenOwnerId !== undefined) uid(o.cenOwnerId, c.at('cenOwnerId'));
    else if (!cenIds.has(cen)) c.at('cenOwnerId').fail(`give the owner of ${cen}, a CEN this topology does not declare`);
  });
  return t;
}

// ------------------------------------------------------------------------------ building

/**
 * Builds a model from a validated topology. Resources start in their steady state: VPCs and
 * routes `Available`, VBRs `active`, circuits `Enabled`, router interfaces `Active`, CEN children
 * `Attached` (so CEN routes are learned and conflicts show as `Rejected` at once).
 * @throws ValidationError naming the topology field when a rule of the model refuses it
 */
export function buildModel(t: TopologyFile, clock: Clock): NetworkModel {
  const m = new NetworkModel(clock, {
    ...(t.accountId ? { accountId: t.accountId } : {}),
    ...(t.seed !== undefined ? { idSeed: t.seed } : {}),
    ...(t.timings ? { timings: t.timings } : {}),
    ...(t.quotas ? { quotas: t.quotas } : {}),
  });
  const c = m.core;
  const wrap = <T>(field: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ValidationError && err.code === 'InvalidTopology') throw err;
      const msg = err instanceof EmulatorApiError ? `${err.code}: ${err.message}` : (err as Error).message;
      throw new ValidationError(`topology: ${field}: ${msg}`, { code: 'InvalidTopology', field, cause: err });
    }
  };
  const grant = (regionId: string, instanceId: string, type: 'VPC' | 'VBR', cenId: string, cenOwnerId: string, childOwnerId: string): void => {
    c.cenGrants.set(`${instanceId}|${cenId}`, {
      cenId,
      cenOwnerId,
      childInstanceId: instanceId,
      childInstanceType: type,
      childInstanceRegionId: regionId,
      childInstanceOwnerId: childOwnerId,
      creationTime: c.isoNow(),
    });
  };
  for (const r of t.regions) c.regions.set(r.regionId, { regionId: r.regionId, localName: r.localName ?? r.regionId });
  for (const a of t.accounts ?? []) if (!c.accounts.has(a.accountId)) c.accounts.set(a.accountId, { accountId: a.accountId, name: a.name ?? a.accountId });

  const vpcIds: string[] = [];
  (t.vpcs ?? []).forEach((v, i) =>
    wrap(`vpcs[${i}]`, () => {
      const vpc = m.vpcs.addVpc({
        regionId: v.regionId,
        cidrBlock: v.cidrBlock,
        ...(v.id ? { vpcId: v.id } : {}),
        ...(v.name ? { vpcName: v.name } : {}),
        ...(v.description ? { description: v.description } : {}),
        ...(v.vRouterId ? { vRouterId: v.vRouterId } : {}),
        ...(v.routeTableId ? { routeTableId: v.routeTableId } : {}),
        ...(v.ownerId ? { ownerId: v.ownerId } : {}),
      });
      vpcIds.push(vpc.vpcId);
      (v.vSwitches ?? []).forEach((s, j) =>
        wrap(`vpcs[${i}].vSwitches[${j}]`, () =>
          m.vpcs.addVSwitch({ vpcId: vpc.vpcId, cidrBlock: s.cidrBlock, ...(s.id ? { vSwitchId: s.id } : {}), ...(s.zoneId ? { zoneId: s.zoneId } : {}), ...(s.name ? { vSwitchName: s.name } : {}) }),
        ),
      );
    }),
  );

  for (const d of t.dataCenters ?? []) {
    const dc = {
      dataCenterId: d.id,
      name: d.name ?? d.id,
      cidrBlocks: [...d.cidrBlocks],
      devices: (d.devices ?? []).map((x) => ({ ip: x.ip, name: x.name ?? x.ip, ...(x.managedInstance ? { managedInstanceId: x.managedInstance.id ?? c.ids.next('mi', x.managedInstance.regionId) } : {}) })),
      routes: (d.routes ?? []).map((r) => ({ destinationCidrBlock: r.destinationCidrBlock, nextHopIps: [...r.nextHopIps], origin: 'static' as const })),
      bgpAdvertisedCidrs: [...(d.bgpAdvertisedCidrs ?? [])],
    };
    c.dataCenters.set(dc.dataCenterId, dc);
    c.reindexDataCenter(dc);
    (d.devices ?? []).forEach((x, j) => {
      if (!x.managedInstance) return;
      const mi = x.managedInstance;
      const id = dc.devices[j]!.managedInstanceId!;
      c.managedInstances.set(id, {
        instanceId: id,
        regionId: mi.regionId,
        instanceName: x.name ?? x.ip,
        hostname: mi.hostname ?? x.name ?? x.ip,
        ipAddress: x.ip,
        dataCenterId: dc.dataCenterId,
        ...c.ownerField(mi.ownerId),
        osType: 'linux',
        cpu: mi.cpu ?? 8,
        cloudAssistant: true,
        cloudAssistantVersion: mi.cloudAssistantVersion ?? '2.2.3.857',
        installedBinaries: [...(mi.installedBinaries ?? ['netperf', 'netserver', 'iperf3'])],
      });
    });
  }

  for (const p of t.physicalConnections ?? []) {
    const id = p.id ?? c.ids.next('pc', p.regionId);
    c.physicalConnections.set(id, {
      physicalConnectionId: id,
      regionId: p.regionId,
      name: p.name ?? '',
      description: '',
      accessPointId: p.accessPointId ?? 'ap-emulator',
      type: 'VPC',
      lineOperator: p.lineOperator ?? 'CT',
      portType: p.portType ?? '10GBase-LR',
      status: 'Enabled',
      businessStatus: 'Normal',
      bandwidth: p.bandwidthMbps ?? 1000,
      linkStatus: p.linkStatus ?? 'Up',
      dataCenterId: p.dataCenterId,
      creationTime: c.isoNow(),
      ...c.ownerField(p.ownerId),
    });
  }

  const vbrIds: string[] = [];
  for (const v of t.vbrs ?? []) {
    const vbrId = v.id ?? c.ids.next('vbr', v.regionId);
    vbrIds.push(vbrId);
    const pc = c.physicalConnections.get(v.physicalConnectionId)!;
    const routeTableId = v.routeTableId ?? c.ids.next('vtb', v.regionId);
    c.vbrs.set(vbrId, {
      vbrId,
      regionId: v.regionId,
      name: v.name ?? '',
      description: '',
      status: 'active',
      routeTableId,
      physicalConnectionId: pc.physicalConnectionId,
      accessPointId: pc.accessPointId,
      vlanId: v.vlanId,
      localGatewayIp: v.localGatewayIp,
      peerGatewayIp: v.peerGatewayIp,
      peeringSubnetMask: v.peeringSubnetMask,
      creationTime: c.isoNow(),
      ...c.ownerField(v.ownerId),
    });
    c.routeTables.set(routeTableId, {
      routeTableId,
      regionId: v.regionId,
      routerId: vbrId,
      routerType: 'VBR',
      vbrId,
      routeTableType: 'System',
      routeTableName: '',
      description: '',
      status: 'Available',
      creationTime: c.isoNow(),
    });
  }

  (t.routerInterfaces ?? []).forEach((pair, i) =>
    wrap(`routerInterfaces[${i}]`, () => {
      const [a, b] = pair.ends;
      const vbrFirst = a.vbrId ? a : b.vbrId ? b : a;
      const other = vbrFirst === a ? b : a;
      const mk = (e: typeof a) => {
        const vpc = e.vpcId ? c.vpcs.get(e.vpcId)! : undefined;
        const vbr = e.vbrId ? c.vbrs.get(e.vbrId)! : undefined;
        const regionId = (vpc ?? vbr)!.regionId;
        return { e, vpc, vbr, regionId, id: e.id ?? c.ids.next('ri', regionId), routerId: vpc ? vpc.vRouterId : vbr!.vbrId, routerType: vpc ? ('VRouter' as const) : ('VBR' as const) };
      };
      const x = mk(vbrFirst);
      const y = mk(other);
      const vpcOfPair = x.vpc?.vpcId ?? y.vpc?.vpcId;
      const accessPointId = x.vbr?.accessPointId ?? y.vbr?.accessPointId;
      const make = (s: typeof x, o: typeof x, role: RouterInterfaceRecord['role']): RouterInterfaceRecord => ({
        routerInterfaceId: s.id,
        regionId: s.regionId,
        routerId: s.routerId,
        routerType: s.routerType,
        role,
        spec: role === 'AcceptingSide' ? 'Negative' : 'Large.2',
        name: pair.name ?? '',
        description: '',
        status: 'Active',
        businessStatus: 'Normal',
        oppositeInterfaceId: o.id,
        oppositeRouterId: o.routerId,
        oppositeRouterType: o.routerType,
        oppositeRegionId: o.regionId,
        ...(s.vbr && vpcOfPair ? { vpcInstanceId: vpcOfPair } : {}),
        ...(accessPointId ? { accessPointId } : {}),
        creationTime: c.isoNow(),
      });
      const rx = make(x, y, 'InitiatingSide');
      const ry = make(y, x, 'AcceptingSide');
      if (c.routerInterfaces.has(rx.routerInterfaceId) || c.routerInterfaces.has(ry.routerInterfaceId)) throw new Error('duplicate router interface id');
      c.routerInterfaces.set(rx.routerInterfaceId, rx);
      c.routerInterfaces.set(ry.routerInterfaceId, ry);
      if (pair.healthCheck) {
        m.routerInterfaces.modifyRouterInterfaceAttribute({
          routerInterfaceId: rx.routerInterfaceId,
          healthCheckSourceIp: pair.healthCheck.sourceIp,
          healthCheckTargetIp: pair.healthCheck.targetIp,
          ...(pair.healthCheck.hcRate !== undefined ? { hcRate: pair.healthCheck.hcRate } : {}),
          ...(pair.healthCheck.hcThreshold !== undefined ? { hcThreshold: pair.healthCheck.hcThreshold } : {}),
        });
      }
    }),
  );

  (t.ecsInstances ?? []).forEach((e, i) =>
    wrap(`ecsInstances[${i}]`, () => {
      const sw = c.vSwitches.get(e.vSwitchId)!;
      if (!containsIp(parseCidr(sw.cidrBlock), parseIpv4(e.privateIpAddress))) throw new Error(`${e.privateIpAddress} is not inside vSwitch ${sw.vSwitchId} (${sw.cidrBlock})`);
      const id = e.id ?? c.ids.next('i', sw.regionId);
      c.ecsInstances.set(id, {
        instanceId: id,
        regionId: sw.regionId,
        zoneId: sw.zoneId,
        vpcId: sw.vpcId,
        vSwitchId: sw.vSwitchId,
        ...c.ownerField(e.ownerId ?? c.resourceOwner(sw.vpcId)),
        privateIpAddress: e.privateIpAddress,
        instanceName: e.name ?? id,
        instanceType: e.instanceType ?? 'ecs.se1.2xlarge',
        status: 'Running',
        cpu: e.cpu ?? 8,
        memoryMb: e.memoryMb ?? 32768,
        osType: 'linux',
        cloudAssistant: e.cloudAssistant ?? true,
        cloudAssistantVersion: e.cloudAssistantVersion ?? '2.2.3.857',
        installedBinaries: [...(e.installedBinaries ?? ['netperf', 'netserver', 'iperf3'])],
      });
    }),
  );

  const addRoutes = (routeTableId: string, routes: TopologyRoute[] | undefined, field: string): void => {
    (routes ?? []).forEach((r, j) =>
      wrap(`${field}[${j}]`, () => {
        const { routeEntryId } = m.routeTables.createRouteEntry({
          routeTableId,
          destinationCidrBlock: r.destinationCidrBlock,
          ...(r.name ? { routeEntryName: r.name } : {}),
          ...(r.description ? { description: r.description } : {}),
          ...(r.nextHop ? { nextHopType: r.nextHop.type, nextHopId: r.nextHop.id } : {}),
          ...(r.nextHops ? { nextHopList: r.nextHops.map((h) => ({ nextHopType: 'RouterInterface', nextHopId: h.id, ...(h.weight !== undefined ? { weight: h.weight } : {}) })) } : {}),
        });
        // Topology routes exist already: no Pending phase.
        c.cancelTransition('routeEntry.created', routeEntryId);
        c.setEntryStatus(c.routeEntries.get(routeEntryId)!, 'Available');
      }),
    );
  };
  (t.vpcs ?? []).forEach((v, i) => {
    const vpc = c.vpcs.get(vpcIds[i]!)!;
    addRoutes(vpc.routeTableId, v.routes, `vpcs[${i}].routes`);
  });
  (t.vbrs ?? []).forEach((v, i) => {
    const vbr = c.vbrs.get(vbrIds[i]!)!;
    addRoutes(vbr.routeTableId, v.routes, `vbrs[${i}].routes`);
    (v.bgpGroups ?? []).forEach((g) => {
      const gid = g.id ?? c.ids.next('bgpg', vbr.regionId);
      c.bgpGroups.set(gid, { bgpGroupId: gid, regionId: vbr.regionId, routerId: vbr.vbrId, name: g.name ?? '', description: '', peerAsn: g.peerAsn, localAsn: g.localAsn ?? 45104, status: 'Available' });
      for (const p of g.peers ?? []) {
        const pid = p.id ?? c.ids.next('bgp', vbr.regionId);
        c.bgpPeers.set(pid, { bgpPeerId: pid, bgpGroupId: gid, regionId: vbr.regionId, routerId: vbr.vbrId, name: '', peerIpAddress: p.peerIpAddress, status: 'Available' });
      }
    });
    for (const n of v.bgpNetworks ?? []) {
      c.bgpNetworks.set(`${vbr.vbrId}|${n.dstCidrBlock}`, { routerId: vbr.vbrId, regionId: vbr.regionId, dstCidrBlock: n.dstCidrBlock, ...(n.vpcId ? { vpcId: n.vpcId } : {}), status: 'Available' });
    }
  });

  (t.cens ?? []).forEach((x, i) =>
    wrap(`cens[${i}]`, () => {
      const cenId = x.id ?? c.ids.next('cen');
      const cenOwner = x.ownerId ?? c.accountId;
      c.cens.set(cenId, { cenId, name: x.name ?? '', description: x.description ?? '', status: 'Active', protectionLevel: x.protectionLevel ?? 'REDUCED', ipv6Level: 'DISABLED', creationTime: c.isoNow(), ...c.ownerField(cenOwner) });
      for (const ch of x.children ?? []) {
        const vpc = c.vpcs.get(ch.instanceId);
        const vbr = c.vbrs.get(ch.instanceId);
        const type = vpc ? 'VPC' : 'VBR';
        const inst = (vpc ?? vbr)!;
        const childOwner = c.ownerOf(inst);
        // A child of another account is attached, so its owner granted this CEN: record the grant.
        if (childOwner !== cenOwner) grant(inst.regionId, ch.instanceId, type, cenId, cenOwner, childOwner);
        m.cens.attachCenChildInstance({ cenId, childInstanceId: ch.instanceId, childInstanceType: type, childInstanceRegionId: inst.regionId, childInstanceOwnerId: childOwner });
        c.cancelTransition('cenChild.attached', `${cenId}|${ch.instanceId}`);
        c.cenChildren.get(`${cenId}|${ch.instanceId}`)!.status = 'Attached';
      }
      c.markDirty();
      for (const p of x.publishedRoutes ?? []) {
        const ch = c.cenChildren.get(`${cenId}|${p.childInstanceId}`);
        if (!ch) throw new Error(`publishedRoutes: ${p.childInstanceId} is not a child of this CEN`);
        m.cens.publishRouteEntries({ cenId, childInstanceId: ch.childInstanceId, childInstanceType: ch.childInstanceType, childInstanceRegionId: ch.childInstanceRegionId, childInstanceRouteTableId: ch.routeTableId, destinationCidrBlock: p.destinationCidrBlock });
      }
      for (const h of x.vbrHealthChecks ?? []) {
        const vbr = c.vbrs.get(h.vbrId)!;
        m.cens.enableCenVbrHealthCheck({
          cenId,
          vbrInstanceId: vbr.vbrId,
          vbrInstanceRegionId: vbr.regionId,
          healthCheckTargetIp: h.targetIp,
          ...(h.sourceIp ? { healthCheckSourceIp: h.sourceIp } : {}),
          ...(h.interval !== undefined ? { healthCheckInterval: h.interval } : {}),
          ...(h.threshold !== undefined ? { healthyThreshold: h.threshold } : {}),
          ...(h.healthCheckOnly !== undefined ? { healthCheckOnly: h.healthCheckOnly } : {}),
        });
        const key = `${cenId}|${vbr.vbrId}`;
        c.cancelTransition('cenVbrHealthCheck.enabled', key);
        c.cenVbrHealthChecks.get(key)!.record.state = 'Enabled';
      }
    }),
  );
  for (const g of t.cenGrants ?? []) {
    const inst = (c.vpcs.get(g.instanceId) ?? c.vbrs.get(g.instanceId))!;
    const cen = c.cens.get(g.cenId);
    grant(inst.regionId, g.instanceId, c.vpcs.has(g.instanceId) ? 'VPC' : 'VBR', g.cenId, g.cenOwnerId ?? (cen ? c.ownerOf(cen) : c.accountId), c.ownerOf(inst));
  }
  c.markDirty();
  c.flush();
  // Routes learned at load time are in their steady state: no convergence delay pending.
  for (const r of c.cenRoutes.values()) {
    if (r.activatesAt !== undefined) {
      c.cancelTransition('cenRoute.activated', r.routeEntryId);
      delete r.activatesAt;
      r.status = 'Active';
    }
  }
  m.healthChecks.sync();
  return m;
}
