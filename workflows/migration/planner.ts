/**
 * The migration planner (seed chapter 5): pure code over `src/net`. Given the facts read from the
 * cloud and the params, it says what the migration will do — the ProtectionLevel change, the
 * attachments, the routes to publish, for every static peering route S the CEN routes R it blocks
 * (R equal to or inside S), the halves that keep traffic on the peering path meanwhile (smooth),
 * the addresses of S that no R covers, the ordered API calls and the route tables before and
 * after as a key/value diff — and refuses, with reasons, what would cut traffic unannounced.
 */
import { ValidationError } from '../../src/errors.ts';
import { bandwidthCalls, bandwidthReadCalls, planBandwidth } from './bandwidth.ts';
import {
  compareCidr,
  containsCidr,
  formatCidr,
  parseCidr,
  remainder,
  splitHalves,
  type Cidr,
} from '../../src/net/index.ts';
import { nextHopKey } from '../shared/ops.ts';
import type {
  BlockedCenRoute,
  CenRouteFact,
  ConflictPlan,
  MigrationFacts,
  MigrationParams,
  MigrationPlan,
  PlannedCall,
  Refusal,
  RemainderBlock,
  RouteDiffRow,
  RouteEntryFact,
  RouteRow,
  RouteRowValues,
  SubjectFacts,
} from './types.ts';

/** Next hop types of custom VPC routes that CEN does not learn unless published (seed 5.1-5). */
export const PUBLISHABLE_NEXT_HOP_TYPES = ['Instance', 'VpnGateway', 'HaVip'] as const;

/** Next hop type of a static route over an Express Connect peering (router interface). */
export const PEERING_NEXT_HOP_TYPE = 'RouterInterface';

/** Custom route quota per route table (alibaba-api.md §8). */
export const ROUTE_QUOTA = 200;

/** Whether a route entry is a static route over a peering connection (every next hop a router interface). */
export function isPeeringRoute(e: RouteEntryFact): boolean {
  return e.type === 'Custom' && e.nextHops.length > 0 && e.nextHops.every((h) => h.nextHopType === PEERING_NEXT_HOP_TYPE);
}

/** Whether an entry is a route the table itself holds (not learned from CEN). */
const isStatic = (e: RouteEntryFact): boolean => e.type !== 'CEN';

/** Whether a table's own entry blocks the CEN route R by the seed's rule: a custom route equal to or containing R, a system route equal to R (also used by the health audit). */
export function blocksCenRoute(e: RouteEntryFact, r: Cidr): boolean {
  if (!isStatic(e)) return false;
  const c = parseCidr(e.destinationCidrBlock);
  if (e.type === 'Custom') return containsCidr(c, r);
  return c.network === r.network && c.length === r.length;
}

/** The entries that block a CEN route R (see {@link blocksCenRoute}). */
function blockersOf(r: Cidr, entries: readonly RouteEntryFact[]): RouteEntryFact[] {
  return entries.filter((e) => blocksCenRoute(e, r));
}

const cenNextHopText = (r: CenRouteFact): string =>
  `${r.nextHopType ?? '?'}:${r.nextHopInstanceId ?? '?'}${r.nextHopRegionId ? `@${r.nextHopRegionId}` : ''}`;

interface Learned {
  route: CenRouteFact;
  cidr: Cidr;
  source: 'observed' | 'predicted';
}

/**
 * The CEN routes a subject has or will learn: observed when attached (Type=CEN of the child's
 * route view), else predicted from the region domain (routes not from the child itself).
 */
function learnedRoutes(subject: SubjectFacts, facts: MigrationFacts): Learned[] {
  if (subject.cenRoutes) {
    return subject.cenRoutes
      .filter((r) => r.type === 'CEN')
      .map((route) => ({ route, cidr: parseCidr(route.destinationCidrBlock), source: 'observed' as const }));
  }
  const statics = subject.routeTable.entries.filter(isStatic);
  return facts.regionDomainRoutes
    .filter((r) => r.status === 'Active' && r.nextHopInstanceId !== subject.childInstanceId && r.nextHopType !== 'local_service')
    .filter((r) => !facts.subjects.some((s) => s.childInstanceId === r.nextHopInstanceId))
    .map((r) => {
      const cidr = parseCidr(r.destinationCidrBlock);
      const status = blockersOf(cidr, statics).length > 0 ? 'Rejected' : 'Active';
      return { route: { ...r, type: 'CEN', status, conflicts: [] }, cidr, source: 'predicted' as const };
    });
}

