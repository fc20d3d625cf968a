/**
 * Load-balancing checks (network-anchors.md §2.3 rows 7, 8; seed chapter 6): ECMP routes toward
 * the data center with equal weights, one member per line that reaches the destination, every
 * member usable; and the declared active/standby (100/0) or active/active design.
 */
import type { RouteEntry } from '../../../src/cloud/index.ts';
import { cidrOf, countLinesReaching, hopsText, hopUsable, indexOf, linesReaching, routeRef } from '../analysis.ts';
import { redundancySpec } from '../remediation-specs.ts';
import type { Finding, Severity } from '../types.ts';
import { refs, worst, type CheckDefinition } from './check.ts';

/** Weight of the active line and of a standby line (seed chapter 6; reference §4). */
export const ACTIVE_WEIGHT = 100;
export const STANDBY_WEIGHT = 0;

/** Whether an entry is an ECMP / weighted route toward the data center: several router-interface next hops. */
function isWeighted(e: RouteEntry): boolean {
  if (e.type === 'CEN' || e.nextHops.length < 2) return false;
  for (const h of e.nextHops) if (h.nextHopType !== 'RouterInterface') return false;
  return true;
}

/** 7. ECMP symmetry. */
export const ecmpSymmetry: CheckDefinition = {
  id: 'ecmp-symmetry',
  title: 'ECMP symmetry',
  description:
    'For every multi-hop route of a VPC table: a next hop disabled by its health check or whose router interface is not Active (critical: the route runs on fewer lines than built); unequal weights where the intent does not declare active/standby, or a member count different from the number of lines whose VBR reaches the destination (warning).',
  run(inv, intent) {
    const index = indexOf(inv);
    const out: Finding[] = [];
    for (const t of index.tables.values()) {
      if (t.inv.ownerType !== 'VPC') continue;
      const tableId = t.inv.table.routeTableId;
      for (const { e, c: cidr } of t.parsed) {
        if (!isWeighted(e)) continue;
        // Fast path without allocations: most routes are fine.
        let disabledCount = 0;
        let inactiveCount = 0;
        let equal = true;
        const w0 = e.nextHops[0]!.weight;
        for (const h of e.nextHops) {
          if (!hopUsable(h)) disabledCount += 1;
          const ri = index.routerInterfaces.get(h.nextHopId);
          if (ri && ri.status !== 'Active') inactiveCount += 1;
          if (h.weight !== w0) equal = false;
        }
        const declared = equal ? undefined : intent.redundancy.find((g) => g.routeTableId === tableId && g.destinationCidrBlock === e.destinationCidrBlock);
        const weightsOk = equal || declared?.mode === 'active-standby';
        if (disabledCount === 0 && inactiveCount === 0 && weightsOk && countLinesReaching(index, t.inv.ownerId, cidr) === e.nextHops.length) continue;
        const lines = linesReaching(index, t.inv.ownerId, cidr);

        const problems: string[] = [];
        let severity: Severity = 'info';
        const disabled = e.nextHops.filter((h) => !hopUsable(h)).map((h) => h.nextHopId);
        const inactive = e.nextHops
          .map((h) => index.routerInterfaces.get(h.nextHopId))
          .filter((ri) => ri !== undefined && ri.status !== 'Active')
          .map((ri) => `${ri!.routerInterfaceId} (${ri!.status})`);
        if (disabled.length > 0) {
          problems.push(`next hop${disabled.length > 1 ? 's' : ''} ${disabled.join(', ')} disabled by the health check`);
          severity = 'critical';
        }
        if (inactive.length > 0) {
          problems.push(`router interface${inactive.length > 1 ? 's' : ''} ${inactive.join(', ')} not Active`);
          severity = 'critical';
        }
        const weights = e.nextHops.map((h) => h.weight ?? null);
        const group = declared ?? intent.redundancy.find((g) => g.routeTableId === tableId && g.destinationCidrBlock === e.destinationCidrBlock);
        if (!weightsOk) {
          problems.push(`unequal weights ${weights.map((w) => w ?? '?').join('/')}${group ? ' although the intent declares active-active' : ''}`);
          severity = worst(severity, 'warning');
        }
        const members = e.nextHops.map((h) => index.lineByInterface.get(h.nextHopId)?.vbrId ?? null);
        const lineVbrs = lines.map((l) => l.vbrId).sort();
        if (members.length !== lines.length) {
          problems.push(`${members.length} members but ${lines.length} line${lines.length === 1 ? '' : 's'} reach ${e.destinationCidrBlock}`);
          severity = worst(severity, 'warning');
        }
        out.push({
          checkId: 'ecmp-symmetry',
          severity,
          title: `ECMP route ${e.destinationCidrBlock} in ${tableId}: ${problems.join('; ')}`,
          resources: refs(routeRef(tableId, e.destinationCidrBlock), ...e.nextHops.map((h) => `router-interface:${h.nextHopId}`)),
          routeTableId: tableId,
          destinationCidrBlock: e.destinationCidrBlock,
          evidence: {
            routeEntryId: e.routeEntryId,
            nextHops: hopsText(e),
            weights,
            disabled,
            inactive,
            memberVbrs: members,
            linesReaching: lineVbrs,
            ...(group ? { declared: group.mode } : {}),
          },
          fix:
            severity === 'critical'
              ? `Restore the line behind ${[...disabled, ...inactive].join(', ')} (physical connection, VBR, data-center router) — until then ${e.destinationCidrBlock} runs on ${e.nextHops.length - disabled.length - inactive.length} of ${e.nextHops.length} lines.`
              : `Rebuild ${e.destinationCidrBlock} in ${tableId} with one next hop per line (${lineVbrs.join(', ') || 'none found'}) and equal weights (delete and recreate it with NextHopList), or declare it active-standby in the intent.`,

        });
      }
    }
    return out;
  },
};

