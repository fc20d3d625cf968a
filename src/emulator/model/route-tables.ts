/**
 * Route tables and route entries of vRouters (VPC) and VBRs: CreateRouteEntry /
 * DeleteRouteEntry / ModifyRouteEntry / DescribeRouteEntryList / DescribeRouteTableList rules.
 * Sources: VPC API CreateRouteEntry operation notes and error table; alibaba-api.md §4, §7, §8.
 */
import { cidrEquals, compareCidr, containsCidr, parseCidr, type Cidr } from '../../net/index.ts';
import {
  DryRunOperation,
  DuplicatedVpcNextHop,
  EcmpRouterInterfaceType,
  Forbidden,
  IncorrectRouteEntryStatus,
  IncorrectRouterInterfaceStatus,
  InvalidCidrBlock,
  InvalidCidrBlockDuplicate,
  InvalidNextHopListSize,
  InvalidNextHopNotFound,
  InvalidNextHopType,
  InvalidParameter,
  InvalidPhysicalConnectionBusinessStatus,
  InvalidRouteEntryNotFound,
  InvalidRouterInterface,
  InvalidRouterTypeForNextHopList,
  InvalidRouteTableNotFound,
  InvalidVbrStatus,
  InvalidWeight,
  NextHopTypeAndListBothNotNull,
  NextHopTypeAndListBothNull,
  RouteEntryQuotaExceeded,
  RouterEntryConflictDuplicated,
  TaskConflict,
} from '../errors.ts';
import { canonicalDestination, paginate, parseDestination, required, routerInterfaceHealthFailed, tokenStart } from './common.ts';
import type { ModelCore, RouteSlot } from './store.ts';
import type {
  CreateRouteEntryParams,
  DeleteRouteEntryParams,
  DescribeRouteEntriesFilter,
  DescribeRouteTablesFilter,
  ModifyRouteEntryParams,
  NextHopSpec,
  NextHopType,
  NextHopView,
  Page,
  RouteEntryRecord,
  RouteEntryView,
  RouteTableRecord,
  TokenPage,
  CenRouteRecord,
} from './types.ts';

/** 100.64.0.0/10, the VPC cloud-service range (seed chapter 1). */
export const CLOUD_SERVICE_CIDR = '100.64.0.0/10';

const VROUTER_NEXT_HOP_TYPES: ReadonlySet<string> = new Set([
  'RouterInterface',
  'Instance',
  'HaVip',
  'NetworkInterface',
  'VpnGateway',
  'IPv6Gateway',
  'NatGateway',
]);
const VBR_NEXT_HOP_TYPES: ReadonlySet<string> = new Set(['RouterInterface', 'PhysicalConnection']);

/** Route tables and their entries. */
export class RouteTables {
  constructor(private readonly core: ModelCore) {
    core.onTransition('routeEntry.created', (id) => this.settle(id));
    core.onTransition('routeEntry.modified', (id) => this.settle(id));
    core.onTransition('routeEntry.deleted', (id) => {
      const e = core.routeEntries.get(id);
      if (e) core.removeRouteEntry(e);
    });
  }

  private settle(id: string): void {
    const e = this.core.routeEntries.get(id);
    if (e && (e.status === 'Pending' || e.status === 'Modifying')) this.core.setEntryStatus(e, 'Available');
  }

  /** The table or `InvalidRouteTableId.NotFound` (also when `regionId` does not match). */
  requireTable(routeTableId: string, regionId?: string): RouteTableRecord {
    const t = this.core.routeTables.get(routeTableId);
    if (!t || (regionId && t.regionId !== regionId)) throw new InvalidRouteTableNotFound(routeTableId);
    return t;
  }

