/**
 * Route checks (network-anchors.md §2.3 rows 9, 10, 11, 12): leftover migration state, CEN
 * routes that are not Active and static routes that shadow them, the longest-prefix result of
 * critical addresses, and the cloud-service routes of seed chapter 1. The migration rules are the
 * planner's (`workflows/migration/planner.ts`: which static routes block a CEN route, which
 * halves a smooth migration adds), evaluated on each table's tries.
 */
import type { CenRouteEntry, RouteEntry } from '../../../src/cloud/index.ts';
import { formatCidr, parseIpv4, remainder, type Cidr } from '../../../src/net/index.ts';
import { blocksCenRoute, coverWithoutBlocking, isPeeringRoute } from '../../migration/planner.ts';
import { nextHopKey } from '../../shared/ops.ts';
import { cidrOf, forwardingLookup, hopUsable, hopsText, indexOf, routeRef, type IndexedTable } from '../analysis.ts';
import { cloudAccessSpec, removeLeftoversSpec } from '../remediation-specs.ts';
import type { Finding, Inventory, Severity } from '../types.ts';
import { changeInFlight, MIGRATION_PROCEDURES, refs, type CheckDefinition } from './check.ts';

/** The halves a smooth migration left of one CEN route, as found in one table. */
export interface LeftoverGroup {
  table: IndexedTable;
  /** The CEN route the halves split. */
  covering: CenRouteEntry;
  coveringCidr: Cidr;
  /** The halves the planner would add for it (its cover without blocking inner CEN routes). */
  expected: string[];
  /** Those of them present in the table, as static peering routes. */
  present: RouteEntry[];
  /** The old peering route (equal to or containing the CEN route) if still there. */
  oldPeering: RouteEntry | null;
}

const groupsCache = new WeakMap<Inventory, LeftoverGroup[]>();

/**
 * Every table's leftover halves: static peering routes strictly inside a CEN route R learned by
 * the table (innermost R by trie `covering`) that are exactly among the pieces the planner's
 * `coverWithoutBlocking` would add for R. Other more-specific static routes are not halves.
 */
export function leftoverGroups(inv: Inventory): LeftoverGroup[] {
  const hit = groupsCache.get(inv);
  if (hit) return hit;
  const out: LeftoverGroup[] = [];
  for (const t of indexOf(inv).tables.values()) {
    if (t.cenLearned.size === 0) continue;
    const byCovering = new Map<string, { covering: CenRouteEntry; cidr: Cidr; pieces: RouteEntry[] }>();
    for (const { e, c: s } of t.parsed) {
      if (!isPeeringRoute(e)) continue;
      const around = t.cenLearned.covering(s).filter((x) => x.prefix.length < s.length);
      const inner = around[around.length - 1];
      if (!inner) continue;
      const key = formatCidr(inner.prefix);
      const g = byCovering.get(key) ?? { covering: inner.value, cidr: inner.prefix, pieces: [] };
      g.pieces.push(e);
      byCovering.set(key, g);
    }
    for (const g of byCovering.values()) {
      const learnedInside = t.cenLearned.within(g.cidr).map((x) => x.prefix);
      const cover = coverWithoutBlocking(g.cidr, learnedInside);
      if (!Array.isArray(cover)) continue;
      const expected = cover.map(formatCidr);
      const wanted = new Set(expected);
      const present = g.pieces.filter((p) => wanted.has(p.destinationCidrBlock));
      if (present.length === 0) continue;
      const key = nextHopKey(present[0]!.nextHops);
      const oldPeering =
        t.own
          .covering(g.cidr)
          .flatMap((x) => x.value)
          .find((e) => isPeeringRoute(e) && nextHopKey(e.nextHops) === key) ?? null;
      out.push({ table: t, covering: g.covering, coveringCidr: g.cidr, expected, present, oldPeering });
    }
  }
  groupsCache.set(inv, out);
  return out;
}

/** Lock names of a table's owner and CEN, to find a migration in flight on it. */
function lockNames(t: IndexedTable, cenId?: string): string[] {
  return [`route-table:${t.inv.table.routeTableId}`, `vpc:${t.inv.ownerId}`, `vbr:${t.inv.ownerId}`, ...(cenId ? [`cen:${cenId}`] : [])];
}

