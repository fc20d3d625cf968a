/**
 * The index the checks share, built once per inventory: lookups by id, the VBR↔VPC router
 * interface pairs, and one `PrefixTrie` per route table (its own entries, the forwarding view
 * with CEN-learned routes, and the CEN view of the child). Checks find covering, covered and
 * longest-prefix routes on these tries instead of comparing routes pairwise, so the analysis of
 * n routes costs O(n · 32), not O(n²).
 */
import type { CenRouteEntry, CenVbrHealthCheck, RouteEntry, RouterInterface } from '../../src/cloud/index.ts';
import { formatCidr, parseCidr, PrefixTrie, type Cidr } from '../../src/net/index.ts';
import type { CenChildRoutes, InRegion, Inventory, TableInventory } from './types.ts';

/** One VBR↔VPC router-interface connection (a "line" into the VPC). */
export interface Line {
  vbrId: string;
  vpcId: string;
  /** The interface on the VBR (health-check settings live here). */
  vbrSide: InRegion<RouterInterface>;
  /** The interface on the VPC's vRouter (next hop of the VPC's routes toward the data center). */
  vpcSide: InRegion<RouterInterface> | null;
}

/** A route entry with its parsed prefix. */
export interface ParsedEntry {
  e: RouteEntry;
  c: Cidr;
}

/** A route table with its tries. */
export interface IndexedTable {
  inv: TableInventory;
  /** The entries with their prefixes (parsed once; malformed ones left out). */
  parsed: ParsedEntry[];
  /** Own entries (not CEN-learned), by prefix (a prefix may hold a system and a custom entry). */
  own: PrefixTrie<RouteEntry[]>;
  /** What forwards: every `Available` entry, CEN-learned ones included, by prefix (built on first use). */
  readonly forwarding: PrefixTrie<RouteEntry[]>;
  /** The CEN view of the child owning this table (Status=All), when attached. */
  cen: CenChildRoutes | null;
  /** CEN-learned routes (type CEN) of the CEN view, by prefix. */
  cenLearned: PrefixTrie<CenRouteEntry>;
}

/** Lookups shared by the checks. */
export interface AuditIndex {
  tables: Map<string, IndexedTable>;
  vbrs: Map<string, Inventory['vbrs'][number]>;
  physicalConnections: Map<string, Inventory['physicalConnections'][number]>;
  routerInterfaces: Map<string, InRegion<RouterInterface>>;
  /** Lines by the id of either interface. */
  lineByInterface: Map<string, Line>;
  /** Lines into each VPC. */
  linesByVpc: Map<string, Line[]>;
  /** Lines of each VBR (usually one). */
  linesByVbr: Map<string, Line[]>;
  /** CEN VBR health checks by VBR id. */
  cenHealthChecks: Map<string, InRegion<CenVbrHealthCheck>[]>;
  /** The table of each VPC (system table) and VBR. */
  tableOfOwner: Map<string, string>;
}

const cache = new WeakMap<Inventory, AuditIndex>();

/** Parses a CIDR the cloud returned; a malformed one (never expected) is skipped rather than failing the audit. */
export function cidrOf(text: string): Cidr | null {
  try {
    return parseCidr(text);
  } catch {
    return null;
  }
}


function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function addAt(trie: PrefixTrie<RouteEntry[]>, prefix: Cidr, e: RouteEntry): void {
  const list = trie.get(prefix);
  if (list) list.push(e);
  else trie.set(prefix, [e]);
}