  /**
   * CreateRouteEntry. Rules: either one next hop or an ECMP `nextHopList` (VPC tables only, 2..16
   * RouterInterface hops whose opposite is a VBR, weight 0..255); not 100.64.0.0/10 (nor a subset
   * on vRouter tables); not equal to or inside a vSwitch CIDR; unique destination per table; at
   * most `quotas.customRoutesPerTable` custom entries; VBR tables need an `active` VBR on an
   * `Enabled`/`Normal` circuit and a next hop that is that VBR's router interface (or its
   * physical connection); router-interface next hops must be `Active` (`IncorrectStatus.RouterInterface`).
   * The table must be stable: a `Pending`/`Modifying` entry →
   * `IncorrectRouteEntryStatus`, a `Deleting` one → `TaskConflict`. The entry is `Pending`, then
   * `Available` after `timings.routeEntryCreateMs`.
   * @throws EmulatorApiError with the codes above; `DryRunOperation` when `dryRun` passes
   */
  createRouteEntry(p: CreateRouteEntryParams): { routeEntryId: string } {
    return this.core.idempotent('CreateRouteEntry', p, () => {
      const table = this.requireTable(required(p.routeTableId, 'RouteTableId'), p.regionId);
      const prefix = parseDestination(required(p.destinationCidrBlock, 'DestinationCidrBlock'));
      this.checkDestination(table, prefix);
      const nextHops = this.resolveNextHops(table, p);
      this.checkStable(table);
      const existing = this.entryAt(table.routeTableId, prefix);
      if (existing) {
        throw sameHops(existing.nextHops, nextHops)
          ? new RouterEntryConflictDuplicated(p.destinationCidrBlock)
          : new InvalidCidrBlockDuplicate(p.destinationCidrBlock);
      }
      if (this.core.tableIndex(table.routeTableId).customCount >= this.core.quotas.customRoutesPerTable) {
        throw new RouteEntryQuotaExceeded();
      }
      if (p.dryRun) throw new DryRunOperation();
      const entry: RouteEntryRecord = {
        routeEntryId: this.core.ids.next('rte', table.regionId),
        routeTableId: table.routeTableId,
        regionId: table.regionId,
        destinationCidrBlock: canonicalDestination(p.destinationCidrBlock),
        type: 'Custom',
        status: 'Pending',
        nextHops,
        routeEntryName: p.routeEntryName ?? '',
        description: p.description ?? '',
        creationTime: this.core.isoNow(),
      };
      this.core.addRouteEntry(entry);
      this.core.scheduleTransition('routeEntry.created', entry.routeEntryId, this.core.timings.routeEntryCreateMs);
      this.core.flush();
      return { routeEntryId: entry.routeEntryId };
    });
  }

  /**
   * DeleteRouteEntry, by id or by table + CIDR (+ next hop(s) to pick the entry). Only `Available`
   * custom entries can be deleted (`IncorrectRouteEntryStatus`), and not while another entry of the
   * table is changing (`TaskConflict`). The entry goes `Deleting`, then disappears after
   * `timings.routeEntryDeleteMs`; it carries no traffic while `Deleting`.
   * @throws EmulatorApiError
   */
  deleteRouteEntry(p: DeleteRouteEntryParams): Record<string, never> {
    return this.core.idempotent('DeleteRouteEntry', p, () => {
      const entry = this.findForDelete(p);
      const table = this.requireTable(entry.routeTableId);
      if (entry.type !== 'Custom') {
        throw new Forbidden('DeleteSystemRouteEntry', 'System and dynamic route entries cannot be deleted.');
      }
      if (entry.status !== 'Available') throw new IncorrectRouteEntryStatus('entry');
      this.checkStable(table);
      if (p.dryRun) throw new DryRunOperation();
      this.core.setEntryStatus(entry, 'Deleting');
      this.core.scheduleTransition('routeEntry.deleted', entry.routeEntryId, this.core.timings.routeEntryDeleteMs);
      this.core.flush();
      return {};
    });
  }