/** 9. Leftover migration state. */
export const migrationLeftovers: CheckDefinition = {
  id: 'migration-leftovers',
  title: 'Leftover migration state',
  description:
    'The temporary halves of a smooth migration (seed 5.1-6b / 5.2-8b) still in a table: all halves beside an Active CEN route (warning), or halves beside the old peering route (warning: the migration stopped between its steps); a single half without its sibling is critical (half of the prefix takes another path). Info while a migration on the table is running.',
  run(inv) {
    const out: Finding[] = [];
    for (const g of leftoverGroups(inv)) {
      const t = g.table;
      const tableId = t.inv.table.routeTableId;
      const cenId = t.cen?.cenId;
      const presentSet = new Set(g.present.map((p) => p.destinationCidrBlock));
      const missing = g.expected.filter((x) => !presentSet.has(x));
      const complete = missing.length === 0;
      const uncovered = remainder(g.coveringCidr, g.present.map((p) => cidrOf(p.destinationCidrBlock)).filter((c): c is Cidr => c !== null)).map(formatCidr);
      const active = g.covering.status === 'Active';
      const inFlight = changeInFlight(inv, lockNames(t, cenId), MIGRATION_PROCEDURES);
      let severity: Severity = complete ? 'warning' : 'critical';
      if (inFlight) severity = 'info';
      const state = g.oldPeering
        ? `beside the old peering route ${g.oldPeering.destinationCidrBlock}`
        : active
          ? `beside the Active CEN route ${g.covering.destinationCidrBlock}`
          : `while the CEN route ${g.covering.destinationCidrBlock} is ${g.covering.status}`;
      const title = complete
        ? `migration halves ${g.present.map((p) => p.destinationCidrBlock).join(', ')} left in ${tableId} ${state}`
        : `a single half ${g.present.map((p) => p.destinationCidrBlock).join(', ')} of ${g.covering.destinationCidrBlock} alone in ${tableId} (${missing.join(', ')} missing) ${state}`;
      const canRemove = active && !g.oldPeering && cenId !== undefined && t.cen !== null;
      out.push({
        checkId: 'migration-leftovers',
        severity,
        title,
        resources: refs(...g.present.map((p) => routeRef(tableId, p.destinationCidrBlock)), routeRef(tableId, g.covering.destinationCidrBlock)),
        routeTableId: tableId,
        destinationCidrBlock: g.covering.destinationCidrBlock,
        evidence: {
          cenRoute: { destinationCidrBlock: g.covering.destinationCidrBlock, status: g.covering.status, nextHopInstanceId: g.covering.nextHopInstanceId ?? null },
          halvesPresent: g.present.map((p) => ({ destinationCidrBlock: p.destinationCidrBlock, routeEntryId: p.routeEntryId, nextHops: hopsText(p) })),
          halvesExpected: g.expected,
          halvesMissing: missing,
          addressesOnOtherPath: complete ? [] : uncovered.length > 0 ? missing : [],
          oldPeeringRoute: g.oldPeering ? { destinationCidrBlock: g.oldPeering.destinationCidrBlock, nextHops: hopsText(g.oldPeering) } : null,
          ...(inFlight ? { changeInFlight: { executionId: inFlight.executionId, procedureId: inFlight.procedureId } } : {}),
        },
        fix: canRemove
          ? `Delete ${g.present.map((p) => p.destinationCidrBlock).join(' and ')} from ${tableId} (seed 5.1-6e): the Active CEN route ${g.covering.destinationCidrBlock} carries their traffic.`
          : g.oldPeering
            ? `Finish the migration (delete the peering route ${g.oldPeering.destinationCidrBlock}, wait until ${g.covering.destinationCidrBlock} is Active, then delete the halves) or roll it back (rollback-migration).`
            : `Find out why ${g.covering.destinationCidrBlock} is ${g.covering.status} (cen-route-status), then delete the halves.`,
        ...(canRemove && !inFlight ? { remediation: removeLeftoversSpec(t.inv, cenId, t.cen!.childInstanceId, g.covering, g.present) } : {}),
      });
    }
    return out;
  },
};

