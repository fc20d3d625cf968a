/**
 * The failover test of `physical-connection-redundancy` (seed chapter 6, step 6: "Ping an
 * instance in the VPC when one physical connection fails"): traffic runs from an ECS instance
 * to the data center while one line goes down; the test measures how long flows stay black
 * (goal: health-check interval × threshold, 16 s with 2 s × 8), then checks that traffic spreads
 * over both lines again once the line is back.
 *
 * Two implementations of one interface, chosen by the cloud clients' prober:
 * - `emulator`: probe flows sampled by the emulator's data plane (`/_emulator/probes`), the line
 *   taken down and up through the control API (`/_emulator/physical-connections/{id}/down|up`);
 * - `cloud-assistant`: a ping series (`ping -D -O`) run by Cloud Assistant on the ECS instance
 *   while the operator takes the line down and up (the cloud has no API the test may use to cut
 *   a leased line); losses are read from the missing sequence numbers.
 * Every method is stateless: what it needs later is in the returned handle, kept in the
 * execution's context, so each call may run in another process.
 */
import type { CloudClients, EcsClient } from '../../src/cloud/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { CloudTransientError, ValidationError } from '../../src/errors.ts';
import { parsePingOutput, readPing, startPing, type PingSeries } from '../shared/assistant.ts';

/** What to test. */
export interface FailoverTestSpec {
  /** Unique per execution: names the probe flows. */
  testId: string;
  /** ECS instance in the VPC the traffic starts from. */
  sourceInstanceId: string;
  /** Data-center addresses the traffic goes to. */
  targetIps: string[];
  /** Emulator: number of flows (distinct UDP source ports, so that ECMP spreads them). */
  flows: number;
  /** Time between two samples (probes / echo requests), ms. */
  sampleIntervalMs: number;
  /** How long the traffic may have to run (cloud: the ping series' length), ms. */
  windowMs: number;
  /** Physical connection ids of the protected connections (to tell which line a flow uses). */
  lines: string[];
}

/** A running test, kept in the execution's context. */
export interface FailoverHandle extends JsonObject {
  kind: string;
  testId: string;
  sampleIntervalMs: number;
  startedAt: number;
}

/** A line taken down or brought back (or, when `performed` is false, what the operator must do). */
export interface LineSwitch extends JsonObject {
  performed: boolean;
  physicalConnectionId: string;
  /** When it happened (clock ms), or when the instruction was given. */
  at: number;
  instruction: string;
}

/** One flow's figures over an observation window. */
export interface FlowObservation extends JsonObject {
  flow: string;
  sent: number;
  lost: number;
  /** Longest run of consecutive lost samples × the sample interval. */
  longestLossRunMs: number;
  /** Time of the newest lost sample, or null. */
  lastLossAt: number | null;
  /** Whether the newest sample got through. */
  lastOk: boolean;
  /** Time of the newest sample, or null when there is none. */
  lastSampleAt: number | null;
  /** Physical connections the flow's samples crossed (empty when the tester cannot tell). */
  lines: string[];
}

/** A time window on the tester's clock, ms. */
export interface ObservationWindow {
  since: number;
  /** Exclusive end; default: up to now. */
  until?: number;
}

/** The flows' figures from `since` to `at`. */
export interface FailoverObservation extends JsonObject {
  at: number;
  since: number;
  sampleIntervalMs: number;
  flows: FlowObservation[];
  /** Whether the traffic has ended (cloud: the ping series finished). */
  finished: boolean;
}

/** Runs failover tests. */
export interface FailoverTester {
  /** `emulator` or `cloud-assistant`. */
  readonly kind: string;
  /** Whether `failLine`/`restoreLine` act by themselves (emulator) or leave it to the operator (cloud). */
  readonly switchesLines: boolean;
  /** Starts the traffic. @throws ValidationError for a source the tester cannot use; CloudApiError */
  start(spec: FailoverTestSpec, opts: { now: number; clientToken: string }): Promise<FailoverHandle>;
  /** Takes the line down, or says how the operator must. */
  failLine(handle: FailoverHandle, physicalConnectionId: string, opts: { now: number }): Promise<LineSwitch>;
  /** Brings the line back up, or says how the operator must. */
  restoreLine(handle: FailoverHandle, physicalConnectionId: string, opts: { now: number }): Promise<LineSwitch>;
  /** The flows' figures from `window.since` until `window.until` (exclusive; default now). */
  observe(handle: FailoverHandle, window: ObservationWindow, opts: { now: number }): Promise<FailoverObservation>;
  /** Stops the traffic (idempotent). */
  stop(handle: FailoverHandle): Promise<void>;
}

/** One sample of one flow. */
export interface Sample {
  t: number;
  ok: boolean;
  lines?: string[];
}