  /**
   * ModifyRouteEntry: name/description change at once; a new next hop (non-ECMP custom entries)
   * puts the entry in `Modifying` for `timings.routeEntryModifyMs`. @throws EmulatorApiError
   */
  modifyRouteEntry(p: ModifyRouteEntryParams): Record<string, never> {
    return this.core.idempotent('ModifyRouteEntry', p, () => {
      const entry = this.core.routeEntries.get(required(p.routeEntryId, 'RouteEntryId'));
      if (!entry || (p.regionId && entry.regionId !== p.regionId)) throw new InvalidRouteEntryNotFound(p.routeEntryId);
      const table = this.requireTable(entry.routeTableId);
      let newHops: NextHopSpec[] | undefined;
      if (p.newNextHopId !== undefined) {
        if (entry.type !== 'Custom' || entry.nextHops.length > 1) {
          throw new Forbidden('ModifyRouteEntry', 'The next hop of this route entry cannot be modified.');
        }
        newHops = this.resolveNextHops(table, { routeTableId: table.routeTableId, destinationCidrBlock: entry.destinationCidrBlock, nextHopType: p.newNextHopType ?? entry.nextHops[0]?.nextHopType, nextHopId: p.newNextHopId });
        if (entry.status !== 'Available') throw new IncorrectRouteEntryStatus('entry');
        this.checkStable(table);
      }
      if (p.dryRun) throw new DryRunOperation();
      if (p.routeEntryName !== undefined) entry.routeEntryName = p.routeEntryName;
      if (p.description !== undefined) entry.description = p.description;
      if (newHops) {
        entry.nextHops = newHops;
        this.core.setEntryStatus(entry, 'Modifying');
        this.core.scheduleTransition('routeEntry.modified', entry.routeEntryId, this.core.timings.routeEntryModifyMs);
        this.core.markDirty();
        this.core.flush();
      }
      return {};
    });
  }

  /** DescribeRouteTableList (page size ≤ 50). */
  describeRouteTables(f: DescribeRouteTablesFilter): Page<RouteTableRecord> {
    const rows = [...this.core.routeTables.values()].filter(
      (t) =>
        t.regionId === f.regionId &&
        this.core.seenBy(f, t.routeTableId) &&
        (!f.routerType || t.routerType === f.routerType) &&
        (!f.routerId || t.routerId === f.routerId) &&
        (!f.vpcId || t.vpcId === f.vpcId) &&
        (!f.routeTableId || t.routeTableId === f.routeTableId) &&
        (!f.routeTableName || t.routeTableName === f.routeTableName),
    );
    return paginate(rows.map((t) => ({ ...t })), f);
  }

  /**
   * DescribeRouteEntryList: the table's own entries plus `Active` CEN-learned routes (as
   * `Type=CEN`), ordered by destination; `MaxResult` 1..100 (default 10) with `NextToken`.
   * @throws InvalidRouteTableId.NotFound
   */
  describeRouteEntries(f: DescribeRouteEntriesFilter): TokenPage<RouteEntryView> {
    this.core.flush();
    const table = this.requireTable(required(f.routeTableId, 'RouteTableId'), f.regionId);
    const maxResult = f.maxResult ?? 10;
    if (!Number.isInteger(maxResult) || maxResult < 1 || maxResult > 100) throw new InvalidParameter('MaxResult');
    const dests = [...(f.destCidrBlockList ?? []), ...(f.destinationCidrBlock ? [f.destinationCidrBlock] : [])].map((c) => parseDestination(c));
    // Filter the records in destination order and build wire views for the returned page only:
    // a table of 100,000 routes answers a page of 100 without 100,000 views or a sort.
    const idx = this.core.tables.get(table.routeTableId);
    const rows: EntryRow[] = [];
    if (idx && dests.length > 0) {
      for (const d of dests) {
        const v = idx.trie.get(d);
        if (v) rowsOfSlot(d, v, f, rows);
      }
      rows.sort((a, b) => compareCidr(a.prefix, b.prefix) || a.id.localeCompare(b.id));
    } else if (idx) {
      // The trie walks prefixes in (network, length) order, the wire order; only rows that share
      // a prefix need sorting (by id).
      for (const { prefix, value } of idx.trie.entries()) rowsOfSlot(prefix, value, f, rows);
    }
    const start = tokenStart(f.nextToken);
    const end = start + maxResult;
    return {
      items: rows.slice(start, end).map((row) => (row.entry ? this.entryView(row.entry) : this.cenRouteView(row.cen as CenRouteRecord))),
      totalCount: rows.length,
      ...(end < rows.length ? { nextToken: `o${end}` } : {}),
    };
  }