/** 10. CEN routes that are not Active, and static routes shadowing Active ones. */
export const cenRouteStatus: CheckDefinition = {
  id: 'cen-route-status',
  title: 'CEN route status',
  description:
    'A CEN route learned by a child that is not Active: overflow (critical: the table is full), Rejected by a conflict (warning, with the static routes that block it by the seed rule: a custom route equal to or containing it, a system route equal to it), Prohibited (warning) or Candidate (info). A custom static route inside an Active CEN route that is not a migration half shadows part of it (info). Info instead of warning while a migration on the table runs.',
  run(inv) {
    const index = indexOf(inv);
    const halves = new Set<RouteEntry>(leftoverGroups(inv).flatMap((g) => g.present));
    const out: Finding[] = [];
    for (const t of index.tables.values()) {
      if (!t.cen) continue;
      const tableId = t.inv.table.routeTableId;
      const inFlight = changeInFlight(inv, lockNames(t, t.cen.cenId), MIGRATION_PROCEDURES);
      for (const r of t.cen.routes) {
        if (r.type !== 'CEN' || r.status === 'Active') continue;
        const c = cidrOf(r.destinationCidrBlock);
        if (!c) continue;
        const overflow = r.conflicts.some((x) => x.status === 'overflow');
        const blockers = t.own
          .covering(c)
          .flatMap((x) => x.value)
          .filter((e) => blocksCenRoute(e, c));
        let severity: Severity = overflow ? 'critical' : r.status === 'Candidate' ? 'info' : 'warning';
        if (inFlight && severity === 'warning') severity = 'info';
        const why = overflow
          ? 'the route table is full (overflow)'
          : blockers.length > 0
            ? `blocked by ${blockers.map((b) => `${b.destinationCidrBlock} (${b.type} ${hopsText(b).join(', ')})`).join(', ')}`
            : r.conflicts.length > 0
              ? `conflict ${r.conflicts.map((x) => `${x.status} with ${x.instanceId} ${x.destinationCidrBlock}`).join(', ')}`
              : 'no conflict listed';
        out.push({
          checkId: 'cen-route-status',
          severity,
          title: `CEN route ${r.destinationCidrBlock} in ${tableId} is ${r.status}: ${why}`,
          resources: refs(routeRef(tableId, r.destinationCidrBlock), `cen:${t.cen.cenId}`),
          routeTableId: tableId,
          destinationCidrBlock: r.destinationCidrBlock,
          evidence: {
            cenId: t.cen.cenId,
            childInstanceId: t.cen.childInstanceId,
            status: r.status,
            nextHopType: r.nextHopType ?? null,
            nextHopInstanceId: r.nextHopInstanceId ?? null,
            conflicts: r.conflicts.map((x) => ({ destinationCidrBlock: x.destinationCidrBlock, instanceId: x.instanceId, instanceType: x.instanceType, regionId: x.regionId, status: x.status })),
            blockedBy: blockers.map((b) => ({ destinationCidrBlock: b.destinationCidrBlock, type: b.type, routeEntryId: b.routeEntryId, nextHops: hopsText(b) })),
            ...(inFlight ? { changeInFlight: { executionId: inFlight.executionId, procedureId: inFlight.procedureId } } : {}),
          },
          fix: overflow
            ? `Free room in ${tableId} (remove unused routes or summarise) or raise its route quota; the CEN route ${r.destinationCidrBlock} is not learned until then.`
            : blockers.length > 0
              ? `If traffic to ${r.destinationCidrBlock} should go over CEN, migrate it (migrate-${t.inv.ownerType === 'VBR' ? 'vbr' : 'vpc'}-to-cen: split, delete ${blockers.map((b) => b.destinationCidrBlock).join(', ')}, wait for Active, remove the halves); otherwise withdraw it from CEN.`
              : `Check the CEN route maps and the child's routes for ${r.destinationCidrBlock}.`,
        });
      }
      // Static routes strictly inside an Active CEN route take part of its traffic.
      for (const { e, c: s } of t.parsed) {
        if (e.type !== 'Custom' || halves.has(e)) continue;
        const around = t.cenLearned.covering(s).filter((x) => x.prefix.length < s.length && x.value.status === 'Active');
        const r = around[around.length - 1];
        if (!r) continue;
        out.push({
          checkId: 'cen-route-status',
          severity: 'info',
          title: `static route ${e.destinationCidrBlock} in ${tableId} shadows part of the CEN route ${formatCidr(r.prefix)}`,
          resources: refs(routeRef(tableId, e.destinationCidrBlock), routeRef(tableId, r.prefix)),
          routeTableId: tableId,
          destinationCidrBlock: e.destinationCidrBlock,
          evidence: { staticRoute: { destinationCidrBlock: e.destinationCidrBlock, routeEntryId: e.routeEntryId, nextHops: hopsText(e) }, cenRoute: { destinationCidrBlock: formatCidr(r.prefix), nextHopInstanceId: r.value.nextHopInstanceId ?? null } },
          fix: `Nothing if ${e.destinationCidrBlock} is meant to bypass CEN; otherwise delete it so the CEN route carries it.`,
        });
      }
    }
    return out;
  },
};

