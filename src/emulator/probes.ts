/**
 * The probe recorder: configured flows are sampled every `intervalMs` of clock time through the
 * data plane, and each sample is kept on a timeline. The blackout of a change is then a measured
 * number — lost probes per flow and the ms they span — not an assumption (issue 2, item 5).
 */
import { reachability, type DropReason, type FlowSpec } from './dataplane.ts';
import type { NetworkModel } from './model/network.ts';

/** A flow to sample. */
export interface ProbeFlowSpec {
  /** Stable name; defaults to `<source>-><destinationIp>` (plus ports when given). */
  id?: string;
  source: string;
  destinationIp: string;
  sourceIp?: string;
  flow?: FlowSpec;
}

/** One sample. */
export interface ProbeSample {
  t: number;
  flow: string;
  ok: boolean;
  /** Compact path: node ids of the forward leg, in order. */
  path: string[];
  reason?: DropReason;
  failedDirection?: 'forward' | 'return';
}

/** Loss figures of one flow. */
export interface ProbeFlowSummary {
  flow: string;
  sent: number;
  lost: number;
  /** lost × interval: the blackout the probes measured. */
  blackoutMs: number;
  /** Longest run of consecutive losses × interval. */
  longestBlackoutMs: number;
  firstLossAt?: number;
  lastLossAt?: number;
}

/** Options of `ProbeRecorder.start`. */
export interface ProbeStartOptions {
  /** Sampling period in clock ms (default 1000). */
  intervalMs?: number;
  /** Oldest samples are dropped beyond this many (default 200,000). */
  maxSamples?: number;
  /** Take the first sample now instead of after one interval (default true). */
  immediate?: boolean;
}

/** Samples configured flows on the model's clock. */
export class ProbeRecorder {
  private readonly flows = new Map<string, ProbeFlowSpec>();
  private samples: ProbeSample[] = [];
  private cancel: (() => void) | undefined;
  private intervalMs = 1000;
  private maxSamples = 200_000;

  constructor(private readonly model: NetworkModel) {}

  /** Adds (or replaces) a flow; returns its id. */
  addFlow(spec: ProbeFlowSpec): string {
    const id = spec.id ?? defaultId(spec);
    this.flows.set(id, { ...spec, id });
    return id;
  }

  /** Removes a flow; returns whether it existed. */
  removeFlow(id: string): boolean {
    return this.flows.delete(id);
  }

  /** Configured flows. */
  listFlows(): ProbeFlowSpec[] {
    return [...this.flows.values()].map((f) => ({ ...f }));
  }

  /** Whether sampling is running. */
  get running(): boolean {
    return this.cancel !== undefined;
  }

  /** Sampling period in ms. */
  get interval(): number {
    return this.intervalMs;
  }

  /** Starts (or restarts) sampling every `intervalMs`. */
  start(opts: ProbeStartOptions = {}): void {
    this.stop();
    this.intervalMs = opts.intervalMs ?? 1000;
    if (!Number.isFinite(this.intervalMs) || this.intervalMs <= 0) throw new RangeError('intervalMs must be > 0');
    this.maxSamples = opts.maxSamples ?? 200_000;
    let live = true;
    let cancelTimer = (): void => {};
    const arm = (): void => {
      cancelTimer = this.model.clock.schedule(this.intervalMs, () => {
        if (!live) return;
        this.sampleOnce();
        arm();
      });
    };
    if (opts.immediate ?? true) this.sampleOnce();
    arm();
    this.cancel = () => {
      live = false;
      cancelTimer();
    };
  }

  /** Stops sampling (the timeline is kept). */
  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }

  /** Takes one sample of every flow now. */
  sampleOnce(): void {
    const t = this.model.clock.now();
    for (const f of this.flows.values()) {
      const r = reachability(this.model, { source: f.source, destinationIp: f.destinationIp, ...(f.sourceIp ? { sourceIp: f.sourceIp } : {}), ...(f.flow ? { flow: f.flow } : {}) });
      const s: ProbeSample = { t, flow: f.id!, ok: r.reachable, path: r.hops.filter((h) => h.direction === 'forward').map((h) => h.id) };
      if (r.reason) s.reason = r.reason;
      if (r.failedDirection) s.failedDirection = r.failedDirection;
      this.samples.push(s);
    }
    if (this.samples.length > this.maxSamples) this.samples = this.samples.slice(this.samples.length - this.maxSamples);
  }

  /** Samples, optionally of one flow and/or from time `since`. */
  timeline(filter: { flow?: string; since?: number } = {}): ProbeSample[] {
    return this.samples.filter((s) => (!filter.flow || s.flow === filter.flow) && (filter.since === undefined || s.t >= filter.since)).map((s) => ({ ...s, path: [...s.path] }));
  }

  /** Loss per flow (optionally from time `since`). */
  summary(filter: { since?: number } = {}): ProbeFlowSummary[] {
    const out = new Map<string, ProbeFlowSummary & { run: number }>();
    for (const id of this.flows.keys()) out.set(id, { flow: id, sent: 0, lost: 0, blackoutMs: 0, longestBlackoutMs: 0, run: 0 });
    for (const s of this.samples) {
      if (filter.since !== undefined && s.t < filter.since) continue;
      let f = out.get(s.flow);
      if (!f) {
        f = { flow: s.flow, sent: 0, lost: 0, blackoutMs: 0, longestBlackoutMs: 0, run: 0 };
        out.set(s.flow, f);
      }
      f.sent++;
      if (s.ok) {
        f.run = 0;
        continue;
      }
      f.lost++;
      f.run++;
      f.firstLossAt ??= s.t;
      f.lastLossAt = s.t;
      f.blackoutMs = f.lost * this.intervalMs;
      f.longestBlackoutMs = Math.max(f.longestBlackoutMs, f.run * this.intervalMs);
    }
    return [...out.values()].map(({ run: _run, ...rest }) => rest);
  }

  /** Forgets all samples (flows stay configured). */
  clearTimeline(): void {
    this.samples = [];
  }
}

function defaultId(s: ProbeFlowSpec): string {
  const ports = s.flow?.sourcePort !== undefined || s.flow?.destinationPort !== undefined ? `:${s.flow?.sourcePort ?? 0}:${s.flow?.destinationPort ?? 0}` : '';
  return `${s.source}->${s.destinationIp}${ports}`;
}