  /** Wire view of an own entry, with next-hop `enabled` from the health checks. */
  entryView(e: RouteEntryRecord): RouteEntryView {
    return {
      routeEntryId: e.routeEntryId,
      routeTableId: e.routeTableId,
      destinationCidrBlock: e.destinationCidrBlock,
      type: e.type,
      status: e.status,
      routeEntryName: e.routeEntryName,
      description: e.description,
      creationTime: e.creationTime,
      ipVersion: 'ipv4',
      nextHops: e.nextHops.map((h) => this.hopView(e.regionId, h)),
      origin: e.type,
    };
  }

  /** Wire view of a CEN-learned route in a table (shown while `Active`). */
  cenRouteView(r: CenRouteRecord): RouteEntryView {
    return {
      routeEntryId: r.routeEntryId,
      routeTableId: r.routeTableId,
      destinationCidrBlock: r.destinationCidrBlock,
      type: 'CEN',
      status: 'Available',
      routeEntryName: '',
      description: '',
      creationTime: '',
      ipVersion: 'ipv4',
      nextHops: [
        {
          nextHopType: 'CEN',
          nextHopId: r.cenId,
          nextHopRegionId: r.sourceRegionId,
          nextHopRelatedInfo: { instanceId: r.sourceInstanceId, instanceType: r.sourceInstanceType, regionId: r.sourceRegionId },
        },
      ],
      origin: 'CEN',
    };
  }

  private hopView(regionId: string, h: NextHopSpec): NextHopView {
    const v: NextHopView = { ...h, nextHopRegionId: regionId };
    if (h.nextHopType === 'RouterInterface') {
      const ri = this.core.routerInterfaces.get(h.nextHopId);
      v.enabled = !routerInterfaceHealthFailed(this.core, h.nextHopId);
      if (ri) {
        v.nextHopRegionId = ri.regionId;
        v.nextHopRelatedInfo = {
          instanceId: ri.oppositeRouterType === 'VBR' ? ri.oppositeRouterId : (this.vpcOfRouter(ri.oppositeRouterId) ?? ri.oppositeRouterId),
          instanceType: ri.oppositeRouterType === 'VBR' ? 'VBR' : 'VPC',
          regionId: ri.oppositeRegionId,
        };
      }
    } else if (h.nextHopType === 'PhysicalConnection') {
      v.nextHopRelatedInfo = { instanceId: h.nextHopId, instanceType: 'PCONN', regionId };
    }
    return v;
  }

  private vpcOfRouter(routerId: string): string | undefined {
    for (const v of this.core.vpcs.values()) if (v.vRouterId === routerId) return v.vpcId;
    return undefined;
  }

  /** The own (non-CEN) entry stored at exactly `prefix`, if any. */
  entryAt(routeTableId: string, prefix: Cidr): RouteEntryRecord | undefined {
    return this.core.tables.get(routeTableId)?.trie.get(prefix)?.entries[0];
  }