/** 11. The longest-prefix result for critical addresses equals the intent. */
export const longestPrefixIntent: CheckDefinition = {
  id: 'longest-prefix-intent',
  title: 'Longest-prefix result of critical addresses',
  description:
    'For each critical address of the intent, the route that forwards it in its table (longest prefix among Available entries with a usable next hop, CEN-learned routes included) must have the expected next hops, next-hop type and prefix. Critical when it does not or when nothing matches; warning when the table is not found.',
  run(inv, intent) {
    const index = indexOf(inv);
    const out: Finding[] = [];
    for (const c of intent.criticalAddresses) {
      const name = c.name ?? c.address;
      const resources = refs(`address:${c.routeTableId}|${c.address}`);
      const t = index.tables.get(c.routeTableId);
      const expected = { nextHopIds: c.expectedNextHopIds ?? null, nextHopType: c.expectedNextHopType ?? null, destinationCidrBlock: c.expectedDestinationCidrBlock ?? null };
      if (!t) {
        out.push({ checkId: 'longest-prefix-intent', severity: 'warning', title: `critical address ${name}: route table ${c.routeTableId} not found`, resources, evidence: { address: c.address, routeTableId: c.routeTableId, expected }, fix: `Correct the intent (criticalAddresses: routeTableId) or the audit scope (regionIds).` });
        continue;
      }
      const hit = forwardingLookup(t, parseIpv4(c.address));
      const winner = hit?.entries.find((e) => e.type !== 'CEN') ?? hit?.entries[0];
      const hops = winner ? winner.nextHops.filter(hopUsable) : [];
      const ids = hops.map((h) => h.nextHopId).sort();
      const problems: string[] = [];
      if (!hit || !winner) problems.push('no route matches');
      else {
        if (c.expectedNextHopIds && ids.join(',') !== [...c.expectedNextHopIds].sort().join(',')) problems.push(`next hops ${ids.join(', ') || 'none'} instead of ${c.expectedNextHopIds.join(', ')}`);
        if (c.expectedNextHopType && !hops.some((h) => h.nextHopType === c.expectedNextHopType)) problems.push(`next-hop type ${[...new Set(hops.map((h) => h.nextHopType))].join(', ') || 'none'} instead of ${c.expectedNextHopType}`);
        if (c.expectedDestinationCidrBlock && formatCidr(hit.prefix) !== c.expectedDestinationCidrBlock) problems.push(`matched by ${formatCidr(hit.prefix)} instead of ${c.expectedDestinationCidrBlock}`);
      }
      if (problems.length === 0) continue;
      out.push({
        checkId: 'longest-prefix-intent',
        severity: 'critical',
        title: `critical address ${name} in ${c.routeTableId}: ${problems.join('; ')}`,
        resources,
        routeTableId: c.routeTableId,
        ...(hit ? { destinationCidrBlock: formatCidr(hit.prefix) } : {}),
        evidence: {
          address: c.address,
          expected,
          matched: winner && hit ? { destinationCidrBlock: formatCidr(hit.prefix), type: winner.type, routeEntryId: winner.routeEntryId, nextHops: hopsText(winner) } : null,
        },
        fix: hit
          ? `Make ${formatCidr(hit.prefix)} in ${c.routeTableId} point to the expected next hops, or add a more specific route for ${c.address}; if the design changed, update the intent.`
          : `Add a route covering ${c.address} in ${c.routeTableId}.`,
      });
    }
    return out;
  },
};

