/**
 * The control API under `/_emulator/` (not part of Alibaba's API, not signed): what tests and
 * the console use to look inside and steer the emulator. JSON in, JSON out; mistakes answer 4xx
 * with `{ error: { code, message } }`.
 *
 *   GET    /_emulator/state                         model snapshot, faults, Cloud Assistant, calls
 *   POST   /_emulator/reset                         fresh model from the start topology
 *   GET    /_emulator/faults                        current faults and counters
 *   POST   /_emulator/faults                        set faults (see faults.ts)
 *   DELETE /_emulator/faults                        clear faults
 *   POST   /_emulator/physical-connections/{id}/down|up
 *   GET    /_emulator/clock                         clock kind, now, wall-clock equivalent
 *   POST   /_emulator/clock/advance {ms}            virtual clock only
 *   GET    /_emulator/reachability?source=&destination=[&sourceIp=&protocol=&sourcePort=&destinationPort=]
 *   POST   /_emulator/probes {flows, intervalMs}    add flows and (re)start sampling
 *   GET    /_emulator/probes[?flow=&since=]         timeline + summary
 *   DELETE /_emulator/probes                        stop, forget flows and timeline
 *   POST   /_emulator/snapshot                      take a snapshot (the full model state)
 *   PUT    /_emulator/snapshot                      load a snapshot into a fresh model
 *   POST   /_emulator/timings                       change lifecycle delays (ms)
 *   GET    /_emulator/calls                         recent RPC calls (action, code, RequestId)
 */
import { EmulatorApiError } from './errors.ts';
import type { Clock } from './clock.ts';
import { VirtualClock } from './clock.ts';
import type { FaultInjector } from './faults.ts';
import type { NetworkModel } from './model/network.ts';
import type { EmulatorSnapshot } from './model/types.ts';
import type { ProbeFlowSpec } from './probes.ts';
import type { CloudAssistant } from './ecs/assistant.ts';
import type { RpcGateway } from './rpc/gateway.ts';
import { XcflowError } from '../errors.ts';

/** What the control API works on; the model can be swapped (reset, snapshot load). */
export interface ControlTarget {
  readonly clock: Clock;
  readonly faults: FaultInjector;
  readonly gateway: RpcGateway;
  readonly assistant: CloudAssistant;
  model(): NetworkModel;
  /** Replaces the model with a fresh one from the start topology. */
  reset(): void;
  /** Replaces the model with one built from a snapshot. */
  load(snapshot: EmulatorSnapshot): void;
  /** Name or path of the start topology (for `GET state`). */
  readonly topologyName: string;
}

/** A control API answer. */
export interface ControlResponse {
  readonly status: number;
  readonly body: unknown;
}

/** An answer with a 4xx status. */
class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const PREFIX = '/_emulator';

/** Handles one control request. Never throws. */
export function handleControl(target: ControlTarget, method: string, path: string, query: URLSearchParams, rawBody: string): ControlResponse {
  try {
    const route = path.slice(PREFIX.length).replace(/\/+$/, '') || '/';
    const body = (): unknown => parseJson(rawBody);
    const key = `${method.toUpperCase()} ${route}`;
    switch (key) {
      case 'GET /state':
        return ok(state(target));
      case 'POST /reset':
        target.reset();
        return ok({ reset: true, now: target.clock.now() });
      case 'GET /faults':
        return ok(target.faults.state());
      case 'POST /faults':
        return ok(target.faults.set(body()));
      case 'DELETE /faults':
        target.faults.clear();
        return ok(target.faults.state());
      case 'GET /clock':
        return ok(clockState(target));
      case 'POST /clock/advance':
        return ok(advance(target, body()));
      case 'GET /reachability':
        return ok(reachability(target, query));
      case 'POST /probes':
        return ok(startProbes(target, body()));
      case 'GET /probes':
        return ok(probes(target, query));
      case 'DELETE /probes': {
        const rec = target.model().probes;
        rec.stop();
        for (const f of rec.listFlows()) if (f.id) rec.removeFlow(f.id);
        rec.clearTimeline();
        return ok({ running: false });
      }
      case 'POST /snapshot':
        return ok(target.model().snapshot());
      case 'PUT /snapshot':
        target.load(snapshotBody(body()));
        return ok({ loaded: true, now: target.clock.now() });
      case 'POST /timings':
        return ok(setTimings(target, body()));
      case 'GET /calls':
        return ok({ calls: target.gateway.calls(), counts: target.gateway.callCounts() });
      default: {
        const pc = /^\/physical-connections\/([^/]+)\/(down|up)$/.exec(route);
        if (pc && method.toUpperCase() === 'POST') {
          const id = decodeURIComponent(pc[1] ?? '');
          const record = target.model().vbrs.setPhysicalConnectionLink(id, pc[2] === 'down' ? 'Down' : 'Up');
          return ok({ physicalConnectionId: record.physicalConnectionId, linkStatus: record.linkStatus, status: record.status });
        }
        if (KNOWN_ROUTES.has(route) || pc) throw new ControlError(405, 'MethodNotAllowed', `${method} is not allowed on ${PREFIX}${route}`);
        throw new ControlError(404, 'NotFound', `no control route ${PREFIX}${route}`);
      }
    }
  } catch (err) {
    return fail(err);
  }
}