/**
 * The temporary routes that cover a blocked route R without themselves being equal to or larger
 * than any learned CEN route inside S (which would keep that route Rejected): R's two halves,
 * each split again while it still contains a learned route.
 */
export function coverWithoutBlocking(r: Cidr, learnedInside: readonly Cidr[]): Cidr[] | { hostRoute: Cidr } {
  const out: Cidr[] = [];
  const stack: Cidr[] = [r];
  while (stack.length > 0) {
    const p = stack.pop() as Cidr;
    if (learnedInside.some((l) => containsCidr(p, l))) {
      if (p.length === 32) return { hostRoute: p };
      const [a, b] = splitHalves(p);
      stack.push(b, a);
    } else {
      out.push(p);
    }
  }
  return out.sort(compareCidr);
}

/** Rows of one subject's route table, merging its own entries and its CEN-learned routes per key. */
function subjectRows(subject: SubjectFacts, learned: readonly { cidr: string; status: string; nextHop: string }[]): RouteRow[] {
  const rows = new Map<string, RouteRow>();
  const row = (cidr: string): RouteRow => {
    let r = rows.get(cidr);
    if (!r) {
      r = { routeTableId: subject.routeTable.routeTableId, destinationCidrBlock: cidr, entryType: null, nextHop: null, cenStatus: null, cenNextHop: null };
      rows.set(cidr, r);
    }
    return r;
  };
  for (const e of subject.routeTable.entries) {
    if (e.type === 'CEN') {
      // An Active CEN route also shows in the table; the CEN view has the detail.
      const r = row(e.destinationCidrBlock);
      if (r.cenStatus === null) {
        r.cenStatus = 'Active';
        r.cenNextHop = nextHopKey(e.nextHops) || null;
      }
      continue;
    }
    const r = row(e.destinationCidrBlock);
    r.entryType = e.type;
    r.nextHop = nextHopKey(e.nextHops) || null;
  }
  for (const l of learned) {
    const r = row(l.cidr);
    r.cenStatus = l.status;
    r.cenNextHop = l.nextHop;
  }
  return [...rows.values()];
}

const rowKey = (r: { routeTableId: string; destinationCidrBlock: string }): string => `${r.routeTableId}|${r.destinationCidrBlock}`;

/** Sorts rows by table, then prefix. */
export function sortRows<T extends { routeTableId: string; destinationCidrBlock: string }>(rows: T[]): T[] {
  return rows.sort(
    (a, b) =>
      a.routeTableId.localeCompare(b.routeTableId) ||
      compareCidr(parseCidr(a.destinationCidrBlock), parseCidr(b.destinationCidrBlock)),
  );
}

/**
 * The route rows of the facts as they are (the "before" view, or the live view after a run).
 * Key (routeTableId, destinationCidrBlock); values: the table's own entry and the CEN-learned route.
 */
export function routeRowsOf(facts: MigrationFacts): RouteRow[] {
  const out: RouteRow[] = [];
  for (const s of facts.subjects) {
    const learned = (s.cenRoutes ?? [])
      .filter((r) => r.type === 'CEN')
      .map((r) => ({ cidr: r.destinationCidrBlock, status: r.status, nextHop: cenNextHopText(r) }));
    out.push(...subjectRows(s, learned));
  }
  return sortRows(out);
}

const VALUE_COLUMNS: (keyof RouteRowValues)[] = ['entryType', 'nextHop', 'cenStatus', 'cenNextHop'];

const valuesOf = (r: RouteRow): RouteRowValues => ({ entryType: r.entryType, nextHop: r.nextHop, cenStatus: r.cenStatus, cenNextHop: r.cenNextHop });

/** Joins two row sets on (routeTableId, destinationCidrBlock) and compares the value columns (batfish TableDiff). */
export function diffRows(before: readonly RouteRow[], after: readonly RouteRow[]): RouteDiffRow[] {
  const b = new Map(before.map((r) => [rowKey(r), r]));
  const a = new Map(after.map((r) => [rowKey(r), r]));
  const keys = new Set([...b.keys(), ...a.keys()]);
  const out: RouteDiffRow[] = [];
  for (const k of keys) {
    const x = b.get(k);
    const y = a.get(k);
    const base = (x ?? y) as RouteRow;
    const changed = VALUE_COLUMNS.filter((c) => (x ? x[c] : null) !== (y ? y[c] : null));
    out.push({
      routeTableId: base.routeTableId,
      destinationCidrBlock: base.destinationCidrBlock,
      presence: x && y ? 'both' : x ? 'before' : 'after',
      before: x ? valuesOf(x) : null,
      after: y ? valuesOf(y) : null,
      changed,
    });
  }
  return sortRows(out);
}