/** The two routes of seed chapter 1 (100.64.0.0/10 itself is refused by the API). */
export const CLOUD_SERVICE_CIDRS = ['100.64.0.0/11', '100.96.0.0/11'] as const;

/** 12. Cloud-service routes on VBRs. */
export const cloudServiceRoutes: CheckDefinition = {
  id: 'cloud-service-routes',
  title: 'Cloud-service routes',
  description:
    'On each VBR declared in the intent\'s cloudAccess: both 100.64.0.0/11 and 100.96.0.0/11 present, Available and with the same next hop (critical when one or both are missing, warning when their next hops differ or one is not Available). On other VBRs: only one of the two present (warning: half configured).',
  run(inv, intent) {
    const index = indexOf(inv);
    const declared = new Set(intent.cloudAccess.map((c) => c.vbrId));
    const out: Finding[] = [];
    const vbrIds = [...new Set([...index.vbrs.keys(), ...declared])].sort();
    for (const vbrId of vbrIds) {
      const vbr = index.vbrs.get(vbrId);
      const t = vbr ? index.tables.get(vbr.routeTableId) : undefined;
      const routes = CLOUD_SERVICE_CIDRS.map((cidr) => ({ cidr, entry: t ? (t.own.get(cidrOf(cidr)!) ?? []).find((e) => e.type !== 'CEN') : undefined }));
      const present = routes.filter((r) => r.entry);
      const isDeclared = declared.has(vbrId);
      if (!isDeclared && present.length !== 1) continue;
      const problems: string[] = [];
      let severity: Severity = 'warning';
      const missing = routes.filter((r) => !r.entry).map((r) => r.cidr);
      if (!vbr) {
        problems.push('the VBR was not found');
        severity = 'critical';
      } else if (missing.length > 0) {
        problems.push(`${missing.join(' and ')} missing`);
        severity = isDeclared ? 'critical' : 'warning';
      }
      const keys = new Set(present.map((r) => nextHopKey(r.entry!.nextHops)));
      if (keys.size > 1) problems.push(`next hops differ: ${present.map((r) => `${r.cidr} → ${hopsText(r.entry!).join(', ')}`).join('; ')}`);
      const notAvailable = present.filter((r) => r.entry!.status !== 'Available');
      if (notAvailable.length > 0) problems.push(`${notAvailable.map((r) => `${r.cidr} is ${r.entry!.status}`).join(', ')}`);
      if (problems.length === 0) continue;
      const remediation = vbr && missing.length > 0 && keys.size <= 1 ? cloudAccessSpec(index, vbrId, missing, intent.cloudAccess.find((c) => c.vbrId === vbrId)?.verificationSource) : undefined;
      out.push({
        checkId: 'cloud-service-routes',
        severity,
        title: `cloud-service routes on ${vbrId}${isDeclared ? '' : ' (not declared)'}: ${problems.join('; ')}`,
        resources: refs(`vbr:${vbrId}`, ...CLOUD_SERVICE_CIDRS.map((c) => (vbr ? routeRef(vbr.routeTableId, c) : undefined))),
        ...(vbr ? { routeTableId: vbr.routeTableId } : {}),
        evidence: {
          vbrId,
          declared: isDeclared,
          routes: routes.map((r) => ({ destinationCidrBlock: r.cidr, present: r.entry !== undefined, ...(r.entry ? { status: r.entry.status, nextHops: hopsText(r.entry) } : {}) })),
        },
        fix: `Add ${missing.join(' and ') || 'the routes'} on ${vbrId} toward its VPC router interface with the same next hop (seed chapter 1, cloud-service-access), and route 100.64.0.0/10 to the VBR's Alibaba-side IP on the data-center router.`,
        ...(remediation ? { remediation } : {}),
      });
    }
    return out;
  },
};

