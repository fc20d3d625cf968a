/**
 * Reading the inventory: one snapshot of the network through the Describe APIs (every list paged
 * by `src/cloud`), the reachability probes the checks need, the last performance report and the
 * changes in flight from the store. The number of calls is bounded by the resources audited:
 *
 *   per region   DescribePhysicalConnections, DescribeVirtualBorderRouters, DescribeRouterInterfaces,
 *                DescribeVpcs, DescribeRouteTableList, DescribeBgpPeers, DescribeCenVbrHealthCheck
 *                (one call per page of 50)
 *   per table    DescribeRouteEntryList (one call per 100 entries)
 *   once         DescribeCens; per CEN DescribeCenAttachedChildInstances;
 *   per child    DescribeCenChildInstanceRouteEntries (one call per 500 routes)
 *
 * A throttled or failed call fails the read as a whole; the engine retries the step with back-off
 * (Describe calls change nothing, so a repeat is harmless).
 */
import type { CloudCallRecord } from '../../src/engine/types.ts';
import { isCloudErrorClass, regionView, type CloudClients, type RouteTable } from '../../src/cloud/index.ts';
import type { ExecutionStatus, JsonObject, Json } from '../../src/engine/types.ts';
import type { ExecutionStore } from '../../src/store/contract.ts';
import type { AuditIntent } from './intent.ts';
import type { ActiveChange, CenChildRoutes, Inventory, PerformanceBaseline, ProbeRecord, TableInventory } from './types.ts';

/** What to audit. */
export interface AuditScope {
  /** Regions whose VPCs, VBRs and circuits are read (default: the clients' region). */
  regionIds: string[];
  /** CEN instances to read (default: every CEN the account has). */
  cenIds?: string[];
}

/** Describe calls of one audit, by action, with the failures among them. */
export interface CallCount extends JsonObject {
  total: number;
  byAction: { [action: string]: number };
  failed: number;
  throttled: number;
}