/** Most specific route of `rows` that contains `block` and carries traffic (own entry, or an Active CEN route). */
function carrierOf(block: Cidr, rows: readonly RouteRow[]): { destinationCidrBlock: string; via: string } | null {
  let best: { cidr: Cidr; row: RouteRow; via: string } | null = null;
  for (const r of rows) {
    const c = parseCidr(r.destinationCidrBlock);
    if (!containsCidr(c, block)) continue;
    const via = r.entryType !== null ? r.nextHop ?? r.entryType : r.cenStatus === 'Active' ? `CEN ${r.cenNextHop}` : null;
    if (via === null) continue;
    if (!best || c.length > best.cidr.length) best = { cidr: c, row: r, via };
  }
  return best ? { destinationCidrBlock: best.row.destinationCidrBlock, via: best.via } : null;
}

/**
 * Derives the migration plan from the facts and params. Pure; never throws for a plan that cannot
 * run — those reasons are in `refusals` (see {@link assertRunnable}).
 * @throws ValidationError only for malformed facts (a CIDR the cloud would never return).
 */
export function planMigration(procedureId: string, facts: MigrationFacts, params: MigrationParams): MigrationPlan {
  const refusals: Refusal[] = [];
  const warnings: string[] = [];
  const seedCh = facts.kind === 'vpc' ? '5.1' : '5.2';

  // Prerequisite: overlapping routing (ProtectionLevel=REDUCED).
  const protectionLevel = { current: facts.cen.protectionLevel, changeNeeded: facts.cen.protectionLevel !== 'REDUCED' };

  // Attach every subject (5.1-3; 5.2-4 attaches the VBR and the VPC).
  const attachments = facts.subjects.map((s) => {
    const a = facts.attachments.find((x) => x.childInstanceId === s.childInstanceId);
    const status = a?.status ?? 'NotAttached';
    return {
      childInstanceId: s.childInstanceId,
      childInstanceType: s.childInstanceType,
      childInstanceRegionId: s.regionId,
      status,
      attachNeeded: status !== 'Attached' && status !== 'Attaching',
    };
  });
  for (const a of attachments) {
    if (a.status === 'Detaching') refusals.push({ code: 'ChildInstanceDetaching', message: `${a.childInstanceId} is being detached from ${facts.cen.cenId}; wait until it is gone` });
  }

  // Routes to publish (5.1-5 / 5.2-6): custom VPC routes whose next hop is ECS, a VPN gateway or a HaVip.
  const publish: MigrationPlan['publish'] = [];
  for (const s of facts.subjects.filter((x) => x.childInstanceType === 'VPC')) {
    const publishable = s.routeTable.entries.filter(
      (e) => e.type === 'Custom' && e.nextHops.length === 1 && (PUBLISHABLE_NEXT_HOP_TYPES as readonly string[]).includes(e.nextHops[0].nextHopType),
    );
    let chosen = publishable;
    if (params.publishRoutes) {
      chosen = [];
      params.publishRoutes.forEach((cidr, i) => {
        const e = s.routeTable.entries.find((x) => x.destinationCidrBlock === cidr);
        if (!e) {
          refusals.push({ code: 'UnknownRoute', field: `publishRoutes[${i}]`, message: `${cidr} is not a route of ${s.routeTable.routeTableId}` });
        } else if (!publishable.includes(e)) {
          refusals.push({
            code: 'RouteNotPublishable',
            field: `publishRoutes[${i}]`,
            message: `${cidr} in ${s.routeTable.routeTableId} goes to ${nextHopKey(e.nextHops) || e.type}; only custom routes to ECS, VPN gateways and HaVips need publishing (seed ${seedCh})`,
          });
        } else chosen.push(e);
      });
    }
    for (const e of chosen) {
      const pub = s.publishedRoutes?.find((p) => p.destinationCidrBlock === e.destinationCidrBlock);
      if (pub?.publishStatus === 'Published') continue;
      publish.push({
        regionId: s.regionId,
        childInstanceId: s.childInstanceId,
        routeTableId: s.routeTable.routeTableId,
        destinationCidrBlock: e.destinationCidrBlock,
        nextHopType: e.nextHops[0].nextHopType,
        nextHopId: e.nextHops[0].nextHopId,
      });
    }
  }

  // Conflicts: each static peering route S and the CEN routes R equal to or inside it.
  const conflicts: ConflictPlan[] = [];
  const beforeRows: RouteRow[] = [];
  const afterRows: RouteRow[] = [];
  const deletedKeys = new Set<string>();
  const activatedKeys = new Set<string>();
  const predictedLearned: RouteRow[][] = [];

  if (params.peeringRoutes) {
    params.peeringRoutes.forEach((cidr, i) => {
      const found = facts.subjects.some((s) => s.routeTable.entries.some((e) => e.destinationCidrBlock === cidr && isPeeringRoute(e)));
      if (!found) refusals.push({ code: 'UnknownPeeringRoute', field: `peeringRoutes[${i}]`, message: `${cidr} is not a static peering route (next hop router interface) of the tables being migrated` });
    });
  }

  facts.subjects.forEach((s, si) => {
    const entries = s.routeTable.entries;
    const learned = learnedRoutes(s, facts);
    const inScope = (e: RouteEntryFact): boolean => isPeeringRoute(e) && (!params.peeringRoutes || params.peeringRoutes.includes(e.destinationCidrBlock));
    const blocked = learned.filter((l) => l.route.status === 'Rejected');

    // Blockers per blocked route; the route turns Active only when all its blockers are deleted.
    const blockerMap = new Map<Learned, RouteEntryFact[]>();
    for (const l of blocked) {
      const bl = blockersOf(l.cidr, entries);
      blockerMap.set(l, bl);
      if (bl.length === 0) {
        warnings.push(`${l.route.destinationCidrBlock} is Rejected in ${s.routeTable.routeTableId} but no static route there covers it (${l.route.conflicts.map((c) => c.status).join(',') || 'no conflict listed'}); left as is`);
        continue;
      }
      const outside = bl.filter((b) => !inScope(b));
      if (outside.length > 0) {
        warnings.push(`${l.route.destinationCidrBlock} stays Rejected in ${s.routeTable.routeTableId}: it is also blocked by ${outside.map((b) => `${b.destinationCidrBlock} (${b.type} ${nextHopKey(b.nextHops)})`).join(', ')}, which this migration does not delete`);
      }
    }

    const peering = entries.filter(inScope).sort((a, b) => {
      // Innermost first, so an outer route still carries traffic when an inner one goes.
      const x = parseCidr(a.destinationCidrBlock);
      const y = parseCidr(b.destinationCidrBlock);
      return y.length - x.length || compareCidr(x, y);
    });
    const processed = new Set<RouteEntryFact>();
    const subjectConflicts: ConflictPlan[] = [];
    for (const sEntry of peering) {
      const sCidr = parseCidr(sEntry.destinationCidrBlock);
      const mine = blocked.filter((l) => containsCidr(sCidr, l.cidr) && (blockerMap.get(l) ?? []).includes(sEntry));
      if (mine.length === 0) continue;
      processed.add(sEntry);
      const blockedPlans: BlockedCenRoute[] = mine.map((l) => {
        const bl = blockerMap.get(l) ?? [];
        const activeAfter = bl.every((b) => inScope(b) && processed.has(b));
        if (activeAfter) activatedKeys.add(`${s.routeTable.routeTableId}|${l.route.destinationCidrBlock}`);
        return {
          destinationCidrBlock: l.route.destinationCidrBlock,
          status: l.route.status,
          ...(l.route.nextHopType ? { nextHopType: l.route.nextHopType } : {}),
          ...(l.route.nextHopInstanceId ? { nextHopInstanceId: l.route.nextHopInstanceId } : {}),
          ...(l.route.nextHopRegionId ? { nextHopRegionId: l.route.nextHopRegionId } : {}),
          source: l.source,
          activeAfter,
        };
      });

      // Smooth: the halves of each outermost blocked route, split further where needed.
      const halves: ConflictPlan['halves'] = [];
      if (params.mode === 'smooth') {
        const learnedInside = learned.filter((l) => containsCidr(sCidr, l.cidr)).map((l) => l.cidr);
        const tops = mine.filter((l) => !mine.some((o) => o.cidr.length < l.cidr.length && containsCidr(o.cidr, l.cidr)));
        const seen = new Set<string>();
        for (const top of tops) {
          const cover = coverWithoutBlocking(top.cidr, learnedInside);
          if ('hostRoute' in cover) {
            refusals.push({
              code: 'CannotSplitHostRoute',
              message:
                `smooth mode is refused for ${top.route.destinationCidrBlock} in ${s.routeTable.routeTableId}: ` +
                `${formatCidr(cover.hostRoute)} is a /32 (a single address) and has no halves, so no temporary route can keep its traffic on the peering ` +
                `path while the CEN route takes over; use mode "intermittent" (the address is unreachable until the CEN route is Active) or leave ${sEntry.destinationCidrBlock} out with peeringRoutes`,
            });
            continue;
          }
          for (const h of cover) {
            const text = formatCidr(h);
            if (seen.has(text)) continue;
            seen.add(text);
            const existing = entries.find((e) => e.destinationCidrBlock === text && isStatic(e));
            if (existing && !(existing.type === 'Custom' && nextHopKey(existing.nextHops) === nextHopKey(sEntry.nextHops))) {
              refusals.push({
                code: 'HalfRouteOccupied',
                message: `${text} is needed as a temporary route toward ${nextHopKey(sEntry.nextHops)} but ${s.routeTable.routeTableId} already has ${text} (${existing.type} ${nextHopKey(existing.nextHops)})`,
              });
              continue;
            }
            halves.push({ destinationCidrBlock: text, existing: existing !== undefined });
          }
        }
      }

      const usesBgp = s.childInstanceType === 'VBR' && facts.vbr?.usesBgp === true;
      const advertised = new Set((facts.vbr?.bgpNetworks ?? []).map((n) => n.dstCidrBlock));
      const bgpNetworks = usesBgp ? halves.filter((h) => !h.existing && !advertised.has(h.destinationCidrBlock)).map((h) => h.destinationCidrBlock) : [];

      deletedKeys.add(`${s.routeTable.routeTableId}|${sEntry.destinationCidrBlock}`);
      subjectConflicts.push({
        regionId: s.regionId,
        childInstanceId: s.childInstanceId,
        childInstanceType: s.childInstanceType,
        routeTableId: s.routeTable.routeTableId,
        peeringRoute: {
          destinationCidrBlock: sEntry.destinationCidrBlock,
          ...(sEntry.routeEntryId ? { routeEntryId: sEntry.routeEntryId } : {}),
          nextHops: sEntry.nextHops,
          ...(sEntry.routeEntryName ? { routeEntryName: sEntry.routeEntryName } : {}),
          ...(sEntry.description ? { description: sEntry.description } : {}),
        },
        blocked: blockedPlans,
        halves,
        bgpNetworks,
        remainder: [],
      });
    }

    // Before and after rows of this subject.
    const learnedRows = learned.map((l) => ({ cidr: l.route.destinationCidrBlock, status: l.route.status, nextHop: cenNextHopText(l.route) }));
    const observedRows = learned.filter((l) => l.source === 'observed').map((l) => ({ cidr: l.route.destinationCidrBlock, status: l.route.status, nextHop: cenNextHopText(l.route) }));
    beforeRows.push(...subjectRows(s, observedRows));
    const after = subjectRows(s, learnedRows)
      .map((r) => {
        const k = rowKey(r);
        const out = { ...r };
        if (deletedKeys.has(k)) {
          out.entryType = null;
          out.nextHop = null;
        }
        if (activatedKeys.has(k)) out.cenStatus = 'Active';
        return out;
      })
      .filter((r) => r.entryType !== null || r.cenStatus !== null);
    predictedLearned[si] = after;
    afterRows.push(...after);

    // Remainder of each S: not covered by its blocked routes nor by more specific routes that stay.
    for (const c of subjectConflicts) {
      const sCidr = parseCidr(c.peeringRoute.destinationCidrBlock);
      const covering = after
        .filter((r) => r.entryType !== null || r.cenStatus === 'Active')
        .map((r) => parseCidr(r.destinationCidrBlock))
        .filter((x) => containsCidr(sCidr, x) && x.length > sCidr.length);
      for (const b of c.blocked) covering.push(parseCidr(b.destinationCidrBlock));
      const sKey = nextHopKey(c.peeringRoute.nextHops);
      c.remainder = remainder(sCidr, covering).map((block): RemainderBlock => {
        const fallback = carrierOf(block, after);
        return { cidr: formatCidr(block), fallback, losesPath: fallback === null || fallback.via !== sKey };
      });
    }
    conflicts.push(...subjectConflicts);
  });

  // Quota: the halves must fit next to the existing custom routes.
  for (const s of facts.subjects) {
    const custom = s.routeTable.entries.filter((e) => e.type === 'Custom').length;
    const extra = Math.max(0, ...conflicts.filter((c) => c.routeTableId === s.routeTable.routeTableId).map((c) => c.halves.filter((h) => !h.existing).length));
    if (custom + extra > ROUTE_QUOTA) {
      refusals.push({ code: 'RouteQuotaExceeded', message: `${s.routeTable.routeTableId} has ${custom} custom routes; the ${extra} temporary routes would exceed the quota of ${ROUTE_QUOTA}` });
    }
  }

  // Remainder acknowledgement.
  const blocks = conflicts.flatMap((c) => c.remainder.filter((b) => b.losesPath));
  const ack = params.acknowledgeRemainder;
  const acknowledged = blocks.length === 0 || ack === true || (Array.isArray(ack) && blocks.every((b) => ack.includes(b.cidr)));
  if (!acknowledged) {
    const list = blocks.map((b) => `${b.cidr}${b.fallback ? ` (then via ${b.fallback.destinationCidrBlock} ${b.fallback.via})` : ' (then no route)'}`).join(', ');
    refusals.push({
      code: 'UnacknowledgedRemainder',
      field: 'acknowledgeRemainder',
      message: `deleting the peering route(s) ${[...new Set(conflicts.filter((c) => c.remainder.some((b) => b.losesPath)).map((c) => c.peeringRoute.destinationCidrBlock))].join(', ')} takes the peering path from addresses no CEN route covers: ${list}. Set acknowledgeRemainder to true (or to exactly these blocks) to proceed`,
    });
  }

  if (params.mode === 'intermittent' && conflicts.length > 0) {
    warnings.push(`intermittent mode: traffic to ${conflicts.flatMap((c) => c.blocked.map((b) => b.destinationCidrBlock)).join(', ')} is lost from the deletion of its peering route until the CEN route is Active (seed ${seedCh}: the longer, the more CEN routes)`);
  }
  if (facts.subjects.some((s) => s.cenRoutes === null)) {
    warnings.push('some children are not attached yet: their CEN routes are predicted from the region domain; the procedure re-checks them after attaching (seed step "check the routes")');
  }

  // VBR specifics (5.2-1 and 5.2-8g).
  let vbr: MigrationPlan['vbr'];
  if (facts.kind === 'vbr' && facts.vbr) {
    const v = facts.vbr;
    const disableHealthChecks = v.routerInterfaces.filter((ri) => ri.healthCheckTargetIp);
    let cenHealthCheck: NonNullable<MigrationPlan['vbr']>['cenHealthCheck'] = null;
    if (!params.cenHealthCheck?.skip) {
      const targetIp = params.cenHealthCheck?.targetIp ?? disableHealthChecks[0]?.healthCheckTargetIp ?? v.peerGatewayIp;
      if (!targetIp) {
        refusals.push({ code: 'CenHealthCheckTargetUnknown', field: 'cenHealthCheck.targetIp', message: `no health check target is known for ${v.vbrId}: give cenHealthCheck.targetIp (the customer-side IP of the VBR) or cenHealthCheck.skip` });
      } else {
        const interval = params.cenHealthCheck?.interval ?? 2;
        const threshold = params.cenHealthCheck?.threshold ?? 8;
        const sourceIp = params.cenHealthCheck?.sourceIp;
        const existing = v.cenHealthChecks.some(
          (h) => h.cenId === facts.cen.cenId && h.healthCheckTargetIp === targetIp && h.healthCheckInterval === interval && h.healthyThreshold === threshold && (sourceIp === undefined || h.healthCheckSourceIp === sourceIp),
        );
        const prev = v.cenHealthChecks.find((h) => h.cenId === facts.cen.cenId);
        const previous = prev
          ? { targetIp: prev.healthCheckTargetIp, ...(prev.healthCheckSourceIp ? { sourceIp: prev.healthCheckSourceIp } : {}), interval: prev.healthCheckInterval, threshold: prev.healthyThreshold }
          : null;
        cenHealthCheck = { targetIp, ...(sourceIp ? { sourceIp } : {}), interval, threshold, existing, previous };
      }
    }
    vbr = { vbrId: v.vbrId, usesBgp: v.usesBgp, disableHealthChecks, cenHealthCheck };
  }

  // Seed 5.1-4 / 5.2-5: cross-region bandwidth, only when the params ask for it.
  const bw = planBandwidth(facts, params);
  refusals.push(...bw.refusals);
  warnings.push(...bw.warnings);

  const plan: MigrationPlan = {
    procedureId,
    kind: facts.kind,
    mode: params.mode,
    cenId: facts.cen.cenId,
    regionId: facts.regionId,
    protectionLevel,
    attachments,
    publish,
    bandwidth: bw.bandwidth,
    conflicts,
    ...(vbr ? { vbr } : {}),
    calls: [],
    callCounts: { read: 0, write: 0, total: 0 },
    routes: { before: sortRows(beforeRows), after: sortRows(afterRows), diff: diffRows(beforeRows, afterRows) },
    remainder: { blocks, acknowledged },
    warnings,
    refusals,
    runnable: refusals.length === 0,
  };
  plan.calls = plannedCalls(plan, facts);
  plan.callCounts = {
    read: plan.calls.filter((c) => c.kind === 'read').length,
    write: plan.calls.filter((c) => c.kind === 'write').length,
    total: plan.calls.length,
  };
  return plan;
}

