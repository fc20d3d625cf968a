/**
 * The test flows Cloud Assistant commands put on the emulated links, kept per link on the clock,
 * so that eight concurrent netperf clients share one Express Connect port the way the seed's
 * chapter 2 test shares it. Outcomes come from the perf library's link model
 * (`src/perf/link-model.ts`): a flow's result is computed when it ends, over every flow that
 * overlapped it on the same link.
 */
import { simulateFlows } from '../../perf/link-model.ts';
import type { FlowDirection, FlowOutcome, FlowSpec, LinkSpec, Protocol } from '../../perf/types.ts';

/** A flow as the ledger stores it: the link-model spec plus clock times. */
export interface LedgerFlow {
  readonly id: string;
  readonly protocol: Protocol;
  readonly payloadBytes: number;
  readonly offeredBps?: number;
  readonly direction: FlowDirection;
  readonly hashKey: string;
  readonly startMs: number;
  /** Planned end; moved earlier when the command is killed (timeout, pkill). */
  endMs: number;
}

interface LinkFlows {
  link: LinkSpec;
  flows: LedgerFlow[];
}

/** How long finished flows are kept (they can still overlap flows that end later). */
const RETAIN_MS = 30 * 60 * 1000;

/** Flows per link id (a physical connection id, or a VPC-internal link). */
export class FlowLedger {
  private readonly links = new Map<string, LinkFlows>();

  /** Adds a flow on `linkId`; the link spec of the newest flow wins (bandwidth changes apply). */
  add(linkId: string, link: LinkSpec, flow: LedgerFlow, now: number): void {
    const entry = this.links.get(linkId) ?? { link, flows: [] };
    entry.link = link;
    entry.flows = entry.flows.filter((f) => f.endMs > now - RETAIN_MS);
    entry.flows.push(flow);
    this.links.set(linkId, entry);
  }

  /** Ends a flow early (its command was killed). */
  cut(linkId: string, flowId: string, at: number): void {
    const f = this.links.get(linkId)?.flows.find((x) => x.id === flowId);
    if (f && f.endMs > at) f.endMs = Math.max(f.startMs + 1, at);
  }

  /**
   * Outcomes of `ids` (in that order), simulated together with every flow that overlaps them on
   * the same link. `intervalSeconds` is the report interval of the asking tool.
   */
  outcomes(linkId: string, ids: readonly string[], intervalSeconds: number): FlowOutcome[] {
    const entry = this.links.get(linkId);
    if (!entry) return [];
    const wanted = entry.flows.filter((f) => ids.includes(f.id));
    if (wanted.length === 0) return [];
    const from = Math.min(...wanted.map((f) => f.startMs));
    const to = Math.max(...wanted.map((f) => f.endMs));
    const overlapping = entry.flows.filter((f) => f.startMs < to && f.endMs > from);
    const base = Math.min(...overlapping.map((f) => f.startMs));
    const specs: FlowSpec[] = overlapping.map((f) => ({
      id: f.id,
      protocol: f.protocol,
      payloadBytes: f.payloadBytes,
      ...(f.offeredBps !== undefined ? { offeredBps: f.offeredBps } : {}),
      startSeconds: (f.startMs - base) / 1000,
      durationSeconds: Math.max(0.001, (f.endMs - f.startMs) / 1000),
      direction: f.direction,
      hashKey: f.hashKey,
    }));
    const seed = hashSeed(ids.join('|'));
    const all = simulateFlows(entry.link, specs, { intervalSeconds: intervalSeconds > 0 ? intervalSeconds : 1, seed });
    const byId = new Map(all.map((o) => [o.id, o]));
    return ids.map((id) => byId.get(id)).filter((o): o is FlowOutcome => o !== undefined);
  }

  /** Forgets every flow. */
  clear(): void {
    this.links.clear();
  }
}

function hashSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
