/**
 * Checks on measurements rather than configuration (network-anchors.md §2.3 rows 14, 15): the
 * reachability of the intent's flows (probed during the audit) and the drift of the last
 * `link-performance-test` report below the agreed share of the line (seed chapter 2).
 */
import type { JsonObject } from '../../../src/engine/types.ts';
import type { Finding } from '../types.ts';
import { refs, type CheckDefinition } from './check.ts';

/** 14. Reachability of declared flows. */
export const flowReachability: CheckDefinition = {
  id: 'flow-reachability',
  title: 'Flow reachability',
  description:
    'Every flow of the intent is probed during the audit (emulator data plane, or ping through Cloud Assistant in the cloud). Critical when it does not get through; warning when the probe itself could not run.',
  run(inv) {
    const out: Finding[] = [];
    for (const p of inv.probes) {
      if (p.purpose !== 'flow') continue;
      const base = { flow: p.flow as unknown as JsonObject };
      if (p.error || !p.result) {
        out.push({
          checkId: 'flow-reachability',
          severity: 'warning',
          title: `flow ${p.flow.name} could not be probed: ${p.error?.message ?? 'no result'}`,
          resources: [`flow:${p.flow.name}`],
          evidence: { ...base, error: p.error ?? { code: 'NoResult', message: 'no result' } },
          fix: `Make the flow's source probeable (an ECS instance with Cloud Assistant in the audited region), or remove the flow from the intent.`,
        });
        continue;
      }
      if (p.result.reachable) continue;
      out.push({
        checkId: 'flow-reachability',
        severity: 'critical',
        title: `flow ${p.flow.name} (${p.flow.source} → ${p.flow.destinationIp}) is unreachable${p.result.reason ? `: ${p.result.reason}` : ''}`,
        resources: [`flow:${p.flow.name}`],
        evidence: { ...base, reachable: false, hops: p.result.hops ?? null, reason: p.result.reason ?? null },
        fix: `Follow the hops to where the packet is dropped (${p.result.hops?.[p.result.hops.length - 1] ?? 'the source'}${p.result.reason ? `, ${p.result.reason}` : ''}) and restore the route or line there; the other findings of this run often name the cause.`,
      });
    }
    return out;
  },
};

const DAY_MS = 86_400_000;

function num(o: JsonObject, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** 15. Performance drift against the last `link-performance-test` report. */
export const performanceDrift: CheckDefinition = {
  id: 'performance-drift',
  title: 'Performance drift',
  description:
    'Only when the intent has a performance section. Compares the last succeeded link-performance-test report: total bits/s below minBandwidthShare × the port bandwidth (bps tests), packets/s below minPps (pps tests) or UDP loss above maxUdpLossPercent (warning); no report, or one older than maxReportAgeDays (info).',
  run(inv, intent) {
    const policy = intent.performance;
    if (!policy) return [];
    const base = inv.performance;
    if (!base) {
      return [
        {
          checkId: 'performance-drift',
          severity: 'info',
          title: 'no link-performance-test report to compare against',
          resources: ['performance:baseline'],
          evidence: { policy: policy as unknown as JsonObject },
          fix: 'Run link-performance-test (seed chapter 2) to set a baseline.',
        },
      ];
    }
    const out: Finding[] = [];
    const ageDays = (inv.readAt - base.endedAt) / DAY_MS;
    const line = typeof base.params.physicalConnectionId === 'string' ? `physical-connection:${base.params.physicalConnectionId}` : typeof base.params.vbrId === 'string' ? `vbr:${base.params.vbrId}` : undefined;
    if (ageDays > policy.maxReportAgeDays) {
      out.push({
        checkId: 'performance-drift',
        severity: 'info',
        title: `the last link-performance-test report is ${Math.floor(ageDays)} days old (limit ${policy.maxReportAgeDays})`,
        resources: refs('performance:baseline', line),
        evidence: { executionId: base.executionId, endedAt: base.endedAt, ageDays: Math.floor(ageDays) },
        fix: 'Run link-performance-test again to refresh the baseline.',
      });
    }
    for (const { path, report } of base.reports) {
      const total = (report.total ?? {}) as JsonObject;
      const bandwidth = num(report, 'bandwidthBps') ?? 0;
      const bps = num(total, 'bitsPerSecond') ?? 0;
      const pps = num(total, 'packetsPerSecond');
      const loss = num(total, 'lossPercent');
      const mode = typeof report.mode === 'string' ? report.mode : 'bps';
      const direction = typeof report.direction === 'string' ? report.direction : 'unspecified';
      const problems: string[] = [];
      if (mode !== 'pps' && bandwidth > 0 && bps < policy.minBandwidthShare * bandwidth) {
        problems.push(`${(bps / 1e6).toFixed(1)} Mbit/s is ${((100 * bps) / bandwidth).toFixed(1)} % of ${(bandwidth / 1e6).toFixed(0)} Mbit/s (agreed ≥ ${(100 * policy.minBandwidthShare).toFixed(0)} %)`);
      }
      if (mode === 'pps' && policy.minPps !== undefined && pps !== undefined && pps < policy.minPps) {
        problems.push(`${Math.round(pps)} packets/s below ${policy.minPps}`);
      }
      if (loss !== undefined && loss > policy.maxUdpLossPercent) problems.push(`UDP loss ${loss.toFixed(2)} % above ${policy.maxUdpLossPercent} %`);
      if (problems.length === 0) continue;
      out.push({
        checkId: 'performance-drift',
        severity: 'warning',
        title: `performance ${direction} (${mode}) drifted: ${problems.join('; ')}`,
        resources: refs(`performance:${direction}|${mode}`, line),
        evidence: {
          executionId: base.executionId,
          reportPath: path,
          endedAt: base.endedAt,
          bandwidthBps: bandwidth,
          bitsPerSecond: bps,
          ...(pps !== undefined ? { packetsPerSecond: pps } : {}),
          ...(loss !== undefined ? { lossPercent: loss } : {}),
          policy: policy as unknown as JsonObject,
        },
        fix: 'Check the line with the provider (errors, congestion, a degraded port); re-run link-performance-test with enough parallel flows (the report sizes them) to rule out the single-hash-stream limit.',
      });
    }
    return out;
  },
};