/**
 * Seed step labels of each phase, per procedure (5.1 and 5.2 number their steps differently).
 */
export function seedSteps(kind: 'vpc' | 'vbr') {
  return kind === 'vpc'
    ? { prereq: '5.1-prereq', hc: '', attach: '5.1-3', bandwidth: '5.1-4', publish: '5.1-5', check: '5.1-6', split: '5.1-6b', del: '5.1-6c', active: '5.1-6d', unsplit: '5.1-6e', bgp: '', unbgp: '', cenHc: '' }
    : { prereq: '5.2-prereq', hc: '5.2-1', attach: '5.2-4', bandwidth: '5.2-5', publish: '5.2-6', check: '5.2-8', split: '5.2-8b', del: '5.2-8d', active: '5.2-8e', unsplit: '5.2-8f', bgp: '5.2-8c', unbgp: '5.2-8f', cenHc: '5.2-8g' };
}

/**
 * The calls the procedure makes when every status is ready at its first check: each effect's
 * read-first and write, and one status read per wait. The engine's journal is compared with it.
 */
export function plannedCalls(plan: MigrationPlan, facts: MigrationFacts): PlannedCall[] {
  const st = seedSteps(plan.kind);
  const calls: PlannedCall[] = [];
  const r = (product: 'Vpc' | 'Cbn', action: string, target: string, seed: string): void => {
    calls.push({ product, action, kind: 'read', target, seed });
  };
  const w = (product: 'Vpc' | 'Cbn', action: string, target: string, seed: string): void => {
    calls.push({ product, action, kind: 'write', target, seed });
  };
  // A change reads first (the effect only writes what is missing), writes, and reads again (its wait).
  const change = (product: 'Vpc' | 'Cbn', read: string, write: string, seed: string, target: string, writeTarget = target): void => {
    r(product, read, target, seed);
    w(product, write, writeTarget, seed);
    r(product, read, target, seed);
  };
  // Planning reads (readMigrationFacts).
  for (const c of readStateCalls(facts)) r(c.product, c.action, c.target, 'plan');
  const vbr = plan.vbr;
  if (vbr) {
    for (const ri of vbr.disableHealthChecks) {
      change('Vpc', 'DescribeRouterInterfaces', 'ModifyRouterInterfaceAttribute', st.hc, ri.routerInterfaceId, `${ri.routerInterfaceId} DeleteHealthCheckIp`);
    }
  }
  if (plan.protectionLevel.changeNeeded) {
    change('Cbn', 'DescribeCens', 'ModifyCenAttribute', st.prereq, plan.cenId, `${plan.cenId} ProtectionLevel=REDUCED`);
  }
  for (const a of plan.attachments.filter((x) => x.attachNeeded)) {
    change('Cbn', 'DescribeCenAttachedChildInstances', 'AttachCenChildInstance', st.attach, a.childInstanceId);
  }
  calls.push(...bandwidthCalls(plan, st.bandwidth));
  for (const p of plan.publish) {
    change('Cbn', 'DescribePublishedRouteEntries', 'PublishRouteEntries', st.publish, `${p.routeTableId} ${p.destinationCidrBlock}`);
  }
  // Check the routes again now that everything is attached (seed step "check the routes").
  for (const s of facts.subjects) {
    r('Vpc', 'DescribeRouteEntryList', s.routeTable.routeTableId, st.check);
    r('Cbn', 'DescribeCenChildInstanceRouteEntries', s.childInstanceId, st.check);
  }
  for (const c of plan.conflicts) {
    const t = c.routeTableId;
    if (plan.mode === 'smooth') {
      for (const h of c.halves.filter((x) => !x.existing)) {
        change('Vpc', 'DescribeRouteEntryList', 'CreateRouteEntry', st.split, `${t} ${h.destinationCidrBlock}`);
      }
      for (const n of c.bgpNetworks) {
        change('Vpc', 'DescribeBgpNetworks', 'AddBgpNetwork', st.bgp, n);
      }
    }
    change('Vpc', 'DescribeRouteEntryList', 'DeleteRouteEntry', st.del, `${t} ${c.peeringRoute.destinationCidrBlock}`);
    if (c.blocked.some((b) => b.activeAfter)) r('Cbn', 'DescribeCenChildInstanceRouteEntries', c.childInstanceId, st.active);
    if (plan.mode === 'smooth') {
      for (const h of c.halves.filter((x) => !x.existing)) {
        change('Vpc', 'DescribeRouteEntryList', 'DeleteRouteEntry', st.unsplit, `${t} ${h.destinationCidrBlock}`);
      }
      for (const n of c.bgpNetworks) {
        change('Vpc', 'DescribeBgpNetworks', 'DeleteBgpNetwork', st.unbgp, n);
      }
    }
    // Verification of the conflict: statuses of the table and the CEN view.
    r('Vpc', 'DescribeRouteEntryList', t, `${st.active}`);
    r('Cbn', 'DescribeCenChildInstanceRouteEntries', c.childInstanceId, `${st.active}`);
  }
  if (vbr?.cenHealthCheck && !vbr.cenHealthCheck.existing) {
    change('Cbn', 'DescribeCenVbrHealthCheck', 'EnableCenVbrHealthCheck', st.cenHc, vbr.vbrId, `${vbr.vbrId} → ${vbr.cenHealthCheck.targetIp}`);
  }
  // Final verification.
  for (const s of facts.subjects) {
    r('Vpc', 'DescribeRouteEntryList', s.routeTable.routeTableId, 'verify');
    r('Cbn', 'DescribeCenChildInstanceRouteEntries', s.childInstanceId, 'verify');
  }
  return calls;
}