  private checkDestination(table: RouteTableRecord, prefix: Cidr): void {
    const cloud = parseCidr(CLOUD_SERVICE_CIDR);
    // 100.64.0.0/10 itself is refused everywhere; its subsets only on vRouter tables, because the
    // seed (chapter 1) adds 100.64.0.0/11 and 100.96.0.0/11 to VBR tables.
    if (cidrEquals(prefix, cloud) || (table.routerType === 'VRouter' && containsCidr(cloud, prefix))) {
      throw new InvalidCidrBlock(CLOUD_SERVICE_CIDR);
    }
    if (table.routerType === 'VRouter') {
      for (const sw of this.core.vSwitches.values()) {
        if (sw.vpcId === table.vpcId && containsCidr(parseCidr(sw.cidrBlock), prefix)) throw new InvalidCidrBlock(sw.cidrBlock);
      }
    }
  }

  private checkStable(table: RouteTableRecord): void {
    let deleting = false;
    for (const e of this.core.tableIndex(table.routeTableId).unstable.values()) {
      if (e.status === 'Pending' || e.status === 'Modifying') throw new IncorrectRouteEntryStatus(table.routerType);
      if (e.status === 'Deleting') deleting = true;
    }
    if (deleting) throw new TaskConflict();
  }

  private resolveNextHops(table: RouteTableRecord, p: CreateRouteEntryParams): NextHopSpec[] {
    const list = p.nextHopList ?? [];
    const single = Boolean(p.nextHopType || p.nextHopId);
    if (list.length > 0 && single) throw new NextHopTypeAndListBothNotNull();
    if (list.length === 0 && !single) throw new NextHopTypeAndListBothNull();
    if (table.routerType === 'VBR') {
      const vbr = this.core.vbrs.get(table.vbrId ?? '');
      if (!vbr || vbr.status !== 'active') throw new InvalidVbrStatus();
      const pc = this.core.physicalConnections.get(vbr.physicalConnectionId);
      if (!pc || pc.status !== 'Enabled' || pc.businessStatus !== 'Normal') throw new InvalidPhysicalConnectionBusinessStatus();
    }
    if (list.length > 0) {
      if (table.routerType === 'VBR') throw new InvalidRouterTypeForNextHopList();
      const max = this.core.quotas.maxEcmpNextHops;
      if (list.length < 2 || list.length > max) throw new InvalidNextHopListSize(2, max);
      const seen = new Set<string>();
      return list.map((h) => {
        if ((h.nextHopType ?? 'RouterInterface') !== 'RouterInterface') throw new InvalidNextHopType();
        const weight = h.weight ?? 100;
        if (!Number.isInteger(weight) || weight < 0 || weight > 255) throw new InvalidWeight();
        if (seen.has(h.nextHopId)) throw new DuplicatedVpcNextHop();
        seen.add(h.nextHopId);
        const ri = this.core.routerInterfaces.get(required(h.nextHopId, 'NextHopList.N.NextHopId'));
        if (!ri || ri.routerId !== table.routerId) throw new InvalidNextHopNotFound(h.nextHopId);
        if (ri.oppositeRouterType !== 'VBR') throw new EcmpRouterInterfaceType();
        if (ri.status !== 'Active') throw new IncorrectRouterInterfaceStatus();
        return { nextHopType: 'RouterInterface', nextHopId: h.nextHopId, weight };
      });
    }
    const type = p.nextHopType || 'Instance';
    const id = required(p.nextHopId, 'NextHopId');
    const allowed = table.routerType === 'VBR' ? VBR_NEXT_HOP_TYPES : VROUTER_NEXT_HOP_TYPES;
    if (!allowed.has(type)) throw new InvalidNextHopType();
    if (type === 'RouterInterface') {
      const ri = this.core.routerInterfaces.get(id);
      if (!ri || ri.routerId !== table.routerId) {
        throw table.routerType === 'VBR' ? new InvalidRouterInterface() : new InvalidNextHopNotFound(id);
      }
      if (ri.status !== 'Active') throw new IncorrectRouterInterfaceStatus();
    } else if (type === 'PhysicalConnection') {
      const vbr = this.core.vbrs.get(table.vbrId ?? '');
      if (vbr?.physicalConnectionId !== id) throw new InvalidNextHopNotFound(id);
    } else if (type === 'Instance') {
      const ecs = this.core.ecsInstances.get(id);
      if (!ecs || ecs.vpcId !== table.vpcId) throw new InvalidNextHopNotFound(id);
    } else {
      // HaVip, ENI, VPN gateway, NAT gateway, IPv6 gateway: not in the emulator's inventory.
      throw new InvalidNextHopNotFound(id);
    }
    return [{ nextHopType: type as NextHopType, nextHopId: id }];
  }

