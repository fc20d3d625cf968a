/**
 * The failover test of `physical-connection-redundancy` (seed chapter 6, step 6: "Ping an
 * instance in the VPC when one physical connection fails"): traffic runs from an ECS instance
 * to the data center while one line goes down; the test measures how long flows stay black
 * (goal: health-check interval × threshold, 16 s with 2 s × 8), then checks that traffic spreads
 * over both lines again once the line is back.
 *
 * Two implementations of one interface, chosen by the cloud clients' prober:
 * - `emulator`: probe flows sampled by the emulator's data plane (`/_emulator/probes`);
 * - `cloud-assistant`: a ping series per target (`ping -D -O`, one RunCommand each) run by Cloud
 *   Assistant on the ECS instance; losses are read from the missing sequence numbers.
 * The line goes down and up by `lineSwitch`: `operator` (in the cloud a person is told to cut it,
 * as no API may cut a leased line; in the emulator the control API fails the physical
 * connection, `/_emulator/physical-connections/{id}/down|up`), or `terminate-vbr`
 * (TerminateVirtualBorderRouter, then RecoverVirtualBorderRouter, on the line's VBR: the VBR goes
 * `terminating`/`terminated` and carries no traffic until `recovering` → `active`).
 * Every method is stateless: what it needs later is in the returned handle, kept in the
 * execution's context, so each call may run in another process.
 */
import type { CloudClients, EcsClient, VpcClient } from '../../src/cloud/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { CloudTransientError, ValidationError } from '../../src/errors.ts';
import { parseSinglePingOutput, readPing, startPing, type PingSeries } from '../shared/assistant.ts';
import type { LineSwitch } from './params.ts';

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
  /** How lines go down and up (default `operator`). */
  lineSwitch?: LineSwitch;
  /** `terminate-vbr`: the VBR of each line (physical connection id → VBR id). */
  vbrByLine?: Record<string, string>;
}

/** A running test, kept in the execution's context. */
export interface FailoverHandle extends JsonObject {
  kind: string;
  testId: string;
  sampleIntervalMs: number;
  startedAt: number;
}

/** Line-switch fields of a handle (`terminate-vbr` handles only; older handles have none). */
interface SwitchFields extends JsonObject {
  lineSwitch: LineSwitch;
  /** Physical connection id → VBR id. */
  vbrByLine: Record<string, string>;
}