/** Builds (once per inventory) the index the checks share. */
export function indexOf(inv: Inventory): AuditIndex {
  const hit = cache.get(inv);
  if (hit) return hit;
  const routerInterfaces = new Map(inv.routerInterfaces.map((r) => [r.routerInterfaceId, r]));
  const lineByInterface = new Map<string, Line>();
  const linesByVpc = new Map<string, Line[]>();
  const linesByVbr = new Map<string, Line[]>();
  const vpcByRouter = new Map(inv.vpcs.map((v) => [v.vRouterId, v.vpcId]));
  for (const ri of inv.routerInterfaces) {
    if (ri.routerType !== 'VBR' || ri.oppositeRouterType !== 'VRouter') continue;
    const vpcSide = (ri.oppositeInterfaceId ? routerInterfaces.get(ri.oppositeInterfaceId) : undefined) ?? null;
    const vpcId = ri.vpcInstanceId ?? (ri.oppositeRouterId ? vpcByRouter.get(ri.oppositeRouterId) : undefined) ?? vpcSide?.vpcInstanceId;
    if (!vpcId) continue;
    const line: Line = { vbrId: ri.routerId, vpcId, vbrSide: ri, vpcSide };
    lineByInterface.set(ri.routerInterfaceId, line);
    if (vpcSide) lineByInterface.set(vpcSide.routerInterfaceId, line);
    push(linesByVpc, vpcId, line);
    push(linesByVbr, ri.routerId, line);
  }
  const cenByTable = new Map<string, CenChildRoutes>();
  for (const c of inv.cenRoutes) if (c.routeTableId) cenByTable.set(c.routeTableId, c);
  const tables = new Map<string, IndexedTable>();
  const tableOfOwner = new Map<string, string>();
  for (const t of inv.routeTables) {
    const own = new PrefixTrie<RouteEntry[]>();
    const parsed: ParsedEntry[] = [];
    for (const e of t.entries) {
      const c = cidrOf(e.destinationCidrBlock);
      if (!c) continue;
      parsed.push({ e, c });
      if (e.type !== 'CEN') addAt(own, c, e);
    }
    // Only longest-prefix questions (critical addresses) need it: built on first use.
    let forwarding: PrefixTrie<RouteEntry[]> | undefined;
    const forwardingOf = (): PrefixTrie<RouteEntry[]> => {
      if (!forwarding) {
        forwarding = new PrefixTrie<RouteEntry[]>();
        for (const { e, c } of parsed) if (e.status === 'Available') addAt(forwarding, c, e);
      }
      return forwarding;
    };
    const cen = cenByTable.get(t.table.routeTableId) ?? null;
    const cenLearned = new PrefixTrie<CenRouteEntry>();
    for (const r of cen?.routes ?? []) {
      if (r.type !== 'CEN') continue;
      const c = cidrOf(r.destinationCidrBlock);
      if (c) cenLearned.set(c, r);
    }
    tables.set(t.table.routeTableId, {
      inv: t,
      parsed,
      own,
      get forwarding() {
        return forwardingOf();
      },
      cen,
      cenLearned,
    });
    if (t.ownerType === 'VBR' || t.table.routeTableType === 'System' || !tableOfOwner.has(t.ownerId)) tableOfOwner.set(t.ownerId, t.table.routeTableId);
  }
  const cenHealthChecks = new Map<string, InRegion<CenVbrHealthCheck>[]>();
  for (const hc of inv.cenVbrHealthChecks) push(cenHealthChecks, hc.vbrInstanceId, hc);
  const index: AuditIndex = {
    tables,
    vbrs: new Map(inv.vbrs.map((v) => [v.vbrId, v])),
    physicalConnections: new Map(inv.physicalConnections.map((p) => [p.physicalConnectionId, p])),
    routerInterfaces,
    lineByInterface,
    linesByVpc,
    linesByVbr,
    cenHealthChecks,
    tableOfOwner,
  };
  cache.set(inv, index);
  return index;
}

/** Whether a next hop can carry traffic now (`Enabled=0` means its health check failed). */
export const hopUsable = (h: { enabled?: boolean }): boolean => h.enabled !== false;

/** The entry that forwards `ip` in a table: longest prefix among Available entries with a usable next hop. */
export function forwardingLookup(t: IndexedTable, ip: number): { prefix: Cidr; entries: RouteEntry[] } | undefined {
  const hit = t.forwarding.lookup(ip, (entries) => entries.some((e) => e.nextHops.length === 0 || e.nextHops.some(hopUsable)));
  return hit ? { prefix: hit.prefix, entries: hit.value } : undefined;
}

/** Whether an entry is a route toward the data center on a VBR (over the physical connection, or learned by BGP). */
export function isIdcRoute(e: RouteEntry): boolean {
  return e.type === 'BGP' || e.nextHops.some((h) => h.nextHopType === 'PhysicalConnection');
}

/**
 * The lines of a VPC that can carry traffic to `destination`: the VBR's table has a route toward
 * the data center equal to or containing it (the trie's `covering` walk, at most 33 nodes).
 */
export function linesReaching(index: AuditIndex, vpcId: string, destination: Cidr): Line[] {
  const out: Line[] = [];
  for (const line of index.linesByVpc.get(vpcId) ?? []) if (lineReaches(index, line, destination)) out.push(line);
  return out;
}

/** How many lines of a VPC can carry traffic to `destination` (see {@link linesReaching}; no allocation). */
export function countLinesReaching(index: AuditIndex, vpcId: string, destination: Cidr): number {
  let n = 0;
  for (const line of index.linesByVpc.get(vpcId) ?? []) if (lineReaches(index, line, destination)) n += 1;
  return n;
}

/** Whether the line's VBR has a route toward the data center equal to or containing `destination`. */
function lineReaches(index: AuditIndex, line: Line, destination: Cidr): boolean {
  const vbr = index.vbrs.get(line.vbrId);
  const table = vbr ? index.tables.get(vbr.routeTableId) : undefined;
  if (!table) return false;
  // The longest such route that contains the whole destination, if any.
  return table.own.lookup(destination.network, (entries, prefix) => prefix.length <= destination.length && entries.some(isIdcRoute)) !== undefined;
}

/** `route:<table>|<cidr>`: the resource of a route-level finding. */
export const routeRef = (routeTableId: string, cidr: string | Cidr): string => `route:${routeTableId}|${typeof cidr === 'string' ? cidr : formatCidr(cidr)}`;

/** Next hops of an entry as `type:id*weight` (weights only for multi-hop entries), for evidence. */
export function hopsText(e: RouteEntry): string[] {
  return e.nextHops.map((h) => `${h.nextHopType}:${h.nextHopId}${e.nextHops.length > 1 && h.weight !== undefined ? `*${h.weight}` : ''}${h.enabled === false ? ' (disabled)' : ''}`);
}