  private findForDelete(p: DeleteRouteEntryParams): RouteEntryRecord {
    if (p.routeEntryId) {
      const e = this.core.routeEntries.get(p.routeEntryId);
      if (!e || (p.regionId && e.regionId !== p.regionId)) {
        if (this.core.cenRoutes.has(p.routeEntryId)) {
          throw new Forbidden('DeleteCenRouteEntry', 'Route entries learned from CEN cannot be deleted.');
        }
        throw new InvalidRouteEntryNotFound(p.routeEntryId);
      }
      return e;
    }
    const table = this.requireTable(required(p.routeTableId, 'RouteTableId'), p.regionId);
    const cidr = required(p.destinationCidrBlock, 'DestinationCidrBlock');
    const prefix = parseDestination(cidr);
    const e = this.entryAt(table.routeTableId, prefix);
    if (!e) throw new InvalidRouteEntryNotFound(cidr);
    const wanted = p.nextHopList?.map((h) => h.nextHopId) ?? (p.nextHopId ? [p.nextHopId] : []);
    if (wanted.length > 0) {
      const have = new Set(e.nextHops.map((h) => h.nextHopId));
      if (wanted.length !== have.size || !wanted.every((id) => have.has(id))) throw new InvalidRouteEntryNotFound(cidr);
    }
    return e;
  }
}

function sameHops(a: readonly NextHopSpec[], b: readonly NextHopSpec[]): boolean {
  if (a.length !== b.length) return false;
  const ids = new Set(a.map((h) => `${h.nextHopType}|${h.nextHopId}`));
  return b.every((h) => ids.has(`${h.nextHopType}|${h.nextHopId}`));
}

/** A route of DescribeRouteEntryList before its wire view is built. */
interface EntryRow {
  prefix: Cidr;
  id: string;
  entry?: RouteEntryRecord;
  cen?: CenRouteRecord;
}

/** Whether a route passes DescribeRouteEntryList's id, type and next-hop filters. */
function entryWanted(f: DescribeRouteEntriesFilter, id: string, type: string, hopId: string | undefined, hopType: string | undefined, hops?: readonly NextHopSpec[]): boolean {
  if (f.routeEntryId && id !== f.routeEntryId) return false;
  if (f.routeEntryType && type !== f.routeEntryType) return false;
  if (f.nextHopId && !(hops ? hops.some((h) => h.nextHopId === f.nextHopId) : hopId === f.nextHopId)) return false;
  if (f.nextHopType && !(hops ? hops.some((h) => h.nextHopType === f.nextHopType) : hopType === f.nextHopType)) return false;
  return true;
}

/** Appends the wanted routes of one prefix (own entries, then Active CEN routes), by id. */
function rowsOfSlot(prefix: Cidr, slot: RouteSlot, f: DescribeRouteEntriesFilter, out: EntryRow[]): void {
  const first = out.length;
  for (const e of slot.entries) if (entryWanted(f, e.routeEntryId, e.type, undefined, undefined, e.nextHops)) out.push({ prefix, id: e.routeEntryId, entry: e });
  for (const r of slot.cen) if (r.status === 'Active' && entryWanted(f, r.routeEntryId, 'CEN', r.cenId, 'CEN')) out.push({ prefix, id: r.routeEntryId, cen: r });
  if (out.length - first > 1) {
    const sorted = out.splice(first).sort((a, b) => a.id.localeCompare(b.id));
    out.push(...sorted);
  }
}