/** A line taken down or brought back (or, when `performed` is false, what the operator must do). */
export interface LineSwitchResult extends JsonObject {
  performed: boolean;
  physicalConnectionId: string;
  /** When it happened (clock ms), or when the instruction was given. */
  at: number;
  instruction: string;
  /** RequestIds of the calls that switched it (`terminate-vbr`; empty otherwise). */
  requestIds: string[];
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
  /** Whether `failLine`/`restoreLine` act by themselves (emulator, `terminate-vbr`) or leave it to the operator (cloud). */
  readonly switchesLines: boolean;
  /** Starts the traffic. @throws ValidationError for a source the tester cannot use; CloudApiError */
  start(spec: FailoverTestSpec, opts: { now: number; clientToken: string }): Promise<FailoverHandle>;
  /** Takes the line down, or says how the operator must. */
  failLine(handle: FailoverHandle, physicalConnectionId: string, opts: { now: number }): Promise<LineSwitchResult>;
  /** Brings the line back up, or says how the operator must. */
  restoreLine(handle: FailoverHandle, physicalConnectionId: string, opts: { now: number }): Promise<LineSwitchResult>;
  /** Whether the line carries traffic again after `restoreLine` (a recovered VBR is `active`). */
  lineRestored(handle: FailoverHandle, physicalConnectionId: string): Promise<{ ready: boolean; status: string }>;
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
// Line switch by API: TerminateVirtualBorderRouter / RecoverVirtualBorderRouter
// ---------------------------------------------------------------------------------------------

function vbrOf(handle: FailoverHandle, physicalConnectionId: string): string {
  const map = (handle as Partial<SwitchFields>).vbrByLine;
  const vbrId = map && typeof map === 'object' ? map[physicalConnectionId] : undefined;
  if (!vbrId) throw new ValidationError(`no VBR is known for ${physicalConnectionId}: terminate-vbr cannot switch it`, { code: 'InvalidHandle' });
  return vbrId;
}

/**
 * Takes the line's VBR down (`down`: TerminateVirtualBorderRouter) or brings it back (`up`:
 * RecoverVirtualBorderRouter), idempotently: it reads the VBR first and calls only when needed.
 * A VBR still on its way (terminating when asked up, recovering when asked down) is a transient
 * error, so the engine retries. @throws CloudTransientError, ValidationError, CloudApiError
 */
export async function switchVbr(vpc: VpcClient, vbrId: string, physicalConnectionId: string, to: 'down' | 'up', at: number, clientToken?: string): Promise<LineSwitchResult> {
  const [vbr] = await vpc.describeVirtualBorderRouters({ vbrId });
  if (!vbr) throw new ValidationError(`VBR ${vbrId} of ${physicalConnectionId} was not found`, { code: 'VbrNotFound' });
  const done = (instruction: string, requestIds: string[] = []): LineSwitchResult => ({ performed: true, physicalConnectionId, at, instruction, requestIds });
  if (to === 'down') {
    if (vbr.status === 'terminating' || vbr.status === 'terminated') return done(`VBR ${vbrId} of ${physicalConnectionId} is ${vbr.status} already`);
    if (vbr.status === 'recovering') throw new CloudTransientError(`VBR ${vbrId} is still recovering; it can be terminated once active`, { code: 'VbrRecovering' });
    if (vbr.status !== 'active') throw new ValidationError(`VBR ${vbrId} is ${vbr.status}: only an active VBR can be terminated`, { code: 'VbrNotActive' });
    const r = await vpc.terminateVirtualBorderRouter({ vbrId, ...(clientToken ? { clientToken: `${clientToken}:terminate` } : {}) });
    return done(`TerminateVirtualBorderRouter ${vbrId}: physical connection ${physicalConnectionId} carries no traffic until the VBR is recovered`, [r.requestId]);
  }
  if (vbr.status === 'recovering' || vbr.status === 'active') return done(`VBR ${vbrId} of ${physicalConnectionId} is ${vbr.status} already`);
  if (vbr.status === 'terminating') throw new CloudTransientError(`VBR ${vbrId} is still terminating; it can be recovered once terminated`, { code: 'VbrTerminating' });
  if (vbr.status !== 'terminated') throw new ValidationError(`VBR ${vbrId} is ${vbr.status}: only a terminated VBR can be recovered`, { code: 'VbrNotTerminated' });
  const r = await vpc.recoverVirtualBorderRouter({ vbrId, ...(clientToken ? { clientToken: `${clientToken}:recover` } : {}) });
  return done(`RecoverVirtualBorderRouter ${vbrId}: physical connection ${physicalConnectionId} carries traffic again once the VBR is active`, [r.requestId]);
}

/** Whether the line's VBR is `active` again. */
async function vbrActive(vpc: VpcClient, vbrId: string): Promise<{ ready: boolean; status: string }> {
  const [vbr] = await vpc.describeVirtualBorderRouters({ vbrId });
  return { ready: vbr?.status === 'active', status: vbr?.status ?? 'absent' };
}

const switchesByApi = (h: FailoverHandle): boolean => h.lineSwitch === 'terminate-vbr';

function needVpc(vpc: VpcClient | undefined): VpcClient {
  if (!vpc) throw new ValidationError('terminate-vbr needs the VPC client', { code: 'InvalidHandle' });
  return vpc;
}

// ---------------------------------------------------------------------------------------------
// Emulator
// ---------------------------------------------------------------------------------------------

/** The line-switch fields a handle keeps from the spec (none for `operator`). */
function switchFields(spec: FailoverTestSpec): Partial<SwitchFields> {
  if (spec.lineSwitch !== 'terminate-vbr') return {};
  return { lineSwitch: 'terminate-vbr', vbrByLine: { ...(spec.vbrByLine ?? {}) } };
}

interface EmulatorHandle extends FailoverHandle {
  kind: 'emulator';
  flowIds: string[];
  lines: string[];
}

/**
 * Failover tests through the emulator's control API at `endpoint`; with `terminate-vbr`, lines
 * are switched through `vpc` (the emulator's VPC API) instead.
 */
export function createEmulatorFailoverTester(endpoint: string, opts: { vpc?: VpcClient; lineSwitch?: LineSwitch } = {}): FailoverTester {
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
  const lineSwitch = async (h: FailoverHandle, pc: string, to: 'down' | 'up'): Promise<LineSwitchResult> => {
    if (switchesByApi(h)) return switchVbr(needVpc(opts.vpc), vbrOf(h, pc), pc, to, await clockNow(), `${h.testId}:${pc}`);
    const r = await control('POST', `physical-connections/${encodeURIComponent(pc)}/${to}`);
    return {
      performed: true,
      physicalConnectionId: pc,
      at: await clockNow(),
      instruction: `emulator: physical connection ${pc} ${to === 'down' ? 'taken down' : 'brought back up'} (link ${String(r.linkStatus)})`,
      requestIds: [],
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
        ...switchFields(spec),
      };
      return handle;
    },
    failLine: (h, pc) => lineSwitch(h, pc, 'down'),
    restoreLine: (h, pc) => lineSwitch(h, pc, 'up'),
    lineRestored: async (h, pc) => (switchesByApi(h) ? vbrActive(needVpc(opts.vpc), vbrOf(h, pc)) : { ready: true, status: 'up' }),
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
  instanceId: string;
  targetIps: string[];
  /** One ping invocation per target (target → InvokeId); older handles have `invokeId` instead. */
  invokeIds: Record<string, string>;
}

/** The single invocation of an older handle (one script pinging every target), if any. */
const legacyInvokeId = (h: CloudHandle): string | undefined => (typeof h.invokeId === 'string' ? h.invokeId : undefined);
const perTarget = (h: CloudHandle): Record<string, string> | undefined => (h.invokeIds && typeof h.invokeIds === 'object' ? h.invokeIds : undefined);

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
 * (one RunCommand per target, so each output is one ping's, as in a terminal) while the line
 * goes down and up, by the operator or by `terminate-vbr` through `vpc`. Cloud Assistant returns
 * the output of a running command as far as it got (UNCONFIRMED how often the real service
 * refreshes it).
 */
export function createCloudAssistantFailoverTester(ecs: EcsClient, opts: { vpc?: VpcClient; lineSwitch?: LineSwitch } = {}): FailoverTester {
  const asHandle = (h: FailoverHandle): CloudHandle => {
    if (h.kind !== 'cloud-assistant' || (typeof h.invokeId !== 'string' && (typeof h.invokeIds !== 'object' || h.invokeIds === null || Array.isArray(h.invokeIds)))) {
      throw new ValidationError('not a Cloud Assistant failover test', { code: 'InvalidHandle' });
    }
    return h as CloudHandle;
  };
  const invocations = (h: CloudHandle): string => Object.values(perTarget(h) ?? {}).join(', ') || (legacyInvokeId(h) ?? '');
  /** Each target's series as far as it got, and whether every invocation has ended. */
  const series = async (h: CloudHandle): Promise<{ done: boolean; byTarget: Map<string, PingSeries> }> => {
    const ids = perTarget(h);
    if (!ids) {
      const { done, result } = await readPing(ecs, legacyInvokeId(h) ?? '', h.instanceId);
      return { done, byTarget: new Map(h.targetIps.map((t) => [t, parseSinglePingOutput(t, result?.output ?? '')])) };
    }
    const byTarget = new Map<string, PingSeries>();
    let done = true;
    for (const t of h.targetIps) {
      const invokeId = ids[t];
      if (!invokeId) continue;
      const r = await readPing(ecs, invokeId, h.instanceId);
      done &&= r.done;
      byTarget.set(t, parseSinglePingOutput(t, r.result?.output ?? ''));
    }
    return { done, byTarget };
  };
  return {
    kind: 'cloud-assistant',
    switchesLines: opts.lineSwitch === 'terminate-vbr',
    async start(spec, { now, clientToken }) {
      const [status] = await ecs.describeCloudAssistantStatus({ instanceIds: [spec.sourceInstanceId] });
      if (!status?.cloudAssistantStatus) {
        throw new ValidationError(`Cloud Assistant is not running on ${spec.sourceInstanceId}: the ping series cannot start`, { code: 'CloudAssistantUnavailable', field: 'failoverTest.sourceInstanceId' });
      }
      const intervalSeconds = spec.sampleIntervalMs / 1000;
      const count = Math.ceil(spec.windowMs / spec.sampleIntervalMs);
      const invokeIds: Record<string, string> = {};
      for (const t of spec.targetIps) {
        // One plain ping per target (`-D` timestamps, `-O` "no answer yet"; the emulator accepts
        // both and prints neither: losses are then read from the missing sequence numbers).
        const r = await startPing(ecs, spec.sourceInstanceId, t, { count, intervalSeconds, series: true, name: 'xcflow-failover-ping', field: 'targetIps' }, `${clientToken}:${t}`);
        invokeIds[t] = r.invokeId;
      }
      const handle: CloudHandle = {
        kind: 'cloud-assistant',
        testId: spec.testId,
        sampleIntervalMs: spec.sampleIntervalMs,
        startedAt: now,
        invokeIds,
        instanceId: spec.sourceInstanceId,
        targetIps: spec.targetIps,
        ...switchFields(spec),
      };
      return handle;
    },
    async failLine(h, pc, { now }) {
      const handle = asHandle(h);
      if (switchesByApi(handle)) return switchVbr(needVpc(opts.vpc), vbrOf(handle, pc), pc, 'down', now, `${handle.testId}:${pc}`);
      return {
        performed: false,
        physicalConnectionId: pc,
        at: now,
        instruction: `take physical connection ${pc} down now (shut the customer-side port); ${handle.instanceId} keeps pinging ${handle.targetIps.join(', ')} (InvokeId ${invocations(handle)})`,
        requestIds: [],
      };
    },
    async restoreLine(h, pc, { now }) {
      const handle = asHandle(h);
      if (switchesByApi(handle)) return switchVbr(needVpc(opts.vpc), vbrOf(handle, pc), pc, 'up', now, `${handle.testId}:${pc}`);
      return {
        performed: false,
        physicalConnectionId: pc,
        at: now,
        instruction: `bring physical connection ${pc} back up now; ${handle.instanceId} keeps pinging (InvokeId ${invocations(handle)})`,
        requestIds: [],
      };
    },
    lineRestored: async (h, pc) => (switchesByApi(h) ? vbrActive(needVpc(opts.vpc), vbrOf(h, pc)) : { ready: true, status: 'operator' }),
    async observe(h, { since, until }, { now }) {
      const handle = asHandle(h);
      const { done, byTarget } = await series(handle);
      const flows = handle.targetIps.map((t) => {
        const s = byTarget.get(t) ?? { target: t, replies: [], unanswered: [] };
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
 * The tester for these cloud clients: the emulator's when they talk to the emulator with its
 * data-plane prober (it knows the endpoint), Cloud Assistant's otherwise. `lineSwitch` says who
 * switches lines for a new test; a running test's handle keeps its own.
 */
export function failoverTesterFor(cloud: CloudClients, lineSwitch?: LineSwitch): FailoverTester {
  const opts = { vpc: cloud.vpc, ...(lineSwitch ? { lineSwitch } : {}) };
  if (cloud.prober.kind === 'emulator' && cloud.prober.endpoint) return createEmulatorFailoverTester(cloud.prober.endpoint, opts);
  return createCloudAssistantFailoverTester(cloud.ecs, opts);
}
