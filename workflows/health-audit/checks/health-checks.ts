/**
 * Health-check checks (network-anchors.md §2.3 rows 4, 5, 6; seed chapter 6; §4 failover
 * references): a health check on every VBR that carries ECMP or standby routes, its parameters in
 * range, and the data center's route back to its source over the same line.
 */
import { formatCidr } from '../../../src/net/index.ts';
import { cidrOf, indexOf, isIdcRoute, type Line } from '../analysis.ts';
import type { AuditIntent, IntentRedundancy } from '../intent.ts';
import { redundancySpec } from '../remediation-specs.ts';
import type { JsonObject } from '../../../src/engine/types.ts';
import type { Finding, ProbeRecord, RemediationSpec } from '../types.ts';
import { refs, type CheckDefinition } from './check.ts';

/** Allowed ranges (EnableCenVbrHealthCheck, alibaba-api.md §5; RI HcRate in ms, HcThreshold). */
export const HEALTH_CHECK_RANGES = { intervalSeconds: { min: 2, max: 3 }, threshold: { min: 3, max: 8 } } as const;

/** The declared group that covers a route of a table, if any. */
function groupFor(intent: AuditIntent, routeTableId: string, cidr: string): IntentRedundancy | undefined {
  return intent.redundancy.find((g) => g.routeTableId === routeTableId && g.destinationCidrBlock === cidr);
}

/** At most this many route keys are listed in a finding's evidence (the count is always given). */
const MAX_LISTED = 20;

interface LineNeed {
  line: Line;
  /** ECMP / weighted routes that use this line (count, and the first few). */
  routeCount: number;
  routes: string[];
  declared: string[];
  remediation?: RemediationSpec;
}