/** The reads `readMigrationFacts` makes for these facts (one page each). */
export function readStateCalls(facts: MigrationFacts): { product: 'Vpc' | 'Cbn'; action: string; target: string }[] {
  const out: { product: 'Vpc' | 'Cbn'; action: string; target: string }[] = [];
  out.push({ product: 'Cbn', action: 'DescribeCens', target: facts.cen.cenId });
  out.push({ product: 'Cbn', action: 'DescribeCenAttachedChildInstances', target: facts.cen.cenId });
  if (facts.vbr) {
    out.push({ product: 'Vpc', action: 'DescribeVirtualBorderRouters', target: facts.vbr.vbrId });
    out.push({ product: 'Vpc', action: 'DescribeBgpPeers', target: facts.vbr.vbrId });
    out.push({ product: 'Vpc', action: 'DescribeBgpNetworks', target: facts.vbr.vbrId });
    out.push({ product: 'Vpc', action: 'DescribeRouterInterfaces', target: facts.vbr.vbrId });
    out.push({ product: 'Cbn', action: 'DescribeCenVbrHealthCheck', target: facts.vbr.vbrId });
  }
  for (const s of facts.subjects) {
    if (s.childInstanceType === 'VPC') out.push({ product: 'Vpc', action: 'DescribeRouteTableList', target: s.childInstanceId });
    out.push({ product: 'Vpc', action: 'DescribeRouteEntryList', target: s.routeTable.routeTableId });
    if (s.cenRoutes) out.push({ product: 'Cbn', action: 'DescribeCenChildInstanceRouteEntries', target: s.childInstanceId });
    if (s.publishedRoutes && s.childInstanceType === 'VPC') out.push({ product: 'Cbn', action: 'DescribePublishedRouteEntries', target: s.childInstanceId });
  }
  out.push({ product: 'Cbn', action: 'DescribeCenRegionDomainRouteEntries', target: facts.regionId });
  out.push(...bandwidthReadCalls(facts));
  return out;
}

/**
 * Throws when the plan must not run, with every reason in the message.
 * @throws ValidationError with the first refusal's code and field.
 */
export function assertRunnable(plan: MigrationPlan): void {
  if (plan.refusals.length === 0) return;
  const first = plan.refusals[0];
  const text = plan.refusals.map((r) => r.message).join('; ');
  throw new ValidationError(`the migration plan is refused: ${text}`, { code: first.code, ...(first.field ? { field: first.field } : {}) });
}