const KNOWN_ROUTES = new Set(['/state', '/reset', '/faults', '/clock', '/clock/advance', '/reachability', '/probes', '/snapshot', '/timings', '/calls']);

function ok(body: unknown): ControlResponse {
  return { status: 200, body };
}

function fail(err: unknown): ControlResponse {
  if (err instanceof ControlError) return { status: err.status, body: { error: { code: err.code, message: err.message } } };
  if (err instanceof EmulatorApiError) {
    return { status: err.httpStatus === 404 ? 404 : 400, body: { error: { code: err.code, message: err.message } } };
  }
  if (err instanceof XcflowError) {
    return { status: err.kind === 'not_found' ? 404 : 400, body: { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } } };
  }
  if (err instanceof RangeError || err instanceof TypeError) {
    return { status: 400, body: { error: { code: 'InvalidRequest', message: err.message } } };
  }
  console.error('emulator control API failed unexpectedly', err);
  return { status: 500, body: { error: { code: 'InternalError', message: err instanceof Error ? err.message : String(err) } } };
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ControlError(400, 'InvalidJson', 'request body is not valid JSON');
  }
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ControlError(400, 'InvalidRequest', `${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

function state(t: ControlTarget): Record<string, unknown> {
  const model = t.model();
  const rec = model.probes;
  return {
    topology: t.topologyName,
    clock: clockState(t),
    model: model.snapshot(),
    timings: model.timings,
    quotas: model.quotas,
    faults: t.faults.state(),
    cloudAssistant: {
      listeners: t.assistant.listening(),
      invocations: t.assistant.list().map((inv) => ({
        invokeId: inv.invokeId,
        status: inv.status,
        instances: inv.instances.map((i) => ({ instanceId: i.instanceId, status: i.status, exitCode: i.exitCode ?? null })),
      })),
    },
    probes: { running: rec.running, intervalMs: rec.interval, flows: rec.listFlows() },
    calls: t.gateway.callCounts(),
  };
}

function clockState(t: ControlTarget): Record<string, unknown> {
  const now = t.clock.now();
  const epoch = t.model().core.epochOffsetMs;
  const virtual = t.clock instanceof VirtualClock;
  return {
    kind: virtual ? 'virtual' : 'real',
    now,
    time: new Date(now + epoch).toISOString(),
    ...(virtual ? { pendingTimers: (t.clock as VirtualClock).pending } : { speed: (t.clock as { speed?: number }).speed ?? 1 }),
  };
}

function advance(t: ControlTarget, input: unknown): Record<string, unknown> {
  if (!(t.clock instanceof VirtualClock)) throw new ControlError(409, 'RealClock', 'the emulator runs on a real clock; only a virtual clock can be advanced');
  const ms = asObject(input, 'body').ms;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new ControlError(400, 'InvalidRequest', 'ms must be a number >= 0');
  t.clock.advance(ms);
  return clockState(t);
}

function reachability(t: ControlTarget, q: URLSearchParams): unknown {
  const source = q.get('source');
  const destination = q.get('destination') ?? q.get('destinationIp');
  if (!source || !destination) throw new ControlError(400, 'InvalidRequest', 'source and destination are required query parameters');
  const protocol = q.get('protocol');
  if (protocol !== null && protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'icmp') {
    throw new ControlError(400, 'InvalidRequest', 'protocol must be tcp, udp or icmp');
  }
  const port = (name: string): number | undefined => {
    const v = q.get(name);
    if (v === null) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ControlError(400, 'InvalidRequest', `${name} must be a port number`);
    return n;
  };
  const sourcePort = port('sourcePort');
  const destinationPort = port('destinationPort');
  const sourceIp = q.get('sourceIp');
  return t.model().reachability({
    source,
    destinationIp: destination,
    ...(sourceIp ? { sourceIp } : {}),
    flow: {
      ...(protocol ? { protocol } : {}),
      ...(sourcePort !== undefined ? { sourcePort } : {}),
      ...(destinationPort !== undefined ? { destinationPort } : {}),
    },
  });
}

function startProbes(t: ControlTarget, input: unknown): Record<string, unknown> {
  const body = asObject(input, 'body');
  const flows = body.flows;
  if (!Array.isArray(flows) || flows.length === 0) throw new ControlError(400, 'InvalidRequest', 'flows must be a non-empty list of {source, destinationIp}');
  const specs: ProbeFlowSpec[] = flows.map((f, i) => {
    const o = asObject(f, `flows[${i}]`);
    const destinationIp = o.destinationIp ?? o.destination;
    if (typeof o.source !== 'string' || typeof destinationIp !== 'string') {
      throw new ControlError(400, 'InvalidRequest', `flows[${i}] needs source and destinationIp strings`);
    }
    const flow = o.flow === undefined ? undefined : asObject(o.flow, `flows[${i}].flow`);
    return {
      source: o.source,
      destinationIp,
      ...(typeof o.id === 'string' ? { id: o.id } : {}),
      ...(typeof o.sourceIp === 'string' ? { sourceIp: o.sourceIp } : {}),
      ...(flow ? { flow: flow as ProbeFlowSpec['flow'] } : {}),
    };
  });
  const intervalMs = body.intervalMs ?? 1000;
  if (typeof intervalMs !== 'number' || !(intervalMs > 0)) throw new ControlError(400, 'InvalidRequest', 'intervalMs must be a number > 0');
  const rec = t.model().probes;
  if (body.reset === true) {
    rec.stop();
    for (const f of rec.listFlows()) if (f.id) rec.removeFlow(f.id);
    rec.clearTimeline();
  }
  const ids = specs.map((s) => rec.addFlow(s));
  rec.start({ intervalMs, immediate: body.immediate !== false });
  return { running: true, intervalMs, flows: ids };
}

function probes(t: ControlTarget, q: URLSearchParams): Record<string, unknown> {
  const rec = t.model().probes;
  const flow = q.get('flow') ?? undefined;
  const sinceText = q.get('since');
  const since = sinceText === null ? undefined : Number(sinceText);
  if (since !== undefined && !Number.isFinite(since)) throw new ControlError(400, 'InvalidRequest', 'since must be a number (clock ms)');
  const filter = { ...(flow ? { flow } : {}), ...(since !== undefined ? { since } : {}) };
  return {
    running: rec.running,
    intervalMs: rec.interval,
    flows: rec.listFlows(),
    summary: rec.summary(since !== undefined ? { since } : {}).filter((s) => !flow || s.flow === flow),
    timeline: rec.timeline(filter),
  };
}

function snapshotBody(input: unknown): EmulatorSnapshot {
  const body = asObject(input, 'snapshot');
  if (body.version !== 1) throw new ControlError(400, 'InvalidSnapshot', 'snapshot.version must be 1');
  for (const k of ['routeTables', 'routeEntries', 'vpcs', 'vbrs', 'physicalConnections', 'routerInterfaces', 'cens']) {
    if (!Array.isArray(body[k])) throw new ControlError(400, 'InvalidSnapshot', `snapshot.${k} must be a list`);
  }
  return body as unknown as EmulatorSnapshot;
}

function setTimings(t: ControlTarget, input: unknown): Record<string, unknown> {
  const body = asObject(input, 'body');
  const known = new Set(Object.keys(t.model().timings));
  for (const k of Object.keys(body)) if (!known.has(k)) throw new ControlError(400, 'InvalidRequest', `unknown timing "${k}"`);
  t.model().setTimings(body as Partial<NetworkModel['timings']>);
  return t.model().timings as unknown as Record<string, unknown>;
}