/** 4. A health check on every VBR that carries ECMP or standby routes. */
export const healthCheckPresent: CheckDefinition = {
  id: 'health-check-present',
  title: 'Health check present',
  description:
    "A VBR-to-VPC connection (router-interface pair) that is a member of an ECMP or weighted (active/standby) route in a VPC table, or a line of a redundancy group in the intent, without a health check on its VBR-side interface; or a VBR that shares a data-center prefix with another VBR in the same CEN without a CEN VBR health check. Critical: without it a failed line keeps its share of the flows (seed chapter 6).",
  run(inv, intent) {
    const index = indexOf(inv);
    const needs = new Map<string, LineNeed>();
    const need = (line: Line): LineNeed => {
      const id = line.vbrSide.routerInterfaceId;
      let n = needs.get(id);
      if (!n) {
        n = { line, routeCount: 0, routes: [], declared: [] };
        needs.set(id, n);
      }
      return n;
    };
    for (const t of index.tables.values()) {
      if (t.inv.ownerType !== 'VPC') continue;
      for (const e of t.inv.entries) {
        if (e.type === 'CEN' || e.nextHops.length < 2) continue;
        for (const h of e.nextHops) {
          const line = h.nextHopType === 'RouterInterface' ? index.lineByInterface.get(h.nextHopId) : undefined;
          if (!line) continue;
          const n = need(line);
          n.routeCount += 1;
          if (n.routes.length < MAX_LISTED) n.routes.push(`${t.inv.table.routeTableId}|${e.destinationCidrBlock}`);
          if (!n.remediation && intent.redundancy.length > 0) {
            const g = groupFor(intent, t.inv.table.routeTableId, e.destinationCidrBlock);
            if (g) n.remediation = redundancySpec(index, intent, g);
          }
        }
      }
    }
    for (const g of intent.redundancy) {
      const vpcId = index.tables.get(g.routeTableId)?.inv.ownerId;
      for (const l of g.lines) {
        const line = (index.linesByVbr.get(l.vbrId) ?? []).find((x) => x.vpcId === vpcId);
        if (!line) continue;
        const n = need(line);
        n.declared.push(`${g.routeTableId}|${g.destinationCidrBlock} (${g.mode})`);
        if (!n.remediation) n.remediation = redundancySpec(index, intent, g);
      }
    }
    const out: Finding[] = [];
    for (const n of [...needs.values()].sort((a, b) => a.line.vbrSide.routerInterfaceId.localeCompare(b.line.vbrSide.routerInterfaceId))) {
      const ri = n.line.vbrSide;
      if (ri.healthCheckSourceIp && ri.healthCheckTargetIp) continue;
      out.push({
        checkId: 'health-check-present',
        severity: 'critical',
        title: `${n.line.vbrId}'s connection ${ri.routerInterfaceId} to ${n.line.vpcId} carries ${n.routeCount > 0 ? `${n.routeCount} ECMP/weighted route${n.routeCount === 1 ? '' : 's'}` : 'a declared redundant route'} but has no health check`,
        resources: refs(`vbr:${n.line.vbrId}`, `router-interface:${ri.routerInterfaceId}`),
        evidence: {
          vbrId: n.line.vbrId,
          vpcId: n.line.vpcId,
          routerInterfaceId: ri.routerInterfaceId,
          vpcRouterInterfaceId: n.line.vpcSide?.routerInterfaceId ?? null,
          ecmpRouteCount: n.routeCount,
          ecmpRoutes: n.routes,
          declaredIn: n.declared,
        },
        fix: `Set a health check on ${ri.routerInterfaceId} (ModifyRouterInterfaceAttribute: HealthCheckSourceIp = an unused address of ${n.line.vpcId}, HealthCheckTargetIp = the data-center side IP of ${n.line.vbrId}, HcRate 2000, HcThreshold 8), and a /32 route back to the source on the data-center router over this line.`,
        ...(n.remediation ? { remediation: n.remediation } : {}),
      });
    }
    // Redundancy through CEN: two attached VBRs with a route toward the data center for one prefix.
    const byPrefix = new Map<string, Set<string>>();
    for (const c of inv.cenChildren) {
      if (c.childInstanceType !== 'VBR' || c.status !== 'Attached') continue;
      const vbr = index.vbrs.get(c.childInstanceId);
      const t = vbr ? index.tables.get(vbr.routeTableId) : undefined;
      if (!t) continue;
      for (const e of t.inv.entries) {
        if (!isIdcRoute(e)) continue;
        const c0 = cidrOf(e.destinationCidrBlock);
        if (!c0) continue;
        const key = `${c.cenId}|${formatCidr(c0)}`;
        const set = byPrefix.get(key) ?? new Set<string>();
        set.add(c.childInstanceId);
        byPrefix.set(key, set);
      }
    }
    const cenNeeds = new Map<string, { cenId: string; vbrId: string; prefixes: string[]; count: number }>();
    for (const [key, vbrs] of byPrefix) {
      if (vbrs.size < 2) continue;
      const [cenId, cidr] = key.split('|') as [string, string];
      for (const vbrId of vbrs) {
        const k = `${cenId}|${vbrId}`;
        const n = cenNeeds.get(k) ?? { cenId, vbrId, prefixes: [], count: 0 };
        n.count += 1;
        if (n.prefixes.length < MAX_LISTED) n.prefixes.push(cidr);
        cenNeeds.set(k, n);
      }
    }
    for (const n of [...cenNeeds.values()].sort((a, b) => a.vbrId.localeCompare(b.vbrId) || a.cenId.localeCompare(b.cenId))) {
      if ((index.cenHealthChecks.get(n.vbrId) ?? []).some((h) => h.cenId === n.cenId)) continue;
      out.push({
        checkId: 'health-check-present',
        severity: 'critical',
        title: `${n.vbrId} shares ${n.count} data-center prefix${n.count === 1 ? '' : 'es'} with another VBR in ${n.cenId} but has no CEN VBR health check`,
        resources: refs(`vbr:${n.vbrId}`, `cen:${n.cenId}`),
        evidence: { vbrId: n.vbrId, cenId: n.cenId, sharedPrefixCount: n.count, sharedPrefixes: n.prefixes },
        fix: `Enable the CEN VBR health check of ${n.vbrId} in ${n.cenId} (EnableCenVbrHealthCheck, interval 2 s, threshold 8, target = the data-center side IP; static routing needs a /32 back to the source on the data-center router).`,
      });
    }
    return out;
  },
};

