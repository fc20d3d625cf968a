/**
 * The fifteen checks in order, and `runChecks`: every check over one inventory, the intent's
 * ignore list applied, findings keyed and sorted. Pure.
 */
import type { AuditIntent } from '../intent.ts';
import { findingKey } from '../findings.ts';
import { CHECK_IDS, type CheckId, type Finding, type Inventory } from '../types.ts';
import type { CheckDefinition } from './check.ts';
import { activeStandbyIntent, ecmpSymmetry } from './ecmp.ts';
import { healthCheckParameters, healthCheckPresent, healthCheckReturnPath } from './health-checks.ts';
import { flowReachability, performanceDrift } from './measurements.ts';
import { cenRouteStatus, cloudServiceRoutes, longestPrefixIntent, migrationLeftovers } from './routes.ts';
import { bgpPeers, cenAttachment, physicalConnectionState, vbrStatus } from './status.ts';

export type { CheckDefinition } from './check.ts';

/** Every check, in the order of network-anchors.md §2.3. */
export const CHECKS: readonly CheckDefinition[] = [
  physicalConnectionState,
  vbrStatus,
  cenAttachment,
  healthCheckPresent,
  healthCheckParameters,
  healthCheckReturnPath,
  ecmpSymmetry,
  activeStandbyIntent,
  migrationLeftovers,
  cenRouteStatus,
  longestPrefixIntent,
  cloudServiceRoutes,
  bgpPeers,
  flowReachability,
  performanceDrift,
];

/** A finding with its stable key. */
export interface KeyedFinding extends Finding {
  key: string;
}

/** What `runChecks` returns. */
export interface CheckResults {
  findings: KeyedFinding[];
  /** Findings dropped by the intent's ignore list, by check. */
  ignored: Partial<Record<CheckId, number>>;
  /** Wall time of each check, ms (figures, not part of the result's meaning). */
  timings: Partial<Record<CheckId, number>>;
}

/** Runs `checks` (default: all) over the inventory. Findings with the same key are merged (the most severe wins). */
export function runChecks(inv: Inventory, intent: AuditIntent, checks: readonly CheckDefinition[] = CHECKS): CheckResults {
  const byKey = new Map<string, KeyedFinding>();
  const ignored: Partial<Record<CheckId, number>> = {};
  const timings: Partial<Record<CheckId, number>> = {};
  for (const check of checks) {
    const t0 = performance.now();
    const found = check.run(inv, intent);
    timings[check.id] = performance.now() - t0;
    for (const f of found) {
      const rule = intent.ignore.find((i) => i.checkId === f.checkId && (i.resource === undefined || f.resources.includes(i.resource)));
      if (rule) {
        ignored[f.checkId] = (ignored[f.checkId] ?? 0) + 1;
        continue;
      }
      const key = findingKey(f.checkId, f.resources);
      const prev = byKey.get(key);
      if (!prev || severityRank(f.severity) > severityRank(prev.severity)) byKey.set(key, { ...f, key });
    }
  }
  const order = new Map(CHECK_IDS.map((id, i) => [id, i]));
  const findings = [...byKey.values()].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || (order.get(a.checkId) ?? 0) - (order.get(b.checkId) ?? 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  return { findings, ignored, timings };
}

function severityRank(s: Finding['severity']): number {
  return s === 'critical' ? 2 : s === 'warning' ? 1 : 0;
}
