/**
 * The pieces of a verification step's answer every procedure uses: the checks it made (what,
 * whether it is as it should be, what was seen), the probe details of a flow, and the verdict
 * that names every problem in its `reason` (the machine's `verified` guard reads `ok`).
 */
import type { FlowProbeResult } from '../../src/cloud/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';

/** One thing a verification looked at. */
export interface Check extends JsonObject {
  check: string;
  ok: boolean;
  seen: string;
}

/** The checks that failed, one line each. */
export function checkProblems(checks: readonly Check[]): string[] {
  return checks.filter((c) => !c.ok).map((c) => `${c.check} (seen ${c.seen})`);
}

/** What a probe saw of a flow besides reachability: its hops and why it failed, when known. */
export function probeTrace(r: Pick<FlowProbeResult, 'hops' | 'reason'>): JsonObject {
  return { ...(r.hops ? { hops: r.hops } : {}), ...(r.reason ? { reason: r.reason } : {}) };
}

/** The answer of a verification after `phase`: `ok` when there is no problem, else a `reason` listing them; then the evidence. */
export function phaseVerdict(phase: string, problems: readonly string[], evidence: { checks: Check[]; flows: JsonObject[] }): JsonObject {
  return { phase, ok: problems.length === 0, ...(problems.length > 0 ? { reason: `${phase}: ${problems.join('; ')}` } : {}), ...evidence };
}