/** Figures of one flow's samples (sorted or not) at a sample interval. */
export function summarizeSamples(flow: string, samples: readonly Sample[], intervalMs: number): FlowObservation {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  let lost = 0;
  let run = 0;
  let longest = 0;
  let lastLossAt: number | null = null;
  const lines = new Set<string>();
  for (const s of sorted) {
    if (s.ok) {
      run = 0;
      for (const l of s.lines ?? []) lines.add(l);
      continue;
    }
    lost++;
    run++;
    longest = Math.max(longest, run);
    lastLossAt = s.t;
  }
  const last = sorted[sorted.length - 1];
  return {
    flow,
    sent: sorted.length,
    lost,
    longestLossRunMs: longest * intervalMs,
    lastLossAt,
    lastOk: last?.ok ?? false,
    lastSampleAt: last?.t ?? null,
    lines: [...lines].sort(),
  };
}

// ---------------------------------------------------------------------------------------------
// Emulator
// ---------------------------------------------------------------------------------------------

interface EmulatorHandle extends FailoverHandle {
  kind: 'emulator';
  flowIds: string[];
  lines: string[];
}

/** Failover tests through the emulator's control API at `endpoint`. */
export function createEmulatorFailoverTester(endpoint: string): FailoverTester {
  const base = endpoint.replace(/\/+$/, '');
  async function control(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(`${base}/_emulator/${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (err) {
      throw new CloudTransientError(`emulator control API unreachable: ${(err as Error).message}`, { code: 'NetworkError' });
    }
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) {
      const e = (parsed.error ?? {}) as { code?: string; message?: string };
      const details = { code: e.code ?? `Http${res.status}` };
      const message = `emulator ${method} ${path}: ${e.message ?? text.slice(0, 200)}`;
      throw res.status >= 500 ? new CloudTransientError(message, details) : new ValidationError(message, details);
    }
    return parsed;
  }
  const clockNow = async (): Promise<number> => Number((await control('GET', 'clock')).now);
  const asHandle = (h: FailoverHandle): EmulatorHandle => {
    if (h.kind !== 'emulator' || !Array.isArray(h.flowIds)) throw new ValidationError('not an emulator failover test', { code: 'InvalidHandle' });
    return h as EmulatorHandle;
  };
  const lineSwitch = async (pc: string, to: 'down' | 'up'): Promise<LineSwitch> => {
    const r = await control('POST', `physical-connections/${encodeURIComponent(pc)}/${to}`);
    return {
      performed: true,
      physicalConnectionId: pc,
      at: await clockNow(),
      instruction: `emulator: physical connection ${pc} ${to === 'down' ? 'taken down' : 'brought back up'} (link ${String(r.linkStatus)})`,
    };
  };
  return {
    kind: 'emulator',
    switchesLines: true,
    async start(spec) {
      const flows = Array.from({ length: spec.flows }, (_, k) => ({
        id: `xcflow-${spec.testId}-${k}`,
        source: spec.sourceInstanceId,
        destinationIp: spec.targetIps[k % spec.targetIps.length],
        flow: { protocol: 'udp', sourcePort: 40000 + k, destinationPort: 5001 },
      }));
      await control('POST', 'probes', { flows, intervalMs: spec.sampleIntervalMs, reset: false, immediate: true });
      const handle: EmulatorHandle = {
        kind: 'emulator',
        testId: spec.testId,
        sampleIntervalMs: spec.sampleIntervalMs,
        startedAt: await clockNow(),
        flowIds: flows.map((f) => f.id),
        lines: spec.lines,
      };
      return handle;
    },
    failLine: (_h, pc) => lineSwitch(pc, 'down'),
    restoreLine: (_h, pc) => lineSwitch(pc, 'up'),
    async observe(h, { since, until }) {
      const handle = asHandle(h);
      const body = await control('GET', `probes?since=${encodeURIComponent(String(since))}`);
      const timeline = (Array.isArray(body.timeline) ? body.timeline : []) as Array<{ t: number; flow: string; ok: boolean; path?: string[] }>;
      const byFlow = new Map<string, Sample[]>(handle.flowIds.map((id) => [id, []]));
      for (const s of timeline) {
        if (until !== undefined && s.t >= until) continue;
        byFlow.get(s.flow)?.push({ t: s.t, ok: s.ok, lines: (s.path ?? []).filter((p) => handle.lines.includes(p)) });
      }
      return {
        at: await clockNow(),
        since,
        sampleIntervalMs: handle.sampleIntervalMs,
        flows: [...byFlow].map(([id, samples]) => summarizeSamples(id, samples, handle.sampleIntervalMs)),
        finished: body.running !== true,
      };
    },
    async stop() {
      await control('DELETE', 'probes');
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Cloud Assistant
// ---------------------------------------------------------------------------------------------

interface CloudHandle extends FailoverHandle {
  kind: 'cloud-assistant';
  invokeId: string;
  instanceId: string;
  targetIps: string[];
}

/** Samples of one ping series: answered and unanswered requests, timed by `-D` or by sequence. */
export function pingSamples(series: PingSeries, startedAt: number, intervalMs: number): Sample[] {
  const at = (seq: number, printed?: number): number => printed ?? startedAt + (seq - 1) * intervalMs;
  const answered = new Map(series.replies.map((r) => [r.seq, at(r.seq, r.atMs)]));
  const unanswered = new Map(series.unanswered.map((u) => [u.seq, at(u.seq, u.atMs)]));
  const last = Math.max(0, ...answered.keys(), ...unanswered.keys());
  const out: Sample[] = [];
  for (let seq = 1; seq <= last; seq++) {
    const t = answered.get(seq);
    out.push(t !== undefined ? { t, ok: true } : { t: unanswered.get(seq) ?? at(seq), ok: false });
  }
  return out;
}

/**
 * Failover tests through Cloud Assistant: a ping series from the ECS instance to each target
 * while the operator takes the line down and up. Cloud Assistant returns the output of a running
 * command as far as it got (UNCONFIRMED how often the real service refreshes it).
 */
export function createCloudAssistantFailoverTester(ecs: EcsClient): FailoverTester {
  const asHandle = (h: FailoverHandle): CloudHandle => {
    if (h.kind !== 'cloud-assistant' || typeof h.invokeId !== 'string') throw new ValidationError('not a Cloud Assistant failover test', { code: 'InvalidHandle' });
    return h as CloudHandle;
  };
  return {
    kind: 'cloud-assistant',
    switchesLines: false,
    async start(spec, { now, clientToken }) {
      const [status] = await ecs.describeCloudAssistantStatus({ instanceIds: [spec.sourceInstanceId] });
      if (!status?.cloudAssistantStatus) {
        throw new ValidationError(`Cloud Assistant is not running on ${spec.sourceInstanceId}: the ping series cannot start`, { code: 'CloudAssistantUnavailable', field: 'failoverTest.sourceInstanceId' });
      }
      const intervalSeconds = spec.sampleIntervalMs / 1000;
      const count = Math.ceil(spec.windowMs / spec.sampleIntervalMs);
      const started = await startPing(ecs, spec.sourceInstanceId, spec.targetIps, { count, intervalSeconds, series: true }, clientToken);
      const handle: CloudHandle = {
        kind: 'cloud-assistant',
        testId: spec.testId,
        sampleIntervalMs: spec.sampleIntervalMs,
        startedAt: now,
        invokeId: started.invokeId,
        instanceId: spec.sourceInstanceId,
        targetIps: spec.targetIps,
      };
      return handle;
    },
    async failLine(h, pc, { now }) {
      const handle = asHandle(h);
      return {
        performed: false,
        physicalConnectionId: pc,
        at: now,
        instruction: `take physical connection ${pc} down now (shut the customer-side port); ${handle.instanceId} keeps pinging ${handle.targetIps.join(', ')} (InvokeId ${handle.invokeId})`,
      };
    },
    async restoreLine(h, pc, { now }) {
      const handle = asHandle(h);
      return {
        performed: false,
        physicalConnectionId: pc,
        at: now,
        instruction: `bring physical connection ${pc} back up now; ${handle.instanceId} keeps pinging (InvokeId ${handle.invokeId})`,
      };
    },
    async observe(h, { since, until }, { now }) {
      const handle = asHandle(h);
      const { done, result } = await readPing(ecs, handle.invokeId, handle.instanceId);
      const series = parsePingOutput(result?.output ?? '', handle.targetIps);
      const flows = handle.targetIps.map((t) => {
        const s = series.get(t) ?? { target: t, replies: [], unanswered: [] };
        return summarizeSamples(t, pingSamples(s, handle.startedAt, handle.sampleIntervalMs).filter((x) => x.t >= since && (until === undefined || x.t < until)), handle.sampleIntervalMs);
      });
      return { at: now, since, sampleIntervalMs: handle.sampleIntervalMs, flows, finished: done };
    },
    async stop() {
      // StopInvocation is not among the cloud clients' actions: the series ends at its Timeout.
    },
  };
}

/**
 * The tester for these cloud clients: the emulator's when they talk to the emulator (its prober
 * knows the endpoint), Cloud Assistant's otherwise.
 */
export function failoverTesterFor(cloud: CloudClients): FailoverTester {
  if (cloud.prober.kind === 'emulator' && cloud.prober.endpoint) return createEmulatorFailoverTester(cloud.prober.endpoint);
  return createCloudAssistantFailoverTester(cloud.ecs);
}