interface HealthCheckSetting {
  kind: 'router-interface' | 'cen';
  vbrId: string;
  ref: string;
  intervalSeconds: number;
  threshold: number;
  sourceIp?: string;
  targetIp?: string;
}

/** Every configured health check with its interval (s) and threshold; router-interface checks without known settings are skipped. */
function settings(inv: Parameters<CheckDefinition['run']>[0]): HealthCheckSetting[] {
  const out: HealthCheckSetting[] = [];
  for (const ri of inv.routerInterfaces) {
    if (ri.routerType !== 'VBR' || !ri.healthCheckSourceIp || !ri.healthCheckTargetIp) continue;
    if (ri.hcRate === undefined || ri.hcThreshold === undefined) continue;
    out.push({ kind: 'router-interface', vbrId: ri.routerId, ref: `router-interface:${ri.routerInterfaceId}`, intervalSeconds: ri.hcRate / 1000, threshold: ri.hcThreshold, sourceIp: ri.healthCheckSourceIp, targetIp: ri.healthCheckTargetIp });
  }
  for (const hc of inv.cenVbrHealthChecks) {
    if (hc.healthCheckInterval === undefined || hc.healthyThreshold === undefined) continue;
    out.push({
      kind: 'cen',
      vbrId: hc.vbrInstanceId,
      ref: `cen-health-check:${hc.cenId}/${hc.vbrInstanceId}`,
      intervalSeconds: hc.healthCheckInterval,
      threshold: hc.healthyThreshold,
      ...(hc.healthCheckSourceIp ? { sourceIp: hc.healthCheckSourceIp } : {}),
      targetIp: hc.healthCheckTargetIp,
    });
  }
  return out;
}

/** 5. Health-check parameters: interval 2–3 s, threshold 3–8; the intent's values (default 2 s × 8). */
export const healthCheckParameters: CheckDefinition = {
  id: 'health-check-parameters',
  title: 'Health-check parameters',
  description:
    'A health check whose interval is outside 2–3 s or whose threshold is outside 3–8 probes (critical: failover takes longer than the product allows, or flaps), or that differs from the intent (default 2 s × 8, detection in 16 s; warning).',
  run(inv, intent) {
    const index = indexOf(inv);
    const want = intent.healthCheck;
    const out: Finding[] = [];
    for (const s of settings(inv)) {
      const { min: iMin, max: iMax } = HEALTH_CHECK_RANGES.intervalSeconds;
      const { min: tMin, max: tMax } = HEALTH_CHECK_RANGES.threshold;
      const outOfRange = s.intervalSeconds < iMin || s.intervalSeconds > iMax || s.threshold < tMin || s.threshold > tMax;
      const differs = s.intervalSeconds !== want.intervalSeconds || s.threshold !== want.threshold;
      if (!outOfRange && !differs) continue;
      const group = intent.redundancy.find((g) => g.lines.some((l) => l.vbrId === s.vbrId));
      const remediation = group ? redundancySpec(index, intent, group) : undefined;
      out.push({
        checkId: 'health-check-parameters',
        severity: outOfRange ? 'critical' : 'warning',
        title: `health check of ${s.vbrId} probes every ${s.intervalSeconds} s with threshold ${s.threshold}${outOfRange ? ' (out of range)' : ` (expected ${want.intervalSeconds} s × ${want.threshold})`}`,
        resources: refs(`vbr:${s.vbrId}`, s.ref),
        evidence: {
          kind: s.kind,
          vbrId: s.vbrId,
          intervalSeconds: s.intervalSeconds,
          threshold: s.threshold,
          detectionSeconds: s.intervalSeconds * s.threshold,
          expected: { intervalSeconds: want.intervalSeconds, threshold: want.threshold, detectionSeconds: want.intervalSeconds * want.threshold },
          allowed: { intervalSeconds: [iMin, iMax], threshold: [tMin, tMax] },
        },
        fix:
          s.kind === 'router-interface'
            ? `Set HcRate ${want.intervalSeconds * 1000} and HcThreshold ${want.threshold} on ${s.ref.slice('router-interface:'.length)} (ModifyRouterInterfaceAttribute).`
            : `Re-enable the CEN VBR health check of ${s.vbrId} with HealthCheckInterval ${want.intervalSeconds} and HealthyThreshold ${want.threshold} (EnableCenVbrHealthCheck also modifies).`,
        ...(remediation && s.kind === 'router-interface' ? { remediation } : {}),
      });
    }
    return out;
  },
};