/** 8. Active/standby (100/0) and active/active intent where declared. */
export const activeStandbyIntent: CheckDefinition = {
  id: 'active-standby-intent',
  title: 'Declared redundancy',
  description:
    'For every redundancy group of the intent: the route is missing (critical), its members are not exactly the declared lines (warning), active/standby weights are not 100 on the active line and 0 on the standby lines, or active/active weights are not equal (warning).',
  run(inv, intent) {
    const index = indexOf(inv);
    const out: Finding[] = [];
    for (const g of intent.redundancy) {
      const t = index.tables.get(g.routeTableId);
      const cidr = cidrOf(g.destinationCidrBlock);
      const entry = t && cidr ? (t.own.get(cidr) ?? []).find((e) => e.type !== 'CEN') : undefined;
      const vpcId = t?.inv.ownerId;
      const expected = g.lines.map((l) => {
        const line = (index.linesByVbr.get(l.vbrId) ?? []).find((x) => x.vpcId === vpcId);
        return {
          vbrId: l.vbrId,
          routerInterfaceId: line?.vpcSide?.routerInterfaceId ?? null,
          weight: g.mode === 'active-standby' ? (l.role === 'active' ? ACTIVE_WEIGHT : STANDBY_WEIGHT) : null,
        };
      });
      const resources = refs(routeRef(g.routeTableId, g.destinationCidrBlock), ...g.lines.map((l) => `vbr:${l.vbrId}`));
      const remediation = redundancySpec(index, intent, g);
      if (!entry) {
        out.push({
          checkId: 'active-standby-intent',
          severity: 'critical',
          title: `declared ${g.mode} route ${g.destinationCidrBlock} is missing from ${g.routeTableId}`,
          resources,
          routeTableId: g.routeTableId,
          destinationCidrBlock: g.destinationCidrBlock,
          evidence: { declared: g.mode, expected, tableFound: t !== undefined },
          fix: `Create ${g.destinationCidrBlock} in ${g.routeTableId} with NextHopList over ${expected.map((x) => x.routerInterfaceId ?? x.vbrId).join(', ')}${g.mode === 'active-standby' ? ' (weights 100 on the active line, 0 on standby)' : ' (equal weights)'}.`,
          ...(remediation ? { remediation } : {}),
        });
        continue;
      }
      const problems: string[] = [];
      const actual = entry.nextHops.map((h) => ({ nextHopId: h.nextHopId, weight: h.weight ?? null, vbrId: index.lineByInterface.get(h.nextHopId)?.vbrId ?? null }));
      const wantIds = expected.map((x) => x.routerInterfaceId).filter((x): x is string => x !== null).sort();
      const haveIds = actual.map((a) => a.nextHopId).sort();
      if (wantIds.join(',') !== haveIds.join(',') || wantIds.length !== g.lines.length) {
        problems.push(`members ${haveIds.join(', ') || 'none'} are not the declared lines ${expected.map((x) => x.routerInterfaceId ?? `${x.vbrId} (no connection to this VPC)`).join(', ')}`);
      }
      if (g.mode === 'active-standby') {
        const wrong = expected.filter((x) => x.routerInterfaceId && actual.find((a) => a.nextHopId === x.routerInterfaceId)?.weight !== x.weight);
        if (wrong.length > 0) problems.push(`weights are ${actual.map((a) => `${a.vbrId ?? a.nextHopId}=${a.weight ?? '?'}`).join(', ')}, expected ${expected.map((x) => `${x.vbrId}=${x.weight}`).join(', ')}`);
      } else if (!actual.every((a) => a.weight === actual[0]?.weight)) {
        problems.push(`weights ${actual.map((a) => a.weight ?? '?').join('/')} are not equal`);
      }
      if (problems.length === 0) continue;
      out.push({
        checkId: 'active-standby-intent',
        severity: 'warning',
        title: `${g.destinationCidrBlock} in ${g.routeTableId} is not ${g.mode} as declared: ${problems.join('; ')}`,
        resources,
        routeTableId: g.routeTableId,
        destinationCidrBlock: g.destinationCidrBlock,
        evidence: { declared: g.mode, expected, actual, routeEntryId: entry.routeEntryId },
        fix: `Recreate ${g.destinationCidrBlock} in ${g.routeTableId} with NextHopList ${expected.map((x) => `${x.routerInterfaceId ?? x.vbrId}${x.weight !== null ? ` weight ${x.weight}` : ''}`).join(', ')} (route weights cannot be modified in place), or correct the intent.`,
      });
    }
    return out;
  },
};