/** Counts cloud calls made through a view of the clients. */
export function callCounter(): { observer: { onCloudCall(call: CloudCallRecord): void }; count: CallCount } {
  const count: CallCount = { total: 0, byAction: {}, failed: 0, throttled: 0 };
  return {
    count,
    observer: {
      onCloudCall(call) {
        count.total += 1;
        count.byAction[call.action] = (count.byAction[call.action] ?? 0) + 1;
        if (call.errorCode) {
          count.failed += 1;
          if (/Throttling|ServiceUnavailable/.test(call.errorCode)) count.throttled += 1;
        }
      },
    },
  };
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the order of results. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** How many Describe calls run at once (a few: rate limits are per account and API). */
const CONCURRENCY = 4;

/**
 * Reads the network part of the inventory (everything but probes, performance and changes).
 * @throws CloudApiError from any Describe call (transient ones are retried by the engine)
 */
export async function readNetwork(cloud: CloudClients, scope: AuditScope): Promise<Omit<Inventory, 'probes' | 'performance' | 'activeChanges' | 'readAt'>> {
  const inv: Omit<Inventory, 'probes' | 'performance' | 'activeChanges' | 'readAt'> = {
    regionIds: scope.regionIds,
    physicalConnections: [],
    vbrs: [],
    routerInterfaces: [],
    vpcs: [],
    routeTables: [],
    bgpPeers: [],
    cens: [],
    cenChildren: [],
    cenVbrHealthChecks: [],
    cenRoutes: [],
  };
  for (const regionId of scope.regionIds) {
    const r = regionView(cloud, regionId);
    const tag = <T extends object>(xs: T[]) => xs.map((x) => ({ ...x, regionId }));
    const [pcs, vbrs, ris, vpcs, tables, peers, hcs] = await Promise.all([
      r.vpc.describePhysicalConnections(),
      r.vpc.describeVirtualBorderRouters(),
      r.vpc.describeRouterInterfaces(),
      r.vpc.describeVpcs(),
      r.vpc.describeRouteTableList(),
      r.vpc.describeBgpPeers(),
      r.cbn.describeCenVbrHealthCheck({ vbrInstanceRegionId: regionId }),
    ]);
    inv.physicalConnections.push(...tag(pcs));
    inv.vbrs.push(...tag(vbrs));
    inv.routerInterfaces.push(...tag(ris));
    inv.vpcs.push(...tag(vpcs));
    inv.bgpPeers.push(...tag(peers));
    inv.cenVbrHealthChecks.push(...tag(hcs));

    // Every table: the listed ones plus each VBR's (DescribeVirtualBorderRouters is the source of
    // a VBR's RouteTableId, alibaba-api.md §4), each once.
    const byId = new Map<string, RouteTable>(tables.map((t) => [t.routeTableId, t]));
    for (const v of vbrs) {
      if (v.routeTableId && !byId.has(v.routeTableId)) {
        byId.set(v.routeTableId, { routeTableId: v.routeTableId, routeTableType: 'System', routerId: v.vbrId, routerType: 'VBR', status: 'Available' });
      }
    }
    const vbrByTable = new Map(vbrs.map((v) => [v.routeTableId, v.vbrId]));
    const vpcByRouter = new Map(vpcs.map((v) => [v.vRouterId, v.vpcId]));
    const read = await mapLimited([...byId.values()], CONCURRENCY, async (table): Promise<TableInventory | null> => {
      const vbrId = vbrByTable.get(table.routeTableId) ?? (table.routerType === 'VBR' ? table.routerId : undefined);
      const ownerType: 'VPC' | 'VBR' = vbrId ? 'VBR' : 'VPC';
      const ownerId = vbrId ?? table.vpcId ?? vpcByRouter.get(table.routerId) ?? table.routerId;
      try {
        const entries = await r.vpc.describeRouteEntryList({ routeTableId: table.routeTableId });
        return { regionId, table, ownerType, ownerId, entries };
      } catch (err) {
        // Deleted between the two reads: nothing to audit.
        if (isCloudErrorClass(err, 'not_found')) return null;
        throw err;
      }
    });
    for (const t of read) if (t) inv.routeTables.push(t);
  }

  const cens = await cloud.cbn.describeCens(scope.cenIds && scope.cenIds.length > 0 ? { cenId: scope.cenIds } : {});
  inv.cens.push(...cens);
  const children = await mapLimited(cens, CONCURRENCY, (c) => cloud.cbn.describeCenAttachedChildInstances({ cenId: c.cenId }));
  for (const list of children) inv.cenChildren.push(...list);
  const tableOf = (childId: string): string | null => {
    const vbr = inv.vbrs.find((v) => v.vbrId === childId);
    if (vbr) return vbr.routeTableId;
    const sys = inv.routeTables.find((t) => t.ownerId === childId && t.ownerType === 'VPC' && t.table.routeTableType === 'System');
    return sys?.table.routeTableId ?? null;
  };
  const inScope = inv.cenChildren.filter(
    (c) => scope.regionIds.includes(c.childInstanceRegionId) && (c.childInstanceType === 'VPC' || c.childInstanceType === 'VBR') && c.status === 'Attached',
  );
  const routes = await mapLimited(inScope, CONCURRENCY, async (c): Promise<CenChildRoutes | null> => {
    const type = c.childInstanceType as 'VPC' | 'VBR';
    try {
      const list = await cloud.cbn.describeCenChildInstanceRouteEntries({
        cenId: c.cenId,
        childInstanceId: c.childInstanceId,
        childInstanceType: type,
        childInstanceRegionId: c.childInstanceRegionId,
        status: 'All',
      });
      const fromRoutes = list.find((x) => x.routeTableId)?.routeTableId;
      return { cenId: c.cenId, childInstanceId: c.childInstanceId, childInstanceType: type, regionId: c.childInstanceRegionId, routeTableId: fromRoutes ?? tableOf(c.childInstanceId), routes: list };
    } catch (err) {
      if (isCloudErrorClass(err, 'not_found')) return null;
      throw err;
    }
  });
  for (const r of routes) if (r) inv.cenRoutes.push(r);
  return inv;
}

/** Destination ports of the extra UDP return-path probes (traceroute's first ports). */
export const RETURN_PATH_UDP_PORTS = [33434, 33435, 33436] as const;

/**
 * The probes the checks need: the return leg of every health check (from its target, the
 * data-center side, back to its source) and every flow of the intent.
 */
export function plannedProbes(inv: Pick<Inventory, 'routerInterfaces' | 'cenVbrHealthChecks'>, intent: AuditIntent): Omit<ProbeRecord, 'result' | 'error'>[] {
  const out: Omit<ProbeRecord, 'result' | 'error'>[] = [];
  const seen = new Set<string>();
  const add = (vbrId: string, sourceIp: string | undefined, targetIp: string | undefined): void => {
    if (!sourceIp || !targetIp) return;
    const key = `${vbrId}|${sourceIp}`;
    if (seen.has(key)) return;
    seen.add(key);
    // The probe's own ICMP flow, then a few UDP flows with other ports: if the data center has no
    // /32 route for the source and only spreads a wider route over several lines (ECMP), some of
    // these hash onto another line even when the ICMP one happens to take the right one.
    out.push({ purpose: 'return-path', key, flow: { name: `return path of the health check of ${vbrId} (icmp)`, source: targetIp, destinationIp: sourceIp, protocol: 'icmp' } });
    for (const port of RETURN_PATH_UDP_PORTS) {
      out.push({ purpose: 'return-path', key, flow: { name: `return path of the health check of ${vbrId} (udp ${port})`, source: targetIp, destinationIp: sourceIp, protocol: 'udp', port } });
    }
  };
  for (const ri of inv.routerInterfaces) {
    if (ri.routerType === 'VBR') add(ri.routerId, ri.healthCheckSourceIp, ri.healthCheckTargetIp);
  }
  for (const hc of inv.cenVbrHealthChecks) add(hc.vbrInstanceId, hc.healthCheckSourceIp, hc.healthCheckTargetIp);
  for (const f of intent.flows) {
    out.push({
      purpose: 'flow',
      key: f.name,
      flow: { name: f.name, source: f.source, destinationIp: f.destinationIp, ...(f.protocol ? { protocol: f.protocol } : {}), ...(f.port !== undefined ? { port: f.port } : {}) },
    });
  }
  return out;
}

/**
 * Runs the probes one by one, so that one the prober cannot run (a data-center source with the
 * Cloud Assistant prober) or that fails is recorded as such without hiding the others.
 */
export async function runProbes(cloud: CloudClients, planned: Omit<ProbeRecord, 'result' | 'error'>[]): Promise<ProbeRecord[]> {
  const out: ProbeRecord[] = [];
  for (const p of planned) {
    try {
      const [r] = await cloud.prober.probe([{ ...p.flow }]);
      out.push({ ...p, result: { reachable: r?.reachable === true, ...(r?.hops ? { hops: r.hops } : {}), ...(r?.reason ? { reason: r.reason } : {}) } });
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      out.push({ ...p, error: { code: typeof e.code === 'string' ? e.code : 'ProbeFailed', message: typeof e.message === 'string' ? e.message : String(err) } });
    }
  }
  return out;
}

/** Id of the performance-test procedure whose last report the drift check compares against. */
export const LINK_PERFORMANCE_TEST = 'link-performance-test';

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A `PerfReport` (src/perf) as found in JSON: port bandwidth and a total with bits per second. */
export function looksLikePerfReport(v: unknown): v is JsonObject {
  return isObject(v) && typeof v.bandwidthBps === 'number' && isObject(v.total) && typeof v.total.bitsPerSecond === 'number';
}

/** Every report object inside an execution output (a report, a list of them, or nested under any key), with its path. */
export function findPerfReports(output: Json, path = 'output', depth = 0, out: Array<{ path: string; report: JsonObject }> = []): Array<{ path: string; report: JsonObject }> {
  if (looksLikePerfReport(output)) {
    out.push({ path, report: output });
    return out;
  }
  if (depth >= 4) return out;
  if (Array.isArray(output)) output.forEach((x, i) => findPerfReports(x, `${path}[${i}]`, depth + 1, out));
  else if (isObject(output)) for (const [k, v] of Object.entries(output)) findPerfReports(v, `${path}.${k}`, depth + 1, out);
  return out;
}

/** The last succeeded `link-performance-test` with at least one report, or null. */
export async function readPerformanceBaseline(store: ExecutionStore): Promise<PerformanceBaseline | null> {
  let cursor: string | null = null;
  // The newest few succeeded runs: one without a report (a failed parse) does not hide an older one.
  for (let pages = 0; pages < 3; pages += 1) {
    const page = await store.listExecutions({ procedureId: LINK_PERFORMANCE_TEST, status: ['succeeded'] }, { limit: 10, cursor });
    for (const ex of page.items) {
      const reports = findPerfReports(ex.output);
      if (reports.length > 0) return { executionId: ex.id, endedAt: ex.endedAt ?? ex.updatedAt, params: ex.params, reports };
    }
    cursor = page.cursor;
    if (!cursor) break;
  }
  return null;
}

const ACTIVE: ExecutionStatus[] = ['pending', 'running', 'waiting', 'awaiting_approval'];

/** Executions in flight (they may explain a half-done state), except `exceptId` (the audit itself). */
export async function readActiveChanges(store: ExecutionStore, exceptId: string): Promise<ActiveChange[]> {
  const out: ActiveChange[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listExecutions({ status: ACTIVE }, { limit: 200, cursor });
    for (const ex of page.items) {
      if (ex.id !== exceptId) out.push({ executionId: ex.id, procedureId: ex.procedureId, status: ex.status, locks: ex.locks });
    }
    cursor = page.cursor;
  } while (cursor && out.length < 5000);
  return out;
}