/** 6. The data center's return route to each health-check source, over the same line. */
export const healthCheckReturnPath: CheckDefinition = {
  id: 'health-check-return-path',
  title: 'Health-check return path',
  description:
    "Probes from each health check's target (the data-center side IP) back to its source, with the ICMP flow and three UDP flows (so that a data center spreading a wider route over several lines by ECMP is caught even when one flow happens to hash onto the right line). Critical when any reply leaves the data center over another line (Alibaba counts that as unhealthy) or has no route back; info when the prober cannot probe from the data center (the Cloud Assistant prober runs on ECS only).",
  run(inv) {
    const index = indexOf(inv);
    const out: Finding[] = [];
    const vbrOfPc = new Map<string, string>();
    for (const v of inv.vbrs) if (v.physicalConnectionId) vbrOfPc.set(v.physicalConnectionId, v.vbrId);
    const groups = new Map<string, ProbeRecord[]>();
    for (const p of inv.probes) {
      if (p.purpose !== 'return-path') continue;
      groups.set(p.key, [...(groups.get(p.key) ?? []), p]);
    }
    for (const [key, probes] of groups) {
      const [vbrId = '', sourceIp = ''] = key.split('|');
      const resources = refs(`vbr:${vbrId}`, `health-check-source:${vbrId}|${sourceIp}`);
      const gateway = index.vbrs.get(vbrId)?.localGatewayIp;
      const base = { vbrId, healthCheckSourceIp: sourceIp, healthCheckTargetIp: probes[0]?.flow.source ?? null };
      const answered = probes.filter((p) => p.result && !p.error);
      if (answered.length === 0) {
        out.push({
          checkId: 'health-check-return-path',
          severity: 'info',
          title: `return path of the health check of ${vbrId} could not be verified`,
          resources,
          evidence: { ...base, errors: probes.map((p) => (p.error ?? { code: 'NoResult', message: 'no probe result' }) as unknown as JsonObject) },
          fix: `Make sure the data-center router has a /32 route to ${sourceIp} via this line's VBR (${gateway ?? 'the Alibaba-side IP'}).`,
        });
        continue;
      }
      const verdicts = answered.map((p) => {
        const hops = p.result!.hops;
        let via: string | undefined;
        for (const h of hops ?? []) {
          if (h.startsWith('vbr:')) via = h.slice(4);
          else if (h.startsWith('physical-connection:')) via = vbrOfPc.get(h.slice('physical-connection:'.length));
          if (via) break;
        }
        const ok = hops ? via === vbrId : p.result!.reachable;
        return { flow: p.flow.name, ok, via: via ?? null, reachable: p.result!.reachable, hops: hops ?? null, ...(p.result!.reason ? { reason: p.result!.reason } : {}) };
      });
      const bad = verdicts.filter((v) => !v.ok);
      if (bad.length === 0) continue;
      const others = [...new Set(bad.map((b) => b.via).filter((v): v is string => v !== null))];
      out.push({
        checkId: 'health-check-return-path',
        severity: 'critical',
        title:
          others.length > 0
            ? `replies to the health check of ${vbrId} leave the data center over ${others.join(', ')}, not over ${vbrId} (${bad.length} of ${verdicts.length} probes)`
            : `the data center has no route back to the health-check source ${sourceIp} of ${vbrId}`,
        resources,
        evidence: { ...base, probes: verdicts as unknown as JsonObject[] },
        fix: `Route ${sourceIp}/32 via ${gateway ?? `the Alibaba-side IP of ${vbrId}`} on the data-center router (a static /32 over this line; seed chapter 6: replies over another line count as failed probes). If that route exists, this line may be down: see the other findings of this run.`,
      });
    }
    return out;
  },
};
